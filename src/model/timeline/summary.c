/*
 * model/timeline/summary.c — a customer's timeline summary: the sequence counter, the
 * points balance and the metrics, authenticated under the store's meta key and rewritten
 * in the transaction of every event.
 */
#include <string.h>

#include "model/timeline/timeline.h"
#include "util/error.h"

#define SUMMARY_FORMAT 1
#define SUMMARY_FIXED (1 + 4 + 4 + 8 * 3 + 8 + 8 * 4 + 4 + 4 + 8 + 4 + 8 + 4 + 8 + 1)
#define SPEND_BYTES (3 + 8)
#define SUMMARY_TAG CU_TIMELINE_TAG

static const char summary_label[8] = { 'C', 'U', 'S', 'M', 'E', 'T', '0', '1' };

void cu_timeline_tag(unsigned char out[CU_TIMELINE_TAG], const cu_keys *k, const char label[8], uint64_t id,
	const unsigned char *p, size_t n)
{
	unsigned char idb[8], full[CU_MAC_BYTES];
	cu_mac_state st;

	cu_put_u64le(idb, id);
	cu_mac_init(&st, k->meta_key);
	cu_mac_update(&st, label, 8);
	cu_mac_update(&st, k->store_id, CU_STORE_ID_BYTES);
	cu_mac_update(&st, idb, sizeof idb);
	cu_mac_update(&st, p, n);
	cu_mac_final(&st, full);
	memcpy(out, full, CU_TIMELINE_TAG);
}

static int damaged(uint64_t id, const char *what)
{
	return cu_err(CUSTOS_EAUTH, "the timeline summary of customer %llu %s", (unsigned long long)id, what);
}

int cu_timeline_get_tagged(cu_op *op, unsigned bucket, const unsigned char *k, size_t kn, const char label[8],
	uint64_t id, size_t min, const char *what, custos_val *v, int *found)
{
	unsigned char tag[CU_TIMELINE_TAG];
	int rc;

	*found = 0;
	if ((rc = cu_get(op->txn, bucket, k, kn, v)))
		return rc == CUSTOS_ENOTFOUND ? CUSTOS_OK : rc;
	if (v->size < min + CU_TIMELINE_TAG)
		return cu_err(CUSTOS_EAUTH, "%s of customer %llu is too short to be one", what, (unsigned long long)id);
	cu_timeline_tag(tag, op->core->keys, label, id, v->data, v->size - CU_TIMELINE_TAG);
	if (!cu_equal(tag, v->data + v->size - CU_TIMELINE_TAG, CU_TIMELINE_TAG))
		return cu_err(CUSTOS_EAUTH, "%s of customer %llu was modified or moved", what, (unsigned long long)id);
	v->size -= CU_TIMELINE_TAG;
	*found = 1;
	return CUSTOS_OK;
}

void cu_summary_key(unsigned char k[CU_SUMMARY_KEY], uint64_t id)
{
	cu_put_u64be(k, id);
	memset(k + 8, 0xFF, CU_SUMMARY_KEY - 8);
}

int cu_summary_load(cu_op *op, uint64_t id, cu_summary *s)
{
	unsigned char k[CU_SUMMARY_KEY];
	const unsigned char *p;
	custos_val v;
	cu_reader r;
	int rc, found;

	memset(s, 0, sizeof *s);
	cu_summary_key(k, id);
	if ((rc = cu_timeline_get_tagged(op, CU_B_EVENTS, k, sizeof k, summary_label, id, SUMMARY_FIXED,
	    "the timeline summary", &v, &found)) || !found)
		return rc;
	cu_reader_init(&r, v.data, v.size);
	if (cu_read_u8(&r) != SUMMARY_FORMAT)
		return damaged(id, "has a format this version does not know");
	s->events = cu_read_u32le(&r);
	s->orders = cu_read_u32le(&r);
	s->first_purchase = (int64_t)cu_read_u64le(&r);
	s->last_purchase = (int64_t)cu_read_u64le(&r);
	s->last_interaction = (int64_t)cu_read_u64le(&r);
	s->points = (int64_t)cu_read_u64le(&r);
	s->earned = (int64_t)cu_read_u64le(&r);
	s->redeemed = (int64_t)cu_read_u64le(&r);
	s->expired = (int64_t)cu_read_u64le(&r);
	s->adjusted = (int64_t)cu_read_u64le(&r);
	s->i30 = cu_read_u32le(&r);
	s->i90 = cu_read_u32le(&r);
	s->counted_at = (int64_t)cu_read_u64le(&r);
	s->nps_n = cu_read_u32le(&r);
	s->nps_sum = cu_read_u64le(&r);
	s->csat_n = cu_read_u32le(&r);
	s->csat_sum = cu_read_u64le(&r);
	s->ncur = (uint8_t)cu_read_u8(&r);
	if (s->ncur > CU_SPEND_MAX)
		return damaged(id, "counts more currencies than a summary holds");
	for (unsigned i = 0; i < s->ncur; i++) {
		if (!(p = cu_read_bytes(&r, 3)))
			break;
		memcpy(s->spend[i].code, p, 3);
		s->spend[i].code[3] = 0;
		s->spend[i].total = (int64_t)cu_read_u64le(&r);
	}
	if (!cu_reader_done(&r))  /* authenticated, yet malformed: a faulty writer */
		return cu_err(CUSTOS_ECORRUPT, "the timeline summary of customer %llu does not decode",
			(unsigned long long)id);
	return CUSTOS_OK;
}

