/*
 * access/audit_queue.c — the queue of read entries and the thread that commits it.
 *
 * Reads, finds, lists, counts, denials and audits are queued and committed in batches
 * (group commit): by a flusher thread once the queue holds a batch or its oldest entry
 * reaches the maximum age, by the next write (which takes the queue into its own
 * transaction), by custos_audit_flush() and at close. An entry leaves the queue only when a
 * commit wrote it, so the queue's capacity is what a crash can lose. A reader whose entry
 * finds the queue full waits for the commit under way, or commits the queue itself, until
 * the entry fits; so does every reader in fail-closed mode after a commit failed, and a
 * failure of that commit is where "refused" (fail-closed) and "dropped" (best-effort) come
 * from. Without the thread (pthread_create failed) readers commit due batches themselves.
 * Writing the entries is audit_write.c's job.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "access/access.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/error.h"

/* The queue holds two batches: the flusher commits one while readers fill the other. It
 * bounds what a crash loses (audit.h promises it): an entry leaves the queue only once
 * committed. */
#define QUEUE_BATCHES 2

struct cu_audit {
	pthread_mutex_t mu;
	pthread_cond_t wake;      /* the flusher waits on it (CLOCK_MONOTONIC) */
	pthread_cond_t done;      /* broadcast when a commit of the queue ends, well or not */
	pthread_t thread;
	int thread_on, stop;
	unsigned long fork_gen;   /* a child after fork() has no flusher and writes nothing */
	cu_core *core;
	/* A ring of cap entries. Every entry queued gets the next queue number; entry s sits at
	 * q[s % cap]. [head, tail) are queued and not yet committed: only a commit that wrote
	 * them advances head past them, and nothing else removes an entry. */
	cu_audit_rec *q;
	int64_t *queued_at;       /* per slot: when its entry was queued, monotonic microseconds */
	size_t cap;
	uint64_t head, tail;
	/* Entries lost since open (counted, never queued), and how many of them the log holds. */
	uint64_t dropped, dropped_logged;
	int failed;               /* the last commit of the queue failed */
	unsigned committing;      /* commits of the queue under way (cu_audit_flush) */
	uint64_t attempts;        /* commits of the queue ended, and how the last one did: */
	int last_rc;
	cu_err_saved last_err;
	uint32_t reads, batch, max_age_ms, every;
	int readonly;
	custos_checkpoint_fn fn;
	void *payload;
	cu_usage usage;
};

/* Ages and deadlines are measured on the monotonic clock: setting the wall clock (which
 * dates the entries) neither delays a commit nor hurries one. */
static int64_t now_us(void)
{
	return cu_clock_mono_us();
}

/* ---- state ---- */

int cu_audit_new(cu_audit **out, const custos_db_options *o, int readonly)
{
	cu_audit *a = cu_calloc(1, sizeof *a);

	if (!a)
		return cu_err_oom();
	a->reads = o ? o->audit_reads : CUSTOS_AUDIT_READS_FAIL_CLOSED;
	a->batch = o && o->audit_batch ? o->audit_batch : 2048;
	a->max_age_ms = o && o->audit_max_age_ms ? o->audit_max_age_ms : 1000;
	a->every = o && o->checkpoint_every ? o->checkpoint_every : 1000;
	a->readonly = readonly;
	a->cap = (size_t)a->batch * QUEUE_BATCHES;
	a->q = cu_calloc(a->cap, sizeof *a->q);
	a->queued_at = cu_calloc(a->cap, sizeof *a->queued_at);
	if (!a->q || !a->queued_at) {
		cu_free(a->q);
		cu_free(a->queued_at);
		cu_free(a);
		return cu_err_oom();
	}
	pthread_mutex_init(&a->mu, NULL);
	cu_clock_cond_init(&a->wake);
	pthread_cond_init(&a->done, NULL);
	cu_usage_init(&a->usage);
	a->fork_gen = cu_fork_generation();
	*out = a;
	return CUSTOS_OK;
}

static int forked(const cu_audit *a)
{
	return a->fork_gen != cu_fork_generation();
}

