/*
 * model/phone.c — reading phone numbers as people write them and producing E.164.
 *
 * Rules:
 * - Accepted characters: digits (also full-width U+FF10..U+FF19), spaces (also U+00A0,
 *   U+2009, U+202F), '-', '.', '/', '(', ')', and one '+' (also U+FF0B) at the start.
 *   Letters, extensions ("x123") and anything else are refused: a number is stored whole
 *   or not at all.
 * - "+CC..." or "00CC..." is international: CC must be an assigned ITU calling code.
 * - Anything else is national and needs a default region. One trunk prefix is removed:
 *   '1' for +1 numbers of 11 digits, '8' for Russia and Kazakhstan, "80" for Belarus, and a
 *   leading '0' everywhere else except where it is part of the number (Italy, San Marino,
 *   the Vatican, Côte d'Ivoire).
 * - The result has at most 15 digits and at least 4 after the country code; +1 numbers
 *   have exactly 10.
 * This is deliberately not libphonenumber: it checks structure, not each country's
 * numbering plan.
 */
#include <stdio.h>
#include <string.h>

#include "custos/errors.h"
#include "model/phone.h"
#include "util/utf8.h"

#define MAX_DIGITS 15

static const struct { char region[3]; unsigned short cc; } regions[] = {
	{ "AD", 376 }, { "AE", 971 }, { "AF", 93 }, { "AG", 1 }, { "AI", 1 }, { "AL", 355 }, { "AM", 374 },
	{ "AO", 244 }, { "AR", 54 }, { "AS", 1 }, { "AT", 43 }, { "AU", 61 }, { "AW", 297 }, { "AX", 358 },
	{ "AZ", 994 }, { "BA", 387 }, { "BB", 1 }, { "BD", 880 }, { "BE", 32 }, { "BF", 226 }, { "BG", 359 },
	{ "BH", 973 }, { "BI", 257 }, { "BJ", 229 }, { "BL", 590 }, { "BM", 1 }, { "BN", 673 }, { "BO", 591 },
	{ "BQ", 599 }, { "BR", 55 }, { "BS", 1 }, { "BT", 975 }, { "BW", 267 }, { "BY", 375 }, { "BZ", 501 },
	{ "CA", 1 }, { "CC", 61 }, { "CD", 243 }, { "CF", 236 }, { "CG", 242 }, { "CH", 41 }, { "CI", 225 },
	{ "CK", 682 }, { "CL", 56 }, { "CM", 237 }, { "CN", 86 }, { "CO", 57 }, { "CR", 506 }, { "CU", 53 },
	{ "CV", 238 }, { "CW", 599 }, { "CX", 61 }, { "CY", 357 }, { "CZ", 420 }, { "DE", 49 }, { "DJ", 253 },
	{ "DK", 45 }, { "DM", 1 }, { "DO", 1 }, { "DZ", 213 }, { "EC", 593 }, { "EE", 372 }, { "EG", 20 },
	{ "EH", 212 }, { "ER", 291 }, { "ES", 34 }, { "ET", 251 }, { "FI", 358 }, { "FJ", 679 }, { "FK", 500 },
	{ "FM", 691 }, { "FO", 298 }, { "FR", 33 }, { "GA", 241 }, { "GB", 44 }, { "GD", 1 }, { "GE", 995 },
	{ "GF", 594 }, { "GG", 44 }, { "GH", 233 }, { "GI", 350 }, { "GL", 299 }, { "GM", 220 }, { "GN", 224 },
	{ "GP", 590 }, { "GQ", 240 }, { "GR", 30 }, { "GT", 502 }, { "GU", 1 }, { "GW", 245 }, { "GY", 592 },
	{ "HK", 852 }, { "HN", 504 }, { "HR", 385 }, { "HT", 509 }, { "HU", 36 }, { "ID", 62 }, { "IE", 353 },
	{ "IL", 972 }, { "IM", 44 }, { "IN", 91 }, { "IO", 246 }, { "IQ", 964 }, { "IR", 98 }, { "IS", 354 },
	{ "IT", 39 }, { "JE", 44 }, { "JM", 1 }, { "JO", 962 }, { "JP", 81 }, { "KE", 254 }, { "KG", 996 },
	{ "KH", 855 }, { "KI", 686 }, { "KM", 269 }, { "KN", 1 }, { "KP", 850 }, { "KR", 82 }, { "KW", 965 },
	{ "KY", 1 }, { "KZ", 7 }, { "LA", 856 }, { "LB", 961 }, { "LC", 1 }, { "LI", 423 }, { "LK", 94 },
	{ "LR", 231 }, { "LS", 266 }, { "LT", 370 }, { "LU", 352 }, { "LV", 371 }, { "LY", 218 }, { "MA", 212 },
	{ "MC", 377 }, { "MD", 373 }, { "ME", 382 }, { "MF", 590 }, { "MG", 261 }, { "MH", 692 }, { "MK", 389 },
	{ "ML", 223 }, { "MM", 95 }, { "MN", 976 }, { "MO", 853 }, { "MP", 1 }, { "MQ", 596 }, { "MR", 222 },
	{ "MS", 1 }, { "MT", 356 }, { "MU", 230 }, { "MV", 960 }, { "MW", 265 }, { "MX", 52 }, { "MY", 60 },
	{ "MZ", 258 }, { "NA", 264 }, { "NC", 687 }, { "NE", 227 }, { "NF", 672 }, { "NG", 234 }, { "NI", 505 },
	{ "NL", 31 }, { "NO", 47 }, { "NP", 977 }, { "NR", 674 }, { "NU", 683 }, { "NZ", 64 }, { "OM", 968 },
	{ "PA", 507 }, { "PE", 51 }, { "PF", 689 }, { "PG", 675 }, { "PH", 63 }, { "PK", 92 }, { "PL", 48 },
	{ "PM", 508 }, { "PN", 64 }, { "PR", 1 }, { "PS", 970 }, { "PT", 351 }, { "PW", 680 }, { "PY", 595 },
	{ "QA", 974 }, { "RE", 262 }, { "RO", 40 }, { "RS", 381 }, { "RU", 7 }, { "RW", 250 }, { "SA", 966 },
	{ "SB", 677 }, { "SC", 248 }, { "SD", 249 }, { "SE", 46 }, { "SG", 65 }, { "SH", 290 }, { "SI", 386 },
	{ "SJ", 47 }, { "SK", 421 }, { "SL", 232 }, { "SM", 378 }, { "SN", 221 }, { "SO", 252 }, { "SR", 597 },
	{ "SS", 211 }, { "ST", 239 }, { "SV", 503 }, { "SX", 1 }, { "SY", 963 }, { "SZ", 268 }, { "TC", 1 },
	{ "TD", 235 }, { "TG", 228 }, { "TH", 66 }, { "TJ", 992 }, { "TK", 690 }, { "TL", 670 }, { "TM", 993 },
	{ "TN", 216 }, { "TO", 676 }, { "TR", 90 }, { "TT", 1 }, { "TV", 688 }, { "TW", 886 }, { "TZ", 255 },
	{ "UA", 380 }, { "UG", 256 }, { "US", 1 }, { "UY", 598 }, { "UZ", 998 }, { "VA", 39 }, { "VC", 1 },
	{ "VE", 58 }, { "VG", 1 }, { "VI", 1 }, { "VN", 84 }, { "VU", 678 }, { "WF", 681 }, { "WS", 685 },
	{ "XK", 383 }, { "YE", 967 }, { "YT", 262 }, { "ZA", 27 }, { "ZM", 260 }, { "ZW", 263 },
};

