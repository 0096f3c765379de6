/*
 * bench/w1_sql.c — workload W1 on SQLite, built three times: against libsqlite3 with
 * WAL and synchronous=NORMAL (w1-sqlite), the same with synchronous=FULL, whose commits
 * are synced as custos' are (w1-sqlite-full, W1_SYNCHRONOUS_FULL), and against SQLCipher
 * keyed with a passphrase at its default cipher settings, WAL and synchronous=NORMAL
 * (w1-sqlcipher, W1_SQLCIPHER). One table with an index on email. The threaded updates
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

#include <sqlite3.h>

#include "synth.h"
#include "w1_common.h"

#define BATCH 10000
#define BUSY_TIMEOUT_MS 60000

#ifdef W1_SYNCHRONOUS_FULL
#define SYNCHRONOUS "PRAGMA synchronous = FULL"
#else
#define SYNCHRONOUS "PRAGMA synchronous = NORMAL"
#endif

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "w1-sql: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "w1-sql: %s: %s\n", sql, err);
		exit(1);
	}
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(db, sql);
	return st;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* A connection as every phase uses it: keyed (SQLCipher), WAL, the variant's synchronous. */
static sqlite3 *open_db(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(db, "open");
#ifdef W1_SQLCIPHER
	exec(db, "PRAGMA key = 'w1 benchmark passphrase'");
#endif
	exec(db, "PRAGMA journal_mode = WAL");
	exec(db, SYNCHRONOUS);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	return db;
}

#ifdef W1_SQLCIPHER
static int print_cipher_version(void *unused, int ncols, char **cols, char **names)
{
	(void)unused;
	(void)names;
	if (ncols > 0 && cols[0])
		printf("version SQLCipher %s (SQLite %s)\n", cols[0], sqlite3_libversion());
	return 0;
}

static void versions(sqlite3 *db)
{
	if (sqlite3_exec(db, "PRAGMA cipher_version", print_cipher_version, NULL, NULL) != SQLITE_OK)
		die(db, "PRAGMA cipher_version");
}
#else
static void versions(sqlite3 *db)
{
	(void)db;
	printf("version SQLite %s\n", sqlite3_libversion());
}
#endif

W1_PHASE static double w1_phase_load(sqlite3 *db, uint64_t count)
{
	sqlite3_stmt *ins = prepare(db, "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1)");
	synth_person p;
	double t = w1_now();

	for (uint64_t i = 0; i < count; i++) {
		if (i % BATCH == 0)
			exec(db, "BEGIN");
		synth_person_make(&p, i, 1);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(ins, 2, p.name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, p.email, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, p.phone, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, p.address, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, p.company, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, p.type, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, p.stage, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
		if (i % BATCH == BATCH - 1 || i == count - 1)
			exec(db, "COMMIT");
	}
	t = w1_now() - t;
	sqlite3_finalize(ins);
	return t;
}

W1_PHASE static double w1_phase_get(sqlite3 *db, const w1_args *a, size_t *touched)
{
	sqlite3_stmt *get = prepare(db, "SELECT name, email, phone, address, company FROM customers WHERE id = ?");
	double t = w1_now();

	for (uint64_t i = 0; i < a->lookups; i++) {
		sqlite3_bind_int64(get, 1, (sqlite3_int64)w1_pick(i, a->count) + 1);
		if (sqlite3_step(get) != SQLITE_ROW)
			die(db, "get");
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
	sqlite3_stmt *find = prepare(db, "SELECT id FROM customers WHERE email = ?");
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
		fprintf(stderr, "w1-sql: found %llu of %llu emails\n", (unsigned long long)found,
			(unsigned long long)a->lookups);
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
		die(db, "update");
	sqlite3_reset(upd);
}

#define UPDATE_SQL "UPDATE customers SET phone = ? WHERE id = ?"

W1_PHASE static double w1_phase_update(sqlite3 *db, const w1_args *a)
{
	sqlite3_stmt *upd = prepare(db, UPDATE_SQL);
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
		run.dbs[i] = open_db(path);
		run.upds[i] = prepare(run.dbs[i], UPDATE_SQL);
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

	if (w1_parse_args(&a, argc, argv, "w1-sql"))
		return 2;
	mkdir(a.dir, 0700);
	snprintf(path, sizeof path, "%s/w1.db", a.dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	db = open_db(path);
	versions(db);
	exec(db, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, address TEXT, "
	     "company TEXT, type TEXT, stage TEXT, owner INTEGER, state INTEGER)");
	exec(db, "CREATE INDEX customers_email ON customers(email)");
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
	exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	printf("file_bytes %lld\n", file_size(path) + file_size(wal));
	w1_print_memory();
	return touched ? 0 : 1;
}