void cu_audit_stop(cu_audit *a)
{
	if (!a || !a->thread_on || forked(a))
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	a->thread_on = 0;
}

void cu_audit_free(cu_audit *a)
{
	if (!a)
		return;
	cu_audit_stop(a);
	if (!forked(a)) {  /* in a child the flusher may have held them: leave them be */
		pthread_cond_destroy(&a->wake);
		pthread_cond_destroy(&a->done);
		pthread_mutex_destroy(&a->mu);
		cu_usage_fini(&a->usage);
	}
	cu_free(a->q);
	cu_free(a->queued_at);
	cu_free(a);
}

void cu_audit_set_callback(cu_audit *a, custos_checkpoint_fn fn, void *payload)
{
	pthread_mutex_lock(&a->mu);
	a->fn = fn;
	a->payload = payload;
	pthread_mutex_unlock(&a->mu);
}

int cu_audit_reads_on(const cu_audit *a)
{
	return a->reads != CUSTOS_AUDIT_READS_OFF && !a->readonly;
}

uint32_t cu_audit_checkpoint_every(const cu_audit *a)
{
	return a->every;
}

cu_usage *cu_audit_usage(cu_audit *a)
{
	return &a->usage;
}

static size_t queued(const cu_audit *a)
{
	return (size_t)(a->tail - a->head);
}

/* ---- what write transactions take ---- */

/* Called inside the transaction: writes are serialised, so no other commit can advance the
 * queue until this transaction's own commit (or failure) is known. Several writes may share
 * the transaction (store/store.h): each takes only what the ones before it did not. */
int cu_audit_queue_take(cu_audit *a, cu_txn *txn, int entries, cu_audit_take *t)
{
	uint64_t from, dropped_from;
	size_t n, at, first;

	memset(t, 0, sizeof *t);
	pthread_mutex_lock(&a->mu);
	from = a->head > txn->audit_queue_to ? a->head : txn->audit_queue_to;
	dropped_from = a->dropped_logged > txn->audit_dropped_to ? a->dropped_logged : txn->audit_dropped_to;
	n = entries ? (size_t)(a->tail - from) : 0;
	if (n && !(t->recs = cu_malloc(n * sizeof *t->recs))) {
		pthread_mutex_unlock(&a->mu);
		return cu_err_oom();
	}
	at = (size_t)(from % a->cap);
	first = a->cap - at < n ? a->cap - at : n;
	if (n) {  /* the ring may wrap: its end, then its start */
		memcpy(t->recs, a->q + at, first * sizeof *t->recs);
		memcpy(t->recs + first, a->q, (n - first) * sizeof *t->recs);
	}
	t->n = n;
	t->queue_to = txn->audit_queue_to = from + n;
	t->dropped = a->dropped - dropped_from;
	if (t->dropped > UINT32_MAX)  /* one entry's count; the rest goes with a later commit */
		t->dropped = UINT32_MAX;
	t->dropped_to = txn->audit_dropped_to = dropped_from + t->dropped;
	pthread_mutex_unlock(&a->mu);
	return CUSTOS_OK;
}

void cu_audit_committed(cu_core *core, cu_audit_commit *c)
{
	cu_audit *a = core->audit;

	pthread_mutex_lock(&a->mu);
	a->failed = 0;
	if (c->queue_to > a->head)
		a->head = c->queue_to;
	if (c->dropped_to > a->dropped_logged)
		a->dropped_logged = c->dropped_to;
	pthread_cond_broadcast(&a->done);  /* there is room again */
	pthread_mutex_unlock(&a->mu);
	cu_usage_committed(&a->usage, &c->usage);
}

