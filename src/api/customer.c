/*
 * api/customer.c — customer handles (setters, getters) and the create, get, update and
 * count calls.
 */
#include <string.h>

#include "api/api.h"
#include "custos/global.h"
#include "model/currency.h"
#include "model/customer.h"
#include "model/index.h"
#include "model/timeline/timeline.h"
#include "model/validate.h"
#include "util/alloc.h"

int custos_customer_new(custos_customer **out, custos_ctx *ctx)
{
	cu_schema *s;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_new", "out");
	*out = NULL;
	if ((rc = cu_ctx_current(ctx)))
		return rc;
	s = cu_core_schema(ctx->core);
	rc = cu_customer_alloc(out, s, ctx->core->keys->store_id);
	cu_schema_unref(s);
	return rc;
}

void custos_customer_free(custos_customer *customer)
{
	cu_customer_destroy(customer);
}

/* ---- field resolution ---- */

static int resolve(const custos_customer *c, const char *field, const char *fn, const cu_field **f)
{
	if (!c)
		return cu_null_arg(fn, "customer");
	if (!field)
		return cu_null_arg(fn, "field");
	if (!(*f = cu_customer_field(c, field))) {
		if (cu_metric_name_reserved(field))
			return cu_err(CUSTOS_EINVALID, "'%s' is a metric of the customer's timeline, kept by custos from its "
				"events; it cannot be set", field);
		return cu_err(CUSTOS_EINVALID, "unknown field '%.64s'", field);
	}
	return CUSTOS_OK;
}

/* For getters: a field of the schema, or a metric of a customer read from the store. */
static int resolve_read(const custos_customer *c, const char *field, const char *fn, const cu_field **f)
{
	int rc;

	if (!c)
		return cu_null_arg(fn, "customer");
	if (!field)
		return cu_null_arg(fn, "field");
	if ((*f = cu_customer_field(c, field)))
		return CUSTOS_OK;
	if ((rc = cu_metrics_find(c, field, f)) || *f)
		return rc;
	return cu_err(CUSTOS_EINVALID, "unknown field '%.64s'", field);
}

static int is_text_type(const cu_field *f)
{
	return cu_field_text_like(f) || f->type == CUSTOS_TYPE_ENUM;
}

static int wrong_getter(const cu_field *f, const char *getter)
{
	return cu_err(CUSTOS_EINVALID, "field '%s' is %s; read it with %s", f->name, custos_field_type_name(f->type),
		getter);
}

static const char *getter_for(const cu_field *f)
{
	switch (f->type) {
	case CUSTOS_TYPE_INTEGER: return "custos_customer_get_int()";
	case CUSTOS_TYPE_MONEY: return "custos_customer_get_money()";
	case CUSTOS_TYPE_TIMESTAMP: return "custos_customer_get_timestamp()";
	case CUSTOS_TYPE_BOOLEAN: return "custos_customer_get_bool()";
	case CUSTOS_TYPE_TAGS: return "custos_customer_get_tag()";
	default: return "custos_customer_get_text()";
	}
}

/* Validate through `make` into a scratch buffer, then keep the stored form. */
static int store(custos_customer *c, const cu_field *f, int rc, cu_bytes *b)
{
	if (!rc)
		rc = cu_value_set(c, f, b->p, b->len);
	cu_bytes_free(b);
	return rc;
}

/* ---- setters ---- */

int custos_customer_set_text(custos_customer *c, const char *field, const char *value)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_set_text", &f)))
		return rc;
	if (!value)
		return cu_null_arg("custos_customer_set_text", "value");
	if (!is_text_type(f))
		return cu_wrong_setter(f);
	return store(c, f, cu_value_from_text(f, c->schema->region, value, &b), &b);
}

int custos_customer_set_string(custos_customer *c, const char *field, const char *text)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_set_string", &f)))
		return rc;
	if (!text)
		return cu_null_arg("custos_customer_set_string", "text");
	if (f->type == CUSTOS_TYPE_TAGS)
		rc = cu_tags_from_text(f, text, &b);
	else
		rc = cu_value_from_text(f, c->schema->region, text, &b);
	return store(c, f, rc, &b);
}

