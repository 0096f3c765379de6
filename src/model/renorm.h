/*
 * model/renorm.h — rewriting the values a store holds under earlier normalisation rules
 * (CU_RULES_V1, custos 0.1.0) in the current form, one customer at a time, through the
 * ordinary update so that its index entries, record and audit entry follow
 * (custos_schema_renormalize(), api/schema.c, runs it in bounded transactions).
 */
#ifndef CU_MODEL_RENORM_H
#define CU_MODEL_RENORM_H

#include "model/core.h"

/* Field ids whose values the current rules refuse: bit id of the bitmap. */
typedef struct cu_renorm_left {
	uint8_t bits[0x10000 / 8];
} cu_renorm_left;

static inline void cu_renorm_left_set(cu_renorm_left *l, uint16_t id) { l->bits[id >> 3] |= (uint8_t)(1u << (id & 7)); }
static inline int cu_renorm_left_has(const cu_renorm_left *l, uint16_t id) { return l->bits[id >> 3] >> (id & 7) & 1; }

/* Does field f hold values that may be in an earlier form? */
int cu_renorm_field_due(const cu_field *f);

/* Rewrite the values of customer id of the fields that are due, whatever op's scope and
 * visible classes. Adds to *rewritten the values changed, to *kept those the current rules
 * refuse (their field's bit set in left). A customer removed meanwhile is skipped. */
int cu_renorm_customer(cu_op *op, uint64_t id, cu_renorm_left *left, uint64_t *rewritten, uint64_t *kept);

#endif
