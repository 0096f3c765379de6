/*
 * tests/check_text.c — how text values are compared and kept: the normalisation declared
 * per field for equality search (exact, casefold, identifier), emails and other texts typed
 * with full-width characters or ideographic spaces, and stores written by custos 0.1.0's
 * rules: their finds, and custos_schema_renormalize(). An old store is made through the
 * internal API: its schema's fields marked as written by the old rules, values stored in
 * the exact form those rules gave them.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "model/schema.h"
#include "util/alloc.h"
#include "model/value.h"
#include "support.h"

static t_store T;

static void setup(void) { t_store_open(&T, "memory"); }
static void teardown(void) { t_store_close(&T); }

static void add_text_field(const char *name, uint32_t flags, uint32_t norm)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;

	o.name = name;
	o.type = CUSTOS_TYPE_TEXT;
	o.flags = flags;
	o.norm = norm;
	ck_assert_msg(custos_schema_add_field(T.ctx, &o) == CUSTOS_OK, "%s", custos_error_last());
}

/* A customer with a name and field = value, set as a host would. */
static uint64_t create_with(const char *field, const char *value)
{
	custos_customer *c = t_person(T.ctx, "Chan Tai Man", NULL);

	ck_assert_msg(custos_customer_set_text(c, field, value) == CUSTOS_OK, "%s", custos_error_last());
	return t_create_draft(T.ctx, c);
}

/* The ids a find returns, in order, into ids (at most max); how many. */
static size_t find_all(const char *field, const char *value, uint64_t *ids, size_t max)
{
	custos_iter *it;
	custos_customer *c;
	size_t n = 0;
	int rc;

	ck_assert_msg(custos_customer_find(&it, T.ctx, field, value) == CUSTOS_OK, "find %s: %s", value,
		custos_error_last());
	while ((rc = custos_iter_next(&c, it)) == CUSTOS_OK) {
		ck_assert_uint_lt(n, max);
		ids[n++] = custos_customer_id(c);
		custos_customer_free(c);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_iter_free(it);
	return n;
}

/* The one customer a find returns, 0 for none. */
static uint64_t find_one(const char *field, const char *value)
{
	uint64_t ids[4];
	size_t n = find_all(field, value, ids, 4);

	ck_assert_uint_le(n, 1);
	return n ? ids[0] : 0;
}

static const char *stored(uint64_t id, const char *field)
{
	static char buf[512];
	custos_customer *c;
	const char *v;

	ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, id), CUSTOS_OK);
	ck_assert_msg(custos_customer_get_text(&v, c, field) == CUSTOS_OK, "%s", custos_error_last());
	snprintf(buf, sizeof buf, "%s", v);
	custos_customer_free(c);
	return buf;
}

