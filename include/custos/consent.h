/*
 * custos — consent.h: consent and lawful basis per customer and purpose, recorded and
 * never overwritten.
 */
#ifndef CUSTOS_CONSENT_H
#define CUSTOS_CONSENT_H

#include "common.h"
#include "db.h"

/**
 * @file custos/consent.h
 * @brief Consent and lawful basis: a customer's record per purpose, given or withdrawn.
 * @defgroup custos_consent Consent
 * @ingroup custos
 *
 * For each purpose the host names (`marketing_email`, `loyalty_programme`: 1 to 64
 * lowercase ASCII letters, digits, `_`, `-` and `.`), a customer's consent records say on
 * which lawful basis (GDPR Art. 6) the data is processed, whether it was given or
 * withdrawn, when, where it was collected (the source) and the evidence (the wording
 * shown, a form id). Records are only ever appended, each under the next sequence number
 * of its customer (1, 2, 3, ...): a withdrawal is a new record, and nothing overwrites or
 * deletes one but the customer's erasure. The record in force for a purpose is the latest
 * by time, then by sequence number; custos_consent_list() with `current_only` gives the
 * record in force of every purpose in one call. A withdrawal of a purpose never given is
 * recorded as it is.
 *
 * Purpose, basis, given, the times and the author are stored in clear (maintenance and
 * segments read them); the source and the evidence are encrypted under the customer's
 * key, like event texts, and every record carries a tag over all of it, its customer and
 * its place. Recording needs #CUSTOS_OP_UPDATE, listing #CUSTOS_OP_READ, and the customer
 * in scope (#CUSTOS_ENOTFOUND otherwise; archived customers are read-only). Source and
 * evidence follow the context's visibility of the notes class like event texts: clear,
 * masked (`***`) or absent. Both are audited (#CUSTOS_AUDIT_CONSENT,
 * #CUSTOS_AUDIT_CONSENT_LIST).
 *
 * Threading: a record or an iterator belongs to one thread at a time.
 * @{
 */

CUSTOS_BEGIN_DECL

/** A lawful basis of processing (GDPR Art. 6(1) (a) to (f)). */
typedef enum custos_basis {
	CUSTOS_BASIS_CONSENT = 1,              /**< The customer's consent. */
	CUSTOS_BASIS_CONTRACT = 2,             /**< A contract with the customer. */
	CUSTOS_BASIS_LEGAL_OBLIGATION = 3,     /**< A legal obligation. */
	CUSTOS_BASIS_VITAL_INTERESTS = 4,      /**< Vital interests. */
	CUSTOS_BASIS_PUBLIC_TASK = 5,          /**< A task in the public interest. */
	CUSTOS_BASIS_LEGITIMATE_INTERESTS = 6  /**< Legitimate interests. */
} custos_basis;
/** The highest #custos_basis. */
#define CUSTOS_BASIS_MAX 6
/** The longest purpose, in bytes. */
#define CUSTOS_PURPOSE_MAX_BYTES 64
/** The longest source, in bytes of UTF-8. */
#define CUSTOS_CONSENT_SOURCE_MAX_BYTES 256
/** The longest evidence, in bytes of UTF-8. */
#define CUSTOS_CONSENT_EVIDENCE_MAX_BYTES 4096

/** One consent record, read back. */
typedef struct custos_consent custos_consent;
/** An iterator over a customer's consent records. */
typedef struct custos_consent_iter custos_consent_iter;

/**
 * @brief The name of a basis: "consent", "contract", "legal_obligation",
 *        "vital_interests", "public_task", "legitimate_interests".
 * @param[in] basis A #custos_basis.
 * @return A static string, or NULL for an unknown basis.
 */
CUSTOS_EXTERN(const char *) custos_basis_name(int basis);
/**
 * @brief Parse a basis's name.
 * @param[out] out Receives the #custos_basis.
 * @param[in] name The name.
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_basis_parse(int *out, const char *name);

/**
 * @brief Record a customer's consent (or another basis) for a purpose, given or withdrawn.
 * @param[out] seq_out Receives the record's sequence number (may be NULL).
 * @param[in] ctx A context holding #CUSTOS_OP_UPDATE.
 * @param[in] customer The customer's id (in scope, not archived).
 * @param[in] purpose The purpose (1 to #CUSTOS_PURPOSE_MAX_BYTES of `a`-`z`, `0`-`9`, `_`, `-`, `.`).
 * @param[in] basis A #custos_basis.
 * @param[in] given 1 given, 0 withdrawn.
 * @param[in] time_us When, in microseconds since the epoch, at most a day from now; 0 for now.
 * @param[in] source Where it was collected, UTF-8, up to #CUSTOS_CONSENT_SOURCE_MAX_BYTES; NULL for none.
 * @param[in] evidence The evidence, UTF-8, up to #CUSTOS_CONSENT_EVIDENCE_MAX_BYTES; NULL for none.
 * @return #CUSTOS_OK; #CUSTOS_EINVALID naming what is wrong (purpose, basis, given not 0
 *         or 1, a time before 1970 or more than a day ahead, a text too long or not UTF-8);
 *         #CUSTOS_ENOTFOUND; #CUSTOS_ESTATE (archived customer, closed store);
 *         #CUSTOS_EDENIED; #CUSTOS_EFULL (the customer's sequence numbers ran out) or a
 *         backend error. On failure nothing changed.
 */
