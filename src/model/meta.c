/*
 * model/meta.c — sealed records of the meta and access buckets and their set digest.
 */
#include <stdio.h>
#include <string.h>

#include "model/meta.h"
#include "util/error.h"

_Static_assert(CU_SEAL_BYTES == CU_TXN_DELTA_BYTES, "the transaction carries the whole digest delta");

static const char seal_label[8] = { 'C', 'U', 'S', 'M', 'E', 'T', 'A', '1' };
static const char set_label[8] = { 'C', 'U', 'S', 'S', 'E', 'T', '0', '1' };
static const char head_key[] = "audit_head";

static const char *const category_names[CU_SEAL_CATEGORIES] = {
	"the store header or keyring", "the schema", "the customer counters", "the access counters",
	"a principal record", "a role record", "a team record", "a meta record",
};

const char *cu_seal_category_name(unsigned category)
{
	return category < CU_SEAL_CATEGORIES ? category_names[category] : "a record";
}

static int key_is(const unsigned char *k, size_t kn, const char *name)
{
	return kn == strlen(name) && memcmp(k, name, kn) == 0;
}

/* Which category a record counts towards; -1 for the audit head, which holds the digest. */
static int category(unsigned bucket, const unsigned char *k, size_t kn)
{
	if (bucket == CU_B_ACCESS && kn > 0) {
		switch (k[0]) {
		case 'n': case 'i': return CU_SEAL_PRINCIPALS;
		case 'r': case 'R': return CU_SEAL_ROLES;
		case 't': case 'T': return CU_SEAL_TEAMS;
		default: return CU_SEAL_OTHER;
		}
	}
	if (key_is(k, kn, head_key))
		return -1;
	if (key_is(k, kn, "header") || key_is(k, kn, "keyring"))
		return CU_SEAL_KEYS;
	if (key_is(k, kn, "schema"))
		return CU_SEAL_SCHEMA;
	if (key_is(k, kn, "counters"))
		return CU_SEAL_COUNTERS;
	if (key_is(k, kn, "access_ids") || key_is(k, kn, "access_gen"))
		return CU_SEAL_ACCESS_IDS;
	return CU_SEAL_OTHER;
}

/* The keyed hash state of the digest, before any record: the key is absorbed once. */
static void set_state(cu_mac_state *st, const cu_keys *k)
{
	cu_mac_init(st, k->meta_key);
	cu_mac_update(st, set_label, sizeof set_label);
}

/* XOR a keyed hash of one stored record into its category of digest. */
static void account_with(unsigned char digest[CU_SEAL_BYTES], const cu_mac_state *keyed, unsigned bucket,
	const unsigned char *key, size_t kn, const unsigned char *v, size_t n)
{
	unsigned char hdr[3], h[CU_MAC_BYTES], *d;
	int cat = category(bucket, key, kn);
	cu_mac_state st = *keyed;

	if (cat < 0)
		return;
	hdr[0] = (unsigned char)bucket;
	cu_put_u16le(hdr + 1, (uint16_t)kn);
	cu_mac_update(&st, key, kn);
	cu_mac_update(&st, v, n);
	cu_mac_final(&st, h);
	d = digest + (size_t)cat * CU_SEAL_DIGEST_BYTES;
	for (size_t i = 0; i < CU_SEAL_DIGEST_BYTES; i++)
		d[i] ^= h[i];
	cu_wipe(&st, sizeof st);
}

static void account(unsigned char digest[CU_SEAL_BYTES], const cu_keys *k, unsigned bucket, const unsigned char *key,
	size_t kn, const unsigned char *v, size_t n)
{
	cu_mac_state keyed;

	set_state(&keyed, k);
	account_with(digest, &keyed, bucket, key, kn, v, n);
	cu_wipe(&keyed, sizeof keyed);
}

static void seal_mac(unsigned char out[CU_MAC_BYTES], const cu_keys *k, unsigned bucket, const void *key, size_t kn,
	const void *p, size_t n)
{
	unsigned char hdr[3];
	cu_mac_state st;

	hdr[0] = (unsigned char)bucket;
	cu_put_u16le(hdr + 1, (uint16_t)kn);
	cu_mac_init(&st, k->meta_key);
	cu_mac_update(&st, seal_label, sizeof seal_label);
	cu_mac_update(&st, hdr, sizeof hdr);
	cu_mac_update(&st, key, kn);
	cu_mac_update(&st, p, n);
	cu_mac_final(&st, out);
}

/* A record's key for a message: printable bytes as they are, others as \xNN (keys of the
 * access bucket end in binary ids). Keys hold names and ids, never customer values. */