int custos_customer_set_int(custos_customer *c, const char *field, int64_t value)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_set_int", &f)))
		return rc;
	return store(c, f, cu_value_from_int(f, value, &b), &b);
}

int custos_customer_set_money(custos_customer *c, const char *field, int64_t minor_units, const char *currency)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_set_money", &f)))
		return rc;
	return store(c, f, cu_value_from_money(f, minor_units, currency, &b), &b);
}

int custos_customer_set_timestamp(custos_customer *c, const char *field, int64_t unix_seconds)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_set_timestamp", &f)))
		return rc;
	return store(c, f, cu_value_from_timestamp(f, unix_seconds, &b), &b);
}

int custos_customer_set_bool(custos_customer *c, const char *field, int value)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_set_bool", &f)))
		return rc;
	return store(c, f, cu_value_from_bool(f, value, &b), &b);
}

static int tags_field(const custos_customer *c, const char *field, const char *fn, const cu_field **f)
{
	int rc = resolve(c, field, fn, f);

	if (!rc && (*f)->type != CUSTOS_TYPE_TAGS)
		return cu_err(CUSTOS_EINVALID, "field '%s' is %s, not tags", (*f)->name, custos_field_type_name((*f)->type));
	return rc;
}

int custos_customer_add_tag(custos_customer *c, const char *field, const char *tag)
{
	cu_bytes t = CU_BYTES_SECRET_INIT, v = CU_BYTES_SECRET_INIT;
	const unsigned char *cur;
	const cu_field *f;
	size_t n = 0, count;
	int rc;

	if ((rc = tags_field(c, field, "custos_customer_add_tag", &f)))
		return rc;
	if (!tag)
		return cu_null_arg("custos_customer_add_tag", "tag");
	if ((rc = cu_tag_normalize(f, tag, &t)))
		goto out;
	cur = cu_value_get(c, f, &n);
	if (cur && cu_tag_find(cur, n, t.p, t.len, &count) >= 0)
		goto out;
	if (cur && count >= CU_TAGS_MAX) {
		rc = cu_err(CUSTOS_EFULL, "field '%s' already has %d tags, the most it can hold", f->name, CU_TAGS_MAX);
		goto out;
	}
	if (!(rc = cu_bytes_append(&v, cur, cur ? n : 0)) && !(rc = cu_bytes_append(&v, t.p, t.len)) &&
	    !(rc = cu_bytes_append_u8(&v, 0)))
		rc = cu_value_set(c, f, v.p, v.len);
out:
	cu_bytes_free(&t);
	cu_bytes_free(&v);
	return rc;
}

int custos_customer_remove_tag(custos_customer *c, const char *field, const char *tag)
{
	cu_bytes t = CU_BYTES_SECRET_INIT, v = CU_BYTES_SECRET_INIT;
	const unsigned char *cur;
	const cu_field *f;
	size_t n = 0, count;
	long at = -1;
	int rc;

	if ((rc = tags_field(c, field, "custos_customer_remove_tag", &f)))
		return rc;
	if (!tag)
		return cu_null_arg("custos_customer_remove_tag", "tag");
	if ((rc = cu_tag_normalize(f, tag, &t)))
		goto out;
	if (!(cur = cu_value_get(c, f, &n)) || (at = cu_tag_find(cur, n, t.p, t.len, &count)) < 0) {
		rc = cu_err(CUSTOS_ENOTFOUND, "field '%s' has no such tag", f->name);
		goto out;
	}
	if (!(rc = cu_bytes_append(&v, cur, (size_t)at)))
		rc = cu_bytes_append(&v, cur + at + t.len + 1, n - (size_t)at - t.len - 1);
	if (!rc && v.len == 0)
		cu_value_remove(c, f, 1);
	else if (!rc)
		rc = cu_value_set(c, f, v.p, v.len);
out:
	cu_bytes_free(&t);
	cu_bytes_free(&v);
	return rc;
}

int custos_customer_unset(custos_customer *c, const char *field)
{
	const cu_field *f;
	int rc;

	if ((rc = resolve(c, field, "custos_customer_unset", &f)))
		return rc;
	cu_value_remove(c, f, 1);
	return CUSTOS_OK;
}

/* ---- getters ---- */

