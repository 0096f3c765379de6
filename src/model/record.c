/*
 * model/record.c — building, parsing, authenticating and decrypting customer records.
 * Every length read from storage is checked before use; nothing here trusts the bytes.
 */
#include <string.h>

#include "custos/global.h"
#include "model/record.h"
#include "util/error.h"

#define PAD_BLOCK 16

/* One value of the longest kind, with its 4-byte field header, fits a class group (padding
 * adds at least one byte) and the clear section. */
_Static_assert(CUSTOS_VALUE_MAX_BYTES + 4 < CU_GROUP_MAX, "a longest value fits its class");
_Static_assert(CUSTOS_VALUE_MAX_BYTES + 4 <= UINT16_MAX - CU_REC_HEADER, "a longest value fits the clear section");

static const char rec_label[8] = { 'C', 'U', 'S', 'R', 'E', 'C', '0', '3' };

/* A stored record that does not parse was damaged or tampered with; the two cannot be told
 * apart, so both are authentication failures, as a failed tag is. */
static int bad(uint64_t id, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "customer %llu failed authentication: %s", (unsigned long long)id, what);
}

int cu_rec_parse(cu_rec *r, uint64_t id, const unsigned char *p, size_t n)
{
	size_t off;

	memset(r, 0, sizeof *r);
	r->id = id;
	r->p = p;
	r->n = n;
	if (n < CU_REC_HEADER + CU_NONCE_BYTES + CU_WRAP_BYTES + CU_RECORD_TAG_BYTES)
		return bad(id, "its record is truncated");
	if (p[0] != CU_REC_FORMAT)
		return bad(id, "its record has an unknown format");
	r->state = p[1];
	r->flags = p[2];
	r->groups = p[3];
	r->version = cu_get_u32le(p + 4);
	r->owner = cu_get_u32le(p + 8);
	r->team = cu_get_u32le(p + 12);
	r->dek_ver = cu_get_u16le(p + 16);
	r->kek_epoch = cu_get_u16le(p + 18);
	r->clear_len = cu_get_u16le(p + 20);
	r->created_us = (int64_t)cu_get_u64le(p + 22);
	r->updated_us = (int64_t)cu_get_u64le(p + 30);
	if ((r->groups & 1) || r->groups >= (1U << CUSTOS_CLASS_COUNT))
		return bad(id, "its class bitmap is invalid");
	off = CU_REC_HEADER;
	if (r->clear_len > n - off - CU_NONCE_BYTES - CU_WRAP_BYTES - CU_RECORD_TAG_BYTES)
		return bad(id, "its clear section overruns the record");
	r->clear = p + off;
	off += r->clear_len;
	r->nonce = p + off;
	off += CU_NONCE_BYTES;
	r->wrap = p + off;
	off += CU_WRAP_BYTES;
	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		uint16_t len;
		if (!(r->groups & (1U << c)))
			continue;
		if (n - off < 2 + CU_RECORD_TAG_BYTES)
			return bad(id, "a field group overruns the record");
		len = cu_get_u16le(p + off);
		off += 2;
		if (len == 0 || len % PAD_BLOCK || len > n - off - CU_RECORD_TAG_BYTES)
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

static void record_tag(unsigned char out[CU_RECORD_TAG_BYTES], const unsigned char *p, size_t n, uint64_t id,
	const cu_rec_secrets *s, const unsigned char *nonce, const unsigned char store_id[CU_STORE_ID_BYTES])
{
	unsigned char prefix[sizeof rec_label + CU_STORE_ID_BYTES + 8];
	cu_record_mac st;

	memcpy(prefix, rec_label, sizeof rec_label);
	memcpy(prefix + sizeof rec_label, store_id, CU_STORE_ID_BYTES);
	cu_put_u64le(prefix + sizeof rec_label + CU_STORE_ID_BYTES, id);
	cu_record_mac_init(&st, s->sub, nonce);
	cu_record_mac_update(&st, prefix, sizeof prefix);
	cu_record_mac_update(&st, p, n);
	cu_record_mac_final(&st, out);
}

int cu_rec_open(const cu_rec *r, const cu_keys *k, cu_rec_secrets *s)
{
	unsigned char tag[CU_RECORD_TAG_BYTES];

	if (cu_dek_unwrap(s->dek, k, r->id, r->dek_ver, r->kek_epoch, r->nonce, r->wrap)) {
		cu_rec_close(s);
		return bad(r->id, "its data key was modified or copied from another customer");
	}
	cu_stream_subkey(s->sub, s->dek, r->nonce);
	record_tag(tag, r->p, (size_t)(r->tag - r->p), r->id, s, r->nonce, k->store_id);
	if (!cu_equal(tag, r->tag, sizeof tag)) {
		cu_rec_close(s);
		return bad(r->id, "its stored record was modified or moved");
	}
	return CUSTOS_OK;
}

void cu_rec_close(cu_rec_secrets *s)
{
	cu_wipe(s, sizeof *s);
}

int cu_rec_group(const cu_rec *r, unsigned cls, const cu_rec_secrets *s, cu_bytes *plain)
{
	size_t n;
	int rc;

	cu_bytes_reset(plain);
	if ((rc = cu_bytes_resize(plain, r->grp_len[cls])))
		return rc;
	cu_stream_xor(plain->p, r->grp[cls], r->grp_len[cls], s->sub, r->nonce, cls);
	n = cu_unpad(plain->p, r->grp_len[cls], PAD_BLOCK);
	if (n == (size_t)-1)  /* authenticated, so written this way: a faulty writer */
		return cu_err(CUSTOS_ECORRUPT, "customer %llu: a field group has invalid padding",
			(unsigned long long)r->id);
	plain->len = n;
	return CUSTOS_OK;
}

static void put_header(unsigned char *p, const cu_rec *r, uint8_t groups, uint16_t clear_len, uint16_t epoch)
{
	p[0] = CU_REC_FORMAT;
	p[1] = r->state;
	p[2] = r->flags;
	p[3] = groups;
	cu_put_u32le(p + 4, r->version);
	cu_put_u32le(p + 8, r->owner);
	cu_put_u32le(p + 12, r->team);
	cu_put_u16le(p + 16, r->dek_ver);
	cu_put_u16le(p + 18, epoch);
	cu_put_u16le(p + 20, clear_len);
	cu_put_u64le(p + 22, (uint64_t)r->created_us);
	cu_put_u64le(p + 30, (uint64_t)r->updated_us);
}

int cu_rec_build(cu_bytes *out, const cu_rec *r, const cu_bytes *clear, const cu_bytes *const groups[CUSTOS_CLASS_COUNT],
	const cu_keys *k, const unsigned char dek[CU_KEY_BYTES])
{
	size_t total = CU_REC_HEADER + clear->len + CU_NONCE_BYTES + CU_WRAP_BYTES + CU_RECORD_TAG_BYTES;
	size_t padded[CUSTOS_CLASS_COUNT] = { 0 };
	unsigned char *p, *nonce;
	cu_rec_secrets s;
	unsigned mask = 0, c;
	int rc;

	if (clear->len > UINT16_MAX - CU_REC_HEADER)
		return cu_err(CUSTOS_EINVALID, "the clear fields of a customer take %zu bytes with their 4-byte field "
			"headers; a record holds at most %u", clear->len, UINT16_MAX - CU_REC_HEADER);
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		if (!groups[c] || groups[c]->len == 0)
			continue;
		padded[c] = cu_pad_len(groups[c]->len, PAD_BLOCK);
		if (!padded[c] || padded[c] > CU_GROUP_MAX)
			return cu_err(CUSTOS_EINVALID, "the %s fields of a customer take %zu bytes with their 4-byte "
				"field headers; a class holds at most %u", custos_field_class_name((int)c), groups[c]->len,
				CU_GROUP_MAX - 1);
		total += 2 + padded[c];
		mask |= 1U << c;
	}
	cu_bytes_reset(out);
	if ((rc = cu_bytes_resize(out, total)))
		return rc;
	p = out->p;
	put_header(p, r, (uint8_t)mask, (uint16_t)clear->len, (uint16_t)k->kek_epoch);
	p += CU_REC_HEADER;
	if (clear->len)
		memcpy(p, clear->p, clear->len);
	p += clear->len;
	nonce = p;
	if ((rc = cu_random_nonces(nonce, 1)))
		return rc;
	p += CU_NONCE_BYTES;
	cu_dek_wrap(p, k, r->id, r->dek_ver, nonce, dek);
	p += CU_WRAP_BYTES;
	memcpy(s.dek, dek, CU_KEY_BYTES);
	cu_stream_subkey(s.sub, s.dek, nonce);
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		if (!(mask & (1U << c)))
			continue;
		cu_put_u16le(p, (uint16_t)padded[c]);
		p += 2;
		memcpy(p, groups[c]->p, groups[c]->len);
		cu_pad(p, groups[c]->len, padded[c], PAD_BLOCK);
		cu_stream_xor(p, p, padded[c], s.sub, nonce, c);
		p += padded[c];
	}
	record_tag(p, out->p, (size_t)(p - out->p), r->id, &s, nonce, k->store_id);
	cu_rec_close(&s);
	return CUSTOS_OK;
}
