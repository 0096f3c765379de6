/*
 * tests/check_damage.c — a damaged or truncated LMDB file never crashes the host, never
 * hangs it and never hands out wrong data. A store of 2,000 customers is damaged in
 * hundreds of ways (bits flipped in pages in use, truncations, zeroed pages, the meta
 * pages among them), and for each copy a child process does what a careful host does:
 * open, open a context, check, and only then list, find and verify the audit log. Any
 * error code is an acceptable answer; a signal, a hang, or a customer that differs from
 * what was stored without an error is not. Every other copy is opened with a budget of 16
 * pages for the open-time check, so that the damage the open leaves alone in the larger
 * buckets reaches custos_db_check() instead (the store fits the default budget whole).
 *
 * CUSTOS_DAMAGE_SEED repeats a run (its seed is printed first); CUSTOS_DAMAGE_COUNT sets
 * how many copies are damaged (docs/security.md has the longer campaign). A copy that
 * fails is kept, and its directory printed: the store's layout differs from run to run
 * (audit entries hold times), so the seed alone does not make the same file again.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/lmdb/check.h"
#include "support.h"

#define CUSTOMERS 2000
#define BATCH 200
#define FINDS 20
#define CASE_SECONDS 120
#define SMALL_BUDGET 16           /* pages: the meta, access and free-list trees of this store */

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_COUNT 400        /* a copy takes about 4 times as long */
#else
#define DEFAULT_COUNT 1600
#endif

/* ---- the store and what was put in it ---- */

typedef struct original {
	char name[48];
	char email[64];
	char address[96];
} original;

static original stored[CUSTOMERS + 1];   /* by customer id */

static void describe(original *o, int i)
{
	snprintf(o->name, sizeof o->name, "Customer Number %d", i);
	snprintf(o->email, sizeof o->email, "customer.%d@damage.example", i);
	snprintf(o->address, sizeof o->address, "%d Long Street, Building %d, District %d", i, i % 97, i % 13);
}

static void create_customers(custos_ctx *ctx)
{
	custos_customer *batch[BATCH];
	original o[BATCH];
	uint64_t ids[BATCH];

	for (int b = 0; b < CUSTOMERS / BATCH; b++) {
		for (int i = 0; i < BATCH; i++) {
			describe(&o[i], b * BATCH + i);
			batch[i] = t_person(ctx, o[i].name, o[i].email);
			ck_assert_int_eq(custos_customer_set_text(batch[i], "address", o[i].address), CUSTOS_OK);
		}
		ck_assert_msg(custos_customer_create_many(ids, ctx, batch, BATCH) == CUSTOS_OK, "%s", custos_error_last());
		for (int i = 0; i < BATCH; i++) {
			ck_assert_uint_le(ids[i], CUSTOMERS);
			stored[ids[i]] = o[i];
			custos_customer_free(batch[i]);
		}
	}
}

/* Reads, so that the audit log holds blocks of read entries as well as the writes. */
static void read_traffic(custos_ctx *ctx)
{
	custos_customer *c;
	custos_iter *it;
	uint64_t id;

	for (uint64_t i = 1; i <= CUSTOMERS; i += 7) {
		ck_assert_int_eq(custos_customer_lookup(&c, ctx, i), CUSTOS_OK);
		custos_customer_free(c);
	}
	for (uint64_t i = 3; i <= CUSTOMERS; i += 41) {
		ck_assert_int_eq(custos_customer_find(&it, ctx, "email", stored[i].email), CUSTOS_OK);
		ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_OK);
		ck_assert_uint_eq(id, i);
		custos_iter_free(it);
	}
	ck_assert_int_eq(custos_audit_flush(ctx), CUSTOS_OK);
}

static void build_store(const char *dir)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db;
	custos_ctx *ctx;
	char uri[300];

	o.flags = CUSTOS_OPEN_CREATE;
	o.durability = CUSTOS_DURABILITY_NORMAL;
	o.expected_customers = 100000;
	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	ck_assert_msg(custos_db_open(&db, uri, s, &o) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	create_customers(ctx);
	read_traffic(ctx);
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(s);
}

/* ---- randomness that a seed repeats ---- */

static uint64_t rng_state;

static uint64_t next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);  /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return next() % n;
}

static uint64_t env_number(const char *name, uint64_t fallback)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : fallback;
}

/* ---- damage ---- */

