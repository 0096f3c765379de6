/*
 * access/audit.c — the tamper-evident audit log.
 *
 * Entries (80 bytes each, no personal data) are stored in blocks, one block per write
 * transaction, under key 'B' ‖ sequence number of the block's last entry (u64 BE):
 *   format u8 ‖ count u16 ‖ first seq u64 ‖ count × (entry ‖ tag8) ‖ chain hash (32)
 * The chain is keyed BLAKE2b-256 under a key derived from the keyring's audit root:
 *   h0 = H("CUSAUD00" ‖ store id),  hn = H("CUSAUD01" ‖ n ‖ entry n ‖ hn-1),  tag n = hn[0..8]
 * so without the key no entry can be edited, added, removed, moved or copied unnoticed, and
 * the first bad entry is found exactly. The store's head (last seq and hash) is a sealed
 * meta record. Checkpoints 'C' ‖ seq hold (time, hash, Ed25519 signature) and go to the
 * host's callback, which keeps an anchor outside the store.
 *
 * Reads and denials are queued and committed in batches (group commit) by the next write,
 * by a full or old queue, by custos_audit_flush() and at close.
 */
#include <pthread.h>
#include <string.h>
#include <sys/time.h>

#include "access/access.h"
#include "model/meta.h"
#include "util/alloc.h"
#include "util/error.h"

#define ENTRY_BYTES CU_AUDIT_ENTRY_BYTES
#define TAG_BYTES CU_AUDIT_TAG_BYTES
#define BLOCK_FORMAT 1
#define BLOCK_HEAD CU_AUDIT_BLOCK_HEAD
#define MAX_BLOCK 65535
#define USAGE_SLOTS 64
#define CKP_MSG 56   /* "CUSCKP01" ‖ seq u64 LE ‖ hash 32 ‖ time µs i64 LE */

static const char K_HEAD[] = "audit_head";

struct cu_audit {
	pthread_mutex_t mu;
	cu_audit_rec *q;
	size_t n, cap;
	int64_t oldest_us;
	uint32_t reads, batch, max_age_ms, every;
	uint64_t dropped;
	int readonly;
	custos_checkpoint_fn fn;
	void *payload;
	struct { uint32_t actor, day, ops; } usage[USAGE_SLOTS];
};

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

	if (!a)
		return cu_err_oom();
	a->reads = o ? o->audit_reads : CUSTOS_AUDIT_READS_FAIL_CLOSED;
	a->batch = o && o->audit_batch ? o->audit_batch : 512;
	a->max_age_ms = o && o->audit_max_age_ms ? o->audit_max_age_ms : 1000;
	a->every = o && o->checkpoint_every ? o->checkpoint_every : 1000;
	a->readonly = readonly;
	a->cap = a->batch;
	if (!(a->q = cu_calloc(a->cap, sizeof *a->q))) {
		cu_free(a);
		return cu_err_oom();
	}
	pthread_mutex_init(&a->mu, NULL);
	*out = a;
	return CUSTOS_OK;
}

