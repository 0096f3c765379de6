/*
 * util/unicode.c — NFC and NFKC normalisation (decompose, reorder marks, recompose), case
 * folding, simple lowercasing and trimming of UTF-8, from the tables tools/gen_unicode.py
 * generates (unicode_data.h).
 * It must keep no state and leave no copy of the text behind: every intermediate buffer is
 * wiped before it is released, and no error message quotes the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/unicode.h"
#include "util/unicode_data.h"
#include "util/utf8.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* In the code point buffers each entry carries its combining class in the top byte, so that
 * reordering and composition need no second look-up. */
#define CCC_SHIFT 24
#define CP_OF(x) ((x) & 0x1FFFFFu)
#define CCC_OF(x) ((x) >> CCC_SHIFT)

/* Hangul syllables are composed and decomposed arithmetically (Unicode 14, section 3.12). */
enum {
	S_BASE = 0xAC00, L_BASE = 0x1100, V_BASE = 0x1161, T_BASE = 0x11A7,
	L_COUNT = 19, V_COUNT = 21, T_COUNT = 28, N_COUNT = V_COUNT * T_COUNT, S_COUNT = L_COUNT * N_COUNT
};

/* Code points kept on the stack; longer texts use the heap. */
#define LOCAL_CPS 256

/* A code point buffer: the local array for short texts, else from cu_malloc. */
typedef struct cpbuf {
	uint32_t *p;
	size_t n, cap;
	uint32_t local[LOCAL_CPS];
} cpbuf;

/* Verdict of the NFC quick check (UAX #15, section 9). */
enum qc { QC_NO, QC_YES, QC_MAYBE };

const char *cu_unicode_version(void)
{
	return CU_UNICODE_VERSION;
}

/* Compares code points; also serves cu_decomp, whose first member is its code point. */
static int cmp_u32(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key, b = *(const uint32_t *)elem;

	return (a > b) - (a < b);
}

/* Finds the range holding a code point (each range struct starts with a cu_span). */
static int cmp_span(const void *key, const void *elem)
{
	uint32_t cp = *(const uint32_t *)key;
	const struct cu_span *r = elem;

	return cp < r->first ? -1 : cp > r->last;
}

static unsigned ccc(uint32_t cp)
{
	const struct cu_ccc_range *r;

	if (cp < 0x300)
		return 0;
	r = bsearch(&cp, cu_ccc_ranges, COUNT(cu_ccc_ranges), sizeof *r, cmp_span);
	return r ? r->ccc : 0;
}

static const struct cu_decomp *find_decomp(uint32_t cp)
{
	if (cp < 0xC0)
		return NULL;
	return bsearch(&cp, cu_decomp, COUNT(cu_decomp), sizeof cu_decomp[0], cmp_u32);
}

/* Can cp be the second of a composition (NFC_Quick_Check=Maybe)? */
static int is_second(uint32_t cp)
{
	if ((cp >= V_BASE && cp < V_BASE + V_COUNT) || (cp > T_BASE && cp < T_BASE + T_COUNT))
		return 1;
	return cp >= 0x300 &&
	       bsearch(&cp, cu_comp_second, COUNT(cu_comp_second), sizeof cp, cmp_u32) != NULL;
}

static int cmp_compose(const void *key, const void *elem)
{
	const struct cu_compose *a = key, *b = elem;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->second > b->second) - (a->second < b->second);
}

/* The primary composite of a + b, or 0. */
static uint32_t compose_pair(uint32_t a, uint32_t b)
{
	struct cu_compose key = { a, b, 0 };
	const struct cu_compose *c;

	if (a >= L_BASE && a < L_BASE + L_COUNT && b >= V_BASE && b < V_BASE + V_COUNT)
		return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT;
	if (a >= S_BASE && a < S_BASE + S_COUNT && (a - S_BASE) % T_COUNT == 0 && b > T_BASE &&
	    b < T_BASE + T_COUNT)
		return a + (b - T_BASE);
	c = bsearch(&key, cu_compose, COUNT(cu_compose), sizeof key, cmp_compose);
	return c ? c->composite : 0;
}

static uint32_t lower_cp(uint32_t cp)
{
	const struct cu_lower_range *r;

	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	r = bsearch(&cp, cu_lower_ranges, COUNT(cu_lower_ranges), sizeof *r, cmp_span);
	if (!r || (cp - r->span.first) % r->stride)
		return cp;
	return (uint32_t)((int32_t)cp + r->delta);
}

static int is_ascii(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			return 0;
	return 1;
}

static int invalid(size_t at)
{
	return cu_err(CUSTOS_EINVALID, "text is not valid UTF-8 (at byte %zu)", at);
}

