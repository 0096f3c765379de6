/*
 * api/iter.c — customer iterators: listing in id order and finding by a searchable field.
 * Each page is read in its own short transaction, so an iterator holds no lock between
 * calls and never pins an old snapshot of the store.
 */
#include <string.h>

#include "api/api.h"
#include "model/customer.h"
#include "model/index.h"
#include "model/validate.h"
#include "util/alloc.h"

#define PAGE 64

enum { ITER_LIST, ITER_FIND };

size_t custos_list_options_size(void) { return sizeof(custos_list_options); }

struct custos_iter {
	custos_ctx *ctx;
	int kind;
	uint64_t after;          /* last id read from storage */
	int exhausted;           /* storage has nothing after `after` */
	uint64_t ids[PAGE];

	size_t n, pos;
	uint16_t field_id;
	cu_bytes query;          /* find: stored form of the value */
	cu_bytes norm;           /* find: its index form */
	cu_bytes legacy;         /* find: the index form custos 0.1.0's rules give, if looked up too */
	int has_legacy;
};

int custos_list_options_init(custos_list_options *opts, unsigned int version)
{
	int rc;

	if (!opts)
		return cu_null_arg("custos_list_options_init", "opts");
	if ((rc = cu_check_version(version, CUSTOS_LIST_OPTIONS_VERSION, "custos_list_options")))
		return rc;
	memset(opts, 0, sizeof *opts);
	opts->version = version;
	return CUSTOS_OK;
}

static int iter_new(custos_iter **out, custos_ctx *ctx, int kind)
{
	custos_iter *it = cu_calloc(1, sizeof *it);

	if (!it)
		return cu_err_oom();
	it->ctx = cu_ctx_ref(ctx);
	it->kind = kind;
	it->query.secret = 1;
	it->norm.secret = 1;
	it->legacy.secret = 1;
	*out = it;
	return CUSTOS_OK;
}

static void drop_page(custos_iter *it)
{
	it->n = it->pos = 0;
}

void custos_iter_free(custos_iter *it)
{
	if (!it)
		return;
	drop_page(it);
	cu_bytes_free(&it->query);
	cu_bytes_free(&it->norm);
	cu_bytes_free(&it->legacy);
	cu_ctx_unref(it->ctx);
	cu_free(it);
}

int custos_customer_list(custos_iter **out, custos_ctx *ctx, const custos_list_options *opts)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_list", "out");
	*out = NULL;
	if ((rc = cu_ctx_current(ctx)))
		return rc;
	if (opts && (rc = cu_check_version(opts->version, CUSTOS_LIST_OPTIONS_VERSION, "custos_list_options")))
		return rc;
	if ((rc = cu_access_check(ctx, CUSTOS_OP_READ, "read customers")) || (rc = iter_new(out, ctx, ITER_LIST)))
		return rc;
	(*out)->after = opts ? opts->after_id : 0;
	if ((rc = cu_log_read(ctx, CUSTOS_AUDIT_LIST, CUSTOS_OP_READ, 0, 0, CUSTOS_OK, 0))) {
		custos_iter_free(*out);
		*out = NULL;
	}
	return rc;
}

static int index_form_of(const cu_field *f, const cu_bytes *stored, cu_bytes *out)
{
	if (f->type == CUSTOS_TYPE_TAGS)
		return cu_bytes_append(out, stored->p, stored->len);
	return cu_value_index_form(f, stored->p, stored->len, out);
}

/* The index forms to look up. A field whose values custos 0.1.0 may have written (rules v1,
 * until custos_schema_renormalize()) is also searched for the form its rules give the
 * value, when that differs; a value only those rules accept is searched in that form
 * alone, so a find that found a customer before still does. */
