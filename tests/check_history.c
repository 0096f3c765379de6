/*
 * check_history — field history: each update records exactly the fields whose values
 * changed, their old values, who and when; listings newest first on every backend (the
 * example backend without a backwards cursor), paged; visibility; restore as an update;
 * refusals that change nothing; tampering; old values never in clear on disk.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"



static void set(custos_ctx *ctx, uint64_t id, const char *field, const char *value)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_new(&c, ctx), CUSTOS_OK);
	if (value)
		ck_assert_msg(custos_customer_set_string(c, field, value) == CUSTOS_OK, "%s", custos_error_last());
	else
		ck_assert_int_eq(custos_customer_unset(c, field), CUSTOS_OK);
	ck_assert_msg(custos_customer_update(ctx, id, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
}

static size_t changes_of(custos_ctx *ctx, uint64_t id, uint32_t before, custos_change **out, size_t max)
{
	custos_history_iter *it = NULL;
	custos_change *ch;
	size_t n = 0;
	int rc;

	ck_assert_msg(custos_history_list(&it, ctx, id, before) == CUSTOS_OK, "%s", custos_error_last());
	while ((rc = custos_history_next(&ch, it)) == CUSTOS_OK) {
		ck_assert_uint_lt(n, max);
		out[n++] = ch;
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_history_iter_free(it);
	return n;
}

static void free_changes(custos_change **c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		custos_change_free(c[i]);
}

/* The old value of `field` in change ch: its text, or NULL with *rc set. */
static void expect_old(const custos_change *ch, const char *field, int code, const char *want)
{
	custos_buf b = CUSTOS_BUF_INIT;
	size_t i;

	for (i = 0; i < custos_change_field_count(ch); i++)
		if (!strcmp(custos_change_field(ch, i), field))
			break;
	ck_assert_msg(i < custos_change_field_count(ch), "version %u did not change %s", custos_change_version(ch), field);
	ck_assert_int_eq(custos_change_old_value(&b, ch, i), code);
	if (want)
		ck_assert_str_eq((const char *)b.ptr, want);
	custos_buf_dispose(&b);
}

static const char *text_of(custos_ctx *ctx, uint64_t id, const char *field)
{
	static char out[256];
	custos_customer *c = NULL;
	const char *s;

	ck_assert_int_eq(custos_customer_lookup(&c, ctx, id), CUSTOS_OK);
	if (custos_customer_get_text(&s, c, field) == CUSTOS_OK)
		snprintf(out, sizeof out, "%s", s);
	else
		snprintf(out, sizeof out, "(none)");
	custos_customer_free(c);
	return out;
}

