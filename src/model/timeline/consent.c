/*
 * model/timeline/consent.c — consent records: appended per customer, sealed under the
 * customer's key like events.
 *
 * Bucket `consent`, key: customer id (u64 BE) ‖ sequence number (u32 BE). Value (format 1):
 *
 *   format u8 ‖ basis u8 ‖ given u8 ‖ author u32 ‖ time i64 ‖ recorded i64 (LE, µs) ‖
 *   purpose length u8 ‖ purpose (clear) ‖ nonce (12 random bytes) ‖ length u16 ‖
 *   ciphertext of that length, a multiple of 16: (source length u16 ‖ source ‖ evidence
 *   length u16 ‖ evidence ‖ zeros to a multiple of 16) XOR the ChaCha20 (IETF) stream
 *   under the customer's data key with that nonce, from block 1 on ‖ tag: Poly1305 over
 *   "CUSCON01" ‖ store id ‖ the key ‖ all of the above, under the one-time key of block 0.
 */
#include <string.h>

#include "model/customer.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"

#define CONSENT_FORMAT 1
#define C_HEAD (1 + 1 + 1 + 4 + 8 + 8 + 1)
#define C_NONCE CU_TIMELINE_NONCE
#define C_KEY 12

static const char consent_label[8] = { 'C', 'U', 'S', 'C', 'O', 'N', '0', '1' };

static void consent_key(unsigned char k[C_KEY], uint64_t id, uint32_t seq)
{
	cu_put_u64be(k, id);
	cu_put_u32be(k + 8, seq);
}

void cu_consent_destroy(cu_consent *c)
{
	if (!c)
		return;
	cu_bytes_free(&c->text[0]);
	cu_bytes_free(&c->text[1]);
	cu_wipe(c, sizeof *c);
	cu_free(c);
}

/* The last sequence number customer id has used. */
static int last_seq(cu_op *op, uint64_t id, uint32_t *seq)
{
	unsigned char lo[C_KEY];
	custos_val k, v;
	cu_cursor c;
	int rc;

	*seq = 0;
	consent_key(lo, id, 0);
	if ((rc = cu_cursor_open(&c, op->txn, CU_B_CONSENT)))
		return rc;
	for (rc = cu_cursor_seek(&c, lo, sizeof lo, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&c, &k, &v)) {
		if (k.size != C_KEY || memcmp(k.data, lo, 8) != 0)
			break;
		*seq = cu_get_u32be(k.data + 8);
	}
	cu_cursor_close(&c);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_consent_append(cu_op *op, uint64_t id, const cu_consent *d, uint32_t *seq)
{
	cu_bytes plain = CU_BYTES_SECRET_INIT, out = CU_BYTES_INIT;
	unsigned char key[C_KEY], nonce[CU_NONCE_BYTES], n24[CU_NONCE_BYTES], *p;
	size_t pn = strlen(d->purpose), at;
	cu_rec_secrets s;
	uint32_t last;
	int rc;

	if ((rc = cu_cust_open_key(op, id, &s, 1)))
		return rc;
	if ((rc = last_seq(op, id, &last)))
		goto done;
	if (last == UINT32_MAX) {
		rc = cu_err(CUSTOS_EFULL, "customer %llu has used every consent sequence number", (unsigned long long)id);
		goto done;
	}
	for (int w = 0; w < 2 && !rc; w++)
		if (!(rc = cu_bytes_append_u16le(&plain, (uint16_t)d->text[w].len)) && d->text[w].len)
			rc = cu_bytes_append(&plain, d->text[w].p, d->text[w].len);
	while (!rc && plain.len % 16)
		rc = cu_bytes_append_u8(&plain, 0);
	if (rc || (rc = cu_random_nonces(nonce, 1)) ||
	    (rc = cu_bytes_reserve(&out, C_HEAD + pn + C_NONCE + 2 + plain.len + CU_RECORD_TAG_BYTES)))
		goto done;
	p = out.p;
	*p++ = CONSENT_FORMAT;
	*p++ = d->basis;
	*p++ = d->given;
	cu_put_u32le(p, op->actor), p += 4;
	cu_put_u64le(p, (uint64_t)(d->time_us ? d->time_us : op->now_us)), p += 8;
	cu_put_u64le(p, (uint64_t)op->now_us), p += 8;
	*p++ = (unsigned char)pn;
	memcpy(p, d->purpose, pn), p += pn;
	memcpy(p, nonce + CU_NONCE_BYTES - C_NONCE, C_NONCE);
	cu_timeline_nonce(n24, p);
	p += C_NONCE;
	cu_put_u16le(p, (uint16_t)plain.len), p += 2;
	cu_stream_xor_at(p, plain.p, plain.len, s.dek, n24, 1);
	p += plain.len;
	at = (size_t)(p - out.p);
	consent_key(key, id, last + 1);
	cu_timeline_seal(p, s.dek, n24 + CU_NONCE_BYTES - C_NONCE, consent_label, op->core->keys->store_id, key,
		sizeof key, out.p, at);
	out.len = at + CU_RECORD_TAG_BYTES;
	if (!(rc = cu_put(op->txn, CU_B_CONSENT, key, sizeof key, out.p, out.len)) &&
	    !(rc = cu_op_note_write_as(op, CUSTOS_AUDIT_CONSENT, id, last + 1, d->text[0].len || d->text[1].len ?
		1U << CUSTOS_CLASS_NOTES : 0, out.p, out.len)))
		*seq = last + 1;
done:
	cu_rec_close(&s);
	cu_bytes_free(&plain);
	cu_bytes_free(&out);
	return rc;
}

static int bad(uint64_t id, uint32_t seq, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "consent record %u of customer %llu %s", seq, (unsigned long long)id, what);
}

