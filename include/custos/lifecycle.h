/*
 * custos — lifecycle.h: a customer's lifecycle state, the table of allowed moves,
 * archiving and restoring, and erasure.
 */
#ifndef CUSTOS_LIFECYCLE_H
#define CUSTOS_LIFECYCLE_H

#include "common.h"
#include "customer.h"
#include "db.h"

/**
 * @file custos/lifecycle.h
 * @brief Lifecycle states, the moves between them, archiving and erasure.
 * @defgroup custos_lifecycle Lifecycle
 * @ingroup custos
 *
 * Every customer is in one lifecycle state. A new customer is a lead. A principal holding
 * #CUSTOS_OP_UPDATE moves a customer with custos_lifecycle_move() along the store's table
 * of allowed moves (custos_lifecycle_allowed()). By default the table allows every
 * forward move between the six working states, from a state to any later one in the
 * order lead, prospect, active, loyal, dormant, churned, and no move back. A principal
 * holding #CUSTOS_OP_SCHEMA may change the table (custos_lifecycle_allow()); a move back
 * that the table allows still needs #CUSTOS_OP_ARCHIVE as well. Archived and erased are
 * not in the table: custos_customer_archive(), custos_customer_restore() and
 * custos_customer_erase() reach them.
 *
 * One move is made by custos itself: a purchase appended to a lead, a prospect, a dormant
 * or a churned customer moves it to active in the transaction of the purchase, whatever
 * the table says (reason "purchase").
 *
 * Every move, archive and restore makes a new record version and records, in the
 * customer's history in the same transaction, who moved it, when, from which state to
 * which, and why (custos_change_state_from(), custos_change_state_to(),
 * custos_change_reason()); the reason is encrypted under the customer's key like the
 * old values of its fields. Each is audited (#CUSTOS_AUDIT_LIFECYCLE).
 *
 * **Archived customers** are read-only (updates, events and restores of old values are
 * #CUSTOS_ESTATE; reassigning them is allowed) and absent from every ordinary path:
 * lookups, finds, lists, counts, timelines and histories treat them as if they did not
 * exist (#CUSTOS_ENOTFOUND, or left out). A context of a principal holding
 * #CUSTOS_OP_ARCHIVE sees them after custos_ctx_show_archived(). custos_customer_restore()
 * returns one to the state it was archived from.
 *
 * **Erasure** (custos_customer_erase()) removes, in one transaction, the customer's
 * record (which holds the only wrapped copy of its data key), its events, points ledger,
 * timeline summary, history and index entries, and writes a tombstone (id, time,
 * principal, reason) to the store's erasure ledger (custos_erasure_get()). Erasing a
 * customer twice and erasing an id that never existed give the same answer.
 *
 * Threading: the calls may be made from any thread; a context's archived setting is read
 * by every call made with it.
 * @{
 */

CUSTOS_BEGIN_DECL

/** A lifecycle state. */
typedef enum custos_state {
	CUSTOS_STATE_LEAD = 1,     /**< Known, not yet qualified. Every new customer starts here. */
	CUSTOS_STATE_PROSPECT = 2, /**< Qualified: a likely buyer. */
	CUSTOS_STATE_ACTIVE = 3,   /**< Buying. */
	CUSTOS_STATE_LOYAL = 4,    /**< Buying often. */
	CUSTOS_STATE_DORMANT = 5,  /**< Not buying for a while: at risk. */
	CUSTOS_STATE_CHURNED = 6,  /**< Gone. */
	CUSTOS_STATE_ARCHIVED = 7, /**< Read-only and hidden from ordinary paths; can be restored. */
	CUSTOS_STATE_ERASED = 8    /**< Erased for good; no record remains (named for reports and the erasure ledger). */
} custos_state;
/** The highest #custos_state. */
#define CUSTOS_STATE_MAX 8
/** The highest state custos_lifecycle_move() and the table know (#CUSTOS_STATE_CHURNED). */
#define CUSTOS_STATE_WORKING_MAX 6
/** The longest reason custos_lifecycle_move() and friends accept, in bytes. */
#define CUSTOS_REASON_MAX_BYTES 1024

/**
 * @brief The name of a state: "lead", "prospect", "active", "loyal", "dormant", "churned",
 *        "archived", "erased".
 * @param[in] state A #custos_state.
 * @return A static string, or NULL for an unknown state.
 */