START_TEST(updates_record_the_fields_they_changed_and_their_old_values)
{
	custos_change *ch[8];
	time_t before = time(NULL);
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "陳大文", "tai.man@example.com");
	set(t.ctx, id, "email", "taiman.chan@example.hk");
	{
		custos_customer *c = NULL;
		ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 4567"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "company", "陳記有限公司"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "name", "陳大文"), CUSTOS_OK);  /* the same value */
		ck_assert_int_eq(custos_customer_update(t.ctx, id, c), CUSTOS_OK);
		custos_customer_free(c);
	}
	set(t.ctx, id, "name", "陳大文");  /* nothing changes: version 4, no change recorded */
	set(t.ctx, id, "company", NULL);

	ck_assert_uint_eq(changes_of(t.ctx, id, 0, ch, 8), 3);
	ck_assert_uint_eq(custos_change_version(ch[0]), 5);
	ck_assert_uint_eq(custos_change_field_count(ch[0]), 1);
	expect_old(ch[0], "company", CUSTOS_OK, "陳記有限公司");
	ck_assert_uint_eq(custos_change_version(ch[1]), 3);
	ck_assert_uint_eq(custos_change_field_count(ch[1]), 2);  /* phone and company, not name */
	expect_old(ch[1], "phone", CUSTOS_ENOTFOUND, NULL);
	expect_old(ch[1], "company", CUSTOS_ENOTFOUND, NULL);
	ck_assert_uint_eq(custos_change_version(ch[2]), 2);
	expect_old(ch[2], "email", CUSTOS_OK, "tai.man@example.com");
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(custos_change_author(ch[i]), 1);
		ck_assert_int_ge(custos_change_time(ch[i]) / 1000000, (int64_t)before - 1);
		ck_assert_int_le(custos_change_time(ch[i]) / 1000000, (int64_t)time(NULL) + 1);
		ck_assert_int_eq(custos_change_is_masked(ch[i], 0), 0);
	}
	ck_assert_ptr_null(custos_change_field(ch[0], 1));
	{
		custos_buf b = CUSTOS_BUF_INIT;
		ck_assert_int_eq(custos_change_old_value(&b, ch[0], 1), CUSTOS_EINVALID);
		ck_assert_int_eq(custos_change_old_value(NULL, ch[0], 0), CUSTOS_EINVALID);
		ck_assert_int_eq(custos_change_old_value(&b, NULL, 0), CUSTOS_EINVALID);
	}
	free_changes(ch, 3);
	/* Paging: below version 3. */
	ck_assert_uint_eq(changes_of(t.ctx, id, 3, ch, 8), 1);
	ck_assert_uint_eq(custos_change_version(ch[0]), 2);
	free_changes(ch, 1);
	ck_assert_uint_eq(changes_of(t.ctx, id, 1, ch, 8), 0);
	{	/* below version 1 there is nothing, yet the customer must still be in scope */
		custos_history_iter *it = NULL;
		ck_assert_int_eq(custos_history_list(&it, t.ctx, id + 100, 1), CUSTOS_ENOTFOUND);
		ck_assert_ptr_null(it);
	}
	t_store_close(&t);
}
END_TEST

START_TEST(long_histories_list_newest_first_across_pages)
{
	enum { N = 150 };
	static custos_change *ch[N + 1];
	custos_change *one[N + 1];
	char v[32];
	t_store t;
	uint64_t id, other;
	size_t n, total = 0;
	uint32_t before = 0;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Many Changes", NULL);
	other = t_create(t.ctx, "Neighbour", NULL);
	for (int i = 0; i < N; i++) {
		snprintf(v, sizeof v, "company %d", i);
		set(t.ctx, id, "company", v);
		if (i % 10 == 0)
			set(t.ctx, other, "company", v);
	}
	n = changes_of(t.ctx, id, 0, ch, N + 1);
	ck_assert_uint_eq(n, N);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(custos_change_version(ch[i]), N + 1 - i);
		if (i + 1 < n) {
			snprintf(v, sizeof v, "company %zu", N - 2 - i);
			expect_old(ch[i], "company", CUSTOS_OK, v);
		} else {
			expect_old(ch[i], "company", CUSTOS_ENOTFOUND, NULL);
		}
	}
	free_changes(ch, n);
	/* The same by hand, 7 at a time through before_version. */
	do {
		custos_history_iter *it = NULL;
		custos_change *c;
		n = 0;
		ck_assert_int_eq(custos_history_list(&it, t.ctx, id, before), CUSTOS_OK);
		while (n < 7 && custos_history_next(&c, it) == CUSTOS_OK)
			one[n++] = c;
		custos_history_iter_free(it);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_eq(custos_change_version(one[i]), N + 1 - total - i);
			before = custos_change_version(one[i]);
		}
		total += n;
		free_changes(one, n);
	} while (n == 7);
	ck_assert_uint_eq(total, N);
	t_store_close(&t);
}
END_TEST

