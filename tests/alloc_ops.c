/*
 * tests/alloc_ops.c — every public call that allocates, as check_alloc runs it (see
 * alloc_ops.h). A call function makes public calls only and returns the first code that
 * is not CUSTOS_OK; everything it hands out is freed by cleanup, whatever it returned.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "alloc_ops.h"

/* ---- reading the fixture, unarmed ---- */

static uint64_t count_now(t_fx *fx)
{
	uint64_t n = 0;

	ck_assert_int_eq(custos_customer_count(&n, fx->ctx), CUSTOS_OK);
	return n;
}

static custos_customer *get_now(t_fx *fx, uint64_t id)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_lookup(&c, fx->ctx, id), CUSTOS_OK);
	return c;
}

static const char *text_of(const custos_customer *c, const char *field)
{
	const char *v = NULL;

	ck_assert_int_eq(custos_customer_get_text(&v, c, field), CUSTOS_OK);
	return v;
}

static uint32_t principal_id(t_fx *fx, const char *name)
{
	custos_ctx *ctx = NULL;
	uint32_t id;

	ck_assert_int_eq(custos_ctx_open(&ctx, fx->db, name), CUSTOS_OK);
	id = custos_ctx_principal_id(ctx);
	custos_ctx_free(ctx);
	return id;
}

static uint32_t owner_now(t_fx *fx, uint64_t id)
{
	custos_customer *c = get_now(fx, id);
	uint32_t owner = custos_customer_owner(c);

	custos_customer_free(c);
	return owner;
}

/* Position of a principal in a review. */
static size_t review_at(const custos_review *rv, const char *name)
{
	for (size_t i = 0; i < custos_review_count(rv); i++)
		if (!strcmp(custos_review_principal(rv, i), name))
			return i;
	ck_abort_msg("principal '%s' is not in the review", name);
	return 0;
}

static custos_review *review_now(t_fx *fx)
{
	custos_review *rv = NULL;

	ck_assert_int_eq(custos_access_review(&rv, fx->ctx, 30), CUSTOS_OK);
	return rv;
}

static custos_schema *schema_now(t_fx *fx)
{
	custos_schema *s = NULL;

	ck_assert_int_eq(custos_schema_get(&s, fx->ctx), CUSTOS_OK);
	return s;
}

static uint64_t schema_version_now(t_fx *fx)
{
	custos_schema *s = schema_now(fx);
	uint64_t v = custos_schema_version(s);

	custos_schema_free(s);
	return v;
}

static uint32_t flags_now(t_fx *fx, const char *field)
{
	custos_schema *s = schema_now(fx);
	size_t i;
	uint32_t f;

	ck_assert_int_eq(custos_schema_field_lookup(&i, s, field), CUSTOS_OK);
	f = custos_schema_field_flags(s, i);
	custos_schema_free(s);
	return f;
}

/* ---- the cleanup most operations share ---- */

/* Free every handle the call (or prepare) made, and forget them. */
static void free_call(t_call *r)
{
	custos_customer_free(r->c);
	for (size_t i = 0; i < T_BATCH; i++)
		custos_customer_free(r->batch[i]);
	custos_iter_free(r->it);
	custos_schema_free(r->schema);
	custos_review_free(r->review);
	custos_audit_iter_free(r->audit);
	custos_event_free(r->ev);
	custos_event_iter_free(r->evit);
	custos_batch_free(r->wb);
	custos_history_iter_free(r->hit);
	custos_change_free(r->change);
	for (size_t i = 0; i < T_STRINGS; i++)
		custos_buf_dispose(&r->bufs[i]);
	custos_ctx_free(r->ctx);
	custos_secret_free(r->secret);
	if (r->db)
		custos_db_close(r->db);
	else
		custos_backend_free(r->be);  /* a store that failed to open leaves its backend to us */
	memset(&r->db, 0, offsetof(t_call, id) - offsetof(t_call, db));  /* the handles, db to bufs */
}

/* ---- stores: backends, opening, creating, closing, contexts, secrets ---- */

static int backend_open(t_call *r)
{
	custos_db_options o;

	t_fx_options(&o);
	return custos_backend_open(&r->be, r->fx->lmdb ? r->fx->uri : "memory:", &o);
}

static void backend_opened(t_call *r)
{
	ck_assert_str_eq(r->be->name, r->fx->lmdb ? "lmdb" : "memory");
}

/* Open the fixture's store (whether the fixture has it open or not): LMDB by its URI,
 * memory on the kept backend that store_prepare() made. */
static int open_store(t_call *r, unsigned flags)
{
	custos_db_options o;

	t_fx_options(&o);
	o.flags = flags;
	if (flags & CUSTOS_OPEN_READONLY)
		o.audit_reads = CUSTOS_AUDIT_READS_OFF;
	if (r->fx->lmdb)
		return custos_db_open(&r->db, r->fx->uri, r->secret, &o);
	return custos_db_open_backend(&r->db, r->be, r->secret, &o);
}

static void store_prepare(t_call *r)
{
	r->secret = t_fx_secret(r->fx);
	if (!r->fx->lmdb)
		r->be = t_fx_backend(r->fx, 0);
}

static int db_open(t_call *r) { return open_store(r, 0); }
static int db_open_create_existing(t_call *r) { return open_store(r, CUSTOS_OPEN_CREATE); }
static int db_open_readonly(t_call *r) { return open_store(r, CUSTOS_OPEN_READONLY); }

static void db_opened(t_call *r)
{
	uint64_t n = 0;

	ck_assert_str_eq(custos_db_backend_name(r->db), r->fx->lmdb ? "lmdb" : "memory");
	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, r->ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, T_FX_CUSTOMERS);
	t_fx_verify(r->ctx);
}

static void new_prepare(t_call *r)
{
	r->secret = t_fx_secret(r->fx);
	snprintf(r->name, sizeof r->name, "new%ld", r->n);
}

static int db_create(t_call *r)
{
	custos_db_options o;
	char uri[400];

	t_fx_options(&o);
	o.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	snprintf(uri, sizeof uri, "%s/%s", r->fx->dir, r->name);
	return custos_db_open(&r->db, r->fx->lmdb ? uri : "memory:", r->secret, &o);
}

static void db_created(t_call *r)
{
	uint64_t n = 1;

	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, r->ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	t_fx_verify(r->ctx);
}

/* A creation that failed must not leave a half-made store in the way of the next one. */
static void create_cleanup(t_call *r)
{
	char path[400];

	free_call(r);
	if (!r->fx->lmdb)
		return;
	if (r->rc) {
		r->secret = t_fx_secret(r->fx);
		ck_assert_int_eq(db_create(r), CUSTOS_OK);
		db_created(r);
		free_call(r);
	}
	snprintf(path, sizeof path, "%s/%s", r->fx->dir, r->name);
	t_rmtree(path);
}

/* Closing commits the queued read entries and a checkpoint, so queue one first. */
static void close_prepare(t_call *r)
{
	t_fx_open(r->fx);
	custos_customer_free(get_now(r->fx, r->fx->ids[0]));
	t_fx_digest(r->fx, 1U << T_B_META, r->digest);
}

static int db_close(t_call *r)
{
	int rc = custos_db_close(r->fx->db);

	r->fx->db = NULL;
	r->fx->be = NULL;
	return rc;
}

