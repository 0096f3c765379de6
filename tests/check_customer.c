/*
 * tests/check_customer.c — customers: drafts, every setter and getter, validation,
 * create (one and many), get, partial update, uniqueness, find, list, count. Store-level
 * tests run on the memory and LMDB backends; a failed write must leave the store as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "model/value.h"
#include "support.h"

static const char *const kinds[] = { "memory", "lmdb" };
static t_store T;

static void setup_memory(void) { t_store_open(&T, "memory"); }
static void teardown(void) { t_store_close(&T); }

static custos_customer *draft(void)
{
	custos_customer *c = NULL;
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	return c;
}

static void add_field(const char *name, int type, uint32_t flags, const char *enums)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	o.name = name;
	o.type = (uint32_t)type;
	o.flags = flags;
	o.enum_values = enums;
	ck_assert_msg(custos_schema_add_field(T.ctx, &o) == CUSTOS_OK, "%s", custos_error_last());
}

static const char *text_of(const custos_customer *c, const char *field)
{
	const char *v = NULL;
	ck_assert_msg(custos_customer_get_text(&v, c, field) == CUSTOS_OK, "%s: %s", field, custos_error_last());
	return v;
}

static uint64_t find_one(const char *field, const char *value)
{
	custos_iter *it;
	uint64_t id = 0, extra;
	int rc;

	ck_assert_msg(custos_customer_find(&it, T.ctx, field, value) == CUSTOS_OK, "%s", custos_error_last());
	rc = custos_iter_next_id(&id, it);
	if (rc == CUSTOS_OK)
		ck_assert_int_eq(custos_iter_next_id(&extra, it), CUSTOS_ITEROVER);
	else
		ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_iter_free(it);
	return rc == CUSTOS_OK ? id : 0;
}

/* ---- drafts and setters (no store writes) ---- */

