/*
 * backends/lmdb/walk.c — walking one B-tree of LMDB's data file with pread (see file.h):
 * page headers, free-space bounds, node offsets, key and data sizes, overflow runs, child
 * page numbers, depth, key order within pages and across them, and the record's counts.
 * Recursion is bounded by the record's depth (at most LMDB's 32), and a whole walk stops
 * as soon as it finds more pages or entries than the record claims; an edge walk visits
 * two pages a level.
 */
#include "backends/lmdb/file.h"
#include "util/alloc.h"
#include "util/error.h"

typedef struct tree {
	cu_lmdb_file *f;
	const char *what;
	const cu_lmdb_db *db;
	unsigned mode;
	cu_lmdb_rec_fn fn;
	void *arg;
	unsigned char *pages;     /* one page buffer a level */
	uint64_t branch, leaf, overflow, entries;
	int edge;                 /* an edge walk: EDGE_FIRST or EDGE_LAST child of each branch */
} tree;

enum { EDGE_FIRST = 1, EDGE_LAST };

/* The keys bounding a subtree: lo <= key < hi; p == NULL is no bound. */
typedef struct bound {
	const unsigned char *p;
	size_t n;
} bound;

/* One node of a page, its offsets checked. */
typedef struct node {
	const unsigned char *key;
	size_t klen;
	unsigned flags;
	uint64_t value;           /* leaf: data size; branch: child page */
	const unsigned char *data;
	size_t bytes;             /* what the node takes of the page, even-rounded as LMDB does */
} node;

/* LMDB's orders: native size_t for the free list (mdb_cmp_long), else bytes then length. */
static int compare(const tree *t, const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	int d;

	if (t->mode & CU_LMDB_WALK_INTKEYS) {
		uint64_t x = lf_getw(a), y = lf_getw(b);
		return (x > y) - (x < y);
	}
	d = memcmp(a, b, an < bn ? an : bn);
	return d ? d : (an > bn) - (an < bn);
}

static int whole(const tree *t)
{
	return (t->mode & CU_LMDB_WALK_WHOLE) != 0;
}

/* The page header: its number, its kind for its level, its free-space bounds. */
static int check_header(tree *t, const unsigned char *p, uint64_t pgno, int leaf, unsigned *nkeys, unsigned *upper)
{
	const cu_lmdb_file *f = t->f;
	unsigned flags = lf_get16(p + LF_WORD + 2), lower = lf_get16(p + LF_WORD + 4), min;

	*upper = lf_get16(p + LF_WORD + 6);
	if (lf_getw(p) != pgno)
		return cu_lmdb_damaged(f, pgno, t->what, "its header says page %llu: a misplaced or overwritten page",
			(unsigned long long)lf_getw(p));
	if (flags != (leaf ? LF_P_LEAF : LF_P_BRANCH))
		return cu_lmdb_damaged(f, pgno, t->what, "flags 0x%x where a %s page is expected", flags,
			leaf ? "leaf" : "branch");
	if (lower < LF_PAGEHDRSZ || (lower - LF_PAGEHDRSZ) % 2 || lower > *upper || *upper > f->psize)
		return cu_lmdb_damaged(f, pgno, t->what, "free space from byte %u to %u does not fit a %u-byte page",
			lower, *upper, f->psize);
	*nkeys = (lower - (unsigned)LF_PAGEHDRSZ) / 2;
	/* LMDB keeps two keys in every branch page but the free list's (mdb_page_search_root). */
	min = leaf || (t->mode & CU_LMDB_WALK_INTKEYS) ? 1 : 2;
	if (*nkeys < min)
		return cu_lmdb_damaged(f, pgno, t->what, "it holds %u keys, fewer than %u", *nkeys, min);
	return CUSTOS_OK;
}

/* Node i: inside the node area, its key and data inside the page, sizes and flags LMDB writes. */
static int read_node(const tree *t, const unsigned char *p, uint64_t pgno, unsigned i, unsigned upper, int leaf,
	node *nd)
{
	const cu_lmdb_file *f = t->f;
	unsigned off = lf_get16(p + LF_PAGEHDRSZ + 2 * i);
	const unsigned char *n = p + off;
	uint64_t need;

	if (off < upper || off % 2 || off + LF_NODESIZE > f->psize)
		return cu_lmdb_damaged(f, pgno, t->what, "node %u is at byte %u, outside the nodes' bytes %u to %u", i, off,
			upper, f->psize);
	nd->flags = lf_get16(n + 4);
	nd->klen = lf_get16(n + 6);
	nd->key = n + LF_NODESIZE;
	nd->data = nd->key + nd->klen;
	if (leaf) {
		if (nd->flags & ~(unsigned)(CU_LMDB_F_BIGDATA | CU_LMDB_F_SUBDATA) ||
		    nd->flags == (CU_LMDB_F_BIGDATA | CU_LMDB_F_SUBDATA))
			return cu_lmdb_damaged(f, pgno, t->what, "node %u has flags 0x%x, which no custos database uses", i,
				nd->flags);
		nd->value = lf_get32(n);  /* mn_lo | mn_hi << 16, in either byte order */
		need = LF_NODESIZE + nd->klen + ((nd->flags & CU_LMDB_F_BIGDATA) ? LF_WORD : nd->value);
	} else {
		nd->value = lf_get32(n) | (LF_WORD > 4 ? (uint64_t)nd->flags << 32 : 0);
		need = LF_NODESIZE + nd->klen;
	}
	if (off + need > f->psize)
		return cu_lmdb_damaged(f, pgno, t->what, "node %u (a %zu-byte key%s) runs past the end of the page", i,
			nd->klen, leaf ? " and its data" : "");
	nd->bytes = (size_t)(need + 1) & ~(size_t)1;
	return CUSTOS_OK;
}

