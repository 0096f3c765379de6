/*
 * api/schema.c — schema changes and read-only snapshots.
 */
#include <stddef.h>
#include <string.h>

#include "api/api.h"
#include "model/customer.h"
#include "model/index.h"
#include "model/phone.h"
#include "model/renorm.h"

static const char *const type_names[] = {
	NULL, "text", "email", "phone", "integer", "money", "timestamp", "date", "boolean", "enum", "tags",
};
static const char *const class_names[] = {
	"profile", "name", "contact", "address", "identity", "notes", "financial",
};
static const char *const norm_names[] = {
	NULL, "exact", "casefold", "identifier",
};

size_t custos_field_options_size(void) { return sizeof(custos_field_options); }

const char *custos_field_type_name(int type)
{
	return type >= 1 && type <= CUSTOS_TYPE_TAGS ? type_names[type] : NULL;
}

const char *custos_field_class_name(int field_class)
{
	return field_class >= 0 && field_class < CUSTOS_CLASS_COUNT ? class_names[field_class] : NULL;
}

const char *custos_field_norm_name(int norm)
{
	return norm >= CUSTOS_NORM_EXACT && norm <= CUSTOS_NORM_IDENTIFIER ? norm_names[norm] : NULL;
}

static int parse_name(int *out, const char *name, const char *const *names, int lo, int hi, const char *what)
{
	return cu_parse_name(out, name, names, lo, hi, what);
}

int custos_field_type_parse(int *out, const char *name)
{
	return parse_name(out, name, type_names, 1, CUSTOS_TYPE_TAGS, "custos_field_type_parse");
}

int custos_field_class_parse(int *out, const char *name)
{
	return parse_name(out, name, class_names, 0, CUSTOS_CLASS_COUNT - 1, "custos_field_class_parse");
}

int custos_field_norm_parse(int *out, const char *name)
{
	return parse_name(out, name, norm_names, CUSTOS_NORM_EXACT, CUSTOS_NORM_IDENTIFIER, "custos_field_norm_parse");
}

int custos_field_options_init(custos_field_options *opts, unsigned int version)
{
	int rc;

	if (!opts)
		return cu_null_arg("custos_field_options_init", "opts");
	if ((rc = cu_check_version(version, CUSTOS_FIELD_OPTIONS_VERSION, "custos_field_options")))
		return rc;
	/* A caller built against version 1 has a struct that ends before norm. */
	memset(opts, 0, version >= 2 ? sizeof *opts : offsetof(custos_field_options, norm));
	opts->version = version;
	if (version >= 3)
		opts->field_class = CUSTOS_CLASS_DEFAULT;
	return CUSTOS_OK;
}

/* ---- changes: each builds a new snapshot inside the transaction, published on commit ---- */

typedef struct change {
	custos_ctx *ctx;
	int (*edit)(cu_op *op, cu_schema *next, struct change *c);
	const custos_field_options *opts;
	const char *field;
	const char *value;
	uint32_t flags;
	cu_schema *next;
	cu_audit_rec audit;
	cu_job *built;           /* flags: the index built for the field, ended by the change */
	cu_job drop;             /* flags: the job dropping the entries of a field made unsearchable */
	int dropping;
	const void *arg;         /* what else an edit needs */
} change;

static int change_fn(cu_op *op, void *arg)
{
	change *c = arg;
	int rc;

	cu_schema_unref(c->next);  /* from an attempt before a retry */
	c->next = NULL;
	if ((rc = cu_schema_clone(&c->next, op->schema)))
		return rc;
	if ((rc = c->edit(op, c->next, c)))
		return rc;
	c->next->version = op->schema->version + 1;
	cu_audit_rec_init(&c->audit, c->ctx, CUSTOS_AUDIT_SCHEMA, CUSTOS_OP_SCHEMA);
	c->audit.version = (uint32_t)c->next->version;
	return cu_core_store_schema(op, c->next);
}

static int run_change(custos_ctx *ctx, change *c)
{
	int rc;

	c->ctx = ctx;
	rc = cu_run_write(ctx, CUSTOS_OP_SCHEMA, "change the schema", 0, change_fn, c, &c->audit);

	if (!rc)
		cu_core_set_schema(ctx->core, c->next);
	cu_schema_unref(c->next);
	return rc;
}

