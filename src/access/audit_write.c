/*
 * access/audit_write.c — appending to the log inside a write transaction: the block of the
 * transaction's entries with their tags and its chain link, the usage of operations, the
 * sealed head (last sequence number, chain hash, digest of the meta and access records),
 * and the signed checkpoints. Nothing here waits, queues or reads the log back.
 *
 * Each entry's tag is SipHash-2-4 of (seq || base time || entry), so an edited, moved or
 * copied entry is found exactly; blocks are chained with keyed BLAKE2b-256
 * (crypto/crypto.h), so without the keys nothing can be edited, added, removed, moved or
 * copied unnoticed. (A chain link per entry would cost four times as much per read.)
 * Checkpoints 'C' || seq hold (time, hash, Ed25519 signature) and go to the host's
 * callback, which keeps an anchor outside the store.
 */
#include <string.h>

#include "access/access.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/error.h"

#define CKP_MSG 56   /* "CUSCKP01" || seq u64 LE || hash 32 || time us i64 LE */

static const char K_HEAD[] = "audit_head";
static const char K_LOST[] = "audit_dropped";

/* ---- head and checkpoints ---- */

int cu_audit_head(cu_txn *t, const cu_keys *k, uint64_t *seq, unsigned char h[32], unsigned char digest[CU_SEAL_BYTES],
	const cu_audit_keys *ak)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(t, k, CU_B_META, K_HEAD, sizeof K_HEAD - 1, &b);

	*seq = 0;
	cu_audit_chain_start(h, ak, k);
	memset(digest, 0, CU_SEAL_BYTES);
	if (!rc && b.len != CU_AUDIT_HEAD_BYTES)
		rc = cu_err(CUSTOS_EAUTH, "the audit log's head record is damaged");
	if (!rc) {
		*seq = cu_get_u64le(b.p);
		memcpy(h, b.p + 8, 32);
		memcpy(digest, b.p + 40, CU_SEAL_BYTES);
	}
	cu_bytes_free(&b);
	return rc;
}

int cu_audit_head_upgrade(cu_op *op)
{
	unsigned char h[32], digest[CU_SEAL_BYTES], head[CU_AUDIT_HEAD_BYTES];
	cu_bytes b = CU_BYTES_INIT;
	cu_audit_keys ak;
	uint64_t seq = 0;
	int rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, K_HEAD, sizeof K_HEAD - 1, &b);

	cu_audit_keys_derive(&ak, op->core->keys);
	cu_audit_chain_start(h, &ak, op->core->keys);
	cu_audit_keys_wipe(&ak);
	if (!rc && b.len != 40)
		rc = cu_err(CUSTOS_EAUTH, "the audit log's head record of this custos 0.1.0 store is damaged");
	if (!rc) {
		seq = cu_get_u64le(b.p);
		memcpy(h, b.p + 8, 32);
	}
	cu_bytes_free(&b);
	if (rc && rc != CUSTOS_ENOTFOUND)
		return rc;
	/* The digest of everything the transaction holds now, from scratch: what it changed so
	 * far is counted in it, so its delta is spent. */
	if ((rc = cu_meta_digest(op->txn, op->core->keys, digest)))
		return rc;
	memset(op->txn->delta, 0, sizeof op->txn->delta);
	op->txn->delta_dirty = 0;
	cu_put_u64le(head, seq);
	memcpy(head + 8, h, 32);
	memcpy(head + 40, digest, CU_SEAL_BYTES);
	return cu_sealed_put_head(op->txn, op->core->keys, K_HEAD, sizeof K_HEAD - 1, head, sizeof head);
}

/* What a checkpoint signs; documented in custos/audit.h so hosts can check signatures
 * themselves. The key is the store's own, so the store needs no naming in the message. */
static void checkpoint_message(unsigned char m[CKP_MSG], uint64_t seq, const unsigned char h[32], int64_t time_us)
{
	memcpy(m, "CUSCKP01", 8);
	cu_put_u64le(m + 8, seq);
	memcpy(m + 16, h, 32);
	cu_put_u64le(m + 48, (uint64_t)time_us);
}

int cu_audit_public_key(cu_core *core, unsigned char pk[CU_SIGN_PUBLIC_BYTES])
{
	cu_audit_sign_public_key(pk, core->keys);
	return CUSTOS_OK;
}

