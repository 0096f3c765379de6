/*
 * model/phone.c — reading phone numbers as people type them and producing E.164.
 * It checks structure only; it is deliberately not libphonenumber and knows no country's
 * numbering plan beyond its calling code and trunk prefix. It allocates nothing, sets no
 * error message, and never puts any part of a number into a reason it returns.
 *
 * Rules:
 * - Characters: digits, spaces, '-', '.', '/', '(', ')' and a '+' before the first digit.
 *   No-break and thin spaces (U+00A0, U+2009, U+202F) are spaces. Full-width forms
 *   (U+FF01..U+FF5E, U+3000), which Chinese and Japanese input methods produce, are read as
 *   their ASCII counterparts, so "０９０－１２３４" is "090-1234". Anything else is refused,
 *   extensions ("x123", "ext. 4", "#12") included: a number is stored whole or not at all.
 * - "+CC..." or "00CC..." is international: CC must be a calling code the ITU has assigned
 *   (the region table's codes plus the non-geographic ones below).
 * - Anything else is national and needs a default region, whose calling code is put in
 *   front after removing one trunk prefix, as the region's row says:
 *     "0" for most of the world (GB, DE, FR, NL, JP, ...);
 *     nothing where there is no trunk prefix (HK, SG, MO, DK, NO, IS, ES, ...) and where
 *     the leading 0 is part of the number (IT, SM, VA; CI, CG, GA, BJ);
 *     "1" before exactly 10 digits in the +1 regions (US, CA, PR, JM, ...);
 *     "8" before exactly 10 digits in RU and KZ; "80" or "0" before 9 in BY; "06" in HU;
 *     "8" or "0" before 8 in LT; "01" before 10 in MX; "8" in TJ, TM, UZ; "1" in MH.
 *   A length condition means the prefix is removed only when what is left has exactly that
 *   many digits, so a number typed without its trunk prefix loses nothing.
 * - The result has 7 to 15 digits (E.164). Codes have at most 3 digits, so 7 digits leave at
 *   least 4 after the code. +1 numbers have exactly 10 digits after the code.
 * A national number typed with its country code but no '+' ("44 20 ...") cannot be told
 * apart from a national number, and is read as national.
 */
#include <stdio.h>
#include <string.h>

#include "custos/errors.h"
#include "model/phone.h"
#include "util/utf8.h"

#define E164_DIGITS 15
#define READ_MAX (E164_DIGITS + 2)   /* "00" and 15 digits is the longest input that can be valid */

/* A region, its calling code, and its trunk prefix: trunk or alt is removed from a national
 * number when it leads and leaves exactly nsn digits (any number of digits when nsn is 0). */
typedef struct region {
	char id[3];
	unsigned short cc;
	char trunk[3];
	char alt[3];
	unsigned char nsn;
} region;

/* ISO 3166-1 alpha-2 (all 249) and XK, sorted for binary search. Regions without a
 * numbering plan of their own use the one they dial through: AQ and HM the Australian
 * Antarctic +672, BV Norway's +47, GS the Falklands' +500, TF Réunion's +262, UM the +1 plan. */
