/*
 * examples/demo.c — the main demonstration: an LMDB store in a local folder, loaded with
 * synthetic customers, searched by email, updated, and summarised with timings.
 *
 *   custos-demo [--dir DIR] [--count N] [--fresh]
 *
 * --fresh removes a previous demo store in DIR (only its data.mdb and lock.mdb).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <custos.h>

#include "synth.h"

#define BATCH 10000
#define SAMPLE 1000

#define TRY(call) do { \
		int rc_ = (call); \
		if (rc_ != CUSTOS_OK) { \
			fprintf(stderr, "demo: %s failed: %s (%s)\n", #call, custos_error_last(), custos_error_name(rc_)); \
			exit(1); \
		} \
	} while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void line(const char *what, size_t n, double secs)
{
	printf("  %-38s %8zu in %7.3f s  %9.0f/s  %7.1f us each\n", what, n, secs, (double)n / secs,
		secs * 1e6 / (double)n);
}

static void fresh_dir(const char *dir)
{
	char path[4096];
	const char *files[] = { "data.mdb", "lock.mdb" };

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (unlink(path) != 0 && errno != ENOENT) {
			fprintf(stderr, "demo: cannot remove %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	rmdir(dir);
}

static custos_customer *draft(custos_ctx *ctx, const synth_person *p)
{
	custos_customer *c;

	TRY(custos_customer_new(&c, ctx));
	TRY(custos_customer_set_text(c, "name", p->name));
	TRY(custos_customer_set_text(c, "email", p->email));
	TRY(custos_customer_set_text(c, "phone", p->phone));
	TRY(custos_customer_set_text(c, "address", p->address));
	TRY(custos_customer_set_text(c, "company", p->company));
	TRY(custos_customer_set_text(c, "type", p->type));
	TRY(custos_customer_set_text(c, "stage", p->stage));
	return c;
}

static double load(custos_ctx *ctx, size_t count)
{
	custos_customer **batch = calloc(BATCH, sizeof *batch);
	double t0 = now();
	synth_person p;

	for (size_t done = 0; done < count;) {
		size_t n = count - done < BATCH ? count - done : BATCH;
		for (size_t i = 0; i < n; i++) {
			synth_person_make(&p, done + i, 1);
			batch[i] = draft(ctx, &p);
		}
		TRY(custos_customer_create_many(NULL, ctx, batch, n));
		for (size_t i = 0; i < n; i++)
			custos_customer_free(batch[i]);
		done += n;
		printf("\r  loading: %zu / %zu customers", done, count);
		fflush(stdout);
	}
	printf("\r%60s\r", "");
	free(batch);
	return now() - t0;
}

/* Find SAMPLE customers by email, written in capitals as a person might type it. */
static double find_some(custos_ctx *ctx, size_t count, size_t *hits)
{
	double t0 = now();
	synth_person p;
	char shout[96];

	*hits = 0;
	for (size_t i = 0; i < SAMPLE; i++) {
		size_t n = (i * 7919) % count;
		custos_iter *it;
		uint64_t id;
		synth_person_make(&p, n, 1);
		for (size_t k = 0; k <= strlen(p.email); k++)
			shout[k] = (char)(p.email[k] >= 'a' && p.email[k] <= 'z' ? p.email[k] - 32 : p.email[k]);
		TRY(custos_customer_find(&it, ctx, "email", shout));
		if (custos_iter_next_id(&id, it) == CUSTOS_OK && id == n + 1)
			(*hits)++;
		custos_iter_free(it);
	}
	return now() - t0;
}

static double get_some(custos_ctx *ctx, size_t count)
{
	double t0 = now();
	const char *v;

	for (size_t i = 0; i < SAMPLE; i++) {
		custos_customer *c;
		TRY(custos_customer_get(&c, ctx, (i * 104729) % count + 1));
		TRY(custos_customer_get_text(&v, c, "name"));
		TRY(custos_customer_get_text(&v, c, "email"));
		TRY(custos_customer_get_text(&v, c, "phone"));
		TRY(custos_customer_get_text(&v, c, "address"));
		TRY(custos_customer_get_text(&v, c, "company"));
		custos_customer_free(c);
	}
	return now() - t0;
}