int cu_audit_after(cu_core *core, const cu_audit_commit *c)
{
	cu_audit *a = core->audit;
	custos_checkpoint_fn fn;
	void *payload;
	int took;

	if (!c->checkpoint)
		return CUSTOS_OK;
	pthread_mutex_lock(&a->mu);
	fn = a->fn;
	payload = a->payload;
	pthread_mutex_unlock(&a->mu);
	if (!fn || (took = fn(c->cp_seq, c->cp_hash, 32, c->cp_time, c->cp_sig, CU_SIGNATURE_BYTES, payload)) == 0)
		return CUSTOS_OK;
	return cu_err(CUSTOS_EUSER, "the checkpoint callback refused the checkpoint at entry %llu (it returned %d): "
		"the checkpoint is in the store, but no anchor of it was kept outside", (unsigned long long)c->cp_seq,
		took);
}

/* ---- committing the queue ---- */

typedef struct flush_args {
	cu_core *core;
	int checkpoint;
	int lost;          /* keep only the count of lost entries (the log cannot be written) */
	cu_audit_commit c;
} flush_args;

static int flush_fn(cu_txn *t, void *arg)
{
	flush_args *f = arg;
	cu_op op;
	int rc;

	cu_op_init(&op, f->core, t, NULL);
	rc = f->lost ? cu_audit_write_lost(&op, &f->c) : cu_audit_write(&op, NULL, 0, f->checkpoint, &f->c);
	cu_op_release(&op);
	return rc;
}

static void flush_committed(void *arg)
{
	flush_args *f = arg;
	cu_audit_committed(f->core, &f->c);
}

/* Readers that need room wait for a commit under way instead of starting one each: they
 * see its outcome through attempts, last_rc and last_err. */
int cu_audit_flush(cu_core *core, int checkpoint)
{
	cu_audit *a = core->audit;
	flush_args f;
	int rc;

	memset(&f, 0, sizeof f);
	f.core = core;
	f.checkpoint = checkpoint;
	if (a->readonly)
		return checkpoint ? cu_err(CUSTOS_ESTATE, "the store was opened read-only") : CUSTOS_OK;
	pthread_mutex_lock(&a->mu);
	a->committing++;
	pthread_mutex_unlock(&a->mu);
	rc = cu_store_write_ex(&core->store, flush_fn, flush_committed, &f);
	pthread_mutex_lock(&a->mu);
	a->committing--;
	a->attempts++;
	a->last_rc = rc;
	if (rc) {
		a->failed = 1;
		cu_err_save(&a->last_err);
	}
	pthread_cond_broadcast(&a->done);
	pthread_mutex_unlock(&a->mu);
	if (!rc) {
		/* Only an asked-for checkpoint reports the host's refusal: a reader's commit of the
		 * queue succeeded whatever the host does with an anchor made on the way. */
		int took = cu_audit_after(core, &f.c);
		if (checkpoint)
			rc = took;
	}
	return rc;
}

int cu_audit_close(cu_core *core)
{
	cu_audit *a = core->audit;
	cu_err_saved why;
	flush_args l;
	int rc;

	if (a->readonly || forked(a))
		return CUSTOS_OK;
	if ((rc = cu_audit_flush(core, 1)) == CUSTOS_OK || rc == CUSTOS_EUSER)
		return rc;  /* committed; an anchor the host refused is all that went wrong */
	cu_err_save(&why);
	pthread_mutex_lock(&a->mu);
	a->dropped += queued(a);
	a->head = a->tail;
	pthread_mutex_unlock(&a->mu);
	memset(&l, 0, sizeof l);
	l.core = core;
	l.lost = 1;
	(void)cu_store_write_ex(&core->store, flush_fn, flush_committed, &l);  /* nothing more to try */
	cu_err_restore(&why);
	return rc;
}

static int is_read(int action)
{
	return action == CUSTOS_AUDIT_READ || action == CUSTOS_AUDIT_FIND || action == CUSTOS_AUDIT_LIST ||
	       action == CUSTOS_AUDIT_COUNT;
}

/* Fail-closed: the read is refused, with the reason the log could not be written. */
static int refuse(int rc)
{
	cu_err_saved why;

	cu_err_save(&why);
	return cu_err(rc, "reads are refused: the audit log cannot be written (%s)", why.msg);
}

/* Is the queue due for a commit? Called with the lock held. */
static int due(const cu_audit *a, int64_t now)
{
	size_t n = queued(a);

	return n >= a->batch || (n && now - a->queued_at[a->head % a->cap] >= (int64_t)a->max_age_ms * 1000);
}

