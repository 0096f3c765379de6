/*
 * tests/support.c — fixtures for the test programs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "backend_sorted.h"
#include "support.h"

const unsigned char t_key[32] = {
	0x6b, 0x3a, 0x01, 0x9c, 0x42, 0x17, 0xd0, 0x5e, 0x88, 0x21, 0xf3, 0x0b, 0x4d, 0x7a, 0x90, 0x36,
	0x11, 0xc2, 0x5f, 0xe8, 0x73, 0x2d, 0xa6, 0x04, 0x9b, 0x58, 0xe1, 0x37, 0xcc, 0x60, 0x19, 0xfa,
};

custos_secret *t_secret(void)
{
	custos_secret *s = NULL;
	ck_assert_int_eq(custos_secret_key(&s, t_key, sizeof t_key), CUSTOS_OK);
	return s;
}

void t_tmpdir(char *out, size_t n)
{
	const char *base = getenv("TMPDIR");
	snprintf(out, n, "%s/custos-test-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(out));
}

static int rm_entry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return unlink(dir);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		rm_entry(path);
	}
	closedir(d);
	return rmdir(dir);
}

void t_rmtree(const char *dir)
{
	if (dir && *dir)
		rm_entry(dir);
}

/* The backend is the first thing a test wraps: open it ourselves (unless given one), keep a
 * pointer, hand it to the store. */
static void open_on(t_store *t, const char *uri, custos_backend *be, unsigned flags, const custos_db_options *opts)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();

	if (opts)
		o = *opts;
	o.flags |= flags;
	if (!o.expected_customers)
		o.expected_customers = 1000;
	if (be)
		t->be = be;
	else
		ck_assert_int_eq(custos_backend_open(&t->be, uri, &o), CUSTOS_OK);
	ck_assert_msg(custos_db_open_backend(&t->db, t->be, s, &o) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_ctx_open(&t->ctx, t->db, "admin"), CUSTOS_OK);
	custos_secret_free(s);
}

void t_store_open_opts(t_store *t, const char *kind, const custos_db_options *opts)
{
	char uri[300];

	memset(t, 0, sizeof *t);
	if (!strcmp(kind, "memory")) {
		open_on(t, "memory:", NULL, CUSTOS_OPEN_CREATE, opts);
		return;
	}
	t_tmpdir(t->dir, sizeof t->dir);
	snprintf(uri, sizeof uri, "lmdb:%s/store", t->dir);
	open_on(t, uri, NULL, CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL, opts);
}

void t_store_open(t_store *t, const char *kind)
{
	t_store_open_opts(t, kind, NULL);
}

void t_store_open_backend(t_store *t, custos_backend *be, const custos_db_options *opts)
{
	memset(t, 0, sizeof *t);
	open_on(t, NULL, be, CUSTOS_OPEN_CREATE, opts);
}

void t_store_reopen_opts(t_store *t, const custos_db_options *opts)
{
	char uri[300];

	ck_assert_str_ne(t->dir, "");
	custos_ctx_free(t->ctx);
	custos_db_close(t->db);
	snprintf(uri, sizeof uri, "lmdb:%s/store", t->dir);
	open_on(t, uri, NULL, 0, opts);
}

void t_store_reopen(t_store *t)
{
	t_store_reopen_opts(t, NULL);
}

void t_store_close(t_store *t)
{
	custos_ctx_free(t->ctx);
	custos_db_close(t->db);
	t_rmtree(t->dir);
	memset(t, 0, sizeof *t);
}

void t_store_open_kind(t_store *t, int i)
{
	custos_backend *be = NULL;

	if (i < 2) {
		t_store_open(t, i == 0 ? "memory" : "lmdb");
		return;
	}
	ck_assert_int_eq(example_sorted_backend_new(&be), CUSTOS_OK);
	t_store_open_backend(t, be, NULL);
}

