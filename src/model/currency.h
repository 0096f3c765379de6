/*
 * model/currency.h — ISO 4217 currency codes and their minor-unit digits.
 * A static table: no allocation, and no error messages (callers word their own).
 */
#ifndef CU_MODEL_CURRENCY_H
#define CU_MODEL_CURRENCY_H

#include <stddef.h>

/* CUSTOS_OK and *minor_digits (0-4) for an active ISO 4217 code such as "EUR" (2), "JPY" (0),
 * "BHD" (3) or "CLF" (4), or for the recently withdrawn ANG and BGN; CUSTOS_ENOTFOUND
 * otherwise: lower case, unknown, withdrawn before 2025, or not
 * exactly 3 letters. minor_digits may be NULL. Sets no error message. */
int cu_currency_lookup(const char *code, int *minor_digits);

/* The table, for tests: its size, and the code at i (NULL past the end). */
size_t cu_currency_count(void);
const char *cu_currency_at(size_t i);

#endif
