/*
 * util/utf8.h — strict UTF-8 decoding and the checks every stored text passes.
 */
#ifndef CU_UTIL_UTF8_H
#define CU_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..n). Returns bytes used (1-4), or 0 for invalid UTF-8:
 * truncated, overlong, surrogate, or above U+10FFFF. */
size_t cu_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encode cp into out (4 bytes room); returns bytes written, 0 if cp is not a scalar value. */
size_t cu_utf8_encode(uint32_t cp, unsigned char *out);
/* 1 if s[0..n) is valid UTF-8, else 0. */
int cu_utf8_valid(const char *s, size_t n);
/* Byte offset of the first invalid sequence, or n if all valid. */
size_t cu_utf8_invalid_at(const char *s, size_t n);

/* Text policy: valid UTF-8 with no control characters (C0, DEL, C1) except, when
 * multiline, tab, line feed and carriage return. On failure returns 0 and sets *why to a
 * static explanation. */
int cu_text_ok(const char *s, size_t n, int multiline, const char **why);

#endif
