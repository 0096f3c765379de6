/*
 * tests/check_phone.c — phone numbers to E.164 against libphonenumber's numbering plans
 * (with every example number of the metadata, tests/data/phone_examples.txt, found in
 * $CUSTOS_TEST_DATA, else tests/data), the rules of custos 0.1.0 kept for old stores, region
 * calling codes, ISO 4217 currencies. Stand-alone: it needs only the model/phone and
 * model/currency modules and Check, no store.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/errors.h"
#include "model/currency.h"
#include "model/phone.h"

/* Every ISO 3166-1 alpha-2 code (from Debian's iso-codes), each followed by a space. */
static const char iso_regions[] =
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
	"BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
	"EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
	"HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
	"LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
	"NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
	"TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW ";

/* The ITU's assigned country calling codes, as ranges; written out independently of the
 * region table so that the two check each other. */
static const struct { unsigned lo, hi; } itu_codes[] = {
	{ 1, 1 }, { 7, 7 }, { 20, 20 }, { 27, 27 }, { 30, 34 }, { 36, 36 }, { 39, 41 }, { 43, 49 },
	{ 51, 58 }, { 60, 66 }, { 81, 82 }, { 84, 84 }, { 86, 86 }, { 90, 95 }, { 98, 98 },
	{ 211, 213 }, { 216, 216 }, { 218, 218 }, { 220, 258 }, { 260, 269 }, { 290, 291 },
	{ 297, 299 }, { 350, 359 }, { 370, 378 }, { 380, 383 }, { 385, 387 }, { 389, 389 },
	{ 420, 421 }, { 423, 423 }, { 500, 509 }, { 590, 599 }, { 670, 670 }, { 672, 683 },
	{ 685, 692 }, { 800, 800 }, { 808, 808 }, { 850, 850 }, { 852, 853 }, { 855, 856 },
	{ 870, 870 }, { 878, 878 }, { 880, 883 }, { 886, 886 }, { 888, 888 }, { 960, 968 },
	{ 970, 977 }, { 979, 979 }, { 992, 998 },
};

static int itu_assigned(unsigned cc)
{
	for (size_t i = 0; i < sizeof itu_codes / sizeof itu_codes[0]; i++)
		if (cc >= itu_codes[i].lo && cc <= itu_codes[i].hi)
			return 1;
	return 0;
}

static const char *norm(const char *in, const char *region)
{
	static char out[CU_PHONE_MAX + 1];
	char why[CU_PHONE_WHY_MAX] = "";
	int rc = cu_phone_normalize(out, in, region, why);

	ck_assert_msg(rc == CUSTOS_OK, "'%s' in %s: %s", in, region ? region : "-", why);
	return out;
}

static const char *refused(const char *in, const char *region)
{
	char out[CU_PHONE_MAX + 1] = "unchanged";
	static char why[CU_PHONE_WHY_MAX];

	strcpy(why, "unchanged");
	ck_assert_msg(cu_phone_normalize(out, in, region, why) == CUSTOS_EINVALID, "'%s' in %s was accepted as %s",
		in, region ? region : "-", out);
	ck_assert_str_eq(out, "");
	return why;
}

START_TEST(international_numbers_keep_their_country_code)
{
	ck_assert_str_eq(norm("+1 (415) 555-0100", NULL), "+14155550100");
	ck_assert_str_eq(norm("0044 20 7946 0958", NULL), "+442079460958");
	ck_assert_str_eq(norm("+852 9123 4567", "GB"), "+85291234567");
	ck_assert_str_eq(norm("0044 20 7946 0958", "US"), "+442079460958");
	ck_assert_str_eq(norm("(+44) 20 7946 0958", ""), "+442079460958");
	ck_assert_str_eq(norm("+49.30.1234567", NULL), "+49301234567");
	ck_assert_str_eq(norm("+39 06 1234 5678", NULL), "+390612345678");
	ck_assert_str_eq(norm("+882 3456 7890 12", NULL), "+8823456789012");
}
END_TEST

