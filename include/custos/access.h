/*
 * custos — access.h: permission contexts, principals, teams and roles, grant changes and
 * the permission review. The host authenticates its users; custos authorises them.
 */
#ifndef CUSTOS_ACCESS_H
#define CUSTOS_ACCESS_H

#include "common.h"
#include "buffer.h"
#include "db.h"

/**
 * @file custos/access.h
 * @brief Permission contexts, principals, teams, roles and the permission review.
 * @defgroup custos_access Permissions
 * @ingroup custos
 *
 * A **principal** is one of the host's users. It has one **role** and belongs to at most
 * one **team**. A role grants a set of operations (`CUSTOS_OP_*`), a scope (its principal's
 * own customers, its team's, or all) and a visibility per field class (clear, masked or
 * hidden).
 *
 * A **context** (custos_ctx_open()) carries one principal's rights into every call. Every
 * call that touches customers, the schema, keys or the audit log takes one and goes through
 * one central check, made after the customer's record is authenticated:
 * - an operation the role does not grant is #CUSTOS_EDENIED;
 * - a customer outside the scope is #CUSTOS_ENOTFOUND to lookups and absent from lists,
 *   finds and counts: "no such customer", "not yours" and "erased" look the same;
 * - fields of a hidden class are absent, fields of a masked class read as masked text
 *   ("c***@example.com", "+852 ****5678", "****4567"); writing or searching a field needs
 *   clear visibility.
 *
 * Built-in roles: `admin` (everything), `manager` (customers of the team, identity masked,
 * reassign, export and import), `sales` (own customers, identity masked, financial hidden),
 * `support` (all customers for reading and updating notes: contact and identity masked,
 * address and financial hidden), `analyst` (aggregates only, no personal data) and
 * `auditor` (the audit log and the permission review only). A new store has one principal,
 * the bootstrap admin.
 *
 * Grant changes need #CUSTOS_OP_ACCESS, are audited, and can never give more than the
 * acting principal holds: no principal can raise its own rights.
 *
 * Threading: a context is immutable once opened and may be shared by threads. If its
 * principal is disabled or its role or team changes, every later call through it fails
 * with #CUSTOS_ESTATE: open a new context (which fails with #CUSTOS_EDENIED for a disabled
 * principal).
 * @{
 */

CUSTOS_BEGIN_DECL

/** A snapshot of who can do what, from custos_access_review(). */
typedef struct custos_review custos_review;

/**
 * @name Operations
 * Bits of a role's operations.
 * @{
 */
#define CUSTOS_OP_READ     0x0001U /**< Read customers (as the role's visibility allows). */
#define CUSTOS_OP_CREATE   0x0002U /**< Create customers. */
#define CUSTOS_OP_UPDATE   0x0004U /**< Change customers' fields. */
#define CUSTOS_OP_ARCHIVE  0x0008U /**< Archive and restore customers. */
#define CUSTOS_OP_ERASE    0x0010U /**< Erase customers for good. */
#define CUSTOS_OP_EXPORT   0x0020U /**< Export customers. */
#define CUSTOS_OP_IMPORT   0x0040U /**< Import customers. */
#define CUSTOS_OP_SEGMENTS 0x0080U /**< Manage segments. */
#define CUSTOS_OP_ACCESS   0x0100U /**< Manage principals, teams, roles and grants. */
#define CUSTOS_OP_AUDIT    0x0200U /**< Read and verify the audit log; review permissions. */
#define CUSTOS_OP_SCHEMA   0x0400U /**< Change the schema. */
#define CUSTOS_OP_KEYS     0x0800U /**< Change the store's secret and keys. */
#define CUSTOS_OP_BACKUP   0x1000U /**< Take and restore backups. */
#define CUSTOS_OP_REPORT   0x2000U /**< Aggregates: counts and reports without personal data. */
#define CUSTOS_OP_REASSIGN 0x4000U /**< Change customers' owner and team. */
#define CUSTOS_OP_ALL      0x7FFFU /**< Every operation. */
/** @} */

/** Which customers a role reaches. */
typedef enum custos_scope {
	CUSTOS_SCOPE_OWN = 1,  /**< Customers its principal owns. */
	CUSTOS_SCOPE_TEAM = 2, /**< Customers of its principal's team (and its own). */
	CUSTOS_SCOPE_ALL = 3   /**< Every customer. */
} custos_scope;

