/*
 * crypto/crypto.h — the key hierarchy and every cryptographic primitive custos uses.
 * This layer knows keys, nonces and bytes; it knows nothing of customers, fields or storage.
 * All libsodium calls of the library go through here, with lengths checked first, because
 * libsodium aborts the host on misuse.
 */
#ifndef CU_CRYPTO_H
#define CU_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "custos/db.h"
#include "util/alloc.h"
#include "util/bytes.h"
#include "util/fork.h"

#define CU_KEY_BYTES 32
#define CU_NONCE_BYTES 24
#define CU_TAG_BYTES 16
#define CU_MAC_BYTES 32
#define CU_STORE_ID_BYTES 16
#define CU_SALT_BYTES 16
#define CU_VERIFIER_BYTES 8

/* Argon2id limits: floors refuse weak settings at creation; caps refuse a tampered header
 * before it can make us allocate gigabytes. */
#define CU_KDF_OPS_MIN 2U
#define CU_KDF_OPS_MAX 10U
#define CU_KDF_OPS_DEFAULT 3U
#define CU_KDF_MEM_MIN (64ULL << 20)
#define CU_KDF_MEM_MAX (1ULL << 30)
#define CU_KDF_MEM_DEFAULT (256ULL << 20)

/* Keys of one open store, in one sodium_malloc arena, read-only while in use. */
typedef struct cu_keys {
	unsigned char kek[CU_KEY_BYTES];       /* wraps per-customer data keys */
	unsigned char idx_root[CU_KEY_BYTES];  /* derives per-field blind-index keys */
	unsigned char meta_key[CU_KEY_BYTES];  /* authenticates schema, principals, counters */
	unsigned char audit_root[CU_KEY_BYTES];/* derives audit keys */
	unsigned char store_id[CU_STORE_ID_BYTES];
	uint32_t kek_epoch;
	uint32_t idx_version;
} cu_keys;

/* How the master key is obtained, as recorded in the store header. */
enum { CU_KDF_ARGON2ID = 1, CU_KDF_RAW = 2 };

/* The store header: clear, authenticated indirectly: the keyring's associated data binds
 * the key-derivation inputs, the keyring holds the store id and keyring version, and the
 * key-check value is recomputed from the master key. */
typedef struct cu_header {
	unsigned char store_id[CU_STORE_ID_BYTES];
	uint32_t format;
	uint32_t kdf;              /* CU_KDF_* */
	uint32_t kdf_ops;
	uint64_t kdf_mem;
	unsigned char salt[CU_SALT_BYTES];
	unsigned char kcv[CU_MAC_BYTES];
	uint32_t keyring_version;
} cu_header;

#define CU_HEADER_BYTES (8 + 4 + CU_STORE_ID_BYTES + 4 + 4 + 8 + CU_SALT_BYTES + CU_MAC_BYTES + 4)
/* Stored form: the header and an unkeyed BLAKE2b-256 checksum of it, so damage to the
 * header reads as CUSTOS_EAUTH rather than as a wrong key. */
#define CU_HEADER_STORED (CU_HEADER_BYTES + CU_MAC_BYTES)
#define CU_FORMAT_VERSION 2U
/* The store format this library upgrades at open (custos 0.1.0's). */
#define CU_FORMAT_UPGRADABLE 1U

/* Unlock material handed in by the host, kept in guarded memory. */
struct custos_secret {
	int kind;              /* CU_KDF_ARGON2ID (passphrase) or CU_KDF_RAW (key) */
	size_t len;
	unsigned char *bytes;  /* sodium_malloc */
};
int cu_secret_new(custos_secret **out, int kind, const void *p, size_t n);
void cu_secret_free(custos_secret *s);
/* The master key of a store with header h; CUSTOS_EKEY when the kind does not match. */
int cu_secret_master_key(unsigned char mk[CU_KEY_BYTES], const custos_secret *s, const cu_header *h);

