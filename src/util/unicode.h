/*
 * util/unicode.h — Unicode NFC normalisation and simple lowercasing of UTF-8 strings.
 * Tables are generated from the Unicode Character Database by tools/gen_unicode.py.
 */
#ifndef CU_UTIL_UNICODE_H
#define CU_UTIL_UNICODE_H

#include <stddef.h>

/* Both return CUSTOS_OK, CUSTOS_EINVALID for invalid UTF-8, or CUSTOS_ENOMEM (message set).
 * *out is NUL-terminated, allocated with cu_malloc, *out_len bytes long; free it with
 * cu_free_secret(*out, *out_len + 1) since it may hold personal data. */
int cu_utf8_nfc(char **out, size_t *out_len, const char *in, size_t len);
int cu_utf8_lower(char **out, size_t *out_len, const char *in, size_t len);

/* The Unicode version of the tables, such as "14.0.0". */
const char *cu_unicode_version(void);

#endif