CUSTOS_EXTERN(int) custos_consent_record(uint32_t *seq_out, custos_ctx *ctx, uint64_t customer, const char *purpose,
	int basis, int given, int64_t time_us, const char *source, const char *evidence) CUSTOS_WARN_UNUSED;

/**
 * @brief A customer's consent records, oldest first (by time, then sequence number).
 * The records are read in one read transaction when the iterator is made.
 * @param[out] out Receives the iterator, owned by the caller.
 * @param[in] ctx A context holding #CUSTOS_OP_READ.
 * @param[in] customer The customer's id (in scope).
 * @param[in] purpose Only this purpose's records; NULL for every purpose.
 * @param[in] current_only 1: only the record in force of each purpose (in the order of
 *            their purposes' names); 0: every record.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND, #CUSTOS_EINVALID, #CUSTOS_EDENIED, #CUSTOS_EAUTH
 *         (a stored record does not authenticate), #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a
 *         backend error.
 */
CUSTOS_EXTERN(int) custos_consent_list(custos_consent_iter **out, custos_ctx *ctx, uint64_t customer,
	const char *purpose, int current_only) CUSTOS_WARN_UNUSED;
/**
 * @brief The next record.
 * @param[out] out Receives the record, owned by the caller (custos_consent_free()).
 * @param[in,out] iter The iterator.
 * @return #CUSTOS_OK, #CUSTOS_ITEROVER at the end, #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_consent_next(custos_consent **out, custos_consent_iter *iter) CUSTOS_WARN_UNUSED;
/** @brief Free an iterator and the records it still holds. @param[in] iter The iterator; NULL is accepted. */
CUSTOS_EXTERN(void) custos_consent_iter_free(custos_consent_iter *iter);
/** @brief Wipe and free a record. @param[in] consent The record; NULL is accepted. */
CUSTOS_EXTERN(void) custos_consent_free(custos_consent *consent);

/** @brief The record's sequence number. @param[in] c The record. @return 1 or more; 0 for NULL. */
CUSTOS_EXTERN(uint32_t) custos_consent_seq(const custos_consent *c);
/** @brief Its purpose. @param[in] c The record. @return The purpose, borrowed; NULL for NULL. */
CUSTOS_EXTERN(const char *) custos_consent_purpose(const custos_consent *c);
/** @brief Its basis. @param[in] c The record. @return A #custos_basis; 0 for NULL. */
CUSTOS_EXTERN(int) custos_consent_basis(const custos_consent *c);
/** @brief Given or withdrawn. @param[in] c The record. @return 1 given, 0 withdrawn (and for NULL). */
CUSTOS_EXTERN(int) custos_consent_given(const custos_consent *c);
/** @brief When it was given or withdrawn. @param[in] c The record. @return Microseconds since the epoch; 0 for NULL. */
CUSTOS_EXTERN(int64_t) custos_consent_time(const custos_consent *c);
/** @brief When it was recorded. @param[in] c The record. @return Microseconds since the epoch; 0 for NULL. */
CUSTOS_EXTERN(int64_t) custos_consent_recorded(const custos_consent *c);
/** @brief Who recorded it. @param[in] c The record. @return The principal's id; 0 for NULL. */
CUSTOS_EXTERN(uint32_t) custos_consent_author(const custos_consent *c);
/**
 * @brief Its source (`which` 0) or evidence (`which` 1), as the listing context sees the notes class.
 * @param[out] out Receives the text, borrowed from the record (`***` when masked).
 * @param[in] c The record.
 * @param[in] which 0 source, 1 evidence.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (none was given, or the context does not see
 *         notes), #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_consent_text(const char **out, const custos_consent *c, int which);

CUSTOS_END_DECL

/** @} */

#endif
