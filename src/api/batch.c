/*
 * api/batch.c — write batches: a list of creates, updates and event appends, copied when
 * added and run in order in one write transaction at the commit.
 */
#include <string.h>

#include "api/api.h"
#include "custos/batch.h"
#include "model/customer.h"
#include "model/timeline/timeline.h"
#include "model/value.h"
#include "util/alloc.h"
#include "util/clock.h"

enum { W_CREATE = 1, W_UPDATE, W_APPEND };

typedef struct batch_write {
	int kind;
	uint64_t customer;         /* the id written (set for a create by the commit) */
	uint32_t seq;              /* an append's sequence number, after the commit */
	custos_customer *customer_h;
	cu_event *event;
} batch_write;

struct custos_batch {
	custos_ctx *ctx;
	batch_write *w;
	size_t n, cap;
	uint32_t need;             /* the operations its writes need */
	int committed;
};

int custos_batch_new(custos_batch **out, custos_ctx *ctx)
{
	custos_batch *b;
	int rc;

	if (!out)
		return cu_null_arg("custos_batch_new", "out");
	*out = NULL;
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (!(b = cu_calloc(1, sizeof *b)))
		return cu_err_oom();
	b->ctx = cu_ctx_ref(ctx);
	*out = b;
	return CUSTOS_OK;
}

static void write_free(batch_write *w)
{
	cu_customer_destroy(w->customer_h);
	cu_event_destroy(w->event);
}

void custos_batch_free(custos_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		write_free(&b->w[i]);
	cu_free(b->w);
	cu_ctx_unref(b->ctx);
	cu_free(b);
}

size_t custos_batch_count(const custos_batch *b)
{
	return b ? b->n : 0;
}

/* The checks every add makes, and room for one more write. */
static int adding(custos_batch *b, const void *what, const char *what_name, const char *fn, uint32_t need,
	const char *doing)
{
	batch_write *w;
	int rc;

	if (!b)
		return cu_null_arg(fn, "batch");
	if (!what)
		return cu_null_arg(fn, what_name);
	if (b->committed)
		return cu_err(CUSTOS_ESTATE, "%s: the batch was committed; make a new one", fn);
	if (b->n >= CUSTOS_BATCH_MAX)
		return cu_err(CUSTOS_EFULL, "%s: a batch holds at most %u writes; commit this one and start another", fn,
			CUSTOS_BATCH_MAX);
	if ((rc = cu_ctx_usable(b->ctx)) || (rc = cu_access_check(b->ctx, need, doing)))
		return rc;
	if (!(w = cu_array_room(b->w, &b->cap, b->n, sizeof *w)))
		return CUSTOS_ENOMEM;
	b->w = w;
	return CUSTOS_OK;
}

static int add_customer(custos_batch *b, int kind, uint64_t id, const custos_customer *c, const char *fn)
{
	uint32_t need = kind == W_CREATE ? CUSTOS_OP_CREATE : CUSTOS_OP_UPDATE;
	batch_write *w;
	int rc;

	if ((rc = adding(b, c, kind == W_CREATE ? "draft" : "changes", fn, need,
		kind == W_CREATE ? "create customers" : "update customers")))
		return rc;
	if (!cu_customer_same_store(c, b->ctx->core->keys->store_id))
		return cu_err(CUSTOS_EINVALID, "%s: the customer handle belongs to another store", fn);
	if ((rc = cu_access_may_write(b->ctx, c, need, kind == W_CREATE ? "set" : "update")))
		return rc;
	w = &b->w[b->n];
	memset(w, 0, sizeof *w);
	if ((rc = cu_customer_clone(&w->customer_h, c)))
		return rc;
	w->kind = kind;
	w->customer = id;
	b->n++;
	b->need |= need;
	return CUSTOS_OK;
}

int custos_batch_create(custos_batch *b, const custos_customer *draft)
{
	return add_customer(b, W_CREATE, 0, draft, "custos_batch_create");
}

int custos_batch_update(custos_batch *b, uint64_t customer, const custos_customer *changes)
{
	return add_customer(b, W_UPDATE, customer, changes, "custos_batch_update");
}

int custos_batch_append(custos_batch *b, uint64_t customer, const custos_event *e)
{
	batch_write *w;
	int rc;

	if ((rc = adding(b, e, "event", "custos_batch_append", CUSTOS_OP_UPDATE, "append events")))
		return rc;
	if (e->seq)
		return cu_err(CUSTOS_EINVALID, "custos_batch_append: event %u of customer %llu was read from the store; "
			"append a new event", e->seq, (unsigned long long)e->customer);
	if ((rc = cu_event_check(e, cu_clock_wall_us())))  /* the commit checks again, at its own time */
		return rc;
	w = &b->w[b->n];
	memset(w, 0, sizeof *w);
	if ((rc = cu_event_clone(&w->event, e)))
		return rc;
	w->kind = W_APPEND;
	w->customer = customer;
	b->n++;
	b->need |= CUSTOS_OP_UPDATE;
	return CUSTOS_OK;
}

/* Run every write in order; an audit entry per write, with its own action. */
static int commit_fn(cu_op *op, void *arg)
{
	custos_batch *b = arg;
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < b->n && !rc; i++) {
		batch_write *w = &b->w[i];
		size_t noted = op->nwrites;
		int action = CUSTOS_AUDIT_EVENT;

		switch (w->kind) {
		case W_CREATE:
			rc = cu_cust_insert(op, w->customer_h, &w->customer);
			action = CUSTOS_AUDIT_CREATE;
			break;
		case W_UPDATE:
			rc = cu_cust_update(op, w->customer, 0, w->customer_h);
			action = CUSTOS_AUDIT_UPDATE;
			break;
		default:
			rc = cu_timeline_append(op, w->customer, w->event, &w->seq);
			break;
		}
		if (rc)
			cu_err_prefix("write %zu: ", i);
		for (size_t k = noted; !rc && k < op->nwrites; k++)
			if (!op->writes[k].action)
				op->writes[k].action = action;
	}
	return rc;
}

int custos_batch_commit(custos_batch *b)
{
	int rc;

	if (!b)
		return cu_null_arg("custos_batch_commit", "batch");
	if (b->committed)
		return cu_err(CUSTOS_ESTATE, "custos_batch_commit: the batch was committed already");
	if (b->n == 0)
		return cu_ctx_usable(b->ctx);
	rc = cu_run_write(b->ctx, b->need, "commit a batch", CUSTOS_AUDIT_UPDATE, commit_fn, b, NULL);
	if (rc) {  /* nothing stood: forget what the failed attempt assigned */
		for (size_t i = 0; i < b->n; i++) {
			if (b->w[i].kind == W_CREATE)
				b->w[i].customer = 0;
			b->w[i].seq = 0;
		}
		return rc;
	}
	b->committed = 1;
	return CUSTOS_OK;
}

uint64_t custos_batch_id(const custos_batch *b, size_t index)
{
	return b && b->committed && index < b->n ? b->w[index].customer : 0;
}

uint32_t custos_batch_seq(const custos_batch *b, size_t index)
{
	return b && b->committed && index < b->n ? b->w[index].seq : 0;
}
