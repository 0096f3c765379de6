/*
 * custos — common.h: export and linkage macros shared by every public header.
 * Holds no declarations of its own beyond macros; it must stay includable from C99 and C++.
 */
#ifndef CUSTOS_COMMON_H
#define CUSTOS_COMMON_H

#include <stddef.h>
#include <stdint.h>

/**
 * @file custos/common.h
 * @brief Export and linkage macros used by every custos header.
 * @defgroup custos_common Common macros
 * @ingroup custos
 * @{
 */

#ifdef __cplusplus
/** Opens an `extern "C"` block when compiled as C++. */
# define CUSTOS_BEGIN_DECL extern "C" {
/** Closes the block opened by #CUSTOS_BEGIN_DECL. */
# define CUSTOS_END_DECL }
#else
# define CUSTOS_BEGIN_DECL
# define CUSTOS_END_DECL
#endif

/** @cond INTERNAL */
#if defined(__GNUC__) && __GNUC__ >= 4 && !defined(CUSTOS_STATIC)
# define CUSTOS_VISIBLE_ __attribute__((visibility("default")))
#else
# define CUSTOS_VISIBLE_
#endif
#if defined(__GNUC__)
# define CUSTOS_WARN_UNUSED_ __attribute__((warn_unused_result))
#else
# define CUSTOS_WARN_UNUSED_
#endif
/** @endcond */

/** Declares a function exported from the shared library, returning @p type. */
#define CUSTOS_EXTERN(type) extern CUSTOS_VISIBLE_ type

/** The caller must look at the result (libsodium's `warn_unused_result`). */
#define CUSTOS_WARN_UNUSED CUSTOS_WARN_UNUSED_

/** @} */

#endif
