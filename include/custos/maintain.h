/*
 * custos — maintain.h: retention policies stored in the store, and the maintenance run
 * that applies them in bounded batches.
 */
#ifndef CUSTOS_MAINTAIN_H
#define CUSTOS_MAINTAIN_H

#include "common.h"
#include "db.h"

/**
 * @file custos/maintain.h
 * @brief Retention and lifecycle policies, applied by custos_maintain().
 * @defgroup custos_maintain Maintenance
 * @ingroup custos
 *
 * A store keeps up to #CUSTOS_POLICY_MAX policies, in order. Each moves customers of one
 * state to another when its rule holds at the time maintenance runs:
 *
 * | rule | holds when | for example |
 * |---|---|---|
 * | #CUSTOS_RULE_INACTIVE | no purchase and no interaction for `days` days (a customer without either: since it was created) | active → dormant after 180 days, dormant → churned after 365 |
 * | #CUSTOS_RULE_ORDERS | at least `orders` purchases dated in the last `days` days | active → loyal at 5 orders in 365 days |
 * | #CUSTOS_RULE_ARCHIVED | archived for `days` days (since its record was last written: archived, or reassigned) | archived → erased after 730 days |
 *
 * custos_policy_set() refuses a policy that would erase customers who are not archived,
 * one whose move the store's table of lifecycle moves does not allow, and rules used with
 * states they do not fit. A customer meets at most one policy per run: the first, in the
 * stored order, whose state and rule match.
 *
 * custos_maintain() then applies them, and also expires loyalty points as of its time
 * (custos_points_expire()) and brings the `interactions_30d` and `interactions_90d` of
 * every customer that is not archived to the counts of the 30 and 90 days before that
 * time. It reads the
 * customers a page at a time in short read transactions and writes what changes in write
 * transactions of at most #CUSTOS_MAINTAIN_BATCH customers each, so it never holds the
 * store's writer for long; each write transaction checks again, on the authenticated
 * record, that the move still applies, so a run is idempotent and may be stopped at any
 * point (a crash or a kill loses only the batch under way, which the next run redoes).
 * Every move and erasure is audited like its call (#CUSTOS_AUDIT_LIFECYCLE,
 * #CUSTOS_AUDIT_ERASE), and each run adds one #CUSTOS_AUDIT_MAINTAIN entry.
 *
 * Threading: custos_maintain() may run while other threads read and write the store.
 * @{
 */

CUSTOS_BEGIN_DECL

/** The most policies a store keeps. */
#define CUSTOS_POLICY_MAX 16
/** The most customers custos_maintain() writes in one transaction. */
#define CUSTOS_MAINTAIN_BATCH 256

/** What a policy's rule looks at. */
typedef enum custos_rule {
	CUSTOS_RULE_INACTIVE = 1, /**< No purchase or interaction for `days` days. */
	CUSTOS_RULE_ORDERS = 2,   /**< At least `orders` purchases in the last `days` days. */
	CUSTOS_RULE_ARCHIVED = 3  /**< Archived for `days` days. */
} custos_rule;

/** One policy. Set `version` with #CUSTOS_POLICY_INIT. */
typedef struct custos_policy {
	unsigned int version; /**< #CUSTOS_POLICY_VERSION. */
	int from;             /**< The state it applies to (a #custos_state). */
	int to;               /**< The state it moves to: a working state, archived, or erased (from archived only). */
	int rule;             /**< A #custos_rule. */
	uint32_t days;        /**< The rule's number of days, 1 to 36,500. */
	uint32_t orders;      /**< #CUSTOS_RULE_ORDERS: the purchases needed, 1 to 1,000,000; 0 otherwise. */
} custos_policy;
/** The current version of #custos_policy. */
#define CUSTOS_POLICY_VERSION 1
/** Static initialiser for #custos_policy. */
#define CUSTOS_POLICY_INIT { CUSTOS_POLICY_VERSION, 0, 0, 0, 0, 0 }

/** Options for custos_maintain(). Set `version` with #CUSTOS_MAINTAIN_OPTIONS_INIT. */
typedef struct custos_maintain_options {
	unsigned int version;   /**< #CUSTOS_MAINTAIN_OPTIONS_VERSION. */
	uint64_t after_id;      /**< Start after this customer id: 0 for a whole run, or the `next_id` a report gave. */
	uint64_t max_customers; /**< Stop after examining this many customers (0: no limit); the report says where to go on. */
} custos_maintain_options;
/** The current version of #custos_maintain_options. */
#define CUSTOS_MAINTAIN_OPTIONS_VERSION 1
/** Static initialiser for #custos_maintain_options. */
#define CUSTOS_MAINTAIN_OPTIONS_INIT { CUSTOS_MAINTAIN_OPTIONS_VERSION, 0, 0 }

