/*
 * model/maintain.h — policies and the steps of custos_maintain() (layout in maintain.c).
 */
#ifndef CU_MODEL_MAINTAIN_H
#define CU_MODEL_MAINTAIN_H

#include "custos/maintain.h"
#include "model/core.h"

/* The rules' names, by custos_rule value (custos_rule_name(), custos_rule_parse()). */
extern const char *const cu_rule_names[CUSTOS_RULE_ARCHIVED + 1];

int cu_policies_load(cu_op *op, custos_policy *out, size_t *n);
int cu_policies_store(cu_op *op, const custos_policy *p, size_t n);
/* Is policy i (its fields; the version is the caller's) one a store may keep, with this
 * table of moves? CUSTOS_EINVALID naming it and the reason. */
int cu_policy_check(const custos_policy *p, size_t i, uint64_t table);

/* Customers examined per page of a run. */
#define CU_MAINT_PAGE 1024

/* A customer a run found something to do for. */
typedef struct cu_maint_cand {
	uint64_t id;
	int policy;          /* the policy that held, or -1 */
	uint8_t recount;     /* its interaction counts are out of date */
	uint8_t moved, recounted;   /* what the write transaction did */
} cu_maint_cand;

/* One run's state. */
typedef struct cu_maint {
	int64_t now;
	custos_policy policies[CUSTOS_POLICY_MAX];
	size_t n;
	cu_maint_cand cand[CU_MAINT_PAGE + CUSTOS_MAINTAIN_BATCH];   /* found, not yet applied */
	size_t ncand;
} cu_maint;

/* Find, in op's read transaction, what applies to up to max customers after `after`
 * (at most CU_MAINT_PAGE), appended to m->cand (which must have room for CU_MAINT_PAGE);
 * *last is the last id examined (UINT64_MAX when none was left) and *examined their
 * number. Record headers are read as hints. */
int cu_maintain_scan(cu_op *op, cu_maint *m, uint64_t after, size_t max, uint64_t *last, size_t *examined);
/* Apply candidates [from, from + count) in op's write transaction, each checked again on
 * its authenticated record; their moved and recounted flags say what was done. */
int cu_maintain_apply(cu_op *op, cu_maint *m, size_t from, size_t count);

#endif
