/*
 * crypto/legacy.c — reading records of format 3 (custos 0.1.0) once, so that opening such a
 * store can rewrite them in the current format. Nothing new is ever written this way.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "util/error.h"

int cu_dek_unwrap3(unsigned char dek[CU_KEY_BYTES], const cu_keys *k, uint64_t id, uint16_t dek_version,
	uint16_t kek_epoch, const unsigned char nonce[CU_NONCE_BYTES], const unsigned char wrap[CU_WRAP3_BYTES])
{
	unsigned char ad[8 + CU_STORE_ID_BYTES + 8 + 2 + 2];

	if (kek_epoch != (uint16_t)k->kek_epoch)
		return CUSTOS_EAUTH;
	memcpy(ad, "CUSDEK02", 8);
	memcpy(ad + 8, k->store_id, CU_STORE_ID_BYTES);
	cu_put_u64le(ad + 8 + CU_STORE_ID_BYTES, id);
	cu_put_u16le(ad + 16 + CU_STORE_ID_BYTES, dek_version);
	cu_put_u16le(ad + 18 + CU_STORE_ID_BYTES, kek_epoch);
	return cu_aead_open(dek, wrap, CU_WRAP3_BYTES, ad, sizeof ad, nonce, k->kek);
}

void cu_stream3_subkey(unsigned char sub[CU_KEY_BYTES], const unsigned char dek[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES])
{
	crypto_core_hchacha20(sub, nonce, dek, NULL);
}

void cu_stream3_xor(unsigned char *out, const unsigned char *in, size_t n, const unsigned char sub[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES], uint32_t stream)
{
	unsigned char n12[12];

	cu_put_u32le(n12, stream);
	memcpy(n12 + 4, nonce + 16, 8);
	crypto_stream_chacha20_ietf_xor_ic(out, in, n, n12, 0, sub);
}

void cu_record3_mac_init(cu_record_mac *st, const unsigned char sub[CU_KEY_BYTES],
	const unsigned char nonce[CU_NONCE_BYTES])
{
	unsigned char otk[crypto_onetimeauth_KEYBYTES] = { 0 };

	cu_stream3_xor(otk, otk, sizeof otk, sub, nonce, 0);
	crypto_onetimeauth_init(st, otk);
	sodium_memzero(otk, sizeof otk);
}

size_t cu_unpad16(const unsigned char *buf, size_t padded)
{
	size_t n;

	if (padded == 0 || padded % 16 != 0 || sodium_unpad(&n, buf, padded, 16) != 0)
		return (size_t)-1;
	return n;
}