/** What custos_maintain() did. */
typedef struct custos_maintain_report {
	uint64_t examined;                 /**< Customers looked at (archived ones included). */
	uint64_t moved[CUSTOS_POLICY_MAX]; /**< Per policy, in stored order: customers it moved (or erased). */
	uint64_t points_expired;           /**< Expiry events appended (custos_points_expire()); only in a run that started at id 0. */
	uint64_t recounted;                /**< Customers whose interaction counts were brought up to date. */
	uint64_t batches;                  /**< Write transactions committed. */
	int64_t longest_batch_us;          /**< The longest of them, in microseconds. */
	uint64_t next_id;                  /**< 0 when the run reached the last customer; otherwise pass it as `after_id` to go on. */
} custos_maintain_report;

/**
 * @brief Replace the store's policies. Audited (#CUSTOS_AUDIT_SCHEMA).
 * @param[in] ctx A context holding #CUSTOS_OP_SCHEMA.
 * @param[in] policies The policies, in the order they are tried; NULL when @p n is 0.
 * @param[in] n How many, 0 to #CUSTOS_POLICY_MAX (0 removes every policy).
 * @return #CUSTOS_OK; #CUSTOS_EINVALID naming the policy and what is wrong with it (a
 *         policy that would erase customers who are not archived, a move the table does
 *         not allow, a rule that does not fit its states, days or orders out of range);
 *         #CUSTOS_EVERSION; #CUSTOS_EDENIED; #CUSTOS_ESTATE or a backend error. On failure
 *         the stored policies are unchanged.
 */
CUSTOS_EXTERN(int) custos_policy_set(custos_ctx *ctx, const custos_policy *policies, size_t n) CUSTOS_WARN_UNUSED;

/**
 * @brief Read the store's policies.
 * @param[out] out Receives up to @p max policies, in order.
 * @param[in] max The room in @p out.
 * @param[out] n Receives how many the store keeps (may exceed @p max).
 * @param[in] ctx A context of the store (any rights).
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ECORRUPT (the stored policies are
 *         damaged), #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_policy_get(custos_policy *out, size_t max, size_t *n, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Apply the store's policies as of a time, expire points, recount interactions.
 * @param[out] report Receives what was done (may be NULL).
 * @param[in] ctx A context holding #CUSTOS_OP_UPDATE, and #CUSTOS_OP_ARCHIVE or
 *            #CUSTOS_OP_ERASE when a policy archives or erases. Its scope limits what
 *            it reaches.
 * @param[in] now_us The time the policies are evaluated at, in microseconds since the
 *            epoch, at most a day after the clock's time (a later date than the clock's
 *            cannot be simulated: expiry events would be dated after it).
 * @param[in] opts Options, or NULL for a whole run.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EVERSION, #CUSTOS_EDENIED (a right a
 *         policy needs), #CUSTOS_EAUTH or #CUSTOS_ECORRUPT (a damaged record or summary,
 *         named), #CUSTOS_ESTATE or a backend error. What committed before a failure
 *         stands; the report counts it.
 */
CUSTOS_EXTERN(int) custos_maintain(custos_maintain_report *report, custos_ctx *ctx, int64_t now_us,
	const custos_maintain_options *opts) CUSTOS_WARN_UNUSED;

/** @brief The name of a rule: "inactive", "orders", "archived". @param[in] rule A #custos_rule.
 *  @return A static string, or NULL for an unknown rule. */
CUSTOS_EXTERN(const char *) custos_rule_name(int rule);
/** @brief Parse a rule's name. @param[out] out Receives the #custos_rule. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID. */
CUSTOS_EXTERN(int) custos_rule_parse(int *out, const char *name);
/** @brief sizeof(#custos_policy), for FFI bindings. @return The size in bytes. */
CUSTOS_EXTERN(size_t) custos_policy_size(void);
/** @brief sizeof(#custos_maintain_options), for FFI bindings. @return The size in bytes. */
CUSTOS_EXTERN(size_t) custos_maintain_options_size(void);
/** @brief sizeof(#custos_maintain_report), for FFI bindings. @return The size in bytes. */
CUSTOS_EXTERN(size_t) custos_maintain_report_size(void);

CUSTOS_END_DECL

/** @} */

#endif
