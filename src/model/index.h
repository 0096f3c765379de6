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

/* Owner and team memberships, for scoped lists and counts:
 *   0xFF ‖ 'O' or 'T' ‖ principal or team id (u32 BE) ‖ customer id (u64 BE) -> empty
 * Hints only: every customer found this way is checked against its authenticated record. */
enum { CU_MEMBER_OWNER = 'O', CU_MEMBER_TEAM = 'T' };
int cu_member_add(cu_op *op, int kind, uint32_t who, uint64_t id);
int cu_member_remove(cu_op *op, int kind, uint32_t who, uint64_t id);
/* Up to max customer ids > after_id with this owner or team, ascending. */
int cu_member_scan(cu_op *op, int kind, uint32_t who, uint64_t after_id, uint64_t *ids, size_t max, size_t *count);

/* Drop every entry of a field (it stopped being searchable). */
int cu_index_drop_field(cu_op *op, const cu_field *f);

#endif
