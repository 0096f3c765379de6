/*
 * model/lifecycle.h — the store's table of allowed lifecycle moves and the erasure ledger.
 *
 * The table is a sealed record of the meta bucket, key "lifecycle": format u8 (1) ‖ u64
 * LE, bit (from - 1) * 6 + (to - 1) set when a move between the working states from and
 * to is allowed. A store without the record has the default table: every move to a later
 * working state.
 *
 * Erasure ledger, bucket `erased`, key: customer id (u64 BE). Value (format 1): format u8
 * ‖ time i64 LE (µs) ‖ principal u32 LE ‖ state u8 (the state it was erased from) ‖
 * reason length u16 LE ‖ reason (UTF-8, clear) ‖ tag: 16 bytes of keyed BLAKE2b under the
 * store's meta key over "CUSTMB01" ‖ store id ‖ id ‖ the value before the tag.
 */
#ifndef CU_MODEL_LIFECYCLE_H
#define CU_MODEL_LIFECYCLE_H

#include "model/core.h"

#define CU_WORKING CUSTOS_STATE_WORKING_MAX
/* Every move to a later working state. */
uint64_t cu_lifecycle_default_table(void);
static inline int cu_lifecycle_bit(int from, int to)
{
	return (from - 1) * CU_WORKING + (to - 1);
}
int cu_lifecycle_table_load(cu_op *op, uint64_t *table);
int cu_lifecycle_table_store(cu_op *op, uint64_t table);

/* A tombstone. */
typedef struct cu_tombstone {
	int64_t time_us;
	uint32_t author;
	uint8_t state;
	uint16_t reason_len;
	const unsigned char *reason;   /* borrowed from where it was read or given */
} cu_tombstone;
#define CU_TOMBSTONE_MAX (1 + 8 + 4 + 1 + 2 + CUSTOS_REASON_MAX_BYTES + 16)
/* Encode t for customer id into out (CU_TOMBSTONE_MAX bytes), returning its length. */
size_t cu_tombstone_encode(unsigned char *out, const cu_op *op, uint64_t id, const cu_tombstone *t);
/* Read and authenticate customer id's tombstone: CUSTOS_ENOTFOUND, CUSTOS_EAUTH. The
 * reason is copied into reason (may be NULL). */
int cu_tombstone_get(cu_op *op, uint64_t id, cu_tombstone *t, cu_bytes *reason);

/* The suppression list (keys of 35 bytes in the `erased` bucket, beside the 8-byte keys of
 * tombstones): 'S' ‖ field id (u16 BE) ‖ keyed BLAKE2b-256 under the meta key of
 * "CUSSUP01" ‖ store id ‖ field id ‖ the value's index form -> empty; one per email and
 * phone value an erased customer had, when the store's setting (meta "suppression":
 * format u8 ‖ on u8) was on. */
#define CU_SUPPRESS_KEY 35
int cu_suppression_get(cu_op *op, int *on);
int cu_suppression_set(cu_op *op, int on);
/* Put the email and phone values of c on the list (when the setting is on). */
int cu_suppress_customer(cu_op *op, const custos_customer *c);
/* CUSTOS_ESUPPRESSED when an email or phone value of c (only those `changes` sets, when
 * not NULL) is on the list and the setting is on. */
int cu_suppression_check(cu_op *op, const custos_customer *c, const custos_customer *changes);

#endif
