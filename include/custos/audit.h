/*
 * custos — audit.h: the tamper-evident audit log: reading it, verifying it, anchoring it.
 */
#ifndef CUSTOS_AUDIT_H
#define CUSTOS_AUDIT_H

#include "buffer.h"
#include "common.h"
#include "db.h"

/**
 * @file custos/audit.h
 * @brief The audit log: what was done, by whom, to which customer; verification and anchors.
 * @defgroup custos_audit Audit log
 * @ingroup custos
 *
 * Every change, grant changes included, commits together with its audit entry, in the same
 * transaction. Reads of customers, finds, lists, counts, denials and the log's own reading
 * are logged too: they are queued and committed in batches (group commit) by a background
 * thread once a batch is full or the oldest is as old as the age limit, and by the next
 * write, custos_audit_flush() and the close. Entries carry ids and codes, never personal
 * data or search terms.
 *
 * Every entry carries a keyed tag bound to its sequence number, and the blocks of entries
 * form a keyed hash chain (keys of the store's keyring), so nobody without the keys can
 * edit, insert, remove or reorder an entry unnoticed. Every so many entries, and at
 * close, a checkpoint (sequence number and chain hash) is signed with Ed25519 and handed to
 * the host's checkpoint callback (custos_db_set_checkpoint_callback()): keep it somewhere
 * else, and custos_audit_verify() can prove the log was not cut short or replaced by an older
 * copy. Verification also replays every write entry against the stored customers, which
 * detects a customer record replaced by an older valid copy of itself.
 *
 * Read auditing modes (#custos_db_options): fail-closed (the default) refuses reads once a
 * commit of the queue has failed, until one succeeds; best-effort serves them, and counts
 * an entry that finds the queue full after a failed commit; the count is written in a
 * #CUSTOS_AUDIT_DROPPED entry by the next commit, and survives a close that could not
 * write the log. While the log can be written no entry is dropped, in either mode. A crash
 * loses the entries queued since the last commit: at most twice the batch size (the
 * queue's capacity), and while commits succeed none older than the age limit plus the time
 * of two commits (the one under way and the next). See docs/audit.md.
 * @{
 */

CUSTOS_BEGIN_DECL

/** An iterator over audit entries, in sequence order. */
typedef struct custos_audit_iter custos_audit_iter;
/** One audit entry. */
typedef struct custos_audit_entry custos_audit_entry;

/** What an audit entry records. Values are ABI. */
typedef enum custos_audit_action {
	CUSTOS_AUDIT_CREATE = 1,   /**< A customer was created. */
	CUSTOS_AUDIT_UPDATE = 2,   /**< A customer's fields changed. */
	CUSTOS_AUDIT_READ = 3,     /**< A customer's fields were read (the classes decrypted). */
	CUSTOS_AUDIT_FIND = 4,     /**< A search by a field (the field id, not the value). */
	CUSTOS_AUDIT_LIST = 5,     /**< A listing was started. */
	CUSTOS_AUDIT_COUNT = 6,    /**< Customers were counted. */
	CUSTOS_AUDIT_DENY = 7,     /**< An operation was refused (the operation bits and the code returned); for a
	                                unique value another customer holds, that customer and the field. */
	CUSTOS_AUDIT_GRANT = 8,    /**< A principal, team or role was created or changed. */
	CUSTOS_AUDIT_REASSIGN = 9, /**< A customer's owner or team changed. */
	CUSTOS_AUDIT_SCHEMA = 10,  /**< The schema changed. */
	CUSTOS_AUDIT_KEYS = 11,    /**< The store's secret changed. */
	CUSTOS_AUDIT_AUDIT = 12,   /**< The audit log was read, verified or the permissions reviewed. */
	CUSTOS_AUDIT_DROPPED = 13, /**< This many queued entries were lost (custos_audit_entry_version()): best-effort
	                                mode found the queue full after a failed commit, or a close could not write
	                                the log. */
	CUSTOS_AUDIT_EVENT = 14,   /**< An event was appended to a customer's timeline (its sequence number is the
	                                entry's version, the classes hold the notes class when it has text). */
	CUSTOS_AUDIT_TIMELINE = 15, /**< A customer's timeline was listed (the classes decrypted). */
	CUSTOS_AUDIT_HISTORY = 16, /**< A customer's field history was listed (the classes the context sees). */
	CUSTOS_AUDIT_CONSENT = 17, /**< A consent record was added (its sequence number is the entry's version; the hash
	                                of the stored record). */
	CUSTOS_AUDIT_CONSENT_LIST = 18, /**< A customer's consent records were listed. */
	CUSTOS_AUDIT_LIFECYCLE = 19, /**< A customer's lifecycle state changed: moved, archived or restored (the new
	                                  record version and its hash, like an update). */
	CUSTOS_AUDIT_ERASE = 20,     /**< A customer was erased (its last record version; the hash of its tombstone). */
	CUSTOS_AUDIT_MAINTAIN = 21, /**< custos_maintain() ran (its moves and erasures have entries of their own). */
	CUSTOS_AUDIT_EXPORT = 22   /**< A customer's data was exported (custos_subject_export(); the classes shown). */
} custos_audit_action;

