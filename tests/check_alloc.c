/*
 * tests/check_alloc.c — allocation failure at every point of every public call that
 * allocates (SQLite's countdown), on the memory and the LMDB backend.
 *
 * For N = 1, 2, 3 ... the Nth allocation from the start of the call fails, either that
 * one only (transient) or it and every later one (persistent, N sampled), until a run
 * completes with no failure injected; the countdown must have reached the call in the
 * runs before. Every run must return CUSTOS_OK or CUSTOS_ENOMEM with the thread's error
 * set to it; leak nothing (the live allocations after the call, its cleanup and closing
 * the store equal those before); leave a store that passes custos_audit_verify() through
 * the same handle and after opening again; if it failed, leave every bucket as it was
 * (index builds and rebuilds, which run in batches, may keep index entries: their cleanup
 * checks the store and calls again; a failed close may keep the count of the reads it
 * lost: its cleanup checks the next commit logs them); if it succeeded, have done all of
 * its work.
 * faults.h says what the countdown reaches in which build. alloc_ops.c lists the calls;
 * alloc_fixture.c holds the store they run on.
 *
 * Then the defects the countdown found, each a test of its own, and the interposer itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc_ops.h"
#include "faults.h"

#define MAX_RUNS 100000L
#define SAMPLES 16   /* persistent mode: runs spread over the middle of a call */
#define EDGE 6       /* persistent mode: the first and last N of a call are all run */

static const char *const backends[] = { "memory", "lmdb" };

typedef struct t_mode {
	int lmdb;
	int persistent;
} t_mode;

/* The N after n: every N, except in persistent mode, where the middle of a call of `total`
 * allocations is sampled. */
static long next_n(long n, int persistent, long total)
{
	long stride = total / SAMPLES;

	if (!persistent || stride < 2 || n < EDGE || n >= total - EDGE)
		return n + 1;
	return n + stride < total - EDGE ? n + stride : total - EDGE;
}

/* A failed call: only because of an injected failure, only CUSTOS_ENOMEM, message set. */
static void failed_cleanly(const t_op *op, const t_call *r, long injected, int persistent)
{
	const char *msg = custos_error_last();

	ck_assert_msg(injected > 0, "%s failed with no failure injected (N = %ld): %s: %s", op->name, r->n,
		custos_error_name(r->rc), msg);
	ck_assert_msg(r->rc == CUSTOS_ENOMEM, "%s, %s failure at allocation %ld: %s: %s", op->name,
		persistent ? "persistent" : "transient", r->n, custos_error_name(r->rc), msg);
	ck_assert_msg(custos_error_last_code() == r->rc, "%s, allocation %ld: the thread's error is %s",
		op->name, r->n, custos_error_name(custos_error_last_code()));
	ck_assert_msg(*msg && strcmp(msg, "no error"), "%s, allocation %ld: no error message", op->name, r->n);
}

/* The store verifies through the handle the call used (if still open), then opens again
 * and verifies; it is left closed. */
static void store_still_good(t_fx *fx)
{
	if (fx->db) {
		t_fx_verify(fx->ctx);
		t_fx_close(fx);
	}
	t_fx_open(fx);
	t_fx_verify(fx->ctx);
	t_fx_close(fx);
}

/* What one run did. */
typedef struct t_outcome {
	int rc;          /* what the call returned */
	long injected;   /* failures injected */
	long asked;      /* allocations the call asked for */
} t_outcome;

/* The live allocations after a run, less the store's own growth. */
static void no_leak(const t_op *op, t_fx *fx, long n, int persistent, t_live live, t_live held)
{
	t_live now = t_fault_live(), held_now = t_fx_held(fx);

	now.count -= held_now.count - held.count;
	now.bytes -= held_now.bytes - held.bytes;
	ck_assert_msg(now.count == live.count && now.bytes == live.bytes,
		"%s, %s failure at allocation %ld: %ld allocations (%ld bytes) leaked", op->name,
		persistent ? "persistent" : "transient", n, now.count - live.count, (long)(now.bytes - live.bytes));
}

