/*
 * access/audit.c — the tamper-evident audit log.
 *
 * Entries (no personal data; about 14 bytes for a read, 50 for a write) are stored in
 * blocks, one block per write transaction, under key 'B' ‖ sequence number of the block's
 * last entry (u64 BE):
 *   format u8 ‖ count u16 ‖ first seq u64 ‖ base time i64 ‖ count × (entry ‖ tag8) ‖ hash32
 * Each entry's tag is SipHash-2-4 of (seq ‖ base time ‖ entry), so an edited, moved or
 * copied entry is found exactly; the blocks are chained with keyed BLAKE2b-256 (keys
 * derived from the keyring's audit root):
 *   h0 = H("CUSAUD00" ‖ store id),  hb = H("CUSAUD02" ‖ hb-1 ‖ block b up to its hash)
 * so without the keys nothing can be edited, added, removed, moved or copied unnoticed.
 * (A chain link per entry costs four times as much per read.) The store's head (last seq
 * and hash) is a sealed meta record. Checkpoints 'C' ‖ seq hold (time, hash, Ed25519 signature) and go to the
 * host's callback, which keeps an anchor outside the store.
 *
 * Reads and denials are queued and committed in batches (group commit): by a flusher thread
 * once the queue holds a batch or its oldest entry reaches the maximum age, by the next
 * write (which takes the queue into its own transaction), by custos_audit_flush() and at
 * close. A reader whose entry finds the queue full (the flusher behind or failing) commits
 * it itself, and so does every reader in fail-closed mode after a commit failed: that is
 * where "refused" comes from. Without the thread (pthread_create failed) readers commit
 * due batches themselves.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "access/access.h"
#include "model/meta.h"
#include "util/alloc.h"
#include "util/error.h"

#define TAG_BYTES CU_AUDIT_TAG_BYTES
#define BLOCK_FORMAT 2
#define BLOCK_HEAD CU_AUDIT_BLOCK_HEAD
#define MAX_BLOCK 65535
#define USAGE_SLOTS 64
#define CKP_MSG 56   /* "CUSCKP01" ‖ seq u64 LE ‖ hash 32 ‖ time µs i64 LE */

static const char K_HEAD[] = "audit_head";

typedef struct usage_slot { uint32_t actor, day, ops; } usage_slot;

struct cu_audit {
	pthread_mutex_t mu;
	pthread_cond_t wake;      /* the flusher waits on it (CLOCK_MONOTONIC) */
	pthread_t thread;
	int thread_on, stop;
	unsigned long fork_gen;   /* a child after fork() has no flusher and writes nothing */
	cu_core *core;
	cu_audit_rec *q;
	size_t n, cap;
	int64_t oldest_us;
	int failed;               /* the last commit of the queue failed */
	uint32_t reads, batch, max_age_ms, every;
	uint64_t dropped;
	int readonly;
	custos_checkpoint_fn fn;
	void *payload;
	usage_slot usage[USAGE_SLOTS];
};

#define QUEUE_BATCHES 4   /* the queue holds this many batches before readers commit it */

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---- state ---- */

int cu_audit_new(cu_audit **out, const custos_db_options *o, int readonly)
{
	cu_audit *a = cu_calloc(1, sizeof *a);
	pthread_condattr_t ca;

	if (!a)
		return cu_err_oom();
	a->reads = o ? o->audit_reads : CUSTOS_AUDIT_READS_FAIL_CLOSED;
	a->batch = o && o->audit_batch ? o->audit_batch : 2048;
	a->max_age_ms = o && o->audit_max_age_ms ? o->audit_max_age_ms : 1000;
	a->every = o && o->checkpoint_every ? o->checkpoint_every : 1000;
	a->readonly = readonly;
	a->cap = (size_t)a->batch * QUEUE_BATCHES;
	if (!(a->q = cu_calloc(a->cap, sizeof *a->q))) {
		cu_free(a);
		return cu_err_oom();
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->wake, &ca);
	pthread_condattr_destroy(&ca);
	a->fork_gen = cu_fork_generation();
	*out = a;
	return CUSTOS_OK;
}

static int forked(const cu_audit *a)
{
	return a->fork_gen != cu_fork_generation();
}

