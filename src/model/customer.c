/*
 * model/customer.c — customers in storage: data keys, records, indexes, uniqueness.
 * Runs inside a transaction opened above; any error aborts it, so a failed call leaves
 * the store exactly as it was.
 */
#include <string.h>

#include "model/customer.h"
#include "model/index.h"
#include "model/lifecycle.h"
#include "model/record.h"
#include "model/reindex.h"
#include "model/timeline/timeline.h"
#include "model/validate.h"
#include "util/alloc.h"
#include "util/error.h"

static void id_key(unsigned char k[8], uint64_t id)
{
	cu_put_u64be(k, id);
}

static int not_found(uint64_t id)
{
	return cu_err(CUSTOS_ENOTFOUND, "no customer %llu", (unsigned long long)id);
}

/* Decode an authenticated record into a handle, decrypting the classes in `classes`. */
static int decode_record(cu_op *op, const cu_rec *r, const cu_rec_secrets *s, unsigned classes, custos_customer **out)
{
	cu_rec_plain plain = CU_REC_PLAIN_INIT;
	custos_customer *c;
	int rc;

	if ((rc = cu_customer_alloc(&c, op->schema, op->core->keys->store_id)))
		return rc;
	/* One allocation: the values take less room than the record that holds them. */
	if ((rc = cu_bytes_reserve(&c->arena, r->n + op->schema->nfields))) {
		cu_customer_destroy(c);
		return rc;
	}
	c->id = r->id;
	c->version = r->version;
	c->owner = r->owner;
	c->team = r->team;
	c->state = r->state;
	c->prior = r->prior;
	c->created_us = r->created_us;
	c->updated_us = r->updated_us;
	rc = cu_customer_decode_section(c, r->clear, r->clear_len, 1, CUSTOS_CLASS_PROFILE);
	if (!rc)
		rc = cu_rec_decrypt(r, classes, s, &plain);
	for (unsigned cls = 1; cls < CUSTOS_CLASS_COUNT && !rc; cls++)
		if (plain.classes & (1U << cls))
			rc = cu_customer_decode_section(c, plain.buf.p + plain.at[cls], plain.len[cls], 0, cls);
	cu_rec_plain_free(&plain);
	if (rc == CUSTOS_ECORRUPT)  /* authenticated, yet malformed: written by a faulty writer */
		cu_err(rc, "customer %llu holds a value that does not fit its field", (unsigned long long)r->id);
	else if (rc == CU_ESTALE)  /* the message stands if a newer schema does not know the field either */
		cu_err(CUSTOS_ECORRUPT, "customer %llu names a field the store's schema does not have",
			(unsigned long long)r->id);
	if (rc) {
		cu_customer_destroy(c);
		return rc;
	}
	*out = c;
	return CUSTOS_OK;
}

/* The version a write of c gets: records keep it in 32 bits, and it never wraps to an
 * older value (the audit replay tells record versions apart by it). */
static int next_version(const custos_customer *c, uint32_t *v)
{
	if (c->version == UINT32_MAX)
		return cu_err(CUSTOS_EFULL, "customer %llu has reached the highest record version (%u); it cannot be "
			"written again", (unsigned long long)c->id, UINT32_MAX);
	*v = c->version + 1;
	return CUSTOS_OK;
}

/* Read and authenticate customer id's record (borrowed from the backend into r) and check
 * that op reaches it; its data key goes to s. */
static int open_reached(cu_op *op, uint64_t id, cu_rec *r, cu_rec_secrets *s)
{
	unsigned char k[8];
	custos_val v;
	int rc;

	id_key(k, id);
	if ((rc = cu_get(op->txn, CU_B_CUSTOMERS, k, 8, &v)))
		return rc == CUSTOS_ENOTFOUND ? not_found(id) : rc;
	if ((rc = cu_rec_parse(r, id, v.data, v.size)) || (rc = cu_rec_open(r, op->core->keys, s)))
		return rc;
	/* The central scope check, on the authenticated header: a customer out of reach, or
	 * archived for an operation that does not show archived customers, is exactly as
	 * absent as one that does not exist. */
	return cu_op_reaches(op, r->owner, r->team) && (op->see_archived || r->state != CUSTOS_STATE_ARCHIVED) ?
		CUSTOS_OK : not_found(id);
}

