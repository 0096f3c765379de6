/*
 * model/core.c — store creation, unlocking, re-keying and the shared schema pointer.
 */
#include <string.h>
#include <sys/time.h>

#include "model/core.h"
#include "model/meta.h"
#include "util/alloc.h"
#include "util/error.h"

static const char K_HEADER[] = "header";
static const char K_KEYRING[] = "keyring";
static const char K_SCHEMA[] = "schema";
static const char K_COUNTERS[] = "counters";

#define KEY(s) (s), (sizeof(s) - 1)

static int64_t now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

void cu_op_init(cu_op *op, cu_core *core, cu_txn *t, cu_schema *s)
{
	memset(op, 0, sizeof *op);
	op->core = core;
	op->txn = t;
	op->schema = s;
	op->now_us = now_us();
	op->visible = (1U << CUSTOS_CLASS_COUNT) - 1;
	op->scope = CU_SCOPE_ALL;
	op->see_archived = 1;  /* until access/ applies a context's view */
}

void cu_op_release(cu_op *op)
{
	cu_free(op->writes);
	op->writes = NULL;
	op->nwrites = op->cwrites = 0;
}

int cu_op_note_write(cu_op *op, uint64_t customer, uint32_t version, uint32_t classes, const unsigned char *record,
	size_t n)
{
	return cu_op_note_write_as(op, 0, customer, version, classes, record, n);
}

int cu_op_note_write_as(cu_op *op, int action, uint64_t customer, uint32_t version, uint32_t classes,
	const unsigned char *record, size_t n)
{
	cu_write_note *w = cu_array_room(op->writes, &op->cwrites, op->nwrites, sizeof *w);

	if (!w)
		return CUSTOS_ENOMEM;
	op->writes = w;
	w = &op->writes[op->nwrites++];
	w->action = action;
	w->customer = customer;
	w->version = version;
	w->classes = classes;
	cu_hash(w->record_hash, record, n);
	return CUSTOS_OK;
}

int cu_core_attach(cu_core *c, custos_backend *be, int readonly)
{
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = cu_store_init(&c->store, be, readonly)))
		return rc;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->gen.mu, NULL);
	return CUSTOS_OK;
}

