/*
 * custos — db.h: opening and closing a store, unlocking it with a secret, changing the secret.
 */
#ifndef CUSTOS_DB_H
#define CUSTOS_DB_H

#include "common.h"

/**
 * @file custos/db.h
 * @brief Stores: open, close, unlock secrets and passphrase change.
 * @defgroup custos_db Stores
 * @ingroup custos
 *
 * A store is opened from a URI:
 * - `lmdb:PATH` — an LMDB environment in directory PATH (the default backend);
 * - `PATH` — a plain path means LMDB too;
 * - `memory:` — an ephemeral in-memory store, gone when closed.
 *
 * Every store is encrypted. It is unlocked with a #custos_secret: a passphrase, stretched
 * with Argon2id, or a raw 32-byte master key that the host keeps in its KMS or HSM.
 *
 * Threading: a #custos_db may be shared by any number of threads. custos_db_close() must be
 * called once, by one thread, when no other thread is inside a call on the store. No
 * handle may be used in a child process after fork(): open the store again in the child.
 * @{
 */

CUSTOS_BEGIN_DECL

/** An open store. Thread-safe. */
typedef struct custos_db custos_db;
/** Unlock material: a passphrase or a raw master key, held in guarded memory. */
typedef struct custos_secret custos_secret;
/** A permission context; see custos/access.h. */
typedef struct custos_ctx custos_ctx;

/**
 * @name Open flags
 * Bits for #custos_db_options.flags. 0 opens an existing store read-write.
 * @{
 */
/** Create the store if it does not exist. No store is created over data without a store
 *  header (another program's, or a store that lost its header): that is #CUSTOS_EEXISTS. */
#define CUSTOS_OPEN_CREATE 0x1U
/** With #CUSTOS_OPEN_CREATE: fail with #CUSTOS_EEXISTS if the store already exists. */
#define CUSTOS_OPEN_EXCL 0x2U
/** Open read-only: every write fails with #CUSTOS_ESTATE. */
#define CUSTOS_OPEN_READONLY 0x4U
/** @} */

/**
 * @name Durability levels
 * Values for #custos_db_options.durability.
 * @{
 */
/** Every commit is on stable storage when the call returns (LMDB: data and meta page synced). */
#define CUSTOS_DURABILITY_FULL 0U
/** A system crash may lose the last commit, never corrupts the store; an application crash
 *  loses nothing (LMDB `MDB_NOMETASYNC`; like SQLite WAL with synchronous=NORMAL). */
#define CUSTOS_DURABILITY_NORMAL 1U
/** @} */

/**
 * @name Read auditing
 * Values for #custos_db_options.audit_reads.
 * @{
 */
/** Reads are audited in batches; while the log cannot be written, reads are refused. */
#define CUSTOS_AUDIT_READS_FAIL_CLOSED 0U
/** Reads are audited in batches and served while the log cannot be written: an entry that then finds the
 *  queue full is dropped and counted, and the count is logged by the next commit. */
#define CUSTOS_AUDIT_READS_BEST_EFFORT 1U
/** Reads are not audited (changes, denials and grant changes still are). */
#define CUSTOS_AUDIT_READS_OFF 2U
/** @} */

/** Options for custos_db_open(). Set `version` with #CUSTOS_DB_OPTIONS_INIT or custos_db_options_init(). */
typedef struct custos_db_options {
	unsigned int version;        /**< #CUSTOS_DB_OPTIONS_VERSION. */
	unsigned int flags;          /**< `CUSTOS_OPEN_*` bits; 0 opens an existing store read-write. */
	uint32_t durability;         /**< `CUSTOS_DURABILITY_*`; 0 is #CUSTOS_DURABILITY_FULL. */
	uint32_t kdf_opslimit;       /**< Argon2id passes for a new passphrase; 0 = 3. Range 2..10. */
	uint64_t kdf_memlimit;       /**< Argon2id memory for a new passphrase, bytes; 0 = 256 MiB. Range 64 MiB..1 GiB. */
	uint64_t expected_customers; /**< Population the blind indexes are sized for (creation only); 0 = 1,000,000. */
	const char *default_region;  /**< ISO 3166 region for phones without '+' (creation only), e.g. "HK"; NULL = none. */
	const char *admin_name;      /**< Name of the bootstrap admin principal (creation only); NULL = "admin". */
	uint64_t map_size;           /**< LMDB: initial map size in bytes; 0 = 64 MiB. The map grows by itself. */
	uint32_t audit_reads;        /**< `CUSTOS_AUDIT_READS_*`; 0 is #CUSTOS_AUDIT_READS_FAIL_CLOSED. */
	uint32_t audit_batch;        /**< Read entries per group commit; 0 = 2048. At most 4096. The queue holds
	                                  twice this many: the most a crash can lose. */
	uint32_t audit_max_age_ms;   /**< Commit queued read entries once the oldest is this old; 0 = 1000. */
	uint32_t checkpoint_every;   /**< Sign a checkpoint every this many entries; 0 = 1000. */
} custos_db_options;

