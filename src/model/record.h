/*
 * model/record.h — the stored form of a customer record (format 4).
 *
 *   header (38 bytes, clear): format, state, prior state (of an archived customer: the
 *     state it is restored to; 0 otherwise), class bitmap, version, owner, team,
 *     DEK version, KEK epoch, clear-section length, created, updated (microseconds)
 *   clear section: TLVs of the clear fields
 *   nonce (24 bytes, fresh on every write)
 *   wrapped DEK (32 bytes): DEK XOR XChaCha20(KEK, nonce)
 *   lengths: u16 per encrypted class present, in class order (each a multiple of 16)
 *   ciphertexts of those classes, one after the other: (len u16 ‖ TLVs ‖ zeros to a
 *     multiple of 16) XOR the ChaCha20 (IETF) stream under the DEK with the nonce's last 12
 *     bytes, from block 1 on (the classes are consecutive stretches of one stream)
 *   tag: Poly1305 over "CUSREC04" ‖ store id ‖ record id ‖ all of the above, under the
 *     one-time key taken from block 0 of that stream
 *
 * This is ChaCha20-Poly1305 under the customer's key, with each class at its own place in
 * the stream so that a class is decrypted only when it is needed (a run of consecutive
 * classes in one call), and one tag over the whole record: it binds store, id, version, owner, team, the wrapped key and every clear and
 * encrypted byte, so anything moved between records, classes or versions fails, and a
 * wrapped key edited or swapped yields a key under which the tag fails. The record id is
 * the key under which the record is stored and is bound by the tag, not repeated inside.
 */
#ifndef CU_MODEL_RECORD_H
#define CU_MODEL_RECORD_H

#include "crypto/crypto.h"
#include "custos/schema.h"

#define CU_REC_HEADER 38
#define CU_REC_FORMAT 4
#define CU_GROUP_MAX 65520

typedef struct cu_rec {
	uint64_t id;                    /* from the storage key */
	uint8_t state, prior, groups;   /* prior: an archived customer's state before; groups: bit c set when class c is present */
	uint32_t version, owner, team;
	uint16_t dek_ver, kek_epoch;
	int64_t created_us, updated_us;
	const unsigned char *p;         /* the whole stored value */
	size_t n;
	const unsigned char *clear;
	uint16_t clear_len;
	const unsigned char *nonce, *wrap, *tag;
	const unsigned char *grp[CUSTOS_CLASS_COUNT];   /* ciphertext of class c */
	uint16_t grp_len[CUSTOS_CLASS_COUNT];
	uint32_t grp_at[CUSTOS_CLASS_COUNT];            /* its offset among the ciphertexts */
} cu_rec;

/* The secrets of one record while it is open; wipe with cu_rec_close(). */
typedef struct cu_rec_secrets {
	unsigned char dek[CU_KEY_BYTES];
} cu_rec_secrets;

/* Structure only; CUSTOS_EAUTH on any inconsistency. Pointers borrow p. */
int cu_rec_parse(cu_rec *r, uint64_t id, const unsigned char *p, size_t n);
/* The header, clear section, nonce and wrap (of wrap_bytes), which formats 3 and 4 share. */
int cu_rec_parse_head(cu_rec *r, uint64_t id, const unsigned char *p, size_t n, size_t wrap_bytes);
/* Unwrap the DEK and verify the tag: CUSTOS_OK or CUSTOS_EAUTH (message set). Nothing of
 * the header may be trusted before this succeeds. */
int cu_rec_open(const cu_rec *r, const cu_keys *k, cu_rec_secrets *s);
void cu_rec_close(cu_rec_secrets *s);
/* The decrypted classes of an open record: the TLVs of class c are buf.p + at[c], len[c]
 * bytes, for every c in `classes`. */
typedef struct cu_rec_plain {
	cu_bytes buf;                      /* secret */
	uint32_t at[CUSTOS_CLASS_COUNT];
	uint16_t len[CUSTOS_CLASS_COUNT];
	unsigned classes;
} cu_rec_plain;
#define CU_REC_PLAIN_INIT { CU_BYTES_SECRET_INIT, { 0 }, { 0 }, 0 }
/* Decrypt the present classes of `classes`, nothing else: one stream call per run of
 * consecutive present classes that are all wanted. */
int cu_rec_decrypt(const cu_rec *r, unsigned classes, const cu_rec_secrets *s, cu_rec_plain *out);
void cu_rec_plain_free(cu_rec_plain *p);
/* Assemble a record for r's header fields with a fresh nonce; groups[c] (NULL or empty:
 * absent) holds the TLVs of class c, encrypted in place in out. */
int cu_rec_build(cu_bytes *out, const cu_rec *r, const cu_bytes *clear, const cu_bytes *const groups[CUSTOS_CLASS_COUNT],
	const cu_keys *k, const unsigned char dek[CU_KEY_BYTES]);

/* A record of format 3 (custos 0.1.0) rewritten in the current format, its data key kept,
 * its version one higher (into *version): CUSTOS_EAUTH if it does not authenticate. */
int cu_rec_upgrade3(cu_bytes *out, uint32_t *version, uint64_t id, const unsigned char *p, size_t n, const cu_keys *k);

#endif