static int schema_norm(const char *field, int version)
{
	custos_schema *s;
	size_t i;
	int v;

	ck_assert_int_eq(custos_schema_get(&s, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_field_lookup(&i, s, field), CUSTOS_OK);
	v = version ? (int)custos_schema_field_norm_version(s, i) : custos_schema_field_norm(s, i);
	custos_schema_free(s);
	return v;
}

/* ---- the normalisation of a field ---- */

#define FW_12345678 "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\x98"
#define IDEOGRAPHIC_SPACE "\xE3\x80\x80"

START_TEST(a_card_is_found_however_its_number_is_written)
{
	uint64_t id;

	add_text_field("card", CUSTOS_FIELD_SEARCHABLE, CUSTOS_NORM_IDENTIFIER);
	id = create_with("card", FW_12345678);   /* １２３４５６７８ */
	ck_assert_uint_eq(find_one("card", "12345678"), id);
	ck_assert_uint_eq(find_one("card", "1234 5678"), id);
	ck_assert_uint_eq(find_one("card", "1234-5678"), id);
	ck_assert_uint_eq(find_one("card", FW_12345678), id);
	ck_assert_uint_eq(find_one("card", "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94" IDEOGRAPHIC_SPACE
		"\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\x98"), id);
	ck_assert_uint_eq(find_one("card", "12345679"), 0);
	/* get returns what was set. */
	ck_assert_str_eq(stored(id, "card"), FW_12345678);
}
END_TEST

START_TEST(a_clear_identifier_field_is_found_the_same_way)
{
	uint64_t id;

	add_text_field("member_no", CUSTOS_FIELD_CLEAR | CUSTOS_FIELD_SEARCHABLE, CUSTOS_NORM_IDENTIFIER);
	id = create_with("member_no", "M-0042 17");
	ck_assert_uint_eq(find_one("member_no", "m004217"), id);
	ck_assert_uint_eq(find_one("member_no", "\xEF\xBC\xAD\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x94\xEF\xBC\x92"
		"\xEF\xBC\x91\xEF\xBC\x97"), id);  /* Ｍ００４２１７ */
}
END_TEST

START_TEST(a_unique_identifier_is_unique_whatever_its_separators)
{
	custos_customer *c;

	add_text_field("card", CUSTOS_FIELD_UNIQUE, CUSTOS_NORM_IDENTIFIER);
	create_with("card", "1234 5678");
	c = t_person(T.ctx, "Lee Ka Yan", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "card", "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94-5678"),
		CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_create(NULL, T.ctx, c), CUSTOS_EEXISTS);
	ck_assert_str_eq(custos_error_last(), "field 'card' must be unique, and customer 1 already has this value");
	custos_customer_free(c);
}
END_TEST

START_TEST(an_identifier_needs_more_than_separators)
{
	custos_customer *c = NULL;

	add_text_field("card", CUSTOS_FIELD_SEARCHABLE, CUSTOS_NORM_IDENTIFIER);
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "card", "- - ()"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'card' is an identifier and has nothing but spaces and punctuation");
	custos_customer_free(c);
}
END_TEST

START_TEST(a_casefold_field_ignores_case)
{
	uint64_t id;

	add_text_field("nickname", CUSTOS_FIELD_SEARCHABLE, CUSTOS_NORM_CASEFOLD);
	id = create_with("nickname", "Stra\xC3\x9F" "e");   /* Straße */
	ck_assert_uint_eq(find_one("nickname", "STRASSE"), id);
	ck_assert_uint_eq(find_one("nickname", "strasse"), id);
	ck_assert_uint_eq(find_one("nickname", "Strase"), 0);
	ck_assert_str_eq(stored(id, "nickname"), "Stra\xC3\x9F" "e");
}
END_TEST

START_TEST(an_exact_field_keeps_case_and_width)
{
	uint64_t id;

	add_text_field("code", CUSTOS_FIELD_SEARCHABLE, 0);
	ck_assert_int_eq(schema_norm("code", 0), CUSTOS_NORM_EXACT);
	id = create_with("code", "AB12");
	ck_assert_uint_eq(find_one("code", "AB12"), id);
	ck_assert_uint_eq(find_one("code", "ab12"), 0);
	ck_assert_uint_eq(find_one("code", "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\x91\xEF\xBC\x92"), 0);  /* ＡＢ１２ */
}
END_TEST

START_TEST(the_id_number_of_a_new_store_is_an_identifier)
{
	uint64_t id;

	ck_assert_int_eq(schema_norm("id_number", 0), CUSTOS_NORM_IDENTIFIER);
	ck_assert_int_eq(schema_norm("name", 0), CUSTOS_NORM_EXACT);
	ck_assert_int_eq(schema_norm("address", 0), CUSTOS_NORM_EXACT);
	ck_assert_int_eq(schema_norm("email", 0), 0);
	ck_assert_int_eq(schema_norm("phone", 0), 0);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "id_number", CUSTOS_FIELD_SEARCHABLE), CUSTOS_OK);
	id = create_with("id_number", "A123456(7)");
	ck_assert_uint_eq(find_one("id_number", "a1234567"), id);
	ck_assert_uint_eq(find_one("id_number", "A123456 7"), id);
	ck_assert_str_eq(stored(id, "id_number"), "A123456(7)");
}
END_TEST