/* Library-wide initialisation (sodium_init); idempotent. */
int cu_crypto_init(void);

/* Key arena. */
int cu_keys_new(cu_keys **out);
void cu_keys_readonly(cu_keys *k);
void cu_keys_writable(cu_keys *k);
void cu_keys_free(cu_keys *k);
/* Fill a new keyring with fresh random keys for store_id. */
void cu_keys_generate(cu_keys *k, const unsigned char store_id[CU_STORE_ID_BYTES]);

/* Master key: from a passphrase (Argon2id) or checked raw bytes. mk must be secure memory. */
int cu_mk_derive(unsigned char mk[CU_KEY_BYTES], const char *pass, size_t pass_len,
	const unsigned char salt[CU_SALT_BYTES], uint32_t ops, uint64_t mem);
/* Key-check value of mk for a store (BLAKE2b keyed by a subkey of mk). */
void cu_kcv(unsigned char out[CU_MAC_BYTES], const unsigned char mk[CU_KEY_BYTES],
	const unsigned char store_id[CU_STORE_ID_BYTES]);

/* The header's stored form (with its checksum); decoding it fails with CUSTOS_EAUTH,
 * CUSTOS_ECORRUPT or CUSTOS_EVERSION. */
void cu_header_store(unsigned char out[CU_HEADER_STORED], const cu_header *h);
int cu_header_decode(cu_header *h, const unsigned char *p, size_t n);

/* Seal the keyring under mk, bound to the header's key-derivation inputs (format, method,
 * limits, salt), with h's store id and keyring version inside. Open it again: the keys,
 * the store id (into k) and the keyring version it holds; CUSTOS_EAUTH with no message when
 * it does not authenticate (a wrong secret, altered derivation inputs or a damaged keyring:
 * the caller tells them apart with the key-check value). */
int cu_keyring_seal(cu_bytes *out, const cu_keys *k, const unsigned char mk[CU_KEY_BYTES], const cu_header *h);
int cu_keyring_open(cu_keys *k, uint32_t *keyring_version, const unsigned char mk[CU_KEY_BYTES],
	const unsigned char *sealed, size_t n, const cu_header *h);
/* The keyring of a format-1 store, read once to upgrade it; the store id comes from h.
 * CUSTOS_EAUTH with no message when it does not authenticate. */
int cu_keyring_open_v1(cu_keys *k, const unsigned char mk[CU_KEY_BYTES], const unsigned char *sealed, size_t n,
	const cu_header *h);



/* Random bytes from pools refilled in bulk (one getrandom per many draws); fork-aware. */
int cu_random_nonces(unsigned char *out, size_t count);  /* count nonces of CU_NONCE_BYTES */
int cu_random_key(unsigned char out[CU_KEY_BYTES]);      /* secret: pool in guarded memory */
void cu_random_bytes(void *out, size_t n);               /* direct, for ids and salts */

/* AEAD: XChaCha20-Poly1305-IETF. seal writes n + CU_TAG_BYTES bytes. open returns
 * CUSTOS_OK or CUSTOS_EAUTH (no message: the caller knows what failed) and zeroes pt on failure. */
void cu_aead_seal(unsigned char *ct, const unsigned char *pt, size_t n, const unsigned char *ad, size_t ad_len,
	const unsigned char nonce[CU_NONCE_BYTES], const unsigned char key[CU_KEY_BYTES]);
int cu_aead_open(unsigned char *pt, const unsigned char *ct, size_t ct_len, const unsigned char *ad, size_t ad_len,
	const unsigned char nonce[CU_NONCE_BYTES], const unsigned char key[CU_KEY_BYTES]);

/* Per-record data keys (DEK), wrapped by the KEK: the DEK XORed with the first 32 bytes of
 * XChaCha20(KEK, record nonce), one HChaCha20 and one ChaCha20 block. The wrap carries no
 * tag of its own: the record's tag is keyed by the unwrapped DEK and covers the wrap, the
 * store, the record id and every header byte (versions and KEK epoch included), so a wrap
 * edited, moved or swapped opens a key under which the tag fails. A record gets a fresh
 * nonce on every write. */
