/*
 * bench/w1_lmdb_figures.c — see w1_lmdb_figures.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "w1_lmdb_figures.h"

static long long bucket_pages_bytes(MDB_txn *txn, const char *name)
{
	MDB_dbi dbi;
	MDB_stat st;

	if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_stat(txn, dbi, &st))
		return 0;
	return (long long)st.ms_psize * (long long)(st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
}

static long long bucket_entries(MDB_txn *txn, const char *name)
{
	MDB_dbi dbi;
	MDB_stat st;

	if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_stat(txn, dbi, &st))
		return -1;
	return (long long)st.ms_entries;
}

/* Over a bucket's entries (those with keys of key_len bytes; 0: all): their number into
 * *count and the bytes of their values into *bytes; -1 in both when it cannot be read.
 * Events have 20-byte keys; the summaries that share their bucket have 16. */
static void walk_values(MDB_txn *txn, const char *name, size_t key_len, long long *count, long long *bytes)
{
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val k, v;

	*count = *bytes = -1;
	if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_cursor_open(txn, dbi, &cur))
		return;
	*count = *bytes = 0;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (!key_len || k.mv_size == key_len) {
			(*count)++;
			*bytes += (long long)v.mv_size;
		}
	mdb_cursor_close(cur);
}

static long long value_bytes(MDB_txn *txn, const char *name)
{
	long long count, bytes;

	walk_values(txn, name, 0, &count, &bytes);
	return bytes;
}

static long long entries_of_length(MDB_txn *txn, const char *name, size_t key_len)
{
	long long count, bytes;

	walk_values(txn, name, key_len, &count, &bytes);
	return count;
}

int w1_lmdb_figures(const char *dir)
{
	char file[4200];
	struct stat st;
	MDB_env *env;
	MDB_txn *txn;
	int rc = 1;

	snprintf(file, sizeof file, "%s/data.mdb", dir);
	printf("file_bytes %lld\n", stat(file, &st) == 0 ? (long long)st.st_size : -1LL);
	if (mdb_env_create(&env))
		return 1;
	mdb_env_set_maxdbs(env, 16);
	if (!mdb_env_open(env, dir, MDB_RDONLY, 0600) && !mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
		printf("record_bytes %lld\n", value_bytes(txn, "customers"));
		printf("index_entries %lld\n", bucket_entries(txn, "index"));
		printf("audit_bytes %lld\n", bucket_pages_bytes(txn, "audit"));
		mdb_txn_abort(txn);
		rc = 0;
	}
	mdb_env_close(env);
	return rc;
}

int w1_lmdb_timeline_figures(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	int rc = 1;

	if (mdb_env_create(&env))
		return 1;
	mdb_env_set_maxdbs(env, 16);
	if (!mdb_env_open(env, dir, MDB_RDONLY, 0600) && !mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
		printf("events_stored %lld\n", entries_of_length(txn, "events", 20));
		printf("timeline_bytes %lld\n", bucket_pages_bytes(txn, "events") + bucket_pages_bytes(txn, "points"));
		mdb_txn_abort(txn);
		rc = 0;
	}
	mdb_env_close(env);
	return rc;
}

void w1_lmdb_version(void)
{
	int major, minor, patch;

	mdb_version(&major, &minor, &patch);
	printf("version LMDB %d.%d.%d\n", major, minor, patch);
}
