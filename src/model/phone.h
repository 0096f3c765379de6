/*
 * model/phone.h — phone numbers: parse what people type, check it against the numbering
 * plans of libphonenumber's metadata (phone_data.h), produce E.164 ("+85291234567").
 * Pure functions over static tables. They allocate nothing, set no error message (callers
 * word their own) and put at most the first three digits of a national number into what
 * they report, never the number.
 */
#ifndef CU_MODEL_PHONE_H
#define CU_MODEL_PHONE_H

#include <stddef.h>

#define CU_PHONE_MAX 16       /* '+' and at most 15 digits */
#define CU_PHONE_WHY_MAX 256  /* a reason, NUL included */
#define CU_PHONE_READ_MAX 24  /* digits read from the input: a long IDD, then 15 digits */

/* Region (ISO 3166-1 alpha-2, upper case, e.g. "HK"; also "XK" for Kosovo) to its ITU
 * country calling code. CUSTOS_OK, or CUSTOS_ENOTFOUND for anything else, including "hk".
 * calling_code may be NULL to ask only whether the region is known. */
int cu_phone_region_code(const char *region, unsigned *calling_code);

/* Normalise `in` (UTF-8, NUL-terminated) to E.164 in out. default_region may be NULL or ""
 * (then the number must start with '+' or the international prefix "00"). Returns
 * CUSTOS_OK, or CUSTOS_EINVALID with out set to "" and why (may be NULL) holding a phrase
 * that completes "field 'phone' ...", such as "is 7 digits; Hong Kong numbers have 8". */
int cu_phone_normalize(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region,
	char why[CU_PHONE_WHY_MAX]);

/* The rules of custos 0.1.0 (phone_v1.c), for finding values stored by them. Same contract,
 * with *why a static phrase. */
int cu_phone_normalize_v1(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region, const char **why);

/* The current form of a number phone_v1.c stored (E.164): read as international; when that
 * is not valid and the calling code is written twice ("+85285291234567", what
 * "852 9123 4567" became in HK), without the repeat. Contract as cu_phone_normalize(). */
int cu_phone_renormalize(char out[CU_PHONE_MAX + 1], const char *e164, char why[CU_PHONE_WHY_MAX]);

/* The digits of `in` (at most CU_PHONE_READ_MAX) and whether a '+' came first: the
 * characters both rule sets accept. 0 with *why set when a character is not one of them. */
int cu_phone_read(const char *in, char digits[CU_PHONE_READ_MAX], size_t *n, int *plus, const char **why);

/* Is `nsn` (n digits) a valid national number under calling code cc? -1 when the metadata
 * has no plan for cc (such as +997). For tests and the migration. */
int cu_phone_valid(unsigned cc, const char *nsn, size_t n);

/* For tests: the lengths (bit n: n digits) that calling code cc's plan allows for a number
 * agreeing with the first k digits of d, read from the compiled plans (compiled != 0; -2
 * when they could not be compiled) or from the plan's text; -1 when cc has no plan. */
long long cu_phone_plan_lengths(unsigned cc, const char *d, size_t k, int compiled);

/* Length of the country calling code the ITU assigned at the start of digits (n of them),
 * 0 if none. Assigned codes are prefix-free (no code begins another). */
size_t cu_phone_code_length(const char *digits, size_t n);

/* Digits of the country calling code at the start of an E.164 string (1-3), 0 if the string
 * does not start with '+' and an assigned code. Used for masking ("+852 ****4567"). */
size_t cu_phone_cc_digits(const char *e164);

/* The region table, for tests: its size, and the region at i (NULL past the end). */
size_t cu_phone_region_count(void);
const char *cu_phone_region_at(size_t i);

/* The libphonenumber release the plans come from, such as "9.0.35". */
const char *cu_phone_metadata_version(void);

#endif
