/*
 * store/store.h — transactions and named buckets over the backend vtable.
 * The only layer that calls a backend. It knows buckets and bytes, not customers or keys.
 */
#ifndef CU_STORE_H
#define CU_STORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "custos/sys/backend.h"

/* The fixed list of buckets; their order is part of the prepare() contract, append only. */
enum cu_bucket {
	CU_B_META = 0,     /* header, keyring, schema, counters */
	CU_B_CUSTOMERS,    /* id (u64 BE) -> record, with its wrapped data key */
	CU_B_INDEX,        /* field id ‖ value or blind index ‖ id -> verifier or empty */
	CU_B_ACCESS,       /* principals, teams, roles: typed keys (see access/access.h) */
	CU_B_AUDIT,        /* 'B' ‖ first seq -> block of entries; 'C' ‖ seq -> checkpoint */
	CU_B_EVENTS,       /* customer id ‖ time ‖ seq -> timeline event; id ‖ 0xFF x 8 -> its summary */
	CU_B_POINTS,       /* customer id -> the customer's loyalty points, as lots by expiry */
	CU_B_HISTORY,      /* customer id ‖ record version -> the fields that version changed, old values */
	CU_B_ERASED,       /* customer id -> the tombstone of an erased customer (model/lifecycle.h) */
	CU_B_CONSENT,      /* customer id ‖ seq -> a consent record (model/timeline/consent.c) */
	CU_B_COUNT
};

extern const char *const cu_bucket_names[CU_B_COUNT];

struct cu_write_req;

/* Writers of a process queue their work; one of them at a time (the leader) runs every
 * queued piece in one transaction and commits once for all (group commit). */
typedef struct cu_store {
	custos_backend *be;
	int readonly;
	unsigned long fork_gen;   /* cu_fork_generation() when opened */
	atomic_int damaged;       /* CU_DAMAGE_*: what a check found, what may still be written */
	pthread_mutex_t queue_lock;
	pthread_cond_t queue_done;
	pthread_cond_t queue_grew;  /* a writer joined the queue (on CLOCK_MONOTONIC) */
	struct cu_write_req *queue, **queue_tail;
	int queued;               /* writes in the queue */
	int group_target;         /* writes a leader waits a moment for (see gather()) */
	unsigned long groups;     /* groups led so far */
	int64_t last_commit_us;   /* how long the last group took */
	int leading;              /* a leader is running a batch */
} cu_store;

/* Bytes the model keeps with a write transaction (the digest delta of model/meta.h); the
 * store only clears them when the transaction begins. */
#define CU_TXN_DELTA_BYTES 128

typedef struct cu_txn {
	cu_store *st;
	void *h;
	int write;
	/* What upper layers keep per transaction, cleared when it begins: several writes of a
	 * group share one transaction and must not account for the same thing twice. */
	int delta_dirty;
	unsigned char delta[CU_TXN_DELTA_BYTES];
	uint64_t audit_queue_to;   /* queued audit entries numbered below it are written in it */
	uint64_t audit_dropped_to; /* the count of dropped entries it recorded reaches this total */
} cu_txn;

typedef struct cu_cursor {
	cu_txn *t;
	void *h;
} cu_cursor;

/* Take the backend (its prepare() is called here); on failure the caller keeps it. */
int cu_store_init(cu_store *st, custos_backend *be, int readonly);
/* Free the backend. */
void cu_store_fini(cu_store *st);

int cu_txn_begin(cu_txn *t, cu_store *st, int write);
int cu_txn_commit(cu_txn *t);
void cu_txn_abort(cu_txn *t);

/* Values returned are borrowed: valid until the next call on the transaction. */
int cu_get(cu_txn *t, unsigned bucket, const void *k, size_t kn, custos_val *v);
int cu_put(cu_txn *t, unsigned bucket, const void *k, size_t kn, const void *v, size_t vn);
/* With CUSTOS_PUT_* hints. */
int cu_put_flags(cu_txn *t, unsigned bucket, const void *k, size_t kn, const void *v, size_t vn, unsigned flags);
int cu_del(cu_txn *t, unsigned bucket, const void *k, size_t kn);
/* Delete every key of the bucket that starts with prefix (keys up to CU_DEL_KEY_MAX bytes;
 * a longer one is CUSTOS_ECORRUPT); *deleted (may be NULL) grows by their number. */
#define CU_DEL_KEY_MAX 512
int cu_del_prefix(cu_txn *t, unsigned bucket, const void *prefix, size_t pn, uint64_t *deleted);

/* The commit t sees, when the backend says (CUSTOS_ENOTSUPPORTED when it does not). */
int cu_txn_id(cu_txn *t, uint64_t *id);

int cu_cursor_open(cu_cursor *c, cu_txn *t, unsigned bucket);
int cu_cursor_seek(cu_cursor *c, const void *k, size_t kn, custos_val *key, custos_val *val);
int cu_cursor_next(cu_cursor *c, custos_val *key, custos_val *val);
/* Reading backwards, when the backend can (cu_cursor_backwards(); CUSTOS_ENOTSUPPORTED
 * otherwise): the last key < k (the last key for kn 0), and the key before the current. */
int cu_cursor_backwards(const cu_cursor *c);
int cu_cursor_seek_before(cu_cursor *c, const void *k, size_t kn, custos_val *key, custos_val *val);
int cu_cursor_prev(cu_cursor *c, custos_val *key, custos_val *val);
void cu_cursor_close(cu_cursor *c);

/* Run fn in a write transaction and commit it. Writers of this process are serialised and
 * grouped: fn may share its transaction with other threads' writes, run before and after
 * them, and is committed with them by one commit (one sync), so concurrent writers pay for
 * one sync between them. fn is run again when the transaction is retried: after the
 * backend grew because it ran out of space, or after another write of the group failed
 * (that one alone is then dropped and reports its own error). So fn must be safe to run
 * again: everything it changes must live in the transaction or in arg, reset by fn. Its
 * result and error message are the caller's, whichever thread ran it. */
typedef int (*cu_txn_fn)(cu_txn *t, void *arg);
int cu_store_write(cu_store *st, cu_txn_fn fn, void *arg);
/* The same; `committed` runs after a successful commit, before any other write begins. */
int cu_store_write_ex(cu_store *st, cu_txn_fn fn, void (*committed)(void *arg), void *arg);
/* The same for a repair, which may also write over damage marked repairable. */
int cu_store_write_repair(cu_store *st, cu_txn_fn fn, void (*committed)(void *arg), void *arg);
/* Run fn in one read transaction. */
int cu_store_read(cu_store *st, cu_txn_fn fn, void *arg);

/* The backend's own structural check (when it has one). CUSTOS_ECORRUPT marks the store
 * damaged: every later write transaction is refused, so nothing runs over a damaged file. */
int cu_store_check(cu_store *st);
/* How damaged a check found the storage. At CU_DAMAGE_FATAL nothing is written any more;
 * at CU_DAMAGE_REPAIRABLE (derived data, such as the indexes, disagrees with the records)
 * only repairs are (cu_store_write_repair), until cu_store_repaired(). */
enum { CU_DAMAGE_NONE, CU_DAMAGE_REPAIRABLE, CU_DAMAGE_FATAL };
/* Mark the store damaged after a caller found damage above the backend; code is returned. */
int cu_store_damaged(cu_store *st, int code);
/* Mark it damaged in a way a repair can mend (unless it is already worse); code is returned. */
int cu_store_damaged_repairable(cu_store *st, int code);
/* A repair mended what was marked repairable. */
void cu_store_repaired(cu_store *st);

#endif
