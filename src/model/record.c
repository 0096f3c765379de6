/*
 * model/record.c — building, parsing, authenticating and decrypting customer records.
 * Every length read from storage is checked before use; nothing here trusts the bytes.
 */
#include <string.h>

#include "custos/global.h"
#include "model/record.h"
#include "util/error.h"

#define PAD_BLOCK 16
#define STREAM_START 64   /* the classes sit in the record's stream from block 1 on */

/* One value of the longest kind, with its 4-byte field header, fits a class group (with the
 * group's own 2-byte length inside) and the clear section. */
_Static_assert(CUSTOS_VALUE_MAX_BYTES + 4 + 2 <= CU_GROUP_MAX - 2, "a longest value fits its class");
_Static_assert(CUSTOS_VALUE_MAX_BYTES + 4 <= UINT16_MAX - CU_REC_HEADER, "a longest value fits the clear section");

static const char rec_label[8] = { 'C', 'U', 'S', 'R', 'E', 'C', '0', '4' };

/* A stored record that does not parse was damaged or tampered with; the two cannot be told
 * apart, so both are authentication failures, as a failed tag is. */
static int bad(uint64_t id, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "customer %llu failed authentication: %s", (unsigned long long)id, what);
}

/* The lengths table, the ciphertexts and the tag, from off on. */
static int parse_classes(cu_rec *r, size_t off)
{
	const unsigned char *p = r->p;
	size_t n = r->n, at = 0, ct;
	unsigned count = 0;

	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT; c++)
		count += (r->groups >> c) & 1;
	if (n - off < 2 * (size_t)count + CU_RECORD_TAG_BYTES)
		return bad(r->id, "its class lengths overrun the record");
	ct = off + 2 * (size_t)count;
	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		uint16_t len;
		if (!(r->groups & (1U << c)))
			continue;
		len = cu_get_u16le(p + off);
		off += 2;
		if (len == 0 || len % PAD_BLOCK || len > n - ct - at - CU_RECORD_TAG_BYTES)
			return bad(r->id, "a field group has an invalid length");
		r->grp[c] = p + ct + at;
		r->grp_len[c] = len;
		r->grp_at[c] = (uint32_t)at;
		at += len;
	}
	if (n - ct - at != CU_RECORD_TAG_BYTES)
		return bad(r->id, "its record has trailing bytes");
	r->tag = p + ct + at;
	return CUSTOS_OK;
}

int cu_rec_parse_head(cu_rec *r, uint64_t id, const unsigned char *p, size_t n, size_t wrap_bytes)
{
	size_t off;

	memset(r, 0, sizeof *r);
	r->id = id;
	r->p = p;
	r->n = n;
	if (n < CU_REC_HEADER + CU_NONCE_BYTES + wrap_bytes + CU_RECORD_TAG_BYTES)
		return bad(id, "its record is truncated");
	r->state = p[1];
	r->prior = p[2];
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
	if (r->clear_len > n - off - CU_NONCE_BYTES - wrap_bytes - CU_RECORD_TAG_BYTES)
		return bad(id, "its clear section overruns the record");
	r->clear = p + off;
	off += r->clear_len;
	r->nonce = p + off;
	r->wrap = p + off + CU_NONCE_BYTES;
	return CUSTOS_OK;
}

int cu_rec_parse(cu_rec *r, uint64_t id, const unsigned char *p, size_t n)
{
	int rc;

	if (n > 0 && p[0] != CU_REC_FORMAT)
		return bad(id, "its record has an unknown format");
	if ((rc = cu_rec_parse_head(r, id, p, n, CU_WRAP_BYTES)))
		return rc;
	return parse_classes(r, (size_t)(r->wrap - p) + CU_WRAP_BYTES);
}

static void record_tag(unsigned char out[CU_RECORD_TAG_BYTES], const unsigned char *p, size_t n, uint64_t id,
	const cu_rec_secrets *s, const unsigned char *nonce, const unsigned char store_id[CU_STORE_ID_BYTES])
{
	unsigned char prefix[sizeof rec_label + CU_STORE_ID_BYTES + 8];
	cu_record_mac st;

	memcpy(prefix, rec_label, sizeof rec_label);
	memcpy(prefix + sizeof rec_label, store_id, CU_STORE_ID_BYTES);
	cu_put_u64le(prefix + sizeof rec_label + CU_STORE_ID_BYTES, id);
	cu_record_mac_init(&st, s->dek, nonce);
	cu_record_mac_update(&st, prefix, sizeof prefix);
	cu_record_mac_update(&st, p, n);
	cu_record_mac_final(&st, out);
}

int cu_rec_open(const cu_rec *r, const cu_keys *k, cu_rec_secrets *s)
{
	unsigned char tag[CU_RECORD_TAG_BYTES];

	if (cu_dek_unwrap(s->dek, k, r->kek_epoch, r->nonce, r->wrap)) {
		cu_rec_close(s);
		return bad(r->id, "its data key is wrapped under a key this store does not hold");
	}
	/* A wrap edited or moved unwraps to another key, under which the tag fails too. */
	record_tag(tag, r->p, (size_t)(r->tag - r->p), r->id, s, r->nonce, k->store_id);
	if (!cu_equal(tag, r->tag, sizeof tag)) {
		cu_rec_close(s);
		return bad(r->id, "its stored record or its data key was modified or moved");
	}
	return CUSTOS_OK;
}

