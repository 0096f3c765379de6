/*
 * tests/check_alloc.c — allocation failure at every point of every public operation
 * (SQLite's countdown): the Nth allocation fails for N = 1, 2, 3 ... until the call
 * succeeds. Every failure must be CUSTOS_ENOMEM, must leave the store exactly as it was,
 * and must leak nothing (LeakSanitizer checks that in the sanitizer build).
 */
#include <string.h>

#include <errno.h>
#include <stdlib.h>

#include <sodium.h>

#include "faults.h"
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

	FAULTS((t_store *)NULL, custos_customer_get(&c, T.ctx, id), F);
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

/* The ids an iterator still has, into seen[*k]; returns the code that ended it. */
static int drain(custos_iter *it, uint64_t *seen, size_t *k, size_t max)
{
	custos_customer *c;
	int rc;

	while ((rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
		if (*k < max)  /* no ck_assert while a countdown is armed: Check allocates */
			seen[*k] = custos_customer_id(c);
		(*k)++;
		custos_customer_free(c);
	}
	return rc;
}

/* A page that fails half read is read again whole by the next call: a list or a find that
 * goes on after a failure skips nothing and repeats nothing. */
START_TEST(an_iterator_goes_on_after_a_failed_page)
{
	uint64_t want[3], seen[8];
	long injected = 1;
	custos_iter *it;
	size_t k;
	int rc;

	for (int i = 0; i < 3; i++)
		want[i] = t_create(T.ctx, "Listed", "listed@example.com");
	for (long n = 1; injected; n++) {
		it = NULL;
		k = 0;
		if (_i)
			ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "listed@example.com"), CUSTOS_OK);
		else
			ck_assert_int_eq(custos_customer_list(&it, T.ctx, NULL), CUSTOS_OK);
		cu_alloc_fail_after(n, 0);
		rc = drain(it, seen, &k, 8);
		injected = cu_alloc_failures();
		cu_alloc_fail_after(0, 0);
		if (rc != CUSTOS_ITEROVER) {
			ck_assert_int_eq(rc, CUSTOS_ENOMEM);
			ck_assert_int_eq(drain(it, seen, &k, 8), CUSTOS_ITEROVER);
		}
		ck_assert_uint_eq(k, 3);
		ck_assert_mem_eq(seen, want, sizeof want);
		custos_iter_free(it);
		ck_assert_int_lt(n, 10000);
	}
}
END_TEST

/* Audit entries from seq *last + 1 on: counts those not in order into *gaps. */
static int read_entries(custos_audit_iter *it, uint64_t *last, long *gaps)
{
	custos_audit_entry *e;
	int rc;

	while ((rc = custos_audit_next(&e, it)) == CUSTOS_OK) {
		*gaps += custos_audit_entry_seq(e) != *last + 1;
		*last = custos_audit_entry_seq(e);
		custos_audit_entry_free(e);
	}
	return rc;
}

/* A store whose log holds more than a page of entries (256): reads of one customer. */
static void long_log(t_store *t)
{
	custos_customer *c;
	uint64_t id;

	t_store_open(t, "memory");
	id = t_create(t->ctx, "Logged", NULL);
	for (int i = 0; i < 270; i++) {
		ck_assert_int_eq(custos_customer_get(&c, t->ctx, id), CUSTOS_OK);
		custos_customer_free(c);
	}
	ck_assert_int_eq(custos_audit_flush(t->ctx), CUSTOS_OK);
}

/* The audit log read on after a failed page goes on where it was: every entry, each once.
 * (Reading the log adds to it, so every run starts on a new store.) */
START_TEST(reading_the_log_goes_on_after_a_failed_page)
{
	long injected = 1, gaps;
	custos_audit_iter *it;
	uint64_t last;
	t_store t;
	int rc;

	for (long n = 1; injected; n++) {
		long_log(&t);
		ck_assert_int_eq(custos_audit_read(&it, t.ctx, 0), CUSTOS_OK);
		last = 0;
		gaps = 0;
		cu_alloc_fail_after(n, 0);
		rc = read_entries(it, &last, &gaps);
		injected = cu_alloc_failures();
		cu_alloc_fail_after(0, 0);
		if (rc != CUSTOS_ITEROVER) {
			ck_assert_int_eq(rc, CUSTOS_ENOMEM);
			ck_assert_int_eq(read_entries(it, &last, &gaps), CUSTOS_ITEROVER);
		}
		ck_assert_int_eq(gaps, 0);
		ck_assert_uint_gt(last, 256);
		custos_audit_iter_free(it);
		t_store_close(&t);
		ck_assert_int_lt(n, 10000);
	}
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
	ck_assert_int_eq(F, 2);  /* the secret and its bytes, both guarded memory */
	FAULTS(&T, custos_db_rekey(T.ctx, s), F);
	custos_secret_free(s);
}
END_TEST