static const char *key_text(char out[100], const unsigned char *key, size_t kn)
{
	size_t o = 0;

	for (size_t i = 0; i < kn && o + 5 < 100; i++)
		o += (size_t)snprintf(out + o, 100 - o, key[i] >= 0x20 && key[i] < 0x7F && key[i] != '\\' ? "%c" : "\\x%02x",
			key[i]);
	out[o] = '\0';
	return out;
}

int cu_sealed_verify(const cu_keys *k, unsigned bucket, const void *key, size_t kn, const unsigned char *v, size_t n)
{
	unsigned char mac[CU_MAC_BYTES];
	char text[100];

	if (n < CU_MAC_BYTES)
		return cu_err(CUSTOS_EAUTH, "the stored '%s' record is truncated", key_text(text, key, kn));
	seal_mac(mac, k, bucket, key, kn, v, n - CU_MAC_BYTES);
	if (!cu_equal(mac, v + n - CU_MAC_BYTES, CU_MAC_BYTES))
		return cu_err(CUSTOS_EAUTH, "the stored '%s' record failed authentication: it was modified",
			key_text(text, key, kn));
	return CUSTOS_OK;
}

int cu_sealed_get(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, cu_bytes *out)
{
	custos_val v;
	int rc;

	if ((rc = cu_get(t, bucket, key, kn, &v)) || (rc = cu_sealed_verify(k, bucket, key, kn, v.data, v.size)))
		return rc;
	cu_bytes_reset(out);
	return cu_bytes_append(out, v.data, v.size - CU_MAC_BYTES);
}

int cu_meta_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *v, size_t n)
{
	custos_val old;
	int rc = cu_get(t, bucket, key, kn, &old);

	if (rc == CUSTOS_OK)
		account(t->delta, k, bucket, key, kn, old.data, old.size);
	else if (rc != CUSTOS_ENOTFOUND)
		return rc;
	if ((rc = cu_put(t, bucket, key, kn, v, n)))
		return rc;
	account(t->delta, k, bucket, key, kn, v, n);
	t->delta_dirty = 1;
	return CUSTOS_OK;
}

int cu_meta_del(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn)
{
	custos_val old;
	int rc = cu_get(t, bucket, key, kn, &old);

	if (rc)
		return rc;
	account(t->delta, k, bucket, key, kn, old.data, old.size);
	t->delta_dirty = 1;
	return cu_del(t, bucket, key, kn);
}

static int sealed_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *p,
	size_t n, int tracked)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc;

	if ((rc = cu_bytes_reserve(&b, n + CU_MAC_BYTES)))
		return rc;
	cu_bytes_append(&b, p, n);
	seal_mac(b.p + n, k, bucket, key, kn, p, n);
	b.len = n + CU_MAC_BYTES;
	rc = tracked ? cu_meta_put(t, k, bucket, key, kn, b.p, b.len) : cu_put(t, bucket, key, kn, b.p, b.len);
	cu_bytes_free(&b);
	return rc;
}

int cu_sealed_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *p, size_t n)
{
	return sealed_put(t, k, bucket, key, kn, p, n, 1);
}

int cu_sealed_put_head(cu_txn *t, const cu_keys *k, const void *key, size_t kn, const void *p, size_t n)
{
	return sealed_put(t, k, CU_B_META, key, kn, p, n, 0);
}

int cu_meta_delta_fold(cu_txn *t, unsigned char digest[CU_SEAL_BYTES])
{
	int dirty = t->delta_dirty;

	for (size_t i = 0; i < CU_SEAL_BYTES; i++)
		digest[i] ^= t->delta[i];
	memset(t->delta, 0, sizeof t->delta);  /* folded: a later write of the group folds only its own */
	t->delta_dirty = 0;
	return dirty;
}

static int digest_bucket(cu_txn *t, const cu_mac_state *keyed, unsigned bucket, unsigned char digest[CU_SEAL_BYTES])
{
	custos_val key, v;
	cu_cursor cur;
	int rc;

	if ((rc = cu_cursor_open(&cur, t, bucket)))
		return rc;
	for (rc = cu_cursor_seek(&cur, "", 0, &key, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &key, &v))
		account_with(digest, keyed, bucket, key.data, key.size, v.data, v.size);
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_meta_digest(cu_txn *t, const cu_keys *k, unsigned char digest[CU_SEAL_BYTES])
{
	cu_mac_state keyed;
	int rc;

	memset(digest, 0, CU_SEAL_BYTES);
	set_state(&keyed, k);
	if (!(rc = digest_bucket(t, &keyed, CU_B_META, digest)))
		rc = digest_bucket(t, &keyed, CU_B_ACCESS, digest);
	cu_wipe(&keyed, sizeof keyed);
	return rc;
}
