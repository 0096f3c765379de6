/*
 * api/global.c — initialisation, version, size constants and buffers.
 */
#include <stdatomic.h>

#include "api/api.h"
#include "crypto/crypto.h"
#include "custos/buffer.h"
#include "custos/global.h"
#include "custos/version.h"
#include "util/alloc.h"
#include "util/error.h"

static atomic_int init_count;

int custos_init(void)
{
	if (cu_crypto_init())
		return CUSTOS_ERROR;
	return atomic_fetch_add(&init_count, 1) + 1;
}

int custos_shutdown(void)
{
	int n = atomic_load(&init_count);

	while (n > 0 && !atomic_compare_exchange_weak(&init_count, &n, n - 1))
		;
	return n > 0 ? n - 1 : 0;
}

const char *custos_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = CUSTOS_VERSION_MAJOR;
	if (minor)
		*minor = CUSTOS_VERSION_MINOR;
	if (patch)
		*patch = CUSTOS_VERSION_PATCH;
	return CUSTOS_VERSION_STRING;
}

size_t custos_key_bytes(void) { return CUSTOS_KEY_BYTES; }
size_t custos_passphrase_max_bytes(void) { return CUSTOS_PASSPHRASE_MAX_BYTES; }
size_t custos_value_max_bytes(void) { return CUSTOS_VALUE_MAX_BYTES; }
size_t custos_name_max_bytes(void) { return CUSTOS_NAME_MAX_BYTES; }
size_t custos_batch_max(void) { return CUSTOS_BATCH_MAX; }
size_t custos_buf_size(void) { return sizeof(custos_buf); }

int cu_buf_take(custos_buf *out, cu_bytes *b)
{
	int rc = cu_bytes_append_u8(b, 0);

	if (rc) {
		cu_bytes_free(b);
		return rc;
	}
	out->ptr = b->p;
	out->size = b->len - 1;
	out->reserved = b->cap;
	return CUSTOS_OK;
}

void custos_buf_dispose(custos_buf *buf)
{
	if (!buf)
		return;
	if (buf->ptr && buf->reserved)
		cu_free_secret(buf->ptr, buf->reserved);
	buf->ptr = NULL;
	buf->size = 0;
	buf->reserved = 0;
}
