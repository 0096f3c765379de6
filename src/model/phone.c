/*
 * model/phone.c — reading phone numbers as people type them, checking them against the
 * numbering plans of libphonenumber's metadata (phone_data.h, made by tools/gen_phone.py)
 * and producing E.164. It allocates nothing, sets no error message, and puts at most the
 * first three digits of a national number into a reason it returns, never the number.
 *
 * Characters: digits, spaces, '-', '.', '/', '(', ')' and a '+' before the first digit.
 * No-break and thin spaces (U+00A0, U+2009, U+202F) are spaces. Full-width forms
 * (U+FF01..U+FF5E, U+3000), which Chinese and Japanese input methods produce, are read as
 * their ASCII counterparts, so "０９０－１２３４" is "090-1234". Anything else is refused,
 * extensions ("x123", "ext. 4", "#12") included: a number is stored whole or not at all.
 *
 * Readings, tried in this order; the first valid one is stored:
 *  1. '+' first: a calling code, then the national number without the trunk prefix of the
 *     code's main region when that leaves a valid number ("+44 (0)20 7946 0958"), else as
 *     it is.
 *  2. No '+', with a default region:
 *     a. one of the region's international prefixes not followed by 0 (HK "00", "001", ...,
 *        US "011", JP "010"), then as 1; the longest prefix first;
 *     b. the national number: completed with the region's area code when the region dials
 *        it locally (Guernsey's 6-digit numbers), without a trunk prefix ("020 ..." in GB),
 *        as it is;
 *     c. the region's calling code written without '+' ("852 9123 4567" in HK), then as b:
 *        only when b finds nothing valid, as libphonenumber decides;
 *     d. "00", the ITU's recommended international prefix, then as 1, in regions whose own
 *        prefix is another.
 *  3. No '+' and no default region: "00" then as 1; anything else needs a country code.
 * A number is valid when some number type of its calling code has that many digits and
 * leading digits it allows (libphonenumber's "valid number"); a code without a plan in the
 * metadata (+997) needs only 7 to 15 digits in all. E.164 allows 15 digits at most.
 * When no reading is valid, the reason comes from the one a person most likely meant: the
 * region's international prefix if one matched, else "00", else the national number.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "custos/errors.h"
#include "model/phone.h"
#include "model/phone_data.h"
#include "util/utf8.h"

#define E164_DIGITS 15
#define NO_PLAN_CODE 997   /* assigned by the ITU, without a plan in the metadata */
#define QUOTE_MAX 3        /* leading digits a reason may name */
#define FOREIGN_HINT ": to store a number of another country, write it with + and its country code"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef uint32_t lengths;   /* bit n set: n digits */

/* One way of reading the digits: a calling code and a national number. */
typedef struct reading {
	const char *fault;                      /* a reason found while reading, or NULL */
	unsigned cc;
	const struct cu_phone_plan *plan;       /* NULL for a code without a plan */
	const struct cu_phone_region *region;   /* the default region, for a national reading */
	char nsn[CU_PHONE_READ_MAX + 8];        /* room for an area code put in front */
	size_t nn;
	const char *trunk;                      /* the trunk prefix removed, trunk_len digits */
	size_t trunk_len;
} reading;

/* ---- the plan strings: "prefix:lengths prefix:lengths ..." (tools/gen_phone.py) ---- */

static unsigned read_number(const char **p)
{
	unsigned v = 0;

	while (**p >= '0' && **p <= '9')
		v = v * 10 + (unsigned)(*(*p)++ - '0');
	return v;
}

/* The digit set of the item at *p (a digit, 'x', or "[...]"); advances *p. */
static unsigned item_mask(const char **p)
{
	const char *q = *p;
	unsigned mask = 0;

	if (*q == 'x') {
		mask = 0x3FF;
		q++;
	} else if (*q != '[') {
		mask = 1u << (*q++ - '0');
	} else {
		for (q++; *q != ']'; ) {
			if (q[1] == '-') {
				for (int c = q[0]; c <= q[2]; c++)
					mask |= 1u << (c - '0');
				q += 3;
			} else {
				mask |= 1u << (*q++ - '0');
			}
		}
		q++;
	}
	*p = q;
	return mask;
}

