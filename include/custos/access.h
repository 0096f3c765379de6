/*
 * custos — access.h: permission contexts, the handle every customer-touching call goes through.
 */
#ifndef CUSTOS_ACCESS_H
#define CUSTOS_ACCESS_H

#include "common.h"
#include "db.h"

/**
 * @file custos/access.h
 * @brief Permission contexts.
 * @defgroup custos_access Permission contexts
 * @ingroup custos
 *
 * The host authenticates its users; custos authorises them. A context names the principal
 * on whose behalf calls are made; every call that touches customers, the schema or keys
 * takes one and is checked against it.
 *
 * Threading: a context is immutable once opened and may be shared by threads.
 * @{
 */

CUSTOS_BEGIN_DECL

/**
 * @brief Open a permission context for an existing principal.
 * @param[out] out Receives the context, owned by the caller.
 * @param[in] db The store.
 * @param[in] principal The principal's name, such as the bootstrap admin "admin".
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such principal), #CUSTOS_EINVALID,
 *         #CUSTOS_ESTATE (store closed), #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_ctx_open(custos_ctx **out, custos_db *db, const char *principal) CUSTOS_WARN_UNUSED;

/**
 * @brief Free a context.
 * @param[in] ctx The context; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_ctx_free(custos_ctx *ctx);

/**
 * @brief The name of the context's principal.
 * @param[in] ctx The context.
 * @return A string borrowed from @p ctx, valid until it is freed; "" for NULL.
 */
CUSTOS_EXTERN(const char *) custos_ctx_principal(const custos_ctx *ctx);

/**
 * @brief The numeric id of the context's principal, as stored in customer owners.
 * @param[in] ctx The context.
 * @return The id (>= 1), or 0 for NULL.
 */
CUSTOS_EXTERN(uint32_t) custos_ctx_principal_id(const custos_ctx *ctx);

CUSTOS_END_DECL

/** @} */

#endif
