/*
 * model/record.c — building, parsing, authenticating and decrypting customer records.
 * Every length read from storage is checked before use; nothing here trusts the bytes.
 */
#include <string.h>

#include "model/record.h"
#include "util/error.h"

#define PAD_BLOCK 16

static const char hdr_label[8] = { 'C', 'U', 'S', 'H', 'D', 'R', '0', '1' };
static const char grp_label[8] = { 'C', 'U', 'S', 'G', 'R', 'P', '0', '1' };

/* A stored record that does not parse was damaged or tampered with; the two cannot be told
 * apart, so both are authentication failures, as a failed MAC is. */
static int corrupt(const char *what)
{
	return cu_err(CUSTOS_EAUTH, "a customer record failed authentication: %s", what);
}

int cu_rec_parse(cu_rec *r, const unsigned char *p, size_t n)
{
	size_t off;

	memset(r, 0, sizeof *r);
	if (n < CU_REC_FIXED + CU_MAC_BYTES)
		return corrupt("too short");
	if (p[0] != 'C' || p[1] != 'U')
		return corrupt("bad magic");
	if (p[2] != CU_REC_FORMAT)
		return corrupt("unknown record format");
	r->state = p[3];
	r->flags = p[4];
	r->groups = p[5];
	r->id = cu_get_u64le(p + 8);
	r->version = cu_get_u64le(p + 16);
	r->dek_ver = cu_get_u32le(p + 24);
	r->owner = cu_get_u32le(p + 28);
	r->team = cu_get_u32le(p + 32);
	r->clear_len = cu_get_u32le(p + 36);
	r->created_us = (int64_t)cu_get_u64le(p + 40);
	r->updated_us = (int64_t)cu_get_u64le(p + 48);
	if ((r->groups & 1) || r->groups >= (1U << CUSTOS_CLASS_COUNT))
		return corrupt("bad class bitmap");
	if (r->clear_len > n - CU_REC_FIXED - CU_MAC_BYTES)
		return corrupt("clear section overruns the record");
	r->hdr = p;
	r->hdr_len = CU_REC_FIXED + r->clear_len;
	r->clear = p + CU_REC_FIXED;
	r->tag = p + r->hdr_len;
	off = r->hdr_len + CU_MAC_BYTES;
	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		uint32_t len;
		if (!(r->groups & (1U << c)))
			continue;
		if (n - off < 4)
			return corrupt("group header overruns the record");
		len = cu_get_u32le(p + off);
		off += 4;
		if (len < CU_NONCE_BYTES + PAD_BLOCK + CU_TAG_BYTES || len > CU_GROUP_MAX || len > n - off ||
		    (len - CU_NONCE_BYTES - CU_TAG_BYTES) % PAD_BLOCK)
			return corrupt("bad group length");
		r->grp[c] = p + off;
		r->grp_len[c] = len;
		off += len;
	}
	if (off != n)
		return corrupt("trailing bytes");
	return CUSTOS_OK;
}

static void header_tag(unsigned char out[CU_MAC_BYTES], const unsigned char *hdr, size_t n,
	const cu_record_keys *rk, const unsigned char store_id[CU_STORE_ID_BYTES])
{
	cu_mac_state st;

	cu_mac_init(&st, rk->mac);
	cu_mac_update(&st, hdr_label, sizeof hdr_label);
	cu_mac_update(&st, store_id, CU_STORE_ID_BYTES);
	cu_mac_update(&st, hdr, n);
	cu_mac_final(&st, out);
}

int cu_rec_verify(const cu_rec *r, const cu_record_keys *rk, const unsigned char store_id[CU_STORE_ID_BYTES])
{
	unsigned char tag[CU_MAC_BYTES];

	header_tag(tag, r->hdr, r->hdr_len, rk, store_id);
	if (!cu_equal(tag, r->tag, CU_MAC_BYTES))
		return cu_err(CUSTOS_EAUTH, "customer %llu failed authentication: its stored record was modified",
			(unsigned long long)r->id);
	return CUSTOS_OK;
}

static void group_ad(unsigned char ad[8 + 1 + CU_MAC_BYTES], unsigned cls, const unsigned char *tag)
{
	memcpy(ad, grp_label, 8);
	ad[8] = (unsigned char)cls;
	memcpy(ad + 9, tag, CU_MAC_BYTES);
}

