/*
 * model/check.c — walking a store's records and indexes once, read-only, to find the
 * first damaged or inconsistent one (model/check.h says what and why). It writes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "model/check.h"
#include "model/lifecycle.h"
#include "model/customer.h"
#include "model/timeline/timeline.h"
#include "model/index.h"
#include "model/meta.h"
#include "util/alloc.h"
#include "util/error.h"

#define ID_PAGE 256
#define KEY_PAGE 64
#define KEY_BUF 416   /* the longest index key (a clear value of 400 bytes) fits */

typedef struct check {
	cu_core *core;
	cu_op *op;
	uint64_t customers;  /* records found */
	uint64_t last_id;    /* the highest id found */
	uint64_t needed;     /* index entries the customers need; all were found */
	uint64_t held;       /* entries of searchable fields and ownership the index holds */
	uint64_t states[CU_STATES];  /* customers found in each lifecycle state */
	int in_index;        /* the problem found is in the index alone: a rebuild mends it */
} check;

static const unsigned char no_key[1];

/* ---- 1. sealed records ---- */

static int is_key(const custos_val *k, const char *name)
{
	return k->size == strlen(name) && memcmp(k->data, name, k->size) == 0;
}

/* The records of meta that are not sealed (model/core.c): the header, checked by its
 * checksum, and the keyring, sealed under the master key, which only unlocking holds (and
 * unlocking authenticated it). Every other record is sealed. */
static int check_meta_record(check *c, const custos_val *k, const custos_val *v)
{
	const cu_keys *keys = c->core->keys;
	cu_header h;
	int rc;

	if (is_key(k, "header")) {
		if ((rc = cu_header_decode(&h, v->data, v->size)))
			return rc;
		if (!cu_equal(h.store_id, keys->store_id, CU_STORE_ID_BYTES))
			return cu_err(CUSTOS_EAUTH, "the store header names another store than the one unlocked");
		return CUSTOS_OK;
	}
	if (is_key(k, "keyring"))
		return CUSTOS_OK;
	return cu_sealed_verify(keys, CU_B_META, k->data, k->size, v->data, v->size);
}