/* One run with the nth allocation failing (n = 0: none), on the store as seeded. */
static t_outcome run_once(const t_op *op, t_fx *fx, long n, int persistent, int leaks)
{
	unsigned mask = T_FX_ALL & ~(op->flags & T_BATCHES ? 1U << T_B_INDEX : 0) &
		~(op->flags & T_DROPS ? 1U << T_B_META : 0);
	unsigned char before[32], after[32];
	t_live live, held;
	t_outcome o;
	t_call r;

	t_fx_reset(fx);
	live = t_fault_live();
	held = t_fx_held(fx);
	memset(&r, 0, sizeof r);
	r.fx = fx;
	r.n = n;
	if (!(op->flags & T_CLOSED))
		t_fx_open(fx);
	if (op->prepare)
		op->prepare(&r);
	t_fx_digest(fx, mask, before);
	custos_error_clear();
	o.asked = t_fault_allocations();
	t_fault_arm(n, persistent);
	r.rc = o.rc = op->call(&r);
	o.injected = t_fault_disarm();
	o.asked = t_fault_allocations() - o.asked;
	if (r.rc) {
		failed_cleanly(op, &r, o.injected, persistent);
		t_fx_digest(fx, mask, after);
		ck_assert_msg(!memcmp(before, after, 32), "%s, allocation %ld: the failed call changed the store",
			op->name, n);
	} else if (op->check) {
		op->check(&r);
	}
	if (op->cleanup)
		op->cleanup(&r);
	store_still_good(fx);
	if (leaks)
		no_leak(op, fx, n, persistent, live, held);
	return o;
}

static void report(const t_op *op, t_mode m, long total, long failed, long tolerated)
{
	printf("%-60s %-6s %-10s %4ld allocations, %4ld runs failed, %ld succeeded despite a failure\n", op->name,
		backends[m.lmdb], m.persistent ? "persistent" : "transient", total, failed, tolerated);
	fflush(stdout);  /* before an assertion ends the test */
}

static void countdown(const t_op *op, t_mode m)
{
	const char *only = getenv("CHECK_ALLOC_ONLY");  /* run the operations named so, when debugging */
	long n, total, failed = 0, tolerated = 0;
	t_outcome o;
	t_fx fx;

	if ((only && !strstr(op->name, only)) || ((op->flags & T_LMDB_STORE) && !m.lmdb))
		return;
	t_fx_create(&fx, m.lmdb);
	total = run_once(op, &fx, 0, 0, 0).asked;  /* warms caches, counts allocations */
	for (n = 1;; n = next_n(n, m.persistent, total)) {
		ck_assert_int_lt(n, MAX_RUNS);
		o = run_once(op, &fx, n, m.persistent, 1);
		if (!o.injected)
			break;
		failed += o.rc != CUSTOS_OK;
		tolerated += o.rc == CUSTOS_OK;  /* a cache it did without, say: its check passed */
	}
	report(op, m, total, failed, tolerated);
	t_fx_destroy(&fx);
	if ((op->flags & T_LMDB_ONLY) && !m.lmdb) {
		ck_assert_msg(n == 1, "%s allocates on the memory backend now: drop T_LMDB_ONLY", op->name);
		return;
	}
	ck_assert_msg(n > 1, "%s: the countdown never reached the call", op->name);
	if (!m.persistent)
		ck_assert_msg(failed >= op->min_failures, "%s: only %ld runs failed, expected at least %ld", op->name,
			failed, op->min_failures);
}

START_TEST(memory_transient) { countdown(&t_ops[_i], (t_mode){ 0, 0 }); }
END_TEST
START_TEST(memory_persistent) { countdown(&t_ops[_i], (t_mode){ 0, 1 }); }
END_TEST
START_TEST(lmdb_transient) { countdown(&t_ops[_i], (t_mode){ 1, 0 }); }
END_TEST
START_TEST(lmdb_persistent) { countdown(&t_ops[_i], (t_mode){ 1, 1 }); }
END_TEST

/* ---- defects the countdown found ---- */

static t_store T;

static void setup(void) { t_store_open(&T, "memory"); }
static void teardown(void) { t_store_close(&T); }

