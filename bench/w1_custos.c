/*
 * bench/w1_custos.c — workload W1 on custos: bulk load, get by id reading every encrypted
 * field (with read auditing on, the default, and off), find by email, update. Prints
 * "metric value" lines for bench/w1.py.
 *
 *   w1-custos --dir DIR --count N [--lookups M] [--updates U]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <custos.h>
#include <lmdb.h>

#include "synth.h"
#include "w1_common.h"

#define BATCH 10000

#define TRY(call) do { \
		int rc_ = (call); \
		if (rc_ != CUSTOS_OK) { \
			fprintf(stderr, "w1-custos: %s: %s\n", #call, custos_error_last()); \
			exit(1); \
		} \
	} while (0)

/* Bytes of the pages the LMDB store's audit bucket holds (0 if it cannot be read): the
 * benchmark reports the file with and without the audit log, which the SQL stores lack. */
static long long audit_bytes(const char *dir)
{
	long long bytes = 0;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;

	if (mdb_env_create(&env))
		return 0;
	mdb_env_set_maxdbs(env, 16);
	if (!mdb_env_open(env, dir, MDB_RDONLY, 0600) && !mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
		if (!mdb_dbi_open(txn, "audit", 0, &dbi) && !mdb_stat(txn, dbi, &st))
			bytes = (long long)st.ms_psize *
				(long long)(st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return bytes;
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

/* Get customers w1_pick(from) .. w1_pick(to - 1), reading every encrypted field; seconds taken. */
static double get_range(custos_ctx *ctx, uint64_t from, uint64_t to, uint64_t count, size_t *touched)
{
	static const char *const fields[] = { "name", "email", "phone", "address", "company" };
	double t = w1_now();

	for (uint64_t i = from; i < to; i++) {
		custos_customer *c;
		const char *v;
		TRY(custos_customer_get(&c, ctx, w1_pick(i, count) + 1));
		for (int f = 0; f < 5; f++) {
			TRY(custos_customer_get_text(&v, c, fields[f]));
			*touched += strlen(v);
		}
		custos_customer_free(c);
	}
	return w1_now() - t;
}

int main(int argc, char **argv)
{
	const char *dir;
	uint64_t count, lookups, updates, found = 0;
	w1_args args;
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT, quiet;
	custos_customer **batch;
	custos_secret *secret;
	custos_db *db, *db_quiet;
	custos_ctx *ctx, *ctx_quiet;
	synth_person p;
	size_t touched = 0;
	char uri[4200], file[4200];
	struct rusage ru;
	struct stat st;
	double t, t_on = 0, t_off = 0;

	if (w1_parse_args(&args, argc, argv, "w1-custos"))
		return 2;
	dir = args.dir;
	count = args.count;
	lookups = args.lookups;
	updates = args.updates;
	snprintf(uri, sizeof uri, "lmdb:%s", dir);
	opts.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	opts.durability = CUSTOS_DURABILITY_NORMAL;
	opts.expected_customers = count < 100 ? 100 : count;
	TRY(custos_secret_passphrase(&secret, "w1 benchmark passphrase"));
	TRY(custos_db_open(&db, uri, secret, &opts));
	TRY(custos_ctx_open(&ctx, db, "admin"));
	/* W1 indexes email only. */
	TRY(custos_schema_set_field_flags(ctx, "phone", 0));

	batch = calloc(BATCH, sizeof *batch);
	t = w1_now();
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done < BATCH ? (size_t)(count - done) : BATCH;
		for (size_t i = 0; i < n; i++) {
			synth_person_make(&p, done + i, 1);
			batch[i] = draft(ctx, &p);
		}
		TRY(custos_customer_create_many(NULL, ctx, batch, n));
		for (size_t i = 0; i < n; i++)
			custos_customer_free(batch[i]);
		done += n;
	}
	printf("load_s %.6f\n", w1_now() - t);
	free(batch);

	/* The same lookups through a second handle on the same store with read auditing off,
	 * in alternating chunks so that cache warmth favours neither. */
	quiet = opts;
	quiet.flags = 0;
	quiet.audit_reads = CUSTOS_AUDIT_READS_OFF;
	TRY(custos_db_open(&db_quiet, uri, secret, &quiet));
	custos_secret_free(secret);
	TRY(custos_ctx_open(&ctx_quiet, db_quiet, "admin"));
	for (uint64_t k = 0; k < 10; k++) {
		uint64_t from = lookups * k / 10, to = lookups * (k + 1) / 10;
		t_on += get_range(ctx, from, to, count, &touched);
		t_off += get_range(ctx_quiet, from, to, count, &touched);
	}
	custos_ctx_free(ctx_quiet);
	custos_db_close(db_quiet);
	printf("get_us %.4f\n", t_on * 1e6 / (double)lookups);
	printf("get_noaudit_us %.4f\n", t_off * 1e6 / (double)lookups);

	t = w1_now();
	for (uint64_t i = 0; i < lookups; i++) {
		uint64_t n = w1_pick(i + lookups, count), id;
		custos_iter *it;
		synth_person_make(&p, n, 1);
		TRY(custos_customer_find(&it, ctx, "email", p.email));
		if (custos_iter_next_id(&id, it) == CUSTOS_OK && id == n + 1)
			found++;
		custos_iter_free(it);
	}
	printf("find_us %.4f\n", (w1_now() - t) * 1e6 / (double)lookups);
	if (found != lookups) {
		fprintf(stderr, "w1-custos: found %llu of %llu emails\n", (unsigned long long)found,
			(unsigned long long)lookups);
		return 1;
	}

	t = w1_now();
	for (uint64_t i = 0; i < updates; i++) {
		custos_customer *c;
		char phone[24];
		TRY(custos_customer_new(&c, ctx));
		snprintf(phone, sizeof phone, "+85261%06llu", (unsigned long long)(i % 1000000));  /* a valid HK mobile */
		TRY(custos_customer_set_text(c, "phone", phone));
		TRY(custos_customer_update(ctx, w1_pick(i + 2 * lookups, count) + 1, c));
		custos_customer_free(c);
	}
	printf("update_us %.4f\n", (w1_now() - t) * 1e6 / (double)updates);

	custos_ctx_free(ctx);
	custos_db_close(db);
	snprintf(file, sizeof file, "%s/data.mdb", dir);
	printf("file_bytes %lld\n", stat(file, &st) == 0 ? (long long)st.st_size : -1LL);
	printf("audit_bytes %lld\n", audit_bytes(dir));
	getrusage(RUSAGE_SELF, &ru);
	printf("rss_kb %ld\n", ru.ru_maxrss);
	printf("anon_kb %ld\n", w1_status_kb("RssAnon:"));
	return touched ? 0 : 1;
}