START_TEST(old_values_follow_the_contexts_visibility)
{
	custos_ctx *sam = NULL, *alice = NULL;
	custos_history_iter *it = NULL;
	custos_change *ch[4];
	t_store t;
	uint64_t id, hers;

	t_store_open_kind(&t, _i);
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "sam", "support", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "alice", "sales", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&sam, t.db, "sam"), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&alice, t.db, "alice"), CUSTOS_OK);
	id = t_create(t.ctx, "Visible Vee", "vee@example.com");
	set(t.ctx, id, "address", "九龍觀塘開源道1號");
	{
		custos_customer *c = NULL;
		ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "email", "vee.new@example.com"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "address", "新界沙田1號"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "stage", "won"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_update(t.ctx, id, c), CUSTOS_OK);
		custos_customer_free(c);
	}
	/* Support sees contact data masked and addresses not at all. */
	ck_assert_uint_eq(changes_of(sam, id, 0, ch, 4), 2);
	ck_assert_uint_eq(custos_change_field_count(ch[0]), 3);
	expect_old(ch[0], "email", CUSTOS_OK, "v***@example.com");
	expect_old(ch[0], "address", CUSTOS_EDENIED, NULL);
	expect_old(ch[0], "stage", CUSTOS_ENOTFOUND, NULL);
	{
		size_t i;
		for (i = 0; strcmp(custos_change_field(ch[0], i), "email"); i++)
			;
		ck_assert_int_eq(custos_change_is_masked(ch[0], i), 1);
	}
	free_changes(ch, 2);
	/* Out of scope: as absent as a missing customer. */
	ck_assert_int_eq(custos_history_list(&it, alice, id, 0), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(it);
	hers = t_create(alice, "Alice's", NULL);
	set(alice, hers, "company", "Alice Co");
	ck_assert_uint_eq(changes_of(alice, hers, 0, ch, 4), 1);
	free_changes(ch, 1);
	/* A change outlives its iterator and its context, and still shows what that context saw. */
	{
		custos_ctx *sam2 = NULL;
		custos_history_iter *hi = NULL;
		custos_change *kept = NULL;
		custos_buf b = CUSTOS_BUF_INIT;
		size_t i;
		ck_assert_int_eq(custos_ctx_open(&sam2, t.db, "sam"), CUSTOS_OK);
		ck_assert_int_eq(custos_history_list(&hi, sam2, id, 0), CUSTOS_OK);
		ck_assert_int_eq(custos_history_next(&kept, hi), CUSTOS_OK);
		custos_history_iter_free(hi);
		custos_ctx_free(sam2);
		for (i = 0; strcmp(custos_change_field(kept, i), "email"); i++)
			;
		ck_assert_int_eq(custos_change_old_value(&b, kept, i), CUSTOS_OK);
		ck_assert_str_eq((const char *)b.ptr, "v***@example.com");
		ck_assert_int_eq(custos_change_is_masked(kept, i), 1);
		custos_buf_dispose(&b);
		custos_change_free(kept);
	}
	/* Restoring needs the field seen clearly. */
	T_UNCHANGED(&t, custos_history_restore(sam, id, 3, "email"), CUSTOS_EDENIED);
	custos_ctx_free(sam);
	custos_ctx_free(alice);
	t_store_close(&t);
}
END_TEST

