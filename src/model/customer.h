/*
 * model/customer.h — the customer operations: insert, load, update, and equality checks,
 * each inside the caller's transaction. Who may do them is decided by access/.
 */
#ifndef CU_MODEL_CUSTOMER_H
#define CU_MODEL_CUSTOMER_H

#include "model/core.h"
#include "model/value.h"

/* Store a new customer built from a draft. */
int cu_cust_insert(cu_op *op, const custos_customer *draft, uint64_t *id_out);
/* Load customer id, decrypting the classes in op->visible. CUSTOS_ENOTFOUND, CUSTOS_EAUTH,
 * CUSTOS_ECORRUPT, or CU_ESTALE when the record needs a newer schema than op->schema. */
int cu_cust_load(cu_op *op, uint64_t id, custos_customer **out);
/* Apply the changed fields of `changes` to customer id. */
/* Apply changes to customer id; when expected is not 0 the stored record must be at that
 * version (CUSTOS_ECONFLICT otherwise). */
int cu_cust_update(cu_op *op, uint64_t id, uint32_t expected, const custos_customer *changes);
/* Does c's value of f (one of its tags, for tags) have the index form norm? Sets *match;
 * fails only when memory runs out. Constant time in the compared bytes. */
int cu_cust_matches(const custos_customer *c, const cu_field *f, const unsigned char *norm, size_t n, int *match);

/* When a customer other than `self` holds c's value of unique field f: CUSTOS_EEXISTS naming
 * it if op's scope reaches it, otherwise CUSTOS_EDENIED naming no customer (the caller
 * learns only that the value cannot be used). Either way op->conflict_* name the holder. */
int cu_cust_check_unique(cu_op *op, const custos_customer *c, uint64_t self, const cu_field *f);
/* Up to max customer ids greater than after_id, ascending. */
int cu_cust_ids(cu_op *op, uint64_t after_id, uint64_t *ids, size_t max, size_t *count);

/* Change a customer's owner and team (the customer must be within op's scope). */
int cu_cust_reassign(cu_op *op, uint64_t id, uint32_t owner, uint32_t team);
/* Open customer id's data key, for its events: the record is read and authenticated and
 * must be within op's scope (CUSTOS_ENOTFOUND otherwise, as for a missing id); when
 * writing, it must not be archived (CUSTOS_ESTATE); s is wiped on failure, and by the
 * caller with cu_rec_close() after use. */
struct cu_rec_secrets;
int cu_cust_open_key(cu_op *op, uint64_t id, struct cu_rec_secrets *s, int writing);
/* Is customer id present and within op's scope? Authenticates the record, decrypts nothing. */
int cu_cust_reachable(cu_op *op, uint64_t id, int *yes);
/* A page of the ids op may reach, ascending, after after_id. *last_seen is the last id
 * examined (UINT64_MAX when nothing is left): continue after it. With keep_damaged, a
 * candidate whose record fails (cu_cust_record_damaged) is kept for the caller to report
 * instead of failing the page. */
int cu_cust_ids_reachable(cu_op *op, uint64_t after_id, uint64_t *ids, size_t max, size_t *count, uint64_t *last_seen,
	int keep_damaged);
/* Leave out of ids (count of them) the archived customers, unless op sees them: by their
 * archived entries, without reading records (whole-store lists and finds). */
int cu_cust_drop_archived(cu_op *op, uint64_t *ids, size_t *count);
/* Is rc, from reading one customer, a fault of that customer's stored record (it fails
 * authentication, does not decode, or names a field no schema has)? */
int cu_cust_record_damaged(int rc);
/* What a record's clear header says of a customer. */
typedef struct cu_cust_head {
	int state, prior;
	uint32_t owner, team, version;
	int64_t created_us, updated_us;
} cu_cust_head;
/* The header of customer id, authenticated, in op's reach. */
int cu_cust_read_head(cu_op *op, uint64_t id, cu_cust_head *h);
/* The lifecycle state of customer id (in op's reach) and, archived, the state before. */
int cu_cust_state(cu_op *op, uint64_t id, int *state, int *prior);
/* Up to max customers after after_id, ascending, and (heads not NULL) their headers as
 * stored: parsed, NOT authenticated (hints for a scan that checks again before acting)
 * and whatever the scope. */
int cu_cust_scan(cu_op *op, uint64_t after_id, size_t max, uint64_t *ids, cu_cust_head *heads, size_t *count);
/* Move customer id to state `to`: a new record version noted as `action` for the audit
 * log, the move in its history with the reason (rn bytes), the counters; archiving keeps
 * the state before for restoring. The caller decided the move is allowed;
 * CUSTOS_ESTATE when the customer is in `to` already. */
int cu_cust_set_state(cu_op *op, uint64_t id, int to, const char *reason, size_t rn, int action);
/* Erase customer id: its record (with the wrapped data key), index and holder entries,
 * timeline, ledger and history; the counters; a tombstone with the reason (rn bytes,
 * checked above) in the erasure ledger; noted for the audit log. */
int cu_cust_erase(cu_op *op, uint64_t id, const char *reason, size_t rn);
/* How many customers op may reach. */
int cu_cust_count_reachable(cu_op *op, uint64_t *out);

#endif