/* The code point at in[*i] of UTF-8 already validated; advances *i. */
static uint32_t next_cp(const char *in, size_t len, size_t *i)
{
	uint32_t cp = 0;

	*i += cu_utf8_decode((const unsigned char *)in + *i, len - *i, &cp);
	return cp;
}

/* The quick check verdict q after one more code point; *last is the previous class. */
static enum qc qc_step(enum qc q, uint32_t cp, unsigned *last)
{
	unsigned c = ccc(cp);
	const struct cu_decomp *d = find_decomp(cp);

	if (q == QC_NO || (c && *last > c) || (d && d->excluded))
		return QC_NO;
	*last = c;
	return is_second(cp) ? QC_MAYBE : q;
}

/* One pass: validate in, count its code points, and run the NFC quick check. */
static int scan(const char *in, size_t len, size_t *ncp, enum qc *q)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, k, n = 0;
	unsigned last = 0;
	uint32_t cp;

	*q = QC_YES;
	for (i = 0; i < len; i += k, n++) {
		if (!(k = cu_utf8_decode(p + i, len - i, &cp)))
			return invalid(i);
		*q = qc_step(*q, cp, &last);
	}
	*ncp = n;
	return CUSTOS_OK;
}

/* Room for count * per code points; b is ready for cpbuf_wipe() even on failure. */
static int cpbuf_init(cpbuf *b, size_t count, size_t per)
{
	b->n = 0;
	b->p = b->local;
	b->cap = 0;
	if (count > SIZE_MAX / sizeof *b->p / per)
		return cu_err_oom();
	if (count * per > LOCAL_CPS && !(b->p = cu_malloc(count * per * sizeof *b->p)))
		return cu_err_oom();   /* b->p is NULL, b->cap 0: cpbuf_wipe() frees nothing */
	b->cap = count * per;
	return CUSTOS_OK;
}

static void cpbuf_wipe(cpbuf *b)
{
	if (b->p == b->local)
		cu_wipe(b->local, b->cap * sizeof *b->p);
	else
		cu_free_secret(b->p, b->cap * sizeof *b->p);
}

static void push(cpbuf *b, uint32_t cp)
{
	b->p[b->n++] = (uint32_t)ccc(cp) << CCC_SHIFT | cp;
}

/* Append the full canonical decomposition of cp (at most CU_DECOMP_MAX code points). */
static void decompose(cpbuf *b, uint32_t cp)
{
	const struct cu_decomp *d;

	if (cp >= S_BASE && cp < S_BASE + S_COUNT) {
		uint32_t s = cp - S_BASE;
		push(b, L_BASE + s / N_COUNT);
		push(b, V_BASE + (s % N_COUNT) / T_COUNT);
		if (s % T_COUNT)
			push(b, T_BASE + s % T_COUNT);
	} else if ((d = find_decomp(cp)) != NULL) {
		for (unsigned i = 0; i < d->len; i++)
			push(b, cu_decomp_seq[d->off + i]);
	} else {
		push(b, cp);
	}
}

/* Canonical ordering: a stable insertion sort of each run of non-starters by class. */
static void reorder(uint32_t *c, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = c[i];
		size_t j = i;
		if (CCC_OF(x) == 0)
			continue;
		for (; j > 0 && CCC_OF(c[j - 1]) > CCC_OF(x); j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
}

/* Canonical composition in place; returns the new length. A mark is blocked from the last
 * starter when a kept code point between them has class 0 or a class >= its own. */
static size_t compose(uint32_t *c, size_t n)
{
	size_t out = 0, starter = 0;
	int have_starter = 0;
	unsigned last = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t x = c[i], comp;
		unsigned cc = CCC_OF(x);
		if (have_starter && (out == starter + 1 || (last != 0 && last < cc)) &&
		    (comp = compose_pair(CP_OF(c[starter]), CP_OF(x))) != 0) {
			c[starter] = (uint32_t)ccc(comp) << CCC_SHIFT | comp;
			continue;
		}
		if (cc == 0) {
			starter = out;
			have_starter = 1;
		}
		last = cc;
		c[out++] = x;
	}
	return out;
}

/* NFC of valid UTF-8 (ncp code points) into b; b must be wiped by the caller. */
static int nfc_into(cpbuf *b, const char *in, size_t len, size_t ncp)
{
	size_t i = 0;
	int rc;

	if ((rc = cpbuf_init(b, ncp, CU_DECOMP_MAX)))
		return rc;
	while (i < len)
		decompose(b, next_cp(in, len, &i));
	reorder(b->p, b->n);
	b->n = compose(b->p, b->n);
	return CUSTOS_OK;
}

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static int encode(char **out, size_t *out_len, const uint32_t *c, size_t n)
{
	size_t len = 0, at = 0;
	unsigned char *buf;

	for (size_t i = 0; i < n; i++)
		len += utf8_len(CP_OF(c[i]));
	if (!(buf = cu_malloc(len + 1)))
		return cu_err_oom();
	for (size_t i = 0; i < n; i++)
		at += cu_utf8_encode(CP_OF(c[i]), buf + at);
	buf[len] = '\0';
	*out = (char *)buf;
	*out_len = len;
	return CUSTOS_OK;
}