/** How much of a field class a role sees. */
typedef enum custos_visibility {
	CUSTOS_VIS_HIDDEN = 0, /**< Absent: never decrypted. */
	CUSTOS_VIS_MASKED = 1, /**< Decrypted in the library and returned masked, as text. */
	CUSTOS_VIS_CLEAR = 2   /**< Returned as stored. */
} custos_visibility;

/** Definition of a role for custos_role_create(). */
typedef struct custos_role_options {
	unsigned int version;     /**< #CUSTOS_ROLE_OPTIONS_VERSION. */
	const char *name;         /**< 1 to #CUSTOS_NAME_MAX_BYTES visible characters, no spaces. */
	uint32_t operations;      /**< `CUSTOS_OP_*` bits. */
	int scope;                /**< A #custos_scope. */
	const int *visibility;    /**< A #custos_visibility per field class, index = #custos_field_class; NULL: all hidden. */
	size_t visibility_count;  /**< Entries in `visibility`, at most custos_class_count(); classes after them are hidden. */
} custos_role_options;

/** The current version of #custos_role_options. */
#define CUSTOS_ROLE_OPTIONS_VERSION 1
/** Static initialiser for #custos_role_options (no operations, own scope, everything hidden). */
#define CUSTOS_ROLE_OPTIONS_INIT { CUSTOS_ROLE_OPTIONS_VERSION, NULL, 0, CUSTOS_SCOPE_OWN, NULL, 0 }

/**
 * @brief Fill @p opts with defaults for the given structure version.
 * @param[out] opts The structure to fill.
 * @param[in] version #CUSTOS_ROLE_OPTIONS_VERSION.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID if @p opts is NULL, #CUSTOS_EVERSION for an unknown version.
 */
CUSTOS_EXTERN(int) custos_role_options_init(custos_role_options *opts, unsigned int version);

/**
 * @brief sizeof(#custos_role_options) in this library, for FFI bindings that mirror the struct.
 * @return The size in bytes.
 */
CUSTOS_EXTERN(size_t) custos_role_options_size(void);

/**
 * @brief Open a permission context for an existing, enabled principal.
 * Opening checks that the store's principals, roles, teams, schema, counters and keys are
 * the ones the audit log's head recorded (one pass over those records, not over the
 * customers), so a principal record put back from an older copy (an undone demotion or
 * disable) is refused here.
 * @param[out] out Receives the context, owned by the caller.
 * @param[in] db The store.
 * @param[in] principal The principal's name, such as the bootstrap admin "admin".
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such principal), #CUSTOS_EDENIED (disabled),
 *         #CUSTOS_EAUTH (those records were altered or rolled back; the message says which
 *         kind), #CUSTOS_EINVALID, #CUSTOS_ESTATE (store closed), #CUSTOS_ENOMEM or a backend
 *         error.
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

/**
 * @brief Does the context hold every operation in @p operations?
 * @param[in] ctx The context.
 * @param[in] operations `CUSTOS_OP_*` bits.
 * @return 1 or 0 (0 for NULL).
 */
CUSTOS_EXTERN(int) custos_ctx_can(const custos_ctx *ctx, uint32_t operations);