void t_digest(custos_backend *be, unsigned char out[32])
{
	crypto_generichash_state st;
	custos_val k, v, empty = { NULL, 0 };
	void *txn, *cur;
	int rc;

	crypto_generichash_init(&st, NULL, 0, 32);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	for (unsigned b = 0; b < T_B_COUNT; b++) {
		rc = be->cursor_open(be, txn, b, &cur);
		if (rc == CUSTOS_EINVALID && b >= T_B_EVENTS)
			continue;  /* a backend prepared with the buckets of custos 0.1.0 */
		crypto_generichash_update(&st, (const unsigned char *)&b, sizeof b);
		ck_assert_int_eq(rc, CUSTOS_OK);
		for (rc = be->cursor_seek(be, cur, &empty, &k, &v); rc == CUSTOS_OK; rc = be->cursor_next(be, cur, &k, &v)) {
			uint64_t kn = k.size, vn = v.size;
			crypto_generichash_update(&st, (const unsigned char *)&kn, 8);
			crypto_generichash_update(&st, k.data, k.size);
			crypto_generichash_update(&st, (const unsigned char *)&vn, 8);
			crypto_generichash_update(&st, v.data, v.size);
		}
		ck_assert_int_eq(rc, CUSTOS_ITEROVER);
		be->cursor_close(be, cur);
	}
	be->abort(be, txn);
	crypto_generichash_final(&st, out, 32);
}

static long grep_file(const char *path, const void *needle, size_t n)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *buf;
	long hits = 0;
	ssize_t got;
	size_t off = 0;

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	while (off < (size_t)st.st_size && (got = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)got;
	close(fd);
	for (size_t i = 0; i + n <= off; i++)
		if (!memcmp(buf + i, needle, n))
			hits++;
	free(buf);
	return hits;
}

long t_grep_dir(const char *dir, const void *needle, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	long hits = 0;

	if (!d)
		return grep_file(dir, needle, n);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		hits += t_grep_dir(path, needle, n);
	}
	closedir(d);
	return hits;
}

int t_raw_get(custos_backend *be, unsigned bucket, const void *k, size_t kn, unsigned char **val, size_t *vn)
{
	custos_val key = { k, kn }, v;
	void *txn;
	int rc;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	rc = be->get(be, txn, bucket, &key, &v);
	if (rc == CUSTOS_OK) {
		*val = malloc(v.size ? v.size : 1);
		memcpy(*val, v.data, v.size);
		*vn = v.size;
	}
	be->abort(be, txn);
	return rc;
}

int t_raw_put(custos_backend *be, unsigned bucket, const void *k, size_t kn, const void *v, size_t vn)
{
	custos_val key = { k, kn }, val = { v, vn };
	void *txn;
	int rc;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	rc = be->put(be, txn, bucket, &key, &val, 0);
	if (rc == CUSTOS_OK)
		return be->commit(be, txn);
	be->abort(be, txn);
	return rc;
}

void t_raw_flip(custos_backend *be, unsigned bucket, const void *k, size_t kn, long at, unsigned char bits)
{
	unsigned char *v;
	size_t n;

	ck_assert_int_eq(t_raw_get(be, bucket, k, kn, &v, &n), CUSTOS_OK);
	ck_assert_int_lt(at < 0 ? -at - 1 : at, (long)n);
	v[at < 0 ? (long)n + at : at] ^= bits;
	ck_assert_int_eq(t_raw_put(be, bucket, k, kn, v, n), CUSTOS_OK);
	free(v);
}

int t_raw_del(custos_backend *be, unsigned bucket, const void *k, size_t kn)
{
	custos_val key = { k, kn };
	void *txn;
	int rc;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	rc = be->del(be, txn, bucket, &key);
	if (rc == CUSTOS_OK)
		return be->commit(be, txn);
	be->abort(be, txn);
	return rc;
}

