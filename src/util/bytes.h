/*
 * util/bytes.h — fixed-width integer encoding and a growable byte buffer.
 * Stored formats use little-endian values and big-endian keys (so keys sort by number).
 */
#ifndef CU_UTIL_BYTES_H
#define CU_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void cu_put_u16le(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static inline void cu_put_u32le(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static inline void cu_put_u64le(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static inline uint16_t cu_get_u16le(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t cu_get_u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t cu_get_u64le(const unsigned char *p)
{
	return (uint64_t)cu_get_u32le(p) | ((uint64_t)cu_get_u32le(p + 4) << 32);
}
static inline void cu_put_u16be(unsigned char *p, uint16_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static inline void cu_put_u32be(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (24 - 8 * i)); }
static inline void cu_put_u64be(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (56 - 8 * i)); }
static inline uint16_t cu_get_u16be(const unsigned char *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t cu_get_u32be(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline uint64_t cu_get_u64be(const unsigned char *p)
{
	return ((uint64_t)cu_get_u32be(p) << 32) | (uint64_t)cu_get_u32be(p + 4);
}

/* A growable buffer. `secret` buffers are wiped whenever memory is released or moved. */
typedef struct cu_bytes {
	unsigned char *p;
	size_t len;
	size_t cap;
	int secret;
} cu_bytes;

#define CU_BYTES_INIT { NULL, 0, 0, 0 }
#define CU_BYTES_SECRET_INIT { NULL, 0, 0, 1 }

/* Make room for `extra` more bytes; CUSTOS_OK or CUSTOS_ENOMEM (message set). */
int cu_bytes_reserve(cu_bytes *b, size_t extra);
int cu_bytes_append(cu_bytes *b, const void *data, size_t n);
int cu_bytes_append_u8(cu_bytes *b, unsigned v);
int cu_bytes_append_u16le(cu_bytes *b, uint16_t v);
int cu_bytes_append_u32le(cu_bytes *b, uint32_t v);
int cu_bytes_append_u64le(cu_bytes *b, uint64_t v);
/* Append len u16le then the bytes; fails with CUSTOS_EINVALID over 65535 bytes. */
int cu_bytes_append_str16(cu_bytes *b, const void *s, size_t n);
/* Grow to exactly `len` bytes (new bytes zeroed). */
int cu_bytes_resize(cu_bytes *b, size_t len);
void cu_bytes_reset(cu_bytes *b);   /* len = 0, keeps memory (wiped if secret) */
void cu_bytes_free(cu_bytes *b);

/* A bounds-checked reader over stored bytes: every get fails once past the end. */
typedef struct cu_reader {
	const unsigned char *p;
	size_t len;
	size_t off;
	int bad;
} cu_reader;

static inline void cu_reader_init(cu_reader *r, const void *p, size_t len) { r->p = p; r->len = len; r->off = 0; r->bad = 0; }
static inline int cu_reader_need(cu_reader *r, size_t n)
{
	if (r->bad || n > r->len - r->off) { r->bad = 1; return 0; }
	return 1;
}
static inline unsigned cu_read_u8(cu_reader *r) { return cu_reader_need(r, 1) ? r->p[r->off++] : 0; }
static inline uint16_t cu_read_u16le(cu_reader *r) { uint16_t v = 0; if (cu_reader_need(r, 2)) { v = cu_get_u16le(r->p + r->off); r->off += 2; } return v; }
static inline uint32_t cu_read_u32le(cu_reader *r) { uint32_t v = 0; if (cu_reader_need(r, 4)) { v = cu_get_u32le(r->p + r->off); r->off += 4; } return v; }
static inline uint64_t cu_read_u64le(cu_reader *r) { uint64_t v = 0; if (cu_reader_need(r, 8)) { v = cu_get_u64le(r->p + r->off); r->off += 8; } return v; }
/* Borrow n bytes; NULL when past the end. */
static inline const unsigned char *cu_read_bytes(cu_reader *r, size_t n)
{
	const unsigned char *q = NULL;
	if (cu_reader_need(r, n)) { q = r->p + r->off; r->off += n; }
	return q;
}
static inline int cu_reader_done(const cu_reader *r) { return !r->bad && r->off == r->len; }

#endif