static int customers_exist(cu_op *op, int *exist)
{
	cu_counters *ctr;
	int rc = cu_counters_get(op, &ctr);

	*exist = !rc && ctr->count > 0;
	return rc;
}

static int edit_add_field(cu_op *op, cu_schema *next, change *c)
{
	int rc, exist;

	if ((rc = cu_schema_add_custom(next, c->opts)))
		return rc;
	if ((c->opts->flags & CUSTOS_FIELD_REQUIRED) && !(rc = customers_exist(op, &exist)) && exist)
		return cu_err(CUSTOS_ESTATE, "field '%s' cannot be added as required: existing customers have no "
			"value for it; add it optional, fill it in, then make it required", c->opts->name);
	return rc;
}

int custos_schema_add_field(custos_ctx *ctx, const custos_field_options *opts)
{
	change c = { .edit = edit_add_field, .opts = opts };
	int rc;

	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (!opts)
		return cu_null_arg("custos_schema_add_field", "opts");
	if ((rc = cu_check_version(opts->version, CUSTOS_FIELD_OPTIONS_VERSION, "custos_field_options")))
		return rc;
	return run_change(ctx, &c);
}

static cu_field *find_field(cu_schema *s, const char *name)
{
	const cu_field *f = cu_schema_find(s, name);

	if (!f)
		cu_err(CUSTOS_ENOTFOUND, "no field named '%.64s'", name);
	return (cu_field *)f;
}

static int edit_add_enum(cu_op *op, cu_schema *next, change *c)
{
	cu_field *f = find_field(next, c->field);

	(void)op;
	return f ? cu_schema_add_enum(next, f, c->value) : CUSTOS_ENOTFOUND;
}

int custos_schema_add_enum_value(custos_ctx *ctx, const char *field, const char *value)
{
	change c = { .edit = edit_add_enum, .field = field, .value = value };
	int rc;

	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (!field || !value)
		return cu_null_arg("custos_schema_add_enum_value", field ? "value" : "field");
	return run_change(ctx, &c);
}

static int edit_region(cu_op *op, cu_schema *next, change *c)
{
	(void)op;
	snprintf(next->region, sizeof next->region, "%s", c->value ? c->value : "");
	return CUSTOS_OK;
}

int custos_schema_set_default_region(custos_ctx *ctx, const char *region)
{
	change c = { .edit = edit_region, .value = region };
	unsigned code;
	int rc;

	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (region && *region && cu_phone_region_code(region, &code))
		return cu_err(CUSTOS_EINVALID, "'%.8s' is not an ISO 3166 region code such as \"HK\"", region);
	return run_change(ctx, &c);
}

/* ---- values stored under earlier normalisation rules ---- */

#define RENORM_BATCH 1000   /* customers per transaction */
#define RENORM_PAGE 256

typedef struct renorm {
	custos_ctx *ctx;
	uint64_t after;          /* the last customer of the batches committed */
	uint64_t next;           /* the last of this attempt */
	uint64_t rewritten, kept;
	int more;
	cu_renorm_left left;     /* fields with values kept, over the batches committed */
	cu_renorm_left attempt;  /* the same for this attempt */
} renorm;

/* Up to RENORM_BATCH customers after r->after; a retried attempt starts over from there. */
static int renorm_batch_fn(cu_op *op, void *arg)
{
	renorm *r = arg;
	uint64_t ids[RENORM_PAGE];
	size_t count = 0, done = 0;
	int rc = CUSTOS_OK;

	r->rewritten = r->kept = 0;
	r->next = r->after;
	memset(&r->attempt, 0, sizeof r->attempt);
	do {
		if ((rc = cu_cust_ids(op, r->next, ids, RENORM_PAGE, &count)))
			return rc;
		for (size_t i = 0; i < count && !rc; i++) {
			rc = cu_renorm_customer(op, ids[i], &r->attempt, &r->rewritten, &r->kept);
			r->next = ids[i];
		}
		done += count;
	} while (!rc && count == RENORM_PAGE && done < RENORM_BATCH);
	r->more = count == RENORM_PAGE;
	return rc;
}