void cu_audit_free(cu_audit *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
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

static void encode(unsigned char e[ENTRY_BYTES], const cu_audit_rec *r)
{
	memset(e, 0, ENTRY_BYTES);
	e[0] = 1;
	e[1] = r->action;
	cu_put_u32le(e + 4, r->actor);
	cu_put_u32le(e + 8, r->role);
	cu_put_u64le(e + 12, (uint64_t)r->time_us);
	cu_put_u64le(e + 20, r->customer);
	cu_put_u32le(e + 28, r->classes);
	cu_put_u32le(e + 32, (uint32_t)r->result);
	cu_put_u32le(e + 36, r->version);
	cu_put_u32le(e + 40, r->op);
	cu_put_u32le(e + 44, r->subject);
	memcpy(e + 48, r->hash, 32);
}

int cu_audit_decode(cu_audit_rec *r, const unsigned char *e)
{
	if (e[0] != 1 || e[1] < CUSTOS_AUDIT_CREATE || e[1] > CUSTOS_AUDIT_DROPPED)
		return CUSTOS_EAUTH;
	r->action = e[1];
	r->actor = cu_get_u32le(e + 4);
	r->role = cu_get_u32le(e + 8);
	r->time_us = (int64_t)cu_get_u64le(e + 12);
	r->customer = cu_get_u64le(e + 20);
	r->classes = cu_get_u32le(e + 28);
	r->result = (int32_t)cu_get_u32le(e + 32);
	r->version = cu_get_u32le(e + 36);
	r->op = cu_get_u32le(e + 40);
	r->subject = cu_get_u32le(e + 44);
	memcpy(r->hash, e + 48, 32);
	return CUSTOS_OK;
}

void cu_audit_chain_key(unsigned char k[32], const cu_keys *keys)
{
	crypto_kdf_derive_from_key(k, CU_KEY_BYTES, 1, "CUSAUDIT", keys->audit_root);
}

void cu_audit_chain_start(unsigned char h[32], const unsigned char key[32], const cu_keys *keys)
{
	cu_mac_state st;

	cu_mac_init(&st, key);
	cu_mac_update(&st, "CUSAUD00", 8);
	cu_mac_update(&st, keys->store_id, CU_STORE_ID_BYTES);
	cu_mac_final(&st, h);
}

void cu_audit_chain_next(unsigned char h[32], const unsigned char key[32], uint64_t seq, const unsigned char *entry)
{
	unsigned char s[8];
	cu_mac_state st;

	cu_put_u64le(s, seq);
	cu_mac_init(&st, key);
	cu_mac_update(&st, "CUSAUD01", 8);
	cu_mac_update(&st, s, 8);
	cu_mac_update(&st, entry, ENTRY_BYTES);
	cu_mac_update(&st, h, 32);
	cu_mac_final(&st, h);
}

static void block_key(unsigned char k[9], char kind, uint64_t seq)
{
	k[0] = (unsigned char)kind;
	cu_put_u64be(k + 1, seq);
}

/* ---- head and checkpoints ---- */

int cu_audit_head(cu_txn *t, const cu_keys *k, uint64_t *seq, unsigned char h[32], const unsigned char key[32])
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(t, k, CU_B_META, K_HEAD, sizeof K_HEAD - 1, &b);

	if (rc == CUSTOS_ENOTFOUND) {
		*seq = 0;
		cu_audit_chain_start(h, key, k);
		rc = CUSTOS_OK;
	} else if (!rc && b.len != 40) {
		rc = cu_err(CUSTOS_EAUTH, "the audit log's head record is damaged");
	} else if (!rc) {
		*seq = cu_get_u64le(b.p);
		memcpy(h, b.p + 8, 32);
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
static void usage_collect(cu_audit *a, const cu_audit_rec *recs, size_t n, cu_audit_commit *c)
{
	for (size_t i = 0; i < n; i++) {
		const cu_audit_rec *r = &recs[i];
		uint32_t day = (uint32_t)(r->time_us / 86400000000LL), slot = r->actor % USAGE_SLOTS, ops;
		size_t j;
		if (!r->actor || r->result != CUSTOS_OK || !r->op)
			continue;
		ops = r->op;
		if (a->usage[slot].actor == r->actor && a->usage[slot].day == day)
			ops &= ~a->usage[slot].ops;
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
	unsigned char key[CU_KEY_BYTES], h[32], bk[9], head[40];
	cu_audit_rec *all = NULL, dropped;
	size_t k, total, extra;
	uint64_t seq, first;
	cu_bytes block = CU_BYTES_INIT;
	int rc;

	memset(c, 0, sizeof *c);
	pthread_mutex_lock(&a->mu);
	k = a->n;
	extra = a->dropped ? 1 : 0;
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
		memcpy(all + extra, a->q, k * sizeof *all);
	if (n)
		memcpy(all + extra + k, recs, n * sizeof *all);
	usage_collect(a, all, total, c);
	pthread_mutex_unlock(&a->mu);
	c->taken = k;
	if (total == 0 && !force_checkpoint)
		return CUSTOS_OK;
	cu_audit_chain_key(key, op->core->keys);
	if ((rc = cu_audit_head(op->txn, op->core->keys, &seq, h, key)))
		goto out;
	first = seq + 1;
	if (total) {
		if ((rc = cu_bytes_reserve(&block, BLOCK_HEAD + total * (ENTRY_BYTES + TAG_BYTES) + 32)))
			goto out;
		cu_bytes_append_u8(&block, BLOCK_FORMAT);
		cu_bytes_append_u16le(&block, (uint16_t)total);
		cu_bytes_append_u64le(&block, first);
		for (size_t i = 0; i < total; i++) {
			unsigned char e[ENTRY_BYTES];
			encode(e, &all[i]);
			cu_audit_chain_next(h, key, ++seq, e);
			cu_bytes_append(&block, e, sizeof e);
			cu_bytes_append(&block, h, TAG_BYTES);
		}
		cu_bytes_append(&block, h, 32);
		block_key(bk, 'B', seq);
		if ((rc = cu_put_flags(op->txn, CU_B_AUDIT, bk, sizeof bk, block.p, block.len, CUSTOS_PUT_APPEND)))
			goto out;
		cu_put_u64le(head, seq);
		memcpy(head + 8, h, 32);
		if ((rc = cu_sealed_put(op->txn, op->core->keys, CU_B_META, K_HEAD, sizeof K_HEAD - 1, head, sizeof head)))
			goto out;
	}
	if (force_checkpoint || (total && (first - 1) / a->every != seq / a->every))
		if ((rc = write_checkpoint(op, seq, h, c)))
			goto out;
	rc = usage_write(op, c);
out:
	sodium_memzero(key, sizeof key);
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
	if (!rc)
		cu_audit_after(core, &f.c);
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

int cu_audit_note(cu_core *core, const cu_audit_rec *r)
{
	cu_audit *a = core->audit;
	int full, old, rc;

	if (a->readonly || (is_read(r->action) && a->reads == CUSTOS_AUDIT_READS_OFF))
		return CUSTOS_OK;
	pthread_mutex_lock(&a->mu);
	if (a->n == a->cap) {
		pthread_mutex_unlock(&a->mu);
		if ((rc = cu_audit_flush(core, 0)) && (rc = flush_failed(a, rc)))
			return refuse(rc);
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
	full = a->n >= a->batch;
	old = r->time_us - a->oldest_us >= (int64_t)a->max_age_ms * 1000;
	pthread_mutex_unlock(&a->mu);
	if (!full && !old)
		return CUSTOS_OK;
	if ((rc = cu_audit_flush(core, 0)) && (rc = flush_failed(a, rc)))
		return refuse(rc);
	return CUSTOS_OK;
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
		uint64_t first;
		size_t count;
		if (key.size != 9 || key.data[0] != 'B')
			break;
		if (v.size < BLOCK_HEAD + 32 || v.data[0] != BLOCK_FORMAT) {
			rc = cu_err(CUSTOS_EAUTH, "an audit block is damaged");
			break;
		}
		count = cu_get_u16le(v.data + 1);
		first = cu_get_u64le(v.data + 3);
		if (v.size != BLOCK_HEAD + count * (ENTRY_BYTES + TAG_BYTES) + 32) {
			rc = cu_err(CUSTOS_EAUTH, "an audit block is damaged");
			break;
		}
		for (size_t i = 0; i < count && p->count < p->max; i++) {
			if (first + i <= p->after)
				continue;
			if (cu_audit_decode(&p->out[p->count], v.data + BLOCK_HEAD + i * (ENTRY_BYTES + TAG_BYTES))) {
				rc = cu_err(CUSTOS_EAUTH, "audit entry %llu is damaged", (unsigned long long)(first + i));
				break;
			}
			p->seqs[p->count++] = first + i;
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
