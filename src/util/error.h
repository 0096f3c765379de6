/*
 * util/error.h — setting the thread-local last error from inside the library.
 * Every layer reports failures through these; none of them may put secrets in a message.
 */
#ifndef CU_UTIL_ERROR_H
#define CU_UTIL_ERROR_H

#include "custos/errors.h"

/* Set the calling thread's error and return code (negative). */
int cu_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Out of memory: a static message, no allocation. Returns CUSTOS_ENOMEM. */
int cu_err_oom(void);
/* Prefix the current message with "prefix" (used for "customer 17: ..."). */
void cu_err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Save and restore the error slot around cleanup code that may itself fail. */
typedef struct cu_err_saved { int code; char msg[512]; } cu_err_saved;
void cu_err_save(cu_err_saved *s);
void cu_err_restore(const cu_err_saved *s);

#endif
