/*
 * tests/check_integrity.c — custos_db_check() at the model level: a sound store checks
 * clean (also while another thread writes); every kind of damage to index entries, records,
 * sealed records and counters is found and named (customer, field, kind of entry, never a
 * value) with its exact code; a store found damaged is not written any more.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char *const kinds[] = { "memory", "lmdb" };
static t_store T;
static custos_ctx *rep;   /* a sales principal of team "north" */

#define MOTTO_BYTES 450   /* a clear value this long is indexed by its hash */

static void put_u64be(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t get_u64be(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint16_t field_id(const char *name)
{
	return (uint16_t)t_field_id(T.ctx, name);
}

static void add_field(const char *name, int type, uint32_t flags)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	o.name = name;
	o.type = (uint32_t)type;
	o.flags = flags;
	ck_assert_msg(custos_schema_add_field(T.ctx, &o) == CUSTOS_OK, "%s", custos_error_last());
}

/* Customer 1 (admin's): every kind of field entry. Customers 2 and 3 (rep's, team north):
 * owner and team entries too. */
static void populate(void)
{
	char motto[MOTTO_BYTES + 1];
	custos_customer *c;

	add_field("region_code", CUSTOS_TYPE_INTEGER, CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE);
	add_field("motto", CUSTOS_TYPE_TEXT, CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE);
	ck_assert_int_eq(custos_team_create(NULL, T.ctx, "north"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, T.ctx, "rep", "sales", "north"), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&rep, T.db, "rep"), CUSTOS_OK);
	memset(motto, 'm', MOTTO_BYTES);
	motto[MOTTO_BYTES] = '\0';
	c = t_person(T.ctx, "Ada", "ada@example.com");
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 0001"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_int(c, "region_code", 7), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "motto", motto), CUSTOS_OK);
	ck_assert_uint_eq(t_create_draft(T.ctx, c), 1);
	c = t_person(rep, "Bo", "bo@example.com");
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 0002"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "new"), CUSTOS_OK);
	ck_assert_uint_eq(t_create_draft(rep, c), 2);
	c = t_person(rep, "Cy", "cy@example.com");
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "new"), CUSTOS_OK);
	ck_assert_uint_eq(t_create_draft(rep, c), 3);
}

static void open_kind(int i)
{
	t_store_open(&T, kinds[i]);
	populate();
}

static void close_store(void)
{
	custos_ctx_free(rep);
	rep = NULL;
	t_store_close(&T);
}

static void setup_memory(void) { open_kind(0); }

/* ---- raw access to the index ---- */

/* The key of customer id's first entry of `field`, or of its owner ('O') or team ('T')
 * entry when field is "owner" or "team"; its length. */
static size_t entry_of(unsigned char key[T_KEY_MAX], const char *field, uint64_t id)
{
	static unsigned char keys[256][T_KEY_MAX];
	size_t lens[256], n;
	unsigned char prefix[2];

	if (!strcmp(field, "owner") || !strcmp(field, "team")) {
		prefix[0] = 0xFF;
		prefix[1] = field[0] == 'o' ? 'O' : 'T';
	} else {
		uint16_t f = field_id(field);
		prefix[0] = (unsigned char)(f >> 8);
		prefix[1] = (unsigned char)f;
	}
	n = t_raw_keys(T.be, T_B_INDEX, prefix, 2, keys, lens, 256);
	for (size_t i = 0; i < n; i++)
		if (get_u64be(keys[i] + lens[i] - 8) == id) {
			memcpy(key, keys[i], lens[i]);
			return lens[i];
		}
	ck_abort_msg("customer %llu has no %s entry", (unsigned long long)id, field);
	return 0;
}

static void remove_entry(const char *field, uint64_t id)
{
	unsigned char k[T_KEY_MAX];
	size_t kn = entry_of(k, field, id);

	ck_assert_int_eq(t_raw_del(T.be, T_B_INDEX, k, kn), CUSTOS_OK);
}

/* Store a copy of customer `from`'s entry of field under customer `to`. */
static void copy_entry(const char *field, uint64_t from, uint64_t to)
{
	unsigned char k[T_KEY_MAX], *v;
	size_t kn = entry_of(k, field, from), vn;

	ck_assert_int_eq(t_raw_get(T.be, T_B_INDEX, k, kn, &v, &vn), CUSTOS_OK);
	put_u64be(k + kn - 8, to);
	ck_assert_int_eq(t_raw_put(T.be, T_B_INDEX, k, kn, v, vn), CUSTOS_OK);
	free(v);
}