static int check_sealed(check *c, unsigned bucket)
{
	custos_val k, v;
	cu_cursor cur;
	int rc;

	if ((rc = cu_cursor_open(&cur, c->op->txn, bucket)))
		return rc;
	for (rc = cu_cursor_seek(&cur, no_key, 0, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &k, &v)) {
		rc = bucket == CU_B_META ? check_meta_record(c, &k, &v) :
			cu_sealed_verify(c->core->keys, bucket, k.data, k.size, v.data, v.size);
		if (rc)
			break;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* ---- 2. customers and the entries they need ---- */

static int check_customer(check *c, uint64_t id)
{
	custos_customer *cust;
	int rc = cu_cust_load(c->op, id, &cust);

	if (rc == CU_ESTALE)  /* this snapshot's schema is the store's: the message names the customer */
		return CUSTOS_ECORRUPT;
	if (rc)
		return rc;
	if (cust->state < CUSTOS_STATE_LEAD || cust->state > CUSTOS_STATE_ARCHIVED ||
	    (cust->state == CUSTOS_STATE_ARCHIVED) != (cust->prior != 0) || cust->prior > CUSTOS_STATE_WORKING_MAX) {
		rc = cu_err(CUSTOS_ECORRUPT, "customer %llu is in lifecycle state %d (before: %d), which is not one",
			(unsigned long long)id, cust->state, cust->prior);
		cu_customer_destroy(cust);
		return rc;
	}
	c->states[cust->state]++;
	rc = cu_index_customer(c->op, cust, NULL, CU_INDEX_VERIFY, &c->needed);
	c->in_index = rc == CUSTOS_ECORRUPT;
	if (!rc)
		rc = cu_timeline_check(c->op, id, cust->version);
	cu_customer_destroy(cust);
	c->customers++;
	c->last_id = id;
	return rc;
}

/* Customer keys are ids from 1 up, 8 bytes each (cu_cust_ids checks the ones after the first). */
static int check_first_key(check *c)
{
	custos_val k, v;
	cu_cursor cur;
	int rc;

	if ((rc = cu_cursor_open(&cur, c->op->txn, CU_B_CUSTOMERS)))
		return rc;
	rc = cu_cursor_seek(&cur, no_key, 0, &k, &v);
	if (rc == CUSTOS_OK && k.size != 8)
		rc = cu_err(CUSTOS_ECORRUPT, "a customer key has %zu bytes instead of 8", k.size);
	else if (rc == CUSTOS_OK && cu_get_u64be(k.data) == 0)
		rc = cu_err(CUSTOS_ECORRUPT, "a customer record is stored under id 0, which is never given out");
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

static int check_customers(check *c)
{
	uint64_t ids[ID_PAGE], after = 0;
	size_t count;
	int rc;

	if ((rc = check_first_key(c)))
		return rc;
	do {
		if ((rc = cu_cust_ids(c->op, after, ids, ID_PAGE, &count)))
			return rc;
		for (size_t i = 0; i < count; i++)
			if ((rc = check_customer(c, after = ids[i])))
				return rc;
	} while (count == ID_PAGE);
	return CUSTOS_OK;
}

/* ---- 3. counters and the erasure ledger ---- */

/* Every tombstone authenticates, names no customer that exists, and they are as many as
 * the erased counter says. */
static int check_tombstones(check *c, const cu_counters *ctr)
{
	uint64_t n = 0, ids[ID_PAGE];
	size_t count = 0;
	custos_val k, v;
	cu_cursor cur;
	int rc;

	do {
		unsigned char from[8];
		cu_put_u64be(from, count ? ids[count - 1] + 1 : 0);
		if ((rc = cu_cursor_open(&cur, c->op->txn, CU_B_ERASED)))
			return rc;
		count = 0;
		for (rc = cu_cursor_seek(&cur, from, n ? 8 : 0, &k, &v); rc == CUSTOS_OK && count < ID_PAGE;
		     rc = cu_cursor_next(&cur, &k, &v)) {
			if (k.size == CU_SUPPRESS_KEY && k.data[0] == 'S' && v.size == 0)
				continue;   /* an entry of the suppression list */
			if (k.size != 8) {
				rc = cu_err(CUSTOS_ECORRUPT, "the erasure ledger holds a key of %zu bytes", k.size);
				break;
			}
			ids[count++] = cu_get_u64be(k.data);
		}
		cu_cursor_close(&cur);
		if (rc != CUSTOS_OK && rc != CUSTOS_ITEROVER)
			return rc;
		for (size_t i = 0; i < count; i++) {
			cu_tombstone t;
			int present;
			if ((rc = cu_tombstone_get(c->op, ids[i], &t, NULL)))
				return rc;
			if ((rc = cu_cust_reachable(c->op, ids[i], &present)))
				return rc;
			if (present)
				return cu_err(CUSTOS_ECORRUPT, "customer %llu was erased and is in the store again",
					(unsigned long long)ids[i]);
			n++;
		}
	} while (count == ID_PAGE);
	if (n != ctr->states[CUSTOS_STATE_ERASED])
		return cu_err(CUSTOS_ECORRUPT, "the store counts %llu customers erased but its erasure ledger holds %llu",
			(unsigned long long)ctr->states[CUSTOS_STATE_ERASED], (unsigned long long)n);
	return CUSTOS_OK;
}

static int check_counters(check *c)
{
	cu_counters *ctr;
	int rc = cu_counters_get(c->op, &ctr);

	if (rc)
		return rc;
	if (c->customers && ctr->next_id <= c->last_id)
		return cu_err(CUSTOS_ECORRUPT, "the store's next customer id is %llu, yet customer %llu exists: its counters "
			"were rolled back or damaged", (unsigned long long)ctr->next_id, (unsigned long long)c->last_id);
	if (ctr->count != c->customers)
		return cu_err(CUSTOS_ECORRUPT, "the store counts %llu customers but holds %llu",
			(unsigned long long)ctr->count, (unsigned long long)c->customers);
	for (int st = CUSTOS_STATE_LEAD; st <= CUSTOS_STATE_ARCHIVED; st++)
		if (ctr->states[st] != c->states[st])
			return cu_err(CUSTOS_ECORRUPT, "the store counts %llu customers %s but holds %llu",
				(unsigned long long)ctr->states[st], custos_state_name(st), (unsigned long long)c->states[st]);
	return check_tombstones(c, ctr);
}

/* ---- 4. the index bucket ---- */

/* A key of the index bucket must be an entry of a field the schema has, of the kind the
 * field's encryption calls for. *used: lookups use it (its field is searchable, or it is
 * an ownership entry). */
static int classify(check *c, const custos_val *k, const custos_val *v, cu_index_entry *e, int *used)
{
	const cu_field *f;

	*used = 0;
	if (cu_index_entry_parse(e, k->data, k->size, v->size))
		return cu_err(CUSTOS_ECORRUPT, "the index holds a key of %zu bytes that is not an index entry", k->size);
	if (CU_ENTRY_IS_HOLDER(e->kind) || e->kind == CU_ENTRY_JOB) {
		*used = e->kind != CU_ENTRY_JOB;
		return CUSTOS_OK;
	}
	if (!(f = cu_schema_by_id(c->op->schema, e->field_id)))
		return cu_err(CUSTOS_ECORRUPT, "the index holds a %s of customer %llu for field id %u, which the schema "
			"does not have", cu_index_entry_name(e->kind), (unsigned long long)e->id, e->field_id);
	if ((e->kind == CU_ENTRY_BLIND) != cu_field_encrypted(f))
		return cu_err(CUSTOS_ECORRUPT, "the index holds a %s of customer %llu for field '%s', which is %s",
			cu_index_entry_name(e->kind), (unsigned long long)e->id, f->name,
			cu_field_encrypted(f) ? "encrypted" : "clear");
	*used = (f->flags & CUSTOS_FIELD_SEARCHABLE) != 0;
	return CUSTOS_OK;
}

static int count_entries(check *c)
{
	cu_index_entry e;
	custos_val k, v;
	cu_cursor cur;
	int rc, used;

	if ((rc = cu_cursor_open(&cur, c->op->txn, CU_B_INDEX)))
		return rc;
	for (rc = cu_cursor_seek(&cur, no_key, 0, &k, &v); rc == CUSTOS_OK; rc = cu_cursor_next(&cur, &k, &v)) {
		if ((rc = classify(c, &k, &v, &e, &used)))
			break;
		c->held += (uint64_t)used;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* "a blind index entry of field 'email'", "an owner entry of principal 7", for messages. */
static const char *describe(char out[160], const cu_index_entry *e, const cu_field *f)
{
	if (e->kind == CU_ENTRY_ARCHIVED)
		snprintf(out, 160, "an %s", cu_index_entry_name(e->kind));
	else if (e->kind == CU_ENTRY_OWNER || e->kind == CU_ENTRY_TEAM)
		snprintf(out, 160, "an %s of %s %u", cu_index_entry_name(e->kind),
			e->kind == CU_ENTRY_OWNER ? "principal" : "team", e->who);
	else
		snprintf(out, 160, "a %s of field '%s'", cu_index_entry_name(e->kind), f->name);
	return out;
}

/* Is entry e (key k) one that customer e->id needs? CUSTOS_ECORRUPT naming it when not. */
static int check_entry(check *c, const cu_index_entry *e, const unsigned char *k, size_t kn)
{
	const cu_field *f = cu_schema_by_id(c->op->schema, e->field_id);
	custos_customer *cust;
	const unsigned char *v;
	char what[160];
	size_t n;
	int rc, match = 0;

	rc = cu_cust_load(c->op, e->id, &cust);
	if (rc == CUSTOS_ENOTFOUND)
		return cu_err(CUSTOS_ECORRUPT, "the index holds %s for customer %llu, which does not exist",
			describe(what, e, f), (unsigned long long)e->id);
	if (rc)
		return rc;
	if (e->kind == CU_ENTRY_ARCHIVED)
		match = cust->state == CUSTOS_STATE_ARCHIVED;
	else if (e->kind == CU_ENTRY_OWNER || e->kind == CU_ENTRY_TEAM)
		match = (e->kind == CU_ENTRY_OWNER ? cust->owner : cust->team) == e->who;
	else if ((v = cu_value_get(cust, f, &n)))
		rc = cu_index_expects(c->op, f, e->id, v, n, k, kn, &match);
	cu_customer_destroy(cust);
	if (!rc && !match)
		rc = cu_err(CUSTOS_ECORRUPT, "the index holds %s for customer %llu that does not match the customer",
			describe(what, e, f), (unsigned long long)e->id);
	return rc;
}

typedef struct key_page {
	unsigned char k[KEY_PAGE][KEY_BUF];
	size_t kn[KEY_PAGE], vn[KEY_PAGE];
	size_t count;
} key_page;

/* The next page of index keys after `after` (an empty key: from the start). */
static int read_key_page(check *c, key_page *pg, const unsigned char *after, size_t an)
{
	unsigned char start[KEY_BUF + 1];
	custos_val k, v;
	cu_cursor cur;
	int rc;

	memcpy(start, after, an);
	start[an] = 0;  /* the first key after `after` */
	pg->count = 0;
	if ((rc = cu_cursor_open(&cur, c->op->txn, CU_B_INDEX)))
		return rc;
	for (rc = cu_cursor_seek(&cur, start, an ? an + 1 : 0, &k, &v); rc == CUSTOS_OK && pg->count < KEY_PAGE;
	     rc = cu_cursor_next(&cur, &k, &v)) {
		if (k.size > KEY_BUF) {  /* count_entries() let only index entries pass */
			rc = cu_err(CUSTOS_ECORRUPT, "the index holds a key of %zu bytes that is not an index entry", k.size);
			break;
		}
		memcpy(pg->k[pg->count], k.data, k.size);
		pg->kn[pg->count] = k.size;
		pg->vn[pg->count++] = v.size;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* The index holds more entries than the customers need: name the first stray one. Keys
 * are copied a page at a time, so no cursor is kept across the reads of customers. */
static int find_stray(check *c)
{
	key_page *pg = cu_malloc(sizeof *pg);
	size_t last = 0;
	int rc;

	if (!pg)
		return cu_err_oom();
	rc = read_key_page(c, pg, no_key, 0);
	while (!rc && pg->count) {
		for (size_t i = 0; i < pg->count && !rc; i++) {
			custos_val k = { pg->k[i], pg->kn[i] }, v = { NULL, pg->vn[i] };
			cu_index_entry e;
			int used;
			if (!(rc = classify(c, &k, &v, &e, &used)) && used)
				rc = check_entry(c, &e, k.data, k.size);
		}
		last = pg->count - 1;
		if (!rc)
			rc = read_key_page(c, pg, pg->k[last], pg->kn[last]);
	}
	cu_free(pg);
	if (!rc)
		rc = cu_err(CUSTOS_ECORRUPT, "the index holds %llu entries where the customers need %llu",
			(unsigned long long)c->held, (unsigned long long)c->needed);
	return rc;
}

/* ---- the walk ---- */

static int sealed_fn(cu_txn *t, void *arg)
{
	check *c = arg;
	cu_op op;
	int rc;

	cu_op_init(&op, c->core, t, NULL);
	c->op = &op;
	if (!(rc = check_sealed(c, CU_B_META)))
		rc = check_sealed(c, CU_B_ACCESS);
	cu_op_release(&op);
	return rc;
}

static int store_fn(cu_txn *t, void *arg)
{
	check *c = arg;
	cu_schema *s;
	cu_op op;
	int rc;

	if ((rc = cu_core_load_schema(c->core, t, &s)))
		return rc;
	cu_op_init(&op, c->core, t, s);
	c->op = &op;
	if (!(rc = check_customers(c)) && !(rc = check_counters(c)) && !(rc = cu_timeline_orphans(c->op))) {
		c->in_index = 1;  /* from here on, only the index is read */
		if (!(rc = count_entries(c)) && c->held != c->needed)
			rc = find_stray(c);
	}
	cu_op_release(&op);
	cu_schema_unref(s);
	return rc;
}

static int run(cu_core *core, cu_txn_fn fn)
{
	check c;
	int rc;

	memset(&c, 0, sizeof c);
	c.core = core;
	rc = cu_store_read(&core->store, fn, &c);
	if (rc == CUSTOS_ECORRUPT && c.in_index)
		cu_store_damaged_repairable(&core->store, rc);
	else if (rc == CUSTOS_EAUTH || rc == CUSTOS_ECORRUPT)
		cu_store_damaged(&core->store, rc);
	return rc;
}

int cu_check_sealed(cu_core *core)
{
	return run(core, sealed_fn);
}

int cu_check_store(cu_core *core)
{
	return run(core, store_fn);
}