CUSTOS_EXTERN(const char *) custos_state_name(int state);
/**
 * @brief Parse a state's name (as custos_state_name() gives it).
 * @param[out] out Receives the #custos_state.
 * @param[in] name The name.
 * @return #CUSTOS_OK or #CUSTOS_EINVALID (NULL, unknown name; the message lists the names).
 */
CUSTOS_EXTERN(int) custos_state_parse(int *out, const char *name);
/** @brief #CUSTOS_STATE_MAX, for FFI callers. @return The highest state. */
CUSTOS_EXTERN(int) custos_state_max(void);

/**
 * @brief A customer's lifecycle state, as read.
 * @param[in] customer A customer read from the store (a draft is a lead).
 * @return A #custos_state; 0 for NULL.
 */
CUSTOS_EXTERN(int) custos_customer_state(const custos_customer *customer);

/**
 * @brief Move a customer to another working state, as the store's table allows.
 * @param[in] ctx A context holding #CUSTOS_OP_UPDATE (and #CUSTOS_OP_ARCHIVE for a move back).
 * @param[in] customer The customer's id.
 * @param[in] to A state from #CUSTOS_STATE_LEAD to #CUSTOS_STATE_CHURNED.
 * @param[in] reason Why, in UTF-8, up to #CUSTOS_REASON_MAX_BYTES; NULL or "" for none.
 * @return #CUSTOS_OK; #CUSTOS_ESTATE naming both states when the table does not allow the
 *         move (also for a move to the state the customer is in) or the customer is
 *         archived; #CUSTOS_EDENIED (no update right, or a move back without the archive
 *         right); #CUSTOS_ENOTFOUND (no such customer in scope); #CUSTOS_EINVALID (a
 *         state out of range, archived or erased as @p to, a reason too long or not
 *         UTF-8); #CUSTOS_EFULL (the record's version counter is exhausted) or a backend
 *         error. On failure nothing changed.
 */
CUSTOS_EXTERN(int) custos_lifecycle_move(custos_ctx *ctx, uint64_t customer, int to, const char *reason) CUSTOS_WARN_UNUSED;

/**
 * @brief Does the store's table allow a move?
 * @param[out] allowed Receives 1 or 0.
 * @param[in] ctx A context of the store (any rights).
 * @param[in] from A working state (#CUSTOS_STATE_LEAD to #CUSTOS_STATE_CHURNED).
 * @param[in] to A working state.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (a state out of range), #CUSTOS_ECORRUPT (the
 *         stored table is damaged), #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_lifecycle_allowed(int *allowed, custos_ctx *ctx, int from, int to) CUSTOS_WARN_UNUSED;

/**
 * @brief Allow or forbid a move in the store's table. Audited (#CUSTOS_AUDIT_SCHEMA).
 * @param[in] ctx A context holding #CUSTOS_OP_SCHEMA.
 * @param[in] from A working state.
 * @param[in] to Another working state.
 * @param[in] allowed 1 to allow, 0 to forbid.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (a state out of range, @p from equal to @p to),
 *         #CUSTOS_EDENIED, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_lifecycle_allow(custos_ctx *ctx, int from, int to, int allowed) CUSTOS_WARN_UNUSED;

/**
 * @brief How many customers are in each state (the lifecycle funnel).
 * Kept as counters in the store: no customer is read. The counts cover the whole store,
 * whatever the context's scope, and include archived customers (in their own count).
 * @param[out] counts Receives at index s the number of customers in state s, for s from 1
 *             to @p n - 1 (index 0, and #CUSTOS_STATE_ERASED: the customers erased so far).
 * @param[in] n The number of elements of @p counts, at most #CUSTOS_STATE_MAX + 1 are filled.
 * @param[in] ctx A context holding #CUSTOS_OP_REPORT or #CUSTOS_OP_READ with scope all.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EDENIED, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_lifecycle_counts(uint64_t *counts, size_t n, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Archive a customer: read-only and hidden from ordinary paths until restored.
 * @param[in] ctx A context holding #CUSTOS_OP_ARCHIVE.
 * @param[in] customer The customer's id (in scope).
 * @param[in] reason Why, as for custos_lifecycle_move().
 * @return #CUSTOS_OK, #CUSTOS_ESTATE (already archived), #CUSTOS_ENOTFOUND,
 *         #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_EFULL or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_archive(custos_ctx *ctx, uint64_t customer, const char *reason) CUSTOS_WARN_UNUSED;

/**
 * @brief Restore an archived customer to the state it was archived from.
 * @param[in] ctx A context holding #CUSTOS_OP_ARCHIVE. It reaches archived customers
 *            whether or not custos_ctx_show_archived() was called.
 * @param[in] customer The customer's id (in scope).
 * @param[in] reason Why, as for custos_lifecycle_move().
 * @return #CUSTOS_OK, #CUSTOS_ESTATE (not archived), #CUSTOS_ENOTFOUND, #CUSTOS_EDENIED,
 *         #CUSTOS_EINVALID, #CUSTOS_EFULL or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_restore(custos_ctx *ctx, uint64_t customer, const char *reason) CUSTOS_WARN_UNUSED;

/**
 * @brief Let a context see archived customers on every path, or stop it.
 * @param[in] ctx A context holding #CUSTOS_OP_ARCHIVE.
 * @param[in] show 1 to see them (read-only), 0 for the ordinary view.
 * @return #CUSTOS_OK, #CUSTOS_EDENIED (no archive right; audited), #CUSTOS_EINVALID or
 *         #CUSTOS_ESTATE.
 */
