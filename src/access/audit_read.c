/*
 * access/audit_read.c — reading the log back in sequence order, a page at a time, each page
 * in a short read transaction of its own. Reading never writes.
 */
#include "access/access.h"
#include "util/error.h"

typedef struct page_args {
	cu_core *core;
	uint64_t after;
	cu_audit_rec *out;
	uint64_t *seqs;
	size_t max, count;
} page_args;

static int page_fn(cu_txn *t, void *arg)
{
	page_args *p = arg;
	unsigned char k[9];
	custos_val key, v;
	cu_cursor cur;
	int rc;

	cu_audit_key(k, 'B', p->after + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &v); rc == CUSTOS_OK && p->count < p->max;
	     rc = cu_cursor_next(&cur, &key, &v)) {
		cu_audit_block b;
		if (key.size != 9 || key.data[0] != 'B')
			break;
		if (cu_audit_block_open(&b, v.data, v.size)) {
			rc = cu_err(CUSTOS_EAUTH, "an audit block is damaged");
			break;
		}
		for (size_t i = 0; i < b.count && p->count < p->max; i++) {
			const unsigned char *e, *tag;
			size_t en;
			if (cu_audit_block_next(&b, &e, &en, &tag) ||
			    cu_audit_decode(&p->out[p->count], e, en, b.base)) {
				rc = cu_err(CUSTOS_EAUTH, "audit entry %llu is damaged", (unsigned long long)(b.first + i));
				break;
			}
			if (b.first + i > p->after)
				p->seqs[p->count++] = b.first + i;
		}
		if (rc)
			break;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_audit_page(cu_core *core, uint64_t after_seq, cu_audit_rec *out, uint64_t *seqs, size_t max, size_t *count)
{
	page_args p = { core, after_seq, out, seqs, max, 0 };
	int rc = cu_store_read(&core->store, page_fn, &p);

	*count = p.count;
	return rc;
}
