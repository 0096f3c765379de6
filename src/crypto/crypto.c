/*
 * crypto/crypto.c — primitives: AEAD, MACs, key derivation, randomness, padding, the key arena.
 * Every libsodium call is made with lengths already checked; nothing here sets a message
 * that could contain key or plaintext bytes.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "util/alloc.h"
#include "util/error.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -1;
static void do_init(void)
{
	init_result = sodium_init() < 0 ? -1 : 0;
}

int cu_crypto_init(void)
{
	pthread_once(&init_once, do_init);
	if (init_result < 0)
		return cu_err(CUSTOS_ERROR, "libsodium could not be initialised");
	return CUSTOS_OK;
}

/* Every guarded allocation of the library, so the test countdown reaches them too. */
static void *guarded(size_t n)
{
	return cu_alloc_fault() ? NULL : sodium_malloc(n);
}

void *cu_secure_alloc(size_t n)
{
	void *p = guarded(n);

	if (p)
		memset(p, 0, n);
	return p;
}

void cu_secure_free(void *p)
{
	sodium_free(p);  /* wipes before releasing */
}

/* ---- key arena ---- */

int cu_keys_new(cu_keys **out)
{
	cu_keys *k = guarded(sizeof *k);

	if (!k)
		return cu_err_oom();
	memset(k, 0, sizeof *k);
	*out = k;
	return CUSTOS_OK;
}

void cu_keys_readonly(cu_keys *k)
{
	sodium_mprotect_readonly(k);
}

void cu_keys_writable(cu_keys *k)
{
	sodium_mprotect_readwrite(k);
}

void cu_keys_free(cu_keys *k)
{
	if (!k)
		return;
	sodium_mprotect_readwrite(k);
	sodium_memzero(k, sizeof *k);
	sodium_free(k);
}

void cu_keys_generate(cu_keys *k, const unsigned char store_id[CU_STORE_ID_BYTES])
{
	memcpy(k->store_id, store_id, CU_STORE_ID_BYTES);
	randombytes_buf(k->kek, sizeof k->kek);
	randombytes_buf(k->idx_root, sizeof k->idx_root);
	randombytes_buf(k->meta_key, sizeof k->meta_key);
	randombytes_buf(k->audit_root, sizeof k->audit_root);
	k->kek_epoch = 1;
	k->idx_version = 1;
}

/* ---- master key, key-check value ---- */

static const char root_ctx[crypto_kdf_CONTEXTBYTES + 1] = "CUSTROOT";
enum { ROOT_SEAL = 1, ROOT_KCV = 2 };