/**
 * @brief Create a team.
 * @param[out] id_out Receives the team's id; may be NULL.
 * @param[in] ctx A context holding #CUSTOS_OP_ACCESS with scope all.
 * @param[in] name 1 to #CUSTOS_NAME_MAX_BYTES visible characters, no spaces.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EEXISTS, #CUSTOS_EDENIED, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_team_create(uint32_t *id_out, custos_ctx *ctx, const char *name) CUSTOS_WARN_UNUSED;

/**
 * @brief The name of the principal with id @p id: a customer's owner
 *        (custos_customer_owner()), an audit entry's actor.
 * @param[out] out Receives the name (caller-owned; release with custos_buf_dispose()).
 * @param[in] ctx A context holding #CUSTOS_OP_READ, #CUSTOS_OP_REPORT, #CUSTOS_OP_AUDIT or
 *            #CUSTOS_OP_ACCESS.
 * @param[in] id The principal's id.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE,
 *         #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_principal_name(custos_buf *out, custos_ctx *ctx, uint32_t id) CUSTOS_WARN_UNUSED;

/**
 * @brief The name of the team with id @p id: a customer's team (custos_customer_team()).
 * @param[out] out Receives the name (caller-owned; release with custos_buf_dispose()).
 * @param[in] ctx A context holding #CUSTOS_OP_READ, #CUSTOS_OP_REPORT, #CUSTOS_OP_AUDIT or
 *            #CUSTOS_OP_ACCESS.
 * @param[in] id The team's id (0 is no team: #CUSTOS_ENOTFOUND).
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE,
 *         #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_team_name(custos_buf *out, custos_ctx *ctx, uint32_t id) CUSTOS_WARN_UNUSED;

/**
 * @brief Create a role. It may not grant more than the acting principal holds.
 * @param[in] ctx A context holding #CUSTOS_OP_ACCESS.
 * @param[in] opts The role's definition.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EVERSION, #CUSTOS_EEXISTS (name taken),
 *         #CUSTOS_EDENIED (more than the actor holds), #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_role_create(custos_ctx *ctx, const custos_role_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief Read a role's definition.
 * @param[out] operations Receives the `CUSTOS_OP_*` bits; may be NULL.
 * @param[out] scope Receives the #custos_scope; may be NULL.
 * @param[out] visibility Receives a #custos_visibility per field class, index =
 *             #custos_field_class, for the first @p visibility_count classes; may be NULL.
 * @param[in] visibility_count Entries @p visibility has room for (custos_class_count()
 *            gives them all; fewer is fine).
 * @param[in] ctx A context of the store.
 * @param[in] role The role's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_role_describe(uint32_t *operations, int *scope, int *visibility, size_t visibility_count,
	custos_ctx *ctx, const char *role);

/**
 * @brief Create a principal with a role and, optionally, a team.
 *
 * The role may not grant more than the acting principal holds. A context of scope team
 * may only create principals in its own team.
 * @param[out] id_out Receives the principal's id; may be NULL.
 * @param[in] ctx A context holding #CUSTOS_OP_ACCESS.
 * @param[in] name 1 to #CUSTOS_NAME_MAX_BYTES visible characters, no spaces.
 * @param[in] role An existing role.
 * @param[in] team An existing team, or NULL.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EEXISTS, #CUSTOS_ENOTFOUND (role or team),
 *         #CUSTOS_EDENIED, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_principal_create(uint32_t *id_out, custos_ctx *ctx, const char *name, const char *role,
	const char *team) CUSTOS_WARN_UNUSED;

/**
 * @brief Give a principal another role. Never the acting principal itself, never a role
 *        granting more than the actor holds.
 * @param[in] ctx A context holding #CUSTOS_OP_ACCESS.
 * @param[in] principal The principal to change.
 * @param[in] role An existing role.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_principal_set_role(custos_ctx *ctx, const char *principal, const char *role) CUSTOS_WARN_UNUSED;

/**
 * @brief Move a principal to another team, or to none with NULL.
 *
 * Customers keep their team; reassign them with custos_customer_reassign_all().
 * @param[in] ctx A context holding #CUSTOS_OP_ACCESS with scope all.
 * @param[in] principal The principal to change (not the acting one).
 * @param[in] team An existing team, or NULL.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_principal_set_team(custos_ctx *ctx, const char *principal, const char *team) CUSTOS_WARN_UNUSED;

/**
 * @brief Disable or enable a principal. Contexts of a disabled principal stop working at once.
 *
 * A principal cannot disable itself, and the last enabled principal holding
 * #CUSTOS_OP_ACCESS cannot be disabled.
 * @param[in] ctx A context holding #CUSTOS_OP_ACCESS (and, for scope team, the same team).
 * @param[in] principal The principal.
 * @param[in] disabled 1 to disable, 0 to enable.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_principal_set_disabled(custos_ctx *ctx, const char *principal, int disabled) CUSTOS_WARN_UNUSED;

/**
 * @brief Review who can do what: per principal its role, team, scope, operations, visible
 *        classes, last activity, and the operations it holds but has not used for @p unused_days.
 *
 * Use is recorded per operation and day as calls are audited.
 * @param[out] out Receives the snapshot, owned by the caller.
 * @param[in] ctx A context holding #CUSTOS_OP_AUDIT or #CUSTOS_OP_ACCESS.
 * @param[in] unused_days An operation unused for at least this many days is reported unused.
 * @return #CUSTOS_OK, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_access_review(custos_review **out, custos_ctx *ctx, uint32_t unused_days) CUSTOS_WARN_UNUSED;

/**
 * @brief Free a review.
 * @param[in] review The review; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_review_free(custos_review *review);

/**
 * @brief Number of principals in the review.
 * @param[in] review The review.
 * @return The count, 0 for NULL.
 */
