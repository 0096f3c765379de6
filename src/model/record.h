/*
 * model/record.h — the stored form of a customer record.
 *
 *   fixed header (56 bytes, clear): magic "CU", format, state, flags, class bitmap,
 *     id, version, DEK version, owner, team, clear-section length, created, updated
 *   clear section: TLVs of clear fields
 *   tag: keyed BLAKE2b-256 (record MAC key) over "CUSHDR01" ‖ store id ‖ header ‖ clear section
 *   one group per encrypted field class present, in class order:
 *     length u32 ‖ nonce (24) ‖ XChaCha20-Poly1305(pad16(TLVs)), AD "CUSGRP01" ‖ class ‖ tag
 *
 * The tag binds store, id, version, owner, team, DEK version and every clear value; the
 * AD binds each group to that tag and its class, so a group moved to another record,
 * another class or another version fails. Parsing only checks structure; verify() must
 * pass before any header field is trusted.
 */
#ifndef CU_MODEL_RECORD_H
#define CU_MODEL_RECORD_H

#include "crypto/crypto.h"
#include "custos/schema.h"

#define CU_REC_FIXED 56
#define CU_REC_FORMAT 1
#define CU_GROUP_MAX (1U << 20)

typedef struct cu_rec {
	uint8_t state, flags, groups;   /* groups: bit c set when class c has a group */
	uint64_t id, version;
	uint32_t dek_ver, owner, team;
	int64_t created_us, updated_us;
	const unsigned char *hdr;       /* fixed header + clear section (what the tag covers) */
	size_t hdr_len;
	const unsigned char *clear;
	uint32_t clear_len;
	const unsigned char *tag;
	const unsigned char *grp[CUSTOS_CLASS_COUNT];
	uint32_t grp_len[CUSTOS_CLASS_COUNT];
} cu_rec;

/* Structure only; CUSTOS_ECORRUPT with a message on any inconsistency. Pointers borrow p. */
int cu_rec_parse(cu_rec *r, const unsigned char *p, size_t n);
/* CUSTOS_OK or CUSTOS_EAUTH (message set). */
int cu_rec_verify(const cu_rec *r, const cu_record_keys *rk, const unsigned char store_id[CU_STORE_ID_BYTES]);
/* Decrypt one class's group into plain (a secret buffer), unpadded TLVs. */
int cu_rec_open_group(const cu_rec *r, unsigned cls, const cu_record_keys *rk, cu_bytes *plain);
/* Assemble a record: r gives the fixed fields; groups[c] (NULL or empty: absent) the
 * plaintext TLVs of class c, padded and encrypted in place in out. */
int cu_rec_build(cu_bytes *out, const cu_rec *r, const cu_bytes *clear, const cu_bytes *const groups[CUSTOS_CLASS_COUNT],
	const cu_record_keys *rk, const unsigned char store_id[CU_STORE_ID_BYTES]);

#endif
