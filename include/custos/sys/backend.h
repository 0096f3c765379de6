/*
 * custos — sys/backend.h: the storage backend vtable, for hosts that bring their own storage.
 * Backends see only opaque keys and ciphertext; they know nothing of customers or keys.
 */
#ifndef CUSTOS_SYS_BACKEND_H
#define CUSTOS_SYS_BACKEND_H

#include "../common.h"
#include "../db.h"
#include "../errors.h"

/**
 * @file custos/sys/backend.h
 * @brief The storage backend interface: an ordered key-value store with buckets,
 *        transactions and cursors.
 * @defgroup custos_backend Storage backends
 * @ingroup custos
 *
 * custos keeps everything in a fixed list of named buckets, each an ordered map from byte
 * keys to byte values, compared with memcmp() then length. A backend implements that map
 * with transactions: custos_db_open_backend() takes a host-written one; `lmdb` and
 * `memory` are built in (custos_backend_open()).
 *
 * Contract for implementations:
 * - Embed #custos_backend as the first member of your own struct ("subclassing").
 * - Buckets are declared by `prepare` before any transaction and then addressed by
 *   their index in that list. custos calls it at every open: a backend handed back by a
 *   failed custos_db_open_backend() and given to another gets the same list again and
 *   must keep what its buckets hold.
 * - A transaction is either read-only or read-write. custos never runs two write
 *   transactions at once on one backend, may run read transactions on other threads
 *   meanwhile, and ends every transaction on the thread that began it.
 * - A read-write transaction sees its own writes; nothing of it is visible to others
 *   before `commit` returns, and all of it is after. `abort` discards it.
 * - A value or key handed out by `get` or a cursor is valid until the next call into the
 *   backend on the same transaction or cursor, or until the transaction ends, whichever
 *   comes first. custos copies what it keeps. Nothing a backend returns may be assumed
 *   valid after its transaction ends, so a backend over a networked store may reuse one
 *   buffer per transaction.
 * - Methods return #CUSTOS_OK or a negative `CUSTOS_E*` code and set the message with
 *   custos_error_set(); never a native code of the underlying store.
 *
 * Versioning: the struct only grows at its end. Methods added in a later version sit
 * below a marked line and are only called when the backend's `version` says it has them.
 * A backend built against a newer header than the library's (a higher `version`) is
 * accepted: the library calls only the methods of the versions it knows (SQLite's rule for
 * its VFS). custos_backend_init() zeroes only versions it knows.
 * @{
 */

CUSTOS_BEGIN_DECL

/** A storage backend. */
typedef struct custos_backend custos_backend;

/** A byte string handed to or returned by a backend. */
typedef struct custos_val {
	const unsigned char *data; /**< The bytes; may be NULL when `size` is 0. */
	size_t size;               /**< Number of bytes. */
} custos_val;

/**
 * @name Transaction flags
 * Values for the `flags` argument of the `begin` method.
 * @{
 */
/** A read-only transaction. */
#define CUSTOS_TXN_READ 0x0U
/** A read-write transaction. */
#define CUSTOS_TXN_WRITE 0x1U
/** @} */

/**
 * @name Put flags
 * Hints for the `flags` argument of the `put` method; a backend may ignore them.
 * @{
 */
/** The key is greater than every key in the bucket (new customer ids only grow): a
 *  backend may append without searching and pack its pages full. */
#define CUSTOS_PUT_APPEND 0x1U
/** @} */

/** The backend vtable. Fill it with custos_backend_init() first. */
struct custos_backend {
	/** #CUSTOS_BACKEND_VERSION the backend was built against. */
	unsigned int version;
	/** Short name, such as "lmdb"; borrowed for the backend's lifetime. */
	const char *name;

