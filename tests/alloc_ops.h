/*
 * tests/alloc_ops.h — the public calls check_alloc runs under the allocation countdown:
 * for each, what to set up (unarmed), the call itself (armed), what to free afterwards
 * (unarmed) and how to tell that a successful call did its whole work.
 */
#ifndef CUSTOS_TEST_ALLOC_OPS_H
#define CUSTOS_TEST_ALLOC_OPS_H

#include "alloc_fixture.h"

#define T_BATCH 5
#define T_STRINGS 12
#define T_IDS (T_BATCH + T_FX_CUSTOMERS)

/* One run of one operation: what prepare found and what the call handed out. */
typedef struct t_call {
	t_fx *fx;
	long n;                      /* the countdown's N, for names that must be new */
	int rc;                      /* what the call returned (set before cleanup and check) */
	/* handles, from db to bufs: free_call() frees and clears them */
	custos_db *db;
	custos_backend *be;
	custos_ctx *ctx;
	custos_secret *secret;
	custos_customer *c;
	custos_customer *batch[T_BATCH];
	custos_iter *it;
	custos_schema *schema;
	custos_review *review;
	custos_audit_iter *audit;
	custos_event *ev;
	custos_event_iter *evit;
	custos_batch *wb;
	custos_history_iter *hit;
	custos_change *change;
	custos_buf bufs[T_STRINGS];
	uint64_t id, count, before, gaps, ids[T_IDS];
	uint32_t pid, flags;
	int scope, vis[CUSTOS_CLASS_COUNT];
	const char *from, *to;
	char name[32];
	unsigned char key[32], digest[32];
} t_call;

/* Flags of an operation. */
#define T_WRITE 0x1U   /* changes the store: a failure must leave every bucket as it was */
#define T_CLOSED 0x2U  /* opens or closes stores itself: runs with the fixture closed */
#define T_LMDB_ONLY 0x4U /* allocates on LMDB only (the memory backend's reads allocate nothing) */
#define T_BATCHES 0x8U   /* index work in batches: a failure may keep index entries (cleanup checks) */
#define T_DROPS 0x10U    /* a failure may keep the count of the read entries it lost (a meta record) */
#define T_LMDB_STORE 0x20U /* opens an LMDB store of its own: not run on the memory backend */

typedef struct t_op {
	const char *name;
	unsigned flags;
	long min_failures;              /* runs with an injected failure, at least (transient mode) */
	void (*prepare)(t_call *r);      /* unarmed, may be NULL */
	int (*call)(t_call *r);          /* armed: the public call(s) under test */
	void (*cleanup)(t_call *r);      /* unarmed, may be NULL: frees what call handed out */
	void (*check)(t_call *r);        /* unarmed, after a success, may be NULL */
} t_op;

extern const t_op t_ops[];
extern const size_t t_nops;

#endif
