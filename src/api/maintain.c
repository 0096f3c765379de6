/*
 * api/maintain.c — the store's policies and custos_maintain(): pages of customers found in
 * read transactions, what applies to them written in short write transactions.
 */
#include <string.h>

#include "api/api.h"
#include "custos/event.h"
#include "model/lifecycle.h"
#include "model/maintain.h"
#include "util/alloc.h"
#include "util/clock.h"

size_t custos_policy_size(void) { return sizeof(custos_policy); }
size_t custos_maintain_options_size(void) { return sizeof(custos_maintain_options); }
size_t custos_maintain_report_size(void) { return sizeof(custos_maintain_report); }

int custos_rule_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, cu_rule_names, CUSTOS_RULE_INACTIVE, CUSTOS_RULE_ARCHIVED, "custos_rule_parse");
}

/* ---- policies ---- */

typedef struct policy_args {
	custos_ctx *ctx;
	const custos_policy *in;
	custos_policy out[CUSTOS_POLICY_MAX];
	size_t n;
	cu_audit_rec audit;
} policy_args;

static int policy_set_fn(cu_op *op, void *arg)
{
	policy_args *a = arg;
	uint64_t table;
	int rc;

	if ((rc = cu_lifecycle_table_load(op, &table)))
		return rc;
	for (size_t i = 0; i < a->n; i++)
		if ((rc = cu_policy_check(&a->in[i], i + 1, table)))
			return rc;
	cu_audit_setting(&a->audit, a->ctx, op);
	return cu_policies_store(op, a->in, a->n);
}

int custos_policy_set(custos_ctx *ctx, const custos_policy *policies, size_t n)
{
	policy_args *a;
	int rc;

	if (n > CUSTOS_POLICY_MAX)
		return cu_err(CUSTOS_EINVALID, "custos_policy_set: %zu policies; a store keeps at most %d", n,
			CUSTOS_POLICY_MAX);
	if (n && !policies)
		return cu_null_arg("custos_policy_set", "policies");
	for (size_t i = 0; i < n; i++)
		if ((rc = cu_check_version(policies[i].version, CUSTOS_POLICY_VERSION, "custos_policy")))
			return rc;
	if (!(a = cu_calloc(1, sizeof *a)))
		return cu_err_oom();
	a->ctx = ctx;
	a->in = policies;
	a->n = n;
	rc = cu_run_write(ctx, CUSTOS_OP_SCHEMA, "change the store's policies", 0, policy_set_fn, a, &a->audit);
	cu_free(a);
	return rc;
}

static int policy_get_fn(cu_op *op, void *arg)
{
	policy_args *a = arg;

	return cu_policies_load(op, a->out, &a->n);
}

int custos_policy_get(custos_policy *out, size_t max, size_t *n, custos_ctx *ctx)
{
	policy_args a;
	int rc;

	if (!n)
		return cu_null_arg("custos_policy_get", "n");
	*n = 0;
	if (max && !out)
		return cu_null_arg("custos_policy_get", "out");
	memset(&a, 0, sizeof a);
	if ((rc = cu_run_read(ctx, CUSTOS_OP_ALL, "read the store's policies", policy_get_fn, &a)))
		return rc;
	memcpy(out, a.out, (a.n < max ? a.n : max) * sizeof *out);
	*n = a.n;
	return CUSTOS_OK;
}

/* ---- a run ---- */

typedef struct run_args {
	cu_maint *m;
	uint64_t after, last;
	size_t max, examined;
	size_t kept;             /* candidates found before this page */
	size_t from, count;      /* the candidates a write transaction applies */
} run_args;

static int scan_fn(cu_op *op, void *arg)
{
	run_args *a = arg;

	a->m->ncand = a->kept;   /* an attempt run again starts again */
	return cu_maintain_scan(op, a->m, a->after, a->max, &a->last, &a->examined);
}

static int apply_fn(cu_op *op, void *arg)
{
	run_args *a = arg;

	return cu_maintain_apply(op, a->m, a->from, a->count);
}

static int load_fn(cu_op *op, void *arg)
{
	cu_maint *m = arg;

	return cu_policies_load(op, m->policies, &m->n);
}

/* The rights the policies need besides update. */
static uint32_t rights_of(const cu_maint *m)
{
	uint32_t need = CUSTOS_OP_UPDATE;

	for (size_t i = 0; i < m->n; i++)
		need |= m->policies[i].to == CUSTOS_STATE_ERASED ? CUSTOS_OP_ERASE :
			m->policies[i].to == CUSTOS_STATE_ARCHIVED ? CUSTOS_OP_ARCHIVE : 0;
	return need;
}

