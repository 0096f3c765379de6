/*
 * access/verify.c — checking the audit log end to end: the keyed chain entry by entry, the
 * head, the signed checkpoints, an external anchor, and a replay of every write against the
 * stored customers (which catches a record rolled back to an older valid copy).
 *
 * Verification only reads, in short read transactions, and its memory does not grow with
 * the store. The chain is walked a page of blocks at a time, each page in a transaction of
 * its own, carrying the chain hash from page to page; the head and the checkpoints past
 * the end are checked in the transaction that finds the end, so the log is verified as it
 * stood then. The replay works through customer ids a range at a time: the log is scanned
 * for the range's last writes (the first range during the walk), then its customers are
 * compared a page at a time, each page in a transaction that first reads any blocks
 * appended since, so a customer a concurrent writer changed is compared with the entry of
 * that change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "access/access.h"
#include "model/record.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"

#define PAGE_BLOCKS 256        /* blocks per read transaction */
#define PAGE_CUSTOMERS 512     /* customers per read transaction (two reads each: record, timeline summary) */
#define RANGE_IDS 65536        /* customer ids replayed at a time: 64 bytes each */

typedef struct last_write {
	uint64_t seq;
	uint32_t version;
	unsigned char hash[32];
	uint8_t used, seen, erased;
	uint32_t events;       /* the highest event sequence number the log recorded */
	uint64_t events_seq;   /* the entry that recorded it */
} last_write;

typedef struct block_end {
	uint64_t seq;
	unsigned char h[32];
} block_end;

typedef struct vstate {
	cu_core *core;
	uint64_t first_bad;
	cu_audit_keys key;
	/* The chain: checked up to entry last, whose hash is h. */
	uint64_t last;
	unsigned char h[32];
	block_end ends[PAGE_BLOCKS + 1];   /* of the page being walked, for its checkpoints */
	size_t nends;
	uint64_t anchor_seq;
	const unsigned char *anchor_hash;
	int anchor_matched;
	/* The replay of customer ids [lo, lo + RANGE_IDS): the last write of each, the log
	 * scanned up to entry scanned, and the smallest id past the range a write named. */
	uint64_t lo, scanned, next_id;
	last_write *writes;
} vstate;

