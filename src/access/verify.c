/*
 * access/verify.c — checking the audit log end to end: the keyed chain entry by entry, the
 * head, the signed checkpoints, an external anchor, and a replay of every write against the
 * stored customers (which catches a record rolled back to an older valid copy).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "access/access.h"
#include "model/record.h"
#include "util/alloc.h"
#include "util/error.h"

typedef struct checkpoint {
	uint64_t seq;
	int64_t time_us;
	unsigned char h[32], sig[64];
	int matched;
} checkpoint;

typedef struct last_write {
	uint64_t seq;
	uint32_t version;
	unsigned char hash[32];
	uint8_t used, seen;
} last_write;

typedef struct vstate {
	cu_core *core;
	uint64_t first_bad, last;
	uint64_t anchor_seq;
	const unsigned char *anchor_hash;
	int anchor_matched;
	cu_audit_keys key;
	unsigned char h[32];
	checkpoint *cps;
	size_t ncp, ccp;
	last_write *writes;
	uint64_t nwrites;
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

static int load_checkpoints(vstate *v, cu_txn *t)
{
	unsigned char k[9] = { 'C' };
	custos_val key, val;
	cu_cursor cur;
	int rc;

	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &val); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &key, &val)) {
		checkpoint *cp;
		if (key.size != 9 || key.data[0] != 'C')
			break;
		if (val.size != 8 + 32 + 64) {
			rc = bad(v, cu_get_u64be(key.data + 1), "checkpoint %llu is damaged",
				(unsigned long long)cu_get_u64be(key.data + 1));
			break;
		}
		if (v->ncp == v->ccp) {
			size_t cap = v->ccp ? v->ccp * 2 : 16;
			checkpoint *g = cu_realloc(v->cps, cap * sizeof *g);
			if (!g) {
				rc = cu_err_oom();
				break;
			}
			v->cps = g;
			v->ccp = cap;
		}
		cp = &v->cps[v->ncp++];
		cp->seq = cu_get_u64be(key.data + 1);
		cp->time_us = (int64_t)cu_get_u64le(val.data);
		memcpy(cp->h, val.data + 8, 32);
		memcpy(cp->sig, val.data + 40, 64);
		cp->matched = 0;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* The chain hash after the block ending at seq: compare with checkpoints and the anchor. */
static void at_seq(vstate *v, uint64_t seq)
{
	for (size_t i = 0; i < v->ncp; i++)
		if (v->cps[i].seq == seq)
			v->cps[i].matched = cu_equal(v->cps[i].h, v->h, 32);
	if (v->anchor_hash && seq == v->anchor_seq)
		v->anchor_matched = cu_equal(v->anchor_hash, v->h, 32);
}

static void note_write(vstate *v, const cu_audit_rec *r, uint64_t seq)
{
	if (r->result != CUSTOS_OK || !r->customer || r->customer >= v->nwrites)
		return;
	if (r->action != CUSTOS_AUDIT_CREATE && r->action != CUSTOS_AUDIT_UPDATE && r->action != CUSTOS_AUDIT_REASSIGN)
		return;
	v->writes[r->customer].seq = seq;
	v->writes[r->customer].version = r->version;
	memcpy(v->writes[r->customer].hash, r->hash, 32);
	v->writes[r->customer].used = 1;
}

static int check_block(vstate *v, const custos_val *key, const custos_val *val)
{
	uint64_t expect = v->last + 1;
	cu_audit_block b;

	if (key->size != 9 || cu_audit_block_open(&b, val->data, val->size) ||
	    cu_get_u64be(key->data + 1) != b.first + b.count - 1)
		return bad(v, expect, "the block after entry %llu is damaged", (unsigned long long)v->last);
	if (b.first > expect)
		return bad(v, expect, "entries %llu to %llu are missing", (unsigned long long)expect,
			(unsigned long long)(b.first - 1));
	if (b.first < expect)
		return bad(v, b.first, "entry %llu appears twice or out of order", (unsigned long long)b.first);
	for (size_t i = 0; i < b.count; i++) {
		unsigned char tag[CU_AUDIT_TAG_BYTES];
		const unsigned char *e, *stored;
		uint64_t seq = b.first + i;
		size_t en;
		cu_audit_rec r;
		if (cu_audit_block_next(&b, &e, &en, &stored))
			return bad(v, seq, "entry %llu was modified or the block cut short", (unsigned long long)seq);
		cu_audit_entry_tag(tag, &v->key, seq, b.base, e, en);
		if (!cu_equal(tag, stored, CU_AUDIT_TAG_BYTES) || cu_audit_decode(&r, e, en, b.base))
			return bad(v, seq, "entry %llu was modified, moved or copied", (unsigned long long)seq);
		note_write(v, &r, seq);
	}
	if (b.p != b.end)
		return bad(v, b.first + b.count - 1, "the block ending at entry %llu was modified",
			(unsigned long long)(b.first + b.count - 1));
	cu_audit_block_hash(v->h, &v->key, val->data, val->size - 32);
	if (!cu_equal(v->h, val->data + val->size - 32, 32))
		return bad(v, b.first + b.count - 1, "the block ending at entry %llu was modified",
			(unsigned long long)(b.first + b.count - 1));
	at_seq(v, b.first + b.count - 1);
	v->last = b.first + b.count - 1;
	return CUSTOS_OK;
}

