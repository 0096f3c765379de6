/*
 * tests/check_seals.c — sealed records put back from an older valid copy, and a tampered
 * store header. Every record of the meta and access buckets counts towards a digest that
 * the audit log's head keeps, so a demotion, a disable, an id counter, the customer
 * counters, the schema, the access generation or the head itself rolled back is
 * CUSTOS_EAUTH at open, at the next context opened and from custos_audit_verify(); a header
 * edited under the right secret is CUSTOS_EAUTH, not a wrong passphrase.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "support.h"

static t_store T;

static void setup(void)
{
	t_store_open(&T, "lmdb");
	ck_assert_int_eq(custos_team_create(NULL, T.ctx, "north"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, T.ctx, "bob", "manager", "north"), CUSTOS_OK);
	t_create(T.ctx, "Chan Tai Man", "chan@example.com");
}

static void teardown(void)
{
	t_store_close(&T);
}

/* A copy of one stored value, to put back later. */
typedef struct saved {
	unsigned bucket;
	unsigned char key[64];
	size_t kn, n;
	unsigned char *v;
} saved;

static saved save(unsigned bucket, const void *key, size_t kn)
{
	saved s = { bucket, { 0 }, kn, 0, NULL };

	memcpy(s.key, key, kn);
	ck_assert_int_eq(t_raw_get(T.be, bucket, key, kn, &s.v, &s.n), CUSTOS_OK);
	return s;
}

static void put_back(saved *s)
{
	ck_assert_int_eq(t_raw_put(T.be, s->bucket, s->key, s->kn, s->v, s->n), CUSTOS_OK);
	free(s->v);
	s->v = NULL;
}

static saved save_principal(const char *name)
{
	unsigned char k[64] = { 'n' };

	memcpy(k + 1, name, strlen(name));
	return save(T_B_ACCESS, k, strlen(name) + 1);
}

/* What opening the store again says: the code, with the message in msg. */
static int reopen_code(char *msg, size_t n)
{
	custos_secret *s = t_secret();
	custos_db *db = NULL;
	char uri[300];
	int rc;

	custos_ctx_free(T.ctx);
	custos_db_close(T.db);
	T.ctx = NULL;
	T.db = NULL;
	snprintf(uri, sizeof uri, "lmdb:%s/store", T.dir);
	rc = custos_db_open(&db, uri, s, NULL);
	snprintf(msg, n, "%s", custos_error_last());
	ck_assert_ptr_null(rc ? db : NULL);
	custos_db_close(db);
	custos_secret_free(s);
	return rc;
}

#define HAS(msg, part) ck_assert_msg(strstr((msg), (part)) != NULL, "'%s' lacks '%s'", (msg), (part))

/* custos_audit_verify() names the category and points at the head's entry. */
static void verify_names(const char *part)
{
	uint64_t bad = 0;

	ck_assert_int_eq(custos_audit_verify(&bad, T.ctx, 0, NULL, 0), CUSTOS_EAUTH);
	HAS(custos_error_last(), part);
	ck_assert_uint_gt(bad, 0);
}

START_TEST(a_demotion_put_back_is_found)
{
	saved old = save_principal("bob");
	custos_ctx *bob = NULL;
	char msg[600];

	ck_assert_int_eq(custos_principal_set_role(T.ctx, "bob", "sales"), CUSTOS_OK);
	put_back(&old);
	ck_assert_int_eq(custos_ctx_open(&bob, T.db, "bob"), CUSTOS_EAUTH);
	HAS(custos_error_last(), "does not match a principal record");
	ck_assert_ptr_null(bob);
	verify_names("does not match a principal record");
	ck_assert_int_eq(custos_db_check(T.ctx), CUSTOS_EAUTH);
	HAS(custos_error_last(), "does not match a principal record");
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "does not match a principal record");
}
END_TEST

START_TEST(a_disable_put_back_is_found)
{
	saved old = save_principal("bob");
	custos_ctx *bob = NULL;
	char msg[600];

	ck_assert_int_eq(custos_principal_set_disabled(T.ctx, "bob", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&bob, T.db, "bob"), CUSTOS_EDENIED);
	put_back(&old);
	ck_assert_int_eq(custos_ctx_open(&bob, T.db, "bob"), CUSTOS_EAUTH);
	ck_assert_ptr_null(bob);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "does not match a principal record");
}
END_TEST

START_TEST(an_older_id_counter_never_hands_out_an_id_in_use)
{
	saved ids = save(T_B_META, "access_ids", 10);
	uint32_t id = 0;

	ck_assert_int_eq(custos_principal_create(&id, T.ctx, "carol", "sales", "north"), CUSTOS_OK);
	ck_assert_uint_eq(id, 3);
	ck_assert_int_eq(custos_team_create(&id, T.ctx, "south"), CUSTOS_OK);
	put_back(&ids);
	id = 0;
	T_UNCHANGED(&T, custos_principal_create(&id, T.ctx, "dave", "sales", "north"), CUSTOS_EAUTH);
	HAS(custos_error_last(), "principal id 3 is already taken");
	ck_assert_uint_eq(id, 0);
	T_UNCHANGED(&T, custos_team_create(&id, T.ctx, "east"), CUSTOS_EAUTH);
	HAS(custos_error_last(), "team id 2 is already taken");
	verify_names("does not match the access counters");
}
END_TEST

