/*
 * examples/backend_sorted.c — a complete custos backend in one file, written only against
 * the public header custos/sys/backend.h, as a host would write its own.
 *
 * Storage: per bucket, a sorted array of pointers to immutable, reference-counted items.
 * Transactions: a snapshot is the set of arrays. A reader takes a reference to the current
 * snapshot; a writer copies it (pointers only), changes its copy, and commit swaps the copy
 * in. Abort just drops the copy. Writers are serialised by a mutex.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "backend_sorted.h"

typedef struct item {
	atomic_int refs;
	size_t kn, vn;
	unsigned char data[];  /* key, then value */
} item;

typedef struct table {
	item **items;
	size_t n;
} table;

typedef struct snap {
	atomic_int refs;
	size_t nb;
	table t[];
} snap;

typedef struct sorted_backend {
	custos_backend base;
	pthread_mutex_t mu;      /* guards `cur` */
	pthread_mutex_t writer;  /* one write transaction at a time */
	snap *cur;
} sorted_backend;

typedef struct stxn {
	snap *s;
	int write;
} stxn;

typedef struct scursor {
	stxn *t;
	unsigned bucket;
	unsigned char *key;   /* copy of the current key */
	size_t kn;
} scursor;

static int oom(void)
{
	return custos_error_set(CUSTOS_ENOMEM, "sorted backend: out of memory");
}

static void item_unref(item *it)
{
	if (atomic_fetch_sub(&it->refs, 1) == 1)
		free(it);
}

static void snap_unref(snap *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (size_t b = 0; b < s->nb; b++) {
		for (size_t i = 0; i < s->t[b].n; i++)
			item_unref(s->t[b].items[i]);
		free(s->t[b].items);
	}
	free(s);
}

static snap *snap_new(size_t nb)
{
	snap *s = calloc(1, sizeof *s + nb * sizeof(table));

	if (s) {
		atomic_init(&s->refs, 1);
		s->nb = nb;
	}
	return s;
}

/* A private copy for a writer: new pointer arrays, shared items. */
static snap *snap_copy(const snap *from)
{
	snap *s = snap_new(from->nb);

	if (!s)
		return NULL;
	for (size_t b = 0; b < from->nb; b++) {
		size_t n = from->t[b].n;
		s->t[b].items = malloc((n ? n : 1) * sizeof(item *));
		if (!s->t[b].items) {
			snap_unref(s);
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			s->t[b].items[i] = from->t[b].items[i];
			atomic_fetch_add(&s->t[b].items[i]->refs, 1);
		}
		s->t[b].n = n;
	}
	return s;
}

static int cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;  /* an empty key may come with a NULL pointer */

	return c ? c : (an < bn ? -1 : an > bn);
}