START_TEST(national_numbers_get_the_region_code_and_lose_the_trunk_prefix)
{
	ck_assert_str_eq(norm("4155550100", "US"), "+14155550100");
	ck_assert_str_eq(norm("1-415-555-0100", "US"), "+14155550100");
	ck_assert_str_eq(norm("(416) 555-0199", "CA"), "+14165550199");
	ck_assert_str_eq(norm("1 (787) 555-0123", "PR"), "+17875550123");
	ck_assert_str_eq(norm("020 7946 0958", "GB"), "+442079460958");
	ck_assert_str_eq(norm("06 1234 5678", "NL"), "+31612345678");
	ck_assert_str_eq(norm("030 1234567", "DE"), "+49301234567");
	ck_assert_str_eq(norm("01 23 45 67 89", "FR"), "+33123456789");
	ck_assert_str_eq(norm("090-1234-5678", "JP"), "+819012345678");
	ck_assert_str_eq(norm("06 1 234 5678", "HU"), "+3612345678");
	ck_assert_str_eq(norm("06 30 123 4567", "HU"), "+36301234567");
	ck_assert_str_eq(norm("8 612 34567", "LT"), "+37061234567");
	ck_assert_str_eq(norm("55 1234 5678", "MX"), "+525512345678");
}
END_TEST

START_TEST(regions_without_a_trunk_prefix_keep_every_digit)
{
	ck_assert_str_eq(norm("9123 4567", "HK"), "+85291234567");
	ck_assert_str_eq(norm("6123 4567", "SG"), "+6561234567");
	ck_assert_str_eq(norm("2882 3456", "MO"), "+85328823456");
	ck_assert_str_eq(norm("32 12 34 56", "DK"), "+4532123456");
	ck_assert_str_eq(norm("912 345 678", "ES"), "+34912345678");
}
END_TEST

START_TEST(leading_zero_stays_where_it_is_part_of_the_number)
{
	ck_assert_str_eq(norm("06 1234 5678", "IT"), "+390612345678");
	ck_assert_str_eq(norm("0549 886377", "SM"), "+3780549886377");
	ck_assert_str_eq(norm("06 6988 1234", "VA"), "+390669881234");
	ck_assert_str_eq(norm("07 07 12 34 56", "CI"), "+2250707123456");
}
END_TEST

START_TEST(russia_kazakhstan_and_belarus_drop_the_trunk_8)
{
	ck_assert_str_eq(norm("8 912 345 67 89", "RU"), "+79123456789");
	ck_assert_str_eq(norm("912 345 67 89", "RU"), "+79123456789");
	ck_assert_str_eq(norm("8 (701) 123-45-67", "KZ"), "+77011234567");
	ck_assert_str_eq(norm("8 029 123 45 67", "BY"), "+375291234567");
	ck_assert_str_eq(norm("029 123 45 67", "BY"), "+375291234567");
	/* The 8 goes only before exactly 10 digits: here it is part of the number. */
	ck_assert_str_eq(norm("800 123 45 67", "RU"), "+78001234567");
}
END_TEST

START_TEST(full_width_digits_and_unicode_spaces_are_read)
{
	/* "＋８５２ 9123<U+00A0>4567" */
	ck_assert_str_eq(norm("\xEF\xBC\x8B\xEF\xBC\x98\xEF\xBC\x95\xEF\xBC\x92 9123\xC2\xA0" "4567", NULL),
		"+85291234567");
	/* "9123<U+202F>4567", "9123<U+2009>4567" */
	ck_assert_str_eq(norm("9123\xE2\x80\xAF" "4567", "HK"), "+85291234567");
	ck_assert_str_eq(norm("9123\xE2\x80\x89" "4567", "HK"), "+85291234567");
	/* "９１２３４５６７" */
	ck_assert_str_eq(norm("\xEF\xBC\x99\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96"
		"\xEF\xBC\x97", "HK"), "+85291234567");
	/* "０９０－１２３４－５６７８": full-width hyphens come with full-width digits. */
	ck_assert_str_eq(norm("\xEF\xBC\x90\xEF\xBC\x99\xEF\xBC\x90\xEF\xBC\x8D\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93"
		"\xEF\xBC\x94\xEF\xBC\x8D\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\x98", "JP"), "+819012345678");
}
END_TEST