START_TEST(the_norm_option_is_checked)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;

	o.name = "score";
	o.type = CUSTOS_TYPE_INTEGER;
	o.norm = CUSTOS_NORM_CASEFOLD;
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, &o), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'score': norm applies only to text fields; integer fields have "
		"their own rules");
	o.type = CUSTOS_TYPE_TEXT;
	o.norm = 9;
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, &o), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'score': 9 is not a custos_field_norm");
	/* A host built against version 1 of the options has no norm: its fields are exact. */
	o.version = 1;
	ck_assert_int_eq(custos_schema_add_field(T.ctx, &o), CUSTOS_OK);
	ck_assert_int_eq(schema_norm("score", 0), CUSTOS_NORM_EXACT);
	ck_assert_int_eq(custos_field_options_init(&o, 1), CUSTOS_OK);
	ck_assert_uint_eq(o.version, 1);
}
END_TEST

START_TEST(norm_names_round_trip)
{
	static const char *const names[] = { "exact", "casefold", "identifier" };
	int v = 0;

	for (int n = CUSTOS_NORM_EXACT; n <= CUSTOS_NORM_IDENTIFIER; n++) {
		ck_assert_str_eq(custos_field_norm_name(n), names[n - 1]);
		ck_assert_int_eq(custos_field_norm_parse(&v, names[n - 1]), CUSTOS_OK);
		ck_assert_int_eq(v, n);
	}
	ck_assert_ptr_null(custos_field_norm_name(0));
	ck_assert_ptr_null(custos_field_norm_name(4));
	ck_assert_int_eq(custos_field_norm_parse(&v, "nfkc"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "custos_field_norm_parse: 'nfkc' is not a known name");
	ck_assert_int_eq(custos_field_norm_parse(NULL, "exact"), CUSTOS_EINVALID);
}
END_TEST

START_TEST(emails_typed_in_full_width_are_ascii)
{
	uint64_t id;

	/* ＴＭ.Chan＠ＥＸＡＭＰＬＥ.com */
	id = create_with("email", "\xEF\xBC\xB4\xEF\xBC\xAD.Chan\xEF\xBC\xA0\xEF\xBC\xA5\xEF\xBC\xB8\xEF\xBC\xA1\xEF\xBC\xAD"
		"\xEF\xBC\xB0\xEF\xBC\xAC\xEF\xBC\xA5.com");
	ck_assert_str_eq(stored(id, "email"), "TM.Chan@example.com");
	ck_assert_uint_eq(find_one("email", "tm.chan@EXAMPLE.com"), id);
	ck_assert_uint_eq(find_one("email", "tm.chan\xEF\xBC\xA0" "example.com"), id);
}
END_TEST

START_TEST(ideographic_spaces_are_trimmed_like_ascii_ones)
{
	custos_customer *c = t_person(T.ctx, IDEOGRAPHIC_SPACE "\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87" IDEOGRAPHIC_SPACE,
		NULL);
	uint64_t id;

	ck_assert_int_eq(custos_customer_set_text(c, "email", IDEOGRAPHIC_SPACE " tm@example.com\xC2\xA0"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", IDEOGRAPHIC_SPACE "vip" IDEOGRAPHIC_SPACE), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "birthday", "1990-01-02" IDEOGRAPHIC_SPACE), CUSTOS_OK);
	id = t_create_draft(T.ctx, c);
	ck_assert_str_eq(stored(id, "name"), "\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87");
	ck_assert_str_eq(stored(id, "email"), "tm@example.com");
	ck_assert_str_eq(stored(id, "birthday"), "1990-01-02");
	ck_assert_uint_eq(find_one("tags", "vip"), id);
	ck_assert_uint_eq(find_one("email", "tm@example.com" IDEOGRAPHIC_SPACE), id);
	c = t_person(T.ctx, "x", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "name", IDEOGRAPHIC_SPACE IDEOGRAPHIC_SPACE), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is empty; use custos_customer_unset() to remove a value");
	custos_customer_free(c);
}
END_TEST

/* ---- length limits, in characters too ---- */

/* `times` copies of unit into a static buffer. */
static const char *repeated(const char *unit, int times)
{
	static char buf[4096];

	buf[0] = '\0';
	for (int i = 0; i < times; i++)
		strcat(buf, unit);
	return buf;
}

START_TEST(real_hong_kong_values_fit_the_built_in_limits)
{
	/* An address in Chinese of 68 characters (196 bytes), then the same in English. */
	static const char address[] = "香港新界沙田區馬鞍山西沙路599號新港城中心第三座十五樓一五零二室（近港鐵馬鞍山站A出口，"
		"經管理處旁升降機大堂，送貨請先致電管理處登記）\nFlat 1502, 15/F, Tower 3, Sunshine City Plaza, 599 Sai "
		"Sha Road, Ma On Shan, Sha Tin, New Territories, Hong Kong";
	static const char company[] = "中國建築第八工程局有限公司華南分公司深圳分公司 China Construction Eighth "
		"Engineering Division Corp., Ltd. South China Branch Shenzhen Branch";
	static const char name[] = "陳大文 (CHAN, Tai Man Peter)";
	custos_customer *c = t_person(T.ctx, name, NULL);
	uint64_t id;

	ck_assert_uint_eq(strlen(address), 196 + 1 + 112);   /* 68 Chinese characters, a line break, 112 letters */
	ck_assert_int_eq(custos_customer_set_text(c, "address", address), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", company), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "大昌行(香港)有限公司"), CUSTOS_OK);
	id = t_create_draft(T.ctx, c);
	ck_assert_str_eq(stored(id, "address"), address);
	ck_assert_str_eq(stored(id, "name"), name);
}
END_TEST

START_TEST(a_value_over_its_limit_is_measured_in_characters_and_bytes)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	/* 86 Chinese characters: 258 bytes. */
	ck_assert_int_eq(custos_customer_set_text(c, "name", repeated("陳", 86)), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is 86 characters (258 bytes); the limit is 256 bytes, about 85 "
		"Chinese characters");
	ck_assert_int_eq(custos_customer_set_text(c, "name", repeated("陳", 85)), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "address", repeated("九龍", 171)), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'address' is 342 characters (1026 bytes); the limit is 1024 bytes, "
		"about 341 Chinese characters");
	ck_assert_int_eq(custos_customer_set_text(c, "address", repeated("九龍", 170)), CUSTOS_OK);
	custos_customer_free(c);
}
END_TEST

/* ---- stores written by custos 0.1.0 ---- */

/* Mark every field of the store's schema as written by the old rules, as a schema stored by
 * custos 0.1.0 (format 1) reads. */
static int make_old_fn(cu_op *op, void *arg)
{
	cu_schema **next = arg;
	int rc;

	cu_schema_unref(*next);  /* from an attempt before a retry */
	*next = NULL;
	if ((rc = cu_schema_clone(next, op->schema)))
		return rc;
	for (size_t i = 0; i < (*next)->nfields; i++) {
		(*next)->fields[i].rules = CU_RULES_V1;
		if ((*next)->fields[i].type == CUSTOS_TYPE_TEXT)
			(*next)->fields[i].norm = CUSTOS_NORM_EXACT;
	}
	(*next)->version = op->schema->version + 1;
	return cu_core_store_schema(op, *next);
}

static void make_old_store(void)
{
	cu_schema *next = NULL;

	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "HK"), CUSTOS_OK);
	ck_assert_int_eq(cu_run_write(T.ctx, CUSTOS_OP_SCHEMA, "change the schema", 0, make_old_fn, &next, NULL),
		CUSTOS_OK);
	cu_core_set_schema(T.ctx->core, next);
	cu_schema_unref(next);
	ck_assert_int_eq(schema_norm("phone", 1), 1);
}

