/*
 * tests/check_backend.c — backend conformance: the same tests of the custos_backend
 * contract (buckets, transactions, read-your-writes, abort, ordering, cursor seeks,
 * snapshot isolation, value lifetime) run against every backend ("memory", "lmdb" and the
 * example "sorted" backend), a whole store on each, and the checks custos makes of a
 * host-written vtable and of backend URIs.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "backend_sorted.h"

/* ---- the backends under test ---- */

enum { K_MEMORY, K_LMDB, K_SORTED, K_COUNT };

static const char *const names[] = { "a", "b", "c" };
#define NAMES (sizeof names / sizeof names[0])

static void store_uri(char *uri, size_t n, const char *dir)
{
	snprintf(uri, n, "lmdb:%s/store", dir);
}

/* A new backend of the given kind; for lmdb, in a fresh temporary directory written to
 * `dir` (256 bytes), which drop() removes. `dir` is "" for the others. */
static custos_backend *make(int kind, char *dir)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *be = NULL;
	char uri[300];

	dir[0] = '\0';
	o.flags = CUSTOS_OPEN_CREATE;
	switch (kind) {
	case K_MEMORY:
		ck_assert_int_eq(custos_backend_open(&be, "memory:", &o), CUSTOS_OK);
		break;
	case K_LMDB:
		t_tmpdir(dir, 256);
		store_uri(uri, sizeof uri, dir);
		ck_assert_int_eq(custos_backend_open(&be, uri, &o), CUSTOS_OK);
		break;
	default:
		ck_assert_int_eq(example_sorted_backend_new(&be), CUSTOS_OK);
		break;
	}
	ck_assert_ptr_nonnull(be);
	ck_assert_uint_eq(be->version, CUSTOS_BACKEND_VERSION);
	return be;
}

/* Free a backend still owned by the test (NULL if a store took it) and remove its directory. */
static void drop(custos_backend *be, int kind, const char *dir)
{
	custos_backend_free(be);
	if (kind == K_LMDB)
		t_rmtree(dir);
}

static custos_backend *make_prepared(int kind, char *dir)
{
	custos_backend *be = make(kind, dir);
	ck_assert_int_eq(be->prepare(be, names, NAMES), CUSTOS_OK);
	return be;
}

/* ---- small helpers ---- */

static custos_val sv(const char *s)
{
	custos_val v = { (const unsigned char *)s, strlen(s) };
	return v;
}

static int put_s(custos_backend *be, void *txn, unsigned bucket, const char *k, const char *v)
{
	custos_val key = sv(k), val = sv(v);
	return be->put(be, txn, bucket, &key, &val, 0);
}

static int get_s(custos_backend *be, void *txn, unsigned bucket, const char *k, custos_val *out)
{
	custos_val key = sv(k);
	return be->get(be, txn, bucket, &key, out);
}

static int del_s(custos_backend *be, void *txn, unsigned bucket, const char *k)
{
	custos_val key = sv(k);
	return be->del(be, txn, bucket, &key);
}

/* Assert a get of k in bucket returns exactly the string want. */
#define ASSERT_GET(be, txn, bucket, k, want) do { \
		custos_val got_; \
		ck_assert_int_eq(get_s((be), (txn), (bucket), (k), &got_), CUSTOS_OK); \
		ck_assert_uint_eq(got_.size, strlen(want)); \
		ck_assert_mem_eq(got_.data, (want), strlen(want)); \
	} while (0)

#define ASSERT_MISSING(be, txn, bucket, k) do { \
		custos_val got_; \
		ck_assert_int_eq(get_s((be), (txn), (bucket), (k), &got_), CUSTOS_ENOTFOUND); \
	} while (0)

/* Assert a cursor result is exactly the string key want. */
#define ASSERT_KEY(k, want) do { \
		ck_assert_uint_eq((k).size, strlen(want)); \
		ck_assert_mem_eq((k).data, (want), strlen(want)); \
	} while (0)

/* ---- 1. get, put, commit ---- */

START_TEST(get_missing_is_enotfound_and_writes_are_read_back)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	void *txn;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 0, "k");
	be->abort(be, txn);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 0, "k");
	ck_assert_int_eq(put_s(be, txn, 0, "k", "value-1"), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "value-1");
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "value-1");
	ASSERT_MISSING(be, txn, 0, "k2");
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 2. abort ---- */

START_TEST(abort_discards_puts_and_deletes)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	void *txn;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "kept", "old"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 1, "gone", "x"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "kept", "new"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "fresh", "f"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "other", "o"), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 1, "gone"), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 1, "gone");
	ASSERT_GET(be, txn, 0, "kept", "new");
	be->abort(be, txn);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "kept", "old");
	ASSERT_GET(be, txn, 1, "gone", "x");
	ASSERT_MISSING(be, txn, 0, "fresh");
	ASSERT_MISSING(be, txn, 2, "other");
	be->abort(be, txn);

	/* The backend still takes writes after an abort. */
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "after", "a"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "after", "a");
	ASSERT_GET(be, txn, 0, "kept", "old");
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 3. replace and empty values ---- */

