/*
 * tests/check_consent.c — consent records: recorded, listed, the one in force per
 * purpose, refusals, visibility, damage, erasure and export.
 * Stores: 0 memory, 1 LMDB, 2 the example backend.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "support.h"

#define T0 1735689600000000LL   /* 2025-01-01 */

static size_t list(custos_ctx *ctx, uint64_t id, const char *purpose, int current, custos_consent **out, size_t max)
{
	custos_consent_iter *it = NULL;
	custos_consent *c;
	size_t n = 0;
	int rc;

	ck_assert_msg(custos_consent_list(&it, ctx, id, purpose, current) == CUSTOS_OK, "%s", custos_error_last());
	while ((rc = custos_consent_next(&c, it)) == CUSTOS_OK) {
		ck_assert_uint_lt(n, max);
		out[n++] = c;
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_consent_iter_free(it);
	return n;
}

static void free_all(custos_consent **c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		custos_consent_free(c[i]);
}

START_TEST(records_read_back_exactly)
{
	custos_consent *got[8];
	const char *txt;
	uint32_t seq;
	uint64_t id;
	t_store t;
	int b;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Consent Cheng", NULL);
	ck_assert_int_eq(custos_consent_record(&seq, t.ctx, id, "marketing_email", CUSTOS_BASIS_CONSENT, 1, T0,
		"web form", "I agree to receive news by email (form v3)"), CUSTOS_OK);
	ck_assert_uint_eq(seq, 1);
	ck_assert_int_eq(custos_consent_record(&seq, t.ctx, id, "loyalty.programme", CUSTOS_BASIS_CONTRACT, 1, T0 + 5,
		NULL, NULL), CUSTOS_OK);
	ck_assert_uint_eq(seq, 2);
	ck_assert_uint_eq(list(t.ctx, id, NULL, 0, got, 8), 2);
	ck_assert_uint_eq(custos_consent_seq(got[0]), 1);
	ck_assert_str_eq(custos_consent_purpose(got[0]), "marketing_email");
	ck_assert_int_eq(custos_consent_basis(got[0]), CUSTOS_BASIS_CONSENT);
	ck_assert_int_eq(custos_consent_given(got[0]), 1);
	ck_assert_int_eq(custos_consent_time(got[0]), T0);
	ck_assert_int_gt(custos_consent_recorded(got[0]), T0);
	ck_assert_uint_eq(custos_consent_author(got[0]), custos_ctx_principal_id(t.ctx));
	ck_assert_int_eq(custos_consent_text(&txt, got[0], 0), CUSTOS_OK);
	ck_assert_str_eq(txt, "web form");
	ck_assert_int_eq(custos_consent_text(&txt, got[0], 1), CUSTOS_OK);
	ck_assert_str_eq(txt, "I agree to receive news by email (form v3)");
	ck_assert_int_eq(custos_consent_text(&txt, got[1], 0), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_consent_text(&txt, got[1], 2), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_consent_basis(got[1]), CUSTOS_BASIS_CONTRACT);
	free_all(got, 2);
	/* time 0 is now */
	ck_assert_int_eq(custos_consent_record(NULL, t.ctx, id, "sms", CUSTOS_BASIS_LEGITIMATE_INTERESTS, 0, 0, NULL,
		NULL), CUSTOS_OK);
	ck_assert_uint_eq(list(t.ctx, id, "sms", 0, got, 8), 1);
	ck_assert_int_gt(custos_consent_time(got[0]), T0);
	ck_assert_int_eq(custos_consent_given(got[0]), 0);
	free_all(got, 1);
	for (int i = CUSTOS_BASIS_CONSENT; i <= CUSTOS_BASIS_MAX; i++) {
		ck_assert_int_eq(custos_basis_parse(&b, custos_basis_name(i)), CUSTOS_OK);
		ck_assert_int_eq(b, i);
	}
	ck_assert_str_eq(custos_basis_name(CUSTOS_BASIS_LEGAL_OBLIGATION), "legal_obligation");
	ck_assert_ptr_null(custos_basis_name(0));
	ck_assert_int_eq(custos_basis_parse(&b, "Consent"), CUSTOS_EINVALID);
	ck_assert_uint_eq(custos_consent_seq(NULL), 0);
	t_store_close(&t);
}
END_TEST

/* Random gives and withdrawals over four purposes against a model: every record listed
 * in time order, the one in force per purpose, a purpose's own records. */
START_TEST(the_record_in_force_follows_a_model)
{
	static const char *const purposes[] = { "email", "phone", "sms", "post" };
	enum { OPS = 200 };
	int64_t times[OPS + 1];
	int given[OPS + 1], purpose[OPS + 1];
	custos_consent *got[OPS];
	unsigned seed = 11 + (unsigned)_i;
	uint64_t id;
	t_store t;
	size_t n;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Model Mak", NULL);
	for (int i = 1; i <= OPS; i++) {
		uint32_t seq;
		purpose[i] = rand_r(&seed) % 4;
		given[i] = rand_r(&seed) % 2;
		times[i] = T0 + (int64_t)(rand_r(&seed) % 50) * 1000000;   /* many equal times: seq decides */
		ck_assert_int_eq(custos_consent_record(&seq, t.ctx, id, purposes[purpose[i]], CUSTOS_BASIS_CONSENT, given[i],
			times[i], "pos", NULL), CUSTOS_OK);
		ck_assert_uint_eq(seq, (uint32_t)i);
	}
	n = list(t.ctx, id, NULL, 0, got, OPS);
	ck_assert_uint_eq(n, OPS);
	for (size_t i = 1; i < n; i++) {
		int64_t a = custos_consent_time(got[i - 1]), b = custos_consent_time(got[i]);
		ck_assert(a < b || (a == b && custos_consent_seq(got[i - 1]) < custos_consent_seq(got[i])));
	}
	free_all(got, n);
	n = list(t.ctx, id, NULL, 1, got, OPS);
	for (size_t i = 0; i < n; i++) {
		const char *p = custos_consent_purpose(got[i]);
		int want = 0, k = -1;
		for (int j = 1; j <= OPS; j++)
			if (!strcmp(purposes[purpose[j]], p) &&
			    (k < 0 || times[j] > times[k] || (times[j] == times[k] && j > k)))
				k = j;
		ck_assert_int_gt(k, 0);
		want = given[k];
		ck_assert_uint_eq(custos_consent_seq(got[i]), (uint32_t)k);
		ck_assert_int_eq(custos_consent_given(got[i]), want);
		if (i)
			ck_assert_int_lt(strcmp(custos_consent_purpose(got[i - 1]), p), 0);
	}
	free_all(got, n);
	for (int p = 0; p < 4; p++) {
		size_t want = 0;
		for (int j = 1; j <= OPS; j++)
			want += purpose[j] == p;
		n = list(t.ctx, id, purposes[p], 0, got, OPS);
		ck_assert_uint_eq(n, want);
		for (size_t i = 0; i < n; i++)
			ck_assert_str_eq(custos_consent_purpose(got[i]), purposes[p]);
		free_all(got, n);
	}
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

START_TEST(bad_records_are_refused_and_change_nothing)
{
	char long_purpose[CUSTOS_PURPOSE_MAX_BYTES + 2], long_source[CUSTOS_CONSENT_SOURCE_MAX_BYTES + 2];
	custos_ctx *analyst = NULL;
	struct timeval tv;
	uint64_t id;
	t_store t;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Refused Lau", NULL);
	memset(long_purpose, 'a', sizeof long_purpose - 1);
	long_purpose[sizeof long_purpose - 1] = 0;
	memset(long_source, 's', sizeof long_source - 1);
	long_source[sizeof long_source - 1] = 0;
	gettimeofday(&tv, NULL);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "Email", 1, 1, T0, NULL, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "byte 1"));
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "", 1, 1, T0, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, long_purpose, 1, 1, T0, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, NULL, 1, 1, T0, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 0, 1, T0, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 7, 1, T0, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 2, T0, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 1, -1, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 1,
		(int64_t)tv.tv_sec * 1000000 + 2 * 86400LL * 1000000, NULL, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 1, T0, long_source, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 1, T0, NULL, "\xc3"), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id + 1, "email", 1, 1, T0, NULL, NULL), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "ana", "analyst", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&analyst, t.db, "ana"), CUSTOS_OK);
	T_UNCHANGED(&t, custos_consent_record(NULL, analyst, id, "email", 1, 1, T0, NULL, NULL), CUSTOS_EDENIED);
	{
		custos_consent_iter *it = NULL;
		ck_assert_int_eq(custos_consent_list(&it, analyst, id, NULL, 0), CUSTOS_EDENIED);
		ck_assert_int_eq(custos_consent_list(&it, t.ctx, id + 1, NULL, 0), CUSTOS_ENOTFOUND);
		ck_assert_int_eq(custos_consent_list(&it, t.ctx, id, "No", 0), CUSTOS_EINVALID);
	}
	/* Archived customers are read-only. */
	ck_assert_int_eq(custos_customer_archive(t.ctx, id, NULL), CUSTOS_OK);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 1, T0, NULL, NULL), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_ctx_show_archived(t.ctx, 1), CUSTOS_OK);
	T_UNCHANGED(&t, custos_consent_record(NULL, t.ctx, id, "email", 1, 1, T0, NULL, NULL), CUSTOS_ESTATE);
	custos_ctx_free(analyst);
	t_store_close(&t);
}
END_TEST

