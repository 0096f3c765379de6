/*
 * access/records.c — principals, roles and teams as stored records, and the built-in roles.
 */
#include <string.h>

#include "access/access.h"
#include "custos/global.h"
#include "model/meta.h"
#include "util/error.h"

#define RECORD_FORMAT 1
#define PRINCIPAL_BYTES (1 + 4 * 6 + 8 + 4 + 2 * CU_OPS)
#define ROLE_BYTES (1 + 4 + 4 + 1 + CUSTOS_CLASS_COUNT)

enum { C = CUSTOS_VIS_CLEAR, M = CUSTOS_VIS_MASKED, H = CUSTOS_VIS_HIDDEN };
#define MANAGER_OPS (CUSTOS_OP_READ | CUSTOS_OP_CREATE | CUSTOS_OP_UPDATE | CUSTOS_OP_ARCHIVE | CUSTOS_OP_EXPORT | \
	CUSTOS_OP_IMPORT | CUSTOS_OP_SEGMENTS | CUSTOS_OP_REPORT | CUSTOS_OP_REASSIGN)
#define SALES_OPS (CUSTOS_OP_READ | CUSTOS_OP_CREATE | CUSTOS_OP_UPDATE | CUSTOS_OP_ARCHIVE | CUSTOS_OP_REPORT)

/* Visibility order: profile, name, contact, address, identity, notes, financial. */
static const cu_role builtin_roles[CU_BUILTIN_ROLES] = {
	{ CU_ROLE_ADMIN, CUSTOS_OP_ALL, CU_SCOPE_ALL, { C, C, C, C, C, C, C }, "admin" },
	{ CU_ROLE_MANAGER, MANAGER_OPS, CU_SCOPE_TEAM, { C, C, C, C, M, C, C }, "manager" },
	{ CU_ROLE_SALES, SALES_OPS, CU_SCOPE_OWN, { C, C, C, C, M, C, H }, "sales" },
	{ CU_ROLE_SUPPORT, CUSTOS_OP_READ | CUSTOS_OP_UPDATE, CU_SCOPE_ALL, { C, C, M, H, M, C, H }, "support" },
	{ CU_ROLE_ANALYST, CUSTOS_OP_REPORT, CU_SCOPE_ALL, { C, H, H, H, H, H, H }, "analyst" },
	{ CU_ROLE_AUDITOR, CUSTOS_OP_AUDIT, CU_SCOPE_ALL, { H, H, H, H, H, H, H }, "auditor" },
};

static const char K_IDS[] = "access_ids";
static const char K_GEN[] = "access_gen";

int cu_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CUSTOS_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x21 || name[i] == 0x7F)
			return 0;
	return 1;
}

/* A typed key: one prefix byte, then a name or an id. */
static size_t name_key(unsigned char *k, char prefix, const char *name)
{
	size_t n = strlen(name);

	k[0] = (unsigned char)prefix;
	memcpy(k + 1, name, n);
	return n + 1;
}

static void id_key(unsigned char k[5], char prefix, uint32_t id)
{
	k[0] = (unsigned char)prefix;
	cu_put_u32be(k + 1, id);
}

/* Store a named record under prefix ‖ name and its name under id_prefix ‖ id. */
static int named_put(cu_op *op, char prefix, char id_prefix, const char *name, uint32_t id, const void *v, size_t n)
{
	unsigned char key[1 + CUSTOS_NAME_MAX_BYTES], ik[5];
	int rc;

	id_key(ik, id_prefix, id);
	if ((rc = cu_sealed_put(op->txn, op->core->keys, CU_B_ACCESS, key, name_key(key, prefix, name), v, n)))
		return rc;
	return cu_sealed_put(op->txn, op->core->keys, CU_B_ACCESS, ik, sizeof ik, name, strlen(name));
}

/* The sealed record stored under prefix ‖ name; CUSTOS_ENOTFOUND naming `what` and the
 * name when there is none. */
