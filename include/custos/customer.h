/*
 * custos — customer.h: customer records: drafts, create, get, partial update, list and find.
 */
#ifndef CUSTOS_CUSTOMER_H
#define CUSTOS_CUSTOMER_H

#include "buffer.h"
#include "common.h"
#include "db.h"

/**
 * @file custos/customer.h
 * @brief Customers: create, read, partial update, list in id order and find by a searchable field.
 * @defgroup custos_customer Customers
 * @ingroup custos
 *
 * A #custos_customer handle holds one customer's values in memory, decrypted. It comes from
 * custos_customer_new() (an empty draft) or custos_customer_lookup() and iterators (a stored
 * customer). Setters change the handle only and remember which fields were changed;
 * custos_customer_create() and custos_customer_update() write them.
 *
 * Every value is validated when it is set (type, UTF-8, length, email syntax, phone
 * normalisation to E.164, enum membership) and again when it is written (required and
 * unique fields). Any failure leaves the store exactly as it was.
 *
 * Strings returned by getters are borrowed from the handle: valid until the handle is
 * freed or changed by a setter. Freeing a handle wipes its decrypted values.
 *
 * A customer read from the store also has its timeline's metrics (custos/event.h), read
 * with the getters like fields that cannot be set, kept by custos in the transaction of
 * every event: `events`, `orders`, `points` (the loyalty balance), `points_earned`,
 * `points_redeemed`, `points_expired`, `points_adjusted`, `feedback_count`,
 * `interactions_30d` and `interactions_90d` (integers; the interactions dated in the 30
 * and 90 days before the customer's last interaction was appended, or before the last
 * custos_maintain() run, whichever was later), `first_purchase`,
 * `last_purchase` and `last_interaction` (timestamps; no value before the first),
 * `spend_` and an ISO 4217 code (`spend_HKD`) for each currency the customer bought in
 * (money), `spend` (text: every currency's total, "1099.00 HKD, 20.00 USD"), `nps_average` and
 * `csat_average` (text with two decimals, "8.50"; no value before the first score). No
 * custom field may take one of these names.
 *
 * Threading: a customer handle or iterator belongs to one thread at a time.
 * @{
 */

CUSTOS_BEGIN_DECL

/** One customer's values, decrypted, in memory. */
typedef struct custos_customer custos_customer;
/** An iterator over customers, in ascending id order. */
typedef struct custos_iter custos_iter;

/** Options for custos_customer_list(). */
typedef struct custos_list_options {
	unsigned int version; /**< #CUSTOS_LIST_OPTIONS_VERSION. */
	uint64_t after_id;    /**< Start after this id (0 = from the first customer); for paging. */
} custos_list_options;

/** The current version of #custos_list_options. */
#define CUSTOS_LIST_OPTIONS_VERSION 1
/** Static initialiser for #custos_list_options. */
#define CUSTOS_LIST_OPTIONS_INIT { CUSTOS_LIST_OPTIONS_VERSION, 0 }

/**
 * @brief Fill @p opts with defaults for the given structure version.
 * @param[out] opts The structure to fill.
 * @param[in] version #CUSTOS_LIST_OPTIONS_VERSION.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID if @p opts is NULL, #CUSTOS_EVERSION for an unknown version.
 */
CUSTOS_EXTERN(int) custos_list_options_init(custos_list_options *opts, unsigned int version);

/**
 * @brief sizeof(#custos_list_options) in this library, for FFI bindings that mirror the struct.
 * @return The size in bytes.
 */
CUSTOS_EXTERN(size_t) custos_list_options_size(void);