void cu_core_bidx_keys(cu_core *c, uint16_t field_id, cu_bidx_keys *out)
{
	size_t slot = field_id % CU_BIDX_CACHE;

	pthread_mutex_lock(&c->lock);
	if (!c->bidx)
		c->bidx = cu_secure_alloc(sizeof *c->bidx);
	if (c->bidx && c->bidx->field_id[slot] == field_id) {
		*out = c->bidx->keys[slot];
	} else {
		cu_bidx_keys_derive(out, c->keys, field_id);
		if (c->bidx) {
			c->bidx->field_id[slot] = field_id;
			c->bidx->keys[slot] = *out;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void cu_core_detach(cu_core *c)
{
	cu_secure_free(c->bidx);
	c->bidx = NULL;
	cu_keys_free(c->keys);
	c->keys = NULL;
	cu_schema_unref(c->schema);
	c->schema = NULL;
	cu_store_fini(&c->store);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->gen.mu);
}

/* Whether any bucket holds a record. */
static int holds_data(cu_txn *t, int *any)
{
	custos_val k, v;
	cu_cursor cur;
	int rc = CUSTOS_OK;

	*any = 0;
	for (unsigned b = 0; b < CU_B_COUNT && !*any && !rc; b++) {
		if ((rc = cu_cursor_open(&cur, t, b)))
			break;
		rc = cu_cursor_seek(&cur, NULL, 0, &k, &v);
		cu_cursor_close(&cur);
		*any = rc == CUSTOS_OK;
		rc = rc == CUSTOS_ITEROVER || rc == CUSTOS_OK ? CUSTOS_OK : rc;
	}
	return rc;
}

static int exists_fn(cu_txn *t, void *arg)
{
	int *state = arg, any, rc;
	custos_val v;

	*state = CU_STORE_PRESENT;
	if ((rc = cu_get(t, CU_B_META, KEY(K_HEADER), &v)) != CUSTOS_ENOTFOUND)
		return rc;
	if ((rc = holds_data(t, &any)))
		return rc;
	*state = any ? CU_STORE_ORPHANED : CU_STORE_NONE;
	return CUSTOS_OK;
}

int cu_core_exists(cu_core *c, int *state)
{
	return cu_store_read(&c->store, exists_fn, state);
}

/* ---- schema ---- */

cu_schema *cu_core_schema(cu_core *c)
{
	cu_schema *s;

	pthread_mutex_lock(&c->lock);
	s = c->schema ? cu_schema_ref(c->schema) : NULL;
	pthread_mutex_unlock(&c->lock);
	return s;
}

void cu_core_set_schema(cu_core *c, cu_schema *s)
{
	cu_schema *old;

	pthread_mutex_lock(&c->lock);
	old = c->schema;
	if (!old || s->version >= old->version) {
		c->schema = cu_schema_ref(s);
	} else {
		old = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	cu_schema_unref(old);
}

int cu_core_load_schema(cu_core *c, cu_txn *t, cu_schema **out)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_sealed_get(t, c->keys, CU_B_META, KEY(K_SCHEMA), &b);

	if (rc == CUSTOS_ENOTFOUND)
		rc = cu_err(CUSTOS_ECORRUPT, "the store has no schema record");
	if (!rc)
		rc = cu_schema_decode(out, b.p, b.len);
	cu_bytes_free(&b);
	return rc;
}

int cu_core_sync_schema(cu_core *c, cu_txn *t)
{
	custos_val v;
	cu_schema *s;
	uint64_t have;
	int rc;

	if ((rc = cu_get(t, CU_B_META, KEY(K_SCHEMA), &v)))
		return rc == CUSTOS_ENOTFOUND ? cu_err(CUSTOS_ECORRUPT, "the store has no schema record") : rc;
	pthread_mutex_lock(&c->lock);
	have = c->schema ? c->schema->version : 0;
	pthread_mutex_unlock(&c->lock);
	if (v.size >= 8 && cu_get_u64le(v.data) == have)
		return CUSTOS_OK;
	if ((rc = cu_core_load_schema(c, t, &s)))
		return rc;
	cu_core_set_schema(c, s);
	cu_schema_unref(s);
	return CUSTOS_OK;
}

int cu_core_store_schema(cu_op *op, const cu_schema *s)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_schema_encode(s, &b);

	if (!rc)
		rc = cu_sealed_put(op->txn, op->core->keys, CU_B_META, KEY(K_SCHEMA), b.p, b.len);
	cu_bytes_free(&b);
	return rc;
}

/* ---- counters ---- */

/* next id, count, then the counts of states 1 to CU_STATES - 1 (custos 0.1 to the
 * timeline wrote the first two alone) */
#define COUNTERS_BYTES (8 * (1 + CU_STATES))

int cu_counters_get(cu_op *op, cu_counters **out)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc;

	if (!op->counters_loaded) {
		rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, KEY(K_COUNTERS), &b);
		if (!rc && b.len != 16 && b.len != COUNTERS_BYTES)
			rc = cu_err(CUSTOS_ECORRUPT, "the store's counters record is damaged");
		if (rc == CUSTOS_ENOTFOUND)
			rc = cu_err(CUSTOS_ECORRUPT, "the store has no counters record");
		if (rc) {
			cu_bytes_free(&b);
			return rc;
		}
		memset(&op->counters, 0, sizeof op->counters);
		op->counters.next_id = cu_get_u64le(b.p);
		op->counters.count = cu_get_u64le(b.p + 8);
		if (b.len == 16)  /* written before lifecycle states: every customer was a lead */
			op->counters.states[CUSTOS_STATE_LEAD] = op->counters.count;
		for (size_t i = 1; b.len == COUNTERS_BYTES && i < CU_STATES; i++)
			op->counters.states[i] = cu_get_u64le(b.p + 8 + 8 * i);
		op->counters_loaded = 1;
		cu_bytes_free(&b);
	}
	*out = &op->counters;
	return CUSTOS_OK;
}

int cu_counters_flush(cu_op *op)
{
	unsigned char v[COUNTERS_BYTES];

	if (!op->counters_dirty)
		return CUSTOS_OK;
	cu_put_u64le(v, op->counters.next_id);
	cu_put_u64le(v + 8, op->counters.count);
	for (size_t i = 1; i < CU_STATES; i++)
		cu_put_u64le(v + 8 + 8 * i, op->counters.states[i]);
	op->counters_dirty = 0;
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, KEY(K_COUNTERS), v, sizeof v);
}

/* ---- unlock ---- */

typedef struct unlock_ctx {
	cu_core *c;
	const custos_secret *s;
	unsigned char *mk;
	int stage;                 /* 0: read header; 1: open keyring and schema */
} unlock_ctx;

/* Open the keyring with the derived master key and tell the failures apart: a secret that
 * opens the keyring is right, so a header that then disagrees with the keyring or with the
 * key-check value was altered. Only the derivation inputs (salt, method, limits) cannot be
 * told apart from a wrong secret: they change the key that opens the keyring. */
