/*
 * tests/check_phone.c — phone numbers to E.164, region calling codes, ISO 4217 currencies.
 */
#include <string.h>

#include "model/currency.h"
#include "model/phone.h"
#include "support.h"

static const char *norm(const char *in, const char *region)
{
	static char out[CU_PHONE_MAX + 1];
	const char *why = NULL;

	ck_assert_msg(cu_phone_normalize(out, in, region, &why) == CUSTOS_OK, "'%s' in %s: %s", in, region ? region : "-",
		why ? why : "");
	return out;
}

static const char *refused(const char *in, const char *region)
{
	char out[CU_PHONE_MAX + 1];
	const char *why = NULL;

	ck_assert_int_eq(cu_phone_normalize(out, in, region, &why), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(why);
	return why;
}

START_TEST(international_numbers_keep_their_country_code)
{
	ck_assert_str_eq(norm("+1 (415) 555-0100", NULL), "+14155550100");
	ck_assert_str_eq(norm("0044 20 7946 0958", NULL), "+442079460958");
	ck_assert_str_eq(norm("+852 9123 4567", "GB"), "+85291234567");
	ck_assert_str_eq(norm("+49.30.1234567", NULL), "+49301234567");
	ck_assert_str_eq(norm("+39 06 1234 5678", NULL), "+390612345678");
}
END_TEST

START_TEST(national_numbers_use_the_region_and_drop_trunk_prefixes)
{
	ck_assert_str_eq(norm("4155550100", "US"), "+14155550100");
	ck_assert_str_eq(norm("1-415-555-0100", "US"), "+14155550100");
	ck_assert_str_eq(norm("(416) 555-0199", "CA"), "+14165550199");
	ck_assert_str_eq(norm("020 7946 0958", "GB"), "+442079460958");
	ck_assert_str_eq(norm("06 1234 5678", "NL"), "+31612345678");
	ck_assert_str_eq(norm("030 1234567", "DE"), "+49301234567");
	ck_assert_str_eq(norm("9123 4567", "HK"), "+85291234567");
	ck_assert_str_eq(norm("6123 4567", "SG"), "+6561234567");
	ck_assert_str_eq(norm("090-1234-5678", "JP"), "+819012345678");
	ck_assert_str_eq(norm("8 912 345 67 89", "RU"), "+79123456789");
	ck_assert_str_eq(norm("8 029 123 45 67", "BY"), "+375291234567");
}
END_TEST

START_TEST(leading_zero_stays_where_it_is_part_of_the_number)
{
	ck_assert_str_eq(norm("06 1234 5678", "IT"), "+390612345678");
	ck_assert_str_eq(norm("0549 123456", "SM"), "+3780549123456");
	ck_assert_str_eq(norm("07 07 12 34 56", "CI"), "+2250707123456");
}
END_TEST

START_TEST(full_width_digits_and_unicode_spaces_are_read)
{
	ck_assert_str_eq(norm("\xEF\xBC\x8B\xEF\xBC\x98\xEF\xBC\x95\xEF\xBC\x92 9123\xC2\xA0" "4567", NULL), "+85291234567");
	ck_assert_str_eq(norm("9123\xE2\x80\xAF" "4567", "HK"), "+85291234567");
	ck_assert_str_eq(norm("\xEF\xBC\x99\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97",
		"HK"), "+85291234567");
}
END_TEST

START_TEST(bad_numbers_are_refused_with_a_reason)
{
	ck_assert_str_eq(refused("call me", "HK"), "has letters in it");
	ck_assert_str_eq(refused("+1 415 555 0100 x12", NULL), "has an extension; store the number without it");
	ck_assert_str_eq(refused("12", "HK"), "is too short to be a phone number");
	ck_assert_str_eq(refused("+1234567890123456", NULL), "is too long to be a phone number (E.164 allows 15 digits)");
	ck_assert_str_eq(refused("+999 1234 5678", NULL), "has an unknown country code");
	ck_assert_str_eq(refused("9123 4567", NULL), "needs a country code: start it with '+' or set a default region");
	ck_assert_str_eq(refused("9123 4567", ""), "needs a country code: start it with '+' or set a default region");
	ck_assert_str_eq(refused("", "HK"), "has no digits");
	ck_assert_str_eq(refused("()-. /", "HK"), "has no digits");
	ck_assert_str_eq(refused("+1 415 555 010", NULL),
		"is not a valid North American number: it needs 10 digits after +1");
	ck_assert_str_eq(refused("9123+4567", "HK"), "has a '+' that is not at the start");
	ck_assert_str_eq(refused("9123*4567", "HK"), "has a character that phone numbers do not use");
	ck_assert_str_eq(refused("91\xC3\x28", "HK"), "is not valid UTF-8");
	refused("123456789012345678901234567890", "HK");
}
END_TEST

START_TEST(regions_map_to_calling_codes)
{
	unsigned cc = 0;

	ck_assert_int_eq(cu_phone_region_code("HK", &cc), CUSTOS_OK);
	ck_assert_uint_eq(cc, 852);
	ck_assert_int_eq(cu_phone_region_code("PR", &cc), CUSTOS_OK);
	ck_assert_uint_eq(cc, 1);
	ck_assert_int_eq(cu_phone_region_code("KZ", &cc), CUSTOS_OK);
	ck_assert_uint_eq(cc, 7);
	ck_assert_int_eq(cu_phone_region_code("XK", &cc), CUSTOS_OK);
	ck_assert_uint_eq(cc, 383);
	ck_assert_int_eq(cu_phone_region_code("hk", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code("ZZ", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code("HKG", &cc), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_phone_region_code(NULL, &cc), CUSTOS_ENOTFOUND);
}
END_TEST

START_TEST(country_code_length_is_known)
{
	ck_assert_uint_eq(cu_phone_cc_digits("+85291234567"), 3);
	ck_assert_uint_eq(cu_phone_cc_digits("+14155550100"), 1);
	ck_assert_uint_eq(cu_phone_cc_digits("+442079460958"), 2);
	ck_assert_uint_eq(cu_phone_cc_digits("+9991234"), 0);
	ck_assert_uint_eq(cu_phone_cc_digits("85291234567"), 0);
}
END_TEST

START_TEST(currencies_have_their_minor_units)
{
	int d = -1;

	ck_assert_int_eq(cu_currency_lookup("EUR", &d), CUSTOS_OK);
	ck_assert_int_eq(d, 2);
	ck_assert_int_eq(cu_currency_lookup("JPY", &d), CUSTOS_OK);
	ck_assert_int_eq(d, 0);
	ck_assert_int_eq(cu_currency_lookup("BHD", &d), CUSTOS_OK);
	ck_assert_int_eq(d, 3);
	ck_assert_int_eq(cu_currency_lookup("CLF", &d), CUSTOS_OK);
	ck_assert_int_eq(d, 4);
	ck_assert_int_eq(cu_currency_lookup("HKD", &d), CUSTOS_OK);
	ck_assert_int_eq(cu_currency_lookup("eur", &d), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_currency_lookup("XAU", &d), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_currency_lookup("EU", &d), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_currency_lookup("EURO", &d), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(cu_currency_lookup(NULL, &d), CUSTOS_ENOTFOUND);
}
END_TEST

START_TEST(tables_are_sorted_for_binary_search)
{
	ck_assert_uint_gt(cu_phone_region_count(), 240);
	for (size_t i = 1; i < cu_phone_region_count(); i++)
		ck_assert_int_lt(strcmp(cu_phone_region_at(i - 1), cu_phone_region_at(i)), 0);
	ck_assert_ptr_null(cu_phone_region_at(cu_phone_region_count()));
	ck_assert_uint_gt(cu_currency_count(), 150);
	for (size_t i = 1; i < cu_currency_count(); i++)
		ck_assert_int_lt(strcmp(cu_currency_at(i - 1), cu_currency_at(i)), 0);
	ck_assert_ptr_null(cu_currency_at(cu_currency_count()));
}
END_TEST

static Suite *phone_suite(void)
{
	Suite *s = suite_create("phone");
	TCase *tc = tcase_create("e164");

	tcase_add_test(tc, international_numbers_keep_their_country_code);
	tcase_add_test(tc, national_numbers_use_the_region_and_drop_trunk_prefixes);
	tcase_add_test(tc, leading_zero_stays_where_it_is_part_of_the_number);
	tcase_add_test(tc, full_width_digits_and_unicode_spaces_are_read);
	tcase_add_test(tc, bad_numbers_are_refused_with_a_reason);
	tcase_add_test(tc, regions_map_to_calling_codes);
	tcase_add_test(tc, country_code_length_is_known);
	suite_add_tcase(s, tc);
	tc = tcase_create("currency");
	tcase_add_test(tc, currencies_have_their_minor_units);
	tcase_add_test(tc, tables_are_sorted_for_binary_search);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(phone_suite());
}