/**
 * @brief Make an empty draft customer for the store of @p ctx.
 * @param[out] out Receives the draft, owned by the caller.
 * @param[in] ctx A context of the store; its schema decides which fields exist.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ESTATE (store closed) or #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_new(custos_customer **out, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Wipe and free a customer handle.
 * @param[in] customer The handle; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_customer_free(custos_customer *customer);

/**
 * @brief Set a text, email, phone, date or enum field.
 *
 * Text is trimmed of leading and trailing spaces (every Unicode space, U+3000 included) and
 * put in Unicode NFC. Email addresses are read in NFKC first (full-width letters and at signs
 * become ASCII), then trimmed, put in NFC and their domain lower-cased. Phone
 * numbers are normalised to E.164 using the store's default region when they do not start
 * with '+', and must be valid numbers of their country's numbering plan (libphonenumber's
 * metadata): a trunk prefix after the country code ("+44 (0)20 ...") is dropped, a
 * country code written without '+' ("852 9123 4567" with region HK) and the region's
 * international prefix ("001 ..." in HK, "011 ..." in the US) are recognised, and a
 * number of the wrong length or with leading digits no number has is refused with the
 * reason ("is 7 digits; Hong Kong numbers have 8"). Dates are `YYYY-MM-DD`. Enum values
 * must be in the field's list.
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @param[in] value NUL-terminated UTF-8.
 * @return #CUSTOS_OK or #CUSTOS_EINVALID (unknown field, wrong type, invalid UTF-8, too
 *         long, invalid value: the message names the field and the problem), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_set_text(custos_customer *customer, const char *field, const char *value) CUSTOS_WARN_UNUSED;

/**
 * @brief Set any field from its text form: exactly what custos_customer_get_string()
 *        prints reads back to the same value, for every type.
 *
 * Text, email, phone, date and enum fields as custos_customer_set_text() reads them;
 * integers in decimal; money as an amount in the currency's major units, with at most its
 * decimals, and the ISO 4217 code ("1500.00 EUR", "1500 EUR", "-500 JPY"); timestamps as
 * ISO 8601 ("2026-11-23T20:15:00Z", or with an offset such as "+08:00"; whole seconds
 * since the epoch are read too); booleans as "true", "false", "1" or "0"; tags as a
 * comma-separated list, which replaces the field's tags. custos_customer_find() reads the
 * value searched for the same way (one tag for a tags field). For command lines, imports
 * and bindings that do not want one setter per type.
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @param[in] text NUL-terminated UTF-8.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (unknown field, a text that is not a value of the
 *         field's type: the message says what is expected), #CUSTOS_EFULL (too many tags),
 *         #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_set_string(custos_customer *customer, const char *field, const char *text) CUSTOS_WARN_UNUSED;

/**
 * @brief Set an integer field.
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @param[in] value The value.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (unknown field or wrong type), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_set_int(custos_customer *customer, const char *field, int64_t value) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a money field.
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @param[in] minor_units The amount in the currency's minor units (cents for EUR).
 * @param[in] currency An ISO 4217 code in capitals, such as "EUR".
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (unknown field, wrong type, unknown currency), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_set_money(custos_customer *customer, const char *field, int64_t minor_units,
	const char *currency) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a timestamp field.
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @param[in] unix_seconds Seconds since 1970-01-01T00:00:00Z, within years 1 to 9999.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (unknown field, wrong type, out of range), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_set_timestamp(custos_customer *customer, const char *field,
	int64_t unix_seconds) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a boolean field.
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @param[in] value 0 or 1.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (unknown field, wrong type, not 0 or 1), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_set_bool(custos_customer *customer, const char *field, int value) CUSTOS_WARN_UNUSED;

/**
 * @brief Add a tag to a tags field. Adding a tag already present changes nothing.
 * @param[in,out] customer The handle.
 * @param[in] field The tags field, such as "tags".
 * @param[in] tag 1 to 64 bytes of UTF-8 without control characters or commas; trimmed.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EFULL (at most 64 tags), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_add_tag(custos_customer *customer, const char *field, const char *tag) CUSTOS_WARN_UNUSED;

/**
 * @brief Remove a tag from a tags field.
 * @param[in,out] customer The handle.
 * @param[in] field The tags field.
 * @param[in] tag The tag.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (tag not present), #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_customer_remove_tag(custos_customer *customer, const char *field, const char *tag) CUSTOS_WARN_UNUSED;

/**
 * @brief Remove a field's value. Written as a removal by custos_customer_update().
 * @param[in,out] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK or #CUSTOS_EINVALID (unknown field).
 */
CUSTOS_EXTERN(int) custos_customer_unset(custos_customer *customer, const char *field) CUSTOS_WARN_UNUSED;

/**
 * @brief Read a text, email, phone, date or enum field.
 * @param[out] out Receives the value, borrowed from the handle.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no value), #CUSTOS_EINVALID (unknown field, wrong type).
 */
CUSTOS_EXTERN(int) custos_customer_get_text(const char **out, const custos_customer *customer, const char *field);

/**
 * @brief Read an integer field.
 * @param[out] out Receives the value.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no value), #CUSTOS_EINVALID (unknown field, wrong type).
 */
CUSTOS_EXTERN(int) custos_customer_get_int(int64_t *out, const custos_customer *customer, const char *field);

/**
 * @brief Read a money field.
 * @param[out] minor_units Receives the amount in minor units.
 * @param[out] currency Receives the ISO 4217 code, borrowed from the handle; may be NULL.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no value), #CUSTOS_EINVALID (unknown field, wrong type).
 */
