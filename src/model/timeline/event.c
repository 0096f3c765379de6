/*
 * model/timeline/event.c — events in storage: the stored form (timeline.h), encrypted and
 * tagged under the customer's data key; appending with the summary in one transaction;
 * reading a page of one customer's events in either order.
 */
#include <string.h>

#include "model/customer.h"
#include "model/record.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"

#define EVENT_FORMAT 1
#define EV_NONCE CU_TIMELINE_NONCE
#define EV_HEAD 15                  /* format, kind, flags, author, recorded */
#define EV_F_TEXTS 1

static const char event_label[8] = { 'C', 'U', 'S', 'E', 'V', 'T', '0', '1' };

/* Bytes of the clear values of each kind. */
static size_t body_bytes(int kind)
{
	switch (kind) {
	case CUSTOS_EVENT_PURCHASE: return 8 + 3 + 4;
	case CUSTOS_EVENT_INTERACTION: return 2;
	case CUSTOS_EVENT_FEEDBACK: return 2;
	case CUSTOS_EVENT_POINTS: return 1 + 8 + 8;
	default: return 0;
	}
}

int cu_event_alloc(cu_event **out, int kind)
{
	cu_event *e = cu_calloc(1, sizeof *e);

	if (!e)
		return cu_err_oom();
	e->kind = (uint8_t)kind;
	e->quantity = 1;
	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT; w++)
		e->text[w].secret = 1;
	*out = e;
	return CUSTOS_OK;
}

int cu_event_clone(cu_event **out, const cu_event *e)
{
	cu_event *d = NULL;
	int rc;

	if ((rc = cu_event_alloc(&d, e->kind)))
		return rc;
	*d = *e;  /* the new texts held nothing yet */
	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT; w++)
		d->text[w] = (cu_bytes)CU_BYTES_SECRET_INIT;
	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT && !rc; w++)
		if (e->text[w].len)
			rc = cu_bytes_append(&d->text[w], e->text[w].p, e->text[w].len);
	if (rc) {
		cu_event_destroy(d);
		return rc;
	}
	*out = d;
	return CUSTOS_OK;
}

void cu_event_destroy(cu_event *e)
{
	if (!e)
		return;
	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT; w++)
		cu_bytes_free(&e->text[w]);
	cu_wipe(e, sizeof *e);
	cu_free(e);
}

int cu_event_takes(int kind, int which)
{
	switch (kind) {
	case CUSTOS_EVENT_PURCHASE: return which == CUSTOS_EVENT_ITEM || which == CUSTOS_EVENT_ORDER;
	case CUSTOS_EVENT_INTERACTION: return which == CUSTOS_EVENT_SUBJECT || which == CUSTOS_EVENT_BODY;
	default: return which == CUSTOS_EVENT_BODY;
	}
}

int cu_event_requires(int kind, int which)
{
	return (kind == CUSTOS_EVENT_PURCHASE && which == CUSTOS_EVENT_ITEM) ||
	       (kind == CUSTOS_EVENT_NOTE && which == CUSTOS_EVENT_BODY);
}

static int missing(const cu_event *e, const char *what, const char *setter)
{
	return cu_err(CUSTOS_EINVALID, "a %s event needs %s: set it with %s()", custos_event_kind_name(e->kind), what,
		setter);
}

int cu_event_check(const cu_event *e, int64_t now_us)
{
	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT; w++)
		if (cu_event_requires(e->kind, w) && !(e->texts & (1U << w)))
			return cu_err(CUSTOS_EINVALID, "a %s event needs its %s text: set it with custos_event_set_text()",
				custos_event_kind_name(e->kind), custos_event_text_name(w));
	switch (e->kind) {
	case CUSTOS_EVENT_PURCHASE:
		if (!(e->set & CU_EV_AMOUNT))
			return missing(e, "an amount and a currency", "custos_event_set_amount");
		break;
	case CUSTOS_EVENT_INTERACTION:
		if (!(e->set & CU_EV_CHANNEL))
			return missing(e, "a channel and a direction", "custos_event_set_channel");
		break;
	case CUSTOS_EVENT_FEEDBACK:
		if (!(e->set & CU_EV_SCORE))
			return missing(e, "a score", "custos_event_set_score");
		break;
	case CUSTOS_EVENT_POINTS:
		if (!(e->set & CU_EV_POINTS))
			return missing(e, "an operation and a number of points", "custos_event_set_points");
		break;
	default:
		break;
	}
	if ((e->set & CU_EV_TIME) && e->time_us > now_us + CU_DAY_US)
		return cu_err(CUSTOS_EINVALID, "the event's time is %lld s after the store's clock; an event may be at "
			"most a day in the future", (long long)((e->time_us - now_us) / 1000000));
	if (e->kind == CUSTOS_EVENT_POINTS && e->expires_us &&
	    e->expires_us <= ((e->set & CU_EV_TIME) ? e->time_us : now_us))
		return cu_err(CUSTOS_EINVALID, "earned points must expire after the event's time");
	return CUSTOS_OK;
}