/* The log's entries that say queued entries were lost, and how many they stand for. */
static uint64_t dropped_entries(t_fx *fx, uint64_t *lost)
{
	custos_audit_entry *e;
	custos_audit_iter *it = NULL;
	uint64_t n = 0;
	int rc;

	*lost = 0;
	ck_assert_int_eq(custos_audit_read(&it, fx->ctx, 0), CUSTOS_OK);
	while ((rc = custos_audit_next(&e, it)) == CUSTOS_OK) {
		if (custos_audit_entry_action(e) == CUSTOS_AUDIT_DROPPED) {
			n++;
			*lost += custos_audit_entry_dropped(e);
		}
		custos_audit_entry_free(e);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_audit_iter_free(it);
	return n;
}

/* A close that failed lost its queued read; it kept their count if it could write at
 * all (a meta record), and then the next commit logs them as dropped. */
static void close_cleanup(t_call *r)
{
	unsigned char now[32];
	uint64_t lost, kept;

	custos_ctx_free(r->fx->ctx);  /* outlives its store, as a binding's may */
	r->fx->ctx = NULL;
	if (!r->rc)
		return;
	t_fx_digest(r->fx, 1U << T_B_META, now);
	kept = memcmp(now, r->digest, 32) != 0;
	t_fx_open(r->fx);
	ck_assert_int_eq(custos_audit_flush(r->fx->ctx), CUSTOS_OK);
	ck_assert_uint_eq(dropped_entries(r->fx, &lost), kept);
	ck_assert_uint_eq(lost, kept);
	t_fx_close(r->fx);
}

/* A second handle on a store the fixture has open. */
static void open_again_prepare(t_call *r)
{
	t_fx_open(r->fx);
	store_prepare(r);
}

static void open_again_cleanup(t_call *r)
{
	free_call(r);
	t_fx_close(r->fx);
}

/* A host may try again with the backend a failed creation handed back. */
static void retry_prepare(t_call *r)
{
	custos_db_options o;
	char uri[400];

	new_prepare(r);
	t_fx_options(&o);
	o.flags = CUSTOS_OPEN_CREATE;
	snprintf(uri, sizeof uri, "lmdb:%s/%s", r->fx->dir, r->name);
	ck_assert_int_eq(custos_backend_open(&r->be, r->fx->lmdb ? uri : "memory:", &o), CUSTOS_OK);
}

static int db_create_backend(t_call *r)
{
	custos_db_options o;

	t_fx_options(&o);
	o.flags = CUSTOS_OPEN_CREATE;
	return custos_db_open_backend(&r->db, r->be, r->secret, &o);
}

static void retry_cleanup(t_call *r)
{
	char path[400];

	if (r->rc) {
		ck_assert_msg(db_create_backend(r) == CUSTOS_OK, "again: %s", custos_error_last());
		db_created(r);
	}
	free_call(r);
	if (r->fx->lmdb) {
		snprintf(path, sizeof path, "%s/%s", r->fx->dir, r->name);
		t_rmtree(path);
	}
}

static int ctx_open(t_call *r) { return custos_ctx_open(&r->ctx, r->fx->db, "bob"); }
static void ctx_opened(t_call *r) { ck_assert_str_eq(custos_ctx_principal(r->ctx), "bob"); }

static int secret_key(t_call *r) { return custos_secret_key(&r->secret, t_key, sizeof t_key); }
static int secret_passphrase(t_call *r) { return custos_secret_passphrase(&r->secret, "correct horse battery"); }
static void secret_made(t_call *r) { ck_assert_ptr_nonnull(r->secret); }

/* ---- drafts: customer handles, setters and get_string ---- */

static int customer_new(t_call *r) { return custos_customer_new(&r->c, r->fx->ctx); }
static void customer_made(t_call *r) { ck_assert_uint_eq(custos_customer_id(r->c), 0); }

static void draft_prepare(t_call *r)
{
	ck_assert_int_eq(custos_customer_new(&r->c, r->fx->ctx), CUSTOS_OK);
}

static void text_is(t_call *r, const char *field, const char *want)
{
	ck_assert_str_eq(text_of(r->c, field), want);
}

static int set_email(t_call *r) { return custos_customer_set_text(r->c, "email", " Ren\xC3\xA9" "e\xCC\x81@Example.COM"); }
static void email_set(t_call *r) { text_is(r, "email", "Ren\xC3\xA9\xC3\xA9@example.com"); }
static int set_phone(t_call *r) { return custos_customer_set_text(r->c, "phone", "+852 9123 4567"); }
static void phone_set(t_call *r) { text_is(r, "phone", "+85291234567"); }
static int set_stage(t_call *r) { return custos_customer_set_text(r->c, "stage", "won"); }
static void stage_set(t_call *r) { text_is(r, "stage", "won"); }
static int set_birthday(t_call *r) { return custos_customer_set_text(r->c, "birthday", "1990-02-03"); }
static void birthday_set(t_call *r) { text_is(r, "birthday", "1990-02-03"); }

static int set_int(t_call *r) { return custos_customer_set_int(r->c, "score", 7); }
static void int_set(t_call *r)
{
	int64_t v = 0;

	ck_assert_int_eq(custos_customer_get_int(&v, r->c, "score"), CUSTOS_OK);
	ck_assert_int_eq(v, 7);
}

static int set_money(t_call *r) { return custos_customer_set_money(r->c, "balance", 1999, "EUR"); }
static void money_set(t_call *r)
{
	const char *cur = NULL;
	int64_t v = 0;

	ck_assert_int_eq(custos_customer_get_money(&v, &cur, r->c, "balance"), CUSTOS_OK);
	ck_assert_int_eq(v, 1999);
	ck_assert_str_eq(cur, "EUR");
}

static int set_timestamp(t_call *r) { return custos_customer_set_timestamp(r->c, "since", 1234567890); }
static void timestamp_set(t_call *r)
{
	int64_t v = 0;

	ck_assert_int_eq(custos_customer_get_timestamp(&v, r->c, "since"), CUSTOS_OK);
	ck_assert_int_eq(v, 1234567890);
}

static int set_bool(t_call *r) { return custos_customer_set_bool(r->c, "active", 1); }
static void bool_set(t_call *r)
{
	int v = 0;

	ck_assert_int_eq(custos_customer_get_bool(&v, r->c, "active"), CUSTOS_OK);
	ck_assert_int_eq(v, 1);
}

/* The draft's tags are exactly `want`. */
static void only_tag(t_call *r, const char *want)
{
	const char *t = NULL;
	size_t n = 0;

	ck_assert_int_eq(custos_customer_tag_count(&n, r->c, "tags"), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(custos_customer_get_tag(&t, r->c, "tags", 0), CUSTOS_OK);
	ck_assert_str_eq(t, want);
}

static int add_tag(t_call *r) { return custos_customer_add_tag(r->c, "tags", "vip"); }
static void tag_added(t_call *r) { only_tag(r, "vip"); }

static void tagged_prepare(t_call *r)
{
	draft_prepare(r);
	ck_assert_int_eq(custos_customer_add_tag(r->c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(r->c, "tags", "north"), CUSTOS_OK);
}

static int remove_tag(t_call *r) { return custos_customer_remove_tag(r->c, "tags", "vip"); }
static void tag_removed(t_call *r) { only_tag(r, "north"); }

/* Every field of a seeded customer as text. */
static const char *const string_fields[T_STRINGS][2] = {
	{ "name", "Ada Lovelace" }, { "email", "ada@example.com" }, { "phone", "+85291234567" },
	{ "birthday", "1990-02-03" }, { "stage", "won" }, { "tags", "vip,north" }, { "score", "-42" },
	{ "balance", "1234.56 HKD" }, { "since", "2023-11-14T22:13:20Z" }, { "active", "true" },
	{ "tier", "silver" }, { "kind", NULL },
};

static void stored_prepare(t_call *r) { r->c = get_now(r->fx, r->fx->ids[0]); }

static int get_strings(t_call *r)
{
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < T_STRINGS && string_fields[i][1] && !rc; i++)
		rc = custos_customer_get_string(&r->bufs[i], r->c, string_fields[i][0]);
	return rc;
}

static void strings_got(t_call *r)
{
	for (size_t i = 0; i < T_STRINGS && string_fields[i][1]; i++) {
		ck_assert_str_eq((const char *)r->bufs[i].ptr, string_fields[i][1]);
		ck_assert_uint_eq(r->bufs[i].size, strlen(string_fields[i][1]));
	}
}

/* Every field of a draft set from its text, which get_string gives back. */
static int set_strings(t_call *r)
{
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < T_STRINGS && string_fields[i][1] && !rc; i++)
		rc = custos_customer_set_string(r->c, string_fields[i][0], string_fields[i][1]);
	return rc;
}

static void strings_set(t_call *r)
{
	for (size_t i = 0; i < T_STRINGS && string_fields[i][1]; i++)
		ck_assert_int_eq(custos_customer_get_string(&r->bufs[i], r->c, string_fields[i][0]), CUSTOS_OK);
	strings_got(r);
}

/* cy (support) sees contact details masked and financial ones not at all. */
static void as_cy_prepare(t_call *r)
{
	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->fx->db, "cy"), CUSTOS_OK);
}