typedef struct image {
	unsigned char *bytes;     /* data.mdb as the store left it */
	size_t size;
	uint32_t psize;
	uint64_t *used;           /* the pages the newest snapshot uses */
	size_t nused;
} image;

typedef struct damage {
	unsigned char *bytes;     /* a damaged copy */
	size_t size;
	char what[160];
} damage;

static void zero_page(damage *d, const image *im, uint64_t pg)
{
	memset(d->bytes + pg * im->psize, 0, im->psize);
}

static void flip_bits(damage *d, const image *im)
{
	uint64_t pg = im->used[below(im->nused)];
	int n = 1 + (int)below(8);

	for (int i = 0; i < n; i++)
		d->bytes[pg * im->psize + below(im->psize)] ^= (unsigned char)(1u << below(8));
	snprintf(d->what, sizeof d->what, "%d random bit flips in page %llu", n, (unsigned long long)pg);
}

static void cut(damage *d, size_t at)
{
	d->size = at;
	snprintf(d->what, sizeof d->what, "truncated to %zu bytes", at);
}

static void random_damage(damage *d, const image *im)
{
	uint64_t kind = below(10), pg;

	if (kind < 6) {
		flip_bits(d, im);
	} else if (kind < 8) {
		cut(d, kind == 6 ? (size_t)below(im->size / im->psize) * im->psize : (size_t)below(im->size));
	} else {
		pg = im->used[below(im->nused)];
		zero_page(d, im, pg);
		snprintf(d->what, sizeof d->what, "page %llu zeroed", (unsigned long long)pg);
	}
}

/* Copy k: the first few are fixed (each meta page, both, cuts at page boundaries), the
 * others random. */
static void make_damage(damage *d, const image *im, uint64_t k)
{
	memcpy(d->bytes, im->bytes, im->size);
	d->size = im->size;
	switch (k) {
	case 0:
	case 1:
		zero_page(d, im, k);
		snprintf(d->what, sizeof d->what, "meta page %llu zeroed", (unsigned long long)k);
		return;
	case 2:
		zero_page(d, im, 0);
		zero_page(d, im, 1);
		snprintf(d->what, sizeof d->what, "both meta pages zeroed");
		return;
	case 3:
	case 4:
	case 5:
		cut(d, (size_t)(k - 3) * im->psize);
		return;
	case 6:
		cut(d, im->size - im->psize);
		return;
	default:
		random_damage(d, im);
	}
}

/* ---- a careful host, in a child process ---- */

enum { AT_OPEN, AT_CONTEXT, AT_CHECK, AT_LIST, AT_FIND, AT_VERIFY, AT_NONE, STAGES };
static const char *const stage_names[STAGES] = { "open", "context", "check", "list", "find", "verify", "none" };

typedef struct verdict {
	int stage;                /* the call that failed; AT_NONE if none did */
	int code;
	int wrong;                /* a customer differed from what was stored, and no call said so */
	char msg[300];
} verdict;

static int same(const custos_customer *c, uint64_t id, verdict *v)
{
	static const char *const fields[] = { "name", "email", "address" };
	const original *o = &stored[id];
	const char *want[] = { o->name, o->email, o->address }, *have;

	for (int i = 0; i < 3; i++) {
		int rc = custos_customer_get_text(&have, c, fields[i]);
		if (rc || strcmp(have, want[i])) {
			v->wrong = 1;
			snprintf(v->msg, sizeof v->msg, "customer %llu: field '%s' is %s", (unsigned long long)id, fields[i],
				rc ? custos_error_name(rc) : "not what was stored");
			return 0;
		}
	}
	return 1;
}

