/*
 * tests/check_db.c — stores: options, secrets, open and create flags, unlocking,
 * passphrase change, closing with live children, and every NULL argument.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

static custos_secret *pass(const char *p)
{
	custos_secret *s = NULL;
	ck_assert_int_eq(custos_secret_passphrase(&s, p), CUSTOS_OK);
	return s;
}

/* Argon2id at its floor keeps passphrase tests fast. */
static custos_db_options fast_opts(unsigned flags)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	o.flags = flags;
	o.kdf_opslimit = 2;
	o.kdf_memlimit = 64ULL << 20;
	return o;
}

static void lmdb_uri(char *uri, size_t n, const char *dir)
{
	snprintf(uri, n, "lmdb:%s/store", dir);
}

/* ---- options ---- */

START_TEST(options_init_sets_version_and_zeroes)
{
	custos_db_options o;
	memset(&o, 0xAB, sizeof o);
	ck_assert_int_eq(custos_db_options_init(&o, CUSTOS_DB_OPTIONS_VERSION), CUSTOS_OK);
	ck_assert_uint_eq(o.version, CUSTOS_DB_OPTIONS_VERSION);
	ck_assert_uint_eq(o.flags, 0);
	ck_assert_ptr_null(o.default_region);
	ck_assert_uint_eq(o.map_size, 0);
}
END_TEST

START_TEST(options_init_rejects_null_and_unknown_versions)
{
	custos_db_options o;
	ck_assert_int_eq(custos_db_options_init(NULL, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_db_options_init(&o, 0), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_db_options_init(&o, CUSTOS_DB_OPTIONS_VERSION + 1), CUSTOS_EVERSION);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "version"));
}
END_TEST

START_TEST(open_rejects_bad_options)
{
	custos_secret *s = t_secret();
	custos_db *db = (custos_db *)1;
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;

	o.version = 0;
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EVERSION);
	ck_assert_ptr_null(db);
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.flags |= 0x80;
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_EXCL);
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_CREATE | CUSTOS_OPEN_READONLY);
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.durability = 7;
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.kdf_opslimit = 1;
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.kdf_memlimit = 2ULL << 30;
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.expected_customers = 10;
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.default_region = "XX";
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "XX"));
	o = fast_opts(CUSTOS_OPEN_CREATE);
	o.admin_name = "has space";
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_EINVALID);
	ck_assert_ptr_null(db);
	custos_secret_free(s);
}
END_TEST

/* ---- secrets ---- */