/* Key sizes, order within the page and the bounds the parent set. A branch's first key is
 * never compared by LMDB, so it is only bounds-checked. */
static int check_key(const tree *t, uint64_t pgno, unsigned i, int leaf, const node *nd, const node *prev,
	const bound *lo, const bound *hi)
{
	const cu_lmdb_file *f = t->f;
	size_t want = (t->mode & CU_LMDB_WALK_INTKEYS) ? LF_WORD : 0;

	if (!leaf && i == 0)
		return nd->klen <= LF_MAX_KEY ? CUSTOS_OK :
			cu_lmdb_damaged(f, pgno, t->what, "node 0 has a %zu-byte key", nd->klen);
	if (nd->klen < 1 || nd->klen > LF_MAX_KEY || (want && nd->klen != want))
		return cu_lmdb_damaged(f, pgno, t->what, "node %u has a %zu-byte key", i, nd->klen);
	if (prev && compare(t, prev->key, prev->klen, nd->key, nd->klen) >= 0)
		return cu_lmdb_damaged(f, pgno, t->what, "node %u's key is not greater than node %u's", i, i - 1);
	if ((lo->p && compare(t, nd->key, nd->klen, lo->p, lo->n) < 0) ||
	    (hi->p && compare(t, nd->key, nd->klen, hi->p, hi->n) >= 0))
		return cu_lmdb_damaged(f, pgno, t->what, "node %u's key is outside the range its parent page gives", i);
	return CUSTOS_OK;
}

static int count(const tree *t, uint64_t have, uint64_t claimed, uint64_t pgno, const char *of)
{
	if (whole(t) && have > claimed)
		return cu_lmdb_damaged(t->f, pgno, t->what, "the tree has more %s than the %llu its record says", of,
			(unsigned long long)claimed);
	return CUSTOS_OK;
}

/* Data on overflow pages: a run of P_OVERFLOW pages large enough, inside the file. */
static int check_overflow(tree *t, uint64_t leafpg, unsigned i, const cu_lmdb_rec *r)
{
	cu_lmdb_file *f = t->f;
	unsigned char h[LF_PAGEHDRSZ];
	uint64_t pg = r->ovpage, pages, need = (LF_PAGEHDRSZ - 1 + r->dsize) / f->psize + 1;  /* OVPAGES */
	int rc;

	if (pg < LF_NUM_METAS || pg > f->last_pg)
		return cu_lmdb_damaged(f, leafpg, t->what, "node %u's data is on page %llu, outside pages 2 to %llu", i,
			(unsigned long long)pg, (unsigned long long)f->last_pg);
	if ((rc = cu_lmdb_read_header(f, pg, h, t->what)))
		return rc;
	pages = lf_get32(h + LF_WORD + 4);
	if (lf_getw(h) != pg || lf_get16(h + LF_WORD + 2) != LF_P_OVERFLOW)
		return cu_lmdb_damaged(f, pg, t->what, "the header says page %llu with flags 0x%x where overflow page %llu "
			"is expected", (unsigned long long)lf_getw(h), lf_get16(h + LF_WORD + 2), (unsigned long long)pg);
	if (pages < need)
		return cu_lmdb_damaged(f, pg, t->what, "a run of %llu overflow pages cannot hold the %llu bytes node %u of "
			"page %llu says", (unsigned long long)pages, (unsigned long long)r->dsize, i, (unsigned long long)leafpg);
	if ((rc = cu_lmdb_claim_run(f, pg, pages, t->what)))
		return rc;
	t->overflow += pages;
	return count(t, t->overflow, t->db->overflow_pages, pg, "overflow pages");
}

static int record(tree *t, uint64_t pgno, unsigned i, const node *nd)
{
	cu_lmdb_rec r = { nd->key, nd->klen, nd->flags, NULL, nd->value, 0, pgno };
	int rc;

	if ((rc = count(t, ++t->entries, t->db->entries, pgno, "entries")))
		return rc;
	if (nd->flags & CU_LMDB_F_BIGDATA) {
		r.ovpage = lf_getw(nd->data);
		if ((rc = check_overflow(t, pgno, i, &r)))
			return rc;
	} else {
		r.data = nd->data;
	}
	return t->fn ? t->fn(t->f, &r, t->arg) : CUSTOS_OK;
}

