/*
 * tests/check_validate.c — internal validation of field values: email syntax, calendar
 * dates, the text form of numbers used by find, the index form (which must sort), the
 * well-formedness check applied to stored values, and tag normalisation. The fields come
 * from a real built-in schema, cloned to add custom fields of the other types.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/schema.h"
#include "model/validate.h"
#include "support.h"

static cu_schema *S;

static void setup(void)
{
	static const struct { const char *name; int type; uint32_t flags; } custom[] = {
		{ "score", CUSTOS_TYPE_INTEGER, CUSTOS_FIELD_CLEAR },
		{ "since", CUSTOS_TYPE_TIMESTAMP, 0 },
		{ "opted_in", CUSTOS_TYPE_BOOLEAN, CUSTOS_FIELD_CLEAR },
		{ "credit", CUSTOS_TYPE_MONEY, 0 },
	};
	cu_schema *base = NULL;

	ck_assert_int_eq(cu_schema_new_builtin(&base, 1000, "HK"), CUSTOS_OK);
	ck_assert_int_eq(cu_schema_clone(&S, base), CUSTOS_OK);
	cu_schema_unref(base);
	for (size_t i = 0; i < sizeof custom / sizeof custom[0]; i++) {
		custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
		o.name = custom[i].name;
		o.type = (uint32_t)custom[i].type;
		o.flags = custom[i].flags;
		ck_assert_msg(cu_schema_add_custom(S, &o) == CUSTOS_OK, "%s", custos_error_last());
	}
}

static void teardown(void)
{
	cu_schema_unref(S);
	S = NULL;
}

static const cu_field *F(const char *name)
{
	const cu_field *f = cu_schema_find(S, name);
	ck_assert_msg(f != NULL, "no field %s", name);
	return f;
}

/* ---- email ---- */

static char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

START_TEST(valid_email_addresses_pass)
{
	static const char *const good[] = {
		"a@example.com",
		"a@b.co",
		"bob.smith+crm@example.com",
		"user@mail.sub.example.co.uk",
		"user123@example456.com",
		"first-last@my-domain.example",
		"x@a-b-c.example.org",
		"o'brien@example.ie",
		"user_name@example.com",
		"!#$%&'*+-/=?^_`{|}~@example.com",
		"UPPER@EXAMPLE.COM",
		"a@123.example.com",
		"a@example.xn--p1ai",
		"\xE7\x8E\x8B@example.com",                                           /* UTF-8 local part */
		"info@\xE4\xBE\x8B\xE5\xAD\x90.\xE4\xB8\xAD\xE5\x9B\xBD",             /* IDN domain */
		"jos\xC3\xA9@m\xC3\xBCnchen.de",
		"a.b.c@d-e.f9",
	};
	char local64[65], buf[300], l63a[64], l63b[64], l57[58];
	const char *why;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		why = NULL;
		ck_assert_msg(cu_email_check(good[i], strlen(good[i]), &why) == 1, "%s: %s", good[i], why ? why : "");
	}
	/* A 64-byte local part, the most allowed. */
	snprintf(buf, sizeof buf, "%s@example.com", repeat(local64, 'a', 64));
	ck_assert_int_eq(cu_email_check(buf, strlen(buf), &why), 1);
	/* 254 bytes in all: 64 + '@' + 63.63.57.com (189). */
	snprintf(buf, sizeof buf, "%s@%s.%s.%s.com", local64, repeat(l63a, 'b', 63), repeat(l63b, 'c', 63),
		repeat(l57, 'd', 57));
	ck_assert_uint_eq(strlen(buf), 254);
	ck_assert_msg(cu_email_check(buf, strlen(buf), &why) == 1, "%s", why);
}
END_TEST