START_TEST(a_restore_is_an_update_that_is_recorded_too)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	custos_change *ch[8];
	t_store t;
	uint64_t id, other;

	t_store_open_kind(&t, _i);
	o.name = "member_no";
	o.type = CUSTOS_TYPE_TEXT;
	o.flags = CUSTOS_FIELD_UNIQUE;
	ck_assert_int_eq(custos_schema_add_field(t.ctx, &o), CUSTOS_OK);
	id = t_create(t.ctx, "Restore Ray", "ray@example.com");
	other = t_create(t.ctx, "Other Oz", NULL);
	set(t.ctx, id, "email", "ray.wrong@example.com");          /* v2 */
	set(t.ctx, id, "member_no", "M-001");                      /* v3 */
	set(t.ctx, id, "member_no", "M-002");                      /* v4 */
	set(t.ctx, other, "member_no", "M-001");                   /* another takes M-001 */

	ck_assert_int_eq(custos_history_restore(t.ctx, id, 2, "email"), CUSTOS_OK);
	ck_assert_str_eq(text_of(t.ctx, id, "email"), "ray@example.com");
	ck_assert_uint_eq(changes_of(t.ctx, id, 0, ch, 8), 4);
	ck_assert_uint_eq(custos_change_version(ch[0]), 5);
	expect_old(ch[0], "email", CUSTOS_OK, "ray.wrong@example.com");
	free_changes(ch, 4);
	/* Back to no value: the field is unset. */
	ck_assert_int_eq(custos_history_restore(t.ctx, id, 3, "member_no"), CUSTOS_OK);
	ck_assert_str_eq(text_of(t.ctx, id, "member_no"), "(none)");
	/* Refusals change nothing. */
	T_UNCHANGED(&t, custos_history_restore(t.ctx, id, 4, "member_no"), CUSTOS_EEXISTS);   /* M-001 is taken */
	T_UNCHANGED(&t, custos_history_restore(t.ctx, id, 2, "phone"), CUSTOS_EINVALID);      /* v2 changed email */
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "did not change field 'phone'"));
	T_UNCHANGED(&t, custos_history_restore(t.ctx, id, 1, "email"), CUSTOS_ENOTFOUND);     /* creation */
	T_UNCHANGED(&t, custos_history_restore(t.ctx, id, 99, "email"), CUSTOS_ENOTFOUND);
	T_UNCHANGED(&t, custos_history_restore(t.ctx, id, 2, "nonsense"), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_history_restore(t.ctx, other + 10, 2, "email"), CUSTOS_ENOTFOUND);
	T_UNCHANGED(&t, custos_history_restore(t.ctx, id, 2, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_history_restore(NULL, id, 2, "email"), CUSTOS_EINVALID);
	t_store_close(&t);
}
END_TEST

START_TEST(batch_updates_are_recorded_and_failed_ones_are_not)
{
	custos_customer *c = NULL;
	custos_batch *b = NULL;
	custos_change *ch[4];
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Batch Bo", NULL);
	ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Bo Ltd"), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_update(b, id, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_batch_commit(b), CUSTOS_OK);
	custos_batch_free(b);
	ck_assert_uint_eq(changes_of(t.ctx, id, 0, ch, 4), 1);
	free_changes(ch, 1);
	/* An update refused (the required name unset) records nothing. */
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Other Ltd"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_unset(c, "name"), CUSTOS_OK);
	T_UNCHANGED(&t, custos_customer_update(t.ctx, id, c), CUSTOS_EINVALID);
	custos_customer_free(c);
	ck_assert_uint_eq(changes_of(t.ctx, id, 0, ch, 4), 1);
	free_changes(ch, 1);
	t_store_close(&t);
}
END_TEST

START_TEST(damaged_history_is_an_error_never_a_crash)
{
	unsigned char keys[16][T_KEY_MAX], *orig, *val;
	size_t lens[16], on, vn, nkeys;
	custos_history_iter *it = NULL;
	unsigned seed = 4711;
	t_store t;
	uint64_t id, other;

	t_store_open(&t, "memory");
	id = t_create(t.ctx, "Damage Dee", "dee@example.com");
	other = t_create(t.ctx, "Other Dee", "other@example.com");
	set(t.ctx, id, "email", "dee2@example.com");
	set(t.ctx, id, "company", "Dee Co");
	set(t.ctx, other, "company", "Other Co");
	nkeys = t_raw_keys(t.be, T_B_HISTORY, NULL, 0, keys, lens, 16);
	ck_assert_uint_eq(nkeys, 3);
	for (int round = 0; round < 300; round++) {
		size_t k = rand_r(&seed) % 2;
		ck_assert_int_eq(t_raw_get(t.be, T_B_HISTORY, keys[k], lens[k], &orig, &on), CUSTOS_OK);
		if (round % 3 == 0) {  /* cut short */
			ck_assert_int_eq(t_raw_put(t.be, T_B_HISTORY, keys[k], lens[k], orig, rand_r(&seed) % on), CUSTOS_OK);
		} else {
			t_raw_flip(t.be, T_B_HISTORY, keys[k], lens[k], (long)(rand_r(&seed) % on),
				(unsigned char)(1 + rand_r(&seed) % 255));
		}
		ck_assert_int_eq(custos_history_list(&it, t.ctx, id, 0), CUSTOS_EAUTH);
		ck_assert_ptr_null(it);
		ck_assert_int_eq(t_raw_put(t.be, T_B_HISTORY, keys[k], lens[k], orig, on), CUSTOS_OK);
		free(orig);
	}
	/* Another customer's change put in place of one: bound to its customer and version. */
	ck_assert_int_eq(t_raw_get(t.be, T_B_HISTORY, keys[2], lens[2], &val, &vn), CUSTOS_OK);
	ck_assert_int_eq(t_raw_put(t.be, T_B_HISTORY, keys[1], lens[1], val, vn), CUSTOS_OK);
	ck_assert_int_eq(custos_history_list(&it, t.ctx, id, 0), CUSTOS_EAUTH);
	ck_assert_int_eq(custos_history_restore(t.ctx, id, 3, "company"), CUSTOS_EAUTH);
	free(val);
	t_store_close(&t);
}
END_TEST