START_TEST(texts_follow_the_notes_class)
{
	custos_role_options r = CUSTOS_ROLE_OPTIONS_INIT;
	int vis[CUSTOS_CLASS_COUNT] = { CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR,
		CUSTOS_VIS_CLEAR, CUSTOS_VIS_MASKED, CUSTOS_VIS_CLEAR };
	custos_ctx *masked = NULL, *blind = NULL;
	custos_consent *got[2];
	const char *t;
	uint64_t id;
	t_store s;

	t_store_open_kind(&s, _i);
	id = t_create(s.ctx, "Visible Yau", NULL);
	ck_assert_int_eq(custos_consent_record(NULL, s.ctx, id, "email", 1, 1, T0, "web", "ticked the box"), CUSTOS_OK);
	r.name = "masker";
	r.operations = CUSTOS_OP_READ;
	r.scope = CUSTOS_SCOPE_ALL;
	r.visibility = vis;
	r.visibility_count = CUSTOS_CLASS_COUNT;
	ck_assert_int_eq(custos_role_create(s.ctx, &r), CUSTOS_OK);
	vis[CUSTOS_CLASS_NOTES] = CUSTOS_VIS_HIDDEN;
	r.name = "blind";
	ck_assert_int_eq(custos_role_create(s.ctx, &r), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, s.ctx, "mo", "masker", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, s.ctx, "bo", "blind", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&masked, s.db, "mo"), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&blind, s.db, "bo"), CUSTOS_OK);
	ck_assert_uint_eq(list(masked, id, NULL, 0, got, 2), 1);
	ck_assert_int_eq(custos_consent_text(&t, got[0], 1), CUSTOS_OK);
	ck_assert_str_eq(t, "***");
	ck_assert_int_eq(custos_consent_given(got[0]), 1);
	free_all(got, 1);
	ck_assert_uint_eq(list(blind, id, NULL, 0, got, 2), 1);
	ck_assert_int_eq(custos_consent_text(&t, got[0], 0), CUSTOS_ENOTFOUND);
	ck_assert_str_eq(custos_consent_purpose(got[0]), "email");
	free_all(got, 1);
	custos_ctx_free(masked);
	custos_ctx_free(blind);
	t_store_close(&s);
}
END_TEST

