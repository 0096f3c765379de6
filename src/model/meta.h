/*
 * model/meta.h — the records of the `meta` and `access` buckets: MAC-sealed small records
 * (schema, counters, principals, roles, teams) and the digest of the whole set that makes
 * rolling one of them back to an older valid copy detectable.
 *
 * A sealed value is stored as payload ‖ MAC, the MAC keyed by the keyring's meta key and
 * bound to the bucket and key, so a record edited or moved in storage fails with
 * CUSTOS_EAUTH. A MAC cannot tell a record from an older valid copy of itself, so every
 * record of the two buckets (the store header and keyring included) also counts towards a
 * keyed set digest: the XOR, per category, of a keyed hash of bucket ‖ key ‖ stored value.
 * Every write of such a record updates the transaction's delta of that digest; the audit
 * log folds the delta into its sealed head in the same transaction, and opening the store,
 * opening a context, verifying and checking recompute the digest and compare. A record put
 * back from an older copy then disagrees with the head, and putting back an older head as
 * well leaves the log's newer blocks after it, which the head check finds.
 */
#ifndef CU_MODEL_META_H
#define CU_MODEL_META_H

#include "crypto/crypto.h"
#include "store/store.h"

/* The categories of the digest, so a mismatch can name what was rolled back. */
enum {
	CU_SEAL_KEYS,        /* meta: header, keyring */
	CU_SEAL_SCHEMA,      /* meta: schema */
	CU_SEAL_COUNTERS,    /* meta: counters (next customer id, number of customers) */
	CU_SEAL_ACCESS_IDS,  /* meta: next principal/role/team ids, access generation */
	CU_SEAL_PRINCIPALS,  /* access: 'n' and 'i' records */
	CU_SEAL_ROLES,       /* access: 'r' and 'R' records */
	CU_SEAL_TEAMS,       /* access: 't' and 'T' records */
	CU_SEAL_OTHER,       /* any other record of the two buckets */
	CU_SEAL_CATEGORIES
};
#define CU_SEAL_DIGEST_BYTES 16
#define CU_SEAL_BYTES (CU_SEAL_CATEGORIES * CU_SEAL_DIGEST_BYTES)

/* What the category holds, for messages: "the schema", "a principal record". */
const char *cu_seal_category_name(unsigned category);

/* Copy the verified payload into out. CUSTOS_ENOTFOUND, CUSTOS_EAUTH (message set). */
int cu_sealed_get(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, cu_bytes *out);
/* Does the stored value v of n bytes under key authenticate? CUSTOS_OK or CUSTOS_EAUTH. */
int cu_sealed_verify(const cu_keys *k, unsigned bucket, const void *key, size_t kn, const unsigned char *v, size_t n);
/* Store payload ‖ MAC and account for it in the transaction's digest delta. */
int cu_sealed_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *p, size_t n);
/* Store a value that authenticates itself (the header, the keyring) and account for it. */
int cu_meta_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *v, size_t n);
/* Delete a record and account for it. */
int cu_meta_del(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn);
/* The audit log's head: sealed, but outside the digest it holds. */
int cu_sealed_put_head(cu_txn *t, const cu_keys *k, const void *key, size_t kn, const void *p, size_t n);

/* XOR the transaction's delta into digest and clear it; 1 when it held a change. */
int cu_meta_delta_fold(cu_txn *t, unsigned char digest[CU_SEAL_BYTES]);
/* The digest of every record of meta and access as stored, computed from scratch. */
int cu_meta_digest(cu_txn *t, const cu_keys *k, unsigned char digest[CU_SEAL_BYTES]);

#endif