/* The fields whose every value is current follow the current rules from now on. */
static int edit_rules(cu_op *op, cu_schema *next, change *c)
{
	const cu_renorm_left *left = c->arg;

	(void)op;
	for (size_t i = 0; i < next->nfields; i++)
		if (next->fields[i].rules != CU_RULES_CURRENT && !cu_renorm_left_has(left, next->fields[i].id))
			next->fields[i].rules = CU_RULES_CURRENT;
	return CUSTOS_OK;
}

/* Does any field hold values that may be in an earlier form? (Else nothing is read.) */
static int values_due(custos_ctx *ctx)
{
	cu_schema *s = cu_core_schema(ctx->core);
	int due = 0;

	for (size_t i = 0; i < s->nfields; i++)
		due |= cu_renorm_field_due(&s->fields[i]);
	cu_schema_unref(s);
	return due;
}

static int rules_due(custos_ctx *ctx, const cu_renorm_left *left)
{
	cu_schema *s = cu_core_schema(ctx->core);
	int due = 0;

	for (size_t i = 0; i < s->nfields; i++)
		due |= s->fields[i].rules != CU_RULES_CURRENT && !cu_renorm_left_has(left, s->fields[i].id);
	cu_schema_unref(s);
	return due;
}

int custos_schema_renormalize(custos_ctx *ctx, uint64_t *rewritten, uint64_t *kept)
{
	renorm *r;
	int rc = CUSTOS_OK;

	if (rewritten)
		*rewritten = 0;
	if (kept)
		*kept = 0;
	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_SCHEMA, "change the schema")))
		return rc;
	if (!(r = cu_calloc(1, sizeof *r)))
		return cu_err_oom();
	r->ctx = ctx;
	r->more = values_due(ctx);
	while (r->more) {
		rc = cu_run_write(ctx, CUSTOS_OP_SCHEMA, "change the schema", CUSTOS_AUDIT_UPDATE, renorm_batch_fn, r, NULL);
		if (rc)
			break;
		r->after = r->next;
		for (size_t i = 0; i < sizeof r->left.bits; i++)
			r->left.bits[i] |= r->attempt.bits[i];
		if (rewritten)
			*rewritten += r->rewritten;
		if (kept)
			*kept += r->kept;
	}
	if (!rc && rules_due(ctx, &r->left)) {
		change c = { .edit = edit_rules, .arg = &r->left };
		rc = run_change(ctx, &c);
	}
	cu_free(r);
	return rc;
}

/* ---- flags: may build an index, or check every customer ---- */

#define PAGE 256
#define FLAG_BITS (CUSTOS_FIELD_SEARCHABLE | CUSTOS_FIELD_REQUIRED | CUSTOS_FIELD_UNIQUE)
#define REPLAN 2      /* the field's searchable flag changed since the call looked: again (not CU_ESTALE) */
#define PLAN_TRIES 3

/* Visit every customer, whatever the context's scope, decrypting field f's class, in
 * pages of ids. Reads only: the transaction stays small however many customers there are. */
static int each_customer(cu_op *op, const cu_field *f, int (*visit)(cu_op *, const cu_field *, custos_customer *))
{
	uint64_t ids[PAGE], after = 0;
	size_t count;
	unsigned saved = op->visible;
	int rc, scope = op->scope;

	op->visible = 1U << f->cls;
	op->scope = CU_SCOPE_ALL;
	do {
		if ((rc = cu_cust_ids(op, after, ids, PAGE, &count)))
			break;
		for (size_t i = 0; i < count && !rc; i++) {
			custos_customer *c;
			after = ids[i];
			if ((rc = cu_cust_load(op, ids[i], &c)) == CU_ESTALE)
				rc = CUSTOS_ECORRUPT;  /* the schema is the transaction's: the record is at fault */
			if (rc)
				break;
			rc = visit(op, f, c);
			cu_customer_destroy(c);
		}
	} while (!rc && count == PAGE);
	op->visible = saved;
	op->scope = scope;
	return rc;
}

