/*
 * api/run.c — the one path from a public call to the model: usable handle, access check,
 * transaction, schema, operation, commit.
 */
#include "api/api.h"
#include "model/value.h"
#include "util/alloc.h"

void cu_db_ref(custos_db *db)
{
	atomic_fetch_add(&db->refs, 1);
}

void cu_db_unref(custos_db *db)
{
	if (atomic_fetch_sub(&db->refs, 1) == 1)
		cu_free(db);
}

int cu_ctx_usable(const custos_ctx *ctx)
{
	if (!ctx)
		return cu_err(CUSTOS_EINVALID, "the permission context is NULL");
	if (ctx->db->closed)
		return cu_err(CUSTOS_ESTATE, "the store of this context has been closed");
	return CUSTOS_OK;
}

custos_ctx *cu_ctx_ref(custos_ctx *ctx)
{
	atomic_fetch_add(&ctx->refs, 1);
	return ctx;
}

void cu_ctx_unref(custos_ctx *ctx)
{
	custos_db *db;

	if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
		return;
	db = ctx->db;
	cu_access_ctx_destroy(ctx);
	cu_db_unref(db);
}

int cu_check_version(unsigned int version, unsigned int max, const char *what)
{
	if (version == 0 || version > max)
		return cu_err(CUSTOS_EVERSION, "%s has version %u; this library knows versions 1 to %u (initialise it "
			"with its _INIT macro or _init function)", what, version, max);
	return CUSTOS_OK;
}

int cu_null_arg(const char *fn, const char *arg)
{
	return cu_err(CUSTOS_EINVALID, "%s: '%s' is NULL", fn, arg);
}

typedef struct run {
	custos_ctx *ctx;
	cu_apply_fn fn;
	void *arg;
	int write;
} run;

static int write_fn(cu_txn *t, void *arg)
{
	run *r = arg;
	cu_schema *s;
	cu_op op;
	int rc;

	if ((rc = cu_core_sync_schema(r->ctx->core, t)))
		return rc;
	s = cu_core_schema(r->ctx->core);
	cu_op_init(&op, r->ctx->core, t, s);
	cu_access_apply(r->ctx, &op);
	rc = r->fn(&op, r->arg);
	if (!rc)
		rc = cu_counters_flush(&op);
	cu_schema_unref(s);
	return rc;
}

static int read_fn(cu_txn *t, void *arg)
{
	run *r = arg;
	cu_schema *s = cu_core_schema(r->ctx->core);
	cu_op op;
	int rc;

	cu_op_init(&op, r->ctx->core, t, s);
	cu_access_apply(r->ctx, &op);
	rc = r->fn(&op, r->arg);
	cu_schema_unref(s);
	if (rc == CU_ESTALE) {
		if ((rc = cu_core_sync_schema(r->ctx->core, t)))
			return rc;
		s = cu_core_schema(r->ctx->core);
		op.schema = s;
		rc = r->fn(&op, r->arg);
		cu_schema_unref(s);
		if (rc == CU_ESTALE)
			rc = cu_err(CUSTOS_ECORRUPT, "a record names a field the store's schema does not have");
	}
	return rc;
}

int cu_run_write(custos_ctx *ctx, uint32_t need, const char *what, cu_apply_fn fn, void *arg)
{
	run r = { ctx, fn, arg, 1 };
	int rc;

	if ((rc = cu_ctx_usable(ctx)) || (rc = cu_access_check(ctx, need, what)))
		return rc;
	return cu_store_write(&ctx->core->store, write_fn, &r);
}

int cu_run_read(custos_ctx *ctx, uint32_t need, const char *what, cu_apply_fn fn, void *arg)
{
	run r = { ctx, fn, arg, 0 };
	int rc;

	if ((rc = cu_ctx_usable(ctx)) || (rc = cu_access_check(ctx, need, what)))
		return rc;
	return cu_store_read(&ctx->core->store, read_fn, &r);
}
