/*
 * bench/sql_common.h — what the SQLite programs of every workload share: errors, statements,
 * the connection as each variant opens it, the library's version, file sizes and the
 * customers' load. Compiled into each program with its variant's flags: BENCH_SQLCIPHER
 * (SQLCipher keyed with a passphrase at its default cipher settings) and
 * BENCH_SYNCHRONOUS_FULL (synchronous=FULL instead of NORMAL).
 */
#ifndef SQL_COMMON_H
#define SQL_COMMON_H

#include <stdint.h>

#include <sqlite3.h>

/* The program's name, for its error messages. */
extern const char *sql_prog;

/* Print the statement or what failed with SQLite's message and exit. */
void sql_die(sqlite3 *db, const char *what);
void sql_exec(sqlite3 *db, const char *sql);
sqlite3_stmt *sql_prepare(sqlite3 *db, const char *sql);
/* A file's size in bytes; 0 when it does not exist. */
long long sql_file_size(const char *path);
/* A connection as every phase uses it: keyed with passphrase (SQLCipher), WAL, the
 * variant's synchronous, a busy timeout. */
sqlite3 *sql_open(const char *path, const char *passphrase);
/* The "version" line of the library the program runs with. */
void sql_versions(sqlite3 *db);
/* Customers 0 .. count-1 of examples/synth.c (seed 1) inserted as ids 1 .. count into the
 * columns id, name, email, phone, address, company, type, stage, owner and state of table
 * `customers`, 10,000 per transaction; seconds taken. */
double sql_load_customers(sqlite3 *db, uint64_t count);

#endif
