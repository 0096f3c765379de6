/*
 * model/maintain.c — the store's policies, and the steps of a maintenance run: finding the
 * customers a policy or an interaction recount applies to (read transactions, on hints),
 * and applying them (write transactions, on authenticated records).
 *
 * Policies: a sealed record of the meta bucket, key "policies": format u8 (1) ‖ count u8 ‖
 * per policy: from u8 ‖ to u8 ‖ rule u8 ‖ days u32 LE ‖ orders u32 LE.
 */
#include <stdio.h>
#include <string.h>

#include "model/customer.h"
#include "model/lifecycle.h"
#include "model/maintain.h"
#include "model/meta.h"
#include "model/timeline/timeline.h"
#include "util/error.h"

#define POLICY_FORMAT 1
#define POLICY_BYTES 11

static const char policies_key[] = "policies";

int cu_policies_load(cu_op *op, custos_policy *out, size_t *n)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, policies_key, sizeof policies_key - 1, &b);

	*n = 0;
	if (rc == CUSTOS_ENOTFOUND)
		return CUSTOS_OK;
	if (!rc && (b.len < 2 || b.p[0] != POLICY_FORMAT || b.p[1] > CUSTOS_POLICY_MAX ||
		    b.len != 2 + (size_t)b.p[1] * POLICY_BYTES))
		rc = cu_err(CUSTOS_ECORRUPT, "the store's policies are damaged");
	for (size_t i = 0; !rc && i < b.p[1]; i++) {
		const unsigned char *p = b.p + 2 + i * POLICY_BYTES;
		custos_policy *q = &out[i];
		memset(q, 0, sizeof *q);
		q->version = CUSTOS_POLICY_VERSION;
		q->from = p[0];
		q->to = p[1];
		q->rule = p[2];
		q->days = cu_get_u32le(p + 3);
		q->orders = cu_get_u32le(p + 7);
	}
	if (!rc)
		*n = b.p[1];
	cu_bytes_free(&b);
	return rc;
}

int cu_policies_store(cu_op *op, const custos_policy *p, size_t n)
{
	unsigned char v[2 + CUSTOS_POLICY_MAX * POLICY_BYTES], *q = v + 2;

	v[0] = POLICY_FORMAT;
	v[1] = (unsigned char)n;
	for (size_t i = 0; i < n; i++, q += POLICY_BYTES) {
		q[0] = (unsigned char)p[i].from;
		q[1] = (unsigned char)p[i].to;
		q[2] = (unsigned char)p[i].rule;
		cu_put_u32le(q + 3, p[i].days);
		cu_put_u32le(q + 7, p[i].orders);
	}
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, policies_key, sizeof policies_key - 1, v,
		2 + n * POLICY_BYTES);
}

static int working(int s)
{
	return s >= CUSTOS_STATE_LEAD && s <= CUSTOS_STATE_WORKING_MAX;
}