/* With the lock held: see a commit of the queue through, started now by this thread or
 * already under way on another, and return how it ended (its message set on failure). */
static int commit_queue_locked(cu_audit *a, cu_core *core)
{
	int rc;

	if (a->committing) {
		uint64_t seen = a->attempts;
		while (a->attempts == seen)
			pthread_cond_wait(&a->done, &a->mu);
		if ((rc = a->last_rc))
			cu_err_restore(&a->last_err);
		return rc;
	}
	pthread_mutex_unlock(&a->mu);
	rc = cu_audit_flush(core, 0);
	pthread_mutex_lock(&a->mu);
	return rc;
}

/* Room for one entry, with the lock held. A full queue is committed (or a commit under way
 * awaited) until there is room: entries are never dropped while the log can be written.
 * When a commit fails, fail-closed refuses the read; best-effort drops this entry (if the
 * queue is still full) and counts it. In fail-closed mode, after a failed commit, every
 * entry first sees a commit through. *dropped is set when the entry was counted instead. */
static int make_room(cu_audit *a, cu_core *core, int *dropped)
{
	int closed = a->reads != CUSTOS_AUDIT_READS_BEST_EFFORT;

	*dropped = 0;
	while (queued(a) == a->cap || (closed && a->failed)) {
		int rc = commit_queue_locked(a, core);
		if (!rc)
			continue;
		if (closed)
			return refuse(rc);
		if (queued(a) == a->cap) {
			a->dropped++;
			*dropped = 1;
		}
		break;
	}
	return CUSTOS_OK;
}

int cu_audit_queue_entry(cu_core *core, const cu_audit_rec *r)
{
	cu_audit *a = core->audit;
	int rc, dropped, wake, inline_due;
	int64_t now;

	if (a->readonly || forked(a) || (is_read(r->action) && a->reads == CUSTOS_AUDIT_READS_OFF))
		return CUSTOS_OK;
	pthread_mutex_lock(&a->mu);
	if ((rc = make_room(a, core, &dropped)) || dropped) {
		pthread_mutex_unlock(&a->mu);
		return rc;
	}
	now = now_us();
	a->queued_at[a->tail % a->cap] = now;
	a->q[a->tail++ % a->cap] = *r;
	wake = queued(a) == 1 || queued(a) == a->batch;  /* arm the age timer, or a batch is ready */
	inline_due = !a->thread_on && due(a, now);
	if (wake && a->thread_on)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->mu);
	if (inline_due && (rc = cu_audit_flush(core, 0)) && a->reads != CUSTOS_AUDIT_READS_BEST_EFFORT)
		return refuse(rc);  /* this entry stays queued; best-effort serves the read */
	return CUSTOS_OK;
}

/* ---- the flusher thread ---- */

static void *flusher(void *arg)
{
	cu_audit *a = arg;
	int64_t age_us = (int64_t)a->max_age_ms * 1000, retry_at = 0;

	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		int64_t now = now_us();
		struct timespec ts;
		int rc;
		if (queued(a) == 0) {
			pthread_cond_wait(&a->wake, &a->mu);
			continue;
		}
		if (!due(a, now) || now < retry_at) {
			int64_t until = a->queued_at[a->head % a->cap] + age_us;
			if (queued(a) >= a->batch || until < retry_at)
				until = retry_at;
			cu_clock_deadline(&ts, until > now ? until - now : 1000);
			pthread_cond_timedwait(&a->wake, &a->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&a->mu);
		rc = cu_audit_flush(a->core, 0);
		pthread_mutex_lock(&a->mu);
		retry_at = rc ? now_us() + age_us : 0;  /* after a failure, try again after max age */
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

void cu_audit_start(cu_audit *a, cu_core *core)
{
	sigset_t all, old;

	a->core = core;
	if (a->readonly)
		return;
	/* Host signals are delivered to host threads, never to the flusher. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	a->thread_on = pthread_create(&a->thread, NULL, flusher, a) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
