/*
 * access/review.c — the permission review: per principal its rights, and which of them
 * went unused, from the usage the audit log records per operation and day.
 */
#include <string.h>

#include "access/access.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/error.h"

typedef struct review_row {
	char name[CU_NAME_BUF], role[CU_NAME_BUF], team[CU_NAME_BUF];
	int disabled;
	uint32_t scope, ops, unused;
	uint8_t vis[CUSTOS_CLASS_COUNT];
	int64_t last_active;
} review_row;

struct custos_review {
	review_row *rows;
	size_t n, cap;
};

typedef struct build {
	cu_txn *t;
	const cu_keys *k;
	custos_review *r;
	uint32_t today, days;
} build;

static int add_row(const cu_principal *p, void *arg)
{
	build *b = arg;
	review_row *row;
	cu_role role;
	int rc;

	if (b->r->n == b->r->cap) {
		size_t cap = b->r->cap ? b->r->cap * 2 : 16;
		review_row *g = cu_realloc(b->r->rows, cap * sizeof *g);
		if (!g)
			return cu_err_oom();
		b->r->rows = g;
		b->r->cap = cap;
	}
	row = &b->r->rows[b->r->n];
	memset(row, 0, sizeof *row);
	if ((rc = cu_role_get_id(b->t, b->k, p->role, &role)) || (rc = cu_team_name(b->t, b->k, p->team, row->team)))
		return rc;
	snprintf(row->name, sizeof row->name, "%s", p->name);
	snprintf(row->role, sizeof row->role, "%s", role.name);
	row->disabled = (p->flags & CU_PRINCIPAL_DISABLED) != 0;
	row->scope = role.scope;
	row->ops = role.ops;
	memcpy(row->vis, role.vis, sizeof row->vis);
	row->last_active = (int64_t)p->last_day * 86400;
	for (int i = 0; i < CU_OPS; i++) {
		uint32_t bit = 1U << i, used = p->used_day[i];
		if ((role.ops & bit) && (used == 0 || b->today - used >= b->days))
			row->unused |= bit;
	}
	b->r->n++;
	return CUSTOS_OK;
}

static int review_fn(cu_txn *t, void *arg)
{
	build *b = arg;

	b->t = t;
	return cu_principal_each(t, b->k, add_row, b);
}

int cu_review_build(custos_review **out, cu_core *core, uint32_t days)
{
	custos_review *r = cu_calloc(1, sizeof *r);
	build b;
	int rc;

	if (!r)
		return cu_err_oom();
	b.k = core->keys;
	b.r = r;
	b.today = (uint32_t)(cu_clock_wall_us() / 86400000000LL);
	b.days = days;
	b.t = NULL;
	if ((rc = cu_store_read(&core->store, review_fn, &b))) {
		custos_review_free(r);
		return rc;
	}
	*out = r;
	return CUSTOS_OK;
}

void custos_review_free(custos_review *review)
{
	if (!review)
		return;
	cu_free(review->rows);
	cu_free(review);
}

static const review_row *row_at(const custos_review *r, size_t i)
{
	return r && i < r->n ? &r->rows[i] : NULL;
}

size_t custos_review_count(const custos_review *r) { return r ? r->n : 0; }
const char *custos_review_principal(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->name : NULL; }
const char *custos_review_role(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->role : NULL; }
const char *custos_review_team(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->team : NULL; }
int custos_review_disabled(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->disabled : 0; }
int custos_review_scope(const custos_review *r, size_t i) { return row_at(r, i) ? (int)row_at(r, i)->scope : 0; }
uint32_t custos_review_operations(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->ops : 0; }
uint32_t custos_review_unused(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->unused : 0; }
int64_t custos_review_last_active(const custos_review *r, size_t i) { return row_at(r, i) ? row_at(r, i)->last_active : 0; }

int custos_review_visibility(const custos_review *r, size_t i, int field_class)
{
	const review_row *row = row_at(r, i);

	if (!row || field_class < 0 || field_class >= CUSTOS_CLASS_COUNT)
		return CUSTOS_VIS_HIDDEN;
	return row->vis[field_class];
}
