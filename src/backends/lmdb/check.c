/*
 * backends/lmdb/check.c — which pages of LMDB's data file the backend checks when, through
 * file.c and walk.c (see check.h). At open: the meta pages and the size before
 * mdb_env_open; then, in the first transaction, the main database, the free list and the
 * named databases (whole while a budget lasts, smallest first; after it, the root and the
 * pages down to the first and the last key, which opening a store reads).
 * In the check method: the whole snapshot, every page accounted for exactly once. Nothing
 * here calls LMDB.
 */
#include <stdio.h>
#include <stdlib.h>

#include "backends/lmdb/check.h"
#include "backends/lmdb/file.h"
#include "util/alloc.h"
#include "util/error.h"

#define IDS_AT_ONCE 256
/* A store's list of at most 32 buckets fits one page; a main database of more pages holds
 * another program's data, and no bucket of it is opened. */
#define MAIN_MAX_PAGES 64

/* Pages checked whole at open, smallest database first: 16 MiB of 4 KiB pages, a few
 * milliseconds, next to the key derivation that opening also does. A database that does
 * not fit what is left is checked along its edges (check.h); the check method walks the
 * rest. */
uint64_t cu_lmdb_open_budget = 4096;

static const cu_lmdb_meta *newer(const cu_lmdb_meta m[2])
{
	return m[1].txnid > m[0].txnid ? &m[1] : &m[0];  /* LMDB's choice (mdb_env_read_header) */
}

/* Pages from the end of the file to the snapshot's last page. LMDB never writes a page
 * freed in the transaction that allocated it, so a file may end early when its last
 * pages are free (LMDB's note on mm_last_pg); any other missing page is a truncation. */
static uint64_t missing_pages(const cu_lmdb_file *f)
{
	uint64_t first = f->size / f->psize;

	return first <= f->last_pg ? f->last_pg + 1 - first : 0;
}

/* page: the first missing page not listed free, or CU_LMDB_NO_PAGE when more pages are
 * missing than the free list has room to list. */
static int truncated(const cu_lmdb_file *f, uint64_t page)
{
	char which[96];

	if (page == CU_LMDB_NO_PAGE)
		snprintf(which, sizeof which, "more pages are missing than its free list can hold");
	else
		snprintf(which, sizeof which, "its page %llu is missing but not free", (unsigned long long)page);
	return cu_lmdb_damaged(f, CU_LMDB_NO_PAGE, NULL, "the file is %llu bytes, shorter than the %llu bytes the meta "
		"page of transaction %llu uses, and %s: the file was truncated", (unsigned long long)f->size,
		(unsigned long long)((f->last_pg + 1) * f->psize), (unsigned long long)f->txnid, which);
}

int cu_lmdb_precheck(const char *dir)
{
	cu_lmdb_file f;
	cu_lmdb_meta m[2];
	int missing, rc = cu_lmdb_file_open(&f, dir, &missing);
	uint64_t room;

	if (!rc && !missing && f.size && !(rc = cu_lmdb_read_metas(&f, m)) && !(rc = cu_lmdb_use_meta(&f, newer(m)))) {
		/* The free list's pages bound how many missing pages it can list. */
		room = (newer(m)->free.leaf_pages + newer(m)->free.overflow_pages) * (f.psize / LF_WORD);
		if (missing_pages(&f) > room)
			rc = truncated(&f, CU_LMDB_NO_PAGE);
	}
	cu_lmdb_file_close(&f);
	return rc;
}

/* Open the file at snapshot txnid: its meta page is page txnid % 2 until a writer commits
 * transaction txnid + 2 over it. */
static int load_snapshot(cu_lmdb_file *f, const char *dir, uint64_t txnid, cu_lmdb_meta *use)
{
	cu_lmdb_meta m[2];
	int missing, rc;

	if ((rc = cu_lmdb_file_open(f, dir, &missing)))
		return rc;
	if (missing)
		return cu_err(CUSTOS_EIO, "'%s/data.mdb' was removed while the store was open", dir);
	if ((rc = cu_lmdb_read_metas(f, m)))
		return rc;
	*use = m[txnid & 1];
	if (use->txnid != txnid) {
		cu_err(CUSTOS_EBUSY, "the store at '%s' changed while its file was being checked; try again", dir);
		return CU_LMDB_RETRY;
	}
	return cu_lmdb_use_meta(f, use);
}

/* ---- the free list ---- */

static int mark_free(cu_lmdb_file *f, uint64_t pg)
{
	if (f->tail && pg >= f->tail_first)
		f->tail[(pg - f->tail_first) / 8] |= (unsigned char)(1u << ((pg - f->tail_first) % 8));
	return cu_lmdb_mark(f, pg, "the free list");
}

