/*
 * model/core.h — an open store's shared state (backend, keys, current schema) and the
 * operation context every model function works in. Creation, unlocking and re-keying of
 * a store happen here; policy (who may) is decided above, in access/.
 */
#ifndef CU_MODEL_CORE_H
#define CU_MODEL_CORE_H

#include <pthread.h>

#include "crypto/crypto.h"
#include "custos/lifecycle.h"
#include "model/schema.h"
#include "store/store.h"

#define CU_BIDX_CACHE 32

/* Blind-index keys of the most used fields, derived once (guarded memory, wiped on close). */
typedef struct cu_bidx_cache {
	uint16_t field_id[CU_BIDX_CACHE];
	cu_bidx_keys keys[CU_BIDX_CACHE];
} cu_bidx_cache;

struct cu_audit;  /* the audit log's state, owned by access/ */

/* The access generation as last verified in a read transaction (access/ keeps it): its
 * stored bytes and value, so an unchanged record is not verified again, and the highest
 * value seen, so a generation that goes back is noticed. */
typedef struct cu_gen_cache {
	pthread_mutex_t mu;
	size_t n;
	unsigned char raw[64];
	uint64_t gen, max;
} cu_gen_cache;

typedef struct cu_core {
	cu_store store;
	struct cu_audit *audit;
	cu_keys *keys;
	cu_bidx_cache *bidx;    /* NULL until first used */
	cu_header header;
	pthread_mutex_t lock;   /* guards schema */
	cu_schema *schema;
	cu_gen_cache gen;
	uint32_t kdf_ops;       /* limits for a new passphrase */
	uint64_t kdf_mem;
} cu_core;

/* What a new store starts with. */
typedef struct cu_init {
	uint64_t population;
	const char *region;
	uint32_t kdf_ops;
	uint64_t kdf_mem;
} cu_init;

/* Counters kept in meta: the next customer id, the number of customers, and how many are
 * in each lifecycle state (index: custos_state; [CU_STATE_ERASED]: erased so far). */
#define CU_STATES (CUSTOS_STATE_MAX + 1)
typedef struct cu_counters {
	uint64_t next_id;
	uint64_t count;
	uint64_t states[CU_STATES];
} cu_counters;

/* A customer write made by an operation, for its audit entry. */
typedef struct cu_write_note {
	int action;                          /* CUSTOS_AUDIT_*, or 0: the operation's own */
	uint64_t customer;
	uint32_t version;
	uint32_t classes;                    /* classes whose values changed */
	unsigned char record_hash[32];       /* BLAKE2b-256 of the stored record */
} cu_write_note;

/* Which customers an operation reaches (the role's scope, filled in by access/). */
enum { CU_SCOPE_OWN = 1, CU_SCOPE_TEAM = 2, CU_SCOPE_ALL = 3 };

/* One operation: a transaction plus who acts, when, and what they may reach and decrypt. */
typedef struct cu_op {
	cu_core *core;
	cu_txn *txn;
	cu_schema *schema;       /* borrowed from the caller for the operation */
	uint32_t actor;          /* principal id */
	uint32_t actor_team;
	int scope;               /* CU_SCOPE_* */
	int64_t now_us;
	unsigned visible;        /* bit c: class c may be decrypted */
	int counters_loaded;
	int counters_dirty;
	cu_counters counters;
	cu_write_note *writes;   /* customers written, in order */
	size_t nwrites, cwrites;
	/* A unique value that stopped the operation: the customer holding it and the field, for
	 * the audit log, which records the refusal whatever the caller was told. */
	uint64_t conflict_customer;
	uint32_t conflict_field;
	int see_archived;        /* archived customers are reached (otherwise: as if absent) */
	int suppression;         /* the store's suppression list: 0 not read yet, 1 off, 2 on */
	int job_loaded;          /* the index job under way was looked up (model/reindex.c) */
	int job_building;        /* a build job is under way: writers index job_field too */
	cu_field job_field;      /* its field as it will be once searchable */
} cu_op;

/* Does the operation reach a customer with this owner and team? */
static inline int cu_op_reaches(const cu_op *op, uint32_t owner, uint32_t team)
{
	return op->scope == CU_SCOPE_ALL || owner == op->actor ||
	       (op->scope == CU_SCOPE_TEAM && team != 0 && team == op->actor_team);
}

int cu_core_attach(cu_core *c, custos_backend *be, int readonly);
/* Wipe keys, drop the schema, free the backend. */
void cu_core_detach(cu_core *c);
/* What the backend holds: a store, nothing, or data without a store header (another
 * program's, or a store whose header was lost), over which no store is created. */
enum { CU_STORE_NONE, CU_STORE_PRESENT, CU_STORE_ORPHANED };
int cu_core_exists(cu_core *c, int *state);
/* Open an existing store with a secret: header, key check, keyring, schema. */
int cu_core_unlock(cu_core *c, const custos_secret *s);
/* Create a store (runs its own write transaction); fails with EEXISTS if one appeared,
 * or if data did (then cu_core_exists() says which). */
typedef int (*cu_init_hook)(cu_op *op, void *arg);
int cu_core_create(cu_core *c, const custos_secret *s, const cu_init *in, cu_init_hook hook, void *arg);
/* Replace the unlock secret: seal the keyring for the new secret outside any transaction
 * (Argon2id is slow), write header and keyring in op's transaction, then adopt the header. */
typedef struct cu_rekey {
	cu_header header;
	cu_bytes sealed;
} cu_rekey;
int cu_core_rekey_prepare(cu_core *c, const custos_secret *s, cu_rekey *rk);
int cu_core_rekey_write(cu_op *op, const cu_rekey *rk);
void cu_core_rekey_finish(cu_core *c, cu_rekey *rk, int committed);

/* The current schema, referenced; release with cu_schema_unref(). */
cu_schema *cu_core_schema(cu_core *c);
/* The schema stored in transaction t, decoded (not published); release with cu_schema_unref(). */
int cu_core_load_schema(cu_core *c, cu_txn *t, cu_schema **out);
/* Reload the schema inside a transaction if another writer changed it. */
int cu_core_sync_schema(cu_core *c, cu_txn *t);
/* Store a changed schema (version must be current + 1) in op's transaction. */
int cu_core_store_schema(cu_op *op, const cu_schema *s);
/* After commit: make s the current schema. */
void cu_core_set_schema(cu_core *c, cu_schema *s);

void cu_op_init(cu_op *op, cu_core *core, cu_txn *t, cu_schema *s);
void cu_op_release(cu_op *op);
/* Remember a customer write for the audit log. */
int cu_op_note_write(cu_op *op, uint64_t customer, uint32_t version, uint32_t classes, const unsigned char *record,
	size_t n);
/* The same for a write that is audited as `action` whatever the operation is (an event
 * appended: version is its sequence number, the hash that of its stored value). */
int cu_op_note_write_as(cu_op *op, int action, uint64_t customer, uint32_t version, uint32_t classes,
	const unsigned char *record, size_t n);
/* The blind-index keys of a field, from the cache when possible. */
void cu_core_bidx_keys(cu_core *c, uint16_t field_id, cu_bidx_keys *out);
int cu_counters_get(cu_op *op, cu_counters **out);
int cu_counters_flush(cu_op *op);

#endif
