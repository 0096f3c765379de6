/*
 * access/grants.c — creating and changing principals, teams and roles. The rule every
 * change keeps: nobody changes their own rights, and nobody grants more than they hold.
 */
#include <string.h>

#include "access/access.h"
#include "util/error.h"

static void grant_rec(cu_audit_rec *rec, const custos_ctx *ctx, uint32_t change, uint32_t subject)
{
	cu_audit_rec_init(rec, ctx, CUSTOS_AUDIT_GRANT, CUSTOS_OP_ACCESS);
	rec->version = change;
	rec->subject = subject;
}

static int exceeds(const custos_ctx *ctx, const cu_role *r, const char *doing)
{
	const char *what;

	if (cu_role_covers(&ctx->role, r, &what))
		return CUSTOS_OK;
	return cu_err(CUSTOS_EDENIED, "principal '%s' may not %s: role '%s' grants %s, which '%s' does not hold",
		ctx->who.name, doing, r->name, what, ctx->who.name);
}

static int need_scope_all(const custos_ctx *ctx, const char *doing)
{
	if (ctx->role.scope == CU_SCOPE_ALL)
		return CUSTOS_OK;
	return cu_err(CUSTOS_EDENIED, "principal '%s' may not %s: that needs a role with scope all", ctx->who.name, doing);
}

/* The target must be another principal, within reach of the actor's scope, and hold no
 * more than the actor (so no one can demote or disable those above them). */
static int reach_principal(custos_ctx *ctx, cu_op *op, const char *name, cu_principal *p, const char *doing)
{
	cu_role current;
	int rc;

	if ((rc = cu_principal_get(op->txn, op->core->keys, name, p)))
		return rc;
	if (p->id == ctx->who.id)
		return cu_err(CUSTOS_EDENIED, "principal '%s' may not %s itself", ctx->who.name, doing);
	if (ctx->role.scope != CU_SCOPE_ALL && (p->team == 0 || p->team != ctx->who.team))
		return cu_err(CUSTOS_EDENIED, "principal '%s' may not %s '%s': not in its team", ctx->who.name, doing, name);
	if ((rc = cu_role_get_id(op->txn, op->core->keys, p->role, &current)))
		return rc;
	return exceeds(ctx, &current, doing);
}

int cu_grant_team_create(custos_ctx *ctx, cu_op *op, const char *name, uint32_t *id, cu_audit_rec *rec)
{
	uint32_t existing;
	int rc;

	if (!cu_name_ok(name))
		return cu_err(CUSTOS_EINVALID, "team name '%.64s' is not valid: use 1 to %u visible characters, no spaces",
			name, CUSTOS_NAME_MAX_BYTES);
	if ((rc = need_scope_all(ctx, "create teams")))
		return rc;
	rc = cu_team_get(op->txn, op->core->keys, name, &existing);
	if (rc != CUSTOS_ENOTFOUND)
		return rc ? rc : cu_err(CUSTOS_EEXISTS, "team '%s' already exists", name);
	if ((rc = cu_access_next_id(op, 2, id)) || (rc = cu_team_put(op, name, *id)) || (rc = cu_access_bump(op)))
		return rc;
	grant_rec(rec, ctx, CUSTOS_GRANT_TEAM_CREATED, *id);
	return CUSTOS_OK;
}

int cu_grant_role_create(custos_ctx *ctx, cu_op *op, const custos_role_options *o, cu_audit_rec *rec)
{
	cu_role r, existing;
	int rc;

	if (!o->name || !cu_name_ok(o->name))
		return cu_err(CUSTOS_EINVALID, "role name '%.64s' is not valid: use 1 to %u visible characters, no spaces",
			o->name ? o->name : "(null)", CUSTOS_NAME_MAX_BYTES);
	if (o->operations & ~CUSTOS_OP_ALL)
		return cu_err(CUSTOS_EINVALID, "role '%s': unknown operation bits 0x%x", o->name, o->operations & ~CUSTOS_OP_ALL);
	if (o->scope < CUSTOS_SCOPE_OWN || o->scope > CUSTOS_SCOPE_ALL)
		return cu_err(CUSTOS_EINVALID, "role '%s': %d is not a scope", o->name, o->scope);
	if (o->visibility_count > CUSTOS_CLASS_COUNT || (o->visibility_count && !o->visibility))
		return cu_err(CUSTOS_EINVALID, "role '%s': visibility_count %zu is not 0 to %d with a visibility array",
			o->name, o->visibility_count, CUSTOS_CLASS_COUNT);
	memset(&r, 0, sizeof r);
	for (size_t c = 0; c < o->visibility_count; c++) {
		if (o->visibility[c] < CUSTOS_VIS_HIDDEN || o->visibility[c] > CUSTOS_VIS_CLEAR)
			return cu_err(CUSTOS_EINVALID, "role '%s': %d is not a visibility", o->name, o->visibility[c]);
		r.vis[c] = (uint8_t)o->visibility[c];
	}
	snprintf(r.name, sizeof r.name, "%s", o->name);
	r.ops = o->operations;
	r.scope = (uint8_t)o->scope;
	if ((rc = exceeds(ctx, &r, "create a role that")))
		return rc;
	rc = cu_role_get(op->txn, op->core->keys, o->name, &existing);
	if (rc != CUSTOS_ENOTFOUND)
		return rc ? rc : cu_err(CUSTOS_EEXISTS, "role '%s' already exists", o->name);
	if ((rc = cu_access_next_id(op, 1, &r.id)) || (rc = cu_role_put(op, &r)) || (rc = cu_access_bump(op)))
		return rc;
	grant_rec(rec, ctx, CUSTOS_GRANT_ROLE_CREATED, r.id);
	return CUSTOS_OK;
}

