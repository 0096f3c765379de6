/*
 * backends/lmdb/file.c — reading LMDB's data file without LMDB (see file.h). Every number
 * read from the file is checked against the page, the snapshot or the file before it is
 * used as an offset, a size or a page to follow, so no content can make this code read out
 * of bounds, recurse deeper than LMDB's 32 levels or visit more pages than a record claims.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/lmdb/file.h"
#include "util/alloc.h"
#include "util/error.h"

#define META_DBS (8 + 2 * LF_WORD)    /* mm_dbs within MDB_meta */
#define META_SIZE (META_DBS + 2 * LF_DBSIZE + 2 * LF_WORD)
#define MAGIC 0xBEEFC0DEu
#define DATA_VERSION 1u
#define MIN_PSIZE 512u
#define MAX_PSIZE 32768u
#define MAX_FILE (1ULL << 47)         /* more than a 47-bit address space cannot be mapped */
#define MDB_FIXEDMAP 0x01u
#define MDB_NOSUBDIR 0x4000u

int cu_lmdb_damaged(const cu_lmdb_file *f, uint64_t pgno, const char *what, const char *fmt, ...)
{
	char detail[320], where[96] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (pgno != CU_LMDB_NO_PAGE)
		snprintf(where, sizeof where, " at page %llu", (unsigned long long)pgno);
	if (what)
		snprintf(where + strlen(where), sizeof where - strlen(where), " (%s)", what);
	return cu_err(CUSTOS_ECORRUPT, "'%s/data.mdb' is damaged%s: %s; restore the store from a backup", f->dir,
		where, detail);
}

/* ---- the file ---- */

int cu_lmdb_file_open(cu_lmdb_file *f, const char *dir, int *missing)
{
	char path[4096];
	struct stat st;

	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->dir = dir;
	*missing = 0;
	if (snprintf(path, sizeof path, "%s/data.mdb", dir) >= (int)sizeof path)
		return cu_err(CUSTOS_EINVALID, "the store path '%.64s...' is too long", dir);
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			*missing = 1;
			return CUSTOS_OK;
		}
		return cu_err(CUSTOS_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(f->fd, &st) != 0)
		return cu_err(CUSTOS_EIO, "cannot inspect '%s': %s", path, strerror(errno));
	f->size = (uint64_t)st.st_size;
	return CUSTOS_OK;
}

void cu_lmdb_file_close(cu_lmdb_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	cu_free(f->seen);
	cu_free(f->tail);
	f->seen = f->tail = NULL;
}

/* Read n bytes at off. The file ending early is damage; a failing read is CUSTOS_EIO. */
static int read_at(const cu_lmdb_file *f, uint64_t off, void *buf, size_t n, uint64_t pgno, const char *what)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(f->fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cu_err(CUSTOS_EIO, "cannot read '%s/data.mdb': %s", f->dir, strerror(errno));
		if (r == 0)
			return cu_lmdb_damaged(f, pgno, what, "the file ends at byte %llu, inside this page",
				(unsigned long long)(off + got));
		got += (size_t)r;
	}
	return CUSTOS_OK;
}

/* A page the snapshot uses must exist in the file: LMDB would fault on it otherwise. */
static int page_in_file(const cu_lmdb_file *f, uint64_t pgno, uint64_t pages, const char *what)
{
	if (pgno < LF_NUM_METAS || pgno > f->last_pg || pages > f->last_pg + 1 - pgno)
		return cu_lmdb_damaged(f, pgno, what, "pages %llu to %llu are outside the snapshot's pages 2 to %llu",
			(unsigned long long)pgno, (unsigned long long)(pgno + pages - 1), (unsigned long long)f->last_pg);
	if ((pgno + pages) * f->psize > f->size)
		return cu_lmdb_damaged(f, pgno, what, "the page lies past the end of the file, which is %llu bytes where "
			"the meta page of transaction %llu says %llu: the file was truncated", (unsigned long long)f->size,
			(unsigned long long)f->txnid, (unsigned long long)((f->last_pg + 1) * f->psize));
	return CUSTOS_OK;
}

int cu_lmdb_read_page(cu_lmdb_file *f, uint64_t pgno, unsigned char *buf, const char *what)
{
	int rc;

	if ((rc = page_in_file(f, pgno, 1, what)) || (rc = read_at(f, pgno * f->psize, buf, f->psize, pgno, what)))
		return rc;
	return cu_lmdb_mark(f, pgno, what);
}

int cu_lmdb_read_header(const cu_lmdb_file *f, uint64_t pgno, unsigned char *buf, const char *what)
{
	int rc = page_in_file(f, pgno, 1, what);

	return rc ? rc : read_at(f, pgno * f->psize, buf, LF_PAGEHDRSZ, pgno, what);
}