int cu_policy_check(const custos_policy *p, size_t i, uint64_t table)
{
	const char *from = custos_state_name(p->from), *to = custos_state_name(p->to);

	if (!from || !to || p->from == CUSTOS_STATE_ERASED)
		return cu_err(CUSTOS_EINVALID, "policy %zu: states %d and %d are not both lifecycle states a customer can be "
			"in and go to", i, p->from, p->to);
	if (p->from == p->to)
		return cu_err(CUSTOS_EINVALID, "policy %zu moves %s customers to %s: nothing", i, from, to);
	if (p->to == CUSTOS_STATE_ERASED && p->from != CUSTOS_STATE_ARCHIVED)
		return cu_err(CUSTOS_EINVALID, "policy %zu would erase %s customers: a policy may erase only archived "
			"customers (archive them first, with a policy of their own)", i, from);
	if (p->days < 1 || p->days > 36500)
		return cu_err(CUSTOS_EINVALID, "policy %zu: %u days; a rule counts 1 to 36,500 days", i, p->days);
	switch (p->rule) {
	case CUSTOS_RULE_INACTIVE:
	case CUSTOS_RULE_ORDERS:
		if (!working(p->from))
			return cu_err(CUSTOS_EINVALID, "policy %zu: the %s rule applies to customers in a working state, not "
				"%s ones", i, custos_rule_name(p->rule), from);
		if (p->rule == CUSTOS_RULE_ORDERS && (p->orders < 1 || p->orders > 1000000))
			return cu_err(CUSTOS_EINVALID, "policy %zu: %u orders; the orders rule counts 1 to 1,000,000", i,
				p->orders);
		if (p->rule == CUSTOS_RULE_INACTIVE && p->orders)
			return cu_err(CUSTOS_EINVALID, "policy %zu: the inactive rule counts no orders (set orders to 0)", i);
		if (p->to == CUSTOS_STATE_ARCHIVED)
			return CUSTOS_OK;
		if (!(table >> cu_lifecycle_bit(p->from, p->to) & 1))
			return cu_err(CUSTOS_EINVALID, "policy %zu moves %s customers to %s, which the store's table of "
				"lifecycle moves does not allow", i, from, to);
		return CUSTOS_OK;
	case CUSTOS_RULE_ARCHIVED:
		if (p->from != CUSTOS_STATE_ARCHIVED || p->to != CUSTOS_STATE_ERASED || p->orders)
			return cu_err(CUSTOS_EINVALID, "policy %zu: the archived rule erases archived customers (from "
				"archived, to erased, no orders)", i);
		return CUSTOS_OK;
	default:
		return cu_err(CUSTOS_EINVALID, "policy %zu: %d is not a rule (1 inactive, 2 orders, 3 archived)", i,
			p->rule);
	}
}

const char *const cu_rule_names[CUSTOS_RULE_ARCHIVED + 1] = { NULL, "inactive", "orders", "archived" };

const char *custos_rule_name(int rule)
{
	return rule >= CUSTOS_RULE_INACTIVE && rule <= CUSTOS_RULE_ARCHIVED ? cu_rule_names[rule] : NULL;
}

/* Does policy p hold for customer id with header h and summary s at now? */
static int holds(cu_op *op, const custos_policy *p, uint64_t id, const cu_cust_head *h, const cu_summary *s,
	int64_t now, int *yes)
{
	int64_t since = now - (int64_t)p->days * CU_DAY_US, last;
	uint32_t n;
	int rc;

	*yes = 0;
	if (h->state != p->from)
		return CUSTOS_OK;
	switch (p->rule) {
	case CUSTOS_RULE_INACTIVE:
		/* The latest purchase or interaction; without either, the customer's creation. */
		last = s->last_purchase > s->last_interaction ? s->last_purchase : s->last_interaction;
		if (!last)
			last = h->created_us;
		*yes = last <= since;
		return CUSTOS_OK;
	case CUSTOS_RULE_ORDERS:
		if (s->orders < p->orders)
			return CUSTOS_OK;
		if ((rc = cu_timeline_count(op, id, CUSTOS_EVENT_PURCHASE, now, &since, 1, &n)))
			return rc;
		*yes = n >= p->orders;
		return CUSTOS_OK;
	default:
		*yes = h->updated_us <= since;
		return CUSTOS_OK;
	}
}

/* The first policy that holds (its index in *which, -1 for none), and whether the
 * interaction counts differ from those of now (*recount). */
static int assess(cu_op *op, const cu_maint *m, uint64_t id, const cu_cust_head *h, int *which, int *recount)
{
	cu_summary s;
	uint32_t i30, i90;
	int rc, yes;

	*which = -1;
	*recount = 0;
	if ((rc = cu_summary_load(op, id, &s)))
		return rc;
	for (size_t i = 0; i < m->n; i++) {
		if ((rc = holds(op, &m->policies[i], id, h, &s, m->now, &yes)))
			return rc;
		if (yes) {
			*which = (int)i;
			break;
		}
	}
	if (s.i30 || s.i90) {
		if ((rc = cu_timeline_interactions(op, id, m->now, &i30, &i90)))
			return rc;
		*recount = i30 != s.i30 || i90 != s.i90;
	}
	return CUSTOS_OK;
}