	/**
	 * Declare the buckets before any transaction. Create missing ones unless the backend
	 * is read-only; in a read-only backend a missing bucket reads as empty. Called again
	 * with the same list when the backend is opened again after a failed open: keep what
	 * the buckets hold.
	 */
	int (*prepare)(custos_backend *be, const char *const *buckets, size_t count);
	/** Begin a transaction with #CUSTOS_TXN_READ or #CUSTOS_TXN_WRITE; store its handle in `*txn_out`. */
	int (*begin)(custos_backend *be, unsigned int flags, void **txn_out);
	/** Make a transaction's writes durable and visible; the handle is gone afterwards, even on failure. */
	int (*commit)(custos_backend *be, void *txn);
	/** Discard a transaction; the handle is gone afterwards. */
	void (*abort)(custos_backend *be, void *txn);
	/** Read a value; #CUSTOS_ENOTFOUND when the key is absent. */
	int (*get)(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, custos_val *val_out);
	/** Insert or replace a value; `flags` holds `CUSTOS_PUT_*` hints. #CUSTOS_EFULL when the
	 *  store is out of space (custos may call `grow` and run the transaction again);
	 *  #CUSTOS_ETOOBIG when the transaction holds more changes than the backend can hold in
	 *  one, which more space would not fix (custos does not run it again). */
	int (*put)(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, const custos_val *val,
		unsigned int flags);
	/** Delete a key; #CUSTOS_ENOTFOUND when it is absent. */
	int (*del)(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key);
	/** Open a cursor over a bucket within a transaction. */
	int (*cursor_open)(custos_backend *be, void *txn, unsigned int bucket, void **cursor_out);
	/** Position at the first key >= `key` (the first key when `key->size` is 0); #CUSTOS_ITEROVER if none. */
	int (*cursor_seek)(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
		custos_val *val_out);
	/** Move to the next key; #CUSTOS_ITEROVER at the end. */
	int (*cursor_next)(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out);
	/** Close a cursor; called before its transaction ends. */
	void (*cursor_close)(custos_backend *be, void *cursor);
	/**
	 * Optional (may be NULL). Called after custos aborted a write transaction that failed
	 * with #CUSTOS_EFULL: make room and return #CUSTOS_OK so custos retries the whole
	 * transaction, or return #CUSTOS_EFULL if no room can be made. Called with no
	 * transaction of this backend open in the process.
	 */
	int (*grow)(custos_backend *be);
	/** Release the backend. Mandatory. */
	void (*free)(custos_backend *be);
	/* ---- methods added in version 2 go below this line ---- */
	/**
	 * Optional (may be NULL). A read-only check of the backend's own storage structure,
	 * made without trusting it, for custos_db_check(): return #CUSTOS_OK, or
	 * #CUSTOS_ECORRUPT with a message that says where the damage is and what is wrong.
	 * It must not write, and must not crash or hang on any content of the storage.
	 * Called with no transaction of this backend open on the calling thread.
	 */
	int (*check)(custos_backend *be);
	/**
	 * Optional (may be NULL). The commit a transaction sees, as a number that grows with
	 * every commit of the store (by any process): two read transactions with the same
	 * number see the same data. custos uses it to skip checks whose answer cannot have
	 * changed since the last one (a context's rights); without it, it checks every time.
	 */
	int (*txn_id)(custos_backend *be, void *txn, uint64_t *out);
	/* ---- methods added in version 3 go below this line ---- */
	/**
	 * Optional (may be NULL; a backend has both of these or neither). Position at the last
	 * key < `key` (the last key of the bucket when `key->size` is 0); #CUSTOS_ITEROVER if
	 * none. custos reads newest-first listings backwards with it; without it, it reads them
	 * forwards and keeps the last ones.
	 */
	int (*cursor_seek_before)(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
		custos_val *val_out);
	/** Optional, with `cursor_seek_before`: move to the previous key; #CUSTOS_ITEROVER at the start. */
	int (*cursor_prev)(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out);
	/* ---- methods added in version 4 go below this line ---- */
};

/** The version of #custos_backend this header declares. */
#define CUSTOS_BACKEND_VERSION 3
/** Static initialiser for a #custos_backend with no methods. */
#define CUSTOS_BACKEND_INIT { CUSTOS_BACKEND_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * @brief Zero a backend struct and set its version.
 * Only the members that `version` has are zeroed, so a backend built against an older
 * header passes its own (smaller) struct safely.
 * @param[out] be The struct to fill.
 * @param[in] version The #CUSTOS_BACKEND_VERSION the caller was built against.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID if @p be is NULL, #CUSTOS_EVERSION for an unknown version.
 */
CUSTOS_EXTERN(int) custos_backend_init(custos_backend *be, unsigned int version);

/**
 * @brief Make one of the built-in backends from a URI, without opening a store on it.
 *
 * For hosts that wrap a built-in backend, and for testing backends side by side.
 * @param[out] out Receives the backend, owned by the caller until handed to custos_db_open_backend().
 * @param[in] uri `lmdb:PATH`, a plain path, or `memory:`.
 * @param[in] opts Options (`flags`, `durability`, `map_size` are used), or NULL for defaults.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no store at the path and no #CUSTOS_OPEN_CREATE),
 *         #CUSTOS_ECORRUPT (a damaged LMDB file), #CUSTOS_EINVALID, #CUSTOS_EVERSION,
 *         #CUSTOS_ENOTSUPPORTED (unknown scheme), #CUSTOS_EBUSY, #CUSTOS_EIO, #CUSTOS_EBACKEND,
 *         #CUSTOS_ENOMEM. An `lmdb` backend's `prepare` creates no bucket unless
 *         #CUSTOS_OPEN_CREATE was given (or the environment holds some of them already),
 *         and refuses with #CUSTOS_EEXISTS to create any in an environment holding other data.
 */
CUSTOS_EXTERN(int) custos_backend_open(custos_backend **out, const char *uri, const custos_db_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief Release a backend that was not handed to a store.
 * @param[in] be The backend; NULL is accepted. Calls its `free` method.
 */
CUSTOS_EXTERN(void) custos_backend_free(custos_backend *be);

/**
 * @brief Open (or create) a store on a host-built backend.
 *
 * The store takes ownership of @p backend on success only: it calls the backend's `free`
 * when the store is released. On failure the caller still owns it.
 * @param[out] out Receives the store.
 * @param[in] backend The backend, version 1 to #CUSTOS_BACKEND_VERSION, with every mandatory method.
 * @param[in] secret The unlock secret.
 * @param[in] opts As for custos_db_open().
 * @return As custos_db_open(); #CUSTOS_EVERSION or #CUSTOS_EINVALID for a bad vtable.
 */
CUSTOS_EXTERN(int) custos_db_open_backend(custos_db **out, custos_backend *backend, const custos_secret *secret,
	const custos_db_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief Set the calling thread's last error, for backend authors.
 * @param[in] code A negative `CUSTOS_E*` code.
 * @param[in] message A message for a person; copied (truncated to 511 bytes). NULL uses
 *            custos_strerror() of @p code.
 * @return @p code, so a backend can write `return custos_error_set(CUSTOS_EIO, "...");`.
 */
CUSTOS_EXTERN(int) custos_error_set(int code, const char *message);

CUSTOS_END_DECL

/** @} */

#endif