static int query_forms(custos_iter *it, const cu_field *f, const char *region, const char *value)
{
	cu_bytes old = CU_BYTES_SECRET_INIT;
	cu_err_saved e;
	int rc = cu_value_from_text(f, region, value, &it->query), old_rc;

	if (!rc)
		rc = index_form_of(f, &it->query, &it->norm);
	if (f->rules != CU_RULES_V1 || (rc && rc != CUSTOS_EINVALID))
		return rc;
	cu_err_save(&e);
	if (!(old_rc = cu_value_from_text_rules(f, region, value, CU_RULES_V1, &old)))
		old_rc = index_form_of(f, &old, &it->legacy);
	cu_bytes_free(&old);
	if (old_rc == CUSTOS_EINVALID) {
		cu_err_restore(&e);  /* the current verdict stands */
		return rc;
	}
	if (old_rc || rc) {
		cu_bytes_free(&it->norm);   /* the old form alone, or ENOMEM */
		it->norm = it->legacy;
		it->legacy = (cu_bytes)CU_BYTES_SECRET_INIT;
		return old_rc;
	}
	it->has_legacy = it->legacy.len != it->norm.len || memcmp(it->legacy.p, it->norm.p, it->norm.len) != 0;
	return CUSTOS_OK;
}

int custos_customer_find(custos_iter **out, custos_ctx *ctx, const char *field, const char *value)
{
	const cu_field *f;
	custos_iter *it = NULL;
	cu_schema *s;
	int rc;

	if (!out)
		return cu_null_arg("custos_customer_find", "out");
	*out = NULL;
	if ((rc = cu_ctx_current(ctx)))
		return rc;
	if (!field || !value)
		return cu_null_arg("custos_customer_find", field ? "value" : "field");
	if ((rc = cu_access_check(ctx, CUSTOS_OP_READ, "read customers")))
		return rc;
	s = cu_core_schema(ctx->core);
	if (!(f = cu_schema_find(s, field)))
		rc = cu_err(CUSTOS_EINVALID, "unknown field '%.64s'", field);
	else if (!(f->flags & CUSTOS_FIELD_SEARCHABLE))
		rc = cu_err(CUSTOS_EINVALID, "field '%s' is not searchable; make it searchable with "
			"custos_schema_set_field_flags()", f->name);
	else if (!(rc = cu_access_may_search(ctx, f)) && !(rc = iter_new(&it, ctx, ITER_FIND))) {
		it->field_id = f->id;
		rc = query_forms(it, f, s->region, value);
		if (!rc)
			rc = cu_log_read(ctx, CUSTOS_AUDIT_FIND, CUSTOS_OP_READ, 0, 1U << f->cls, CUSTOS_OK, f->id);
		if (rc)
			custos_iter_free(it);
		else
			*out = it;
	}
	cu_schema_unref(s);
	return rc;
}

/* ---- pages ---- */

static int list_page(cu_op *op, void *arg)
{
	custos_iter *it = arg;
	uint64_t last;
	int rc = cu_cust_ids_reachable(op, it->after, it->ids, PAGE, &it->n, &last, 1);

	if (rc)
		return rc;
	if (last == UINT64_MAX)
		it->exhausted = 1;
	else
		it->after = last;
	return CUSTOS_OK;
}

/* Merge the ascending ids b (m of them) into the page, without duplicates, keeping at most
 * PAGE of the smallest; *cut is set when some were left for the next page. */
static void merge_ids(custos_iter *it, const uint64_t *b, size_t m, int *cut)
{
	uint64_t out[PAGE];
	size_t i = 0, j = 0, k = 0;

	while ((i < it->n || j < m) && k < PAGE) {
		if (j == m || (i < it->n && it->ids[i] < b[j]))
			out[k++] = it->ids[i++];
		else if (i == it->n || b[j] < it->ids[i])
			out[k++] = b[j++];
		else
			out[k++] = it->ids[i++], j++;
	}
	*cut = i < it->n || j < m;
	memcpy(it->ids, out, k * sizeof *out);
	it->n = k;
}

/* The page's candidates of both the current and the old form of the value. */
static int lookup_page(cu_op *op, const cu_field *f, custos_iter *it, int *more)
{
	uint64_t other[PAGE];
	size_t m;
	int rc, more_old, cut;

	if ((rc = cu_index_lookup(op, f, it->norm.p, it->norm.len, it->after, it->ids, PAGE, &it->n, more)) ||
	    !it->has_legacy)
		return rc;
	if ((rc = cu_index_lookup(op, f, it->legacy.p, it->legacy.len, it->after, other, PAGE, &m, &more_old)))
		return rc;
	merge_ids(it, other, m, &cut);
	*more = *more || more_old || cut;
	return CUSTOS_OK;
}