static int bad(vstate *v, uint64_t seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(vstate *v, uint64_t seq, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->first_bad = seq;
	return cu_err(CUSTOS_EAUTH, "the audit log does not verify: %s", msg);
}

/* A failure of cu_audit_block_check(): its message, as verification's. */
static int bad_block(vstate *v, int rc, uint64_t seq)
{
	cu_err_saved why;

	if (rc != CUSTOS_EAUTH)
		return rc;
	cu_err_save(&why);
	return bad(v, seq, "%s", why.msg);
}

/* ---- the last write of each customer of the range ---- */

static int note_write(const cu_audit_rec *r, uint64_t seq, void *arg)
{
	vstate *v = arg;
	last_write *w;

	if (r->result != CUSTOS_OK || !r->customer)
		return CUSTOS_OK;
	if (r->action != CUSTOS_AUDIT_CREATE && r->action != CUSTOS_AUDIT_UPDATE && r->action != CUSTOS_AUDIT_REASSIGN &&
	    r->action != CUSTOS_AUDIT_EVENT && r->action != CUSTOS_AUDIT_LIFECYCLE && r->action != CUSTOS_AUDIT_ERASE)
		return CUSTOS_OK;
	if (r->customer < v->lo || r->customer - v->lo >= RANGE_IDS) {
		if (r->customer >= v->lo + RANGE_IDS && r->customer < v->next_id)
			v->next_id = r->customer;
		return CUSTOS_OK;
	}
	w = &v->writes[r->customer - v->lo];
	if (r->action == CUSTOS_AUDIT_EVENT) {
		if (r->version > w->events) {
			w->events = r->version;
			w->events_seq = seq;
		}
		return CUSTOS_OK;
	}
	w->seq = seq;
	w->version = r->version;
	memcpy(w->hash, r->hash, 32);
	/* An erased customer is gone, with its timeline: the log expects neither. */
	w->used = r->action != CUSTOS_AUDIT_ERASE;
	w->erased = !w->used;
	if (w->erased)
		w->events = 0;
	return CUSTOS_OK;
}

/* ---- the chain, a page at a time ---- */

/* The chain hash after the block ending at seq: compare with the anchor; keep it for the
 * page's checkpoints. */
static void at_seq(vstate *v, uint64_t seq)
{
	if (v->anchor_hash && seq == v->anchor_seq)
		v->anchor_matched = cu_equal(v->anchor_hash, v->h, 32);
	v->ends[v->nends].seq = seq;
	memcpy(v->ends[v->nends++].h, v->h, 32);
}

/* Every checkpoint from entry `from` up to the page's last block end must be at a block
 * end, with its hash and a valid signature. */
static int check_checkpoints(vstate *v, cu_txn *t, uint64_t from)
{
	unsigned char k[9];
	custos_val key, val;
	cu_cursor cur;
	size_t e = 0;
	int rc;

	cu_audit_key(k, 'C', from);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &key, &val)) {
		uint64_t seq;
		if (key.size != 9 || key.data[0] != 'C' || (seq = cu_get_u64be(key.data + 1)) > v->last)
			break;
		while (e < v->nends && v->ends[e].seq < seq)
			e++;
		if (val.size != 8 + 32 + CU_SIGNATURE_BYTES) {
			rc = bad(v, seq, "checkpoint %llu is damaged", (unsigned long long)seq);
			break;
		}
		if (e == v->nends || v->ends[e].seq != seq || !cu_equal(v->ends[e].h, val.data + 8, 32)) {
			rc = bad(v, seq, "the checkpoint at entry %llu does not match the log", (unsigned long long)seq);
			break;
		}
		if (cu_audit_check_signature(v->core->keys, seq, val.data + 8, (int64_t)cu_get_u64le(val.data),
			val.data + 40)) {
			rc = bad(v, seq, "the signature of the checkpoint at entry %llu is invalid", (unsigned long long)seq);
			break;
		}
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER || rc == CUSTOS_OK ? CUSTOS_OK : rc;
}

/* The log ends at v->last in this transaction: the head must say so, and no checkpoint may
 * lie beyond it. */
static int check_end(vstate *v, cu_txn *t)
{
	unsigned char h[32], digest[CU_SEAL_BYTES], k[9];
	custos_val key, val;
	cu_cursor cur;
	uint64_t head;
	int rc;

	if ((rc = cu_audit_head(t, v->core->keys, &head, h, digest, &v->key)))
		return rc == CUSTOS_ENOTFOUND ? bad(v, 1, "the audit log's head is missing") : rc;
	if (head > v->last)
		return bad(v, v->last + 1, "the log ends at entry %llu but the store recorded %llu: entries were removed "
			"from the end", (unsigned long long)v->last, (unsigned long long)head);
	if (head < v->last || !cu_equal(h, v->h, 32))
		return bad(v, head + 1, "the log's head does not match its entries");
	cu_audit_key(k, 'C', v->last + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val);
	cu_cursor_close(&cur);
	if (rc == CUSTOS_OK && key.size == 9 && key.data[0] == 'C')
		return bad(v, v->last + 1, "a checkpoint at entry %llu lies beyond the end of the log (%llu): it was cut "
			"short or rolled back", (unsigned long long)cu_get_u64be(key.data + 1), (unsigned long long)v->last);
	return rc == CUSTOS_ITEROVER || rc == CUSTOS_OK ? CUSTOS_OK : rc;
}

typedef struct walk_page {
	vstate *v;
	int end;   /* the page reached the end of the log */
} walk_page;