START_TEST(put_replaces_and_empty_values_read_back_as_size_zero)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val key = sv("empty"), empty = { NULL, 0 }, got;
	void *txn;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k", "first-and-longer"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k", "second"), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "second");
	ck_assert_int_eq(be->put(be, txn, 0, &key, &empty, 0), CUSTOS_OK);
	ck_assert_int_eq(be->get(be, txn, 0, &key, &got), CUSTOS_OK);
	ck_assert_uint_eq(got.size, 0);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "second");
	ck_assert_int_eq(put_s(be, txn, 0, "k", "third, longer than the second"), CUSTOS_OK);
	/* A value replaced by an empty one, too. */
	ck_assert_int_eq(put_s(be, txn, 1, "e2", "not empty yet"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 1, "e2", ""), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "third, longer than the second");
	ck_assert_int_eq(be->get(be, txn, 0, &key, &got), CUSTOS_OK);
	ck_assert_uint_eq(got.size, 0);
	ck_assert_int_eq(get_s(be, txn, 1, "e2", &got), CUSTOS_OK);
	ck_assert_uint_eq(got.size, 0);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 4. buckets ---- */

START_TEST(buckets_are_independent)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	void *txn;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "same", "in-a"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 1, "same", "in-b"), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "same", "in-a");
	ASSERT_GET(be, txn, 1, "same", "in-b");
	ASSERT_MISSING(be, txn, 2, "same");
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 0, "same"), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 2, "same"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 0, "same");
	ASSERT_GET(be, txn, 1, "same", "in-b");
	ASSERT_MISSING(be, txn, 2, "same");
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 5. delete ---- */

START_TEST(del_missing_is_enotfound_and_deleted_keys_are_gone)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	void *txn;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 0, "nothing"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(put_s(be, txn, 0, "k", "v"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k2", "v2"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 0, "k"), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 0, "k");
	ck_assert_int_eq(del_s(be, txn, 0, "k"), CUSTOS_ENOTFOUND);
	/* A key put and deleted in the same transaction. */
	ck_assert_int_eq(put_s(be, txn, 0, "brief", "b"), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 0, "brief"), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 0, "brief");
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_MISSING(be, txn, 0, "k");
	ASSERT_MISSING(be, txn, 0, "brief");
	ASSERT_GET(be, txn, 0, "k2", "v2");
	be->abort(be, txn);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 0, "k"), CUSTOS_ENOTFOUND);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 6. ordering ---- */

#define NKEYS 300
#define KMAX 12

typedef struct tkey {
	unsigned char b[KMAX];
	size_t n;
} tkey;

static int key_cmp(const void *pa, const void *pb)
{
	const tkey *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->b, b->b, n);

	if (c)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

