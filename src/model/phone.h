/*
 * model/phone.h — phone numbers: parse what people type, produce E.164 ("+85291234567").
 * Pure functions over static tables. They allocate nothing, set no error message (callers
 * word their own) and never copy any part of a number into what they report.
 */
#ifndef CU_MODEL_PHONE_H
#define CU_MODEL_PHONE_H

#include <stddef.h>

#define CU_PHONE_MAX 16   /* '+' and at most 15 digits */

/* Region (ISO 3166-1 alpha-2, upper case, e.g. "HK"; also "XK" for Kosovo) to its ITU
 * country calling code. CUSTOS_OK, or CUSTOS_ENOTFOUND for anything else, including "hk".
 * calling_code may be NULL to ask only whether the region is known. */
int cu_phone_region_code(const char *region, unsigned *calling_code);

/* Normalise `in` (UTF-8, NUL-terminated) to E.164 in out. default_region may be NULL or ""
 * (then the number must start with '+' or the international prefix "00"). Returns
 * CUSTOS_OK, or CUSTOS_EINVALID with out set to "" and *why pointing to a static phrase
 * that completes "field 'phone' ...", such as "has letters in it". */
int cu_phone_normalize(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region, const char **why);

/* Digits of the country calling code at the start of an E.164 string (1-3), 0 if the string
 * does not start with '+' and an assigned code. Used for masking ("+852 ****4567"). */
size_t cu_phone_cc_digits(const char *e164);

/* The region table, for tests: its size, and the region at i (NULL past the end). */
size_t cu_phone_region_count(void);
const char *cu_phone_region_at(size_t i);

#endif