/* Candidates from the index whose keyed verifier matches the value. */
static int find_page(cu_op *op, void *arg)
{
	custos_iter *it = arg;
	const cu_field *f = cu_schema_by_id(op->schema, it->field_id);
	uint64_t last;
	int more, rc;

	if (!f)
		return cu_err(CUSTOS_ESTATE, "the field searched for was removed from the schema");
	if (!(f->flags & CUSTOS_FIELD_SEARCHABLE))  /* its entries are being dropped, or were left by a crash */
		return cu_err(CUSTOS_ESTATE, "field '%s' stopped being searchable after the search began", f->name);
	if ((rc = lookup_page(op, f, it, &more)))
		return rc;
	last = it->n ? it->ids[it->n - 1] : it->after;
	if (op->scope == CU_SCOPE_ALL && (rc = cu_cust_drop_archived(op, it->ids, &it->n)))
		return rc;
	if (op->scope != CU_SCOPE_ALL) {
		/* Customers out of reach are left out as if they did not match; a damaged record
		 * stays, for custos_iter_next() to report and pass. */
		size_t kept = 0;
		for (size_t i = 0; i < it->n; i++) {
			int yes;
			rc = cu_cust_reachable(op, it->ids[i], &yes);
			if (rc && !cu_cust_record_damaged(rc))
				return rc;
			if (yes || rc)
				it->ids[kept++] = it->ids[i];
		}
		it->n = kept;
	}
	it->after = last;  /* only now: a page that failed is read again, whole */
	if (!more)
		it->exhausted = 1;
	return CUSTOS_OK;
}

/* Make sure an item is waiting; CUSTOS_ITEROVER when there is none. */
static int fill(custos_iter *it)
{
	int rc;

	while (it->pos == it->n) {
		drop_page(it);
		if (it->exhausted)
			return CUSTOS_ITEROVER;
		rc = cu_run_read(it->ctx, CUSTOS_OP_READ, "read customers", it->kind == ITER_LIST ? list_page : find_page, it);
		if (rc) {
			drop_page(it);  /* a page that failed half read is read again, whole, by the next call */
			return rc;
		}
	}
	return CUSTOS_OK;
}

int custos_iter_next_id(uint64_t *out, custos_iter *it)
{
	int rc;

	if (!out || !it)
		return cu_null_arg("custos_iter_next_id", out ? "iter" : "out");
	if ((rc = fill(it)))
		return rc;
	*out = it->ids[it->pos++];
	return CUSTOS_OK;
}

/* Does a found customer still hold the value searched for? (The index can lag behind a
 * record only if storage was tampered with or rolled back.) */
static int still_matches(const custos_iter *it, const custos_customer *c, int *match)
{
	const cu_field *f = cu_schema_by_id(c->schema, it->field_id);
	int rc;

	*match = 0;
	if (!f)
		return CUSTOS_OK;
	if ((rc = cu_cust_matches(c, f, it->norm.p, it->norm.len, match)) || *match || !it->has_legacy)
		return rc;
	return cu_cust_matches(c, f, it->legacy.p, it->legacy.len, match);  /* a value of custos 0.1.0 */
}

int custos_iter_next(custos_customer **out, custos_iter *it)
{
	int rc;

	if (!out || !it)
		return cu_null_arg("custos_iter_next", out ? "iter" : "out");
	*out = NULL;
	for (;;) {
		int match = 1, damaged;
		if ((rc = fill(it)))
			return rc;
		rc = cu_customer_read(out, it->ctx, it->ids[it->pos], &damaged);
		if (rc == CUSTOS_ENOTFOUND) {
			it->pos++;  /* removed since the page was read */
			continue;
		}
		if (damaged) {
			it->pos++;  /* reported once (the message names it); the next call goes on */
			return rc;
		}
		if (!rc && it->kind == ITER_FIND)
			rc = still_matches(it, *out, &match);
		if (rc) {
			custos_customer_free(*out);
			*out = NULL;
			return rc;  /* not the record's fault: the same customer is tried again */
		}
		it->pos++;
		if (match)
			return CUSTOS_OK;
		custos_customer_free(*out);
		*out = NULL;
	}
}
