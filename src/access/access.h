/*
 * access/access.h — principals, teams, roles, permission contexts and the audit log: who
 * acts, what they may do and see, and the record of what they did. Policy lives here; the
 * model carries out operations within the scope and visibility this layer sets. The audit
 * log's own interface is access/audit.h, included at the end.
 */
#ifndef CU_ACCESS_H
#define CU_ACCESS_H

#include <stdatomic.h>

#include "custos/access.h"
#include "custos/audit.h"
#include "custos/global.h"
#include "model/core.h"
#include "model/meta.h"
#include "model/value.h"

/* Records of the access bucket, by the first byte of their key:
 *   'n' ‖ name -> principal      'i' ‖ id (u32 BE) -> principal name
 *   'r' ‖ name -> role           'R' ‖ id -> role name
 *   't' ‖ name -> team id        'T' ‖ id -> team name
 * All sealed with the meta key. Meta holds "access_ids" (sealed next ids) and the sealed
 * "access_gen" (bumped by every grant change; contexts compare it on each call). */

enum { CU_ROLE_ADMIN = 1, CU_ROLE_MANAGER, CU_ROLE_SALES, CU_ROLE_SUPPORT, CU_ROLE_ANALYST, CU_ROLE_AUDITOR,
	CU_BUILTIN_ROLES = CU_ROLE_AUDITOR };
#define CU_OPS 15                       /* operation bits tracked for the review */
#define CU_NAME_BUF (CUSTOS_NAME_MAX_BYTES + 1)

typedef struct cu_role {
	uint32_t id;
	uint32_t ops;
	uint8_t scope;
	uint8_t vis[CUSTOS_CLASS_COUNT];
	char name[CU_NAME_BUF];
} cu_role;

enum { CU_PRINCIPAL_DISABLED = 1 };

typedef struct cu_principal {
	uint32_t id, team, role, flags;
	uint32_t rights_ver;                 /* bumped by every change of role, team or status */
	int64_t created_us;
	uint32_t last_day;                   /* days since the epoch of the last audited call; 0 = never */
	uint16_t used_day[CU_OPS];           /* per operation bit */
	char name[CU_NAME_BUF];
} cu_principal;

struct custos_ctx {
	atomic_int refs;
	custos_db *db;                       /* owned by the API layer: keeps the store alive */
	cu_core *core;
	cu_principal who;                    /* as it was when the context was opened */
	cu_role role;
	unsigned visible;                    /* classes not hidden */
	atomic_ulong gen_seen;               /* access generation known to be current */
	_Atomic uint64_t seen_txn;           /* the last commit its rights were checked in (+1; 0: none) */
	atomic_int show_archived;            /* custos_ctx_show_archived() */
};

typedef struct cu_audit_rec cu_audit_rec;

/* ---- records (access/records.c) ---- */
int cu_name_ok(const char *name);
int cu_access_bootstrap(cu_op *op, const char *admin_name);
int cu_principal_get(cu_txn *t, const cu_keys *k, const char *name, cu_principal *p);
int cu_principal_get_id(cu_txn *t, const cu_keys *k, uint32_t id, cu_principal *p);
int cu_principal_put(cu_op *op, const cu_principal *p);
int cu_role_get(cu_txn *t, const cu_keys *k, const char *name, cu_role *r);
int cu_role_get_id(cu_txn *t, const cu_keys *k, uint32_t id, cu_role *r);
int cu_role_put(cu_op *op, const cu_role *r);
int cu_team_get(cu_txn *t, const cu_keys *k, const char *name, uint32_t *id);
int cu_team_name(cu_txn *t, const cu_keys *k, uint32_t id, char name[CU_NAME_BUF]);
int cu_team_put(cu_op *op, const char *name, uint32_t id);
/* Next ids: which = 0 principal, 1 role, 2 team. */
int cu_access_next_id(cu_op *op, int which, uint32_t *id);
/* Tell every context that rights changed. */
int cu_access_bump(cu_op *op);
/* Upgrading a custos 0.1.0 store: its access generation, kept raw then, sealed. */
int cu_access_gen_upgrade(cu_op *op);
/* The sealed access generation (0 before the first change); CUSTOS_EAUTH when it does not
 * authenticate or is lower than one this process saw before. */
