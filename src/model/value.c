/*
 * model/value.c — customer handles: slots, the secret arena, and the section codec.
 */
#include <stdio.h>
#include <string.h>

#include "model/validate.h"
#include "model/value.h"
#include "util/alloc.h"
#include "util/error.h"

int cu_customer_same_store(const custos_customer *c, const unsigned char store_id[16])
{
	return memcmp(c->store_id, store_id, sizeof c->store_id) == 0;
}

int cu_customer_alloc(custos_customer **out, cu_schema *s, const unsigned char store_id[16])
{
	custos_customer *c = cu_calloc(1, sizeof *c);

	if (!c || !(c->slots = cu_calloc(s->nfields, sizeof *c->slots))) {
		cu_free(c);
		return cu_err_oom();
	}
	c->arena.secret = 1;
	memcpy(c->store_id, store_id, sizeof c->store_id);
	c->schema = cu_schema_ref(s);
	*out = c;
	return CUSTOS_OK;
}

int cu_customer_clone(custos_customer **out, const custos_customer *c)
{
	custos_customer *d = NULL;
	int rc;

	if ((rc = cu_customer_alloc(&d, c->schema, c->store_id)))
		return rc;
	if (c->arena.len && (rc = cu_bytes_append(&d->arena, c->arena.p, c->arena.len))) {
		cu_customer_destroy(d);
		return rc;
	}
	memcpy(d->slots, c->slots, c->schema->nfields * sizeof *d->slots);
	if (c->summary_len && !(d->summary = cu_malloc(c->summary_len)))
		rc = cu_err_oom();
	else if (c->summary_len)
		memcpy(d->summary, c->summary, c->summary_len);
	d->summary_len = d->summary ? c->summary_len : 0;
	d->metrics_built = c->metrics_built;
	for (size_t i = 0; i < c->nmetrics && !rc; i++)
		rc = cu_customer_add_metric(d, c->metrics[i].name, c->metrics[i].f.type, c->marena.p + c->metrics[i].off,
			c->metrics[i].len);
	if (rc) {
		cu_customer_destroy(d);
		return rc;
	}
	d->id = c->id;
	d->version = c->version;
	d->created_us = c->created_us;
	d->updated_us = c->updated_us;
	d->owner = c->owner;
	d->team = c->team;
	d->state = c->state;
	d->prior = c->prior;
	*out = d;
	return CUSTOS_OK;
}

void cu_customer_destroy(custos_customer *c)
{
	if (!c)
		return;
	cu_bytes_free(&c->arena);
	cu_bytes_free(&c->marena);
	cu_free(c->metrics);
	cu_free(c->summary);
	cu_free(c->slots);
	cu_schema_unref(c->schema);
	cu_free(c);
}

const cu_field *cu_customer_field(const custos_customer *c, const char *name)
{
	return cu_schema_find(c->schema, name);
}

const cu_field *cu_customer_metric(const custos_customer *c, const char *name)
{
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i].f;
	return NULL;
}

int cu_customer_add_metric(custos_customer *c, const char *name, int type, const void *p, size_t n)
{
	size_t off = c->marena.len;
	cu_metric *m;
	int rc;

	if (!(m = cu_array_room(c->metrics, &c->cmetrics, c->nmetrics, sizeof *m)))
		return CUSTOS_ENOMEM;
	c->metrics = m;
	for (size_t i = 0; i < c->nmetrics; i++)  /* the names move with their metrics */
		c->metrics[i].f.name = c->metrics[i].name;
	if ((rc = cu_bytes_append(&c->marena, p, n)) || (rc = cu_bytes_append_u8(&c->marena, 0)))
		return rc;
	m = &c->metrics[c->nmetrics++];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	m->f.id = CU_METRIC_FIELD_ID;
	m->f.type = (uint8_t)type;
	m->f.cls = CUSTOS_CLASS_PROFILE;
	m->f.flags = CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_BUILTIN;
	m->f.name = m->name;
	m->off = (uint32_t)off;
	m->len = (uint32_t)n;
	return CUSTOS_OK;
}

int cu_value_store(custos_customer *c, const cu_field *f, const void *p, size_t n, int dirty)
{
	cu_slot *s = &c->slots[cu_schema_pos(c->schema, f)];
	size_t off = c->arena.len;
	int rc;

	if (off > UINT32_MAX - n - 1)
		return cu_err(CUSTOS_EFULL, "customer values exceed 4 GiB");
	if ((rc = cu_bytes_reserve(&c->arena, n + 1)))
		return rc;
	cu_bytes_append(&c->arena, p, n);
	cu_bytes_append_u8(&c->arena, 0);
	s->off = (uint32_t)off;
	s->len = (uint32_t)n;
	s->present = 1;
	s->masked = 0;
	s->dirty |= (uint8_t)dirty;
	return CUSTOS_OK;
}

#define COMPACT_FLOOR 4096