size_t t_raw_keys(custos_backend *be, unsigned bucket, const void *prefix, size_t pn, unsigned char (*keys)[T_KEY_MAX],
	size_t *lens, size_t max)
{
	custos_val want = { prefix, pn }, k, v;
	void *txn, *cur;
	size_t n = 0;
	int rc;

	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_READ, &txn), CUSTOS_OK);
	ck_assert_int_eq(be->cursor_open(be, txn, bucket, &cur), CUSTOS_OK);
	for (rc = be->cursor_seek(be, cur, &want, &k, &v); rc == CUSTOS_OK && n < max; rc = be->cursor_next(be, cur, &k, &v)) {
		if (k.size < pn || (pn && memcmp(k.data, prefix, pn) != 0))
			break;
		ck_assert_uint_le(k.size, T_KEY_MAX);
		memcpy(keys[n], k.data, k.size);
		lens[n++] = k.size;
	}
	be->cursor_close(be, cur);
	be->abort(be, txn);
	return n;
}

uint32_t t_field_id(custos_ctx *ctx, const char *name)
{
	custos_schema *s = NULL;
	size_t i;
	uint32_t id;

	ck_assert_int_eq(custos_schema_get(&s, ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_field_lookup(&i, s, name), CUSTOS_OK);
	id = custos_schema_field_id(s, i);
	custos_schema_free(s);
	ck_assert_uint_ne(id, 0);
	return id;
}

custos_customer *t_person(custos_ctx *ctx, const char *name, const char *email)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_new(&c, ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "name", name), CUSTOS_OK);
	if (email)
		ck_assert_int_eq(custos_customer_set_text(c, "email", email), CUSTOS_OK);
	return c;
}

uint64_t t_create_draft(custos_ctx *ctx, custos_customer *c)
{
	uint64_t id = 0;

	ck_assert_msg(custos_customer_create(&id, ctx, c) == CUSTOS_OK, "create: %s", custos_error_last());
	custos_customer_free(c);
	return id;
}

uint64_t t_create(custos_ctx *ctx, const char *name, const char *email)
{
	return t_create_draft(ctx, t_person(ctx, name, email));
}

int t_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

custos_backend *t_raw_open(const t_store *t)
{
	static const char *const names[T_B_COUNT] = { "meta", "customers", "index", "access", "audit", "events",
		"points", "history", "erased", "consent" };
	custos_backend *be = NULL;
	char uri[300];

	snprintf(uri, sizeof uri, "lmdb:%s/store", t->dir);
	ck_assert_int_eq(custos_backend_open(&be, uri, NULL), CUSTOS_OK);
	ck_assert_int_eq(be->prepare(be, names, T_B_COUNT), CUSTOS_OK);
	return be;
}

int t_probe(const t_store *t)
{
	custos_secret *s = t_secret();
	custos_customer *c = NULL;
	custos_db *db = NULL;
	custos_ctx *ctx = NULL;
	char uri[300];
	int rc;

	snprintf(uri, sizeof uri, "lmdb:%s/store", t->dir);
	rc = custos_db_open(&db, uri, s, NULL);
	if (!rc)
		rc = custos_ctx_open(&ctx, db, "admin");
	if (!rc)
		rc = custos_customer_new(&c, ctx);
	if (!rc)
		rc = custos_customer_set_text(c, "name", "Probe");
	if (!rc)
		rc = custos_customer_create(NULL, ctx, c);
	custos_customer_free(c);
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(s);
	return rc;
}

/* ---- LMDB's data file seen from outside ---- */

#define T_PAGEHDR 16
#define T_DB_AT 24       /* mm_dbs within the meta, after the page header */
#define T_P_BRANCH 0x01
#define T_F_BIGDATA 0x01
#define T_F_SUBDATA 0x02

static void file_io(const char *dir, uint64_t off, void *p, size_t n, int write_it)
{
	char path[300];
	int fd;
	ssize_t done;

	snprintf(path, sizeof path, "%s/data.mdb", dir);
	fd = open(path, write_it ? O_WRONLY : O_RDONLY);
	ck_assert_int_ge(fd, 0);
	done = write_it ? pwrite(fd, p, n, (off_t)off) : pread(fd, p, n, (off_t)off);
	ck_assert_int_eq(done, (ssize_t)n);
	ck_assert_int_eq(close(fd), 0);
}

