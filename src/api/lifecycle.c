/*
 * api/lifecycle.c — lifecycle states, moves, the table of allowed moves, archiving,
 * restoring and erasure.
 */
#include <string.h>

#include "api/api.h"
#include "custos/lifecycle.h"
#include "model/customer.h"
#include "model/lifecycle.h"

static const char *const state_names[] = {
	NULL, "lead", "prospect", "active", "loyal", "dormant", "churned", "archived", "erased",
};

const char *custos_state_name(int state)
{
	return state >= CUSTOS_STATE_LEAD && state <= CUSTOS_STATE_MAX ? state_names[state] : NULL;
}

int custos_state_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, state_names, CUSTOS_STATE_LEAD, CUSTOS_STATE_MAX, "custos_state_parse");
}

int custos_state_max(void) { return CUSTOS_STATE_MAX; }

int custos_customer_state(const custos_customer *c)
{
	if (!c)
		return 0;
	return c->state ? c->state : CUSTOS_STATE_LEAD;  /* a draft becomes a lead */
}

static int check_working(int state, const char *fn, const char *what)
{
	if (state < CUSTOS_STATE_LEAD || state > CUSTOS_STATE_WORKING_MAX)
		return cu_err(CUSTOS_EINVALID, "%s: %s state %d is not a working state (lead to churned, %d to %d)%s", fn,
			what, state, CUSTOS_STATE_LEAD, CUSTOS_STATE_WORKING_MAX,
			state == CUSTOS_STATE_ARCHIVED ? "; archive with custos_customer_archive()" :
			state == CUSTOS_STATE_ERASED ? "; erase with custos_customer_erase()" : "");
	return CUSTOS_OK;
}

static int check_reason(const char *reason, size_t *n, const char *fn)
{
	return cu_check_text(reason, CUSTOS_REASON_MAX_BYTES, fn, "reason", n);
}

/* ---- moves ---- */

typedef struct move_args {
	custos_ctx *ctx;
	uint64_t id;
	int to;             /* a working state, or CUSTOS_STATE_ARCHIVED; 0: restore */
	const char *reason;
	size_t rn;
} move_args;

static int move_fn(cu_op *op, void *arg)
{
	move_args *a = arg;
	uint64_t table;
	int rc, from, prior;

	if ((rc = cu_cust_state(op, a->id, &from, &prior)))
		return rc;
	if (from == CUSTOS_STATE_ARCHIVED)
		return cu_err(CUSTOS_ESTATE, "customer %llu is archived and read-only; restore it first",
			(unsigned long long)a->id);
	if ((rc = cu_lifecycle_table_load(op, &table)))
		return rc;
	if (from == a->to || !(table & (1ULL << cu_lifecycle_bit(from, a->to))))
		return cu_err(CUSTOS_ESTATE, "customer %llu cannot move from %s to %s: the store's table of lifecycle "
			"moves does not allow it", (unsigned long long)a->id, custos_state_name(from),
			custos_state_name(a->to));
	if (a->to < from && !custos_ctx_can(a->ctx, CUSTOS_OP_ARCHIVE))
		return cu_err(CUSTOS_EDENIED, "principal '%s' (role %s) may not move customer %llu back from %s to %s: "
			"moves back need the archive right", a->ctx->who.name, a->ctx->role.name, (unsigned long long)a->id,
			custos_state_name(from), custos_state_name(a->to));
	return cu_cust_set_state(op, a->id, a->to, a->reason, a->rn, 0);
}

int custos_lifecycle_move(custos_ctx *ctx, uint64_t customer, int to, const char *reason)
{
	move_args a = { ctx, customer, to, reason, 0 };
	int rc;

	if ((rc = check_working(to, "custos_lifecycle_move", "the target")) ||
	    (rc = check_reason(reason, &a.rn, "custos_lifecycle_move")))
		return rc;
	return cu_run_write(ctx, CUSTOS_OP_UPDATE, "change customers", CUSTOS_AUDIT_LIFECYCLE, move_fn, &a, NULL);
}

