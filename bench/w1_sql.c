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
#include <time.h>

#include <sqlite3.h>

#include "synth.h"

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

/* A field of /proc/self/status in kB: RssAnon is heap and stacks, without mapped files. */
static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t pick(uint64_t i, uint64_t n)
{
	uint64_t x = i * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return x % n;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	uint64_t count = 100000, lookups = 100000, updates = 1000, found = 0;
	sqlite3_stmt *ins, *get, *find, *upd;
	synth_person p;
	size_t touched = 0;
	char path[4200], wal[4300];
	struct rusage ru;
	double t;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--count"))
			count = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--lookups"))
			lookups = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--updates"))
			updates = strtoull(argv[i + 1], NULL, 10);
	}
	if (!dir || count == 0) {
		fprintf(stderr, "usage: w1-sql --dir DIR --count N [--lookups M] [--updates U]\n");
		return 2;
	}
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
	t = now();
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
	printf("load_s %.6f\n", now() - t);
	sqlite3_finalize(ins);

	get = prepare("SELECT name, email, phone, address, company FROM customers WHERE id = ?");
	t = now();
	for (uint64_t i = 0; i < lookups; i++) {
		sqlite3_bind_int64(get, 1, (sqlite3_int64)pick(i, count) + 1);
		if (sqlite3_step(get) != SQLITE_ROW)
			die("get");
		for (int c = 0; c < 5; c++)
			touched += strlen((const char *)sqlite3_column_text(get, c));
		sqlite3_reset(get);
	}
	printf("get_us %.4f\n", (now() - t) * 1e6 / (double)lookups);
	sqlite3_finalize(get);

	find = prepare("SELECT id FROM customers WHERE email = ?");
	t = now();
	for (uint64_t i = 0; i < lookups; i++) {
		uint64_t n = pick(i + lookups, count);
		synth_person_make(&p, n, 1);
		sqlite3_bind_text(find, 1, p.email, -1, SQLITE_STATIC);
		if (sqlite3_step(find) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(find, 0) == n + 1)
			found++;
		sqlite3_reset(find);
	}
	printf("find_us %.4f\n", (now() - t) * 1e6 / (double)lookups);
	sqlite3_finalize(find);
	if (found != lookups) {
		fprintf(stderr, "w1-sql: found %llu of %llu emails\n", (unsigned long long)found,
			(unsigned long long)lookups);
		return 1;
	}

	upd = prepare("UPDATE customers SET phone = ? WHERE id = ?");
	t = now();
	for (uint64_t i = 0; i < updates; i++) {
		char phone[24];
		snprintf(phone, sizeof phone, "+8526%07llu", (unsigned long long)(i % 10000000));
		sqlite3_bind_text(upd, 1, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, (sqlite3_int64)pick(i + 2 * lookups, count) + 1);
		if (sqlite3_step(upd) != SQLITE_DONE)
			die("update");
		sqlite3_reset(upd);
	}
	printf("update_us %.4f\n", (now() - t) * 1e6 / (double)updates);
	sqlite3_finalize(upd);
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	printf("file_bytes %lld\n", file_size(path) + file_size(wal));
	getrusage(RUSAGE_SELF, &ru);
	printf("rss_kb %ld\n", ru.ru_maxrss);
	printf("anon_kb %ld\n", status_kb("RssAnon:"));
	return touched ? 0 : 1;
}