/* The lengths after an entry's ':' ("8", "5-8", "7,9-10"); advances *p past them. */
static lengths read_lengths(const char **p)
{
	lengths lens = 0;

	for (;;) {
		unsigned a = read_number(p), b = a;
		if (**p == '-') {
			(*p)++;
			b = read_number(p);
		}
		for (; a <= b; a++)
			lens |= (lengths)1 << a;
		if (**p != ',')
			return lens;
		(*p)++;
	}
}

/* Read the entry at p: whether its prefix agrees with the first k digits of d (as far as
 * both go), its prefix length and its lengths. Returns where the next entry starts. */
static const char *entry(const char *p, const char *d, size_t k, int *agrees, size_t *plen, lengths *lens)
{
	size_t i = 0;

	*agrees = 1;
	for (; *p != ':'; i++) {
		unsigned mask = item_mask(&p);
		if (i < k && !(mask >> (d[i] - '0') & 1))
			*agrees = 0;
	}
	*plen = i;
	p++;
	*lens = read_lengths(&p);
	return *p == ' ' ? p + 1 : p;
}

/* The lengths of the entries of `list` whose prefix agrees with the first k digits of d;
 * with `within`, only of those whose prefix is no longer than k. */
static lengths agreeing(const char *list, const char *d, size_t k, int within)
{
	lengths all = 0, lens;
	size_t plen;
	int agrees;

	while (*list) {
		list = entry(list, d, k, &agrees, &plen, &lens);
		if (agrees && (!within || plen <= k))
			all |= lens;
	}
	return all;
}

/* The lengths, k or more, of the numbers in `list` that start with the first k digits of d. */
static lengths lengths_after(const char *list, const char *d, size_t k)
{
	return agreeing(list, d, k, 0) & ~(((lengths)1 << k) - 1);
}

/* The lengths L <= n for which the first L digits of d are one of the prefixes in `list`. */
static lengths prefixes_of(const char *list, const char *d, size_t n)
{
	return agreeing(list, d, n, 1) & (((lengths)2 << n) - 1);
}

/* ---- the plans' numbers, compiled once ----
 * Reading a plan's text for every number made checking one the costliest step of storing
 * a customer (Hong Kong's plan has some 300 entries). The first check compiles every plan
 * into digit masks in static storage, so nothing is allocated; should the tables ever
 * outgrow it, the text is read as before. */

#define ITEMS_MAX 8        /* the longest prefix in the metadata has 8 items */
#define COMPILED_MAX 8192  /* the metadata has some 5,900 entries */

typedef struct centry {
	uint16_t mask[ITEMS_MAX];   /* the digits each item of the prefix allows */
	uint8_t plen;
	lengths lens;
} centry;

static centry compiled[COMPILED_MAX];
static uint16_t plan_first[COUNT(cu_phone_plans)], plan_count[COUNT(cu_phone_plans)];
static int compiled_ok;
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

/* The entry at p into e; where the next entry starts, or NULL when its prefix is too long. */
static const char *compile_entry(const char *p, centry *e)
{
	for (e->plen = 0; *p != ':'; e->plen++) {
		if (e->plen == ITEMS_MAX)
			return NULL;
		e->mask[e->plen] = (uint16_t)item_mask(&p);
	}
	p++;
	e->lens = read_lengths(&p);
	return *p == ' ' ? p + 1 : p;
}

static void compile_all(void)
{
	size_t used = 0;

	for (size_t i = 0; i < COUNT(cu_phone_plans); i++) {
		plan_first[i] = (uint16_t)used;
		for (size_t j = 0; j < CU_PHONE_PIECES && cu_phone_plans[i].numbers[j]; j++)
			for (const char *p = cu_phone_plans[i].numbers[j]; *p; used++)
				if (used == COMPILED_MAX || !(p = compile_entry(p, &compiled[used])))
					return;
		plan_count[i] = (uint16_t)(used - plan_first[i]);
	}
	compiled_ok = 1;
}

/* lengths_after() over every piece of a plan's numbers, from the text. */
static lengths plan_lengths_text(const struct cu_phone_plan *p, const char *d, size_t k)
{
	lengths all = 0;

	for (size_t i = 0; i < CU_PHONE_PIECES && p->numbers[i]; i++)
		all |= lengths_after(p->numbers[i], d, k);
	return all;
}