int cu_mk_derive(unsigned char mk[CU_KEY_BYTES], const char *pass, size_t pass_len,
	const unsigned char salt[CU_SALT_BYTES], uint32_t ops, uint64_t mem)
{
	if (ops < CU_KDF_OPS_MIN || ops > CU_KDF_OPS_MAX || mem < CU_KDF_MEM_MIN || mem > CU_KDF_MEM_MAX)
		return cu_err(CUSTOS_ECORRUPT, "key-derivation limits (%u passes, %llu bytes) are outside the safe "
			"range; the store header may have been tampered with", ops, (unsigned long long)mem);
	if (crypto_pwhash(mk, CU_KEY_BYTES, pass, pass_len, salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return cu_err(CUSTOS_ENOMEM, "not enough memory for Argon2id with %llu bytes",
			(unsigned long long)mem);
	return CUSTOS_OK;
}

void cu_kcv(unsigned char out[CU_MAC_BYTES], const unsigned char mk[CU_KEY_BYTES],
	const unsigned char store_id[CU_STORE_ID_BYTES])
{
	unsigned char k[CU_KEY_BYTES];
	static const char label[] = "CUSKCV01";
	cu_mac_state st;

	crypto_kdf_derive_from_key(k, sizeof k, ROOT_KCV, root_ctx, mk);
	cu_mac_init(&st, k);
	cu_mac_update(&st, label, sizeof label - 1);
	cu_mac_update(&st, store_id, CU_STORE_ID_BYTES);
	cu_mac_final(&st, out);
	sodium_memzero(k, sizeof k);
}

/* ---- header ---- */

static const unsigned char header_magic[8] = { 'C', 'U', 'S', 'T', 'O', 'S', 0, 1 };

static void header_encode(unsigned char out[CU_HEADER_BYTES], const cu_header *h)
{
	unsigned char *p = out;

	memcpy(p, header_magic, 8), p += 8;
	cu_put_u32le(p, h->format), p += 4;
	memcpy(p, h->store_id, CU_STORE_ID_BYTES), p += CU_STORE_ID_BYTES;
	cu_put_u32le(p, h->kdf), p += 4;
	cu_put_u32le(p, h->kdf_ops), p += 4;
	cu_put_u64le(p, h->kdf_mem), p += 8;
	memcpy(p, h->salt, CU_SALT_BYTES), p += CU_SALT_BYTES;
	memcpy(p, h->kcv, CU_MAC_BYTES), p += CU_MAC_BYTES;
	cu_put_u32le(p, h->keyring_version);
}

void cu_header_store(unsigned char out[CU_HEADER_STORED], const cu_header *h)
{
	header_encode(out, h);
	cu_hash(out + CU_HEADER_BYTES, out, CU_HEADER_BYTES);
}

int cu_header_decode(cu_header *h, const unsigned char *p, size_t n)
{
	unsigned char sum[CU_MAC_BYTES];
	cu_reader r;

	if (n != CU_HEADER_STORED)
		return cu_err(CUSTOS_EAUTH, "the store header failed its checksum: it was damaged or modified");
	cu_hash(sum, p, CU_HEADER_BYTES);
	if (!cu_equal(sum, p + CU_HEADER_BYTES, CU_MAC_BYTES))
		return cu_err(CUSTOS_EAUTH, "the store header failed its checksum: it was damaged or modified");
	if (memcmp(p, header_magic, 8) != 0)
		return cu_err(CUSTOS_ECORRUPT, "this is not a custos store header");
	cu_reader_init(&r, p + 8, CU_HEADER_BYTES - 8);
	h->format = cu_read_u32le(&r);
	memcpy(h->store_id, cu_read_bytes(&r, CU_STORE_ID_BYTES), CU_STORE_ID_BYTES);
	h->kdf = cu_read_u32le(&r);
	h->kdf_ops = cu_read_u32le(&r);
	h->kdf_mem = cu_read_u64le(&r);
	memcpy(h->salt, cu_read_bytes(&r, CU_SALT_BYTES), CU_SALT_BYTES);
	memcpy(h->kcv, cu_read_bytes(&r, CU_MAC_BYTES), CU_MAC_BYTES);
	h->keyring_version = cu_read_u32le(&r);
	if (h->format != CU_FORMAT_VERSION && h->format != CU_FORMAT_UPGRADABLE)
		return cu_err(h->format != 0 ? CUSTOS_EVERSION : CUSTOS_ECORRUPT,
			"store format %u is not supported by this library (it reads format %u)", h->format,
			CU_FORMAT_VERSION);
	if (h->kdf == CU_KDF_RAW && h->kdf_ops == 0 && h->kdf_mem == 0)
		return CUSTOS_OK;
	if (h->kdf != CU_KDF_ARGON2ID)
		return cu_err(CUSTOS_ECORRUPT, "the store header names an unknown key-derivation method %u", h->kdf);
	if (h->kdf_ops < CU_KDF_OPS_MIN || h->kdf_ops > CU_KDF_OPS_MAX || h->kdf_mem < CU_KDF_MEM_MIN ||
	    h->kdf_mem > CU_KDF_MEM_MAX)
		return cu_err(CUSTOS_ECORRUPT, "the store header asks for key-derivation limits outside the safe "
			"range (%u passes, %llu bytes): refused before deriving", h->kdf_ops,
			(unsigned long long)h->kdf_mem);
	return CUSTOS_OK;
}

/* ---- keyring ---- */

/* The keyring is sealed under a key derived from the master key, with the inputs of that
 * derivation (format, method, limits, salt) as associated data; the store id and keyring
 * version travel inside it. So with the right secret the keyring opens even when the rest
 * of the header was edited, and the edit is then told apart from a wrong secret. */
#define KEYRING_PLAIN (1 + 4 + CU_KEY_BYTES + 4 + CU_KEY_BYTES * 3 + CU_STORE_ID_BYTES + 4)
#define KEYRING_SEALED (CU_NONCE_BYTES + KEYRING_PLAIN + CU_TAG_BYTES)
#define KEYRING_AD (8 + 4 + 4 + 4 + 8 + CU_SALT_BYTES)
#define KEYRING_FORMAT 2
static const char keyring_label[] = "CUSKRG02";

static void keyring_ad(unsigned char ad[KEYRING_AD], const cu_header *h)
{
	unsigned char *p = ad;

	memcpy(p, keyring_label, 8), p += 8;
	cu_put_u32le(p, h->format), p += 4;
	cu_put_u32le(p, h->kdf), p += 4;
	cu_put_u32le(p, h->kdf_ops), p += 4;
	cu_put_u64le(p, h->kdf_mem), p += 8;
	memcpy(p, h->salt, CU_SALT_BYTES);
}

int cu_keyring_seal(cu_bytes *out, const cu_keys *k, const unsigned char mk[CU_KEY_BYTES], const cu_header *h)
{
	unsigned char plain[KEYRING_PLAIN], seal[CU_KEY_BYTES], ad[KEYRING_AD], *p = plain;
	int rc;

	if ((rc = cu_bytes_resize(out, KEYRING_SEALED)))
		return rc;
	*p++ = KEYRING_FORMAT;
	cu_put_u32le(p, k->kek_epoch), p += 4;
	memcpy(p, k->kek, CU_KEY_BYTES), p += CU_KEY_BYTES;
	cu_put_u32le(p, k->idx_version), p += 4;
	memcpy(p, k->idx_root, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(p, k->meta_key, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(p, k->audit_root, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(p, h->store_id, CU_STORE_ID_BYTES), p += CU_STORE_ID_BYTES;
	cu_put_u32le(p, h->keyring_version);
	crypto_kdf_derive_from_key(seal, sizeof seal, ROOT_SEAL, root_ctx, mk);
	keyring_ad(ad, h);
	randombytes_buf(out->p, CU_NONCE_BYTES);
	cu_aead_seal(out->p + CU_NONCE_BYTES, plain, sizeof plain, ad, sizeof ad, out->p, seal);
	sodium_memzero(plain, sizeof plain);
	sodium_memzero(seal, sizeof seal);
	return CUSTOS_OK;
}

int cu_keyring_open(cu_keys *k, uint32_t *keyring_version, const unsigned char mk[CU_KEY_BYTES],
	const unsigned char *sealed, size_t n, const cu_header *h)
{
	unsigned char plain[KEYRING_PLAIN], seal[CU_KEY_BYTES], ad[KEYRING_AD];
	const unsigned char *p = plain;
	int rc;

	if (n != KEYRING_SEALED)
		return cu_err(CUSTOS_ECORRUPT, "the sealed keyring has the wrong size (%zu bytes)", n);
	crypto_kdf_derive_from_key(seal, sizeof seal, ROOT_SEAL, root_ctx, mk);
	keyring_ad(ad, h);
	rc = cu_aead_open(plain, sealed + CU_NONCE_BYTES, n - CU_NONCE_BYTES, ad, sizeof ad, sealed, seal);
	sodium_memzero(seal, sizeof seal);
	if (rc)
		return CUSTOS_EAUTH;  /* the caller tells a wrong secret from a damaged keyring */
	if (*p++ != KEYRING_FORMAT) {
		sodium_memzero(plain, sizeof plain);
		return cu_err(CUSTOS_EVERSION, "the keyring has format %u; this library reads format %u", plain[0],
			KEYRING_FORMAT);
	}
	k->kek_epoch = cu_get_u32le(p), p += 4;
	memcpy(k->kek, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	k->idx_version = cu_get_u32le(p), p += 4;
	memcpy(k->idx_root, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(k->meta_key, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(k->audit_root, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(k->store_id, p, CU_STORE_ID_BYTES), p += CU_STORE_ID_BYTES;
	*keyring_version = cu_get_u32le(p);
	sodium_memzero(plain, sizeof plain);
	return CUSTOS_OK;
}

/* The keyring of a format-1 store (custos 0.1.0): sealed with the whole encoded header as
 * associated data, without the store id and keyring version inside. Read once, to upgrade. */
#define KEYRING1_PLAIN (1 + 4 + CU_KEY_BYTES + 4 + CU_KEY_BYTES * 3)
#define KEYRING1_SEALED (CU_NONCE_BYTES + KEYRING1_PLAIN + CU_TAG_BYTES)

int cu_keyring_open_v1(cu_keys *k, const unsigned char mk[CU_KEY_BYTES], const unsigned char *sealed, size_t n,
	const cu_header *h)
{
	unsigned char plain[KEYRING1_PLAIN], seal[CU_KEY_BYTES], ad[8 + CU_HEADER_BYTES];
	const unsigned char *p = plain;
	int rc;

	if (n != KEYRING1_SEALED)
		return cu_err(CUSTOS_ECORRUPT, "the sealed keyring has the wrong size (%zu bytes)", n);
	crypto_kdf_derive_from_key(seal, sizeof seal, ROOT_SEAL, root_ctx, mk);
	memcpy(ad, "CUSKRG01", 8);
	header_encode(ad + 8, h);
	rc = cu_aead_open(plain, sealed + CU_NONCE_BYTES, n - CU_NONCE_BYTES, ad, sizeof ad, sealed, seal);
	sodium_memzero(seal, sizeof seal);
	if (rc)
		return CUSTOS_EAUTH;
	if (*p++ != 1) {
		sodium_memzero(plain, sizeof plain);
		return cu_err(CUSTOS_EVERSION, "the keyring of this format-1 store has format %u", plain[0]);
	}
	k->kek_epoch = cu_get_u32le(p), p += 4;
	memcpy(k->kek, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	k->idx_version = cu_get_u32le(p), p += 4;
	memcpy(k->idx_root, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(k->meta_key, p, CU_KEY_BYTES), p += CU_KEY_BYTES;
	memcpy(k->audit_root, p, CU_KEY_BYTES);
	memcpy(k->store_id, h->store_id, CU_STORE_ID_BYTES);
	sodium_memzero(plain, sizeof plain);
	return CUSTOS_OK;
}

/* ---- randomness ---- */

#define NONCE_POOL 4096
#define KEY_POOL 1024

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char nonce_pool[NONCE_POOL];
static size_t nonce_left;
static unsigned long nonce_gen;
static unsigned char *key_pool;
static size_t key_left;
static unsigned long key_gen;

/* Hand out the next n bytes of a pool, refilling it when short. A child after fork()
 * throws the parent's pool away so it never repeats the parent's nonces or keys. */
static void pool_take(unsigned char *pool, size_t size, size_t *left, unsigned long *owner, unsigned char *out,
	size_t n)
{
	unsigned long gen = cu_fork_generation();

	if (*owner != gen) {
		*left = 0;
		*owner = gen;
	}
	if (n > *left) {
		randombytes_buf(pool, size);
		*left = size;
	}
	memcpy(out, pool + (size - *left), n);
	sodium_memzero(pool + (size - *left), n);
	*left -= n;
}

int cu_random_nonces(unsigned char *out, size_t count)
{
	size_t n = count * CU_NONCE_BYTES;

	if (n > NONCE_POOL / 4) {
		randombytes_buf(out, n);
		return CUSTOS_OK;
	}
	pthread_mutex_lock(&pool_lock);
	pool_take(nonce_pool, NONCE_POOL, &nonce_left, &nonce_gen, out, n);
	pthread_mutex_unlock(&pool_lock);
	return CUSTOS_OK;
}

int cu_random_key(unsigned char out[CU_KEY_BYTES])
{
	pthread_mutex_lock(&pool_lock);
	if (!key_pool && !(key_pool = guarded(KEY_POOL))) {
		pthread_mutex_unlock(&pool_lock);
		return cu_err_oom();
	}
	pool_take(key_pool, KEY_POOL, &key_left, &key_gen, out, CU_KEY_BYTES);
	pthread_mutex_unlock(&pool_lock);
	return CUSTOS_OK;
}

void cu_random_bytes(void *out, size_t n)
{
	randombytes_buf(out, n);
}

/* ---- AEAD ---- */

void cu_aead_seal(unsigned char *ct, const unsigned char *pt, size_t n, const unsigned char *ad, size_t ad_len,
	const unsigned char nonce[CU_NONCE_BYTES], const unsigned char key[CU_KEY_BYTES])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, pt, n, ad, ad_len, NULL, nonce, key);
}

int cu_aead_open(unsigned char *pt, const unsigned char *ct, size_t ct_len, const unsigned char *ad, size_t ad_len,
	const unsigned char nonce[CU_NONCE_BYTES], const unsigned char key[CU_KEY_BYTES])
{
	if (ct_len < CU_TAG_BYTES)
		return CUSTOS_EAUTH;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, ct_len, ad, ad_len, nonce, key) != 0) {
		sodium_memzero(pt, ct_len - CU_TAG_BYTES);
		return CUSTOS_EAUTH;
	}
	return CUSTOS_OK;
}

/* ---- data keys and record streams ---- */

void cu_dek_wrap(unsigned char out[CU_WRAP_BYTES], const cu_keys *k, const unsigned char nonce[CU_NONCE_BYTES],
	const unsigned char dek[CU_KEY_BYTES])
{
	crypto_stream_xchacha20_xor(out, dek, CU_KEY_BYTES, nonce, k->kek);
}

int cu_dek_unwrap(unsigned char dek[CU_KEY_BYTES], const cu_keys *k, uint16_t kek_epoch,
	const unsigned char nonce[CU_NONCE_BYTES], const unsigned char wrap[CU_WRAP_BYTES])
{
	if (kek_epoch != (uint16_t)k->kek_epoch)
		return CUSTOS_EAUTH;
	crypto_stream_xchacha20_xor(dek, wrap, CU_WRAP_BYTES, nonce, k->kek);
	return CUSTOS_OK;
}

void cu_stream_xor_at(unsigned char *out, const unsigned char *in, size_t n, const unsigned char dek[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES], uint32_t block)
{
	crypto_stream_chacha20_ietf_xor_ic(out, in, n, nonce + CU_NONCE_BYTES - 12, block, dek);
}

void cu_record_mac_init(cu_record_mac *st, const unsigned char dek[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES])
{
	unsigned char otk[crypto_onetimeauth_KEYBYTES] = { 0 };

	cu_stream_xor_at(otk, otk, sizeof otk, dek, nonce, 0);
	crypto_onetimeauth_init(st, otk);
	sodium_memzero(otk, sizeof otk);
}

void cu_record_mac_update(cu_record_mac *st, const void *p, size_t n)
{
	crypto_onetimeauth_update(st, p, n);
}

void cu_record_mac_final(cu_record_mac *st, unsigned char out[CU_RECORD_TAG_BYTES])
{
	crypto_onetimeauth_final(st, out);
	sodium_memzero(st, sizeof *st);
}

/* ---- MAC and hash ---- */

void cu_mac_init(cu_mac_state *st, const unsigned char key[CU_KEY_BYTES])
{
	crypto_generichash_init(st, key, CU_KEY_BYTES, CU_MAC_BYTES);
}

void cu_mac_update(cu_mac_state *st, const void *p, size_t n)
{
	crypto_generichash_update(st, p, n);
}

void cu_mac_final(cu_mac_state *st, unsigned char out[CU_MAC_BYTES])
{
	crypto_generichash_final(st, out, CU_MAC_BYTES);
}

int cu_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void cu_hash(unsigned char out[CU_MAC_BYTES], const void *p, size_t n)
{
	crypto_generichash(out, CU_MAC_BYTES, p, n, NULL, 0);
}

/* ---- the audit log ---- */

enum { AUDIT_CHAIN_KEY = 1, AUDIT_SIGN_SEED = 2, AUDIT_TAG_KEY = 3 };
static const char audit_ctx[crypto_kdf_CONTEXTBYTES] = { 'C', 'U', 'S', 'A', 'U', 'D', 'I', 'T' };
#define AUDIT_ENTRY_MAX 96
_Static_assert(CU_SIGN_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key");
_Static_assert(CU_SIGNATURE_BYTES == crypto_sign_BYTES, "Ed25519 signature");

void cu_audit_keys_derive(cu_audit_keys *ak, const cu_keys *k)
{
	unsigned char chain[CU_KEY_BYTES];

	crypto_kdf_derive_from_key(chain, sizeof chain, AUDIT_CHAIN_KEY, audit_ctx, k->audit_root);
	cu_mac_init(&ak->chain, chain);
	sodium_memzero(chain, sizeof chain);
	crypto_kdf_derive_from_key(ak->tag, sizeof ak->tag, AUDIT_TAG_KEY, audit_ctx, k->audit_root);
}

void cu_audit_keys_wipe(cu_audit_keys *ak)
{
	sodium_memzero(ak, sizeof *ak);
}

void cu_audit_chain_start(unsigned char h[CU_MAC_BYTES], const cu_audit_keys *ak, const cu_keys *k)
{
	cu_mac_state st = ak->chain;

	cu_mac_update(&st, "CUSAUD00", 8);
	cu_mac_update(&st, k->store_id, CU_STORE_ID_BYTES);
	cu_mac_final(&st, h);
}

void cu_audit_chain_next(unsigned char h[CU_MAC_BYTES], const cu_audit_keys *ak, const void *block, size_t n)
{
	cu_mac_state st = ak->chain;

	cu_mac_update(&st, "CUSAUD02", 8);
	cu_mac_update(&st, h, CU_MAC_BYTES);
	cu_mac_update(&st, block, n);
	cu_mac_final(&st, h);
}

void cu_audit_tag(unsigned char tag[CU_AUDIT_TAG_BYTES], const cu_audit_keys *ak, uint64_t seq, int64_t base,
	const unsigned char *entry, size_t n)
{
	unsigned char m[16 + AUDIT_ENTRY_MAX];

	if (n > AUDIT_ENTRY_MAX)  /* callers pass encoded entries, which never are */
		n = AUDIT_ENTRY_MAX;
	cu_put_u64le(m, seq);
	cu_put_u64le(m + 8, (uint64_t)base);
	memcpy(m + 16, entry, n);
	crypto_shorthash_siphash24(tag, m, 16 + n, ak->tag);
}

/* The checkpoint key pair, in secure memory for the time of one call. */
static void sign_keypair(unsigned char pk[CU_SIGN_PUBLIC_BYTES], unsigned char sk[crypto_sign_SECRETKEYBYTES],
	const cu_keys *k)
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	crypto_kdf_derive_from_key(seed, sizeof seed, AUDIT_SIGN_SEED, audit_ctx, k->audit_root);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
}

void cu_audit_sign_public_key(unsigned char pk[CU_SIGN_PUBLIC_BYTES], const cu_keys *k)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];

	sign_keypair(pk, sk, k);
	sodium_memzero(sk, sizeof sk);
}

void cu_audit_sign(unsigned char sig[CU_SIGNATURE_BYTES], const cu_keys *k, const void *m, size_t n)
{
	unsigned char pk[CU_SIGN_PUBLIC_BYTES], sk[crypto_sign_SECRETKEYBYTES];

	sign_keypair(pk, sk, k);
	crypto_sign_detached(sig, NULL, m, n, sk);
	sodium_memzero(sk, sizeof sk);
}

int cu_audit_sign_check(const cu_keys *k, const unsigned char sig[CU_SIGNATURE_BYTES], const void *m, size_t n)
{
	unsigned char pk[CU_SIGN_PUBLIC_BYTES];

	cu_audit_sign_public_key(pk, k);
	return crypto_sign_verify_detached(sig, m, n, pk) == 0 ? CUSTOS_OK : CUSTOS_EAUTH;
}

int cu_is_zero(const void *p, size_t n)
{
	return sodium_is_zero(p, n);
}

/* ---- blind indexes ---- */

void cu_bidx_keys_derive(cu_bidx_keys *bk, const cu_keys *k, uint32_t field_id)
{
	crypto_generichash_state st;

	crypto_kdf_derive_from_key(bk->index, CU_KEY_BYTES, field_id, "CUSBIDX1", k->idx_root);
	crypto_kdf_derive_from_key(bk->verify, sizeof bk->verify, field_id, "CUSBVER2", k->idx_root);
	crypto_generichash_init(&st, bk->index, CU_KEY_BYTES, 32);
	memcpy(bk->keyed, &st, sizeof bk->keyed);
	sodium_memzero(&st, sizeof st);
}

uint32_t cu_bidx_value(const cu_bidx_keys *bk, const void *norm, size_t n, unsigned bits)
{
	crypto_generichash_state st;
	unsigned char h[32];
	uint32_t v;

	/* BLAKE2b-256 keyed with bk->index, from the state after the key block. Full 32-byte
	 * output, then truncate: a short outlen would be a different hash. */
	memcpy(&st, bk->keyed, sizeof st);
	crypto_generichash_update(&st, norm, n);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_memzero(&st, sizeof st);
	v = cu_get_u32be(h);
	sodium_memzero(h, sizeof h);
	return bits >= 32 ? v : v & ~(UINT32_MAX >> bits);
}

void cu_bidx_verifier(unsigned char out[CU_VERIFIER_BYTES], const cu_bidx_keys *bk, uint64_t id,
	const void *norm, size_t n)
{
	unsigned char buf[8 + 256];

	/* SipHash has no streaming interface: hash id and value together, long values by digest. */
	cu_put_u64le(buf, id);
	if (n <= sizeof buf - 8) {
		memcpy(buf + 8, norm, n);
	} else {
		crypto_generichash(buf + 8, 32, norm, n, NULL, 0);
		n = 32;
	}
	crypto_shorthash_siphash24(out, buf, 8 + n, bk->verify);
	sodium_memzero(buf, 8 + n);
}

unsigned cu_bidx_plan_bits(uint64_t population)
{
	unsigned bits = 0;
	uint64_t half = population / 2;

	while (bits < 32 && (1ULL << (bits + 1)) <= half)
		bits++;
	return bits < 1 ? 1 : bits;
}

int cu_bidx_bits_ok(uint64_t population, unsigned bits)
{
	double c;

	if (bits < 1 || bits > 32)
		return 0;
	c = (double)population / ldexp(1.0, (int)bits);
	return c >= 2.0 && c < sqrt((double)population);
}

/* ---- padding ---- */

/* ---- secrets ---- */

int cu_secret_new(custos_secret **out, int kind, const void *p, size_t n)
{
	custos_secret *s;
	int rc;

	if ((rc = cu_crypto_init()))
		return rc;
	if (!(s = guarded(sizeof *s)))
		return cu_err_oom();
	if (!(s->bytes = guarded(n ? n : 1))) {
		sodium_free(s);
		return cu_err_oom();
	}
	memcpy(s->bytes, p, n);
	s->len = n;
	s->kind = kind;
	sodium_mprotect_readonly(s->bytes);
	*out = s;
	return CUSTOS_OK;
}

void cu_secret_free(custos_secret *s)
{
	if (!s)
		return;
	sodium_free(s->bytes);  /* sodium_free wipes before releasing */
	sodium_free(s);
}

int cu_secret_master_key(unsigned char mk[CU_KEY_BYTES], const custos_secret *s, const cu_header *h)
{
	if (s->kind != (int)h->kdf)
		return cu_err(CUSTOS_EKEY, h->kdf == CU_KDF_RAW ?
			"this store is unlocked with a raw key, not a passphrase" :
			"this store is unlocked with a passphrase, not a raw key");
	if (s->kind == CU_KDF_RAW) {
		memcpy(mk, s->bytes, CU_KEY_BYTES);
		return CUSTOS_OK;
	}
	return cu_mk_derive(mk, (const char *)s->bytes, s->len, h->salt, h->kdf_ops, h->kdf_mem);
}