int cu_audit_check_signature(const cu_keys *k, uint64_t seq, const unsigned char h[32], int64_t time_us,
	const unsigned char sig[CU_SIGNATURE_BYTES])
{
	unsigned char m[CKP_MSG];

	checkpoint_message(m, seq, h, time_us);
	return cu_audit_sign_check(k, sig, m, sizeof m);
}

static int write_checkpoint(cu_op *op, uint64_t seq, const unsigned char h[32], cu_audit_commit *c)
{
	unsigned char m[CKP_MSG], key[9], v[8 + 32 + CU_SIGNATURE_BYTES];

	c->checkpoint = 1;
	c->cp_seq = seq;
	c->cp_time = cu_clock_wall_us();
	memcpy(c->cp_hash, h, 32);
	checkpoint_message(m, seq, h, c->cp_time);
	cu_audit_sign(c->cp_sig, op->core->keys, m, sizeof m);
	cu_put_u64le(v, (uint64_t)c->cp_time);
	memcpy(v + 8, h, 32);
	memcpy(v + 40, c->cp_sig, CU_SIGNATURE_BYTES);
	cu_audit_key(key, 'C', seq);
	return cu_put(op->txn, CU_B_AUDIT, key, sizeof key, v, sizeof v);
}

/* ---- the count of lost entries kept across a close ---- */

static int lost_get(cu_op *op, uint64_t *n)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, K_LOST, sizeof K_LOST - 1, &b);

	*n = 0;
	if (rc == CUSTOS_ENOTFOUND)
		rc = CUSTOS_OK;
	else if (!rc && b.len != 8)
		rc = cu_err(CUSTOS_EAUTH, "the audit log's count of lost entries is damaged");
	else if (!rc)
		*n = cu_get_u64le(b.p);
	cu_bytes_free(&b);
	return rc;
}

static int lost_put(cu_op *op, uint64_t n)
{
	unsigned char v[8];

	cu_put_u64le(v, n);
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, K_LOST, sizeof K_LOST - 1, v, sizeof v);
}

/* The head after seq and h, with the transaction's digest delta folded in: the last write of
 * a sealed record in the transaction. */
static int head_put(cu_op *op, uint64_t seq, const unsigned char h[32], unsigned char digest[CU_SEAL_BYTES],
	int changed)
{
	unsigned char head[CU_AUDIT_HEAD_BYTES];

	if (!cu_meta_delta_fold(op->txn, digest) && !changed)
		return CUSTOS_OK;
	cu_put_u64le(head, seq);
	memcpy(head + 8, h, 32);
	memcpy(head + 40, digest, CU_SEAL_BYTES);
	return cu_sealed_put_head(op->txn, op->core->keys, K_HEAD, sizeof K_HEAD - 1, head, sizeof head);
}

int cu_audit_write_lost(cu_op *op, cu_audit_commit *c)
{
	unsigned char h[32], digest[CU_SEAL_BYTES];
	cu_audit_take q;
	cu_audit_keys key;
	uint64_t seq, kept;
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = cu_audit_queue_take(op->core->audit, op->txn, 0, &q)))
		return rc;
	c->queue_to = q.queue_to;
	c->dropped_to = q.dropped_to;
	if (!q.dropped)
		return CUSTOS_OK;
	cu_audit_keys_derive(&key, op->core->keys);
	if (!(rc = cu_audit_head(op->txn, op->core->keys, &seq, h, digest, &key)) && !(rc = lost_get(op, &kept)) &&
	    !(rc = lost_put(op, kept + q.dropped)))
		rc = head_put(op, seq, h, digest, 0);
	cu_audit_keys_wipe(&key);
	return rc;
}

/* ---- writing ---- */

/* The entries a transaction writes, in order: the count of dropped entries (if any), the
 * queued entries, then the transaction's own. */
typedef struct entries {
	cu_audit_rec dropped;
	const cu_audit_rec *part[3];
	size_t n[3], total;
} entries;

static const cu_audit_rec *entry_at(const entries *s, size_t i)
{
	for (int p = 0; p < 3; p++) {
		if (i < s->n[p])
			return &s->part[p][i];
		i -= s->n[p];
	}
	return NULL;
}