static uint32_t rng_next(uint32_t *s)
{
	/* xorshift32: deterministic, so a failure reproduces. */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int add_key(tkey *keys, size_t *n, const void *b, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (keys[i].n == len && !memcmp(keys[i].b, b, len))
			return 0;
	memcpy(keys[*n].b, b, len);
	keys[*n].n = len;
	(*n)++;
	return 1;
}

/* 300 distinct keys: prefixes of each other, 0x00 and 0xFF bytes, lengths 1 to 12. */
static void make_keys(tkey *keys)
{
	static const struct { const char *b; size_t n; } fixed[] = {
		{ "ab", 2 }, { "abc", 3 }, { "abd", 3 }, { "b", 1 }, { "a", 1 }, { "abcd", 4 },
		{ "\x00", 1 }, { "\x00\x00", 2 }, { "\x00\x01", 2 }, { "\xff", 1 }, { "\xff\xff", 2 },
		{ "\xff\x00", 2 }, { "a\x00", 2 }, { "a\xff", 2 }, { "ab\x00", 3 }, { "ab\xff\xff", 4 },
		{ "\x00" "ab", 3 }, { "\x7f", 1 }, { "\x80", 1 },
	};
	uint32_t seed = 0x9e3779b9u;
	size_t n = 0;

	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		add_key(keys, &n, fixed[i].b, fixed[i].n);
	while (n < NKEYS) {
		unsigned char b[KMAX];
		size_t len = 1 + rng_next(&seed) % KMAX;
		uint32_t mode = rng_next(&seed) % 3;

		for (size_t j = 0; j < len; j++) {
			uint32_t r = rng_next(&seed);
			/* Mostly a small alphabet so keys share prefixes; some full bytes. */
			if (mode == 0)
				b[j] = (unsigned char)r;
			else if (mode == 1)
				b[j] = "ab\x00\xff"[r % 4];
			else
				b[j] = (unsigned char)('a' + r % 3);
		}
		add_key(keys, &n, b, len);
	}
	/* Shuffle into insertion order (Fisher-Yates). */
	for (size_t i = NKEYS - 1; i > 0; i--) {
		size_t j = rng_next(&seed) % (i + 1);
		tkey t = keys[i];
		keys[i] = keys[j];
		keys[j] = t;
	}
}

/* The value stored under a key: its length, then the key reversed. */
static size_t value_of(const tkey *k, unsigned char *out)
{
	out[0] = (unsigned char)k->n;
	for (size_t i = 0; i < k->n; i++)
		out[1 + i] = k->b[k->n - 1 - i];
	return k->n + 1;
}

START_TEST(cursor_walks_keys_in_memcmp_then_length_order)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	tkey *keys = calloc(NKEYS, sizeof *keys), *sorted = calloc(NKEYS, sizeof *sorted);
	custos_val empty = { NULL, 0 }, k, v;
	void *txn, *cur;
	size_t seen = 0, bad_at = NKEYS;
	int rc;

	ck_assert_ptr_nonnull(keys);
	ck_assert_ptr_nonnull(sorted);
	make_keys(keys);
	memcpy(sorted, keys, NKEYS * sizeof *keys);
	qsort(sorted, NKEYS, sizeof *sorted, key_cmp);
	/* The fixture itself: the prefix rule is what we expect. */
	{
		tkey ab = { "ab", 2 }, abc = { "abc", 3 }, abd = { "abd", 3 }, b = { "b", 1 };
		ck_assert_int_lt(key_cmp(&ab, &abc), 0);
		ck_assert_int_lt(key_cmp(&abc, &abd), 0);
		ck_assert_int_lt(key_cmp(&abd, &b), 0);
	}

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	for (size_t i = 0; i < NKEYS; i++) {
		unsigned char vb[KMAX + 1];
		custos_val key = { keys[i].b, keys[i].n }, val = { vb, value_of(&keys[i], vb) };
		if (be->put(be, txn, 1, &key, &val, 0) != CUSTOS_OK && bad_at == NKEYS)
			bad_at = i;
	}
	ck_assert_uint_eq(bad_at, NKEYS);
	/* A key in the neighbouring buckets must not show up in the walk. */
	{
		custos_val key = { (const unsigned char *)"\x00", 1 }, key2 = { (const unsigned char *)"zzz", 3 };
		ck_assert_int_eq(be->put(be, txn, 0, &key2, &key2, 0), CUSTOS_OK);
		ck_assert_int_eq(be->put(be, txn, 2, &key, &key, 0), CUSTOS_OK);
	}
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 1, &cur), CUSTOS_OK);
	for (rc = be->cursor_seek(be, cur, &empty, &k, &v); rc == CUSTOS_OK; rc = be->cursor_next(be, cur, &k, &v)) {
		unsigned char vb[KMAX + 1];
		size_t vn;

		if (seen >= NKEYS) {
			seen++;
			break;
		}
		vn = value_of(&sorted[seen], vb);
		if (bad_at == NKEYS && (k.size != sorted[seen].n || memcmp(k.data, sorted[seen].b, k.size) != 0 ||
		    v.size != vn || memcmp(v.data, vb, vn) != 0))
			bad_at = seen;
		seen++;
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	ck_assert_uint_eq(seen, NKEYS);
	ck_assert_msg(bad_at == NKEYS, "cursor order differs from memcmp-then-length at position %zu", bad_at);
	/* At the end it stays at the end. */
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	be->abort(be, txn);
	free(keys);
	free(sorted);
	drop(be, _i, dir);
}
END_TEST