static int walk_chain(vstate *v, cu_txn *t)
{
	unsigned char k[9] = { 'B' };
	custos_val key, val;
	cu_cursor cur;
	int rc;

	cu_audit_chain_start(v->h, &v->key, v->core->keys);
	at_seq(v, 0);  /* a store closed before its first entry has a checkpoint at 0 */
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, 1, &key, &val); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &key, &val)) {
		if (key.size < 1 || key.data[0] != 'B')
			break;
		if ((rc = check_block(v, &key, &val)))
			break;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

static int check_ends(vstate *v, cu_txn *t)
{
	unsigned char h[32], digest[CU_SEAL_BYTES];
	uint64_t head;
	int rc;

	if ((rc = cu_audit_head(t, v->core->keys, &head, h, digest, &v->key)))
		return rc == CUSTOS_ENOTFOUND ? bad(v, 1, "the audit log's head is missing") : rc;
	if (head > v->last)
		return bad(v, v->last + 1, "the log ends at entry %llu but the store recorded %llu: entries were removed "
			"from the end", (unsigned long long)v->last, (unsigned long long)head);
	if (head < v->last || !cu_equal(h, v->h, 32))
		return bad(v, head + 1, "the log's head does not match its entries");
	for (size_t i = 0; i < v->ncp; i++) {
		checkpoint *cp = &v->cps[i];
		if (cp->seq > v->last)
			return bad(v, v->last + 1, "a checkpoint at entry %llu lies beyond the end of the log (%llu): it was "
				"cut short or rolled back", (unsigned long long)cp->seq, (unsigned long long)v->last);
		if (!cp->matched)
			return bad(v, cp->seq, "the checkpoint at entry %llu does not match the log", (unsigned long long)cp->seq);
		if (cu_audit_check_signature(v->core->keys, cp->seq, cp->h, cp->time_us, cp->sig))
			return bad(v, cp->seq, "the signature of the checkpoint at entry %llu is invalid",
				(unsigned long long)cp->seq);
	}
	if (v->anchor_hash && v->anchor_seq > v->last)
		return bad(v, v->last + 1, "the log ends at entry %llu, before the anchor at %llu: it was cut short or "
			"replaced by an older copy", (unsigned long long)v->last, (unsigned long long)v->anchor_seq);
	if (v->anchor_hash && !v->anchor_matched)
		return bad(v, v->anchor_seq, "entry %llu does not match the anchor", (unsigned long long)v->anchor_seq);
	return CUSTOS_OK;
}

/* Every stored customer must be the result of its last audited write, and the reverse. */
static int replay(vstate *v, cu_txn *t)
{
	unsigned char h[32], start[8] = { 0 };
	custos_val key, val;
	cu_cursor cur;
	int rc;

	if ((rc = cu_cursor_open(&cur, t, CU_B_CUSTOMERS)))
		return rc;
	for (rc = cu_cursor_seek(&cur, start, 8, &key, &val); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &key, &val)) {
		uint64_t id = key.size == 8 ? cu_get_u64be(key.data) : 0;
		last_write *w = id && id < v->nwrites ? &v->writes[id] : NULL;
		uint32_t version = val.size >= CU_REC_HEADER ? cu_get_u32le(val.data + 4) : 0;
		if (!w || !w->used) {
			rc = bad(v, v->last + 1, "customer %llu is in the store but not in the audit log", (unsigned long long)id);
			break;
		}
		cu_hash(h, val.data, val.size);
		if (version != w->version || !cu_equal(h, w->hash, 32)) {
			rc = bad(v, w->seq, "customer %llu is not the record its last audited write made (entry %llu, version "
				"%u; the store holds version %u): it was replaced, for example by an older copy",
				(unsigned long long)id, (unsigned long long)w->seq, w->version, version);
			break;
		}
		w->seen = 1;
	}
	cu_cursor_close(&cur);
	if (rc != CUSTOS_ITEROVER)
		return rc;
	for (uint64_t id = 1; id < v->nwrites; id++)
		if (v->writes[id].used && !v->writes[id].seen)
			return bad(v, v->writes[id].seq, "customer %llu was removed outside the audit log",
				(unsigned long long)id);
	return CUSTOS_OK;
}

static int verify_fn(cu_txn *t, void *arg)
{
	vstate *v = arg;
	cu_counters *ctr;
	cu_op op;
	int rc;

	cu_op_init(&op, v->core, t, NULL);
	rc = cu_counters_get(&op, &ctr);
	cu_op_release(&op);
	if (rc)
		return rc;
	v->nwrites = ctr->next_id + 1;
	if (!(v->writes = cu_calloc(v->nwrites, sizeof *v->writes)))
		return cu_err_oom();
	cu_audit_keys_init(&v->key, v->core->keys);
	if ((rc = load_checkpoints(v, t)) || (rc = walk_chain(v, t)) || (rc = check_ends(v, t)))
		return rc;
	if ((rc = cu_seals_check(v->core, t, &v->first_bad)) == CUSTOS_EAUTH)
		return bad(v, v->first_bad, "%s", custos_error_last());
	if (rc)
		return rc;
	return replay(v, t);
}

int cu_audit_verify(cu_core *core, uint64_t *first_bad, uint64_t anchor_seq, const unsigned char *anchor_hash)
{
	vstate v;
	int rc;

	memset(&v, 0, sizeof v);
	v.core = core;
	v.anchor_seq = anchor_seq;
	v.anchor_hash = anchor_hash;
	rc = cu_store_read(&core->store, verify_fn, &v);
	cu_audit_keys_wipe(&v.key);
	cu_free(v.writes);
	cu_free(v.cps);
	if (first_bad)
		*first_bad = rc == CUSTOS_EAUTH ? v.first_bad : 0;
	return rc;
}
