/*
 * model/lifecycle.c — the table of allowed lifecycle moves and the erasure ledger's
 * tombstones (layouts in model/lifecycle.h).
 */
#include <string.h>

#include "model/lifecycle.h"
#include "model/meta.h"
#include "model/timeline/timeline.h"
#include "util/error.h"

#define TABLE_FORMAT 1
#define TOMBSTONE_FORMAT 1
#define TOMBSTONE_HEAD (1 + 8 + 4 + 1 + 2)

static const char table_key[] = "lifecycle";
static const char tombstone_label[8] = { 'C', 'U', 'S', 'T', 'M', 'B', '0', '1' };

uint64_t cu_lifecycle_default_table(void)
{
	uint64_t t = 0;

	for (int from = CUSTOS_STATE_LEAD; from <= CU_WORKING; from++)
		for (int to = from + 1; to <= CU_WORKING; to++)
			t |= 1ULL << cu_lifecycle_bit(from, to);
	return t;
}

int cu_lifecycle_table_load(cu_op *op, uint64_t *table)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, table_key, sizeof table_key - 1, &b);

	if (rc == CUSTOS_ENOTFOUND) {
		*table = cu_lifecycle_default_table();
		return CUSTOS_OK;
	}
	if (!rc && (b.len != 9 || b.p[0] != TABLE_FORMAT ||
		    (cu_get_u64le(b.p + 1) >> (CU_WORKING * CU_WORKING)) != 0))
		rc = cu_err(CUSTOS_ECORRUPT, "the store's table of lifecycle moves is damaged");
	if (!rc)
		*table = cu_get_u64le(b.p + 1);
	cu_bytes_free(&b);
	return rc;
}

int cu_lifecycle_table_store(cu_op *op, uint64_t table)
{
	unsigned char v[9];

	v[0] = TABLE_FORMAT;
	cu_put_u64le(v + 1, table);
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, table_key, sizeof table_key - 1, v, sizeof v);
}

size_t cu_tombstone_encode(unsigned char *out, const cu_op *op, uint64_t id, const cu_tombstone *t)
{
	unsigned char *p = out;

	*p++ = TOMBSTONE_FORMAT;
	cu_put_u64le(p, (uint64_t)t->time_us), p += 8;
	cu_put_u32le(p, t->author), p += 4;
	*p++ = t->state;
	cu_put_u16le(p, t->reason_len), p += 2;
	if (t->reason_len)
		memcpy(p, t->reason, t->reason_len);
	p += t->reason_len;
	cu_timeline_tag(p, op->core->keys, tombstone_label, id, out, (size_t)(p - out));
	return (size_t)(p - out) + CU_TIMELINE_TAG;
}

int cu_tombstone_get(cu_op *op, uint64_t id, cu_tombstone *t, cu_bytes *reason)
{
	unsigned char k[8];
	custos_val v;
	int found, rc;

	cu_put_u64be(k, id);
	if ((rc = cu_timeline_get_tagged(op, CU_B_ERASED, k, 8, tombstone_label, id, TOMBSTONE_HEAD, "the tombstone",
		     &v, &found)))
		return rc;
	if (!found)
		return cu_err(CUSTOS_ENOTFOUND, "no customer %llu was erased", (unsigned long long)id);
	if (v.data[0] != TOMBSTONE_FORMAT || v.size != TOMBSTONE_HEAD + (size_t)cu_get_u16le(v.data + 14))
		return cu_err(CUSTOS_EAUTH, "the tombstone of customer %llu has a form this version does not read",
			(unsigned long long)id);
	t->time_us = (int64_t)cu_get_u64le(v.data + 1);
	t->author = cu_get_u32le(v.data + 9);
	t->state = v.data[13];
	t->reason_len = cu_get_u16le(v.data + 14);
	t->reason = NULL;
	if (reason && (rc = cu_bytes_append(reason, v.data + TOMBSTONE_HEAD, t->reason_len)))
		return rc;
	return CUSTOS_OK;
}
