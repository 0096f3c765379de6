/*
 * tests/support.h — fixtures shared by the test programs: stores on every backend, a
 * digest of everything a backend holds (to prove a failed call changed nothing), and
 * helpers to look inside files for plaintext.
 */
#ifndef CUSTOS_TEST_SUPPORT_H
#define CUSTOS_TEST_SUPPORT_H

#include <check.h>
#include <stdio.h>
#include <stdint.h>

#include "custos.h"
#include "custos/sys/backend.h"

/* A store opened for a test, with its admin context and (for tamper tests) its backend. */
typedef struct t_store {
	custos_db *db;
	custos_ctx *ctx;
	custos_backend *be;   /* owned by db; valid while db is open */
	char dir[256];        /* for LMDB stores: the directory; "" otherwise */
} t_store;

/* A fixed raw key (fast: no Argon2id) shared by tests. */
extern const unsigned char t_key[32];
custos_secret *t_secret(void);

/* Open a new store on "memory" or "lmdb" (in a fresh temporary directory). */
void t_store_open(t_store *t, const char *kind);
void t_store_reopen(t_store *t);   /* close and open again (LMDB) */
/* The same with options (flags are added to the ones these need; NULL for defaults). */
void t_store_open_opts(t_store *t, const char *kind, const custos_db_options *opts);
void t_store_reopen_opts(t_store *t, const custos_db_options *opts);
/* A new store on a backend the test made (which the store then owns). */
void t_store_open_backend(t_store *t, custos_backend *be, const custos_db_options *opts);
void t_store_close(t_store *t);
/* Open a new store on backend number i: 0 memory, 1 lmdb, 2 the example backend (which
 * has no backwards cursor), for tests looped over all three. */
void t_store_open_kind(t_store *t, int i);

/* Make a temporary directory for the test; removed by t_rmtree(). */
void t_tmpdir(char *out, size_t n);
void t_rmtree(const char *dir);

/* BLAKE2b digest of every key and value of every bucket the backend holds. */
void t_digest(custos_backend *be, unsigned char out[32]);
/* Assert that a call failed with `code` and left the backend exactly as before. */
#define T_UNCHANGED(t, call, code) do { \
		unsigned char before_[32], after_[32]; \
		t_digest((t)->be, before_); \
		ck_assert_int_eq((call), (code)); \
		ck_assert_str_ne(custos_error_last(), "no error"); \
		t_digest((t)->be, after_); \
		ck_assert_mem_eq(before_, after_, 32); \
	} while (0)

/* Count occurrences of needle in every regular file under dir. */
long t_grep_dir(const char *dir, const void *needle, size_t n);

/* Raw access to a bucket, for tamper tests: read, write, delete one key. */
int t_raw_get(custos_backend *be, unsigned bucket, const void *k, size_t kn, unsigned char **val, size_t *vn);
int t_raw_put(custos_backend *be, unsigned bucket, const void *k, size_t kn, const void *v, size_t vn);
/* Flip `bits` in byte `at` of a stored value (at < 0 counts from its end: -1 is the last). */
void t_raw_flip(custos_backend *be, unsigned bucket, const void *k, size_t kn, long at, unsigned char bits);
int t_raw_del(custos_backend *be, unsigned bucket, const void *k, size_t kn);
/* The keys of a bucket that start with prefix (pn bytes; 0 for all), up to max, copied into
 * keys[i] (T_KEY_MAX bytes each) with their lengths; returns how many. */
#define T_KEY_MAX 512
size_t t_raw_keys(custos_backend *be, unsigned bucket, const void *prefix, size_t pn, unsigned char (*keys)[T_KEY_MAX],
	size_t *lens, size_t max);
/* A raw backend on a closed LMDB store of t (its buckets prepared), for tampering. */
custos_backend *t_raw_open(const t_store *t);
/* A backend wrapped around another, for tests. It counts the puts and deletes of each
 * write transaction and refuses one transaction's change past max_changes with
 * CUSTOS_ETOOBIG, as LMDB refuses a transaction past its dirty-page limit; after every
 * committed write transaction it calls after_commit, if set, with `touched`: how many of
 * the transaction's puts had a key starting with watch (in bucket watch_bucket). */