int cu_access_gen(cu_txn *t, cu_core *core, uint64_t *gen);
/* Visit every principal (cursor over 'n' records). */
typedef int (*cu_principal_fn)(const cu_principal *p, void *arg);
int cu_principal_each(cu_txn *t, const cu_keys *k, cu_principal_fn fn, void *arg);
/* Does `a` hold at least everything `b` grants? */
int cu_role_covers(const cu_role *a, const cu_role *b, const char **what);

/* ---- contexts (access/ctx.c) ---- */
int cu_access_ctx_new(custos_ctx **out, cu_core *core, const char *principal);
void cu_access_ctx_destroy(custos_ctx *ctx);
/* CUSTOS_EDENIED (audited) unless the context holds all of need. */
int cu_access_check(custos_ctx *ctx, uint32_t need, const char *what);
/* Queue a DENY entry for a refusal found inside a transaction (grant rules, reassignment
 * across teams); the thread's error message is kept. */
void cu_access_log_denial(custos_ctx *ctx, uint32_t need);
/* The same for a write refused because `holder` has the value of unique field `field`,
 * with the code the caller got (CUSTOS_EEXISTS or CUSTOS_EDENIED). */
void cu_access_log_conflict(custos_ctx *ctx, uint32_t need, uint64_t holder, uint32_t field, int result);
/* CUSTOS_EDENIED (audited) unless the context holds one of need. */
int cu_access_check_any(custos_ctx *ctx, uint32_t need, const char *what);
/* Inside a transaction: CUSTOS_ESTATE when the principal's rights changed since open. */
int cu_access_validate(custos_ctx *ctx, cu_txn *t);
void cu_access_apply(const custos_ctx *ctx, cu_op *op);
/* Writing or searching a field needs clear visibility. */
int cu_access_may_write(custos_ctx *ctx, const custos_customer *changes, uint32_t op, const char *what);
int cu_access_may_search(custos_ctx *ctx, const cu_field *f);
/* Mask the values of masked classes in a customer read through ctx. */
int cu_access_present(const custos_ctx *ctx, custos_customer *c);
/* The classes of c's values that ctx saw (clear or masked). */
uint32_t cu_access_seen(const custos_ctx *ctx, const custos_customer *c);

/* ---- grant changes (access/grants.c), inside a write transaction; each fills the
 * audit record of the change and bumps the access generation ---- */
int cu_grant_team_create(custos_ctx *ctx, cu_op *op, const char *name, uint32_t *id, cu_audit_rec *rec);
int cu_grant_role_create(custos_ctx *ctx, cu_op *op, const custos_role_options *o, cu_audit_rec *rec);
int cu_grant_principal_create(custos_ctx *ctx, cu_op *op, const char *name, const char *role, const char *team,
	uint32_t *id, cu_audit_rec *rec);
int cu_grant_set_role(custos_ctx *ctx, cu_op *op, const char *name, const char *role, cu_audit_rec *rec);
int cu_grant_set_team(custos_ctx *ctx, cu_op *op, const char *name, const char *team, cu_audit_rec *rec);
int cu_grant_set_disabled(custos_ctx *ctx, cu_op *op, const char *name, int disabled, cu_audit_rec *rec);

/* ---- the state the audit log recorded (access/seals.c) ---- */
/* In t: CUSTOS_EAUTH, naming what differs, unless the meta and access records are the ones
 * the log's head recorded and the head is the log's newest block (its sequence number goes
 * to head_seq). cu_seals_verify() runs the same in a read transaction of its own. */
int cu_seals_check(cu_core *core, cu_txn *t, uint64_t *head_seq);
int cu_seals_verify(cu_core *core);
/* CUSTOS_EAUTH when a block of the log follows entry seq (an older head was put back):
 * writing after it would overwrite the newer blocks. */
int cu_seals_log_ends(cu_txn *t, uint64_t seq);

/* ---- stores of custos 0.1.0 (access/upgrade.c) ---- */
/* After unlocking: bring a store of format 1, or one whose upgrade was interrupted, to the
 * current formats; nothing to do for others. A read-only store cannot be upgraded:
 * CUSTOS_EVERSION saying to open it read-write once. */
int cu_upgrade_store(cu_core *core, const custos_secret *secret);
/* Customers rewritten per transaction (tests lower it to interrupt an upgrade midway). */
extern size_t cu_upgrade_batch;

/* ---- the permission review (access/review.c) ---- */
int cu_review_build(custos_review **out, cu_core *core, uint32_t days);

/* ---- masking (access/mask.c) ---- */
int cu_mask_value(const cu_field *f, const unsigned char *v, size_t n, cu_bytes *out);

#include "access/audit.h"

#endif