static int walk_page(tree *t, uint64_t pgno, unsigned level, const bound *lo, const bound *hi);

/* Follow every child of a branch page, each bounded by its own key and the next one. */
static int walk_children(tree *t, const unsigned char *p, uint64_t pgno, unsigned level, unsigned n, unsigned upper,
	const bound *lo, const bound *hi)
{
	node nd = { 0 }, next = { 0 };
	bound clo, chi;
	int rc;

	for (unsigned i = 0; i < n; i++) {
		if ((t->edge == EDGE_FIRST && i > 0) || (t->edge == EDGE_LAST && i + 1 < n))
			continue;
		if ((rc = read_node(t, p, pgno, i, upper, 0, &nd)))
			return rc;
		clo = *lo;
		chi = *hi;
		if (i > 0)
			clo = (bound){ nd.key, nd.klen };
		if (i + 1 < n) {
			if ((rc = read_node(t, p, pgno, i + 1, upper, 0, &next)))
				return rc;
			chi = (bound){ next.key, next.klen };
		}
		if ((rc = walk_page(t, nd.value, level + 1, &clo, &chi)))
			return rc;
	}
	return CUSTOS_OK;
}

/* One page at `level` (0 is the root): its header and every node; in a whole walk, then
 * its children. Nodes fill the page from its upper bound to its end without gaps. */
static int walk_page(tree *t, uint64_t pgno, unsigned level, const bound *lo, const bound *hi)
{
	cu_lmdb_file *f = t->f;
	unsigned char *p = t->pages + (size_t)level * f->psize;
	int leaf = level + 1 == t->db->depth, rc;
	unsigned n = 0, upper = 0;
	size_t used = 0;
	node nd, prev;

	if ((rc = cu_lmdb_read_page(f, pgno, p, t->what)) || (rc = check_header(t, p, pgno, leaf, &n, &upper)))
		return rc;
	if ((rc = leaf ? count(t, ++t->leaf, t->db->leaf_pages, pgno, "leaf pages") :
			count(t, ++t->branch, t->db->branch_pages, pgno, "branch pages")))
		return rc;
	for (unsigned i = 0; i < n; i++) {
		if ((rc = read_node(t, p, pgno, i, upper, leaf, &nd)) ||
		    (rc = check_key(t, pgno, i, leaf, &nd, i > (leaf ? 0u : 1u) ? &prev : NULL, lo, hi)))
			return rc;
		if (!leaf && (nd.value < LF_NUM_METAS || nd.value > f->last_pg))
			return cu_lmdb_damaged(f, pgno, t->what, "node %u points to page %llu, outside pages 2 to %llu", i,
				(unsigned long long)nd.value, (unsigned long long)f->last_pg);
		if (leaf && (rc = record(t, pgno, i, &nd)))
			return rc;
		used += nd.bytes;
		prev = nd;
	}
	if (used != f->psize - upper)
		return cu_lmdb_damaged(f, pgno, t->what, "its nodes take %zu bytes where its free-space bound leaves %u",
			used, f->psize - upper);
	return leaf ? CUSTOS_OK : walk_children(t, p, pgno, level, n, upper, lo, hi);
}

int cu_lmdb_walk(cu_lmdb_file *f, const char *what, const cu_lmdb_db *db, unsigned mode, cu_lmdb_rec_fn fn,
	void *arg)
{
	tree t = { f, what, db, mode, fn, arg, NULL, 0, 0, 0, 0, 0 };
	bound none = { NULL, 0 };
	int rc;

	if (db->root == CU_LMDB_NO_PAGE)
		return CUSTOS_OK;
	if (!(t.pages = cu_malloc((size_t)db->depth * f->psize)))
		return cu_err_oom();
	if (whole(&t))
		rc = walk_page(&t, db->root, 0, &none, &none);
	else if (!(t.edge = EDGE_FIRST, rc = walk_page(&t, db->root, 0, &none, &none)))
		rc = (t.edge = EDGE_LAST, walk_page(&t, db->root, 0, &none, &none));
	cu_free(t.pages);
	if (rc || !whole(&t))
		return rc;
	if (t.branch != db->branch_pages || t.leaf != db->leaf_pages || t.overflow != db->overflow_pages ||
	    t.entries != db->entries)
		return cu_lmdb_damaged(f, CU_LMDB_NO_PAGE, what, "its record says %llu entries in %llu branch, %llu leaf and "
			"%llu overflow pages; the tree has %llu in %llu, %llu and %llu", (unsigned long long)db->entries,
			(unsigned long long)db->branch_pages, (unsigned long long)db->leaf_pages,
			(unsigned long long)db->overflow_pages, (unsigned long long)t.entries, (unsigned long long)t.branch,
			(unsigned long long)t.leaf, (unsigned long long)t.overflow);
	return CUSTOS_OK;
}
