/*
 * api/audit.c — reading, verifying and anchoring the audit log.
 */
#include <string.h>

#include "api/api.h"
#include "util/alloc.h"

#define PAGE 256

/* What the AUDIT entries of these calls record as their subject. */
enum { SEEN_READ = 1, SEEN_VERIFY = 2 };

struct custos_audit_entry {
	uint64_t seq;
	cu_audit_rec r;
};

struct custos_audit_iter {
	custos_ctx *ctx;
	cu_audit_reader rd;
	cu_audit_rec recs[PAGE];
	uint64_t seqs[PAGE];
	size_t n, pos;
	int exhausted;
	int rc;                /* how the last page ended, returned after its entries */
	cu_err_saved err;
};

int custos_db_set_checkpoint_callback(custos_db *db, custos_checkpoint_fn fn, void *payload)
{
	if (!db)
		return cu_null_arg("custos_db_set_checkpoint_callback", "db");
	if (db->closed)
		return cu_err(CUSTOS_ESTATE, "the store has been closed");
	cu_audit_set_callback(db->audit, fn, payload);
	return CUSTOS_OK;
}

int custos_audit_flush(custos_ctx *ctx)
{
	int rc;

	if ((rc = cu_ctx_current(ctx)))
		return rc;
	return cu_audit_flush(ctx->core, 0);
}

int custos_audit_checkpoint(custos_ctx *ctx)
{
	int rc;

	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_AUDIT, "sign audit checkpoints")))
		return rc;
	return cu_audit_flush(ctx->core, 1);
}

int custos_audit_public_key(custos_buf *out, custos_ctx *ctx)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_audit_public_key", "out");
	custos_buf_dispose(out);
	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_AUDIT, "read the audit log's key")))
		return rc;
	if (!(out->ptr = cu_malloc(33)))
		return cu_err_oom();
	cu_audit_public_key(ctx->core, out->ptr);
	out->ptr[32] = 0;
	out->size = 32;
	out->reserved = 33;
	return CUSTOS_OK;
}

int custos_audit_verify(uint64_t *first_bad, custos_ctx *ctx, uint64_t anchor_seq, const unsigned char *anchor_hash,
	size_t anchor_hash_len)
{
	cu_err_saved e;
	int rc;

	if (first_bad)
		*first_bad = 0;
	if (anchor_hash && anchor_hash_len != CUSTOS_AUDIT_HASH_BYTES)
		return cu_err(CUSTOS_EINVALID, "an anchor's hash is %u bytes, not %zu", CUSTOS_AUDIT_HASH_BYTES,
			anchor_hash_len);
	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_AUDIT, "verify the audit log")))
		return rc;
	/* What is committed, as it stands: verification writes nothing (its own entry is queued). */
	rc = cu_audit_verify(ctx->core, first_bad, anchor_seq, anchor_hash);
	cu_err_save(&e);
	(void)cu_log_read(ctx, CUSTOS_AUDIT_AUDIT, CUSTOS_OP_AUDIT, 0, 0, rc, SEEN_VERIFY);
	cu_err_restore(&e);
	return rc;
}

int custos_audit_read(custos_audit_iter **out, custos_ctx *ctx, uint64_t after_seq)
{
	custos_audit_iter *it;
	int rc;

	if (!out)
		return cu_null_arg("custos_audit_read", "out");
	*out = NULL;
	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_AUDIT, "read the audit log")))
		return rc;
	if (!(it = cu_calloc(1, sizeof *it)))
		return cu_err_oom();
	/* The entries committed before this call's own: the same whenever the flusher runs. */
	if ((rc = cu_audit_reader_bound(ctx->core, &it->rd)) ||
	    (rc = cu_log_read(ctx, CUSTOS_AUDIT_AUDIT, CUSTOS_OP_AUDIT, 0, 0, CUSTOS_OK, SEEN_READ))) {
		cu_free(it);
		return rc;
	}
	it->ctx = cu_ctx_ref(ctx);
	it->rd.after = after_seq;
	*out = it;
	return CUSTOS_OK;
}