static int is_masked(const custos_customer *c, const cu_field *f)
{
	if (f->id == CU_METRIC_FIELD_ID)
		return 0;  /* metrics are clear values, as their events hold them */
	return c->slots[cu_schema_pos(c->schema, f)].masked;
}

static int masked_refused(const cu_field *f)
{
	return cu_err(CUSTOS_EDENIED, "field '%s' is masked for this context; read it as text with "
		"custos_customer_get_text()", f->name);
}

static int get_value(const custos_customer *c, const char *field, const char *fn, int type_ok(const cu_field *),
	const char *getter, const cu_field **f, const unsigned char **v, size_t *n)
{
	int rc;

	if ((rc = resolve_read(c, field, fn, f)))
		return rc;
	if (!type_ok(*f))
		return wrong_getter(*f, getter_for(*f));
	if (!(*v = cu_value_get(c, *f, n)))
		return cu_err(CUSTOS_ENOTFOUND, "field '%s' has no value", (*f)->name);
	if (is_masked(c, *f) && type_ok != is_text_type)
		return masked_refused(*f);
	(void)getter;
	return CUSTOS_OK;
}

#define TYPE_IS(fn, t) static int fn(const cu_field *f) { return f->type == (t); }
TYPE_IS(is_int, CUSTOS_TYPE_INTEGER)
TYPE_IS(is_money, CUSTOS_TYPE_MONEY)
TYPE_IS(is_timestamp, CUSTOS_TYPE_TIMESTAMP)
TYPE_IS(is_bool, CUSTOS_TYPE_BOOLEAN)

int custos_customer_get_text(const char **out, const custos_customer *c, const char *field)
{
	const unsigned char *v;
	const cu_field *f;
	size_t n;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_get_text", "out");
	if ((rc = resolve_read(c, field, "custos_customer_get_text", &f)))
		return rc;
	v = cu_value_get(c, f, &n);
	if (v && is_masked(c, f)) {  /* masked values of any type are text */
		*out = (const char *)v;
		return CUSTOS_OK;
	}
	if (!is_text_type(f))
		return wrong_getter(f, getter_for(f));
	if (!v)
		return cu_err(CUSTOS_ENOTFOUND, "field '%s' has no value", f->name);
	*out = f->type == CUSTOS_TYPE_ENUM ? f->enum_values[v[0]] : (const char *)v;
	return CUSTOS_OK;
}

int custos_customer_get_int(int64_t *out, const custos_customer *c, const char *field)
{
	const unsigned char *v = NULL;  /* set by get_value() on success */
	const cu_field *f;
	size_t n;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_get_int", "out");
	if ((rc = get_value(c, field, "custos_customer_get_int", is_int, NULL, &f, &v, &n)))
		return rc;
	*out = (int64_t)cu_get_u64le(v);
	return CUSTOS_OK;
}

int custos_customer_get_money(int64_t *minor_units, const char **currency, const custos_customer *c,
	const char *field)
{
	const unsigned char *v = NULL;  /* set by get_value() on success */
	const cu_field *f;
	size_t n;
	int rc;

	if (!minor_units)
		return cu_null_arg("custos_customer_get_money", "minor_units");
	if ((rc = get_value(c, field, "custos_customer_get_money", is_money, NULL, &f, &v, &n)))
		return rc;
	*minor_units = (int64_t)cu_get_u64le(v);
	if (currency)
		*currency = (const char *)v + 8;  /* the stored NUL follows the 3 letters */
	return CUSTOS_OK;
}

int custos_customer_get_timestamp(int64_t *out, const custos_customer *c, const char *field)
{
	const unsigned char *v = NULL;  /* set by get_value() on success */
	const cu_field *f;
	size_t n;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_get_timestamp", "out");
	if ((rc = get_value(c, field, "custos_customer_get_timestamp", is_timestamp, NULL, &f, &v, &n)))
		return rc;
	*out = (int64_t)cu_get_u64le(v);
	return CUSTOS_OK;
}

int custos_customer_get_bool(int *out, const custos_customer *c, const char *field)
{
	const unsigned char *v = NULL;  /* set by get_value() on success */
	const cu_field *f;
	size_t n;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_get_bool", "out");
	if ((rc = get_value(c, field, "custos_customer_get_bool", is_bool, NULL, &f, &v, &n)))
		return rc;
	*out = v[0];
	return CUSTOS_OK;
}