/* A customer whose field holds `old`, in the exact form custos 0.1.0 stored. */
static uint64_t create_old(const char *field, const char *old)
{
	custos_customer *c = t_person(T.ctx, "Wong Ka Ho", NULL);

	ck_assert_int_eq(cu_value_set(c, cu_customer_field(c, field), old, strlen(old)), CUSTOS_OK);
	return t_create_draft(T.ctx, c);
}

START_TEST(an_old_store_finds_what_it_found_before)
{
	uint64_t uk, hk, short_hk, mobile, mail, padded;

	add_text_field("member_name", CUSTOS_FIELD_SEARCHABLE, 0);
	make_old_store();
	uk = create_old("phone", "+4402079460958");          /* typed "+44 (0)20 7946 0958" */
	hk = create_old("phone", "+85285291234567");         /* typed "852 9123 4567" in HK */
	short_hk = create_old("phone", "+8529123456");       /* typed "9123 456" in HK */
	mobile = create_old("phone", "+85213800138000");     /* typed "13800138000" in HK */
	mail = create_old("email", "\xEF\xBC\xB4\xEF\xBC\xAD@example.com");   /* ＴＭ@example.com */
	padded = create_old("member_name", "\xE9\x99\xB3" IDEOGRAPHIC_SPACE);  /* 陳 and U+3000 */

	ck_assert_uint_eq(find_one("phone", "+44 (0)20 7946 0958"), uk);
	ck_assert_uint_eq(find_one("phone", "852 9123 4567"), hk);
	ck_assert_uint_eq(find_one("phone", "9123 456"), short_hk);
	ck_assert_uint_eq(find_one("phone", "13800138000"), mobile);
	ck_assert_uint_eq(find_one("email", "\xEF\xBC\xB4\xEF\xBC\xAD@example.com"), mail);
	ck_assert_uint_eq(find_one("member_name", "\xE9\x99\xB3" IDEOGRAPHIC_SPACE), padded);
	/* What the old rules did not find, the current ones do not invent. */
	ck_assert_uint_eq(find_one("phone", "+44 20 7946 0958"), 0);
}
END_TEST

