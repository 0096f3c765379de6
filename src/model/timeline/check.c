/*
 * model/timeline/check.c — custos_db_check()'s part for the timeline: every event, ledger
 * and history entry of a customer authenticates and decodes, the events are numbered 1 to
 * n without a gap, and the summary and ledger say what the events say. And no event,
 * summary or history entry belongs to a customer that does not exist.
 */
#include <stdio.h>
#include <string.h>

#include "model/customer.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"


/* What the events say the summary holds: folded as appends fold them, and the
 * interactions counted as the last count (at counted_at) saw them. */
static int fold(cu_summary *s, const cu_event *e, int64_t counted_at)
{
	int rc = cu_summary_fold(s, e, 0);

	if (!rc && e->kind == CUSTOS_EVENT_INTERACTION && counted_at && e->time_us <= counted_at) {
		s->i90 += e->time_us > counted_at - 90 * CU_DAY_US;
		s->i30 += e->time_us > counted_at - 30 * CU_DAY_US;
	}
	return rc;
}

static int differs(uint64_t id, const char *what, long long stored, long long events)
{
	return cu_err(CUSTOS_ECORRUPT, "the timeline summary of customer %llu says %s is %lld, its events say %lld",
		(unsigned long long)id, what, stored, events);
}

static int compare(uint64_t id, const cu_summary *st, const cu_summary *ev)
{
#define SAME(field, what) if (st->field != ev->field) return differs(id, what, (long long)st->field, (long long)ev->field)
	SAME(events, "the number of events");
	SAME(orders, "the number of orders");
	SAME(first_purchase, "the first purchase");
	SAME(last_purchase, "the last purchase");
	SAME(last_interaction, "the last interaction");
	SAME(points, "the points balance");
	SAME(earned, "the points earned");
	SAME(redeemed, "the points redeemed");
	SAME(expired, "the points expired");
	SAME(adjusted, "the points adjusted");
	SAME(i30, "the interactions of 30 days");
	SAME(i90, "the interactions of 90 days");
	SAME(nps_n, "the number of NPS scores");
	SAME(nps_sum, "the sum of NPS scores");
	SAME(csat_n, "the number of CSAT scores");
	SAME(csat_sum, "the sum of CSAT scores");
	SAME(ncur, "the number of currencies");
#undef SAME
	for (unsigned i = 0; i < st->ncur; i++) {
		unsigned j;
		for (j = 0; j < ev->ncur && memcmp(st->spend[j].code, ev->spend[i].code, 3); j++)
			;
		if (j == ev->ncur || st->spend[j].total != ev->spend[i].total)
			return cu_err(CUSTOS_ECORRUPT, "the timeline summary of customer %llu disagrees with its events on "
				"the spend in %.3s", (unsigned long long)id, ev->spend[i].code);
	}
	return CUSTOS_OK;
}