START_TEST(cursor_on_empty_bucket_is_iterover)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val empty = { NULL, 0 }, probe = sv("m"), k, v;
	void *txn, *cur;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "elsewhere", "x"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 1, &cur), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_seek(be, cur, &empty, &k, &v), CUSTOS_ITEROVER);
	ck_assert_int_eq(be->cursor_seek(be, cur, &probe, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 7. seek ---- */

START_TEST(cursor_seek_lands_on_first_key_at_or_after_probe)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val k, v, p;
	void *txn, *cur;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "b", "vb"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "d", "vd"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "dd", "vdd"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "f", "vf"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 2, &cur), CUSTOS_OK);
	/* Equal to a key. */
	p = sv("d");
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "d");
	ASSERT_KEY(v, "vd");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "dd");
	ASSERT_KEY(v, "vdd");
	/* Between two keys. */
	p = sv("c");
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "d");
	p = sv("d");
	p.size = 2; /* "d\0" */
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "dd");
	p = sv("de");
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "f");
	ASSERT_KEY(v, "vf");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_ITEROVER);
	/* Before all: the first key; a backwards seek works after reaching the end. */
	p = sv("a");
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "b");
	ASSERT_KEY(v, "vb");
	p.data = (const unsigned char *)"\x00";
	p.size = 1;
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "b");
	/* After all. */
	p = sv("g");
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_ITEROVER);
	p = sv("f");
	p.size = 2; /* "f\0" */
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_ITEROVER);
	/* The empty key is the first key. */
	p.data = NULL;
	p.size = 0;
	ck_assert_int_eq(be->cursor_seek(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "b");
	be->cursor_close(be, cur);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* Backends that read backwards (memory, lmdb; the example does not) land on the last key
 * before a probe and step back to the first, in a read and in a write transaction. */
START_TEST(cursor_seek_before_and_prev_walk_backwards)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val k, v, p;
	void *txn, *cur;

	if (_i == K_SORTED) {  /* the example backend: version 3 without the optional pair */
		ck_assert(be->cursor_seek_before == NULL && be->cursor_prev == NULL);
		drop(be, _i, dir);
		return;
	}
	ck_assert(be->cursor_seek_before != NULL && be->cursor_prev != NULL);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	/* Before anything is in the bucket, and with a key in a neighbouring bucket. */
	ck_assert_int_eq(put_s(be, txn, 1, "zz", "other"), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 2, &cur), CUSTOS_OK);
	p = sv("m");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	ck_assert_int_eq(put_s(be, txn, 2, "b", "vb"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "d", "vd"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "dd", "vdd"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 2, "f", "vf"), CUSTOS_OK);
	/* In the write transaction: its own writes. */
	ck_assert_int_eq(be->cursor_open(be, txn, 2, &cur), CUSTOS_OK);
	p = sv("e");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "dd");
	be->cursor_close(be, cur);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 2, &cur), CUSTOS_OK);
	/* The empty probe: the last key; then every key backwards, then the start. */
	p.data = NULL;
	p.size = 0;
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "f");
	ASSERT_KEY(v, "vf");
	ck_assert_int_eq(be->cursor_prev(be, cur, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "dd");
	ASSERT_KEY(v, "vdd");
	ck_assert_int_eq(be->cursor_prev(be, cur, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "d");
	ck_assert_int_eq(be->cursor_prev(be, cur, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "b");
	ck_assert_int_eq(be->cursor_prev(be, cur, &k, &v), CUSTOS_ITEROVER);
	/* Equal to a key: the one before it; a prefix: before it too. */
	p = sv("dd");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "d");
	p = sv("d");
	p.size = 2; /* "d\0" sorts after "d", before "dd" */
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "d");
	/* After every key: the last; forwards again from a backwards position. */
	p = sv("g");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "f");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_ITEROVER);
	p = sv("d");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "b");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "d");
	/* At or before the first key: nothing. */
	p = sv("b");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_ITEROVER);
	p = sv("a");
	ck_assert_int_eq(be->cursor_seek_before(be, cur, &p, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

START_TEST(cursor_in_write_txn_sees_own_writes)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val k, v, empty = { NULL, 0 };
	void *txn, *cur;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "x", "1"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "y", "2"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "w", "0"), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, txn, 0, "x"), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 0, &cur), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_seek(be, cur, &empty, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "w");
	ASSERT_KEY(v, "0");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "y");
	ASSERT_KEY(v, "2");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

START_TEST(put_append_hint_stores_increasing_keys)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val k, v, empty = { NULL, 0 };
	void *txn, *cur;
	int ok = 1, rc;
	unsigned n = 0;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	for (unsigned i = 0; i < 200; i++) {
		unsigned char kb[8] = { 0, 0, 0, 0, 0, 0, (unsigned char)(i >> 8), (unsigned char)i };
		custos_val key = { kb, 8 }, val = { kb, 8 };
		if (be->put(be, txn, 1, &key, &val, CUSTOS_PUT_APPEND) != CUSTOS_OK)
			ok = 0;
	}
	ck_assert(ok);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, 1, &cur), CUSTOS_OK);
	for (rc = be->cursor_seek(be, cur, &empty, &k, &v); rc == CUSTOS_OK && n < 1000;
	     rc = be->cursor_next(be, cur, &k, &v), n++) {
		unsigned char kb[8] = { 0, 0, 0, 0, 0, 0, (unsigned char)(n >> 8), (unsigned char)n };
		if (k.size != 8 || memcmp(k.data, kb, 8) || v.size != 8 || memcmp(v.data, kb, 8))
			ok = 0;
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	ck_assert_uint_eq(n, 200);
	ck_assert(ok);
	be->cursor_close(be, cur);
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

/* ---- 8. isolation ---- */

START_TEST(read_txn_after_commit_sees_the_write)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	void *w, *r;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &w), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 0, "k", "v1"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, w), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &r), CUSTOS_OK);
	ASSERT_GET(be, r, 0, "k", "v1");
	be->abort(be, r);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &w), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 0, "k", "v2"), CUSTOS_OK);
	ck_assert_int_eq(del_s(be, w, 0, "k"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 0, "k", "v3"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, w), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &r), CUSTOS_OK);
	ASSERT_GET(be, r, 0, "k", "v3");
	be->abort(be, r);
	drop(be, _i, dir);
}
END_TEST