START_TEST(new_values_of_an_old_store_are_found_with_the_old_ones)
{
	uint64_t ids[4], old_uk, new_uk;

	make_old_store();
	old_uk = create_old("phone", "+4402079460958");
	new_uk = create_with("phone", "+44 20 7946 0958");
	ck_assert_str_eq(stored(new_uk, "phone"), "+442079460958");
	ck_assert_uint_eq(find_all("phone", "+44 (0)20 7946 0958", ids, 4), 2);
	ck_assert_uint_eq(ids[0], old_uk);
	ck_assert_uint_eq(ids[1], new_uk);
	ck_assert_uint_eq(find_one("phone", "+44 20 7946 0958"), new_uk);
	/* A number both rule sets read alike is looked up once and found once. */
	ck_assert_uint_eq(find_one("phone", "+852 9123 4567"), 0);
}
END_TEST

START_TEST(renormalizing_rewrites_old_values_and_their_entries)
{
	uint64_t uk, hk, mail, padded, tagged, rewritten = 9, kept = 9;
	custos_customer *c;

	add_text_field("member_name", CUSTOS_FIELD_SEARCHABLE, 0);
	make_old_store();
	uk = create_old("phone", "+4402079460958");
	hk = create_old("phone", "+85285291234567");
	mail = create_old("email", "\xEF\xBC\xB4\xEF\xBC\xAD@example.com");
	padded = create_old("member_name", "\xE9\x99\xB3" IDEOGRAPHIC_SPACE);
	c = t_person(T.ctx, "Ho Wing Sze", NULL);
	ck_assert_int_eq(cu_value_set(c, cu_customer_field(c, "tags"), IDEOGRAPHIC_SPACE "vip\0vip\0", 11), CUSTOS_OK);
	tagged = t_create_draft(T.ctx, c);

	ck_assert_msg(custos_schema_renormalize(T.ctx, &rewritten, &kept) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_eq(rewritten, 5);
	ck_assert_uint_eq(kept, 0);
	ck_assert_str_eq(stored(uk, "phone"), "+442079460958");
	ck_assert_str_eq(stored(hk, "phone"), "+85291234567");
	ck_assert_str_eq(stored(mail, "email"), "TM@example.com");
	ck_assert_str_eq(stored(padded, "member_name"), "\xE9\x99\xB3");
	ck_assert_uint_eq(find_one("tags", "vip"), tagged);
	/* Every field follows the current rules: finds look up the current form only. */
	ck_assert_int_eq(schema_norm("phone", 1), CUSTOS_NORM_VERSION);
	ck_assert_int_eq(schema_norm("member_name", 1), CUSTOS_NORM_VERSION);
	ck_assert_uint_eq(find_one("phone", "+44 20 7946 0958"), uk);
	ck_assert_uint_eq(find_one("phone", "+44 (0)20 7946 0958"), uk);
	ck_assert_uint_eq(find_one("phone", "852 9123 4567"), hk);
	ck_assert_uint_eq(find_one("email", "tm@example.com"), mail);
	ck_assert_uint_eq(find_one("member_name", "\xE9\x99\xB3"), padded);
	/* Running it again finds nothing more to do. */
	ck_assert_int_eq(custos_schema_renormalize(T.ctx, &rewritten, &kept), CUSTOS_OK);
	ck_assert_uint_eq(rewritten, 0);
	ck_assert_uint_eq(kept, 0);
}
END_TEST

START_TEST(renormalizing_keeps_what_the_current_rules_refuse)
{
	uint64_t short_hk, uk, rewritten, kept;
	custos_iter *it;

	make_old_store();
	short_hk = create_old("phone", "+8529123456");
	uk = create_old("phone", "+4402079460958");
	ck_assert_int_eq(custos_schema_renormalize(T.ctx, &rewritten, &kept), CUSTOS_OK);
	ck_assert_uint_eq(rewritten, 1);
	ck_assert_uint_eq(kept, 1);
	ck_assert_str_eq(stored(short_hk, "phone"), "+8529123456");
	ck_assert_str_eq(stored(uk, "phone"), "+442079460958");
	/* The phone field still holds an old value: its finds still look it up. */
	ck_assert_int_eq(schema_norm("phone", 1), 1);
	ck_assert_int_eq(schema_norm("email", 1), CUSTOS_NORM_VERSION);
	ck_assert_uint_eq(find_one("phone", "9123 456"), short_hk);
	/* Once the value is corrected, the field is current. */
	{
		custos_customer *c = NULL;
		ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "phone", "9123 4567"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_update(T.ctx, short_hk, c), CUSTOS_OK);
		custos_customer_free(c);
	}
	ck_assert_int_eq(custos_schema_renormalize(T.ctx, &rewritten, &kept), CUSTOS_OK);
	ck_assert_uint_eq(kept, 0);
	ck_assert_int_eq(schema_norm("phone", 1), CUSTOS_NORM_VERSION);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "phone", "9123 456"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'phone' is 7 digits; Hong Kong numbers have 8");
}
END_TEST