static void masked_prepare(t_call *r)
{
	as_cy_prepare(r);
	ck_assert_int_eq(custos_customer_lookup(&r->c, r->ctx, r->fx->ids[1]), CUSTOS_OK);
}

static int get_masked_string(t_call *r) { return custos_customer_get_string(&r->bufs[0], r->c, "email"); }
static void masked_string_got(t_call *r)
{
	ck_assert_int_eq(custos_customer_is_masked(r->c, "email"), 1);
	ck_assert_str_eq((const char *)r->bufs[0].ptr, "b***@example.com");
}

/* ---- reads ---- */

static int customer_lookup(t_call *r) { return custos_customer_lookup(&r->c, r->fx->ctx, r->fx->ids[0]); }
static void customer_got(t_call *r)
{
	ck_assert_uint_eq(custos_customer_id(r->c), r->fx->ids[0]);
	text_is(r, "name", "Ada Lovelace");
	text_is(r, "email", "ada@example.com");
}

static int customer_lookup_masked(t_call *r) { return custos_customer_lookup(&r->c, r->ctx, r->fx->ids[1]); }
static void customer_got_masked(t_call *r)
{
	int64_t v;

	text_is(r, "name", "Bea Smith");
	text_is(r, "email", "b***@example.com");
	ck_assert_int_eq(custos_customer_get_money(&v, NULL, r->c, "balance"), CUSTOS_ENOTFOUND);
}

/* Another handle adds a field and gives ada a value in it: the fixture's handle meets a
 * record newer than its schema and reloads the schema in the middle of the call. */