static const region regions[] = {
	{ "AD", 376, "", "", 0 }, { "AE", 971, "0", "", 0 }, { "AF", 93, "0", "", 0 }, { "AG", 1, "1", "", 10 },
	{ "AI", 1, "1", "", 10 }, { "AL", 355, "0", "", 0 }, { "AM", 374, "0", "", 0 }, { "AO", 244, "", "", 0 },
	{ "AQ", 672, "", "", 0 }, { "AR", 54, "0", "", 0 }, { "AS", 1, "1", "", 10 }, { "AT", 43, "0", "", 0 },
	{ "AU", 61, "0", "", 0 }, { "AW", 297, "", "", 0 }, { "AX", 358, "0", "", 0 }, { "AZ", 994, "0", "", 0 },
	{ "BA", 387, "0", "", 0 }, { "BB", 1, "1", "", 10 }, { "BD", 880, "0", "", 0 }, { "BE", 32, "0", "", 0 },
	{ "BF", 226, "", "", 0 }, { "BG", 359, "0", "", 0 }, { "BH", 973, "", "", 0 }, { "BI", 257, "", "", 0 },
	{ "BJ", 229, "", "", 0 }, { "BL", 590, "0", "", 0 }, { "BM", 1, "1", "", 10 }, { "BN", 673, "", "", 0 },
	{ "BO", 591, "0", "", 0 }, { "BQ", 599, "", "", 0 }, { "BR", 55, "0", "", 0 }, { "BS", 1, "1", "", 10 },
	{ "BT", 975, "", "", 0 }, { "BV", 47, "", "", 0 }, { "BW", 267, "", "", 0 }, { "BY", 375, "80", "0", 9 },
	{ "BZ", 501, "", "", 0 }, { "CA", 1, "1", "", 10 }, { "CC", 61, "0", "", 0 }, { "CD", 243, "0", "", 0 },
	{ "CF", 236, "", "", 0 }, { "CG", 242, "", "", 0 }, { "CH", 41, "0", "", 0 }, { "CI", 225, "", "", 0 },
	{ "CK", 682, "", "", 0 }, { "CL", 56, "0", "", 0 }, { "CM", 237, "", "", 0 }, { "CN", 86, "0", "", 0 },
	{ "CO", 57, "0", "", 0 }, { "CR", 506, "", "", 0 }, { "CU", 53, "0", "", 0 }, { "CV", 238, "", "", 0 },
	{ "CW", 599, "", "", 0 }, { "CX", 61, "0", "", 0 }, { "CY", 357, "", "", 0 }, { "CZ", 420, "", "", 0 },
	{ "DE", 49, "0", "", 0 }, { "DJ", 253, "", "", 0 }, { "DK", 45, "", "", 0 }, { "DM", 1, "1", "", 10 },
	{ "DO", 1, "1", "", 10 }, { "DZ", 213, "0", "", 0 }, { "EC", 593, "0", "", 0 }, { "EE", 372, "", "", 0 },
	{ "EG", 20, "0", "", 0 }, { "EH", 212, "0", "", 0 }, { "ER", 291, "0", "", 0 }, { "ES", 34, "", "", 0 },
	{ "ET", 251, "0", "", 0 }, { "FI", 358, "0", "", 0 }, { "FJ", 679, "", "", 0 }, { "FK", 500, "", "", 0 },
	{ "FM", 691, "", "", 0 }, { "FO", 298, "", "", 0 }, { "FR", 33, "0", "", 0 }, { "GA", 241, "", "", 0 },
	{ "GB", 44, "0", "", 0 }, { "GD", 1, "1", "", 10 }, { "GE", 995, "0", "", 0 }, { "GF", 594, "0", "", 0 },
	{ "GG", 44, "0", "", 0 }, { "GH", 233, "0", "", 0 }, { "GI", 350, "", "", 0 }, { "GL", 299, "", "", 0 },
	{ "GM", 220, "", "", 0 }, { "GN", 224, "", "", 0 }, { "GP", 590, "0", "", 0 }, { "GQ", 240, "", "", 0 },
	{ "GR", 30, "", "", 0 }, { "GS", 500, "", "", 0 }, { "GT", 502, "", "", 0 }, { "GU", 1, "1", "", 10 },
	{ "GW", 245, "", "", 0 }, { "GY", 592, "", "", 0 }, { "HK", 852, "", "", 0 }, { "HM", 672, "", "", 0 },
	{ "HN", 504, "", "", 0 }, { "HR", 385, "0", "", 0 }, { "HT", 509, "", "", 0 }, { "HU", 36, "06", "", 0 },
	{ "ID", 62, "0", "", 0 }, { "IE", 353, "0", "", 0 }, { "IL", 972, "0", "", 0 }, { "IM", 44, "0", "", 0 },
	{ "IN", 91, "0", "", 0 }, { "IO", 246, "", "", 0 }, { "IQ", 964, "0", "", 0 }, { "IR", 98, "0", "", 0 },
	{ "IS", 354, "", "", 0 }, { "IT", 39, "", "", 0 }, { "JE", 44, "0", "", 0 }, { "JM", 1, "1", "", 10 },
	{ "JO", 962, "0", "", 0 }, { "JP", 81, "0", "", 0 }, { "KE", 254, "0", "", 0 }, { "KG", 996, "0", "", 0 },
	{ "KH", 855, "0", "", 0 }, { "KI", 686, "0", "", 0 }, { "KM", 269, "", "", 0 }, { "KN", 1, "1", "", 10 },
	{ "KP", 850, "0", "", 0 }, { "KR", 82, "0", "", 0 }, { "KW", 965, "", "", 0 }, { "KY", 1, "1", "", 10 },
	{ "KZ", 7, "8", "", 10 }, { "LA", 856, "0", "", 0 }, { "LB", 961, "0", "", 0 }, { "LC", 1, "1", "", 10 },
	{ "LI", 423, "0", "", 0 }, { "LK", 94, "0", "", 0 }, { "LR", 231, "0", "", 0 }, { "LS", 266, "", "", 0 },
	{ "LT", 370, "8", "0", 8 }, { "LU", 352, "", "", 0 }, { "LV", 371, "", "", 0 }, { "LY", 218, "0", "", 0 },
	{ "MA", 212, "0", "", 0 }, { "MC", 377, "0", "", 0 }, { "MD", 373, "0", "", 0 }, { "ME", 382, "0", "", 0 },
	{ "MF", 590, "0", "", 0 }, { "MG", 261, "0", "", 0 }, { "MH", 692, "1", "", 7 }, { "MK", 389, "0", "", 0 },
	{ "ML", 223, "", "", 0 }, { "MM", 95, "0", "", 0 }, { "MN", 976, "0", "", 0 }, { "MO", 853, "", "", 0 },
	{ "MP", 1, "1", "", 10 }, { "MQ", 596, "0", "", 0 }, { "MR", 222, "", "", 0 }, { "MS", 1, "1", "", 10 },
	{ "MT", 356, "", "", 0 }, { "MU", 230, "", "", 0 }, { "MV", 960, "", "", 0 }, { "MW", 265, "0", "", 0 },
	{ "MX", 52, "01", "", 10 }, { "MY", 60, "0", "", 0 }, { "MZ", 258, "", "", 0 }, { "NA", 264, "0", "", 0 },
	{ "NC", 687, "", "", 0 }, { "NE", 227, "", "", 0 }, { "NF", 672, "", "", 0 }, { "NG", 234, "0", "", 0 },
	{ "NI", 505, "", "", 0 }, { "NL", 31, "0", "", 0 }, { "NO", 47, "", "", 0 }, { "NP", 977, "0", "", 0 },
	{ "NR", 674, "", "", 0 }, { "NU", 683, "", "", 0 }, { "NZ", 64, "0", "", 0 }, { "OM", 968, "", "", 0 },
	{ "PA", 507, "", "", 0 }, { "PE", 51, "0", "", 0 }, { "PF", 689, "", "", 0 }, { "PG", 675, "", "", 0 },
	{ "PH", 63, "0", "", 0 }, { "PK", 92, "0", "", 0 }, { "PL", 48, "", "", 0 }, { "PM", 508, "0", "", 0 },
	{ "PN", 64, "", "", 0 }, { "PR", 1, "1", "", 10 }, { "PS", 970, "0", "", 0 }, { "PT", 351, "", "", 0 },
	{ "PW", 680, "", "", 0 }, { "PY", 595, "0", "", 0 }, { "QA", 974, "", "", 0 }, { "RE", 262, "0", "", 0 },
	{ "RO", 40, "0", "", 0 }, { "RS", 381, "0", "", 0 }, { "RU", 7, "8", "", 10 }, { "RW", 250, "0", "", 0 },
	{ "SA", 966, "0", "", 0 }, { "SB", 677, "", "", 0 }, { "SC", 248, "", "", 0 }, { "SD", 249, "0", "", 0 },
	{ "SE", 46, "0", "", 0 }, { "SG", 65, "", "", 0 }, { "SH", 290, "", "", 0 }, { "SI", 386, "0", "", 0 },
	{ "SJ", 47, "", "", 0 }, { "SK", 421, "0", "", 0 }, { "SL", 232, "0", "", 0 }, { "SM", 378, "", "", 0 },
	{ "SN", 221, "", "", 0 }, { "SO", 252, "0", "", 0 }, { "SR", 597, "", "", 0 }, { "SS", 211, "0", "", 0 },
	{ "ST", 239, "", "", 0 }, { "SV", 503, "", "", 0 }, { "SX", 1, "1", "", 10 }, { "SY", 963, "0", "", 0 },
	{ "SZ", 268, "", "", 0 }, { "TC", 1, "1", "", 10 }, { "TD", 235, "", "", 0 }, { "TF", 262, "", "", 0 },
	{ "TG", 228, "", "", 0 }, { "TH", 66, "0", "", 0 }, { "TJ", 992, "8", "", 9 }, { "TK", 690, "", "", 0 },
	{ "TL", 670, "", "", 0 }, { "TM", 993, "8", "", 8 }, { "TN", 216, "", "", 0 }, { "TO", 676, "", "", 0 },
	{ "TR", 90, "0", "", 0 }, { "TT", 1, "1", "", 10 }, { "TV", 688, "", "", 0 }, { "TW", 886, "0", "", 0 },
	{ "TZ", 255, "0", "", 0 }, { "UA", 380, "0", "", 0 }, { "UG", 256, "0", "", 0 }, { "UM", 1, "1", "", 10 },
	{ "US", 1, "1", "", 10 }, { "UY", 598, "0", "", 0 }, { "UZ", 998, "8", "", 9 }, { "VA", 39, "", "", 0 },
	{ "VC", 1, "1", "", 10 }, { "VE", 58, "0", "", 0 }, { "VG", 1, "1", "", 10 }, { "VI", 1, "1", "", 10 },
	{ "VN", 84, "0", "", 0 }, { "VU", 678, "", "", 0 }, { "WF", 681, "", "", 0 }, { "WS", 685, "", "", 0 },
	{ "XK", 383, "0", "", 0 }, { "YE", 967, "0", "", 0 }, { "YT", 262, "0", "", 0 }, { "ZA", 27, "0", "", 0 },
	{ "ZM", 260, "0", "", 0 }, { "ZW", 263, "0", "", 0 },
};