/* ---- the stored form ---- */

static void event_key(unsigned char k[CU_EVENT_KEY], uint64_t id, int64_t time_us, uint32_t seq)
{
	cu_put_u64be(k, id);
	cu_put_u64be(k + 8, (uint64_t)time_us);
	cu_put_u32be(k + 16, seq);
}

void cu_timeline_nonce(unsigned char n24[CU_NONCE_BYTES], const unsigned char *n12)
{
	memset(n24, 0, CU_NONCE_BYTES - EV_NONCE);
	memcpy(n24 + CU_NONCE_BYTES - EV_NONCE, n12, EV_NONCE);
}

void cu_timeline_seal(unsigned char out[CU_RECORD_TAG_BYTES], const unsigned char *dek, const unsigned char *n12,
	const char label[8], const unsigned char store_id[CU_STORE_ID_BYTES], const unsigned char *key, size_t key_len,
	const unsigned char *p, size_t n)
{
	unsigned char n24[CU_NONCE_BYTES];
	cu_record_mac st;

	cu_timeline_nonce(n24, n12);
	cu_record_mac_init(&st, dek, n24);
	cu_record_mac_update(&st, label, 8);
	cu_record_mac_update(&st, store_id, CU_STORE_ID_BYTES);
	cu_record_mac_update(&st, key, key_len);
	cu_record_mac_update(&st, p, n);
	cu_record_mac_final(&st, out);
}

static void event_tag(unsigned char out[CU_RECORD_TAG_BYTES], const unsigned char *dek, const unsigned char *n12,
	const unsigned char store_id[CU_STORE_ID_BYTES], const unsigned char key[CU_EVENT_KEY], const unsigned char *p,
	size_t n)
{
	cu_timeline_seal(out, dek, n12, event_label, store_id, key, CU_EVENT_KEY, p, n);
}

/* The plaintext of the texts: length u16 ‖ (which u8 ‖ length u16 ‖ bytes)* ‖ zeros to 16. */
static int texts_plain(const cu_event *e, cu_bytes *out)
{
	size_t len = 0;
	int rc = CUSTOS_OK;

	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT; w++)
		if (e->texts & (1U << w))
			len += 3 + e->text[w].len - 1;   /* stored with its NUL */
	if ((rc = cu_bytes_append_u16le(out, (uint16_t)len)))
		return rc;
	for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT && !rc; w++)
		if (e->texts & (1U << w)) {
			if (!(rc = cu_bytes_append_u8(out, (unsigned)w)))
				rc = cu_bytes_append_str16(out, e->text[w].p, e->text[w].len - 1);
		}
	while (!rc && out->len % 16)
		rc = cu_bytes_append_u8(out, 0);
	return rc;
}