/** The current version of #custos_db_options. */
#define CUSTOS_DB_OPTIONS_VERSION 1
/** Static initialiser for #custos_db_options with every default. */
#define CUSTOS_DB_OPTIONS_INIT { CUSTOS_DB_OPTIONS_VERSION, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0 }

/**
 * @brief Fill @p opts with defaults for the given structure version.
 * @param[out] opts The structure to fill.
 * @param[in] version #CUSTOS_DB_OPTIONS_VERSION.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID if @p opts is NULL, #CUSTOS_EVERSION for an unknown version.
 */
CUSTOS_EXTERN(int) custos_db_options_init(custos_db_options *opts, unsigned int version);

/**
 * @brief sizeof(#custos_db_options) in this library, for FFI bindings that mirror the struct.
 * @return The size in bytes.
 */
CUSTOS_EXTERN(size_t) custos_db_options_size(void);

/**
 * @brief Make a secret from a passphrase.
 *
 * The passphrase is copied into guarded memory (`sodium_malloc`), so the caller may wipe
 * its own copy at once. custos_secret_free() wipes the copy.
 * @param[out] out Receives the secret, owned by the caller.
 * @param[in] passphrase NUL-terminated UTF-8, 1 to #CUSTOS_PASSPHRASE_MAX_BYTES bytes.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, empty, too long, not UTF-8), #CUSTOS_ENOMEM.
 * @note A secret belongs to one thread at a time.
 */
CUSTOS_EXTERN(int) custos_secret_passphrase(custos_secret **out, const char *passphrase) CUSTOS_WARN_UNUSED;

/**
 * @brief Make a secret from a raw master key, such as one unwrapped from a KMS.
 * @param[out] out Receives the secret, owned by the caller.
 * @param[in] key The key bytes.
 * @param[in] key_len Must be #CUSTOS_KEY_BYTES.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, wrong length, all zero bytes), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_secret_key(custos_secret **out, const unsigned char *key, size_t key_len) CUSTOS_WARN_UNUSED;

/**
 * @brief Wipe and free a secret.
 * @param[in] secret The secret; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_secret_free(custos_secret *secret);

/**
 * @brief Open (or create) a store.
 *
 * A store is created with #CUSTOS_OPEN_CREATE: the secret becomes its unlock secret, its
 * schema holds the built-in customer fields, and its bootstrap admin principal is named
 * by `admin_name`. Opening an existing store checks the secret against the store's
 * key-check value before anything else is read.
 *
 * A store written by custos 0.1.0 is upgraded to the current formats at its first
 * read-write open, before this returns (its customers are rewritten, 1,000 per
 * transaction, and the rewrites logged); it cannot be opened read-only before that.
 *
 * One LMDB environment serves each path in a process: opening the same path again shares
 * it (and fails with #CUSTOS_EBUSY if the flags differ in #CUSTOS_OPEN_READONLY or the
 * durability). Stale reader slots left by crashed processes are cleared at open.
 *
 * A writable store starts one thread, with every signal blocked, that commits queued
 * audit entries of reads (see `audit_batch` and `audit_max_age_ms`); custos_db_close()
 * joins it. A read-only store must be opened with #CUSTOS_AUDIT_READS_OFF.
 *
 * @param[out] out Receives the store, owned by the caller; NULL on failure.
 * @param[in] uri `lmdb:PATH`, `memory:` or a plain path (LMDB).
 * @param[in] secret The unlock secret; the store keeps no reference to it.
 * @param[in] opts Options, or NULL for defaults (open an existing store read-write).
 * @return #CUSTOS_OK, or
 * <ul>
 * <li>#CUSTOS_ENOTFOUND: no store at @p uri and #CUSTOS_OPEN_CREATE not given (nothing
 *     is written there);</li>
 * <li>#CUSTOS_EEXISTS: #CUSTOS_OPEN_EXCL given and the store exists, or
 *     #CUSTOS_OPEN_CREATE given where there is data but no store header: another
 *     program's LMDB environment, or a store whose header was lost;</li>
 * <li>#CUSTOS_EKEY: the secret does not unlock this store (or the header's key-derivation
 *     inputs were altered, which cannot be told apart);</li>
 * <li>#CUSTOS_EINVALID, #CUSTOS_EVERSION: bad arguments or options, or a store format this
 *     library does not read;</li>
 * <li>#CUSTOS_EAUTH: the header, keyring or another record of the store's metadata was
 *     altered, or put back from an older copy (the message says which kind);</li>
 * <li>#CUSTOS_ECORRUPT: the store's key records are damaged, or (LMDB) its file is: the
 *     message names the page and the fault;</li>
 * <li>#CUSTOS_EBUSY, #CUSTOS_EIO, #CUSTOS_EBACKEND, #CUSTOS_ENOMEM.</li>
 * </ul>
 */