int custos_audit_next(custos_audit_entry **out, custos_audit_iter *it)
{
	custos_audit_entry *e;
	int rc;

	if (!out || !it)
		return cu_null_arg("custos_audit_next", out ? "iter" : "out");
	*out = NULL;
	if (it->pos == it->n) {
		if ((rc = it->rc)) {  /* the page's entries are out: now its error (the next call tries again) */
			it->rc = 0;
			cu_err_restore(&it->err);
			return rc;
		}
		if (it->exhausted || (it->rd.bounded && it->rd.after >= it->rd.upto))
			return CUSTOS_ITEROVER;
		if ((rc = cu_ctx_current(it->ctx)))
			return rc;
		/* What is committed: reading writes nothing, whatever the store's state. */
		rc = cu_audit_page(it->ctx->core, &it->rd, it->recs, it->seqs, PAGE, &it->n);
		it->pos = 0;
		if (it->n)
			it->rd.after = it->seqs[it->n - 1];
		if (rc && !it->n)
			return rc;
		if (rc) {
			it->rc = rc;
			cu_err_save(&it->err);
		} else if (it->n < PAGE) {
			it->exhausted = 1;
		}
		if (it->n == 0)
			return CUSTOS_ITEROVER;
	}
	if (!(e = cu_malloc(sizeof *e)))
		return cu_err_oom();
	e->seq = it->seqs[it->pos];
	e->r = it->recs[it->pos++];
	*out = e;
	return CUSTOS_OK;
}

void custos_audit_iter_free(custos_audit_iter *it)
{
	if (!it)
		return;
	cu_ctx_unref(it->ctx);
	cu_free(it);
}

void custos_audit_entry_free(custos_audit_entry *e)
{
	cu_free(e);
}

uint64_t custos_audit_entry_seq(const custos_audit_entry *e) { return e ? e->seq : 0; }
int64_t custos_audit_entry_time(const custos_audit_entry *e) { return e ? e->r.time_us : 0; }
uint32_t custos_audit_entry_actor(const custos_audit_entry *e) { return e ? e->r.actor : 0; }
int custos_audit_entry_action(const custos_audit_entry *e) { return e ? e->r.action : 0; }
uint64_t custos_audit_entry_customer(const custos_audit_entry *e) { return e ? e->r.customer : 0; }
uint32_t custos_audit_entry_classes(const custos_audit_entry *e) { return e ? e->r.classes : 0; }
int custos_audit_entry_result(const custos_audit_entry *e) { return e ? e->r.result : 0; }

uint32_t custos_audit_entry_version(const custos_audit_entry *e)
{
	if (!e)
		return 0;
	switch (e->r.action) {
	case CUSTOS_AUDIT_CREATE: case CUSTOS_AUDIT_UPDATE: case CUSTOS_AUDIT_REASSIGN: case CUSTOS_AUDIT_SCHEMA:
	case CUSTOS_AUDIT_EVENT: case CUSTOS_AUDIT_CONSENT: case CUSTOS_AUDIT_LIFECYCLE: case CUSTOS_AUDIT_ERASE:
		return e->r.version;
	default:
		return 0;
	}
}

int custos_audit_entry_grant_change(const custos_audit_entry *e)
{
	return e && e->r.action == CUSTOS_AUDIT_GRANT ? (int)e->r.version : 0;
}

uint64_t custos_audit_entry_dropped(const custos_audit_entry *e)
{
	return e && e->r.action == CUSTOS_AUDIT_DROPPED ? e->r.version : 0;
}
uint32_t custos_audit_entry_operation(const custos_audit_entry *e) { return e ? e->r.op : 0; }
uint32_t custos_audit_entry_subject(const custos_audit_entry *e) { return e ? e->r.subject : 0; }