/* The ids an iterator still has, into seen[*k]; returns the code that ended it. */
static int drain(custos_iter *it, uint64_t *seen, size_t *k, size_t max)
{
	custos_customer *c;
	int rc;

	while ((rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
		if (*k < max)  /* no ck_assert while a countdown is armed: Check allocates */
			seen[*k] = custos_customer_id(c);
		(*k)++;
		custos_customer_free(c);
	}
	return rc;
}

/* A page that fails half read is read again whole by the next call: a list or a find that
 * goes on after a failure skips nothing and repeats nothing. */
START_TEST(an_iterator_goes_on_after_a_failed_page)
{
	uint64_t want[3], seen[8];
	long injected = 1;
	custos_iter *it;
	size_t k;
	int rc;

	for (int i = 0; i < 3; i++)
		want[i] = t_create(T.ctx, "Listed", "listed@example.com");
	for (long n = 1; injected; n++) {
		it = NULL;
		k = 0;
		if (_i)
			ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "listed@example.com"), CUSTOS_OK);
		else
			ck_assert_int_eq(custos_customer_list(&it, T.ctx, NULL), CUSTOS_OK);
		t_fault_arm(n, 0);
		rc = drain(it, seen, &k, 8);
		injected = t_fault_disarm();
		if (rc != CUSTOS_ITEROVER) {
			ck_assert_int_eq(rc, CUSTOS_ENOMEM);
			ck_assert_int_eq(drain(it, seen, &k, 8), CUSTOS_ITEROVER);
		}
		ck_assert_uint_eq(k, 3);
		ck_assert_mem_eq(seen, want, sizeof want);
		custos_iter_free(it);
		ck_assert_int_lt(n, 10000);
	}
}
END_TEST

/* Audit entries from seq *last + 1 on: counts those not in order into *gaps. */
static int read_entries(custos_audit_iter *it, uint64_t *last, long *gaps)
{
	custos_audit_entry *e;
	int rc;

	while ((rc = custos_audit_next(&e, it)) == CUSTOS_OK) {
		*gaps += custos_audit_entry_seq(e) != *last + 1;
		*last = custos_audit_entry_seq(e);
		custos_audit_entry_free(e);
	}
	return rc;
}

/* A store whose log holds more than a page of entries (256): reads of one customer. */
static void long_log(t_store *t)
{
	custos_customer *c;
	uint64_t id;

	t_store_open(t, "memory");
	id = t_create(t->ctx, "Logged", NULL);
	for (int i = 0; i < 270; i++) {
		ck_assert_int_eq(custos_customer_lookup(&c, t->ctx, id), CUSTOS_OK);
		custos_customer_free(c);
	}
	ck_assert_int_eq(custos_audit_flush(t->ctx), CUSTOS_OK);
}

/* The audit log read on after a failed page goes on where it was: every entry, each once.
 * (Reading the log adds to it, so every run starts on a new store.) */
START_TEST(reading_the_log_goes_on_after_a_failed_page)
{
	long injected = 1, gaps;
	custos_audit_iter *it;
	uint64_t last;
	t_store t;
	int rc;

	for (long n = 1; injected; n++) {
		long_log(&t);
		ck_assert_int_eq(custos_audit_read(&it, t.ctx, 0), CUSTOS_OK);
		last = 0;
		gaps = 0;
		t_fault_arm(n, 0);
		rc = read_entries(it, &last, &gaps);
		injected = t_fault_disarm();
		if (rc != CUSTOS_ITEROVER) {
			ck_assert_int_eq(rc, CUSTOS_ENOMEM);
			ck_assert_int_eq(read_entries(it, &last, &gaps), CUSTOS_ITEROVER);
		}
		ck_assert_int_eq(gaps, 0);
		ck_assert_uint_gt(last, 256);
		custos_audit_iter_free(it);
		t_store_close(&t);
		ck_assert_int_lt(n, 10000);
	}
}
END_TEST

/* LMDB's own allocations fail as CUSTOS_ENOMEM, not as an I/O error. */
START_TEST(lmdb_out_of_memory_is_enomem)
{
	custos_secret *s = t_secret();
	long injected = 1, failed = 0;
	custos_db *db;
	char uri[300];
	t_store t;
	int rc;

	t_store_open(&t, "lmdb");
	custos_ctx_free(t.ctx);
	custos_db_close(t.db);
	snprintf(uri, sizeof uri, "lmdb:%s/store", t.dir);
	for (long n = 1; injected; n++) {
		db = NULL;
		t_fault_arm(n, 0);
		rc = custos_db_open(&db, uri, s, NULL);
		injected = t_fault_disarm();
		ck_assert_msg(rc == CUSTOS_OK || rc == CUSTOS_ENOMEM, "allocation %ld: %s: %s", n, custos_error_name(rc),
			custos_error_last());
		failed += rc != CUSTOS_OK;
		custos_db_close(db);
		ck_assert_int_lt(n, 10000);
	}
	ck_assert_int_gt(failed, 3);
	custos_secret_free(s);
	t_rmtree(t.dir);
}
END_TEST

