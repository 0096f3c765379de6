/*
 * api/jobs.c — running index jobs (model/reindex.h) one bounded transaction at a time.
 * Each step is access-checked like any write and writes no audit entry of its own: the
 * call a job serves audits itself in its last transaction (the schema change, the end of
 * a rebuild). Where a step stops is only taken once its transaction committed, so a step
 * run again (after the map grew, or when another write of its group failed) starts from
 * the same place.
 */
#include "api/api.h"
#include "model/customer.h"

typedef struct step {
	custos_ctx *ctx;
	cu_job *job;
	uint64_t after, next;    /* last customer done, committed and in this attempt */
	int more;
	int authenticate_only;
	int damaged;             /* a customer's record stopped the step */
	cu_audit_rec audit;      /* the rebuild's entry */
} step;

static int start_fn(cu_op *op, void *arg)
{
	return cu_job_start(op, ((step *)arg)->job);
}

static int end_fn(cu_op *op, void *arg)
{
	return cu_job_end(op, ((step *)arg)->job);
}

static int drop_fn(cu_op *op, void *arg)
{
	step *s = arg;
	int rc = cu_job_current(op, s->job);

	return rc ? rc : cu_job_drop_step(op, s->job, &s->more);
}

static int index_fn(cu_op *op, void *arg)
{
	step *s = arg;
	int rc = op->txn->write ? cu_job_current(op, s->job) : CUSTOS_OK;

	s->next = s->after;
	if (!rc)
		rc = cu_job_index_step(op, s->job, &s->next, s->authenticate_only, &s->more);
	s->damaged = cu_cust_record_damaged(rc);
	return rc;
}

static int run_step(step *s, cu_apply_fn fn, unsigned flags)
{
	return cu_run_write_flags(s->ctx, CUSTOS_OP_SCHEMA, "change the schema", 0, fn, s, NULL,
		flags | CU_RUN_UNAUDITED);
}

/* Steps of fn until nothing is left; read-only ones (flags -1) in read transactions. */
static int run_steps(step *s, cu_apply_fn fn, int flags)
{
	int rc;

	s->after = s->next = 0;
	do {
		rc = flags < 0 ? cu_run_read(s->ctx, CUSTOS_OP_SCHEMA, "change the schema", fn, s) :
			run_step(s, fn, (unsigned)flags);
		if (rc)
			return rc;
		s->after = s->next;
	} while (s->more);
	return CUSTOS_OK;
}

void cu_jobs_drop(custos_ctx *ctx, cu_job *job)
{
	step s = { ctx, job, 0, 0, 0, 0, 0, { 0 } };
	cu_err_saved e;

	cu_err_save(&e);
	if (!run_steps(&s, drop_fn, 0))
		(void)run_step(&s, end_fn, 0);
	cu_err_restore(&e);
}

int cu_jobs_build(custos_ctx *ctx, cu_job *job)
{
	step s = { ctx, job, 0, 0, 0, 0, 0, { 0 } };
	int rc;

	if (!(rc = run_step(&s, start_fn, 0)) && !(rc = run_steps(&s, drop_fn, 0)))
		rc = run_steps(&s, index_fn, 0);
	if (rc)
		cu_jobs_drop(ctx, job);  /* stops at once if another job replaced this one */
	return rc;
}

static int finish_fn(cu_op *op, void *arg)
{
	step *s = arg;
	int rc = cu_job_end(op, s->job);

	if (!rc) {
		cu_audit_setting(&s->audit, s->ctx, op);
	}
	return rc;
}

int cu_jobs_rebuild(custos_ctx *ctx)
{
	cu_job job = { { 0 }, CU_JOB_REBUILD, 0, 0 };
	step s = { ctx, &job, 0, 0, 0, 1, 0, { 0 } };
	int rc;

	/* Every record authenticates, or nothing is written. */
	if ((rc = run_steps(&s, index_fn, -1)))
		return s.damaged ? cu_store_damaged(&ctx->core->store, rc) : rc;
	s.authenticate_only = 0;
	if (!(rc = run_step(&s, start_fn, CU_RUN_REPAIR)) && !(rc = run_steps(&s, drop_fn, CU_RUN_REPAIR)) &&
	    !(rc = run_steps(&s, index_fn, CU_RUN_REPAIR)))
		rc = cu_run_write_flags(ctx, CUSTOS_OP_SCHEMA, "rebuild the indexes", 0, finish_fn, &s, &s.audit,
			CU_RUN_REPAIR);
	if (!rc)
		cu_store_repaired(&ctx->core->store);
	else if (s.damaged)  /* a record damaged since it was authenticated */
		cu_store_damaged(&ctx->core->store, rc);
	return rc;
}