static int copy_out(char **out, size_t *out_len, const char *in, size_t len)
{
	char *copy = cu_strndup(in, len);

	if (!copy)
		return cu_err_oom();
	*out = copy;
	*out_len = len;
	return CUSTOS_OK;
}

int cu_utf8_nfc(char **out, size_t *out_len, const char *in, size_t len)
{
	cpbuf b;
	size_t ncp;
	enum qc q;
	int rc;

	if (is_ascii(in, len))
		return copy_out(out, out_len, in, len);
	if ((rc = scan(in, len, &ncp, &q)))
		return rc;
	if (q == QC_YES)
		return copy_out(out, out_len, in, len);
	if (!(rc = nfc_into(&b, in, len, ncp)))
		rc = encode(out, out_len, b.p, b.n);
	cpbuf_wipe(&b);
	return rc;
}

/* ---- NFKC, case folding, separators ---- */

static int in_spans(uint32_t cp, const struct cu_span *spans, size_t n)
{
	return bsearch(&cp, spans, n, sizeof *spans, cmp_span) != NULL;
}

int cu_unicode_is_space(uint32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
	return in_spans(cp, cu_space_ranges, COUNT(cu_space_ranges));
}

static int is_separator(uint32_t cp)
{
	return in_spans(cp, cu_separator_ranges, COUNT(cu_separator_ranges));
}

static const struct cu_kdecomp *find_kdecomp(uint32_t cp)
{
	if (cp < 0xA0)
		return NULL;
	return bsearch(&cp, cu_kdecomp, COUNT(cu_kdecomp), sizeof cu_kdecomp[0], cmp_u32);
}

/* The full case folding of cp: *n code points from the returned array, or cp itself. */
static const uint32_t *fold_of(const uint32_t *cp, size_t *n)
{
	const struct cu_fold *f = bsearch(cp, cu_fold, COUNT(cu_fold), sizeof cu_fold[0], cmp_u32);

	*n = f ? f->len : 1;
	return f ? cu_fold_seq + f->off : cp;
}

/* Code points of the full decomposition of cp, canonical or (compat) compatibility. */
static size_t decomposed_length(uint32_t cp, int compat)
{
	const struct cu_kdecomp *k;
	const struct cu_decomp *d;

	if (compat && (k = find_kdecomp(cp)) != NULL)
		return k->len;
	if (cp >= S_BASE && cp < S_BASE + S_COUNT)
		return (cp - S_BASE) % T_COUNT ? 3 : 2;
	return (d = find_decomp(cp)) != NULL ? d->len : 1;
}

static void decompose_as(cpbuf *b, uint32_t cp, int compat)
{
	const struct cu_kdecomp *k;

	if (compat && (k = find_kdecomp(cp)) != NULL) {
		for (unsigned i = 0; i < k->len; i++)
			push(b, cu_kdecomp_seq[k->off + i]);
	} else {
		decompose(b, cp);
	}
}

/* Decompose valid UTF-8 into b, sized exactly, and put it in canonical order. */
static int decompose_text(cpbuf *b, const char *in, size_t len, int compat)
{
	size_t i = 0, need = 0;
	int rc;

	while (i < len)
		need += decomposed_length(next_cp(in, len, &i), compat);
	if ((rc = cpbuf_init(b, need, 1)))
		return rc;
	for (i = 0; i < len;)
		decompose_as(b, next_cp(in, len, &i), compat);
	reorder(b->p, b->n);
	return CUSTOS_OK;
}

/* Case fold the decomposed code points of a into b, decomposed and in canonical order. */
static int case_fold(cpbuf *b, const cpbuf *a, int compat)
{
	size_t need = 0, n;
	const uint32_t *f;
	uint32_t cp;
	int rc;

	for (size_t i = 0; i < a->n; i++) {
		cp = CP_OF(a->p[i]);
		f = fold_of(&cp, &n);
		for (size_t j = 0; j < n; j++)
			need += decomposed_length(f[j], compat);
	}
	if ((rc = cpbuf_init(b, need, 1)))
		return rc;
	for (size_t i = 0; i < a->n; i++) {
		cp = CP_OF(a->p[i]);
		f = fold_of(&cp, &n);
		for (size_t j = 0; j < n; j++)
			decompose_as(b, f[j], compat);
	}
	reorder(b->p, b->n);
	return CUSTOS_OK;
}

/* cu_utf8_fold() of ASCII text: NFC and NFKC leave every ASCII character as it is, and
 * full case folding maps only A-Z there, so no code point buffer is needed. */