static int encode(cu_bytes *out, const cu_event *e, const unsigned char key[CU_EVENT_KEY], const cu_keys *k,
	const unsigned char dek[CU_KEY_BYTES])
{
	unsigned char nonce[CU_NONCE_BYTES], n24[CU_NONCE_BYTES], *p;
	cu_bytes plain = CU_BYTES_SECRET_INIT;
	size_t at;
	int rc;

	if ((rc = cu_random_nonces(nonce, 1)))
		return rc;
	if (e->texts && (rc = texts_plain(e, &plain)))
		return rc;
	if ((rc = cu_bytes_reserve(out, EV_HEAD + body_bytes(e->kind) + EV_NONCE + 2 + plain.len + CU_RECORD_TAG_BYTES)))
		goto done;
	p = out->p;
	p[0] = EVENT_FORMAT;
	p[1] = e->kind;
	p[2] = e->texts ? EV_F_TEXTS : 0;
	cu_put_u32le(p + 3, e->author);
	cu_put_u64le(p + 7, (uint64_t)e->recorded_us);
	p += EV_HEAD;
	switch (e->kind) {
	case CUSTOS_EVENT_PURCHASE:
		cu_put_u64le(p, (uint64_t)e->amount);
		memcpy(p + 8, e->currency, 3);
		cu_put_u32le(p + 11, e->quantity);
		break;
	case CUSTOS_EVENT_INTERACTION:
		p[0] = e->channel, p[1] = e->direction;
		break;
	case CUSTOS_EVENT_FEEDBACK:
		p[0] = e->scale, p[1] = e->score;
		break;
	case CUSTOS_EVENT_POINTS:
		p[0] = e->points_op;
		cu_put_u64le(p + 1, (uint64_t)e->points);
		cu_put_u64le(p + 9, (uint64_t)e->expires_us);
		break;
	default:
		break;
	}
	p += body_bytes(e->kind);
	memcpy(p, nonce + CU_NONCE_BYTES - EV_NONCE, EV_NONCE);
	cu_timeline_nonce(n24, p);
	p += EV_NONCE;
	if (e->texts) {
		cu_put_u16le(p, (uint16_t)plain.len);
		cu_stream_xor_at(p + 2, plain.p, plain.len, dek, n24, 1);
		p += 2 + plain.len;
	}
	at = (size_t)(p - out->p);
	event_tag(p, dek, n24 + CU_NONCE_BYTES - EV_NONCE, k->store_id, key, out->p, at);
	out->len = at + CU_RECORD_TAG_BYTES;
done:
	cu_bytes_free(&plain);
	return rc;
}

static int bad_event(uint64_t id, uint32_t seq, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "event %u of customer %llu %s", seq, (unsigned long long)id, what);
}

/* Decrypted texts into e (texts: 1 clear, 2 masked as "***"). */
static int open_texts(cu_event *e, const unsigned char *ct, size_t n, const unsigned char *dek,
	const unsigned char *n12, int texts)
{
	cu_bytes plain = CU_BYTES_SECRET_INIT;
	unsigned char n24[CU_NONCE_BYTES];
	cu_reader r;
	size_t len;
	int rc;

	cu_timeline_nonce(n24, n12);
	if ((rc = cu_bytes_resize(&plain, n)))
		return rc;
	cu_stream_xor_at(plain.p, ct, n, dek, n24, 1);
	cu_reader_init(&r, plain.p, n);
	len = cu_read_u16le(&r);
	if (len > n - 2)
		rc = CUSTOS_ECORRUPT;
	r.len = 2 + len;
	while (!rc && r.off < r.len) {
		unsigned w = cu_read_u8(&r);
		size_t tn = cu_read_u16le(&r);
		const unsigned char *t = cu_read_bytes(&r, tn);
		if (r.bad || w >= CUSTOS_EVENT_TEXT_COUNT || (e->texts & (1U << w)) || !cu_event_takes(e->kind, (int)w)) {
			rc = CUSTOS_ECORRUPT;
			break;
		}
		e->texts |= (uint8_t)(1U << w);
		if (texts == 2)
			rc = cu_bytes_append(&e->text[w], "***", 4);
		else if (!(rc = cu_bytes_append(&e->text[w], t, tn)))
			rc = cu_bytes_append_u8(&e->text[w], 0);
	}
	e->masked = texts == 2;
	cu_bytes_free(&plain);
	if (rc == CUSTOS_ECORRUPT)  /* authenticated, yet malformed: a faulty writer */
		return cu_err(rc, "event %u of customer %llu holds texts that do not decode", e->seq,
			(unsigned long long)e->customer);
	return rc;
}