START_TEST(older_customer_counters_are_found)
{
	saved counters = save(T_B_META, "counters", 8);
	char msg[600];

	t_create(T.ctx, "Bea Lee", "bea@example.com");
	put_back(&counters);
	verify_names("does not match the customer counters");
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "does not match the customer counters");
}
END_TEST

START_TEST(an_older_schema_without_a_unique_flag_is_found)
{
	saved schema = save(T_B_META, "schema", 6);
	char msg[600];

	ck_assert_msg(custos_schema_set_field_flags(T.ctx, "email", CUSTOS_FIELD_SEARCHABLE | CUSTOS_FIELD_UNIQUE) == CUSTOS_OK, "%s", custos_error_last());
	put_back(&schema);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "does not match the schema");
}
END_TEST

START_TEST(an_access_generation_of_the_wrong_size_is_refused)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_principal_set_role(T.ctx, "bob", "sales"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, 1), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(t_raw_put(T.be, T_B_META, "access_gen", 10, "\x01\x00\x00", 3), CUSTOS_OK);
	c = NULL;
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, 1), CUSTOS_EAUTH);
	ck_assert_ptr_null(c);
}
END_TEST

/* A context opened after the demotion has seen the newer generation; the older one put
 * back (a valid sealed record) is refused at the next call, not taken as "nothing changed". */
START_TEST(an_access_generation_that_goes_back_is_refused)
{
	saved gen = save(T_B_META, "access_gen", 10);
	custos_customer *c = NULL;
	custos_ctx *bob = NULL;

	ck_assert_int_eq(custos_principal_set_role(T.ctx, "bob", "sales"), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&bob, T.db, "bob"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, 1), CUSTOS_OK);
	custos_customer_free(c);
	put_back(&gen);
	c = NULL;
	ck_assert_int_eq(custos_customer_lookup(&c, bob, 1), CUSTOS_EAUTH);
	HAS(custos_error_last(), "the access generation went back");
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, 1), CUSTOS_EAUTH);
	custos_ctx_free(bob);
}
END_TEST

START_TEST(an_older_head_is_found)
{
	saved head = save(T_B_META, "audit_head", 10);
	char msg[600];

	t_create(T.ctx, "Bea Lee", "bea@example.com");
	put_back(&head);
	verify_names("the log's head does not match its entries");
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "the audit log continues after its head");
}
END_TEST

START_TEST(a_missing_head_is_found)
{
	custos_val key = { (const unsigned char *)"audit_head", 10 };
	char msg[600];
	void *txn;

	ck_assert_int_eq(T.be->begin(T.be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(T.be->del(T.be, txn, T_B_META, &key), CUSTOS_OK);
	ck_assert_int_eq(T.be->commit(T.be, txn), CUSTOS_OK);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "the audit log's head is missing");
}
END_TEST

START_TEST(a_store_without_tampering_opens_and_verifies)
{
	char msg[600];
	custos_ctx *bob = NULL;

	ck_assert_int_eq(custos_principal_set_role(T.ctx, "bob", "sales"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(T.ctx, "bob", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_set_disabled(T.ctx, "bob", 0), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&bob, T.db, "bob"), CUSTOS_OK);
	custos_ctx_free(bob);
	ck_assert_int_eq(custos_audit_verify(NULL, T.ctx, 0, NULL, 0), CUSTOS_OK);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_OK);
	t_store_reopen(&T);
	ck_assert_int_eq(custos_audit_verify(NULL, T.ctx, 0, NULL, 0), CUSTOS_OK);
}
END_TEST

/* ---- the store header ---- */

enum { H_FORMAT = 8, H_STORE_ID = 12, H_SALT = 44, H_KCV = 60, H_RING_VERSION = 92, H_BYTES = 96 };

/* With the store closed, flip one bit of the header and recompute its unkeyed checksum, as
 * anyone with the file can; `at` out of range puts `orig` back instead. */
static void edit_header(size_t at, unsigned char orig[H_BYTES + 32])
{
	custos_backend *raw = t_raw_open(&T);
	unsigned char *v;
	size_t n;

	ck_assert_int_eq(t_raw_get(raw, T_B_META, "header", 6, &v, &n), CUSTOS_OK);
	ck_assert_uint_eq(n, H_BYTES + 32);
	if (at < H_BYTES) {
		memcpy(orig, v, n);
		v[at] ^= 0x01;
		crypto_generichash(v + H_BYTES, 32, v, H_BYTES, NULL, 0);
	} else {
		memcpy(v, orig, n);
	}
	ck_assert_int_eq(t_raw_put(raw, T_B_META, "header", 6, v, n), CUSTOS_OK);
	free(v);
	raw->free(raw);
}

START_TEST(an_altered_header_is_tampering_not_a_wrong_key)
{
	static const struct { size_t at; const char *says; } cases[] = {
		{ H_STORE_ID, "the store header was altered: its store id is not the keyring's" },
		{ H_KCV, "the store header was altered: its key-check value is wrong" },
		{ H_RING_VERSION, "the store header was altered: it names keyring version 0, the keyring is version 1" },
	};
	unsigned char orig[H_BYTES + 32];
	char msg[600];

	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		edit_header(cases[i].at, orig);
		ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
		HAS(msg, cases[i].says);
		edit_header(H_BYTES, orig);
		ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_OK);
	}
	/* The salt is an input of the key derivation: from outside, the same as a wrong key
	 * (a raw key ignores the salt, but the keyring binds it). */
	edit_header(H_SALT, orig);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "the keyring failed authentication");
	edit_header(H_BYTES, orig);
	/* Format 2 with its lowest bit flipped is format 3: a version, not a key question. */
	edit_header(H_FORMAT, orig);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EVERSION);
	ck_assert_str_eq(msg, "store format 3 is not supported by this library (it reads format 2)");
	edit_header(H_BYTES, orig);
	t_store_reopen(&T);
}
END_TEST

