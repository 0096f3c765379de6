/*
 * store/store.c — the transaction discipline: one write transaction per process at a time,
 * shared by the writers that queue meanwhile (group commit), whole-transaction retry after
 * map growth, no use after fork(), and backend codes checked.
 */
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/fork.h"
#include "util/error.h"

const char *const cu_bucket_names[CU_B_COUNT] = {
	"meta", "customers", "index", "access", "audit", "events", "points", "history", "erased", "consent",
};

#define GROW_ATTEMPTS 16

/* A backend must answer with a custos code; anything else becomes CUSTOS_EBACKEND. */
static int checked(int rc)
{
	if (rc > 0 || (rc < CUSTOS_ECONFLICT && rc != CUSTOS_ITEROVER))
		return cu_err(CUSTOS_EBACKEND, "the storage backend returned an unknown code %d", rc);
	return rc;
}

int cu_store_init(cu_store *st, custos_backend *be, int readonly)
{
	int rc;

	memset(st, 0, sizeof *st);
	rc = checked(be->prepare(be, cu_bucket_names, CU_B_COUNT));
	if (rc)
		return rc;
	st->be = be;
	st->readonly = readonly;
	st->fork_gen = cu_fork_generation();
	pthread_mutex_init(&st->queue_lock, NULL);
	pthread_cond_init(&st->queue_done, NULL);
	cu_clock_cond_init(&st->queue_grew);
	st->queue_tail = &st->queue;
	return CUSTOS_OK;
}

void cu_store_fini(cu_store *st)
{
	if (st->be)
		st->be->free(st->be);
	st->be = NULL;
}

int cu_txn_begin(cu_txn *t, cu_store *st, int write)
{
	int rc;

	if (st->fork_gen != cu_fork_generation())
		return cu_err(CUSTOS_ESTATE, "this store was opened by another process (before fork()): "
			"open it again in this process");
	if (write && st->readonly)
		return cu_err(CUSTOS_ESTATE, "the store was opened read-only");
	t->st = st;
	t->write = write;
	t->h = NULL;
	t->delta_dirty = 0;
	memset(t->delta, 0, sizeof t->delta);
	t->audit_queue_to = 0;
	t->audit_dropped_to = 0;
	rc = checked(st->be->begin(st->be, write ? CUSTOS_TXN_WRITE : CUSTOS_TXN_READ, &t->h));
	return rc;
}

int cu_txn_commit(cu_txn *t)
{
	int rc = checked(t->st->be->commit(t->st->be, t->h));

	t->h = NULL;
	return rc;
}

void cu_txn_abort(cu_txn *t)
{
	if (t->h)
		t->st->be->abort(t->st->be, t->h);
	t->h = NULL;
}

static custos_val val(const void *p, size_t n)
{
	custos_val v = { p, n };
	return v;
}

int cu_get(cu_txn *t, unsigned bucket, const void *k, size_t kn, custos_val *v)
{
	custos_val key = val(k, kn);
	return checked(t->st->be->get(t->st->be, t->h, bucket, &key, v));
}

int cu_put_flags(cu_txn *t, unsigned bucket, const void *k, size_t kn, const void *v, size_t vn, unsigned flags)
{
	custos_val key = val(k, kn), value = val(v, vn);
	return checked(t->st->be->put(t->st->be, t->h, bucket, &key, &value, flags));
}

int cu_put(cu_txn *t, unsigned bucket, const void *k, size_t kn, const void *v, size_t vn)
{
	return cu_put_flags(t, bucket, k, kn, v, vn, 0);
}

int cu_del(cu_txn *t, unsigned bucket, const void *k, size_t kn)
{
	custos_val key = val(k, kn);
	return checked(t->st->be->del(t->st->be, t->h, bucket, &key));
}

int cu_del_prefix(cu_txn *t, unsigned bucket, const void *prefix, size_t pn, uint64_t *deleted)
{
	unsigned char key[CU_DEL_KEY_MAX];
	custos_val k, v;
	cu_cursor c;
	int rc;

	for (;;) {
		/* Seek again after every delete: a cursor is not assumed to survive writes. */
		if ((rc = cu_cursor_open(&c, t, bucket)))
			return rc;
		rc = cu_cursor_seek(&c, prefix, pn, &k, &v);
		if (rc == CUSTOS_OK && (k.size < pn || memcmp(k.data, prefix, pn) != 0))
			rc = CUSTOS_ITEROVER;
		if (rc == CUSTOS_OK && k.size > sizeof key)
			rc = cu_err(CUSTOS_ECORRUPT, "bucket '%s' holds a key of %zu bytes", cu_bucket_names[bucket], k.size);
		if (rc == CUSTOS_OK)
			memcpy(key, k.data, k.size);
		cu_cursor_close(&c);
		if (rc == CUSTOS_ITEROVER)
			return CUSTOS_OK;
		if (rc || (rc = cu_del(t, bucket, key, k.size)))
			return rc;
		if (deleted)
			(*deleted)++;
	}
}