static int walk_fn(cu_txn *t, void *arg)
{
	walk_page *w = arg;
	vstate *v = w->v;
	uint64_t from = v->last + 1;
	unsigned char k[9];
	custos_val key, val;
	cu_cursor cur;
	size_t blocks = 0;
	int rc;

	v->nends = 0;
	if (v->last == 0)
		at_seq(v, 0);  /* a store closed before its first entry has a checkpoint at 0 */
	cu_audit_key(k, 'B', v->last + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val); rc == CUSTOS_OK && blocks < PAGE_BLOCKS;
	     rc = cu_cursor_next(&cur, &key, &val), blocks++) {
		uint64_t seq = 0;
		if (key.size < 1 || key.data[0] != 'B') {
			rc = CUSTOS_ITEROVER;
			break;
		}
		if ((rc = cu_audit_block_check(&v->key, v->last + 1, v->h, &key, &val, note_write, v, &seq))) {
			rc = bad_block(v, rc, seq);
			break;
		}
		v->last = cu_get_u64be(key.data + 1);
		at_seq(v, v->last);
	}
	cu_cursor_close(&cur);
	if (rc != CUSTOS_OK && rc != CUSTOS_ITEROVER)
		return rc;
	w->end = rc == CUSTOS_ITEROVER;
	v->scanned = v->last;
	if ((rc = check_checkpoints(v, t, from == 1 ? 0 : from)))
		return rc;
	return w->end ? check_end(v, t) : CUSTOS_OK;
}

static int walk_chain(vstate *v)
{
	walk_page w = { v, 0 };
	int rc;

	cu_audit_chain_start(v->h, &v->key, v->core->keys);
	while (!w.end)
		if ((rc = cu_store_read(&v->core->store, walk_fn, &w)))
			return rc;
	if (v->anchor_hash && v->anchor_seq > v->last)
		return bad(v, v->last + 1, "the log ends at entry %llu, before the anchor at %llu: it was cut short or "
			"replaced by an older copy", (unsigned long long)v->last, (unsigned long long)v->anchor_seq);
	if (v->anchor_hash && !v->anchor_matched)
		return bad(v, v->anchor_seq, "entry %llu does not match the anchor", (unsigned long long)v->anchor_seq);
	return CUSTOS_OK;
}

/* ---- the replay, a range of customer ids at a time ---- */

/* In t: note the writes of the blocks after entry v->scanned (their tags checked; their
 * chain was checked by the walk, or they were appended since). At most PAGE_BLOCKS blocks
 * unless all is set; *end tells whether the log's end was reached. */
static int scan_log(vstate *v, cu_txn *t, int all, int *end)
{
	unsigned char k[9];
	custos_val key, val;
	cu_cursor cur;
	size_t blocks = 0;
	int rc;

	cu_audit_key(k, 'B', v->scanned + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val); rc == CUSTOS_OK && (all || blocks < PAGE_BLOCKS);
	     rc = cu_cursor_next(&cur, &key, &val), blocks++) {
		uint64_t seq = 0;
		if (key.size < 1 || key.data[0] != 'B') {
			rc = CUSTOS_ITEROVER;
			break;
		}
		if ((rc = cu_audit_block_check(&v->key, v->scanned + 1, NULL, &key, &val, note_write, v, &seq))) {
			rc = bad_block(v, rc, seq);
			break;
		}
		v->scanned = cu_get_u64be(key.data + 1);
	}
	cu_cursor_close(&cur);
	*end = rc == CUSTOS_ITEROVER;
	return rc == CUSTOS_ITEROVER || rc == CUSTOS_OK ? CUSTOS_OK : rc;
}

typedef struct scan_page {
	vstate *v;
	int end;
} scan_page;

static int scan_fn(cu_txn *t, void *arg)
{
	scan_page *s = arg;

	return scan_log(s->v, t, 0, &s->end);
}

