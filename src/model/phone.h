/*
 * model/phone.h — phone numbers: parse what people type, produce E.164 ("+85291234567").
 * Pure functions over static tables; no allocation, no error messages of their own.
 */
#ifndef CU_MODEL_PHONE_H
#define CU_MODEL_PHONE_H

#include <stddef.h>

#define CU_PHONE_MAX 16   /* '+' and at most 15 digits */

/* Region (ISO 3166-1 alpha-2, upper case, e.g. "HK") to its ITU country calling code.
 * CUSTOS_OK or CUSTOS_ENOTFOUND. */
int cu_phone_region_code(const char *region, unsigned *calling_code);
/* Normalise `in` to E.164 in out. default_region may be NULL or "" (then the number must
 * start with '+' or "00"). CUSTOS_OK, or CUSTOS_EINVALID with *why set to a static phrase
 * completing "field 'phone' ...". Never echoes the number. */
int cu_phone_normalize(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region, const char **why);
/* Digits of the country calling code at the start of an E.164 string (1-3), 0 if unknown. */
size_t cu_phone_cc_digits(const char *e164);

/* The region table, for tests. */
size_t cu_phone_region_count(void);
const char *cu_phone_region_at(size_t i);

#endif