/* A read transaction begun before a write transaction, still open while the writer
 * commits, keeps its snapshot. Not for "memory": it serialises readers against the
 * writer with one lock, so a read transaction open on this thread would make `begin`
 * of the write transaction wait for ever (and custos never does this on one thread). */
START_TEST(read_txn_begun_before_write_keeps_its_snapshot)
{
	char dir[256];
	custos_backend *be;
	custos_val empty = { NULL, 0 }, k, v;
	void *w, *r, *cur;

	if (_i == K_MEMORY)
		return;
	be = make_prepared(_i, dir);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &w), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 0, "old", "o1"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, w), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &r), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &w), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 0, "new", "n"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 0, "old", "o2"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, w, 1, "nb", "x"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, w), CUSTOS_OK);

	ASSERT_MISSING(be, r, 0, "new");
	ASSERT_MISSING(be, r, 1, "nb");
	ASSERT_GET(be, r, 0, "old", "o1");
	ck_assert_int_eq(be->cursor_open(be, r, 0, &cur), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_seek(be, cur, &empty, &k, &v), CUSTOS_OK);
	ASSERT_KEY(k, "old");
	ASSERT_KEY(v, "o1");
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	be->abort(be, r);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &r), CUSTOS_OK);
	ASSERT_GET(be, r, 0, "new", "n");
	ASSERT_GET(be, r, 0, "old", "o2");
	ASSERT_GET(be, r, 1, "nb", "x");
	be->abort(be, r);
	drop(be, _i, dir);
}
END_TEST

/* ---- 9. value lifetime ---- */

START_TEST(values_copied_before_next_call_stay_intact)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	custos_val got, empty = { NULL, 0 }, k, v;
	unsigned char copy[32], kcopy[32];
	size_t n, kn;
	void *txn, *cur;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k1", "value-one"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k2", "value-two-longer"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(get_s(be, txn, 0, "k1", &got), CUSTOS_OK);
	ck_assert_uint_le(got.size, sizeof copy);
	n = got.size;
	memcpy(copy, got.data, n);
	ck_assert_int_eq(get_s(be, txn, 0, "k2", &got), CUSTOS_OK);
	ck_assert_uint_eq(n, 9);
	ck_assert_mem_eq(copy, "value-one", 9);
	ck_assert_uint_eq(got.size, 16);
	ck_assert_mem_eq(got.data, "value-two-longer", 16);

	/* The same for a cursor's key and value. */
	ck_assert_int_eq(be->cursor_open(be, txn, 0, &cur), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_seek(be, cur, &empty, &k, &v), CUSTOS_OK);
	ck_assert_uint_le(k.size, sizeof kcopy);
	ck_assert_uint_le(v.size, sizeof copy);
	kn = k.size;
	memcpy(kcopy, k.data, kn);
	n = v.size;
	memcpy(copy, v.data, n);
	ck_assert_int_eq(be->cursor_next(be, cur, &k, &v), CUSTOS_OK);
	ck_assert_uint_eq(kn, 2);
	ck_assert_mem_eq(kcopy, "k1", 2);
	ck_assert_uint_eq(n, 9);
	ck_assert_mem_eq(copy, "value-one", 9);
	ASSERT_KEY(k, "k2");
	ASSERT_KEY(v, "value-two-longer");
	be->cursor_close(be, cur);
	be->abort(be, txn);

	/* Copies outlive the transaction. */
	ck_assert_mem_eq(copy, "value-one", 9);
	drop(be, _i, dir);
}
END_TEST

/* ---- 10. a whole store ---- */

static uint64_t count_of(custos_ctx *ctx)
{
	uint64_t n = 0;
	ck_assert_int_eq(custos_customer_count(&n, ctx), CUSTOS_OK);
	return n;
}