int cu_lmdb_claim_run(cu_lmdb_file *f, uint64_t pgno, uint64_t pages, const char *what)
{
	int rc = page_in_file(f, pgno, pages, what);

	for (uint64_t i = 0; i < pages && !rc; i++)
		rc = cu_lmdb_mark(f, pgno + i, what);
	return rc;
}

int cu_lmdb_mark(cu_lmdb_file *f, uint64_t pgno, const char *why)
{
	unsigned char bit = (unsigned char)(1u << (pgno % 8));

	if (!f->seen)
		return CUSTOS_OK;
	if (f->seen[pgno / 8] & bit)
		return cu_lmdb_damaged(f, pgno, why, "the page is reached a second time: two owners share it, or a "
			"branch loops back");
	f->seen[pgno / 8] |= bit;
	return CUSTOS_OK;
}

/* ---- meta pages and database records ---- */

static void decode_db(cu_lmdb_db *db, const unsigned char *p)
{
	db->pad = lf_get32(p);
	db->flags = lf_get16(p + 4);
	db->depth = lf_get16(p + 6);
	db->branch_pages = lf_getw(p + 8);
	db->leaf_pages = lf_getw(p + 8 + LF_WORD);
	db->overflow_pages = lf_getw(p + 8 + 2 * LF_WORD);
	db->entries = lf_getw(p + 8 + 3 * LF_WORD);
	db->root = lf_getw(p + 8 + 4 * LF_WORD);
}

static int psize_ok(uint32_t psize)
{
	return psize >= MIN_PSIZE && psize <= MAX_PSIZE && (psize & (psize - 1)) == 0;
}

/* What LMDB's mdb_env_read_header checks of either meta page, and where the meta lives. */
static int read_meta(cu_lmdb_file *f, uint64_t pgno, uint64_t off, cu_lmdb_meta *m)
{
	unsigned char b[LF_PAGEHDRSZ + META_SIZE];
	const unsigned char *mm = b + LF_PAGEHDRSZ;
	int rc;

	if (off + sizeof b > f->size)
		return cu_lmdb_damaged(f, pgno, "meta page", "the file is %llu bytes, too short to hold it",
			(unsigned long long)f->size);
	if ((rc = read_at(f, off, b, sizeof b, pgno, "meta page")))
		return rc;
	if (lf_getw(b) != pgno || lf_get16(b + LF_WORD + 2) != LF_P_META)
		return cu_lmdb_damaged(f, pgno, "meta page", "its header says page %llu with flags 0x%x, not meta page %llu",
			(unsigned long long)lf_getw(b), lf_get16(b + LF_WORD + 2), (unsigned long long)pgno);
	m->pgno = pgno;
	m->magic = lf_get32(mm);
	m->version = lf_get32(mm + 4);
	decode_db(&m->free, mm + META_DBS);
	decode_db(&m->main, mm + META_DBS + LF_DBSIZE);
	m->last_pg = lf_getw(mm + META_DBS + 2 * LF_DBSIZE);
	m->txnid = lf_getw(mm + META_DBS + 2 * LF_DBSIZE + LF_WORD);
	if (m->magic != MAGIC)
		return cu_lmdb_damaged(f, pgno, "meta page", "magic number 0x%08x is not LMDB's 0xBEEFC0DE", m->magic);
	if (m->version != DATA_VERSION)
		return cu_lmdb_damaged(f, pgno, "meta page", "data format version %u is not LMDB 0.9's 1", m->version);
	if (!psize_ok(m->free.pad))
		return cu_lmdb_damaged(f, pgno, "meta page", "page size %u is not a power of two from 512 to 32768",
			m->free.pad);
	/* Transaction N writes meta page N % 2, and LMDB picks the page by that rule. */
	if (m->txnid != 0 && (m->txnid & 1) != pgno)
		return cu_lmdb_damaged(f, pgno, "meta page", "transaction %llu cannot be in meta page %llu",
			(unsigned long long)m->txnid, (unsigned long long)pgno);
	return CUSTOS_OK;
}

int cu_lmdb_read_metas(cu_lmdb_file *f, cu_lmdb_meta m[2])
{
	int rc;

	/* Like LMDB, find the second meta page at the first one's page size. */
	if ((rc = read_meta(f, 0, 0, &m[0])) || (rc = read_meta(f, 1, m[0].free.pad, &m[1])))
		return rc;
	if (m[1].free.pad != m[0].free.pad)
		return cu_lmdb_damaged(f, 1, "meta page", "page size %u differs from meta page 0's %u", m[1].free.pad,
			m[0].free.pad);
	if (m[0].txnid == m[1].txnid && m[0].txnid != 0)
		return cu_lmdb_damaged(f, 1, "meta page", "both meta pages hold transaction %llu",
			(unsigned long long)m[0].txnid);
	return CUSTOS_OK;
}