/* Authenticate and decode one record; texts: 0 none, 1 clear, 2 masked. */
static int decode(cu_consent **out, const unsigned char *key, const unsigned char *p, size_t n, const cu_keys *k,
	const unsigned char dek[CU_KEY_BYTES], int texts)
{
	uint64_t id = cu_get_u64be(key);
	uint32_t seq = cu_get_u32be(key + 8);
	unsigned char tag[CU_RECORD_TAG_BYTES], n24[CU_NONCE_BYTES];
	cu_bytes plain = CU_BYTES_SECRET_INIT;
	size_t pn, ctn, at;
	cu_consent *c;
	cu_reader r;
	int rc;

	if (n < C_HEAD || p[0] != CONSENT_FORMAT)
		return bad(id, seq, "has a form this version does not read");
	pn = p[C_HEAD - 1];
	at = C_HEAD + pn + C_NONCE;
	if (n < at + 2 + CU_RECORD_TAG_BYTES)
		return bad(id, seq, "is cut short");
	ctn = cu_get_u16le(p + at);
	if (ctn % 16 || ctn == 0 || n != at + 2 + ctn + CU_RECORD_TAG_BYTES)
		return bad(id, seq, "has a length that does not match its contents");
	at += 2 + ctn;
	cu_timeline_seal(tag, dek, p + C_HEAD + pn, consent_label, k->store_id, key, C_KEY, p, at);
	if (!cu_equal(tag, p + at, sizeof tag))
		return bad(id, seq, "was modified or moved");
	if (!(c = cu_calloc(1, sizeof *c)))
		return cu_err_oom();
	c->text[0].secret = c->text[1].secret = 1;
	c->customer = id;
	c->seq = seq;
	c->basis = p[1];
	c->given = p[2];
	c->author = cu_get_u32le(p + 3);
	c->time_us = (int64_t)cu_get_u64le(p + 7);
	c->recorded_us = (int64_t)cu_get_u64le(p + 15);
	memcpy(c->purpose, p + C_HEAD, pn);
	c->purpose[pn] = 0;
	rc = cu_bytes_resize(&plain, ctn);
	if (!rc) {
		cu_timeline_nonce(n24, p + C_HEAD + pn);
		cu_stream_xor_at(plain.p, p + at - ctn, ctn, dek, n24, 1);
		cu_reader_init(&r, plain.p, ctn);
		for (int w = 0; w < 2 && !rc; w++) {
			size_t len = cu_read_u16le(&r);
			const unsigned char *t = cu_read_bytes(&r, len);
			if (!t || !len || !texts)
				continue;
			c->texts |= (uint8_t)(1U << w);
			rc = texts == 2 ? cu_bytes_append(&c->text[w], "***", 4) :
				cu_bytes_append(&c->text[w], t, len) ? CUSTOS_ENOMEM : cu_bytes_append_u8(&c->text[w], 0);
		}
		if (!rc && (r.bad || c->basis < CUSTOS_BASIS_CONSENT || c->basis > CUSTOS_BASIS_MAX || c->given > 1 || pn == 0 ||
			    pn > CUSTOS_PURPOSE_MAX_BYTES))
			rc = cu_err(CUSTOS_ECORRUPT, "consent record %u of customer %llu does not decode", seq,
				(unsigned long long)id);
	}
	c->masked = texts == 2;
	cu_bytes_free(&plain);
	if (rc) {
		cu_consent_destroy(c);
		return rc;
	}
	*out = c;
	return CUSTOS_OK;
}

int cu_consent_read(cu_op *op, uint64_t id, int texts, cu_consent ***out, size_t *n)
{
	unsigned char lo[C_KEY];
	cu_consent **list = NULL;
	size_t cap = 0;
	cu_rec_secrets s;
	custos_val k, v;
	cu_cursor c;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = cu_cust_open_key(op, id, &s, 0)))
		return rc;
	consent_key(lo, id, 0);
	if (!(rc = cu_cursor_open(&c, op->txn, CU_B_CONSENT))) {
		for (rc = cu_cursor_seek(&c, lo, sizeof lo, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&c, &k, &v)) {
			cu_consent **g;
			if (k.size != C_KEY || memcmp(k.data, lo, 8) != 0)
				break;
			if (!(g = cu_array_room(list, &cap, *n, sizeof *list))) {
				rc = CUSTOS_ENOMEM;
				break;
			}
			list = g;
			if ((rc = decode(&list[*n], k.data, v.data, v.size, op->core->keys, s.dek, texts)))
				break;
			(*n)++;
		}
		cu_cursor_close(&c);
	}
	cu_rec_close(&s);
	if (rc == CUSTOS_ITEROVER)
		rc = CUSTOS_OK;
	if (rc) {
		while (*n)
			cu_consent_destroy(list[--*n]);
		cu_free(list);
		return rc;
	}
	*out = list;
	return CUSTOS_OK;
}

int cu_consent_check(cu_op *op, uint64_t id)
{
	cu_consent **list;
	size_t n;
	int rc = cu_consent_read(op, id, 0, &list, &n);

	for (size_t i = 0; i < n; i++) {
		if (!rc && list[i]->seq != i + 1)
			rc = cu_err(CUSTOS_ECORRUPT, "consent record %zu of customer %llu is missing", i + 1,
				(unsigned long long)id);
		cu_consent_destroy(list[i]);
	}
	cu_free(list);
	return rc;
}