static double update_some(custos_ctx *ctx, size_t count)
{
	custos_customer *patch;
	double t0 = now();

	TRY(custos_customer_new(&patch, ctx));
	TRY(custos_customer_set_text(patch, "stage", "won"));
	TRY(custos_customer_add_tag(patch, "tags", "vip"));
	for (size_t i = 0; i < SAMPLE; i++)
		TRY(custos_customer_update(ctx, (i * 15485863) % count + 1, patch));
	custos_customer_free(patch);
	return now() - t0;
}

static void show_errors(custos_ctx *ctx)
{
	custos_customer *c;
	int rc;

	TRY(custos_customer_new(&c, ctx));
	rc = custos_customer_set_text(c, "email", "bob@");
	printf("  set email \"bob@\"        -> %s: %s\n", custos_error_name(rc), custos_error_last());
	rc = custos_customer_set_text(c, "phone", "call me maybe");
	printf("  set phone \"call me...\"  -> %s: %s\n", custos_error_name(rc), custos_error_last());
	rc = custos_customer_set_text(c, "stage", "closed-won");
	printf("  set stage \"closed-won\"  -> %s: %s\n", custos_error_name(rc), custos_error_last());
	rc = custos_customer_create(NULL, ctx, c);
	printf("  create without a name   -> %s: %s\n", custos_error_name(rc), custos_error_last());
	custos_customer_free(c);
}

int main(int argc, char **argv)
{
	const char *dir = "custos-demo-store";
	size_t count = 60000, hits;
	int fresh = 0;
	char uri[4200], file[4200];
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	uint64_t stored;
	double t0, t_open, t_load, t_find, t_get, t_upd;
	struct stat st;
	synth_person p;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--fresh"))
			fresh = 1;
		else {
			fprintf(stderr, "usage: %s [--dir DIR] [--count N] [--fresh]\n", argv[0]);
			return 2;
		}
	}
	if (count < 1)
		count = 1;
	if (fresh)
		fresh_dir(dir);
	snprintf(uri, sizeof uri, "lmdb:%s", dir);
	printf("custos %s demo: %zu synthetic customers in %s\n\n", custos_version(NULL, NULL, NULL), count, dir);

	opts.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	opts.durability = CUSTOS_DURABILITY_NORMAL;
	opts.expected_customers = count < 100 ? 100 : count;
	opts.default_region = "HK";
	t0 = now();
	TRY(custos_secret_passphrase(&secret, "demo passphrase: use a real one"));
	if (custos_db_open(&db, uri, secret, &opts) != CUSTOS_OK) {
		fprintf(stderr, "demo: %s\n(run with --fresh to replace a previous demo store)\n", custos_error_last());
		return 1;
	}
	custos_secret_free(secret);
	t_open = now() - t0;
	TRY(custos_ctx_open(&ctx, db, "admin"));

	t_load = load(ctx, count);
	t_find = find_some(ctx, count, &hits);
	t_get = get_some(ctx, count);
	t_upd = update_some(ctx, count);
	TRY(custos_customer_count(&stored, ctx));

	printf("Timings (one thread):\n");
	printf("  %-38s %8s in %7.3f s  (Argon2id key derivation)\n", "create store, unlock", "", t_open);
	line("load customers (10,000 per commit)", count, t_load);
	line("find by email (any letter case)", SAMPLE, t_find);
	line("get by id, decrypt every field", SAMPLE, t_get);
	line("update stage and add a tag", SAMPLE, t_upd);

	printf("\nWhat bad input gets:\n");
	show_errors(ctx);

	snprintf(file, sizeof file, "%s/data.mdb", dir);
	synth_person_make(&p, 0, 1);
	printf("\nSummary:\n");
	printf("  customers stored         %llu\n", (unsigned long long)stored);
	printf("  emails found             %zu of %d\n", hits, SAMPLE);
	if (stat(file, &st) == 0)
		printf("  data file                %.1f MiB (%.0f bytes per customer)\n", (double)st.st_size / 1048576.0,
			(double)st.st_size / (double)count);
	printf("  personal data            encrypted per field class (XChaCha20-Poly1305); the first customer's\n"
	       "                           email \"%s\" does not appear in %s\n", p.email, file);
	custos_ctx_free(ctx);
	custos_db_close(db);
	return hits == SAMPLE && stored == count ? 0 : 1;
}