START_TEST(bad_numbers_are_refused_with_a_reason)
{
	ck_assert_str_eq(refused("call me", "HK"), "has letters in it");
	ck_assert_str_eq(refused("9123 456a", "HK"), "has letters in it");
	ck_assert_str_eq(refused("+1 415 555 0100 x123", NULL), "has an extension; store the number without it");
	ck_assert_str_eq(refused("+1 415 555 0100 ext. 4", NULL), "has an extension; store the number without it");
	ck_assert_str_eq(refused("9123 4567 #12", "HK"), "has an extension; store the number without it");
	ck_assert_str_eq(refused("912", "HK"), "is 3 digits; Hong Kong numbers have 8");
	ck_assert_str_eq(refused("12 34", "GB"), "is 4 digits, without an area code; United Kingdom numbers have 7, 9 or 10");
	ck_assert_str_eq(refused("+44 12", NULL), "is 2 digits after +44; +44 numbers have 9 or 10");
	ck_assert_str_eq(refused("+1 2", NULL), "is 1 digit after +1; +1 numbers have 10");
	ck_assert_str_eq(refused("+44 1234 5678 9012 34", NULL),
		"is too long to be a phone number (E.164 allows 15 digits)");
	ck_assert_str_eq(refused("123456789012345678901234567890", "HK"),
		"is too long to be a phone number (E.164 allows 15 digits)");
	ck_assert_str_eq(refused("+999 1234 5678", NULL), "has an unknown country code");
	ck_assert_str_eq(refused("00 259 1234 5678", NULL), "has an unknown country code");
	ck_assert_str_eq(refused("9123 4567", NULL), "needs a country code: start it with '+' or set a default region");
	ck_assert_str_eq(refused("9123 4567", ""), "needs a country code: start it with '+' or set a default region");
	ck_assert_str_eq(refused("9123 4567", "ZZ"),
		"needs a country code: start it with '+' (the default region is not an ISO 3166 code)");
	ck_assert_str_eq(refused("", "HK"), "has no digits");
	ck_assert_str_eq(refused("()-. /", "HK"), "has no digits");
	ck_assert_str_eq(refused("+1 415 555 010", NULL), "is 9 digits after +1; +1 numbers have 10");
	ck_assert_str_eq(refused("555 0100", "US"), "is 7 digits, without an area code; United States numbers have 10");
	ck_assert_str_eq(refused("9123+4567", "HK"), "has a '+' that is not at the start");
	ck_assert_str_eq(refused("9123*4567", "HK"), "has a character that phone numbers do not use");
	ck_assert_str_eq(refused("9123\xE2\x80\x93" "4567", "HK"), "has a character that phone numbers do not use");
	ck_assert_str_eq(refused("91\xC3\x28", "HK"), "is not valid UTF-8");
	ck_assert_str_eq(refused(NULL, "HK"), "is missing");
}
END_TEST

/* ---- the numbering plans ---- */

typedef struct { const char *in, *region, *want; } phone_case;

static void expect_all(const phone_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[CU_PHONE_MAX + 1], why[CU_PHONE_WHY_MAX] = "";
		int rc = cu_phone_normalize(out, cases[i].in, cases[i].region, why);
		ck_assert_msg(rc == CUSTOS_OK && !strcmp(out, cases[i].want), "'%s' in %s: got %s%s, want %s", cases[i].in,
			cases[i].region ? cases[i].region : "-", rc ? "refused: " : out, why, cases[i].want);
	}
}

static void expect_refused(const phone_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = refused(cases[i].in, cases[i].region);
		ck_assert_msg(!strcmp(why, cases[i].want), "'%s' in %s: \"%s\", want \"%s\"", cases[i].in,
			cases[i].region ? cases[i].region : "-", why, cases[i].want);
	}
}

#define FOREIGN ": to store a number of another country, write it with + and its country code"