static int named_get(cu_txn *t, const cu_keys *k, char prefix, const char *what, const char *name, cu_bytes *b)
{
	unsigned char key[1 + CUSTOS_NAME_MAX_BYTES];
	int rc;

	if (!cu_name_ok(name))
		return cu_err(CUSTOS_ENOTFOUND, "no %s named '%.64s'", what, name);
	rc = cu_sealed_get(t, k, CU_B_ACCESS, key, name_key(key, prefix, name), b);
	return rc == CUSTOS_ENOTFOUND ? cu_err(CUSTOS_ENOTFOUND, "no %s named '%s'", what, name) : rc;
}

/* The name stored under id_prefix ‖ id; CUSTOS_ENOTFOUND (for the caller to word) when
 * there is none, CUSTOS_ECORRUPT naming `what` when it is damaged. */
static int name_of(cu_txn *t, const cu_keys *k, char id_prefix, uint32_t id, const char *what, char name[CU_NAME_BUF])
{
	unsigned char key[5];
	cu_bytes b = CU_BYTES_INIT;
	int rc;

	id_key(key, id_prefix, id);
	rc = cu_sealed_get(t, k, CU_B_ACCESS, key, sizeof key, &b);
	if (!rc && (b.len == 0 || b.len > CUSTOS_NAME_MAX_BYTES))
		rc = cu_err(CUSTOS_ECORRUPT, "the name of %s %u is damaged", what, id);
	if (!rc) {
		memcpy(name, b.p, b.len);
		name[b.len] = '\0';
	}
	cu_bytes_free(&b);
	return rc;
}

/* ---- principals ---- */

static void principal_encode(unsigned char v[PRINCIPAL_BYTES], const cu_principal *p)
{
	unsigned char *q = v;

	*q++ = RECORD_FORMAT;
	cu_put_u32le(q, p->id), q += 4;
	cu_put_u32le(q, p->team), q += 4;
	cu_put_u32le(q, p->role), q += 4;
	cu_put_u32le(q, p->flags), q += 4;
	cu_put_u32le(q, p->rights_ver), q += 4;
	cu_put_u32le(q, 0), q += 4;
	cu_put_u64le(q, (uint64_t)p->created_us), q += 8;
	cu_put_u32le(q, p->last_day), q += 4;
	for (int i = 0; i < CU_OPS; i++, q += 2)
		cu_put_u16le(q, p->used_day[i]);
}

static int principal_decode(cu_principal *p, const cu_bytes *b, const char *name)
{
	const unsigned char *q = b->p;

	if (b->len != PRINCIPAL_BYTES || q[0] != RECORD_FORMAT)
		return cu_err(CUSTOS_ECORRUPT, "the record of principal '%.64s' is damaged", name);
	q++;
	p->id = cu_get_u32le(q), q += 4;
	p->team = cu_get_u32le(q), q += 4;
	p->role = cu_get_u32le(q), q += 4;
	p->flags = cu_get_u32le(q), q += 4;
	p->rights_ver = cu_get_u32le(q), q += 8;
	p->created_us = (int64_t)cu_get_u64le(q), q += 8;
	p->last_day = cu_get_u32le(q), q += 4;
	for (int i = 0; i < CU_OPS; i++, q += 2)
		p->used_day[i] = cu_get_u16le(q);
	snprintf(p->name, sizeof p->name, "%s", name);
	return CUSTOS_OK;
}

int cu_principal_get(cu_txn *t, const cu_keys *k, const char *name, cu_principal *p)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = named_get(t, k, 'n', "principal", name, &b);

	if (!rc)
		rc = principal_decode(p, &b, name);
	cu_bytes_free(&b);
	return rc;
}

int cu_principal_get_id(cu_txn *t, const cu_keys *k, uint32_t id, cu_principal *p)
{
	char name[CU_NAME_BUF];
	int rc = name_of(t, k, 'i', id, "principal", name);

	if (rc == CUSTOS_ENOTFOUND)
		return cu_err(CUSTOS_ENOTFOUND, "no principal with id %u", id);
	return rc ? rc : cu_principal_get(t, k, name, p);
}