static int open_keyring(unlock_ctx *u, const custos_val *sealed)
{
	const cu_header *h = &u->c->header;
	unsigned char kcv[CU_MAC_BYTES];
	uint32_t ring_version = 0;
	int rc, kcv_ok;

	cu_keys_writable(u->c->keys);
	if (h->format == CU_FORMAT_UPGRADABLE) {
		rc = cu_keyring_open_v1(u->c->keys, u->mk, sealed->data, sealed->size, h);
		ring_version = h->keyring_version;  /* the old keyring binds the whole header instead */
	} else {
		rc = cu_keyring_open(u->c->keys, &ring_version, u->mk, sealed->data, sealed->size, h);
	}
	cu_keys_readonly(u->c->keys);
	cu_kcv(kcv, u->mk, rc == CUSTOS_OK ? u->c->keys->store_id : h->store_id);
	kcv_ok = cu_equal(kcv, h->kcv, CU_MAC_BYTES);
	if (rc == CUSTOS_EAUTH && kcv_ok)
		return cu_err(CUSTOS_EAUTH, "the keyring failed authentication: it was modified or damaged");
	if (rc == CUSTOS_EAUTH)
		return cu_err(CUSTOS_EKEY, u->s->kind == CU_KDF_RAW ?
			"wrong key, or the store header was altered: the key does not unlock this store" :
			"wrong passphrase, or the store header was altered: the passphrase does not unlock this store");
	if (rc)
		return rc;
	if (!cu_equal(u->c->keys->store_id, h->store_id, CU_STORE_ID_BYTES))
		return cu_err(CUSTOS_EAUTH, "the store header was altered: its store id is not the keyring's");
	if (ring_version != h->keyring_version)
		return cu_err(CUSTOS_EAUTH, "the store header was altered: it names keyring version %u, the keyring "
			"is version %u", h->keyring_version, ring_version);
	if (!kcv_ok)
		return cu_err(CUSTOS_EAUTH, "the store header was altered: its key-check value is wrong for the "
			"secret that opens the keyring");
	return CUSTOS_OK;
}

static int unlock_fn(cu_txn *t, void *arg)
{
	unlock_ctx *u = arg;
	custos_val v;
	cu_schema *s;
	int rc;

	if (u->stage == 0) {
		if ((rc = cu_get(t, CU_B_META, KEY(K_HEADER), &v)))
			return rc == CUSTOS_ENOTFOUND ? cu_err(CUSTOS_ENOTFOUND, "the backend holds no custos store") : rc;
		return cu_header_decode(&u->c->header, v.data, v.size);
	}
	if ((rc = cu_get(t, CU_B_META, KEY(K_KEYRING), &v)))
		return rc == CUSTOS_ENOTFOUND ? cu_err(CUSTOS_ECORRUPT, "the store has no keyring") : rc;
	if ((rc = open_keyring(u, &v)))
		return rc;
	if ((rc = cu_core_load_schema(u->c, t, &s)))
		return rc;
	cu_core_set_schema(u->c, s);
	cu_schema_unref(s);
	return CUSTOS_OK;
}

int cu_core_unlock(cu_core *c, const custos_secret *s)
{
	unlock_ctx u = { c, s, NULL, 0 };
	int rc;

	if ((rc = cu_keys_new(&c->keys)))
		return rc;
	if ((rc = cu_store_read(&c->store, unlock_fn, &u)))
		goto fail;
	/* Derive outside any transaction: Argon2id takes a while and must not hold a reader. */
	if (!(u.mk = cu_malloc(CU_KEY_BYTES)))
		rc = cu_err_oom();
	else if (!(rc = cu_secret_master_key(u.mk, s, &c->header))) {
		u.stage = 1;
		rc = cu_store_read(&c->store, unlock_fn, &u);
	}
	if (u.mk)
		cu_free_secret(u.mk, CU_KEY_BYTES);
	c->kdf_ops = c->header.kdf == CU_KDF_ARGON2ID ? c->header.kdf_ops : CU_KDF_OPS_DEFAULT;
	c->kdf_mem = c->header.kdf == CU_KDF_ARGON2ID ? c->header.kdf_mem : CU_KDF_MEM_DEFAULT;
	if (!rc)
		return CUSTOS_OK;
fail:
	cu_keys_free(c->keys);
	c->keys = NULL;
	return rc;
}

/* ---- create and rekey ---- */