CUSTOS_EXTERN(size_t) custos_review_count(const custos_review *review);

/**
 * @brief Name of principal @p i.
 * @param[in] review The review.
 * @param[in] i 0 to custos_review_count() - 1.
 * @return A string borrowed from the review, or NULL out of range.
 */
CUSTOS_EXTERN(const char *) custos_review_principal(const custos_review *review, size_t i);

/**
 * @brief Role of principal @p i.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return A string borrowed from the review, or NULL out of range.
 */
CUSTOS_EXTERN(const char *) custos_review_role(const custos_review *review, size_t i);

/**
 * @brief Team of principal @p i.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return A string borrowed from the review ("" for no team), or NULL out of range.
 */
CUSTOS_EXTERN(const char *) custos_review_team(const custos_review *review, size_t i);

/**
 * @brief Is principal @p i disabled?
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return 1 or 0 (0 out of range).
 */
CUSTOS_EXTERN(int) custos_review_disabled(const custos_review *review, size_t i);

/**
 * @brief Scope of principal @p i.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return A #custos_scope, or 0 out of range.
 */
CUSTOS_EXTERN(int) custos_review_scope(const custos_review *review, size_t i);

/**
 * @brief Operations of principal @p i.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return `CUSTOS_OP_*` bits, or 0 out of range.
 */
CUSTOS_EXTERN(uint32_t) custos_review_operations(const custos_review *review, size_t i);

/**
 * @brief Visibility of a field class for principal @p i.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @param[in] field_class A #custos_field_class.
 * @return A #custos_visibility (#CUSTOS_VIS_HIDDEN out of range).
 */
CUSTOS_EXTERN(int) custos_review_visibility(const custos_review *review, size_t i, int field_class);

/**
 * @brief When principal @p i last made an audited call.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return Seconds since the Unix epoch at day resolution, or 0 if never (or out of range).
 */
CUSTOS_EXTERN(int64_t) custos_review_last_active(const custos_review *review, size_t i);

/**
 * @brief Operations principal @p i holds but has not used for the review's number of days.
 * @param[in] review The review.
 * @param[in] i The principal's position.
 * @return `CUSTOS_OP_*` bits, or 0 out of range.
 */
CUSTOS_EXTERN(uint32_t) custos_review_unused(const custos_review *review, size_t i);

/**
 * @brief Name of an operation bit, such as "read".
 * @param[in] operation One `CUSTOS_OP_*` bit.
 * @return A static string, or NULL if @p operation is not exactly one operation bit.
 */
CUSTOS_EXTERN(const char *) custos_operation_name(uint32_t operation);

/**
 * @brief Parse the name of an operation.
 * @param[out] out Receives the `CUSTOS_OP_*` bit.
 * @param[in] name A name as returned by custos_operation_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_operation_parse(uint32_t *out, const char *name);

/**
 * @brief Name of a scope: "own", "team" or "all".
 * @param[in] scope A #custos_scope.
 * @return A static string, or NULL for an unknown value.
 */
CUSTOS_EXTERN(const char *) custos_scope_name(int scope);

/**
 * @brief Parse the name of a scope.
 * @param[out] out Receives the #custos_scope.
 * @param[in] name A name as returned by custos_scope_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_scope_parse(int *out, const char *name);

/**
 * @brief Name of a visibility: "hidden", "masked" or "clear".
 * @param[in] visibility A #custos_visibility.
 * @return A static string, or NULL for an unknown value.
 */
CUSTOS_EXTERN(const char *) custos_visibility_name(int visibility);

/**
 * @brief Parse the name of a visibility.
 * @param[out] out Receives the #custos_visibility.
 * @param[in] name A name as returned by custos_visibility_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_visibility_parse(int *out, const char *name);

CUSTOS_END_DECL

/** @} */

#endif
