/*
 * backends/memory/memory.c — the ephemeral in-memory backend: one AVL tree per bucket.
 * Writers are exclusive (and block readers for the life of a write transaction); an undo
 * log makes abort exact. It knows nothing of what the bytes mean.
 */
#include <pthread.h>
#include <string.h>

#include "backends/backends.h"
#include "util/alloc.h"
#include "util/error.h"

typedef struct node {
	struct node *l, *r;
	int h;
	size_t kn, vn;
	unsigned char *k, *v;
} node;

typedef struct undo {
	struct undo *next;
	unsigned bucket;
	size_t kn, vn;
	int had;           /* key existed before the change */
	unsigned char *k, *v;
	struct node *spare; /* node to re-link on rollback, allocated up front */
} undo;

typedef struct mem_backend {
	custos_backend base;
	pthread_rwlock_t lock;
	node **roots;
	size_t nbuckets;
	undo *log;         /* of the open write transaction */
	int writing;
	uint64_t commits;  /* write transactions committed: the transaction id */
} mem_backend;

typedef struct mem_cursor {
	mem_backend *m;
	unsigned bucket;
	unsigned char *key;
	size_t kn;
	int positioned;
} mem_cursor;

static int cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;  /* an empty key may come with a NULL pointer */

	return c ? c : (an < bn ? -1 : an > bn);
}

static int height(node *n) { return n ? n->h : 0; }

static void fix(node *n)
{
	int hl = height(n->l), hr = height(n->r);
	n->h = (hl > hr ? hl : hr) + 1;
}

static node *rot_right(node *n)
{
	node *l = n->l;
	n->l = l->r;
	l->r = n;
	fix(n);
	fix(l);
	return l;
}

static node *rot_left(node *n)
{
	node *r = n->r;
	n->r = r->l;
	r->l = n;
	fix(n);
	fix(r);
	return r;
}

static node *balance(node *n)
{
	int b;

	fix(n);
	b = height(n->l) - height(n->r);
	if (b > 1) {
		if (height(n->l->l) < height(n->l->r))
			n->l = rot_left(n->l);
		return rot_right(n);
	}
	if (b < -1) {
		if (height(n->r->r) < height(n->r->l))
			n->r = rot_right(n->r);
		return rot_left(n);
	}
	return n;
}

static node *find(node *n, const unsigned char *k, size_t kn)
{
	while (n) {
		int c = cmp(k, kn, n->k, n->kn);
		if (!c)
			return n;
		n = c < 0 ? n->l : n->r;
	}
	return NULL;
}

/* First node with key >= k (strict: > k). */
static node *lower_bound(node *n, const unsigned char *k, size_t kn, int strict)
{
	node *best = NULL;

	while (n) {
		int c = cmp(n->k, n->kn, k, kn);
		if (c > 0 || (!strict && c == 0)) {
			best = n;
			n = n->l;
		} else {
			n = n->r;
		}
	}
	return best;
}

/* Last node with key < k (every key when kn is 0: the last node). */
static node *upper_bound_before(node *n, const unsigned char *k, size_t kn)
{
	node *best = NULL;

	while (n) {
		if (kn == 0 || cmp(n->k, n->kn, k, kn) < 0) {
			best = n;
			n = n->r;
		} else {
			n = n->l;
		}
	}
	return best;
}

static void node_free(node *n)
{
	if (!n)
		return;
	cu_free(n->k);
	cu_free(n->v);
	cu_free(n);
}

static int set_value(node *n, const unsigned char *v, size_t vn)
{
	unsigned char *nv = cu_malloc(vn);

	if (!nv)
		return cu_err_oom();
	if (vn)
		memcpy(nv, v, vn);
	cu_free(n->v);
	n->v = nv;
	n->vn = vn;
	return CUSTOS_OK;
}