CUSTOS_EXTERN(int) custos_db_open(custos_db **out, const char *uri, const custos_secret *secret,
	const custos_db_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief Close a store.
 *
 * Queued audit entries are committed and a final checkpoint is signed and handed to the
 * checkpoint callback (when the store is writable). If that commit fails, the queued
 * entries are lost: their count is kept in the store, without touching the log, for the
 * next commit to log as a #CUSTOS_AUDIT_DROPPED entry (unless the store cannot be written
 * at all), and the failure is returned. Whatever it returns, the store is closed: the
 * backend is closed and every key is wiped. Handles made from the store (contexts,
 * customers, iterators, schemas) stay allocated until the caller frees them, in any
 * order: customer and schema handles keep their already-decrypted values; any call that
 * needs the store fails with #CUSTOS_ESTATE. The store's memory is released when the last
 * of them is freed (SQLite's `sqlite3_close_v2` rule).
 * @param[in] db The store; NULL is accepted.
 * @return #CUSTOS_OK; #CUSTOS_EUSER when the checkpoint callback refused the final
 *         checkpoint (it is in the store); the commit's error (#CUSTOS_EFULL, #CUSTOS_EIO,
 *         #CUSTOS_ECORRUPT for a store found damaged, ...) when the queued entries could not
 *         be committed. The store is closed in every case.
 * @note Call once, from one thread, while no other thread is inside a call on @p db.
 */
CUSTOS_EXTERN(int) custos_db_close(custos_db *db);

/**
 * @brief Replace the store's unlock secret (passphrase change or master-key rotation).
 *
 * Only the keyring is re-sealed, in one transaction: the cost does not depend on the
 * number of customers. From then on custos opens the store with the new secret only (an
 * older header and keyring put back are #CUSTOS_EAUTH at open). This is not key rotation:
 * the keys inside the keyring stay the same, so whoever holds the old secret and a copy of
 * the old keyring (a backup, a file copy) can still derive them outside custos and read
 * every customer, including those created after the change. A passphrase gets a new salt
 * and the Argon2id limits of the options the store was opened with.
 * @param[in] ctx A context whose principal may manage keys.
 * @param[in] secret The new secret.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EDENIED, #CUSTOS_ESTATE (read-only or closed),
 *         or a backend error.
 */
CUSTOS_EXTERN(int) custos_db_rekey(custos_ctx *ctx, const custos_secret *secret) CUSTOS_WARN_UNUSED;

/**
 * @brief Check a store you do not trust, before reading it.
 *
 * Run this after opening a store whose files may have been damaged or tampered with (a
 * copy from elsewhere, a disk that failed, a crash you cannot explain), and read the store
 * only if it succeeds. The check only reads, and stops at the first problem:
 * <ol>
 * <li>the backend checks its own structure without trusting it (the `lmdb` backend reads
 *     every page of the file with bounds checks before LMDB ever follows it);</li>
 * <li>the store's principals, roles, teams, schema, counters and keys are the ones the
 *     audit log's head recorded (none was put back from an older copy);</li>
 * <li>every sealed record (schema, counters, the audit log's head, principals, roles and
 *     teams) and the store header authenticate;</li>
 * <li>every customer record authenticates (its data key unwraps, its tag verifies) and
 *     decodes;</li>
 * <li>the counters agree with the records (number of customers, next id);</li>
 * <li>the indexes hold exactly the entries the customers need: every searchable value
 *     (each tag of a tags field), owner and team has its entry, every blind index entry
 *     carries the verifier recomputed from the decrypted value, and no entry is stray;</li>
 * <li>each customer's timeline: every event, history entry and points ledger authenticates
 *     and decodes, the events are numbered 1 to n without a gap, the summary's metrics and
 *     the ledger's lots say what the events say, and no event, summary or history entry
 *     belongs to a customer that does not exist.</li>
 * </ol>
 * Values are decrypted inside the library to compare them with the index; nothing of them
 * leaves it, and messages name customer ids, fields and kinds of entry, never a value.
 *
 * The record and index part runs in one read snapshot, so writers may go on meanwhile
 * without making a sound store look damaged; with LMDB the snapshot keeps the pages
 * writers replace until the check ends (a few tenths of a second for 20,000 customers),
 * so the file may grow by that much. Memory does not grow with the number of customers.
 * The audit log is verified by custos_audit_verify(), which also finds a record rolled
 * back to an older valid copy.
 *
 * A store found damaged or tampered with (#CUSTOS_ECORRUPT or #CUSTOS_EAUTH) is not written
 * any more by this process, its queued audit entries and the final checkpoint included:
 * close it and restore a backup. When the damage is in the indexes alone (a missing, stray
 * or mismatched index entry), custos_db_rebuild_indexes() may still run, makes them again
 * from the records, and lets the store be written again.
 * @param[in] ctx A context whose principal holds #CUSTOS_OP_AUDIT.
 * @return #CUSTOS_OK, or
 * <ul>
 * <li>#CUSTOS_EAUTH: a record or sealed value fails authentication, or stored metadata was
 *     put back from an older copy (tampering or damage); the message names it (for a
 *     customer, its id);</li>
 * <li>#CUSTOS_ECORRUPT: the storage is damaged or inconsistent (a missing, stray or
 *     mismatched index entry, counters that disagree with the records, a missing event, a
 *     timeline summary or ledger that disagrees with the events); the message names where
 *     and what;</li>
 * <li>#CUSTOS_EDENIED, #CUSTOS_ESTATE, #CUSTOS_EINVALID;</li>
 * <li>#CUSTOS_EIO, #CUSTOS_ENOMEM, #CUSTOS_EBACKEND.</li>
 * </ul>
 */
CUSTOS_EXTERN(int) custos_db_check(custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Rebuild every index of the store from its customer records.
 *
 * For a store whose indexes custos_db_check() found damaged (#CUSTOS_ECORRUPT naming a
 * missing, stray or mismatched index entry): every index entry — the blind and clear
 * entries of every searchable field and the owner and team entries — is dropped and made
 * again from the authenticated records. A store whose check found only such damage takes
 * no other write until this succeeds; one found damaged otherwise is not written at all.
 *
 * First every record is read and authenticated: if one fails, nothing is written and the
 * call fails with #CUSTOS_EAUTH naming the customer (restore a backup instead). Then the
 * work runs in transactions of a few thousand customers or entries each, so no store is
 * too large for it, and other calls go on between them. Meanwhile finds may miss
 * customers whose entries are not made again yet, never return a wrong one (every
 * candidate is checked against its record). If the process stops midway, call it again:
 * a second rebuild starts over and repairs the store. A rebuild replaces an index build of
 * custos_schema_set_field_flags() under way, which then fails with #CUSTOS_EBUSY.
 *
 * Audited with one #CUSTOS_AUDIT_SCHEMA entry, whose version is the schema's current
 * version, in its last transaction. Well under a second for 20,000 customers.
 * @param[in] ctx A context whose principal holds #CUSTOS_OP_SCHEMA.
 * @return #CUSTOS_OK, or
 * <ul>
 * <li>#CUSTOS_EAUTH, #CUSTOS_ECORRUPT: a customer's record is damaged (the message names
 *     it; nothing was written, and the store is not written any more by this process), or
 *     the store was found damaged beyond its indexes;</li>
 * <li>#CUSTOS_EBUSY: another rebuild started meanwhile, which carries on;</li>
 * <li>#CUSTOS_EDENIED, #CUSTOS_ESTATE (closed, read-only, the context's rights changed),
 *     #CUSTOS_EINVALID;</li>
 * <li>#CUSTOS_EIO, #CUSTOS_ENOMEM, #CUSTOS_EBACKEND: call it again.</li>
 * </ul>
 */
CUSTOS_EXTERN(int) custos_db_rebuild_indexes(custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief The name of the store's backend, such as "lmdb" or "memory".
 * @param[in] db The store.
 * @return A string borrowed from the store, valid until it is closed; "" for NULL.
 */
CUSTOS_EXTERN(const char *) custos_db_backend_name(const custos_db *db);

CUSTOS_END_DECL

/** @} */

#endif
