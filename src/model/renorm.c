/*
 * model/renorm.c — one customer's values under earlier normalisation rules, rewritten in
 * the current form (model/renorm.h). Nothing here decides who may do it: the API layer
 * runs it as a schema operation.
 */
#include <string.h>

#include "model/customer.h"
#include "model/renorm.h"
#include "model/validate.h"
#include "util/error.h"

int cu_renorm_field_due(const cu_field *f)
{
	return f->rules == CU_RULES_V1 && (f->type == CUSTOS_TYPE_TEXT || f->type == CUSTOS_TYPE_EMAIL ||
		f->type == CUSTOS_TYPE_PHONE || f->type == CUSTOS_TYPE_TAGS);
}

/* The current form of c's value of f into *changes (allocated on first use) when it differs. */
static int renorm_value(cu_op *op, const custos_customer *c, const cu_field *f, custos_customer **changes,
	cu_renorm_left *left, uint64_t *rewritten, uint64_t *kept)
{
	cu_bytes now = CU_BYTES_SECRET_INIT;
	const unsigned char *v;
	size_t n;
	int rc;

	if (!(v = cu_value_get(c, f, &n)))
		return CUSTOS_OK;
	rc = cu_value_renormalize(f, v, n, &now);
	if (rc == CUSTOS_EINVALID) {
		custos_error_clear();
		cu_renorm_left_set(left, f->id);
		(*kept)++;
		rc = CUSTOS_OK;
	} else if (!rc && (now.len != n || memcmp(now.p, v, n) != 0)) {
		if (!*changes)
			rc = cu_customer_alloc(changes, c->schema, op->core->keys->store_id);
		if (!rc && !(rc = cu_value_set(*changes, f, now.p, now.len)))
			(*rewritten)++;
	}
	cu_bytes_free(&now);
	return rc;
}

int cu_renorm_customer(cu_op *op, uint64_t id, cu_renorm_left *left, uint64_t *rewritten, uint64_t *kept)
{
	custos_customer *c = NULL, *changes = NULL;
	unsigned saved_visible = op->visible;
	int saved_scope = op->scope, rc;

	op->visible = (1U << CUSTOS_CLASS_COUNT) - 1;
	op->scope = CU_SCOPE_ALL;   /* a schema operation: the whole store */
	rc = cu_cust_load(op, id, &c);
	for (size_t i = 0; !rc && i < c->schema->nfields; i++)
		if (cu_renorm_field_due(&c->schema->fields[i]))
			rc = renorm_value(op, c, &c->schema->fields[i], &changes, left, rewritten, kept);
	if (!rc && changes)
		rc = cu_cust_update(op, id, 0, changes);
	if (rc == CUSTOS_ENOTFOUND)
		rc = CUSTOS_OK;   /* removed since its id was read */
	cu_customer_destroy(changes);
	cu_customer_destroy(c);
	op->visible = saved_visible;
	op->scope = saved_scope;
	return rc;
}