int cu_principal_put(cu_op *op, const cu_principal *p)
{
	unsigned char v[PRINCIPAL_BYTES];

	principal_encode(v, p);
	return named_put(op, 'n', 'i', p->name, p->id, v, sizeof v);
}

int cu_principal_each(cu_txn *t, const cu_keys *k, cu_principal_fn fn, void *arg)
{
	char names[64][CU_NAME_BUF];
	unsigned char start[2 + CUSTOS_NAME_MAX_BYTES];
	size_t sn = 1, n;
	custos_val key, v;
	cu_cursor cur;
	int rc;

	start[0] = 'n';
	/* A page of names, then their records: a cursor is not kept across other reads. */
	for (;;) {
		n = 0;
		if ((rc = cu_cursor_open(&cur, t, CU_B_ACCESS)))
			return rc;
		for (rc = cu_cursor_seek(&cur, start, sn, &key, &v); rc == CUSTOS_OK && n < 64;
		     rc = cu_cursor_next(&cur, &key, &v)) {
			if (key.size < 2 || key.data[0] != 'n' || key.size > CUSTOS_NAME_MAX_BYTES + 1)
				break;
			memcpy(names[n], key.data + 1, key.size - 1);
			names[n++][key.size - 1] = '\0';
		}
		cu_cursor_close(&cur);
		if (rc != CUSTOS_OK && rc != CUSTOS_ITEROVER)
			return rc;
		for (size_t i = 0; i < n; i++) {
			cu_principal p;
			if ((rc = cu_principal_get(t, k, names[i], &p)) || (rc = fn(&p, arg)))
				return rc;
		}
		if (n < 64)
			return CUSTOS_OK;
		sn = name_key(start, 'n', names[n - 1]);
		start[sn++] = 0;  /* the first key after the last name */
	}
}

/* ---- roles ---- */

static void role_encode(unsigned char v[ROLE_BYTES], const cu_role *r)
{
	v[0] = RECORD_FORMAT;
	cu_put_u32le(v + 1, r->id);
	cu_put_u32le(v + 5, r->ops);
	v[9] = r->scope;
	memcpy(v + 10, r->vis, CUSTOS_CLASS_COUNT);
}

int cu_role_get(cu_txn *t, const cu_keys *k, const char *name, cu_role *r)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = named_get(t, k, 'r', "role", name, &b);

	if (!rc && (b.len != ROLE_BYTES || b.p[0] != RECORD_FORMAT || b.p[9] < 1 || b.p[9] > 3))
		rc = cu_err(CUSTOS_ECORRUPT, "the record of role '%s' is damaged", name);
	if (!rc) {
		r->id = cu_get_u32le(b.p + 1);
		r->ops = cu_get_u32le(b.p + 5) & CUSTOS_OP_ALL;
		r->scope = b.p[9];
		memcpy(r->vis, b.p + 10, CUSTOS_CLASS_COUNT);
		snprintf(r->name, sizeof r->name, "%s", name);
	}
	cu_bytes_free(&b);
	return rc;
}

int cu_role_get_id(cu_txn *t, const cu_keys *k, uint32_t id, cu_role *r)
{
	char name[CU_NAME_BUF];
	int rc = name_of(t, k, 'R', id, "role", name);

	if (rc == CUSTOS_ENOTFOUND)
		return cu_err(CUSTOS_ECORRUPT, "role %u is missing", id);
	return rc ? rc : cu_role_get(t, k, name, r);
}

int cu_role_put(cu_op *op, const cu_role *r)
{
	unsigned char v[ROLE_BYTES];

	role_encode(v, r);
	return named_put(op, 'r', 'R', r->name, r->id, v, sizeof v);
}