CUSTOS_EXTERN(int) custos_customer_get_money(int64_t *minor_units, const char **currency,
	const custos_customer *customer, const char *field);

/**
 * @brief Read a timestamp field.
 * @param[out] out Receives seconds since the Unix epoch.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no value), #CUSTOS_EINVALID (unknown field, wrong type).
 */
CUSTOS_EXTERN(int) custos_customer_get_timestamp(int64_t *out, const custos_customer *customer, const char *field);

/**
 * @brief Read a boolean field.
 * @param[out] out Receives 0 or 1.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no value), #CUSTOS_EINVALID (unknown field, wrong type).
 */
CUSTOS_EXTERN(int) custos_customer_get_bool(int *out, const custos_customer *customer, const char *field);

/**
 * @brief Number of tags in a tags field.
 * @param[out] out Receives the count (0 when the field has no value).
 * @param[in] customer The handle.
 * @param[in] field The tags field.
 * @return #CUSTOS_OK or #CUSTOS_EINVALID (unknown field, wrong type).
 */
CUSTOS_EXTERN(int) custos_customer_tag_count(size_t *out, const custos_customer *customer, const char *field);

/**
 * @brief One tag of a tags field, in the order they were added.
 * @param[out] out Receives the tag, borrowed from the handle.
 * @param[in] customer The handle.
 * @param[in] field The tags field.
 * @param[in] index 0 to the tag count - 1.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (index past the end), #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_customer_get_tag(const char **out, const custos_customer *customer, const char *field,
	size_t index);

/**
 * @brief Any field's value as text, in a buffer the caller keeps.
 *
 * Text, email, phone, date and enum values as stored; integers in decimal; money as the
 * amount in major units and the currency ("1500.00 EUR", "250 JPY"); timestamps as
 * ISO 8601 in UTC ("2023-11-14T22:13:20Z"); booleans as "true" or "false"; tags joined by
 * commas. For exports, command lines and bindings that do not want one getter per type.
 * @param[out] out Receives NUL-terminated UTF-8; release it with custos_buf_dispose(), which
 *             wipes it. Any previous content is disposed of first.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no value), #CUSTOS_EINVALID (unknown field), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_get_string(custos_buf *out, const custos_customer *customer, const char *field);

/**
 * @brief Is the field's value masked for the context that read it?
 *
 * Masked values read as text ("c***@example.com") through custos_customer_get_text() and
 * custos_customer_get_string(); the typed getters refuse them with #CUSTOS_EDENIED.
 * @param[in] customer The handle.
 * @param[in] field The field's name.
 * @return 1 if masked, 0 if not (or unknown field, or NULL).
 */
CUSTOS_EXTERN(int) custos_customer_is_masked(const custos_customer *customer, const char *field);

/**
 * @brief The customer's id.
 * @param[in] customer The handle.
 * @return The id (>= 1), or 0 for a draft or NULL.
 */
CUSTOS_EXTERN(uint64_t) custos_customer_id(const custos_customer *customer);

/**
 * @brief The record version: 1 when created, incremented by every update and reassignment.
 * The record stores it in 32 bits; an update after version 4,294,967,295 is refused with
 * #CUSTOS_EFULL.
 * @param[in] customer The handle.
 * @return The version, or 0 for a draft or NULL.
 */
CUSTOS_EXTERN(uint32_t) custos_customer_version(const custos_customer *customer);

/**
 * @brief When the customer was created.
 * @param[in] customer The handle.
 * @return Seconds since the Unix epoch, or 0 for a draft or NULL.
 */
CUSTOS_EXTERN(int64_t) custos_customer_created(const custos_customer *customer);

/**
 * @brief When the customer was last changed.
 * @param[in] customer The handle.
 * @return Seconds since the Unix epoch, or 0 for a draft or NULL.
 */
CUSTOS_EXTERN(int64_t) custos_customer_updated(const custos_customer *customer);

/**
 * @brief The principal id of the customer's owner.
 * @param[in] customer The handle.
 * @return The id, or 0 for a draft or NULL.
 */
CUSTOS_EXTERN(uint32_t) custos_customer_owner(const custos_customer *customer);

/**
 * @brief The id of the customer's team.
 * @param[in] customer The handle.
 * @return The id, or 0 when the customer belongs to no team, for a draft or NULL.
 */
CUSTOS_EXTERN(uint32_t) custos_customer_team(const custos_customer *customer);