typedef struct replay_page {
	vstate *v;
	uint64_t from;      /* the first id of the page */
	int end;            /* the range's customers are done */
} replay_page;

/* A stored customer's timeline against the events the log recorded: as many as its
 * summary counts (custos_db_check() checks the summary against the events themselves). */
static int check_timeline(vstate *v, cu_txn *t, uint64_t id, const last_write *w)
{
	cu_summary s;
	cu_op op;
	int rc;

	cu_op_init(&op, v->core, t, NULL);
	rc = cu_summary_load(&op, id, &s);
	cu_op_release(&op);
	if (rc == CUSTOS_EAUTH)
		return bad(v, w->events_seq ? w->events_seq : w->seq, "%s", custos_error_last());
	if (rc)
		return rc;
	if (s.events != w->events)
		return bad(v, w->events ? w->events_seq : w->seq, "customer %llu's timeline counts %u events where the log "
			"recorded %u: it was rolled back or altered", (unsigned long long)id, s.events, w->events);
	return CUSTOS_OK;
}

/* A stored customer against the last write of it the log holds. */
static int check_customer(vstate *v, uint64_t id, const custos_val *val)
{
	last_write *w = &v->writes[id - v->lo];
	unsigned char h[32];
	cu_rec rec;
	uint32_t version;

	if (w->erased)
		return bad(v, w->seq, "customer %llu was erased (entry %llu) and is in the store again: it was put back, "
			"for example from an older copy", (unsigned long long)id, (unsigned long long)w->seq);
	if (!w->used)
		return bad(v, v->scanned + 1, "customer %llu is in the store but not in the audit log",
			(unsigned long long)id);
	version = cu_rec_parse(&rec, id, val->data, val->size) == CUSTOS_OK ? rec.version : 0;
	cu_hash(h, val->data, val->size);
	if (version != w->version || !cu_equal(h, w->hash, 32))
		return bad(v, w->seq, "customer %llu is not the record its last audited write made (entry %llu, version "
			"%u; the store holds version %u): it was replaced, for example by an older copy",
			(unsigned long long)id, (unsigned long long)w->seq, w->version, version);
	w->seen = 1;
	return CUSTOS_OK;
}

/* In one transaction: the blocks appended since the log was scanned, then a page of the
 * range's customers; every customer the log wrote in the ids the page covered must be
 * there. */
static int replay_fn(cu_txn *t, void *arg)
{
	replay_page *p = arg;
	vstate *v = p->v;
	uint64_t upto = p->from, hi = v->lo + RANGE_IDS;
	unsigned char k[8];
	custos_val key, val;
	cu_cursor cur;
	size_t n = 0;
	int rc, end;

	if ((rc = scan_log(v, t, 1, &end)))
		return rc;
	cu_put_u64be(k, p->from);
	if ((rc = cu_cursor_open(&cur, t, CU_B_CUSTOMERS)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &key, &val)) {
		uint64_t id;
		if (key.size != 8) {
			rc = bad(v, v->scanned + 1, "a customer record is stored under a damaged key");
			break;
		}
		if ((id = cu_get_u64be(key.data)) >= hi || n == PAGE_CUSTOMERS)
			break;
		if (id < v->lo) {  /* id 0, which custos never gives */
			rc = bad(v, v->scanned + 1, "customer %llu is in the store but not in the audit log",
				(unsigned long long)id);
			break;
		}
		if ((rc = check_customer(v, id, &val)))
			break;
		if ((rc = check_timeline(v, t, id, &v->writes[id - v->lo])))
			break;
		upto = id;
		n++;
	}
	cu_cursor_close(&cur);
	if (rc != CUSTOS_OK && rc != CUSTOS_ITEROVER)
		return rc;
	p->end = n < PAGE_CUSTOMERS;
	if (p->end)
		upto = hi - 1;
	for (uint64_t id = p->from < v->lo ? v->lo : p->from; id <= upto; id++) {
		last_write *w = &v->writes[id - v->lo];
		if (w->used && !w->seen)
			return bad(v, w->seq, "customer %llu was removed outside the audit log", (unsigned long long)id);
	}
	p->from = upto + 1;
	return CUSTOS_OK;
}

