/*
 * api/run.c — the one path from a public call to the model: usable handle, access check,
 * transaction, schema, operation, commit.
 */
#include <string.h>

#include "api/api.h"
#include "model/value.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/utf8.h"

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

static int validate_fn(cu_txn *t, void *arg)
{
	return cu_access_validate(arg, t);
}

int cu_ctx_current(custos_ctx *ctx)
{
	int rc = cu_ctx_usable(ctx);

	return rc ? rc : cu_store_read(&ctx->core->store, validate_fn, ctx);
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

int cu_notes_texts(const custos_ctx *ctx)
{
	int vis = ctx->role.vis[CUSTOS_CLASS_NOTES];

	return vis == CUSTOS_VIS_CLEAR ? 1 : vis == CUSTOS_VIS_MASKED ? 2 : 0;
}

int cu_check_time(int64_t t, const char *fn)
{
	if (t < 0 || t > cu_clock_wall_us() + 86400LL * 1000000)
		return cu_err(CUSTOS_EINVALID, "%s: %lld is not a time from 1970 to a day from now", fn, (long long)t);
	return CUSTOS_OK;
}

int cu_check_text(const char *t, size_t max, const char *fn, const char *what, size_t *n)
{
	size_t len = t ? strlen(t) : 0;

	if (n)
		*n = len;
	if (len > max)
		return cu_err(CUSTOS_EINVALID, "%s: the %s has %zu bytes; at most %zu are kept", fn, what, len, max);
	if (len && !cu_utf8_valid(t, len))
		return cu_err(CUSTOS_EINVALID, "%s: the %s is not valid UTF-8", fn, what);
	return CUSTOS_OK;
}

void cu_audit_setting(cu_audit_rec *r, custos_ctx *ctx, const cu_op *op)
{
	cu_audit_rec_init(r, ctx, CUSTOS_AUDIT_SCHEMA, CUSTOS_OP_SCHEMA);
	r->version = (uint32_t)op->schema->version;
}

int cu_null_arg(const char *fn, const char *arg)
{
	return cu_err(CUSTOS_EINVALID, "%s: '%s' is NULL", fn, arg);
}

typedef struct run {
	custos_ctx *ctx;
	cu_apply_fn fn;
	void *arg;
	uint32_t need;
	int action;
	cu_audit_rec *extra;
	unsigned flags;          /* CU_RUN_* */
	cu_audit_commit commit;
	uint64_t conflict_customer;    /* the last attempt was stopped by a unique value */
	uint32_t conflict_field;
} run;

/* The audit entries of a write: one per customer written, then the extra one. */
static int audit_write(run *r, cu_op *op)
{
	size_t n = op->nwrites + (r->extra && r->extra->action ? 1 : 0);
	cu_audit_rec *recs = n ? cu_calloc(n, sizeof *recs) : NULL;
	int rc;

	if (n && !recs)
		return cu_err_oom();
	for (size_t i = 0; i < op->nwrites; i++) {
		cu_audit_rec_init(&recs[i], r->ctx, op->writes[i].action ? op->writes[i].action : r->action, r->need);
		recs[i].customer = op->writes[i].customer;
		recs[i].version = op->writes[i].version;
		recs[i].classes = op->writes[i].classes;
		memcpy(recs[i].hash, op->writes[i].record_hash, 32);
	}
	if (n > op->nwrites)
		recs[n - 1] = *r->extra;
	rc = cu_audit_write(op, recs, n, 0, &r->commit);
	cu_free(recs);
	return rc;
}

static int write_fn(cu_txn *t, void *arg)
{
	run *r = arg;
	cu_schema *s;
	cu_op op;
	int rc;

	if ((rc = cu_access_validate(r->ctx, t)) || (rc = cu_core_sync_schema(r->ctx->core, t)))
		return rc;
	if (r->extra)
		r->extra->action = 0;  /* filled in again by this attempt */
	s = cu_core_schema(r->ctx->core);
	cu_op_init(&op, r->ctx->core, t, s);
	cu_access_apply(r->ctx, &op);
	rc = r->fn(&op, r->arg);
	r->conflict_customer = rc ? op.conflict_customer : 0;
	r->conflict_field = op.conflict_field;
	if (!rc)
		rc = cu_counters_flush(&op);
	if (!rc && !(r->flags & CU_RUN_UNAUDITED))
		rc = audit_write(r, &op);
	cu_op_release(&op);
	cu_schema_unref(s);
	return rc;
}

static void write_committed(void *arg)
{
	run *r = arg;
	cu_audit_committed(r->ctx->core, &r->commit);
}

static int read_fn(cu_txn *t, void *arg)
{
	run *r = arg;
	cu_schema *s;
	cu_op op;
	int rc;

	if ((rc = cu_access_validate(r->ctx, t)))
		return rc;
	s = cu_core_schema(r->ctx->core);
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
		if (rc == CU_ESTALE)  /* the model's message names the customer */
			rc = CUSTOS_ECORRUPT;
	}
	cu_op_release(&op);
	return rc;
}

int cu_run_write_flags(custos_ctx *ctx, uint32_t need, const char *what, int action, cu_apply_fn fn, void *arg,
	cu_audit_rec *extra, unsigned flags)
{
	run r;
	int rc;

	if ((rc = cu_ctx_usable(ctx)) || (rc = cu_access_check(ctx, need, what)))
		return rc;
	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.fn = fn;
	r.arg = arg;
	r.need = need;
	r.action = action;
	r.extra = extra;
	r.flags = flags;
	rc = (flags & CU_RUN_REPAIR ? cu_store_write_repair : cu_store_write_ex)(&ctx->core->store, write_fn,
		write_committed, &r);
	if (!rc)
		(void)cu_audit_after(ctx->core, &r.commit);  /* the change stands; the next checkpoint covers it */
	else if (r.conflict_customer)  /* a unique value: audited whatever the caller was told */
		cu_access_log_conflict(ctx, need, r.conflict_customer, r.conflict_field, rc);
	else if (rc == CUSTOS_EDENIED)
		cu_access_log_denial(ctx, need);  /* refused by a rule checked inside the transaction */
	return rc;
}

int cu_run_write(custos_ctx *ctx, uint32_t need, const char *what, int action, cu_apply_fn fn, void *arg,
	cu_audit_rec *extra)
{
	return cu_run_write_flags(ctx, need, what, action, fn, arg, extra, 0);
}

int cu_run_read(custos_ctx *ctx, uint32_t need, const char *what, cu_apply_fn fn, void *arg)
{
	run r;
	int rc;

	if ((rc = cu_ctx_usable(ctx)) || (rc = cu_access_check_any(ctx, need, what)))
		return rc;
	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.fn = fn;
	r.arg = arg;
	return cu_store_read(&ctx->core->store, read_fn, &r);
}

int cu_log_read(custos_ctx *ctx, int action, uint32_t op, uint64_t customer, uint32_t classes, int result, uint32_t subject)
{
	cu_audit_rec r;

	cu_audit_rec_init(&r, ctx, action, op);
	r.customer = customer;
	r.classes = classes;
	r.result = result;
	r.subject = subject;
	return cu_audit_queue_entry(ctx->core, &r);
}