void t_lmdb_read(const char *dir, uint64_t off, void *p, size_t n)
{
	file_io(dir, off, p, n, 0);
}

void t_lmdb_write(const char *dir, uint64_t off, const void *p, size_t n)
{
	file_io(dir, off, (void *)p, n, 1);
}

static uint64_t u64_at(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint16_t u16_at(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* An MDB_db: pad, flags, depth, branch, leaf, overflow pages, entries, root. */
static void db_at(t_lmdb_db *db, const unsigned char *p)
{
	db->depth = u16_at(p + 6);
	db->pages = u64_at(p + 8) + u64_at(p + 16) + u64_at(p + 24);
	db->root = u64_at(p + 40);
}

void t_lmdb_layout(const char *dir, t_lmdb *l)
{
	unsigned char m[2][T_PAGEHDR + 136], *page;
	const unsigned char *use, *node;
	struct stat st;
	char path[300];
	unsigned nkeys;

	memset(l, 0, sizeof *l);
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	l->size = (uint64_t)st.st_size;
	t_lmdb_read(dir, 0, m[0], sizeof m[0]);
	memcpy(&l->psize, m[0] + T_PAGEHDR + T_DB_AT, 4);
	t_lmdb_read(dir, l->psize, m[1], sizeof m[1]);
	l->meta = u64_at(m[1] + T_PAGEHDR + 128) > u64_at(m[0] + T_PAGEHDR + 128);
	use = m[l->meta] + T_PAGEHDR;
	db_at(&l->free, use + T_DB_AT);
	db_at(&l->main, use + T_DB_AT + 48);
	l->last_pg = u64_at(use + 120);
	l->txnid = u64_at(use + 128);
	ck_assert_uint_eq(l->main.depth, 1);  /* a store's few buckets fit the root leaf */
	page = malloc(l->psize);
	t_lmdb_read(dir, l->main.root * l->psize, page, l->psize);
	nkeys = (u16_at(page + 12) - T_PAGEHDR) / 2u;
	ck_assert_uint_le(nkeys, sizeof l->dbs / sizeof l->dbs[0]);
	for (unsigned i = 0; i < nkeys; i++) {
		node = page + u16_at(page + T_PAGEHDR + 2 * i);
		ck_assert_uint_eq(u16_at(node + 4), T_F_SUBDATA);
		snprintf(l->dbs[i].name, sizeof l->dbs[i].name, "%.*s", (int)u16_at(node + 6), (const char *)node + 8);
		db_at(&l->dbs[i], node + 8 + u16_at(node + 6));
	}
	l->ndbs = nkeys;
	free(page);
}

const t_lmdb_db *t_lmdb_named(const t_lmdb *l, const char *name)
{
	for (size_t i = 0; i < l->ndbs; i++)
		if (!strcmp(l->dbs[i].name, name))
			return &l->dbs[i];
	ck_abort_msg("no database '%s' in the file", name);
	return NULL;
}

typedef struct page_list {
	uint64_t *v;
	size_t n, cap;
} page_list;

static void list_add(page_list *pl, uint64_t pg)
{
	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 256;
		pl->v = realloc(pl->v, pl->cap * sizeof *pl->v);
		ck_assert_ptr_nonnull(pl->v);
	}
	pl->v[pl->n++] = pg;
}

static void list_tree(const char *dir, const t_lmdb *l, uint64_t pg, unsigned level, unsigned depth, page_list *pl)
{
	unsigned char *p = malloc(l->psize), head[T_PAGEHDR];
	unsigned nkeys;

	ck_assert_uint_le(pg, l->last_pg);
	t_lmdb_read(dir, pg * l->psize, p, l->psize);
	list_add(pl, pg);
	nkeys = (u16_at(p + 12) - T_PAGEHDR) / 2u;
	for (unsigned i = 0; i < nkeys; i++) {
		const unsigned char *node = p + u16_at(p + T_PAGEHDR + 2 * i);
		uint64_t child = u16_at(node) | (uint64_t)u16_at(node + 2) << 16 | (uint64_t)u16_at(node + 4) << 32;
		if (level + 1 < depth) {
			list_tree(dir, l, child, level + 1, depth, pl);
		} else if (u16_at(node + 4) & T_F_BIGDATA) {
			uint64_t ov = u64_at(node + 8 + u16_at(node + 6));
			uint32_t pages;
			t_lmdb_read(dir, ov * l->psize, head, sizeof head);
			memcpy(&pages, head + 12, 4);
			for (uint32_t k = 0; k < pages; k++)
				list_add(pl, ov + k);
		}
	}
	free(p);
}

static int by_page(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

size_t t_lmdb_tree_pages(const char *dir, const t_lmdb *l, const t_lmdb_db *db, uint64_t **out)
{
	page_list pl = { NULL, 0, 0 };

	if (db->root != UINT64_MAX)
		list_tree(dir, l, db->root, 0, db->depth, &pl);
	qsort(pl.v, pl.n, sizeof *pl.v, by_page);
	*out = pl.v;
	return pl.n;
}

size_t t_lmdb_pages_in_use(const char *dir, const t_lmdb *l, uint64_t **out)
{
	page_list pl = { NULL, 0, 0 };
	const t_lmdb_db *trees[2 + sizeof l->dbs / sizeof l->dbs[0]];
	size_t nt = 0;

	list_add(&pl, 0);
	list_add(&pl, 1);
	trees[nt++] = &l->free;
	trees[nt++] = &l->main;
	for (size_t i = 0; i < l->ndbs; i++)
		trees[nt++] = &l->dbs[i];
	for (size_t i = 0; i < nt; i++)
		if (trees[i]->root != UINT64_MAX)
			list_tree(dir, l, trees[i]->root, 0, trees[i]->depth, &pl);
	qsort(pl.v, pl.n, sizeof *pl.v, by_page);
	*out = pl.v;
	return pl.n;
}

/* ---- a wrapping backend ---- */

static t_wrap *wrap_of(custos_backend *be)
{
	return (t_wrap *)be;
}

static int w_prepare(custos_backend *be, const char *const *buckets, size_t count)
{
	return wrap_of(be)->inner->prepare(wrap_of(be)->inner, buckets, count);
}

static int w_begin(custos_backend *be, unsigned int flags, void **txn)
{
	t_wrap *w = wrap_of(be);
	int rc = w->inner->begin(w->inner, flags, txn);

	if (rc == CUSTOS_OK && (flags & CUSTOS_TXN_WRITE)) {
		w->write_txn = *txn;
		w->changes = w->touched = 0;
	}
	return rc;
}

static int w_commit(custos_backend *be, void *txn)
{
	t_wrap *w = wrap_of(be);
	int write = txn == w->write_txn, rc = w->inner->commit(w->inner, txn);

	if (!write)
		return rc;
	w->write_txn = NULL;
	if (rc == CUSTOS_OK) {
		w->commits++;
		if (w->changes > w->most)
			w->most = w->changes;
		if (w->after_commit)
			w->after_commit(w);
	}
	return rc;
}

static void w_abort(custos_backend *be, void *txn)
{
	t_wrap *w = wrap_of(be);

	if (txn == w->write_txn)
		w->write_txn = NULL;
	w->inner->abort(w->inner, txn);
}

static int w_get(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, custos_val *val)
{
	return wrap_of(be)->inner->get(wrap_of(be)->inner, txn, bucket, key, val);
}

/* One more change in the write transaction: refused past the limit. */
static int w_change(t_wrap *w)
{
	if (++w->changes > w->max_changes && w->max_changes)
		return custos_error_set(CUSTOS_ETOOBIG, "test backend: too many changes in one transaction");
	return CUSTOS_OK;
}

static int w_put(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, const custos_val *val,
	unsigned int flags)
{
	t_wrap *w = wrap_of(be);
	int rc = w_change(w);

	if (rc)
		return rc;
	if (bucket == w->watch_bucket && w->watch_len && key->size >= w->watch_len &&
	    memcmp(key->data, w->watch, w->watch_len) == 0)
		w->touched++;
	return w->inner->put(w->inner, txn, bucket, key, val, flags);
}

static int w_del(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key)
{
	t_wrap *w = wrap_of(be);
	int rc = w_change(w);

	return rc ? rc : w->inner->del(w->inner, txn, bucket, key);
}

static int w_cursor_open(custos_backend *be, void *txn, unsigned int bucket, void **cur)
{
	return wrap_of(be)->inner->cursor_open(wrap_of(be)->inner, txn, bucket, cur);
}

static int w_cursor_seek(custos_backend *be, void *cur, const custos_val *key, custos_val *k, custos_val *v)
{
	return wrap_of(be)->inner->cursor_seek(wrap_of(be)->inner, cur, key, k, v);
}

static int w_cursor_next(custos_backend *be, void *cur, custos_val *k, custos_val *v)
{
	return wrap_of(be)->inner->cursor_next(wrap_of(be)->inner, cur, k, v);
}

static void w_cursor_close(custos_backend *be, void *cur)
{
	wrap_of(be)->inner->cursor_close(wrap_of(be)->inner, cur);
}

static int w_grow(custos_backend *be)
{
	t_wrap *w = wrap_of(be);
	return w->inner->grow ? w->inner->grow(w->inner) : CUSTOS_EFULL;
}

static void w_free(custos_backend *be)
{
	t_wrap *w = wrap_of(be);

	w->inner->free(w->inner);
	free(w);
}

t_wrap *t_wrap_new(custos_backend *inner)
{
	t_wrap *w = calloc(1, sizeof *w);

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(custos_backend_init(&w->base, CUSTOS_BACKEND_VERSION), CUSTOS_OK);
	w->inner = inner;
	w->base.name = "wrap";
	w->base.prepare = w_prepare;
	w->base.begin = w_begin;
	w->base.commit = w_commit;
	w->base.abort = w_abort;
	w->base.get = w_get;
	w->base.put = w_put;
	w->base.del = w_del;
	w->base.cursor_open = w_cursor_open;
	w->base.cursor_seek = w_cursor_seek;
	w->base.cursor_next = w_cursor_next;
	w->base.cursor_close = w_cursor_close;
	w->base.grow = w_grow;
	w->base.free = w_free;
	return w;
}

t_wrap *t_store_open_limited(t_store *t, size_t max_changes)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *inner = NULL;
	t_wrap *w;

	o.flags = CUSTOS_OPEN_CREATE;
	ck_assert_int_eq(custos_backend_open(&inner, "memory:", &o), CUSTOS_OK);
	w = t_wrap_new(inner);
	t_store_open_backend(t, &w->base, NULL);
	w->max_changes = max_changes;
	return w;
}

static unsigned crash_at;

static void die_at(t_wrap *w)
{
	if (w->commits >= crash_at)
		_exit(T_CRASHED);
}

int t_crash_during(const t_store *t, int (*action)(custos_ctx *ctx, void *arg), void *arg, unsigned at)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* No Check assertions here: this process is not the test's. */
		custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
		custos_backend *be = NULL;
		custos_secret *s = NULL;
		custos_db *db = NULL;
		custos_ctx *ctx = NULL;
		char uri[300];
		t_wrap *w;
		snprintf(uri, sizeof uri, "lmdb:%s/store", t->dir);
		if (custos_secret_key(&s, t_key, sizeof t_key) || custos_backend_open(&be, uri, &o))
			_exit(1);
		w = t_wrap_new(be);
		if (custos_db_open_backend(&db, &w->base, s, &o))
			_exit(2);
		if (custos_ctx_open(&ctx, db, "admin"))
			_exit(3);
		crash_at = w->commits + at;
		w->after_commit = die_at;
		(void)action(ctx, arg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}
