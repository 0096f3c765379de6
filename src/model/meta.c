/*
 * model/meta.c — MAC-protected records in the meta and principals buckets.
 */
#include <stdio.h>
#include <string.h>

#include "model/meta.h"
#include "util/error.h"

static const char label[8] = { 'C', 'U', 'S', 'M', 'E', 'T', 'A', '1' };

static void seal_mac(unsigned char out[CU_MAC_BYTES], const cu_keys *k, unsigned bucket, const void *key, size_t kn,
	const void *p, size_t n)
{
	unsigned char hdr[3];
	cu_mac_state st;

	hdr[0] = (unsigned char)bucket;
	cu_put_u16le(hdr + 1, (uint16_t)kn);
	cu_mac_init(&st, k->meta_key);
	cu_mac_update(&st, label, sizeof label);
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

int cu_sealed_put(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, const void *p, size_t n)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc;

	if ((rc = cu_bytes_reserve(&b, n + CU_MAC_BYTES)))
		return rc;
	cu_bytes_append(&b, p, n);
	seal_mac(b.p + n, k, bucket, key, kn, p, n);
	b.len = n + CU_MAC_BYTES;
	rc = cu_put(t, bucket, key, kn, b.p, b.len);
	cu_bytes_free(&b);
	return rc;
}