START_TEST(new_checks_arguments)
{
	custos_customer *c = (custos_customer *)1;
	ck_assert_int_eq(custos_customer_new(NULL, T.ctx), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_new(&c, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_null(c);
	custos_customer_free(NULL);
}
END_TEST

START_TEST(draft_has_no_identity)
{
	custos_customer *c = draft();
	ck_assert_uint_eq(custos_customer_id(c), 0);
	ck_assert_uint_eq(custos_customer_version(c), 0);
	ck_assert_int_eq(custos_customer_created(c), 0);
	ck_assert_uint_eq(custos_customer_owner(c), 0);
	ck_assert_uint_eq(custos_customer_id(NULL), 0);
	custos_customer_free(c);
}
END_TEST

START_TEST(setters_reject_null_and_unknown_fields)
{
	custos_customer *c = draft();
	ck_assert_int_eq(custos_customer_set_text(NULL, "name", "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, NULL, "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "name", NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "nmae", "x"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "unknown field 'nmae'");
	ck_assert_int_eq(custos_customer_set_int(c, "nope", 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_money(c, "nope", 1, "EUR"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "nope", 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_bool(c, "nope", 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_add_tag(c, "nope", "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_remove_tag(c, "nope", "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_unset(c, "nope"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_unset(NULL, "name"), CUSTOS_EINVALID);
	custos_customer_free(c);
}
END_TEST

START_TEST(setters_reject_wrong_types)
{
	custos_customer *c = draft();
	add_field("score", CUSTOS_TYPE_INTEGER, CUSTOS_FIELD_CLEAR, NULL);
	custos_customer_free(c);
	c = draft();
	ck_assert_int_eq(custos_customer_set_int(c, "name", 5), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is text; set it with custos_customer_set_text()");
	ck_assert_int_eq(custos_customer_set_text(c, "score", "5"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'score' is integer; set it with custos_customer_set_int()");
	ck_assert_int_eq(custos_customer_set_text(c, "tags", "vip"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_bool(c, "score", 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_money(c, "score", 1, "EUR"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "score", 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_add_tag(c, "score", "x"), CUSTOS_EINVALID);
	custos_customer_free(c);
}
END_TEST

START_TEST(text_is_trimmed_normalised_and_checked)
{
	custos_customer *c = draft();
	char big[300];

	ck_assert_int_eq(custos_customer_set_text(c, "name", "  Ren\xC3\xA9 Dupont \n"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "name"), "Ren\xC3\xA9 Dupont");
	/* e + combining acute becomes the precomposed letter (NFC). */
	ck_assert_int_eq(custos_customer_set_text(c, "name", "Rene\xCC\x81"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "name"), "Ren\xC3\xA9");
	ck_assert_int_eq(custos_customer_set_text(c, "name", "bad \xC3\x28"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is not valid UTF-8");
	ck_assert_int_eq(custos_customer_set_text(c, "name", "two\nlines"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "address", "1 Main St\nSpringfield"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "address", "bell\a"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "name", "   "), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "empty"));
	memset(big, 'x', 257);
	big[257] = '\0';
	ck_assert_int_eq(custos_customer_set_text(c, "name", big), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is 257 characters (257 bytes); the limit is 256 bytes, about 85 "
		"Chinese characters");
	big[256] = '\0';
	ck_assert_int_eq(custos_customer_set_text(c, "name", big), CUSTOS_OK);
	/* A failed setter keeps the previous value. */
	ck_assert_uint_eq(strlen(text_of(c, "name")), 256);
	custos_customer_free(c);
}
END_TEST

/* Values of encrypted fields stay out of messages whatever their type; clear ones may be
 * quoted, which helps a person find the typo. */
START_TEST(typed_values_of_encrypted_fields_are_not_echoed)
{
	static const char *const names[] = { "secret_when", "secret_amount", "secret_flag",
		"open_when", "open_amount", "open_flag" };
	static const int types[] = { CUSTOS_TYPE_TIMESTAMP, CUSTOS_TYPE_MONEY, CUSTOS_TYPE_BOOLEAN };
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	custos_customer *c;

	for (int i = 0; i < 6; i++) {
		o.name = names[i];
		o.type = types[i % 3];
		o.flags = i < 3 ? CUSTOS_FIELD_ENCRYPTED : CUSTOS_FIELD_CLEAR;
		ck_assert_int_eq(custos_schema_add_field(T.ctx, &o), CUSTOS_OK);
	}
	c = draft();
	ck_assert_int_eq(custos_customer_set_timestamp(c, "secret_when", 987654321987LL), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'secret_when': the time is outside years 1 to 9999");
	ck_assert_int_eq(custos_customer_set_money(c, "secret_amount", 100, "QQX"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'secret_amount': the currency is not an ISO 4217 code such as EUR");
	ck_assert_int_eq(custos_customer_set_bool(c, "secret_flag", 7), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'secret_flag' is a boolean: pass 0 or 1");
	ck_assert_int_eq(custos_customer_set_timestamp(c, "open_when", 987654321987LL), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'open_when': 987654321987 is outside years 1 to 9999");
	ck_assert_int_eq(custos_customer_set_money(c, "open_amount", 100, "QQX"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'open_amount': 'QQX' is not an ISO 4217 currency code such as EUR");
	ck_assert_int_eq(custos_customer_set_bool(c, "open_flag", 7), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'open_flag' is a boolean: pass 0 or 1, not 7");
	custos_customer_free(c);
}
END_TEST

START_TEST(email_is_validated_without_echoing_it)
{
	static const struct { const char *in, *why; } bad[] = {
		{ "bob@", "field 'email' has nothing after '@'" },
		{ "@example.com", "field 'email' has nothing before '@'" },
		{ "bob.example.com", "field 'email' has no '@'" },
		{ "bob@localhost", "field 'email' needs a domain with a dot after '@', like example.com" },
		{ "b ob@example.com", "field 'email' contains a space" },
		{ "bob..x@example.com", "field 'email' has two dots in a row" },
		{ ".bob@example.com", "field 'email' has a dot at the start or end of the part before '@'" },
		{ "bob@-example.com", "field 'email' has a domain label that starts or ends with '-'" },
		{ "bob@[192.0.2.1]", "field 'email' uses an address literal like [192.0.2.1], which is not supported" },
		{ "\"bob\"@example.com", "field 'email' uses a quoted local part, which is not supported" },
		{ "bob@example.123", "field 'email' has a domain whose last label is all digits" },
	};
	custos_customer *c = draft();

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(custos_customer_set_text(c, "email", bad[i].in), CUSTOS_EINVALID);
		ck_assert_str_eq(custos_error_last(), bad[i].why);
	}
	ck_assert_int_eq(custos_customer_set_text(c, "email", " Bob.Smith+crm@Example.COM "), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "email"), "Bob.Smith+crm@example.com");
	ck_assert_int_eq(custos_customer_set_text(c, "email", "\xE7\x8E\x8B@\xE4\xBE\x8B\xE5\xAD\x90.\xE4\xB8\xAD\xE5\x9B\xBD"),
		CUSTOS_OK);
	/* U+0130 U+0301 is NFC, but lowercases to "i" U+0301, which must compose to U+00ED. */
	ck_assert_int_eq(custos_customer_set_text(c, "email", "a@\xC4\xB0\xCC\x81.example"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "email"), "a@\xC3\xAD.example");
	custos_customer_free(c);
}
END_TEST

START_TEST(phone_is_normalised_to_e164)
{
	custos_customer *c = draft();

	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+1 (415) 555-0100"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "phone"), "+14155550100");
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "9123 4567"), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "field 'phone'"));
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "HK"), CUSTOS_OK);
	custos_customer_free(c);
	c = draft();
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "9123 4567"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "phone"), "+85291234567");
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "call me"), CUSTOS_EINVALID);
	custos_customer_free(c);
}
END_TEST

START_TEST(enum_accepts_only_declared_values)
{
	custos_customer *c = draft();

	ck_assert_int_eq(custos_customer_set_text(c, "stage", "won"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "stage"), "won");
	ck_assert_int_eq(custos_customer_set_text(c, "stage", "wonn"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(),
		"field 'stage': 'wonn' is not one of: lead, qualified, proposal, won, lost");
	ck_assert_int_eq(custos_customer_set_text(c, "kind", "organisation"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "type", "partner"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_add_enum_value(T.ctx, "type", "partner"), CUSTOS_OK);
	custos_customer_free(c);
	c = draft();
	ck_assert_int_eq(custos_customer_set_text(c, "type", "partner"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "type"), "partner");
	custos_customer_free(c);
}
END_TEST

START_TEST(dates_must_exist)
{
	custos_customer *c = draft();

	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "2000-02-29"), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "birthday"), "2000-02-29");
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "1900-02-29"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "2021-13-01"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "0000-01-01"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "1/2/2000"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(),
		"field 'birthday' is not a date in the form YYYY-MM-DD (years 0001 to 9999)");
	custos_customer_free(c);
}
END_TEST

START_TEST(typed_fields_round_trip)
{
	custos_customer *c;
	const char *cur;
	int64_t v, minor;
	int b;

	add_field("score", CUSTOS_TYPE_INTEGER, 0, NULL);
	add_field("credit", CUSTOS_TYPE_MONEY, 0, NULL);
	add_field("since", CUSTOS_TYPE_TIMESTAMP, CUSTOS_FIELD_CLEAR, NULL);
	add_field("opted_in", CUSTOS_TYPE_BOOLEAN, CUSTOS_FIELD_CLEAR, NULL);
	c = draft();
	ck_assert_int_eq(custos_customer_set_int(c, "score", -42), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 150000, "EUR"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 1, "eur"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 1, "XYZ"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 1, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", 1700000000), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", 253402300800LL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_bool(c, "opted_in", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_bool(c, "opted_in", 2), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "score"), CUSTOS_OK);
	ck_assert_int_eq(v, -42);
	ck_assert_int_eq(custos_customer_get_money(&minor, &cur, c, "credit"), CUSTOS_OK);
	ck_assert_int_eq(minor, 150000);
	ck_assert_str_eq(cur, "EUR");
	ck_assert_int_eq(custos_customer_get_timestamp(&v, c, "since"), CUSTOS_OK);
	ck_assert_int_eq(v, 1700000000);
	ck_assert_int_eq(custos_customer_get_bool(&b, c, "opted_in"), CUSTOS_OK);
	ck_assert_int_eq(b, 1);
	custos_customer_free(c);
}
END_TEST

static void expect_string(const custos_customer *c, const char *field, const char *want)
{
	custos_buf b = CUSTOS_BUF_INIT;

	ck_assert_msg(custos_customer_get_string(&b, c, field) == CUSTOS_OK, "%s: %s", field, custos_error_last());
	ck_assert_str_eq((const char *)b.ptr, want);
	ck_assert_uint_eq(b.size, strlen(want));
	custos_buf_dispose(&b);
}

START_TEST(any_field_reads_as_text)
{
	custos_customer *c;
	custos_buf b = CUSTOS_BUF_INIT;

	add_field("score", CUSTOS_TYPE_INTEGER, 0, NULL);
	add_field("credit", CUSTOS_TYPE_MONEY, 0, NULL);
	add_field("since", CUSTOS_TYPE_TIMESTAMP, 0, NULL);
	add_field("opted_in", CUSTOS_TYPE_BOOLEAN, 0, NULL);
	c = t_person(T.ctx, "Ng Ka Yan", "ky.ng@example.com");
	ck_assert_int_eq(custos_customer_set_int(c, "score", -42), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "stage", "won"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "asia"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", 1700000000), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_bool(c, "opted_in", 1), CUSTOS_OK);
	expect_string(c, "name", "Ng Ka Yan");
	expect_string(c, "score", "-42");
	expect_string(c, "stage", "won");
	expect_string(c, "tags", "vip,asia");
	expect_string(c, "since", "2023-11-14T22:13:20Z");
	expect_string(c, "opted_in", "true");
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 150000, "EUR"), CUSTOS_OK);
	expect_string(c, "credit", "1500.00 EUR");
	ck_assert_int_eq(custos_customer_set_money(c, "credit", -250, "EUR"), CUSTOS_OK);
	expect_string(c, "credit", "-2.50 EUR");
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 250, "JPY"), CUSTOS_OK);
	expect_string(c, "credit", "250 JPY");
	ck_assert_int_eq(custos_customer_set_money(c, "credit", 1, "BHD"), CUSTOS_OK);
	expect_string(c, "credit", "0.001 BHD");
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", -62135596800LL), CUSTOS_OK);
	expect_string(c, "since", "0001-01-01T00:00:00Z");
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", -1), CUSTOS_OK);
	expect_string(c, "since", "1969-12-31T23:59:59Z");
	ck_assert_int_eq(custos_customer_get_string(&b, c, "company"), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(b.ptr);
	ck_assert_int_eq(custos_customer_get_string(&b, c, "bogus"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_string(NULL, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_string(&b, NULL, "name"), CUSTOS_EINVALID);
	custos_customer_free(c);
}
END_TEST

START_TEST(getters_report_absent_wrong_type_and_null)
{
	custos_customer *c = draft();
	const char *s;
	int64_t v;
	int b;
	size_t n;

	ck_assert_int_eq(custos_customer_get_text(&s, c, "email"), CUSTOS_ENOTFOUND);
	ck_assert_str_eq(custos_error_last(), "field 'email' has no value");
	ck_assert_int_eq(custos_customer_get_text(NULL, c, "email"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_text(&s, NULL, "email"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_text(&s, c, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_text(&s, c, "bogus"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "name"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is text; read it with custos_customer_get_text()");
	ck_assert_int_eq(custos_customer_get_int(NULL, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_money(&v, NULL, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_money(NULL, NULL, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_timestamp(&v, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_timestamp(NULL, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_bool(&b, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_bool(NULL, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_tag_count(&n, c, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_tag_count(NULL, c, "tags"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_tag(NULL, c, "tags", 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_get_text(&s, c, "tags"), CUSTOS_EINVALID);
	custos_customer_free(c);
}
END_TEST

START_TEST(tags_add_remove_and_limits)
{
	custos_customer *c = draft();
	const char *t;
	size_t n;
	char tag[16];

	ck_assert_int_eq(custos_customer_tag_count(&n, c, "tags"), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", " vip "), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "newsletter"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);  /* already there */
	ck_assert_int_eq(custos_customer_tag_count(&n, c, "tags"), CUSTOS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(custos_customer_get_tag(&t, c, "tags", 0), CUSTOS_OK);
	ck_assert_str_eq(t, "vip");
	ck_assert_int_eq(custos_customer_get_tag(&t, c, "tags", 1), CUSTOS_OK);
	ck_assert_str_eq(t, "newsletter");
	ck_assert_int_eq(custos_customer_get_tag(&t, c, "tags", 2), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "a,b"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", ""), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_remove_tag(c, "tags", "absent"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_remove_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_tag(&t, c, "tags", 0), CUSTOS_OK);
	ck_assert_str_eq(t, "newsletter");
	ck_assert_int_eq(custos_customer_remove_tag(c, "tags", "newsletter"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_tag_count(&n, c, "tags"), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	for (int i = 0; i < 64; i++) {
		snprintf(tag, sizeof tag, "t%d", i);
		ck_assert_int_eq(custos_customer_add_tag(c, "tags", tag), CUSTOS_OK);
	}
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "one-too-many"), CUSTOS_EFULL);
	custos_customer_free(c);
}
END_TEST

/* ---- store writes, on both backends ---- */

static void open_kind(int i)
{
	t_store_open(&T, kinds[i]);
}

START_TEST(create_assigns_ids_and_metadata)
{
	custos_customer *c;
	uint64_t a, b;

	open_kind(_i);
	a = t_create(T.ctx, "Ada", "ada@example.com");
	b = t_create(T.ctx, "Ben", NULL);
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, a), CUSTOS_OK);
	ck_assert_uint_eq(custos_customer_id(c), 1);
	ck_assert_uint_eq(custos_customer_version(c), 1);
	ck_assert_uint_eq(custos_customer_owner(c), 1);
	ck_assert_uint_eq(custos_customer_team(c), 0);
	ck_assert_int_gt(custos_customer_created(c), 1700000000);
	ck_assert_int_eq(custos_customer_updated(c), custos_customer_created(c));
	ck_assert_str_eq(text_of(c, "name"), "Ada");
	ck_assert_str_eq(text_of(c, "email"), "ada@example.com");
	custos_customer_free(c);
	t_store_close(&T);
}
END_TEST

START_TEST(create_requires_required_fields_and_changes_nothing)
{
	custos_customer *c;
	uint64_t n;

	open_kind(_i);
	t_create(T.ctx, "Ada", NULL);
	c = draft();
	ck_assert_int_eq(custos_customer_set_text(c, "email", "x@example.com"), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_create(NULL, T.ctx, c), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is required");
	ck_assert_int_eq(custos_customer_create(NULL, NULL, c), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_create(NULL, T.ctx, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_count(&n, T.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	custos_customer_free(c);
	t_store_close(&T);
}
END_TEST

START_TEST(create_many_is_all_or_nothing)
{
	custos_customer *batch[5];
	uint64_t ids[5] = { 0 }, n;

	open_kind(_i);
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof name, "P%d", i);
		batch[i] = t_person(T.ctx, name, NULL);
	}
	ck_assert_int_eq(custos_customer_unset(batch[3], "name"), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_create_many(ids, T.ctx, batch, 5), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "customers[3]: field 'name' is required");
	ck_assert_int_eq(custos_customer_count(&n, T.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(custos_customer_set_text(batch[3], "name", "P3"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create_many(ids, T.ctx, batch, 5), CUSTOS_OK);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(ids[i], (uint64_t)i + 1);
		custos_customer_free(batch[i]);
	}
	ck_assert_int_eq(custos_customer_create_many(ids, T.ctx, batch, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_create_many(ids, T.ctx, NULL, 1), CUSTOS_EINVALID);
	batch[0] = NULL;
	ck_assert_int_eq(custos_customer_create_many(ids, T.ctx, batch, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_create_many(ids, T.ctx, batch, CUSTOS_BATCH_MAX + 1), CUSTOS_EINVALID);
	t_store_close(&T);
}
END_TEST

START_TEST(get_reports_missing_customers)
{
	custos_customer *c = (custos_customer *)1;

	open_kind(_i);
	t_create(T.ctx, "Ada", NULL);
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, 2), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(custos_error_last(), "no customer 2");
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, 0), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, UINT64_MAX), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_lookup(NULL, T.ctx, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_lookup(&c, NULL, 1), CUSTOS_EINVALID);
	t_store_close(&T);
}
END_TEST

START_TEST(stored_values_of_every_type_round_trip)
{
	custos_customer *c, *got;
	const char *cur, *t;
	int64_t v;
	int b;
	uint64_t id;

	open_kind(_i);
	add_field("score", CUSTOS_TYPE_INTEGER, 0, NULL);
	add_field("credit", CUSTOS_TYPE_MONEY, CUSTOS_FIELD_CLEAR, NULL);
	add_field("since", CUSTOS_TYPE_TIMESTAMP, 0, NULL);
	add_field("opted_in", CUSTOS_TYPE_BOOLEAN, 0, NULL);
	add_field("tier", CUSTOS_TYPE_ENUM, 0, "bronze, silver,gold");
	add_field("notes", CUSTOS_TYPE_TEXT, 0, NULL);
	c = t_person(T.ctx, "Chen Mei", "chen@example.com");
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 4567"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "address", "1 Queen's Road\nHong Kong"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Acme Ltd"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "id_number", "A123456(7)"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "1990-05-01"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "kind", "person"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "type", "sme"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "stage", "proposal"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "asia"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_int(c, "score", INT64_MIN), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_money(c, "credit", -250, "JPY"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_timestamp(c, "since", -62135596800LL), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_bool(c, "opted_in", 0), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "tier", "gold"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "notes", "line one\nline two"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&id, T.ctx, c), CUSTOS_OK);
	custos_customer_free(c);
	if (T.dir[0])
		t_store_reopen(&T);
	ck_assert_int_eq(custos_customer_lookup(&got, T.ctx, id), CUSTOS_OK);
	ck_assert_str_eq(text_of(got, "name"), "Chen Mei");
	ck_assert_str_eq(text_of(got, "email"), "chen@example.com");
	ck_assert_str_eq(text_of(got, "phone"), "+85291234567");
	ck_assert_str_eq(text_of(got, "address"), "1 Queen's Road\nHong Kong");
	ck_assert_str_eq(text_of(got, "company"), "Acme Ltd");
	ck_assert_str_eq(text_of(got, "id_number"), "A123456(7)");
	ck_assert_str_eq(text_of(got, "birthday"), "1990-05-01");
	ck_assert_str_eq(text_of(got, "kind"), "person");
	ck_assert_str_eq(text_of(got, "type"), "sme");
	ck_assert_str_eq(text_of(got, "stage"), "proposal");
	ck_assert_str_eq(text_of(got, "tier"), "gold");
	ck_assert_str_eq(text_of(got, "notes"), "line one\nline two");
	ck_assert_int_eq(custos_customer_get_tag(&t, got, "tags", 1), CUSTOS_OK);
	ck_assert_str_eq(t, "asia");
	ck_assert_int_eq(custos_customer_get_int(&v, got, "score"), CUSTOS_OK);
	ck_assert_int_eq(v, INT64_MIN);
	ck_assert_int_eq(custos_customer_get_money(&v, &cur, got, "credit"), CUSTOS_OK);
	ck_assert_int_eq(v, -250);
	ck_assert_str_eq(cur, "JPY");
	ck_assert_int_eq(custos_customer_get_timestamp(&v, got, "since"), CUSTOS_OK);
	ck_assert_int_eq(v, -62135596800LL);
	ck_assert_int_eq(custos_customer_get_bool(&b, got, "opted_in"), CUSTOS_OK);
	ck_assert_int_eq(b, 0);
	custos_customer_free(got);
	t_store_close(&T);
}
END_TEST

START_TEST(update_changes_only_the_given_fields)
{
	custos_customer *patch, *got;
	uint64_t id;

	open_kind(_i);
	id = t_create(T.ctx, "Dana", "dana@example.com");
	patch = draft();
	ck_assert_int_eq(custos_customer_set_text(patch, "company", "Globex"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, id, patch), CUSTOS_OK);
	custos_customer_free(patch);
	ck_assert_int_eq(custos_customer_lookup(&got, T.ctx, id), CUSTOS_OK);
	ck_assert_uint_eq(custos_customer_version(got), 2);
	ck_assert_str_eq(text_of(got, "name"), "Dana");
	ck_assert_str_eq(text_of(got, "email"), "dana@example.com");
	ck_assert_str_eq(text_of(got, "company"), "Globex");
	/* A handle read back can be changed and written again. */
	ck_assert_int_eq(custos_customer_unset(got, "company"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(got, "stage", "won"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, id, got), CUSTOS_OK);
	custos_customer_free(got);
	ck_assert_int_eq(custos_customer_lookup(&got, T.ctx, id), CUSTOS_OK);
	ck_assert_uint_eq(custos_customer_version(got), 3);
	ck_assert_str_eq(text_of(got, "stage"), "won");
	ck_assert_str_eq(text_of(got, "name"), "Dana");
	{
		const char *s;
		ck_assert_int_eq(custos_customer_get_text(&s, got, "company"), CUSTOS_ENOTFOUND);
	}
	custos_customer_free(got);
	t_store_close(&T);
}
END_TEST

/* Read-modify-write without lost updates: two sessions read version 1; the first to write
 * wins, the second is told so and changes nothing. */
START_TEST(an_update_against_an_old_version_is_a_conflict)
{
	custos_customer *a = NULL, *b = NULL, *got = NULL;
	uint32_t seen;
	uint64_t id;

	open_kind(_i);
	id = t_create(T.ctx, "Dana", "dana@example.com");
	ck_assert_int_eq(custos_customer_lookup(&a, T.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&b, T.ctx, id), CUSTOS_OK);
	seen = custos_customer_version(a);
	ck_assert_uint_eq(seen, 1);
	ck_assert_int_eq(custos_customer_set_text(a, "company", "Globex"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(b, "company", "Initech"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update_if(T.ctx, id, seen, a), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_update_if(T.ctx, id, seen, b), CUSTOS_ECONFLICT);
	ck_assert_str_eq(custos_error_last(), "customer 1 is at version 2, not 1: another writer changed it since it was "
		"read; read it again and apply the change to what it holds now");
	ck_assert_int_eq(custos_customer_update_if(T.ctx, id, 0, b), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_update_if(T.ctx, 99, 1, b), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_lookup(&got, T.ctx, id), CUSTOS_OK);
	ck_assert_str_eq(text_of(got, "company"), "Globex");
	ck_assert_uint_eq(custos_customer_version(got), 2);
	ck_assert_int_eq(custos_customer_update_if(T.ctx, id, custos_customer_version(got), b), CUSTOS_OK);
	custos_customer_free(got);
	ck_assert_int_eq(custos_customer_lookup(&got, T.ctx, id), CUSTOS_OK);
	ck_assert_str_eq(text_of(got, "company"), "Initech");
	custos_customer_free(got);
	custos_customer_free(a);
	custos_customer_free(b);
	t_store_close(&T);
}
END_TEST

START_TEST(update_errors_leave_the_store_unchanged)
{
	custos_customer *patch;
	uint64_t id;

	open_kind(_i);
	id = t_create(T.ctx, "Elif", "elif@example.com");
	patch = draft();
	ck_assert_int_eq(custos_customer_unset(patch, "name"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(patch, "email", "new@example.com"), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_update(T.ctx, id, patch), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is required");
	T_UNCHANGED(&T, custos_customer_update(T.ctx, id + 1, patch), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_update(NULL, id, patch), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_update(T.ctx, id, NULL), CUSTOS_EINVALID);
	ck_assert_uint_eq(find_one("email", "elif@example.com"), id);
	ck_assert_uint_eq(find_one("email", "new@example.com"), 0);
	custos_customer_free(patch);
	t_store_close(&T);
}
END_TEST

START_TEST(one_patch_applies_to_many_customers)
{
	custos_customer *patch, *got;
	uint64_t a, b;
	size_t n;

	open_kind(_i);
	a = t_create(T.ctx, "Farid", NULL);
	b = t_create(T.ctx, "Grace", NULL);
	patch = draft();
	ck_assert_int_eq(custos_customer_add_tag(patch, "tags", "event-2026"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, a, patch), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, b, patch), CUSTOS_OK);
	custos_customer_free(patch);
	ck_assert_int_eq(custos_customer_lookup(&got, T.ctx, b), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_tag_count(&n, got, "tags"), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	custos_customer_free(got);
	t_store_close(&T);
}
END_TEST

START_TEST(update_moves_index_entries)
{
	custos_customer *patch;
	uint64_t id;

	open_kind(_i);
	id = t_create(T.ctx, "Hiro", "hiro@example.com");
	patch = draft();
	ck_assert_int_eq(custos_customer_set_text(patch, "email", "hiro@example.org"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, id, patch), CUSTOS_OK);
	ck_assert_uint_eq(find_one("email", "hiro@example.com"), 0);
	ck_assert_uint_eq(find_one("email", "HIRO@example.org"), id);
	ck_assert_int_eq(custos_customer_unset(patch, "email"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, id, patch), CUSTOS_OK);
	ck_assert_uint_eq(find_one("email", "hiro@example.org"), 0);
	custos_customer_free(patch);
	t_store_close(&T);
}
END_TEST

START_TEST(unique_fields_name_the_holder)
{
	custos_customer *c, *batch[2];
	uint64_t a, b;

	open_kind(_i);
	add_field("member_no", CUSTOS_TYPE_TEXT, CUSTOS_FIELD_UNIQUE, NULL);
	c = t_person(T.ctx, "Ines", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "member_no", "M-0001"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&a, T.ctx, c), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_create(NULL, T.ctx, c), CUSTOS_EEXISTS);
	ck_assert_str_eq(custos_error_last(), "field 'member_no' must be unique, and customer 1 already has this value");
	b = t_create(T.ctx, "Jonas", NULL);
	T_UNCHANGED(&T, custos_customer_update(T.ctx, b, c), CUSTOS_EEXISTS);
	/* Updating the holder with its own value is fine. */
	ck_assert_int_eq(custos_customer_update(T.ctx, a, c), CUSTOS_OK);
	custos_customer_free(c);
	/* Two customers of one batch may not share a value either. */
	batch[0] = t_person(T.ctx, "K1", NULL);
	batch[1] = t_person(T.ctx, "K2", NULL);
	ck_assert_int_eq(custos_customer_set_text(batch[0], "member_no", "M-0002"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(batch[1], "member_no", "M-0002"), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_create_many(NULL, T.ctx, batch, 2), CUSTOS_EEXISTS);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "customers[1]: "));
	custos_customer_free(batch[0]);
	custos_customer_free(batch[1]);
	t_store_close(&T);
}
END_TEST

START_TEST(find_normalises_the_value)
{
	custos_customer *c;
	uint64_t id;

	open_kind(_i);
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "US"), CUSTOS_OK);
	c = t_person(T.ctx, "Liam", "Liam.Kim@Example.com");
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+1 415 555 0100"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&id, T.ctx, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_uint_eq(find_one("email", "  liam.kim@EXAMPLE.COM "), id);
	ck_assert_uint_eq(find_one("email", "liam.kim@example.org"), 0);
	ck_assert_uint_eq(find_one("phone", "(415) 555-0100"), id);
	ck_assert_uint_eq(find_one("phone", "+14155550100"), id);
	ck_assert_uint_eq(find_one("tags", "vip"), id);
	ck_assert_uint_eq(find_one("tags", "VIP"), 0);
	t_store_close(&T);
}
END_TEST

START_TEST(find_rejects_what_cannot_be_searched)
{
	custos_iter *it = (custos_iter *)1;

	open_kind(_i);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "address", "x"), CUSTOS_EINVALID);
	ck_assert_ptr_null(it);
	ck_assert_str_eq(custos_error_last(),
		"field 'address' is not searchable; make it searchable with custos_schema_set_field_flags()");
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "bogus", "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "not an email"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "bad \xC3\x28@x.com"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_find(NULL, T.ctx, "email", "a@b.com"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_find(&it, NULL, "email", "a@b.com"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, NULL, "a@b.com"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", NULL), CUSTOS_EINVALID);
	t_store_close(&T);
}
END_TEST

/* 1,000 customers in a store sized for 1,000 share 256 blind-index values: every lookup
 * meets about four candidates and must return exactly its own customer. */
START_TEST(find_is_exact_despite_blind_index_collisions)
{
	custos_customer *batch[100];
	char email[64];

	open_kind(_i);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 100; i++) {
			snprintf(email, sizeof email, "user%d@example.com", round * 100 + i);
			batch[i] = t_person(T.ctx, "Someone", email);
		}
		ck_assert_int_eq(custos_customer_create_many(NULL, T.ctx, batch, 100), CUSTOS_OK);
		for (int i = 0; i < 100; i++)
			custos_customer_free(batch[i]);
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(email, sizeof email, "USER%d@example.com", i);
		ck_assert_uint_eq(find_one("email", email), (uint64_t)i + 1);
	}
	ck_assert_uint_eq(find_one("email", "user1000@example.com"), 0);
	t_store_close(&T);
}
END_TEST

START_TEST(find_many_matches_in_id_order)
{
	custos_iter *it;
	custos_customer *c, *p;
	uint64_t id;
	int seen = 0;

	open_kind(_i);
	for (int i = 0; i < 150; i++) {
		p = t_person(T.ctx, "Tagged", NULL);
		if (i % 3 == 0)
			ck_assert_int_eq(custos_customer_add_tag(p, "tags", "vip"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_create(NULL, T.ctx, p), CUSTOS_OK);
		custos_customer_free(p);
	}
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "tags", "vip"), CUSTOS_OK);
	while (custos_iter_next(&c, it) == CUSTOS_OK) {
		ck_assert_uint_eq(custos_customer_id(c), (uint64_t)seen * 3 + 1);
		custos_customer_free(c);
		seen++;
	}
	ck_assert_int_eq(seen, 50);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ITEROVER);
	custos_iter_free(it);
	t_store_close(&T);
}
END_TEST

START_TEST(clear_custom_fields_are_searchable)
{
	custos_customer *c;
	uint64_t id;

	open_kind(_i);
	add_field("region_code", CUSTOS_TYPE_INTEGER, CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE, NULL);
	add_field("vip", CUSTOS_TYPE_BOOLEAN, CUSTOS_FIELD_SEARCHABLE, NULL);
	c = t_person(T.ctx, "Mei", NULL);
	ck_assert_int_eq(custos_customer_set_int(c, "region_code", -7), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_bool(c, "vip", 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&id, T.ctx, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_uint_eq(find_one("region_code", "-7"), id);
	ck_assert_uint_eq(find_one("region_code", "7"), 0);
	ck_assert_uint_eq(find_one("vip", "true"), id);
	ck_assert_uint_eq(find_one("vip", "0"), 0);
	{
		custos_iter *it;
		ck_assert_int_eq(custos_customer_find(&it, T.ctx, "region_code", "seven"), CUSTOS_EINVALID);
		ck_assert_int_eq(custos_customer_find(&it, T.ctx, "vip", "maybe"), CUSTOS_EINVALID);
	}
	t_store_close(&T);
}
END_TEST

START_TEST(list_pages_in_id_order)
{
	custos_list_options o;
	custos_iter *it;
	custos_customer *c;
	uint64_t id, expect = 1;

	open_kind(_i);
	ck_assert_int_eq(custos_customer_list(&it, T.ctx, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ITEROVER);
	custos_iter_free(it);
	for (int i = 0; i < 200; i++)
		t_create(T.ctx, "Listed", NULL);
	ck_assert_int_eq(custos_customer_list(&it, T.ctx, NULL), CUSTOS_OK);
	while (custos_iter_next_id(&id, it) == CUSTOS_OK)
		ck_assert_uint_eq(id, expect++);
	ck_assert_uint_eq(expect, 201);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ITEROVER);
	custos_iter_free(it);
	ck_assert_int_eq(custos_list_options_init(&o, CUSTOS_LIST_OPTIONS_VERSION), CUSTOS_OK);
	o.after_id = 150;
	ck_assert_int_eq(custos_customer_list(&it, T.ctx, &o), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next(&c, it), CUSTOS_OK);
	ck_assert_uint_eq(custos_customer_id(c), 151);
	ck_assert_str_eq(text_of(c, "name"), "Listed");
	custos_customer_free(c);
	custos_iter_free(it);
	o.version = 9;
	ck_assert_int_eq(custos_customer_list(&it, T.ctx, &o), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_list_options_init(NULL, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_list_options_init(&o, 0), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_customer_list(NULL, T.ctx, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_list(&it, NULL, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_iter_next(NULL, it), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_iter_next(&c, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_iter_next_id(NULL, NULL), CUSTOS_EINVALID);
	custos_iter_free(NULL);
	t_store_close(&T);
}
END_TEST

START_TEST(count_follows_creates)
{
	uint64_t n = 99;

	open_kind(_i);
	ck_assert_int_eq(custos_customer_count(&n, T.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	t_create(T.ctx, "A", NULL);
	t_create(T.ctx, "B", NULL);
	ck_assert_int_eq(custos_customer_count(&n, T.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(custos_customer_count(NULL, T.ctx), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_count(&n, NULL), CUSTOS_EINVALID);
	t_store_close(&T);
}
END_TEST

START_TEST(handles_belong_to_their_store)
{
	t_store other;
	custos_customer *c;

	open_kind(_i);
	t_store_open(&other, "memory");
	c = t_person(other.ctx, "Nadia", NULL);
	ck_assert_int_eq(custos_customer_create(NULL, T.ctx, c), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "another store"));
	ck_assert_int_eq(custos_customer_create(NULL, other.ctx, c), CUSTOS_OK);
	t_create(T.ctx, "Omar", NULL);
	ck_assert_int_eq(custos_customer_update(T.ctx, 1, c), CUSTOS_EINVALID);
	custos_customer_free(c);
	t_store_close(&other);
	t_store_close(&T);
}
END_TEST

/* ---- a damaged record in the middle of a listing ---- */

/* Flip one byte of customer id's stored record, below the store. */
static void damage_record(uint64_t id)
{
	unsigned char k[8], *v = NULL;
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		k[i] = (unsigned char)(id >> (56 - 8 * i));
	ck_assert_int_eq(t_raw_get(T.be, T_B_CUSTOMERS, k, 8, &v, &n), CUSTOS_OK);
	v[n - 20] ^= 0x01;  /* the last encrypted group, before the tag */
	ck_assert_int_eq(t_raw_put(T.be, T_B_CUSTOMERS, k, 8, v, n), CUSTOS_OK);
	free(v);
}

/* Five customers of ctx sharing an email; the third is damaged. */
static void five_with_the_third_damaged(custos_ctx *ctx)
{
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(t_create(ctx, "Same", "same@example.com"), (uint64_t)i + 1);
	damage_record(3);
}

/* The iterator hands out 1 and 2, reports 3 once, then 4 and 5, then ends. */
static void expect_three_reported_and_passed(custos_iter *it)
{
	custos_customer *c = (custos_customer *)1;
	uint64_t want[] = { 1, 2, 0, 4, 5 };

	for (int i = 0; i < 5; i++) {
		if (!want[i]) {
			ck_assert_int_eq(custos_iter_next(&c, it), CUSTOS_EAUTH);
			ck_assert_ptr_null(c);
			ck_assert_str_eq(custos_error_last(),
				"customer 3 failed authentication: its stored record or its data key was modified or moved");
			continue;
		}
		ck_assert_msg(custos_iter_next(&c, it) == CUSTOS_OK, "%d: %s", i, custos_error_last());
		ck_assert_uint_eq(custos_customer_id(c), want[i]);
		custos_customer_free(c);
	}
	ck_assert_int_eq(custos_iter_next(&c, it), CUSTOS_ITEROVER);
	ck_assert_int_eq(custos_iter_next(&c, it), CUSTOS_ITEROVER);
}

START_TEST(a_listing_reports_a_damaged_record_once_and_goes_on)
{
	custos_iter *it;

	open_kind(_i);
	five_with_the_third_damaged(T.ctx);
	ck_assert_int_eq(custos_customer_list(&it, T.ctx, NULL), CUSTOS_OK);
	expect_three_reported_and_passed(it);
	custos_iter_free(it);
	t_store_close(&T);
}
END_TEST

START_TEST(a_find_reports_a_damaged_record_once_and_goes_on)
{
	custos_iter *it;

	open_kind(_i);
	five_with_the_third_damaged(T.ctx);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "same@example.com"), CUSTOS_OK);
	expect_three_reported_and_passed(it);
	custos_iter_free(it);
	t_store_close(&T);
}
END_TEST

START_TEST(scoped_listings_and_finds_report_a_damaged_record_once_and_go_on)
{
	custos_ctx *rep = NULL;
	custos_iter *it;

	open_kind(_i);
	ck_assert_int_eq(custos_principal_create(NULL, T.ctx, "rep", "sales", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&rep, T.db, "rep"), CUSTOS_OK);
	five_with_the_third_damaged(rep);
	/* A sales rep's pages come from its ownership entries and are checked record by record. */
	ck_assert_int_eq(custos_customer_list(&it, rep, NULL), CUSTOS_OK);
	expect_three_reported_and_passed(it);
	custos_iter_free(it);
	ck_assert_int_eq(custos_customer_find(&it, rep, "email", "same@example.com"), CUSTOS_OK);
	expect_three_reported_and_passed(it);
	custos_iter_free(it);
	custos_ctx_free(rep);
	t_store_close(&T);
}
END_TEST

/* A host that reuses one draft for every customer it loads: overwritten values must not
 * pile up in the draft's memory, and the values kept must be the latest ones. */
START_TEST(a_reused_draft_stays_the_size_of_one_customer)
{
	custos_customer *c = NULL;
	char name[64], note[1001];
	const char *back;
	size_t high = 0;

	memset(note, 'n', 1000);
	note[1000] = '\0';
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "Customer %d", i);
		note[0] = (char)('a' + i % 26);
		ck_assert_int_eq(custos_customer_set_text(c, "name", name), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "email", "same@example.com"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_remove_tag(c, "tags", "vip"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "address", note), CUSTOS_OK);
		if (c->arena.cap > high)
			high = c->arena.cap;
	}
	ck_assert_uint_lt(high, 16384);  /* one customer's values are about 1 KiB */
	ck_assert_int_eq(custos_customer_get_text(&back, c, "name"), CUSTOS_OK);
	ck_assert_str_eq(back, "Customer 9999");
	ck_assert_int_eq(custos_customer_get_text(&back, c, "address"), CUSTOS_OK);
	ck_assert_str_eq(back, note);
	ck_assert_int_eq(custos_customer_get_text(&back, c, "email"), CUSTOS_OK);
	ck_assert_str_eq(back, "same@example.com");
	custos_customer_free(c);
}
END_TEST

/* Iterators keep a reference on their context: the context may be freed before them. */
START_TEST(iterators_outlive_the_context_they_were_made_with)
{
	custos_ctx *ctx = NULL;
	custos_iter *it = NULL, *found = NULL;
	custos_audit_iter *log = NULL;
	custos_audit_entry *e = NULL;
	custos_customer *c = NULL;
	uint64_t id;

	open_kind(0);
	t_create(T.ctx, "Ada", "ada@example.com");
	t_create(T.ctx, "Bob", "bob@example.com");
	ck_assert_int_eq(custos_ctx_open(&ctx, T.db, "admin"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_list(&it, ctx, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_find(&found, ctx, "email", "bob@example.com"), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&log, ctx, 0), CUSTOS_OK);
	custos_ctx_free(ctx);
	ck_assert_int_eq(custos_iter_next(&c, it), CUSTOS_OK);
	ck_assert_str_eq(text_of(c, "name"), "Ada");
	custos_customer_free(c);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_OK);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ITEROVER);
	ck_assert_int_eq(custos_iter_next_id(&id, found), CUSTOS_OK);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(custos_audit_next(&e, log), CUSTOS_OK);
	ck_assert_uint_eq(custos_audit_entry_seq(e), 1);
	custos_audit_entry_free(e);
	custos_iter_free(it);
	custos_iter_free(found);
	custos_audit_iter_free(log);
	t_store_close(&T);
}
END_TEST

/* Text in and text out agree: whatever custos_customer_get_string() prints,
 * custos_customer_set_string() reads back to the same value, for every type, and
 * custos_customer_find() finds it by the same text. */
START_TEST(every_type_reads_back_what_get_string_prints)
{
	static const struct { const char *name; int type; const char *enums; } fields[] = {
		{ "visits", CUSTOS_TYPE_INTEGER, NULL }, { "credit", CUSTOS_TYPE_MONEY, NULL },
		{ "since", CUSTOS_TYPE_TIMESTAMP, NULL }, { "opted_in", CUSTOS_TYPE_BOOLEAN, NULL },
		{ "joined", CUSTOS_TYPE_DATE, NULL }, { "tier", CUSTOS_TYPE_ENUM, "bronze,silver,gold" },
		{ "labels", CUSTOS_TYPE_TAGS, NULL },
	};
	static const char *const texts[][3] = {
		{ "42", "-9223372036854775808", "0" },
		{ "1500.00 HKD", "-0.05 EUR", "7 JPY" },
		{ "2023-11-14T22:13:20Z", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z" },
		{ "true", "false", "true" },
		{ "2024-02-29", "0001-01-01", "9999-12-31" },
		{ "gold", "bronze", "silver" },
		{ "vip,walk-in", "會員", "a,b,c" },
	};
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	custos_customer *c = NULL, *back = NULL;
	custos_buf b = CUSTOS_BUF_INIT;
	uint64_t id, ids[4];
	custos_iter *it;

	open_kind(0);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		o.name = fields[i].name;
		o.type = fields[i].type;
		o.enum_values = fields[i].enums;
		o.flags = CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE;
		ck_assert_msg(custos_schema_add_field(T.ctx, &o) == CUSTOS_OK, "%s", custos_error_last());
	}
	for (size_t k = 0; k < 3; k++) {
		ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "name", "Round Trip"), CUSTOS_OK);
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
			ck_assert_msg(custos_customer_set_string(c, fields[i].name, texts[i][k]) == CUSTOS_OK, "%s '%s': %s",
				fields[i].name, texts[i][k], custos_error_last());
		ck_assert_int_eq(custos_customer_create(&id, T.ctx, c), CUSTOS_OK);
		custos_customer_free(c);
		ck_assert_int_eq(custos_customer_lookup(&back, T.ctx, id), CUSTOS_OK);
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			ck_assert_int_eq(custos_customer_get_string(&b, back, fields[i].name), CUSTOS_OK);
			ck_assert_str_eq((const char *)b.ptr, texts[i][k]);
			if (fields[i].type != CUSTOS_TYPE_TAGS) {
				ck_assert_int_eq(custos_customer_find(&it, T.ctx, fields[i].name, (const char *)b.ptr), CUSTOS_OK);
				ck_assert_int_eq(custos_iter_next_id(&ids[0], it), CUSTOS_OK);
				custos_iter_free(it);
			}
		}
		custos_customer_free(back);
	}
	/* Other spellings read to the same value, and print back in the one form. */
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_string(c, "credit", "1500 HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_string(&b, c, "credit"), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "1500.00 HKD");
	ck_assert_int_eq(custos_customer_set_string(c, "since", "2023-11-15T06:13:20+08:00"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_string(&b, c, "since"), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "2023-11-14T22:13:20Z");
	ck_assert_int_eq(custos_customer_set_string(c, "labels", "x, y ,x"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_string(&b, c, "labels"), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "x,y");
	ck_assert_int_eq(custos_customer_set_string(c, "credit", "15.001 HKD"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_string(c, "labels", "x,,y"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_string(c, "nosuch", "1"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_set_string(c, "credit", NULL), CUSTOS_EINVALID);
	/* A failed set leaves the value as it was. */
	ck_assert_int_eq(custos_customer_get_string(&b, c, "labels"), CUSTOS_OK);
	ck_assert_str_eq((const char *)b.ptr, "x,y");
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "credit", "1500 HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&ids[0], it), CUSTOS_OK);
	ck_assert_uint_eq(ids[0], 1);
	custos_iter_free(it);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "labels", "walk-in"), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&ids[0], it), CUSTOS_OK);
	ck_assert_uint_eq(ids[0], 1);
	custos_iter_free(it);
	custos_buf_dispose(&b);
	t_store_close(&T);
}
END_TEST

static Suite *customer_suite(void)
{
	Suite *s = suite_create("customer");
	TCase *tc = tcase_create("drafts");

	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, new_checks_arguments);
	tcase_add_test(tc, draft_has_no_identity);
	tcase_add_test(tc, setters_reject_null_and_unknown_fields);
	tcase_add_test(tc, setters_reject_wrong_types);
	tcase_add_test(tc, text_is_trimmed_normalised_and_checked);
	tcase_add_test(tc, email_is_validated_without_echoing_it);
	tcase_add_test(tc, typed_values_of_encrypted_fields_are_not_echoed);
	tcase_add_test(tc, phone_is_normalised_to_e164);
	tcase_add_test(tc, enum_accepts_only_declared_values);
	tcase_add_test(tc, dates_must_exist);
	tcase_add_test(tc, typed_fields_round_trip);
	tcase_add_test(tc, any_field_reads_as_text);
	tcase_add_test(tc, getters_report_absent_wrong_type_and_null);
	tcase_add_test(tc, tags_add_remove_and_limits);
	tcase_add_test(tc, a_reused_draft_stays_the_size_of_one_customer);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, create_assigns_ids_and_metadata, 0, 2);
	tcase_add_loop_test(tc, create_requires_required_fields_and_changes_nothing, 0, 2);
	tcase_add_loop_test(tc, create_many_is_all_or_nothing, 0, 2);
	tcase_add_loop_test(tc, get_reports_missing_customers, 0, 2);
	tcase_add_loop_test(tc, stored_values_of_every_type_round_trip, 0, 2);
	tcase_add_loop_test(tc, update_changes_only_the_given_fields, 0, 2);
	tcase_add_loop_test(tc, update_errors_leave_the_store_unchanged, 0, 2);
	tcase_add_loop_test(tc, an_update_against_an_old_version_is_a_conflict, 0, 2);
	tcase_add_test(tc, iterators_outlive_the_context_they_were_made_with);
	tcase_add_test(tc, every_type_reads_back_what_get_string_prints);
	tcase_add_loop_test(tc, one_patch_applies_to_many_customers, 0, 2);
	tcase_add_loop_test(tc, update_moves_index_entries, 0, 2);
	tcase_add_loop_test(tc, unique_fields_name_the_holder, 0, 2);
	tcase_add_loop_test(tc, find_normalises_the_value, 0, 2);
	tcase_add_loop_test(tc, find_rejects_what_cannot_be_searched, 0, 2);
	tcase_add_loop_test(tc, find_is_exact_despite_blind_index_collisions, 0, 2);
	tcase_add_loop_test(tc, find_many_matches_in_id_order, 0, 2);
	tcase_add_loop_test(tc, clear_custom_fields_are_searchable, 0, 2);
	tcase_add_loop_test(tc, list_pages_in_id_order, 0, 2);
	tcase_add_loop_test(tc, count_follows_creates, 0, 2);
	tcase_add_loop_test(tc, handles_belong_to_their_store, 0, 2);
	tcase_add_loop_test(tc, a_listing_reports_a_damaged_record_once_and_goes_on, 0, 2);
	tcase_add_loop_test(tc, a_find_reports_a_damaged_record_once_and_goes_on, 0, 2);
	tcase_add_loop_test(tc, scoped_listings_and_finds_report_a_damaged_record_once_and_go_on, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(customer_suite());
}