static int visit_required(cu_op *op, const cu_field *f, custos_customer *c)
{
	size_t n;

	(void)op;
	if (!cu_value_get(c, cu_schema_by_id(c->schema, f->id), &n))
		return cu_err(CUSTOS_ESTATE, "field '%s' cannot become required: customer %llu has no value for it",
			f->name, (unsigned long long)c->id);
	return CUSTOS_OK;
}

static int visit_unique(cu_op *op, const cu_field *f, custos_customer *c)
{
	return cu_cust_check_unique(op, c, c->id, f);
}

/* The flags field f will carry, or CUSTOS_EINVALID. */
static int wanted_flags(const cu_field *f, uint32_t flags, uint32_t *want)
{
	*want = flags & CUSTOS_FIELD_UNIQUE ? flags | CUSTOS_FIELD_SEARCHABLE : flags;
	if ((*want & CUSTOS_FIELD_UNIQUE) && (f->type == CUSTOS_TYPE_TAGS || f->type == CUSTOS_TYPE_BOOLEAN))
		return cu_err(CUSTOS_EINVALID, "field '%s': a %s field cannot be unique", f->name,
			custos_field_type_name(f->type));
	if ((*want & CUSTOS_FIELD_SEARCHABLE) && cu_field_encrypted(f) && f->type == CUSTOS_TYPE_TAGS)
		return cu_err(CUSTOS_EINVALID, "field '%s': encrypted tags cannot be searchable", f->name);
	return CUSTOS_OK;
}

/* The change itself, last: an index it needs was built before, in bounded transactions
 * (c->built); one it no longer needs is dropped after, the same way (c->drop). The checks
 * of UNIQUE and REQUIRED only read, so they run here, against the committed state. */
static int edit_flags(cu_op *op, cu_schema *next, change *c)
{
	cu_field *f = find_field(next, c->field);
	uint32_t want, before;
	int rc;

	if (!f)
		return CUSTOS_ENOTFOUND;
	if ((rc = wanted_flags(f, c->flags, &want)))
		return rc;
	before = f->flags;
	f->flags = (f->flags & ~FLAG_BITS) | want;
	c->dropping = 0;
	if ((want & CUSTOS_FIELD_SEARCHABLE) && !(before & CUSTOS_FIELD_SEARCHABLE)) {
		if (!c->built || c->built->field_id != f->id)
			return REPLAN;
		if ((rc = cu_job_end(op, c->built)))
			return rc;
		f->index_bits = c->built->index_bits;
	} else if (!(want & CUSTOS_FIELD_SEARCHABLE) && (before & CUSTOS_FIELD_SEARCHABLE)) {
		c->drop.kind = CU_JOB_DROP;
		c->drop.field_id = f->id;
		if ((rc = cu_job_start(op, &c->drop)))
			return rc;
		c->dropping = 1;
		f->index_bits = 0;
	}
	if ((want & CUSTOS_FIELD_UNIQUE) && !(before & CUSTOS_FIELD_UNIQUE) && (rc = each_customer(op, f, visit_unique)))
		return rc;
	if ((want & CUSTOS_FIELD_REQUIRED) && !(before & CUSTOS_FIELD_REQUIRED))
		return each_customer(op, f, visit_required);
	return CUSTOS_OK;
}

static int sync_fn(cu_op *op, void *arg);

/* Does the change need an index built first? If so, job names the field and the index
 * bits it will get. Bad flags are refused here, before anything is written. */
static int plan_flags(custos_ctx *ctx, const char *field, uint32_t flags, cu_job *job, int *build)
{
	cu_schema *s = NULL;
	const cu_field *f;
	uint32_t want;
	int rc;

	*build = 0;
	if ((rc = cu_run_read(ctx, CUSTOS_OP_SCHEMA, "change the schema", sync_fn, &s)))
		return rc;
	if (!(f = cu_schema_find(s, field)))
		rc = cu_err(CUSTOS_ENOTFOUND, "no field named '%.64s'", field);
	else if (!(rc = wanted_flags(f, flags, &want)) && (want & CUSTOS_FIELD_SEARCHABLE) &&
		 !(f->flags & CUSTOS_FIELD_SEARCHABLE)) {
		memset(job, 0, sizeof *job);
		job->kind = CU_JOB_BUILD;
		job->field_id = f->id;
		job->index_bits = cu_field_encrypted(f) ? (uint8_t)cu_bidx_plan_bits(s->population) : 0;
		*build = 1;
	}
	cu_schema_unref(s);
	return rc;
}

