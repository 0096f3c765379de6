/*
 * model/meta.c — MAC-protected records in the meta and principals buckets.
 */
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

int cu_sealed_get(cu_txn *t, const cu_keys *k, unsigned bucket, const void *key, size_t kn, cu_bytes *out)
{
	unsigned char mac[CU_MAC_BYTES];
	custos_val v;
	int rc;

	if ((rc = cu_get(t, bucket, key, kn, &v)))
		return rc;
	if (v.size < CU_MAC_BYTES)
		return cu_err(CUSTOS_EAUTH, "the stored '%.*s' record is truncated", (int)kn, (const char *)key);
	seal_mac(mac, k, bucket, key, kn, v.data, v.size - CU_MAC_BYTES);
	if (!cu_equal(mac, v.data + v.size - CU_MAC_BYTES, CU_MAC_BYTES))
		return cu_err(CUSTOS_EAUTH, "the stored '%.*s' record failed authentication: it was modified",
			(int)kn, (const char *)key);
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