START_TEST(whole_store_works_on_backend)
{
	char dir[256], uri[300], email[64], name[64];
	custos_backend *be = make(_i, dir);
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db = NULL;
	custos_ctx *ctx = NULL;
	custos_iter *it = NULL;
	uint64_t ids[50], id = 0;

	o.flags = CUSTOS_OPEN_CREATE;
	o.expected_customers = 1000;
	ck_assert_msg(custos_db_open_backend(&db, be, s, &o) == CUSTOS_OK, "open: %s", custos_error_last());
	be = NULL; /* the store owns it now */
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof name, "Customer %d", i);
		snprintf(email, sizeof email, "c%d@example.com", i);
		ids[i] = t_create(ctx, name, email);
	}
	ck_assert_int_eq(custos_customer_find(&it, ctx, "email", "C37@Example.com"), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_OK);
	ck_assert_uint_eq(id, ids[37]);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ITEROVER);
	custos_iter_free(it);
	ck_assert_uint_eq(count_of(ctx), 50);
	custos_ctx_free(ctx);
	custos_db_close(db);

	if (_i == K_LMDB) {
		o.flags = 0;
		store_uri(uri, sizeof uri, dir);
		ck_assert_msg(custos_db_open(&db, uri, s, &o) == CUSTOS_OK, "reopen: %s", custos_error_last());
		ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
		ck_assert_uint_eq(count_of(ctx), 50);
		ck_assert_int_eq(custos_customer_find(&it, ctx, "email", "c0@example.com"), CUSTOS_OK);
		ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_OK);
		ck_assert_uint_eq(id, ids[0]);
		custos_iter_free(it);
		custos_ctx_free(ctx);
		custos_db_close(db);
	}
	custos_secret_free(s);
	drop(be, _i, dir);
}
END_TEST

/* ---- 11. vtable checks ---- */

START_TEST(open_backend_rejects_bad_vtables_and_caller_keeps_backend)
{
	char dir[256];
	custos_backend *be = make(_i, dir);
	custos_backend bad;
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db;

	o.flags = CUSTOS_OPEN_CREATE;
	o.expected_customers = 1000;

	be->version = 0;
	db = (custos_db *)1;
	ck_assert_int_eq(custos_db_open_backend(&db, be, s, &o), CUSTOS_EVERSION);
	ck_assert_ptr_null(db);
	be->version = CUSTOS_BACKEND_VERSION;

	bad = *be;
	bad.get = NULL;
	db = (custos_db *)1;
	ck_assert_int_eq(custos_db_open_backend(&db, &bad, s, &o), CUSTOS_EINVALID);
	ck_assert_ptr_null(db);
	bad = *be;
	bad.free = NULL;
	ck_assert_int_eq(custos_db_open_backend(&db, &bad, s, &o), CUSTOS_EINVALID);
	ck_assert_ptr_null(db);
	ck_assert_int_eq(custos_db_open_backend(&db, NULL, s, &o), CUSTOS_EINVALID);
	ck_assert_ptr_null(db);

	/* The backend was not taken: it still works and is ours to free. */
	ck_assert_int_eq(be->prepare(be, names, NAMES), CUSTOS_OK);
	{
		void *txn;
		ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
		ck_assert_int_eq(put_s(be, txn, 0, "k", "v"), CUSTOS_OK);
		ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	}
	custos_secret_free(s);
	drop(be, _i, dir);
}
END_TEST

/* A store that failed to open hands its backend back; the next open prepares it again. */
START_TEST(prepare_again_keeps_what_the_buckets_hold)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	void *txn;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 1, "k", "v"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	ck_assert_int_eq(be->prepare(be, names, NAMES), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 1, "k", "v");
	be->abort(be, txn);
	drop(be, _i, dir);
}
END_TEST

START_TEST(open_backend_accepts_a_backend_without_grow)
{
	char dir[256];
	custos_backend *be = make(_i, dir);
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db = NULL;

	/* grow is the one optional method. */
	be->grow = NULL;
	o.flags = CUSTOS_OPEN_CREATE;
	o.expected_customers = 1000;
	ck_assert_int_eq(custos_db_open_backend(&db, be, s, &o), CUSTOS_OK);
	ck_assert_ptr_nonnull(db);
	custos_db_close(db);
	custos_secret_free(s);
	drop(NULL, _i, dir);
}
END_TEST

/* A backend built against a newer header than this library's is accepted (SQLite's rule):
 * only the methods of the versions the library knows are called. */