static int archived(uint64_t id)
{
	return cu_err(CUSTOS_ESTATE, "customer %llu is archived and read-only; restore it first",
		(unsigned long long)id);
}

/* Read, authenticate and decode customer id; the record's secrets stay in s for a rewrite.
 * The record is borrowed from the backend until the next backend call, so it is decoded
 * completely before any other call is made. */
static int load_with_secrets(cu_op *op, uint64_t id, unsigned classes, cu_rec_secrets *s, custos_customer **out)
{
	cu_rec r;
	int rc;

	if ((rc = open_reached(op, id, &r, s)))
		return rc;
	return decode_record(op, &r, s, classes, out);
}

int cu_cust_open_key(cu_op *op, uint64_t id, cu_rec_secrets *s, int writing)
{
	cu_rec r;
	int rc = open_reached(op, id, &r, s);

	if (!rc && writing && r.state == CUSTOS_STATE_ARCHIVED)
		rc = archived(id);
	if (rc)
		cu_rec_close(s);
	return rc;
}

int cu_cust_reachable(cu_op *op, uint64_t id, int *yes)
{
	unsigned char k[8];
	cu_rec_secrets s;
	custos_val v;
	cu_rec r;
	int rc;

	*yes = 0;
	id_key(k, id);
	if ((rc = cu_get(op->txn, CU_B_CUSTOMERS, k, 8, &v)))
		return rc == CUSTOS_ENOTFOUND ? CUSTOS_OK : rc;
	if (!(rc = cu_rec_parse(&r, id, v.data, v.size)) && !(rc = cu_rec_open(&r, op->core->keys, &s)))
		*yes = cu_op_reaches(op, r.owner, r.team) && (op->see_archived || r.state != CUSTOS_STATE_ARCHIVED);
	cu_rec_close(&s);
	return rc;
}