int custos_customer_tag_count(size_t *out, const custos_customer *c, const char *field)
{
	const unsigned char *v;
	const cu_field *f;
	size_t n, count = 0;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_tag_count", "out");
	if ((rc = tags_field(c, field, "custos_customer_tag_count", &f)))
		return rc;
	if ((v = cu_value_get(c, f, &n)) && is_masked(c, f))
		return masked_refused(f);
	if (v)
		cu_tag_find(v, n, (const unsigned char *)"", 0, &count);
	*out = count;
	return CUSTOS_OK;
}

int custos_customer_get_tag(const char **out, const custos_customer *c, const char *field, size_t index)
{
	const unsigned char *v;
	const cu_field *f;
	size_t n, i = 0, start = 0;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_get_tag", "out");
	if ((rc = tags_field(c, field, "custos_customer_get_tag", &f)))
		return rc;
	if ((v = cu_value_get(c, f, &n)) && is_masked(c, f))
		return masked_refused(f);
	if (v) {
		for (size_t k = 0; k < n; k++) {
			if (v[k])
				continue;
			if (i++ == index) {
				*out = (const char *)v + start;
				return CUSTOS_OK;
			}
			start = k + 1;
		}
	}
	return cu_err(CUSTOS_ENOTFOUND, "field '%s' has %zu tags; there is no tag %zu", f->name, i, index);
}

int custos_customer_get_string(custos_buf *out, const custos_customer *c, const char *field)
{
	cu_bytes b = CU_BYTES_SECRET_INIT;
	const unsigned char *v;
	const cu_field *f;
	size_t n;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_get_string", "out");
	custos_buf_dispose(out);
	if ((rc = resolve_read(c, field, "custos_customer_get_string", &f)))
		return rc;
	if (!(v = cu_value_get(c, f, &n)))
		return cu_err(CUSTOS_ENOTFOUND, "field '%s' has no value", f->name);
	rc = is_masked(c, f) ? cu_bytes_append(&b, v, n) : cu_value_format(&b, f, v, n);
	if (rc) {
		cu_bytes_free(&b);
		return rc;
	}
	return cu_buf_take(out, &b);
}

int custos_customer_is_masked(const custos_customer *c, const char *field)
{
	const cu_field *f;

	if (!c || !field || !(f = cu_customer_field(c, field)))
		return 0;
	return is_masked(c, f);
}

uint64_t custos_customer_id(const custos_customer *c) { return c ? c->id : 0; }
uint32_t custos_customer_version(const custos_customer *c) { return c ? c->version : 0; }
int64_t custos_customer_created(const custos_customer *c) { return c ? c->created_us / 1000000 : 0; }
int64_t custos_customer_updated(const custos_customer *c) { return c ? c->updated_us / 1000000 : 0; }
uint32_t custos_customer_owner(const custos_customer *c) { return c ? c->owner : 0; }
uint32_t custos_customer_team(const custos_customer *c) { return c ? c->team : 0; }

/* ---- store calls ---- */

typedef struct create_args {
	custos_customer *const *items;
	size_t count;
	uint64_t *ids;
} create_args;

static int same_store(const custos_ctx *ctx, const custos_customer *c, const char *fn)
{
	if (!cu_customer_same_store(c, ctx->core->keys->store_id))
		return cu_err(CUSTOS_EINVALID, "%s: the customer handle belongs to another store", fn);
	return CUSTOS_OK;
}

static int create_fn(cu_op *op, void *arg)
{
	create_args *a = arg;
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < a->count && !rc; i++) {
		uint64_t id;
		rc = cu_cust_insert(op, a->items[i], &id);
		if (rc && a->count > 1)
			cu_err_prefix("customers[%zu]: ", i);
		else if (!rc && a->ids)
			a->ids[i] = id;
	}
	return rc;
}

