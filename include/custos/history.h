/*
 * custos — history.h: field history: what every update of a customer changed, who, when,
 * and the old values; restoring one.
 */
#ifndef CUSTOS_HISTORY_H
#define CUSTOS_HISTORY_H

#include "buffer.h"
#include "common.h"
#include "db.h"

/**
 * @file custos/history.h
 * @brief Field history: every update records the fields it changed, who changed them,
 *        when, and their old values; a previous value can be restored.
 * @defgroup custos_history Field history
 * @ingroup custos
 *
 * Every update of a customer (custos_customer_update(), custos_customer_update_if(),
 * write batches, custos_history_restore()) that changes the value of at least one field
 * records one change, in the same transaction (and so does every lifecycle move:
 * custos/lifecycle.h; its change names no field and gives the two states and the reason): the record version it made, the principal
 * and the time, and for each field whose value changed, the value it held before (or
 * that it had none). The old values are encrypted under the customer's own key, like the
 * customer's fields; which fields changed is stored in clear. Every field is tracked; the
 * number of tracked fields has no limit.
 *
 * Reading history needs #CUSTOS_OP_READ and the customer in the context's scope. A field
 * whose class the context sees clearly shows its old value; masked, the masked form; hidden,
 * only that it changed (custos_change_old_value() is #CUSTOS_EDENIED). Listings are audited.
 *
 * Threading: a change or an iterator belongs to one thread at a time.
 * @{
 */

CUSTOS_BEGIN_DECL

/** One recorded change of a customer. */
typedef struct custos_change custos_change;
/** An iterator over a customer's changes, newest first. */
typedef struct custos_history_iter custos_history_iter;

/**
 * @brief List a customer's changes, newest first.
 *
 * The iterator reads a page at a time in short read transactions, checking at every page
 * that the customer is still in the context's scope.
 * @param[out] out Receives the iterator, owned by the caller; it keeps a reference on @p ctx.
 * @param[in] ctx A context holding #CUSTOS_OP_READ.
 * @param[in] customer The customer's id.
 * @param[in] before_version Only changes that made a version below this one (for paging:
 *            the last version seen); 0 for every change.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such customer in scope), #CUSTOS_EINVALID,
 *         #CUSTOS_EDENIED, #CUSTOS_EAUTH (a stored change or the record does not
 *         authenticate), #CUSTOS_ESTATE, #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_history_list(custos_history_iter **out, custos_ctx *ctx, uint64_t customer,
	uint32_t before_version) CUSTOS_WARN_UNUSED;

/**
 * @brief The next change.
 * @param[out] out Receives the change, owned by the caller (custos_change_free()).
 * @param[in,out] iter The iterator.
 * @return #CUSTOS_OK, #CUSTOS_ITEROVER at the end, #CUSTOS_ENOTFOUND (the customer left
 *         the scope), #CUSTOS_EAUTH, #CUSTOS_ESTATE, #CUSTOS_ENOMEM, #CUSTOS_EIO.
 */
CUSTOS_EXTERN(int) custos_history_next(custos_change **out, custos_history_iter *iter) CUSTOS_WARN_UNUSED;

/** @brief Free an iterator. @param[in] iter The iterator; NULL is accepted. */
CUSTOS_EXTERN(void) custos_history_iter_free(custos_history_iter *iter);

/** @brief Wipe and free a change. A change outlives its iterator and the context it was
 *  read through: it keeps what it needs of them (the visibility it is shown with).
 *  @param[in] change The change; NULL is accepted. */
CUSTOS_EXTERN(void) custos_change_free(custos_change *change);

/** @brief The record version the change made. @param[in] change The change. @return The version; 0 for NULL. */
CUSTOS_EXTERN(uint32_t) custos_change_version(const custos_change *change);
/** @brief When the change was made. @param[in] change The change.
 *  @return Microseconds since the epoch; 0 for NULL. */
CUSTOS_EXTERN(int64_t) custos_change_time(const custos_change *change);
/** @brief Who made the change. @param[in] change The change.
 *  @return The principal's id (custos_principal_name() gives the name); 0 for NULL. */
