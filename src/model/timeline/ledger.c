/*
 * model/timeline/ledger.c — a customer's loyalty points as lots: points earned with the
 * same expiry (or none) form one lot. Redeeming spends the lots that expire soonest first,
 * among those not expired at the redeem's time; expiring and taking points away by an
 * adjustment spend the soonest lots of all; adding points by an adjustment makes points
 * that never expire. The lots always sum to the summary's balance.
 *
 * Bucket `points`, key: customer id (u64 BE). Value: format u8 ‖ count u32 ‖ per lot,
 * soonest first: expires i64 (INT64_MAX: never) ‖ remaining i64 ‖ a 16-byte keyed BLAKE2b
 * tag under the meta key over "CUSLOT01" ‖ store id ‖ id ‖ the value. No key when no lot
 * is left.
 */
#include <string.h>

#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"

#define LEDGER_FORMAT 1
#define LOT_BYTES 16
#define LEDGER_TAG CU_TIMELINE_TAG
#define NEVER INT64_MAX

static const char ledger_label[8] = { 'C', 'U', 'S', 'L', 'O', 'T', '0', '1' };

static void ledger_key(unsigned char k[8], uint64_t id)
{
	cu_put_u64be(k, id);
}

void cu_ledger_free(cu_ledger *l)
{
	cu_free(l->lots);
	memset(l, 0, sizeof *l);
}

int cu_ledger_load(cu_op *op, uint64_t id, cu_ledger *l)
{
	unsigned char k[8];
	custos_val v;
	uint32_t n;
	int rc, found;

	memset(l, 0, sizeof *l);
	ledger_key(k, id);
	if ((rc = cu_timeline_get_tagged(op, CU_B_POINTS, k, sizeof k, ledger_label, id, 5, "the points ledger", &v,
	    &found)) || !found)
		return rc;
	n = cu_get_u32le(v.data + 1);
	if (v.data[0] != LEDGER_FORMAT || n > CU_LOTS_MAX || v.size != 5 + (size_t)n * LOT_BYTES)
		return cu_err(CUSTOS_ECORRUPT, "the points ledger of customer %llu does not decode", (unsigned long long)id);
	if (n && !(l->lots = cu_calloc(n, sizeof *l->lots)))
		return cu_err_oom();
	l->n = l->cap = n;
	for (uint32_t i = 0; i < n; i++) {
		l->lots[i].expires = (int64_t)cu_get_u64le(v.data + 5 + i * LOT_BYTES);
		l->lots[i].remaining = (int64_t)cu_get_u64le(v.data + 5 + i * LOT_BYTES + 8);
	}
	return CUSTOS_OK;
}

int cu_ledger_store(cu_op *op, uint64_t id, const cu_ledger *l)
{
	unsigned char k[8], *buf, *p;
	size_t n = 5 + l->n * LOT_BYTES + LEDGER_TAG;
	int rc;

	ledger_key(k, id);
	if (l->n == 0) {
		rc = cu_del(op->txn, CU_B_POINTS, k, sizeof k);
		return rc == CUSTOS_ENOTFOUND ? CUSTOS_OK : rc;
	}
	if (!(buf = cu_malloc(n)))
		return cu_err_oom();
	p = buf;
	*p++ = LEDGER_FORMAT;
	cu_put_u32le(p, (uint32_t)l->n), p += 4;
	for (size_t i = 0; i < l->n; i++) {
		cu_put_u64le(p, (uint64_t)l->lots[i].expires), p += 8;
		cu_put_u64le(p, (uint64_t)l->lots[i].remaining), p += 8;
	}
	cu_timeline_tag(p, op->core->keys, ledger_label, id, buf, (size_t)(p - buf));
	rc = cu_put(op->txn, CU_B_POINTS, k, sizeof k, buf, n);
	cu_free(buf);
	return rc;
}

/* Points in lots that are still good at time t. */
static int64_t available(const cu_ledger *l, int64_t t)
{
	int64_t sum = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->lots[i].expires > t)
			sum += l->lots[i].remaining;
	return sum;
}

static int add_lot(cu_ledger *l, int64_t expires, int64_t points, uint64_t id)
{
	size_t i;
	cu_lot *g;

	for (i = 0; i < l->n && l->lots[i].expires < expires; i++)
		;
	if (i < l->n && l->lots[i].expires == expires) {
		l->lots[i].remaining += points;
		return CUSTOS_OK;
	}
	if (l->n == CU_LOTS_MAX)
		return cu_err(CUSTOS_EFULL, "customer %llu holds points with %d different expiry times, the most its "
			"ledger keeps; expire the old ones (custos_points_expire()) or use fewer expiry times",
			(unsigned long long)id, CU_LOTS_MAX);
	if (!(g = cu_array_room(l->lots, &l->cap, l->n, sizeof *g)))
		return CUSTOS_ENOMEM;
	l->lots = g;
	memmove(&l->lots[i + 1], &l->lots[i], (l->n - i) * sizeof *g);
	l->lots[i].expires = expires;
	l->lots[i].remaining = points;
	l->n++;
	return CUSTOS_OK;
}

/* Take points from the soonest lots (only those good at t when good_only), dropping the
 * lots that run empty. The caller checked there are enough. */
static void spend(cu_ledger *l, int64_t points, int64_t t, int good_only)
{
	size_t w = 0;

	for (size_t i = 0; i < l->n; i++) {
		cu_lot lot = l->lots[i];
		if (points > 0 && (!good_only || lot.expires > t)) {
			int64_t take = lot.remaining < points ? lot.remaining : points;
			lot.remaining -= take;
			points -= take;
		}
		if (lot.remaining > 0)
			l->lots[w++] = lot;
	}
	l->n = w;
}

int cu_ledger_apply(cu_ledger *l, const cu_event *e)
{
	int64_t total = available(l, INT64_MIN), good;

	switch (e->points_op) {
	case CUSTOS_POINTS_EARN:
		return add_lot(l, e->expires_us ? e->expires_us : NEVER, e->points, e->customer);
	case CUSTOS_POINTS_REDEEM:
		good = available(l, e->time_us);
		if (e->points > good)
			return cu_err(CUSTOS_EINVALID, "redeem %lld points: customer %llu has %lld points good at the "
				"redeem's time%s", (long long)e->points, (unsigned long long)e->customer, (long long)good,
				total > good ? " (the rest expired, waiting for custos_points_expire())" : "");
		spend(l, e->points, e->time_us, 1);
		return CUSTOS_OK;
	default:  /* expire, or an adjustment; taking points away spends the soonest */
		if (e->points_op == CUSTOS_POINTS_ADJUST && e->points > 0)
			return add_lot(l, NEVER, e->points, e->customer);
		if ((e->points < 0 ? -e->points : e->points) > total)
			return cu_err(CUSTOS_EINVALID, "%s %lld points would take customer %llu's balance of %lld below zero",
				custos_points_op_name(e->points_op), (long long)(e->points < 0 ? -e->points : e->points),
				(unsigned long long)e->customer, (long long)total);
		spend(l, e->points < 0 ? -e->points : e->points, e->time_us, 0);
		return CUSTOS_OK;
	}
}

int cu_ledger_due(const cu_ledger *l, int64_t as_of, int64_t *expires, int64_t *points)
{
	if (l->n == 0 || l->lots[0].expires > as_of)
		return 0;
	*expires = l->lots[0].expires;
	*points = l->lots[0].remaining;
	return 1;
}
