/*
 * tests/check_alloc.c — allocation failure at every point of every public operation
 * (SQLite's countdown): the Nth allocation fails for N = 1, 2, 3 ... until the call
 * succeeds. Every failure must be CUSTOS_ENOMEM, must leave the store exactly as it was,
 * and must leak nothing (LeakSanitizer checks that in the sanitizer build).
 */
#include <string.h>

#include "support.h"
#include "util/alloc.h"

/* Run `call` with the Nth allocation failing until it succeeds; for writes, `t` is
 * checked to be unchanged after every failure. Returns how many injections it took. */
#define FAULTS(t, call, failures) do { \
		t_store *t_ = (t); \
		int rc_; \
		unsigned char before_[32], after_[32]; \
		for (long n_ = 1;; n_++) { \
			if (t_) t_digest(t_->be, before_); \
			cu_alloc_fail_after(n_, 0); \
			rc_ = (call); \
			cu_alloc_fail_after(0, 0); \
			if (rc_ == CUSTOS_OK) { \
				(failures) = n_ - 1; \
				break; \
			} \
			ck_assert_msg(rc_ == CUSTOS_ENOMEM, "allocation %ld: %s: %s", n_, custos_error_name(rc_), \
				custos_error_last()); \
			if (t_) { \
				t_digest(t_->be, after_); \
				ck_assert_msg(memcmp(before_, after_, 32) == 0, "allocation %ld changed the store", n_); \
			} \
			ck_assert_int_lt(n_, 100000); \
		} \
	} while (0)

static t_store T;
static long F;

static void setup(void) { t_store_open(&T, "memory"); }
static void teardown(void) { t_store_close(&T); }

START_TEST(opening_and_creating_a_store)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db = NULL;

	o.flags = CUSTOS_OPEN_CREATE;
	FAULTS((t_store *)NULL, custos_db_open(&db, "memory:", s, &o), F);
	ck_assert_int_gt(F, 5);
	custos_db_close(db);
	custos_secret_free(s);
}
END_TEST

START_TEST(reopening_an_lmdb_store)
{
	t_store t;
	custos_secret *s = t_secret();
	custos_db *db = NULL;
	char uri[300];

	t_store_open(&t, "lmdb");
	t_create(t.ctx, "Stored", "stored@example.com");
	custos_ctx_free(t.ctx);
	custos_db_close(t.db);
	snprintf(uri, sizeof uri, "lmdb:%s/store", t.dir);
	FAULTS((t_store *)NULL, custos_db_open(&db, uri, s, NULL), F);
	ck_assert_int_gt(F, 3);
	custos_db_close(db);
	custos_secret_free(s);
	t_rmtree(t.dir);
}
END_TEST

START_TEST(opening_a_context)
{
	custos_ctx *ctx = NULL;

	FAULTS((t_store *)NULL, custos_ctx_open(&ctx, T.db, "admin"), F);
	ck_assert_int_gt(F, 0);
	custos_ctx_free(ctx);
}
END_TEST

START_TEST(setting_values)
{
	custos_customer *c = NULL;

	FAULTS((t_store *)NULL, custos_customer_new(&c, T.ctx), F);
	FAULTS((t_store *)NULL, custos_customer_set_text(c, "email", " Ren\xC3\xA9" "e\xCC\x81@Example.COM"), F);
	ck_assert_int_gt(F, 2);
	FAULTS((t_store *)NULL, custos_customer_add_tag(c, "tags", "vip"), F);
	FAULTS((t_store *)NULL, custos_customer_set_text(c, "stage", "won"), F);
	custos_customer_free(c);
}
END_TEST