/* Flipped bits anywhere in a stored record, a record moved to another customer: errors,
 * never a crash or a wrong record; the store check finds them. */
START_TEST(damaged_records_are_errors)
{
	unsigned char keys[4][T_KEY_MAX], *v;
	size_t lens[4], vn;
	unsigned seed = 5;
	uint64_t a, b;
	t_store t;

	t_store_open_kind(&t, _i);
	a = t_create(t.ctx, "Damage Tse", NULL);
	b = t_create(t.ctx, "Other Tse", NULL);
	ck_assert_int_eq(custos_consent_record(NULL, t.ctx, a, "email", 1, 1, T0, "web", "evidence text"), CUSTOS_OK);
	ck_assert_uint_eq(t_raw_keys(t.be, T_B_CONSENT, NULL, 0, keys, lens, 4), 1);
	ck_assert_int_eq(t_raw_get(t.be, T_B_CONSENT, keys[0], lens[0], &v, &vn), CUSTOS_OK);
	for (int round = 0; round < 200; round++) {
		custos_consent_iter *it = NULL;
		int rc;
		t_raw_flip(t.be, T_B_CONSENT, keys[0], lens[0], (long)(rand_r(&seed) % vn),
			(unsigned char)(1U << (rand_r(&seed) % 8)));
		rc = custos_consent_list(&it, t.ctx, a, NULL, 0);
		ck_assert_msg(rc == CUSTOS_EAUTH, "round %d: %d %s", round, rc, custos_error_last());
		ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_EAUTH);
		ck_assert_int_eq(t_raw_put(t.be, T_B_CONSENT, keys[0], lens[0], v, vn), CUSTOS_OK);
	}
	/* Moved to another customer, under that customer's first key. */
	keys[0][7] = (unsigned char)b;
	ck_assert_int_eq(t_raw_put(t.be, T_B_CONSENT, keys[0], lens[0], v, vn), CUSTOS_OK);
	{
		custos_consent_iter *it = NULL;
		ck_assert_int_eq(custos_consent_list(&it, t.ctx, b, NULL, 0), CUSTOS_EAUTH);
	}
	free(v);
	t_store_close(&t);
}
END_TEST