int cu_txn_id(cu_txn *t, uint64_t *id)
{
	custos_backend *be = t->st->be;

	if (be->version < 2 || !be->txn_id)
		return CUSTOS_ENOTSUPPORTED;
	return checked(be->txn_id(be, t->h, id));
}

int cu_cursor_open(cu_cursor *c, cu_txn *t, unsigned bucket)
{
	c->t = t;
	c->h = NULL;
	return checked(t->st->be->cursor_open(t->st->be, t->h, bucket, &c->h));
}

int cu_cursor_seek(cu_cursor *c, const void *k, size_t kn, custos_val *key, custos_val *v)
{
	custos_val want = val(k, kn);
	return checked(c->t->st->be->cursor_seek(c->t->st->be, c->h, &want, key, v));
}

int cu_cursor_next(cu_cursor *c, custos_val *key, custos_val *v)
{
	return checked(c->t->st->be->cursor_next(c->t->st->be, c->h, key, v));
}

int cu_cursor_backwards(const cu_cursor *c)
{
	const custos_backend *be = c->t->st->be;
	return be->version >= 3 && be->cursor_seek_before && be->cursor_prev;
}

int cu_cursor_seek_before(cu_cursor *c, const void *k, size_t kn, custos_val *key, custos_val *v)
{
	custos_val want = val(k, kn);

	if (!cu_cursor_backwards(c))
		return CUSTOS_ENOTSUPPORTED;
	return checked(c->t->st->be->cursor_seek_before(c->t->st->be, c->h, &want, key, v));
}

int cu_cursor_prev(cu_cursor *c, custos_val *key, custos_val *v)
{
	if (!cu_cursor_backwards(c))
		return CUSTOS_ENOTSUPPORTED;
	return checked(c->t->st->be->cursor_prev(c->t->st->be, c->h, key, v));
}

void cu_cursor_close(cu_cursor *c)
{
	if (c->h)
		c->t->st->be->cursor_close(c->t->st->be, c->h);
	c->h = NULL;
}

/* One queued write: what to run, and what came of it. */
typedef struct cu_write_req {
	struct cu_write_req *next;
	cu_txn_fn fn;
	void (*committed)(void *arg);
	void *arg;
	int rc, done, failed;      /* failed: dropped from its group with rc */
	cu_err_saved err;
} cu_write_req;

#define GROUP_MAX 64               /* writes per transaction, so one group stays small */

static _Thread_local int in_group;  /* this thread is running a group's transaction */

/* Run every live write of the group in one transaction and commit. A write that fails
 * is dropped with its error and the others run again without it; running out of space
 * grows the backend and runs them all again. */
static int run_group(cu_store *st, cu_write_req *group)
{
	int rc = CUSTOS_OK, grows = 0;

	for (;;) {
		cu_write_req *failed = NULL, *r;
		cu_txn t;
		int live = 0;

		for (r = group; r; r = r->next)
			live += !r->failed;
		if (!live)
			return CUSTOS_OK;
		if ((rc = cu_txn_begin(&t, st, 1)))
			return rc;
		for (r = group; r && !rc; r = r->next)
			if (!r->failed && (rc = r->fn(&t, r->arg)))
				failed = r;
		if (!rc)
			rc = cu_txn_commit(&t);
		else
			cu_txn_abort(&t);
		if (rc == CUSTOS_OK)
			return CUSTOS_OK;
		if (rc == CUSTOS_EFULL && st->be->grow && grows++ < GROW_ATTEMPTS) {
			if ((rc = checked(st->be->grow(st->be))) != CUSTOS_OK)
				return rc;
			continue;
		}
		if (!failed)
			return rc;  /* the commit failed: every write of the group fails with it */
		failed->failed = 1;
		failed->rc = rc;
		cu_err_save(&failed->err);
	}
}

/* Before leading a group, a writer waits a little for the others when the groups of late
 * held several writers: when a program writes from several threads they are back with
 * their next write long before a commit's sync would end. Without this, groups alternate
 * between all but one writer and that one alone. It waits until as many writers are queued
 * as the largest group lately held, then for as long as more keep arriving (each within a
 * fiftieth of a commit of the one before); never more than a quarter of the last group's
 * time in all (and 1 ms): a quarter of a commit spent to save a whole one. When the first
 * wait ends short, fewer writers are waited for from then on. A single writer never waits. */
#define GATHER_MAX_US 1000

static void gather(cu_store *st)
{
	int64_t limit = st->last_commit_us / 4, settle = st->last_commit_us / 50;
	unsigned long g = st->groups;   /* another writer may lead meanwhile: then stop */
	struct timespec until, next;

	cu_clock_deadline(&until, limit < GATHER_MAX_US ? limit : GATHER_MAX_US);
	while (st->groups == g && st->queued < st->group_target)
		if (pthread_cond_timedwait(&st->queue_grew, &st->queue_lock, &until)) {
			if (st->groups == g)
				st->group_target = st->queued;
			return;
		}
	for (int seen = st->queued; st->groups == g; seen = st->queued) {
		cu_clock_deadline(&next, settle);
		if (next.tv_sec > until.tv_sec || (next.tv_sec == until.tv_sec && next.tv_nsec > until.tv_nsec))
			next = until;
		while (st->groups == g && st->queued == seen)
			if (pthread_cond_timedwait(&st->queue_grew, &st->queue_lock, &next))
				return;
	}
}