int cu_rec_open_group(const cu_rec *r, unsigned cls, const cu_record_keys *rk, cu_bytes *plain)
{
	unsigned char ad[8 + 1 + CU_MAC_BYTES];
	const unsigned char *g = r->grp[cls];
	size_t ct = r->grp_len[cls] - CU_NONCE_BYTES, padded = ct - CU_TAG_BYTES, n;
	int rc;

	cu_bytes_reset(plain);
	if ((rc = cu_bytes_resize(plain, padded)))
		return rc;
	group_ad(ad, cls, r->tag);
	if (cu_aead_open(plain->p, g + CU_NONCE_BYTES, ct, ad, sizeof ad, g, rk->enc))
		return cu_err(CUSTOS_EAUTH, "customer %llu failed authentication: a %s field group was modified or "
			"moved", (unsigned long long)r->id, custos_field_class_name((int)cls));
	n = cu_unpad(plain->p, padded, PAD_BLOCK);
	if (n == (size_t)-1)
		return corrupt("bad padding");
	plain->len = n;
	return CUSTOS_OK;
}

static void put_fixed(unsigned char *p, const cu_rec *r, uint8_t groups, uint32_t clear_len)
{
	memset(p, 0, CU_REC_FIXED);
	p[0] = 'C';
	p[1] = 'U';
	p[2] = CU_REC_FORMAT;
	p[3] = r->state;
	p[4] = r->flags;
	p[5] = groups;
	cu_put_u64le(p + 8, r->id);
	cu_put_u64le(p + 16, r->version);
	cu_put_u32le(p + 24, r->dek_ver);
	cu_put_u32le(p + 28, r->owner);
	cu_put_u32le(p + 32, r->team);
	cu_put_u32le(p + 36, clear_len);
	cu_put_u64le(p + 40, (uint64_t)r->created_us);
	cu_put_u64le(p + 48, (uint64_t)r->updated_us);
}

int cu_rec_build(cu_bytes *out, const cu_rec *r, const cu_bytes *clear, const cu_bytes *const groups[CUSTOS_CLASS_COUNT],
	const cu_record_keys *rk, const unsigned char store_id[CU_STORE_ID_BYTES])
{
	unsigned char nonces[CUSTOS_CLASS_COUNT * CU_NONCE_BYTES], ad[8 + 1 + CU_MAC_BYTES], *p, *tag;
	size_t total = CU_REC_FIXED + clear->len + CU_MAC_BYTES, padded[CUSTOS_CLASS_COUNT] = { 0 };
	unsigned count = 0, mask = 0, c;
	int rc;

	if (clear->len > CU_GROUP_MAX)
		return cu_err(CUSTOS_EINVALID, "the clear fields of a customer exceed %u bytes", CU_GROUP_MAX);
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		if (!groups[c] || groups[c]->len == 0)
			continue;
		padded[c] = cu_pad_len(groups[c]->len, PAD_BLOCK);
		if (!padded[c] || padded[c] + CU_NONCE_BYTES + CU_TAG_BYTES > CU_GROUP_MAX)
			return cu_err(CUSTOS_EINVALID, "the %s fields of a customer exceed %u bytes",
				custos_field_class_name((int)c), CU_GROUP_MAX);
		total += 4 + CU_NONCE_BYTES + padded[c] + CU_TAG_BYTES;
		mask |= 1U << c;
		count++;
	}
	cu_bytes_reset(out);
	if ((rc = cu_bytes_resize(out, total)))
		return rc;
	/* One draw of randomness for every nonce of the record. */
	if (count && (rc = cu_random_nonces(nonces, count)))
		return rc;
	p = out->p;
	put_fixed(p, r, (uint8_t)mask, (uint32_t)clear->len);
	if (clear->len)
		memcpy(p + CU_REC_FIXED, clear->p, clear->len);
	tag = p + CU_REC_FIXED + clear->len;
	header_tag(tag, p, CU_REC_FIXED + clear->len, rk, store_id);
	p = tag + CU_MAC_BYTES;
	count = 0;
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		unsigned char *nonce, *body;
		if (!(mask & (1U << c)))
			continue;
		cu_put_u32le(p, (uint32_t)(CU_NONCE_BYTES + padded[c] + CU_TAG_BYTES));
		nonce = p + 4;
		body = nonce + CU_NONCE_BYTES;
		memcpy(nonce, nonces + count++ * CU_NONCE_BYTES, CU_NONCE_BYTES);
		memcpy(body, groups[c]->p, groups[c]->len);
		cu_pad(body, groups[c]->len, padded[c], PAD_BLOCK);
		group_ad(ad, c, tag);
		cu_aead_seal(body, body, padded[c], ad, sizeof ad, nonce, rk->enc);
		p = body + padded[c] + CU_TAG_BYTES;
	}
	return CUSTOS_OK;
}