void cu_audit_stop(cu_audit *a)
{
	if (!a || !a->thread_on || forked(a))
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	a->thread_on = 0;
}

void cu_audit_free(cu_audit *a)
{
	if (!a)
		return;
	cu_audit_stop(a);
	if (!forked(a)) {  /* in a child the flusher may have held them: leave them be */
		pthread_cond_destroy(&a->wake);
		pthread_mutex_destroy(&a->mu);
	}
	cu_free(a->q);
	cu_free(a);
}

void cu_audit_set_callback(cu_audit *a, custos_checkpoint_fn fn, void *payload)
{
	pthread_mutex_lock(&a->mu);
	a->fn = fn;
	a->payload = payload;
	pthread_mutex_unlock(&a->mu);
}

int cu_audit_reads_on(const cu_audit *a)
{
	return a->reads != CUSTOS_AUDIT_READS_OFF && !a->readonly;
}

void cu_audit_rec_init(cu_audit_rec *r, const custos_ctx *ctx, int action, uint32_t op)
{
	memset(r, 0, sizeof *r);
	r->action = (uint8_t)action;
	r->actor = ctx ? ctx->who.id : 0;
	r->role = ctx ? ctx->role.id : 0;
	r->time_us = now_us();
	r->op = op;
}

/* ---- encoding and the chain ---- */

/* Entries are variable-length: a length byte, the action, a byte of flags saying which
 * optional fields follow, then LEB128 varints (signed ones zigzag-encoded). Times are
 * relative to the block's base time. A read's entry is about 14 bytes. */
enum {
	F_CUSTOMER = 0x01, F_CLASSES = 0x02, F_RESULT = 0x04, F_VERSION = 0x08, F_OP = 0x10, F_SUBJECT = 0x20,
	F_HASH = 0x40,
};

static size_t put_var(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static int get_var(const unsigned char **p, const unsigned char *end, uint64_t *v, uint64_t max)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		x |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return x <= max ? 0 : -1;
		}
	}
	return -1;
}