START_TEST(secret_passphrase_validates)
{
	custos_secret *s = (custos_secret *)1;
	char *big = malloc(CUSTOS_PASSPHRASE_MAX_BYTES + 2);

	ck_assert_int_eq(custos_secret_passphrase(NULL, "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_secret_passphrase(&s, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(custos_secret_passphrase(&s, ""), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_secret_passphrase(&s, "bad \xC3\x28 utf8"), CUSTOS_EINVALID);
	memset(big, 'a', CUSTOS_PASSPHRASE_MAX_BYTES + 1);
	big[CUSTOS_PASSPHRASE_MAX_BYTES + 1] = '\0';
	ck_assert_int_eq(custos_secret_passphrase(&s, big), CUSTOS_EINVALID);
	big[CUSTOS_PASSPHRASE_MAX_BYTES] = '\0';
	ck_assert_int_eq(custos_secret_passphrase(&s, big), CUSTOS_OK);
	custos_secret_free(s);
	custos_secret_free(NULL);
	free(big);
}
END_TEST

START_TEST(secret_key_validates)
{
	custos_secret *s = (custos_secret *)1;
	unsigned char zero[32] = { 0 };

	ck_assert_int_eq(custos_secret_key(NULL, t_key, 32), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_secret_key(&s, NULL, 32), CUSTOS_EINVALID);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(custos_secret_key(&s, t_key, 31), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_secret_key(&s, t_key, 33), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_secret_key(&s, zero, 32), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "zero"));
	ck_assert_int_eq(custos_secret_key(&s, t_key, 32), CUSTOS_OK);
	custos_secret_free(s);
}
END_TEST

/* ---- open and create ---- */

START_TEST(open_null_arguments)
{
	custos_secret *s = t_secret();
	custos_db *db = (custos_db *)1;

	ck_assert_int_eq(custos_db_open(NULL, "memory:", s, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_db_open(&db, NULL, s, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_null(db);
	ck_assert_int_eq(custos_db_open(&db, "memory:", NULL, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_db_open(&db, "", s, NULL), CUSTOS_EINVALID);
	custos_secret_free(s);
}
END_TEST

START_TEST(open_memory_without_create_is_not_found)
{
	custos_secret *s = t_secret();
	custos_db *db;

	ck_assert_int_eq(custos_db_open(&db, "memory:", s, NULL), CUSTOS_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "CUSTOS_OPEN_CREATE"));
	custos_secret_free(s);
}
END_TEST

START_TEST(open_unknown_scheme_is_not_supported)
{
	custos_secret *s = t_secret();
	custos_db *db;

	ck_assert_int_eq(custos_db_open(&db, "postgresql://localhost/crm", s, NULL), CUSTOS_ENOTSUPPORTED);
	ck_assert_int_eq(custos_db_open(&db, "memory:extra", s, NULL), CUSTOS_EINVALID);
	custos_secret_free(s);
}
END_TEST

START_TEST(create_then_open_lmdb_by_plain_path_and_uri)
{
	char dir[256], uri[300], plain[300];
	custos_secret *s = t_secret();
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE);
	custos_db *db;
	custos_ctx *ctx;
	uint64_t id, n;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	snprintf(plain, sizeof plain, "%s/store", dir);
	ck_assert_int_eq(custos_db_open(&db, plain, s, NULL), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_db_open(&db, plain, s, &o), CUSTOS_OK);
	ck_assert_str_eq(custos_db_backend_name(db), "lmdb");
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	id = t_create(ctx, "Ada", "ada@example.com");
	ck_assert_uint_eq(id, 1);
	custos_ctx_free(ctx);
	custos_db_close(db);

	ck_assert_int_eq(custos_db_open(&db, uri, s, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(s);
	t_rmtree(dir);
}
END_TEST

START_TEST(create_exclusive_fails_when_store_exists)
{
	char dir[256], uri[300];
	custos_secret *s = t_secret();
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL);
	custos_db *db;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_OK);
	custos_db_close(db);
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_EEXISTS);
	ck_assert_ptr_null(db);
	o.flags = CUSTOS_OPEN_CREATE;   /* create-or-open opens it */
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_OK);
	custos_db_close(db);
	custos_secret_free(s);
	t_rmtree(dir);
}
END_TEST

/* A store whose header was deleted still holds its keyring, schema and customers: a new
 * store made over them would hide them under a new keyring. */
START_TEST(create_refuses_data_without_a_store_header)
{
	custos_val header = { (const unsigned char *)"header", 6 };
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	unsigned char before[32], after[32];
	custos_secret *s = t_secret();
	custos_db *db = NULL;
	custos_backend *be;
	char uri[300];
	t_store t;
	void *txn;

	t_store_open(&t, "lmdb");
	t_create(t.ctx, "Kept Customer", NULL);
	custos_ctx_free(t.ctx);
	custos_db_close(t.db);
	t.ctx = NULL;
	t.db = NULL;
	be = t_raw_open(&t);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->del(be, txn, T_B_META, &header), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	t_digest(be, before);
	custos_backend_free(be);

	lmdb_uri(uri, sizeof uri, t.dir);
	o.flags = CUSTOS_OPEN_CREATE;
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_EEXISTS);
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "holds data but no custos store header"));
	ck_assert_int_eq(custos_db_open(&db, uri, s, NULL), CUSTOS_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "holds data but no custos store header"));
	be = t_raw_open(&t);
	t_digest(be, after);
	custos_backend_free(be);
	ck_assert_mem_eq(before, after, 32);
	custos_secret_free(s);
	t_store_close(&t);
}
END_TEST

START_TEST(wrong_key_is_ekey)
{
	char dir[256], uri[300];
	unsigned char other[32];
	custos_secret *s = t_secret(), *wrong, *p;
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE);
	custos_db *db = (custos_db *)1;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_OK);
	custos_db_close(db);
	memcpy(other, t_key, 32);
	other[31] ^= 1;
	ck_assert_int_eq(custos_secret_key(&wrong, other, 32), CUSTOS_OK);
	ck_assert_int_eq(custos_db_open(&db, uri, wrong, NULL), CUSTOS_EKEY);
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "wrong key"));
	p = pass("a passphrase");
	ck_assert_int_eq(custos_db_open(&db, uri, p, NULL), CUSTOS_EKEY);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "raw key"));
	ck_assert_int_eq(custos_db_open(&db, uri, s, NULL), CUSTOS_OK);
	custos_db_close(db);
	custos_secret_free(wrong);
	custos_secret_free(p);
	custos_secret_free(s);
	t_rmtree(dir);
}
END_TEST

