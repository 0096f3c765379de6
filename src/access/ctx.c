/*
 * access/ctx.c — permission contexts: opening them with a principal's rights, the central
 * checks every call goes through, and what a context may see of a customer.
 */
#include <string.h>

#include "access/access.h"
#include "model/customer.h"
#include "util/alloc.h"
#include "util/error.h"

typedef struct open_args {
	cu_core *core;
	const char *name;
	cu_principal who;
	cu_role role;
	uint64_t gen;
} open_args;

static int open_fn(cu_txn *t, void *arg)
{
	open_args *a = arg;
	int rc;

	if ((rc = cu_seals_check(a->core, t, NULL)) || (rc = cu_access_gen(t, a->core, &a->gen)) ||
	    (rc = cu_principal_get(t, a->core->keys, a->name, &a->who)))
		return rc;
	if (a->who.flags & CU_PRINCIPAL_DISABLED)
		return cu_err(CUSTOS_EDENIED, "principal '%s' is disabled", a->name);
	return cu_role_get_id(t, a->core->keys, a->who.role, &a->role);
}

int cu_access_ctx_new(custos_ctx **out, cu_core *core, const char *principal)
{
	open_args a;
	custos_ctx *ctx;
	int rc;

	memset(&a, 0, sizeof a);
	a.core = core;
	a.name = principal;
	if (!cu_name_ok(principal))
		return cu_err(CUSTOS_EINVALID, "principal name '%.64s' is not valid", principal);
	if ((rc = cu_store_read(&core->store, open_fn, &a)))
		return rc;
	if (!(ctx = cu_calloc(1, sizeof *ctx)))
		return cu_err_oom();
	atomic_init(&ctx->refs, 1);
	ctx->core = core;
	ctx->who = a.who;
	ctx->role = a.role;
	for (int c = 0; c < CUSTOS_CLASS_COUNT; c++)
		if (a.role.vis[c] != CUSTOS_VIS_HIDDEN)
			ctx->visible |= 1U << c;
	atomic_init(&ctx->gen_seen, (unsigned long)a.gen);
	*out = ctx;
	return CUSTOS_OK;
}

void cu_access_ctx_destroy(custos_ctx *ctx)
{
	cu_free(ctx);
}

void cu_access_log_conflict(custos_ctx *ctx, uint32_t need, uint64_t holder, uint32_t field, int result)
{
	cu_err_saved e;
	cu_audit_rec r;

	cu_audit_rec_init(&r, ctx, CUSTOS_AUDIT_DENY, need);
	r.result = result;
	r.customer = holder;
	r.subject = field;
	cu_err_save(&e);
	(void)cu_audit_queue_entry(ctx->core, &r);  /* the denial stands whatever the log says */
	cu_err_restore(&e);
}

void cu_access_log_denial(custos_ctx *ctx, uint32_t need)
{
	cu_access_log_conflict(ctx, need, 0, 0, CUSTOS_EDENIED);
}

static int deny(custos_ctx *ctx, uint32_t need, const char *what)
{
	cu_access_log_denial(ctx, need);
	return cu_err(CUSTOS_EDENIED, "principal '%s' (role %s) may not %s", ctx->who.name, ctx->role.name, what);
}

int cu_access_check(custos_ctx *ctx, uint32_t need, const char *what)
{
	return (ctx->role.ops & need) == need ? CUSTOS_OK : deny(ctx, need, what);
}

int cu_access_check_any(custos_ctx *ctx, uint32_t need, const char *what)
{
	return (ctx->role.ops & need) ? CUSTOS_OK : deny(ctx, need, what);
}