/* Parse, authenticate and decode a stored event under its customer's key. */
static int decode(cu_event **out, const unsigned char *key, const unsigned char *p, size_t n, const cu_keys *k,
	const unsigned char dek[CU_KEY_BYTES], int texts)
{
	uint64_t id = cu_get_u64be(key);
	uint32_t seq = cu_get_u32be(key + 16);
	unsigned char tag[CU_RECORD_TAG_BYTES];
	const unsigned char *b, *nonce, *ct = NULL;
	size_t body, ctn = 0, at;
	cu_event *e = NULL;
	int rc;

	if (n < EV_HEAD || p[0] != EVENT_FORMAT || p[1] < CUSTOS_EVENT_PURCHASE || p[1] > CUSTOS_EVENT_KIND_MAX ||
	    (p[2] & ~EV_F_TEXTS))
		return bad_event(id, seq, "has a form this version does not read");
	body = body_bytes(p[1]);
	at = EV_HEAD + body + EV_NONCE;
	if (n < at + CU_RECORD_TAG_BYTES)
		return bad_event(id, seq, "is cut short");
	nonce = p + EV_HEAD + body;
	if (p[2] & EV_F_TEXTS) {
		if (n < at + 2 + CU_RECORD_TAG_BYTES)
			return bad_event(id, seq, "is cut short");
		ctn = cu_get_u16le(p + at);
		ct = p + at + 2;
		at += 2 + ctn;
		if (ctn == 0 || ctn % 16)
			return bad_event(id, seq, "has texts of an impossible length");
	}
	if (n != at + CU_RECORD_TAG_BYTES)
		return bad_event(id, seq, "has a length that does not match its contents");
	event_tag(tag, dek, nonce, k->store_id, key, p, at);
	if (!cu_equal(tag, p + at, sizeof tag))
		return bad_event(id, seq, "was modified or moved");
	if ((rc = cu_event_alloc(&e, p[1])))
		return rc;
	e->customer = id;
	e->seq = seq;
	e->time_us = (int64_t)cu_get_u64be(key + 8);
	e->author = cu_get_u32le(p + 3);
	e->recorded_us = (int64_t)cu_get_u64le(p + 7);
	e->set = CU_EV_TIME;
	b = p + EV_HEAD;
	switch (e->kind) {
	case CUSTOS_EVENT_PURCHASE:
		e->amount = (int64_t)cu_get_u64le(b);
		memcpy(e->currency, b + 8, 3);
		e->quantity = cu_get_u32le(b + 11);
		e->set |= CU_EV_AMOUNT | CU_EV_QUANTITY;
		break;
	case CUSTOS_EVENT_INTERACTION:
		e->channel = b[0], e->direction = b[1];
		e->set |= CU_EV_CHANNEL;
		break;
	case CUSTOS_EVENT_FEEDBACK:
		e->scale = b[0], e->score = b[1];
		e->set |= CU_EV_SCORE;
		break;
	case CUSTOS_EVENT_POINTS:
		e->points_op = b[0];
		e->points = (int64_t)cu_get_u64le(b + 1);
		e->expires_us = (int64_t)cu_get_u64le(b + 9);
		e->set |= CU_EV_POINTS;
		break;
	default:
		break;
	}
	rc = ct && texts ? open_texts(e, ct, ctn, dek, nonce, texts) : CUSTOS_OK;
	if (rc) {
		cu_event_destroy(e);
		return rc;
	}
	*out = e;
	return CUSTOS_OK;
}

/* ---- appending ---- */

