/*
 * tests/alloc_fixture.c — the seeded store of check_alloc (see alloc_fixture.h). Nothing
 * here runs under an armed countdown.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "alloc_fixture.h"
#include "faults.h"

void t_fx_options(custos_db_options *o)
{
	custos_db_options d = CUSTOS_DB_OPTIONS_INIT;

	*o = d;
	o->expected_customers = 1000;
	o->durability = CUSTOS_DURABILITY_NORMAL;
	o->audit_max_age_ms = 3600 * 1000;
}

custos_secret *t_fx_secret(const t_fx *fx)
{
	custos_secret *s = NULL;

	ck_assert_int_eq(custos_secret_key(&s, fx->key, sizeof fx->key), CUSTOS_OK);
	return s;
}

/* ---- the kept memory backend: every method forwards, but free keeps the store ---- */

typedef struct kept {
	custos_backend base;
	t_fx *fx;
} kept;

#define IN(be) (((kept *)(be))->fx->kept)
static int k_prepare(custos_backend *be, const char *const *b, size_t n)
{
	t_fx *fx = ((kept *)be)->fx;
	int rc = fx->prepared ? CUSTOS_OK : IN(be)->prepare(IN(be), b, n);

	fx->prepared |= rc == CUSTOS_OK;
	return rc;
}
static int k_begin(custos_backend *be, unsigned fl, void **t) { return IN(be)->begin(IN(be), fl, t); }
static int k_commit(custos_backend *be, void *t) { return IN(be)->commit(IN(be), t); }
static void k_abort(custos_backend *be, void *t) { IN(be)->abort(IN(be), t); }
static int k_get(custos_backend *be, void *t, unsigned b, const custos_val *k, custos_val *v)
{
	return IN(be)->get(IN(be), t, b, k, v);
}
static int k_put(custos_backend *be, void *t, unsigned b, const custos_val *k, const custos_val *v, unsigned fl)
{
	return IN(be)->put(IN(be), t, b, k, v, fl);
}
static int k_del(custos_backend *be, void *t, unsigned b, const custos_val *k) { return IN(be)->del(IN(be), t, b, k); }
static int k_cursor_open(custos_backend *be, void *t, unsigned b, void **c) { return IN(be)->cursor_open(IN(be), t, b, c); }
static int k_cursor_seek(custos_backend *be, void *c, const custos_val *k, custos_val *ko, custos_val *vo)
{
	return IN(be)->cursor_seek(IN(be), c, k, ko, vo);
}
static int k_cursor_next(custos_backend *be, void *c, custos_val *ko, custos_val *vo)
{
	return IN(be)->cursor_next(IN(be), c, ko, vo);
}
static void k_cursor_close(custos_backend *be, void *c) { IN(be)->cursor_close(IN(be), c); }
static int k_txn_id(custos_backend *be, void *t, uint64_t *out) { return IN(be)->txn_id(IN(be), t, out); }
static void k_free(custos_backend *be) { free(be); }

static custos_backend *kept_new(t_fx *fx)
{
	kept *k = calloc(1, sizeof *k);

	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(custos_backend_init(&k->base, CUSTOS_BACKEND_VERSION), CUSTOS_OK);
	k->fx = fx;
	k->base.name = "memory";
	k->base.prepare = k_prepare;
	k->base.begin = k_begin;
	k->base.commit = k_commit;
	k->base.abort = k_abort;
	k->base.get = k_get;
	k->base.put = k_put;
	k->base.del = k_del;
	k->base.cursor_open = k_cursor_open;
	k->base.cursor_seek = k_cursor_seek;
	k->base.cursor_next = k_cursor_next;
	k->base.cursor_close = k_cursor_close;
	k->base.txn_id = fx->kept->txn_id ? k_txn_id : NULL;
	k->base.free = k_free;
	return &k->base;
}

custos_backend *t_fx_backend(t_fx *fx, unsigned flags)
{
	custos_db_options o;
	custos_backend *be = NULL;

	if (!fx->lmdb)
		return kept_new(fx);
	t_fx_options(&o);
	o.flags = flags;
	ck_assert_int_eq(custos_backend_open(&be, fx->uri, &o), CUSTOS_OK);
	return be;
}

/* ---- opening and closing ---- */

