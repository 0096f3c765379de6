/*
 * bench/w1_sql.c — workload W1 on SQLite, built three times: against libsqlite3 with
 * WAL and synchronous=NORMAL (w1-sqlite), the same with synchronous=FULL, whose commits
 * are synced as custos' are (w1-sqlite-full, BENCH_SYNCHRONOUS_FULL), and against SQLCipher
 * keyed with a passphrase at its default cipher settings, WAL and synchronous=NORMAL
 * (w1-sqlcipher, BENCH_SQLCIPHER). One table with an index on email. The threaded updates
 * use one connection per thread with a busy timeout. Prints "metric value" lines.
 *
 *   w1-sqlite|w1-sqlite-full|w1-sqlcipher --dir DIR --count N [--lookups M] [--updates U]
 *       [--threads T] [--phase P]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sql_common.h"
#include "w1_common.h"

#define PASSPHRASE "w1 benchmark passphrase"

W1_PHASE static double w1_phase_load(sqlite3 *db, uint64_t count)
{
	return sql_load_customers(db, count);
}

W1_PHASE static double w1_phase_get(sqlite3 *db, const w1_args *a, size_t *touched)
{
	sqlite3_stmt *get = sql_prepare(db, "SELECT name, email, phone, address, company FROM customers WHERE id = ?");
	double t = w1_now();

	for (uint64_t i = 0; i < a->lookups; i++) {
		sqlite3_bind_int64(get, 1, (sqlite3_int64)w1_pick(i, a->count) + 1);
		if (sqlite3_step(get) != SQLITE_ROW)
			sql_die(db, "get");
		for (int c = 0; c < 5; c++)
			*touched += strlen((const char *)sqlite3_column_text(get, c));
		sqlite3_reset(get);
	}
	t = w1_now() - t;
	sqlite3_finalize(get);
	return t;
}

W1_PHASE static double w1_phase_find(sqlite3 *db, const w1_args *a, const char *emails)
{
	sqlite3_stmt *find = sql_prepare(db, "SELECT id FROM customers WHERE email = ?");
	uint64_t found = 0;
	double t = w1_now();

	for (uint64_t i = 0; i < a->lookups; i++) {
		sqlite3_bind_text(find, 1, emails + i * W1_EMAIL_MAX, -1, SQLITE_STATIC);
		if (sqlite3_step(find) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(find, 0) == w1_find_pick(a, i) + 1)
			found++;
		sqlite3_reset(find);
	}
	t = w1_now() - t;
	sqlite3_finalize(find);
	if (found != a->lookups) {
		fprintf(stderr, "%s: found %llu of %llu emails\n", sql_prog,
			(unsigned long long)found, (unsigned long long)a->lookups);
		exit(1);
	}
	return t;
}

/* Update i as its own transaction (autocommit), waiting its turn while another writer holds the lock. */
static void update_one(sqlite3 *db, sqlite3_stmt *upd, const w1_args *a, uint64_t i)
{
	char phone[24];
	int rc;

	w1_update_phone(phone, sizeof phone, i);
	sqlite3_bind_text(upd, 1, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(upd, 2, (sqlite3_int64)w1_update_pick(a, i) + 1);
	while ((rc = sqlite3_step(upd)) == SQLITE_BUSY)
		sqlite3_reset(upd);
	if (rc != SQLITE_DONE)
		sql_die(db, "update");
	sqlite3_reset(upd);
}

#define UPDATE_SQL "UPDATE customers SET phone = ? WHERE id = ?"

W1_PHASE static double w1_phase_update(sqlite3 *db, const w1_args *a)
{
	sqlite3_stmt *upd = sql_prepare(db, UPDATE_SQL);
	double t = w1_now();

	for (uint64_t i = 0; i < a->updates; i++)
		update_one(db, upd, a, i);
	t = w1_now() - t;
	sqlite3_finalize(upd);
	return t;
}

/* The threaded updates: thread t on its own connection. */
typedef struct mt_run {
	const w1_args *a;
	sqlite3 **dbs;
	sqlite3_stmt **upds;
} mt_run;

W1_PHASE static void w1_phase_update_mt(void *arg, unsigned t, uint64_t from, uint64_t to)
{
	mt_run *run = arg;

	for (uint64_t i = from; i < to; i++)
		update_one(run->dbs[t], run->upds[t], run->a, i);
}

static double update_threads(const char *path, const w1_args *a)
{
	mt_run run = { a, calloc(a->threads, sizeof(sqlite3 *)), calloc(a->threads, sizeof(sqlite3_stmt *)) };
	double t;

	if (!run.dbs || !run.upds)
		exit(1);
	for (unsigned i = 0; i < a->threads; i++) {
		run.dbs[i] = sql_open(path, PASSPHRASE);
		run.upds[i] = sql_prepare(run.dbs[i], UPDATE_SQL);
	}
	t = w1_parallel(a, w1_phase_update_mt, &run);
	for (unsigned i = 0; i < a->threads; i++) {
		sqlite3_finalize(run.upds[i]);
		sqlite3_close(run.dbs[i]);
	}
	free(run.dbs);
	free(run.upds);
	return t;
}

int main(int argc, char **argv)
{
	w1_args a;
	sqlite3 *db;
	size_t touched = 1;
	char path[4200], wal[4300];

	sql_prog = "w1-sql";
	if (w1_parse_args(&a, argc, argv, "w1-sql"))
		return 2;
	mkdir(a.dir, 0700);
	snprintf(path, sizeof path, "%s/w1.db", a.dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	db = sql_open(path, PASSPHRASE);
	sql_versions(db);
	sql_exec(db, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, address TEXT, "
		"company TEXT, type TEXT, stage TEXT, owner INTEGER, state INTEGER)");
	sql_exec(db, "CREATE INDEX customers_email ON customers(email)");
	printf("load_s %.6f\n", w1_phase_load(db, a.count));
	if (w1_runs(&a, "get")) {
		touched = 0;
		printf("get_us %.4f\n", w1_phase_get(db, &a, &touched) * 1e6 / (double)a.lookups);
	}
	if (w1_runs(&a, "find")) {
		char *emails = w1_find_emails(&a);
		printf("find_us %.4f\n", w1_phase_find(db, &a, emails) * 1e6 / (double)a.lookups);
		free(emails);
	}
	if (w1_runs(&a, "update"))
		printf("update_us %.4f\n", w1_phase_update(db, &a) * 1e6 / (double)a.updates);
	if (w1_runs(&a, "update_mt"))
		printf("update_mt_us %.4f\n", update_threads(path, &a) * 1e6 / (double)a.updates);
	sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	printf("file_bytes %lld\n", sql_file_size(path) + sql_file_size(wal));
	w1_print_memory();
	return touched ? 0 : 1;
}