/* Store a copy of customer id's entry of field as an entry of field id `to`. */
static void copy_entry_to_field(const char *field, uint64_t id, uint16_t to)
{
	unsigned char k[T_KEY_MAX], *v;
	size_t kn = entry_of(k, field, id), vn;

	ck_assert_int_eq(t_raw_get(T.be, T_B_INDEX, k, kn, &v, &vn), CUSTOS_OK);
	k[0] = (unsigned char)(to >> 8);
	k[1] = (unsigned char)to;
	ck_assert_int_eq(t_raw_put(T.be, T_B_INDEX, k, kn, v, vn), CUSTOS_OK);
	free(v);
}

static void expect_check(int code, const char *message)
{
	ck_assert_int_eq(custos_db_check(T.ctx), code);
	ck_assert_str_eq(custos_error_last(), message);
}

/* A store found damaged takes no more writes. */
static void expect_no_more_writes(void)
{
	custos_customer *c = t_person(T.ctx, "Late", NULL);

	T_UNCHANGED(&T, custos_customer_create(NULL, T.ctx, c), CUSTOS_ECORRUPT);
	ck_assert_str_eq(custos_error_last(), "the store was found damaged and is not written any more; close it and "
		"restore it from a backup");
	custos_customer_free(c);
}

/* ---- sound stores ---- */

START_TEST(an_empty_store_checks_clean)
{
	t_store_open(&T, kinds[_i]);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	t_store_close(&T);
}
END_TEST

START_TEST(a_store_with_every_kind_of_entry_checks_clean)
{
	custos_customer *c;

	open_kind(_i);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	/* Updates move entries, reassignment moves ownership, a field made searchable adds some. */
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "email", "bo@example.org"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_unset(c, "phone"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, 2, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_reassign(T.ctx, 3, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "name", CUSTOS_FIELD_SEARCHABLE), CUSTOS_OK);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	close_store();
}
END_TEST

START_TEST(checking_needs_the_audit_operation)
{
	custos_ctx *auditor = NULL;

	ck_assert_int_eq(custos_db_check(rep), CUSTOS_EDENIED);
	ck_assert_int_eq(custos_principal_create(NULL, T.ctx, "audrey", "auditor", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&auditor, T.db, "audrey"), CUSTOS_OK);
	ck_assert_msg(custos_db_check(auditor) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_db_check(NULL), CUSTOS_EINVALID);
	custos_ctx_free(auditor);
}
END_TEST

static void *keep_writing(void *arg)
{
	volatile int *stop = arg;
	char email[64];
	int i = 0;

	while (!*stop) {
		custos_customer *c;
		uint64_t id;
		snprintf(email, sizeof email, "w%d@example.com", i++);
		id = t_create(T.ctx, "Writer", email);
		ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "email", "moved@example.com"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_update(T.ctx, id, c), CUSTOS_OK);
		custos_customer_free(c);
	}
	return NULL;
}

