/*
 * tests/alloc_fixture.h — the store check_alloc runs each operation against: seeded once
 * per backend (memory, LMDB) and copied for each test, put back as seeded before every
 * run of the countdown, opened and closed around each run (a memory store outlives the
 * close in a kept backend), digested to prove that a failed call changed nothing, and
 * measured so its own growth is not taken for a leak.
 */
#ifndef CUSTOS_TEST_ALLOC_FIXTURE_H
#define CUSTOS_TEST_ALLOC_FIXTURE_H

#include "faults.h"
#include "support.h"

/* Seeded customers: ada (the admin's), bea and cai (bob's). */
#define T_FX_CUSTOMERS 3

typedef struct t_fx {
	int lmdb;                 /* 0: memory backend, 1: LMDB */
	char dir[256];            /* LMDB: the temporary directory holding store/ */
	char path[300];           /* LMDB: DIR/store */
	char uri[310];            /* LMDB: lmdb:DIR/store */
	char copy[310];           /* LMDB: the data file of the seeded store */
	custos_backend *kept;     /* memory: the backend the store lives in, outliving every close */
	custos_backend *seeded;   /* memory: the seeded store (borrowed) */
	int prepared;             /* memory: buckets declared in `kept` */
	unsigned char key[32];    /* the store's master key (re-keying changes it) */
	custos_db *db;            /* open between t_fx_open() and t_fx_close() */
	custos_ctx *ctx;          /* the admin's context */
	custos_backend *be;       /* db's backend while open */
	long checkpoints;         /* checkpoints handed to the callback */
	uint64_t ids[T_FX_CUSTOMERS];
} t_fx;

/* Bucket masks for t_fx_digest(). */
#define T_FX_ALL ((1U << T_B_COUNT) - 1)
#define T_FX_CUSTOMERS_ONLY (1U << T_B_CUSTOMERS)

/* The options every open of the fixture uses: small blind indexes, durability normal,
 * and a read-audit age limit of an hour, so the flusher thread sleeps through a test (it
 * allocates only when it commits) and the live-allocation counts are exact; queued reads
 * are committed on the test's thread, by writes, flushes, verification and close. */
void t_fx_options(custos_db_options *o);

/* Make the seeded stores, one per backend, before the tests fork (an unchecked fixture),
 * and remove them after. */
void t_fx_seed(void);
void t_fx_unseed(void);
/* A store of the test's own, a copy of the seeded one (left closed). */
void t_fx_create(t_fx *fx, int lmdb);
/* Put the store back as it was seeded (it must be closed), so every run starts alike
 * and the audit log does not grow from run to run. */
void t_fx_reset(t_fx *fx);
void t_fx_destroy(t_fx *fx);
/* Open the store as the admin (asserting it opens), counting checkpoints. */
void t_fx_open(t_fx *fx);
void t_fx_close(t_fx *fx);
/* The store's secret, owned by the caller. */
custos_secret *t_fx_secret(const t_fx *fx);
/* A backend holding the store, for a custos_db_open_backend(): memory, a new wrapper of the
 * kept one; LMDB, a new backend on the path, opened with `flags` (CUSTOS_OPEN_*). The
 * caller owns it until a store takes it. */
custos_backend *t_fx_backend(t_fx *fx, unsigned flags);
/* Assert the store's audit log verifies through ctx. */
void t_fx_verify(custos_ctx *ctx);
/* Copy a file (a store's data file). */
void t_fx_copy_file(const char *to, const char *from);
/* BLAKE2b of every key and value of the buckets in mask, whether the store is open or not. */
void t_fx_digest(t_fx *fx, unsigned mask, unsigned char out[32]);

/* Heap allocations that hold the store's data (a memory store lives on the heap; an LMDB
 * store in its file), for leak checks that must not count a store's growth. The store
 * must be closed. */
t_live t_fx_held(t_fx *fx);

#endif