/* Apply the first count candidates in write transactions of CUSTOS_MAINTAIN_BATCH at most,
 * and keep the others for later. */
static int apply(custos_maintain_report *r, custos_ctx *ctx, run_args *a, size_t count)
{
	cu_maint *m = a->m;
	int rc;

	for (a->from = 0; a->from < count; a->from += a->count) {
		int64_t t0 = cu_clock_mono_us(), took;
		a->count = count - a->from < CUSTOS_MAINTAIN_BATCH ? count - a->from : CUSTOS_MAINTAIN_BATCH;
		if ((rc = cu_run_write(ctx, CUSTOS_OP_UPDATE, "maintain the store", CUSTOS_AUDIT_LIFECYCLE, apply_fn, a,
			     NULL)))
			return rc;
		took = cu_clock_mono_us() - t0;
		r->batches++;
		if (took > r->longest_batch_us)
			r->longest_batch_us = took;
		for (size_t i = a->from; i < a->from + a->count; i++) {
			if (m->cand[i].moved)
				r->moved[m->cand[i].policy]++;
			r->recounted += m->cand[i].recounted;
		}
	}
	memmove(m->cand, m->cand + count, (m->ncand - count) * sizeof *m->cand);
	m->ncand -= count;
	return CUSTOS_OK;
}

static int run(custos_maintain_report *r, custos_ctx *ctx, cu_maint *m, const custos_maintain_options *o)
{
	run_args a;
	uint64_t examined = 0;
	int rc, end;

	memset(&a, 0, sizeof a);
	a.m = m;
	a.after = o->after_id;
	if (o->after_id == 0 && (rc = custos_points_expire(&r->points_expired, ctx, m->now)))
		return rc;
	for (;;) {
		a.max = CU_MAINT_PAGE;
		if (o->max_customers && o->max_customers - examined < a.max)
			a.max = (size_t)(o->max_customers - examined);
		a.kept = m->ncand;
		if ((rc = cu_run_read(ctx, CUSTOS_OP_UPDATE, "maintain the store", scan_fn, &a)))
			return rc;
		examined += a.examined;
		r->examined = examined;
		end = a.last == UINT64_MAX || a.examined == 0 || (o->max_customers && examined >= o->max_customers);
		/* Full batches as they fill up; what is left at the end. */
		if ((rc = apply(r, ctx, &a, end ? m->ncand : m->ncand - m->ncand % CUSTOS_MAINTAIN_BATCH)))
			return rc;
		if (end) {
			r->next_id = a.last == UINT64_MAX || a.examined == 0 ? 0 : a.last;
			return CUSTOS_OK;
		}
		a.after = a.last;
	}
}

int custos_maintain(custos_maintain_report *report, custos_ctx *ctx, int64_t now_us, const custos_maintain_options *opts)
{
	custos_maintain_options o = CUSTOS_MAINTAIN_OPTIONS_INIT;
	custos_maintain_report r;
	cu_maint *m;
	int rc;

	memset(&r, 0, sizeof r);
	if (report)
		*report = r;
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (opts) {
		if ((rc = cu_check_version(opts->version, CUSTOS_MAINTAIN_OPTIONS_VERSION, "custos_maintain_options")))
			return rc;
		o = *opts;
	}
	if ((rc = cu_check_time(now_us, "custos_maintain")))
		return rc;
	if (o.after_id == UINT64_MAX)
		return cu_err(CUSTOS_EINVALID, "custos_maintain: no customer comes after id %llu",
			(unsigned long long)o.after_id);
	if (!(m = cu_calloc(1, sizeof *m)))
		return cu_err_oom();
	m->now = now_us;
	if (!(rc = cu_run_read(ctx, CUSTOS_OP_UPDATE, "maintain the store", load_fn, m)))
		rc = cu_access_check(ctx, rights_of(m), "maintain the store with its policies");
	if (!rc)
		rc = run(&r, ctx, m, &o);
	if (!rc)
		rc = cu_log_read(ctx, CUSTOS_AUDIT_MAINTAIN, rights_of(m), 0, 0, CUSTOS_OK, 0);
	cu_free(m);
	if (report)
		*report = r;
	return rc;
}
