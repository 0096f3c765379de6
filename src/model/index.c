/*
 * model/index.c — building index keys and walking the entries of one value.
 */
#include <string.h>

#include "model/index.h"
#include "model/validate.h"
#include "model/value.h"
#include "util/error.h"

#define CLEAR_INLINE_MAX 400
#define KEY_MAX (2 + 1 + 2 + CLEAR_INLINE_MAX + 8)

/* The lookup key prefix for one normalised value; the verifier too for blind entries. */
typedef struct ikey {
	unsigned char k[KEY_MAX];
	size_t prefix;
	int kind;            /* CU_ENTRY_CLEAR, _BLIND or _HASHED */
	int blind;
	cu_bidx_keys bk;
} ikey;

static void ikey_make(ikey *ik, cu_op *op, const cu_field *f, const unsigned char *norm, size_t n)
{
	unsigned char *p = ik->k;

	cu_put_u16be(p, f->id);
	ik->blind = cu_field_encrypted(f);
	if (ik->blind) {
		cu_core_bidx_keys(op->core, f->id, &ik->bk);
		ik->kind = CU_ENTRY_BLIND;
		cu_put_u32be(p + 3, cu_bidx_value(&ik->bk, norm, n, f->index_bits));
		ik->prefix = 7;
	} else if (n <= CLEAR_INLINE_MAX) {
		ik->kind = CU_ENTRY_CLEAR;
		cu_put_u16be(p + 3, (uint16_t)n);
		memcpy(p + 5, norm, n);
		ik->prefix = 5 + n;
	} else {
		ik->kind = CU_ENTRY_HASHED;
		cu_hash(p + 3, norm, n);
		ik->prefix = 3 + CU_MAC_BYTES;
	}
	p[2] = (unsigned char)ik->kind;
}

static void ikey_wipe(ikey *ik)
{
	cu_wipe(ik, sizeof *ik);
}

/* Call fn for each single value: each tag of a tags field, else the value itself, in
 * its index form. */
typedef int (*each_fn)(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *norm, size_t n, void *arg);

static int for_each_value(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n, each_fn fn,
	void *arg)
{
	cu_bytes norm = CU_BYTES_SECRET_INIT;
	int rc = CUSTOS_OK;

	if (f->type == CUSTOS_TYPE_TAGS) {
		size_t start = 0;
		for (size_t i = 0; i < n && !rc; i++) {
			if (v[i])
				continue;
			rc = fn(op, f, id, v + start, i - start, arg);
			start = i + 1;
		}
		return rc;
	}
	if (!(rc = cu_value_index_form(f, v, n, &norm)))
		rc = fn(op, f, id, norm.p, norm.len, arg);
	cu_bytes_free(&norm);
	return rc;
}

static int add_one(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *norm, size_t n, void *arg)
{
	unsigned char ver[CU_VERIFIER_BYTES];
	ikey ik;
	int rc;

	ikey_make(&ik, op, f, norm, n);
	cu_put_u64be(ik.k + ik.prefix, id);
	if (ik.blind)
		cu_bidx_verifier(ver, &ik.bk, id, norm, n);
	rc = cu_put(op->txn, CU_B_INDEX, ik.k, ik.prefix + 8, ver, ik.blind ? sizeof ver : 0);
	if (!rc && arg)
		(*(uint64_t *)arg)++;  /* the count of entries written, for cu_index_customer() */
	ikey_wipe(&ik);
	return rc;
}

static int remove_one(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *norm, size_t n, void *arg)
{
	ikey ik;
	int rc;

	(void)arg;
	ikey_make(&ik, op, f, norm, n);
	cu_put_u64be(ik.k + ik.prefix, id);
	rc = cu_del(op->txn, CU_B_INDEX, ik.k, ik.prefix + 8);
	ikey_wipe(&ik);
	return rc == CUSTOS_ENOTFOUND ? CUSTOS_OK : rc;
}

int cu_index_add(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n)
{
	return for_each_value(op, f, id, v, n, add_one, NULL);
}

int cu_index_remove(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n)
{
	return for_each_value(op, f, id, v, n, remove_one, NULL);
}

typedef struct scan_page {
	uint64_t after, *ids;
	size_t max, count;
	int more;
} scan_page;