CUSTOS_EXTERN(int) custos_ctx_show_archived(custos_ctx *ctx, int show) CUSTOS_WARN_UNUSED;

/**
 * @brief Erase a customer for good (crypto-shredding).
 * In one transaction: the record and with it the only wrapped copy of the customer's data
 * key, every event, the timeline summary and points ledger, the field and lifecycle
 * history, every index and owner/team entry; the customer's counters; and a tombstone in
 * the erasure ledger. Audited (#CUSTOS_AUDIT_ERASE). Archived customers can be erased
 * whether or not the context shows them. The erased bytes may remain in free pages of the
 * store's file until they are reused; docs/security.md says when they are gone.
 * @param[in] ctx A context holding #CUSTOS_OP_ERASE.
 * @param[in] customer The customer's id (in scope).
 * @param[in] reason Why (kept in the ledger in clear: it must not hold personal data), up
 *            to #CUSTOS_REASON_MAX_BYTES; NULL or "" for none.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such customer in scope: never created,
 *         already erased or out of scope, all with the same message), #CUSTOS_EDENIED,
 *         #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_erase(custos_ctx *ctx, uint64_t customer, const char *reason) CUSTOS_WARN_UNUSED;

/**
 * @brief Keep, or stop keeping, erased customers' email and phone values on the store's
 *        suppression list. Audited (#CUSTOS_AUDIT_SCHEMA).
 * While the setting is on, custos_customer_erase() (and erasure by maintenance) records a
 * keyed hash of each email and phone value of the erased customer (the values themselves
 * are not kept), and a create, update, batch or import that gives an email or phone field
 * one of those values is refused with #CUSTOS_ESUPPRESSED: the same person is probably
 * being added again. Turning it off stops both; the hashes already kept stay, and count
 * again when it is turned back on. Off in a new store.
 * @param[in] ctx A context holding #CUSTOS_OP_SCHEMA.
 * @param[in] on 1 to keep the list, 0 not to.
 * @return #CUSTOS_OK, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_erasure_set_suppression(custos_ctx *ctx, int on) CUSTOS_WARN_UNUSED;

/**
 * @brief Is the store's suppression list on?
 * @param[out] on Receives 1 or 0.
 * @param[in] ctx A context of the store (any rights).
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ECORRUPT, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_erasure_suppression(int *on, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Read a tombstone of the erasure ledger.
 * @param[out] time_us Receives when the customer was erased (may be NULL).
 * @param[out] author Receives the erasing principal's id (may be NULL).
 * @param[out] reason Receives the reason given (may be NULL; wipe with custos_buf_dispose()).
 * @param[in] ctx A context holding #CUSTOS_OP_ERASE or #CUSTOS_OP_AUDIT.
 * @param[in] customer The erased customer's id.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no tombstone for that id), #CUSTOS_EDENIED,
 *         #CUSTOS_EAUTH (the tombstone was altered), #CUSTOS_EINVALID, #CUSTOS_ESTATE,
 *         #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_erasure_get(int64_t *time_us, uint32_t *author, custos_buf *reason, custos_ctx *ctx,
	uint64_t customer) CUSTOS_WARN_UNUSED;

CUSTOS_END_DECL

/** @} */

#endif