static void stale_prepare(t_call *r)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;

	store_prepare(r);
	ck_assert_int_eq(open_store(r, 0), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->db, "admin"), CUSTOS_OK);
	o.name = "nickname";
	o.type = CUSTOS_TYPE_TEXT;
	ck_assert_int_eq(custos_schema_add_field(r->ctx, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_new(&r->c, r->ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(r->c, "nickname", "Countess"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(r->ctx, r->fx->ids[0], r->c), CUSTOS_OK);
	custos_customer_free(r->c);
	r->c = NULL;
	ck_assert_int_eq(custos_customer_new(&r->batch[0], r->fx->ctx), CUSTOS_OK);  /* a draft of the old schema */
	ck_assert_int_eq(custos_customer_set_text(r->batch[0], "company", "Babbage & Co"), CUSTOS_OK);
}

static int customer_lookup_stale(t_call *r) { return custos_customer_lookup(&r->c, r->fx->ctx, r->fx->ids[0]); }
static void customer_got_stale(t_call *r) { text_is(r, "nickname", "Countess"); }

static int customer_update_stale(t_call *r)
{
	return custos_customer_update(r->fx->ctx, r->fx->ids[0], r->batch[0]);
}

static void customer_updated_stale(t_call *r)
{
	r->c = get_now(r->fx, r->fx->ids[0]);
	text_is(r, "nickname", "Countess");
	text_is(r, "company", "Babbage & Co");
}

static int customer_count(t_call *r) { return custos_customer_count(&r->count, r->fx->ctx); }
static void customers_counted(t_call *r) { ck_assert_uint_eq(r->count, T_FX_CUSTOMERS); }

static int customer_list(t_call *r) { return custos_customer_list(&r->it, r->fx->ctx, NULL); }
static void list_opened(t_call *r) { ck_assert_ptr_nonnull(r->it); }

static void list_prepare(t_call *r)
{
	ck_assert_int_eq(custos_customer_list(&r->it, r->fx->ctx, NULL), CUSTOS_OK);
}

/* Customers of the iterator into r->ids, until the end or an error. */
static int next_customers(t_call *r)
{
	custos_customer *c = NULL;
	int rc;

	while ((rc = custos_iter_next(&c, r->it)) == CUSTOS_OK) {
		if (r->count < T_IDS)  /* no ck_assert while armed: Check allocates too */
			r->ids[r->count] = custos_customer_id(c);
		r->count++;
		custos_customer_free(c);
	}
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

static int next_ids(t_call *r)
{
	uint64_t id;
	int rc;

	while ((rc = custos_iter_next_id(&id, r->it)) == CUSTOS_OK) {
		if (r->count < T_IDS)
			r->ids[r->count] = id;
		r->count++;
	}
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

static void all_listed(t_call *r)
{
	ck_assert_uint_eq(r->count, T_FX_CUSTOMERS);
	for (size_t i = 0; i < T_FX_CUSTOMERS; i++)
		ck_assert_uint_eq(r->ids[i], r->fx->ids[i]);
}

/* After a failed step an iterator goes on where it was: `next` to its end (unarmed), then
 * `check` that nothing was skipped or repeated. */
static void go_on(t_call *r, int (*next)(t_call *r), void (*check)(t_call *r))
{
	if (r->rc && (r->it || r->audit)) {
		ck_assert_int_eq(next(r), CUSTOS_OK);
		check(r);
	}
	free_call(r);
}

static void iterate_cleanup(t_call *r) { go_on(r, next_customers, all_listed); }
static void iterate_ids_cleanup(t_call *r) { go_on(r, next_ids, all_listed); }

static int find_into(t_call *r, const char *field, const char *value)
{
	int rc = custos_customer_find(&r->it, r->fx->ctx, field, value);

	return rc ? rc : next_customers(r);
}

static int find_email(t_call *r) { return find_into(r, "email", "BEA@example.com"); }

static void email_found(t_call *r)
{
	ck_assert_uint_eq(r->count, 1);
	ck_assert_uint_eq(r->ids[0], r->fx->ids[1]);
}

static int find_tag(t_call *r) { return find_into(r, "tags", "north"); }

static void find_email_cleanup(t_call *r) { go_on(r, next_customers, email_found); }
static void find_tag_cleanup(t_call *r) { go_on(r, next_customers, all_listed); }

static int schema_get(t_call *r) { return custos_schema_get(&r->schema, r->fx->ctx); }
static void schema_got(t_call *r)
{
	size_t i;

	ck_assert_uint_eq(custos_schema_field_count(r->schema), 16);
	ck_assert_int_eq(custos_schema_field_lookup(&i, r->schema, "tier"), CUSTOS_OK);
	ck_assert_str_eq(custos_schema_enum_value(r->schema, i, 2), "gold");
}

/* support: reads every customer, sees contact details masked and financial ones not at all. */
static int role_describe(t_call *r)
{
	return custos_role_describe(&r->flags, &r->scope, r->vis, CUSTOS_CLASS_COUNT, r->fx->ctx, "support");
}

static void role_described(t_call *r)
{
	ck_assert_uint_eq(r->flags & (CUSTOS_OP_READ | CUSTOS_OP_ACCESS), CUSTOS_OP_READ);
	ck_assert_int_eq(r->scope, CUSTOS_SCOPE_ALL);
	ck_assert_int_eq(r->vis[CUSTOS_CLASS_CONTACT], CUSTOS_VIS_MASKED);
	ck_assert_int_eq(r->vis[CUSTOS_CLASS_FINANCIAL], CUSTOS_VIS_HIDDEN);
}

static int access_review(t_call *r) { return custos_access_review(&r->review, r->fx->ctx, 30); }
static void access_reviewed(t_call *r)
{
	ck_assert_uint_eq(custos_review_count(r->review), 3);
	ck_assert_str_eq(custos_review_role(r->review, review_at(r->review, "bob")), "sales");
	ck_assert_str_eq(custos_review_team(r->review, review_at(r->review, "cy")), "west");
}

static int audit_read(t_call *r) { return custos_audit_read(&r->audit, r->fx->ctx, 0); }
static void audit_opened(t_call *r) { ck_assert_ptr_nonnull(r->audit); }

static void audit_prepare(t_call *r)
{
	ck_assert_int_eq(custos_audit_read(&r->audit, r->fx->ctx, 0), CUSTOS_OK);
}

/* Entries into r->count, checking their order; r->before holds the last sequence number. */
static int audit_next(t_call *r)
{
	custos_audit_entry *e = NULL;
	int rc;

	while ((rc = custos_audit_next(&e, r->audit)) == CUSTOS_OK) {
		r->gaps += custos_audit_entry_seq(e) != r->before + 1;  /* asserted unarmed */
		r->before = custos_audit_entry_seq(e);
		r->count++;
		custos_audit_entry_free(e);
	}
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

static void audit_all_read(t_call *r)
{
	ck_assert_uint_ge(r->count, 15);
	ck_assert_uint_eq(r->before, r->count);  /* every entry from 1 on, */
	ck_assert_uint_eq(r->gaps, 0);           /* in order, none twice */
}

/* After the entries of a page read in part, custos_audit_next() returns the error that cut
 * the page short, once; the reading goes on after it. */
static int audit_next_rest(t_call *r)
{
	int rc = audit_next(r);

	return rc == r->rc ? audit_next(r) : rc;
}

static void audit_next_cleanup(t_call *r) { go_on(r, audit_next_rest, audit_all_read); }

static int audit_verify(t_call *r)
{
	uint64_t bad = 1;
	int rc = custos_audit_verify(&bad, r->fx->ctx, 0, NULL, 0);

	r->before = bad;
	return rc;
}

static void audit_verified(t_call *r) { ck_assert_uint_eq(r->before, 0); }

static int audit_public_key(t_call *r) { return custos_audit_public_key(&r->bufs[0], r->fx->ctx); }
static void audit_key_got(t_call *r) { ck_assert_uint_eq(r->bufs[0].size, 32); }

static int db_check(t_call *r) { return custos_db_check(r->fx->ctx); }

/* ---- writes: the audit log ---- */

/* A read queued, and the audit bucket as it is before the flush. */
static void flush_prepare(t_call *r)
{
	custos_customer_free(get_now(r->fx, r->fx->ids[0]));
	t_fx_digest(r->fx, 1U << T_B_AUDIT, r->digest);
}

static int audit_flush(t_call *r) { return custos_audit_flush(r->fx->ctx); }
static void audit_flushed(t_call *r)
{
	unsigned char now[32];

	t_fx_digest(r->fx, 1U << T_B_AUDIT, now);
	ck_assert_mem_ne(now, r->digest, 32);
}

static void checkpoint_prepare(t_call *r) { r->before = (uint64_t)r->fx->checkpoints; }
static int audit_checkpoint(t_call *r) { return custos_audit_checkpoint(r->fx->ctx); }
static void checkpoint_made(t_call *r) { ck_assert_int_eq(r->fx->checkpoints, (long)r->before + 1); }
static void checkpoint_cleanup(t_call *r)
{
	if (r->rc)  /* no checkpoint was handed out */
		ck_assert_int_eq(r->fx->checkpoints, (long)r->before);
}

/* ---- writes: customers ---- */

static void create_prepare(t_call *r)
{
	r->c = t_person(r->fx->ctx, "Dee Tan", "dee@example.com");
	ck_assert_int_eq(custos_customer_add_tag(r->c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_money(r->c, "balance", 500, "USD"), CUSTOS_OK);
}

static int customer_create(t_call *r) { return custos_customer_create(&r->id, r->fx->ctx, r->c); }
static void customer_created(t_call *r)
{
	custos_customer *c = get_now(r->fx, r->id);

	ck_assert_str_eq(text_of(c, "name"), "Dee Tan");
	ck_assert_str_eq(text_of(c, "email"), "dee@example.com");
	custos_customer_free(c);
	ck_assert_uint_eq(count_now(r->fx), T_FX_CUSTOMERS + 1);
}

static void batch_prepare(t_call *r)
{
	static const char *const names[T_BATCH] = { "Eve", "Fay", "Gus", "Hal", "Ivy" };

	for (size_t i = 0; i < T_BATCH; i++)
		r->batch[i] = t_person(r->fx->ctx, names[i], "batch@example.com");
}

static int create_many(t_call *r) { return custos_customer_create_many(r->ids, r->fx->ctx, r->batch, T_BATCH); }
static void many_created(t_call *r)
{
	for (size_t i = 0; i < T_BATCH; i++) {
		custos_customer *c = get_now(r->fx, r->ids[i]);
		ck_assert_str_eq(text_of(c, "name"), text_of(r->batch[i], "name"));
		custos_customer_free(c);
	}
	ck_assert_uint_eq(count_now(r->fx), T_FX_CUSTOMERS + T_BATCH);
}

static void update_prepare(t_call *r)
{
	custos_customer *c = get_now(r->fx, r->fx->ids[0]);

	r->before = custos_customer_version(c);
	custos_customer_free(c);
	r->c = t_person(r->fx->ctx, "Ada King", "ada.king@example.com");
	ck_assert_int_eq(custos_customer_add_tag(r->c, "tags", "moved"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_int(r->c, "score", 99), CUSTOS_OK);
}

static int customer_update(t_call *r) { return custos_customer_update(r->fx->ctx, r->fx->ids[0], r->c); }
static int customer_update_if(t_call *r)
{
	return custos_customer_update_if(r->fx->ctx, r->fx->ids[0], (uint32_t)r->before, r->c);
}
static void customer_updated(t_call *r)
{
	custos_customer *c = get_now(r->fx, r->fx->ids[0]);
	int64_t score = 0;

	ck_assert_uint_eq(custos_customer_version(c), r->before + 1);
	ck_assert_str_eq(text_of(c, "name"), "Ada King");
	ck_assert_str_eq(text_of(c, "email"), "ada.king@example.com");
	ck_assert_int_eq(custos_customer_get_int(&score, c, "score"), CUSTOS_OK);
	ck_assert_int_eq(score, 99);
	ck_assert_str_eq(text_of(c, "stage"), "won");  /* a partial update keeps the rest */
	custos_customer_free(c);
	ck_assert_int_eq(find_into(r, "email", "Ada.King@example.com"), CUSTOS_OK);  /* the index follows */
	ck_assert_uint_eq(r->count, 1);
	ck_assert_uint_eq(r->ids[0], r->fx->ids[0]);
}

/* ada goes to whichever of admin and bob does not own her. */
static void reassign_prepare(t_call *r)
{
	int bob = owner_now(r->fx, r->fx->ids[0]) == principal_id(r->fx, "bob");

	r->to = bob ? "admin" : "bob";
}

static int customer_reassign(t_call *r) { return custos_customer_reassign(r->fx->ctx, r->fx->ids[0], r->to); }
static void customer_reassigned(t_call *r)
{
	ck_assert_uint_eq(owner_now(r->fx, r->fx->ids[0]), principal_id(r->fx, r->to));
}

/* bea and cai go from whichever of bob and cy owns them to the other. */
static void reassign_all_prepare(t_call *r)
{
	int bob = owner_now(r->fx, r->fx->ids[1]) == principal_id(r->fx, "bob");

	r->from = bob ? "bob" : "cy";
	r->to = bob ? "cy" : "bob";
}

static int reassign_all(t_call *r) { return custos_customer_reassign_all(&r->count, r->fx->ctx, r->from, r->to); }
static void all_reassigned(t_call *r)
{
	uint32_t to = principal_id(r->fx, r->to);

	ck_assert_uint_eq(r->count, 2);
	ck_assert_uint_eq(owner_now(r->fx, r->fx->ids[1]), to);
	ck_assert_uint_eq(owner_now(r->fx, r->fx->ids[2]), to);
}

/* ---- writes: principals, teams and roles ---- */

static void name_prepare(t_call *r) { snprintf(r->name, sizeof r->name, "n%ld", r->n); }

static int team_create(t_call *r) { return custos_team_create(&r->pid, r->fx->ctx, r->name); }
static void team_created(t_call *r)
{
	ck_assert_uint_gt(r->pid, 2);
	ck_assert_int_eq(custos_principal_create(NULL, r->fx->ctx, "member", "sales", r->name), CUSTOS_OK);
	r->review = review_now(r->fx);
	ck_assert_str_eq(custos_review_team(r->review, review_at(r->review, "member")), r->name);
}

static int role_create(t_call *r)
{
	static const int vis[] = { CUSTOS_VIS_HIDDEN, CUSTOS_VIS_CLEAR };  /* profile, name */
	custos_role_options o = CUSTOS_ROLE_OPTIONS_INIT;

	o.name = r->name;
	o.operations = CUSTOS_OP_READ | CUSTOS_OP_CREATE;
	o.scope = CUSTOS_SCOPE_TEAM;
	o.visibility = vis;
	o.visibility_count = 2;
	return custos_role_create(r->fx->ctx, &o);
}

static void role_created(t_call *r)
{
	int vis[CUSTOS_CLASS_COUNT], scope = 0;
	uint32_t ops = 0;

	ck_assert_int_eq(custos_role_describe(&ops, &scope, vis, CUSTOS_CLASS_COUNT, r->fx->ctx, r->name), CUSTOS_OK);
	ck_assert_uint_eq(ops, CUSTOS_OP_READ | CUSTOS_OP_CREATE);
	ck_assert_int_eq(scope, CUSTOS_SCOPE_TEAM);
	ck_assert_int_eq(vis[CUSTOS_CLASS_NAME], CUSTOS_VIS_CLEAR);
	ck_assert_int_eq(vis[CUSTOS_CLASS_CONTACT], CUSTOS_VIS_HIDDEN);
}

static int principal_create(t_call *r)
{
	return custos_principal_create(&r->pid, r->fx->ctx, r->name, "sales", "east");
}

static void principal_created(t_call *r)
{
	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->fx->db, r->name), CUSTOS_OK);
	ck_assert_uint_eq(custos_ctx_principal_id(r->ctx), r->pid);
	ck_assert_int_eq(custos_ctx_can(r->ctx, CUSTOS_OP_CREATE), 1);
}

/* The names behind a customer's owner and team ids (bea: bob's, of team east). */
static void owner_prepare(t_call *r)
{
	custos_customer *c = get_now(r->fx, r->fx->ids[1]);

	r->pid = custos_customer_owner(c);
	r->flags = custos_customer_team(c);
	custos_customer_free(c);
}

static int principal_name(t_call *r) { return custos_principal_name(&r->bufs[0], r->fx->ctx, r->pid); }
static void principal_named(t_call *r) { ck_assert_str_eq((const char *)r->bufs[0].ptr, "bob"); }
static int team_name(t_call *r) { return custos_team_name(&r->bufs[0], r->fx->ctx, r->flags); }
static void team_named(t_call *r) { ck_assert_str_eq((const char *)r->bufs[0].ptr, "east"); }

/* bob's role, team or cy's state flips between two values. */
static void flip_prepare(t_call *r, const char *who, const char *field, const char *a, const char *b)
{
	custos_review *rv = review_now(r->fx);
	size_t i = review_at(rv, who);
	const char *now = !strcmp(field, "role") ? custos_review_role(rv, i) : custos_review_team(rv, i);

	r->to = !strcmp(now, a) ? b : a;
	custos_review_free(rv);
}

static void role_prepare(t_call *r) { flip_prepare(r, "bob", "role", "sales", "support"); }
static int set_role(t_call *r) { return custos_principal_set_role(r->fx->ctx, "bob", r->to); }
static void role_set(t_call *r)
{
	r->review = review_now(r->fx);
	ck_assert_str_eq(custos_review_role(r->review, review_at(r->review, "bob")), r->to);
}

static void team_prepare(t_call *r) { flip_prepare(r, "bob", "team", "east", "west"); }
static int set_team(t_call *r) { return custos_principal_set_team(r->fx->ctx, "bob", r->to); }
static void team_set(t_call *r)
{
	r->review = review_now(r->fx);
	ck_assert_str_eq(custos_review_team(r->review, review_at(r->review, "bob")), r->to);
}

static void disabled_prepare(t_call *r)
{
	custos_review *rv = review_now(r->fx);

	r->before = (uint64_t)!custos_review_disabled(rv, review_at(rv, "cy"));
	custos_review_free(rv);
}

static int set_disabled(t_call *r) { return custos_principal_set_disabled(r->fx->ctx, "cy", (int)r->before); }
static void disabled_set(t_call *r)
{
	r->review = review_now(r->fx);
	ck_assert_int_eq(custos_review_disabled(r->review, review_at(r->review, "cy")), (int)r->before);
	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->fx->db, "cy"), r->before ? CUSTOS_EDENIED : CUSTOS_OK);
}

/* ---- writes: the schema and the keys ---- */

static void schema_prepare(t_call *r)
{
	name_prepare(r);
	r->before = schema_version_now(r->fx);
}

static void schema_changed(t_call *r)
{
	ck_assert_uint_eq(schema_version_now(r->fx), r->before + 1);
}

static int add_field(t_call *r)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;

	o.name = r->name;
	o.type = CUSTOS_TYPE_ENUM;
	o.flags = CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE;
	o.enum_values = "bronze,silver,gold";
	return custos_schema_add_field(r->fx->ctx, &o);
}

static void field_added(t_call *r)
{
	schema_changed(r);
	ck_assert_uint_eq(flags_now(r->fx, r->name), CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE);
}

static int add_enum_value(t_call *r) { return custos_schema_add_enum_value(r->fx->ctx, "tier", r->name); }
static void enum_value_added(t_call *r)
{
	schema_changed(r);
	r->c = get_now(r->fx, r->fx->ids[0]);
	ck_assert_int_eq(custos_customer_set_text(r->c, "tier", r->name), CUSTOS_OK);
}

/* Set a field's flags unarmed, so the armed call has a change to make. */
static void flags_prepare(t_call *r, const char *field, uint32_t before, uint32_t after)
{
	if ((flags_now(r->fx, field) & 0x1C) != before)
		ck_assert_int_eq(custos_schema_set_field_flags(r->fx->ctx, field, before), CUSTOS_OK);
	r->from = field;
	r->flags = after;
	r->before = schema_version_now(r->fx);
}

static void index_build_prepare(t_call *r) { flags_prepare(r, "company", 0, CUSTOS_FIELD_SEARCHABLE); }
static void index_drop_prepare(t_call *r) { flags_prepare(r, "phone", CUSTOS_FIELD_SEARCHABLE, 0); }
static void unique_prepare(t_call *r)
{
	flags_prepare(r, "email", CUSTOS_FIELD_SEARCHABLE, CUSTOS_FIELD_SEARCHABLE | CUSTOS_FIELD_UNIQUE);
}

static int set_flags(t_call *r) { return custos_schema_set_field_flags(r->fx->ctx, r->from, r->flags); }

static void flags_set(t_call *r)
{
	int company = !strcmp(r->from, "company");

	schema_changed(r);
	ck_assert_uint_eq(flags_now(r->fx, r->from) & 0x1C, r->flags);
	/* Dropping an index after the change is done as well as memory allows: what it could
	 * not drop is left as after a crash, and the check accepts it. */
	ck_assert_msg(custos_db_check(r->fx->ctx) == CUSTOS_OK, "%s", custos_error_last());
	if (!(r->flags & CUSTOS_FIELD_SEARCHABLE))
		return;
	ck_assert_int_eq(find_into(r, r->from, company ? "Analytical Engines" : "BEA@example.com"), CUSTOS_OK);
	ck_assert_uint_eq(r->count, 1);  /* the index holds every customer */
	ck_assert_uint_eq(r->ids[0], r->fx->ids[company ? 0 : 1]);
}

/* A build that failed and could not remove what it built (memory ran out for good) leaves
 * index entries that the store's check accepts, as after a crash; calling again works. */
static void build_cleanup(t_call *r)
{
	if (r->rc) {
		ck_assert_msg(custos_db_check(r->fx->ctx) == CUSTOS_OK, "%s", custos_error_last());
		ck_assert_msg(set_flags(r) == CUSTOS_OK, "again: %s", custos_error_last());
		flags_set(r);
	}
	free_call(r);
}

static void region_prepare(t_call *r)
{
	custos_schema *s = schema_now(r->fx);

	r->to = !strcmp(custos_schema_default_region(s), "HK") ? "GB" : "HK";
	r->before = custos_schema_version(s);
	custos_schema_free(s);
}

static int set_region(t_call *r) { return custos_schema_set_default_region(r->fx->ctx, r->to); }
static void region_set(t_call *r)
{
	schema_changed(r);
	r->schema = schema_now(r->fx);
	ck_assert_str_eq(custos_schema_default_region(r->schema), r->to);
}

/* The next key differs from the current one in its first byte. */
static void rekey_prepare(t_call *r)
{
	memcpy(r->key, r->fx->key, sizeof r->key);
	r->key[0] ^= 0x5A;
	ck_assert_int_eq(custos_secret_key(&r->secret, r->key, sizeof r->key), CUSTOS_OK);
}

static int rekey(t_call *r) { return custos_db_rekey(r->fx->ctx, r->secret); }

/* The old key stops working at once; the fixture opens with the new one from now on. */
static void rekeyed(t_call *r)
{
	custos_secret *old = t_fx_secret(r->fx);
	custos_db_options o;

	t_fx_options(&o);
	if (r->fx->lmdb)
		ck_assert_int_eq(custos_db_open(&r->db, r->fx->uri, old, &o), CUSTOS_EKEY);
	custos_secret_free(old);
	memcpy(r->fx->key, r->key, sizeof r->key);
}

/* ---- rebuilding the indexes: in batches, so a failure keeps what was done ---- */

static int rebuild_indexes(t_call *r) { return custos_db_rebuild_indexes(r->fx->ctx); }

static void indexes_sound(t_call *r)
{
	ck_assert_msg(custos_db_check(r->fx->ctx) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(find_email(r), CUSTOS_OK);
	email_found(r);
}

/* A rebuild cut short leaves entries missing, never a wrong one; calling it again
 * finishes the work. */
static void rebuild_cleanup(t_call *r)
{
	if (r->rc) {
		ck_assert_msg(custos_db_check(r->fx->ctx) == CUSTOS_OK || custos_error_last_code() == CUSTOS_ECORRUPT,
			"%s", custos_error_last());
		ck_assert_msg(rebuild_indexes(r) == CUSTOS_OK, "again: %s", custos_error_last());
		indexes_sound(r);
	}
	free_call(r);
}

/* ---- re-normalising: nothing to rewrite in a store of the current rules ---- */

static int renormalize(t_call *r) { return custos_schema_renormalize(r->fx->ctx, &r->count, &r->before); }
static void renormalized(t_call *r)
{
	ck_assert_uint_eq(r->count, 0);
	ck_assert_uint_eq(r->before, 0);
}

/* ---- a store of custos 0.1.0, upgraded at its first read-write open ---- */

#define OLD_CUSTOMERS 40   /* what tests/data/store-0.1.0 holds */

static void old_prepare(t_call *r)
{
	const char *data = getenv("CUSTOS_TEST_DATA");
	char from[512], to[512];

	ck_assert_msg(data != NULL, "CUSTOS_TEST_DATA names the tests' data directory");
	new_prepare(r);
	snprintf(to, sizeof to, "%s/%s", r->fx->dir, r->name);
	ck_assert_int_eq(mkdir(to, 0700), 0);
	snprintf(from, sizeof from, "%s/store-0.1.0/data.mdb", data);
	snprintf(to, sizeof to, "%s/%s/data.mdb", r->fx->dir, r->name);
	t_fx_copy_file(to, from);
}

static int db_open_old(t_call *r)
{
	custos_db_options o;
	char uri[400];

	t_fx_options(&o);
	snprintf(uri, sizeof uri, "lmdb:%s/%s", r->fx->dir, r->name);
	return custos_db_open(&r->db, uri, r->secret, &o);
}

static void old_opened(t_call *r)
{
	uint64_t n = 0;

	ck_assert_int_eq(custos_ctx_open(&r->ctx, r->db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, r->ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, OLD_CUSTOMERS);
	t_fx_verify(r->ctx);
	ck_assert_msg(custos_db_check(r->ctx) == CUSTOS_OK, "%s", custos_error_last());
}

/* An upgrade cut short goes on at the next open and loses nothing. */
static void old_cleanup(t_call *r)
{
	char path[400];

	free_call(r);
	if (r->rc) {
		r->secret = t_fx_secret(r->fx);
		ck_assert_msg(db_open_old(r) == CUSTOS_OK, "again: %s", custos_error_last());
		old_opened(r);
		free_call(r);
	}
	snprintf(path, sizeof path, "%s/%s", r->fx->dir, r->name);
	t_rmtree(path);
}

/* ---- the table ---- */

#define W T_WRITE
#define CLOSED T_CLOSED
/* ---- the timeline: events, batches, history ---- */

#define T_EV_TIME (1700000000LL * 1000000)

static custos_event *t_sale(const char *item)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T_EV_TIME), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_amount(e, 4200, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, item), CUSTOS_OK);
	return e;
}

static int64_t metric_now(t_fx *fx, uint64_t id, const char *name)
{
	custos_customer *c = get_now(fx, id);
	int64_t v = -1;

	ck_assert_int_eq(custos_customer_get_int(&v, c, name), CUSTOS_OK);
	custos_customer_free(c);
	return v;
}

static void event_prepare(t_call *r)
{
	r->before = (uint64_t)metric_now(r->fx, r->fx->ids[0], "events");
	r->ev = t_sale("Mooncakes");
}

static int event_append(t_call *r)
{
	uint32_t seq = 0;
	int rc = custos_event_append(&seq, r->fx->ctx, r->fx->ids[0], r->ev);

	r->count = seq;
	return rc;
}

static void event_appended(t_call *r)
{
	ck_assert_uint_eq(r->count, r->before + 1);
	ck_assert_int_eq(metric_now(r->fx, r->fx->ids[0], "events"), (int64_t)r->before + 1);
	ck_assert_int_eq(metric_now(r->fx, r->fx->ids[0], "orders"), (int64_t)r->before + 1);
}

static void listing_prepare(t_call *r)
{
	custos_event *e = t_sale("Egg tarts");

	ck_assert_int_eq(custos_event_append(NULL, r->fx->ctx, r->fx->ids[1], e), CUSTOS_OK);
	custos_event_free(e);
	r->before = (uint64_t)metric_now(r->fx, r->fx->ids[1], "events");
}

static int event_list(t_call *r)
{
	custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
	int rc;

	o.newest_first = 1;
	r->count = 0;
	if ((rc = custos_event_list(&r->evit, r->fx->ctx, r->fx->ids[1], &o)))
		return rc;
	while ((rc = custos_event_iter_next(&r->ev, r->evit)) == CUSTOS_OK) {
		const char *item;
		if ((rc = custos_event_get_text(&item, r->ev, CUSTOS_EVENT_ITEM)))
			return rc;
		custos_event_free(r->ev);
		r->ev = NULL;
		r->count++;
	}
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

static void events_listed(t_call *r) { ck_assert_uint_eq(r->count, r->before); }

static void wbatch_prepare(t_call *r)
{
	custos_customer *c = t_person(r->fx->ctx, "Batch Bai", "batch.bai@example.com");

	r->before = (uint64_t)metric_now(r->fx, r->fx->ids[2], "events");
	ck_assert_int_eq(custos_batch_new(&r->wb, r->fx->ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_create(r->wb, c), CUSTOS_OK);
	custos_customer_free(c);
	for (int i = 0; i < 3; i++) {
		custos_event *e = t_sale("Dim sum");
		ck_assert_int_eq(custos_batch_append(r->wb, r->fx->ids[2], e), CUSTOS_OK);
		custos_event_free(e);
	}
}

static int wbatch_commit(t_call *r) { return custos_batch_commit(r->wb); }

static void wbatch_committed(t_call *r)
{
	ck_assert_uint_eq(custos_batch_seq(r->wb, 3), r->before + 3);
	ck_assert_int_eq(metric_now(r->fx, r->fx->ids[2], "events"), (int64_t)r->before + 3);
	ck_assert_uint_ne(custos_batch_id(r->wb, 0), 0);
}

static void history_prepare(t_call *r)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_new(&c, r->fx->ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "History Holdings"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(r->fx->ctx, r->fx->ids[1], c), CUSTOS_OK);
	custos_customer_free(c);
	c = get_now(r->fx, r->fx->ids[1]);
	r->before = custos_customer_version(c);
	custos_customer_free(c);
}

static int history_list(t_call *r)
{
	int rc;

	r->count = 0;
	if ((rc = custos_history_list(&r->hit, r->fx->ctx, r->fx->ids[1], 0)))
		return rc;
	if ((rc = custos_history_next(&r->change, r->hit)))
		return rc;
	r->count = custos_change_version(r->change);
	return custos_change_old_value(&r->bufs[0], r->change, 0) == CUSTOS_ENOMEM ? CUSTOS_ENOMEM : CUSTOS_OK;
}

static void history_listed(t_call *r)
{
	ck_assert_uint_eq(r->count, r->before);
	ck_assert_str_eq(custos_change_field(r->change, 0), "company");
}

static int history_restore(t_call *r)
{
	return custos_history_restore(r->fx->ctx, r->fx->ids[1], (uint32_t)r->before, "company");
}

static void history_restored(t_call *r)
{
	custos_customer *c = get_now(r->fx, r->fx->ids[1]);

	ck_assert_uint_eq(custos_customer_version(c), r->before + 1);
	custos_customer_free(c);
}

static void expire_prepare(t_call *r)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_POINTS), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T_EV_TIME), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 25, T_EV_TIME + 1000000), CUSTOS_OK);
	ck_assert_int_eq(custos_event_append(NULL, r->fx->ctx, r->fx->ids[0], e), CUSTOS_OK);
	custos_event_free(e);
}

