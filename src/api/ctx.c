/*
 * api/ctx.c — opening and freeing permission contexts.
 */
#include "api/api.h"

int custos_ctx_open(custos_ctx **out, custos_db *db, const char *principal)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_ctx_open", "out");
	*out = NULL;
	if (!db)
		return cu_null_arg("custos_ctx_open", "db");
	if (!principal)
		return cu_null_arg("custos_ctx_open", "principal");
	if (db->closed)
		return cu_err(CUSTOS_ESTATE, "the store has been closed");
	if ((rc = cu_access_ctx_new(out, &db->core, principal)))
		return rc;
	(*out)->db = db;
	cu_db_ref(db);
	return CUSTOS_OK;
}

void custos_ctx_free(custos_ctx *ctx)
{
	cu_ctx_unref(ctx);
}

const char *custos_ctx_principal(const custos_ctx *ctx)
{
	return ctx ? ctx->who.name : "";
}

uint32_t custos_ctx_principal_id(const custos_ctx *ctx)
{
	return ctx ? ctx->who.id : 0;
}

int custos_ctx_can(const custos_ctx *ctx, uint32_t operations)
{
	return ctx && operations && (ctx->role.ops & operations) == operations;
}