/** What a #CUSTOS_AUDIT_GRANT entry changed (custos_audit_entry_grant_change() of the entry). */
typedef enum custos_grant_change {
	CUSTOS_GRANT_PRINCIPAL_CREATED = 1, /**< A principal was created (subject: the principal). */
	CUSTOS_GRANT_ROLE_CHANGED = 2,      /**< A principal got another role (subject: the principal). */
	CUSTOS_GRANT_TEAM_CHANGED = 3,      /**< A principal moved team (subject: the principal). */
	CUSTOS_GRANT_DISABLED = 4,          /**< A principal was disabled (subject: the principal). */
	CUSTOS_GRANT_ENABLED = 5,           /**< A principal was enabled (subject: the principal). */
	CUSTOS_GRANT_TEAM_CREATED = 6,      /**< A team was created (subject: the team). */
	CUSTOS_GRANT_ROLE_CREATED = 7       /**< A role was created (subject: the role). */
} custos_grant_change;

/**
 * @brief Called with each new checkpoint, after it is committed, on the committing thread.
 *
 * Store what it receives outside the store (a log server, another machine): it is the anchor
 * that custos_audit_verify() compares the log with. No custos lock is held during the call;
 * do not call custos functions on the same store from it.
 * @param seq The sequence number of the last entry the checkpoint covers.
 * @param hash The chain hash after that entry.
 * @param hash_len 32.
 * @param time_us When the checkpoint was made, in microseconds since the Unix epoch.
 * @param signature Ed25519 signature of the checkpoint under custos_audit_public_key(), over
 *        the 56 bytes `"CUSCKP01"` ‖ @p seq (8 bytes, little-endian) ‖ @p hash (32) ‖
 *        @p time_us (8 bytes, little-endian, two's complement), so a host can check it with
 *        any Ed25519 implementation (libsodium: crypto_sign_verify_detached()).
 * @param sig_len 64.
 * @param payload The pointer given to custos_db_set_checkpoint_callback().
 * @return 0 when the anchor was kept; anything else says it was not: custos_audit_checkpoint()
 *         and custos_db_close() then return #CUSTOS_EUSER. For a checkpoint made on the way
 *         of another call (every `checkpoint_every` entries) the value is not reported: that
 *         call's change is committed, and the next checkpoint covers it. Either way the
 *         checkpoint stays in the store.
 */
typedef int (*custos_checkpoint_fn)(uint64_t seq, const unsigned char *hash, size_t hash_len, int64_t time_us,
	const unsigned char *signature, size_t sig_len, void *payload);

/**
 * @brief Set the function that receives checkpoints (NULL to stop).
 * @param[in] db The store.
 * @param[in] fn The callback, or NULL.
 * @param[in] payload Passed to every call of @p fn.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL store), #CUSTOS_ESTATE (closed).
 * @note Set it before the store is shared by threads.
 */
CUSTOS_EXTERN(int) custos_db_set_checkpoint_callback(custos_db *db, custos_checkpoint_fn fn, void *payload);

/**
 * @brief Commit the queued read entries now.
 *
 * Reading and verifying the log return what is committed: call this first to include the
 * latest reads.
 * @param[in] ctx A context of the store.
 * @return #CUSTOS_OK, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_audit_flush(custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Flush, then make and sign a checkpoint now, handing it to the callback.
 * @param[in] ctx A context holding #CUSTOS_OP_AUDIT.
 * @return #CUSTOS_OK, #CUSTOS_EUSER (the callback refused the checkpoint; it is in the
 *         store), #CUSTOS_EDENIED, #CUSTOS_ESTATE or a backend error.
 */