/* Every number the issue names, as it names them. */
START_TEST(the_trunk_prefix_after_a_country_code_is_dropped)
{
	static const phone_case cases[] = {
		{ "+44 (0)20 7946 0958", NULL, "+442079460958" }, { "+44 20 7946 0958", NULL, "+442079460958" },
		{ "020 7946 0958", "GB", "+442079460958" }, { "+44 (0) 20 7946 0958", "HK", "+442079460958" },
		{ "+49 (0)30 123456", NULL, "+4930123456" }, { "+49 30 123456", NULL, "+4930123456" },
		{ "030 123456", "DE", "+4930123456" }, { "+33 (0)6 12 34 56 78", NULL, "+33612345678" },
		{ "+61 (0)4 1234 5678", NULL, "+61412345678" },
	};

	expect_all(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(a_country_code_written_without_plus_is_recognised)
{
	static const phone_case cases[] = {
		{ "852 9123 4567", "HK", "+85291234567" }, { "(852) 9123 4567", "HK", "+85291234567" },
		{ "852-9123-4567", "HK", "+85291234567" }, { "86 138 0013 8000", "CN", "+8613800138000" },
		{ "44 20 7946 0958", "GB", "+442079460958" }, { "65 8123 4567", "SG", "+6581234567" },
		/* A national number that happens to start with the code stays national. */
		{ "6512 3456", "SG", "+6565123456" },
	};

	expect_all(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(what_no_region_numbers_is_refused_with_the_reason)
{
	static const phone_case cases[] = {
		{ "9123 456", "HK", "is 7 digits; Hong Kong numbers have 8" },
		{ "912345678", "HK", "is 9 digits; Hong Kong numbers have 8" },
		{ "1234 5678", "HK", "starts with 1, which no Hong Kong number does" FOREIGN },
		{ "13800138000", "HK", "starts with 1, which no Hong Kong number does" FOREIGN },
		{ "2812 3456", "MO", "starts with 281, which no Macao number does" FOREIGN },
		{ "1380013800", "CN", "is 10 digits; China numbers have 11" },
		{ "0549 123456", "SM", "starts with 5 digits that no San Marino number starts with" FOREIGN },
		{ "020 7946 095", "GB", "is 9 digits after the trunk prefix 0; United Kingdom numbers have 10" },
		{ "01 55 1234 5678", "MX", "starts with 0, which no Mexico number does" FOREIGN },
		{ "+852 1234 5678", NULL, "starts with 1 after +852, which no Hong Kong number does" },
		{ "+44 (0)20 7946 095", NULL, "is 9 digits after +44 and the trunk prefix 0; +44 numbers have 10" },
		{ "+1 055 123 4567", NULL, "starts with 0 after +1, which no +1 number does" },
		{ "+86 12", NULL, "starts with 12 after +86, which no China number does" },
		{ "+882 1234 5678", NULL, "starts with 12 after +882, which no +882 number does" },
		{ "+44 1234 5678 9012 34", NULL, "is too long to be a phone number (E.164 allows 15 digits)" },
		{ "00852 9123 456", "HK", "is 7 digits after +852; Hong Kong numbers have 8" },
		{ "0044 20 7946 095", "US", "is 9 digits after +44; +44 numbers have 10" },
		{ "0 11 15 1234 5678", "AR", "is 12 digits after the trunk prefix 0; Argentina numbers have 10" },
	};

	expect_refused(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* Numbers as people write them, per region: national, international, with the region's
 * own international prefix, with full-width characters. */
START_TEST(real_formats_of_each_region_are_read)
{
	static const phone_case cases[] = {
		/* Hong Kong: no trunk prefix; IDD 00, 001, 0030, ... */
		{ "2123 4567", "HK", "+85221234567" }, { "5123-4567", "HK", "+85251234567" },
		{ "+852 9123 4567", "GB", "+85291234567" }, { "00852 9123 4567", "HK", "+85291234567" },
		{ "001 44 20 7946 0958", "HK", "+442079460958" }, { "800 123 456", "HK", "+852800123456" },
		{ "\xEF\xBC\x99\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xE3\x80\x80\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96"
		  "\xEF\xBC\x97", "HK", "+85291234567" },  /* "９１２３　４５６７" */
		/* China: trunk 0, mobiles 11 digits. */
		{ "138 0013 8000", "CN", "+8613800138000" }, { "010 1234 5678", "CN", "+861012345678" },
		{ "(021) 6123 4567", "CN", "+862161234567" }, { "+86 10 1234 5678", NULL, "+861012345678" },
		{ "400 123 4567", "CN", "+864001234567" }, { "0086 138 0013 8000", "HK", "+8613800138000" },
		{ "+86 138 0013 8000", "HK", "+8613800138000" },
		/* Macao */
		{ "2882 3456", "MO", "+85328823456" }, { "6612 3456", "MO", "+85366123456" },
		{ "+853 6612 3456", NULL, "+85366123456" },
		/* Taiwan: trunk 0 */
		{ "02 2123 4567", "TW", "+886221234567" }, { "0912 345 678", "TW", "+886912345678" },
		{ "+886 2 2123 4567", NULL, "+886221234567" }, { "+886 912 345 678", NULL, "+886912345678" },
		/* Singapore: no trunk prefix */
		{ "6123 4567", "SG", "+6561234567" }, { "8123 4567", "SG", "+6581234567" },
		{ "+65 9123 4567", NULL, "+6591234567" }, { "1800 123 4567", "SG", "+6518001234567" },
		/* United Kingdom, and Guernsey's local numbers */
		{ "07400 123456", "GB", "+447400123456" }, { "+44 (0)7400 123456", NULL, "+447400123456" },
		{ "0121 234 5678", "GB", "+441212345678" }, { "256789", "GG", "+441481256789" },
		{ "0044 121 234 5678", "FR", "+441212345678" },
		/* Germany: numbers of 5 to 15 digits */
		{ "(030) 1234567", "DE", "+49301234567" }, { "0151 2345 6789", "DE", "+4915123456789" },
		{ "+49 (0)89 1234567", NULL, "+49891234567" }, { "0049 30 123456", "GB", "+4930123456" },
		/* United States: trunk 1, IDD 011 */
		{ "(415) 555-0100", "US", "+14155550100" }, { "1-800-555-0199", "US", "+18005550199" },
		{ "+1 212 555 0123", NULL, "+12125550123" }, { "011 852 9123 4567", "US", "+85291234567" },
		/* Japan: trunk 0, IDD 010 */
		{ "03-1234-5678", "JP", "+81312345678" }, { "090-1234-5678", "JP", "+819012345678" },
		{ "+81 90 1234 5678", NULL, "+819012345678" }, { "0120-123-456", "JP", "+81120123456" },
		{ "010 852 9123 4567", "JP", "+85291234567" },
		/* Australia: trunk 0, IDD 0011 */
		{ "(02) 1234 5678", "AU", "+61212345678" }, { "0412 345 678", "AU", "+61412345678" },
		{ "+61 4 1234 5678", NULL, "+61412345678" }, { "0011 44 20 7946 0958", "AU", "+442079460958" },
		{ "1800 123 456", "AU", "+611800123456" },
		/* France: trunk 0 */
		{ "01 23 45 67 89", "FR", "+33123456789" }, { "06 12 34 56 78", "FR", "+33612345678" },
		{ "+33 1 23 45 67 89", NULL, "+33123456789" },
		/* India: trunk 0 */
		{ "098765 43210", "IN", "+919876543210" }, { "98765 43210", "IN", "+919876543210" },
		{ "011 2345 6789", "IN", "+911123456789" }, { "+91 98765 43210", NULL, "+919876543210" },
	};

	expect_all(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* The example number of every type of every territory in the metadata is valid and stored
 * as it is after its code; variants of them the metadata refuses are refused. */
START_TEST(every_example_number_of_the_metadata_is_valid)
{
	const char *dir = getenv("CUSTOS_TEST_DATA");
	char path[1024], line[256], number[64], territory[8], type[32];
	unsigned cc;
	long good = 0, bad = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/phone_examples.txt", dir && *dir ? dir : "tests/data");
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot open %s (set CUSTOS_TEST_DATA)", path);
	while (fgets(line, sizeof line, f)) {
		char in[80], out[CU_PHONE_MAX + 1], want[80], why[CU_PHONE_WHY_MAX] = "";
		if (line[0] == '#' || sscanf(line, "%u %63s %7s %31s", &cc, number, territory, type) != 4)
			continue;
		snprintf(in, sizeof in, "+%u %s", cc, number);
		snprintf(want, sizeof want, "+%u%s", cc, number);
		if (!strcmp(type, "invalid")) {
			ck_assert_msg(cu_phone_valid(cc, number, strlen(number)) == 0, "+%u %s is valid", cc, number);
			ck_assert_msg(cu_phone_normalize(out, in, NULL, why) == CUSTOS_EINVALID || strcmp(out, want),
				"%s was stored unchanged", in);
			bad++;
			continue;
		}
		ck_assert_msg(cu_phone_valid(cc, number, strlen(number)) == 1, "%s %s (%s) is not valid", territory,
			number, type);
		if (strlen(want) > CU_PHONE_MAX)
			continue;  /* valid in its plan, but longer than E.164 allows */
		ck_assert_msg(cu_phone_normalize(out, in, NULL, why) == CUSTOS_OK && !strcmp(out, want),
			"%s (%s %s): %s%s", in, territory, type, out, why);
		good++;
	}
	fclose(f);
	ck_assert_int_gt(good, 1100);
	ck_assert_int_gt(bad, 2500);
	ck_assert_str_eq(cu_phone_metadata_version(), "9.0.35");
}
END_TEST

/* The plans are compiled into digit masks at the first check; reading the text gives the
 * same lengths for every plan. Digits are drawn at random and, half the time, steered
 * towards digits some entry still agrees with, so long prefixes are reached too; every
 * prefix length k of every drawn string is compared. */
START_TEST(compiled_plans_agree_with_their_text)
{
	unsigned seed = 852, plans = 0;
	long compared = 0, nonzero = 0;
	char d[20];

	for (unsigned cc = 1; cc < 1000; cc++) {
		if (cu_phone_plan_lengths(cc, "", 0, 0) < 0)
			continue;
		plans++;
		for (int round = 0; round < 200; round++) {
			size_t n = 1 + (size_t)rand_r(&seed) % 17;
			for (size_t i = 0; i < n; i++) {
				d[i] = (char)('0' + rand_r(&seed) % 10);
				for (int t = 0; t < 10 && (round & 1) && cu_phone_plan_lengths(cc, d, i + 1, 0) == 0; t++)
					d[i] = (char)('0' + (d[i] - '0' + 1) % 10);
			}
			for (size_t k = 0; k <= n; k++) {
				long long text = cu_phone_plan_lengths(cc, d, k, 0);
				long long fast = cu_phone_plan_lengths(cc, d, k, 1);
				ck_assert_msg(fast == text, "+%u, %zu of %.*s: compiled %llx, text %llx", cc, k, (int)n, d,
					(unsigned long long)fast, (unsigned long long)text);
				compared++;
				nonzero += text > 0 && k >= 4;
			}
		}
	}
	ck_assert_uint_gt(plans, 200);
	ck_assert_int_gt(compared, 400000);
	ck_assert_int_gt(nonzero, 50000);
	ck_assert_int_eq(cu_phone_plan_lengths(997, "1234567", 7, 1), -1);
}
END_TEST

/* The rules of custos 0.1.0, kept so that old stores still find what they hold. */
START_TEST(the_old_rules_give_the_old_forms)
{
	static const phone_case cases[] = {
		{ "+44 (0)20 7946 0958", NULL, "+4402079460958" }, { "+49 (0)30 123456", NULL, "+49030123456" },
		{ "852 9123 4567", "HK", "+85285291234567" }, { "9123 456", "HK", "+8529123456" },
		{ "13800138000", "HK", "+85213800138000" }, { "9123 4567", "HK", "+85291234567" },
		{ "01 55 1234 5678", "MX", "+525512345678" },
	};
	char out[CU_PHONE_MAX + 1];
	const char *why;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(cu_phone_normalize_v1(out, cases[i].in, cases[i].region, &why), CUSTOS_OK);
		ck_assert_str_eq(out, cases[i].want);
	}
	ck_assert_int_eq(cu_phone_normalize_v1(out, "555 0100", "US", &why), CUSTOS_EINVALID);
	ck_assert_str_eq(why, "is not a valid North American number: it needs 10 digits after +1");
}
END_TEST

START_TEST(regions_map_to_calling_codes)
{
	static const struct { const char *region; unsigned cc; } cases[] = {
		{ "HK", 852 }, { "PR", 1 }, { "JM", 1 }, { "BS", 1 }, { "US", 1 }, { "GB", 44 }, { "GG", 44 },
		{ "JE", 44 }, { "IM", 44 }, { "RU", 7 }, { "KZ", 7 }, { "IT", 39 }, { "VA", 39 }, { "XK", 383 },
		{ "MO", 853 }, { "TW", 886 }, { "SH", 290 }, { "AX", 358 }, { "SJ", 47 }, { "EH", 212 },
	};
	unsigned cc;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cc = 0;
		ck_assert_int_eq(cu_phone_region_code(cases[i].region, &cc), CUSTOS_OK);
		ck_assert_msg(cc == cases[i].cc, "%s: %u", cases[i].region, cc);
	}
	ck_assert_int_eq(cu_phone_region_code("HK", NULL), CUSTOS_OK);
	ck_assert_int_eq(cu_phone_region_code("hk", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code("ZZ", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code("HKG", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code("H", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code("", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code(NULL, &cc), CUSTOS_ENOTFOUND);
}
END_TEST

START_TEST(every_iso_region_has_a_calling_code)
{
	size_t n = 0;
	unsigned cc;
	char id[3];

	for (const char *p = iso_regions; *p; p += 3, n++) {
		memcpy(id, p, 2);
		id[2] = '\0';
		ck_assert_msg(cu_phone_region_code(id, &cc) == CUSTOS_OK, "%s has no calling code", id);
		ck_assert_msg(itu_assigned(cc), "%s has code %u, which the ITU has not assigned", id, cc);
	}
	ck_assert_uint_eq(n, 249);
	ck_assert_uint_eq(cu_phone_region_count(), n + 1);   /* and XK */
}
END_TEST

START_TEST(only_assigned_country_codes_are_accepted)
{
	char e164[32];

	for (unsigned cc = 1; cc <= 999; cc++) {
		int len = snprintf(e164, sizeof e164, "+%u1234567", cc) - 8;
		int exact = cu_phone_cc_digits(e164) == (size_t)len;
		ck_assert_msg(exact == itu_assigned(cc), "+%u: read as a %zu-digit code", cc, cu_phone_cc_digits(e164));
	}
}
END_TEST

START_TEST(country_code_length_is_known)
{
	ck_assert_uint_eq(cu_phone_cc_digits("+85291234567"), 3);
	ck_assert_uint_eq(cu_phone_cc_digits("+14155550100"), 1);
	ck_assert_uint_eq(cu_phone_cc_digits("+442079460958"), 2);
	ck_assert_uint_eq(cu_phone_cc_digits("+79123456789"), 1);
	ck_assert_uint_eq(cu_phone_cc_digits("+9991234"), 0);
	ck_assert_uint_eq(cu_phone_cc_digits("85291234567"), 0);
	ck_assert_uint_eq(cu_phone_cc_digits("+"), 0);
	ck_assert_uint_eq(cu_phone_cc_digits(""), 0);
	ck_assert_uint_eq(cu_phone_cc_digits(NULL), 0);
}
END_TEST

START_TEST(currencies_have_their_minor_units)
{
	static const struct { const char *code; int digits; } cases[] = {
		{ "EUR", 2 }, { "USD", 2 }, { "HKD", 2 }, { "JPY", 0 }, { "KRW", 0 }, { "ISK", 0 }, { "BHD", 3 },
		{ "KWD", 3 }, { "TND", 3 }, { "CLF", 4 }, { "UYW", 4 }, { "XAF", 0 }, { "XOF", 0 }, { "XPF", 0 },
		{ "XCD", 2 }, { "XCG", 2 }, { "ZWG", 2 }, { "SLE", 2 }, { "BGN", 2 }, { "ANG", 2 },
	};
	int d;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		d = -1;
		ck_assert_msg(cu_currency_lookup(cases[i].code, &d) == CUSTOS_OK, "%s not found", cases[i].code);
		ck_assert_msg(d == cases[i].digits, "%s: %d digits", cases[i].code, d);
	}
	ck_assert_int_eq(cu_currency_lookup("EUR", NULL), CUSTOS_OK);
}
END_TEST

START_TEST(non_currencies_and_malformed_codes_are_not_found)
{
	static const char *const codes[] = {
		"eur", "Eur", "XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XSU", "XUA", "XBA",
		"HRK", "CUC", "SLL", "ZWL", "EU", "EURO", "E", "", "ZZZ",
	};
	int d = 7;

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		ck_assert_msg(cu_currency_lookup(codes[i], &d) == CUSTOS_ENOTFOUND, "'%s' was found", codes[i]);
	ck_assert_int_eq(cu_currency_lookup(NULL, &d), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(d, 7);
}
END_TEST

START_TEST(tables_are_sorted_and_every_entry_is_found)
{
	unsigned cc;
	int d;

	for (size_t i = 0; i < cu_phone_region_count(); i++) {
		const char *r = cu_phone_region_at(i);
		ck_assert_uint_eq(strlen(r), 2);
		ck_assert(r[0] >= 'A' && r[0] <= 'Z' && r[1] >= 'A' && r[1] <= 'Z');
		if (i > 0)
			ck_assert_msg(strcmp(cu_phone_region_at(i - 1), r) < 0, "%s is out of order", r);
		ck_assert_int_eq(cu_phone_region_code(r, &cc), CUSTOS_OK);
	}
	ck_assert_ptr_null(cu_phone_region_at(cu_phone_region_count()));
	ck_assert_uint_gt(cu_currency_count(), 150);
	for (size_t i = 0; i < cu_currency_count(); i++) {
		const char *c = cu_currency_at(i);
		ck_assert_uint_eq(strlen(c), 3);
		if (i > 0)
			ck_assert_msg(strcmp(cu_currency_at(i - 1), c) < 0, "%s is out of order", c);
		ck_assert_int_eq(cu_currency_lookup(c, &d), CUSTOS_OK);
		ck_assert(d >= 0 && d <= 4);
	}
	ck_assert_ptr_null(cu_currency_at(cu_currency_count()));
}
END_TEST

static Suite *phone_suite(void)
{
	Suite *s = suite_create("phone");
	TCase *tc = tcase_create("e164");

	tcase_add_test(tc, international_numbers_keep_their_country_code);
	tcase_add_test(tc, national_numbers_get_the_region_code_and_lose_the_trunk_prefix);
	tcase_add_test(tc, regions_without_a_trunk_prefix_keep_every_digit);
	tcase_add_test(tc, leading_zero_stays_where_it_is_part_of_the_number);
	tcase_add_test(tc, russia_kazakhstan_and_belarus_drop_the_trunk_8);
	tcase_add_test(tc, full_width_digits_and_unicode_spaces_are_read);
	tcase_add_test(tc, bad_numbers_are_refused_with_a_reason);
	suite_add_tcase(s, tc);
	tc = tcase_create("plans");
	tcase_add_test(tc, the_trunk_prefix_after_a_country_code_is_dropped);
	tcase_add_test(tc, a_country_code_written_without_plus_is_recognised);
	tcase_add_test(tc, what_no_region_numbers_is_refused_with_the_reason);
	tcase_add_test(tc, real_formats_of_each_region_are_read);
	tcase_add_test(tc, every_example_number_of_the_metadata_is_valid);
	tcase_add_test(tc, compiled_plans_agree_with_their_text);
	tcase_add_test(tc, the_old_rules_give_the_old_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("regions");
	tcase_add_test(tc, regions_map_to_calling_codes);
	tcase_add_test(tc, every_iso_region_has_a_calling_code);
	tcase_add_test(tc, only_assigned_country_codes_are_accepted);
	tcase_add_test(tc, country_code_length_is_known);
	suite_add_tcase(s, tc);
	tc = tcase_create("currency");
	tcase_add_test(tc, currencies_have_their_minor_units);
	tcase_add_test(tc, non_currencies_and_malformed_codes_are_not_found);
	tcase_add_test(tc, tables_are_sorted_and_every_entry_is_found);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(phone_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
