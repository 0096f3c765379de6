/*
 * api/access.c — principals, teams, roles and the permission review.
 */
#include <string.h>

#include "api/api.h"

size_t custos_role_options_size(void) { return sizeof(custos_role_options); }

static const char *const op_names[] = {
	"read", "create", "update", "archive", "erase", "export", "import", "segments", "access", "audit", "schema",
	"keys", "backup", "report", "reassign",
};

const char *custos_operation_name(uint32_t operation)
{
	for (unsigned i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (operation == 1U << i)
			return op_names[i];
	return NULL;
}

int custos_operation_parse(uint32_t *out, const char *name)
{
	if (!out || !name)
		return cu_null_arg("custos_operation_parse", out ? "name" : "out");
	for (unsigned i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (!strcmp(op_names[i], name)) {
			*out = 1U << i;
			return CUSTOS_OK;
		}
	return cu_err(CUSTOS_EINVALID, "'%.64s' is not an operation", name);
}

int custos_role_options_init(custos_role_options *opts, unsigned int version)
{
	int rc;

	if (!opts)
		return cu_null_arg("custos_role_options_init", "opts");
	if ((rc = cu_check_version(version, CUSTOS_ROLE_OPTIONS_VERSION, "custos_role_options")))
		return rc;
	memset(opts, 0, sizeof *opts);
	opts->version = version;
	opts->scope = CUSTOS_SCOPE_OWN;
	return CUSTOS_OK;
}

/* One grant change: a write transaction running `change`, audited as a grant. */
typedef struct grant {
	custos_ctx *ctx;
	const char *name, *role, *team;
	const custos_role_options *opts;
	int flag;
	uint32_t id;
	int (*change)(struct grant *g, cu_op *op);
	cu_audit_rec audit;
} grant;

static int grant_fn(cu_op *op, void *arg)
{
	grant *g = arg;
	return g->change(g, op);
}

static int run_grant(custos_ctx *ctx, grant *g)
{
	g->ctx = ctx;
	return cu_run_write(ctx, CUSTOS_OP_ACCESS, "manage access", 0, grant_fn, g, &g->audit);
}

static int do_team(grant *g, cu_op *op) { return cu_grant_team_create(g->ctx, op, g->name, &g->id, &g->audit); }
static int do_role(grant *g, cu_op *op) { return cu_grant_role_create(g->ctx, op, g->opts, &g->audit); }
static int do_principal(grant *g, cu_op *op)
{
	return cu_grant_principal_create(g->ctx, op, g->name, g->role, g->team, &g->id, &g->audit);
}
static int do_set_role(grant *g, cu_op *op) { return cu_grant_set_role(g->ctx, op, g->name, g->role, &g->audit); }
static int do_set_team(grant *g, cu_op *op) { return cu_grant_set_team(g->ctx, op, g->name, g->team, &g->audit); }
static int do_disable(grant *g, cu_op *op) { return cu_grant_set_disabled(g->ctx, op, g->name, g->flag, &g->audit); }

int custos_team_create(uint32_t *id_out, custos_ctx *ctx, const char *name)
{
	grant g = { 0 };
	int rc;

	if (!name)
		return cu_null_arg("custos_team_create", "name");
	g.name = name;
	g.change = do_team;
	if (!(rc = run_grant(ctx, &g)) && id_out)
		*id_out = g.id;
	return rc;
}

int custos_role_create(custos_ctx *ctx, const custos_role_options *opts)
{
	grant g = { 0 };
	int rc;

	if (!opts)
		return cu_null_arg("custos_role_create", "opts");
	if ((rc = cu_check_version(opts->version, CUSTOS_ROLE_OPTIONS_VERSION, "custos_role_options")))
		return rc;
	g.opts = opts;
	g.change = do_role;
	return run_grant(ctx, &g);
}

int custos_principal_create(uint32_t *id_out, custos_ctx *ctx, const char *name, const char *role, const char *team)
{
	grant g = { 0 };
	int rc;

	if (!name || !role)
		return cu_null_arg("custos_principal_create", name ? "role" : "name");
	g.name = name;
	g.role = role;
	g.team = team;
	g.change = do_principal;
	if (!(rc = run_grant(ctx, &g)) && id_out)
		*id_out = g.id;
	return rc;
}

int custos_principal_set_role(custos_ctx *ctx, const char *principal, const char *role)
{
	grant g = { 0 };

	if (!principal || !role)
		return cu_null_arg("custos_principal_set_role", principal ? "role" : "principal");
	g.name = principal;
	g.role = role;
	g.change = do_set_role;
	return run_grant(ctx, &g);
}

int custos_principal_set_team(custos_ctx *ctx, const char *principal, const char *team)
{
	grant g = { 0 };

	if (!principal)
		return cu_null_arg("custos_principal_set_team", "principal");
	g.name = principal;
	g.team = team;
	g.change = do_set_team;
	return run_grant(ctx, &g);
}

int custos_principal_set_disabled(custos_ctx *ctx, const char *principal, int disabled)
{
	grant g = { 0 };

	if (!principal)
		return cu_null_arg("custos_principal_set_disabled", "principal");
	g.name = principal;
	g.flag = disabled;
	g.change = do_disable;
	return run_grant(ctx, &g);
}

typedef struct describe_args {
	const char *name;
	cu_role role;
} describe_args;

static int describe_fn(cu_op *op, void *arg)
{
	describe_args *a = arg;
	return cu_role_get(op->txn, op->core->keys, a->name, &a->role);
}

int custos_role_describe(uint32_t *operations, int *scope, int *visibility, size_t visibility_count, custos_ctx *ctx,
	const char *role)
{
	describe_args a = { role, { 0 } };
	int rc;

	if (!role)
		return cu_null_arg("custos_role_describe", "role");
	if ((rc = cu_run_read(ctx, CUSTOS_OP_ALL, "read roles", describe_fn, &a)))
		return rc;
	if (operations)
		*operations = a.role.ops;
	if (scope)
		*scope = a.role.scope;
	for (size_t c = 0; visibility && c < visibility_count && c < CUSTOS_CLASS_COUNT; c++)
		visibility[c] = a.role.vis[c];
	return CUSTOS_OK;
}

int custos_access_review(custos_review **out, custos_ctx *ctx, uint32_t unused_days)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_access_review", "out");
	*out = NULL;
	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check_any(ctx, CUSTOS_OP_AUDIT | CUSTOS_OP_ACCESS, "review permissions")))
		return rc;
	if ((rc = cu_review_build(out, ctx->core, unused_days)))
		return rc;
	if ((rc = cu_log_read(ctx, CUSTOS_AUDIT_AUDIT, ctx->role.ops & (CUSTOS_OP_AUDIT | CUSTOS_OP_ACCESS), 0, 0, CUSTOS_OK, 3))) {
		custos_review_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- names of principals and teams ---- */

typedef struct name_args {
	uint32_t id;
	int team;
	char name[CU_NAME_BUF];
} name_args;

static int name_fn(cu_op *op, void *arg)
{
	name_args *a = arg;
	cu_principal p;
	int rc;

	if (a->team) {
		if (a->id == 0)
			return cu_err(CUSTOS_ENOTFOUND, "team 0 is no team");
		rc = cu_team_name(op->txn, op->core->keys, a->id, a->name);
		return rc == CUSTOS_ECORRUPT ? cu_err(CUSTOS_ENOTFOUND, "no team with id %u", a->id) : rc;
	}
	if ((rc = cu_principal_get_id(op->txn, op->core->keys, a->id, &p)))
		return rc;
	memcpy(a->name, p.name, sizeof a->name);
	return CUSTOS_OK;
}

/* Owners, teams and audit actors are ids: whoever may read customers, the log or the
 * rights may see whose they are. */
static int name_of_id(custos_buf *out, custos_ctx *ctx, uint32_t id, int team, const char *fn)
{
	name_args a;
	size_t n;
	int rc;

	if (!out)
		return cu_null_arg(fn, "out");
	custos_buf_dispose(out);
	memset(&a, 0, sizeof a);
	a.id = id;
	a.team = team;
	if ((rc = cu_run_read(ctx, CUSTOS_OP_READ | CUSTOS_OP_REPORT | CUSTOS_OP_AUDIT | CUSTOS_OP_ACCESS,
		team ? "read team names" : "read principal names", name_fn, &a)))
		return rc;
	n = strlen(a.name);
	if (!(out->ptr = cu_malloc(n + 1)))
		return cu_err_oom();
	memcpy(out->ptr, a.name, n + 1);
	out->size = n;
	out->reserved = n + 1;
	return CUSTOS_OK;
}

int custos_principal_name(custos_buf *out, custos_ctx *ctx, uint32_t id)
{
	return name_of_id(out, ctx, id, 0, "custos_principal_name");
}

int custos_team_name(custos_buf *out, custos_ctx *ctx, uint32_t id)
{
	return name_of_id(out, ctx, id, 1, "custos_team_name");
}