int custos_customer_create_many(uint64_t *ids_out, custos_ctx *ctx, custos_customer *const *customers, size_t count)
{
	create_args a = { customers, count, ids_out };
	int rc;

	if (!customers)
		return cu_null_arg("custos_customer_create_many", "customers");
	if (count == 0 || count > CUSTOS_BATCH_MAX)
		return cu_err(CUSTOS_EINVALID, "a batch holds 1 to %u customers, not %zu", CUSTOS_BATCH_MAX, count);
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	for (size_t i = 0; i < count; i++) {
		if (!customers[i])
			return cu_err(CUSTOS_EINVALID, "customers[%zu] is NULL", i);
		if ((rc = same_store(ctx, customers[i], "custos_customer_create_many")) ||
		    (rc = cu_access_may_write(ctx, customers[i], CUSTOS_OP_CREATE, "set")))
			return rc;
	}
	return cu_run_write(ctx, CUSTOS_OP_CREATE, "create customers", CUSTOS_AUDIT_CREATE, create_fn, &a, NULL);
}

int custos_customer_create(uint64_t *id_out, custos_ctx *ctx, const custos_customer *customer)
{
	custos_customer *one = (custos_customer *)customer;
	uint64_t id = 0;
	int rc;

	if (!customer)
		return cu_null_arg("custos_customer_create", "customer");
	rc = custos_customer_create_many(&id, ctx, &one, 1);
	if (!rc && id_out)
		*id_out = id;
	return rc;
}

typedef struct get_args {
	uint64_t id;
	custos_customer **out;
	custos_customer *changes;
	int damaged;             /* the read failed on the customer's own record */
	uint32_t expected;       /* an update's expected record version, 0 for any */
} get_args;

static int get_fn(cu_op *op, void *arg)
{
	get_args *a = arg;
	int rc = cu_cust_load(op, a->id, a->out);

	a->damaged = cu_cust_record_damaged(rc);
	return rc;
}

int cu_customer_read(custos_customer **out, custos_ctx *ctx, uint64_t id, int *damaged)
{
	get_args a = { id, out, NULL, 0, 0 };
	cu_err_saved e;
	int rc, logged;

	*damaged = 0;
	if (!out)
		return cu_null_arg("custos_customer_lookup", "out");
	*out = NULL;
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	rc = cu_run_read(ctx, CUSTOS_OP_READ, "read customers", get_fn, &a);
	*damaged = rc && a.damaged;
	if (rc == CUSTOS_EDENIED)
		return rc;  /* the denial is already logged */
	if (!rc)
		rc = cu_access_present(ctx, *out);
	cu_err_save(&e);
	logged = cu_log_read(ctx, CUSTOS_AUDIT_READ, CUSTOS_OP_READ, id, rc ? 0 : cu_access_seen(ctx, *out), rc, 0);
	if (!rc && logged)
		rc = logged;  /* fail-closed: a read that cannot be logged is refused (message set) */
	else
		cu_err_restore(&e);
	if (rc) {
		custos_customer_free(*out);
		*out = NULL;
	}
	return rc;
}

int custos_customer_lookup(custos_customer **out, custos_ctx *ctx, uint64_t id)
{
	int damaged;

	return cu_customer_read(out, ctx, id, &damaged);
}

static int update_fn(cu_op *op, void *arg)
{
	get_args *a = arg;
	return cu_cust_update(op, a->id, a->expected, a->changes);
}

static int update(custos_ctx *ctx, uint64_t id, uint32_t expected, custos_customer *changes, const char *fn)
{
	get_args a = { id, NULL, changes, 0, expected };
	int rc;

	if (!changes)
		return cu_null_arg(fn, "changes");
	if ((rc = cu_ctx_usable(ctx)) || (rc = same_store(ctx, changes, fn)) ||
	    (rc = cu_access_check(ctx, CUSTOS_OP_UPDATE, "update customers")) ||
	    (rc = cu_access_may_write(ctx, changes, CUSTOS_OP_UPDATE, "update")))
		return rc;
	return cu_run_write(ctx, CUSTOS_OP_UPDATE, "update customers", CUSTOS_AUDIT_UPDATE, update_fn, &a, NULL);
}

int custos_customer_update(custos_ctx *ctx, uint64_t id, custos_customer *changes)
{
	return update(ctx, id, 0, changes, "custos_customer_update");
}

int custos_customer_update_if(custos_ctx *ctx, uint64_t id, uint32_t expected_version, custos_customer *changes)
{
	if (expected_version == 0)
		return cu_err(CUSTOS_EINVALID, "custos_customer_update_if: the expected version is 0; records start at 1");
	return update(ctx, id, expected_version, changes, "custos_customer_update_if");
}