static int fold_ascii(char **out, size_t *out_len, const char *in, size_t len, unsigned flags)
{
	char *buf = cu_malloc(len + 1);
	size_t n = 0;

	if (!buf)
		return cu_err_oom();
	for (size_t i = 0; i < len; i++) {
		char ch = in[i];
		if ((flags & CU_FOLD_SEPARATORS) && is_separator((unsigned char)ch))
			continue;
		if ((flags & CU_FOLD_CASE) && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		buf[n++] = ch;
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return CUSTOS_OK;
}

int cu_utf8_fold(char **out, size_t *out_len, const char *in, size_t len, unsigned flags)
{
	int compat = (flags & CU_FOLD_COMPAT) != 0, rc;
	cpbuf a, b, *last = &a;
	size_t ncp, kept = 0;
	enum qc q;

	if (flags == 0)
		return cu_utf8_nfc(out, out_len, in, len);
	if (is_ascii(in, len))
		return fold_ascii(out, out_len, in, len, flags);
	if ((rc = scan(in, len, &ncp, &q)))
		return rc;
	b.p = b.local;   /* nothing to wipe unless case folding fills it */
	b.cap = 0;
	if ((rc = decompose_text(&a, in, len, compat)))
		goto done;
	if (flags & CU_FOLD_SEPARATORS) {
		for (size_t i = 0; i < a.n; i++)
			if (!is_separator(CP_OF(a.p[i])))
				a.p[kept++] = a.p[i];
		a.n = kept;
	}
	if ((flags & CU_FOLD_CASE) && (rc = case_fold(&b, &a, compat)))
		goto done;
	if (flags & CU_FOLD_CASE)
		last = &b;
	last->n = compose(last->p, last->n);
	rc = encode(out, out_len, last->p, last->n);
done:
	cpbuf_wipe(&a);
	cpbuf_wipe(&b);
	return rc;
}

/* The start of the last code point of s (n > 0 bytes), stepping back over continuation
 * bytes; n - 1 when there are too many of them. */
static size_t last_start(const unsigned char *s, size_t n)
{
	size_t i = n - 1;

	while (i > 0 && n - i < 4 && (s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

void cu_utf8_trim(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp;
	size_t k;

	while (*n && (k = cu_utf8_decode(p, *n, &cp)) && cu_unicode_is_space(cp)) {
		p += k;
		*n -= k;
	}
	while (*n) {
		size_t at = last_start(p, *n);
		if (cu_utf8_decode(p + at, *n - at, &cp) != *n - at || !cu_unicode_is_space(cp))
			break;
		*n = at;
	}
	*s = (const char *)p;
}

/* Whether valid UTF-8 (ncp code points) is unchanged by NFC; 0 when out of memory. */
static int same_after_nfc(const char *in, size_t len, size_t ncp)
{
	cpbuf b;
	size_t i = 0, k = 0;
	int same;

	same = nfc_into(&b, in, len, ncp) == CUSTOS_OK && b.n == ncp;
	while (same && i < len)
		same = next_cp(in, len, &i) == CP_OF(b.p[k++]);
	cpbuf_wipe(&b);
	return same;
}

int cu_utf8_is_nfc(const char *in, size_t len)
{
	size_t ncp;
	enum qc q;

	if (is_ascii(in, len))
		return 1;
	if (scan(in, len, &ncp, &q))
		return -1;
	if (q != QC_MAYBE)
		return q == QC_YES;
	return same_after_nfc(in, len, ncp);
}

/* Validate in and measure its lowercased UTF-8 length. */
static int lowered_len(const char *in, size_t len, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, k, n = 0;
	uint32_t cp;

	for (i = 0; i < len; i += k) {
		if (!(k = cu_utf8_decode(p + i, len - i, &cp)))
			return invalid(i);
		n += utf8_len(lower_cp(cp));
	}
	*out_len = n;
	return CUSTOS_OK;
}

int cu_utf8_lower(char **out, size_t *out_len, const char *in, size_t len)
{
	unsigned char *buf;
	size_t n = 0, i = 0, at = 0;
	int rc;

	if (is_ascii(in, len)) {
		if ((rc = copy_out(out, out_len, in, len)))
			return rc;
		for (i = 0; i < len; i++)
			(*out)[i] = (char)lower_cp((unsigned char)(*out)[i]);
		return CUSTOS_OK;
	}
	if ((rc = lowered_len(in, len, &n)))
		return rc;
	if (!(buf = cu_malloc(n + 1)))
		return cu_err_oom();
	while (i < len)
		at += cu_utf8_encode(lower_cp(next_cp(in, len, &i)), buf + at);
	buf[n] = '\0';
	*out = (char *)buf;
	*out_len = n;
	return CUSTOS_OK;
}