/**
 * @brief Store a new customer.
 *
 * The customer gets a new id (never reused), a fresh random data key, and the context's
 * principal as owner. Required and unique fields are checked; a unique conflict with a
 * customer the context reaches is #CUSTOS_EEXISTS with the holder's id in the message, one
 * with a customer outside its scope is #CUSTOS_EDENIED naming no customer; both are
 * audited (docs/permissions.md). The draft is not changed.
 * @param[out] id_out Receives the new id; may be NULL.
 * @param[in] ctx A context whose principal may create customers.
 * @param[in] customer A draft from custos_customer_new() of the same store.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EEXISTS, #CUSTOS_EDENIED, #CUSTOS_ESTATE,
 *         #CUSTOS_EFULL, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_create(uint64_t *id_out, custos_ctx *ctx, const custos_customer *customer) CUSTOS_WARN_UNUSED;

/**
 * @brief Store many new customers in one transaction: all of them or none.
 *
 * Use it for bulk loads: one commit for the batch instead of one per customer. An invalid
 * customer rejects the whole batch; the message starts with its position ("customer 17: ").
 * @param[out] ids_out Receives @p count ids, in order; may be NULL.
 * @param[in] ctx A context whose principal may create customers.
 * @param[in] customers @p count drafts.
 * @param[in] count 1 to #CUSTOS_BATCH_MAX.
 * @return As custos_customer_create(), and #CUSTOS_ETOOBIG when the backend cannot hold
 *         the batch in one transaction: split it.
 */
CUSTOS_EXTERN(int) custos_customer_create_many(uint64_t *ids_out, custos_ctx *ctx, custos_customer *const *customers,
	size_t count) CUSTOS_WARN_UNUSED;

/**
 * @brief Read a customer, decrypting the fields the context may see.
 * @param[out] out Receives the customer, owned by the caller.
 * @param[in] ctx A context of the store.
 * @param[in] id The customer's id.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such customer, or not visible to @p ctx),
 *         #CUSTOS_EAUTH (stored record fails authentication), #CUSTOS_EINVALID,
 *         #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_lookup(custos_customer **out, custos_ctx *ctx, uint64_t id) CUSTOS_WARN_UNUSED;

/**
 * @brief Apply the fields changed on @p changes to stored customer @p id.
 *
 * Only fields set, unset or tagged since @p changes was made by custos_customer_new() or
 * read by custos_customer_lookup() are written; every other stored field keeps its value.
 * @p changes may be a fresh draft used as a patch. The changes are not consumed: the same
 * handle may be applied to several customers, for example to tag many at once.
 * @param[in] ctx A context whose principal may update the customer.
 * @param[in] id The customer's id.
 * @param[in,out] changes The changes.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EINVALID (for example unsetting a required
 *         field), #CUSTOS_EEXISTS and #CUSTOS_EDENIED (a unique value held by another
 *         customer, as custos_customer_create() says), #CUSTOS_EAUTH, #CUSTOS_ESTATE,
 *         #CUSTOS_EFULL, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_update(custos_ctx *ctx, uint64_t id, custos_customer *changes) CUSTOS_WARN_UNUSED;

/**
 * @brief Apply @p changes only if the stored customer is still at @p expected_version.
 *
 * For read-modify-write without lost updates: read a customer, note
 * custos_customer_version(), build the changes, and apply them with that version. If
 * another writer changed the customer meanwhile, nothing is written and the call fails
 * with #CUSTOS_ECONFLICT, naming both versions: read it again and decide afresh.
 * @param[in] ctx A context whose principal may update the customer.
 * @param[in] id The customer's id.
 * @param[in] expected_version The version the changes were made against (1 or more).
 * @param[in,out] changes The changes, as for custos_customer_update().
 * @return As custos_customer_update(), and #CUSTOS_ECONFLICT.
 */
CUSTOS_EXTERN(int) custos_customer_update_if(custos_ctx *ctx, uint64_t id, uint32_t expected_version,
	custos_customer *changes) CUSTOS_WARN_UNUSED;

/**
 * @brief Give a customer a new owner; its team becomes the new owner's team.
 * @param[in] ctx A context holding #CUSTOS_OP_REASSIGN; the customer must be in its scope
 *            and, for scope team, the new owner in its team.
 * @param[in] id The customer.
 * @param[in] owner The new owner: an enabled principal.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (customer not found or not in scope; no such
 *         principal), #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_reassign(custos_ctx *ctx, uint64_t id, const char *owner) CUSTOS_WARN_UNUSED;

/**
 * @brief Move every customer one principal owns (and the context may reach) to another,
 *        for example when a rep leaves. Runs in transactions of up to 10,000 customers.
 * @param[out] moved Receives how many customers moved; may be NULL.
 * @param[in] ctx A context holding #CUSTOS_OP_REASSIGN.
 * @param[in] from The current owner.
 * @param[in] to The new owner: an enabled principal.
 * @return As custos_customer_reassign(). On failure, the customers moved so far stay moved.
 */