START_TEST(a_check_while_another_thread_writes_finds_nothing)
{
	volatile int stop = 0;
	pthread_t th;

	open_kind(1);
	for (int i = 0; i < 300; i++)
		t_create(T.ctx, "Before", NULL);
	ck_assert_int_eq(pthread_create(&th, NULL, keep_writing, (void *)&stop), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%d: %s", i, custos_error_last());
	stop = 1;
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	close_store();
}
END_TEST

/* ---- the index ---- */

/* Today's silent failure: a few flipped bits in the file's email entry leave a customer
 * unfindable by email while every call answers and the audit log verifies. */
START_TEST(flipped_bits_in_an_email_entry_are_found_by_the_check)
{
	unsigned char k[T_KEY_MAX], *v;
	custos_customer *c = NULL;
	custos_backend *raw;
	custos_iter *it;
	uint64_t id;
	size_t kn, vn;

	open_kind(1);
	for (int i = 4; i <= 20; i++)
		t_create(T.ctx, "More", NULL);
	kn = entry_of(k, "email", 2);
	custos_ctx_free(rep);
	rep = NULL;
	custos_ctx_free(T.ctx);
	custos_db_close(T.db);
	T.ctx = NULL;
	T.db = NULL;
	/* In the LMDB file itself: the entry's blind index value, three bits flipped. */
	raw = t_raw_open(&T);
	ck_assert_int_eq(t_raw_get(raw, T_B_INDEX, k, kn, &v, &vn), CUSTOS_OK);
	ck_assert_int_eq(t_raw_del(raw, T_B_INDEX, k, kn), CUSTOS_OK);
	k[4] ^= 0x25;
	ck_assert_int_eq(t_raw_put(raw, T_B_INDEX, k, kn, v, vn), CUSTOS_OK);
	free(v);
	custos_backend_free(raw);
	t_store_reopen(&T);

	ck_assert_int_eq(custos_customer_get(&c, T.ctx, 2), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "bo@example.com"), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ITEROVER);
	custos_iter_free(it);
	ck_assert_int_eq(custos_audit_verify(NULL, T.ctx, 0, NULL), CUSTOS_OK);

	expect_check(CUSTOS_ECORRUPT, "customer 2 has no blind index entry of field 'email'");
	expect_no_more_writes();
	t_store_close(&T);
}
END_TEST

START_TEST(a_missing_blind_entry_is_named)
{
	remove_entry("phone", 2);
	expect_check(CUSTOS_ECORRUPT, "customer 2 has no blind index entry of field 'phone'");
	expect_no_more_writes();
}
END_TEST

START_TEST(a_missing_tag_entry_is_named)
{
	remove_entry("tags", 3);
	expect_check(CUSTOS_ECORRUPT, "customer 3 has no clear index entry of field 'tags'");
}
END_TEST

START_TEST(a_missing_clear_entry_is_named)
{
	remove_entry("region_code", 1);
	expect_check(CUSTOS_ECORRUPT, "customer 1 has no clear index entry of field 'region_code'");
}
END_TEST

START_TEST(a_missing_hashed_entry_is_named)
{
	remove_entry("motto", 1);
	expect_check(CUSTOS_ECORRUPT, "customer 1 has no hashed index entry of field 'motto'");
}
END_TEST

START_TEST(missing_owner_and_team_entries_are_named)
{
	remove_entry("team", 3);
	expect_check(CUSTOS_ECORRUPT, "customer 3 has no team entry");
	remove_entry("owner", 2);
	expect_check(CUSTOS_ECORRUPT, "customer 2 has no owner entry");
}
END_TEST

START_TEST(a_blind_entry_with_a_wrong_verifier_is_named)
{
	unsigned char k[T_KEY_MAX];
	size_t kn = entry_of(k, "email", 2);

	t_raw_flip(T.be, T_B_INDEX, k, kn, 5, 0x10);
	expect_check(CUSTOS_ECORRUPT,
		"the blind index entry of field 'email' of customer 2 does not verify against the customer's value");
}
END_TEST

START_TEST(an_entry_for_a_customer_that_does_not_exist_is_named)
{
	copy_entry("email", 2, 99);
	expect_check(CUSTOS_ECORRUPT,
		"the index holds a blind index entry of field 'email' for customer 99, which does not exist");
}
END_TEST

START_TEST(an_entry_for_the_wrong_customer_is_named)
{
	copy_entry("tags", 3, 1);  /* customer 1 has tag vip, not new */
	expect_check(CUSTOS_ECORRUPT,
		"the index holds a clear index entry of field 'tags' for customer 1 that does not match the customer");
}
END_TEST

START_TEST(a_blind_entry_copied_to_another_customer_is_named)
{
	copy_entry("email", 1, 3);
	expect_check(CUSTOS_ECORRUPT,
		"the index holds a blind index entry of field 'email' for customer 3 that does not match the customer");
}
END_TEST

START_TEST(a_stray_owner_entry_is_named)
{
	copy_entry("owner", 2, 1);  /* customer 1 is admin's, not rep's */
	expect_check(CUSTOS_ECORRUPT,
		"the index holds an owner entry of principal 2 for customer 1 that does not match the customer");
}
END_TEST