CUSTOS_EXTERN(int) custos_audit_checkpoint(custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief The Ed25519 public key that verifies the store's checkpoint signatures.
 * @param[out] out Receives 32 bytes; dispose of it with custos_buf_dispose().
 * @param[in] ctx A context holding #CUSTOS_OP_AUDIT.
 * @return #CUSTOS_OK, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE, #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_audit_public_key(custos_buf *out, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Verify the whole audit log, and the customers against it.
 *
 * Recomputes the chain and every checkpoint signature, compares the end of the log with the
 * store's head (and with @p anchor_hash at @p anchor_seq when given), and replays every
 * write entry against the stored customers and every event entry against their timelines
 * (each customer's timeline must count the events the log recorded).
 *
 * Verification writes nothing: it checks what is committed, as the log stood when it
 * reached its end. Call custos_audit_flush() first to include your own recent reads (its own
 * #CUSTOS_AUDIT_AUDIT entry is queued). It reads in short read transactions, never holding
 * one over the whole log, and its memory does not grow with the store (docs/audit.md).
 * @param[out] first_bad Receives 0 when everything verifies; otherwise the sequence number
 *             of the first entry that does not (for a rolled-back customer: the sequence of
 *             the last write entry of that customer). May be NULL.
 * @param[in] ctx A context holding #CUSTOS_OP_AUDIT.
 * @param[in] anchor_seq The sequence number of a checkpoint kept outside the store, or 0.
 * @param[in] anchor_hash Its hash as the checkpoint callback received it, or NULL.
 * @param[in] anchor_hash_len The bytes of @p anchor_hash: #CUSTOS_AUDIT_HASH_BYTES (0 with
 *            no anchor).
 * @return #CUSTOS_OK, #CUSTOS_EAUTH (the message says what is wrong: an edited, missing,
 *         reordered or duplicated entry, a log cut short or older than the anchor, a bad
 *         signature, a customer rolled back, added or removed outside the log),
 *         #CUSTOS_EINVALID (an anchor hash of another length), #CUSTOS_EDENIED,
 *         #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_audit_verify(uint64_t *first_bad, custos_ctx *ctx, uint64_t anchor_seq,
	const unsigned char *anchor_hash, size_t anchor_hash_len) CUSTOS_WARN_UNUSED;

/**
 * @brief Read the log in sequence order, a page at a time.
 *
 * Reading writes nothing: it returns what is committed, also on a store opened read-only
 * or found damaged. The iterator ends at the last entry committed when this call is made
 * (or, when the log's head does not authenticate, wherever the log stops or fails to
 * check); entries committed later, this call's own #CUSTOS_AUDIT_AUDIT entry among them,
 * are for a later call with @p after_seq set to the last sequence number seen. Call
 * custos_audit_flush() first to include the reads queued so far.
 * @param[out] out Receives the iterator, owned by the caller.
 * @param[in] ctx A context holding #CUSTOS_OP_AUDIT. The iterator keeps a reference on it:
 *            the context may be freed first; the iterator stays usable until it is freed.
 * @param[in] after_seq Start after this sequence number (0 = from the first entry).
 * @return #CUSTOS_OK, #CUSTOS_EDENIED, #CUSTOS_EINVALID, #CUSTOS_ESTATE, #CUSTOS_ENOMEM
 *         or a backend error.
 */
CUSTOS_EXTERN(int) custos_audit_read(custos_audit_iter **out, custos_ctx *ctx, uint64_t after_seq) CUSTOS_WARN_UNUSED;

