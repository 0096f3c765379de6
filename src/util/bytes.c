/*
 * util/bytes.c — the growable byte buffer; secret buffers never leave copies behind.
 */

#include "util/alloc.h"
#include "util/bytes.h"
#include "util/error.h"

int cu_bytes_reserve(cu_bytes *b, size_t extra)
{
	size_t need, cap;
	unsigned char *np;

	if (extra > SIZE_MAX - b->len)
		return cu_err_oom();
	need = b->len + extra;
	if (need <= b->cap)
		return CUSTOS_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->secret) {
		np = cu_malloc(cap);
		if (!np)
			return cu_err_oom();
		if (b->p) {
			memcpy(np, b->p, b->len);
			cu_free_secret(b->p, b->cap);
		}
	} else {
		np = cu_realloc(b->p, cap);
		if (!np)
			return cu_err_oom();
	}
	b->p = np;
	b->cap = cap;
	return CUSTOS_OK;
}

int cu_bytes_append(cu_bytes *b, const void *data, size_t n)
{
	int rc = cu_bytes_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return CUSTOS_OK;
}

int cu_bytes_append_u8(cu_bytes *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	return cu_bytes_append(b, &c, 1);
}

int cu_bytes_append_u16le(cu_bytes *b, uint16_t v)
{
	unsigned char t[2];
	cu_put_u16le(t, v);
	return cu_bytes_append(b, t, 2);
}

int cu_bytes_append_u32le(cu_bytes *b, uint32_t v)
{
	unsigned char t[4];
	cu_put_u32le(t, v);
	return cu_bytes_append(b, t, 4);
}

int cu_bytes_append_u64le(cu_bytes *b, uint64_t v)
{
	unsigned char t[8];
	cu_put_u64le(t, v);
	return cu_bytes_append(b, t, 8);
}

int cu_bytes_append_str16(cu_bytes *b, const void *s, size_t n)
{
	int rc;

	if (n > 0xFFFF)
		return cu_err(CUSTOS_EINVALID, "value of %zu bytes is longer than 65535 bytes", n);
	if ((rc = cu_bytes_reserve(b, 2 + n)))
		return rc;
	cu_bytes_append_u16le(b, (uint16_t)n);
	return cu_bytes_append(b, s, n);
}

int cu_bytes_resize(cu_bytes *b, size_t len)
{
	int rc;

	if (len > b->len) {
		if ((rc = cu_bytes_reserve(b, len - b->len)))
			return rc;
		memset(b->p + b->len, 0, len - b->len);
	}
	b->len = len;
	return CUSTOS_OK;
}

void cu_bytes_reset(cu_bytes *b)
{
	if (b->secret && b->p)
		cu_wipe(b->p, b->cap);
	b->len = 0;
}

void cu_bytes_free(cu_bytes *b)
{
	if (b->secret)
		cu_free_secret(b->p, b->cap);
	else
		cu_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
