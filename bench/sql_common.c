/*
 * bench/sql_common.c — see sql_common.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sql_common.h"
#include "synth.h"
#include "w1_common.h"

#define BATCH 10000
#define BUSY_TIMEOUT_MS 60000

#ifdef BENCH_SYNCHRONOUS_FULL
#define SYNCHRONOUS "PRAGMA synchronous = FULL"
#else
#define SYNCHRONOUS "PRAGMA synchronous = NORMAL"
#endif

const char *sql_prog = "sql";

void sql_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", sql_prog, what, sqlite3_errmsg(db));
	exit(1);
}

void sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s: %s\n", sql_prog, sql, err);
		exit(1);
	}
}

sqlite3_stmt *sql_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		sql_die(db, sql);
	return st;
}

long long sql_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

sqlite3 *sql_open(const char *path, const char *passphrase)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		sql_die(db, "open");
#ifdef BENCH_SQLCIPHER
	{
		char *key = sqlite3_mprintf("PRAGMA key = %Q", passphrase);
		if (!key) {
			fprintf(stderr, "%s: out of memory\n", sql_prog);
			exit(1);
		}
		sql_exec(db, key);
		sqlite3_free(key);
	}
#else
	(void)passphrase;
#endif
	sql_exec(db, "PRAGMA journal_mode = WAL");
	sql_exec(db, SYNCHRONOUS);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	return db;
}

#ifdef BENCH_SQLCIPHER
static int print_cipher_version(void *unused, int ncols, char **cols, char **names)
{
	(void)unused;
	(void)names;
	if (ncols > 0 && cols[0])
		printf("version SQLCipher %s (SQLite %s)\n", cols[0], sqlite3_libversion());
	return 0;
}

void sql_versions(sqlite3 *db)
{
	if (sqlite3_exec(db, "PRAGMA cipher_version", print_cipher_version, NULL, NULL) != SQLITE_OK)
		sql_die(db, "PRAGMA cipher_version");
}
#else
void sql_versions(sqlite3 *db)
{
	(void)db;
	printf("version SQLite %s\n", sqlite3_libversion());
}
#endif

double sql_load_customers(sqlite3 *db, uint64_t count)
{
	sqlite3_stmt *ins = sql_prepare(db, "INSERT INTO customers (id, name, email, phone, address, company, type, "
		"stage, owner, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1)");
	synth_person p;
	double t = w1_now();

	for (uint64_t i = 0; i < count; i++) {
		if (i % BATCH == 0)
			sql_exec(db, "BEGIN");
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
			sql_die(db, "insert");
		sqlite3_reset(ins);
		if (i % BATCH == BATCH - 1 || i == count - 1)
			sql_exec(db, "COMMIT");
	}
	t = w1_now() - t;
	sqlite3_finalize(ins);
	return t;
}
