/*
 * api/history.c — field history: the paged iterator over a customer's changes, the
 * change's getters (old values shown as the context's visibility allows), and restoring
 * a value, which is an update like any other.
 */
#include <string.h>

#include "api/api.h"
#include "custos/history.h"
#include "model/customer.h"
#include "model/timeline/timeline.h"
#include "model/validate.h"
#include "model/value.h"
#include "util/alloc.h"

#define PAGE 32

struct custos_history_iter {
	custos_ctx *ctx;
	uint64_t customer;
	uint32_t before;           /* the next page: changes below this version (0: all) */
	int done;
	cu_change *page[PAGE];
	size_t n, pos;
};

static void drop_page(custos_history_iter *it)
{
	while (it->pos < it->n)
		cu_change_destroy(it->page[it->pos++]);
	it->n = it->pos = 0;
}

void custos_history_iter_free(custos_history_iter *it)
{
	if (!it)
		return;
	drop_page(it);
	cu_ctx_unref(it->ctx);
	cu_free(it);
}

void custos_change_free(custos_change *ch)
{
	cu_change_destroy(ch);
}

static int page_fn(cu_op *op, void *arg)
{
	custos_history_iter *it = arg;
	int rc = cu_history_page(op, it->customer, it->before, it->page, PAGE, &it->n, &it->done);

	for (size_t i = 0; !rc && i < it->n; i++) {
		it->page[i]->schema = cu_schema_ref(op->schema);
		memcpy(it->page[i]->vis, it->ctx->role.vis, sizeof it->page[i]->vis);
	}
	return rc;
}

static int read_page(custos_history_iter *it)
{
	int rc;

	drop_page(it);
	if ((rc = cu_run_read(it->ctx, CUSTOS_OP_READ, "read customers", page_fn, it)))
		return rc;
	if (it->n)
		it->before = it->page[it->n - 1]->version;
	return CUSTOS_OK;
}

/* The classes of the fields a context sees (clear or masked), for the audit entry. */
static uint32_t seen_classes(const custos_ctx *ctx)
{
	uint32_t m = 0;

	for (unsigned c = 1; c < CUSTOS_CLASS_COUNT; c++)
		if (ctx->role.vis[c] != CUSTOS_VIS_HIDDEN)
			m |= 1U << c;
	return m;
}

int custos_history_list(custos_history_iter **out, custos_ctx *ctx, uint64_t customer, uint32_t before_version)
{
	custos_history_iter *it;
	int rc;

	if (!out)
		return cu_null_arg("custos_history_list", "out");
	*out = NULL;
	if ((rc = cu_ctx_usable(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_READ, "read customers")))
		return rc;
	if (!(it = cu_calloc(1, sizeof *it)))
		return cu_err_oom();
	it->ctx = cu_ctx_ref(ctx);
	it->customer = customer;
	it->before = before_version;
	/* The first page now: a customer out of scope fails here, as a lookup would. */
	rc = read_page(it);
	if (!rc)
		rc = cu_log_read(ctx, CUSTOS_AUDIT_HISTORY, CUSTOS_OP_READ, customer, seen_classes(ctx), CUSTOS_OK, 0);
	if (rc) {
		custos_history_iter_free(it);
		return rc;
	}
	*out = it;
	return CUSTOS_OK;
}

int custos_history_next(custos_change **out, custos_history_iter *it)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_history_next", "out");
	*out = NULL;
	if (!it)
		return cu_null_arg("custos_history_next", "iter");
	if (it->pos == it->n) {
		if (it->done)
			return CUSTOS_ITEROVER;
		if ((rc = read_page(it)))
			return rc;
		if (it->n == 0)
			return CUSTOS_ITEROVER;
	}
	*out = it->page[it->pos];
	it->page[it->pos++] = NULL;
	return CUSTOS_OK;
}

uint32_t custos_change_version(const custos_change *ch) { return ch ? ch->version : 0; }
int64_t custos_change_time(const custos_change *ch) { return ch ? ch->time_us : 0; }
uint32_t custos_change_author(const custos_change *ch) { return ch ? ch->author : 0; }
size_t custos_change_field_count(const custos_change *ch) { return ch ? ch->count : 0; }
int custos_change_state_from(const custos_change *ch) { return ch ? ch->from : 0; }
int custos_change_state_to(const custos_change *ch) { return ch ? ch->to : 0; }

int custos_change_reason(custos_buf *out, const custos_change *ch)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	int rc, vis;

	if (!out)
		return cu_null_arg("custos_change_reason", "out");
	custos_buf_dispose(out);
	if (!ch)
		return cu_null_arg("custos_change_reason", "change");
	if (!ch->to)
		return cu_err(CUSTOS_EINVALID, "custos_change_reason: version %u changed fields; it is not a lifecycle "
			"move", ch->version);
	if ((vis = ch->vis[CUSTOS_CLASS_NOTES]) == CUSTOS_VIS_HIDDEN)
		return cu_err(CUSTOS_EDENIED, "reasons follow the notes class, which is hidden from this context");
	if (vis == CUSTOS_VIS_MASKED && ch->reason_len)
		rc = cu_bytes_append(&b, "***", 3);
	else
		rc = cu_bytes_append(&b, ch->values.p + 2, ch->reason_len);
	if (rc) {
		cu_bytes_free(&b);
		return rc;
	}
	return cu_buf_take(out, &b);
}