START_TEST(an_undocumented_key_in_the_index_is_named)
{
	ck_assert_int_eq(t_raw_put(T.be, T_B_INDEX, "garbage", 7, "", 0), CUSTOS_OK);
	expect_check(CUSTOS_ECORRUPT, "the index holds a key of 7 bytes that is not an index entry");
}
END_TEST

START_TEST(an_entry_of_a_field_the_schema_lacks_is_named)
{
	copy_entry_to_field("tags", 1, 0x010B);
	expect_check(CUSTOS_ECORRUPT,
		"the index holds a clear index entry of customer 1 for field id 267, which the schema does not have");
}
END_TEST

START_TEST(an_entry_of_the_wrong_kind_is_named)
{
	copy_entry_to_field("email", 1, field_id("tags"));
	expect_check(CUSTOS_ECORRUPT, "the index holds a blind index entry of customer 1 for field 'tags', which is clear");
}
END_TEST

START_TEST(entries_of_a_field_that_is_not_searchable_are_accepted)
{
	/* What an interrupted index build leaves: lookups ignore it, the next build removes it. */
	copy_entry_to_field("email", 1, field_id("company"));
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
}
END_TEST

/* ---- records, sealed records and counters ---- */

START_TEST(a_record_that_fails_authentication_is_eauth)
{
	unsigned char k[8];

	put_u64be(k, 3);
	t_raw_flip(T.be, T_B_CUSTOMERS, k, 8, -20, 0x01);
	expect_check(CUSTOS_EAUTH, "customer 3 failed authentication: its stored record was modified or moved");
	expect_no_more_writes();
}
END_TEST

/* Store customer from's record under id to. */
static void copy_record(uint64_t from, uint64_t to)
{
	unsigned char k[8], *v;
	size_t n;

	put_u64be(k, from);
	ck_assert_int_eq(t_raw_get(T.be, T_B_CUSTOMERS, k, 8, &v, &n), CUSTOS_OK);
	put_u64be(k, to);
	ck_assert_int_eq(t_raw_put(T.be, T_B_CUSTOMERS, k, 8, v, n), CUSTOS_OK);
	free(v);
}

START_TEST(a_record_copied_over_another_is_eauth)
{
	copy_record(2, 3);
	expect_check(CUSTOS_EAUTH,
		"customer 3 failed authentication: its data key was modified or copied from another customer");
}
END_TEST

START_TEST(a_modified_sealed_meta_record_is_eauth)
{
	t_raw_flip(T.be, T_B_META, "counters", 8, 0, 0x02);
	expect_check(CUSTOS_EAUTH, "the stored 'counters' record failed authentication: it was modified");
	expect_no_more_writes();
}
END_TEST

START_TEST(a_modified_access_record_is_eauth)
{
	static const unsigned char key[5] = { 'i', 0, 0, 0, 2 };  /* the name of principal 2 */
	unsigned char *v;
	size_t n;

	ck_assert_int_eq(t_raw_get(T.be, T_B_ACCESS, key, 5, &v, &n), CUSTOS_OK);
	ck_assert_int_eq(t_raw_put(T.be, T_B_ACCESS, key, 5, v, n - 1), CUSTOS_OK);
	free(v);
	expect_check(CUSTOS_EAUTH, "the stored 'i\\x00\\x00\\x00\\x02' record failed authentication: it was modified");
}
END_TEST

/* Counters, the audit log's head and its newest blocks all put back as they were before
 * two creates: the metadata agrees with the head and the log ends there, yet customers 4
 * and 5 exist. */
