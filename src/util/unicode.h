/*
 * util/unicode.h — Unicode NFC normalisation and simple lowercasing of UTF-8 strings.
 * Tables are generated from the Unicode Character Database by tools/gen_unicode.py.
 */
#ifndef CU_UTIL_UNICODE_H
#define CU_UTIL_UNICODE_H

#include <stddef.h>

/* Both return CUSTOS_OK, CUSTOS_EINVALID for invalid UTF-8 (message set with cu_err), or
 * CUSTOS_ENOMEM (cu_err_oom()). *out is allocated with cu_malloc, NUL-terminated, length in
 * *out_len; the caller frees it with cu_free_secret(*out, *out_len + 1) because it may hold
 * personal data. On failure *out and *out_len are left untouched. */
int cu_utf8_nfc(char **out, size_t *out_len, const char *in, size_t len);
int cu_utf8_lower(char **out, size_t *out_len, const char *in, size_t len);

/* 1 if the string is already NFC (fast path: pure ASCII is always NFC), 0 otherwise, -1
 * invalid UTF-8 (message set). Most texts are decided without allocating; the rare ones the
 * quick check cannot decide (over 256 code points) need memory, and if that fails the answer
 * is 0 with CUSTOS_ENOMEM set, so a caller that goes on to normalise reports the failure. */
int cu_utf8_is_nfc(const char *in, size_t len);

/* The Unicode version of the tables, such as "14.0.0". */
const char *cu_unicode_version(void);

#endif