static int count_checkpoint(uint64_t seq, const unsigned char *hash, size_t hash_len, int64_t time_us,
	const unsigned char *sig, size_t sig_len, void *payload)
{
	(void)seq, (void)hash, (void)hash_len, (void)time_us, (void)sig, (void)sig_len;
	((t_fx *)payload)->checkpoints++;
	return 0;
}

void t_fx_verify(custos_ctx *ctx)
{
	uint64_t bad = 1;
	int rc = custos_audit_verify(&bad, ctx, 0, NULL, 0);

	ck_assert_msg(rc == CUSTOS_OK, "the audit log does not verify: %s: %s", custos_error_name(rc),
		custos_error_last());
	ck_assert_uint_eq(bad, 0);
}

static void open_as(t_fx *fx, unsigned flags)
{
	custos_secret *s = t_fx_secret(fx);
	custos_db_options o;
	custos_backend *be = t_fx_backend(fx, flags);
	int rc;

	t_fx_options(&o);
	o.flags = flags;
	rc = custos_db_open_backend(&fx->db, be, s, &o);
	ck_assert_msg(rc == CUSTOS_OK, "the store does not open: %s: %s", custos_error_name(rc), custos_error_last());
	custos_secret_free(s);
	fx->be = be;
	ck_assert_int_eq(custos_ctx_open(&fx->ctx, fx->db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_db_set_checkpoint_callback(fx->db, count_checkpoint, fx), CUSTOS_OK);
}

void t_fx_open(t_fx *fx)
{
	open_as(fx, 0);
}

void t_fx_close(t_fx *fx)
{
	custos_ctx_free(fx->ctx);
	ck_assert_msg(custos_db_close(fx->db) == CUSTOS_OK, "close: %s", custos_error_last());
	fx->ctx = NULL;
	fx->db = NULL;
	fx->be = NULL;
}

/* ---- seeding ---- */

static void add_field(custos_ctx *ctx, const char *name, uint32_t type, uint32_t cls, const char *values)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;

	o.name = name;
	o.type = type;
	o.field_class = cls;
	o.flags = cls == CUSTOS_CLASS_PROFILE ? CUSTOS_FIELD_CLEAR : 0;  /* the profile class is clear */
	o.enum_values = values;
	ck_assert_int_eq(custos_schema_add_field(ctx, &o), CUSTOS_OK);
}

static uint64_t seed_customer(custos_ctx *ctx, const char *name, const char *email, const char *company)
{
	custos_customer *c = t_person(ctx, name, email);
	uint64_t id = 0;

	if (company)
		ck_assert_int_eq(custos_customer_set_text(c, "company", company), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 4567"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "1990-02-03"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "stage", "won"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "north"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_int(c, "score", -42), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_money(c, "balance", 123456, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", 1700000000), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_bool(c, "active", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "tier", "silver"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&id, ctx, c), CUSTOS_OK);
	custos_customer_free(c);
	return id;
}