static int scan_one(cu_op *op, const cu_field *f, uint64_t unused, const unsigned char *norm, size_t n, void *arg)
{
	scan_page *pg = arg;
	unsigned char ver[CU_VERIFIER_BYTES];
	custos_val k, v;
	cu_cursor cur;
	ikey ik;
	int rc;

	(void)unused;
	if (pg->after == UINT64_MAX)
		return CUSTOS_OK;
	ikey_make(&ik, op, f, norm, n);
	cu_put_u64be(ik.k + ik.prefix, pg->after + 1);
	if ((rc = cu_cursor_open(&cur, op->txn, CU_B_INDEX))) {
		ikey_wipe(&ik);
		return rc;
	}
	for (rc = cu_cursor_seek(&cur, ik.k, ik.prefix + 8, &k, &v); rc == CUSTOS_OK;
	     rc = cu_cursor_next(&cur, &k, &v)) {
		uint64_t id;
		if (k.size != ik.prefix + 8 || memcmp(k.data, ik.k, ik.prefix) != 0)
			break;
		id = cu_get_u64be(k.data + ik.prefix);
		if (ik.blind) {
			cu_bidx_verifier(ver, &ik.bk, id, norm, n);
			if (v.size != sizeof ver || !cu_equal(ver, v.data, sizeof ver))
				continue;
		}
		if (pg->count == pg->max) {
			pg->more = 1;
			break;
		}
		pg->ids[pg->count++] = id;
	}
	cu_cursor_close(&cur);
	ikey_wipe(&ik);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_index_scan(cu_op *op, const cu_field *f, const unsigned char *v, size_t n, uint64_t after_id,
	uint64_t *ids, size_t max, size_t *count, int *more)
{
	scan_page pg = { after_id, ids, max, 0, 0 };
	int rc;

	if (f->type == CUSTOS_TYPE_TAGS)
		rc = scan_one(op, f, 0, v, n, &pg);
	else
		rc = for_each_value(op, f, 0, v, n, scan_one, &pg);
	*count = pg.count;
	*more = pg.more;
	return rc;
}

int cu_index_lookup(cu_op *op, const cu_field *f, const unsigned char *norm, size_t n, uint64_t after_id,
	uint64_t *ids, size_t max, size_t *count, int *more)
{
	scan_page pg = { after_id, ids, max, 0, 0 };
	int rc = scan_one(op, f, 0, norm, n, &pg);

	*count = pg.count;
	*more = pg.more;
	return rc;
}

/* Whatever is in the index can be dropped, up to the longest key LMDB stores and then some. */
#define DROP_KEY_MAX 1024

/* The first key to drop: of the prefix (pn bytes), skipping the job record. */
static int first_to_drop(cu_op *op, const unsigned char *prefix, size_t pn, unsigned char key[DROP_KEY_MAX],
	size_t *kn)
{
	custos_val k, v;
	cu_cursor cur;
	int rc;

	if ((rc = cu_cursor_open(&cur, op->txn, CU_B_INDEX)))
		return rc;
	rc = cu_cursor_seek(&cur, prefix, pn, &k, &v);
	if (rc == CUSTOS_OK && k.size == sizeof cu_index_job_key && memcmp(k.data, cu_index_job_key, k.size) == 0)
		rc = cu_cursor_next(&cur, &k, &v);
	if (rc == CUSTOS_OK && (k.size < pn || memcmp(k.data, prefix, pn) != 0))
		rc = CUSTOS_ITEROVER;
	if (rc == CUSTOS_OK && k.size > DROP_KEY_MAX)
		rc = cu_err(CUSTOS_ECORRUPT, "the index holds a key of %zu bytes, too long to be removed", k.size);
	if (rc == CUSTOS_OK) {
		memcpy(key, k.data, k.size);
		*kn = k.size;
	}
	cu_cursor_close(&cur);
	return rc;
}

int cu_index_drop_some(cu_op *op, const uint16_t *field_id, size_t max, int *more)
{
	unsigned char prefix[2], key[DROP_KEY_MAX];
	size_t pn = 0, kn;
	int rc;

	if (field_id) {
		cu_put_u16be(prefix, *field_id);
		pn = sizeof prefix;
	}
	*more = 1;
	for (size_t n = 0; n < max; n++) {
		/* Seek again after every delete: a cursor is not assumed to survive writes. */
		if ((rc = first_to_drop(op, prefix, pn, key, &kn)) == CUSTOS_ITEROVER) {
			*more = 0;
			return CUSTOS_OK;
		}
		if (rc || (rc = cu_del(op->txn, CU_B_INDEX, key, kn)))
			return rc;
	}
	return CUSTOS_OK;
}

static void member_key(unsigned char k[14], int kind, uint32_t who, uint64_t id)
{
	k[0] = 0xFF;
	k[1] = (unsigned char)kind;
	cu_put_u32be(k + 2, who);
	cu_put_u64be(k + 6, id);
}

int cu_holder_add(cu_op *op, int kind, uint32_t who, uint64_t id)
{
	unsigned char k[14];

	if (who == 0)
		return CUSTOS_OK;
	member_key(k, kind, who, id);
	return cu_put(op->txn, CU_B_INDEX, k, sizeof k, NULL, 0);
}

int cu_holder_remove(cu_op *op, int kind, uint32_t who, uint64_t id)
{
	unsigned char k[14];
	int rc;

	if (who == 0)
		return CUSTOS_OK;
	member_key(k, kind, who, id);
	rc = cu_del(op->txn, CU_B_INDEX, k, sizeof k);
	return rc == CUSTOS_ENOTFOUND ? CUSTOS_OK : rc;
}

int cu_holder_has(cu_op *op, int kind, uint32_t who, uint64_t id, int *yes)
{
	unsigned char k[14];
	custos_val v;
	int rc;

	member_key(k, kind, who, id);
	rc = cu_get(op->txn, CU_B_INDEX, k, sizeof k, &v);
	*yes = rc == CUSTOS_OK;
	return rc == CUSTOS_ENOTFOUND ? CUSTOS_OK : rc;
}

int cu_holder_scan(cu_op *op, int kind, uint32_t who, uint64_t after_id, uint64_t *ids, size_t max, size_t *count)
{
	unsigned char k[14];
	custos_val key, v;
	cu_cursor cur;
	int rc;

	*count = 0;
	if (after_id == UINT64_MAX || who == 0)
		return CUSTOS_OK;
	member_key(k, kind, who, after_id + 1);
	if ((rc = cu_cursor_open(&cur, op->txn, CU_B_INDEX)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &v); rc == CUSTOS_OK && *count < max;
	     rc = cu_cursor_next(&cur, &key, &v)) {
		if (key.size != sizeof k || memcmp(key.data, k, 6) != 0)
			break;
		ids[(*count)++] = cu_get_u64be(key.data + 6);
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* ---- checking entries against the customers (model/check.c) ---- */

const unsigned char cu_index_job_key[2] = { 0xFF, 'J' };

const char *cu_index_entry_name(int kind)
{
	switch (kind) {
	case CU_ENTRY_JOB: return "index job record";
	case CU_ENTRY_CLEAR: return "clear index entry";
	case CU_ENTRY_BLIND: return "blind index entry";
	case CU_ENTRY_HASHED: return "hashed index entry";
	case CU_ENTRY_OWNER: return "owner entry";
	case CU_ENTRY_ARCHIVED: return "archived entry";
	default: return "team entry";
	}
}

int cu_index_entry_parse(cu_index_entry *e, const unsigned char *k, size_t kn, size_t vn)
{
	memset(e, 0, sizeof *e);
	if (kn == sizeof cu_index_job_key && memcmp(k, cu_index_job_key, kn) == 0) {
		e->kind = CU_ENTRY_JOB;
		return vn == CU_JOB_RECORD_BYTES ? 0 : -1;
	}
	if (kn == 14 && k[0] == 0xFF && (k[1] == CU_HOLDER_OWNER || k[1] == CU_HOLDER_TEAM || k[1] == CU_HOLDER_ARCHIVED)) {
		e->kind = k[1] == CU_HOLDER_OWNER ? CU_ENTRY_OWNER : k[1] == CU_HOLDER_TEAM ? CU_ENTRY_TEAM : CU_ENTRY_ARCHIVED;
		e->who = cu_get_u32be(k + 2);
		e->id = cu_get_u64be(k + 6);
		if (e->kind == CU_ENTRY_ARCHIVED)
			return e->who == CUSTOS_STATE_ARCHIVED && vn == 0 ? 0 : -1;
		return e->who != 0 && vn == 0 ? 0 : -1;
	}
	if (kn < 3 + 8 || k[0] == 0xFF)
		return -1;
	e->field_id = cu_get_u16be(k);
	e->kind = k[2];
	e->id = cu_get_u64be(k + kn - 8);
	switch (k[2]) {
	case CU_ENTRY_CLEAR:
		return kn >= 5 + 8 && cu_get_u16be(k + 3) <= CLEAR_INLINE_MAX && kn == 5 + (size_t)cu_get_u16be(k + 3) + 8 &&
			vn == 0 ? 0 : -1;
	case CU_ENTRY_BLIND:
		return kn == 7 + 8 && vn == CU_VERIFIER_BYTES ? 0 : -1;
	case CU_ENTRY_HASHED:
		return kn == 3 + CU_MAC_BYTES + 8 && vn == 0 ? 0 : -1;
	default:
		return -1;
	}
}

static int verify_one(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *norm, size_t n, void *arg)
{
	unsigned char ver[CU_VERIFIER_BYTES];
	uint64_t *entries = arg;
	custos_val v;
	ikey ik;
	int rc;

	ikey_make(&ik, op, f, norm, n);
	cu_put_u64be(ik.k + ik.prefix, id);
	rc = cu_get(op->txn, CU_B_INDEX, ik.k, ik.prefix + 8, &v);
	if (rc == CUSTOS_ENOTFOUND)
		rc = cu_err(CUSTOS_ECORRUPT, "customer %llu has no %s of field '%s'", (unsigned long long)id,
			cu_index_entry_name(ik.kind), f->name);
	if (!rc && ik.blind)
		cu_bidx_verifier(ver, &ik.bk, id, norm, n);
	if (!rc && (ik.blind ? v.size != sizeof ver || !cu_equal(ver, v.data, sizeof ver) : v.size != 0))
		rc = cu_err(CUSTOS_ECORRUPT, "the %s of field '%s' of customer %llu does not verify against the "
			"customer's value", cu_index_entry_name(ik.kind), f->name, (unsigned long long)id);
	if (!rc)
		(*entries)++;
	ikey_wipe(&ik);
	cu_wipe(ver, sizeof ver);
	return rc;
}

int cu_index_verify(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n, uint64_t *entries)
{
	return for_each_value(op, f, id, v, n, verify_one, entries);
}

typedef struct expect_key {
	const unsigned char *k;
	size_t kn;
	int match;
} expect_key;

static int expects_one(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *norm, size_t n, void *arg)
{
	expect_key *x = arg;
	ikey ik;

	ikey_make(&ik, op, f, norm, n);
	cu_put_u64be(ik.k + ik.prefix, id);
	if (x->kn == ik.prefix + 8 && memcmp(x->k, ik.k, x->kn) == 0)
		x->match = 1;
	ikey_wipe(&ik);
	return CUSTOS_OK;
}

int cu_index_expects(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n,
	const unsigned char *key, size_t kn, int *match)
{
	expect_key x = { key, kn, 0 };
	int rc = for_each_value(op, f, id, v, n, expects_one, &x);

	*match = x.match;
	return rc;
}

int cu_holder_verify(cu_op *op, int kind, uint32_t who, uint64_t id, uint64_t *entries)
{
	const char *name = cu_index_entry_name(kind == CU_HOLDER_OWNER ? CU_ENTRY_OWNER :
		kind == CU_HOLDER_TEAM ? CU_ENTRY_TEAM : CU_ENTRY_ARCHIVED);
	unsigned char k[14];
	custos_val v;
	int rc;

	if (who == 0)
		return CUSTOS_OK;
	member_key(k, kind, who, id);
	rc = cu_get(op->txn, CU_B_INDEX, k, sizeof k, &v);
	if (rc == CUSTOS_ENOTFOUND)
		return cu_err(CUSTOS_ECORRUPT, "customer %llu has no %s", (unsigned long long)id, name);
	if (!rc && v.size != 0)
		return cu_err(CUSTOS_ECORRUPT, "the %s of customer %llu holds a value where it should be empty", name,
			(unsigned long long)id);
	if (!rc)
		(*entries)++;
	return rc;
}

/* ---- every entry of one customer ---- */

int cu_index_customer(cu_op *op, const custos_customer *c, const cu_field *only, int what, uint64_t *entries)
{
	each_fn fn = what == CU_INDEX_ADD ? add_one : what == CU_INDEX_REMOVE ? remove_one : verify_one;
	uint32_t arch = c->state == CUSTOS_STATE_ARCHIVED ? CUSTOS_STATE_ARCHIVED : 0;
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		const unsigned char *v;
		size_t n;
		if (only ? f->id != only->id : !(f->flags & CUSTOS_FIELD_SEARCHABLE))
			continue;
		if ((v = cu_value_get(c, f, &n)))
			rc = for_each_value(op, only ? only : f, c->id, v, n, fn, entries);
	}
	if (only || rc)
		return rc;
	if (what == CU_INDEX_ADD)
		return (rc = cu_holder_add(op, CU_HOLDER_OWNER, c->owner, c->id)) ||
		       (rc = cu_holder_add(op, CU_HOLDER_TEAM, c->team, c->id)) ? rc :
			cu_holder_add(op, CU_HOLDER_ARCHIVED, arch, c->id);
	if (what == CU_INDEX_REMOVE)
		return (rc = cu_holder_remove(op, CU_HOLDER_OWNER, c->owner, c->id)) ||
		       (rc = cu_holder_remove(op, CU_HOLDER_TEAM, c->team, c->id)) ? rc :
			cu_holder_remove(op, CU_HOLDER_ARCHIVED, arch, c->id);
	return (rc = cu_holder_verify(op, CU_HOLDER_OWNER, c->owner, c->id, entries)) ||
	       (rc = cu_holder_verify(op, CU_HOLDER_TEAM, c->team, c->id, entries)) ? rc :
		cu_holder_verify(op, CU_HOLDER_ARCHIVED, arch, c->id, entries);
}