/* Insert or replace; *rc receives the result. */
static node *insert(node *n, const unsigned char *k, size_t kn, const unsigned char *v, size_t vn, int *rc)
{
	int c;

	if (!n) {
		node *x = cu_calloc(1, sizeof *x);
		if (!x || !(x->k = cu_malloc(kn))) {
			cu_free(x);
			*rc = cu_err_oom();
			return NULL;
		}
		memcpy(x->k, k, kn);
		x->kn = kn;
		x->h = 1;
		if ((*rc = set_value(x, v, vn))) {
			node_free(x);
			return NULL;
		}
		return x;
	}
	c = cmp(k, kn, n->k, n->kn);
	if (c == 0) {
		*rc = set_value(n, v, vn);
		return n;
	}
	if (c < 0) {
		node *l = insert(n->l, k, kn, v, vn, rc);
		if (*rc)
			return n;
		n->l = l;
	} else {
		node *r = insert(n->r, k, kn, v, vn, rc);
		if (*rc)
			return n;
		n->r = r;
	}
	return balance(n);
}

/* Link an allocated node; used by rollback, which must not allocate. */
static node *insert_node(node *n, node *x)
{
	if (!n)
		return x;
	if (cmp(x->k, x->kn, n->k, n->kn) < 0)
		n->l = insert_node(n->l, x);
	else
		n->r = insert_node(n->r, x);
	return balance(n);
}

static node *remove_min(node *n, node **min)
{
	if (!n->l) {
		*min = n;
		return n->r;
	}
	n->l = remove_min(n->l, min);
	return balance(n);
}

static node *remove_key(node *n, const unsigned char *k, size_t kn)
{
	int c;

	if (!n)
		return NULL;
	c = cmp(k, kn, n->k, n->kn);
	if (c < 0) {
		n->l = remove_key(n->l, k, kn);
	} else if (c > 0) {
		n->r = remove_key(n->r, k, kn);
	} else {
		node *l = n->l, *r = n->r, *m;
		node_free(n);
		if (!r)
			return l;
		r = remove_min(r, &m);
		m->l = l;
		m->r = r;
		return balance(m);
	}
	return balance(n);
}

static void tree_free(node *n)
{
	if (!n)
		return;
	tree_free(n->l);
	tree_free(n->r);
	node_free(n);
}

/* ---- undo log ---- */

static int log_change(mem_backend *m, unsigned bucket, const custos_val *key)
{
	node *old = find(m->roots[bucket], key->data, key->size);
	undo *u = cu_calloc(1, sizeof *u);

	if (!u || !(u->k = cu_malloc(key->size)) ||
	    (old && (!(u->v = cu_malloc(old->vn)) || !(u->spare = cu_calloc(1, sizeof *u->spare))))) {
		if (u) {
			cu_free(u->k);
			cu_free(u->v);
		}
		cu_free(u);
		return cu_err_oom();
	}
	memcpy(u->k, key->data, key->size);
	u->kn = key->size;
	u->bucket = bucket;
	if (old) {
		u->had = 1;
		u->vn = old->vn;
		if (old->vn)
			memcpy(u->v, old->v, old->vn);
	}
	u->next = m->log;
	m->log = u;
	return CUSTOS_OK;
}

static void log_free(mem_backend *m)
{
	while (m->log) {
		undo *u = m->log;
		m->log = u->next;
		cu_free(u->k);
		cu_free(u->v);
		cu_free(u->spare);
		cu_free(u);
	}
}

/* Replay the log backwards. Rollback must not fail, so it never allocates: undo entries
 * hand over their buffers and a node allocated when the change was logged. */
static void log_rollback(mem_backend *m)
{
	while (m->log) {
		undo *u = m->log;
		node **root = &m->roots[u->bucket];
		m->log = u->next;
		if (u->had) {
			node *n = find(*root, u->k, u->kn);
			if (n) {
				cu_free(n->v);
				n->v = u->v;
				n->vn = u->vn;
			} else {
				n = u->spare;
				n->k = u->k;
				n->kn = u->kn;
				n->v = u->v;
				n->vn = u->vn;
				n->h = 1;
				*root = insert_node(*root, n);
				u->k = NULL;
				u->spare = NULL;
			}
			u->v = NULL;
		} else {
			*root = remove_key(*root, u->k, u->kn);
		}
		cu_free(u->k);
		cu_free(u->v);
		cu_free(u->spare);
		cu_free(u);
	}
}