/* The same from the compiled plans, when they could be compiled. */
static lengths plan_lengths(const struct cu_phone_plan *p, const char *d, size_t k)
{
	size_t at = (size_t)(p - cu_phone_plans);
	const centry *e, *end;
	lengths all = 0;

	(void)pthread_once(&compile_once, compile_all);
	if (!compiled_ok)
		return plan_lengths_text(p, d, k);
	for (e = compiled + plan_first[at], end = e + plan_count[at]; e < end; e++) {
		size_t m = e->plen < k ? e->plen : k, i = 0;
		while (i < m && (e->mask[i] >> (d[i] - '0') & 1))
			i++;
		if (i == m)
			all |= e->lens;
	}
	return all & ~(((lengths)1 << k) - 1);
}

/* ---- tables ---- */

static const struct cu_phone_plan *plan_of(unsigned cc)
{
	size_t lo = 0, hi = COUNT(cu_phone_plans);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cu_phone_plans[mid].cc == cc)
			return &cu_phone_plans[mid];
		if (cu_phone_plans[mid].cc < cc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct cu_phone_region *region_of(const char *id)
{
	size_t lo = 0, hi = COUNT(cu_phone_regions);

	if (!id || strlen(id) != 2)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, cu_phone_regions[mid].id);
		if (c == 0)
			return &cu_phone_regions[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t cu_phone_region_count(void)
{
	return COUNT(cu_phone_regions);
}

const char *cu_phone_region_at(size_t i)
{
	return i < COUNT(cu_phone_regions) ? cu_phone_regions[i].id : NULL;
}

const char *cu_phone_metadata_version(void)
{
	return CU_PHONE_METADATA_VERSION;
}

int cu_phone_region_code(const char *region_id, unsigned *calling_code)
{
	const struct cu_phone_region *r = region_of(region_id);

	if (!r)
		return CUSTOS_ENOTFOUND;
	if (calling_code)
		*calling_code = r->cc;
	return CUSTOS_OK;
}

size_t cu_phone_code_length(const char *digits, size_t n)
{
	unsigned cc = 0;

	for (size_t len = 1; len <= 3 && len <= n; len++) {
		if (digits[len - 1] < '0' || digits[len - 1] > '9')
			return 0;
		cc = cc * 10 + (unsigned)(digits[len - 1] - '0');
		if (plan_of(cc) || cc == NO_PLAN_CODE)
			return len;
	}
	return 0;
}

size_t cu_phone_cc_digits(const char *e164)
{
	if (!e164 || e164[0] != '+')
		return 0;
	return cu_phone_code_length(e164 + 1, strlen(e164 + 1));
}

static size_t code_digits(unsigned cc)
{
	return cc >= 100 ? 3 : cc >= 10 ? 2 : 1;
}

int cu_phone_valid(unsigned cc, const char *nsn, size_t n)
{
	const struct cu_phone_plan *p = plan_of(cc);

	if (!p)
		return -1;
	return n < 32 && (plan_lengths(p, nsn, n) >> n & 1);
}

long long cu_phone_plan_lengths(unsigned cc, const char *d, size_t k, int use_compiled)
{
	const struct cu_phone_plan *p = plan_of(cc);

	if (!p)
		return -1;
	if (!use_compiled)
		return plan_lengths_text(p, d, k);
	(void)pthread_once(&compile_once, compile_all);
	return compiled_ok ? (long long)plan_lengths(p, d, k) : -2;
}

/* ---- reading the characters ---- */

/* Full-width forms are what CJK input methods type for ASCII: read them as ASCII. */
static uint32_t narrow(uint32_t cp)
{
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		return cp - 0xFEE0;
	if (cp == 0x3000)
		return ' ';
	return cp;
}

static int is_separator(uint32_t cp)
{
	return (cp < 0x80 && cp && strchr(" -./()", (int)cp)) || cp == 0xA0 || cp == 0x2009 || cp == 0x202F;
}

static int is_ascii_letter(uint32_t cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

/* An extension marker after some digits: 'x', "ext" or '#'. */
static int starts_extension(uint32_t cp, const char *rest, size_t ndigits)
{
	if (ndigits == 0)
		return 0;
	if (cp == 'x' || cp == 'X' || cp == '#')
		return 1;
	return (cp == 'e' || cp == 'E') && (rest[0] == 'x' || rest[0] == 'X') && (rest[1] == 't' || rest[1] == 'T');
}

int cu_phone_read(const char *in, char digits[CU_PHONE_READ_MAX], size_t *n, int *plus, const char **why)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, k;
	uint32_t cp;

	*n = 0;
	*plus = 0;
	while (i < len) {
		if (!(k = cu_utf8_decode(p + i, len - i, &cp)))
			return *why = "is not valid UTF-8", 0;
		i += k;
		cp = narrow(cp);
		if (cp >= '0' && cp <= '9') {
			if (*n == CU_PHONE_READ_MAX)
				return *why = "is too long to be a phone number (E.164 allows 15 digits)", 0;
			digits[(*n)++] = (char)cp;
		} else if (cp == '+') {
			if (*n > 0 || *plus)
				return *why = "has a '+' that is not at the start", 0;
			*plus = 1;
		} else if (starts_extension(cp, in + i, *n)) {
			return *why = "has an extension; store the number without it", 0;
		} else if (is_ascii_letter(cp)) {
			return *why = "has letters in it", 0;
		} else if (!is_separator(cp)) {
			return *why = "has a character that phone numbers do not use", 0;
		}
	}
	if (*n == 0)
		return *why = "has no digits", 0;
	return 1;
}

/* ---- readings ---- */

static int valid(const reading *r)
{
	size_t total = code_digits(r->cc) + r->nn;

	if (!r->plan)
		return total >= 7 && total <= E164_DIGITS;
	return r->nn < 32 && (plan_lengths(r->plan, r->nsn, r->nn) >> r->nn & 1);
}

static void set_national(reading *r, const char *d, size_t n, const char *trunk, size_t trunk_len)
{
	memcpy(r->nsn, d, n);
	r->nn = n;
	r->trunk = trunk;
	r->trunk_len = trunk_len;
}

/* The lengths of the trunk prefixes of region g that d starts with. */
static lengths trunks_of(const struct cu_phone_region *g, const char *d, size_t n)
{
	lengths t = prefixes_of(g->trunk, d, n), guarded = prefixes_of(g->guarded, d, n);

	for (size_t len = 1; len < n; len++)
		if ((guarded >> len & 1) && prefixes_of(g->guard, d + len, n - len))
			t |= (lengths)1 << len;
	return t;
}

/* The national digits d, without one of the trunk prefixes of region g (may be NULL) when
 * that leaves a valid number (the longest first), else as they are. 1 if r ends valid;
 * else r is left for the reason: without the longest trunk prefix that matched, if any. */
static int national_part(reading *r, const struct cu_phone_region *g, const char *d, size_t n)
{
	lengths t = g ? trunks_of(g, d, n) : 0;
	size_t longest = 0;

	for (size_t len = n; len > 0; len--) {
		if (!(t >> len & 1))
			continue;
		if (!longest)
			longest = len;
		set_national(r, d + len, n - len, d, len);
		if (valid(r))
			return 1;
	}
	set_national(r, d, n, NULL, 0);
	if (valid(r))
		return 1;
	if (longest)
		set_national(r, d + longest, n - longest, d, longest);
	return 0;
}

/* Reading 1: a calling code and a national number. */
static int international(reading *r, const char *d, size_t n)
{
	size_t ccl = cu_phone_code_length(d, n);

	memset(r, 0, sizeof *r);
	if (!ccl) {
		r->fault = n < 3 ? "is too short to be a phone number (at least 7 digits)" : "has an unknown country code";
		return 0;
	}
	for (size_t i = 0; i < ccl; i++)
		r->cc = r->cc * 10 + (unsigned)(d[i] - '0');
	r->plan = plan_of(r->cc);
	return national_part(r, r->plan ? region_of(r->plan->main) : NULL, d + ccl, n - ccl);
}

/* Reading 2b: a national number of region g. */
static int national(reading *r, const struct cu_phone_region *g, const char *d, size_t n)
{
	size_t nd = strlen(g->local_digits);

	memset(r, 0, sizeof *r);
	r->cc = g->cc;
	r->plan = plan_of(g->cc);
	r->region = g;
	if (nd && nd + n <= sizeof r->nsn && (lengths_after(g->local, d, n) >> n & 1)) {
		memcpy(r->nsn, g->local_digits, nd);
		memcpy(r->nsn + nd, d, n);
		r->nn = nd + n;
		if (valid(r))
			return 1;
	}
	return national_part(r, g, d, n);
}

/* Readings 2a to 2d. On failure r is the reading to explain. */
static int from_region(reading *r, const struct cu_phone_region *g, const char *d, size_t n)
{
	lengths idd = prefixes_of(g->idd, d, n);
	reading other;
	char cc_text[4];
	int have_guess = 0;
	size_t ccl;

	for (size_t len = n - 1; len > 0; len--) {
		if (!(idd >> len & 1) || d[len] == '0')
			continue;
		if (international(r, d + len, n - len))
			return 1;
		other = *r;   /* the last tried, the shortest prefix, explains a failure */
		have_guess = 1;
	}
	if (national(r, g, d, n))
		return 1;
	if (!have_guess)
		other = *r;
	ccl = (size_t)snprintf(cc_text, sizeof cc_text, "%u", g->cc);
	if (n > ccl && !memcmp(d, cc_text, ccl) && national(r, g, d + ccl, n - ccl))
		return 1;
	if (n > 2 && d[0] == '0' && d[1] == '0' && !(idd >> 2 & 1)) {
		if (international(r, d + 2, n - 2))
			return 1;
		if (!have_guess)
			other = *r;
	}
	*r = other;
	return 0;
}

/* ---- reasons ---- */

/* "8", "9 or 10", "7, 9 or 10", "5 to 15": runs of three or more as ranges. */
static void lengths_text(char *out, size_t cap, lengths m)
{
	unsigned lo[32], hi[32];
	size_t runs = 0, at = 0;

	for (unsigned a = 0; a < 32; a++) {
		unsigned b = a;
		if (!(m >> a & 1))
			continue;
		while (b + 1 < 32 && (m >> (b + 1) & 1))
			b++;
		if (b == a + 1) {
			lo[runs] = hi[runs] = a;
			runs++;
			a = b;
		}
		lo[runs] = a;
		hi[runs++] = b;
		a = b;
	}
	out[0] = '\0';
	for (size_t i = 0; i < runs && at < cap; i++) {
		const char *sep = i == 0 ? "" : i + 1 == runs ? " or " : ", ";
		if (lo[i] == hi[i])
			at += (size_t)snprintf(out + at, cap - at, "%s%u", sep, lo[i]);
		else
			at += (size_t)snprintf(out + at, cap - at, "%s%u to %u", sep, lo[i], hi[i]);
	}
}

/* "is 9 digits", "is 9 digits after the trunk prefix 0", "is 7 digits after +852". */
static void subject(char *out, size_t cap, const reading *r)
{
	int at = snprintf(out, cap, "is %zu digit%s", r->nn, r->nn == 1 ? "" : "s");

	if (!r->region)
		at += snprintf(out + at, cap - (size_t)at, " after +%u%s", r->cc, r->trunk_len ? " and" : "");
	if (r->trunk_len > QUOTE_MAX)
		snprintf(out + at, cap - (size_t)at, "%s its trunk prefix", r->region ? " after" : "");
	else if (r->trunk_len)
		snprintf(out + at, cap - (size_t)at, "%s the trunk prefix %.*s", r->region ? " after" : "",
			(int)r->trunk_len, r->trunk);
}

static void explain(const reading *r, char why[CU_PHONE_WHY_MAX])
{
	char name[64], subj[80], lens_text[48];
	lengths lens;
	size_t k = 0;

	if (!r->fault && code_digits(r->cc) + r->nn > E164_DIGITS) {
		snprintf(why, CU_PHONE_WHY_MAX, "is too long to be a phone number (E.164 allows 15 digits)");
		return;
	}
	if (r->fault || !r->plan) {
		snprintf(why, CU_PHONE_WHY_MAX, "%s", r->fault ? r->fault :
			code_digits(r->cc) + r->nn < 7 ? "is too short to be a phone number (at least 7 digits)" :
			"is too long to be a phone number (E.164 allows 15 digits)");
		return;
	}
	if (r->region)
		snprintf(name, sizeof name, "%s", r->region->name);
	else if (*r->plan->name)
		snprintf(name, sizeof name, "%s", r->plan->name);
	else
		snprintf(name, sizeof name, "+%u", r->cc);
	while (k < r->nn && plan_lengths(r->plan, r->nsn, k + 1))
		k++;   /* numbers exist that start with the first k digits */
	lens = plan_lengths(r->plan, r->nsn, k);
	subject(subj, sizeof subj, r);
	if (r->region && !r->trunk_len && r->nn < 32 && (r->region->local_only >> r->nn & 1)) {
		/* A length numbers have when dialled without their area code. */
		lengths_text(lens_text, sizeof lens_text, plan_lengths(r->plan, r->nsn, 0) & ~(((lengths)2 << r->nn) - 1));
		snprintf(why, CU_PHONE_WHY_MAX, "%s, without an area code; %s numbers have %s", subj, name, lens_text);
	} else if (k == r->nn || lens >> (k + 1) == 0) {   /* too short, or too long for what it starts with */
		lengths_text(lens_text, sizeof lens_text, lens);
		snprintf(why, CU_PHONE_WHY_MAX, "%s; %s numbers have %s", subj, name, lens_text);
	} else {
		char after[16] = "";
		if (!r->region)
			snprintf(after, sizeof after, " after +%u", r->cc);
		if (k + 1 <= QUOTE_MAX)
			snprintf(why, CU_PHONE_WHY_MAX, "starts with %.*s%s, which no %s number does%s", (int)(k + 1), r->nsn,
				after, name, r->region ? FOREIGN_HINT : "");
		else
			snprintf(why, CU_PHONE_WHY_MAX, "starts with %zu digits%s that no %s number starts with%s", k + 1,
				after, name, r->region ? FOREIGN_HINT : "");
	}
}

static int refuse(char why[CU_PHONE_WHY_MAX], const char *phrase)
{
	snprintf(why, CU_PHONE_WHY_MAX, "%s", phrase);
	return CUSTOS_EINVALID;
}

int cu_phone_normalize(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region,
	char why[CU_PHONE_WHY_MAX])
{
	char digits[CU_PHONE_READ_MAX], ignored[CU_PHONE_WHY_MAX];
	const struct cu_phone_region *g = NULL;
	const char *phrase;
	reading r;
	size_t n, ccl;
	int plus, ok;

	if (!why)
		why = ignored;
	out[0] = why[0] = '\0';
	if (!in)
		return refuse(why, "is missing");
	if (!cu_phone_read(in, digits, &n, &plus, &phrase))
		return refuse(why, phrase);
	if (!plus && default_region && *default_region && !(g = region_of(default_region)))
		return refuse(why, "needs a country code: start it with '+' (the default region is not an ISO 3166 code)");
	if (plus)
		ok = international(&r, digits, n);
	else if (g)
		ok = from_region(&r, g, digits, n);
	else if (n > 2 && digits[0] == '0' && digits[1] == '0')
		ok = international(&r, digits + 2, n - 2);
	else
		return refuse(why, "needs a country code: start it with '+' or set a default region");
	if (!ok) {
		explain(&r, why);
		return CUSTOS_EINVALID;
	}
	ccl = code_digits(r.cc);
	if (ccl + r.nn > E164_DIGITS)
		return refuse(why, "is too long to be a phone number (E.164 allows 15 digits)");
	out[0] = '+';
	for (size_t i = ccl, cc = r.cc; i > 0; i--, cc /= 10)
		out[i] = (char)('0' + cc % 10);
	memcpy(out + 1 + ccl, r.nsn, r.nn);
	out[1 + ccl + r.nn] = '\0';
	return CUSTOS_OK;
}

int cu_phone_renormalize(char out[CU_PHONE_MAX + 1], const char *e164, char why[CU_PHONE_WHY_MAX])
{
	char again[CU_PHONE_MAX + 1];
	size_t ccl;
	int rc = cu_phone_normalize(out, e164, NULL, why);

	if (rc != CUSTOS_EINVALID || e164[0] != '+' || !(ccl = cu_phone_code_length(e164 + 1, strlen(e164 + 1))) ||
	    strncmp(e164 + 1 + ccl, e164 + 1, ccl) != 0)
		return rc;
	snprintf(again, sizeof again, "+%.*s%s", (int)ccl, e164 + 1, e164 + 1 + 2 * ccl);
	return cu_phone_normalize(out, again, NULL, why) == CUSTOS_OK ? CUSTOS_OK : rc;
}