/* The schema's field of the i-th change, or NULL (out of range, or a field since dropped). */
static const cu_field *field_at(const custos_change *ch, size_t i)
{
	return ch && i < ch->count ? cu_schema_by_id(ch->schema, ch->fields[i].id) : NULL;
}

const char *custos_change_field(const custos_change *ch, size_t i)
{
	const cu_field *f = field_at(ch, i);
	return f ? f->name : NULL;
}

static int visibility(const custos_change *ch, const cu_field *f)
{
	return f->cls == CUSTOS_CLASS_PROFILE ? CUSTOS_VIS_CLEAR : ch->vis[f->cls];
}

int custos_change_is_masked(const custos_change *ch, size_t i)
{
	const cu_field *f = field_at(ch, i);
	return f && visibility(ch, f) == CUSTOS_VIS_MASKED;
}

int custos_change_old_value(custos_buf *out, const custos_change *ch, size_t i)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_change_field *cf;
	const unsigned char *v;
	const cu_field *f;
	int rc, vis;

	if (!out)
		return cu_null_arg("custos_change_old_value", "out");
	custos_buf_dispose(out);
	if (!ch)
		return cu_null_arg("custos_change_old_value", "change");
	if (i >= ch->count)
		return cu_err(CUSTOS_EINVALID, "custos_change_old_value: the change has %zu fields, not %zu", ch->count, i + 1);
	if (!(f = field_at(ch, i)))
		return cu_err(CUSTOS_ENOTFOUND, "the field changed at position %zu is no longer in the schema", i);
	cf = &ch->fields[i];
	if ((vis = visibility(ch, f)) == CUSTOS_VIS_HIDDEN)
		return cu_err(CUSTOS_EDENIED, "field '%s' is hidden from this context: it changed, its values are not "
			"shown", f->name);
	if (!cf->present)
		return cu_err(CUSTOS_ENOTFOUND, "field '%s' had no value before version %u", f->name, ch->version);
	v = ch->values.p + cf->off;
	if (!cu_value_well_formed(f, v, cf->len))  /* authenticated, yet not a value of the field's type */
		return cu_err(CUSTOS_ECORRUPT, "the old value of field '%s' at version %u does not fit the field", f->name,
			ch->version);
	rc = vis == CUSTOS_VIS_MASKED ? cu_mask_value(f, v, cf->len, &b) : cu_value_format(&b, f, v, cf->len);
	if (rc) {
		cu_bytes_free(&b);
		return rc;
	}
	return cu_buf_take(out, &b);
}

/* ---- restore ---- */

typedef struct restore_arg {
	uint64_t customer;
	uint32_t version;
	const char *field;
} restore_arg;

static int restore_fn(cu_op *op, void *arg)
{
	restore_arg *a = arg;
	custos_customer *changes = NULL;
	const cu_field *f = cu_schema_find(op->schema, a->field);
	cu_change *ch = NULL;
	size_t i;
	int rc;

	if (!f)
		return cu_err(CUSTOS_EINVALID, "unknown field '%.64s'", a->field);
	if ((rc = cu_history_get(op, a->customer, a->version, &ch)))
		return rc;
	for (i = 0; i < ch->count && ch->fields[i].id != f->id; i++)
		;
	if (i == ch->count)
		rc = cu_err(CUSTOS_EINVALID, "the change that made version %u of customer %llu did not change field '%s'",
			a->version, (unsigned long long)a->customer, f->name);
	else if (!(rc = cu_customer_alloc(&changes, op->schema, op->core->keys->store_id))) {
		if (!ch->fields[i].present)
			cu_value_remove(changes, f, 1);
		else if (!cu_value_well_formed(f, ch->values.p + ch->fields[i].off, ch->fields[i].len))
			rc = cu_err(CUSTOS_EINVALID, "the value field '%s' held before version %u is not one it takes now",
				f->name, a->version);
		else
			rc = cu_value_store(changes, f, ch->values.p + ch->fields[i].off, ch->fields[i].len, 1);
		if (!rc)
			rc = cu_cust_update(op, a->customer, 0, changes);
	}
	cu_customer_destroy(changes);
	cu_change_destroy(ch);
	return rc;
}

int custos_history_restore(custos_ctx *ctx, uint64_t customer, uint32_t version, const char *field)
{
	restore_arg a = { customer, version, field };
	custos_customer *probe = NULL;
	const cu_field *f;
	cu_schema *s;
	int rc;

	if (!field)
		return cu_null_arg("custos_history_restore", "field");
	if ((rc = cu_ctx_usable(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_UPDATE, "update customers")))
		return rc;
	/* Writing the field needs its class seen clearly, as any update of it does. */
	s = cu_core_schema(ctx->core);
	if ((f = cu_schema_find(s, field)) && !(rc = cu_customer_alloc(&probe, s, ctx->core->keys->store_id))) {
		cu_value_remove(probe, f, 1);
		rc = cu_access_may_write(ctx, probe, CUSTOS_OP_UPDATE, "restore");
		cu_customer_destroy(probe);
	}
	cu_schema_unref(s);
	if (rc)
		return rc;
	return cu_run_write(ctx, CUSTOS_OP_UPDATE, "update customers", CUSTOS_AUDIT_UPDATE, restore_fn, &a, NULL);
}