#define CU_WRAP_BYTES CU_KEY_BYTES
void cu_dek_wrap(unsigned char out[CU_WRAP_BYTES], const cu_keys *k, const unsigned char nonce[CU_NONCE_BYTES],
	const unsigned char dek[CU_KEY_BYTES]);
/* CUSTOS_OK, or CUSTOS_EAUTH for a KEK epoch this keyring lacks. The result is only a
 * candidate until the record's tag verifies under it. */
int cu_dek_unwrap(unsigned char dek[CU_KEY_BYTES], const cu_keys *k, uint16_t kek_epoch,
	const unsigned char nonce[CU_NONCE_BYTES], const unsigned char wrap[CU_WRAP_BYTES]);
/* A record's stream: ChaCha20 (IETF) under the DEK with the last 12 bytes of the record's
 * nonce (96 random bits: a customer's records and, later, its events stay far below the
 * birthday bound), from 64-byte block `block` on. Block 0 gives the Poly1305 one-time key;
 * the caller places its data after it: ChaCha20-Poly1305. */
void cu_stream_xor_at(unsigned char *out, const unsigned char *in, size_t n, const unsigned char dek[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES], uint32_t block);
#define CU_RECORD_TAG_BYTES 16
typedef crypto_onetimeauth_state cu_record_mac;
void cu_record_mac_init(cu_record_mac *st, const unsigned char dek[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES]);
void cu_record_mac_update(cu_record_mac *st, const void *p, size_t n);
void cu_record_mac_final(cu_record_mac *st, unsigned char out[CU_RECORD_TAG_BYTES]);

/* Records of format 3 (custos 0.1.0), read once to rewrite them in the current format: the
 * DEK wrapped with XChaCha20-Poly1305 under the KEK (48 bytes; associated data "CUSDEK02" ‖
 * store id ‖ id ‖ DEK version ‖ KEK epoch), the record subkey HChaCha20(DEK, nonce), and
 * ChaCha20 stream c of the subkey (nonce: c ‖ the nonce's last 8 bytes) for class c,
 * stream 0 giving the tag's one-time key. */
#define CU_WRAP3_BYTES (CU_KEY_BYTES + CU_TAG_BYTES)
int cu_dek_unwrap3(unsigned char dek[CU_KEY_BYTES], const cu_keys *k, uint64_t id, uint16_t dek_version,
	uint16_t kek_epoch, const unsigned char nonce[CU_NONCE_BYTES], const unsigned char wrap[CU_WRAP3_BYTES]);
void cu_stream3_subkey(unsigned char sub[CU_KEY_BYTES], const unsigned char dek[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES]);
void cu_stream3_xor(unsigned char *out, const unsigned char *in, size_t n, const unsigned char sub[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES], uint32_t stream);
void cu_record3_mac_init(cu_record_mac *st, const unsigned char sub[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES]);
/* sodium_unpad with blocks of 16: the unpadded length, or (size_t)-1. */
size_t cu_unpad16(const unsigned char *buf, size_t padded);

/* Keyed BLAKE2b over a sequence of parts: 32-byte tags for meta records and key checks. */
typedef crypto_generichash_state cu_mac_state;
void cu_mac_init(cu_mac_state *st, const unsigned char key[CU_KEY_BYTES]);
void cu_mac_update(cu_mac_state *st, const void *p, size_t n);
void cu_mac_final(cu_mac_state *st, unsigned char out[CU_MAC_BYTES]);
/* Constant-time comparison: 1 when equal. */
int cu_equal(const void *a, const void *b, size_t n);
/* Unkeyed BLAKE2b-256 (audit chains, record digests). */
void cu_hash(unsigned char out[CU_MAC_BYTES], const void *p, size_t n);

