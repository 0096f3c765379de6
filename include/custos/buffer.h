/*
 * custos — buffer.h: custos_buf, the one transparent type that carries bytes the caller keeps.
 */
#ifndef CUSTOS_BUFFER_H
#define CUSTOS_BUFFER_H

#include "common.h"

/**
 * @file custos/buffer.h
 * @brief Byte buffers handed to the caller.
 * @defgroup custos_buffer Buffers
 * @ingroup custos
 *
 * Data the caller must keep past the life of a handle comes back in a #custos_buf. The
 * library allocates it; the caller releases it with custos_buf_dispose(), which wipes the
 * bytes first because they may hold decrypted personal data. Never pass `ptr` to free().
 * @{
 */

CUSTOS_BEGIN_DECL

/** A byte buffer owned by the caller once filled by the library. */
typedef struct custos_buf {
	unsigned char *ptr; /**< The bytes; NUL-terminated when the data is text. NULL when empty. */
	size_t size;        /**< Number of bytes of data, not counting the terminating NUL. */
	size_t reserved;    /**< Allocated size; 0 when the buffer owns no memory. Do not change. */
} custos_buf;

/** Static initialiser for an empty #custos_buf. */
#define CUSTOS_BUF_INIT { NULL, 0, 0 }

/**
 * @brief Wipe and release the memory of a buffer, leaving it empty.
 * @param[in,out] buf The buffer; NULL and empty buffers are accepted and left alone.
 * @note A buffer belongs to one thread at a time.
 */
CUSTOS_EXTERN(void) custos_buf_dispose(custos_buf *buf);

/**
 * @brief sizeof(#custos_buf) in this library, for FFI bindings that mirror the struct.
 * @return The size in bytes.
 */
CUSTOS_EXTERN(size_t) custos_buf_size(void);

CUSTOS_END_DECL

/** @} */

#endif