/* Index of the first item >= key (> key when strict). */
static size_t lower(const table *t, const unsigned char *k, size_t kn, int strict)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp(t->items[mid]->data, t->items[mid]->kn, k, kn);
		if (c < 0 || (strict && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int found_at(const table *t, size_t i, const custos_val *key)
{
	return i < t->n && cmp(t->items[i]->data, t->items[i]->kn, key->data, key->size) == 0;
}

static int bucket_ok(const stxn *t, unsigned bucket)
{
	return bucket < t->s->nb ? CUSTOS_OK : custos_error_set(CUSTOS_EINVALID, "sorted backend: no such bucket");
}

static int s_prepare(custos_backend *be, const char *const *buckets, size_t count)
{
	sorted_backend *b = (sorted_backend *)be;

	(void)buckets;
	if (b->cur)  /* handed to another open after a failed one: keep what the buckets hold */
		return count == b->cur->nb ? CUSTOS_OK : custos_error_set(CUSTOS_EINVALID, "another bucket list");
	if (!(b->cur = snap_new(count)))
		return oom();
	return CUSTOS_OK;
}

static int s_begin(custos_backend *be, unsigned int flags, void **txn_out)
{
	sorted_backend *b = (sorted_backend *)be;
	stxn *t = calloc(1, sizeof *t);

	if (!t)
		return oom();
	t->write = (flags & CUSTOS_TXN_WRITE) != 0;
	if (t->write)
		pthread_mutex_lock(&b->writer);
	pthread_mutex_lock(&b->mu);
	t->s = t->write ? snap_copy(b->cur) : b->cur;
	if (t->s && !t->write)
		atomic_fetch_add(&t->s->refs, 1);
	pthread_mutex_unlock(&b->mu);
	if (!t->s) {
		if (t->write)
			pthread_mutex_unlock(&b->writer);
		free(t);
		return oom();
	}
	*txn_out = t;
	return CUSTOS_OK;
}

static int s_commit(custos_backend *be, void *txn)
{
	sorted_backend *b = (sorted_backend *)be;
	stxn *t = txn;
	snap *old = t->s;

	if (t->write) {
		pthread_mutex_lock(&b->mu);
		old = b->cur;
		b->cur = t->s;
		pthread_mutex_unlock(&b->mu);
		pthread_mutex_unlock(&b->writer);
	}
	snap_unref(old);
	free(t);
	return CUSTOS_OK;
}

static void s_abort(custos_backend *be, void *txn)
{
	sorted_backend *b = (sorted_backend *)be;
	stxn *t = txn;

	snap_unref(t->s);
	if (t->write)
		pthread_mutex_unlock(&b->writer);
	free(t);
}

static int s_get(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, custos_val *val_out)
{
	stxn *t = txn;
	table *tb;
	size_t i;
	int rc;

	(void)be;
	if ((rc = bucket_ok(t, bucket)))
		return rc;
	tb = &t->s->t[bucket];
	i = lower(tb, key->data, key->size, 0);
	if (!found_at(tb, i, key))
		return CUSTOS_ENOTFOUND;
	val_out->data = tb->items[i]->data + tb->items[i]->kn;
	val_out->size = tb->items[i]->vn;
	return CUSTOS_OK;
}

static int s_put(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, const custos_val *val,
	unsigned int flags)
{
	stxn *t = txn;
	table *tb;
	item *it, **grown;
	size_t i;
	int rc;

	(void)be;
	(void)flags;  /* binary search finds the end as fast as a hint would */
	if ((rc = bucket_ok(t, bucket)))
		return rc;
	if (!t->write)
		return custos_error_set(CUSTOS_EINVALID, "sorted backend: put in a read transaction");
	if (!(it = malloc(sizeof *it + key->size + val->size)))
		return oom();
	atomic_init(&it->refs, 1);
	it->kn = key->size;
	it->vn = val->size;
	memcpy(it->data, key->data, key->size);
	if (val->size)
		memcpy(it->data + key->size, val->data, val->size);
	tb = &t->s->t[bucket];
	i = lower(tb, key->data, key->size, 0);
	if (found_at(tb, i, key)) {
		item_unref(tb->items[i]);
		tb->items[i] = it;
		return CUSTOS_OK;
	}
	if (!(grown = realloc(tb->items, (tb->n + 1) * sizeof *grown))) {
		free(it);
		return oom();
	}
	tb->items = grown;
	memmove(tb->items + i + 1, tb->items + i, (tb->n - i) * sizeof *grown);
	tb->items[i] = it;
	tb->n++;
	return CUSTOS_OK;
}

static int s_del(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key)
{
	stxn *t = txn;
	table *tb;
	size_t i;
	int rc;

	(void)be;
	if ((rc = bucket_ok(t, bucket)))
		return rc;
	if (!t->write)
		return custos_error_set(CUSTOS_EINVALID, "sorted backend: delete in a read transaction");
	tb = &t->s->t[bucket];
	i = lower(tb, key->data, key->size, 0);
	if (!found_at(tb, i, key))
		return CUSTOS_ENOTFOUND;
	item_unref(tb->items[i]);
	memmove(tb->items + i, tb->items + i + 1, (tb->n - i - 1) * sizeof *tb->items);
	tb->n--;
	return CUSTOS_OK;
}

static int s_cursor_open(custos_backend *be, void *txn, unsigned int bucket, void **cursor_out)
{
	stxn *t = txn;
	scursor *c;
	int rc;

	(void)be;
	if ((rc = bucket_ok(t, bucket)))
		return rc;
	if (!(c = calloc(1, sizeof *c)))
		return oom();
	c->t = t;
	c->bucket = bucket;
	*cursor_out = c;
	return CUSTOS_OK;
}

static int land(scursor *c, size_t i, custos_val *key_out, custos_val *val_out)
{
	table *tb = &c->t->s->t[c->bucket];
	unsigned char *k;

	if (i >= tb->n)
		return CUSTOS_ITEROVER;
	if (!(k = malloc(tb->items[i]->kn)))
		return oom();
	memcpy(k, tb->items[i]->data, tb->items[i]->kn);
	free(c->key);
	c->key = k;
	c->kn = tb->items[i]->kn;
	key_out->data = tb->items[i]->data;
	key_out->size = tb->items[i]->kn;
	val_out->data = tb->items[i]->data + tb->items[i]->kn;
	val_out->size = tb->items[i]->vn;
	return CUSTOS_OK;
}

static int s_cursor_seek(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
	custos_val *val_out)
{
	scursor *c = cursor;

	(void)be;
	return land(c, lower(&c->t->s->t[c->bucket], key->data, key->size, 0), key_out, val_out);
}

static int s_cursor_next(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out)
{
	scursor *c = cursor;

	(void)be;
	if (!c->key)
		return custos_error_set(CUSTOS_EINVALID, "sorted backend: cursor_next before cursor_seek");
	return land(c, lower(&c->t->s->t[c->bucket], c->key, c->kn, 1), key_out, val_out);
}

static void s_cursor_close(custos_backend *be, void *cursor)
{
	scursor *c = cursor;

	(void)be;
	free(c->key);
	free(c);
}

static void s_free(custos_backend *be)
{
	sorted_backend *b = (sorted_backend *)be;

	snap_unref(b->cur);
	pthread_mutex_destroy(&b->mu);
	pthread_mutex_destroy(&b->writer);
	free(b);
}

int example_sorted_backend_new(custos_backend **out)
{
	sorted_backend *b = calloc(1, sizeof *b);
	int rc;

	if (!b)
		return oom();
	if ((rc = custos_backend_init(&b->base, CUSTOS_BACKEND_VERSION))) {
		free(b);
		return rc;
	}
	b->base.name = "sorted";
	b->base.prepare = s_prepare;
	b->base.begin = s_begin;
	b->base.commit = s_commit;
	b->base.abort = s_abort;
	b->base.get = s_get;
	b->base.put = s_put;
	b->base.del = s_del;
	b->base.cursor_open = s_cursor_open;
	b->base.cursor_seek = s_cursor_seek;
	b->base.cursor_next = s_cursor_next;
	b->base.cursor_close = s_cursor_close;
	b->base.free = s_free;
	pthread_mutex_init(&b->mu, NULL);
	pthread_mutex_init(&b->writer, NULL);
	*out = &b->base;
	return CUSTOS_OK;
}