/* ---- the interposer (faults.c) ---- */

/* No ck_assert while a countdown is armed: Check allocates too. */
START_TEST(the_countdown_reaches_libc_and_libsodium)
{
	void *p, *q, *g;
	long injected;
	char *d;
	int rc;

	if (!t_faults_everywhere()) {
		printf("skipped: %s\n", t_faults_reach());
		return;
	}
	ck_assert_int_ge(sodium_init(), 0);
	t_fault_arm(1, 0);
	d = strdup("libc allocates this");
	injected = t_fault_disarm();
	ck_assert_ptr_null(d);
	ck_assert_int_eq(injected, 1);
	t_fault_arm(2, 0);  /* transient: only the second fails */
	p = malloc(8);
	q = calloc(1, 8);
	g = sodium_malloc(8);
	injected = t_fault_disarm();
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(q);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(injected, 1);
	t_fault_arm(1, 1);  /* persistent: the first and every later one */
	q = realloc(p, 64);
	rc = posix_memalign(&p, 64, 8);
	d = sodium_malloc(8);
	injected = t_fault_disarm();
	ck_assert_ptr_null(q);
	ck_assert_int_eq(rc, ENOMEM);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(injected, 3);
	free(q ? q : p);  /* a failed realloc left the block as it was */
	sodium_free(g);
}
END_TEST

START_TEST(live_allocations_are_counted_by_what_was_asked)
{
	t_live before, now;
	void *p, *g;

	if (!t_faults_everywhere()) {
		printf("skipped: %s\n", t_faults_reach());
		return;
	}
	ck_assert_int_ge(sodium_init(), 0);
	before = t_fault_live();
	p = malloc(10);
	g = sodium_malloc(100);
	now = t_fault_live();
	ck_assert_int_eq(now.count, before.count + 2);
	ck_assert_uint_eq(now.bytes, before.bytes + 110);
	p = realloc(p, 50);
	now = t_fault_live();
	ck_assert_int_eq(now.count, before.count + 2);
	ck_assert_uint_eq(now.bytes, before.bytes + 150);
	free(p);
	sodium_free(g);
	now = t_fault_live();
	ck_assert_int_eq(now.count, before.count);
	ck_assert_uint_eq(now.bytes, before.bytes);
}
END_TEST

/* LMDB's own allocations fail as CUSTOS_ENOMEM, not as an I/O error. */
START_TEST(lmdb_out_of_memory_is_enomem)
{
	custos_secret *s = t_secret();
	long injected = 1, failed = 0;
	custos_db *db;
	char uri[300];
	t_store t;
	int rc;

	t_store_open(&t, "lmdb");
	custos_ctx_free(t.ctx);
	custos_db_close(t.db);
	snprintf(uri, sizeof uri, "lmdb:%s/store", t.dir);
	for (long n = 1; injected; n++) {
		db = NULL;
		t_fault_arm(n, 0);
		rc = custos_db_open(&db, uri, s, NULL);
		injected = t_fault_disarm();
		ck_assert_msg(rc == CUSTOS_OK || rc == CUSTOS_ENOMEM, "allocation %ld: %s: %s", n, custos_error_name(rc),
			custos_error_last());
		failed += rc != CUSTOS_OK;
		custos_db_close(db);
		ck_assert_int_lt(n, 10000);
	}
	ck_assert_int_gt(failed, 3);
	custos_secret_free(s);
	t_rmtree(t.dir);
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("countdown");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, the_countdown_reaches_libc_and_libsodium);
	tcase_add_test(tc, live_allocations_are_counted_by_what_was_asked);
	tcase_add_test(tc, opening_and_creating_a_store);
	tcase_add_test(tc, reopening_an_lmdb_store);
	tcase_add_test(tc, lmdb_out_of_memory_is_enomem);
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
	tcase_add_loop_test(tc, an_iterator_goes_on_after_a_failed_page, 0, 2);
	tcase_add_test(tc, reading_the_log_goes_on_after_a_failed_page);
	tcase_add_test(tc, changing_the_schema);
	tcase_add_test(tc, changing_the_secret);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(alloc_suite());
}
