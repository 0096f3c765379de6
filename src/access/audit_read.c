/*
 * access/audit_read.c — reading the log back: checking a stored block against the chain
 * (its place, every entry's tag, its hash), shared with verification, and reading entries
 * in sequence order a page at a time, each page in a short read transaction of its own.
 * Reading never writes, and never hands out an entry whose tag does not verify.
 */
#include <string.h>

#include "access/access.h"
#include "util/error.h"

static int bad_at(uint64_t *bad, uint64_t seq, int code)
{
	*bad = seq;
	return code;
}

int cu_audit_block_check(const cu_audit_keys *ak, uint64_t expect, unsigned char h[32], const custos_val *key,
	const custos_val *val, cu_audit_entry_fn fn, void *arg, uint64_t *bad)
{
	cu_audit_block b;
	uint64_t last;
	int rc;

	if (key->size != 9 || cu_audit_block_open(&b, val->data, val->size) ||
	    cu_get_u64be(key->data + 1) != b.first + b.count - 1)
		return bad_at(bad, expect, cu_err(CUSTOS_EAUTH, "the block after entry %llu is damaged",
			(unsigned long long)(expect - 1)));
	if (b.first > expect)
		return bad_at(bad, expect, cu_err(CUSTOS_EAUTH, "entries %llu to %llu are missing", (unsigned long long)expect,
			(unsigned long long)(b.first - 1)));
	if (b.first < expect)
		return bad_at(bad, b.first, cu_err(CUSTOS_EAUTH, "entry %llu appears twice or out of order",
			(unsigned long long)b.first));
	last = b.first + b.count - 1;
	for (uint64_t seq = b.first; seq <= last; seq++) {
		unsigned char tag[CU_AUDIT_TAG_BYTES];
		const unsigned char *e, *stored;
		size_t en;
		cu_audit_rec r;
		if (cu_audit_block_next(&b, &e, &en, &stored))
			return bad_at(bad, seq, cu_err(CUSTOS_EAUTH, "entry %llu was modified or the block cut short",
				(unsigned long long)seq));
		cu_audit_tag(tag, ak, seq, b.base, e, en);
		if (!cu_equal(tag, stored, CU_AUDIT_TAG_BYTES) || cu_audit_decode(&r, e, en, b.base))
			return bad_at(bad, seq, cu_err(CUSTOS_EAUTH, "entry %llu was modified, moved or copied",
				(unsigned long long)seq));
		if (fn && (rc = fn(&r, seq, arg)))
			return rc;
	}
	if (b.p != b.end)
		return bad_at(bad, last, cu_err(CUSTOS_EAUTH, "the block ending at entry %llu was modified",
			(unsigned long long)last));
	if (!h)
		return CUSTOS_OK;
	cu_audit_chain_next(h, ak, val->data, val->size - 32);
	if (!cu_equal(h, val->data + val->size - 32, 32))
		return bad_at(bad, last, cu_err(CUSTOS_EAUTH, "the block ending at entry %llu was modified",
			(unsigned long long)last));
	return CUSTOS_OK;
}

/* ---- reading a page ---- */

typedef struct page_args {
	cu_core *core;
	cu_audit_reader *rd;
	cu_audit_keys key;
	cu_audit_rec *out;
	uint64_t *seqs;
	size_t max, count;
	uint64_t bad;
} page_args;

static int collect(const cu_audit_rec *r, uint64_t seq, void *arg)
{
	page_args *p = arg;

	if (seq > p->rd->after && (!p->rd->bounded || seq <= p->rd->upto) && p->count < p->max) {
		p->out[p->count] = *r;
		p->seqs[p->count++] = seq;
	}
	return CUSTOS_OK;
}

/* The chain hash before the block that starts at entry first: known from the block checked
 * last, or the stored hash of the block ending just before it. */