/**
 * @brief The next entry.
 * @param[out] out Receives the entry, owned by the caller.
 * @param[in] iter The iterator.
 * Every entry's tag and every block's hash are checked before an entry is handed out.
 * @return #CUSTOS_OK, #CUSTOS_ITEROVER, #CUSTOS_EAUTH (an entry or block that does not
 *         verify: the message names the first bad entry, after the entries before it were
 *         returned; calling again returns it again), #CUSTOS_ESTATE,
 *         #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_audit_next(custos_audit_entry **out, custos_audit_iter *iter) CUSTOS_WARN_UNUSED;

/**
 * @brief Free an audit iterator.
 * @param[in] iter The iterator; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_audit_iter_free(custos_audit_iter *iter);

/**
 * @brief Free an audit entry.
 * @param[in] entry The entry; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_audit_entry_free(custos_audit_entry *entry);

/** @brief Sequence number (from 1). @param[in] e The entry. @return The number, 0 for NULL. */
CUSTOS_EXTERN(uint64_t) custos_audit_entry_seq(const custos_audit_entry *e);
/** @brief When it happened. @param[in] e The entry. @return Microseconds since the Unix epoch, 0 for NULL. */
CUSTOS_EXTERN(int64_t) custos_audit_entry_time(const custos_audit_entry *e);
/** @brief Who acted. @param[in] e The entry. @return The principal id, 0 for none or NULL. */
CUSTOS_EXTERN(uint32_t) custos_audit_entry_actor(const custos_audit_entry *e);
/** @brief What happened. @param[in] e The entry. @return A #custos_audit_action, 0 for NULL. */
CUSTOS_EXTERN(int) custos_audit_entry_action(const custos_audit_entry *e);
/** @brief The customer concerned. @param[in] e The entry. @return Its id, 0 for none or NULL. */
CUSTOS_EXTERN(uint64_t) custos_audit_entry_customer(const custos_audit_entry *e);
/** @brief Field classes read or written. @param[in] e The entry. @return Bit c set for class c. */
CUSTOS_EXTERN(uint32_t) custos_audit_entry_classes(const custos_audit_entry *e);
/** @brief The outcome. @param[in] e The entry. @return #CUSTOS_OK or the error code returned. */
CUSTOS_EXTERN(int) custos_audit_entry_result(const custos_audit_entry *e);
/** @brief The version a change made: the customer's record version after a
 *  #CUSTOS_AUDIT_CREATE, #CUSTOS_AUDIT_UPDATE, #CUSTOS_AUDIT_REASSIGN or
 *  #CUSTOS_AUDIT_LIFECYCLE, its last record version for a #CUSTOS_AUDIT_ERASE, the schema
 *  version after a #CUSTOS_AUDIT_SCHEMA, the event's sequence number for a
 *  #CUSTOS_AUDIT_EVENT, the record's for a #CUSTOS_AUDIT_CONSENT. @param[in] e The entry.
 *  @return The version, 0 for other actions or NULL. */
CUSTOS_EXTERN(uint32_t) custos_audit_entry_version(const custos_audit_entry *e);
/** @brief What a #CUSTOS_AUDIT_GRANT entry changed. @param[in] e The entry.
 *  @return A #custos_grant_change, 0 for other actions or NULL. */
CUSTOS_EXTERN(int) custos_audit_entry_grant_change(const custos_audit_entry *e);
/** @brief How many entries a #CUSTOS_AUDIT_DROPPED entry stands for. @param[in] e The entry.
 *  @return The number of entries lost, 0 for other actions or NULL. */
CUSTOS_EXTERN(uint64_t) custos_audit_entry_dropped(const custos_audit_entry *e);
/** @brief The operation bits used or refused. @param[in] e The entry. @return `CUSTOS_OP_*` bits. */
CUSTOS_EXTERN(uint32_t) custos_audit_entry_operation(const custos_audit_entry *e);
/** @brief The other party: a principal, team or field id, by action. @param[in] e The entry. @return The id, or 0. */
CUSTOS_EXTERN(uint32_t) custos_audit_entry_subject(const custos_audit_entry *e);

/**
 * @brief Name of an audit action, such as "read".
 * @param[in] action A #custos_audit_action.
 * @return A static string, or NULL for an unknown value.
 */
CUSTOS_EXTERN(const char *) custos_audit_action_name(int action);

/**
 * @brief Parse the name of an audit action.
 * @param[out] out Receives the #custos_audit_action.
 * @param[in] name A name as returned by custos_audit_action_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_audit_action_parse(int *out, const char *name);

/**
 * @brief Name of a grant change, such as "role_changed".
 * @param[in] change A #custos_grant_change.
 * @return A static string, or NULL for an unknown value.
 */
CUSTOS_EXTERN(const char *) custos_grant_change_name(int change);

/**
 * @brief Parse the name of a grant change.
 * @param[out] out Receives the #custos_grant_change.
 * @param[in] name A name as returned by custos_grant_change_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_grant_change_parse(int *out, const char *name);

/** Bytes of a chain hash: of a checkpoint, and of an anchor given to custos_audit_verify(). */
#define CUSTOS_AUDIT_HASH_BYTES 32U

/** @brief #CUSTOS_AUDIT_HASH_BYTES, for FFI. @return 32. */
CUSTOS_EXTERN(size_t) custos_audit_hash_bytes(void);

CUSTOS_END_DECL

/** @} */

#endif