static int archive_fn(cu_op *op, void *arg)
{
	move_args *a = arg;
	int rc, from, prior;

	op->see_archived = 1;  /* archiving and restoring reach archived customers */
	if ((rc = cu_cust_state(op, a->id, &from, &prior)))
		return rc;
	if (a->to == CUSTOS_STATE_ARCHIVED && from == CUSTOS_STATE_ARCHIVED)
		return cu_err(CUSTOS_ESTATE, "customer %llu is archived already", (unsigned long long)a->id);
	if (!a->to && from != CUSTOS_STATE_ARCHIVED)
		return cu_err(CUSTOS_ESTATE, "customer %llu is not archived (it is %s); only archived customers are "
			"restored", (unsigned long long)a->id, custos_state_name(from));
	if (!a->to && (prior < CUSTOS_STATE_LEAD || prior > CUSTOS_STATE_WORKING_MAX))
		return cu_err(CUSTOS_ECORRUPT, "customer %llu is archived from state %d, which is not a working state",
			(unsigned long long)a->id, prior);
	return cu_cust_set_state(op, a->id, a->to ? a->to : prior, a->reason, a->rn, 0);
}

static int archive_or_restore(custos_ctx *ctx, uint64_t customer, int to, const char *reason, const char *fn)
{
	move_args a = { ctx, customer, to, reason, 0 };
	int rc;

	if ((rc = check_reason(reason, &a.rn, fn)))
		return rc;
	return cu_run_write(ctx, CUSTOS_OP_ARCHIVE, to ? "archive customers" : "restore customers",
		CUSTOS_AUDIT_LIFECYCLE, archive_fn, &a, NULL);
}

int custos_customer_archive(custos_ctx *ctx, uint64_t customer, const char *reason)
{
	return archive_or_restore(ctx, customer, CUSTOS_STATE_ARCHIVED, reason, "custos_customer_archive");
}

int custos_customer_restore(custos_ctx *ctx, uint64_t customer, const char *reason)
{
	return archive_or_restore(ctx, customer, 0, reason, "custos_customer_restore");
}

int custos_ctx_show_archived(custos_ctx *ctx, int show)
{
	int rc;

	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (show && (rc = cu_access_check(ctx, CUSTOS_OP_ARCHIVE, "see archived customers")))
		return rc;
	atomic_store(&ctx->show_archived, show ? 1 : 0);
	return CUSTOS_OK;
}

/* ---- the table ---- */

typedef struct table_args {
	custos_ctx *ctx;
	int from, to, allowed;
	uint64_t table;
	cu_audit_rec audit;
} table_args;

static int table_read_fn(cu_op *op, void *arg)
{
	table_args *a = arg;

	return cu_lifecycle_table_load(op, &a->table);
}

int custos_lifecycle_allowed(int *allowed, custos_ctx *ctx, int from, int to)
{
	table_args a = { .ctx = ctx, .from = from, .to = to };
	int rc;

	if (!allowed)
		return cu_null_arg("custos_lifecycle_allowed", "allowed");
	*allowed = 0;
	if ((rc = check_working(from, "custos_lifecycle_allowed", "the source")) ||
	    (rc = check_working(to, "custos_lifecycle_allowed", "the target")) ||
	    (rc = cu_run_read(ctx, CUSTOS_OP_ALL, "read the lifecycle table", table_read_fn, &a)))
		return rc;
	*allowed = from != to && (a.table >> cu_lifecycle_bit(from, to)) & 1;
	return CUSTOS_OK;
}

static int table_write_fn(cu_op *op, void *arg)
{
	table_args *a = arg;
	uint64_t t, bit = 1ULL << cu_lifecycle_bit(a->from, a->to);
	int rc;

	if ((rc = cu_lifecycle_table_load(op, &t)))
		return rc;
	cu_audit_setting(&a->audit, a->ctx, op);
	t = a->allowed ? t | bit : t & ~bit;
	return cu_lifecycle_table_store(op, t);
}

int custos_lifecycle_allow(custos_ctx *ctx, int from, int to, int allowed)
{
	table_args a = { .ctx = ctx, .from = from, .to = to, .allowed = allowed != 0 };
	int rc;

	if ((rc = check_working(from, "custos_lifecycle_allow", "the source")) ||
	    (rc = check_working(to, "custos_lifecycle_allow", "the target")))
		return rc;
	if (from == to)
		return cu_err(CUSTOS_EINVALID, "custos_lifecycle_allow: a move from %s to itself is not a move",
			custos_state_name(from));
	return cu_run_write(ctx, CUSTOS_OP_SCHEMA, "change the lifecycle table", 0, table_write_fn, &a, &a.audit);
}