static int hash_before(page_args *p, cu_txn *t, uint64_t first, unsigned char h[32])
{
	const cu_audit_reader *rd = p->rd;
	unsigned char k[9];
	custos_val v;
	int rc;

	if (rd->known && rd->last == first - 1) {
		memcpy(h, rd->h_last, 32);
		return CUSTOS_OK;
	}
	if (rd->known && rd->before == first - 1) {
		memcpy(h, rd->h_before, 32);
		return CUSTOS_OK;
	}
	if (rd->known && first > rd->last + 1)
		return bad_at(&p->bad, rd->last + 1, cu_err(CUSTOS_EAUTH, "entries %llu to %llu are missing",
			(unsigned long long)(rd->last + 1), (unsigned long long)(first - 1)));
	if (first <= 1) {
		cu_audit_chain_start(h, &p->key, p->core->keys);
		return CUSTOS_OK;
	}
	cu_audit_key(k, 'B', first - 1);
	rc = cu_get(t, CU_B_AUDIT, k, sizeof k, &v);
	if (rc == CUSTOS_ENOTFOUND || (!rc && v.size < 32))
		return bad_at(&p->bad, first, cu_err(CUSTOS_EAUTH, "the block before entry %llu is missing or damaged",
			(unsigned long long)first));
	if (!rc)
		memcpy(h, v.data + v.size - 32, 32);
	return rc;
}

static int read_block(page_args *p, cu_txn *t, const custos_val *key, const custos_val *v)
{
	cu_audit_reader *rd = p->rd;
	unsigned char before[32], h[32];
	cu_audit_block b;
	uint64_t first;
	size_t start = p->count;
	int rc;

	/* Where the block claims to start: checked below against the key and the chain. */
	first = cu_audit_block_open(&b, v->data, v->size) ? rd->after + 1 : b.first;
	if ((rc = hash_before(p, t, first, before)))
		return rc;
	memcpy(h, before, 32);
	if ((rc = cu_audit_block_check(&p->key, first, h, key, v, collect, p, &p->bad))) {
		while (p->count > start && p->seqs[p->count - 1] >= p->bad)
			p->count--;  /* only what comes before the first bad entry */
		return rc;
	}
	rd->before = first - 1;
	memcpy(rd->h_before, before, 32);
	rd->last = b.first + b.count - 1;
	memcpy(rd->h_last, h, 32);
	rd->known = 1;
	return CUSTOS_OK;
}

static int page_fn(cu_txn *t, void *arg)
{
	page_args *p = arg;
	unsigned char k[9];
	custos_val key, v;
	cu_cursor cur;
	int rc;

	cu_audit_key(k, 'B', p->rd->after + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &v); rc == CUSTOS_OK && p->count < p->max;
	     rc = cu_cursor_next(&cur, &key, &v)) {
		if (key.size < 1 || key.data[0] != 'B')
			break;
		if (p->rd->bounded && p->count && p->seqs[p->count - 1] >= p->rd->upto)
			break;  /* the bound is reached: later blocks are not this reader's */
		if ((rc = read_block(p, t, &key, &v)))
			break;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

typedef struct bound_args {
	cu_core *core;
	cu_audit_reader *rd;
} bound_args;

static int bound_fn(cu_txn *t, void *arg)
{
	bound_args *b = arg;
	unsigned char h[32], digest[CU_SEAL_BYTES];
	cu_audit_keys ak;
	int rc;

	cu_audit_keys_derive(&ak, b->core->keys);
	rc = cu_audit_head(t, b->core->keys, &b->rd->upto, h, digest, &ak);
	cu_audit_keys_wipe(&ak);
	if (rc == CUSTOS_ENOTFOUND)
		rc = CUSTOS_OK;  /* no entry yet: upto is 0 */
	if (rc == CUSTOS_EAUTH)
		return CUSTOS_OK;
	b->rd->bounded = !rc;
	return rc;
}

int cu_audit_reader_bound(cu_core *core, cu_audit_reader *rd)
{
	bound_args b = { core, rd };

	rd->bounded = 0;
	return cu_store_read(&core->store, bound_fn, &b);
}

int cu_audit_page(cu_core *core, cu_audit_reader *rd, cu_audit_rec *out, uint64_t *seqs, size_t max, size_t *count)
{
	page_args p;
	int rc;

	memset(&p, 0, sizeof p);
	p.core = core;
	p.rd = rd;
	p.out = out;
	p.seqs = seqs;
	p.max = max;
	cu_audit_keys_derive(&p.key, core->keys);
	rc = cu_store_read(&core->store, page_fn, &p);
	cu_audit_keys_wipe(&p.key);
	*count = p.count;
	if (rc == CUSTOS_EAUTH)
		cu_err_prefix("the audit log cannot be read past entry %llu: ", (unsigned long long)(p.bad - 1));
	return rc;
}
