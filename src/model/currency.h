/*
 * model/currency.h — ISO 4217 currency codes and their minor-unit digits.
 */
#ifndef CU_MODEL_CURRENCY_H
#define CU_MODEL_CURRENCY_H

#include <stddef.h>

/* CUSTOS_OK and the minor-unit digits (0-4) of an active ISO 4217 code such as "EUR" (2),
 * "JPY" (0), "BHD" (3) or "CLF" (4); CUSTOS_ENOTFOUND otherwise. Sets no message. */
int cu_currency_lookup(const char *code, int *minor_digits);

/* The table, for tests. */
size_t cu_currency_count(void);
const char *cu_currency_at(size_t i);

#endif