int custos_schema_set_field_flags(custos_ctx *ctx, const char *field, uint32_t flags)
{
	int rc;

	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (!field)
		return cu_null_arg("custos_schema_set_field_flags", "field");
	if (flags & ~FLAG_BITS)
		return cu_err(CUSTOS_EINVALID, "only CUSTOS_FIELD_SEARCHABLE, CUSTOS_FIELD_REQUIRED and "
			"CUSTOS_FIELD_UNIQUE can be changed; encryption is fixed when a field is added");
	for (int tries = 0; tries < PLAN_TRIES; tries++) {
		change c = { .edit = edit_flags, .field = field, .flags = flags };
		cu_job job;
		int build;
		if ((rc = plan_flags(ctx, field, flags, &job, &build)) || (build && (rc = cu_jobs_build(ctx, &job))))
			return rc;
		c.built = build ? &job : NULL;
		rc = run_change(ctx, &c);
		if (rc && build)
			cu_jobs_drop(ctx, &job);  /* the change failed: what was built goes */
		else if (!rc && c.dropping)
			cu_jobs_drop(ctx, &c.drop);
		if (rc != REPLAN)
			return rc;
	}
	return cu_err(CUSTOS_EBUSY, "field '%.64s' kept changing between searchable and not while this call ran; "
		"call again", field);
}

/* ---- snapshots ---- */

static int sync_fn(cu_op *op, void *arg)
{
	int rc = cu_core_sync_schema(op->core, op->txn);

	if (!rc)
		*(cu_schema **)arg = cu_core_schema(op->core);
	return rc;
}

int custos_schema_get(custos_schema **out, custos_ctx *ctx)
{
	if (!out)
		return cu_null_arg("custos_schema_get", "out");
	*out = NULL;
	return cu_run_read(ctx, CUSTOS_OP_ALL, "read the schema", sync_fn, out);
}

void custos_schema_free(custos_schema *schema)
{
	cu_schema_unref(schema);
}

uint64_t custos_schema_version(const custos_schema *s)
{
	return s ? s->version : 0;
}

size_t custos_schema_field_count(const custos_schema *s)
{
	return s ? s->nfields : 0;
}

int custos_schema_field_lookup(size_t *index_out, const custos_schema *s, const char *name)
{
	const cu_field *f;

	if (!index_out || !s || !name)
		return cu_null_arg("custos_schema_field_lookup", !index_out ? "index_out" : !s ? "schema" : "name");
	if (!(f = cu_schema_find(s, name)))
		return cu_err(CUSTOS_ENOTFOUND, "no field named '%.64s'", name);
	*index_out = cu_schema_pos(s, f);
	return CUSTOS_OK;
}

static const cu_field *at(const custos_schema *s, size_t i)
{
	return s && i < s->nfields ? &s->fields[i] : NULL;
}

const char *custos_schema_field_name(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->name : NULL;
}

int custos_schema_field_type(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->type : 0;
}

uint32_t custos_schema_field_flags(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->flags : 0;
}

uint32_t custos_schema_field_id(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->id : 0;
}

int custos_schema_field_class(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->cls : -1;
}

uint32_t custos_schema_field_max_bytes(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->max_bytes : 0;
}

int custos_schema_field_norm(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->norm : 0;
}

uint32_t custos_schema_field_norm_version(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->rules : 0;
}

uint32_t custos_schema_field_index_bits(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f && cu_field_encrypted(f) && (f->flags & CUSTOS_FIELD_SEARCHABLE) ? f->index_bits : 0;
}

size_t custos_schema_enum_count(const custos_schema *s, size_t i)
{
	const cu_field *f = at(s, i);
	return f ? f->n_enum : 0;
}

const char *custos_schema_enum_value(const custos_schema *s, size_t i, size_t j)
{
	const cu_field *f = at(s, i);
	return f && j < f->n_enum ? f->enum_values[j] : NULL;
}

const char *custos_schema_default_region(const custos_schema *s)
{
	return s ? s->region : "";
}