START_TEST(wrong_passphrase_is_ekey)
{
	char dir[256], uri[300];
	custos_secret *right = pass("correct horse"), *wrong = pass("correct horsf");
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE);
	custos_db *db;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	ck_assert_int_eq(custos_db_open(&db, uri, right, &o), CUSTOS_OK);
	custos_db_close(db);
	ck_assert_int_eq(custos_db_open(&db, uri, wrong, NULL), CUSTOS_EKEY);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "wrong passphrase"));
	ck_assert_int_eq(custos_db_open(&db, uri, right, NULL), CUSTOS_OK);
	custos_db_close(db);
	custos_secret_free(right);
	custos_secret_free(wrong);
	t_rmtree(dir);
}
END_TEST

START_TEST(rekey_changes_passphrase_and_keeps_data)
{
	char dir[256], uri[300];
	custos_secret *old = pass("old passphrase"), *next = pass("new passphrase"), *raw = t_secret();
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE);
	custos_db *db;
	custos_ctx *ctx;
	custos_iter *it;
	uint64_t id, found;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	ck_assert_int_eq(custos_db_open(&db, uri, old, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	id = t_create(ctx, "Grace", "grace@example.com");
	ck_assert_int_eq(custos_db_rekey(NULL, next), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_db_rekey(ctx, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_db_rekey(ctx, next), CUSTOS_OK);
	custos_ctx_free(ctx);
	custos_db_close(db);

	ck_assert_int_eq(custos_db_open(&db, uri, old, NULL), CUSTOS_EKEY);
	ck_assert_int_eq(custos_db_open(&db, uri, next, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_find(&it, ctx, "email", "grace@example.com"), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&found, it), CUSTOS_OK);
	ck_assert_uint_eq(found, id);
	custos_iter_free(it);
	/* A passphrase store can move to a raw key from a KMS. */
	ck_assert_int_eq(custos_db_rekey(ctx, raw), CUSTOS_OK);
	custos_ctx_free(ctx);
	custos_db_close(db);
	ck_assert_int_eq(custos_db_open(&db, uri, next, NULL), CUSTOS_EKEY);
	ck_assert_int_eq(custos_db_open(&db, uri, raw, NULL), CUSTOS_OK);
	custos_db_close(db);
	custos_secret_free(old);
	custos_secret_free(next);
	custos_secret_free(raw);
	t_rmtree(dir);
}
END_TEST

START_TEST(readonly_store_refuses_writes)
{
	char dir[256], uri[300];
	custos_secret *s = t_secret();
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE);
	custos_db *db;
	custos_ctx *ctx;
	custos_customer *c;
	uint64_t n;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	t_create(ctx, "Ines", "ines@example.com");
	custos_ctx_free(ctx);
	custos_db_close(db);
	o.flags = CUSTOS_OPEN_READONLY;
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_EINVALID);  /* reads could not be audited */
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "CUSTOS_AUDIT_READS_OFF"));
	o.audit_reads = CUSTOS_AUDIT_READS_OFF;
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	c = t_person(ctx, "Jonas", NULL);
	ck_assert_int_eq(custos_customer_create(NULL, ctx, c), CUSTOS_ESTATE);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "read-only"));
	ck_assert_int_eq(custos_db_rekey(ctx, s), CUSTOS_ESTATE);
	ck_assert_int_eq(custos_db_rebuild_indexes(ctx), CUSTOS_ESTATE);
	ck_assert_str_eq(custos_error_last(), "the store was opened read-only");
	ck_assert_int_eq(custos_db_check(ctx), CUSTOS_OK);  /* the check only reads */
	custos_customer_free(c);
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(s);
	t_rmtree(dir);
}
END_TEST

