/*
 * backends/lmdb/file.h — LMDB's data file read with pread, never through LMDB's map: meta
 * pages, tree pages, nodes and overflow runs, each bounds-checked before anything is
 * followed. The layout is LMDB 0.9's (libraries/liblmdb/mdb.c: MDB_page, MDB_meta, MDB_db,
 * MDB_node) in this host's word size and byte order, which is how LMDB writes it. It only
 * reads; what to check when is check.c's business.
 */
#ifndef CU_LMDB_FILE_H
#define CU_LMDB_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

/* LMDB 0.9's layout on this host. */
#define LF_WORD sizeof(size_t)          /* pgno_t, size_t and txnid_t */
#define LF_PAGEHDRSZ (LF_WORD + 8)      /* mp_pgno, mp_pad, mp_flags, mp_lower (or mp_pages), mp_upper */
#define LF_NODESIZE 8u                  /* mn_lo, mn_hi, mn_flags, mn_ksize */
#define LF_DBSIZE (8 + 5 * LF_WORD)     /* MDB_db */
#define LF_NUM_METAS 2u
#define LF_MAX_DEPTH 32u                /* LMDB's cursor stack */
#define LF_MAX_KEY 511u                 /* MDB_MAXKEYSIZE */
#define LF_P_BRANCH 0x01u
#define LF_P_LEAF 0x02u
#define LF_P_OVERFLOW 0x04u
#define LF_P_META 0x08u
#define LF_F_DUPDATA 0x04u

/* P_INVALID: the root of an empty database. */
#define CU_LMDB_NO_PAGE ((uint64_t)SIZE_MAX)

/* Leaf node flags (mn_flags). */
#define CU_LMDB_F_BIGDATA 0x01   /* the data is on overflow pages */
#define CU_LMDB_F_SUBDATA 0x02   /* the data is a named database's MDB_db */

/* Environment flags LMDB keeps in mm_dbs[FREE_DBI].md_flags. */
#define CU_LMDB_INTEGERKEY 0x08

/* An MDB_db record: the free list, the main database or a named database. */
typedef struct cu_lmdb_db {
	uint32_t pad;            /* the page size, for the free list */
	uint16_t flags;
	uint16_t depth;
	uint64_t branch_pages;
	uint64_t leaf_pages;
	uint64_t overflow_pages;
	uint64_t entries;
	uint64_t root;
} cu_lmdb_db;

/* An MDB_meta: the start of one snapshot. */
typedef struct cu_lmdb_meta {
	uint64_t pgno;           /* 0 or 1 */
	uint32_t magic;
	uint32_t version;
	cu_lmdb_db free;         /* free.pad is the page size, free.flags the environment's */
	cu_lmdb_db main;
	uint64_t last_pg;
	uint64_t txnid;
} cu_lmdb_meta;

/* The file, and the snapshot being read. */
typedef struct cu_lmdb_file {
	int fd;
	const char *dir;         /* the environment's directory, for messages */
	uint64_t size;           /* bytes, when opened */
	uint32_t psize;
	uint64_t last_pg;        /* of the snapshot's meta page */
	uint64_t txnid;
	unsigned char *seen;     /* one bit a page, 0 to last_pg, to find pages reached twice; or NULL */
	unsigned char *tail;     /* one bit a missing page past the end of the file; or NULL */
	uint64_t tail_first;     /* the first missing page */
} cu_lmdb_file;

/* A leaf record handed to a walk's callback. Inline data points into a page buffer that
 * lives until the callback returns. */
typedef struct cu_lmdb_rec {
	const unsigned char *key;
	size_t klen;
	unsigned flags;           /* CU_LMDB_F_* */
	const unsigned char *data; /* inline data, or NULL when it is on overflow pages */
	uint64_t dsize;
	uint64_t ovpage;          /* the first overflow page when data is NULL */
	uint64_t leaf;            /* the page holding the record, for messages */
} cu_lmdb_rec;

typedef int (*cu_lmdb_rec_fn)(cu_lmdb_file *f, const cu_lmdb_rec *r, void *arg);

/* Walk modes. */
#define CU_LMDB_WALK_EDGES 0x0    /* the root and the pages down to the first and the last key */
#define CU_LMDB_WALK_WHOLE 0x1    /* every page, counts compared with the record */
#define CU_LMDB_WALK_INTKEYS 0x2  /* keys are native size_t (the free list) */

/* Fields in this host's byte order, read without alignment. */
static inline uint16_t lf_get16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint32_t lf_get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t lf_getw(const unsigned char *p)
{
	size_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Open DIR/data.mdb read-only. *missing is set (and CUSTOS_OK returned) when it does not exist. */
int cu_lmdb_file_open(cu_lmdb_file *f, const char *dir, int *missing);
void cu_lmdb_file_close(cu_lmdb_file *f);

/* Read both meta pages and check what LMDB checks of each (flags, magic, version) and the
 * page size. CUSTOS_ECORRUPT names the page and the fault. */
int cu_lmdb_read_metas(cu_lmdb_file *f, cu_lmdb_meta m[2]);
/* Check every field of the meta page a snapshot starts from, and read by it from now on:
 * sets f->psize, f->last_pg and f->txnid. */
int cu_lmdb_use_meta(cu_lmdb_file *f, const cu_lmdb_meta *m);
/* Check that an MDB_db record found in page `pgno` (what names it) fits the snapshot. */
int cu_lmdb_db_sane(const cu_lmdb_file *f, const cu_lmdb_db *db, uint64_t pgno, const char *what);
/* Decode the 48-byte (64-bit hosts) MDB_db of a named database's record. */
int cu_lmdb_db_decode(cu_lmdb_db *db, const cu_lmdb_file *f, const cu_lmdb_rec *r);

/* Walk a database: check its pages (mode CU_LMDB_WALK_*), calling fn on every record of
 * every leaf reached (fn may be NULL). */
int cu_lmdb_walk(cu_lmdb_file *f, const char *what, const cu_lmdb_db *db, unsigned mode, cu_lmdb_rec_fn fn,
	void *arg);
/* Read n bytes of a record's data at off (inline or on its overflow pages). */
int cu_lmdb_read_data(const cu_lmdb_file *f, const cu_lmdb_rec *r, uint64_t off, void *buf, size_t n);
/* Read page pgno of the snapshot into buf (psize bytes): CUSTOS_ECORRUPT if it lies outside
 * the snapshot or past the end of the file; marks it reached. */
int cu_lmdb_read_page(cu_lmdb_file *f, uint64_t pgno, unsigned char *buf, const char *what);
/* Read the header (LF_PAGEHDRSZ bytes) of page pgno, with the checks of cu_lmdb_read_page. */
int cu_lmdb_read_header(const cu_lmdb_file *f, uint64_t pgno, unsigned char *buf, const char *what);
/* Check that a run of pages lies in the snapshot and the file, and mark each reached. */
int cu_lmdb_claim_run(cu_lmdb_file *f, uint64_t pgno, uint64_t pages, const char *what);
/* Mark a page as reached; CUSTOS_ECORRUPT if it was reached before. why names the user. */
int cu_lmdb_mark(cu_lmdb_file *f, uint64_t pgno, const char *why);

/* Set CUSTOS_ECORRUPT with "'DIR/data.mdb' is damaged: page N (what): ...". pgno may be
 * CU_LMDB_NO_PAGE and what NULL. */
int cu_lmdb_damaged(const cu_lmdb_file *f, uint64_t pgno, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