CUSTOS_EXTERN(uint32_t) custos_change_author(const custos_change *change);
/** @brief How many fields the change changed. @param[in] change The change.
 *  @return 1 or more for a change of fields; 0 for a lifecycle move and for NULL. */
CUSTOS_EXTERN(size_t) custos_change_field_count(const custos_change *change);
/**
 * @brief The name of the i-th field the change changed.
 * @param[in] change The change.
 * @param[in] i 0 to custos_change_field_count() - 1.
 * @return The field's name in the store's current schema, borrowed from the change; NULL
 *         out of range or for NULL.
 */
CUSTOS_EXTERN(const char *) custos_change_field(const custos_change *change, size_t i);
/**
 * @brief The value the i-th field held before the change, as custos_customer_get_string()
 *        prints values of its type.
 * @param[out] out Receives the text (wiped by custos_buf_dispose()).
 * @param[in] change The change.
 * @param[in] i 0 to custos_change_field_count() - 1.
 * @return #CUSTOS_OK (the masked form when the context sees the field's class masked),
 *         #CUSTOS_ENOTFOUND (the field had no value before), #CUSTOS_EDENIED (the context
 *         does not see the field's class), #CUSTOS_EINVALID (NULL, out of range),
 *         #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_change_old_value(custos_buf *out, const custos_change *change, size_t i) CUSTOS_WARN_UNUSED;
/**
 * @brief Whether the i-th old value is shown masked to the context that read the change.
 * @param[in] change The change.
 * @param[in] i The field's position in the change.
 * @return 1 when masked, 0 otherwise (and out of range).
 */
CUSTOS_EXTERN(int) custos_change_is_masked(const custos_change *change, size_t i);

/**
 * @brief The state a lifecycle move left (custos_lifecycle_move(), archive, restore, or
 *        custos itself on a purchase).
 * @param[in] change The change.
 * @return A #custos_state; 0 for a change of fields and for NULL.
 */
CUSTOS_EXTERN(int) custos_change_state_from(const custos_change *change);
/**
 * @brief The state a lifecycle move entered.
 * @param[in] change The change.
 * @return A #custos_state; 0 for a change of fields and for NULL.
 */
CUSTOS_EXTERN(int) custos_change_state_to(const custos_change *change);
/**
 * @brief The reason given for a lifecycle move. Reasons follow the context's visibility
 *        of the notes class (#CUSTOS_CLASS_NOTES), like event texts.
 * @param[out] out Receives the text ("" when none was given; `***` when the context sees
 *             notes masked), wiped by custos_buf_dispose().
 * @param[in] change The change.
 * @return #CUSTOS_OK, #CUSTOS_EDENIED (the context does not see notes), #CUSTOS_EINVALID
 *         (NULL, or a change of fields), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_change_reason(custos_buf *out, const custos_change *change) CUSTOS_WARN_UNUSED;

/**
 * @brief Give a field back the value it held before the change that made @p version.
 *
 * The restore is itself an update: checked like one (required and unique fields), it
 * makes a new record version and records its own change.
 * @param[in] ctx A context holding #CUSTOS_OP_UPDATE, seeing the field's class clearly.
 * @param[in] customer The customer's id.
 * @param[in] version The record version whose change holds the value to restore.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such customer in scope, no change recorded at
 *         that version), #CUSTOS_EINVALID (the change did not touch that field, unknown
 *         field, a value the field no longer accepts), #CUSTOS_EEXISTS (a unique value
 *         another customer holds now), #CUSTOS_EDENIED, #CUSTOS_EAUTH, #CUSTOS_ESTATE,
 *         #CUSTOS_ENOMEM, #CUSTOS_EIO.
 */
CUSTOS_EXTERN(int) custos_history_restore(custos_ctx *ctx, uint64_t customer, uint32_t version,
	const char *field) CUSTOS_WARN_UNUSED;

CUSTOS_END_DECL

/** @} */

#endif