START_TEST(renormalizing_never_merges_two_customers_of_a_unique_field)
{
	uint64_t rewritten, kept;

	make_old_store();
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "phone", CUSTOS_FIELD_UNIQUE), CUSTOS_OK);
	create_old("phone", "+4402079460958");
	create_with("phone", "+44 20 7946 0958");
	ck_assert_int_eq(custos_schema_renormalize(T.ctx, &rewritten, &kept), CUSTOS_EEXISTS);
	ck_assert_str_eq(custos_error_last(), "field 'phone' must be unique, and customer 2 already has this value");
	ck_assert_int_eq(schema_norm("phone", 1), 1);
}
END_TEST

START_TEST(renormalizing_a_large_store_takes_several_transactions)
{
	enum { N = 2300 };
	custos_customer *batch[100];
	uint64_t rewritten, kept;

	make_old_store();
	for (size_t done = 0; done < N; done += 100) {
		for (size_t i = 0; i < 100; i++) {
			char name[32], phone[32];
			snprintf(name, sizeof name, "Customer %zu", done + i);
			snprintf(phone, sizeof phone, "+852852%08zu", 91000000 + done + i);
			batch[i] = t_person(T.ctx, name, NULL);
			ck_assert_int_eq(cu_value_set(batch[i], cu_customer_field(batch[i], "phone"), phone, strlen(phone)),
				CUSTOS_OK);
		}
		ck_assert_int_eq(custos_customer_create_many(NULL, T.ctx, batch, 100), CUSTOS_OK);
		for (size_t i = 0; i < 100; i++)
			custos_customer_free(batch[i]);
	}
	ck_assert_int_eq(custos_schema_renormalize(T.ctx, &rewritten, &kept), CUSTOS_OK);
	ck_assert_uint_eq(rewritten, N);
	ck_assert_uint_eq(kept, 0);
	ck_assert_uint_eq(find_one("phone", "+852 9100 0000"), 1);
	ck_assert_uint_eq(find_one("phone", "9100 2299"), N);
	ck_assert_int_eq(custos_schema_renormalize(NULL, NULL, NULL), CUSTOS_EINVALID);
}
END_TEST