START_TEST(old_values_are_not_in_the_files)
{
	static const char canary[] = "canary.history.91f2@example.com";
	t_store t;
	uint64_t id;

	t_store_open(&t, "lmdb");
	id = t_create(t.ctx, "Canary Ko", canary);
	set(t.ctx, id, "email", "new.address@example.com");
	custos_ctx_free(t.ctx);
	ck_assert_int_eq(custos_db_close(t.db), CUSTOS_OK);
	t.db = NULL;
	t.ctx = NULL;
	ck_assert_int_eq(t_grep_dir(t.dir, canary, strlen(canary)), 0);
	t_store_close(&t);
}
END_TEST

START_TEST(listings_are_audited)
{
	custos_history_iter *it = NULL;
	custos_audit_iter *ai = NULL;
	custos_audit_entry *a;
	t_store t;
	uint64_t id;
	int seen = 0;

	t_store_open(&t, "memory");
	id = t_create(t.ctx, "Audit Au", NULL);
	ck_assert_int_eq(custos_history_list(&it, t.ctx, id, 0), CUSTOS_OK);
	custos_history_iter_free(it);
	ck_assert_int_eq(custos_audit_flush(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&ai, t.ctx, 0), CUSTOS_OK);
	while (custos_audit_next(&a, ai) == CUSTOS_OK) {
		if (custos_audit_entry_action(a) == CUSTOS_AUDIT_HISTORY) {
			seen++;
			ck_assert_uint_eq(custos_audit_entry_customer(a), id);
			ck_assert_uint_eq(custos_audit_entry_operation(a), CUSTOS_OP_READ);
		}
		custos_audit_entry_free(a);
	}
	custos_audit_iter_free(ai);
	ck_assert_int_eq(seen, 1);
	ck_assert_int_eq(custos_history_next(NULL, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_history_list(NULL, t.ctx, id, 0), CUSTOS_EINVALID);
	custos_history_iter_free(NULL);
	custos_change_free(NULL);
	ck_assert_uint_eq(custos_change_version(NULL), 0);
	ck_assert_uint_eq(custos_change_field_count(NULL), 0);
	t_store_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("history");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, updates_record_the_fields_they_changed_and_their_old_values, 0, 3);
	tcase_add_loop_test(tc, long_histories_list_newest_first_across_pages, 0, 3);
	tcase_add_loop_test(tc, old_values_follow_the_contexts_visibility, 0, 2);
	tcase_add_loop_test(tc, a_restore_is_an_update_that_is_recorded_too, 0, 3);
	tcase_add_loop_test(tc, batch_updates_are_recorded_and_failed_ones_are_not, 0, 2);
	tcase_add_test(tc, damaged_history_is_an_error_never_a_crash);
	tcase_add_test(tc, old_values_are_not_in_the_files);
	tcase_add_test(tc, listings_are_audited);
	suite_add_tcase(s, tc);
	return t_run(s);
}
