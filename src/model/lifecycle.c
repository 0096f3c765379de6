/*
 * model/lifecycle.c — the table of allowed lifecycle moves and the erasure ledger's
 * tombstones (layouts in model/lifecycle.h).
 */
#include <string.h>

#include "model/lifecycle.h"
#include "model/meta.h"
#include "model/validate.h"
#include "model/value.h"
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

/* ---- the suppression list ---- */

static const char suppress_key[] = "suppression";
static const char suppress_label[8] = { 'C', 'U', 'S', 'S', 'U', 'P', '0', '1' };

int cu_suppression_get(cu_op *op, int *on)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc;

	if (op->suppression) {
		*on = op->suppression == 2;
		return CUSTOS_OK;
	}
	rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, suppress_key, sizeof suppress_key - 1, &b);
	if (rc == CUSTOS_ENOTFOUND) {
		*on = 0;
		rc = CUSTOS_OK;
	} else if (!rc && (b.len != 2 || b.p[0] != 1 || b.p[1] > 1)) {
		rc = cu_err(CUSTOS_ECORRUPT, "the store's suppression setting is damaged");
	} else if (!rc) {
		*on = b.p[1];
	}
	cu_bytes_free(&b);
	if (!rc)
		op->suppression = *on ? 2 : 1;
	return rc;
}

int cu_suppression_set(cu_op *op, int on)
{
	unsigned char v[2] = { 1, (unsigned char)(on != 0) };

	op->suppression = on ? 2 : 1;
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, suppress_key, sizeof suppress_key - 1, v, sizeof v);
}

static int suppressible(const cu_field *f)
{
	return f->type == CUSTOS_TYPE_EMAIL || f->type == CUSTOS_TYPE_PHONE;
}

/* The list's key for value v of field f. */
static int suppress_key_of(cu_op *op, const cu_field *f, const unsigned char *v, size_t n,
	unsigned char k[CU_SUPPRESS_KEY])
{
	cu_bytes form = CU_BYTES_SECRET_INIT;
	unsigned char fid[2];
	cu_mac_state st;
	int rc = cu_value_index_form(f, v, n, &form);

	if (rc)
		return rc;
	cu_put_u16be(fid, f->id);
	k[0] = 'S';
	memcpy(k + 1, fid, 2);
	cu_mac_init(&st, op->core->keys->meta_key);
	cu_mac_update(&st, suppress_label, sizeof suppress_label);
	cu_mac_update(&st, op->core->keys->store_id, CU_STORE_ID_BYTES);
	cu_mac_update(&st, fid, 2);
	cu_mac_update(&st, form.p, form.len);
	cu_mac_final(&st, k + 3);
	cu_bytes_free(&form);
	return CUSTOS_OK;
}

int cu_suppress_customer(cu_op *op, const custos_customer *c)
{
	unsigned char k[CU_SUPPRESS_KEY];
	int rc, on;

	if ((rc = cu_suppression_get(op, &on)) || !on)
		return rc;
	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		const unsigned char *v;
		size_t n;
		if (!suppressible(f) || !(v = cu_value_get(c, f, &n)))
			continue;
		if (!(rc = suppress_key_of(op, f, v, n, k)))
			rc = cu_put(op->txn, CU_B_ERASED, k, sizeof k, NULL, 0);
	}
	return rc;
}

int cu_suppression_check(cu_op *op, const custos_customer *c, const custos_customer *changes)
{
	unsigned char k[CU_SUPPRESS_KEY];
	custos_val v;
	int rc, on;

	if ((rc = cu_suppression_get(op, &on)) || !on)
		return rc;
	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		const unsigned char *p;
		size_t n;
		if (!suppressible(f) || !(p = cu_value_get(c, f, &n)))
			continue;
		if (changes) {
			const cu_field *cf = cu_schema_by_id(changes->schema, f->id);
			if (!cf || !changes->slots[cu_schema_pos(changes->schema, cf)].dirty)
				continue;
		}
		if ((rc = suppress_key_of(op, f, p, n, k)))
			break;
		rc = cu_get(op->txn, CU_B_ERASED, k, sizeof k, &v);
		if (rc == CUSTOS_OK)
			return cu_err(CUSTOS_ESUPPRESSED, "field '%s' holds the value of a customer who was erased, which the "
				"store's suppression list keeps so that the same person is not added again", f->name);
		if (rc == CUSTOS_ENOTFOUND)
			rc = CUSTOS_OK;
	}
	return rc;
}