START_TEST(invalid_email_addresses_say_why)
{
	static const struct { const char *in, *why; } bad[] = {
		{ "", "has no '@'" },
		{ "bob.example.com", "has no '@'" },
		{ "@example.com", "has nothing before '@'" },
		{ "bob@", "has nothing after '@'" },
		{ "a@b@example.com", "has more than one '@'" },
		{ ".bob@example.com", "has a dot at the start or end of the part before '@'" },
		{ "bob.@example.com", "has a dot at the start or end of the part before '@'" },
		{ "bo..b@example.com", "has two dots in a row" },
		{ "b ob@example.com", "contains a space" },
		{ "\"bob\"@example.com", "uses a quoted local part, which is not supported" },
		{ "bo(b)@example.com", "has a character before '@' that email addresses do not allow" },
		{ "bob\x01@example.com", "has a character before '@' that email addresses do not allow" },
		{ "bob@[192.0.2.1]", "uses an address literal like [192.0.2.1], which is not supported" },
		{ "bob@localhost", "needs a domain with a dot after '@', like example.com" },
		{ "bob@example..com", "has a domain with an empty label or a label longer than 63 bytes" },
		{ "bob@example.com.", "has a domain with an empty label or a label longer than 63 bytes" },
		{ "bob@.example.com", "has a domain with an empty label or a label longer than 63 bytes" },
		{ "bob@-example.com", "has a domain label that starts or ends with '-'" },
		{ "bob@example-.com", "has a domain label that starts or ends with '-'" },
		{ "bob@exa_mple.com", "has a character after '@' that domain names do not allow" },
		{ "bob@exa mple.com", "contains a space" },
		{ "bob@example.123", "has a domain whose last label is all digits" },
		{ "bob@192.0.2.1", "has a domain whose last label is all digits" },
	};
	char buf[320], part[260];
	const char *why;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		ck_assert_msg(cu_email_check(bad[i].in, strlen(bad[i].in), &why) == 0, "accepted %s", bad[i].in);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(!strcmp(why, bad[i].why), "%s: got \"%s\", want \"%s\"", bad[i].in, why, bad[i].why);
	}
	/* 65 bytes before '@'. */
	snprintf(buf, sizeof buf, "%s@example.com", repeat(part, 'a', 65));
	ck_assert_int_eq(cu_email_check(buf, strlen(buf), &why), 0);
	ck_assert_str_eq(why, "has more than 64 bytes before '@'");
	/* A 64-byte label. */
	snprintf(buf, sizeof buf, "bob@%s.com", repeat(part, 'b', 64));
	ck_assert_int_eq(cu_email_check(buf, strlen(buf), &why), 0);
	ck_assert_str_eq(why, "has a domain with an empty label or a label longer than 63 bytes");
	/* 255 bytes in all. */
	snprintf(buf, sizeof buf, "%s@", repeat(part, 'a', 64));
	strcat(buf, repeat(part, 'b', 63));
	strcat(buf, ".");
	strcat(buf, repeat(part, 'c', 63));
	strcat(buf, ".");
	strcat(buf, repeat(part, 'd', 58));
	strcat(buf, ".com");
	ck_assert_uint_eq(strlen(buf), 255);
	ck_assert_int_eq(cu_email_check(buf, strlen(buf), &why), 0);
	ck_assert_str_eq(why, "is longer than 254 bytes");
}
END_TEST

START_TEST(email_check_reads_only_the_given_length)
{
	const char *why;

	/* The length, not the NUL, ends the address. */
	ck_assert_int_eq(cu_email_check("a@example.com.evil", 13, &why), 1);
	ck_assert_int_eq(cu_email_check("a@example.com", 2, &why), 0);
	ck_assert_str_eq(why, "has nothing after '@'");
}
END_TEST

/* ---- dates ---- */

static int date_ok(const char *s)
{
	return cu_date_check(s, strlen(s));
}

START_TEST(leap_days_exist_only_in_leap_years)
{
	ck_assert_int_eq(date_ok("2000-02-29"), 1);
	ck_assert_int_eq(date_ok("2024-02-29"), 1);
	ck_assert_int_eq(date_ok("1600-02-29"), 1);
	ck_assert_int_eq(date_ok("0004-02-29"), 1);
	ck_assert_int_eq(date_ok("1900-02-29"), 0);
	ck_assert_int_eq(date_ok("2023-02-29"), 0);
	ck_assert_int_eq(date_ok("2100-02-29"), 0);
	ck_assert_int_eq(date_ok("2000-02-30"), 0);
	ck_assert_int_eq(date_ok("2023-02-28"), 1);
}
END_TEST