int cu_timeline_check(cu_op *op, uint64_t id, uint32_t version)
{
	cu_event_query q;
	cu_summary stored, ev;
	cu_ledger l;
	cu_event *page[64];
	unsigned char *seen = NULL;
	size_t n;
	int done = 0, rc;

	if ((rc = cu_summary_load(op, id, &stored)))
		return rc;
	memset(&ev, 0, sizeof ev);
	memset(&q, 0, sizeof q);
	q.customer = id;
	q.texts = 1;   /* decrypted too: texts that authenticate but do not decode are damage */
	if (stored.events && !(seen = cu_calloc(stored.events / 8 + 1, 1)))
		return cu_err_oom();
	while (!rc && !done && !(rc = cu_timeline_page(op, &q, page, 64, &n, &done))) {
		for (size_t i = 0; i < n; i++) {
			uint32_t seq = page[i]->seq;
			if (!rc && (seq == 0 || seq > stored.events || (seen[seq / 8] & (1U << (seq % 8)))))
				rc = cu_err(CUSTOS_ECORRUPT, "customer %llu has an event numbered %u, beyond or repeating the %u "
					"its summary counts", (unsigned long long)id, seq, stored.events);
			else if (!rc)
				seen[seq / 8] |= (unsigned char)(1U << (seq % 8));
			if (!rc && (rc = fold(&ev, page[i], stored.counted_at)) && rc != CUSTOS_ENOMEM) {
				char why[256];
				snprintf(why, sizeof why, "%s", custos_error_last());
				rc = cu_err(CUSTOS_ECORRUPT, "the events of customer %llu cannot be summed: %s",
					(unsigned long long)id, why);
			}
			cu_event_destroy(page[i]);
		}
	}
	for (uint32_t seq = 1; !rc && seq <= stored.events; seq++)
		if (!(seen[seq / 8] & (1U << (seq % 8))))
			rc = cu_err(CUSTOS_ECORRUPT, "event %u of customer %llu is missing", seq, (unsigned long long)id);
	cu_free(seen);
	if (!rc)
		rc = compare(id, &stored, &ev);
	/* The ledger's lots hold the balance, soonest first, none empty. */
	if (!rc && !(rc = cu_ledger_load(op, id, &l))) {
		int64_t sum = 0;
		for (size_t i = 0; i < l.n && !rc; i++) {
			if (l.lots[i].remaining <= 0 || (i && l.lots[i].expires <= l.lots[i - 1].expires))
				rc = cu_err(CUSTOS_ECORRUPT, "the points ledger of customer %llu holds a lot out of order or "
					"empty", (unsigned long long)id);
			sum += l.lots[i].remaining;
		}
		if (!rc && sum != stored.points)
			rc = cu_err(CUSTOS_ECORRUPT, "the points ledger of customer %llu holds %lld points, its balance is %lld",
				(unsigned long long)id, (long long)sum, (long long)stored.points);
		cu_ledger_free(&l);
	}
	/* Every history entry authenticates and decodes, none beyond the record's version. */
	for (uint32_t before = 0; !rc;) {
		cu_change *ch[32];
		if ((rc = cu_history_page(op, id, before, ch, 32, &n, &done)))
			break;
		for (size_t i = 0; i < n; i++) {
			if (!rc && (ch[i]->version > version || ch[i]->version < 2))
				rc = cu_err(CUSTOS_ECORRUPT, "customer %llu has a change recorded at version %u; its record is at "
					"version %u", (unsigned long long)id, ch[i]->version, version);
			before = ch[i]->version;
			cu_change_destroy(ch[i]);
		}
		if (done || n == 0)
			break;
	}
	/* Every consent record authenticates and decodes, numbered 1 to n. */
	return rc ? rc : cu_consent_check(op, id);
}

/* Keys of a bucket whose first 8 bytes name a customer that does not exist. */
static int orphans_in(cu_op *op, unsigned bucket, const char *what)
{
	uint64_t last = 0;
	custos_val k, v, r;
	cu_cursor c;
	int rc;

	if ((rc = cu_cursor_open(&c, op->txn, bucket)))
		return rc;
	for (rc = cu_cursor_seek(&c, NULL, 0, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&c, &k, &v)) {
		uint64_t id;
		unsigned char key[8];
		if (k.size < 8) {
			rc = cu_err(CUSTOS_ECORRUPT, "the %s bucket holds a key of %zu bytes", what, k.size);
			break;
		}
		if ((id = cu_get_u64be(k.data)) == last)
			continue;
		last = id;
		memcpy(key, k.data, 8);
		/* A get would end the cursor's values; the next seek starts after this id. */
		if ((rc = cu_get(op->txn, CU_B_CUSTOMERS, key, 8, &r)) == CUSTOS_ENOTFOUND) {
			rc = cu_err(CUSTOS_ECORRUPT, "the %s bucket holds data of customer %llu, which does not exist", what,
				(unsigned long long)id);
			break;
		}
		if (rc)
			break;
	}
	cu_cursor_close(&c);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_timeline_orphans(cu_op *op)
{
	int rc = orphans_in(op, CU_B_EVENTS, "events");

	if (!rc)
		rc = orphans_in(op, CU_B_POINTS, "points");
	if (!rc)
		rc = orphans_in(op, CU_B_HISTORY, "history");
	if (!rc)
		rc = orphans_in(op, CU_B_CONSENT, "consent");
	return rc;
}