/* Header and sealed keyring for secret s, given the keys already in c->keys. */
static int seal_for(cu_core *c, const custos_secret *s, uint32_t ops, uint64_t mem, uint32_t keyring_version,
	cu_header *h, cu_bytes *sealed)
{
	unsigned char *mk = cu_malloc(CU_KEY_BYTES);
	int rc;

	if (!mk)
		return cu_err_oom();
	memset(h, 0, sizeof *h);
	memcpy(h->store_id, c->keys->store_id, CU_STORE_ID_BYTES);
	h->format = CU_FORMAT_VERSION;
	h->kdf = (uint32_t)s->kind;
	if (s->kind == CU_KDF_ARGON2ID) {
		h->kdf_ops = ops;
		h->kdf_mem = mem;
		cu_random_bytes(h->salt, CU_SALT_BYTES);
	}
	h->keyring_version = keyring_version;
	if (!(rc = cu_secret_master_key(mk, s, h))) {
		cu_kcv(h->kcv, mk, h->store_id);
		rc = cu_keyring_seal(sealed, c->keys, mk, h);
	}
	cu_free_secret(mk, CU_KEY_BYTES);
	return rc;
}

typedef struct create_ctx {
	cu_core *c;
	const cu_init *in;
	cu_header h;
	cu_bytes sealed;
	cu_schema *schema;
	cu_init_hook hook;
	void *arg;
} create_ctx;

static int create_fn(cu_txn *t, void *arg)
{
	create_ctx *x = arg;
	unsigned char raw[CU_HEADER_STORED];
	cu_counters *ctr;
	cu_op op;
	int rc, state;

	/* Checked again in this transaction: another process may have written meanwhile. */
	if ((rc = exists_fn(t, &state)))
		return rc;
	if (state != CU_STORE_NONE)
		return cu_err(CUSTOS_EEXISTS, state == CU_STORE_PRESENT ? "a store was created there meanwhile" :
			"data was written there meanwhile");
	cu_header_store(raw, &x->h);
	if ((rc = cu_meta_put(t, x->c->keys, CU_B_META, KEY(K_HEADER), raw, sizeof raw)) ||
	    (rc = cu_meta_put(t, x->c->keys, CU_B_META, KEY(K_KEYRING), x->sealed.p, x->sealed.len)))
		return rc;
	cu_op_init(&op, x->c, t, x->schema);
	if ((rc = cu_core_store_schema(&op, x->schema)))
		return rc;
	op.counters_loaded = 1;
	op.counters_dirty = 1;
	op.counters.next_id = 1;
	op.counters.count = 0;
	if ((rc = cu_counters_get(&op, &ctr)) || (rc = cu_counters_flush(&op)))
		return rc;
	return x->hook ? x->hook(&op, x->arg) : CUSTOS_OK;
}

int cu_core_create(cu_core *c, const custos_secret *s, const cu_init *in, cu_init_hook hook, void *arg)
{
	unsigned char store_id[CU_STORE_ID_BYTES];
	create_ctx x;
	int rc;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.in = in;
	x.hook = hook;
	x.arg = arg;
	x.sealed.secret = 1;
	if ((rc = cu_keys_new(&c->keys)))
		return rc;
	cu_random_bytes(store_id, sizeof store_id);
	cu_keys_generate(c->keys, store_id);
	cu_keys_readonly(c->keys);
	c->kdf_ops = in->kdf_ops;
	c->kdf_mem = in->kdf_mem;
	if (!(rc = seal_for(c, s, in->kdf_ops, in->kdf_mem, 1, &x.h, &x.sealed)) &&
	    !(rc = cu_schema_new_builtin(&x.schema, in->population, in->region)))
		rc = cu_store_write(&c->store, create_fn, &x);
	if (!rc) {
		c->header = x.h;
		cu_core_set_schema(c, x.schema);
	} else {
		cu_keys_free(c->keys);
		c->keys = NULL;
	}
	cu_schema_unref(x.schema);
	cu_bytes_free(&x.sealed);
	return rc;
}

int cu_core_rekey_prepare(cu_core *c, const custos_secret *s, cu_rekey *rk)
{
	rk->sealed.secret = 1;
	return seal_for(c, s, c->kdf_ops, c->kdf_mem, c->header.keyring_version + 1, &rk->header, &rk->sealed);
}

int cu_core_rekey_write(cu_op *op, const cu_rekey *rk)
{
	unsigned char raw[CU_HEADER_STORED];
	int rc;

	cu_header_store(raw, &rk->header);
	if ((rc = cu_meta_put(op->txn, op->core->keys, CU_B_META, KEY(K_HEADER), raw, sizeof raw)))
		return rc;
	return cu_meta_put(op->txn, op->core->keys, CU_B_META, KEY(K_KEYRING), rk->sealed.p, rk->sealed.len);
}

void cu_core_rekey_finish(cu_core *c, cu_rekey *rk, int committed)
{
	if (committed)
		c->header = rk->header;
	cu_bytes_free(&rk->sealed);
}
