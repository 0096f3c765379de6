/*
 * bench/w1_custos.c — workload W1 on custos: bulk load, get by id reading every encrypted
 * field (with read auditing on, the default, and off), find by email, updates of one field
 * each in its own commit, from one thread and from several at once. Prints "metric value"
 * lines for bench/w1.py, then what the store's file holds (read with plain LMDB calls).
 *
 *   w1-custos --dir DIR --count N [--lookups M] [--updates U] [--threads T] [--phase P]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <custos.h>
#include <sodium.h>

#include "custos_load.h"
#include "w1_common.h"
#include "w1_lmdb_figures.h"

#define TRY(call) do { \
		int rc_ = (call); \
		if (rc_ != CUSTOS_OK) { \
			fprintf(stderr, "w1-custos: %s: %s\n", #call, custos_error_last()); \
			exit(1); \
		} \
	} while (0)

/* Customers 0 .. count-1 as ids 1 .. count, 10,000 per transaction; seconds taken. */
W1_PHASE static double w1_phase_load(custos_ctx *ctx, uint64_t count)
{
	return custos_load_customers(ctx, count, "w1-custos");
}

/* Get customers w1_pick(from) .. w1_pick(to - 1), reading every encrypted field; seconds taken. */
W1_PHASE static double w1_phase_get(custos_ctx *ctx, uint64_t from, uint64_t to, uint64_t count, size_t *touched)
{
	static const char *const fields[] = { "name", "email", "phone", "address", "company" };
	double t = w1_now();

	for (uint64_t i = from; i < to; i++) {
		custos_customer *c;
		const char *v;
		TRY(custos_customer_lookup(&c, ctx, w1_pick(i, count) + 1));
		for (int f = 0; f < 5; f++) {
			TRY(custos_customer_get_text(&v, c, fields[f]));
			*touched += strlen(v);
		}
		custos_customer_free(c);
	}
	return w1_now() - t;
}

/* The same lookups through a second handle on the same store with read auditing off, in
 * alternating chunks so that cache warmth favours neither; prints both. */
static size_t get_on_and_off(custos_ctx *ctx, const custos_db_options *opts, const char *uri,
	const custos_secret *secret, const w1_args *a)
{
	custos_db_options quiet = *opts;
	custos_db *db_quiet;
	custos_ctx *ctx_quiet;
	size_t touched = 0;
	double t_on = 0, t_off = 0;

	quiet.flags = 0;
	quiet.audit_reads = CUSTOS_AUDIT_READS_OFF;
	TRY(custos_db_open(&db_quiet, uri, secret, &quiet));
	TRY(custos_ctx_open(&ctx_quiet, db_quiet, "admin"));
	for (uint64_t k = 0; k < 10; k++) {
		uint64_t from = a->lookups * k / 10, to = a->lookups * (k + 1) / 10;
		t_on += w1_phase_get(ctx, from, to, a->count, &touched);
		t_off += w1_phase_get(ctx_quiet, from, to, a->count, &touched);
	}
	custos_ctx_free(ctx_quiet);
	custos_db_close(db_quiet);
	printf("get_us %.4f\n", t_on * 1e6 / (double)a->lookups);
	printf("get_noaudit_us %.4f\n", t_off * 1e6 / (double)a->lookups);
	return touched;
}

/* Find every email of w1_find_emails(), checking each finds its customer; seconds taken. */
W1_PHASE static double w1_phase_find(custos_ctx *ctx, const w1_args *a, const char *emails)
{
	uint64_t found = 0;
	double t = w1_now();

	for (uint64_t i = 0; i < a->lookups; i++) {
		uint64_t id;
		custos_iter *it;
		TRY(custos_customer_find(&it, ctx, "email", emails + i * W1_EMAIL_MAX));
		if (custos_iter_next_id(&id, it) == CUSTOS_OK && id == w1_find_pick(a, i) + 1)
			found++;
		custos_iter_free(it);
	}
	t = w1_now() - t;
	if (found != a->lookups) {
		fprintf(stderr, "w1-custos: found %llu of %llu emails\n", (unsigned long long)found,
			(unsigned long long)a->lookups);
		exit(1);
	}
	return t;
}