#define NREGIONS (sizeof regions / sizeof regions[0])

/* Assigned codes that belong to no region above: Ascension (its "AC" is not in ISO 3166-1),
 * the ITU's global services (freephone 800, shared cost 808, Inmarsat 870, UPT 878, GMSS
 * 881, international networks 882 and 883, OCHA 888, premium rate 979), and 997, assigned to
 * Kazakhstan for its move off +7. Spare, reserved and withdrawn codes (259, 379, 384, 388,
 * 671, 684, 969, 978, 991, ...) are not here and are refused. */
static const unsigned short other_codes[] = { 247, 800, 808, 870, 878, 881, 882, 883, 888, 979, 997 };

#define NOTHER (sizeof other_codes / sizeof other_codes[0])

size_t cu_phone_region_count(void)
{
	return NREGIONS;
}

const char *cu_phone_region_at(size_t i)
{
	return i < NREGIONS ? regions[i].id : NULL;
}

static const region *find_region(const char *id)
{
	size_t lo = 0, hi = NREGIONS;

	if (!id || strlen(id) != 2)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, regions[mid].id);
		if (c == 0)
			return &regions[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int cu_phone_region_code(const char *region_id, unsigned *calling_code)
{
	const region *r = find_region(region_id);

	if (!r)
		return CUSTOS_ENOTFOUND;
	if (calling_code)
		*calling_code = r->cc;
	return CUSTOS_OK;
}

static int code_assigned(unsigned cc)
{
	for (size_t i = 0; i < NREGIONS; i++)
		if (regions[i].cc == cc)
			return 1;
	for (size_t i = 0; i < NOTHER; i++)
		if (other_codes[i] == cc)
			return 1;
	return 0;
}

/* Length of the calling code at the start of digits, or 0. Assigned codes are prefix-free
 * (no code begins another), so the first match is the only one. */
static size_t code_length(const char *digits, size_t n)
{
	unsigned cc = 0;

	for (size_t len = 1; len <= 3 && len <= n; len++) {
		if (digits[len - 1] < '0' || digits[len - 1] > '9')
			return 0;
		cc = cc * 10 + (unsigned)(digits[len - 1] - '0');
		if (code_assigned(cc))
			return len;
	}
	return 0;
}

size_t cu_phone_cc_digits(const char *e164)
{
	if (!e164 || e164[0] != '+')
		return 0;
	return code_length(e164 + 1, strlen(e164 + 1));
}

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

/* Collect the digits of `in` into digits[READ_MAX]; *plus tells whether a '+' came first. */
static int read_digits(const char *in, char *digits, size_t *n, int *plus, const char **why)
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
			if (*n == READ_MAX)
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

static int strip_prefix(const char *prefix, size_t nsn, const char **d, size_t *n)
{
	size_t len = strlen(prefix);

	if (!len || *n < len || memcmp(*d, prefix, len) || (nsn && *n - len != nsn))
		return 0;
	*d += len;
	*n -= len;
	return 1;
}

/* Remove the region's trunk prefix from a national number, if it has one and it leads. */
static void strip_trunk(const region *r, const char **d, size_t *n)
{
	if (!strip_prefix(r->trunk, r->nsn, d, n))
		strip_prefix(r->alt, r->nsn, d, n);
}

static unsigned parse_code(const char *d, size_t len)
{
	unsigned cc = 0;

	for (size_t i = 0; i < len; i++)
		cc = cc * 10 + (unsigned)(d[i] - '0');
	return cc;
}

/* Split digits into country code and national number: from the number itself when it is
 * international, else from the default region. Sets *why and returns 0 when it cannot. */
static int split(const char *digits, size_t n, int plus, const char *default_region, char cc_text[8], unsigned *cc,
	const char **nsn, size_t *nn, const char **why)
{
	const region *r;
	size_t ccl;

	if (!plus && n >= 2 && digits[0] == '0' && digits[1] == '0') {
		plus = 1;
		digits += 2;
		n -= 2;
	}
	if (plus) {
		if (!(ccl = code_length(digits, n)))
			return *why = n < 3 ? "is too short to be a phone number (at least 7 digits)"
					    : "has an unknown country code", 0;
		memcpy(cc_text, digits, ccl);
		cc_text[ccl] = '\0';
		*cc = parse_code(digits, ccl);
		*nsn = digits + ccl;
		*nn = n - ccl;
		return 1;
	}
	if (!default_region || !*default_region)
		return *why = "needs a country code: start it with '+' or set a default region", 0;
	if (!(r = find_region(default_region)))
		return *why = "needs a country code: start it with '+' (the default region is not an ISO 3166 code)", 0;
	*cc = r->cc;
	snprintf(cc_text, 8, "%u", r->cc);
	*nsn = digits;
	*nn = n;
	strip_trunk(r, nsn, nn);
	return 1;
}

int cu_phone_normalize(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region, const char **why)
{
	char digits[READ_MAX], cc_text[8];
	const char *nsn, *ignored;
	size_t n, ccl, nn;
	unsigned cc;
	int plus;

	if (!why)
		why = &ignored;
	out[0] = '\0';
	if (!in)
		return *why = "is missing", CUSTOS_EINVALID;
	if (!read_digits(in, digits, &n, &plus, why) ||
	    !split(digits, n, plus, default_region, cc_text, &cc, &nsn, &nn, why))
		return CUSTOS_EINVALID;
	ccl = strlen(cc_text);
	if (ccl + nn > E164_DIGITS)
		return *why = "is too long to be a phone number (E.164 allows 15 digits)", CUSTOS_EINVALID;
	if (cc == 1 && nn != 10)
		return *why = "is not a valid North American number: it needs 10 digits after +1", CUSTOS_EINVALID;
	if (ccl + nn < 7)
		return *why = "is too short to be a phone number (at least 7 digits)", CUSTOS_EINVALID;
	out[0] = '+';
	memcpy(out + 1, cc_text, ccl);
	memcpy(out + 1 + ccl, nsn, nn);
	out[1 + ccl + nn] = '\0';
	return CUSTOS_OK;
}
