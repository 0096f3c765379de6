/*
 * model/phone_v1.c — the phone rules of custos 0.1.0, frozen. Stores written before the
 * numbering plans (phone.c) hold numbers in the form these rules gave them ("+44 (0)20 ..."
 * as +4402079460958, "852 9123 4567" in HK as +85285291234567), and their index entries
 * are keyed on it. Finds on a field of those rules (CU_RULES_V1) also look up the form they
 * give the value searched for, so such stores keep finding what they found before
 * (docs/architecture.md, Normalisation versions). Nothing else calls this: new values always
 * go through phone.c. Do not change these rules; that would lose old entries.
 *
 * Rules: digits, spaces, '-', '.', '/', '(', ')' and a leading '+' (full-width forms and
 * U+00A0, U+2009, U+202F read as ASCII); "+CC" or "00CC" with an assigned code is
 * international; anything else gets the default region's code after removing one trunk
 * prefix per the table below; 7 to 15 digits, +1 exactly 10 after the code.
 */
#include <stdio.h>
#include <string.h>

#include "custos/errors.h"
#include "model/phone.h"

#define E164_DIGITS 15

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
		if (!(ccl = cu_phone_code_length(digits, n)))
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

int cu_phone_normalize_v1(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region, const char **why)
{
	char digits[CU_PHONE_READ_MAX], cc_text[8];
	const char *nsn, *ignored;
	size_t n, ccl, nn;
	unsigned cc;
	int plus;

	if (!why)
		why = &ignored;
	out[0] = '\0';
	if (!in)
		return *why = "is missing", CUSTOS_EINVALID;
	if (!cu_phone_read(in, digits, &n, &plus, why) ||
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
