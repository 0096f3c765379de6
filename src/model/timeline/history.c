/*
 * model/timeline/history.c — field history: every update of a customer records which
 * fields changed, who changed them, when, and their old values, encrypted under the
 * customer's key, in the transaction of the update.
 *
 * Bucket `history`, key: customer id (u64 BE) ‖ the record version the update made (u32
 * BE), so a customer's changes are consecutive, oldest first. Value (format 1):
 *
 *   format u8 ‖ author u32 ‖ time i64 (µs) ‖ count u16 ‖ count × field id u16 (clear:
 *   which fields changed) ‖ nonce (12 random bytes) ‖ length u32 ‖ ciphertext of that
 *   length, a multiple of 16: (per field, in the same order: present u8 ‖ length u32 ‖ the
 *   old stored value ‖ zeros to a multiple of 16) XOR the ChaCha20 (IETF) stream under the
 *   customer's data key with that nonce, from block 1 on ‖ tag: Poly1305 over "CUSHIS01"
 *   ‖ store id ‖ the key ‖ all of the above, under the one-time key of block 0.
 *
 * A lifecycle move (format 2) has the same layout with the state before and the state
 * after (u8 each) in place of the count, no field ids, and as its plaintext the reason:
 * length u16 ‖ UTF-8 ‖ zeros to a multiple of 16.
 */
#include <string.h>

#include "model/customer.h"
#include "model/record.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"

#define HISTORY_FORMAT 1
#define MOVE_FORMAT 2
#define H_NONCE CU_TIMELINE_NONCE
#define H_HEAD (1 + 4 + 8 + 2)

static const char history_label[8] = { 'C', 'U', 'S', 'H', 'I', 'S', '0', '1' };

static void history_key(unsigned char k[CU_HISTORY_KEY], uint64_t id, uint32_t version)
{
	cu_put_u64be(k, id);
	cu_put_u32be(k + 8, version);
}

static void history_tag(unsigned char out[CU_RECORD_TAG_BYTES], const unsigned char *dek, const unsigned char *n12,
	const unsigned char store_id[CU_STORE_ID_BYTES], const unsigned char *key, const unsigned char *p, size_t n)
{
	cu_timeline_seal(out, dek, n12, history_label, store_id, key, CU_HISTORY_KEY, p, n);
}

/* format ‖ author ‖ time into head (room reserved). */
static void head_start(cu_bytes *head, const cu_op *op, int format)
{
	head->p[0] = (unsigned char)format;
	cu_put_u32le(head->p + 1, op->actor);
	cu_put_u64le(head->p + 5, (uint64_t)op->now_us);
	head->len = 13;
}

/* Store head ‖ nonce ‖ length ‖ plain (padded to 16 here) encrypted ‖ tag as the entry of
 * the change that made `version`. */
static int seal_put(cu_op *op, uint64_t id, uint32_t version, const cu_bytes *head, cu_bytes *plain,
	const unsigned char dek[CU_KEY_BYTES])
{
	unsigned char key[CU_HISTORY_KEY], nonce[CU_NONCE_BYTES], n24[CU_NONCE_BYTES], *p;
	cu_bytes out = CU_BYTES_INIT;
	size_t at;
	int rc = CUSTOS_OK;

	while (!rc && plain->len % 16)
		rc = cu_bytes_append_u8(plain, 0);
	if (rc || (rc = cu_random_nonces(nonce, 1)) ||
	    (rc = cu_bytes_reserve(&out, head->len + H_NONCE + 4 + plain->len + CU_RECORD_TAG_BYTES)))
		goto done;
	p = out.p;
	memcpy(p, head->p, head->len), p += head->len;
	memcpy(p, nonce + CU_NONCE_BYTES - H_NONCE, H_NONCE);
	cu_timeline_nonce(n24, p);
	p += H_NONCE;
	cu_put_u32le(p, (uint32_t)plain->len), p += 4;
	cu_stream_xor_at(p, plain->p, plain->len, dek, n24, 1);
	p += plain->len;
	at = (size_t)(p - out.p);
	history_key(key, id, version);
	history_tag(p, dek, n24 + CU_NONCE_BYTES - H_NONCE, op->core->keys->store_id, key, out.p, at);
	out.len = at + CU_RECORD_TAG_BYTES;
	rc = cu_put(op->txn, CU_B_HISTORY, key, sizeof key, out.p, out.len);
done:
	cu_bytes_free(&out);
	return rc;
}