static uint64_t zig(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzig(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

size_t cu_audit_encode(unsigned char e[CU_AUDIT_ENTRY_MAX], const cu_audit_rec *r, int64_t base)
{
	size_t n = 3;
	unsigned char f = 0;

	e[1] = r->action;
	n += put_var(e + n, r->actor);
	n += put_var(e + n, r->role);
	n += put_var(e + n, zig(r->time_us - base));
	if (r->customer)
		f |= F_CUSTOMER, n += put_var(e + n, r->customer);
	if (r->classes)
		f |= F_CLASSES, n += put_var(e + n, r->classes);
	if (r->result)
		f |= F_RESULT, n += put_var(e + n, zig(r->result));
	if (r->version)
		f |= F_VERSION, n += put_var(e + n, r->version);
	if (r->op)
		f |= F_OP, n += put_var(e + n, r->op);
	if (r->subject)
		f |= F_SUBJECT, n += put_var(e + n, r->subject);
	if (!sodium_is_zero(r->hash, 32)) {
		f |= F_HASH;
		memcpy(e + n, r->hash, 32);
		n += 32;
	}
	e[0] = (unsigned char)n;
	e[2] = f;
	return n;
}

int cu_audit_decode(cu_audit_rec *r, const unsigned char *e, size_t n, int64_t base)
{
	const unsigned char *p = e + 3, *end = e + n;
	uint64_t v;
	unsigned char f;

	if (n < 6 || e[0] != n || e[1] < CUSTOS_AUDIT_CREATE || e[1] > CUSTOS_AUDIT_DROPPED || (e[2] & 0x80))
		return CUSTOS_EAUTH;
	memset(r, 0, sizeof *r);
	r->action = e[1];
	f = e[2];
#define VAR(field, max) do { if (get_var(&p, end, &v, (max))) return CUSTOS_EAUTH; (field) = v; } while (0)
	VAR(r->actor, UINT32_MAX);
	VAR(r->role, UINT32_MAX);
	if (get_var(&p, end, &v, UINT64_MAX))
		return CUSTOS_EAUTH;
	r->time_us = base + unzig(v);
	if (f & F_CUSTOMER)
		VAR(r->customer, UINT64_MAX);
	if (f & F_CLASSES)
		VAR(r->classes, UINT32_MAX);
	if (f & F_RESULT) {
		if (get_var(&p, end, &v, UINT32_MAX))
			return CUSTOS_EAUTH;
		r->result = (int32_t)unzig(v);
	}
	if (f & F_VERSION)
		VAR(r->version, UINT32_MAX);
	if (f & F_OP)
		VAR(r->op, UINT32_MAX);
	if (f & F_SUBJECT)
		VAR(r->subject, UINT32_MAX);
#undef VAR
	if (f & F_HASH) {
		if (end - p < 32)
			return CUSTOS_EAUTH;
		memcpy(r->hash, p, 32);
		p += 32;
	}
	return p == end ? CUSTOS_OK : CUSTOS_EAUTH;
}

int cu_audit_block_open(cu_audit_block *b, const unsigned char *v, size_t n)
{
	if (n < BLOCK_HEAD + 32 || v[0] != BLOCK_FORMAT)
		return -1;
	b->count = cu_get_u16le(v + 1);
	b->first = cu_get_u64le(v + 3);
	b->base = (int64_t)cu_get_u64le(v + 11);
	b->p = v + BLOCK_HEAD;
	b->end = v + n - 32;
	return b->count ? 0 : -1;
}

int cu_audit_block_next(cu_audit_block *b, const unsigned char **e, size_t *elen, const unsigned char **tag)
{
	size_t n;

	if (b->p >= b->end)
		return -1;
	n = b->p[0];
	if (n < 6 || (size_t)(b->end - b->p) < n + TAG_BYTES)
		return -1;
	*e = b->p;
	*elen = n;
	*tag = b->p + n;
	b->p += n + TAG_BYTES;
	return 0;
}

void cu_audit_keys_init(cu_audit_keys *ak, const cu_keys *keys)
{
	unsigned char k[CU_KEY_BYTES];

	crypto_kdf_derive_from_key(k, CU_KEY_BYTES, 1, "CUSAUDIT", keys->audit_root);
	cu_mac_init(&ak->chain, k);
	sodium_memzero(k, sizeof k);
	crypto_kdf_derive_from_key(ak->tag, sizeof ak->tag, 3, "CUSAUDIT", keys->audit_root);
}

void cu_audit_keys_wipe(cu_audit_keys *ak)
{
	sodium_memzero(ak, sizeof *ak);
}

/* Hashes start from a copy of the keyed state, so the key is absorbed once per flush. */
void cu_audit_chain_start(unsigned char h[32], const cu_audit_keys *ak, const cu_keys *keys)
{
	cu_mac_state st = ak->chain;

	cu_mac_update(&st, "CUSAUD00", 8);
	cu_mac_update(&st, keys->store_id, CU_STORE_ID_BYTES);
	cu_mac_final(&st, h);
}

void cu_audit_entry_tag(unsigned char tag[CU_AUDIT_TAG_BYTES], const cu_audit_keys *ak, uint64_t seq,
	int64_t base, const unsigned char *entry, size_t n)
{
	unsigned char m[16 + CU_AUDIT_ENTRY_MAX];

	cu_put_u64le(m, seq);
	cu_put_u64le(m + 8, (uint64_t)base);
	memcpy(m + 16, entry, n);
	crypto_shorthash_siphash24(tag, m, 16 + n, ak->tag);
}

void cu_audit_block_hash(unsigned char h[32], const cu_audit_keys *ak, const unsigned char *block, size_t n)
{
	cu_mac_state st = ak->chain;

	cu_mac_update(&st, "CUSAUD02", 8);
	cu_mac_update(&st, h, 32);
	cu_mac_update(&st, block, n);
	cu_mac_final(&st, h);
}

static void block_key(unsigned char k[9], char kind, uint64_t seq)
{
	k[0] = (unsigned char)kind;
	cu_put_u64be(k + 1, seq);
}

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

static void sign_seed(unsigned char seed[32], const cu_keys *k)
{
	crypto_kdf_derive_from_key(seed, 32, 2, "CUSAUDIT", k->audit_root);
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

int cu_audit_public_key(cu_core *core, unsigned char pk[32])
{
	unsigned char seed[32], sk[64];

	sign_seed(seed, core->keys);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	return CUSTOS_OK;
}

int cu_audit_check_signature(const cu_keys *k, uint64_t seq, const unsigned char h[32], int64_t time_us,
	const unsigned char sig[64])
{
	unsigned char seed[32], pk[32], sk[64], m[CKP_MSG];
	int ok;

	sign_seed(seed, k);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	checkpoint_message(m, seq, h, time_us);
	ok = crypto_sign_verify_detached(sig, m, sizeof m, pk) == 0;
	return ok ? CUSTOS_OK : CUSTOS_EAUTH;
}

static int write_checkpoint(cu_op *op, uint64_t seq, const unsigned char h[32], cu_audit_commit *c)
{
	unsigned char seed[32], pk[32], sk[64], m[CKP_MSG], key[9], v[8 + 32 + 64];

	c->checkpoint = 1;
	c->cp_seq = seq;
	c->cp_time = now_us();
	memcpy(c->cp_hash, h, 32);
	checkpoint_message(m, seq, h, c->cp_time);
	sign_seed(seed, op->core->keys);
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(c->cp_sig, NULL, m, sizeof m, sk);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	cu_put_u64le(v, (uint64_t)c->cp_time);
	memcpy(v + 8, h, 32);
	memcpy(v + 40, c->cp_sig, 64);
	block_key(key, 'C', seq);
	return cu_put(op->txn, CU_B_AUDIT, key, sizeof key, v, sizeof v);
}

/* ---- usage of operations, for the permission review ---- */

/* Which (actor, day) pairs have operations not yet recorded today? Collected under the
 * queue's lock from the cache; written in the transaction; cached after commit. */
static void usage_collect(const usage_slot *usage, const cu_audit_rec *recs, size_t n, cu_audit_commit *c)
{
	for (size_t i = 0; i < n; i++) {
		const cu_audit_rec *r = &recs[i];
		uint32_t day = (uint32_t)(r->time_us / 86400000000LL), slot = r->actor % USAGE_SLOTS, ops;
		size_t j;
		if (!r->actor || r->result != CUSTOS_OK || !r->op)
			continue;
		ops = r->op;
		if (usage[slot].actor == r->actor && usage[slot].day == day)
			ops &= ~usage[slot].ops;
		if (!ops)
			continue;
		for (j = 0; j < c->nusage; j++)
			if (c->usage_actor[j] == r->actor && c->usage_day[j] == day)
				break;
		if (j == c->nusage) {
			if (c->nusage == 16)
				continue;  /* recorded by a later commit */
			c->usage_actor[j] = r->actor;
			c->usage_day[j] = day;
			c->usage_ops[j] = 0;
			c->nusage++;
		}
		c->usage_ops[j] |= ops;
	}
}

static int usage_write(cu_op *op, const cu_audit_commit *c)
{
	for (size_t j = 0; j < c->nusage; j++) {
		cu_principal p;
		int rc = cu_principal_get_id(op->txn, op->core->keys, c->usage_actor[j], &p);
		if (rc == CUSTOS_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		for (int b = 0; b < CU_OPS; b++)
			if (c->usage_ops[j] & (1U << b))
				p.used_day[b] = (uint16_t)c->usage_day[j];
		if (c->usage_day[j] > p.last_day)
			p.last_day = c->usage_day[j];
		if ((rc = cu_principal_put(op, &p)))
			return rc;
	}
	return CUSTOS_OK;
}

/* ---- writing ---- */

int cu_audit_write(cu_op *op, const cu_audit_rec *recs, size_t n, int force_checkpoint, cu_audit_commit *c)
{
	cu_audit *a = op->core->audit;
	unsigned char h[32], bk[9], head[CU_AUDIT_HEAD_BYTES], digest[CU_SEAL_BYTES];
	cu_audit_keys key;
	cu_audit_rec *all = NULL, dropped;
	usage_slot usage[USAGE_SLOTS];
	size_t k, total, extra;
	uint64_t seq, first;
	cu_bytes block = CU_BYTES_INIT;
	int rc;

	memset(c, 0, sizeof *c);
	pthread_mutex_lock(&a->mu);
	/* Earlier writes of this transaction's group took the queue's first entries. */
	k = a->n > op->txn->audit_taken ? a->n - op->txn->audit_taken : 0;
	extra = a->dropped && !op->txn->audit_dropped_taken ? 1 : 0;
	total = k + n + extra;
	if (total > MAX_BLOCK)
		k = MAX_BLOCK - n - extra;
	total = k + n + extra;
	if (total && !(all = cu_malloc(total * sizeof *all))) {
		pthread_mutex_unlock(&a->mu);
		return cu_err_oom();
	}
	if (extra) {
		cu_audit_rec_init(&dropped, NULL, CUSTOS_AUDIT_DROPPED, 0);
		dropped.version = a->dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)a->dropped;
		all[0] = dropped;
	}
	if (k)
		memcpy(all + extra, a->q + op->txn->audit_taken, k * sizeof *all);
	if (n)
		memcpy(all + extra + k, recs, n * sizeof *all);
	memcpy(usage, a->usage, sizeof usage);
	pthread_mutex_unlock(&a->mu);
	usage_collect(usage, all, total, c);  /* outside the lock: readers keep queueing */
	c->taken = k;
	op->txn->audit_taken += k;
	op->txn->audit_dropped_taken |= extra;
	if (total == 0 && !force_checkpoint && !op->txn->delta_dirty)
		return CUSTOS_OK;
	cu_audit_keys_init(&key, op->core->keys);
	/* No head yet only in the transaction that creates the store. */
	rc = cu_audit_head(op->txn, op->core->keys, &seq, h, digest, &key);
	if ((rc && rc != CUSTOS_ENOTFOUND) || (total && (rc = cu_seals_log_ends(op->txn, seq))))
		goto out;
	first = seq + 1;
	if (total) {
		int64_t base = all[0].time_us;
		if ((rc = cu_bytes_reserve(&block, BLOCK_HEAD + total * (CU_AUDIT_ENTRY_MAX + TAG_BYTES) + 32)))
			goto out;
		cu_bytes_append_u8(&block, BLOCK_FORMAT);
		cu_bytes_append_u16le(&block, (uint16_t)total);
		cu_bytes_append_u64le(&block, first);
		cu_bytes_append_u64le(&block, (uint64_t)base);
		for (size_t i = 0; i < total; i++) {
			unsigned char *e = block.p + block.len;  /* reserved above */
			size_t en = cu_audit_encode(e, &all[i], base);
			cu_audit_entry_tag(e + en, &key, ++seq, base, e, en);
			block.len += en + TAG_BYTES;
		}
		cu_audit_block_hash(h, &key, block.p, block.len);
		cu_bytes_append(&block, h, 32);
		block_key(bk, 'B', seq);
		if ((rc = cu_put_flags(op->txn, CU_B_AUDIT, bk, sizeof bk, block.p, block.len, CUSTOS_PUT_APPEND)))
			goto out;
	}
	/* Usage changes principal records: before the head takes the transaction's digest. */
	if ((rc = usage_write(op, c)))
		goto out;
	if (cu_meta_delta_fold(op->txn, digest) || total) {
		cu_put_u64le(head, seq);
		memcpy(head + 8, h, 32);
		memcpy(head + 40, digest, CU_SEAL_BYTES);
		if ((rc = cu_sealed_put_head(op->txn, op->core->keys, K_HEAD, sizeof K_HEAD - 1, head, sizeof head)))
			goto out;
	}
	if (force_checkpoint || (total && (first - 1) / a->every != seq / a->every))
		rc = write_checkpoint(op, seq, h, c);
out:
	cu_audit_keys_wipe(&key);
	cu_bytes_free(&block);
	cu_free(all);
	c->dropped_written = extra && !rc;
	return rc;
}

void cu_audit_committed(cu_core *core, cu_audit_commit *c)
{
	cu_audit *a = core->audit;
	size_t k = c->taken;

	pthread_mutex_lock(&a->mu);
	a->failed = 0;
	if (c->dropped_written)
		a->dropped = 0;
	if (k > a->n)
		k = a->n;
	memmove(a->q, a->q + k, (a->n - k) * sizeof *a->q);
	a->n -= k;
	a->oldest_us = a->n ? a->q[0].time_us : 0;
	for (size_t j = 0; j < c->nusage; j++) {
		uint32_t slot = c->usage_actor[j] % USAGE_SLOTS;
		if (a->usage[slot].actor != c->usage_actor[j] || a->usage[slot].day != c->usage_day[j]) {
			a->usage[slot].actor = c->usage_actor[j];
			a->usage[slot].day = c->usage_day[j];
			a->usage[slot].ops = 0;
		}
		a->usage[slot].ops |= c->usage_ops[j];
	}
	pthread_mutex_unlock(&a->mu);
}

void cu_audit_after(cu_core *core, const cu_audit_commit *c)
{
	cu_audit *a = core->audit;
	custos_checkpoint_fn fn;
	void *payload;

	if (!c->checkpoint)
		return;
	pthread_mutex_lock(&a->mu);
	fn = a->fn;
	payload = a->payload;
	pthread_mutex_unlock(&a->mu);
	if (fn)
		fn(c->cp_seq, c->cp_hash, 32, c->cp_time, c->cp_sig, 64, payload);
}

typedef struct flush_args {
	cu_core *core;
	int checkpoint;
	cu_audit_commit c;
} flush_args;

static int flush_fn(cu_txn *t, void *arg)
{
	flush_args *f = arg;
	cu_op op;
	int rc;

	cu_op_init(&op, f->core, t, NULL);
	rc = cu_audit_write(&op, NULL, 0, f->checkpoint, &f->c);
	cu_op_release(&op);
	return rc;
}

static void flush_committed(void *arg)
{
	flush_args *f = arg;
	cu_audit_committed(f->core, &f->c);
}

int cu_audit_flush(cu_core *core, int checkpoint)
{
	flush_args f;
	int rc;

	memset(&f, 0, sizeof f);
	f.core = core;
	f.checkpoint = checkpoint;
	if (core->audit->readonly)
		return checkpoint ? cu_err(CUSTOS_ESTATE, "the store was opened read-only") : CUSTOS_OK;
	rc = cu_store_write_ex(&core->store, flush_fn, flush_committed, &f);
	if (!rc) {
		cu_audit_after(core, &f.c);
	} else {
		pthread_mutex_lock(&core->audit->mu);
		core->audit->failed = 1;
		pthread_mutex_unlock(&core->audit->mu);
	}
	return rc;
}

static int is_read(int action)
{
	return action == CUSTOS_AUDIT_READ || action == CUSTOS_AUDIT_FIND || action == CUSTOS_AUDIT_LIST ||
	       action == CUSTOS_AUDIT_COUNT;
}

/* After a failed commit of the queue: refuse (fail-closed) or drop and count (best-effort). */
static int flush_failed(cu_audit *a, int rc)
{
	cu_err_saved e;

	if (a->reads != CUSTOS_AUDIT_READS_BEST_EFFORT)
		return rc;
	cu_err_save(&e);
	pthread_mutex_lock(&a->mu);
	a->dropped += a->n;
	a->n = 0;
	a->oldest_us = 0;
	pthread_mutex_unlock(&a->mu);
	cu_err_restore(&e);
	return CUSTOS_OK;
}

/* Fail-closed: the read is refused, with the reason the log could not be written. */
static int refuse(int rc)
{
	cu_err_saved why;

	cu_err_save(&why);
	return cu_err(rc, "reads are refused: the audit log cannot be written (%s)", why.msg);
}

/* A reader commits the queue itself. */
static int flush_here(cu_core *core)
{
	int rc = cu_audit_flush(core, 0);

	if (rc && (rc = flush_failed(core->audit, rc)))
		return refuse(rc);
	return CUSTOS_OK;
}

/* Is the queue due for a commit? Called with the lock held. */
static int due(const cu_audit *a, int64_t now)
{
	return a->n >= a->batch || (a->n && now - a->oldest_us >= (int64_t)a->max_age_ms * 1000);
}

int cu_audit_note(cu_core *core, const cu_audit_rec *r)
{
	cu_audit *a = core->audit;
	int rc, wake, inline_due;

	if (a->readonly || forked(a) || (is_read(r->action) && a->reads == CUSTOS_AUDIT_READS_OFF))
		return CUSTOS_OK;
	pthread_mutex_lock(&a->mu);
	if ((a->failed && a->reads == CUSTOS_AUDIT_READS_FAIL_CLOSED) || a->n == a->cap) {
		/* The last commit failed, or the flusher is behind: try now, on this thread. */
		pthread_mutex_unlock(&a->mu);
		if ((rc = flush_here(core)))
			return rc;
		pthread_mutex_lock(&a->mu);
	}
	if (a->n == a->cap) {  /* other threads filled it again; this entry is dropped and counted */
		a->dropped++;
		pthread_mutex_unlock(&a->mu);
		return CUSTOS_OK;
	}
	if (a->n == 0)
		a->oldest_us = r->time_us;
	a->q[a->n++] = *r;
	wake = a->n == 1 || a->n == a->batch;  /* arm the age timer, or a batch is ready */
	inline_due = !a->thread_on && due(a, r->time_us);
	if (wake && a->thread_on)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->mu);
	return inline_due ? flush_here(core) : CUSTOS_OK;
}

/* ---- the flusher thread ---- */

static void deadline(struct timespec *ts, int64_t wait_us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(wait_us / 1000000);
	ts->tv_nsec += (long)(wait_us % 1000000) * 1000;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *flusher(void *arg)
{
	cu_audit *a = arg;
	int64_t age_us = (int64_t)a->max_age_ms * 1000, retry_at = 0;

	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		int64_t now = now_us();
		struct timespec ts;
		int rc;
		if (a->n == 0) {
			pthread_cond_wait(&a->wake, &a->mu);
			continue;
		}
		if (!due(a, now) || now < retry_at) {
			int64_t until = a->oldest_us + age_us;
			if (a->n >= a->batch || until < retry_at)
				until = retry_at;
			deadline(&ts, until > now ? until - now : 1000);
			pthread_cond_timedwait(&a->wake, &a->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&a->mu);
		rc = cu_audit_flush(a->core, 0);
		if (rc)
			(void)flush_failed(a, rc);
		pthread_mutex_lock(&a->mu);
		retry_at = rc ? now_us() + age_us : 0;  /* after a failure, try again after max age */
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

void cu_audit_start(cu_audit *a, cu_core *core)
{
	sigset_t all, old;

	a->core = core;
	if (a->readonly)
		return;
	/* Host signals are delivered to host threads, never to the flusher. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	a->thread_on = pthread_create(&a->thread, NULL, flusher, a) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- reading ---- */

typedef struct page_args {
	cu_core *core;
	uint64_t after;
	cu_audit_rec *out;
	uint64_t *seqs;
	size_t max, count;
} page_args;

static int page_fn(cu_txn *t, void *arg)
{
	page_args *p = arg;
	unsigned char k[9];
	custos_val key, v;
	cu_cursor cur;
	int rc;

	block_key(k, 'B', p->after + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, sizeof k, &key, &v); rc == CUSTOS_OK && p->count < p->max;
	     rc = cu_cursor_next(&cur, &key, &v)) {
		cu_audit_block b;
		if (key.size != 9 || key.data[0] != 'B')
			break;
		if (cu_audit_block_open(&b, v.data, v.size)) {
			rc = cu_err(CUSTOS_EAUTH, "an audit block is damaged");
			break;
		}
		for (size_t i = 0; i < b.count && p->count < p->max; i++) {
			const unsigned char *e, *tag;
			size_t en;
			if (cu_audit_block_next(&b, &e, &en, &tag) ||
			    cu_audit_decode(&p->out[p->count], e, en, b.base)) {
				rc = cu_err(CUSTOS_EAUTH, "audit entry %llu is damaged", (unsigned long long)(b.first + i));
				break;
			}
			if (b.first + i > p->after)
				p->seqs[p->count++] = b.first + i;
		}
		if (rc)
			break;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

int cu_audit_page(cu_core *core, uint64_t after_seq, cu_audit_rec *out, uint64_t *seqs, size_t max, size_t *count)
{
	page_args p = { core, after_seq, out, seqs, max, 0 };
	int rc = cu_store_read(&core->store, page_fn, &p);

	*count = p.count;
	return rc;
}