/* ---- the interposer (faults.c) ---- */

/* No ck_assert while a countdown is armed: Check allocates too. */
START_TEST(the_countdown_reaches_libc_and_libsodium)
{
	void *p, *q, *g;
	long injected;
	char *d;
	int rc;

	if (!t_faults_everywhere()) {
		printf("skipped: %s\n", t_faults_reach());
		return;
	}
	ck_assert_int_ge(sodium_init(), 0);
	t_fault_arm(1, 0);
	d = strdup("libc allocates this");
	injected = t_fault_disarm();
	ck_assert_ptr_null(d);
	ck_assert_int_eq(injected, 1);
	t_fault_arm(2, 0);  /* transient: only the second fails */
	p = malloc(8);
	q = calloc(1, 8);
	g = sodium_malloc(8);
	injected = t_fault_disarm();
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(q);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(injected, 1);
	t_fault_arm(1, 1);  /* persistent: the first and every later one */
	q = realloc(p, 64);
	rc = posix_memalign(&p, 64, 8);
	d = sodium_malloc(8);
	injected = t_fault_disarm();
	ck_assert_ptr_null(q);
	ck_assert_int_eq(rc, ENOMEM);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(injected, 3);
	free(q ? q : p);  /* a failed realloc left the block as it was */
	sodium_free(g);
}
END_TEST

START_TEST(live_allocations_are_counted_by_what_was_asked)
{
	t_live before, now;
	void *p, *g;

	if (!t_faults_everywhere()) {
		printf("skipped: %s\n", t_faults_reach());
		return;
	}
	ck_assert_int_ge(sodium_init(), 0);
	before = t_fault_live();
	p = malloc(10);
	g = sodium_malloc(100);
	now = t_fault_live();
	ck_assert_int_eq(now.count, before.count + 2);
	ck_assert_uint_eq(now.bytes, before.bytes + 110);
	p = realloc(p, 50);
	now = t_fault_live();
	ck_assert_int_eq(now.count, before.count + 2);
	ck_assert_uint_eq(now.bytes, before.bytes + 150);
	free(p);
	sodium_free(g);
	now = t_fault_live();
	ck_assert_int_eq(now.count, before.count);
	ck_assert_uint_eq(now.bytes, before.bytes);
}
END_TEST

static void add_case(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 600);
	tcase_add_unchecked_fixture(tc, t_fx_seed, t_fx_unseed);  /* once, before the tests fork */
	tcase_add_loop_test(tc, test, 0, (int)t_nops);
	suite_add_tcase(s, tc);
}

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc;

	add_case(s, "memory, transient", memory_transient);
	add_case(s, "memory, persistent", memory_persistent);
	add_case(s, "lmdb, transient", lmdb_transient);
	add_case(s, "lmdb, persistent", lmdb_persistent);
	tc = tcase_create("defects");
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, an_iterator_goes_on_after_a_failed_page, 0, 2);
	tcase_add_test(tc, reading_the_log_goes_on_after_a_failed_page);
	tcase_add_test(tc, lmdb_out_of_memory_is_enomem);
	suite_add_tcase(s, tc);
	tc = tcase_create("interposer");
	tcase_add_test(tc, the_countdown_reaches_libc_and_libsodium);
	tcase_add_test(tc, live_allocations_are_counted_by_what_was_asked);
	suite_add_tcase(s, tc);
	return s;
}

/* The LMDB stores here are opened, written and closed thousands of times, and waiting for
 * their syncs took most of the test's time on a busy disk: they go to a memory file system
 * when there is one, unless TMPDIR says where. (The other LMDB tests use the disk.) */
static void prefer_memory_fs(void)
{
	struct stat st;

	if (!getenv("TMPDIR") && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
}

int main(void)
{
	prefer_memory_fs();
	printf("allocation failures: %s\n", t_faults_reach());
	fflush(stdout);
	return t_run(alloc_suite());
}
