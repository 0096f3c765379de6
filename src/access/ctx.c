/*
 * access/ctx.c — principals in the principals bucket and contexts built from them.
 */
#include <string.h>

#include "access/access.h"
#include "custos/global.h"
#include "model/meta.h"
#include "util/alloc.h"
#include "util/error.h"

#define PRINCIPAL_FORMAT 1
#define PRINCIPAL_BYTES (1 + 4 + 4 + 4 + 4)
#define ROLE_ADMIN 1

static int principal_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CUSTOS_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x21 || name[i] == 0x7F)
			return 0;
	return 1;
}

int cu_access_bootstrap(cu_op *op, const char *admin_name)
{
	unsigned char v[PRINCIPAL_BYTES];

	if (!principal_name_ok(admin_name))
		return cu_err(CUSTOS_EINVALID, "admin name '%s' is not valid: use 1 to %u visible characters, no spaces",
			admin_name, CUSTOS_NAME_MAX_BYTES);
	v[0] = PRINCIPAL_FORMAT;
	cu_put_u32le(v + 1, 1);           /* id */
	cu_put_u32le(v + 5, 0);           /* team */
	cu_put_u32le(v + 9, ROLE_ADMIN);  /* role */
	cu_put_u32le(v + 13, 0);          /* flags */
	return cu_sealed_put(op->txn, op->core->keys, CU_B_PRINCIPALS, admin_name, strlen(admin_name), v, sizeof v);
}

typedef struct lookup {
	const char *name;
	cu_bytes rec;
} lookup;

typedef struct lookup_args {
	cu_core *core;
	lookup l;
} lookup_args;

static int principal_fn(cu_txn *t, void *arg)
{
	lookup_args *a = arg;
	int rc = cu_sealed_get(t, a->core->keys, CU_B_PRINCIPALS, a->l.name, strlen(a->l.name), &a->l.rec);

	if (rc == CUSTOS_ENOTFOUND)
		return cu_err(CUSTOS_ENOTFOUND, "no principal named '%s'", a->l.name);
	return rc;
}

int cu_access_ctx_new(custos_ctx **out, cu_core *core, const char *principal)
{
	lookup_args a = { core, { principal, CU_BYTES_INIT } };
	custos_ctx *ctx;
	int rc;

	if (!principal_name_ok(principal))
		return cu_err(CUSTOS_EINVALID, "principal name '%.64s' is not valid", principal);
	if ((rc = cu_store_read(&core->store, principal_fn, &a)))
		goto out;
	if (a.l.rec.len != PRINCIPAL_BYTES || a.l.rec.p[0] != PRINCIPAL_FORMAT) {
		rc = cu_err(CUSTOS_ECORRUPT, "the record of principal '%s' is damaged", principal);
		goto out;
	}
	if (!(ctx = cu_calloc(1, sizeof *ctx)) || !(ctx->name = cu_strdup(principal))) {
		cu_free(ctx);
		rc = cu_err_oom();
		goto out;
	}
	atomic_init(&ctx->refs, 1);
	ctx->core = core;
	ctx->principal_id = cu_get_u32le(a.l.rec.p + 1);
	ctx->team_id = cu_get_u32le(a.l.rec.p + 5);
	ctx->ops = cu_get_u32le(a.l.rec.p + 9) == ROLE_ADMIN ? CU_OP_ALL : CU_OP_READ;
	ctx->visible = (1U << CUSTOS_CLASS_COUNT) - 1;
	*out = ctx;
out:
	cu_bytes_free(&a.l.rec);
	return rc;
}

void cu_access_ctx_destroy(custos_ctx *ctx)
{
	if (!ctx)
		return;
	cu_free(ctx->name);
	cu_free(ctx);
}

int cu_access_check(const custos_ctx *ctx, uint32_t need, const char *what)
{
	if ((ctx->ops & need) != need)
		return cu_err(CUSTOS_EDENIED, "principal '%s' may not %s", ctx->name, what);
	return CUSTOS_OK;
}

void cu_access_apply(const custos_ctx *ctx, cu_op *op)
{
	op->actor = ctx->principal_id;
	op->actor_team = ctx->team_id;
	op->visible = ctx->visible;
}