int cu_history_record(cu_op *op, uint64_t id, uint32_t version, const custos_customer *c, const cu_slot *old,
	const unsigned char dek[CU_KEY_BYTES])
{
	cu_bytes plain = CU_BYTES_SECRET_INIT, head = CU_BYTES_INIT;
	size_t count = 0;
	int rc = CUSTOS_OK;

	/* The fields whose value changed, and what they held before. */
	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_slot *o = &old[i], *n = &c->slots[i];
		if (!n->dirty || !cu_slot_differs(c, o, n))
			continue;
		if (count == UINT16_MAX)
			return cu_err(CUSTOS_EFULL, "an update changes more fields than a history entry holds");
		count++;
		if (!(rc = cu_bytes_append_u8(&plain, o->present)) && !(rc = cu_bytes_append_u32le(&plain, o->present ? o->len : 0)))
			rc = o->present ? cu_bytes_append(&plain, c->arena.p + o->off, o->len) : CUSTOS_OK;
	}
	if (rc || count == 0)
		goto done;
	if ((rc = cu_bytes_reserve(&head, H_HEAD + 2 * count)))
		goto done;
	head_start(&head, op, HISTORY_FORMAT);
	cu_put_u16le(head.p + head.len, (uint16_t)count), head.len += 2;
	for (size_t i = 0; i < c->schema->nfields; i++) {
		const cu_slot *o = &old[i], *n = &c->slots[i];
		if (!n->dirty || !cu_slot_differs(c, o, n))
			continue;
		cu_put_u16le(head.p + head.len, c->schema->fields[i].id), head.len += 2;
	}
	rc = seal_put(op, id, version, &head, &plain, dek);
done:
	cu_bytes_free(&head);
	cu_bytes_free(&plain);
	return rc;
}

int cu_history_move(cu_op *op, uint64_t id, uint32_t version, int from, int to, const char *reason, size_t rn,
	const unsigned char dek[CU_KEY_BYTES])
{
	cu_bytes plain = CU_BYTES_SECRET_INIT, head = CU_BYTES_INIT;
	int rc;

	if (!(rc = cu_bytes_append_u16le(&plain, (uint16_t)rn)) && !(rc = cu_bytes_append(&plain, reason, rn)) &&
	    !(rc = cu_bytes_reserve(&head, H_HEAD))) {
		head_start(&head, op, MOVE_FORMAT);
		head.p[head.len++] = (unsigned char)from;
		head.p[head.len++] = (unsigned char)to;
		rc = seal_put(op, id, version, &head, &plain, dek);
	}
	cu_bytes_free(&head);
	cu_bytes_free(&plain);
	return rc;
}

static int bad_entry(uint64_t id, uint32_t version, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "the history entry of customer %llu at version %u %s", (unsigned long long)id,
		version, what);
}

void cu_change_destroy(cu_change *ch)
{
	if (!ch)
		return;
	if (ch->schema)
		cu_schema_unref(ch->schema);
	cu_bytes_free(&ch->values);
	cu_free(ch->fields);
	cu_wipe(ch, sizeof *ch);
	cu_free(ch);
}

/* Parse, authenticate and decrypt one stored entry. */
static int decode(cu_change **out, const unsigned char *key, const unsigned char *p, size_t n, const cu_keys *k,
	const unsigned char dek[CU_KEY_BYTES])
{
	uint64_t id = cu_get_u64be(key);
	uint32_t version = cu_get_u32be(key + 8), ctn;
	unsigned char tag[CU_RECORD_TAG_BYTES], n24[CU_NONCE_BYTES];
	const unsigned char *nonce, *ct;
	size_t count, at;
	cu_change *ch;
	cu_reader r;
	int rc, move;

	if (n < H_HEAD || (p[0] != HISTORY_FORMAT && p[0] != MOVE_FORMAT))
		return bad_entry(id, version, "has a form this version does not read");
	move = p[0] == MOVE_FORMAT;
	count = move ? 0 : cu_get_u16le(p + 13);
	at = H_HEAD + 2 * count;
	if ((!move && count == 0) || n < at + H_NONCE + 4 + CU_RECORD_TAG_BYTES)
		return bad_entry(id, version, "is cut short");
	nonce = p + at;
	ctn = cu_get_u32le(p + at + H_NONCE);
	ct = p + at + H_NONCE + 4;
	if (ctn % 16 || n != at + H_NONCE + 4 + (size_t)ctn + CU_RECORD_TAG_BYTES)
		return bad_entry(id, version, "has a length that does not match its contents");
	at += H_NONCE + 4 + ctn;
	history_tag(tag, dek, nonce, k->store_id, key, p, at);
	if (!cu_equal(tag, p + at, sizeof tag))
		return bad_entry(id, version, "was modified or moved");
	if (!(ch = cu_calloc(1, sizeof *ch)) || (count && !(ch->fields = cu_calloc(count, sizeof *ch->fields)))) {
		cu_free(ch);
		return cu_err_oom();
	}
	ch->values.secret = 1;
	ch->customer = id;
	ch->version = version;
	ch->author = cu_get_u32le(p + 1);
	ch->time_us = (int64_t)cu_get_u64le(p + 5);
	ch->count = count;
	if ((rc = cu_bytes_resize(&ch->values, ctn))) {
		cu_change_destroy(ch);
		return rc;
	}
	cu_timeline_nonce(n24, nonce);
	cu_stream_xor_at(ch->values.p, ct, ctn, dek, n24, 1);
	cu_reader_init(&r, ch->values.p, ctn);
	if (move) {
		ch->from = p[13];
		ch->to = p[14];
		ch->reason_len = cu_read_u16le(&r);
		cu_read_bytes(&r, ch->reason_len);
		if (ch->from < CUSTOS_STATE_LEAD || ch->from > CUSTOS_STATE_ARCHIVED || ch->to < CUSTOS_STATE_LEAD ||
		    ch->to > CUSTOS_STATE_ARCHIVED)
			r.bad = 1;
	}
	for (size_t i = 0; i < count; i++) {
		ch->fields[i].id = cu_get_u16le(p + H_HEAD + 2 * i);
		ch->fields[i].present = (uint8_t)cu_read_u8(&r);
		ch->fields[i].len = cu_read_u32le(&r);
		ch->fields[i].off = (uint32_t)r.off;
		if (!cu_read_bytes(&r, ch->fields[i].len) || ch->fields[i].present > 1)
			break;
	}
	if (r.bad || ctn - r.off >= 16) {  /* authenticated, yet malformed: a faulty writer */
		cu_change_destroy(ch);
		return cu_err(CUSTOS_ECORRUPT, "the history entry of customer %llu at version %u does not decode",
			(unsigned long long)id, version);
	}
	*out = ch;
	return CUSTOS_OK;
}

