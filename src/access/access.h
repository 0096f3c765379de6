/*
 * access/access.h — permission contexts and principals: who acts, and what they may do.
 * Every API call that touches customers, the schema or keys asks here before the model
 * runs. Policy lives here; the model only carries out operations.
 */
#ifndef CU_ACCESS_H
#define CU_ACCESS_H

#include <stdatomic.h>

#include "custos/access.h"
#include "model/core.h"

/* Operations a role can grant. */
enum {
	CU_OP_READ = 1U << 0,
	CU_OP_CREATE = 1U << 1,
	CU_OP_UPDATE = 1U << 2,
	CU_OP_MANAGE_SCHEMA = 1U << 3,
	CU_OP_MANAGE_KEYS = 1U << 4,
	CU_OP_ALL = (1U << 5) - 1
};

struct custos_ctx {
	atomic_int refs;
	custos_db *db;         /* owned by the API layer: it keeps the store alive */
	cu_core *core;
	uint32_t principal_id;
	uint32_t team_id;
	uint32_t ops;          /* CU_OP_* granted */
	unsigned visible;      /* field classes the context may decrypt */
	char *name;
};

/* Store the bootstrap admin principal of a new store. */
int cu_access_bootstrap(cu_op *op, const char *admin_name);
/* Build a context for an existing principal (reads the store). */
int cu_access_ctx_new(custos_ctx **out, cu_core *core, const char *principal);
void cu_access_ctx_destroy(custos_ctx *ctx);
/* CUSTOS_EDENIED unless ctx holds every operation in `need`. */
int cu_access_check(const custos_ctx *ctx, uint32_t need, const char *what);
/* Fill the actor and visibility of an operation from the context. */
void cu_access_apply(const custos_ctx *ctx, cu_op *op);

#endif