int cu_lmdb_db_sane(const cu_lmdb_file *f, const cu_lmdb_db *db, uint64_t pgno, const char *what)
{
	uint64_t most = f->last_pg + 1 - LF_NUM_METAS;

	if (db->root == CU_LMDB_NO_PAGE) {
		if (db->depth || db->branch_pages || db->leaf_pages || db->overflow_pages || db->entries)
			return cu_lmdb_damaged(f, pgno, what, "the record of an empty database says depth %u and %llu entries",
				db->depth, (unsigned long long)db->entries);
		return CUSTOS_OK;
	}
	if (db->root < LF_NUM_METAS || db->root > f->last_pg)
		return cu_lmdb_damaged(f, pgno, what, "root page %llu is outside pages 2 to %llu",
			(unsigned long long)db->root, (unsigned long long)f->last_pg);
	if (db->depth < 1 || db->depth > LF_MAX_DEPTH)
		return cu_lmdb_damaged(f, pgno, what, "depth %u is outside 1 to %u", db->depth, LF_MAX_DEPTH);
	if (db->branch_pages > most || db->leaf_pages > most || db->overflow_pages > most ||
	    db->branch_pages + db->leaf_pages + db->overflow_pages > most)
		return cu_lmdb_damaged(f, pgno, what, "its record claims more pages than the file's %llu",
			(unsigned long long)most);
	if (db->leaf_pages < 1 || db->branch_pages < db->depth - 1u || (db->depth == 1 && db->branch_pages))
		return cu_lmdb_damaged(f, pgno, what, "%llu branch and %llu leaf pages cannot make a tree of depth %u",
			(unsigned long long)db->branch_pages, (unsigned long long)db->leaf_pages, db->depth);
	if (db->entries < db->leaf_pages || db->entries / db->leaf_pages > f->psize / (LF_NODESIZE + 4))
		return cu_lmdb_damaged(f, pgno, what, "%llu entries cannot fill %llu leaf pages",
			(unsigned long long)db->entries, (unsigned long long)db->leaf_pages);
	return CUSTOS_OK;
}

int cu_lmdb_use_meta(cu_lmdb_file *f, const cu_lmdb_meta *m)
{
	uint16_t env = m->free.flags;
	int rc;

	f->psize = m->free.pad;
	f->txnid = m->txnid;
	if (!(env & CU_LMDB_INTEGERKEY) || (env & ~(CU_LMDB_INTEGERKEY | MDB_FIXEDMAP | MDB_NOSUBDIR)))
		return cu_lmdb_damaged(f, m->pgno, "meta page", "environment flags 0x%x are not LMDB's", env);
	if (m->last_pg < LF_NUM_METAS - 1 || m->last_pg >= MAX_FILE / f->psize)
		return cu_lmdb_damaged(f, m->pgno, "meta page", "last page %llu is impossible",
			(unsigned long long)m->last_pg);
	f->last_pg = m->last_pg;
	if (m->main.flags || m->main.pad)
		return cu_lmdb_damaged(f, m->pgno, "the main database", "its record has flags 0x%x: custos never sets any",
			m->main.flags);
	if ((rc = cu_lmdb_db_sane(f, &m->free, m->pgno, "the free list")))
		return rc;
	return cu_lmdb_db_sane(f, &m->main, m->pgno, "the main database");
}

int cu_lmdb_db_decode(cu_lmdb_db *db, const cu_lmdb_file *f, const cu_lmdb_rec *r)
{
	if ((r->flags & (CU_LMDB_F_SUBDATA | CU_LMDB_F_BIGDATA)) != CU_LMDB_F_SUBDATA || r->dsize != LF_DBSIZE)
		return cu_lmdb_damaged(f, r->leaf, "the main database", "a record of %llu bytes with flags 0x%x where a "
			"named database's record is expected", (unsigned long long)r->dsize, r->flags);
	decode_db(db, r->data);
	return CUSTOS_OK;
}

int cu_lmdb_read_data(const cu_lmdb_file *f, const cu_lmdb_rec *r, uint64_t off, void *buf, size_t n)
{
	if (off > r->dsize || n > r->dsize - off)
		return cu_err(CUSTOS_ERROR, "lmdb backend: a read of %zu bytes at %llu past a %llu-byte record", n,
			(unsigned long long)off, (unsigned long long)r->dsize);
	if (r->data) {
		memcpy(buf, r->data + off, n);
		return CUSTOS_OK;
	}
	return read_at(f, r->ovpage * f->psize + LF_PAGEHDRSZ + off, buf, n, r->ovpage, "overflow data");
}
