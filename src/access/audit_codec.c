/*
 * access/audit_codec.c — an audit entry's record and its stored form: a length byte, the
 * action, a byte of flags saying which optional fields follow, then LEB128 varints (signed
 * ones zigzag-encoded), times relative to the block's base time; and the layout of a block
 * (access/audit.h). A read's entry is about 14 bytes. Pure functions: no keys, no storage.
 */
#include <string.h>

#include "access/access.h"
#include "util/clock.h"

enum {
	F_CUSTOMER = 0x01, F_CLASSES = 0x02, F_RESULT = 0x04, F_VERSION = 0x08, F_OP = 0x10, F_SUBJECT = 0x20,
	F_HASH = 0x40,
};

void cu_audit_rec_init(cu_audit_rec *r, const custos_ctx *ctx, int action, uint32_t op)
{
	memset(r, 0, sizeof *r);
	r->action = (uint8_t)action;
	r->actor = ctx ? ctx->who.id : 0;
	r->role = ctx ? ctx->role.id : 0;
	r->time_us = cu_clock_wall_us();
	r->op = op;
}

static size_t put_var(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static int get_var(const unsigned char **p, const unsigned char *end, uint64_t *v, uint64_t max)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		x |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return x <= max ? 0 : -1;
		}
	}
	return -1;
}

static uint64_t zig(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzig(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

size_t cu_audit_encode(unsigned char e[CU_AUDIT_ENTRY_MAX], const cu_audit_rec *r, int64_t base)
{
	size_t n = 3;
	unsigned char f = 0;

	e[1] = r->action;
	n += put_var(e + n, r->actor);
	n += put_var(e + n, r->role);
	n += put_var(e + n, zig(r->time_us - base));
	if (r->customer)
		f |= F_CUSTOMER, n += put_var(e + n, r->customer);
	if (r->classes)
		f |= F_CLASSES, n += put_var(e + n, r->classes);
	if (r->result)
		f |= F_RESULT, n += put_var(e + n, zig(r->result));
	if (r->version)
		f |= F_VERSION, n += put_var(e + n, r->version);
	if (r->op)
		f |= F_OP, n += put_var(e + n, r->op);
	if (r->subject)
		f |= F_SUBJECT, n += put_var(e + n, r->subject);
	if (!cu_is_zero(r->hash, 32)) {
		f |= F_HASH;
		memcpy(e + n, r->hash, 32);
		n += 32;
	}
	e[0] = (unsigned char)n;
	e[2] = f;
	return n;
}

/* The actions this version writes. */
static int action_known(unsigned a)
{
	return a >= CUSTOS_AUDIT_CREATE && a <= CUSTOS_AUDIT_EXPORT;
}

int cu_audit_decode(cu_audit_rec *r, const unsigned char *e, size_t n, int64_t base)
{
	const unsigned char *p = e + 3, *end = e + n;
	uint64_t v;
	unsigned char f;

	if (n < 6 || e[0] != n || !action_known(e[1]) || (e[2] & 0x80))
		return CUSTOS_EAUTH;
	memset(r, 0, sizeof *r);
	r->action = e[1];
	f = e[2];
#define VAR(field, max) do { if (get_var(&p, end, &v, (max))) return CUSTOS_EAUTH; (field) = v; } while (0)
	VAR(r->actor, UINT32_MAX);
	VAR(r->role, UINT32_MAX);
	if (get_var(&p, end, &v, UINT64_MAX))
		return CUSTOS_EAUTH;
	r->time_us = base + unzig(v);
	if (f & F_CUSTOMER)
		VAR(r->customer, UINT64_MAX);
	if (f & F_CLASSES)
		VAR(r->classes, UINT32_MAX);
	if (f & F_RESULT) {
		if (get_var(&p, end, &v, UINT32_MAX))
			return CUSTOS_EAUTH;
		r->result = (int32_t)unzig(v);
	}
	if (f & F_VERSION)
		VAR(r->version, UINT32_MAX);
	if (f & F_OP)
		VAR(r->op, UINT32_MAX);
	if (f & F_SUBJECT)
		VAR(r->subject, UINT32_MAX);
#undef VAR
	if (f & F_HASH) {
		if (end - p < 32)
			return CUSTOS_EAUTH;
		memcpy(r->hash, p, 32);
		p += 32;
	}
	return p == end ? CUSTOS_OK : CUSTOS_EAUTH;
}

int cu_audit_block_open(cu_audit_block *b, const unsigned char *v, size_t n)
{
	if (n < CU_AUDIT_BLOCK_HEAD + 32 || v[0] != CU_AUDIT_BLOCK_FORMAT)
		return -1;
	b->count = cu_get_u16le(v + 1);
	b->first = cu_get_u64le(v + 3);
	b->base = (int64_t)cu_get_u64le(v + 11);
	b->p = v + CU_AUDIT_BLOCK_HEAD;
	b->end = v + n - 32;
	return b->count ? 0 : -1;
}

int cu_audit_block_next(cu_audit_block *b, const unsigned char **e, size_t *elen, const unsigned char **tag)
{
	size_t n;

	if (b->p >= b->end)
		return -1;
	n = b->p[0];
	/* No entry is longer than CU_AUDIT_ENTRY_MAX: a longer length is damage. */
	if (n < 6 || n > CU_AUDIT_ENTRY_MAX || (size_t)(b->end - b->p) < n + CU_AUDIT_TAG_BYTES)
		return -1;
	*e = b->p;
	*elen = n;
	*tag = b->p + n;
	b->p += n + CU_AUDIT_TAG_BYTES;
	return 0;
}

void cu_audit_key(unsigned char k[9], char kind, uint64_t seq)
{
	k[0] = (unsigned char)kind;
	cu_put_u64be(k + 1, seq);
}
