/*
 * util/unicode.h — Unicode NFC and NFKC normalisation, case folding, simple lowercasing and
 * trimming of UTF-8 strings. Tables are generated from the Unicode Character Database by
 * tools/gen_unicode.py.
 */
#ifndef CU_UTIL_UNICODE_H
#define CU_UTIL_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* Both return CUSTOS_OK, CUSTOS_EINVALID for invalid UTF-8 (message set with cu_err), or
 * CUSTOS_ENOMEM (cu_err_oom()). *out is allocated with cu_malloc, NUL-terminated, length in
 * *out_len; the caller frees it with cu_free_secret(*out, *out_len + 1) because it may hold
 * personal data. On failure *out and *out_len are left untouched. */
int cu_utf8_nfc(char **out, size_t *out_len, const char *in, size_t len);
int cu_utf8_lower(char **out, size_t *out_len, const char *in, size_t len);

/* Flags of cu_utf8_fold(). */
enum {
	CU_FOLD_COMPAT = 1,      /* NFKC instead of NFC: full-width forms, ligatures, circled digits... */
	CU_FOLD_CASE = 2,        /* full case folding (canonical caseless match, Unicode D145) */
	CU_FOLD_SEPARATORS = 4   /* drop White_Space, punctuation (P*), separators (Z*), format (Cf) */
};

/* NFC of in, changed as the flags say: with CU_FOLD_CASE, NFC(casefold(NFD(in))), or
 * NFKC(casefold(NFKD(in))) with CU_FOLD_COMPAT as well; separators are dropped from the
 * decomposed text before folding. Contract as cu_utf8_nfc(); flags 0 is cu_utf8_nfc(). */
int cu_utf8_fold(char **out, size_t *out_len, const char *in, size_t len, unsigned flags);

/* Is cp White_Space (U+0020, U+3000, U+00A0, tab, line breaks, ...)? */
int cu_unicode_is_space(uint32_t cp);

/* Narrow s (n bytes) to what lies between leading and trailing White_Space. Bytes that are
 * not valid UTF-8 end the trimming there. */
void cu_utf8_trim(const char **s, size_t *n);

/* 1 if the string is already NFC (fast path: pure ASCII is always NFC), 0 otherwise, -1
 * invalid UTF-8 (message set). Most texts are decided without allocating; the rare ones the
 * quick check cannot decide (over 256 code points) need memory, and if that fails the answer
 * is 0 with CUSTOS_ENOMEM set, so a caller that goes on to normalise reports the failure. */
int cu_utf8_is_nfc(const char *in, size_t len);

/* The Unicode version of the tables, such as "14.0.0". */
const char *cu_unicode_version(void);

#endif