#define NREGIONS (sizeof regions / sizeof regions[0])

/* Calling codes that belong to no region of the table: Ascension, global services. */
static const unsigned short extra_codes[] = { 247, 800, 808, 870, 878, 881, 882, 883, 888, 979 };

size_t cu_phone_region_count(void)
{
	return NREGIONS;
}

const char *cu_phone_region_at(size_t i)
{
	return i < NREGIONS ? regions[i].region : NULL;
}

int cu_phone_region_code(const char *region, unsigned *calling_code)
{
	size_t lo = 0, hi = NREGIONS;

	if (!region || strlen(region) != 2)
		return CUSTOS_ENOTFOUND;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(region, regions[mid].region);
		if (c == 0) {
			*calling_code = regions[mid].cc;
			return CUSTOS_OK;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return CUSTOS_ENOTFOUND;
}

static int code_assigned(unsigned cc)
{
	for (size_t i = 0; i < NREGIONS; i++)
		if (regions[i].cc == cc)
			return 1;
	for (size_t i = 0; i < sizeof extra_codes / sizeof extra_codes[0]; i++)
		if (extra_codes[i] == cc)
			return 1;
	return 0;
}

/* Length of the calling code at the start of digits (codes are prefix-free), or 0. */
static size_t code_length(const char *digits, size_t n)
{
	unsigned cc = 0;

	for (size_t len = 1; len <= 3 && len <= n; len++) {
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

/* Collect the digits of `in`; *plus tells whether it began with '+'. */
static int collect(const char *in, char *digits, size_t *n, int *plus, const char **why)
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
		if (cp >= 0xFF10 && cp <= 0xFF19)
			cp = '0' + (cp - 0xFF10);
		if (cp == 0xFF0B)
			cp = '+';
		if (cp >= '0' && cp <= '9') {
			if (*n == MAX_DIGITS + 3)
				return *why = "is too long to be a phone number (E.164 allows 15 digits)", 0;
			digits[(*n)++] = (char)cp;
		} else if (cp == '+') {
			if (*n > 0 || *plus)
				return *why = "has a '+' that is not at the start", 0;
			*plus = 1;
		} else if (cp == 'x' || cp == 'X' || cp == '#') {
			return *why = "has an extension; store the number without it", 0;
		} else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp > 0x7F) {
			if (!(cp == 0xA0 || cp == 0x2009 || cp == 0x202F))
				return *why = "has letters in it", 0;
		} else if (!strchr(" -./()", (int)cp) || cp == 0) {
			return *why = "has a character that phone numbers do not use", 0;
		}
	}
	if (*n == 0)
		return *why = "has no digits", 0;
	return 1;
}