static int compact(custos_customer *c, size_t need)
{
	cu_bytes fresh = CU_BYTES_SECRET_INIT;
	size_t live = 0;
	int rc;

	for (size_t i = 0; i < c->schema->nfields; i++)
		if (c->slots[i].present)
			live += c->slots[i].len + 1;
	if (c->arena.len < COMPACT_FLOOR || c->arena.len - live < live + need)
		return CUSTOS_OK;
	if ((rc = cu_bytes_reserve(&fresh, live + need + 1)))
		return rc;
	for (size_t i = 0; i < c->schema->nfields; i++) {
		cu_slot *s = &c->slots[i];
		uint32_t off = (uint32_t)fresh.len;
		if (!s->present)
			continue;
		cu_bytes_append(&fresh, c->arena.p + s->off, s->len + 1);  /* reserved above */
		s->off = off;
	}
	cu_bytes_free(&c->arena);  /* wiped: it is secret */
	c->arena = fresh;
	return CUSTOS_OK;
}

int cu_value_set(custos_customer *c, const cu_field *f, const void *p, size_t n)
{
	int rc = compact(c, n + 1);

	return rc ? rc : cu_value_store(c, f, p, n, 1);
}

void cu_value_remove(custos_customer *c, const cu_field *f, int dirty)
{
	cu_slot *s = &c->slots[cu_schema_pos(c->schema, f)];

	s->present = 0;
	s->masked = 0;
	s->dirty |= (uint8_t)dirty;
}

int cu_slot_differs(const custos_customer *c, const cu_slot *o, const cu_slot *n)
{
	return o->present != n->present || (o->present && (o->len != n->len ||
	       memcmp(c->arena.p + o->off, c->arena.p + n->off, o->len) != 0));
}

const unsigned char *cu_value_get(const custos_customer *c, const cu_field *f, size_t *n)
{
	const cu_slot *s;

	if (f->id == CU_METRIC_FIELD_ID) {
		const cu_metric *m = (const cu_metric *)(const void *)f;  /* f is the metric's first member */
		*n = m->len;
		return c->marena.p + m->off;
	}
	s = &c->slots[cu_schema_pos(c->schema, f)];

	if (!s->present)
		return NULL;
	*n = s->len;
	return c->arena.p + s->off;
}

static int encode_fields(const custos_customer *c, int clear, unsigned cls, cu_bytes *out)
{
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < c->schema->nfields && !rc; i++) {
		const cu_field *f = &c->schema->fields[i];
		const cu_slot *s = &c->slots[i];
		if (!s->present || cu_field_encrypted(f) == clear || (!clear && f->cls != cls))
			continue;
		if (!(rc = cu_bytes_append_u16le(out, f->id)))
			rc = cu_bytes_append_str16(out, c->arena.p + s->off, s->len);
	}
	return rc;
}

int cu_customer_encode_clear(const custos_customer *c, cu_bytes *out)
{
	return encode_fields(c, 1, CUSTOS_CLASS_PROFILE, out);
}

int cu_customer_encode_class(const custos_customer *c, unsigned cls, cu_bytes *out)
{
	return encode_fields(c, 0, cls, out);
}

int cu_customer_decode_section(custos_customer *c, const unsigned char *p, size_t n, int clear_section, unsigned cls)
{
	unsigned last = 0;
	cu_reader r;
	int rc;

	cu_reader_init(&r, p, n);
	while (r.off < r.len) {
		uint16_t id = cu_read_u16le(&r), len = cu_read_u16le(&r);
		const unsigned char *v = cu_read_bytes(&r, len);
		const cu_field *f;
		if (!v || id <= last)
			return CUSTOS_ECORRUPT;
		last = id;
		if (!(f = cu_schema_by_id(c->schema, id)))
			return CU_ESTALE;
		if (cu_field_encrypted(f) == clear_section || (!clear_section && f->cls != cls) ||
		    !cu_value_well_formed(f, v, len))
			return CUSTOS_ECORRUPT;
		if ((rc = cu_value_store(c, f, v, len, 0)))
			return rc;
	}
	return CUSTOS_OK;
}

int cu_customer_apply_changes(custos_customer *to, const custos_customer *from)
{
	int rc;

	for (size_t i = 0; i < from->schema->nfields; i++) {
		const cu_field *ff = &from->schema->fields[i], *tf;
		const cu_slot *s = &from->slots[i];
		if (!s->dirty)
			continue;
		if (!(tf = cu_schema_by_id(to->schema, ff->id)) || tf->type != ff->type)
			return cu_err(CUSTOS_EINVALID, "field '%s' no longer exists in the store's schema", ff->name);
		if (!s->present)
			cu_value_remove(to, tf, 1);
		else if ((rc = cu_value_store(to, tf, from->arena.p + s->off, s->len, 1)))
			return rc;
	}
	return CUSTOS_OK;
}