void cu_rec_close(cu_rec_secrets *s)
{
	cu_wipe(s, sizeof *s);
}

/* Decrypt classes first..last (present, consecutive) into out at pos: the stream from the
 * block where they start, the bytes before them in that block wiped at once. */
static int decrypt_run(const cu_rec *r, const cu_rec_secrets *s, unsigned first, unsigned last, cu_rec_plain *out)
{
	size_t from = STREAM_START + r->grp_at[first], skip = from % 64, n, pos = out->buf.len;
	int rc;

	n = r->grp_at[last] + r->grp_len[last] - r->grp_at[first];
	if ((rc = cu_bytes_reserve(&out->buf, skip + n)))
		return rc;
	memset(out->buf.p + pos, 0, skip);
	memcpy(out->buf.p + pos + skip, r->grp[first], n);
	cu_stream_xor_at(out->buf.p + pos, out->buf.p + pos, skip + n, s->dek, r->nonce, (uint32_t)(from / 64));
	cu_wipe(out->buf.p + pos, skip);  /* keystream of the class before: not needed, not kept */
	for (unsigned c = first; c <= last; c++) {
		const unsigned char *pt = out->buf.p + pos + skip + (r->grp_at[c] - r->grp_at[first]);
		uint16_t len;
		if (!(r->groups & (1U << c)))
			continue;
		len = cu_get_u16le(pt);
		if ((size_t)len + 2 > r->grp_len[c])  /* authenticated, so written this way: a faulty writer */
			return cu_err(CUSTOS_ECORRUPT, "customer %llu: a field group has an invalid length inside",
				(unsigned long long)r->id);
		out->at[c] = (uint32_t)(pt + 2 - out->buf.p);
		out->len[c] = len;
		out->classes |= 1U << c;
	}
	out->buf.len = pos + skip + n;
	return CUSTOS_OK;
}

int cu_rec_decrypt(const cu_rec *r, unsigned classes, const cu_rec_secrets *s, cu_rec_plain *out)
{
	unsigned want = r->groups & classes & ~1U, c = 1;
	int rc;

	cu_bytes_reset(&out->buf);
	out->classes = 0;
	if ((rc = cu_bytes_reserve(&out->buf, r->n + 64)))
		return rc;
	while (c < CUSTOS_CLASS_COUNT) {
		unsigned first, last;
		if (!(want & (1U << c))) {
			c++;
			continue;
		}
		/* A run: wanted classes, and absent ones between them (they take no bytes). */
		first = last = c;
		for (c++; c < CUSTOS_CLASS_COUNT && !((r->groups & ~want) & (1U << c)); c++)
			if (want & (1U << c))
				last = c;
		if ((rc = decrypt_run(r, s, first, last, out)))
			return rc;
	}
	return CUSTOS_OK;
}

void cu_rec_plain_free(cu_rec_plain *p)
{
	cu_bytes_free(&p->buf);
	p->classes = 0;
}

static void put_header(unsigned char *p, const cu_rec *r, uint8_t groups, uint16_t clear_len, uint16_t epoch)
{
	p[0] = CU_REC_FORMAT;
	p[1] = r->state;
	p[2] = r->prior;
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
	size_t total = CU_REC_HEADER + clear->len + CU_NONCE_BYTES + CU_WRAP_BYTES + CU_RECORD_TAG_BYTES, ct = 0;
	size_t padded[CUSTOS_CLASS_COUNT] = { 0 };
	unsigned char *p, *nonce, *ctp;
	cu_rec_secrets s;
	unsigned mask = 0, c;
	int rc;

	if (clear->len > UINT16_MAX - CU_REC_HEADER)
		return cu_err(CUSTOS_EINVALID, "the clear fields of a customer take %zu bytes with their 4-byte field "
			"headers; a record holds at most %u", clear->len, UINT16_MAX - CU_REC_HEADER);
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		if (!groups[c] || groups[c]->len == 0)
			continue;
		if (groups[c]->len > CU_GROUP_MAX - 2)
			return cu_err(CUSTOS_EINVALID, "the %s fields of a customer take %zu bytes with their 4-byte "
				"field headers; a class holds at most %u", custos_field_class_name((int)c), groups[c]->len,
				CU_GROUP_MAX - 2);
		padded[c] = (2 + groups[c]->len + PAD_BLOCK - 1) / PAD_BLOCK * PAD_BLOCK;
		total += 2 + padded[c];
		ct += padded[c];
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
	cu_dek_wrap(p, k, nonce, dek);
	p += CU_WRAP_BYTES;
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++)
		if (mask & (1U << c)) {
			cu_put_u16le(p, (uint16_t)padded[c]);
			p += 2;
		}
	ctp = p;
	for (c = 1; c < CUSTOS_CLASS_COUNT; c++) {
		if (!(mask & (1U << c)))
			continue;
		cu_put_u16le(p, (uint16_t)groups[c]->len);
		memcpy(p + 2, groups[c]->p, groups[c]->len);
		memset(p + 2 + groups[c]->len, 0, padded[c] - 2 - groups[c]->len);
		p += padded[c];
	}
	memcpy(s.dek, dek, CU_KEY_BYTES);
	cu_stream_xor_at(ctp, ctp, ct, s.dek, nonce, STREAM_START / 64);
	record_tag(p, out->p, (size_t)(p - out->p), r->id, &s, nonce, k->store_id);
	cu_rec_close(&s);
	return CUSTOS_OK;
}