static void seed(t_fx *fx)
{
	custos_ctx *ctx = fx->ctx;

	add_field(ctx, "score", CUSTOS_TYPE_INTEGER, CUSTOS_CLASS_NOTES, NULL);
	add_field(ctx, "balance", CUSTOS_TYPE_MONEY, CUSTOS_CLASS_FINANCIAL, NULL);
	add_field(ctx, "since", CUSTOS_TYPE_TIMESTAMP, CUSTOS_CLASS_NOTES, NULL);
	add_field(ctx, "active", CUSTOS_TYPE_BOOLEAN, CUSTOS_CLASS_NOTES, NULL);
	add_field(ctx, "tier", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, "bronze,silver,gold");
	ck_assert_int_eq(custos_team_create(NULL, ctx, "east"), CUSTOS_OK);
	ck_assert_int_eq(custos_team_create(NULL, ctx, "west"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, ctx, "bob", "sales", "east"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, ctx, "cy", "support", "west"), CUSTOS_OK);
	fx->ids[0] = seed_customer(ctx, "Ada Lovelace", "ada@example.com", "Analytical Engines");
	fx->ids[1] = seed_customer(ctx, "Bea Smith", "bea@example.com", NULL);
	fx->ids[2] = seed_customer(ctx, "Cai Lun", "cai@example.com", NULL);
	ck_assert_int_eq(custos_customer_reassign(ctx, fx->ids[1], "bob"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_reassign(ctx, fx->ids[2], "bob"), CUSTOS_OK);
}

/* ---- the seeded copy ---- */

static const char *const bucket_names[T_B_COUNT] = { "meta", "customers", "index", "access", "audit", "events",
	"points", "history", "erased", "consent" };

/* Every key of every bucket of `from` into the empty `to`, in one transaction. */
static void copy_store(custos_backend *to, custos_backend *from)
{
	custos_val k, v, empty = { NULL, 0 };
	void *rt, *wt, *cur;
	int rc;

	ck_assert_int_eq(to->prepare(to, bucket_names, T_B_COUNT), CUSTOS_OK);
	ck_assert_int_eq(from->begin(from, CUSTOS_TXN_READ, &rt), CUSTOS_OK);
	ck_assert_int_eq(to->begin(to, CUSTOS_TXN_WRITE, &wt), CUSTOS_OK);
	for (unsigned b = 0; b < T_B_COUNT; b++) {
		ck_assert_int_eq(from->cursor_open(from, rt, b, &cur), CUSTOS_OK);
		for (rc = from->cursor_seek(from, cur, &empty, &k, &v); rc == CUSTOS_OK; rc = from->cursor_next(from, cur, &k, &v))
			ck_assert_int_eq(to->put(to, wt, b, &k, &v, 0), CUSTOS_OK);
		ck_assert_int_eq(rc, CUSTOS_ITEROVER);
		from->cursor_close(from, cur);
	}
	ck_assert_int_eq(to->commit(to, wt), CUSTOS_OK);
	from->abort(from, rt);
}

void t_fx_copy_file(const char *to, const char *from)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	ck_assert_int_eq(ferror(in), 0);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

void t_fx_reset(t_fx *fx)
{
	char data[320];

	ck_assert_ptr_null(fx->db);
	memcpy(fx->key, t_key, sizeof fx->key);
	if (fx->lmdb) {
		snprintf(data, sizeof data, "%s/data.mdb", fx->path);
		t_fx_copy_file(data, fx->copy);
		return;
	}
	custos_backend_free(fx->kept);
	ck_assert_int_eq(custos_backend_open(&fx->kept, "memory:", NULL), CUSTOS_OK);
	copy_store(fx->kept, fx->seeded);
	fx->prepared = 1;
}

/* ---- making it ---- */

/* The stores as seeded, one per backend, made before the tests fork; each test copies one. */
static t_fx seeded[2];

static void make_seeded(t_fx *fx, int lmdb)
{
	memset(fx, 0, sizeof *fx);
	fx->lmdb = lmdb;
	memcpy(fx->key, t_key, sizeof fx->key);
	if (lmdb) {
		t_tmpdir(fx->dir, sizeof fx->dir);
		snprintf(fx->path, sizeof fx->path, "%s/store", fx->dir);
		snprintf(fx->uri, sizeof fx->uri, "lmdb:%s", fx->path);
	} else {
		ck_assert_int_eq(custos_backend_open(&fx->kept, "memory:", NULL), CUSTOS_OK);
	}
	open_as(fx, CUSTOS_OPEN_CREATE);
	seed(fx);
	t_fx_verify(fx->ctx);
	t_fx_close(fx);
}

void t_fx_seed(void)
{
	make_seeded(&seeded[0], 0);
	make_seeded(&seeded[1], 1);
}

void t_fx_unseed(void)
{
	for (int i = 0; i < 2; i++) {
		custos_backend_free(seeded[i].kept);
		t_rmtree(seeded[i].dir);
	}
	memset(seeded, 0, sizeof seeded);
}

void t_fx_create(t_fx *fx, int lmdb)
{
	const t_fx *from = &seeded[lmdb];

	ck_assert_msg(from->lmdb == lmdb && (lmdb ? from->dir[0] != 0 : from->kept != NULL), "t_fx_seed() first");
	memset(fx, 0, sizeof *fx);
	fx->lmdb = lmdb;
	memcpy(fx->ids, from->ids, sizeof fx->ids);
	if (lmdb) {
		t_tmpdir(fx->dir, sizeof fx->dir);
		snprintf(fx->path, sizeof fx->path, "%s/store", fx->dir);
		snprintf(fx->uri, sizeof fx->uri, "lmdb:%s", fx->path);
		snprintf(fx->copy, sizeof fx->copy, "%s/data.mdb", from->path);
		ck_assert_int_eq(mkdir(fx->path, 0700), 0);
	} else {
		fx->seeded = from->kept;
	}
	t_fx_reset(fx);
}

void t_fx_destroy(t_fx *fx)
{
	if (fx->db)
		t_fx_close(fx);
	custos_backend_free(fx->kept);
	t_rmtree(fx->dir);
	memset(fx, 0, sizeof *fx);
}

/* ---- digests ---- */

static void digest_bucket(crypto_generichash_state *st, custos_backend *be, void *txn, unsigned b)
{
	custos_val k, v, empty = { NULL, 0 };
	void *cur;
	int rc;

	crypto_generichash_update(st, (const unsigned char *)&b, sizeof b);
	ck_assert_int_eq(be->cursor_open(be, txn, b, &cur), CUSTOS_OK);
	for (rc = be->cursor_seek(be, cur, &empty, &k, &v); rc == CUSTOS_OK; rc = be->cursor_next(be, cur, &k, &v)) {
		uint64_t kn = k.size, vn = v.size;
		crypto_generichash_update(st, (const unsigned char *)&kn, 8);
		crypto_generichash_update(st, k.data, k.size);
		crypto_generichash_update(st, (const unsigned char *)&vn, 8);
		crypto_generichash_update(st, v.data, v.size);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
}

void t_fx_digest(t_fx *fx, unsigned mask, unsigned char out[32])
{
	crypto_generichash_state st;
	custos_backend *be = fx->db ? fx->be : NULL;
	void *txn;

	if (!be) {  /* closed: a backend of our own on the same storage */
		be = t_fx_backend(fx, 0);
		ck_assert_int_eq(be->prepare(be, bucket_names, T_B_COUNT), CUSTOS_OK);
	}
	crypto_generichash_init(&st, NULL, 0, 32);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	for (unsigned b = 0; b < T_B_COUNT; b++)
		if (mask & (1U << b))
			digest_bucket(&st, be, txn, b);
	be->abort(be, txn);
	crypto_generichash_final(&st, out, 32);
	if (!fx->db)
		custos_backend_free(be);
}

/* ---- heap the memory store holds ---- */

/* The memory backend allocates a node, a copy of the key and one of the value per key
 * (custos's allocator asks for 1 byte for an empty one); a node's size is measured once,
 * on a store of one key. */
static size_t node_bytes(void)
{
	static const char *const names[1] = { "b" };
	static size_t bytes;
	custos_val k = { (const unsigned char *)"k", 1 }, empty = { NULL, 0 }, ko, vo;
	custos_backend *be = NULL;
	void *txn, *cur;
	t_live a, b;

	if (bytes)
		return bytes;
	ck_assert_int_eq(custos_backend_open(&be, "memory:", NULL), CUSTOS_OK);
	ck_assert_int_eq(be->prepare(be, names, 1), CUSTOS_OK);
	a = t_fault_live();
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->put(be, txn, 0, &k, &k, 0), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	b = t_fault_live();
	ck_assert_int_eq(b.count - a.count, 3);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 0, &cur), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_seek(be, cur, &empty, &ko, &vo), CUSTOS_OK);
	bytes = b.bytes - a.bytes - ko.size - vo.size;
	be->cursor_close(be, cur);
	be->abort(be, txn);
	custos_backend_free(be);
	return bytes;
}

static void held_bucket(t_live *held, custos_backend *be, void *txn, unsigned b)
{
	custos_val k, v, empty = { NULL, 0 };
	void *cur;
	int rc;

	ck_assert_int_eq(be->cursor_open(be, txn, b, &cur), CUSTOS_OK);
	for (rc = be->cursor_seek(be, cur, &empty, &k, &v); rc == CUSTOS_OK; rc = be->cursor_next(be, cur, &k, &v)) {
		held->count += 3;
		held->bytes += node_bytes() + (k.size ? k.size : 1) + (v.size ? v.size : 1);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
}

t_live t_fx_held(t_fx *fx)
{
	t_live held = { 0, 0 };
	custos_backend *be;
	void *txn;

	if (fx->lmdb || !t_faults_everywhere())
		return held;
	be = kept_new(fx);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	for (unsigned b = 0; b < T_B_COUNT; b++)
		held_bucket(&held, be, txn, b);
	be->abort(be, txn);
	custos_backend_free(be);
	return held;
}
