/*
 * backends/lmdb/check.h — what the LMDB backend checks of its data file, with pread and
 * without trusting it, before LMDB maps or follows it (check.c). lmdb.c calls these; they
 * never call LMDB.
 */
#ifndef CU_LMDB_CHECK_H
#define CU_LMDB_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Returned (positive; the message is set, as CUSTOS_EBUSY) when a writer replaced the
 * snapshot's meta page before it was read: begin a new transaction and check again. */
#define CU_LMDB_RETRY 1

/* Pages cu_lmdb_validate() checks whole, smallest database first (check.c says why
 * 4096). Tests lower it so that damage reaches the check method instead of the open. */
extern uint64_t cu_lmdb_open_budget;

/* The most buckets a store declares (LMDB's maxdbs for the environment). */
#define CU_LMDB_MAX_BUCKETS 32

/* Before mdb_env_open: both meta pages, the one LMDB will use, and the file's size. A
 * missing or empty data file passes: LMDB initialises it. */
int cu_lmdb_precheck(const char *dir);

/* In a transaction on snapshot txnid, before LMDB follows it: the meta page, the file's
 * size, the main database, then the free list and each named database in `names`, whole
 * while a budget of pages lasts (smallest first); after it, the root and the pages down to
 * the first and the last key (custos reads the audit log's newest block at open). found[i]
 * says whether names[i] exists; *foreign that the main database holds something else
 * (another program's data). At most CU_LMDB_MAX_BUCKETS names. */
int cu_lmdb_validate(const char *dir, uint64_t txnid, const char *const *names, size_t count, unsigned char *found,
	int *foreign);

/* The backend's check method: every page of snapshot txnid, each reached exactly once. */
int cu_lmdb_check_file(const char *dir, uint64_t txnid);

#endif
