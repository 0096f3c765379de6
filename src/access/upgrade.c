/*
 * access/upgrade.c — opening a store of custos 0.1.0: its metadata brought to the current
 * formats in one transaction (header and keyring, the access generation sealed, the audit
 * head with the digest of the meta and access records, a sealed record of the upgrade under
 * way), logged as a change of keys by the store itself; then its customers rewritten in
 * batches, each rewrite logged as an update by the store itself, so the log still accounts
 * for every record. An upgrade interrupted by a crash goes on at the next open.
 */
#include <string.h>

#include "access/access.h"
#include "model/upgrade.h"
#include "util/alloc.h"
#include "util/error.h"

size_t cu_upgrade_batch = 1000;

typedef struct upgrade_args {
	cu_core *core;
	cu_rekey *rk;
	uint64_t next;          /* the next customer whose record may be of format 3 */
	cu_audit_commit c;
} upgrade_args;

static int meta_fn(cu_txn *t, void *arg)
{
	upgrade_args *a = arg;
	cu_audit_rec keys;
	cu_op op;
	int rc;

	cu_op_init(&op, a->core, t, NULL);
	if (!(rc = cu_core_rekey_write(&op, a->rk)) && !(rc = cu_access_gen_upgrade(&op)) &&
	    !(rc = cu_core_upgrade_mark(&op, 1)) && !(rc = cu_audit_head_upgrade(&op))) {
		cu_audit_rec_init(&keys, NULL, CUSTOS_AUDIT_KEYS, 0);
		rc = cu_audit_write(&op, &keys, 1, 0, &a->c);
	}
	cu_op_release(&op);
	return rc;
}

static int records_fn(cu_txn *t, void *arg)
{
	upgrade_args *a = arg;
	cu_audit_rec *recs = NULL;
	uint64_t next;
	size_t count;
	cu_op op;
	int rc;

	cu_op_init(&op, a->core, t, NULL);
	if ((rc = cu_core_upgrade_pending(t, a->core->keys, &next)))
		goto out;
	if ((rc = cu_core_upgrade_records(&op, &next, cu_upgrade_batch, &count)))
		goto out;
	rc = next == UINT64_MAX ? cu_core_upgrade_done(&op) : cu_core_upgrade_mark(&op, next);
	if (!rc && op.nwrites && !(recs = cu_calloc(op.nwrites, sizeof *recs)))
		rc = cu_err_oom();
	for (size_t i = 0; !rc && i < op.nwrites; i++) {
		cu_audit_rec_init(&recs[i], NULL, CUSTOS_AUDIT_UPDATE, 0);
		recs[i].customer = op.writes[i].customer;
		recs[i].version = op.writes[i].version;
		memcpy(recs[i].hash, op.writes[i].record_hash, 32);
	}
	if (!rc)
		rc = cu_audit_write(&op, recs, op.nwrites, 0, &a->c);
	a->next = next;
out:
	cu_free(recs);
	cu_op_release(&op);
	return rc;
}

static void committed(void *arg)
{
	upgrade_args *a = arg;
	cu_audit_committed(a->core, &a->c);
}

static int pending_fn(cu_txn *t, void *arg)
{
	upgrade_args *a = arg;
	int rc = cu_core_upgrade_pending(t, a->core->keys, &a->next);

	if (rc == CUSTOS_ENOTFOUND) {
		a->next = UINT64_MAX;
		return CUSTOS_OK;
	}
	return rc;
}

static int refuse_readonly(void)
{
	return cu_err(CUSTOS_EVERSION, "this store was written by custos 0.1.0 and is not yet in the current format: "
		"open it once read-write to upgrade it");
}

int cu_upgrade_store(cu_core *core, const custos_secret *secret)
{
	upgrade_args a;
	cu_rekey rk;
	int rc;

	memset(&a, 0, sizeof a);
	a.core = core;
	if (core->header.format == CU_FORMAT_UPGRADABLE) {
		if (core->store.readonly)
			return refuse_readonly();
		memset(&rk, 0, sizeof rk);
		a.rk = &rk;
		if (!(rc = cu_core_rekey_prepare(core, secret, &rk)))
			rc = cu_store_write_ex(&core->store, meta_fn, committed, &a);
		cu_core_rekey_finish(core, &rk, rc == CUSTOS_OK);
		if (rc)
			return rc;
	}
	if ((rc = cu_store_read(&core->store, pending_fn, &a)))
		return rc;
	if (a.next != UINT64_MAX && core->store.readonly)
		return refuse_readonly();
	while (a.next != UINT64_MAX)
		if ((rc = cu_store_write_ex(&core->store, records_fn, committed, &a)))
			return rc;
	return CUSTOS_OK;
}