START_TEST(months_and_days_stay_in_bounds)
{
	static const char *const good[] = {
		"0001-01-01", "9999-12-31", "2023-01-31", "2023-03-31", "2023-04-30", "2023-06-30",
		"2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-01",
	};
	static const char *const bad[] = {
		"0000-01-01", "0000-12-31", "2023-00-10", "2023-13-01", "2023-99-01", "2023-01-00",
		"2023-01-32", "2023-04-31", "2023-06-31", "2023-09-31", "2023-11-31", "2023-12-32",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(date_ok(good[i]) == 1, "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(date_ok(bad[i]) == 0, "%s", bad[i]);
}
END_TEST

START_TEST(dates_need_the_exact_form)
{
	static const char *const bad[] = {
		"", "2023/01/01", "2023.01.01", "2023-01/01", "2023_01_01", "20230101", "2023-1-01",
		"2023-01-1", "23-01-01", "2023-01-011", "02023-01-01", " 2023-01-01", "2023-01-01 ",
		"2023-0a-01", "+023-01-01", "-023-01-01", "2023--1-01", "2023-01-01T00:00", "YYYY-MM-DD",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(date_ok(bad[i]) == 0, "\"%s\"", bad[i]);
	/* The length given, not the NUL, ends the date. */
	ck_assert_int_eq(cu_date_check("2023-01-01junk", 10), 1);
	ck_assert_int_eq(cu_date_check("2023-01-01", 9), 0);
}
END_TEST

/* ---- numbers from text (the form find() takes) ---- */

/* Convert; on success compare with want (n bytes). */
static void from_text_ok(const char *field, const char *in, const void *want, size_t n)
{
	cu_bytes b = CU_BYTES_INIT;

	ck_assert_msg(cu_value_from_text(F(field), "HK", in, &b) == CUSTOS_OK, "%s \"%s\": %s", field, in,
		custos_error_last());
	ck_assert_uint_eq(b.len, n);
	ck_assert_mem_eq(b.p, want, n);
	cu_bytes_free(&b);
}

static void from_text_bad(const char *field, const char *in, const char *message)
{
	cu_bytes b = CU_BYTES_INIT;

	ck_assert_msg(cu_value_from_text(F(field), "HK", in, &b) == CUSTOS_EINVALID, "%s accepted \"%s\"", field, in);
	ck_assert_uint_eq(b.len, 0);
	if (message)
		ck_assert_str_eq(custos_error_last(), message);
	cu_bytes_free(&b);
}

static const unsigned char *le64(unsigned char out[8], int64_t v)
{
	cu_put_u64le(out, (uint64_t)v);
	return out;
}

START_TEST(integers_from_text)
{
	unsigned char w[8];

	from_text_ok("score", "42", le64(w, 42), 8);
	from_text_ok("score", "-7", le64(w, -7), 8);
	from_text_ok("score", "0", le64(w, 0), 8);
	from_text_ok("score", "9223372036854775807", le64(w, INT64_MAX), 8);
	from_text_ok("score", "-9223372036854775808", le64(w, INT64_MIN), 8);
	from_text_bad("score", "x", "field 'score' is integer: write a whole number");
	from_text_bad("score", "", NULL);
	from_text_bad("score", "-", NULL);
	from_text_bad("score", "4 2", NULL);
	from_text_bad("score", "42x", NULL);
	from_text_bad("score", "1.5", NULL);
	from_text_bad("score", "9223372036854775808", NULL);
}
END_TEST

START_TEST(timestamps_from_text_stay_within_years_1_to_9999)
{
	unsigned char w[8];

	from_text_ok("since", "1700000000", le64(w, 1700000000), 8);
	from_text_ok("since", "-1", le64(w, -1), 8);
	from_text_ok("since", "-62135596800", le64(w, CU_TIMESTAMP_MIN), 8);
	from_text_ok("since", "253402300799", le64(w, CU_TIMESTAMP_MAX), 8);
	from_text_bad("since", "253402300800", "field 'since': the time is outside years 1 to 9999");
	from_text_bad("since", "-62135596801", NULL);
	from_text_bad("since", "yesterday", "field 'since' is a timestamp: write it as 2026-11-23T20:15:00Z (or with an "
		"offset such as +08:00)");
	/* ISO 8601, as custos_customer_get_string() prints it, and with an offset. */
	from_text_ok("since", "2023-11-14T22:13:20Z", le64(w, 1700000000), 8);
	from_text_ok("since", "2023-11-15T06:13:20+08:00", le64(w, 1700000000), 8);
	from_text_ok("since", "2023-11-14T17:13:20-05:00", le64(w, 1700000000), 8);
	from_text_ok("since", "1969-12-31T23:59:59Z", le64(w, -1), 8);
	from_text_ok("since", "0001-01-01T00:00:00Z", le64(w, CU_TIMESTAMP_MIN), 8);
	from_text_ok("since", "9999-12-31T23:59:59Z", le64(w, CU_TIMESTAMP_MAX), 8);
	from_text_ok("since", "2024-02-29T12:00:00Z", le64(w, 1709208000), 8);
	from_text_bad("since", "2023-02-29T12:00:00Z", NULL);
	from_text_bad("since", "2023-13-01T00:00:00Z", NULL);
	from_text_bad("since", "2023-11-14T24:00:00Z", NULL);
	from_text_bad("since", "2023-11-14T22:13:20", NULL);
	from_text_bad("since", "2023-11-14T22:13:20Zx", NULL);
	from_text_bad("since", "0000-12-31T23:59:59Z", NULL);
	from_text_bad("since", "9999-12-31T23:59:59-00:01", "field 'since': the time is outside years 1 to 9999");
}
END_TEST

START_TEST(booleans_from_text)
{
	static const unsigned char one = 1, zero = 0;

	from_text_ok("opted_in", "true", &one, 1);
	from_text_ok("opted_in", "1", &one, 1);
	from_text_ok("opted_in", "0", &zero, 1);
	from_text_ok("opted_in", "false", &zero, 1);
	from_text_bad("opted_in", "maybe", "field 'opted_in' is a boolean: use 0, 1, true or false");
	from_text_bad("opted_in", "2", NULL);
	from_text_bad("opted_in", "", NULL);
	from_text_bad("opted_in", "yes", NULL);
}
END_TEST

static const unsigned char *money(unsigned char w[11], int64_t minor, const char *cur)
{
	cu_put_u64le(w, (uint64_t)minor);
	memcpy(w + 8, cur, 3);
	return w;
}

/* The amount in major units with at most the currency's decimals, then the code: what
 * custos_customer_get_string() prints. */
START_TEST(money_from_text_is_an_amount_and_a_currency)
{
	unsigned char w[11];

	from_text_ok("credit", "19.99 EUR", money(w, 1999, "EUR"), 11);
	from_text_ok("credit", "1999 EUR", money(w, 199900, "EUR"), 11);
	from_text_ok("credit", "12.5 EUR", money(w, 1250, "EUR"), 11);
	from_text_ok("credit", "-0.01 EUR", money(w, -1, "EUR"), 11);
	from_text_ok("credit", "-500 JPY", money(w, -500, "JPY"), 11);
	from_text_ok("credit", "1.234 BHD", money(w, 1234, "BHD"), 11);
	from_text_ok("credit", "92233720368547758.07 EUR", money(w, INT64_MAX, "EUR"), 11);
	from_text_ok("credit", "-92233720368547758.08 EUR", money(w, INT64_MIN, "EUR"), 11);
	from_text_bad("credit", "92233720368547758.08 EUR", "field 'credit': the amount is too large");
	from_text_bad("credit", "99999999999999999999 JPY", "field 'credit': the amount is too large");
	from_text_bad("credit", "1.999 EUR", "field 'credit': EUR has 2 decimal places");
	from_text_bad("credit", "1.5 JPY", "field 'credit': JPY has 0 decimal places");
	from_text_bad("credit", "1999", "field 'credit' is money: write an amount and an ISO 4217 currency code, such "
		"as \"1500.00 EUR\" or \"-500 JPY\"");
	from_text_bad("credit", "1999 XYZ", "field 'credit': the currency is not an ISO 4217 code such as EUR");
	from_text_bad("credit", "1.5.2 EUR", "field 'credit': the amount is not a number such as 1500.00");
	from_text_bad("credit", "1999 eur", NULL);
	from_text_bad("credit", "1999 EURO", NULL);
	from_text_bad("credit", "EUR 1999", NULL);
	from_text_bad("credit", " EUR", NULL);
	from_text_bad("credit", ". EUR", NULL);
	from_text_bad("credit", "1. EUR", NULL);
	from_text_bad("credit", "-x EUR", NULL);
	from_text_bad("credit", "1 000 EUR", NULL);
}
END_TEST

START_TEST(text_of_a_number_field_is_not_a_setter_for_another_type)
{
	cu_bytes b = CU_BYTES_INIT;

	ck_assert_int_eq(cu_value_from_int(F("name"), 5, &b), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is text; set it with custos_customer_set_text()");
	ck_assert_int_eq(cu_value_from_bool(F("score"), 1, &b), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'score' is integer; set it with custos_customer_set_int()");
	ck_assert_int_eq(cu_value_from_bool(F("opted_in"), 2, &b), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'opted_in' is a boolean: pass 0 or 1, not 2");
	ck_assert_int_eq(cu_value_from_timestamp(F("score"), 1, &b), CUSTOS_EINVALID);
	ck_assert_int_eq(cu_value_from_money(F("score"), 1, "EUR", &b), CUSTOS_EINVALID);
	ck_assert_int_eq(cu_value_from_money(F("credit"), 1, NULL, &b), CUSTOS_EINVALID);
	ck_assert_uint_eq(b.len, 0);
	cu_bytes_free(&b);
}
END_TEST

/* ---- index form ---- */

static void index_form(const cu_field *f, const void *p, size_t n, cu_bytes *out)
{
	ck_assert_msg(cu_value_index_form(f, p, n, out) == CUSTOS_OK, "%s", custos_error_last());
}

START_TEST(email_index_form_is_lower_case_throughout)
{
	cu_bytes stored = CU_BYTES_INIT, idx = CU_BYTES_INIT;

	ck_assert_int_eq(cu_value_from_text(F("email"), "HK", "Bob.Smith+CRM@Example.COM", &stored), CUSTOS_OK);
	ck_assert_uint_eq(stored.len, strlen("Bob.Smith+CRM@example.com"));
	ck_assert_mem_eq(stored.p, "Bob.Smith+CRM@example.com", stored.len);
	index_form(F("email"), stored.p, stored.len, &idx);
	ck_assert_uint_eq(idx.len, strlen("bob.smith+crm@example.com"));
	ck_assert_mem_eq(idx.p, "bob.smith+crm@example.com", idx.len);
	cu_bytes_free(&idx);
	/* Non-ASCII capitals too: "\u00c9LODIE" -> "\u00e9lodie". */
	index_form(F("email"), "\xC3\x89LODIE@example.com", 19, &idx);
	ck_assert_uint_eq(idx.len, 19);
	ck_assert_mem_eq(idx.p, "\xC3\xA9lodie@example.com", 19);
	cu_bytes_free(&idx);
	cu_bytes_free(&stored);
}
END_TEST

/* Index forms of the stored values of vals[], checked to sort as the numbers do. */
static void expect_sorted_index(const char *field, const int64_t *vals, size_t n)
{
	unsigned char prev[8] = { 0 }, stored[8];
	cu_bytes idx = CU_BYTES_INIT;

	for (size_t i = 0; i < n; i++) {
		cu_put_u64le(stored, (uint64_t)vals[i]);
		index_form(F(field), stored, 8, &idx);
		ck_assert_uint_eq(idx.len, 8);
		/* Big-endian with the sign bit flipped. */
		ck_assert_uint_eq(cu_get_u64be(idx.p), (uint64_t)vals[i] ^ 0x8000000000000000ULL);
		if (i)
			ck_assert_msg(memcmp(prev, idx.p, 8) < 0, "%s: %lld does not sort after %lld", field,
				(long long)vals[i], (long long)vals[i - 1]);
		memcpy(prev, idx.p, 8);
		cu_bytes_reset(&idx);
	}
	cu_bytes_free(&idx);
}

START_TEST(integer_index_form_sorts_like_the_numbers)
{
	static const int64_t vals[] = { INT64_MIN, -256, -2, -1, 0, 1, 2, 255, 256, INT64_MAX };
	static const unsigned char minus_one[8] = { 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	static const unsigned char zero[8] = { 0x80, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char one[8] = { 0x80, 0, 0, 0, 0, 0, 0, 1 };
	unsigned char stored[8];
	cu_bytes idx = CU_BYTES_INIT;

	expect_sorted_index("score", vals, sizeof vals / sizeof vals[0]);
	index_form(F("score"), le64(stored, -1), 8, &idx);
	ck_assert_mem_eq(idx.p, minus_one, 8);
	cu_bytes_reset(&idx);
	index_form(F("score"), le64(stored, 0), 8, &idx);
	ck_assert_mem_eq(idx.p, zero, 8);
	cu_bytes_reset(&idx);
	index_form(F("score"), le64(stored, 1), 8, &idx);
	ck_assert_mem_eq(idx.p, one, 8);
	cu_bytes_free(&idx);
}
END_TEST

START_TEST(timestamp_index_form_sorts_like_the_times)
{
	static const int64_t vals[] = { CU_TIMESTAMP_MIN, -86400, -1, 0, 1, 1700000000, CU_TIMESTAMP_MAX };

	expect_sorted_index("since", vals, sizeof vals / sizeof vals[0]);
}
END_TEST

START_TEST(money_index_form_is_currency_then_sorted_amount)
{
	unsigned char stored[11], want[11];
	cu_bytes idx = CU_BYTES_INIT;

	cu_put_u64le(stored, (uint64_t)(int64_t)-1);
	memcpy(stored + 8, "EUR", 3);
	index_form(F("credit"), stored, 11, &idx);
	memcpy(want, "EUR", 3);
	cu_put_u64be(want + 3, 0x7FFFFFFFFFFFFFFFULL);
	ck_assert_uint_eq(idx.len, 11);
	ck_assert_mem_eq(idx.p, want, 11);
	cu_bytes_free(&idx);
}
END_TEST

START_TEST(other_index_forms_are_the_stored_bytes)
{
	cu_bytes idx = CU_BYTES_INIT;

	index_form(F("name"), "Ada Lovelace", 12, &idx);
	ck_assert_uint_eq(idx.len, 12);
	ck_assert_mem_eq(idx.p, "Ada Lovelace", 12);
	cu_bytes_reset(&idx);
	index_form(F("phone"), "+85291234567", 12, &idx);
	ck_assert_mem_eq(idx.p, "+85291234567", 12);
	cu_bytes_free(&idx);
}
END_TEST

/* ---- stored values ---- */

static int wf(const char *field, const void *p, size_t n)
{
	return cu_value_well_formed(F(field), p, n);
}

START_TEST(text_values_are_checked_for_length_nul_and_utf8)
{
	char buf[300];

	ck_assert_int_eq(wf("name", "Ada", 3), 1);
	ck_assert_int_eq(wf("name", "", 0), 0);
	memset(buf, 'x', sizeof buf);
	ck_assert_int_eq(wf("name", buf, 256), 1);
	ck_assert_int_eq(wf("name", buf, 257), 0);
	ck_assert_int_eq(wf("name", "A\0a", 3), 0);
	ck_assert_int_eq(wf("name", "bad \xC3\x28", 6), 0);
	ck_assert_int_eq(wf("email", buf, 254), 1);
	ck_assert_int_eq(wf("email", buf, 255), 0);
	ck_assert_int_eq(wf("phone", "+85291234567", 12), 1);
	ck_assert_int_eq(wf("phone", buf, 16), 1);
	ck_assert_int_eq(wf("phone", buf, 17), 0);
}
END_TEST

START_TEST(dates_and_enums_are_checked)
{
	static const unsigned char four = 4, five = 5, two[2] = { 0, 0 };

	ck_assert_int_eq(wf("birthday", "2000-02-29", 10), 1);
	ck_assert_int_eq(wf("birthday", "2023-02-29", 10), 0);
	ck_assert_int_eq(wf("birthday", "2023-02-2", 9), 0);
	ck_assert_int_eq(wf("stage", &four, 1), 1);  /* "lost", the last of five */
	ck_assert_int_eq(wf("stage", &five, 1), 0);
	ck_assert_int_eq(wf("stage", two, 2), 0);
	ck_assert_int_eq(wf("stage", two, 0), 0);
	ck_assert_int_eq(wf("kind", &four, 1), 0);
}
END_TEST

START_TEST(numbers_need_their_exact_length)
{
	unsigned char buf[12] = { 0 };

	ck_assert_int_eq(wf("score", buf, 8), 1);
	ck_assert_int_eq(wf("score", buf, 7), 0);
	ck_assert_int_eq(wf("score", buf, 9), 0);
	ck_assert_int_eq(wf("score", buf, 0), 0);
	ck_assert_int_eq(wf("since", buf, 8), 1);
	ck_assert_int_eq(wf("since", buf, 7), 0);
	ck_assert_int_eq(wf("since", buf, 9), 0);
	ck_assert_int_eq(wf("opted_in", buf, 1), 1);
	ck_assert_int_eq(wf("opted_in", buf, 0), 0);
	ck_assert_int_eq(wf("opted_in", buf, 2), 0);
	memcpy(buf + 8, "EUR", 3);
	ck_assert_int_eq(wf("credit", buf, 11), 1);
	ck_assert_int_eq(wf("credit", buf, 10), 0);
	ck_assert_int_eq(wf("credit", buf, 12), 0);
	ck_assert_int_eq(wf("credit", buf, 8), 0);
}
END_TEST

START_TEST(booleans_are_0_or_1)
{
	static const unsigned char v[] = { 0, 1, 2, 0xFF };

	ck_assert_int_eq(wf("opted_in", &v[0], 1), 1);
	ck_assert_int_eq(wf("opted_in", &v[1], 1), 1);
	ck_assert_int_eq(wf("opted_in", &v[2], 1), 0);
	ck_assert_int_eq(wf("opted_in", &v[3], 1), 0);
}
END_TEST

START_TEST(timestamps_stay_within_years_1_to_9999)
{
	unsigned char b[8];

	ck_assert_int_eq(wf("since", le64(b, CU_TIMESTAMP_MAX), 8), 1);
	ck_assert_int_eq(wf("since", le64(b, CU_TIMESTAMP_MIN), 8), 1);
	ck_assert_int_eq(wf("since", le64(b, CU_TIMESTAMP_MAX + 1), 8), 0);
	ck_assert_int_eq(wf("since", le64(b, CU_TIMESTAMP_MIN - 1), 8), 0);
	ck_assert_int_eq(wf("since", le64(b, INT64_MAX), 8), 0);
	ck_assert_int_eq(wf("since", le64(b, INT64_MIN), 8), 0);
}
END_TEST

START_TEST(money_needs_a_known_currency)
{
	unsigned char b[11];

	le64(b, 1999);
	memcpy(b + 8, "JPY", 3);
	ck_assert_int_eq(wf("credit", b, 11), 1);
	memcpy(b + 8, "XYZ", 3);
	ck_assert_int_eq(wf("credit", b, 11), 0);
	memcpy(b + 8, "eur", 3);
	ck_assert_int_eq(wf("credit", b, 11), 0);
	memcpy(b + 8, "EU\0", 3);
	ck_assert_int_eq(wf("credit", b, 11), 0);
}
END_TEST

START_TEST(tags_end_with_nul_and_have_no_empty_tag)
{
	char buf[70 * 4];
	size_t n;

	ck_assert_int_eq(wf("tags", "vip\0", 4), 1);
	ck_assert_int_eq(wf("tags", "vip\0gold\0", 9), 1);
	ck_assert_int_eq(wf("tags", "vip", 3), 0);
	ck_assert_int_eq(wf("tags", "vip\0gold", 8), 0);
	ck_assert_int_eq(wf("tags", "vip\0\0", 5), 0);
	ck_assert_int_eq(wf("tags", "\0vip\0", 5), 0);
	ck_assert_int_eq(wf("tags", "\0", 1), 0);
	ck_assert_int_eq(wf("tags", "", 0), 0);
	ck_assert_int_eq(wf("tags", "bad\xC3\x28\0", 6), 0);
	memset(buf, 't', 64);
	buf[64] = '\0';
	ck_assert_int_eq(wf("tags", buf, 65), 1);
	memset(buf, 't', 65);
	buf[65] = '\0';
	ck_assert_int_eq(wf("tags", buf, 66), 0);
	/* 64 tags at most. */
	for (n = 0; n < 65; n++) {
		buf[3 * n] = 'a' + (char)(n / 26);
		buf[3 * n + 1] = 'a' + (char)(n % 26);
		buf[3 * n + 2] = '\0';
	}
	ck_assert_int_eq(wf("tags", buf, 3 * 64), 1);
	ck_assert_int_eq(wf("tags", buf, 3 * 65), 0);
}
END_TEST

/* ---- tags ---- */

static void tag_ok(const char *in, const char *want)
{
	cu_bytes b = CU_BYTES_INIT;

	ck_assert_msg(cu_tag_normalize(F("tags"), in, &b) == CUSTOS_OK, "\"%s\": %s", in, custos_error_last());
	ck_assert_uint_eq(b.len, strlen(want));
	ck_assert_mem_eq(b.p, want, b.len);
	cu_bytes_free(&b);
}

static void tag_bad(const char *in, const char *message)
{
	cu_bytes b = CU_BYTES_INIT;

	ck_assert_msg(cu_tag_normalize(F("tags"), in, &b) == CUSTOS_EINVALID, "accepted \"%s\"", in);
	ck_assert_uint_eq(b.len, 0);
	if (message)
		ck_assert_str_eq(custos_error_last(), message);
	cu_bytes_free(&b);
}

START_TEST(tags_are_trimmed_and_nfc_normalised)
{
	tag_ok("vip", "vip");
	tag_ok("  vip  ", "vip");
	tag_ok("\tkey account\n", "key account");
	tag_ok("Rene\xCC\x81", "Ren\xC3\xA9");
	tag_ok("VIP", "VIP");
}
END_TEST

START_TEST(commas_empty_and_control_characters_are_rejected)
{
	tag_bad("a,b", "field 'tags': a tag cannot contain a comma");
	tag_bad(",", "field 'tags': a tag cannot contain a comma");
	tag_bad("", "field 'tags': a tag cannot be empty");
	tag_bad("   ", "field 'tags': a tag cannot be empty");
	tag_bad("a\tb", "field 'tags': the tag contains a control character (line breaks and tabs are not allowed here)");
	tag_bad("bad \xC3\x28", "field 'tags': the tag is not valid UTF-8");
}
END_TEST

START_TEST(tags_are_at_most_64_bytes)
{
	char buf[400];

	memset(buf, 't', 64);
	buf[64] = '\0';
	tag_ok(buf, buf);
	memset(buf, 't', 65);
	buf[65] = '\0';
	tag_bad(buf, "field 'tags': the tag is 65 characters (65 bytes); the limit is 64 bytes, about 21 Chinese characters");
	/* Surrounding spaces do not count. */
	snprintf(buf, sizeof buf, "  %.64s  ", "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt");
	{
		char want[65];
		memset(want, 't', 64);
		want[64] = '\0';
		tag_ok(buf, want);
	}
	/* The limit applies after NFC: 62 + e + U+0301 (65 bytes) composes to 64 bytes... */
	memset(buf, 'a', 62);
	memcpy(buf + 62, "e\xCC\x81", 4);
	{
		char want[65];
		memset(want, 'a', 62);
		memcpy(want + 62, "\xC3\xA9", 3);
		tag_ok(buf, want);
	}
	/* ...and 63 + e + U+0301 composes to 65. */
	memset(buf, 'a', 63);
	memcpy(buf + 63, "e\xCC\x81", 4);
	tag_bad(buf, "field 'tags': the tag is 64 characters (65 bytes); the limit is 64 bytes, about 21 Chinese characters");
	/* Far too long is rejected before any work. */
	memset(buf, 't', 399);
	buf[399] = '\0';
	tag_bad(buf, "field 'tags': the tag is 399 characters (399 bytes); the limit is 64 bytes, about 21 Chinese "
		"characters");
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("email and dates");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_email_addresses_pass);
	tcase_add_test(tc, invalid_email_addresses_say_why);
	tcase_add_test(tc, email_check_reads_only_the_given_length);
	tcase_add_test(tc, leap_days_exist_only_in_leap_years);
	tcase_add_test(tc, months_and_days_stay_in_bounds);
	tcase_add_test(tc, dates_need_the_exact_form);
	suite_add_tcase(s, tc);

	tc = tcase_create("text form");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, integers_from_text);
	tcase_add_test(tc, timestamps_from_text_stay_within_years_1_to_9999);
	tcase_add_test(tc, booleans_from_text);
	tcase_add_test(tc, money_from_text_is_an_amount_and_a_currency);
	tcase_add_test(tc, text_of_a_number_field_is_not_a_setter_for_another_type);
	suite_add_tcase(s, tc);

	tc = tcase_create("index form");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, email_index_form_is_lower_case_throughout);
	tcase_add_test(tc, integer_index_form_sorts_like_the_numbers);
	tcase_add_test(tc, timestamp_index_form_sorts_like_the_times);
	tcase_add_test(tc, money_index_form_is_currency_then_sorted_amount);
	tcase_add_test(tc, other_index_forms_are_the_stored_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("stored values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_values_are_checked_for_length_nul_and_utf8);
	tcase_add_test(tc, dates_and_enums_are_checked);
	tcase_add_test(tc, numbers_need_their_exact_length);
	tcase_add_test(tc, booleans_are_0_or_1);
	tcase_add_test(tc, timestamps_stay_within_years_1_to_9999);
	tcase_add_test(tc, money_needs_a_known_currency);
	tcase_add_test(tc, tags_end_with_nul_and_have_no_empty_tag);
	suite_add_tcase(s, tc);

	tc = tcase_create("tags");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tags_are_trimmed_and_nfc_normalised);
	tcase_add_test(tc, commas_empty_and_control_characters_are_rejected);
	tcase_add_test(tc, tags_are_at_most_64_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(validate_suite());
}