START_TEST(open_backend_accepts_a_newer_backend_version)
{
	char dir[256];
	custos_backend *be = make(_i, dir);
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_ctx *ctx = NULL;
	custos_db *db = NULL;

	be->version = CUSTOS_BACKEND_VERSION + 5;
	o.flags = CUSTOS_OPEN_CREATE;
	o.expected_customers = 1000;
	ck_assert_int_eq(custos_db_open_backend(&db, be, s, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	ck_assert_uint_eq(t_create(ctx, "Ada", NULL), 1);
	ck_assert_int_eq(custos_db_check(ctx), CUSTOS_OK);
	custos_ctx_free(ctx);
	ck_assert_int_eq(custos_db_close(db), CUSTOS_OK);
	custos_secret_free(s);
	drop(NULL, _i, dir);
}
END_TEST

START_TEST(backend_init_validates_and_clears_methods)
{
	custos_backend b;

	ck_assert_int_eq(custos_backend_init(NULL, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_backend_init(&b, 0), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_backend_init(&b, CUSTOS_BACKEND_VERSION + 1), CUSTOS_EVERSION);
	memset(&b, 0xAB, sizeof b);
	ck_assert_int_eq(custos_backend_init(&b, CUSTOS_BACKEND_VERSION), CUSTOS_OK);
	ck_assert_uint_eq(b.version, CUSTOS_BACKEND_VERSION);
	ck_assert_ptr_null(b.name);
	ck_assert(b.prepare == NULL && b.begin == NULL && b.commit == NULL && b.abort == NULL);
	ck_assert(b.get == NULL && b.put == NULL && b.del == NULL);
	ck_assert(b.cursor_open == NULL && b.cursor_seek == NULL && b.cursor_next == NULL && b.cursor_close == NULL);
	ck_assert(b.grow == NULL && b.free == NULL);
	custos_backend_free(NULL);
}
END_TEST

/* ---- 12. URIs ---- */

START_TEST(backend_open_rejects_bad_arguments_and_uris)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *be = (custos_backend *)1;
	char dir[256], uri[300];

	o.flags = CUSTOS_OPEN_CREATE;
	ck_assert_int_eq(custos_backend_open(NULL, "memory:", &o), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_backend_open(&be, NULL, &o), CUSTOS_EINVALID);
	ck_assert_ptr_null(be);
	be = (custos_backend *)1;
	ck_assert_int_eq(custos_backend_open(&be, "postgresql://x", &o), CUSTOS_ENOTSUPPORTED);
	ck_assert_ptr_null(be);

	t_tmpdir(dir, sizeof dir);
	snprintf(uri, sizeof uri, "lmdb:%s/missing/store", dir);
	o.flags = 0;
	be = (custos_backend *)1;
	ck_assert_int_eq(custos_backend_open(&be, uri, &o), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(be);
	ck_assert_int_eq(custos_backend_open(&be, uri, NULL), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(be);
	/* And nothing was created. */
	snprintf(uri, sizeof uri, "%s/missing", dir);
	ck_assert_int_ne(access(uri, F_OK), 0);
	t_rmtree(dir);
}
END_TEST

/* ---- 13. LMDB: one environment per path ---- */

START_TEST(lmdb_backends_on_one_path_share_the_environment)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *one = NULL, *two = NULL;
	char dir[256], uri[300];
	void *txn;

	t_tmpdir(dir, sizeof dir);
	store_uri(uri, sizeof uri, dir);
	o.flags = CUSTOS_OPEN_CREATE;
	ck_assert_int_eq(custos_backend_open(&one, uri, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_backend_open(&two, uri, &o), CUSTOS_OK);
	ck_assert_int_eq(one->prepare(one, names, NAMES), CUSTOS_OK);
	ck_assert_int_eq(two->prepare(two, names, NAMES), CUSTOS_OK);

	ck_assert_int_eq(one->begin(one, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(one, txn, 1, "shared", "by-one"), CUSTOS_OK);
	ck_assert_int_eq(one->commit(one, txn), CUSTOS_OK);

	ck_assert_int_eq(two->begin(two, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(two, txn, 1, "shared", "by-one");
	ASSERT_MISSING(two, txn, 0, "shared");
	two->abort(two, txn);

	ck_assert_int_eq(two->begin(two, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(two, txn, 1, "shared", "by-two"), CUSTOS_OK);
	ck_assert_int_eq(two->commit(two, txn), CUSTOS_OK);

	/* Freeing one leaves the other working. */
	custos_backend_free(one);
	ck_assert_int_eq(two->begin(two, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(two, txn, 1, "shared", "by-two");
	two->abort(two, txn);
	custos_backend_free(two);
	t_rmtree(dir);
}
END_TEST

/* A read-only backend reads a bucket it does not have as empty. */
/* A prepare that fails after creating some buckets creates none: LMDB drops the handles of
 * the aborted transaction, and a later prepare must not reuse them (two buckets would share
 * one database). */
START_TEST(lmdb_failed_prepare_leaves_no_bucket_behind)
{
	static const char *const bad[] = { "a", "b", "a-bucket-name-longer-than-lmdb-keeps" };
	char dir[256];
	custos_backend *be = make(K_LMDB, dir);
	void *txn;

	ck_assert_int_eq(be->prepare(be, bad, 3), CUSTOS_EINVALID);
	ck_assert_int_eq(be->prepare(be, names, NAMES), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k", "in a"), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 1, "k", "in b"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "in a");
	ASSERT_GET(be, txn, 1, "k", "in b");
	ASSERT_MISSING(be, txn, 2, "k");
	be->abort(be, txn);
	drop(be, K_LMDB, dir);
}
END_TEST

START_TEST(lmdb_readonly_missing_bucket_reads_as_empty)
{
	static const char *const more[] = { "a", "b", "c", "d" };
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *be = NULL;
	custos_val empty = { NULL, 0 }, k, v;
	char dir[256], uri[300];
	void *txn, *cur;

	be = make_prepared(K_LMDB, dir);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(put_s(be, txn, 0, "k", "v"), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	custos_backend_free(be);

	store_uri(uri, sizeof uri, dir);
	o.flags = CUSTOS_OPEN_READONLY;
	ck_assert_int_eq(custos_backend_open(&be, uri, &o), CUSTOS_OK);
	ck_assert_int_eq(be->prepare(be, more, 4), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ASSERT_GET(be, txn, 0, "k", "v");
	ASSERT_MISSING(be, txn, 3, "k");
	ck_assert_int_eq(be->cursor_open(be, txn, 3, &cur), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_seek(be, cur, &empty, &k, &v), CUSTOS_ITEROVER);
	be->cursor_close(be, cur);
	be->abort(be, txn);
	drop(be, K_LMDB, dir);
}
END_TEST

START_TEST(large_values_read_back_exactly)
{
	char dir[256];
	custos_backend *be = make_prepared(_i, dir);
	size_t n = 256 * 1024;
	unsigned char *big = malloc(n);
	custos_val key = sv("big"), val, got;
	void *txn;

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 131 + (i >> 8));
	val.data = big;
	val.size = n;
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->put(be, txn, 2, &key, &val, 0), CUSTOS_OK);
	ck_assert_int_eq(be->commit(be, txn), CUSTOS_OK);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->get(be, txn, 2, &key, &got), CUSTOS_OK);
	ck_assert_uint_eq(got.size, n);
	ck_assert(memcmp(got.data, big, n) == 0);
	be->abort(be, txn);
	free(big);
	drop(be, _i, dir);
}
END_TEST

static Suite *backend_suite(void)
{
	Suite *s = suite_create("backend");
	TCase *tc = tcase_create("conformance");

	/* Loop index: K_MEMORY, K_LMDB, K_SORTED. */
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, get_missing_is_enotfound_and_writes_are_read_back, 0, K_COUNT);
	tcase_add_loop_test(tc, abort_discards_puts_and_deletes, 0, K_COUNT);
	tcase_add_loop_test(tc, put_replaces_and_empty_values_read_back_as_size_zero, 0, K_COUNT);
	tcase_add_loop_test(tc, buckets_are_independent, 0, K_COUNT);
	tcase_add_loop_test(tc, del_missing_is_enotfound_and_deleted_keys_are_gone, 0, K_COUNT);
	tcase_add_loop_test(tc, cursor_walks_keys_in_memcmp_then_length_order, 0, K_COUNT);
	tcase_add_loop_test(tc, cursor_on_empty_bucket_is_iterover, 0, K_COUNT);
	tcase_add_loop_test(tc, cursor_seek_lands_on_first_key_at_or_after_probe, 0, K_COUNT);
	tcase_add_loop_test(tc, cursor_seek_before_and_prev_walk_backwards, 0, K_COUNT);
	tcase_add_loop_test(tc, cursor_in_write_txn_sees_own_writes, 0, K_COUNT);
	tcase_add_loop_test(tc, put_append_hint_stores_increasing_keys, 0, K_COUNT);
	tcase_add_loop_test(tc, read_txn_after_commit_sees_the_write, 0, K_COUNT);
	tcase_add_loop_test(tc, read_txn_begun_before_write_keeps_its_snapshot, 0, K_COUNT);
	tcase_add_loop_test(tc, values_copied_before_next_call_stay_intact, 0, K_COUNT);
	tcase_add_loop_test(tc, large_values_read_back_exactly, 0, K_COUNT);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, whole_store_works_on_backend, 0, K_COUNT);
	tcase_add_loop_test(tc, open_backend_rejects_bad_vtables_and_caller_keeps_backend, 0, K_COUNT);
	tcase_add_loop_test(tc, open_backend_accepts_a_backend_without_grow, 0, K_COUNT);
	tcase_add_loop_test(tc, prepare_again_keeps_what_the_buckets_hold, 0, K_COUNT);
	tcase_add_loop_test(tc, open_backend_accepts_a_newer_backend_version, 0, K_COUNT);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, backend_init_validates_and_clears_methods);
	tcase_add_test(tc, backend_open_rejects_bad_arguments_and_uris);
	tcase_add_test(tc, lmdb_backends_on_one_path_share_the_environment);
	tcase_add_test(tc, lmdb_readonly_missing_bucket_reads_as_empty);
	tcase_add_test(tc, lmdb_failed_prepare_leaves_no_bucket_behind);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(backend_suite());
}