START_TEST(same_path_twice_shares_one_environment)
{
	char dir[256], uri[300];
	custos_secret *s = t_secret();
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE), ro = fast_opts(CUSTOS_OPEN_READONLY);

	ro.audit_reads = CUSTOS_AUDIT_READS_OFF;
	custos_db *a, *b, *c;
	custos_ctx *ca, *cb;
	uint64_t n;

	t_tmpdir(dir, sizeof dir);
	lmdb_uri(uri, sizeof uri, dir);
	ck_assert_int_eq(custos_db_open(&a, uri, s, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_db_open(&b, uri, s, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_db_open(&c, uri, s, &ro), CUSTOS_EBUSY);
	ck_assert_int_eq(custos_ctx_open(&ca, a, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&cb, b, "admin"), CUSTOS_OK);
	t_create(ca, "Kavya", NULL);
	ck_assert_int_eq(custos_customer_count(&n, cb), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	custos_ctx_free(ca);
	custos_db_close(a);
	t_create(cb, "Liam", NULL);   /* the environment outlives the first handle */
	custos_ctx_free(cb);
	custos_db_close(b);
	custos_secret_free(s);
	t_rmtree(dir);
}
END_TEST

START_TEST(close_with_live_children_defers_free)
{
	t_store t;
	custos_customer *c, *got, *none;
	custos_schema *schema;
	custos_iter *it;
	custos_ctx *again;
	const char *name;
	uint64_t id;

	t_store_open(&t, "memory");
	id = t_create(t.ctx, "Mei", "mei@example.com");
	ck_assert_int_eq(custos_customer_lookup(&got, t.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_get(&schema, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_list(&it, t.ctx, NULL), CUSTOS_OK);
	c = t_person(t.ctx, "Nadia", NULL);
	custos_db_close(t.db);
	/* Children stay usable as values; calls needing the store are ESTATE. */
	ck_assert_int_eq(custos_customer_get_text(&name, got, "name"), CUSTOS_OK);
	ck_assert_str_eq(name, "Mei");
	ck_assert_uint_eq(custos_schema_field_count(schema), 11);
	ck_assert_int_eq(custos_customer_create(NULL, t.ctx, c), CUSTOS_ESTATE);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ESTATE);
	ck_assert_int_eq(custos_customer_lookup(&none, t.ctx, id), CUSTOS_ESTATE);
	ck_assert_int_eq(custos_ctx_open(&again, t.db, "admin"), CUSTOS_ESTATE);
	/* Free in any order; the last one releases the store. */
	custos_iter_free(it);
	custos_customer_free(got);
	custos_ctx_free(t.ctx);
	custos_schema_free(schema);
	custos_customer_free(c);
	custos_db_close(NULL);
}
END_TEST

START_TEST(ctx_open_validates)
{
	t_store t;
	custos_ctx *ctx = (custos_ctx *)1;

	t_store_open(&t, "memory");
	ck_assert_int_eq(custos_ctx_open(NULL, t.db, "admin"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_ctx_open(&ctx, NULL, "admin"), CUSTOS_EINVALID);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(custos_ctx_open(&ctx, t.db, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_ctx_open(&ctx, t.db, "nobody"), CUSTOS_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "nobody"));
	ck_assert_int_eq(custos_ctx_open(&ctx, t.db, ""), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_ctx_principal(t.ctx), "admin");
	ck_assert_uint_eq(custos_ctx_principal_id(t.ctx), 1);
	ck_assert_str_eq(custos_ctx_principal(NULL), "");
	ck_assert_uint_eq(custos_ctx_principal_id(NULL), 0);
	custos_ctx_free(NULL);
	t_store_close(&t);
}
END_TEST

START_TEST(admin_name_is_configurable)
{
	custos_secret *s = t_secret();
	custos_db_options o = fast_opts(CUSTOS_OPEN_CREATE);
	custos_db *db;
	custos_ctx *ctx;

	o.admin_name = "root@crm";
	ck_assert_int_eq(custos_db_open(&db, "memory:", s, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "root@crm"), CUSTOS_OK);
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(s);
}
END_TEST

static Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, options_init_sets_version_and_zeroes);
	tcase_add_test(tc, options_init_rejects_null_and_unknown_versions);
	tcase_add_test(tc, open_rejects_bad_options);
	suite_add_tcase(s, tc);
	tc = tcase_create("secrets");
	tcase_add_test(tc, secret_passphrase_validates);
	tcase_add_test(tc, secret_key_validates);
	suite_add_tcase(s, tc);
	tc = tcase_create("open");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, open_null_arguments);
	tcase_add_test(tc, open_memory_without_create_is_not_found);
	tcase_add_test(tc, open_unknown_scheme_is_not_supported);
	tcase_add_test(tc, create_then_open_lmdb_by_plain_path_and_uri);
	tcase_add_test(tc, create_exclusive_fails_when_store_exists);
	tcase_add_test(tc, create_refuses_data_without_a_store_header);
	tcase_add_test(tc, wrong_key_is_ekey);
	tcase_add_test(tc, wrong_passphrase_is_ekey);
	tcase_add_test(tc, rekey_changes_passphrase_and_keeps_data);
	tcase_add_test(tc, readonly_store_refuses_writes);
	tcase_add_test(tc, same_path_twice_shares_one_environment);
	suite_add_tcase(s, tc);
	tc = tcase_create("lifetime");
	tcase_add_test(tc, close_with_live_children_defers_free);
	tcase_add_test(tc, ctx_open_validates);
	tcase_add_test(tc, admin_name_is_configurable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(db_suite());
}