typedef struct t_wrap {
	custos_backend base;
	custos_backend *inner;
	size_t max_changes;            /* 0: no limit */
	size_t changes, most;          /* of the open write transaction; the most one had */
	unsigned commits;              /* write transactions committed */
	unsigned watch_bucket;
	unsigned char watch[8];
	size_t watch_len, touched;
	void (*after_commit)(struct t_wrap *w);
	void *payload;
	void *write_txn;               /* the open write transaction, or NULL */
} t_wrap;
/* Wrap inner (which the wrapper then owns and frees). */
t_wrap *t_wrap_new(custos_backend *inner);
/* A new memory store on a t_wrap that refuses a transaction past max_changes. */
t_wrap *t_store_open_limited(t_store *t, size_t max_changes);

/* In a child process, open the closed LMDB store of t through a t_wrap that ends the
 * process (exit status T_CRASHED) right after its `at`-th write commit from then on, and
 * run action(ctx, arg) with the admin's context: a crash midway. Returns the child's exit
 * status: T_CRASHED when it died there, 0 when the action ended first, 1 to 3 when
 * opening failed. */
#define T_CRASHED 77
int t_crash_during(const t_store *t, int (*action)(custos_ctx *ctx, void *arg), void *arg, unsigned at);

/* Try to open the LMDB store of t, make a context and create a customer: the first failing
 * code, or CUSTOS_OK. Leaves nothing open. */
int t_probe(const t_store *t);
/* Bucket numbers (the order custos declares them). */
enum { T_B_META, T_B_CUSTOMERS, T_B_INDEX, T_B_ACCESS, T_B_AUDIT, T_B_EVENTS, T_B_POINTS, T_B_HISTORY, T_B_ERASED, T_B_CONSENT, T_B_COUNT };

/* ---- LMDB's data file seen from outside, for damage tests (LMDB 0.9 on a 64-bit host).
 * Written apart from the library's own reader, so a test does not trust what it tests. ---- */

typedef struct t_lmdb_db {
	char name[32];
	uint64_t root;         /* UINT64_MAX when empty */
	unsigned depth;
	uint64_t pages;        /* branch, leaf and overflow pages */
} t_lmdb_db;

typedef struct t_lmdb {
	uint32_t psize;
	uint64_t size;         /* of data.mdb, in bytes */
	uint64_t last_pg;
	uint64_t txnid;
	unsigned meta;         /* the meta page LMDB uses: 0 or 1 */
	t_lmdb_db free, main;
	t_lmdb_db dbs[16];      /* the named databases, from the main database's root leaf */
	size_t ndbs;
} t_lmdb;

/* The layout of DIR/data.mdb (DIR is an LMDB store's directory). */
void t_lmdb_layout(const char *dir, t_lmdb *out);
/* The named database `name`; fails the test if there is none. */
const t_lmdb_db *t_lmdb_named(const t_lmdb *l, const char *name);
/* The pages of one database's tree (with its overflow runs), ascending; the caller frees *out. */
size_t t_lmdb_tree_pages(const char *dir, const t_lmdb *l, const t_lmdb_db *db, uint64_t **out);
/* Every page the newest snapshot uses (meta pages, tree pages, overflow runs), ascending.
 * The caller frees *out. */
size_t t_lmdb_pages_in_use(const char *dir, const t_lmdb *l, uint64_t **out);
/* Read or overwrite bytes of DIR/data.mdb. */
void t_lmdb_read(const char *dir, uint64_t off, void *p, size_t n);
void t_lmdb_write(const char *dir, uint64_t off, const void *p, size_t n);

/* The id of a field of the store's current schema. */
uint32_t t_field_id(custos_ctx *ctx, const char *name);

/* A draft with name and email set. */
custos_customer *t_person(custos_ctx *ctx, const char *name, const char *email);
uint64_t t_create(custos_ctx *ctx, const char *name, const char *email);
/* Create the draft c (which is freed); its id. */
uint64_t t_create_draft(custos_ctx *ctx, custos_customer *c);

/* Run a suite; returns the process exit status. */
int t_run(Suite *s);

#endif