int cu_history_page(cu_op *op, uint64_t id, uint32_t before, cu_change **out, size_t max, size_t *n, int *done)
{
	unsigned char lo[CU_HISTORY_KEY], hi[CU_HISTORY_KEY];
	cu_rec_secrets s;
	custos_val k, v;
	cu_cursor c;
	int rc;

	*n = 0;
	*done = 0;
	if ((rc = cu_cust_open_key(op, id, &s, 0)))
		return rc;
	history_key(lo, id, 0);
	history_key(hi, id, before ? before : UINT32_MAX);
	if (!(rc = cu_cursor_open(&c, op->txn, CU_B_HISTORY))) {
		int back = cu_cursor_backwards(&c);
		/* Newest first: backwards when the backend can; otherwise the entries are read
		 * forwards and the last max kept. */
		if (back) {
			for (rc = cu_cursor_seek_before(&c, hi, sizeof hi, &k, &v); rc == CUSTOS_OK && *n < max;
			     rc = cu_cursor_prev(&c, &k, &v)) {
				if (k.size != CU_HISTORY_KEY || memcmp(k.data, lo, CU_HISTORY_KEY) < 0)
					break;
				if ((rc = decode(&out[*n], k.data, v.data, v.size, op->core->keys, s.dek)))
					break;
				(*n)++;
			}
			if (rc == CUSTOS_ITEROVER || (rc == CUSTOS_OK && *n < max))
				*done = 1, rc = CUSTOS_OK;
		} else {
			for (rc = cu_cursor_seek(&c, lo, sizeof lo, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&c, &k, &v)) {
				cu_change *ch;
				if (k.size != CU_HISTORY_KEY || memcmp(k.data, hi, CU_HISTORY_KEY) >= 0)
					break;
				if ((rc = decode(&ch, k.data, v.data, v.size, op->core->keys, s.dek)))
					break;
				if (*n == max) {  /* keep the newest max, newest first at the end */
					cu_change_destroy(out[0]);
					memmove(out, out + 1, (max - 1) * sizeof *out);
					(*n)--;
				}
				out[(*n)++] = ch;
			}
			if (rc == CUSTOS_ITEROVER)
				rc = CUSTOS_OK;
			for (size_t i = 0; !rc && i < *n / 2; i++) {
				cu_change *t = out[i];
				out[i] = out[*n - 1 - i];
				out[*n - 1 - i] = t;
			}
			if (!rc && *n < max)
				*done = 1;
		}
		cu_cursor_close(&c);
	}
	cu_rec_close(&s);
	if (rc)
		while (*n > 0)
			cu_change_destroy(out[--*n]);
	return rc;
}

int cu_history_get(cu_op *op, uint64_t id, uint32_t version, cu_change **out)
{
	unsigned char key[CU_HISTORY_KEY];
	cu_rec_secrets s;
	custos_val v;
	int rc;

	if ((rc = cu_cust_open_key(op, id, &s, 0)))
		return rc;
	history_key(key, id, version);
	rc = cu_get(op->txn, CU_B_HISTORY, key, sizeof key, &v);
	if (rc == CUSTOS_ENOTFOUND)
		rc = cu_err(CUSTOS_ENOTFOUND, "customer %llu has no change recorded at version %u",
			(unsigned long long)id, version);
	else if (!rc)
		rc = decode(out, key, v.data, v.size, op->core->keys, s.dek);
	cu_rec_close(&s);
	return rc;
}
