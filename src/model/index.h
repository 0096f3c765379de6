/*
 * model/index.h — equality indexes of searchable fields, in the index bucket.
 *
 *   encrypted field: field id (u16 BE) ‖ 0x01 ‖ blind index (u32 BE, top L bits) ‖ id (u64 BE)
 *                    -> verifier: SipHash-2-4 of (id ‖ normalised value) under a per-field key
 *   clear field:     field id ‖ 0x00 ‖ length (u16 BE) ‖ value ‖ id   -> empty
 *                    (values over 400 bytes: field id ‖ 0x02 ‖ BLAKE2b-256(value) ‖ id)
 *
 * Entries of one value are contiguous and sorted by id, so lookups page by id. A blind
 * index only narrows the search (about 2 to 4 customers share each L-bit value by
 * design); the verifier, which needs the index root key, rules out the others without
 * decrypting them, and callers still confirm a match against the decrypted record.
 */
#ifndef CU_MODEL_INDEX_H
#define CU_MODEL_INDEX_H

#include "model/core.h"
#include "model/value.h"

/* Add or remove the entries of one stored value (each tag of a tags value). */
int cu_index_add(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n);
int cu_index_remove(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n);

/* Collect up to max ids with ids > after_id whose entry matches the stored value v (one
 * tag for tags fields), ascending. *more is set when the page filled up. */
int cu_index_scan(cu_op *op, const cu_field *f, const unsigned char *v, size_t n, uint64_t after_id,
	uint64_t *ids, size_t max, size_t *count, int *more);

/* The same for a value already in index form (cu_value_index_form(), or one tag). */
int cu_index_lookup(cu_op *op, const cu_field *f, const unsigned char *norm, size_t n, uint64_t after_id,
	uint64_t *ids, size_t max, size_t *count, int *more);

/* Holder entries: who holds which customer (its owner, its team), for scoped lists, counts
 * and reassignment ("holder", so as not to be confused with segment membership), and
 * which customers are archived, so that lists and finds of a whole store leave them out
 * without reading their records:
 *   0xFF ‖ 'O' or 'T' ‖ principal or team id (u32 BE) ‖ customer id (u64 BE) -> empty
 *   0xFF ‖ 'A' ‖ CUSTOS_STATE_ARCHIVED (u32 BE) ‖ customer id (u64 BE) -> empty
 * Hints only: every customer found this way is checked against its authenticated record. */
enum { CU_HOLDER_OWNER = 'O', CU_HOLDER_TEAM = 'T', CU_HOLDER_ARCHIVED = 'A' };
int cu_holder_add(cu_op *op, int kind, uint32_t who, uint64_t id);
int cu_holder_remove(cu_op *op, int kind, uint32_t who, uint64_t id);
/* Is there such an entry for customer id? */
int cu_holder_has(cu_op *op, int kind, uint32_t who, uint64_t id, int *yes);
/* Up to max customer ids > after_id with this owner or team, ascending. */
int cu_holder_scan(cu_op *op, int kind, uint32_t who, uint64_t after_id, uint64_t *ids, size_t max, size_t *count);

/* Delete up to max entries of the field with id *field_id, or (field_id NULL) every key
 * of the index but the job record; *more: some may remain. */
int cu_index_drop_some(cu_op *op, const uint16_t *field_id, size_t max, int *more);

/* Every entry customer c (c->id, c->owner, c->team, c->state set) needs: the values of
 * each searchable field, its owner, its team, whether it is archived; or, when `only` is
 * not NULL, the values of that field alone, indexed as `only` defines it (for a field
 * being made searchable). Added, verified as cu_index_verify() does, or removed (those
 * absent are passed over); *entries (may be NULL when adding or removing) counts them. */
enum { CU_INDEX_ADD, CU_INDEX_VERIFY, CU_INDEX_REMOVE };
int cu_index_customer(cu_op *op, const custos_customer *c, const cu_field *only, int what, uint64_t *entries);

/* ---- checking (model/check.c) ---- */

/* The record of the index job under way (model/reindex.h): 0xFF ‖ 'J' -> 20 bytes. */
extern const unsigned char cu_index_job_key[2];
#define CU_JOB_RECORD_BYTES 20

/* The kinds of entry; the first three are the byte after the field id. */
enum { CU_ENTRY_CLEAR = 0x00, CU_ENTRY_BLIND = 0x01, CU_ENTRY_HASHED = 0x02, CU_ENTRY_OWNER, CU_ENTRY_TEAM,
	CU_ENTRY_JOB, CU_ENTRY_ARCHIVED };
/* Is kind one of the holder entries (owner, team, archived)? */
#define CU_ENTRY_IS_HOLDER(kind) ((kind) == CU_ENTRY_OWNER || (kind) == CU_ENTRY_TEAM || (kind) == CU_ENTRY_ARCHIVED)
typedef struct cu_index_entry {
	int kind;
	uint16_t field_id;   /* field entries */
	uint32_t who;        /* owner and team entries: the principal or team */
	uint64_t id;         /* the customer */
} cu_index_entry;
/* Parse a key of the index bucket and its value's length: 0, or -1 when they are not an
 * entry of the layout above or the job record (nothing else belongs in the bucket). */
int cu_index_entry_parse(cu_index_entry *e, const unsigned char *k, size_t kn, size_t vn);
/* "blind index entry", "owner entry", ... for messages. */
const char *cu_index_entry_name(int kind);
/* Does every entry the stored value v of customer id needs exist, with the right verifier?
 * CUSTOS_ECORRUPT naming the customer, field and kind of entry when not; *entries grows by
 * the number checked. */
int cu_index_verify(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n, uint64_t *entries);
int cu_holder_verify(cu_op *op, int kind, uint32_t who, uint64_t id, uint64_t *entries);
/* Is key (of kn bytes, ending in id) one of the entries the value v of customer id needs? */
int cu_index_expects(cu_op *op, const cu_field *f, uint64_t id, const unsigned char *v, size_t n,
	const unsigned char *key, size_t kn, int *match);

#endif