int cu_timeline_count(cu_op *op, uint64_t id, int kind, int64_t to, const int64_t *from, size_t nwin, uint32_t *counts)
{
	unsigned char lo[CU_EVENT_KEY], hi[CU_EVENT_KEY];
	int64_t earliest = to;
	custos_val k, v;
	cu_cursor c;
	int rc;

	for (size_t w = 0; w < nwin; w++) {
		counts[w] = 0;
		if (from[w] < earliest)
			earliest = from[w];
	}
	event_key(lo, id, earliest > 0 ? earliest : 0, 0);
	event_key(hi, id, to + 1, 0);
	if ((rc = cu_cursor_open(&c, op->txn, CU_B_EVENTS)))
		return rc;
	for (rc = cu_cursor_seek(&c, lo, sizeof lo, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&c, &k, &v)) {
		int64_t t;
		if (k.size != CU_EVENT_KEY || memcmp(k.data, hi, CU_EVENT_KEY) >= 0)
			break;
		if (v.size < 2 || v.data[1] != kind)
			continue;
		t = (int64_t)cu_get_u64be(k.data + 8);
		for (size_t w = 0; w < nwin; w++)
			counts[w] += t > from[w];
	}
	cu_cursor_close(&c);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_timeline_interactions(cu_op *op, uint64_t id, int64_t now, uint32_t *i30, uint32_t *i90)
{
	int64_t from[2] = { now - 30 * CU_DAY_US, now - 90 * CU_DAY_US };
	uint32_t n[2];
	int rc = cu_timeline_count(op, id, CUSTOS_EVENT_INTERACTION, now, from, 2, n);

	*i30 = n[0];
	*i90 = n[1];
	return rc;
}

/* The customer's interactions in the 30 and 90 days up to now (the one just appended
 * included), read from its events in op's transaction. */
static int count_interactions(cu_op *op, uint64_t id, cu_summary *sum)
{
	sum->counted_at = op->now_us;
	return cu_timeline_interactions(op, id, op->now_us, &sum->i30, &sum->i90);
}

/* A purchase makes a lead, a prospect, a dormant or a churned customer active. */
static int activate(cu_op *op, uint64_t id)
{
	static const char reason[] = "purchase";
	int rc, state, prior;

	if ((rc = cu_cust_state(op, id, &state, &prior)))
		return rc;
	if (state != CUSTOS_STATE_LEAD && state != CUSTOS_STATE_PROSPECT && state != CUSTOS_STATE_DORMANT &&
	    state != CUSTOS_STATE_CHURNED)
		return CUSTOS_OK;
	return cu_cust_set_state(op, id, CUSTOS_STATE_ACTIVE, reason, sizeof reason - 1, CUSTOS_AUDIT_LIFECYCLE);
}

int cu_timeline_append(cu_op *op, uint64_t id, const cu_event *draft, uint32_t *seq)
{
	cu_bytes stored = CU_BYTES_INIT;
	unsigned char key[CU_EVENT_KEY];
	cu_rec_secrets s;
	cu_summary sum;
	cu_event e;
	int rc;

	if ((rc = cu_event_check(draft, op->now_us)) || (rc = cu_cust_open_key(op, id, &s, 1)))
		return rc;
	e = *draft;  /* shallow: the texts stay the draft's */
	e.customer = id;
	e.author = op->actor;
	e.recorded_us = op->now_us;
	if (!(e.set & CU_EV_TIME))
		e.time_us = op->now_us;
	if ((rc = cu_summary_load(op, id, &sum)) || (rc = cu_summary_fold(&sum, &e, 1)))
		goto done;
	if (e.kind == CUSTOS_EVENT_POINTS) {
		cu_ledger l;
		if (!(rc = cu_ledger_load(op, id, &l)) && !(rc = cu_ledger_apply(&l, &e)))
			rc = cu_ledger_store(op, id, &l);
		cu_ledger_free(&l);
		if (rc)
			goto done;
	}
	e.seq = sum.events;
	event_key(key, id, e.time_us, e.seq);
	if ((rc = encode(&stored, &e, key, op->core->keys, s.dek)) ||
	    (rc = cu_put(op->txn, CU_B_EVENTS, key, sizeof key, stored.p, stored.len)) ||
	    (e.kind == CUSTOS_EVENT_INTERACTION && (rc = count_interactions(op, id, &sum))) ||
	    (rc = cu_summary_store(op, id, &sum)))
		goto done;
	rc = cu_op_note_write_as(op, CUSTOS_AUDIT_EVENT, id, e.seq, e.texts ? 1U << CUSTOS_CLASS_NOTES : 0, stored.p,
		stored.len);
	if (!rc && e.kind == CUSTOS_EVENT_PURCHASE)
		rc = activate(op, id);
	if (!rc)
		*seq = e.seq;
done:
	cu_rec_close(&s);
	cu_bytes_free(&stored);
	return rc;
}

/* ---- reading ---- */

/* Is the event under key (value v) one the query lists? A value too short to have a kind,
 * or of a kind this version does not know, is taken, for decode() to report it. */
static int wanted(const cu_event_query *q, const unsigned char *key, const unsigned char *v, size_t vn)
{
	int64_t t = (int64_t)cu_get_u64be(key + 8);

	if (q->kinds && vn >= 2 && v[1] >= CUSTOS_EVENT_PURCHASE && v[1] <= CUSTOS_EVENT_KIND_MAX &&
	    !(q->kinds & (1U << v[1])))
		return 0;
	return t >= q->from_us && (!q->until_us || t < q->until_us);
}

/* The first key of the range in the query's order, or the position after the last one. */
static void range_keys(const cu_event_query *q, unsigned char lo[CU_EVENT_KEY], unsigned char hi[CU_EVENT_KEY])
{
	event_key(lo, q->customer, q->from_us, 0);
	if (q->until_us) {
		event_key(hi, q->customer, q->until_us, 0);
	} else {  /* after every time (below 2^63), before the summary's key (id ‖ 0xFF...) */
		cu_put_u64be(hi, q->customer);
		cu_put_u64be(hi + 8, 1ULL << 63);
		cu_put_u32be(hi + 16, 0);
	}
}

static int in_range(const unsigned char *k, size_t kn, const unsigned char lo[CU_EVENT_KEY],
	const unsigned char hi[CU_EVENT_KEY])
{
	return kn == CU_EVENT_KEY && memcmp(k, lo, CU_EVENT_KEY) >= 0 && memcmp(k, hi, CU_EVENT_KEY) < 0;
}

static int take(cu_op *op, cu_event_query *q, const custos_val *k, const custos_val *v,
	const unsigned char dek[CU_KEY_BYTES], cu_event **out, size_t *n)
{
	int rc;

	memcpy(q->pos, k->data, CU_EVENT_KEY);
	q->have_pos = 1;
	if (!wanted(q, k->data, v->data, v->size))
		return CUSTOS_OK;
	if ((rc = decode(&out[*n], k->data, v->data, v->size, op->core->keys, dek, q->texts)))
		return rc;
	(*n)++;
	return CUSTOS_OK;
}

/* One page read along the cursor: forwards from after the position (or the range's
 * start), or backwards from before it (or the range's end). */
static int page_walk(cu_op *op, cu_cursor *c, cu_event_query *q, const unsigned char dek[CU_KEY_BYTES],
	cu_event **out, size_t max, size_t *n, int *done)
{
	unsigned char lo[CU_EVENT_KEY], hi[CU_EVENT_KEY], from[CU_EVENT_KEY + 1];
	custos_val k, v;
	size_t fn = CU_EVENT_KEY;
	int rc;

	range_keys(q, lo, hi);
	if (q->newest_first) {
		memcpy(from, q->have_pos && memcmp(q->pos, hi, CU_EVENT_KEY) < 0 ? q->pos : hi, CU_EVENT_KEY);
		rc = cu_cursor_seek_before(c, from, fn, &k, &v);
	} else {
		memcpy(from, lo, CU_EVENT_KEY);
		if (q->have_pos && memcmp(q->pos, lo, CU_EVENT_KEY) >= 0) {
			memcpy(from, q->pos, CU_EVENT_KEY);
			from[CU_EVENT_KEY] = 0;  /* the smallest key after pos */
			fn = CU_EVENT_KEY + 1;
		}
		rc = cu_cursor_seek(c, from, fn, &k, &v);
	}
	for (; rc == CUSTOS_OK && *n < max; rc = q->newest_first ? cu_cursor_prev(c, &k, &v) : cu_cursor_next(c, &k, &v)) {
		if (!in_range(k.data, k.size, lo, hi))
			break;
		if ((rc = take(op, q, &k, &v, dek, out, n)))
			return rc;
	}
	if (rc == CUSTOS_ITEROVER || (rc == CUSTOS_OK && !in_range(k.data, k.size, lo, hi)))
		*done = 1, rc = CUSTOS_OK;
	return rc;
}

/* Backwards without a backend that reads backwards: read the range up to the position
 * forwards and keep the last `max` keys, then decode those newest first. */
static int page_backward_by_scan(cu_op *op, cu_cursor *c, cu_event_query *q, const unsigned char dek[CU_KEY_BYTES],
	cu_event **out, size_t max, size_t *n, int *done)
{
	unsigned char lo[CU_EVENT_KEY], hi[CU_EVENT_KEY], (*ring)[CU_EVENT_KEY];
	size_t count = 0;
	custos_val k, v;
	int rc;

	range_keys(q, lo, hi);
	if (q->have_pos && memcmp(q->pos, hi, CU_EVENT_KEY) < 0)
		memcpy(hi, q->pos, CU_EVENT_KEY);
	if (!(ring = cu_calloc(max, sizeof *ring)))
		return cu_err_oom();
	for (rc = cu_cursor_seek(c, lo, CU_EVENT_KEY, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(c, &k, &v)) {
		if (!in_range(k.data, k.size, lo, hi))
			break;
		if (wanted(q, k.data, v.data, v.size))
			memcpy(ring[count++ % max], k.data, CU_EVENT_KEY);
	}
	if (rc == CUSTOS_ITEROVER)
		rc = CUSTOS_OK;
	for (size_t i = 0; !rc && i < max && i < count; i++) {
		const unsigned char *key = ring[(count - 1 - i) % max];
		if (!(rc = cu_get(op->txn, CU_B_EVENTS, key, CU_EVENT_KEY, &v)))
			rc = decode(&out[*n], key, v.data, v.size, op->core->keys, dek, q->texts);
		if (!rc) {
			(*n)++;
			memcpy(q->pos, key, CU_EVENT_KEY);
			q->have_pos = 1;
		}
	}
	if (!rc && count <= max)
		*done = 1;
	cu_free(ring);
	return rc;
}

int cu_timeline_page(cu_op *op, cu_event_query *q, cu_event **out, size_t max, size_t *n, int *done)
{
	cu_rec_secrets s;
	cu_cursor c;
	int rc;

	*n = 0;
	*done = 0;
	if ((rc = cu_cust_open_key(op, q->customer, &s, 0)))
		return rc;
	rc = cu_cursor_open(&c, op->txn, CU_B_EVENTS);
	if (!rc) {
		if (!q->newest_first || cu_cursor_backwards(&c))
			rc = page_walk(op, &c, q, s.dek, out, max, n, done);
		else
			rc = page_backward_by_scan(op, &c, q, s.dek, out, max, n, done);
		cu_cursor_close(&c);
	}
	cu_rec_close(&s);
	if (rc) {
		while (*n > 0)
			cu_event_destroy(out[--*n]);
	}
	return rc;
}

/* ---- expiry of points ---- */

int cu_timeline_expire(cu_op *op, int64_t as_of, uint64_t *after, size_t max, int *done, uint64_t *events)
{
	unsigned char from[9];
	uint64_t ids[256];
	size_t n = 0;
	custos_val k, v;
	cu_cursor c;
	int rc;

	*done = 0;
	if (max > sizeof ids / sizeof ids[0])
		max = sizeof ids / sizeof ids[0];
	/* The customers with a ledger after *after. */
	cu_put_u64be(from, *after);
	from[8] = 0;  /* the smallest key after the id */
	if ((rc = cu_cursor_open(&c, op->txn, CU_B_POINTS)))
		return rc;
	for (rc = cu_cursor_seek(&c, from, sizeof from, &k, &v); rc == CUSTOS_OK && n < max;
	     rc = cu_cursor_next(&c, &k, &v))
		if (k.size == 8)
			ids[n++] = cu_get_u64be(k.data);
	cu_cursor_close(&c);
	if (rc == CUSTOS_ITEROVER)
		*done = 1, rc = CUSTOS_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		int64_t expires, points;
		cu_ledger l;
		int due;

		*after = ids[i];
		if ((rc = cu_ledger_load(op, ids[i], &l)))
			break;
		due = cu_ledger_due(&l, as_of, &expires, &points);
		cu_ledger_free(&l);
		while (due && !rc) {
			cu_event e;
			uint32_t seq;
			memset(&e, 0, sizeof e);
			e.kind = CUSTOS_EVENT_POINTS;
			e.points_op = CUSTOS_POINTS_EXPIRE;
			e.points = points;
			e.time_us = expires;
			e.set = CU_EV_TIME | CU_EV_POINTS;
			rc = cu_timeline_append(op, ids[i], &e, &seq);
			if (rc == CUSTOS_ENOTFOUND) {  /* out of the context's scope: another's to expire */
				rc = CUSTOS_OK;
				break;
			}
			if (!rc && !(rc = cu_ledger_load(op, ids[i], &l))) {
				(*events)++;
				due = cu_ledger_due(&l, as_of, &expires, &points);
				cu_ledger_free(&l);
			}
		}
	}
	if (!rc && n < max)
		*done = 1;
	return rc;
}