/* A record: key = the transaction that freed the pages, data = their count and the page
 * numbers in descending order (an MDB_IDL, possibly with room to spare). */
static int free_record(cu_lmdb_file *f, const cu_lmdb_rec *r, void *arg)
{
	uint64_t txn = lf_getw(r->key), prev = CU_LMDB_NO_PAGE, count, room;
	size_t ids[IDS_AT_ONCE];
	int rc;

	(void)arg;
	if (txn < 1 || txn > f->txnid)
		return cu_lmdb_damaged(f, r->leaf, "the free list", "a record of transaction %llu, after the snapshot's %llu",
			(unsigned long long)txn, (unsigned long long)f->txnid);
	if (r->dsize < LF_WORD || r->dsize % LF_WORD)
		return cu_lmdb_damaged(f, r->leaf, "the free list", "the record of transaction %llu is %llu bytes, not a "
			"list of pages", (unsigned long long)txn, (unsigned long long)r->dsize);
	if ((rc = cu_lmdb_read_data(f, r, 0, ids, LF_WORD)))
		return rc;
	count = ids[0];
	room = r->dsize / LF_WORD - 1;
	if (count > room)
		return cu_lmdb_damaged(f, r->leaf, "the free list", "the record of transaction %llu lists %llu pages in "
			"room for %llu", (unsigned long long)txn, (unsigned long long)count, (unsigned long long)room);
	for (uint64_t at = 1; at <= count; at += IDS_AT_ONCE) {
		size_t n = count - at + 1 < IDS_AT_ONCE ? (size_t)(count - at + 1) : IDS_AT_ONCE;
		if ((rc = cu_lmdb_read_data(f, r, at * LF_WORD, ids, n * LF_WORD)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			if (ids[i] >= prev || ids[i] < LF_NUM_METAS || ids[i] > f->last_pg)
				return cu_lmdb_damaged(f, r->leaf, "the free list", "the record of transaction %llu lists page "
					"%llu, out of descending order or outside pages 2 to %llu", (unsigned long long)txn,
					(unsigned long long)ids[i], (unsigned long long)f->last_pg);
			if ((rc = mark_free(f, ids[i])))
				return rc;
			prev = ids[i];
		}
	}
	return CUSTOS_OK;
}

/* Every missing page must be listed free: walk the whole free list, noting them. */
static int missing_pages_free(cu_lmdb_file *f, const cu_lmdb_db *db)
{
	uint64_t missing = missing_pages(f);
	int rc;

	f->tail_first = f->last_pg + 1 - missing;
	if (!(f->tail = cu_calloc(missing / 8 + 1, 1)))
		return cu_err_oom();
	rc = cu_lmdb_walk(f, "the free list", db, CU_LMDB_WALK_WHOLE | CU_LMDB_WALK_INTKEYS, free_record, NULL);
	for (uint64_t i = 0; i < missing && !rc; i++)
		if (!(f->tail[i / 8] & (1u << (i % 8))))
			rc = truncated(f, f->tail_first + i);
	return rc;
}

/* ---- named databases ---- */

static uint64_t pages_of(const cu_lmdb_db *db)
{
	return db->branch_pages + db->leaf_pages + db->overflow_pages;
}

static void label(char *out, size_t n, const unsigned char *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] > 0x7e || name[i] == '\'') {
			snprintf(out, n, "a database with a %zu-byte binary name", len);
			return;
		}
	snprintf(out, n, "database '%.*s'", (int)(len < 40 ? len : 40), (const char *)name);
}

/* A named database's record: its name for messages, its MDB_db, checked against the snapshot. */
static int named_record(cu_lmdb_file *f, const cu_lmdb_rec *r, cu_lmdb_db *db, char *what, size_t n)
{
	int rc;

	label(what, n, r->key, r->klen);
	if ((rc = cu_lmdb_db_decode(db, f, r)))
		return rc;
	if (db->flags || db->pad)
		return cu_lmdb_damaged(f, r->leaf, what, "its record has flags 0x%x: custos never sets any", db->flags);
	return cu_lmdb_db_sane(f, db, r->leaf, what);
}

/* What opening reads besides the main database: the free list and the buckets found. */
typedef struct tree_ref {
	char what[80];
	cu_lmdb_db db;
	unsigned mode;
} tree_ref;

typedef struct opening {
	const char *const *names;
	size_t count;
	unsigned char *found;
	int foreign;
	tree_ref trees[1 + CU_LMDB_MAX_BUCKETS];
	size_t ntrees;
} opening;

/* A main-database record at open: one of the store's buckets, or someone else's data. */
static int open_record(cu_lmdb_file *f, const cu_lmdb_rec *r, void *arg)
{
	opening *o = arg;
	tree_ref *t = &o->trees[o->ntrees];

	for (size_t i = 0; i < o->count; i++)
		if (strlen(o->names[i]) == r->klen && !memcmp(o->names[i], r->key, r->klen)) {
			o->found[i] = 1;
			o->ntrees++;
			return named_record(f, r, &t->db, t->what, sizeof t->what);
		}
	o->foreign = 1;
	return CUSTOS_OK;
}