static int resolve_team(cu_op *op, const char *team, uint32_t *id)
{
	*id = 0;
	return team ? cu_team_get(op->txn, op->core->keys, team, id) : CUSTOS_OK;
}

int cu_grant_principal_create(custos_ctx *ctx, cu_op *op, const char *name, const char *role, const char *team,
	uint32_t *id, cu_audit_rec *rec)
{
	cu_principal p, existing;
	cu_role r;
	int rc;

	if (!cu_name_ok(name))
		return cu_err(CUSTOS_EINVALID, "principal name '%.64s' is not valid: use 1 to %u visible characters, "
			"no spaces", name, CUSTOS_NAME_MAX_BYTES);
	memset(&p, 0, sizeof p);
	if ((rc = cu_role_get(op->txn, op->core->keys, role, &r)) || (rc = resolve_team(op, team, &p.team)))
		return rc;
	if ((rc = exceeds(ctx, &r, "create a principal whose")))
		return rc;
	if (ctx->role.scope != CU_SCOPE_ALL && (p.team == 0 || p.team != ctx->who.team))
		return cu_err(CUSTOS_EDENIED, "principal '%s' may only create principals in its own team", ctx->who.name);
	rc = cu_principal_get(op->txn, op->core->keys, name, &existing);
	if (rc != CUSTOS_ENOTFOUND)
		return rc ? rc : cu_err(CUSTOS_EEXISTS, "principal '%s' already exists", name);
	snprintf(p.name, sizeof p.name, "%s", name);
	p.role = r.id;
	p.created_us = op->now_us;
	if ((rc = cu_access_next_id(op, 0, &p.id)) || (rc = cu_principal_put(op, &p)) || (rc = cu_access_bump(op)))
		return rc;
	*id = p.id;
	grant_rec(rec, ctx, CUSTOS_GRANT_PRINCIPAL_CREATED, p.id);
	return CUSTOS_OK;
}

static int save_change(custos_ctx *ctx, cu_op *op, cu_principal *p, uint32_t change, cu_audit_rec *rec)
{
	int rc;

	p->rights_ver++;
	if ((rc = cu_principal_put(op, p)) || (rc = cu_access_bump(op)))
		return rc;
	grant_rec(rec, ctx, change, p->id);
	return CUSTOS_OK;
}

int cu_grant_set_role(custos_ctx *ctx, cu_op *op, const char *name, const char *role, cu_audit_rec *rec)
{
	cu_principal p;
	cu_role r;
	int rc;

	if ((rc = reach_principal(ctx, op, name, &p, "change the role of")) ||
	    (rc = cu_role_get(op->txn, op->core->keys, role, &r)) || (rc = exceeds(ctx, &r, "give a role that")))
		return rc;
	p.role = r.id;
	return save_change(ctx, op, &p, CUSTOS_GRANT_ROLE_CHANGED, rec);
}

int cu_grant_set_team(custos_ctx *ctx, cu_op *op, const char *name, const char *team, cu_audit_rec *rec)
{
	cu_principal p;
	int rc;

	if ((rc = need_scope_all(ctx, "move principals between teams")) ||
	    (rc = reach_principal(ctx, op, name, &p, "change the team of")) || (rc = resolve_team(op, team, &p.team)))
		return rc;
	return save_change(ctx, op, &p, CUSTOS_GRANT_TEAM_CHANGED, rec);
}

typedef struct holders {
	cu_txn *t;
	const cu_keys *k;
	uint32_t except;
	int count;
} holders;

static int count_access_holder(const cu_principal *p, void *arg)
{
	holders *h = arg;
	cu_role r;
	int rc;

	if (p->id == h->except || (p->flags & CU_PRINCIPAL_DISABLED))
		return CUSTOS_OK;
	if ((rc = cu_role_get_id(h->t, h->k, p->role, &r)))
		return rc;
	h->count += (r.ops & CUSTOS_OP_ACCESS) != 0;
	return CUSTOS_OK;
}

int cu_grant_set_disabled(custos_ctx *ctx, cu_op *op, const char *name, int disabled, cu_audit_rec *rec)
{
	holders h = { op->txn, op->core->keys, 0, 0 };
	cu_principal p;
	int rc;

	if (disabled != 0 && disabled != 1)
		return cu_err(CUSTOS_EINVALID, "disabled is 0 or 1, not %d", disabled);
	if ((rc = reach_principal(ctx, op, name, &p, disabled ? "disable" : "enable")))
		return rc;
	if (!!(p.flags & CU_PRINCIPAL_DISABLED) == disabled)
		return CUSTOS_OK;
	if (disabled) {
		h.except = p.id;
		if ((rc = cu_principal_each(op->txn, op->core->keys, count_access_holder, &h)))
			return rc;
		if (h.count == 0)
			return cu_err(CUSTOS_ESTATE, "'%s' is the last enabled principal that can manage access", name);
		p.flags |= CU_PRINCIPAL_DISABLED;
	} else {
		p.flags &= ~(uint32_t)CU_PRINCIPAL_DISABLED;
	}
	return save_change(ctx, op, &p, disabled ? CUSTOS_GRANT_DISABLED : CUSTOS_GRANT_ENABLED, rec);
}