START_TEST(erasure_removes_and_export_holds_the_records)
{
	custos_audit_iter *ai = NULL;
	custos_audit_entry *e;
	custos_buf doc = CUSTOS_BUF_INIT;
	unsigned char keys[8][T_KEY_MAX];
	size_t lens[8];
	uint64_t id, other;
	int entries = 0;
	t_store t;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Export Fok", NULL);
	other = t_create(t.ctx, "Keep Fok", NULL);
	ck_assert_int_eq(custos_consent_record(NULL, t.ctx, id, "email", 1, 1, T0, "web", "box ticked"), CUSTOS_OK);
	ck_assert_int_eq(custos_consent_record(NULL, t.ctx, id, "email", 1, 0, T0 + 9, "phone", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_consent_record(NULL, t.ctx, other, "email", 1, 1, T0, NULL, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_subject_export(&doc, t.ctx, id), CUSTOS_OK);
	ck_assert_ptr_nonnull(strstr((const char *)doc.ptr, "\"purpose\": \"email\""));
	ck_assert_ptr_nonnull(strstr((const char *)doc.ptr, "\"evidence\": \"box ticked\""));
	ck_assert_ptr_nonnull(strstr((const char *)doc.ptr, "\"given\": false"));
	custos_buf_dispose(&doc);
	ck_assert_int_eq(custos_audit_flush(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&ai, t.ctx, 0), CUSTOS_OK);
	while (custos_audit_next(&e, ai) == CUSTOS_OK) {
		if (custos_audit_entry_action(e) == CUSTOS_AUDIT_CONSENT && custos_audit_entry_customer(e) == id)
			ck_assert_uint_eq(custos_audit_entry_version(e), (uint32_t)++entries);
		custos_audit_entry_free(e);
	}
	custos_audit_iter_free(ai);
	ck_assert_int_eq(entries, 2);
	ck_assert_int_eq(custos_customer_erase(t.ctx, id, NULL), CUSTOS_OK);
	ck_assert_uint_eq(t_raw_keys(t.be, T_B_CONSENT, NULL, 0, keys, lens, 8), 1);   /* the other's */
	ck_assert_int_eq(keys[0][7], (unsigned char)other);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("consent");
	TCase *tc = tcase_create("consent");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, records_read_back_exactly, 0, 3);
	tcase_add_loop_test(tc, the_record_in_force_follows_a_model, 0, 3);
	tcase_add_loop_test(tc, bad_records_are_refused_and_change_nothing, 0, 2);
	tcase_add_loop_test(tc, texts_follow_the_notes_class, 0, 2);
	tcase_add_loop_test(tc, damaged_records_are_errors, 0, 2);
	tcase_add_loop_test(tc, erasure_removes_and_export_holds_the_records, 0, 3);
	suite_add_tcase(s, tc);
	return t_run(s);
}