static int count_fn(cu_op *op, void *arg)
{
	return cu_cust_count_reachable(op, arg);
}

int custos_customer_count(uint64_t *out, custos_ctx *ctx)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_count", "out");
	if ((rc = cu_run_read(ctx, CUSTOS_OP_READ | CUSTOS_OP_REPORT, "count customers", count_fn, out)))
		return rc;
	return cu_log_read(ctx, CUSTOS_AUDIT_COUNT, ctx->role.ops & (CUSTOS_OP_READ | CUSTOS_OP_REPORT), 0, 0, CUSTOS_OK, 0);
}

/* ---- ownership ---- */

typedef struct reassign_args {
	custos_ctx *ctx;
	uint64_t id;
	const char *from, *to;
	uint64_t after, moved;
	int done;
} reassign_args;

/* The new owner must exist, be enabled, and (for a team-scoped actor) be in its team. */
static int new_owner(cu_op *op, const custos_ctx *ctx, const char *name, cu_principal *p)
{
	int rc = cu_principal_get(op->txn, op->core->keys, name, p);

	if (rc)
		return rc;
	if (p->flags & CU_PRINCIPAL_DISABLED)
		return cu_err(CUSTOS_EINVALID, "principal '%s' is disabled and cannot own customers", name);
	if (ctx->role.scope != CUSTOS_SCOPE_ALL && (p->team == 0 || p->team != ctx->who.team))
		return cu_err(CUSTOS_EDENIED, "principal '%s' may not give customers to '%s', who is not in its team",
			ctx->who.name, name);
	return CUSTOS_OK;
}

static int reassign_fn(cu_op *op, void *arg)
{
	reassign_args *a = arg;
	cu_principal p;
	int rc = new_owner(op, a->ctx, a->to, &p);

	return rc ? rc : cu_cust_reassign(op, a->id, p.id, p.team);
}

int custos_customer_reassign(custos_ctx *ctx, uint64_t id, const char *owner)
{
	reassign_args a = { ctx, id, NULL, owner, 0, 0, 0 };

	if (!owner)
		return cu_null_arg("custos_customer_reassign", "owner");
	return cu_run_write(ctx, CUSTOS_OP_REASSIGN, "reassign customers", CUSTOS_AUDIT_REASSIGN, reassign_fn, &a, NULL);
}

#define REASSIGN_BATCH 10000

static int reassign_batch_fn(cu_op *op, void *arg)
{
	reassign_args *a = arg;
	cu_principal from, to;
	uint64_t ids[256], after = a->after;
	size_t n, done = 0;
	int rc;

	a->moved = 0;
	if ((rc = cu_principal_get(op->txn, op->core->keys, a->from, &from)) || (rc = new_owner(op, a->ctx, a->to, &to)))
		return rc;
	a->done = 1;
	do {
		if ((rc = cu_holder_scan(op, CU_HOLDER_OWNER, from.id, after, ids, 256, &n)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			after = ids[i];
			rc = cu_cust_reassign(op, ids[i], to.id, to.team);
			if (rc == CUSTOS_ENOTFOUND)
				continue;  /* out of the actor's reach: stays with its owner */
			if (rc)
				return rc;
			a->moved++;
		}
		done += n;
	} while (n == 256 && done < REASSIGN_BATCH);
	if (n == 256)
		a->done = 0;
	a->after = after;
	return CUSTOS_OK;
}

int custos_customer_reassign_all(uint64_t *moved, custos_ctx *ctx, const char *from, const char *to)
{
	reassign_args a = { ctx, 0, from, to, 0, 0, 0 };
	uint64_t total = 0;
	int rc;

	if (moved)
		*moved = 0;
	if (!from || !to)
		return cu_null_arg("custos_customer_reassign_all", from ? "to" : "from");
	do {
		rc = cu_run_write(ctx, CUSTOS_OP_REASSIGN, "reassign customers", CUSTOS_AUDIT_REASSIGN, reassign_batch_fn,
			&a, NULL);
		if (!rc)
			total += a.moved;
	} while (!rc && !a.done);
	if (moved)
		*moved = total;
	return rc;
}
