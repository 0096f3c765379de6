/*
 * model/record_v3.c — customer records of format 3 (custos 0.1.0), read once when a store
 * of format 1 is upgraded and rewritten in the current format. Layout:
 *   header (38) ‖ clear section ‖ nonce (24) ‖ wrapped DEK (48) ‖ per class present:
 *   length (u16) ‖ TLVs padded to 16 (ISO 7816-4) under stream `class` ‖ tag (16), the tag Poly1305 over
 *   "CUSREC03" ‖ store id ‖ id ‖ everything before it (crypto.h has the streams).
 * Every length is checked before use, and nothing is used before the tag verifies.
 */
#include <string.h>

#include "model/record.h"
#include "util/error.h"

static int bad(uint64_t id, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "customer %llu (a record of custos 0.1.0) failed authentication: %s",
		(unsigned long long)id, what);
}

/* The header fields (shared with format 4), the nonce, the wrap and the class groups. */
static int parse3(cu_rec *r, const unsigned char **wrap, uint64_t id, const unsigned char *p, size_t n)
{
	size_t off;
	int rc;

	if (n > 0 && p[0] != 3)
		return bad(id, "its record is not of format 3");
	if ((rc = cu_rec_parse_head(r, id, p, n, CU_WRAP3_BYTES)))
		return rc;
	*wrap = r->wrap;
	off = (size_t)(r->wrap - p) + CU_WRAP3_BYTES;
	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		uint16_t len;
		if (!(r->groups & (1U << c)))
			continue;
		if (n - off < 2 + CU_RECORD_TAG_BYTES)
			return bad(id, "a field group overruns the record");
		len = cu_get_u16le(p + off);
		off += 2;
		if (len == 0 || len % 16 || len > n - off - CU_RECORD_TAG_BYTES)
			return bad(id, "a field group has an invalid length");
		r->grp[c] = p + off;
		r->grp_len[c] = len;
		off += len;
	}
	if (n - off != CU_RECORD_TAG_BYTES)
		return bad(id, "its record has trailing bytes");
	r->tag = p + off;
	return CUSTOS_OK;
}

static int open3(const cu_rec *r, const unsigned char *wrap, const cu_keys *k, unsigned char dek[CU_KEY_BYTES],
	unsigned char sub[CU_KEY_BYTES])
{
	unsigned char prefix[8 + CU_STORE_ID_BYTES + 8], tag[CU_RECORD_TAG_BYTES];
	cu_record_mac st;

	if (cu_dek_unwrap3(dek, k, r->id, r->dek_ver, r->kek_epoch, r->nonce, wrap))
		return bad(r->id, "its data key was modified or copied from another customer");
	cu_stream3_subkey(sub, dek, r->nonce);
	memcpy(prefix, "CUSREC03", 8);
	memcpy(prefix + 8, k->store_id, CU_STORE_ID_BYTES);
	cu_put_u64le(prefix + 8 + CU_STORE_ID_BYTES, r->id);
	cu_record3_mac_init(&st, sub, r->nonce);
	cu_record_mac_update(&st, prefix, sizeof prefix);
	cu_record_mac_update(&st, r->p, (size_t)(r->tag - r->p));
	cu_record_mac_final(&st, tag);
	if (!cu_equal(tag, r->tag, sizeof tag))
		return bad(r->id, "its stored record was modified or moved");
	return CUSTOS_OK;
}

int cu_rec_upgrade3(cu_bytes *out, uint32_t *version, uint64_t id, const unsigned char *p, size_t n, const cu_keys *k)
{
	cu_bytes groups[CUSTOS_CLASS_COUNT], clear = CU_BYTES_INIT;
	const cu_bytes *gp[CUSTOS_CLASS_COUNT] = { NULL };
	unsigned char dek[CU_KEY_BYTES], sub[CU_KEY_BYTES];
	const unsigned char *wrap = NULL;
	cu_rec r;
	int rc;

	for (unsigned c = 0; c < CUSTOS_CLASS_COUNT; c++)
		groups[c] = (cu_bytes)CU_BYTES_SECRET_INIT;
	if ((rc = parse3(&r, &wrap, id, p, n)) || (rc = open3(&r, wrap, k, dek, sub)))
		goto out;
	if (r.version == UINT32_MAX) {
		rc = cu_err(CUSTOS_EFULL, "customer %llu has reached the highest record version; it cannot be rewritten",
			(unsigned long long)id);
		goto out;
	}
	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT && !rc; c++) {
		size_t len;
		if (!(r.groups & (1U << c)))
			continue;
		if ((rc = cu_bytes_resize(&groups[c], r.grp_len[c])))
			break;
		cu_stream3_xor(groups[c].p, r.grp[c], r.grp_len[c], sub, r.nonce, c);
		if ((len = cu_unpad16(groups[c].p, r.grp_len[c])) == (size_t)-1)
			rc = cu_err(CUSTOS_ECORRUPT, "customer %llu: a field group of its 0.1.0 record has invalid padding",
				(unsigned long long)id);
		else
			groups[c].len = len;
		gp[c] = &groups[c];
	}
	if (!rc)
		rc = cu_bytes_append(&clear, r.clear, r.clear_len);
	if (!rc) {
		r.version++;
		rc = cu_rec_build(out, &r, &clear, gp, k, dek);
		*version = r.version;
	}
out:
	cu_wipe(dek, sizeof dek);
	cu_wipe(sub, sizeof sub);
	for (unsigned c = 0; c < CUSTOS_CLASS_COUNT; c++)
		cu_bytes_free(&groups[c]);
	cu_bytes_free(&clear);
	return rc;
}