/* The leader: run the queue as it stands, tell each writer how it went. */
static void lead(cu_store *st)
{
	cu_write_req *group = st->queue, *r, *last = group;
	int64_t began, took;
	cu_err_saved why;
	int n = 1, rc;

	while (last->next && n < GROUP_MAX)
		last = last->next, n++;
	st->queue = last->next;
	if (!st->queue)
		st->queue_tail = &st->queue;
	last->next = NULL;
	st->queued -= n;
	st->groups++;
	if (n > st->group_target)
		st->group_target = n;
	st->leading = 1;
	pthread_mutex_unlock(&st->queue_lock);

	in_group = 1;
	began = cu_clock_mono_us();
	rc = run_group(st, group);
	took = cu_clock_mono_us() - began;
	if (rc)
		cu_err_save(&why);  /* one message for the whole group's failure */
	for (r = group; r; r = r->next) {
		if (r->failed)
			continue;
		r->rc = rc;
		if (rc == CUSTOS_OK && r->committed)
			r->committed(r->arg);
		else if (rc)
			r->err = why;
	}
	in_group = 0;

	pthread_mutex_lock(&st->queue_lock);
	for (r = group; r; r = r->next)
		r->done = 1;
	st->last_commit_us = took;
	st->leading = 0;
	pthread_cond_broadcast(&st->queue_done);
}

static int write_with(cu_store *st, cu_txn_fn fn, void (*committed)(void *arg), void *arg, int repair)
{
	int damage = atomic_load(&st->damaged), gathered = 0;
	cu_write_req req;

	if (damage == CU_DAMAGE_FATAL || (damage == CU_DAMAGE_REPAIRABLE && !repair))
		return cu_err(CUSTOS_ECORRUPT, damage == CU_DAMAGE_FATAL ? "the store was found damaged and is not "
			"written any more; close it and restore it from a backup" : "the store's indexes were found "
			"damaged and nothing else is written until they are rebuilt with custos_db_rebuild_indexes()");
	if (in_group)
		return cu_err(CUSTOS_ESTATE, "a write was started from inside another write's transaction");
	memset(&req, 0, sizeof req);
	req.fn = fn;
	req.committed = committed;
	req.arg = arg;
	pthread_mutex_lock(&st->queue_lock);
	*st->queue_tail = &req;
	st->queue_tail = &req.next;
	st->queued++;
	pthread_cond_signal(&st->queue_grew);
	while (!req.done) {
		if (!st->leading && st->queue && !gathered && st->group_target > 1) {
			gather(st);  /* the other writers are likely on their way back */
			gathered = 1;
		} else if (!st->leading && st->queue) {
			lead(st);
		} else {
			pthread_cond_wait(&st->queue_done, &st->queue_lock);
		}
	}
	pthread_mutex_unlock(&st->queue_lock);
	if (req.rc)
		cu_err_restore(&req.err);
	return req.rc;
}

int cu_store_write_ex(cu_store *st, cu_txn_fn fn, void (*committed)(void *arg), void *arg)
{
	return write_with(st, fn, committed, arg, 0);
}

int cu_store_write_repair(cu_store *st, cu_txn_fn fn, void (*committed)(void *arg), void *arg)
{
	return write_with(st, fn, committed, arg, 1);
}

int cu_store_write(cu_store *st, cu_txn_fn fn, void *arg)
{
	return cu_store_write_ex(st, fn, NULL, arg);
}

int cu_store_read(cu_store *st, cu_txn_fn fn, void *arg)
{
	cu_txn t;
	int rc;

	if ((rc = cu_txn_begin(&t, st, 0)))
		return rc;
	rc = fn(&t, arg);
	cu_txn_abort(&t);
	return rc;
}

int cu_store_check(cu_store *st)
{
	int rc;

	if (st->fork_gen != cu_fork_generation())
		return cu_err(CUSTOS_ESTATE, "this store was opened by another process (before fork()): "
			"open it again in this process");
	if (st->be->version < 2 || !st->be->check)
		return CUSTOS_OK;
	rc = checked(st->be->check(st->be));
	return rc == CUSTOS_ECORRUPT ? cu_store_damaged(st, rc) : rc;
}

int cu_store_damaged(cu_store *st, int code)
{
	atomic_store(&st->damaged, CU_DAMAGE_FATAL);
	return code;
}

int cu_store_damaged_repairable(cu_store *st, int code)
{
	int none = CU_DAMAGE_NONE;

	atomic_compare_exchange_strong(&st->damaged, &none, CU_DAMAGE_REPAIRABLE);
	return code;
}

void cu_store_repaired(cu_store *st)
{
	int repairable = CU_DAMAGE_REPAIRABLE;

	atomic_compare_exchange_strong(&st->damaged, &repairable, CU_DAMAGE_NONE);
}