static int points_expire(t_call *r) { return custos_points_expire(&r->count, r->fx->ctx, T_EV_TIME + 2000000); }

static void points_expired(t_call *r)
{
	ck_assert_uint_eq(r->count, 1);
	ck_assert_int_eq(metric_now(r->fx, r->fx->ids[0], "points"), 0);
}

/* ---- the lifecycle, maintenance, erasure, export ---- */

static int state_now(t_fx *fx, uint64_t id)
{
	custos_customer *c = get_now(fx, id);
	int s = custos_customer_state(c);

	custos_customer_free(c);
	return s;
}

static int lifecycle_move(t_call *r)
{
	return custos_lifecycle_move(r->fx->ctx, r->fx->ids[0], CUSTOS_STATE_PROSPECT, "asked for a quote");
}

static void lifecycle_moved(t_call *r) { ck_assert_int_eq(state_now(r->fx, r->fx->ids[0]), CUSTOS_STATE_PROSPECT); }

static int customer_archive(t_call *r) { return custos_customer_archive(r->fx->ctx, r->fx->ids[1], "moved abroad"); }

static void customer_archived(t_call *r)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_lookup(&c, r->fx->ctx, r->fx->ids[1]), CUSTOS_ENOTFOUND);
}

static int customer_erase(t_call *r) { return custos_customer_erase(r->fx->ctx, r->fx->ids[1], "request 17"); }