int cu_role_covers(const cu_role *a, const cu_role *b, const char **what)
{
	uint32_t extra = b->ops & ~a->ops;

	if (extra) {
		*what = custos_operation_name(extra & (~extra + 1));
		return 0;
	}
	if (b->scope > a->scope) {
		*what = "a wider scope";
		return 0;
	}
	for (int c = 0; c < CUSTOS_CLASS_COUNT; c++)
		if (b->vis[c] > a->vis[c]) {
			*what = "more visibility of a field class";
			return 0;
		}
	return 1;
}

/* ---- teams ---- */

int cu_team_get(cu_txn *t, const cu_keys *k, const char *name, uint32_t *id)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = named_get(t, k, 't', "team", name, &b);

	if (!rc && b.len != 4)
		rc = cu_err(CUSTOS_ECORRUPT, "the record of team '%s' is damaged", name);
	if (!rc)
		*id = cu_get_u32le(b.p);
	cu_bytes_free(&b);
	return rc;
}

int cu_team_name(cu_txn *t, const cu_keys *k, uint32_t id, char name[CU_NAME_BUF])
{
	int rc;

	name[0] = '\0';
	if (id == 0)
		return CUSTOS_OK;
	rc = name_of(t, k, 'T', id, "team", name);
	return rc == CUSTOS_ENOTFOUND ? cu_err(CUSTOS_ECORRUPT, "team %u is missing", id) : rc;
}

int cu_team_put(cu_op *op, const char *name, uint32_t id)
{
	unsigned char v[4];

	cu_put_u32le(v, id);
	return named_put(op, 't', 'T', name, id, v, sizeof v);
}

/* ---- ids and the access generation ---- */

/* The key under which an id is recorded: principals 'i', roles 'R', teams 'T'. */
static const char id_prefixes[3] = { 'i', 'R', 'T' };
static const char *const id_kinds[3] = { "principal", "role", "team" };

int cu_access_next_id(cu_op *op, int which, uint32_t *id)
{
	cu_bytes b = CU_BYTES_INIT;
	unsigned char v[12], ik[5];
	custos_val taken;
	int rc = cu_sealed_get(op->txn, op->core->keys, CU_B_META, K_IDS, sizeof K_IDS - 1, &b);

	if (!rc && b.len != sizeof v)
		rc = cu_err(CUSTOS_ECORRUPT, "the store's access counters are damaged");
	if (!rc) {
		memcpy(v, b.p, sizeof v);
		*id = cu_get_u32le(v + 4 * which);
		if (*id == UINT32_MAX)
			rc = cu_err(CUSTOS_EFULL, "no ids left");
		else
			cu_put_u32le(v + 4 * which, *id + 1);
	}
	cu_bytes_free(&b);
	if (rc)
		return rc;
	/* Whatever the counter says, an id in use is never handed out again. */
	id_key(ik, id_prefixes[which], *id);
	rc = cu_get(op->txn, CU_B_ACCESS, ik, sizeof ik, &taken);
	if (rc == CUSTOS_OK)
		return cu_err(CUSTOS_EAUTH, "the store's access counters were rolled back or altered: %s id %u is already "
			"taken", id_kinds[which], *id);
	if (rc != CUSTOS_ENOTFOUND)
		return rc;
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, K_IDS, sizeof K_IDS - 1, v, sizeof v);
}

/* The generation is read on every call: its stored bytes are compared with the last ones
 * verified, and only new bytes are authenticated. Only read transactions move the cache,
 * so a bump that a write transaction then abandons is never taken as the high mark. */
static int gen_known(cu_gen_cache *g, const custos_val *v, uint64_t *gen)
{
	int hit;

	pthread_mutex_lock(&g->mu);
	hit = g->n == v->size && v->size <= sizeof g->raw && memcmp(g->raw, v->data, v->size) == 0;
	if (hit)
		*gen = g->gen;
	pthread_mutex_unlock(&g->mu);
	return hit;
}