START_TEST(creating_customers)
{
	custos_customer *one = t_person(T.ctx, "Ada", "ada@example.com"), *batch[5];
	uint64_t n;

	ck_assert_int_eq(custos_customer_add_tag(one, "tags", "vip"), CUSTOS_OK);
	FAULTS(&T, custos_customer_create(NULL, T.ctx, one), F);
	ck_assert_int_gt(F, 5);
	for (int i = 0; i < 5; i++)
		batch[i] = t_person(T.ctx, "Batch", NULL);
	FAULTS(&T, custos_customer_create_many(NULL, T.ctx, batch, 5), F);
	ck_assert_int_eq(custos_customer_count(&n, T.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 6);
	for (int i = 0; i < 5; i++)
		custos_customer_free(batch[i]);
	custos_customer_free(one);
}
END_TEST

START_TEST(reading_customers)
{
	custos_customer *c = NULL;
	uint64_t id = t_create(T.ctx, "Bea", "bea@example.com");

	FAULTS((t_store *)NULL, custos_customer_lookup(&c, T.ctx, id), F);
	ck_assert_int_gt(F, 2);
	custos_customer_free(c);
}
END_TEST

START_TEST(updating_customers)
{
	custos_customer *patch;
	uint64_t id = t_create(T.ctx, "Cai", "cai@example.com");

	patch = t_person(T.ctx, "Cai Lun", "cai.lun@example.com");
	ck_assert_int_eq(custos_customer_add_tag(patch, "tags", "moved"), CUSTOS_OK);
	FAULTS(&T, custos_customer_update(T.ctx, id, patch), F);
	ck_assert_int_gt(F, 5);
	custos_customer_free(patch);
}
END_TEST

static int find_first(const char *email, uint64_t *id)
{
	custos_customer *c = NULL;
	custos_iter *it = NULL;
	int rc = custos_customer_find(&it, T.ctx, "email", email);

	if (rc == CUSTOS_OK)
		rc = custos_iter_next(&c, it);
	if (rc == CUSTOS_OK)
		*id = custos_customer_id(c);
	custos_customer_free(c);
	custos_iter_free(it);
	return rc;
}

static int list_all(uint64_t *seen)
{
	custos_iter *it = NULL;
	custos_customer *c;
	int rc = custos_customer_list(&it, T.ctx, NULL);

	*seen = 0;
	while (rc == CUSTOS_OK && (rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
		custos_customer_free(c);
		(*seen)++;
	}
	custos_iter_free(it);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

START_TEST(finding_and_listing)
{
	uint64_t id = 0, seen = 0, want;

	for (int i = 0; i < 3; i++)
		t_create(T.ctx, "Listed", NULL);
	want = t_create(T.ctx, "Dev", "dev@example.com");
	FAULTS((t_store *)NULL, find_first("DEV@example.com", &id), F);
	ck_assert_uint_eq(id, want);
	FAULTS((t_store *)NULL, list_all(&seen), F);
	ck_assert_uint_eq(seen, 4);
}
END_TEST

START_TEST(changing_the_schema)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	custos_schema *s = NULL;

	t_create(T.ctx, "Eve", "eve@example.com");
	t_create(T.ctx, "Fay", "fay@example.com");
	o.name = "tier";
	o.type = CUSTOS_TYPE_ENUM;
	o.enum_values = "bronze,silver,gold";
	FAULTS(&T, custos_schema_add_field(T.ctx, &o), F);
	ck_assert_int_gt(F, 3);
	FAULTS(&T, custos_schema_add_enum_value(T.ctx, "tier", "platinum"), F);
	FAULTS(&T, custos_schema_set_field_flags(T.ctx, "company", CUSTOS_FIELD_SEARCHABLE), F);
	FAULTS(&T, custos_schema_set_field_flags(T.ctx, "email", CUSTOS_FIELD_UNIQUE), F);
	FAULTS((t_store *)NULL, custos_schema_get(&s, T.ctx), F);
	ck_assert_uint_eq(custos_schema_version(s), 5);
	custos_schema_free(s);
}
END_TEST

START_TEST(changing_the_secret)
{
	unsigned char other[32];
	custos_secret *s = NULL;

	memset(other, 0x5A, sizeof other);
	FAULTS((t_store *)NULL, custos_secret_key(&s, other, sizeof other), F);
	FAULTS(&T, custos_db_rekey(T.ctx, s), F);
	custos_secret_free(s);
}
END_TEST

START_TEST(checking_and_rebuilding_the_indexes)
{
	int rc;

	t_create(T.ctx, "Ada", "ada@example.com");
	t_create(T.ctx, "Bo", "bo@example.com");
	FAULTS(&T, custos_db_check(T.ctx), F);
	ck_assert_int_gt(F, 3);
	/* A rebuild spans transactions: one cut short by a failed allocation leaves entries
	 * missing, never a wrong one, and the next rebuild finishes the work. */
	for (long n = 1;; n++) {
		cu_alloc_fail_after(n, 0);
		rc = custos_db_rebuild_indexes(T.ctx);
		cu_alloc_fail_after(0, 0);
		if (rc == CUSTOS_OK)
			break;
		ck_assert_msg(rc == CUSTOS_ENOMEM, "allocation %ld: %s: %s", n, custos_error_name(rc), custos_error_last());
		ck_assert_msg(custos_db_rebuild_indexes(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
		ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "after allocation %ld: %s", n, custos_error_last());
		ck_assert_int_lt(n, 100000);
	}
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("countdown");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, opening_and_creating_a_store);
	tcase_add_test(tc, reopening_an_lmdb_store);
	suite_add_tcase(s, tc);
	tc = tcase_create("operations");
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, opening_a_context);
	tcase_add_test(tc, setting_values);
	tcase_add_test(tc, creating_customers);
	tcase_add_test(tc, reading_customers);
	tcase_add_test(tc, updating_customers);
	tcase_add_test(tc, finding_and_listing);
	tcase_add_test(tc, changing_the_schema);
	tcase_add_test(tc, changing_the_secret);
	tcase_add_test(tc, checking_and_rebuilding_the_indexes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(alloc_suite());
}