/* The audit log's primitives. Its keys come from the keyring's audit root with BLAKE2b's
 * KDF (context "CUSAUDIT"): subkey 1 keys the block chain (keyed BLAKE2b-256), subkey 3 the
 * entry tags (SipHash-2-4), subkey 2 seeds the Ed25519 key that signs checkpoints. */
#define CU_AUDIT_TAG_BYTES 8
#define CU_SIGN_PUBLIC_BYTES 32
#define CU_SIGNATURE_BYTES 64
typedef struct cu_audit_keys {
	cu_mac_state chain;          /* keyed once; hashes start from a copy */
	unsigned char tag[16];
} cu_audit_keys;
void cu_audit_keys_derive(cu_audit_keys *ak, const cu_keys *k);
void cu_audit_keys_wipe(cu_audit_keys *ak);
/* h0 = H(chain key, "CUSAUD00" || store id). */
void cu_audit_chain_start(unsigned char h[CU_MAC_BYTES], const cu_audit_keys *ak, const cu_keys *k);
/* h becomes H(chain key, "CUSAUD02" || h || block), over the block's n bytes up to its hash. */
void cu_audit_chain_next(unsigned char h[CU_MAC_BYTES], const cu_audit_keys *ak, const void *block, size_t n);
/* An entry's tag: SipHash-2-4(tag key, seq u64 LE || base time i64 LE || entry), n <= 96. */
void cu_audit_tag(unsigned char tag[CU_AUDIT_TAG_BYTES], const cu_audit_keys *ak, uint64_t seq, int64_t base,
	const unsigned char *entry, size_t n);
/* Ed25519 under the checkpoint key: its public half, a detached signature of m, and the
 * check of one (CUSTOS_OK or CUSTOS_EAUTH, no message). */
void cu_audit_sign_public_key(unsigned char pk[CU_SIGN_PUBLIC_BYTES], const cu_keys *k);
void cu_audit_sign(unsigned char sig[CU_SIGNATURE_BYTES], const cu_keys *k, const void *m, size_t n);
int cu_audit_sign_check(const cu_keys *k, const unsigned char sig[CU_SIGNATURE_BYTES], const void *m, size_t n);
/* 1 when all n bytes are zero (constant time). */
int cu_is_zero(const void *p, size_t n);

/* Blind indexes: per-field keys derived from the index root; the index value keeps the
 * top `bits` bits of a keyed BLAKE2b-256; the verifier is a SipHash-2-4 tag of (record id,
 * value), cheap enough to check every candidate of a lookup. */
typedef struct cu_bidx_keys {
	unsigned char index[CU_KEY_BYTES];
	unsigned char verify[16];
	/* BLAKE2b's state after its key block, so a value costs one compression, not two;
	 * kept as bytes (copied to an aligned state for use), as secret as the key. */
	unsigned char keyed[sizeof(crypto_generichash_state)];
} cu_bidx_keys;
void cu_bidx_keys_derive(cu_bidx_keys *bk, const cu_keys *k, uint32_t field_id);
uint32_t cu_bidx_value(const cu_bidx_keys *bk, const void *norm, size_t n, unsigned bits);
void cu_bidx_verifier(unsigned char out[CU_VERIFIER_BYTES], const cu_bidx_keys *bk, uint64_t id,
	const void *norm, size_t n);
/* Blind-index length for a population: the largest L with R / 2^L >= 2, within 8..32. */
unsigned cu_bidx_plan_bits(uint64_t population);
/* 1 when L keeps 2 <= R / 2^L < sqrt(R) (CipherSweet's planner rule). */
int cu_bidx_bits_ok(uint64_t population, unsigned bits);

/* Guarded memory for secrets that are not keys of the keyring (sodium_malloc: guard
 * pages, locked where the system allows); zeroed. The free wipes it. */
void *cu_secure_alloc(size_t n);
void cu_secure_free(void *p);

#endif
