/*
 * custos — errors.h: the error codes and the thread-local last-error message.
 * Codes are ABI: they are only ever appended, never renumbered.
 */
#ifndef CUSTOS_ERRORS_H
#define CUSTOS_ERRORS_H

#include "common.h"

/**
 * @file custos/errors.h
 * @brief Error codes, the thread-local last-error message and static code descriptions.
 * @defgroup custos_errors Errors
 * @ingroup custos
 *
 * Every fallible function returns `int`: #CUSTOS_OK (0) or one of the negative codes
 * below. Before returning a negative code the function stores a message for a person in
 * a thread-local slot, read with custos_error_last(). The message says what was wrong and,
 * where it helps, what to do ("field 'email': missing domain after '@'"). Messages never
 * contain key material, and never echo values of encrypted fields.
 *
 * Thread-safety: the slot is per thread, so read it on the thread that made the failing
 * call, before making another call that can fail. A successful call does not clear it.
 * @{
 */

CUSTOS_BEGIN_DECL

/** Result codes. The values are part of the ABI: new codes are only ever appended. */
typedef enum custos_error_code {
	CUSTOS_OK = 0,              /**< Success. */
	CUSTOS_ERROR = -1,          /**< Unexpected failure; the message says what happened. */
	CUSTOS_EINVALID = -2,       /**< An argument is invalid: NULL, out of range, malformed, unknown field. */
	CUSTOS_ENOTFOUND = -3,      /**< No such customer, field, principal or store. */
	CUSTOS_EEXISTS = -4,        /**< It already exists; for unique fields the message names the holder. */
	CUSTOS_EDENIED = -5,        /**< The permission context does not grant this operation. */
	CUSTOS_EAUTH = -6,          /**< Authentication of stored data failed: tampering or corruption. */
	CUSTOS_EKEY = -7,           /**< Wrong passphrase or wrong master key. */
	CUSTOS_ESTATE = -8,         /**< Not allowed in the current state (lifecycle, closed handle). */
	CUSTOS_EFULL = -9,          /**< No space left: disk full or a configured limit reached. */
	CUSTOS_EBUSY = -10,         /**< The resource is in use (store opened incompatibly, lock held). */
	CUSTOS_ECORRUPT = -11,      /**< Stored data is structurally invalid. */
	CUSTOS_EVERSION = -12,      /**< Unsupported version: options struct, backend or store format. */
	CUSTOS_ENOTSUPPORTED = -13, /**< The operation is not supported by this build or backend. */
	CUSTOS_ENOMEM = -14,        /**< Out of memory. */
	CUSTOS_EIO = -15,           /**< An operating-system I/O call failed. */
	CUSTOS_EBACKEND = -16,      /**< The storage backend failed; the message carries its own text. */
	CUSTOS_EUSER = -17,         /**< Never produced by custos: for host callbacks to stop an operation. */
	CUSTOS_ETOOBIG = -18,       /**< One call would change more than one transaction can hold; split it. */
	CUSTOS_ECONFLICT = -19,     /**< Another writer changed the record since the version the caller expected. */
	CUSTOS_ESUPPRESSED = -20,   /**< The value is an erased customer's, kept on the store's suppression list. */
	CUSTOS_ITEROVER = -31       /**< An iterator has no more items. Not an error. */
} custos_error_code;

/**
 * @brief The message of the last error on the calling thread.
 * @return A NUL-terminated UTF-8 string, never NULL. It is "no error" when no call on this
 *         thread has failed since the last custos_error_clear(). The text is owned by the
 *         library and stays valid until the next custos call on this thread fails.
 * @note Thread-safe; the message is per thread.
 */
CUSTOS_EXTERN(const char *) custos_error_last(void);

/**
 * @brief The code of the last error on the calling thread, or #CUSTOS_OK if there was none.
 * @return A #custos_error_code value.
 * @note Thread-safe; the code is per thread.
 */
CUSTOS_EXTERN(int) custos_error_last_code(void);

/**
 * @brief Forget the last error on the calling thread.
 * @note Thread-safe.
 */
CUSTOS_EXTERN(void) custos_error_clear(void);

/**
 * @brief Static description of an error code, without context.
 * @param[in] code A #custos_error_code value (any int is accepted).
 * @return A static NUL-terminated string; "unknown error code" for values custos does not define.
 * @note Thread-safe; needs no initialisation.
 */
CUSTOS_EXTERN(const char *) custos_strerror(int code);

/**
 * @brief The name of an error code, such as "CUSTOS_EINVALID", for bindings and logs.
 * @param[in] code A #custos_error_code value.
 * @return A static string; "CUSTOS_UNKNOWN" for values custos does not define.
 * @note Thread-safe; needs no initialisation.
 */
CUSTOS_EXTERN(const char *) custos_error_name(int code);

CUSTOS_END_DECL

/** @} */

#endif