/* National significant number of a national-format number in region. */
static void strip_trunk(const char *region, unsigned cc, const char **d, size_t *n)
{
	static const char keep_zero[][3] = { "IT", "SM", "VA", "CI" };

	if (cc == 1) {
		if (*n == 11 && (*d)[0] == '1')
			(*d)++, (*n)--;
		return;
	}
	if (cc == 7) {
		if (*n == 11 && (*d)[0] == '8')
			(*d)++, (*n)--;
		return;
	}
	if (!strcmp(region, "BY") && *n > 2 && (*d)[0] == '8' && (*d)[1] == '0') {
		*d += 2;
		*n -= 2;
		return;
	}
	for (size_t i = 0; i < sizeof keep_zero / sizeof keep_zero[0]; i++)
		if (!strcmp(region, keep_zero[i]))
			return;
	if (*n > 0 && (*d)[0] == '0')
		(*d)++, (*n)--;
}

int cu_phone_normalize(char out[CU_PHONE_MAX + 1], const char *in, const char *default_region, const char **why)
{
	char digits[MAX_DIGITS + 4], cc_text[4];
	const char *nsn;
	size_t n, ccl, nn;
	unsigned cc;
	int plus;

	if (!collect(in, digits, &n, &plus, why))
		return CUSTOS_EINVALID;
	nsn = digits;
	if (!plus && n >= 2 && digits[0] == '0' && digits[1] == '0') {
		plus = 1;
		nsn += 2;
		n -= 2;
	}
	if (plus) {
		if (!(ccl = code_length(nsn, n)))
			return *why = n < 3 ? "is too short to be a phone number" : "has an unknown country code",
			       CUSTOS_EINVALID;
		memcpy(cc_text, nsn, ccl);
		cc_text[ccl] = '\0';
		cc = 0;
		for (size_t i = 0; i < ccl; i++)
			cc = cc * 10 + (unsigned)(cc_text[i] - '0');
		nsn += ccl;
		nn = n - ccl;
	} else {
		if (!default_region || !*default_region || cu_phone_region_code(default_region, &cc))
			return *why = "needs a country code: start it with '+' or set a default region", CUSTOS_EINVALID;
		nn = n;
		strip_trunk(default_region, cc, &nsn, &nn);
		ccl = (size_t)snprintf(cc_text, sizeof cc_text, "%u", cc);
	}
	if (ccl + nn > MAX_DIGITS)
		return *why = "is too long to be a phone number (E.164 allows 15 digits)", CUSTOS_EINVALID;
	if (cc == 1 && nn != 10)
		return *why = "is not a valid North American number: it needs 10 digits after +1", CUSTOS_EINVALID;
	if (nn < 4 || ccl + nn < 7)
		return *why = "is too short to be a phone number", CUSTOS_EINVALID;
	out[0] = '+';
	memcpy(out + 1, cc_text, ccl);
	memcpy(out + 1 + ccl, nsn, nn);
	out[1 + ccl + nn] = '\0';
	return CUSTOS_OK;
}