int cu_access_validate(custos_ctx *ctx, cu_txn *t)
{
	cu_principal now;
	uint64_t gen, txn = 0;
	int rc, known;

	/* A read transaction of the commit the rights were last found current in sees the
	 * same rights: nothing to read again. */
	known = !t->write && cu_txn_id(t, &txn) == CUSTOS_OK && txn < UINT64_MAX;
	if (known && atomic_load(&ctx->seen_txn) == txn + 1)
		return CUSTOS_OK;
	if ((rc = cu_access_gen(t, ctx->core, &gen)))
		return rc;
	if (gen == atomic_load(&ctx->gen_seen))
		goto current;
	/* Some grant changed: is it this principal's? */
	rc = cu_principal_get_id(t, ctx->core->keys, ctx->who.id, &now);
	if (rc == CUSTOS_ENOTFOUND || (!rc && (now.rights_ver != ctx->who.rights_ver || (now.flags & CU_PRINCIPAL_DISABLED))))
		return cu_err(CUSTOS_ESTATE, "the rights of principal '%s' changed since this context was opened; "
			"open a new context", ctx->who.name);
	if (rc)
		return rc;
	atomic_store(&ctx->gen_seen, (unsigned long)gen);
current:
	if (known)
		atomic_store(&ctx->seen_txn, txn + 1);
	return CUSTOS_OK;
}

void cu_access_apply(const custos_ctx *ctx, cu_op *op)
{
	op->actor = ctx->who.id;
	op->actor_team = ctx->who.team;
	op->scope = ctx->role.scope;
	op->visible = ctx->visible;
	op->see_archived = atomic_load(&ctx->show_archived);
}

static int see_clearly(custos_ctx *ctx, const cu_field *f, uint32_t op, const char *doing)
{
	if (ctx->role.vis[f->cls] == CUSTOS_VIS_CLEAR)
		return CUSTOS_OK;
	return deny(ctx, op, doing);
}

int cu_access_may_write(custos_ctx *ctx, const custos_customer *changes, uint32_t op, const char *what)
{
	char doing[160];

	for (size_t i = 0; i < changes->schema->nfields; i++) {
		const cu_field *f = &changes->schema->fields[i];
		if (!changes->slots[i].dirty || ctx->role.vis[f->cls] == CUSTOS_VIS_CLEAR)
			continue;
		snprintf(doing, sizeof doing, "%s field '%s', which it cannot see", what, f->name);
		return see_clearly(ctx, f, op, doing);
	}
	return CUSTOS_OK;
}

int cu_access_may_search(custos_ctx *ctx, const cu_field *f)
{
	char doing[160];

	if (ctx->role.vis[f->cls] == CUSTOS_VIS_CLEAR)
		return CUSTOS_OK;  /* the message is only made for a refusal */
	snprintf(doing, sizeof doing, "search by field '%s', which it cannot see", f->name);
	return see_clearly(ctx, f, CUSTOS_OP_READ, doing);
}

int cu_access_present(const custos_ctx *ctx, custos_customer *c)
{
	cu_bytes masked = CU_BYTES_SECRET_INIT;
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		cu_slot *s = &c->slots[i];
		uint32_t off, len;
		if (!s->present)
			continue;
		if (ctx->role.vis[f->cls] == CUSTOS_VIS_HIDDEN) {
			/* Clear fields of a hidden class were read with the header: drop them. */
			cu_wipe(c->arena.p + s->off, s->len);
			cu_value_remove(c, f, 0);
			continue;
		}
		if (ctx->role.vis[f->cls] != CUSTOS_VIS_MASKED)
			continue;
		off = s->off;
		len = s->len;
		cu_bytes_reset(&masked);
		if (!(rc = cu_mask_value(f, c->arena.p + off, len, &masked)) &&
		    !(rc = cu_value_store(c, f, masked.p, masked.len, 0))) {
			cu_wipe(c->arena.p + off, len);  /* the clear value does not stay in memory */
			s->masked = 1;
		}
	}
	cu_bytes_free(&masked);
	return rc;
}

uint32_t cu_access_seen(const custos_ctx *ctx, const custos_customer *c)
{
	uint32_t m = 0;

	for (size_t i = 0; i < c->schema->nfields; i++)
		if (c->slots[i].present)
			m |= 1U << c->schema->fields[i].cls;
	return m & ctx->visible;
}
