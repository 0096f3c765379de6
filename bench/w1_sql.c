/*
 * bench/w1_sql.c — workload W1 on SQLite, built twice: against libsqlite3 (WAL,
 * synchronous=NORMAL, index on email) and against SQLCipher (the same, keyed with a
 * passphrase at SQLCipher's default cipher settings). Prints "metric value" lines.
 *
 *   w1-sqlite|w1-sqlcipher --dir DIR --count N [--lookups M] [--updates U]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "synth.h"
#include "w1_common.h"

#define BATCH 10000

static sqlite3 *db;

static void die(const char *what)
{
	fprintf(stderr, "w1-sql: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void exec(const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "w1-sql: %s: %s\n", sql, err);
		exit(1);
	}
}

static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	const char *dir;
	uint64_t count, lookups, updates, found = 0;
	w1_args args;
	sqlite3_stmt *ins, *get, *find, *upd;
	synth_person p;
	size_t touched = 0;
	char path[4200], wal[4300];
	struct rusage ru;
	double t;

	if (w1_parse_args(&args, argc, argv, "w1-sql"))
		return 2;
	dir = args.dir;
	count = args.count;
	lookups = args.lookups;
	updates = args.updates;
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/w1.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open");
#ifdef W1_SQLCIPHER
	exec("PRAGMA key = 'w1 benchmark passphrase'");
#endif
	exec("PRAGMA journal_mode = WAL");
	exec("PRAGMA synchronous = NORMAL");
	exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, address TEXT, "
	     "company TEXT, type TEXT, stage TEXT, owner INTEGER, state INTEGER)");
	exec("CREATE INDEX customers_email ON customers(email)");
	ins = prepare("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1)");
	t = w1_now();
	for (uint64_t i = 0; i < count; i++) {
		if (i % BATCH == 0)
			exec("BEGIN");
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
			die("insert");
		sqlite3_reset(ins);
		if (i % BATCH == BATCH - 1 || i == count - 1)
			exec("COMMIT");
	}
	printf("load_s %.6f\n", w1_now() - t);
	sqlite3_finalize(ins);

	get = prepare("SELECT name, email, phone, address, company FROM customers WHERE id = ?");
	t = w1_now();
	for (uint64_t i = 0; i < lookups; i++) {
		sqlite3_bind_int64(get, 1, (sqlite3_int64)w1_pick(i, count) + 1);
		if (sqlite3_step(get) != SQLITE_ROW)
			die("get");
		for (int c = 0; c < 5; c++)
			touched += strlen((const char *)sqlite3_column_text(get, c));
		sqlite3_reset(get);
	}
	printf("get_us %.4f\n", (w1_now() - t) * 1e6 / (double)lookups);
	sqlite3_finalize(get);

	find = prepare("SELECT id FROM customers WHERE email = ?");
	t = w1_now();
	for (uint64_t i = 0; i < lookups; i++) {
		uint64_t n = w1_pick(i + lookups, count);
		synth_person_make(&p, n, 1);
		sqlite3_bind_text(find, 1, p.email, -1, SQLITE_STATIC);
		if (sqlite3_step(find) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(find, 0) == n + 1)
			found++;
		sqlite3_reset(find);
	}
	printf("find_us %.4f\n", (w1_now() - t) * 1e6 / (double)lookups);
	sqlite3_finalize(find);
	if (found != lookups) {
		fprintf(stderr, "w1-sql: found %llu of %llu emails\n", (unsigned long long)found,
			(unsigned long long)lookups);
		return 1;
	}

	upd = prepare("UPDATE customers SET phone = ? WHERE id = ?");
	t = w1_now();
	for (uint64_t i = 0; i < updates; i++) {
		char phone[24];
		snprintf(phone, sizeof phone, "+85261%06llu", (unsigned long long)(i % 1000000));  /* a valid HK mobile */
		sqlite3_bind_text(upd, 1, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, (sqlite3_int64)w1_pick(i + 2 * lookups, count) + 1);
		if (sqlite3_step(upd) != SQLITE_DONE)
			die("update");
		sqlite3_reset(upd);
	}
	printf("update_us %.4f\n", (w1_now() - t) * 1e6 / (double)updates);
	sqlite3_finalize(upd);
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	printf("file_bytes %lld\n", file_size(path) + file_size(wal));
	getrusage(RUSAGE_SELF, &ru);
	printf("rss_kb %ld\n", ru.ru_maxrss);
	printf("anon_kb %ld\n", w1_status_kb("RssAnon:"));
	return touched ? 0 : 1;
}