static int by_size(const void *a, const void *b)
{
	uint64_t x = pages_of(&((const tree_ref *)a)->db), y = pages_of(&((const tree_ref *)b)->db);
	return (x > y) - (x < y);
}

/* Walk the trees smallest first, whole while the budget lasts, by their root after. */
static int walk_opened(cu_lmdb_file *f, opening *o, uint64_t budget)
{
	int rc = CUSTOS_OK;

	qsort(o->trees, o->ntrees, sizeof o->trees[0], by_size);
	for (size_t i = 0; i < o->ntrees && !rc; i++) {
		tree_ref *t = &o->trees[i];
		unsigned mode = t->mode & CU_LMDB_WALK_INTKEYS;
		if (pages_of(&t->db) <= budget) {
			budget -= pages_of(&t->db);
			mode |= CU_LMDB_WALK_WHOLE;
		}
		rc = cu_lmdb_walk(f, t->what, &t->db, mode, (mode & CU_LMDB_WALK_INTKEYS) ? free_record : NULL, NULL);
	}
	return rc;
}

int cu_lmdb_validate(const char *dir, uint64_t txnid, const char *const *names, size_t count, unsigned char *found,
	int *foreign)
{
	opening *o = cu_calloc(1, sizeof *o);
	cu_lmdb_file f;
	cu_lmdb_meta m;
	int rc;

	if (!o)
		return cu_err_oom();
	o->names = names;
	o->count = count < CU_LMDB_MAX_BUCKETS ? count : CU_LMDB_MAX_BUCKETS;
	o->found = found;
	memset(found, 0, count);
	if (!(rc = load_snapshot(&f, dir, txnid, &m)) && missing_pages(&f))
		rc = missing_pages_free(&f, &m.free);
	else if (!rc)
		o->trees[o->ntrees++] = (tree_ref){ "the free list", m.free, CU_LMDB_WALK_INTKEYS };
	/* Nothing of a main database that large is followed (no bucket is opened), so its
	 * edges are all that must be sound. */
	if (!rc && pages_of(&m.main) > MAIN_MAX_PAGES) {
		o->foreign = 1;
		rc = cu_lmdb_walk(&f, "the main database", &m.main, CU_LMDB_WALK_EDGES, NULL, NULL);
	} else if (!rc && !(rc = cu_lmdb_walk(&f, "the main database", &m.main, CU_LMDB_WALK_WHOLE, open_record, o))) {
		rc = walk_opened(&f, o, cu_lmdb_open_budget);
	}
	*foreign = o->foreign;
	cu_lmdb_file_close(&f);
	cu_free(o);
	return rc;
}

/* ---- the whole file ---- */

static int check_record(cu_lmdb_file *f, const cu_lmdb_rec *r, void *arg)
{
	char what[80];
	cu_lmdb_db db;
	int rc;

	(void)arg;
	if ((rc = named_record(f, r, &db, what, sizeof what)))
		return rc;
	return cu_lmdb_walk(f, what, &db, CU_LMDB_WALK_WHOLE, NULL, NULL);
}

/* LMDB's invariant (its note on MDB_page): every page up to the last is a meta page, in
 * exactly one database, or in the free list. */
static int all_accounted(const cu_lmdb_file *f)
{
	for (uint64_t pg = LF_NUM_METAS; pg <= f->last_pg; pg++)
		if (!(f->seen[pg / 8] & (1u << (pg % 8))))
			return cu_lmdb_damaged(f, pg, NULL, "the page is in no database and not in the free list (a lost "
				"page)");
	return CUSTOS_OK;
}

int cu_lmdb_check_file(const char *dir, uint64_t txnid)
{
	cu_lmdb_file f;
	cu_lmdb_meta m;
	int rc = load_snapshot(&f, dir, txnid, &m);

	if (!rc && !(f.seen = cu_calloc(f.last_pg / 8 + 1, 1)))
		rc = cu_err_oom();
	if (!rc) {
		f.seen[0] |= 3;  /* the meta pages */
		rc = cu_lmdb_walk(&f, "the free list", &m.free, CU_LMDB_WALK_WHOLE | CU_LMDB_WALK_INTKEYS, free_record,
			NULL);
	}
	if (!rc)
		rc = cu_lmdb_walk(&f, "the main database", &m.main, CU_LMDB_WALK_WHOLE, check_record, NULL);
	if (!rc)
		rc = all_accounted(&f);
	cu_lmdb_file_close(&f);
	return rc;
}