/* ---- vtable ---- */

static int m_prepare(custos_backend *be, const char *const *buckets, size_t count)
{
	mem_backend *m = (mem_backend *)be;
	node **roots;

	(void)buckets;
	if (m->roots)  /* handed to another open after a failed one: the buckets keep what they hold */
		return count == m->nbuckets ? CUSTOS_OK :
			cu_err(CUSTOS_EINVALID, "memory backend: prepared with %zu buckets, not %zu", m->nbuckets, count);
	if (!(roots = cu_calloc(count, sizeof *roots)))
		return cu_err_oom();
	m->roots = roots;
	m->nbuckets = count;
	return CUSTOS_OK;
}

static int m_begin(custos_backend *be, unsigned int flags, void **txn_out)
{
	mem_backend *m = (mem_backend *)be;

	if (flags & CUSTOS_TXN_WRITE) {
		pthread_rwlock_wrlock(&m->lock);
		m->writing = 1;
		*txn_out = &m->writing;
	} else {
		pthread_rwlock_rdlock(&m->lock);
		*txn_out = &m->roots;
	}
	return CUSTOS_OK;
}

static int m_commit(custos_backend *be, void *txn)
{
	mem_backend *m = (mem_backend *)be;

	if (txn == &m->writing) {
		log_free(m);
		m->writing = 0;
		m->commits++;
	}
	pthread_rwlock_unlock(&m->lock);
	return CUSTOS_OK;
}

static int m_txn_id(custos_backend *be, void *txn, uint64_t *out)
{
	mem_backend *m = (mem_backend *)be;

	*out = m->commits + (txn == &m->writing);  /* under the lock the transaction holds */
	return CUSTOS_OK;
}

static void m_abort(custos_backend *be, void *txn)
{
	mem_backend *m = (mem_backend *)be;

	if (txn == &m->writing) {
		log_rollback(m);
		m->writing = 0;
	}
	pthread_rwlock_unlock(&m->lock);
}

static int m_get(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, custos_val *val_out)
{
	mem_backend *m = (mem_backend *)be;
	node *n;

	(void)txn;
	if (bucket >= m->nbuckets)
		return cu_err(CUSTOS_EINVALID, "memory backend: no bucket %u", bucket);
	n = find(m->roots[bucket], key->data, key->size);
	if (!n)
		return CUSTOS_ENOTFOUND;
	val_out->data = n->v;
	val_out->size = n->vn;
	return CUSTOS_OK;
}

static int m_put(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, const custos_val *val,
	unsigned int flags)
{
	mem_backend *m = (mem_backend *)be;
	int rc = CUSTOS_OK;
	node *root;

	(void)flags;
	if (txn != &m->writing || bucket >= m->nbuckets)
		return cu_err(CUSTOS_EINVALID, "memory backend: put outside a write transaction or bucket");
	if ((rc = log_change(m, bucket, key)))
		return rc;
	root = insert(m->roots[bucket], key->data, key->size, val->data, val->size, &rc);
	if (rc)
		return rc;
	m->roots[bucket] = root;
	return CUSTOS_OK;
}

static int m_del(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key)
{
	mem_backend *m = (mem_backend *)be;
	int rc;

	if (txn != &m->writing || bucket >= m->nbuckets)
		return cu_err(CUSTOS_EINVALID, "memory backend: delete outside a write transaction or bucket");
	if (!find(m->roots[bucket], key->data, key->size))
		return CUSTOS_ENOTFOUND;
	if ((rc = log_change(m, bucket, key)))
		return rc;
	m->roots[bucket] = remove_key(m->roots[bucket], key->data, key->size);
	return CUSTOS_OK;
}