static int gen_adopt(cu_gen_cache *g, const custos_val *v, uint64_t gen, int remember)
{
	int rc = CUSTOS_OK;

	pthread_mutex_lock(&g->mu);
	if (gen < g->max) {
		rc = cu_err(CUSTOS_EAUTH, "the access generation went back from %llu to %llu: the store's access "
			"records were rolled back", (unsigned long long)g->max, (unsigned long long)gen);
	} else if (remember && v->size <= sizeof g->raw) {
		memcpy(g->raw, v->data, v->size);
		g->n = v->size;
		g->gen = g->max = gen;
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

int cu_access_gen(cu_txn *t, cu_core *core, uint64_t *gen)
{
	cu_bytes b = CU_BYTES_INIT;
	custos_val v;
	int rc = cu_get(t, CU_B_META, K_GEN, sizeof K_GEN - 1, &v);

	*gen = 0;
	if (rc == CUSTOS_ENOTFOUND) {
		v.data = (const unsigned char *)"";  /* never changed yet: generation 0 */
		v.size = 0;
	} else if (rc) {
		return rc;
	} else if (gen_known(&core->gen, &v, gen)) {
		return CUSTOS_OK;
	} else {
		rc = cu_sealed_get(t, core->keys, CU_B_META, K_GEN, sizeof K_GEN - 1, &b);
		if (!rc && b.len != 8)
			rc = cu_err(CUSTOS_EAUTH, "the access generation record is damaged");
		if (!rc)
			*gen = cu_get_u64le(b.p);
		cu_bytes_free(&b);
		if (rc)
			return rc;
	}
	return gen_adopt(&core->gen, &v, *gen, !t->write);
}

int cu_access_gen_upgrade(cu_op *op)
{
	custos_val v;
	unsigned char raw[8];
	int rc = cu_get(op->txn, CU_B_META, K_GEN, sizeof K_GEN - 1, &v);

	if (rc == CUSTOS_ENOTFOUND)
		return CUSTOS_OK;
	if (rc)
		return rc;
	if (v.size != 8)
		return cu_err(CUSTOS_EAUTH, "the access generation of this custos 0.1.0 store is damaged");
	memcpy(raw, v.data, sizeof raw);
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, K_GEN, sizeof K_GEN - 1, raw, sizeof raw);
}

int cu_access_bump(cu_op *op)
{
	unsigned char v[8];
	uint64_t gen;
	int rc = cu_access_gen(op->txn, op->core, &gen);

	if (rc)
		return rc;
	cu_put_u64le(v, gen + 1);
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, K_GEN, sizeof K_GEN - 1, v, sizeof v);
}

/* ---- a new store ---- */

int cu_access_bootstrap(cu_op *op, const char *admin_name)
{
	unsigned char ids[12];
	cu_principal admin;
	int rc;

	if (!cu_name_ok(admin_name))
		return cu_err(CUSTOS_EINVALID, "admin name '%s' is not valid: use 1 to %u visible characters, no spaces",
			admin_name, CUSTOS_NAME_MAX_BYTES);
	for (int i = 0; i < CU_BUILTIN_ROLES; i++)
		if ((rc = cu_role_put(op, &builtin_roles[i])))
			return rc;
	memset(&admin, 0, sizeof admin);
	admin.id = 1;
	admin.role = CU_ROLE_ADMIN;
	admin.created_us = op->now_us;
	snprintf(admin.name, sizeof admin.name, "%s", admin_name);
	if ((rc = cu_principal_put(op, &admin)))
		return rc;
	cu_put_u32le(ids, 2);                       /* next principal */
	cu_put_u32le(ids + 4, CU_BUILTIN_ROLES + 1); /* next role */
	cu_put_u32le(ids + 8, 1);                   /* next team */
	return cu_sealed_put(op->txn, op->core->keys, CU_B_META, K_IDS, sizeof K_IDS - 1, ids, sizeof ids);
}