int cu_maintain_scan(cu_op *op, cu_maint *m, uint64_t after, size_t max, uint64_t *last, size_t *examined)
{
	uint64_t ids[CU_MAINT_PAGE];
	cu_cust_head heads[CU_MAINT_PAGE];
	size_t n, start = m->ncand;
	int rc;

	*examined = 0;
	if (max > CU_MAINT_PAGE)
		max = CU_MAINT_PAGE;
	if ((rc = cu_cust_scan(op, after, max, ids, heads, &n)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		int which, recount;
		/* Hints: the scope and the policy are checked again on the authenticated record. */
		if (!cu_op_reaches(op, heads[i].owner, heads[i].team))
			continue;
		if ((rc = assess(op, m, ids[i], &heads[i], &which, &recount))) {
			m->ncand = start;   /* the page is read again, whole */
			return rc;
		}
		if (which >= 0 || recount) {
			m->cand[m->ncand].id = ids[i];
			m->cand[m->ncand].policy = which;
			m->cand[m->ncand++].recount = recount;
		}
	}
	*examined = n;
	*last = n ? ids[n - 1] : UINT64_MAX;
	return CUSTOS_OK;
}

static int recount(cu_op *op, uint64_t id, int64_t now, int *done)
{
	cu_summary s;
	uint32_t i30, i90;
	int rc;

	*done = 0;
	if ((rc = cu_summary_load(op, id, &s)) || (rc = cu_timeline_interactions(op, id, now, &i30, &i90)))
		return rc;
	if (i30 == s.i30 && i90 == s.i90)
		return CUSTOS_OK;
	s.i30 = i30;
	s.i90 = i90;
	s.counted_at = now;
	*done = 1;
	return cu_summary_store(op, id, &s);
}

int cu_maintain_apply(cu_op *op, cu_maint *m, size_t from, size_t count)
{
	int rc;

	op->see_archived = 1;  /* archived customers are erased by policy; nothing else happens to them */
	for (size_t i = from; i < from + count; i++) {
		cu_maint_cand *c = &m->cand[i];
		cu_cust_head h;
		char reason[96];
		int which, again, done;
		c->moved = c->recounted = 0;
		if (c->recount) {
			/* Archived customers are read-only: their counts are left as they were. */
			rc = cu_cust_read_head(op, c->id, &h);
			if (rc == CUSTOS_ENOTFOUND)
				continue;   /* erased or out of reach meanwhile */
			if (!rc && h.state != CUSTOS_STATE_ARCHIVED)
				rc = recount(op, c->id, m->now, &done), c->recounted = (uint8_t)done;
			if (rc)
				return rc;
		}
		if (c->policy < 0)
			continue;
		rc = cu_cust_read_head(op, c->id, &h);
		if (rc == CUSTOS_ENOTFOUND)
			continue;
		if (rc || (rc = assess(op, m, c->id, &h, &which, &again)))
			return rc;
		if (which != c->policy)
			continue;   /* changed since it was found: the next run looks again */
		{
			const custos_policy *p = &m->policies[which];
			if (p->rule == CUSTOS_RULE_ORDERS)
				snprintf(reason, sizeof reason, "policy %d: %u orders in %u days", which + 1, p->orders, p->days);
			else
				snprintf(reason, sizeof reason, "policy %d: %s %u days", which + 1,
					p->rule == CUSTOS_RULE_INACTIVE ? "inactive" : "archived", p->days);
			rc = p->to == CUSTOS_STATE_ERASED ? cu_cust_erase(op, c->id, reason, strlen(reason)) :
				cu_cust_set_state(op, c->id, p->to, reason, strlen(reason), CUSTOS_AUDIT_LIFECYCLE);
			if (rc)
				return rc;
			c->moved = 1;
		}
	}
	return CUSTOS_OK;
}