/* ---- counts ---- */

static int counts_fn(cu_op *op, void *arg)
{
	cu_counters *ctr;
	int rc = cu_counters_get(op, &ctr);

	if (!rc)
		memcpy(arg, ctr->states, sizeof ctr->states);
	return rc;
}

int custos_lifecycle_counts(uint64_t *counts, size_t n, custos_ctx *ctx)
{
	uint64_t states[CU_STATES];
	int rc;

	if (!counts)
		return cu_null_arg("custos_lifecycle_counts", "counts");
	if ((rc = cu_run_read(ctx, CUSTOS_OP_REPORT, "report on customers", counts_fn, states)))
		return rc;
	for (size_t i = 0; i < n; i++)
		counts[i] = i < CU_STATES ? states[i] : 0;
	return cu_log_read(ctx, CUSTOS_AUDIT_COUNT, CUSTOS_OP_REPORT, 0, 0, CUSTOS_OK, 0);
}

/* ---- erasure ---- */

typedef struct erase_args {
	custos_ctx *ctx;
	uint64_t id;
	const char *reason;
	size_t rn;
} erase_args;

static int erase_fn(cu_op *op, void *arg)
{
	erase_args *a = arg;

	op->see_archived = 1;  /* archived customers are erased like any other */
	return cu_cust_erase(op, a->id, a->reason, a->rn);
}

int custos_customer_erase(custos_ctx *ctx, uint64_t customer, const char *reason)
{
	erase_args a = { ctx, customer, reason, 0 };
	int rc;

	if ((rc = check_reason(reason, &a.rn, "custos_customer_erase")))
		return rc;
	return cu_run_write(ctx, CUSTOS_OP_ERASE, "erase customers", CUSTOS_AUDIT_ERASE, erase_fn, &a, NULL);
}

typedef struct tomb_args {
	uint64_t id;
	cu_tombstone t;
	cu_bytes reason;
} tomb_args;

static int tomb_fn(cu_op *op, void *arg)
{
	tomb_args *a = arg;

	a->reason.len = 0;
	return cu_tombstone_get(op, a->id, &a->t, &a->reason);
}

int custos_erasure_get(int64_t *time_us, uint32_t *author, custos_buf *reason, custos_ctx *ctx, uint64_t customer)
{
	tomb_args a = { customer, { 0 }, CU_BYTES_INIT };
	int rc;

	if (reason)
		custos_buf_dispose(reason);
	if ((rc = cu_run_read(ctx, CUSTOS_OP_ERASE | CUSTOS_OP_AUDIT, "read the erasure ledger", tomb_fn, &a))) {
		cu_bytes_free(&a.reason);
		return rc;
	}
	if (time_us)
		*time_us = a.t.time_us;
	if (author)
		*author = a.t.author;
	if (reason)
		return cu_buf_take(reason, &a.reason);
	cu_bytes_free(&a.reason);
	return CUSTOS_OK;
}

/* ---- the suppression list ---- */

typedef struct suppress_args {
	custos_ctx *ctx;
	int on;
	cu_audit_rec audit;
} suppress_args;

static int suppress_set_fn(cu_op *op, void *arg)
{
	suppress_args *a = arg;

	cu_audit_setting(&a->audit, a->ctx, op);
	return cu_suppression_set(op, a->on);
}

int custos_erasure_set_suppression(custos_ctx *ctx, int on)
{
	suppress_args a = { .ctx = ctx, .on = on != 0 };

	return cu_run_write(ctx, CUSTOS_OP_SCHEMA, "change the store's suppression list", 0, suppress_set_fn, &a, &a.audit);
}

static int suppress_get_fn(cu_op *op, void *arg)
{
	return cu_suppression_get(op, arg);
}

int custos_erasure_suppression(int *on, custos_ctx *ctx)
{
	if (!on)
		return cu_null_arg("custos_erasure_suppression", "on");
	*on = 0;
	return cu_run_read(ctx, CUSTOS_OP_ALL, "read the store's settings", suppress_get_fn, on);
}