/* Update i: a new phone for customer w1_update_pick(i), in its own transaction. */
static void update_one(custos_ctx *ctx, const w1_args *a, uint64_t i)
{
	custos_customer *c;
	char phone[24];

	w1_update_phone(phone, sizeof phone, i);
	TRY(custos_customer_new(&c, ctx));
	TRY(custos_customer_set_text(c, "phone", phone));
	TRY(custos_customer_update(ctx, w1_update_pick(a, i) + 1, c));
	custos_customer_free(c);
}

W1_PHASE static double w1_phase_update(custos_ctx *ctx, const w1_args *a)
{
	double t = w1_now();

	for (uint64_t i = 0; i < a->updates; i++)
		update_one(ctx, a, i);
	return w1_now() - t;
}

/* One thread of the threaded updates, each thread with its own context. */
typedef struct mt_run {
	const w1_args *a;
	custos_ctx **ctxs;
} mt_run;

W1_PHASE static void w1_phase_update_mt(void *arg, unsigned t, uint64_t from, uint64_t to)
{
	mt_run *run = arg;

	for (uint64_t i = from; i < to; i++)
		update_one(run->ctxs[t], run->a, i);
}

static double update_threads(custos_db *db, const w1_args *a)
{
	custos_ctx **ctxs = calloc(a->threads, sizeof *ctxs);
	mt_run run = { a, ctxs };
	double t;

	if (!ctxs)
		exit(1);
	for (unsigned i = 0; i < a->threads; i++)
		TRY(custos_ctx_open(&ctxs[i], db, "admin"));
	t = w1_parallel(a, w1_phase_update_mt, &run);
	for (unsigned i = 0; i < a->threads; i++)
		custos_ctx_free(ctxs[i]);
	free(ctxs);
	return t;
}

static void versions(void)
{
	printf("version custos %s\n", custos_version(NULL, NULL, NULL));
	printf("version libsodium %s\n", sodium_version_string());
	w1_lmdb_version();
}

int main(int argc, char **argv)
{
	w1_args a;
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	size_t touched = 1;
	char uri[4200];

	if (w1_parse_args(&a, argc, argv, "w1-custos"))
		return 2;
	versions();
	snprintf(uri, sizeof uri, "lmdb:%s", a.dir);
	opts.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	opts.durability = CUSTOS_DURABILITY_NORMAL;
	opts.expected_customers = a.count < 100 ? 100 : a.count;
	TRY(custos_secret_passphrase(&secret, "w1 benchmark passphrase"));
	TRY(custos_db_open(&db, uri, secret, &opts));
	TRY(custos_ctx_open(&ctx, db, "admin"));
	/* W1 indexes email only. */
	TRY(custos_schema_set_field_flags(ctx, "phone", 0));

	printf("load_s %.6f\n", w1_phase_load(ctx, a.count));
	if (w1_runs(&a, "get"))
		touched = get_on_and_off(ctx, &opts, uri, secret, &a);
	custos_secret_free(secret);
	if (w1_runs(&a, "find")) {
		char *emails = w1_find_emails(&a);
		printf("find_us %.4f\n", w1_phase_find(ctx, &a, emails) * 1e6 / (double)a.lookups);
		free(emails);
	}
	if (w1_runs(&a, "update"))
		printf("update_us %.4f\n", w1_phase_update(ctx, &a) * 1e6 / (double)a.updates);
	if (w1_runs(&a, "update_mt"))
		printf("update_mt_us %.4f\n", update_threads(db, &a) * 1e6 / (double)a.updates);

	custos_ctx_free(ctx);
	custos_db_close(db);
	if (w1_lmdb_figures(a.dir))
		return 1;
	w1_print_memory();
	return touched ? 0 : 1;
}