static void customer_erased(t_call *r)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_lookup(&c, r->fx->ctx, r->fx->ids[1]), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_erasure_get(NULL, NULL, NULL, r->fx->ctx, r->fx->ids[1]), CUSTOS_OK);
}

static custos_policy dormant_policy(void)
{
	custos_policy p = CUSTOS_POLICY_INIT;

	p.from = CUSTOS_STATE_ACTIVE;
	p.to = CUSTOS_STATE_DORMANT;
	p.rule = CUSTOS_RULE_INACTIVE;
	p.days = 180;
	return p;
}

static int policy_set(t_call *r)
{
	custos_policy p = dormant_policy();

	return custos_policy_set(r->fx->ctx, &p, 1);
}

static void policy_was_set(t_call *r)
{
	custos_policy p;
	size_t n;

	ck_assert_int_eq(custos_policy_get(&p, 1, &n, r->fx->ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(p.to, CUSTOS_STATE_DORMANT);
}

/* Customer 0 bought long ago (the sale makes it active); a policy makes it dormant. */
static void maintain_prepare(t_call *r)
{
	custos_policy p = dormant_policy();
	custos_event *e = t_sale("Old tea");

	ck_assert_int_eq(custos_event_append(NULL, r->fx->ctx, r->fx->ids[0], e), CUSTOS_OK);
	custos_event_free(e);
	ck_assert_int_eq(custos_policy_set(r->fx->ctx, &p, 1), CUSTOS_OK);
}

static int maintain(t_call *r)
{
	custos_maintain_report rep;
	struct timeval tv;
	int rc;

	gettimeofday(&tv, NULL);
	rc = custos_maintain(&rep, r->fx->ctx, (int64_t)tv.tv_sec * 1000000, NULL);
	r->count = rep.moved[0];
	return rc;
}

static void maintained(t_call *r)
{
	ck_assert_uint_eq(r->count, 1);
	ck_assert_int_eq(state_now(r->fx, r->fx->ids[0]), CUSTOS_STATE_DORMANT);
}

static int subject_export(t_call *r) { return custos_subject_export(&r->bufs[0], r->fx->ctx, r->fx->ids[1]); }

static void subject_exported(t_call *r)
{
	ck_assert_ptr_nonnull(strstr((const char *)r->bufs[0].ptr, "\"custos-subject-export-1\""));
	ck_assert_ptr_nonnull(strstr((const char *)r->bufs[0].ptr, "Egg tarts"));
}

static int consent_record(t_call *r)
{
	uint32_t seq = 0;
	int rc = custos_consent_record(&seq, r->fx->ctx, r->fx->ids[0], "marketing_email", CUSTOS_BASIS_CONSENT, 1,
		T_EV_TIME, "web form", "ticked the box");

	r->count = seq;
	return rc;
}

static void consent_recorded(t_call *r) { ck_assert_uint_eq(r->count, 1); }

static void consent_prepare(t_call *r)
{
	ck_assert_int_eq(custos_consent_record(NULL, r->fx->ctx, r->fx->ids[1], "sms", CUSTOS_BASIS_CONSENT, 1,
		T_EV_TIME, "pos", "signed slip"), CUSTOS_OK);
}

static int consent_list(t_call *r)
{
	custos_consent_iter *it = NULL;
	custos_consent *c = NULL;
	int rc;

	if ((rc = custos_consent_list(&it, r->fx->ctx, r->fx->ids[1], NULL, 1)))
		return rc;
	rc = custos_consent_next(&c, it);
	r->count = c && custos_consent_given(c);
	custos_consent_free(c);
	custos_consent_iter_free(it);
	return rc;
}

static void consent_listed(t_call *r) { ck_assert_uint_eq(r->count, 1); }

const t_op t_ops[] = {
	/* stores */
	{ "custos_backend_open", CLOSED, 1, NULL, backend_open, free_call, backend_opened },
	{ "custos_db_open", CLOSED, 4, store_prepare, db_open, free_call, db_opened },
	{ "custos_db_open with CREATE, existing store", CLOSED, 4, store_prepare, db_open_create_existing, free_call,
	  db_opened },
	{ "custos_db_open with CREATE, new store", CLOSED, 6, new_prepare, db_create, create_cleanup, db_created },
	{ "custos_db_open, store already open in the process", CLOSED, 1, open_again_prepare, db_open,
	  open_again_cleanup, db_opened },
	{ "custos_db_open, read-only", CLOSED, 1, store_prepare, db_open_readonly, free_call, db_opened },
	{ "custos_db_open_backend with CREATE, the backend again after a failure", CLOSED, 6, retry_prepare,
	  db_create_backend, retry_cleanup, db_created },
	{ "custos_db_open, upgrading a store of custos 0.1.0", CLOSED | T_LMDB_STORE, 6, old_prepare, db_open_old,
	  old_cleanup, old_opened },
	{ "custos_db_close", CLOSED | T_DROPS, 1, close_prepare, db_close, close_cleanup, NULL },
	{ "custos_ctx_open", 0, 1, NULL, ctx_open, free_call, ctx_opened },
	{ "custos_secret_key", 0, 2, NULL, secret_key, free_call, secret_made },
	{ "custos_secret_passphrase", 0, 1, NULL, secret_passphrase, free_call, secret_made },
	/* drafts */
	{ "custos_customer_new", 0, 1, NULL, customer_new, free_call, customer_made },
	{ "custos_customer_set_text (email)", 0, 3, draft_prepare, set_email, free_call, email_set },
	{ "custos_customer_set_text (phone)", 0, 1, draft_prepare, set_phone, free_call, phone_set },
	{ "custos_customer_set_text (enum)", 0, 1, draft_prepare, set_stage, free_call, stage_set },
	{ "custos_customer_set_text (date)", 0, 1, draft_prepare, set_birthday, free_call, birthday_set },
	{ "custos_customer_set_int", 0, 1, draft_prepare, set_int, free_call, int_set },
	{ "custos_customer_set_money", 0, 1, draft_prepare, set_money, free_call, money_set },
	{ "custos_customer_set_timestamp", 0, 1, draft_prepare, set_timestamp, free_call, timestamp_set },
	{ "custos_customer_set_bool", 0, 1, draft_prepare, set_bool, free_call, bool_set },
	{ "custos_customer_add_tag", 0, 1, draft_prepare, add_tag, free_call, tag_added },
	{ "custos_customer_remove_tag", 0, 1, tagged_prepare, remove_tag, free_call, tag_removed },
	{ "custos_customer_get_string (every type)", 0, 11, stored_prepare, get_strings, free_call, strings_got },
	{ "custos_customer_set_string (every type)", 0, 11, draft_prepare, set_strings, free_call, strings_set },
	{ "custos_customer_get_string (masked)", 0, 1, masked_prepare, get_masked_string, free_call, masked_string_got },
	/* reads */
	{ "custos_customer_lookup", 0, 3, NULL, customer_lookup, free_call, customer_got },
	{ "custos_customer_lookup (masked)", 0, 3, as_cy_prepare, customer_lookup_masked, free_call, customer_got_masked },
	{ "custos_customer_lookup, schema changed by another handle", 0, 3, stale_prepare, customer_lookup_stale, free_call,
	  customer_got_stale },
	{ "custos_customer_count", 0, 1, NULL, customer_count, free_call, customers_counted },
	{ "custos_customer_list", 0, 1, NULL, customer_list, free_call, list_opened },
	{ "custos_iter_next", 0, 1, list_prepare, next_customers, iterate_cleanup, all_listed },
	{ "custos_iter_next_id", 0, 1, list_prepare, next_ids, iterate_ids_cleanup, all_listed },
	{ "custos_customer_find (email)", 0, 1, NULL, find_email, find_email_cleanup, email_found },
	{ "custos_customer_find (tags)", 0, 1, NULL, find_tag, find_tag_cleanup, all_listed },
	{ "custos_schema_get", T_LMDB_ONLY, 1, NULL, schema_get, free_call, schema_got },
	{ "custos_role_describe", 0, 1, NULL, role_describe, free_call, role_described },
	{ "custos_access_review", 0, 1, NULL, access_review, free_call, access_reviewed },
	{ "custos_principal_name", 0, 1, owner_prepare, principal_name, free_call, principal_named },
	{ "custos_team_name", 0, 1, owner_prepare, team_name, free_call, team_named },
	{ "custos_audit_read", 0, 1, NULL, audit_read, free_call, audit_opened },
	{ "custos_audit_next", 0, 1, audit_prepare, audit_next, audit_next_cleanup, audit_all_read },
	{ "custos_audit_verify", 0, 1, NULL, audit_verify, free_call, audit_verified },
	{ "custos_audit_public_key", 0, 1, NULL, audit_public_key, free_call, audit_key_got },
	{ "custos_db_check", 0, 4, NULL, db_check, free_call, NULL },
	{ "custos_event_list", 0, 3, listing_prepare, event_list, free_call, events_listed },
	{ "custos_history_list", 0, 3, history_prepare, history_list, free_call, history_listed },
	{ "custos_subject_export", 0, 3, listing_prepare, subject_export, free_call, subject_exported },
	{ "custos_consent_list", 0, 3, consent_prepare, consent_list, free_call, consent_listed },
	/* writes */
	{ "custos_audit_flush", W, 1, flush_prepare, audit_flush, free_call, audit_flushed },
	{ "custos_audit_checkpoint", W, 1, checkpoint_prepare, audit_checkpoint, checkpoint_cleanup, checkpoint_made },
	{ "custos_customer_create", W, 6, create_prepare, customer_create, free_call, customer_created },
	{ "custos_customer_create_many", W, 6, batch_prepare, create_many, free_call, many_created },
	{ "custos_customer_update", W, 6, update_prepare, customer_update, free_call, customer_updated },
	{ "custos_customer_update_if", W, 6, update_prepare, customer_update_if, free_call, customer_updated },
	{ "custos_customer_update, schema changed by another handle", W, 6, stale_prepare, customer_update_stale,
	  free_call, customer_updated_stale },
	{ "custos_event_append", W, 3, event_prepare, event_append, free_call, event_appended },
	{ "custos_batch_commit", W, 6, wbatch_prepare, wbatch_commit, free_call, wbatch_committed },
	{ "custos_history_restore", W, 4, history_prepare, history_restore, free_call, history_restored },
	{ "custos_points_expire", W, 2, expire_prepare, points_expire, free_call, points_expired },
	{ "custos_lifecycle_move", W, 3, NULL, lifecycle_move, free_call, lifecycle_moved },
	{ "custos_consent_record", W, 3, NULL, consent_record, free_call, consent_recorded },
	{ "custos_customer_archive", W, 3, NULL, customer_archive, free_call, customer_archived },
	{ "custos_customer_erase", W, 3, listing_prepare, customer_erase, free_call, customer_erased },
	{ "custos_policy_set", W, 1, NULL, policy_set, free_call, policy_was_set },
	{ "custos_maintain", W, 3, maintain_prepare, maintain, free_call, maintained },
	{ "custos_customer_reassign", W, 1, reassign_prepare, customer_reassign, free_call, customer_reassigned },
	{ "custos_customer_reassign_all", W, 1, reassign_all_prepare, reassign_all, free_call, all_reassigned },
	{ "custos_team_create", W, 1, name_prepare, team_create, free_call, team_created },
	{ "custos_role_create", W, 1, name_prepare, role_create, free_call, role_created },
	{ "custos_principal_create", W, 1, name_prepare, principal_create, free_call, principal_created },
	{ "custos_principal_set_role", W, 1, role_prepare, set_role, free_call, role_set },
	{ "custos_principal_set_team", W, 1, team_prepare, set_team, free_call, team_set },
	{ "custos_principal_set_disabled", W, 1, disabled_prepare, set_disabled, free_call, disabled_set },
	{ "custos_schema_add_field", W, 4, schema_prepare, add_field, free_call, field_added },
	{ "custos_schema_add_enum_value", W, 1, schema_prepare, add_enum_value, free_call, enum_value_added },
	{ "custos_schema_set_field_flags (index built)", T_BATCHES, 1, index_build_prepare, set_flags, build_cleanup,
	  flags_set },
	{ "custos_schema_set_field_flags (index dropped)", W, 1, index_drop_prepare, set_flags, free_call, flags_set },
	{ "custos_schema_set_field_flags (unique)", W, 1, unique_prepare, set_flags, free_call, flags_set },
	{ "custos_schema_set_default_region", W, 1, region_prepare, set_region, free_call, region_set },
	{ "custos_db_rekey", W, 1, rekey_prepare, rekey, free_call, rekeyed },
	{ "custos_db_rebuild_indexes", T_BATCHES, 1, NULL, rebuild_indexes, rebuild_cleanup, indexes_sound },
	{ "custos_schema_renormalize (nothing to rewrite)", 0, 1, NULL, renormalize, free_call, renormalized },
};
const size_t t_nops = sizeof t_ops / sizeof t_ops[0];
