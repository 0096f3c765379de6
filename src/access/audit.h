/*
 * access/audit.h — the audit log inside the library, one room per job:
 *   audit_codec.c  an entry's record and its varint encoding; the layout of a stored block
 *   audit_queue.c  the queue of read entries, the flusher thread, the read-auditing modes
 *   audit_write.c  writing blocks, the head and checkpoints inside a write transaction
 *   audit_read.c   reading entries back, a page at a time
 *   usage.c        which operations each principal used on which day (for the review)
 *   verify.c       checking the whole log and the customers against it
 * Included by access/access.h; nothing outside access/ needs more than that header.
 */
#ifndef CU_ACCESS_AUDIT_H
#define CU_ACCESS_AUDIT_H

#include <pthread.h>

#include "custos/audit.h"
#include "model/core.h"
#include "model/meta.h"

struct custos_ctx;

/* ---- entries (audit_codec.c) ---- */

struct cu_audit_rec {
	uint8_t action;
	uint32_t actor, role;
	int64_t time_us;                 /* wall clock, microseconds since the epoch */
	uint64_t customer;
	uint32_t classes;
	int32_t result;
	uint32_t version, op, subject;
	unsigned char hash[32];
};
typedef struct cu_audit_rec cu_audit_rec;

/* A record for ctx's principal (none for NULL), now. */
void cu_audit_rec_init(cu_audit_rec *r, const struct custos_ctx *ctx, int action, uint32_t op);

/* A stored block, under key 'B' || sequence number of its last entry (u64 BE):
 *   format u8 || count u16 || first seq u64 || base time i64 || count x (entry || tag8) || hash32 */
#define CU_AUDIT_ENTRY_MAX 96   /* the longest encoded entry, with its length byte */
#define CU_AUDIT_BLOCK_HEAD 19
#define CU_AUDIT_BLOCK_FORMAT 2
/* Entries per block: a transaction writing more (a large batch) writes several blocks, each
 * with its own key, tags and chain link. The format allows 65,535. */
#define CU_AUDIT_BLOCK_MAX 16384
/* Encode an entry (times relative to base); its length. Decode one of n bytes. */
size_t cu_audit_encode(unsigned char e[CU_AUDIT_ENTRY_MAX], const cu_audit_rec *r, int64_t base);
int cu_audit_decode(cu_audit_rec *r, const unsigned char *e, size_t n, int64_t base);
/* Walking a stored block: open checks the header (-1 when damaged); next gives each entry's
 * bytes and tag (-1 when the next one does not fit); after count entries p must be end. */
typedef struct cu_audit_block {
	uint64_t first;
	size_t count;
	int64_t base;
	const unsigned char *p, *end;
} cu_audit_block;
int cu_audit_block_open(cu_audit_block *b, const unsigned char *v, size_t n);
int cu_audit_block_next(cu_audit_block *b, const unsigned char **e, size_t *elen, const unsigned char **tag);
/* The key of a block ('B') or checkpoint ('C') ending at seq. */
void cu_audit_key(unsigned char k[9], char kind, uint64_t seq);

/* ---- usage of operations, for the permission review (usage.c) ---- */

#define CU_USAGE_SLOTS 64
#define CU_USAGE_BATCH 16
/* What is known to be recorded already, per principal (by id modulo the slots) and day. */
typedef struct cu_usage {
	pthread_mutex_t mu;
	struct { uint32_t actor, day, ops; } slot[CU_USAGE_SLOTS];
} cu_usage;
/* What one transaction records: operations used per (principal, day). */
typedef struct cu_usage_batch {
	uint32_t actor[CU_USAGE_BATCH], ops[CU_USAGE_BATCH], day[CU_USAGE_BATCH];
	size_t n;
} cu_usage_batch;
void cu_usage_init(cu_usage *u);
void cu_usage_fini(cu_usage *u);
/* Add the operations of n entries not yet recorded to b (what does not fit waits for a
 * later transaction). */
void cu_usage_collect(cu_usage *u, const cu_audit_rec *recs, size_t n, cu_usage_batch *b);
/* In the transaction: update the principals' records. */
int cu_usage_write(cu_op *op, const cu_usage_batch *b);
/* After commit: remember what is recorded. */
void cu_usage_committed(cu_usage *u, const cu_usage_batch *b);

/* ---- the queue and the flusher (audit_queue.c) ---- */

typedef struct cu_audit cu_audit;

/* What a write transaction takes from the queue: a copy of the queued entries, which end
 * before queue number queue_to, and the count of dropped entries to record, which brings
 * the count the log holds to dropped_to. */
typedef struct cu_audit_take {
	cu_audit_rec *recs;             /* free with cu_free */
	size_t n;
	uint64_t queue_to;
	uint64_t dropped, dropped_to;
} cu_audit_take;

/* What a write transaction committed to the log, for the steps after commit: the queue
 * advances to queue_to and the dropped count recorded to dropped_to, whatever was queued
 * or dropped meanwhile. */
typedef struct cu_audit_commit {
	uint64_t queue_to, dropped_to;
	int checkpoint;
	uint64_t cp_seq;
	int64_t cp_time;
	unsigned char cp_hash[32], cp_sig[CU_SIGNATURE_BYTES];
	cu_usage_batch usage;
} cu_audit_commit;

int cu_audit_new(cu_audit **out, const custos_db_options *o, int readonly);
void cu_audit_free(cu_audit *a);
/* Start the flusher thread once the store is open (not for read-only stores); stop it
 * before the final commit at close. */