/* Every customer, in id order, each equal to what was stored; all 2,000 of them. */
static int list_all(custos_ctx *ctx, verdict *v)
{
	custos_customer *c;
	custos_iter *it;
	uint64_t expect = 1;
	int rc;

	if ((rc = custos_customer_list(&it, ctx, NULL)))
		return rc;
	while (!v->wrong && (rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
		uint64_t id = custos_customer_id(c);
		if (id != expect++ || id > CUSTOMERS) {
			v->wrong = 1;
			snprintf(v->msg, sizeof v->msg, "listed customer %llu where %llu was due", (unsigned long long)id,
				(unsigned long long)(expect - 1));
		} else {
			same(c, id, v);
		}
		custos_customer_free(c);
	}
	custos_iter_free(it);
	if (!v->wrong && rc == CUSTOS_ITEROVER && expect != CUSTOMERS + 1) {
		v->wrong = 1;
		snprintf(v->msg, sizeof v->msg, "listed %llu customers of %d", (unsigned long long)(expect - 1), CUSTOMERS);
	}
	return v->wrong || rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* Finds by email: damage may hide a customer (an index entry is a hint), never show
 * another or a changed one. */
static int find_some(custos_ctx *ctx, uint64_t k, verdict *v)
{
	custos_customer *c;
	custos_iter *it;
	int rc = CUSTOS_OK;

	for (uint64_t i = 0; i < FINDS && !v->wrong && !rc; i++) {
		uint64_t id = 1 + (k * 131 + i * 97) % CUSTOMERS;
		if ((rc = custos_customer_find(&it, ctx, "email", stored[id].email)))
			break;
		while (!v->wrong && (rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
			if (custos_customer_id(c) != id) {
				v->wrong = 1;
				snprintf(v->msg, sizeof v->msg, "the email of customer %llu found customer %llu",
					(unsigned long long)id, (unsigned long long)custos_customer_id(c));
			} else {
				same(c, id, v);
			}
			custos_customer_free(c);
		}
		custos_iter_free(it);
		rc = rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
	}
	return v->wrong ? CUSTOS_OK : rc;
}

static int verify_log(custos_ctx *ctx, verdict *v)
{
	uint64_t first_bad = 0;
	int rc = custos_audit_verify(&first_bad, ctx, 0, NULL, 0);

	if (!rc && first_bad) {
		v->wrong = 1;
		snprintf(v->msg, sizeof v->msg, "the log verified but names entry %llu", (unsigned long long)first_bad);
	}
	return rc;
}

static int careful_steps(const char *dir, uint64_t k, verdict *v, custos_db **db, custos_ctx **ctx)
{
	custos_secret *s = t_secret();
	char uri[640];
	int rc;

	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	rc = custos_db_open(db, uri, s, NULL);
	custos_secret_free(s);
	if (rc || (v->stage = AT_CONTEXT, rc = custos_ctx_open(ctx, *db, "admin")) ||
	    (v->stage = AT_CHECK, rc = custos_db_check(*ctx)) || (v->stage = AT_LIST, rc = list_all(*ctx, v)) ||
	    v->wrong || (v->stage = AT_FIND, rc = find_some(*ctx, k, v)) || v->wrong ||
	    (v->stage = AT_VERIFY, rc = verify_log(*ctx, v)) || v->wrong)
		return rc;
	v->stage = AT_NONE;
	return CUSTOS_OK;
}

static void careful_host(const char *dir, uint64_t k, int fd)
{
	verdict v = { AT_OPEN, 0, 0, "" };
	custos_db *db = NULL;
	custos_ctx *ctx = NULL;
	ssize_t w;

	v.code = careful_steps(dir, k, &v, &db, &ctx);
	if (v.code)
		snprintf(v.msg, sizeof v.msg, "%s", custos_error_last());
	custos_ctx_free(ctx);
	custos_db_close(db);
	w = write(fd, &v, sizeof v);
	_exit(w == (ssize_t)sizeof v ? 0 : 3);
}

/* ---- the campaign ---- */

typedef struct tally {
	unsigned copies;
	unsigned answers[STAGES][32];   /* by failing call and -code */
	unsigned failed;
	char first_failure[640];
} tally;

static void write_copy(const char *dir, const damage *d)
{
	char store[640], path[700];
	FILE *f;

	snprintf(store, sizeof store, "%s/store", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(mkdir(store, 0700), 0);
	snprintf(path, sizeof path, "%s/data.mdb", store);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(d->bytes, 1, d->size, f), d->size);
	ck_assert_int_eq(fclose(f), 0);
}

/* Wait for the child at most CASE_SECONDS; 0 if it hung (and was killed). */
static int wait_for(pid_t pid, int *status)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (waitpid(pid, status, WNOHANG) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > CASE_SECONDS) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return 0;
		}
		usleep(2000);
	}
	return 1;
}

static void fail_case(tally *t, uint64_t k, const damage *d, const char *how, const char *kept)
{
	if (!t->failed++)
		snprintf(t->first_failure, sizeof t->first_failure, "copy %llu (%s): %s", (unsigned long long)k, d->what, how);
	fprintf(stderr, "damage: copy %llu (%s): %s; the copy is kept in %s\n", (unsigned long long)k, d->what, how, kept);
}