/* A format-1 encoding (custos 0.1.0) of schema s: format byte 1, no norm and rules bytes. */
static void encode_format_1(const cu_schema *s, cu_bytes *out)
{
	cu_bytes b = CU_BYTES_INIT;
	size_t at = 23;   /* version, format, population, region, next id, field count */

	ck_assert_int_eq(cu_schema_encode(s, &b), CUSTOS_OK);
	ck_assert_int_eq(cu_bytes_append(out, b.p, at), CUSTOS_OK);
	out->p[8] = 1;
	for (size_t i = 0; i < s->nfields; i++) {
		size_t n;
		unsigned enums;
		ck_assert_int_eq(cu_bytes_append(out, b.p + at, 16), CUSTOS_OK);   /* id .. index bits */
		at += 18;                                                            /* skip norm, rules */
		n = 1 + b.p[at];                                                     /* the name */
		enums = b.p[at + n++];                                               /* enum count */
		for (unsigned e = 0; e < enums; e++)
			n += 1 + b.p[at + n];
		ck_assert_int_eq(cu_bytes_append(out, b.p + at, n), CUSTOS_OK);
		at += n;
	}
	ck_assert_uint_eq(at, b.len);
	cu_bytes_free(&b);
}

START_TEST(a_schema_of_custos_0_1_0_reads_as_exact_and_old_rules)
{
	cu_schema *s = NULL, *old = NULL, *again = NULL, *bad = NULL;
	cu_bytes b1 = CU_BYTES_INIT, b2 = CU_BYTES_INIT;
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;

	ck_assert_int_eq(cu_schema_new_builtin(&s, 1000, "HK"), CUSTOS_OK);
	encode_format_1(s, &b1);
	ck_assert_int_eq(cu_schema_decode(&old, b1.p, b1.len), CUSTOS_OK);
	ck_assert_uint_eq(old->nfields, s->nfields);
	for (size_t i = 0; i < old->nfields; i++) {
		ck_assert_int_eq(old->fields[i].rules, CU_RULES_V1);
		ck_assert_int_eq(old->fields[i].norm, old->fields[i].type == CUSTOS_TYPE_TEXT ? CUSTOS_NORM_EXACT : 0);
		ck_assert_str_eq(old->fields[i].name, s->fields[i].name);
	}
	/* Written again, it is format 2 and keeps both. */
	o.name = "nickname";
	o.type = CUSTOS_TYPE_TEXT;
	o.norm = CUSTOS_NORM_CASEFOLD;
	ck_assert_int_eq(cu_schema_add_custom(old, &o), CUSTOS_OK);
	ck_assert_int_eq(cu_schema_encode(old, &b2), CUSTOS_OK);
	ck_assert_int_eq(b2.p[8], 2);
	ck_assert_int_eq(cu_schema_decode(&again, b2.p, b2.len), CUSTOS_OK);
	ck_assert_int_eq(cu_schema_find(again, "phone")->rules, CU_RULES_V1);
	ck_assert_int_eq(cu_schema_find(again, "nickname")->rules, CU_RULES_CURRENT);
	ck_assert_int_eq(cu_schema_find(again, "nickname")->norm, CUSTOS_NORM_CASEFOLD);
	ck_assert_int_eq(cu_schema_find(again, "id_number")->norm, CUSTOS_NORM_EXACT);
	/* A norm or rules byte out of range is damage. */
	b2.p[23 + 16] = 7;   /* the first field's norm */
	ck_assert_int_eq(cu_schema_decode(&bad, b2.p, b2.len), CUSTOS_ECORRUPT);
	ck_assert_ptr_null(bad);
	cu_bytes_free(&b1);
	cu_bytes_free(&b2);
	cu_schema_unref(s);
	cu_schema_unref(old);
	cu_schema_unref(again);
}
END_TEST