CUSTOS_EXTERN(int) custos_customer_reassign_all(uint64_t *moved, custos_ctx *ctx, const char *from, const char *to) CUSTOS_WARN_UNUSED;

/**
 * @brief Number of customers visible to the context.
 * @param[out] out Receives the count.
 * @param[in] ctx A context holding #CUSTOS_OP_READ or #CUSTOS_OP_REPORT.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_count(uint64_t *out, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Iterate over customers in ascending id order.
 *
 * The iterator reads in short transactions, a page at a time: it holds no lock between
 * calls, sees customers created after it started if their ids are higher than the last
 * one returned, and skips customers removed meanwhile.
 * @param[out] out Receives the iterator, owned by the caller.
 * @param[in] ctx A context of the store. The iterator keeps a reference on it: the context
 *            may be freed first; the iterator stays usable until it is freed.
 * @param[in] opts Options, or NULL for defaults.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EVERSION, #CUSTOS_ESTATE, #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_customer_list(custos_iter **out, custos_ctx *ctx, const custos_list_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief Find the customers whose searchable field equals a value.
 *
 * The value is normalised as a setter would (an email's case and surrounding spaces, a
 * phone number's formatting do not matter) and compared under the field's
 * #custos_field_norm (case for `casefold`, width and separators too for `identifier`). On a
 * field whose values a store written by custos 0.1.0 may still hold
 * (custos_schema_field_norm_version() 1), the form those rules give the value is looked up
 * as well, until custos_schema_renormalize(). Encrypted fields are looked up through their
 * blind index and every candidate is verified, so there are no false matches.
 * @param[out] out Receives an iterator over the matches in ascending id order, owned by the caller.
 * @param[in] ctx A context of the store. The iterator keeps a reference on it: the context
 *            may be freed first; the iterator stays usable until it is freed.
 * @param[in] field A searchable field.
 * @param[in] value The value in text form (integers as decimal, booleans as 0 or 1).
 * @return #CUSTOS_OK (also when nothing matches: the iterator is then empty),
 *         #CUSTOS_EINVALID (unknown or not searchable field, invalid value), #CUSTOS_ESTATE,
 *         #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_customer_find(custos_iter **out, custos_ctx *ctx, const char *field, const char *value) CUSTOS_WARN_UNUSED;

/**
 * @brief The next customer of an iterator.
 *
 * A customer whose stored record is damaged is reported once and passed: the call fails
 * with #CUSTOS_EAUTH (the record fails authentication) or #CUSTOS_ECORRUPT (it
 * authenticates but does not decode), the message names the customer's id, and the next
 * call goes on with the next customer, so one damaged record does not stop a listing or a
 * find. Run custos_db_check() to learn what else is damaged. Any other failure
 * (#CUSTOS_ENOMEM, #CUSTOS_ESTATE, a backend error) leaves the iterator where it was: the
 * next call tries the same customer again.
 * @param[out] out Receives the customer, owned by the caller; NULL on failure.
 * @param[in] iter The iterator.
 * @return #CUSTOS_OK, #CUSTOS_ITEROVER at the end (and on every call after it),
 *         #CUSTOS_EAUTH or #CUSTOS_ECORRUPT for a damaged customer (passed),
 *         #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_iter_next(custos_customer **out, custos_iter *iter) CUSTOS_WARN_UNUSED;

/**
 * @brief The id of the next customer of an iterator, without decrypting it.
 *
 * The id of a customer whose record is damaged is handed out like any other (for a context
 * whose scope is not `all`, when the customer's ownership entries name the context's
 * principal or team); custos_customer_lookup() then reports the damage.
 * @param[out] out Receives the id.
 * @param[in] iter The iterator.
 * @return #CUSTOS_OK, #CUSTOS_ITEROVER at the end, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_iter_next_id(uint64_t *out, custos_iter *iter) CUSTOS_WARN_UNUSED;

/**
 * @brief Free an iterator.
 * @param[in] iter The iterator; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_iter_free(custos_iter *iter);

CUSTOS_END_DECL

/** @} */

#endif
