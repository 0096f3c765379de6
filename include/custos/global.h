/*
 * custos — global.h: library initialisation, run-time version and size constants.
 */
#ifndef CUSTOS_GLOBAL_H
#define CUSTOS_GLOBAL_H

#include "common.h"

/**
 * @file custos/global.h
 * @brief Initialisation, run-time version and the size limits, each also readable as a function.
 * @defgroup custos_global Library initialisation and constants
 * @ingroup custos
 *
 * Every size constant has a getter function so that FFI users, who cannot see macros,
 * read the same value (libsodium's rule).
 * @{
 */

CUSTOS_BEGIN_DECL

/** Length in bytes of a raw master key. */
#define CUSTOS_KEY_BYTES 32U
/** Longest accepted passphrase, in bytes. */
#define CUSTOS_PASSPHRASE_MAX_BYTES 4096U
/** Largest value a text field may be configured to hold, in bytes: one value this long
 *  always fits in a record, in its field class (encrypted) or in the clear section. Several
 *  long values of one class together may not: a class holds at most 65,519 bytes of values
 *  with 4 bytes of header each, which a write that exceeds it reports. */
#define CUSTOS_VALUE_MAX_BYTES 65000U
/** Longest name of a field, principal or enum value, in bytes. */
#define CUSTOS_NAME_MAX_BYTES 64U
/** Most customers custos_customer_create_many() accepts in one call. */
#define CUSTOS_BATCH_MAX 100000U

/**
 * @brief Initialise the library. Idempotent, reference-counted and thread-safe.
 *
 * Calling it is optional: every function that needs initialisation performs it. It exists
 * for hosts that want a failure of libsodium's initialisation reported early.
 * @return The number of outstanding initialisations (>= 1), or #CUSTOS_ERROR if libsodium
 *         could not be initialised.
 * @note Thread-safe.
 */
CUSTOS_EXTERN(int) custos_init(void);

/**
 * @brief Undo one custos_init(). Open handles stay valid; nothing is freed behind them.
 * @return The number of outstanding initialisations after this call (>= 0).
 * @note Thread-safe.
 */
CUSTOS_EXTERN(int) custos_shutdown(void);

/**
 * @brief The run-time version of the library.
 * @param[out] major Receives the major version; may be NULL.
 * @param[out] minor Receives the minor version; may be NULL.
 * @param[out] patch Receives the patch version; may be NULL.
 * @return The version string, "MAJOR.MINOR.PATCH", static.
 * @note Thread-safe.
 */
CUSTOS_EXTERN(const char *) custos_version(int *major, int *minor, int *patch);

/** @brief #CUSTOS_KEY_BYTES, for FFI. @return 32. */
CUSTOS_EXTERN(size_t) custos_key_bytes(void);
/** @brief #CUSTOS_PASSPHRASE_MAX_BYTES, for FFI. @return The limit in bytes. */
CUSTOS_EXTERN(size_t) custos_passphrase_max_bytes(void);
/** @brief #CUSTOS_VALUE_MAX_BYTES, for FFI. @return The limit in bytes. */
CUSTOS_EXTERN(size_t) custos_value_max_bytes(void);
/** @brief #CUSTOS_NAME_MAX_BYTES, for FFI. @return The limit in bytes. */
CUSTOS_EXTERN(size_t) custos_name_max_bytes(void);
/** @brief #CUSTOS_BATCH_MAX, for FFI. @return The limit in customers. */
CUSTOS_EXTERN(size_t) custos_batch_max(void);

CUSTOS_END_DECL

/** @} */

#endif