static void run_case(const char *base, const damage *d, uint64_t k, tally *tallies)
{
	tally *t = &tallies[k % 2];
	char dir[300], how[360];
	unsigned failed = t->failed;
	verdict v;
	int fds[2], status;
	pid_t pid;

	snprintf(dir, sizeof dir, "%s/copy%llu", base, (unsigned long long)k);
	write_copy(dir, d);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(fds[0]);
		if (k % 2)
			cu_lmdb_open_budget = SMALL_BUDGET;
		careful_host(dir, k, fds[1]);
	}
	close(fds[1]);
	if (!wait_for(pid, &status))
		fail_case(t, k, d, "no answer: the host hung", dir);
	else if (WIFSIGNALED(status))
		fail_case(t, k, d, strsignal(WTERMSIG(status)), dir);
	else if (read(fds[0], &v, sizeof v) != (ssize_t)sizeof v || !WIFEXITED(status) || WEXITSTATUS(status))
		fail_case(t, k, d, "the host gave no verdict", dir);
	else if (v.wrong)
		fail_case(t, k, d, (snprintf(how, sizeof how, "wrong data without an error: %s", v.msg), how), dir);
	else
		t->answers[v.stage][-v.code & 31]++;
	t->copies++;
	close(fds[0]);
	if (t->failed == failed)
		t_rmtree(dir);
}

static void print_summary(const tally *t, uint64_t budget, uint64_t seed)
{
	char line[2048];
	size_t n;

	n = (size_t)snprintf(line, sizeof line, "damage: %u copies opened with a %llu-page budget, seed %llu: %u "
		"failed (crash, hang or wrong data); answers:", t->copies, (unsigned long long)budget,
		(unsigned long long)seed, t->failed);
	for (int s = 0; s < STAGES; s++)
		for (int c = 0; c < 32; c++)
			if (t->answers[s][c] && n < sizeof line)
				n += (size_t)snprintf(line + n, sizeof line - n, " %s %s %u,", stage_names[s],
					c ? custos_error_name(-c) : "OK", t->answers[s][c]);
	if (n < sizeof line)
		line[n - 1] = '\0';
	fprintf(stderr, "%s\n", line);
}

START_TEST(a_damaged_file_never_crashes_hangs_or_lies)
{
	uint64_t seed = env_number("CUSTOS_DAMAGE_SEED", (uint64_t)time(NULL)), count;
	char base[256], store[300];
	struct timespec t0, t1;
	tally t[2];
	image im;
	damage d;
	t_lmdb l;

	count = env_number("CUSTOS_DAMAGE_COUNT", DEFAULT_COUNT);
	fprintf(stderr, "damage: seed %llu (CUSTOS_DAMAGE_SEED=%llu repeats this run)\n", (unsigned long long)seed,
		(unsigned long long)seed);
	rng_state = seed;
	memset(t, 0, sizeof t);
	t_tmpdir(base, sizeof base);
	build_store(base);
	snprintf(store, sizeof store, "%s/store", base);
	t_lmdb_layout(store, &l);
	im.psize = l.psize;
	im.size = l.size;
	im.nused = t_lmdb_pages_in_use(store, &l, &im.used);
	ck_assert_ptr_nonnull(im.bytes = malloc(im.size));
	ck_assert_ptr_nonnull(d.bytes = malloc(im.size));
	t_lmdb_read(store, 0, im.bytes, im.size);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t k = 0; k < count; k++) {
		make_damage(&d, &im, k);
		run_case(base, &d, k, t);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(&t[0], cu_lmdb_open_budget, seed);
	print_summary(&t[1], SMALL_BUDGET, seed);
	fprintf(stderr, "damage: %llu copies in %.1f s\n", (unsigned long long)count,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ck_assert_msg(t[0].failed + t[1].failed == 0, "%u of %llu damaged copies failed; the first: %s",
		t[0].failed + t[1].failed, (unsigned long long)count, t[0].failed ? t[0].first_failure : t[1].first_failure);
	free(d.bytes);
	free(im.bytes);
	free(im.used);
	if (t[0].failed + t[1].failed == 0)
		t_rmtree(base);
}
END_TEST

static Suite *damage_suite(void)
{
	Suite *s = suite_create("damage");
	TCase *tc = tcase_create("campaign");

	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, a_damaged_file_never_crashes_hangs_or_lies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(damage_suite());
}