/* Append entries [from, from + count) as one block after seq and hash h; both advance. */
static int append_block(cu_op *op, const cu_audit_keys *key, const entries *s, size_t from, size_t count,
	uint64_t *seq, unsigned char h[32], cu_bytes *block)
{
	int64_t base = entry_at(s, from)->time_us;
	unsigned char bk[9];
	int rc;

	cu_bytes_reset(block);
	if ((rc = cu_bytes_reserve(block, CU_AUDIT_BLOCK_HEAD + count * (CU_AUDIT_ENTRY_MAX + CU_AUDIT_TAG_BYTES) + 32)))
		return rc;
	cu_bytes_append_u8(block, CU_AUDIT_BLOCK_FORMAT);
	cu_bytes_append_u16le(block, (uint16_t)count);
	cu_bytes_append_u64le(block, *seq + 1);
	cu_bytes_append_u64le(block, (uint64_t)base);
	for (size_t i = from; i < from + count; i++) {
		unsigned char *e = block->p + block->len;  /* reserved above */
		size_t en = cu_audit_encode(e, entry_at(s, i), base);
		cu_audit_tag(e + en, key, ++*seq, base, e, en);
		block->len += en + CU_AUDIT_TAG_BYTES;
	}
	cu_audit_chain_next(h, key, block->p, block->len);
	cu_bytes_append(block, h, 32);
	cu_audit_key(bk, 'B', *seq);
	return cu_put_flags(op->txn, CU_B_AUDIT, bk, sizeof bk, block->p, block->len, CUSTOS_PUT_APPEND);
}

int cu_audit_write(cu_op *op, const cu_audit_rec *recs, size_t n, int force_checkpoint, cu_audit_commit *c)
{
	cu_audit *a = op->core->audit;
	unsigned char h[32], digest[CU_SEAL_BYTES];
	cu_audit_take q;
	cu_audit_keys key;
	entries s;
	uint64_t seq, first, kept, lost, every = cu_audit_checkpoint_every(a);
	cu_bytes block = CU_BYTES_INIT;
	int rc;

	memset(c, 0, sizeof *c);
	memset(&s, 0, sizeof s);
	if ((rc = cu_audit_queue_take(a, op->txn, 1, &q)))
		return rc;
	/* Entries dropped by this process since its last commit, and by an earlier close. */
	if ((rc = lost_get(op, &kept))) {
		cu_free(q.recs);
		return rc;
	}
	lost = q.dropped + kept;
	if (lost) {
		cu_audit_rec_init(&s.dropped, NULL, CUSTOS_AUDIT_DROPPED, 0);
		s.dropped.version = lost > UINT32_MAX ? UINT32_MAX : (uint32_t)lost;
		s.part[0] = &s.dropped;
		s.n[0] = 1;
	}
	s.part[1] = q.recs;
	s.n[1] = q.n;
	s.part[2] = recs;
	s.n[2] = n;
	s.total = s.n[0] + q.n + n;
	for (int p = 0; p < 3; p++)
		cu_usage_collect(cu_audit_usage(a), s.part[p], s.n[p], &c->usage);
	c->queue_to = q.queue_to;
	c->dropped_to = q.dropped_to;
	if (s.total == 0 && !force_checkpoint && !op->txn->delta_dirty) {
		cu_free(q.recs);
		return CUSTOS_OK;
	}
	cu_audit_keys_derive(&key, op->core->keys);
	/* No head yet only in the transaction that creates the store. */
	rc = cu_audit_head(op->txn, op->core->keys, &seq, h, digest, &key);
	if ((rc && rc != CUSTOS_ENOTFOUND) || (s.total && (rc = cu_seals_log_ends(op->txn, seq))))
		goto out;
	rc = CUSTOS_OK;
	first = seq + 1;
	for (size_t from = 0; from < s.total && !rc; from += CU_AUDIT_BLOCK_MAX)
		rc = append_block(op, &key, &s, from, s.total - from < CU_AUDIT_BLOCK_MAX ? s.total - from :
			CU_AUDIT_BLOCK_MAX, &seq, h, &block);
	/* The kept count is now in the log (what one entry cannot hold stays kept); usage changes
	 * principal records: both before the head takes the transaction's digest. */
	if (rc || (kept && (rc = lost_put(op, lost - s.dropped.version))) || (rc = cu_usage_write(op, &c->usage)) ||
	    (rc = head_put(op, seq, h, digest, s.total != 0)))
		goto out;
	if (force_checkpoint || (s.total && (first - 1) / every != seq / every))
		rc = write_checkpoint(op, seq, h, c);
out:
	cu_audit_keys_wipe(&key);
	cu_bytes_free(&block);
	cu_free(q.recs);
	return rc;
}
