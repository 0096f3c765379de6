/*
 * tests/check_access.c — permissions: every customer-touching call under every built-in role
 * against customers in and out of scope (data, masked data, CUSTOS_ENOTFOUND or
 * CUSTOS_EDENIED, and nothing leaking through counts, lists, finds or error codes); masking;
 * ownership and reassignment; grant rules; contexts whose rights change.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

enum { ADMIN, MANAGER, REP_A, REP_B, REP_S, SUPPORT, ANALYST, AUDITOR, NROLES };
static const char *const who[NROLES] = { "admin", "mona", "rep_a", "rep_b", "rep_s", "sam", "ana", "audrey" };

/* The organisation: teams north and south; customers of rep_a, rep_b (north), rep_s
 * (south) and admin (no team). */
typedef struct world {
	t_store t;
	custos_ctx *ctx[NROLES];
	uint64_t c_a, c_b, c_s, c_admin;
} world;

static world W;

static void make_principal(const char *name, const char *role, const char *team)
{
	ck_assert_msg(custos_principal_create(NULL, W.t.ctx, name, role, team) == CUSTOS_OK, "%s", custos_error_last());
}

static uint64_t customer_of(custos_ctx *ctx, const char *name, const char *email, const char *phone)
{
	custos_customer *c = t_person(ctx, name, email);
	uint64_t id;

	ck_assert_int_eq(custos_customer_set_text(c, "phone", phone), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "address", "1 Harbour Road"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "notes", "likes tea"), CUSTOS_OK);
	ck_assert_msg(custos_customer_create(&id, ctx, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
	/* Identity fields are masked for sales, so a rep cannot set them; the administrator does. */
	ck_assert_int_eq(custos_customer_new(&c, W.t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "id_number", "A1234567"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "1990-05-01"), CUSTOS_OK);
	ck_assert_msg(custos_customer_update(W.t.ctx, id, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
	return id;
}

static void setup(void)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	custos_customer *patch;

	t_store_open(&W.t, "memory");
	o.name = "credit";
	o.type = CUSTOS_TYPE_MONEY;
	o.field_class = CUSTOS_CLASS_FINANCIAL;
	ck_assert_int_eq(custos_schema_add_field(W.t.ctx, &o), CUSTOS_OK);
	o.name = "notes";
	o.type = CUSTOS_TYPE_TEXT;
	o.field_class = CUSTOS_CLASS_NOTES;
	ck_assert_int_eq(custos_schema_add_field(W.t.ctx, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_team_create(NULL, W.t.ctx, "north"), CUSTOS_OK);
	ck_assert_int_eq(custos_team_create(NULL, W.t.ctx, "south"), CUSTOS_OK);
	make_principal("mona", "manager", "north");
	make_principal("rep_a", "sales", "north");
	make_principal("rep_b", "sales", "north");
	make_principal("rep_s", "sales", "south");
	make_principal("sam", "support", NULL);
	make_principal("ana", "analyst", NULL);
	make_principal("audrey", "auditor", NULL);
	for (int i = 0; i < NROLES; i++)
		ck_assert_int_eq(custos_ctx_open(&W.ctx[i], W.t.db, who[i]), CUSTOS_OK);
	W.c_a = customer_of(W.ctx[REP_A], "Chan Tai Man", "chan@example.com", "+852 9123 5678");
	W.c_b = customer_of(W.ctx[REP_B], "Bea Lee", "bea@example.com", "+852 9222 0001");
	W.c_s = customer_of(W.ctx[REP_S], "Sol Diaz", "sol@example.com", "+852 9333 0002");
	W.c_admin = customer_of(W.ctx[ADMIN], "Ada Admin", "ada@example.com", "+852 9444 0003");
	patch = NULL;
	ck_assert_int_eq(custos_customer_new(&patch, W.t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_money(patch, "credit", 500000, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(W.t.ctx, W.c_a, patch), CUSTOS_OK);
	custos_customer_free(patch);
}

static void teardown(void)
{
	for (int i = 0; i < NROLES; i++)
		custos_ctx_free(W.ctx[i]);
	t_store_close(&W.t);
	memset(&W, 0, sizeof W);
}

static int get_code(int role, uint64_t id)
{
	custos_customer *c = NULL;
	int rc = custos_customer_lookup(&c, W.ctx[role], id);

	custos_customer_free(c);
	return rc;
}

static const char *text_or(custos_customer *c, const char *field, const char *absent)
{
	const char *v;
	return custos_customer_get_text(&v, c, field) == CUSTOS_OK ? v : absent;
}

/* ---- the matrix ---- */

START_TEST(get_follows_scope_for_every_role)
{
	static const int expect[NROLES][4] = {
		/*            c_a            c_b               c_s               c_admin */
		[ADMIN] = { CUSTOS_OK, CUSTOS_OK, CUSTOS_OK, CUSTOS_OK },
		[MANAGER] = { CUSTOS_OK, CUSTOS_OK, CUSTOS_ENOTFOUND, CUSTOS_ENOTFOUND },
		[REP_A] = { CUSTOS_OK, CUSTOS_ENOTFOUND, CUSTOS_ENOTFOUND, CUSTOS_ENOTFOUND },
		[REP_B] = { CUSTOS_ENOTFOUND, CUSTOS_OK, CUSTOS_ENOTFOUND, CUSTOS_ENOTFOUND },
		[REP_S] = { CUSTOS_ENOTFOUND, CUSTOS_ENOTFOUND, CUSTOS_OK, CUSTOS_ENOTFOUND },
		[SUPPORT] = { CUSTOS_OK, CUSTOS_OK, CUSTOS_OK, CUSTOS_OK },
		[ANALYST] = { CUSTOS_EDENIED, CUSTOS_EDENIED, CUSTOS_EDENIED, CUSTOS_EDENIED },
		[AUDITOR] = { CUSTOS_EDENIED, CUSTOS_EDENIED, CUSTOS_EDENIED, CUSTOS_EDENIED },
	};
	uint64_t ids[4] = { W.c_a, W.c_b, W.c_s, W.c_admin };

	for (int r = 0; r < NROLES; r++)
		for (int i = 0; i < 4; i++)
			ck_assert_msg(get_code(r, ids[i]) == expect[r][i], "%s reading customer %d: %s", who[r], i,
				custos_error_name(get_code(r, ids[i])));
}
END_TEST

START_TEST(out_of_scope_looks_exactly_like_missing)
{
	char out_of_scope[200], missing[200];

	ck_assert_int_eq(get_code(REP_A, W.c_s), CUSTOS_ENOTFOUND);
	snprintf(out_of_scope, sizeof out_of_scope, "%s", custos_error_last());
	ck_assert_int_eq(get_code(REP_A, 999), CUSTOS_ENOTFOUND);
	snprintf(missing, sizeof missing, "%s", custos_error_last());
	ck_assert_int_eq(strncmp(out_of_scope, "no customer ", 12), 0);
	ck_assert_int_eq(strncmp(missing, "no customer ", 12), 0);
}
END_TEST

static int count_of(int role, uint64_t *n)
{
	*n = 9999;
	return custos_customer_count(n, W.ctx[role]);
}

START_TEST(count_follows_scope_and_needs_read_or_report)
{
	static const struct { int rc; uint64_t n; } expect[NROLES] = {
		[ADMIN] = { CUSTOS_OK, 4 }, [MANAGER] = { CUSTOS_OK, 2 }, [REP_A] = { CUSTOS_OK, 1 },
		[REP_B] = { CUSTOS_OK, 1 }, [REP_S] = { CUSTOS_OK, 1 }, [SUPPORT] = { CUSTOS_OK, 4 },
		[ANALYST] = { CUSTOS_OK, 4 }, [AUDITOR] = { CUSTOS_EDENIED, 9999 },
	};

	for (int r = 0; r < NROLES; r++) {
		uint64_t n;
		ck_assert_msg(count_of(r, &n) == expect[r].rc, "%s counting", who[r]);
		ck_assert_msg(n == expect[r].n, "%s counted %llu", who[r], (unsigned long long)n);
	}
}
END_TEST

static int list_ids(int role, uint64_t *ids, size_t *n)
{
	custos_iter *it = NULL;
	uint64_t id;
	int rc = custos_customer_list(&it, W.ctx[role], NULL);

	*n = 0;
	while (rc == CUSTOS_OK && (rc = custos_iter_next_id(&id, it)) == CUSTOS_OK)
		ids[(*n)++] = id;
	custos_iter_free(it);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

START_TEST(lists_hold_exactly_the_customers_in_scope)
{
	uint64_t ids[8];
	size_t n;

	ck_assert_int_eq(list_ids(ADMIN, ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(list_ids(MANAGER, ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ids[0], W.c_a);
	ck_assert_uint_eq(ids[1], W.c_b);
	ck_assert_int_eq(list_ids(REP_S, ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ids[0], W.c_s);
	ck_assert_int_eq(list_ids(SUPPORT, ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(list_ids(ANALYST, ids, &n), CUSTOS_EDENIED);
	ck_assert_int_eq(list_ids(AUDITOR, ids, &n), CUSTOS_EDENIED);
}
END_TEST

static int find_ids(int role, const char *field, const char *value, uint64_t *ids, size_t *n)
{
	custos_iter *it = NULL;
	uint64_t id;
	int rc = custos_customer_find(&it, W.ctx[role], field, value);

	*n = 0;
	while (rc == CUSTOS_OK && (rc = custos_iter_next_id(&id, it)) == CUSTOS_OK)
		ids[(*n)++] = id;
	custos_iter_free(it);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

START_TEST(find_hides_customers_out_of_scope_like_missing_ones)
{
	uint64_t ids[4];
	size_t n;

	ck_assert_int_eq(find_ids(ADMIN, "email", "sol@example.com", ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(find_ids(MANAGER, "email", "bea@example.com", ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	/* Not in scope and not existing give the same answer. */
	ck_assert_int_eq(find_ids(REP_A, "email", "sol@example.com", ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(find_ids(REP_A, "email", "nobody@example.com", ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(find_ids(REP_A, "email", "chan@example.com", ids, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	/* Support sees emails masked: it may not search by them. */
	ck_assert_int_eq(find_ids(SUPPORT, "email", "sol@example.com", ids, &n), CUSTOS_EDENIED);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "cannot see"));
	ck_assert_int_eq(find_ids(ANALYST, "email", "sol@example.com", ids, &n), CUSTOS_EDENIED);
	ck_assert_int_eq(find_ids(AUDITOR, "email", "sol@example.com", ids, &n), CUSTOS_EDENIED);
}
END_TEST

static int update_field(int role, uint64_t id, const char *field, const char *value)
{
	custos_customer *p = NULL;
	int rc = custos_customer_new(&p, W.ctx[role]);

	if (!rc)
		rc = !strcmp(field, "credit") ? custos_customer_set_money(p, field, 1, "HKD") :
			custos_customer_set_text(p, field, value);
	if (!rc)
		rc = custos_customer_update(W.ctx[role], id, p);
	custos_customer_free(p);
	return rc;
}

START_TEST(updates_need_scope_the_operation_and_a_clear_view)
{
	ck_assert_int_eq(update_field(REP_A, W.c_a, "stage", "won"), CUSTOS_OK);
	ck_assert_int_eq(update_field(REP_A, W.c_b, "stage", "won"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(update_field(REP_A, W.c_a, "credit", NULL), CUSTOS_EDENIED);     /* hidden */
	ck_assert_int_eq(update_field(REP_A, W.c_a, "id_number", "Z1"), CUSTOS_EDENIED);  /* masked */
	ck_assert_int_eq(update_field(MANAGER, W.c_b, "stage", "lost"), CUSTOS_OK);
	ck_assert_int_eq(update_field(MANAGER, W.c_s, "stage", "lost"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(update_field(SUPPORT, W.c_s, "notes", "called back"), CUSTOS_OK);
	ck_assert_int_eq(update_field(SUPPORT, W.c_s, "email", "x@example.com"), CUSTOS_EDENIED);
	ck_assert_int_eq(update_field(ANALYST, W.c_s, "stage", "won"), CUSTOS_EDENIED);
	ck_assert_int_eq(update_field(AUDITOR, W.c_s, "stage", "won"), CUSTOS_EDENIED);
	ck_assert_int_eq(update_field(ADMIN, W.c_s, "credit", NULL), CUSTOS_OK);
}
END_TEST

START_TEST(creating_needs_the_operation_and_the_creator_owns_the_customer)
{
	custos_customer *c, *got;
	uint64_t id;

	c = t_person(W.ctx[REP_B], "New Lead", NULL);
	ck_assert_int_eq(custos_customer_create(&id, W.ctx[REP_B], c), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&got, W.ctx[REP_B], id), CUSTOS_OK);
	ck_assert_uint_eq(custos_customer_owner(got), custos_ctx_principal_id(W.ctx[REP_B]));
	ck_assert_uint_ne(custos_customer_team(got), 0);
	custos_customer_free(got);
	ck_assert_int_eq(custos_customer_create(&id, W.ctx[SUPPORT], c), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_create(&id, W.ctx[ANALYST], c), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 1, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&id, W.ctx[REP_B], c), CUSTOS_EDENIED);  /* a hidden field */
	custos_customer_free(c);
}
END_TEST

START_TEST(administration_calls_need_their_operation)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_audit_iter *it;
	custos_review *r;

	o.name = "score";
	o.type = CUSTOS_TYPE_INTEGER;
	for (int role = MANAGER; role < NROLES; role++) {
		ck_assert_int_eq(custos_schema_add_field(W.ctx[role], &o), CUSTOS_EDENIED);
		ck_assert_int_eq(custos_db_rekey(W.ctx[role], s), CUSTOS_EDENIED);
		ck_assert_int_eq(custos_principal_create(NULL, W.ctx[role], "x", "sales", NULL), CUSTOS_EDENIED);
	}
	ck_assert_int_eq(custos_audit_read(&it, W.ctx[REP_A], 0), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_audit_read(&it, W.ctx[AUDITOR], 0), CUSTOS_OK);
	custos_audit_iter_free(it);
	ck_assert_int_eq(custos_access_review(&r, W.ctx[MANAGER], 30), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_access_review(&r, W.ctx[AUDITOR], 30), CUSTOS_OK);
	custos_review_free(r);
	ck_assert_int_eq(custos_schema_add_field(W.ctx[ADMIN], &o), CUSTOS_OK);
	custos_secret_free(s);
}
END_TEST

/* Every field of c as get_string renders it ("" when absent or hidden), joined. */
static void render(custos_customer *c, char *out, size_t n)
{
	static const char *const fields[] = { "name", "email", "phone", "address", "id_number", "birthday", "notes",
		"credit", "stage" };
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		custos_buf b = CUSTOS_BUF_INIT;
		int rc = custos_customer_get_string(&b, c, fields[i]);
		used += (size_t)snprintf(out + used, n - used, "%s=%s%s;", fields[i], rc == CUSTOS_OK ? (const char *)b.ptr : "",
			custos_customer_is_masked(c, fields[i]) ? "(m)" : "");
		custos_buf_dispose(&b);
		ck_assert_uint_lt(used, n);
	}
}

static void render_get(int role, uint64_t id, char *out, size_t n)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_lookup(&c, W.ctx[role], id), CUSTOS_OK);
	render(c, out, n);
	custos_customer_free(c);
}

/* Lists, pages of lists and finds hand out exactly what get hands out, for every role. */
START_TEST(every_path_shows_the_same_view)
{
	static const int readers[] = { ADMIN, MANAGER, REP_A, REP_B, REP_S, SUPPORT };
	char a[1024], b[1024];

	for (size_t r = 0; r < sizeof readers / sizeof readers[0]; r++) {
		int role = readers[r];
		custos_list_options lo = CUSTOS_LIST_OPTIONS_INIT;
		custos_iter *it = NULL;
		custos_customer *c;
		uint64_t first = 0, seen = 0, paged = 0, id;
		int rc;

		ck_assert_int_eq(custos_customer_list(&it, W.ctx[role], NULL), CUSTOS_OK);
		while ((rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
			if (!first)
				first = custos_customer_id(c);
			render(c, a, sizeof a);
			render_get(role, custos_customer_id(c), b, sizeof b);
			ck_assert_str_eq(a, b);
			seen++;
			custos_customer_free(c);
		}
		ck_assert_int_eq(rc, CUSTOS_ITEROVER);
		custos_iter_free(it);
		lo.after_id = first;
		ck_assert_int_eq(custos_customer_list(&it, W.ctx[role], &lo), CUSTOS_OK);
		while ((rc = custos_iter_next_id(&id, it)) == CUSTOS_OK) {
			ck_assert_uint_gt(id, first);
			ck_assert_int_eq(get_code(role, id), CUSTOS_OK);
			paged++;
		}
		ck_assert_int_eq(rc, CUSTOS_ITEROVER);
		custos_iter_free(it);
		ck_assert_uint_eq(paged + 1, seen);
		if (role == SUPPORT)
			continue;  /* may not search by email */
		ck_assert_int_eq(custos_customer_find(&it, W.ctx[role], "email", "chan@example.com"), CUSTOS_OK);
		rc = custos_iter_next(&c, it);
		if (get_code(role, W.c_a) == CUSTOS_OK) {
			ck_assert_int_eq(rc, CUSTOS_OK);
			render(c, a, sizeof a);
			render_get(role, W.c_a, b, sizeof b);
			ck_assert_str_eq(a, b);
			custos_customer_free(c);
		} else {
			ck_assert_int_eq(rc, CUSTOS_ITEROVER);
		}
		custos_iter_free(it);
	}
}
END_TEST

START_TEST(batches_and_reassignment_need_their_operations)
{
	custos_customer *batch[2];
	uint64_t ids[2], before, after;

	batch[0] = t_person(W.ctx[REP_A], "Lead One", NULL);
	batch[1] = t_person(W.ctx[REP_A], "Lead Two", NULL);
	ck_assert_int_eq(custos_customer_create_many(ids, W.ctx[SUPPORT], batch, 2), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_create_many(ids, W.ctx[ANALYST], batch, 2), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_set_money(batch[1], "credit", 5, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(count_of(ADMIN, &before), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create_many(ids, W.ctx[REP_A], batch, 2), CUSTOS_EDENIED);  /* hidden field */
	ck_assert_int_eq(count_of(ADMIN, &after), CUSTOS_OK);
	ck_assert_uint_eq(after, before);
	/* Removing a hidden field is writing it too: a fresh draft instead. */
	ck_assert_int_eq(custos_customer_unset(batch[1], "credit"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create_many(ids, W.ctx[REP_A], batch, 2), CUSTOS_EDENIED);
	custos_customer_free(batch[1]);
	batch[1] = t_person(W.ctx[REP_A], "Lead Two", NULL);
	ck_assert_int_eq(custos_customer_create_many(ids, W.ctx[REP_A], batch, 2), CUSTOS_OK);
	for (int i = 0; i < 2; i++) {
		custos_customer *c = NULL;
		ck_assert_int_eq(custos_customer_lookup(&c, W.ctx[REP_A], ids[i]), CUSTOS_OK);
		ck_assert_uint_eq(custos_customer_owner(c), custos_ctx_principal_id(W.ctx[REP_A]));
		custos_customer_free(c);
		ck_assert_int_eq(get_code(REP_B, ids[i]), CUSTOS_ENOTFOUND);
		custos_customer_free(batch[i]);
	}
	ck_assert_int_eq(custos_customer_reassign(W.ctx[REP_A], W.c_a, "rep_b"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_reassign(W.ctx[SUPPORT], W.c_a, "rep_b"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_reassign(W.ctx[MANAGER], W.c_s, "rep_b"), CUSTOS_ENOTFOUND);  /* out of scope */
	ck_assert_int_eq(custos_customer_reassign(W.ctx[MANAGER], W.c_a, "rep_s"), CUSTOS_EDENIED);   /* other team */
	ck_assert_int_eq(custos_customer_reassign(W.ctx[MANAGER], W.c_a, "rep_b"), CUSTOS_OK);
	ck_assert_int_eq(get_code(REP_A, W.c_a), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(get_code(REP_B, W.c_a), CUSTOS_OK);
}
END_TEST

/* ---- what each role sees ---- */

START_TEST(support_sees_contact_details_masked_and_address_hidden)
{
	custos_customer *c;
	custos_buf b = CUSTOS_BUF_INIT;
	int64_t minor;

	ck_assert_int_eq(custos_customer_lookup(&c, W.ctx[SUPPORT], W.c_a), CUSTOS_OK);
	ck_assert_str_eq(text_or(c, "name", "-"), "Chan Tai Man");
	ck_assert_str_eq(text_or(c, "email", "-"), "c***@example.com");
	ck_assert_str_eq(text_or(c, "phone", "-"), "+852 ****5678");
	ck_assert_str_eq(text_or(c, "id_number", "-"), "****4567");
	ck_assert_str_eq(text_or(c, "birthday", "-"), "1990-**-**");
	ck_assert_str_eq(text_or(c, "address", "-"), "-");
	ck_assert_str_eq(text_or(c, "notes", "-"), "likes tea");
	ck_assert_int_eq(custos_customer_is_masked(c, "email"), 1);
	ck_assert_int_eq(custos_customer_is_masked(c, "name"), 0);
	ck_assert_int_eq(custos_customer_get_money(&minor, NULL, c, "credit"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_get_string(&b, c, "phone"), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "+852 ****5678");
	custos_buf_dispose(&b);
	custos_customer_free(c);
}
END_TEST

START_TEST(sales_sees_its_customers_with_identity_masked_and_finance_hidden)
{
	custos_customer *c;
	int64_t minor;

	ck_assert_int_eq(custos_customer_lookup(&c, W.ctx[REP_A], W.c_a), CUSTOS_OK);
	ck_assert_str_eq(text_or(c, "email", "-"), "chan@example.com");
	ck_assert_str_eq(text_or(c, "address", "-"), "1 Harbour Road");
	ck_assert_str_eq(text_or(c, "id_number", "-"), "****4567");
	ck_assert_int_eq(custos_customer_get_money(&minor, NULL, c, "credit"), CUSTOS_ENOTFOUND);
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_lookup(&c, W.ctx[ADMIN], W.c_a), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_money(&minor, NULL, c, "credit"), CUSTOS_OK);
	ck_assert_int_eq(minor, 500000);
	ck_assert_str_eq(text_or(c, "id_number", "-"), "A1234567");
	custos_customer_free(c);
}
END_TEST

START_TEST(a_role_with_names_masked_sees_initials_and_typed_getters_refuse_masks)
{
	custos_role_options ro = CUSTOS_ROLE_OPTIONS_INIT;
	int masked[CUSTOS_CLASS_COUNT];
	custos_customer *c;
	custos_ctx *ctx;
	int64_t minor;

	ro.name = "frontdesk";
	ro.operations = CUSTOS_OP_READ;
	ro.scope = CUSTOS_SCOPE_ALL;
	for (int i = 0; i < CUSTOS_CLASS_COUNT; i++)
		masked[i] = CUSTOS_VIS_MASKED;
	ro.visibility = masked;
	ro.visibility_count = custos_class_count();
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_OK);
	make_principal("desk", "frontdesk", NULL);
	ck_assert_int_eq(custos_ctx_open(&ctx, W.t.db, "desk"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&c, ctx, W.c_a), CUSTOS_OK);
	ck_assert_str_eq(text_or(c, "name", "-"), "C*** T*** M***");
	ck_assert_str_eq(text_or(c, "credit", "-"), "***");
	ck_assert_int_eq(custos_customer_get_money(&minor, NULL, c, "credit"), CUSTOS_EDENIED);
	custos_customer_free(c);
	custos_ctx_free(ctx);
}
END_TEST

/* ---- what masks show (docs/permissions.md) ---- */

/* A context of a principal whose role sees every class masked. */
static custos_ctx *all_masked(void)
{
	static const int masked[CUSTOS_CLASS_COUNT] = { CUSTOS_VIS_MASKED, CUSTOS_VIS_MASKED, CUSTOS_VIS_MASKED,
		CUSTOS_VIS_MASKED, CUSTOS_VIS_MASKED, CUSTOS_VIS_MASKED, CUSTOS_VIS_MASKED };
	custos_role_options ro = CUSTOS_ROLE_OPTIONS_INIT;
	custos_ctx *ctx;

	ro.name = "masked";
	ro.operations = CUSTOS_OP_READ;
	ro.scope = CUSTOS_SCOPE_ALL;
	ro.visibility = masked;
	ro.visibility_count = CUSTOS_CLASS_COUNT;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_OK);
	make_principal("masked", "masked", NULL);
	ck_assert_int_eq(custos_ctx_open(&ctx, W.t.db, "masked"), CUSTOS_OK);
	return ctx;
}

/* field = value, set by the administrator, as ctx sees it. */
static const char *seen_masked(custos_ctx *ctx, const char *field, const char *value)
{
	static char buf[256];
	custos_customer *c = t_person(W.t.ctx, "Ho Ka Yan", NULL);
	uint64_t id;

	ck_assert_msg(custos_customer_set_text(c, field, value) == CUSTOS_OK, "%s", custos_error_last());
	id = t_create_draft(W.t.ctx, c);
	ck_assert_int_eq(custos_customer_lookup(&c, ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_is_masked(c, field), 1);
	snprintf(buf, sizeof buf, "%s", text_or(c, field, "(absent)"));
	custos_customer_free(c);
	return buf;
}

START_TEST(a_chinese_name_shows_its_family_name_and_nothing_of_the_given_name)
{
	static const char *const cases[][2] = {
		{ "陳大文", "陳**" }, { "陳 大文", "陳**" }, { "陳\xE3\x80\x80大文", "陳**" }, { "陳大文 (Peter Chan)", "陳**" },
		{ "歐陽大文", "歐陽**" }, { "歐陽 大文", "歐陽**" }, { "欧阳大文", "欧阳**" }, { "司徒美玲", "司徒**" },
		{ "鍾離春", "鍾離**" }, { "陳", "陳**" }, { "山田 太郎", "山**" }, { "김민준", "김**" },
	};
	custos_ctx *ctx = all_masked();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_str_eq(seen_masked(ctx, "name", cases[i][0]), cases[i][1]);
	custos_ctx_free(ctx);
}
END_TEST

START_TEST(other_names_show_initials_whatever_space_separates_them)
{
	custos_ctx *ctx = all_masked();

	ck_assert_str_eq(seen_masked(ctx, "name", "Chan Tai Man"), "C*** T*** M***");
	ck_assert_str_eq(seen_masked(ctx, "name", "Chan\xE3\x80\x80Tai\xC2\xA0Man"), "C*** T*** M***");
	ck_assert_str_eq(seen_masked(ctx, "name", "Peter Chan Tai-man"), "P*** C*** T***");
	ck_assert_str_eq(seen_masked(ctx, "name", "Zo\xC3\xAB O'Neill"), "Z*** O***");
	custos_ctx_free(ctx);
}
END_TEST

START_TEST(company_address_and_custom_text_show_nothing)
{
	custos_ctx *ctx = all_masked();

	ck_assert_str_eq(seen_masked(ctx, "company", "永發貿易有限公司"), "***");
	ck_assert_str_eq(seen_masked(ctx, "company", "Wing Fat Trading Co., Ltd."), "***");
	ck_assert_str_eq(seen_masked(ctx, "address", "九龍旺角彌敦道688號旺角中心12樓3室"), "***");
	ck_assert_str_eq(seen_masked(ctx, "notes", "likes tea"), "***");
	ck_assert_str_eq(seen_masked(ctx, "id_number", "A123456(7)"), "****6(7)");
	ck_assert_str_eq(seen_masked(ctx, "id_number", "A12"), "****");
	ck_assert_str_eq(seen_masked(ctx, "email", "tm.chan@example.com"), "t***@example.com");
	ck_assert_str_eq(seen_masked(ctx, "phone", "+852 9123 5678"), "+852 ****5678");
	ck_assert_str_eq(seen_masked(ctx, "birthday", "1990-05-01"), "1990-**-**");
	custos_ctx_free(ctx);
}
END_TEST

/* ---- ownership ---- */

START_TEST(reassignment_moves_the_customer_out_of_the_old_owners_reach)
{
	ck_assert_int_eq(custos_customer_reassign(W.ctx[MANAGER], W.c_a, "rep_b"), CUSTOS_OK);
	ck_assert_int_eq(get_code(REP_A, W.c_a), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(get_code(REP_B, W.c_a), CUSTOS_OK);
	/* A manager reaches only its team, on both ends. */
	ck_assert_int_eq(custos_customer_reassign(W.ctx[MANAGER], W.c_b, "rep_s"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_reassign(W.ctx[MANAGER], W.c_s, "rep_a"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_reassign(W.ctx[REP_B], W.c_a, "rep_a"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_customer_reassign(W.ctx[ADMIN], W.c_a, "nobody"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_reassign(W.ctx[ADMIN], W.c_a, NULL), CUSTOS_EINVALID);
}
END_TEST

START_TEST(when_a_rep_leaves_all_their_customers_move)
{
	uint64_t moved = 0, n;

	for (int i = 0; i < 5; i++)
		t_create(W.ctx[REP_B], "Another", NULL);
	ck_assert_int_eq(custos_customer_reassign_all(&moved, W.ctx[ADMIN], "rep_b", "rep_a"), CUSTOS_OK);
	ck_assert_uint_eq(moved, 6);
	ck_assert_int_eq(count_of(REP_B, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(count_of(REP_A, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(custos_principal_set_disabled(W.ctx[ADMIN], "rep_b", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_reassign_all(&moved, W.ctx[ADMIN], "rep_a", "rep_b"), CUSTOS_EINVALID);
}
END_TEST

START_TEST(a_forged_owner_index_entry_grants_nothing)
{
	unsigned char key[14];
	uint64_t ids[8], n;
	size_t k;
	uint32_t rep_a = custos_ctx_principal_id(W.ctx[REP_A]);

	/* Storage says rep_a owns c_s; the authenticated record says otherwise. */
	key[0] = 0xFF;
	key[1] = 'O';
	for (int i = 0; i < 4; i++)
		key[2 + i] = (unsigned char)(rep_a >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		key[6 + i] = (unsigned char)(W.c_s >> (56 - 8 * i));
	ck_assert_int_eq(t_raw_put(W.t.be, T_B_INDEX, key, sizeof key, "", 0), CUSTOS_OK);
	ck_assert_int_eq(list_ids(REP_A, ids, &k), CUSTOS_OK);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(ids[0], W.c_a);
	ck_assert_int_eq(count_of(REP_A, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(get_code(REP_A, W.c_s), CUSTOS_ENOTFOUND);
}
END_TEST

/* ---- grants ---- */

START_TEST(no_principal_raises_its_own_rights_or_grants_more_than_it_holds)
{
	custos_role_options ro = CUSTOS_ROLE_OPTIONS_INIT;
	custos_ctx *hr;

	ro.name = "hr";
	ro.operations = CUSTOS_OP_ACCESS | CUSTOS_OP_READ;
	ro.scope = CUSTOS_SCOPE_TEAM;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_OK);
	make_principal("harriet", "hr", "north");
	ck_assert_int_eq(custos_ctx_open(&hr, W.t.db, "harriet"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_role(hr, "harriet", "admin"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_set_role(hr, "rep_a", "admin"), CUSTOS_EDENIED);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "does not hold"));
	ck_assert_int_eq(custos_principal_create(NULL, hr, "sneaky", "admin", "north"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_create(NULL, hr, "helper", "hr", "south"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_create(NULL, hr, "helper", "hr", "north"), CUSTOS_OK);
	ro.name = "bigger";
	ro.operations = CUSTOS_OP_ACCESS | CUSTOS_OP_READ | CUSTOS_OP_EXPORT;
	ck_assert_int_eq(custos_role_create(hr, &ro), CUSTOS_EDENIED);
	ro.operations = CUSTOS_OP_READ;
	ro.scope = CUSTOS_SCOPE_ALL;
	ck_assert_int_eq(custos_role_create(hr, &ro), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_team_create(NULL, hr, "east"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_set_disabled(hr, "harriet", 1), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_set_disabled(hr, "mona", 1), CUSTOS_EDENIED);  /* holds more */
	ck_assert_int_eq(custos_principal_set_disabled(hr, "rep_s", 1), CUSTOS_EDENIED); /* other team */
	custos_ctx_free(hr);
}
END_TEST

/* Nobody may disable or demote itself, so whoever disables an administrator still manages
 * access afterwards: the store can never be left without one. */
START_TEST(someone_always_remains_who_manages_access)
{
	custos_ctx *root2, *admin;

	ck_assert_int_eq(custos_principal_create(NULL, W.t.ctx, "root2", "admin", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(W.t.ctx, "admin", 1), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_set_role(W.t.ctx, "admin", "sales"), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_ctx_open(&root2, W.t.db, "root2"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(root2, "admin", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&admin, W.t.db, "admin"), CUSTOS_EDENIED);
	ck_assert_ptr_null(admin);
	ck_assert_int_eq(custos_principal_set_disabled(root2, "root2", 1), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_set_disabled(root2, "admin", 0), CUSTOS_OK);
	/* The old administrator context saw its principal change: it stops until reopened. */
	ck_assert_int_eq(custos_principal_set_disabled(W.t.ctx, "root2", 1), CUSTOS_ESTATE);
	ck_assert_int_eq(custos_ctx_open(&admin, W.t.db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(admin, "root2", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(root2, "admin", 1), CUSTOS_ESTATE);
	custos_ctx_free(admin);
	custos_ctx_free(root2);
}
END_TEST

START_TEST(contexts_stop_when_rights_change)
{
	custos_ctx *again;
	uint64_t n;

	ck_assert_int_eq(custos_principal_set_role(W.t.ctx, "rep_a", "support"), CUSTOS_OK);
	ck_assert_int_eq(count_of(REP_A, &n), CUSTOS_ESTATE);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "open a new context"));
	ck_assert_int_eq(count_of(REP_B, &n), CUSTOS_OK);  /* other principals are unaffected */
	ck_assert_int_eq(custos_ctx_open(&again, W.t.db, "rep_a"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, again), CUSTOS_OK);
	ck_assert_uint_eq(n, 4);  /* support reaches everyone */
	custos_ctx_free(again);
	ck_assert_int_eq(custos_principal_set_disabled(W.t.ctx, "rep_b", 1), CUSTOS_OK);
	ck_assert_int_eq(count_of(REP_B, &n), CUSTOS_ESTATE);
	ck_assert_int_eq(custos_ctx_open(&again, W.t.db, "rep_b"), CUSTOS_EDENIED);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "disabled"));
	ck_assert_int_eq(custos_principal_set_disabled(W.t.ctx, "rep_b", 0), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&again, W.t.db, "rep_b"), CUSTOS_OK);
	custos_ctx_free(again);
}
END_TEST

/* A context opened before its principal was demoted or disabled: every public call that
 * takes it answers CUSTOS_ESTATE, whether it reads customers, the log, the schema or the
 * rights, or writes, and so do iterators made through it before the change. */
static void every_call_is_stale(custos_ctx *x, custos_iter *it, custos_audit_iter *ait)
{
	custos_role_options ro = CUSTOS_ROLE_OPTIONS_INIT;
	custos_field_options fo = CUSTOS_FIELD_OPTIONS_INIT;
	custos_customer *c = NULL, *patch = t_person(W.t.ctx, "Zed", NULL), *batch[1] = { patch };
	custos_audit_entry *e = NULL;
	custos_review *review = NULL;
	custos_schema *schema = NULL;
	custos_secret *secret = t_secret();
	custos_buf buf = CUSTOS_BUF_INIT;
	uint32_t ops;
	int scope, vis[CUSTOS_CLASS_COUNT];
	uint64_t n, bad;
	custos_iter *it2 = NULL;
	custos_audit_iter *ait2 = NULL;

	ro.name = "newrole";
	fo.name = "loyalty";
	fo.type = CUSTOS_TYPE_TEXT;
#define STALE(call) do { \
		int rc_ = (call); \
		ck_assert_msg(rc_ == CUSTOS_ESTATE, "%s: %d %s", #call, rc_, custos_error_last()); \
	} while (0)
	STALE(custos_customer_new(&c, x));
	STALE(custos_customer_create(NULL, x, patch));
	STALE(custos_customer_create_many(NULL, x, batch, 1));
	STALE(custos_customer_lookup(&c, x, W.c_a));
	STALE(custos_customer_update(x, W.c_a, patch));
	STALE(custos_customer_update_if(x, W.c_a, 2, patch));
	STALE(custos_principal_name(&buf, x, 1));
	STALE(custos_team_name(&buf, x, 1));
	STALE(custos_customer_reassign(x, W.c_a, "rep_b"));
	STALE(custos_customer_reassign_all(&n, x, "rep_a", "rep_b"));
	STALE(custos_customer_count(&n, x));
	STALE(custos_customer_list(&it2, x, NULL));
	STALE(custos_customer_find(&it2, x, "email", "chan@example.com"));
	STALE(custos_iter_next(&c, it));
	STALE(custos_iter_next_id(&n, it));
	STALE(custos_team_create(NULL, x, "east"));
	STALE(custos_role_create(x, &ro));
	STALE(custos_role_describe(&ops, &scope, vis, CUSTOS_CLASS_COUNT, x, "sales"));
	STALE(custos_principal_create(NULL, x, "newbie", "sales", NULL));
	STALE(custos_principal_set_role(x, "rep_b", "support"));
	STALE(custos_principal_set_team(x, "rep_b", "south"));
	STALE(custos_principal_set_disabled(x, "rep_b", 1));
	STALE(custos_access_review(&review, x, 30));
	STALE(custos_audit_flush(x));
	STALE(custos_audit_checkpoint(x));
	STALE(custos_audit_public_key(&buf, x));
	STALE(custos_audit_verify(&bad, x, 0, NULL, 0));
	STALE(custos_audit_read(&ait2, x, 0));
	STALE(custos_audit_next(&e, ait));
	STALE(custos_db_check(x));
	STALE(custos_db_rebuild_indexes(x));
	STALE(custos_db_rekey(x, secret));
	STALE(custos_schema_add_field(x, &fo));
	STALE(custos_schema_set_field_flags(x, "phone", CUSTOS_FIELD_SEARCHABLE));
	STALE(custos_schema_add_enum_value(x, "type", "partner"));
	STALE(custos_schema_set_default_region(x, "SG"));
	STALE(custos_schema_renormalize(x, &n, &n));
	STALE(custos_schema_get(&schema, x));
#undef STALE
	ck_assert_ptr_null(c);
	ck_assert_ptr_null(it2);
	ck_assert_ptr_null(ait2);
	ck_assert_ptr_null(review);
	ck_assert_ptr_null(schema);
	ck_assert_ptr_null(e);
	custos_customer_free(patch);
	custos_secret_free(secret);
}

static void stale_after(int (*revoke)(void))
{
	custos_ctx *rosa = NULL;
	custos_iter *it = NULL;
	custos_audit_iter *ait = NULL;

	make_principal("rosa", "admin", NULL);
	ck_assert_int_eq(custos_ctx_open(&rosa, W.t.db, "rosa"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_list(&it, rosa, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&ait, rosa, 0), CUSTOS_OK);
	ck_assert_int_eq(revoke(), CUSTOS_OK);
	every_call_is_stale(rosa, it, ait);
	custos_iter_free(it);
	custos_audit_iter_free(ait);
	custos_ctx_free(rosa);
}

static int demote_rosa(void)
{
	return custos_principal_set_role(W.t.ctx, "rosa", "sales");
}

static int disable_rosa(void)
{
	return custos_principal_set_disabled(W.t.ctx, "rosa", 1);
}

START_TEST(every_call_through_a_demoted_principals_context_is_refused)
{
	stale_after(demote_rosa);
}
END_TEST

START_TEST(every_call_through_a_disabled_principals_context_is_refused)
{
	stale_after(disable_rosa);
}
END_TEST

START_TEST(grant_calls_check_their_arguments)
{
	custos_role_options ro;
	uint32_t ops;
	int scope, vis[CUSTOS_CLASS_COUNT];
	static const int bad_vis[3] = { CUSTOS_VIS_CLEAR, CUSTOS_VIS_MASKED, 9 };

	ck_assert_int_eq(custos_team_create(NULL, W.t.ctx, "north"), CUSTOS_EEXISTS);
	ck_assert_int_eq(custos_team_create(NULL, W.t.ctx, "with space"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_team_create(NULL, W.t.ctx, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_principal_create(NULL, W.t.ctx, "rep_a", "sales", NULL), CUSTOS_EEXISTS);
	ck_assert_int_eq(custos_principal_create(NULL, W.t.ctx, "new", "nosuchrole", NULL), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_principal_create(NULL, W.t.ctx, "new", "sales", "nosuchteam"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_principal_set_role(W.t.ctx, "ghost", "sales"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_principal_set_team(W.t.ctx, "rep_a", "south"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(W.t.ctx, "rep_a", 2), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_role_options_init(&ro, CUSTOS_ROLE_OPTIONS_VERSION), CUSTOS_OK);
	ro.name = "badscope";
	ro.scope = 7;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_EINVALID);
	ro.scope = CUSTOS_SCOPE_OWN;
	ro.visibility = bad_vis;
	ro.visibility_count = 3;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "role 'badscope': 9 is not a visibility");
	ro.visibility_count = CUSTOS_CLASS_COUNT + 1;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_EINVALID);
	ro.visibility = NULL;
	ro.visibility_count = 2;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_EINVALID);
	ro.visibility_count = 0;
	ro.version = 0;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_role_create(W.t.ctx, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_role_create(W.t.ctx, &(custos_role_options)CUSTOS_ROLE_OPTIONS_INIT), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_role_describe(&ops, &scope, vis, CUSTOS_CLASS_COUNT, W.t.ctx, "support"), CUSTOS_OK);
	ck_assert_uint_eq(ops, CUSTOS_OP_READ | CUSTOS_OP_UPDATE);
	ck_assert_int_eq(scope, CUSTOS_SCOPE_ALL);
	ck_assert_int_eq(vis[CUSTOS_CLASS_CONTACT], CUSTOS_VIS_MASKED);
	ck_assert_int_eq(vis[CUSTOS_CLASS_ADDRESS], CUSTOS_VIS_HIDDEN);
	/* A shorter array gets only its classes. */
	vis[CUSTOS_CLASS_CONTACT] = -1;
	ck_assert_int_eq(custos_role_describe(NULL, NULL, vis, 2, W.t.ctx, "support"), CUSTOS_OK);
	ck_assert_int_eq(vis[CUSTOS_CLASS_NAME], CUSTOS_VIS_CLEAR);
	ck_assert_int_eq(vis[CUSTOS_CLASS_CONTACT], -1);
	ck_assert_int_eq(custos_role_describe(&ops, &scope, vis, CUSTOS_CLASS_COUNT, W.t.ctx, "none"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_ctx_can(W.ctx[SUPPORT], CUSTOS_OP_UPDATE), 1);
	ck_assert_int_eq(custos_ctx_can(W.ctx[SUPPORT], CUSTOS_OP_UPDATE | CUSTOS_OP_CREATE), 0);
	ck_assert_int_eq(custos_ctx_can(NULL, CUSTOS_OP_READ), 0);
}
END_TEST

/* Every enumeration of the API has names both ways, so bindings need no macros. */
START_TEST(scope_visibility_action_and_grant_names_round_trip)
{
	static const struct {
		const char *(*name)(int);
		int (*parse)(int *, const char *);
		int lo, hi;
		const char *first, *last;
	} kinds[] = {
		{ custos_scope_name, custos_scope_parse, CUSTOS_SCOPE_OWN, CUSTOS_SCOPE_ALL, "own", "all" },
		{ custos_visibility_name, custos_visibility_parse, CUSTOS_VIS_HIDDEN, CUSTOS_VIS_CLEAR, "hidden", "clear" },
		{ custos_audit_action_name, custos_audit_action_parse, CUSTOS_AUDIT_CREATE, CUSTOS_AUDIT_EXPORT, "create",
		  "export" },
		{ custos_grant_change_name, custos_grant_change_parse, CUSTOS_GRANT_PRINCIPAL_CREATED,
		  CUSTOS_GRANT_ROLE_CREATED, "principal_created", "role_created" },
	};
	int v;

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		ck_assert_str_eq(kinds[k].name(kinds[k].lo), kinds[k].first);
		ck_assert_str_eq(kinds[k].name(kinds[k].hi), kinds[k].last);
		for (int x = kinds[k].lo; x <= kinds[k].hi; x++) {
			ck_assert_ptr_nonnull(kinds[k].name(x));
			ck_assert_int_eq(kinds[k].parse(&v, kinds[k].name(x)), CUSTOS_OK);
			ck_assert_int_eq(v, x);
		}
		ck_assert_ptr_null(kinds[k].name(kinds[k].lo - 1));
		ck_assert_ptr_null(kinds[k].name(kinds[k].hi + 1));
		ck_assert_int_eq(kinds[k].parse(&v, "nonsense"), CUSTOS_EINVALID);
		ck_assert_int_eq(kinds[k].parse(NULL, kinds[k].first), CUSTOS_EINVALID);
		ck_assert_int_eq(kinds[k].parse(&v, NULL), CUSTOS_EINVALID);
	}
	ck_assert_str_eq(custos_grant_change_name(CUSTOS_GRANT_ROLE_CHANGED), "role_changed");
	ck_assert_uint_eq(custos_class_count(), CUSTOS_CLASS_COUNT);
	ck_assert_uint_eq(custos_audit_hash_bytes(), 32);
}
END_TEST

/* Owners, teams and actors are ids: whoever reads customers, counts, the log or rights can
 * name them; a role with none of those cannot. */
START_TEST(principal_and_team_names_of_ids)
{
	custos_role_options ro = CUSTOS_ROLE_OPTIONS_INIT;
	custos_buf b = CUSTOS_BUF_INIT;
	custos_customer *c = NULL;
	custos_ctx *keeper = NULL;

	ck_assert_int_eq(custos_customer_lookup(&c, W.ctx[REP_A], W.c_a), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_name(&b, W.ctx[REP_A], custos_customer_owner(c)), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "rep_a");
	ck_assert_uint_eq(b.size, 5);
	ck_assert_int_eq(custos_team_name(&b, W.ctx[REP_A], custos_customer_team(c)), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "north");
	custos_customer_free(c);
	ck_assert_int_eq(custos_principal_name(&b, W.ctx[AUDITOR], 1), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "admin");
	ck_assert_int_eq(custos_team_name(&b, W.ctx[ANALYST], 2), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "south");
	ck_assert_int_eq(custos_principal_name(&b, W.ctx[ADMIN], 999), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(b.ptr);
	ck_assert_int_eq(custos_team_name(&b, W.ctx[ADMIN], 0), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_team_name(&b, W.ctx[ADMIN], 99), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_principal_name(NULL, W.ctx[ADMIN], 1), CUSTOS_EINVALID);
	ro.name = "keeper";
	ro.operations = CUSTOS_OP_SCHEMA;
	ck_assert_int_eq(custos_role_create(W.t.ctx, &ro), CUSTOS_OK);
	make_principal("kim", "keeper", NULL);
	ck_assert_int_eq(custos_ctx_open(&keeper, W.t.db, "kim"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_name(&b, keeper, 1), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_team_name(&b, keeper, 1), CUSTOS_EDENIED);
	custos_ctx_free(keeper);
	custos_buf_dispose(&b);
}
END_TEST

START_TEST(operation_names_round_trip)
{
	uint32_t op;

	for (uint32_t bit = 1; bit <= CUSTOS_OP_REASSIGN; bit <<= 1) {
		const char *name = custos_operation_name(bit);
		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(custos_operation_parse(&op, name), CUSTOS_OK);
		ck_assert_uint_eq(op, bit);
	}
	ck_assert_ptr_null(custos_operation_name(CUSTOS_OP_READ | CUSTOS_OP_CREATE));
	ck_assert_ptr_null(custos_operation_name(0));
	ck_assert_int_eq(custos_operation_parse(&op, "fly"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_operation_parse(NULL, "read"), CUSTOS_EINVALID);
}
END_TEST

/* ---- the review ---- */

static size_t row_of(const custos_review *r, const char *name)
{
	for (size_t i = 0; i < custos_review_count(r); i++)
		if (!strcmp(custos_review_principal(r, i), name))
			return i;
	ck_abort_msg("no row for %s", name);
	return 0;
}

START_TEST(the_review_lists_rights_and_what_went_unused)
{
	custos_review *r;
	size_t i;

	ck_assert_int_eq(custos_audit_flush(W.t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_access_review(&r, W.ctx[AUDITOR], 30), CUSTOS_OK);
	ck_assert_uint_eq(custos_review_count(r), NROLES);
	i = row_of(r, "rep_a");
	ck_assert_str_eq(custos_review_role(r, i), "sales");
	ck_assert_str_eq(custos_review_team(r, i), "north");
	ck_assert_uint_eq(custos_review_scope(r, i), CUSTOS_SCOPE_OWN);
	ck_assert_int_eq(custos_review_visibility(r, i, CUSTOS_CLASS_IDENTITY), CUSTOS_VIS_MASKED);
	ck_assert_int_eq(custos_review_visibility(r, i, CUSTOS_CLASS_FINANCIAL), CUSTOS_VIS_HIDDEN);
	ck_assert_int_gt(custos_review_last_active(r, i), 1700000000);
	/* rep_a created a customer today and never archived, read or reported. */
	ck_assert_uint_eq(custos_review_unused(r, i) & CUSTOS_OP_CREATE, 0);
	ck_assert_uint_eq(custos_review_unused(r, i) & CUSTOS_OP_ARCHIVE, CUSTOS_OP_ARCHIVE);
	i = row_of(r, "ana");
	ck_assert_int_eq(custos_review_last_active(r, i), 0);
	ck_assert_uint_eq(custos_review_unused(r, i), CUSTOS_OP_REPORT);
	ck_assert_int_eq(custos_review_disabled(r, i), 0);
	ck_assert_str_eq(custos_review_team(r, i), "");
	ck_assert_ptr_null(custos_review_principal(r, 99));
	ck_assert_uint_eq(custos_review_count(NULL), 0);
	custos_review_free(r);
	ck_assert_int_eq(custos_access_review(&r, W.ctx[REP_A], 30), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_access_review(NULL, W.ctx[AUDITOR], 30), CUSTOS_EINVALID);
}
END_TEST

static Suite *access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("matrix");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, get_follows_scope_for_every_role);
	tcase_add_test(tc, out_of_scope_looks_exactly_like_missing);
	tcase_add_test(tc, count_follows_scope_and_needs_read_or_report);
	tcase_add_test(tc, lists_hold_exactly_the_customers_in_scope);
	tcase_add_test(tc, find_hides_customers_out_of_scope_like_missing_ones);
	tcase_add_test(tc, updates_need_scope_the_operation_and_a_clear_view);
	tcase_add_test(tc, creating_needs_the_operation_and_the_creator_owns_the_customer);
	tcase_add_test(tc, administration_calls_need_their_operation);
	tcase_add_test(tc, every_path_shows_the_same_view);
	tcase_add_test(tc, batches_and_reassignment_need_their_operations);
	suite_add_tcase(s, tc);
	tc = tcase_create("visibility");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, support_sees_contact_details_masked_and_address_hidden);
	tcase_add_test(tc, sales_sees_its_customers_with_identity_masked_and_finance_hidden);
	tcase_add_test(tc, a_role_with_names_masked_sees_initials_and_typed_getters_refuse_masks);
	tcase_add_test(tc, a_chinese_name_shows_its_family_name_and_nothing_of_the_given_name);
	tcase_add_test(tc, other_names_show_initials_whatever_space_separates_them);
	tcase_add_test(tc, company_address_and_custom_text_show_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("ownership");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reassignment_moves_the_customer_out_of_the_old_owners_reach);
	tcase_add_test(tc, when_a_rep_leaves_all_their_customers_move);
	tcase_add_test(tc, a_forged_owner_index_entry_grants_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("grants");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_principal_raises_its_own_rights_or_grants_more_than_it_holds);
	tcase_add_test(tc, someone_always_remains_who_manages_access);
	tcase_add_test(tc, contexts_stop_when_rights_change);
	tcase_add_test(tc, every_call_through_a_demoted_principals_context_is_refused);
	tcase_add_test(tc, every_call_through_a_disabled_principals_context_is_refused);
	tcase_add_test(tc, grant_calls_check_their_arguments);
	tcase_add_test(tc, operation_names_round_trip);
	tcase_add_test(tc, principal_and_team_names_of_ids);
	tcase_add_test(tc, scope_visibility_action_and_grant_names_round_trip);
	tcase_add_test(tc, the_review_lists_rights_and_what_went_unused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(access_suite());
}