int cu_summary_store(cu_op *op, uint64_t id, const cu_summary *s)
{
	unsigned char k[CU_SUMMARY_KEY], buf[SUMMARY_FIXED + CU_SPEND_MAX * SPEND_BYTES + SUMMARY_TAG], *p = buf;

	cu_summary_key(k, id);
	*p++ = SUMMARY_FORMAT;
	cu_put_u32le(p, s->events), p += 4;
	cu_put_u32le(p, s->orders), p += 4;
	cu_put_u64le(p, (uint64_t)s->first_purchase), p += 8;
	cu_put_u64le(p, (uint64_t)s->last_purchase), p += 8;
	cu_put_u64le(p, (uint64_t)s->last_interaction), p += 8;
	cu_put_u64le(p, (uint64_t)s->points), p += 8;
	cu_put_u64le(p, (uint64_t)s->earned), p += 8;
	cu_put_u64le(p, (uint64_t)s->redeemed), p += 8;
	cu_put_u64le(p, (uint64_t)s->expired), p += 8;
	cu_put_u64le(p, (uint64_t)s->adjusted), p += 8;
	cu_put_u32le(p, s->i30), p += 4;
	cu_put_u32le(p, s->i90), p += 4;
	cu_put_u64le(p, (uint64_t)s->counted_at), p += 8;
	cu_put_u32le(p, s->nps_n), p += 4;
	cu_put_u64le(p, s->nps_sum), p += 8;
	cu_put_u32le(p, s->csat_n), p += 4;
	cu_put_u64le(p, s->csat_sum), p += 8;
	*p++ = s->ncur;
	for (unsigned i = 0; i < s->ncur; i++) {
		memcpy(p, s->spend[i].code, 3), p += 3;
		cu_put_u64le(p, (uint64_t)s->spend[i].total), p += 8;
	}
	cu_timeline_tag(p, op->core->keys, summary_label, id, buf, (size_t)(p - buf));
	p += SUMMARY_TAG;
	return cu_put(op->txn, CU_B_EVENTS, k, sizeof k, buf, (size_t)(p - buf));
}

static int add_spend(cu_summary *s, const cu_event *e)
{
	unsigned i;

	for (i = 0; i < s->ncur && memcmp(s->spend[i].code, e->currency, 3); i++)
		;
	if (i == s->ncur) {
		if (s->ncur == CU_SPEND_MAX)
			return cu_err(CUSTOS_EFULL, "customer %llu already spent in %d currencies, the most its metrics "
				"count; %s would be one more", (unsigned long long)e->customer, CU_SPEND_MAX, e->currency);
		memcpy(s->spend[i].code, e->currency, 4);
		s->spend[i].total = 0;
		s->ncur++;
	}
	if (__builtin_add_overflow(s->spend[i].total, e->amount, &s->spend[i].total))
		return cu_err(CUSTOS_EINVALID, "the purchase would take customer %llu's spend in %s beyond what 64 bits "
			"hold", (unsigned long long)e->customer, e->currency);
	return CUSTOS_OK;
}

static int add_points(cu_summary *s, const cu_event *e, int in_order)
{
	int64_t delta = e->points_op == CUSTOS_POINTS_EARN || e->points_op == CUSTOS_POINTS_ADJUST ? e->points :
	                -e->points;

	if (in_order && s->points + delta < 0)  /* both within 2^63: |points| and the balance are bounded */
		return cu_err(CUSTOS_EINVALID, "%s %lld points would take customer %llu's balance of %lld below zero",
			custos_points_op_name(e->points_op), (long long)(delta < 0 ? -delta : delta),
			(unsigned long long)e->customer, (long long)s->points);
	if (s->points + delta > INT64_MAX / 2)
		return cu_err(CUSTOS_EINVALID, "the points balance of customer %llu would exceed %lld",
			(unsigned long long)e->customer, (long long)(INT64_MAX / 2));
	s->points += delta;
	switch (e->points_op) {
	case CUSTOS_POINTS_EARN: s->earned += e->points; break;
	case CUSTOS_POINTS_REDEEM: s->redeemed += e->points; break;
	case CUSTOS_POINTS_EXPIRE: s->expired += e->points; break;
	default: s->adjusted += e->points; break;
	}
	return CUSTOS_OK;
}

int cu_summary_fold(cu_summary *s, const cu_event *e, int in_order)
{
	int rc;

	if (s->events == UINT32_MAX)
		return cu_err(CUSTOS_EFULL, "customer %llu's timeline holds %u events, the most it can hold",
			(unsigned long long)e->customer, UINT32_MAX);
	switch (e->kind) {
	case CUSTOS_EVENT_PURCHASE:
		if (s->orders == UINT32_MAX)
			return cu_err(CUSTOS_EFULL, "customer %llu has %u orders, the most its metrics count",
				(unsigned long long)e->customer, UINT32_MAX);
		if ((rc = add_spend(s, e)))
			return rc;
		if (!s->orders || e->time_us < s->first_purchase)
			s->first_purchase = e->time_us;
		if (!s->orders || e->time_us > s->last_purchase)
			s->last_purchase = e->time_us;
		s->orders++;
		break;
	case CUSTOS_EVENT_INTERACTION:
		if (e->time_us > s->last_interaction)
			s->last_interaction = e->time_us;
		break;
	case CUSTOS_EVENT_FEEDBACK:
		if (e->scale == CUSTOS_SCALE_NPS)
			s->nps_n++, s->nps_sum += e->score;
		else
			s->csat_n++, s->csat_sum += e->score;
		break;
	case CUSTOS_EVENT_POINTS:
		if ((rc = add_points(s, e, in_order)))
			return rc;
		break;
	default:
		break;
	}
	s->events++;
	return CUSTOS_OK;
}
