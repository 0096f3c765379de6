/*
 * model/meta.h — authenticated small records (schema, counters, principals).
 * Values are stored as payload ‖ MAC, the MAC keyed by the keyring's meta key and bound to
 * the bucket and key, so a record edited or moved in storage fails with CUSTOS_EAUTH.
 */
#ifndef CU_MODEL_META_H
#define CU_MODEL_META_H

#include "crypto/crypto.h"
#include "store/store.h"

/* Copy the verified payload into out. CUSTOS_ENOTFOUND, CUSTOS_EAUTH (message set). */
int cu_sealed_get(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, cu_bytes *out);
/* Does the stored value v of n bytes under key authenticate? CUSTOS_OK or CUSTOS_EAUTH. */
int cu_sealed_verify(const cu_keys *k, unsigned bucket, const void *key, size_t kn, const unsigned char *v, size_t n);
int cu_sealed_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *p, size_t n);

#endif
