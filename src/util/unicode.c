/*
 * util/unicode.c — NFC (decompose, reorder marks, recompose) and simple lowercasing.
 * Works on code point buffers that are wiped before they are freed; never keeps state.
 */
#include <string.h>

#include <sodium.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/unicode.h"
#include "util/unicode_data.h"
#include "util/utf8.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Hangul syllables are composed and decomposed arithmetically (Unicode 14, section 3.12). */
enum {
	S_BASE = 0xAC00, L_BASE = 0x1100, V_BASE = 0x1161, T_BASE = 0x11A7,
	L_COUNT = 19, V_COUNT = 21, T_COUNT = 28, N_COUNT = V_COUNT * T_COUNT, S_COUNT = L_COUNT * N_COUNT
};

const char *cu_unicode_version(void)
{
	return CU_UNICODE_VERSION;
}

static unsigned ccc(uint32_t cp)
{
	size_t lo = 0, hi = COUNT(cu_ccc_ranges);

	if (cp < 0x300)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < cu_ccc_ranges[mid].first)
			hi = mid;
		else if (cp > cu_ccc_ranges[mid].last)
			lo = mid + 1;
		else
			return cu_ccc_ranges[mid].ccc;
	}
	return 0;
}

static long find_decomp(uint32_t cp)
{
	size_t lo = 0, hi = COUNT(cu_decomp);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp == cu_decomp[mid].cp)
			return (long)mid;
		if (cp < cu_decomp[mid].cp)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static uint32_t compose_pair(uint32_t a, uint32_t b)
{
	uint64_t key = ((uint64_t)a << 21) | b;
	size_t lo = 0, hi = COUNT(cu_compose);

	if (a >= L_BASE && a < L_BASE + L_COUNT && b >= V_BASE && b < V_BASE + V_COUNT)
		return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT;
	if (a >= S_BASE && a < S_BASE + S_COUNT && (a - S_BASE) % T_COUNT == 0 && b > T_BASE &&
	    b < T_BASE + T_COUNT)
		return a + (b - T_BASE);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (key == cu_compose[mid].key)
			return cu_compose[mid].cp;
		if (key < cu_compose[mid].key)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Decode UTF-8 into a code point buffer with room for `factor` code points per input one. */
static int decode(uint32_t **cps, size_t *n, size_t *cap, const char *in, size_t len, size_t factor)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, k;
	uint32_t cp;

	if (cu_utf8_invalid_at(in, len) != len)
		return cu_err(CUSTOS_EINVALID, "text is not valid UTF-8");
	*cap = (len ? len : 1) * factor;
	if (!(*cps = cu_malloc(*cap * sizeof **cps)))
		return cu_err_oom();
	*n = 0;
	while (i < len) {
		k = cu_utf8_decode(p + i, len - i, &cp);
		(*cps)[(*n)++] = cp;
		i += k;
	}
	return CUSTOS_OK;
}

static int encode(char **out, size_t *out_len, const uint32_t *cps, size_t n)
{
	unsigned char *buf = cu_malloc(n * 4 + 1);
	size_t len = 0;

	if (!buf)
		return cu_err_oom();
	for (size_t i = 0; i < n; i++)
		len += cu_utf8_encode(cps[i], buf + len);
	buf[len] = '\0';
	*out = (char *)buf;
	*out_len = len;
	return CUSTOS_OK;
}

static void wipe_free(uint32_t *cps, size_t cap)
{
	if (cps)
		cu_free_secret(cps, cap * sizeof *cps);
}

/* Full canonical decomposition of src into dst (room for 4 per code point). */
static size_t decompose(uint32_t *dst, const uint32_t *src, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t cp = src[i];
		long d;
		if (cp >= S_BASE && cp < S_BASE + S_COUNT) {
			uint32_t s = cp - S_BASE;
			dst[out++] = L_BASE + s / N_COUNT;
			dst[out++] = V_BASE + (s % N_COUNT) / T_COUNT;
			if (s % T_COUNT)
				dst[out++] = T_BASE + s % T_COUNT;
		} else if (cp >= 0xC0 && (d = find_decomp(cp)) >= 0) {
			memcpy(dst + out, cu_decomp_seq + cu_decomp[d].off, cu_decomp[d].len * sizeof *dst);
			out += cu_decomp[d].len;
		} else {
			dst[out++] = cp;
		}
	}
	return out;
}

/* Canonical ordering: a stable sort of each run of non-starters by combining class. */
static void reorder(uint32_t *cps, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t cp = cps[i];
		unsigned c = ccc(cp);
		size_t j = i;
		if (c == 0)
			continue;
		while (j > 0 && ccc(cps[j - 1]) > c) {
			cps[j] = cps[j - 1];
			j--;
		}
		cps[j] = cp;
	}
}

/* Canonical composition in place; returns the new length. */
static size_t compose(uint32_t *cps, size_t n)
{
	size_t out = 0, starter = 0;
	int have_starter = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t cp = cps[i], comp;
		unsigned c = ccc(cp);
		if (have_starter) {
			unsigned last = out - 1 == starter ? 0 : ccc(cps[out - 1]);
			int blocked = out - 1 != starter && (last == 0 || last >= c);
			if (!blocked && (comp = compose_pair(cps[starter], cp))) {
				cps[starter] = comp;
				continue;
			}
		}
		if (c == 0) {
			starter = out;
			have_starter = 1;
		}
		cps[out++] = cp;
	}
	return out;
}

int cu_utf8_nfc(char **out, size_t *out_len, const char *in, size_t len)
{
	uint32_t *src = NULL, *dec = NULL;
	size_t n, cap = 0, dn;
	int rc, ascii = 1;

	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)in[i] < 0x80;
	if (ascii) {
		if (!(*out = cu_strndup(in, len)))
			return cu_err_oom();
		*out_len = len;
		return CUSTOS_OK;
	}
	if ((rc = decode(&src, &n, &cap, in, len, 1)))
		return rc;
	if (!(dec = cu_malloc((n ? n : 1) * 4 * sizeof *dec))) {
		wipe_free(src, cap);
		return cu_err_oom();
	}
	dn = decompose(dec, src, n);
	reorder(dec, dn);
	dn = compose(dec, dn);
	rc = encode(out, out_len, dec, dn);
	wipe_free(src, cap);
	wipe_free(dec, (n ? n : 1) * 4);
	return rc;
}

static uint32_t lower(uint32_t cp)
{
	size_t lo = 0, hi = COUNT(cu_lower);

	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp == cu_lower[mid].cp)
			return cu_lower[mid].lower;
		if (cp < cu_lower[mid].cp)
			hi = mid;
		else
			lo = mid + 1;
	}
	return cp;
}

int cu_utf8_lower(char **out, size_t *out_len, const char *in, size_t len)
{
	uint32_t *cps = NULL;
	size_t n, cap, i;
	int rc;

	for (i = 0; i < len && (unsigned char)in[i] < 0x80; i++)
		;
	if (i == len) {
		if (!(*out = cu_strndup(in, len)))
			return cu_err_oom();
		for (i = 0; i < len; i++)
			(*out)[i] = (char)lower((unsigned char)(*out)[i]);
		*out_len = len;
		return CUSTOS_OK;
	}
	if ((rc = decode(&cps, &n, &cap, in, len, 1)))
		return rc;
	for (i = 0; i < n; i++)
		cps[i] = lower(cps[i]);
	rc = encode(out, out_len, cps, n);
	wipe_free(cps, cap);
	return rc;
}