START_TEST(renormalizing_fails_cleanly_at_every_allocation_and_finishes_when_run_again)
{
	uint64_t uk, hk, rewritten, kept;
	long n;
	int rc;

	make_old_store();
	uk = create_old("phone", "+4402079460958");
	hk = create_old("phone", "+85285291234567");
	for (n = 1;; n++) {
		cu_alloc_fail_after(n, 0);
		rc = custos_schema_renormalize(T.ctx, &rewritten, &kept);
		cu_alloc_fail_after(0, 0);
		if (rc == CUSTOS_OK)
			break;
		ck_assert_msg(rc == CUSTOS_ENOMEM, "allocation %ld: %s", n, custos_error_last());
		ck_assert_int_lt(n, 100000);
	}
	ck_assert_int_gt(n, 1);
	ck_assert_str_eq(stored(uk, "phone"), "+442079460958");
	ck_assert_str_eq(stored(hk, "phone"), "+85291234567");
	ck_assert_int_eq(schema_norm("phone", 1), CUSTOS_NORM_VERSION);
}
END_TEST

static Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("norm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_card_is_found_however_its_number_is_written);
	tcase_add_test(tc, a_clear_identifier_field_is_found_the_same_way);
	tcase_add_test(tc, a_unique_identifier_is_unique_whatever_its_separators);
	tcase_add_test(tc, an_identifier_needs_more_than_separators);
	tcase_add_test(tc, a_casefold_field_ignores_case);
	tcase_add_test(tc, an_exact_field_keeps_case_and_width);
	tcase_add_test(tc, the_id_number_of_a_new_store_is_an_identifier);
	tcase_add_test(tc, the_norm_option_is_checked);
	tcase_add_test(tc, norm_names_round_trip);
	tcase_add_test(tc, emails_typed_in_full_width_are_ascii);
	tcase_add_test(tc, ideographic_spaces_are_trimmed_like_ascii_ones);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, real_hong_kong_values_fit_the_built_in_limits);
	tcase_add_test(tc, a_value_over_its_limit_is_measured_in_characters_and_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("old stores");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_old_store_finds_what_it_found_before);
	tcase_add_test(tc, new_values_of_an_old_store_are_found_with_the_old_ones);
	tcase_add_test(tc, renormalizing_rewrites_old_values_and_their_entries);
	tcase_add_test(tc, renormalizing_keeps_what_the_current_rules_refuse);
	tcase_add_test(tc, renormalizing_never_merges_two_customers_of_a_unique_field);
	tcase_add_test(tc, renormalizing_a_large_store_takes_several_transactions);
	tcase_add_test(tc, a_schema_of_custos_0_1_0_reads_as_exact_and_old_rules);
	tcase_add_test(tc, renormalizing_fails_cleanly_at_every_allocation_and_finishes_when_run_again);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(text_suite());
}