void cu_audit_start(cu_audit *a, cu_core *core);
void cu_audit_stop(cu_audit *a);
void cu_audit_set_callback(cu_audit *a, custos_checkpoint_fn fn, void *payload);
int cu_audit_reads_on(const cu_audit *a);
uint32_t cu_audit_checkpoint_every(const cu_audit *a);
cu_usage *cu_audit_usage(cu_audit *a);
/* Queue a read, find, list, count, denial or audit entry; may commit the queue. In
 * fail-closed mode a failure to commit is returned (the read must then be refused). */
int cu_audit_queue_entry(cu_core *core, const cu_audit_rec *r);
/* Inside a write transaction: what it writes of the queue (with entries 0: only the count
 * of dropped ones). */
int cu_audit_queue_take(cu_audit *a, cu_txn *txn, int entries, cu_audit_take *t);
/* Under the writer lock after commit: remove what was written from the queue. */
void cu_audit_committed(cu_core *core, cu_audit_commit *c);
/* With no lock: hand a new checkpoint to the host; CUSTOS_EUSER when its callback refused. */
int cu_audit_after(cu_core *core, const cu_audit_commit *c);
/* Commit the queue now (with a checkpoint when asked, and then the callback's refusal). */
int cu_audit_flush(cu_core *core, int checkpoint);
/* At close, the flusher stopped: commit the queue with a checkpoint. If that fails, the
 * queued entries are lost: they are counted as dropped, and the count not yet in the log
 * is kept in the store (cu_audit_write_lost) for the next commit, in this process or
 * another, to write. The commit's failure, or CUSTOS_EUSER when the callback refused the
 * final checkpoint. */
int cu_audit_close(cu_core *core);

/* ---- writing (audit_write.c) ---- */

/* Inside a write transaction: the queued entries, then recs, in blocks; then the usage
 * of operations, the head (with the transaction's digest delta: this must be the last write
 * of a sealed record in the transaction) and any checkpoint due. */
/* Upgrading a custos 0.1.0 store, in the transaction that brought its other metadata to
 * the current formats: its head (sequence number and chain hash) with the digest of the meta
 * and access records as they now stand. */
int cu_audit_head_upgrade(cu_op *op);
int cu_audit_write(cu_op *op, const cu_audit_rec *recs, size_t n, int force_checkpoint, cu_audit_commit *c);
/* The head: last sequence number, chain hash and the digest of the meta and access records
 * (model/meta.h) as of that entry. CUSTOS_ENOTFOUND (with the values of an empty log) before
 * the store's first transaction, CUSTOS_EAUTH when it does not authenticate. */
#define CU_AUDIT_HEAD_BYTES (8 + 32 + CU_SEAL_BYTES)
/* Inside a write transaction that cannot append to the log: add the dropped count not yet
 * recorded to the sealed meta record `audit_dropped`, and fold it into the head. The next
 * cu_audit_write() writes that count in a dropped entry and clears the record, in the same
 * transaction, so it is neither lost nor counted twice. */
int cu_audit_write_lost(cu_op *op, cu_audit_commit *c);
int cu_audit_head(cu_txn *t, const cu_keys *k, uint64_t *seq, unsigned char h[32], unsigned char digest[CU_SEAL_BYTES],
	const cu_audit_keys *ak);
int cu_audit_public_key(cu_core *core, unsigned char pk[CU_SIGN_PUBLIC_BYTES]);
/* CUSTOS_OK when sig is the store's signature of the checkpoint (seq, h, time), else
 * CUSTOS_EAUTH (no message). */
int cu_audit_check_signature(const cu_keys *k, uint64_t seq, const unsigned char h[32], int64_t time_us,
	const unsigned char sig[CU_SIGNATURE_BYTES]);

/* ---- reading (audit_read.c) ---- */

/* Check a stored block (key, val) as the one that must start at entry expect, after the
 * chain hash h: its key and place, every entry's tag (each entry, decoded, goes to fn, which
 * may be NULL, as soon as its tag verifies), its length and its hash, which h becomes (not
 * checked when h is NULL: the entries' tags alone).
 * CUSTOS_EAUTH with *bad the first bad entry and a message saying what is wrong; fn's code. */
typedef int (*cu_audit_entry_fn)(const cu_audit_rec *r, uint64_t seq, void *arg);
int cu_audit_block_check(const cu_audit_keys *ak, uint64_t expect, unsigned char h[32], const custos_val *key,
	const custos_val *val, cu_audit_entry_fn fn, void *arg, uint64_t *bad);
/* A reader's place in the log: the last entry handed out, and the last block checked
 * (entries before+1 to last) with the chain hashes before and after it; with bounded, it
 * reads no entry past upto. */
typedef struct cu_audit_reader {
	uint64_t after;
	uint64_t upto;
	int bounded;
	uint64_t before, last;
	unsigned char h_before[32], h_last[32];
	int known;
} cu_audit_reader;
/* The next entries after rd->after, in sequence order, into out (up to max), in one read
 * transaction; each block is checked first. On CUSTOS_EAUTH (the message names the first
 * bad entry) the entries before that one are still in out. rd->after is the caller's to
 * advance. */
int cu_audit_page(cu_core *core, cu_audit_reader *rd, cu_audit_rec *out, uint64_t *seqs, size_t max, size_t *count);
/* Bound rd at the last entry committed now. A head that does not authenticate leaves it
 * unbounded: reading the pages then says what is wrong where it is. */
int cu_audit_reader_bound(cu_core *core, cu_audit_reader *rd);

/* ---- verification (verify.c) ---- */

int cu_audit_verify(cu_core *core, uint64_t *first_bad, uint64_t anchor_seq, const unsigned char *anchor_hash);

#endif