/* custos_db_rekey() promises that the old secret stops opening the store, even with the
 * older header and keyring put back (what a file copy or a backup holds): the audit head's
 * digest of the meta records tells them from the current ones. */
START_TEST(an_older_header_and_keyring_put_back_after_a_rekey_are_found)
{
	static const unsigned char next_key[32] = { 7, 7, 7 };
	saved header = save(T_B_META, "header", 6), keyring = save(T_B_META, "keyring", 7);
	custos_secret *next = NULL;
	char msg[600];

	ck_assert_int_eq(custos_secret_key(&next, next_key, sizeof next_key), CUSTOS_OK);
	ck_assert_int_eq(custos_db_rekey(T.ctx, next), CUSTOS_OK);
	custos_secret_free(next);
	put_back(&header);
	put_back(&keyring);
	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_EAUTH);
	HAS(msg, "does not match the store header or keyring");
}
END_TEST

START_TEST(a_wrong_key_or_an_altered_salt_says_both)
{
	static const unsigned char other[32] = { 9, 9, 9 };
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = NULL, *pass = NULL;
	unsigned char orig[H_BYTES + 32];
	custos_db *db = NULL;
	custos_ctx *ctx = NULL;
	char uri[300], msg[600];

	ck_assert_int_eq(reopen_code(msg, sizeof msg), CUSTOS_OK);
	snprintf(uri, sizeof uri, "lmdb:%s/store", T.dir);
	ck_assert_int_eq(custos_secret_key(&s, other, sizeof other), CUSTOS_OK);
	ck_assert_int_eq(custos_db_open(&db, uri, s, NULL), CUSTOS_EKEY);
	ck_assert_str_eq(custos_error_last(), "wrong key, or the store header was altered: the key does not unlock "
		"this store");
	custos_secret_free(s);

	/* A passphrase store whose salt was edited cannot be told from a wrong passphrase. */
	ck_assert_int_eq(custos_secret_passphrase(&pass, "correct horse"), CUSTOS_OK);
	o.kdf_opslimit = 2;
	o.kdf_memlimit = 64ULL << 20;
	o.flags = CUSTOS_OPEN_CREATE;
	t_rmtree(T.dir);
	t_tmpdir(T.dir, sizeof T.dir);
	snprintf(uri, sizeof uri, "lmdb:%s/store", T.dir);
	ck_assert_int_eq(custos_db_open(&db, uri, pass, &o), CUSTOS_OK);
	custos_db_close(db);
	edit_header(H_SALT, orig);
	db = NULL;
	ck_assert_int_eq(custos_db_open(&db, uri, pass, NULL), CUSTOS_EKEY);
	ck_assert_str_eq(custos_error_last(), "wrong passphrase, or the store header was altered: the passphrase does "
		"not unlock this store");
	edit_header(H_BYTES, orig);
	ck_assert_int_eq(custos_db_open(&db, uri, pass, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	ck_assert_msg(custos_audit_verify(NULL, ctx, 0, NULL, 0) == CUSTOS_OK, "%s", custos_error_last());
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(pass);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("seals");
	TCase *tc = tcase_create("rollback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_demotion_put_back_is_found);
	tcase_add_test(tc, a_disable_put_back_is_found);
	tcase_add_test(tc, an_older_id_counter_never_hands_out_an_id_in_use);
	tcase_add_test(tc, older_customer_counters_are_found);
	tcase_add_test(tc, an_older_schema_without_a_unique_flag_is_found);
	tcase_add_test(tc, an_access_generation_of_the_wrong_size_is_refused);
	tcase_add_test(tc, an_access_generation_that_goes_back_is_refused);
	tcase_add_test(tc, an_older_head_is_found);
	tcase_add_test(tc, a_missing_head_is_found);
	tcase_add_test(tc, a_store_without_tampering_opens_and_verifies);
	suite_add_tcase(s, tc);
	tc = tcase_create("header");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_altered_header_is_tampering_not_a_wrong_key);
	tcase_add_test(tc, a_wrong_key_or_an_altered_salt_says_both);
	tcase_add_test(tc, an_older_header_and_keyring_put_back_after_a_rekey_are_found);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(suite());
}