START_TEST(counters_behind_the_records_are_named)
{
	static unsigned char before[64][T_KEY_MAX], now[64][T_KEY_MAX];
	size_t blen[64], nlen[64], bn, nn;
	unsigned char *ctr, *head;
	size_t cn, hn;

	ck_assert_int_eq(custos_audit_flush(T.ctx), CUSTOS_OK);
	ck_assert_int_eq(t_raw_get(T.be, T_B_META, "counters", 8, &ctr, &cn), CUSTOS_OK);
	ck_assert_int_eq(t_raw_get(T.be, T_B_META, "audit_head", 10, &head, &hn), CUSTOS_OK);
	bn = t_raw_keys(T.be, T_B_AUDIT, NULL, 0, before, blen, 64);
	t_create(T.ctx, "Dee", NULL);
	t_create(T.ctx, "Eve", NULL);
	ck_assert_int_eq(custos_audit_flush(T.ctx), CUSTOS_OK);
	nn = t_raw_keys(T.be, T_B_AUDIT, NULL, 0, now, nlen, 64);
	ck_assert_uint_gt(nn, bn);
	for (size_t i = 0; i < nn; i++) {
		size_t j = 0;
		while (j < bn && (blen[j] != nlen[i] || memcmp(before[j], now[i], nlen[i]) != 0))
			j++;
		if (j == bn)  /* written by the two creates */
			ck_assert_int_eq(t_raw_del(T.be, T_B_AUDIT, now[i], nlen[i]), CUSTOS_OK);
	}
	ck_assert_int_eq(t_raw_put(T.be, T_B_META, "counters", 8, ctr, cn), CUSTOS_OK);
	ck_assert_int_eq(t_raw_put(T.be, T_B_META, "audit_head", 10, head, hn), CUSTOS_OK);
	free(ctr);
	free(head);
	expect_check(CUSTOS_ECORRUPT, "the store's next customer id is 4, yet customer 5 exists: its counters were "
		"rolled back or damaged");
	expect_no_more_writes();
}
END_TEST

START_TEST(a_removed_record_is_named_by_the_count)
{
	unsigned char k[8];

	put_u64be(k, 2);
	ck_assert_int_eq(t_raw_del(T.be, T_B_CUSTOMERS, k, 8), CUSTOS_OK);
	expect_check(CUSTOS_ECORRUPT, "the store counts 3 customers but holds 2");
}
END_TEST

START_TEST(a_record_under_id_zero_is_named)
{
	copy_record(1, 0);
	expect_check(CUSTOS_ECORRUPT, "a customer record is stored under id 0, which is never given out");
}
END_TEST

static Suite *integrity_suite(void)
{
	Suite *s = suite_create("integrity");
	TCase *tc = tcase_create("sound stores");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, an_empty_store_checks_clean, 0, 2);
	tcase_add_loop_test(tc, a_store_with_every_kind_of_entry_checks_clean, 0, 2);
	tcase_add_test(tc, a_check_while_another_thread_writes_finds_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, setup_memory, close_store);
	tcase_add_test(tc, checking_needs_the_audit_operation);
	suite_add_tcase(s, tc);

	tc = tcase_create("index");
	tcase_add_checked_fixture(tc, setup_memory, close_store);
	tcase_add_test(tc, a_missing_blind_entry_is_named);
	tcase_add_test(tc, a_missing_tag_entry_is_named);
	tcase_add_test(tc, a_missing_clear_entry_is_named);
	tcase_add_test(tc, a_missing_hashed_entry_is_named);
	tcase_add_test(tc, missing_owner_and_team_entries_are_named);
	tcase_add_test(tc, a_blind_entry_with_a_wrong_verifier_is_named);
	tcase_add_test(tc, an_entry_for_a_customer_that_does_not_exist_is_named);
	tcase_add_test(tc, an_entry_for_the_wrong_customer_is_named);
	tcase_add_test(tc, a_blind_entry_copied_to_another_customer_is_named);
	tcase_add_test(tc, a_stray_owner_entry_is_named);
	tcase_add_test(tc, an_undocumented_key_in_the_index_is_named);
	tcase_add_test(tc, an_entry_of_a_field_the_schema_lacks_is_named);
	tcase_add_test(tc, an_entry_of_the_wrong_kind_is_named);
	tcase_add_test(tc, entries_of_a_field_that_is_not_searchable_are_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("index in an lmdb file");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, flipped_bits_in_an_email_entry_are_found_by_the_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup_memory, close_store);
	tcase_add_test(tc, a_record_that_fails_authentication_is_eauth);
	tcase_add_test(tc, a_record_copied_over_another_is_eauth);
	tcase_add_test(tc, a_modified_sealed_meta_record_is_eauth);
	tcase_add_test(tc, a_modified_access_record_is_eauth);
	tcase_add_test(tc, counters_behind_the_records_are_named);
	tcase_add_test(tc, a_removed_record_is_named_by_the_count);
	tcase_add_test(tc, a_record_under_id_zero_is_named);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(integrity_suite());
}
