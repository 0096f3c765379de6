/*
 * access/usage.c — which operations each principal used on which day, recorded in the
 * principal's own record in the same transactions as the audit log, so the permission
 * review (review.c) reads no log. A small cache of what is recorded already keeps most
 * transactions from rewriting principal records.
 */
#include <string.h>

#include "access/access.h"

void cu_usage_init(cu_usage *u)
{
	memset(u->slot, 0, sizeof u->slot);
	pthread_mutex_init(&u->mu, NULL);
}

void cu_usage_fini(cu_usage *u)
{
	pthread_mutex_destroy(&u->mu);
}

void cu_usage_collect(cu_usage *u, const cu_audit_rec *recs, size_t n, cu_usage_batch *b)
{
	pthread_mutex_lock(&u->mu);
	for (size_t i = 0; i < n; i++) {
		const cu_audit_rec *r = &recs[i];
		uint32_t day = (uint32_t)(r->time_us / 86400000000LL), slot = r->actor % CU_USAGE_SLOTS, ops;
		size_t j;
		if (!r->actor || r->result != CUSTOS_OK || !r->op)
			continue;
		ops = r->op;
		if (u->slot[slot].actor == r->actor && u->slot[slot].day == day)
			ops &= ~u->slot[slot].ops;
		if (!ops)
			continue;
		for (j = 0; j < b->n; j++)
			if (b->actor[j] == r->actor && b->day[j] == day)
				break;
		if (j == b->n) {
			if (b->n == CU_USAGE_BATCH)
				continue;  /* recorded by a later commit */
			b->actor[j] = r->actor;
			b->day[j] = day;
			b->ops[j] = 0;
			b->n++;
		}
		b->ops[j] |= ops;
	}
	pthread_mutex_unlock(&u->mu);
}

int cu_usage_write(cu_op *op, const cu_usage_batch *b)
{
	for (size_t j = 0; j < b->n; j++) {
		cu_principal p;
		int rc = cu_principal_get_id(op->txn, op->core->keys, b->actor[j], &p);
		if (rc == CUSTOS_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		for (int bit = 0; bit < CU_OPS; bit++)
			if (b->ops[j] & (1U << bit))
				p.used_day[bit] = (uint16_t)b->day[j];
		if (b->day[j] > p.last_day)
			p.last_day = b->day[j];
		if ((rc = cu_principal_put(op, &p)))
			return rc;
	}
	return CUSTOS_OK;
}

void cu_usage_committed(cu_usage *u, const cu_usage_batch *b)
{
	pthread_mutex_lock(&u->mu);
	for (size_t j = 0; j < b->n; j++) {
		uint32_t slot = b->actor[j] % CU_USAGE_SLOTS;
		if (u->slot[slot].actor != b->actor[j] || u->slot[slot].day != b->day[j]) {
			u->slot[slot].actor = b->actor[j];
			u->slot[slot].day = b->day[j];
			u->slot[slot].ops = 0;
		}
		u->slot[slot].ops |= b->ops[j];
	}
	pthread_mutex_unlock(&u->mu);
}
