/*
 * model/upgrade.c — a store of custos 0.1.0 (format 1, records of format 3) brought to the
 * current formats: a sealed "upgrade" record names the next customer to rewrite, and the
 * records are rewritten in batches, each written like any other change (access/ logs it).
 */
#include <string.h>

#include "model/meta.h"
#include "model/record.h"
#include "model/upgrade.h"
#include "util/error.h"

#define KEY(s) (s), (sizeof(s) - 1)

static const char K_UPGRADE[] = "upgrade";

int cu_core_upgrade_mark(cu_op *op, uint64_t next_id)
{
	unsigned char v[8];

	cu_put_u64le(v, next_id);
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, KEY(K_UPGRADE), v, sizeof v);
}

int cu_core_upgrade_pending(cu_txn *t, const cu_keys *k, uint64_t *next_id)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(t, k, CU_B_META, KEY(K_UPGRADE), &b);

	*next_id = 0;
	if (!rc && b.len != 8)
		rc = cu_err(CUSTOS_EAUTH, "the store's upgrade record is damaged");
	if (!rc)
		*next_id = cu_get_u64le(b.p);
	cu_bytes_free(&b);
	return rc;
}

int cu_core_upgrade_done(cu_op *op)
{
	return cu_meta_del(op->txn, op->core->keys, CU_B_META, KEY(K_UPGRADE));
}

int cu_core_upgrade_records(cu_op *op, uint64_t *next_id, size_t max, size_t *count)
{
	unsigned char k[8];
	cu_bytes rec = CU_BYTES_INIT, old = CU_BYTES_INIT;
	custos_val key, v;
	cu_cursor cur;
	int rc;

	*count = 0;
	for (;;) {
		uint64_t id;
		uint32_t version;
		/* One record at a time: a cursor is not kept across the writes of the loop. */
		cu_put_u64be(k, *next_id);
		if ((rc = cu_cursor_open(&cur, op->txn, CU_B_CUSTOMERS)))
			break;
		rc = cu_cursor_seek(&cur, k, sizeof k, &key, &v);
		if (rc == CUSTOS_OK && (key.size != 8 || v.size == 0))
			rc = cu_err(CUSTOS_ECORRUPT, "the customers bucket holds a key that is not a customer id");
		if (rc == CUSTOS_OK) {
			id = cu_get_u64be(key.data);
			cu_bytes_reset(&old);
			rc = cu_bytes_append(&old, v.data, v.size);
		}
		cu_cursor_close(&cur);
		if (rc == CUSTOS_ITEROVER) {
			*next_id = UINT64_MAX;  /* no customer left */
			rc = CUSTOS_OK;
			break;
		}
		if (rc || *count == max)
			break;
		*next_id = id + 1;
		if (old.p[0] != 3)
			continue;  /* already rewritten (an upgrade interrupted after this batch) */
		if ((rc = cu_rec_upgrade3(&rec, &version, id, old.p, old.len, op->core->keys)))
			break;
		cu_put_u64be(k, id);
		if ((rc = cu_put(op->txn, CU_B_CUSTOMERS, k, sizeof k, rec.p, rec.len)) ||
		    (rc = cu_op_note_write(op, id, version, 0, rec.p, rec.len)))
			break;
		(*count)++;
	}
	cu_bytes_free(&rec);
	cu_bytes_free(&old);
	return rc;
}