static int m_cursor_open(custos_backend *be, void *txn, unsigned int bucket, void **cursor_out)
{
	mem_backend *m = (mem_backend *)be;
	mem_cursor *c;

	(void)txn;
	if (bucket >= m->nbuckets)
		return cu_err(CUSTOS_EINVALID, "memory backend: no bucket %u", bucket);
	if (!(c = cu_calloc(1, sizeof *c)))
		return cu_err_oom();
	c->m = m;
	c->bucket = bucket;
	*cursor_out = c;
	return CUSTOS_OK;
}

static int cursor_land(mem_cursor *c, node *n, custos_val *key_out, custos_val *val_out)
{
	unsigned char *k;

	if (!n)
		return CUSTOS_ITEROVER;
	if (!(k = cu_malloc(n->kn)))
		return cu_err_oom();
	memcpy(k, n->k, n->kn);
	cu_free(c->key);
	c->key = k;
	c->kn = n->kn;
	c->positioned = 1;
	key_out->data = n->k;
	key_out->size = n->kn;
	val_out->data = n->v;
	val_out->size = n->vn;
	return CUSTOS_OK;
}

static int m_cursor_seek(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
	custos_val *val_out)
{
	mem_cursor *c = cursor;
	node *n = lower_bound(c->m->roots[c->bucket], key->data, key->size, 0);

	(void)be;
	return cursor_land(c, n, key_out, val_out);
}

static int m_cursor_next(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out)
{
	mem_cursor *c = cursor;

	(void)be;
	if (!c->positioned)
		return cu_err(CUSTOS_EINVALID, "memory backend: cursor_next before cursor_seek");
	return cursor_land(c, lower_bound(c->m->roots[c->bucket], c->key, c->kn, 1), key_out, val_out);
}

static int m_cursor_seek_before(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
	custos_val *val_out)
{
	mem_cursor *c = cursor;

	(void)be;
	return cursor_land(c, upper_bound_before(c->m->roots[c->bucket], key->data, key->size), key_out, val_out);
}

static int m_cursor_prev(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out)
{
	mem_cursor *c = cursor;

	(void)be;
	if (!c->positioned)
		return cu_err(CUSTOS_EINVALID, "memory backend: cursor_prev before a seek");
	return cursor_land(c, upper_bound_before(c->m->roots[c->bucket], c->key, c->kn), key_out, val_out);
}

static void m_cursor_close(custos_backend *be, void *cursor)
{
	mem_cursor *c = cursor;

	(void)be;
	cu_free(c->key);
	cu_free(c);
}

static void m_free(custos_backend *be)
{
	mem_backend *m = (mem_backend *)be;

	if (!m)
		return;
	for (size_t i = 0; i < m->nbuckets; i++)
		tree_free(m->roots[i]);
	cu_free(m->roots);
	pthread_rwlock_destroy(&m->lock);
	cu_free(m);
}

int cu_backend_memory_new(custos_backend **out)
{
	mem_backend *m = cu_calloc(1, sizeof *m);

	if (!m)
		return cu_err_oom();
	custos_backend_init(&m->base, CUSTOS_BACKEND_VERSION);
	m->base.name = "memory";
	m->base.prepare = m_prepare;
	m->base.begin = m_begin;
	m->base.commit = m_commit;
	m->base.txn_id = m_txn_id;
	m->base.abort = m_abort;
	m->base.get = m_get;
	m->base.put = m_put;
	m->base.del = m_del;
	m->base.cursor_open = m_cursor_open;
	m->base.cursor_seek = m_cursor_seek;
	m->base.cursor_next = m_cursor_next;
	m->base.cursor_close = m_cursor_close;
	m->base.cursor_seek_before = m_cursor_seek_before;
	m->base.cursor_prev = m_cursor_prev;
	m->base.free = m_free;
	pthread_rwlock_init(&m->lock, NULL);
	*out = &m->base;
	return CUSTOS_OK;
}