/* The smallest customer id at or after `from`, or 0 when there is none. */
typedef struct next_customer {
	uint64_t from, id;
} next_customer;

static int next_customer_fn(cu_txn *t, void *arg)
{
	next_customer *nc = arg;
	unsigned char k[8];
	custos_val key, val;
	cu_cursor cur;
	int rc;

	cu_put_u64be(k, nc->from);
	nc->id = 0;
	if ((rc = cu_cursor_open(&cur, t, CU_B_CUSTOMERS)))
		return rc;
	rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val);
	if (rc == CUSTOS_OK && key.size == 8)
		nc->id = cu_get_u64be(key.data);
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER || rc == CUSTOS_OK ? CUSTOS_OK : rc;
}

static int replay_range(vstate *v)
{
	replay_page p = { v, v->lo == 1 ? 0 : v->lo, 0 };
	int rc;

	while (!p.end)
		if ((rc = cu_store_read(&v->core->store, replay_fn, &p)))
			return rc;
	return CUSTOS_OK;
}

/* Start the range at id lo: no write known, the log to be scanned from its start. */
static int scan_range(vstate *v, uint64_t lo)
{
	scan_page s = { v, 0 };
	int rc;

	v->lo = lo;
	v->scanned = 0;
	v->next_id = UINT64_MAX;
	memset(v->writes, 0, RANGE_IDS * sizeof *v->writes);
	while (!s.end)
		if ((rc = cu_store_read(&v->core->store, scan_fn, &s)))
			return rc;
	return CUSTOS_OK;
}

/* Every range that holds a customer or a write, in id order; the first range's writes were
 * noted by the walk. */
static int replay(vstate *v)
{
	int rc;

	for (;;) {
		next_customer nc = { v->lo + RANGE_IDS, 0 };
		if ((rc = replay_range(v)))
			return rc;
		if (nc.from < v->lo)
			return CUSTOS_OK;  /* the last range of ids */
		if ((rc = cu_store_read(&v->core->store, next_customer_fn, &nc)))
			return rc;
		if (nc.id == 0 && v->next_id == UINT64_MAX)
			return CUSTOS_OK;
		if ((rc = scan_range(v, nc.id && nc.id < v->next_id ? nc.id : v->next_id)))
			return rc;
	}
}

static int seals_fn(cu_txn *t, void *arg)
{
	vstate *v = arg;
	int rc = cu_seals_check(v->core, t, &v->first_bad);

	return rc == CUSTOS_EAUTH ? bad(v, v->first_bad, "%s", custos_error_last()) : rc;
}

int cu_audit_verify(cu_core *core, uint64_t *first_bad, uint64_t anchor_seq, const unsigned char *anchor_hash)
{
	vstate *v = cu_calloc(1, sizeof *v);
	int rc;

	if (!v)
		return cu_err_oom();
	v->core = core;
	v->anchor_seq = anchor_seq;
	v->anchor_hash = anchor_hash;
	v->lo = 1;
	v->next_id = UINT64_MAX;
	if (!(v->writes = cu_calloc(RANGE_IDS, sizeof *v->writes))) {
		cu_free(v);
		return cu_err_oom();
	}
	cu_audit_keys_derive(&v->key, core->keys);
	if (!(rc = walk_chain(v)) && !(rc = cu_store_read(&core->store, seals_fn, v)))
		rc = replay(v);
	if (first_bad)
		*first_bad = rc == CUSTOS_EAUTH ? v->first_bad : 0;
	cu_audit_keys_wipe(&v->key);
	cu_free(v->writes);
	cu_free(v);
	return rc;
}