int cu_cust_load(cu_op *op, uint64_t id, custos_customer **out)
{
	cu_rec_secrets s;
	int rc = load_with_secrets(op, id, op->visible, &s, out);

	cu_rec_close(&s);
	if (!rc && (rc = cu_metrics_load(op, *out))) {
		cu_customer_destroy(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- checks shared by insert and update ---- */

static int check_required(const custos_customer *c)
{
	for (size_t i = 0; i < c->schema->nfields; i++) {
		const cu_field *f = &c->schema->fields[i];
		if ((f->flags & CUSTOS_FIELD_REQUIRED) && !c->slots[i].present)
			return cu_err(CUSTOS_EINVALID, "field '%s' is required", f->name);
	}
	return CUSTOS_OK;
}

/* The value of field f (from any snapshot of the store's schema) in c, or NULL. */
static const unsigned char *value_of(const custos_customer *c, const cu_field *f, size_t *n)
{
	const cu_field *cf = cu_schema_by_id(c->schema, f->id);

	return cf ? cu_value_get(c, cf, n) : NULL;
}

int cu_cust_matches(const custos_customer *c, const cu_field *f, const unsigned char *norm, size_t n, int *match)
{
	cu_bytes form = CU_BYTES_SECRET_INIT;
	const unsigned char *v;
	size_t vn, start = 0;
	int rc;

	*match = 0;
	if (!(v = value_of(c, f, &vn)))
		return CUSTOS_OK;
	if (f->type == CUSTOS_TYPE_TAGS) {
		for (size_t i = 0; i < vn; i++) {
			if (v[i])
				continue;
			if (i - start == n && cu_equal(v + start, norm, n))
				*match = 1;
			start = i + 1;
		}
		return CUSTOS_OK;
	}
	if (!(rc = cu_value_index_form(f, v, vn, &form)))
		*match = form.len == n && cu_equal(form.p, norm, n);
	cu_bytes_free(&form);
	return rc;
}

int cu_cust_check_unique(cu_op *op, const custos_customer *c, uint64_t self, const cu_field *f)
{
	cu_bytes norm = CU_BYTES_SECRET_INIT;
	uint64_t ids[16], after = 0;
	const unsigned char *v;
	size_t vn, count;
	int rc = CUSTOS_OK, more = 1;
	unsigned saved = op->visible;

	int saved_scope = op->scope, saved_archived = op->see_archived, reach = 0;

	if (!(v = value_of(c, f, &vn)))
		return CUSTOS_OK;
	if ((rc = cu_value_index_form(f, v, vn, &norm)))
		return rc;
	op->visible = 1U << f->cls;
	op->scope = CU_SCOPE_ALL;  /* a unique value is unique across the whole store, */
	op->see_archived = 1;      /* archived customers included */
	while (more && !rc) {
		if ((rc = cu_index_scan(op, f, v, vn, after, ids, 16, &count, &more)))
			break;
		for (size_t i = 0; i < count && !rc; i++) {
			custos_customer *other;
			int same;
			after = ids[i];
			if (ids[i] == self)
				continue;
			if ((rc = cu_cust_load(op, ids[i], &other)))
				break;
			if (!(rc = cu_cust_matches(other, f, norm.p, norm.len, &same)) && same) {
				reach = cu_op_reaches(&(cu_op){ .scope = saved_scope, .actor = op->actor,
					.actor_team = op->actor_team }, other->owner, other->team);
				op->conflict_customer = ids[i];
				op->conflict_field = f->id;
				rc = reach ? cu_err(CUSTOS_EEXISTS, "field '%s' must be unique, and customer %llu already "
						"has this value", f->name, (unsigned long long)ids[i]) :
					     cu_err(CUSTOS_EDENIED, "field '%s' must be unique, and this value may not be "
						"used here", f->name);
			}
			cu_customer_destroy(other);
		}
	}
	op->visible = saved;
	op->scope = saved_scope;
	op->see_archived = saved_archived;
	cu_bytes_free(&norm);
	return rc;
}

/* ---- writing a record ---- */

static int write_record(cu_op *op, const custos_customer *c, const cu_rec *hdr, const unsigned char dek[CU_KEY_BYTES],
	unsigned put_flags, uint32_t classes, int action)
{
	cu_bytes clear = CU_BYTES_INIT, out = CU_BYTES_INIT;
	cu_bytes groups[CUSTOS_CLASS_COUNT];
	const cu_bytes *gp[CUSTOS_CLASS_COUNT] = { NULL };
	unsigned char k[8];
	int rc;

	for (unsigned cls = 0; cls < CUSTOS_CLASS_COUNT; cls++) {
		cu_bytes empty = CU_BYTES_SECRET_INIT;
		groups[cls] = empty;
	}
	rc = cu_customer_encode_clear(c, &clear);
	for (unsigned cls = 1; cls < CUSTOS_CLASS_COUNT && !rc; cls++) {
		rc = cu_customer_encode_class(c, cls, &groups[cls]);
		gp[cls] = &groups[cls];
	}
	if (!rc)
		rc = cu_rec_build(&out, hdr, &clear, gp, op->core->keys, dek);
	id_key(k, hdr->id);
	if (!rc)
		rc = cu_put_flags(op->txn, CU_B_CUSTOMERS, k, 8, out.p, out.len, put_flags);
	if (!rc)
		rc = cu_op_note_write_as(op, action, hdr->id, hdr->version, classes, out.p, out.len);
	for (unsigned cls = 0; cls < CUSTOS_CLASS_COUNT; cls++)
		cu_bytes_free(&groups[cls]);
	cu_bytes_free(&clear);
	cu_bytes_free(&out);
	return rc;
}

/* Classes holding a value of c (present) or a change (dirty). */
static uint32_t classes_of(const custos_customer *c, int dirty_only)
{
	uint32_t m = 0;

	for (size_t i = 0; i < c->schema->nfields; i++)
		if (dirty_only ? c->slots[i].dirty : c->slots[i].present)
			m |= 1U << c->schema->fields[i].cls;
	return m;
}

static int check_all_unique(cu_op *op, const custos_customer *c, uint64_t self, const custos_customer *changed)
{
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		if (!(f->flags & CUSTOS_FIELD_UNIQUE))
			continue;
		if (changed) {
			const cu_field *cf = cu_schema_by_id(changed->schema, f->id);
			if (!cf || !changed->slots[cu_schema_pos(changed->schema, cf)].dirty)
				continue;
		}
		rc = cu_cust_check_unique(op, c, self, f);
	}
	return rc;
}

int cu_cust_insert(cu_op *op, const custos_customer *draft, uint64_t *id_out)
{
	unsigned char k[8], dek[CU_KEY_BYTES];
	custos_customer *c = NULL;
	const cu_field *building;
	cu_counters *ctr;
	custos_val v;
	cu_rec hdr;
	uint64_t id;
	int rc;

	if ((rc = cu_customer_alloc(&c, op->schema, op->core->keys->store_id)) || (rc = cu_customer_apply_changes(c, draft)) ||
	    (rc = check_required(c)) || (rc = cu_suppression_check(op, c, NULL)) || (rc = cu_counters_get(op, &ctr)))
		goto out;
	id = ctr->next_id;
	id_key(k, id);
	rc = cu_get(op->txn, CU_B_CUSTOMERS, k, 8, &v);
	if (rc != CUSTOS_ENOTFOUND) {
		if (!rc)
			rc = cu_err(CUSTOS_ECORRUPT, "customer id %llu is already taken: the store's counters were "
				"rolled back", (unsigned long long)id);
		goto out;
	}
	if ((rc = check_all_unique(op, c, id, NULL)) || (rc = cu_random_key(dek)))
		goto out;
	memset(&hdr, 0, sizeof hdr);
	hdr.id = id;
	hdr.version = 1;
	hdr.dek_ver = 1;
	hdr.owner = op->actor;
	hdr.team = op->actor_team;
	hdr.state = CUSTOS_STATE_LEAD;
	hdr.created_us = hdr.updated_us = op->now_us;
	c->id = id;
	c->owner = hdr.owner;
	c->team = hdr.team;
	/* Ids only grow: the backend may pack the customers bucket densely. */
	if ((rc = write_record(op, c, &hdr, dek, CUSTOS_PUT_APPEND, classes_of(c, 0), 0)) ||
	    (rc = cu_index_customer(op, c, NULL, CU_INDEX_ADD, NULL)) || (rc = cu_job_field(op, &building)) ||
	    (building && (rc = cu_index_customer(op, c, building, CU_INDEX_ADD, NULL))))
		goto out;
	ctr->next_id++;
	ctr->count++;
	ctr->states[CUSTOS_STATE_LEAD]++;
	op->counters_dirty = 1;
	if (id_out)
		*id_out = id;
out:
	cu_wipe(dek, sizeof dek);
	cu_customer_destroy(c);
	return rc;
}

/* Re-index the searchable fields whose value the update changed. */
static int reindex_changed(cu_op *op, const custos_customer *c, const cu_slot *old, uint64_t id)
{
	const cu_field *building;
	int rc = cu_job_field(op, &building);

	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		const cu_slot *o = &old[i], *n = &c->slots[i];
		if (building && building->id == f->id)
			f = building;  /* being made searchable: its entries are kept already */
		if (!(f->flags & CUSTOS_FIELD_SEARCHABLE) || !n->dirty || !cu_slot_differs(c, o, n))
			continue;
		if (o->present)
			rc = cu_index_remove(op, f, id, c->arena.p + o->off, o->len);
		if (!rc && n->present)
			rc = cu_index_add(op, f, id, c->arena.p + n->off, n->len);
	}
	return rc;
}

int cu_cust_update(cu_op *op, uint64_t id, uint32_t expected, const custos_customer *changes)
{
	custos_customer *c = NULL;
	cu_slot *old = NULL;
	cu_rec_secrets s;
	cu_rec hdr;
	int rc;

	if ((rc = load_with_secrets(op, id, (1U << CUSTOS_CLASS_COUNT) - 1, &s, &c)))
		goto out;
	if (c->state == CUSTOS_STATE_ARCHIVED) {
		rc = archived(id);
		goto out;
	}
	if (expected && c->version != expected) {
		rc = cu_err(CUSTOS_ECONFLICT, "customer %llu is at version %u, not %u: another writer changed it since it "
			"was read; read it again and apply the change to what it holds now", (unsigned long long)id,
			c->version, expected);
		goto out;
	}
	if (!(old = cu_malloc(c->schema->nfields * sizeof *old))) {
		rc = cu_err_oom();
		goto out;
	}
	memcpy(old, c->slots, c->schema->nfields * sizeof *old);
	if ((rc = cu_customer_apply_changes(c, changes)) || (rc = check_required(c)) ||
	    (rc = cu_suppression_check(op, c, changes)) || (rc = check_all_unique(op, c, id, changes)) ||
	    (rc = reindex_changed(op, c, old, id)))
		goto out;
	memset(&hdr, 0, sizeof hdr);
	hdr.id = id;
	if ((rc = next_version(c, &hdr.version)))
		goto out;
	hdr.dek_ver = 1;
	hdr.owner = c->owner;
	hdr.team = c->team;
	hdr.state = c->state;
	hdr.prior = c->prior;
	hdr.created_us = c->created_us;
	hdr.updated_us = op->now_us > c->updated_us ? op->now_us : c->updated_us;
	if (!(rc = write_record(op, c, &hdr, s.dek, 0, classes_of(changes, 1), 0)))
		rc = cu_history_record(op, id, hdr.version, c, old, s.dek);
out:
	cu_rec_close(&s);
	cu_free(old);
	cu_customer_destroy(c);
	return rc;
}

int cu_cust_ids(cu_op *op, uint64_t after_id, uint64_t *ids, size_t max, size_t *count)
{
	return cu_cust_scan(op, after_id, max, ids, NULL, count);
}

/* Write c again as a new version with this owner, team, state and prior state (the
 * state an archived customer returns to), noted for the audit log as `action`. */
static int rewrite_header(cu_op *op, const custos_customer *c, uint32_t owner, uint32_t team, int state, int prior,
	const unsigned char dek[CU_KEY_BYTES], int action, uint32_t *version)
{
	cu_rec hdr;
	int rc;

	memset(&hdr, 0, sizeof hdr);
	hdr.id = c->id;
	if ((rc = next_version(c, &hdr.version)))
		return rc;
	hdr.dek_ver = 1;
	hdr.owner = owner;
	hdr.team = team;
	hdr.state = (uint8_t)state;
	hdr.prior = (uint8_t)prior;
	hdr.created_us = c->created_us;
	hdr.updated_us = op->now_us > c->updated_us ? op->now_us : c->updated_us;
	if (version)
		*version = hdr.version;
	return write_record(op, c, &hdr, dek, 0, 0, action);
}

int cu_cust_reassign(cu_op *op, uint64_t id, uint32_t owner, uint32_t team)
{
	custos_customer *c = NULL;
	cu_rec_secrets s;
	int rc;

	if ((rc = load_with_secrets(op, id, (1U << CUSTOS_CLASS_COUNT) - 1, &s, &c)))
		goto out;
	if (c->owner == owner && c->team == team)
		goto out;
	if ((rc = cu_holder_remove(op, CU_HOLDER_OWNER, c->owner, id)) || (rc = cu_holder_remove(op, CU_HOLDER_TEAM, c->team, id)) ||
	    (rc = cu_holder_add(op, CU_HOLDER_OWNER, owner, id)) || (rc = cu_holder_add(op, CU_HOLDER_TEAM, team, id)))
		goto out;
	rc = rewrite_header(op, c, owner, team, c->state, c->prior, s.dek, 0, NULL);
out:
	cu_rec_close(&s);
	cu_customer_destroy(c);
	return rc;
}

/* The union of the owner and team memberships of the actor, one page, ascending. A page
 * of either list that came back full stops the merge at its last id, so nothing between
 * the pages is skipped. */
static int scoped_candidates(cu_op *op, uint64_t after, uint64_t *ids, size_t max, size_t *count)
{
	uint64_t a[256], b[256], limit = UINT64_MAX;
	size_t na, nb = 0, i = 0, j = 0;
	int rc;

	if (max > 256)
		max = 256;
	if ((rc = cu_holder_scan(op, CU_HOLDER_OWNER, op->actor, after, a, max, &na)))
		return rc;
	if (op->scope == CU_SCOPE_TEAM && (rc = cu_holder_scan(op, CU_HOLDER_TEAM, op->actor_team, after, b, max, &nb)))
		return rc;
	if (na == max)
		limit = a[na - 1];
	if (nb == max && b[nb - 1] < limit)
		limit = b[nb - 1];
	*count = 0;
	while (i < na || j < nb) {
		uint64_t next = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
		if (next > limit)
			break;
		if (i < na && a[i] == next)
			i++;
		if (j < nb && b[j] == next)
			j++;
		ids[(*count)++] = next;
	}
	return CUSTOS_OK;
}

int cu_cust_record_damaged(int rc)
{
	return rc == CUSTOS_EAUTH || rc == CUSTOS_ECORRUPT || rc == CU_ESTALE;
}

int cu_cust_drop_archived(cu_op *op, uint64_t *ids, size_t *count)
{
	cu_counters *ctr;
	size_t kept = 0;
	int rc, yes;

	if (op->see_archived || *count == 0)
		return CUSTOS_OK;
	if ((rc = cu_counters_get(op, &ctr)))
		return rc;
	if (ctr->states[CUSTOS_STATE_ARCHIVED] == 0)
		return CUSTOS_OK;  /* the common case: nothing to look up */
	for (size_t i = 0; i < *count; i++) {
		if ((rc = cu_holder_has(op, CU_HOLDER_ARCHIVED, CUSTOS_STATE_ARCHIVED, ids[i], &yes)))
			return rc;
		if (!yes)
			ids[kept++] = ids[i];
	}
	*count = kept;
	return CUSTOS_OK;
}

int cu_cust_ids_reachable(cu_op *op, uint64_t after_id, uint64_t *ids, size_t max, size_t *count, uint64_t *last_seen,
	int keep_damaged)
{
	uint64_t cand[256];
	size_t n, kept = 0;
	int rc, yes;

	if (op->scope == CU_SCOPE_ALL) {
		rc = cu_cust_ids(op, after_id, ids, max, count);
		*last_seen = *count ? ids[*count - 1] : UINT64_MAX;
		return rc ? rc : cu_cust_drop_archived(op, ids, count);
	}
	if ((rc = scoped_candidates(op, after_id, cand, max < 256 ? max : 256, &n)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = cu_cust_reachable(op, cand[i], &yes);
		if (rc && !(keep_damaged && cu_cust_record_damaged(rc)))
			return rc;
		if (yes || rc)
			ids[kept++] = cand[i];
	}
	*count = kept;
	*last_seen = n ? cand[n - 1] : UINT64_MAX;
	return CUSTOS_OK;
}

int cu_cust_count_reachable(cu_op *op, uint64_t *out)
{
	uint64_t ids[256], after = 0, last;
	size_t n;
	int rc;

	*out = 0;
	if (op->scope == CU_SCOPE_ALL) {
		cu_counters *ctr;
		if ((rc = cu_counters_get(op, &ctr)))
			return rc;
		*out = ctr->count - (op->see_archived ? 0 : ctr->states[CUSTOS_STATE_ARCHIVED]);
		return CUSTOS_OK;
	}
	do {
		if ((rc = cu_cust_ids_reachable(op, after, ids, 256, &n, &last, 0)))
			return rc;
		*out += n;
		after = last;
	} while (last != UINT64_MAX);
	return CUSTOS_OK;
}

/* ---- lifecycle ---- */

static void head_of(const cu_rec *r, cu_cust_head *h)
{
	h->state = r->state;
	h->prior = r->prior;
	h->owner = r->owner;
	h->team = r->team;
	h->version = r->version;
	h->created_us = r->created_us;
	h->updated_us = r->updated_us;
}

int cu_cust_read_head(cu_op *op, uint64_t id, cu_cust_head *h)
{
	cu_rec_secrets s;
	cu_rec r;
	int rc = open_reached(op, id, &r, &s);

	cu_rec_close(&s);
	if (!rc)
		head_of(&r, h);
	return rc;
}

int cu_cust_state(cu_op *op, uint64_t id, int *state, int *prior)
{
	cu_cust_head h;
	int rc = cu_cust_read_head(op, id, &h);

	if (rc)
		return rc;
	*state = h.state;
	*prior = h.prior;
	return CUSTOS_OK;
}

int cu_cust_scan(cu_op *op, uint64_t after_id, size_t max, uint64_t *ids, cu_cust_head *heads, size_t *count)
{
	unsigned char k[8];
	custos_val key, v;
	cu_cursor cur;
	cu_rec r;
	int rc;

	*count = 0;
	if (after_id == UINT64_MAX)
		return CUSTOS_OK;
	id_key(k, after_id + 1);
	if ((rc = cu_cursor_open(&cur, op->txn, CU_B_CUSTOMERS)))
		return rc;
	for (rc = cu_cursor_seek(&cur, k, 8, &key, &v); rc == CUSTOS_OK && *count < max;
	     rc = cu_cursor_next(&cur, &key, &v)) {
		if (key.size != 8) {
			rc = cu_err(CUSTOS_ECORRUPT, "a customer key has %zu bytes instead of 8", key.size);
			break;
		}
		ids[*count] = cu_get_u64be(key.data);
		if (heads && (rc = cu_rec_parse(&r, ids[*count], v.data, v.size)))
			break;
		if (heads)
			head_of(&r, &heads[*count]);
		(*count)++;
	}
	cu_cursor_close(&cur);
	return rc == CUSTOS_ITEROVER ? CUSTOS_OK : rc;
}

/* Load customer id whole, for a rewrite or an erasure that moves it between the store's
 * counters: its record's secrets in s, the counters in *ctr, which must count it. */
static int load_counted(cu_op *op, uint64_t id, cu_rec_secrets *s, custos_customer **c, cu_counters **ctr)
{
	int rc;

	if ((rc = load_with_secrets(op, id, (1U << CUSTOS_CLASS_COUNT) - 1, s, c)) || (rc = cu_counters_get(op, ctr)))
		return rc;
	if ((*c)->state < CUSTOS_STATE_LEAD || (*c)->state >= CU_STATES || (*ctr)->states[(*c)->state] == 0 ||
	    (*ctr)->count == 0)
		return cu_err(CUSTOS_ECORRUPT, "customer %llu is in state %d, which the store's counters do not hold",
			(unsigned long long)id, (*c)->state);
	return CUSTOS_OK;
}

int cu_cust_set_state(cu_op *op, uint64_t id, int to, const char *reason, size_t rn, int action)
{
	custos_customer *c = NULL;
	cu_counters *ctr;
	cu_rec_secrets s;
	uint32_t version;
	int rc, from, prior;

	if ((rc = load_counted(op, id, &s, &c, &ctr)))
		goto out;
	from = c->state;
	prior = to == CUSTOS_STATE_ARCHIVED ? from : 0;
	if (from == to) {
		rc = cu_err(CUSTOS_ESTATE, "customer %llu is %s already", (unsigned long long)id, custos_state_name(to));
		goto out;
	}
	/* Archived customers have an entry that lets whole-store lists leave them out. */
	if (to == CUSTOS_STATE_ARCHIVED)
		rc = cu_holder_add(op, CU_HOLDER_ARCHIVED, CUSTOS_STATE_ARCHIVED, id);
	else if (from == CUSTOS_STATE_ARCHIVED)
		rc = cu_holder_remove(op, CU_HOLDER_ARCHIVED, CUSTOS_STATE_ARCHIVED, id);
	if (rc || (rc = rewrite_header(op, c, c->owner, c->team, to, prior, s.dek, action, &version)) ||
	    (rc = cu_history_move(op, id, version, from, to, reason, rn, s.dek)))
		goto out;
	ctr->states[from]--;
	ctr->states[to]++;
	op->counters_dirty = 1;
out:
	cu_rec_close(&s);
	cu_customer_destroy(c);
	return rc;
}

int cu_cust_erase(cu_op *op, uint64_t id, const char *reason, size_t rn)
{
	unsigned char tomb[CU_TOMBSTONE_MAX];
	custos_customer *c = NULL;
	const cu_field *building;
	unsigned char k[8];
	cu_counters *ctr;
	cu_rec_secrets s;
	cu_tombstone t;
	size_t tn;
	int rc;

	if ((rc = load_counted(op, id, &s, &c, &ctr)))
		goto out;
	t.time_us = op->now_us;
	t.author = op->actor;
	t.state = c->state;
	t.reason_len = (uint16_t)rn;
	t.reason = (const unsigned char *)reason;
	tn = cu_tombstone_encode(tomb, op, id, &t);
	id_key(k, id);
	if ((rc = cu_suppress_customer(op, c)) || (rc = cu_index_customer(op, c, NULL, CU_INDEX_REMOVE, NULL)) ||
	    (rc = cu_job_field(op, &building)) ||
	    (building && (rc = cu_index_customer(op, c, building, CU_INDEX_REMOVE, NULL))) ||
	    (rc = cu_timeline_erase(op, id)) || (rc = cu_del(op->txn, CU_B_CUSTOMERS, k, 8)) ||
	    (rc = cu_put(op->txn, CU_B_ERASED, k, 8, tomb, tn)))
		goto out;
	ctr->count--;
	ctr->states[c->state]--;
	ctr->states[CUSTOS_STATE_ERASED]++;
	op->counters_dirty = 1;
	rc = cu_op_note_write_as(op, CUSTOS_AUDIT_ERASE, id, c->version, 0, tomb, tn);
out:
	cu_rec_close(&s);
	cu_customer_destroy(c);
	return rc;
}
