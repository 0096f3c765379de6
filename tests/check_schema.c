/*
 * tests/check_schema.c — the public schema API: the built-in fields of a new store, field
 * options, type and class names, custom fields and every way a definition can be wrong,
 * flag changes over existing customers, enum values, the default region, immutable
 * snapshots, the getters' empty values, and a change seen by a second handle on one store.
 * A failed change must leave the store as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static t_store T;

static void setup_memory(void) { t_store_open(&T, "memory"); }
static void teardown(void) { t_store_close(&T); }

#define ENC CUSTOS_FIELD_ENCRYPTED
#define CLR CUSTOS_FIELD_CLEAR
#define SRCH CUSTOS_FIELD_SEARCHABLE
#define REQ CUSTOS_FIELD_REQUIRED
#define UNQ CUSTOS_FIELD_UNIQUE
#define BUILTIN CUSTOS_FIELD_BUILTIN

static custos_schema *snap_of(custos_ctx *ctx)
{
	custos_schema *s = NULL;
	ck_assert_msg(custos_schema_get(&s, ctx) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_ptr_nonnull(s);
	return s;
}

static custos_schema *snap(void)
{
	return snap_of(T.ctx);
}

static size_t pos_of(const custos_schema *s, const char *name)
{
	size_t i = (size_t)-1;
	ck_assert_msg(custos_schema_field_lookup(&i, s, name) == CUSTOS_OK, "%s: %s", name, custos_error_last());
	ck_assert_uint_lt(i, custos_schema_field_count(s));
	ck_assert_str_eq(custos_schema_field_name(s, i), name);
	return i;
}

static uint64_t version_now(void)
{
	custos_schema *s = snap();
	uint64_t v = custos_schema_version(s);
	custos_schema_free(s);
	return v;
}

static size_t count_now(void)
{
	custos_schema *s = snap();
	size_t n = custos_schema_field_count(s);
	custos_schema_free(s);
	return n;
}

static uint32_t flags_now(const char *field)
{
	custos_schema *s = snap();
	uint32_t f = custos_schema_field_flags(s, pos_of(s, field));
	custos_schema_free(s);
	return f;
}

static custos_field_options opts(const char *name, int type, uint32_t flags)
{
	custos_field_options o = CUSTOS_FIELD_OPTIONS_INIT;
	o.name = name;
	o.type = (uint32_t)type;
	o.flags = flags;
	return o;
}

static void add_ok(const custos_field_options *o)
{
	ck_assert_msg(custos_schema_add_field(T.ctx, o) == CUSTOS_OK, "%s: %s", o->name, custos_error_last());
}

static void add_field(const char *name, int type, uint32_t flags)
{
	custos_field_options o = opts(name, type, flags);
	add_ok(&o);
}

/* Ids of the customers a find returns, in order; the count is returned. */
static size_t find_ids(custos_ctx *ctx, const char *field, const char *value, uint64_t *ids, size_t max)
{
	custos_iter *it = NULL;
	size_t n = 0;
	uint64_t id;
	int rc;

	ck_assert_msg(custos_customer_find(&it, ctx, field, value) == CUSTOS_OK, "%s", custos_error_last());
	while ((rc = custos_iter_next_id(&id, it)) == CUSTOS_OK) {
		ck_assert_uint_lt(n, max);
		ids[n++] = id;
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_iter_free(it);
	return n;
}

static uint64_t create_with(const char *name, const char *field, const char *value)
{
	custos_customer *c = t_person(T.ctx, name, NULL);
	uint64_t id = 0;

	if (field)
		ck_assert_msg(custos_customer_set_text(c, field, value) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_msg(custos_customer_create(&id, T.ctx, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
	return id;
}

/* ---- a new store ---- */

static const struct {
	const char *name;
	int type, cls;
	uint32_t flags, max_bytes, index_bits;
} builtins[] = {
	{ "kind", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, CLR, 0, 0 },
	{ "name", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_NAME, ENC | REQ, 256, 0 },
	{ "email", CUSTOS_TYPE_EMAIL, CUSTOS_CLASS_CONTACT, ENC | SRCH, 254, 8 },
	{ "phone", CUSTOS_TYPE_PHONE, CUSTOS_CLASS_CONTACT, ENC | SRCH, 16, 8 },
	{ "address", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_ADDRESS, ENC, 1024, 0 },
	{ "company", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_NAME, ENC, 256, 0 },
	{ "id_number", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_IDENTITY, ENC, 64, 0 },
	{ "birthday", CUSTOS_TYPE_DATE, CUSTOS_CLASS_IDENTITY, ENC, 0, 0 },
	{ "type", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, CLR, 0, 0 },
	{ "stage", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, CLR, 0, 0 },
	{ "tags", CUSTOS_TYPE_TAGS, CUSTOS_CLASS_PROFILE, CLR | SRCH, 0, 0 },
};
#define NBUILTIN (sizeof builtins / sizeof builtins[0])

START_TEST(new_store_has_version_one_and_eleven_fields)
{
	custos_schema *s = snap();

	ck_assert_uint_eq(custos_schema_version(s), 1);
	ck_assert_uint_eq(custos_schema_field_count(s), NBUILTIN);
	ck_assert_str_eq(custos_schema_default_region(s), "");
	custos_schema_free(s);
}
END_TEST

START_TEST(builtin_fields_have_their_documented_type_class_and_flags)
{
	custos_schema *s = snap();

	for (size_t k = 0; k < NBUILTIN; k++) {
		size_t i = pos_of(s, builtins[k].name);
		ck_assert_msg(custos_schema_field_type(s, i) == builtins[k].type, "type of %s", builtins[k].name);
		ck_assert_msg(custos_schema_field_class(s, i) == builtins[k].cls, "class of %s", builtins[k].name);
		ck_assert_msg(custos_schema_field_flags(s, i) == (builtins[k].flags | BUILTIN), "flags of %s: 0x%x",
			builtins[k].name, custos_schema_field_flags(s, i));
		ck_assert_msg(custos_schema_field_index_bits(s, i) == builtins[k].index_bits, "index_bits of %s: %u",
			builtins[k].name, custos_schema_field_index_bits(s, i));
		ck_assert_uint_ne(custos_schema_field_id(s, i), 0);
	}
	custos_schema_free(s);
}
END_TEST

START_TEST(builtin_text_email_and_phone_fields_have_their_limits)
{
	custos_schema *s = snap();

	for (size_t k = 0; k < NBUILTIN; k++) {
		int type = builtins[k].type;
		if (type != CUSTOS_TYPE_TEXT && type != CUSTOS_TYPE_EMAIL && type != CUSTOS_TYPE_PHONE)
			continue;
		ck_assert_msg(custos_schema_field_max_bytes(s, pos_of(s, builtins[k].name)) == builtins[k].max_bytes,
			"max_bytes of %s", builtins[k].name);
	}
	custos_schema_free(s);
}
END_TEST

/* The getter's contract: "The limit, or 0 for other types" (only text, email and phone
 * fields have a limit). */
START_TEST(max_bytes_is_zero_for_fields_that_are_not_text_email_phone_or_date)
{
	custos_schema *s = snap();
	const char *wrong = NULL;
	uint32_t got = 0;

	for (size_t k = 0; k < NBUILTIN && !wrong; k++) {
		int type = builtins[k].type;
		if (type == CUSTOS_TYPE_TEXT || type == CUSTOS_TYPE_EMAIL || type == CUSTOS_TYPE_PHONE)
			continue;
		got = custos_schema_field_max_bytes(s, pos_of(s, builtins[k].name));
		if (got != (type == CUSTOS_TYPE_DATE ? 10U : 0U))
			wrong = builtins[k].name;
	}
	custos_schema_free(s);
	ck_assert_msg(wrong == NULL, "max_bytes of %s is %u", wrong ? wrong : "", got);
}
END_TEST

START_TEST(builtin_field_ids_are_distinct)
{
	custos_schema *s = snap();
	size_t n = custos_schema_field_count(s);

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_uint_ne(custos_schema_field_id(s, i), custos_schema_field_id(s, j));
	custos_schema_free(s);
}
END_TEST

static void expect_enum(const custos_schema *s, const char *field, const char *const *values, size_t n)
{
	size_t i = pos_of(s, field);

	ck_assert_uint_eq(custos_schema_enum_count(s, i), n);
	for (size_t j = 0; j < n; j++)
		ck_assert_str_eq(custos_schema_enum_value(s, i, j), values[j]);
	ck_assert_ptr_null(custos_schema_enum_value(s, i, n));
}

START_TEST(builtin_enums_list_their_values_in_order)
{
	static const char *const kind[] = { "person", "organisation" };
	static const char *const type[] = { "key_account", "sme", "individual" };
	static const char *const stage[] = { "lead", "qualified", "proposal", "won", "lost" };
	custos_schema *s = snap();

	expect_enum(s, "kind", kind, 2);
	expect_enum(s, "type", type, 3);
	expect_enum(s, "stage", stage, 5);
	for (size_t k = 0; k < NBUILTIN; k++)
		if (builtins[k].type != CUSTOS_TYPE_ENUM)
			ck_assert_uint_eq(custos_schema_enum_count(s, pos_of(s, builtins[k].name)), 0);
	custos_schema_free(s);
}
END_TEST

/* ---- options, type and class names ---- */

START_TEST(field_options_init_fills_defaults_and_checks_the_version)
{
	custos_field_options o;

	memset(&o, 0xA5, sizeof o);
	ck_assert_int_eq(custos_field_options_init(&o, CUSTOS_FIELD_OPTIONS_VERSION), CUSTOS_OK);
	ck_assert_uint_eq(o.version, CUSTOS_FIELD_OPTIONS_VERSION);
	ck_assert_ptr_null(o.name);
	ck_assert_uint_eq(o.type, 0);
	ck_assert_uint_eq(o.flags, 0);
	ck_assert_int_eq(o.field_class, CUSTOS_CLASS_DEFAULT);  /* 0 is the profile class */
	ck_assert_uint_eq(o.max_bytes, 0);
	ck_assert_ptr_null(o.enum_values);
	ck_assert_uint_eq(o.index_bits, 0);
	ck_assert_int_eq(custos_field_options_init(&o, 0), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_field_options_init(&o, CUSTOS_FIELD_OPTIONS_VERSION + 1), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_field_options_init(NULL, CUSTOS_FIELD_OPTIONS_VERSION), CUSTOS_EINVALID);
	ck_assert_uint_eq(custos_field_options_size(), sizeof(custos_field_options));
}
END_TEST

START_TEST(add_field_checks_the_options_version_and_arguments)
{
	custos_field_options o = opts("score", CUSTOS_TYPE_INTEGER, 0);

	o.version = 0;
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, &o), CUSTOS_EVERSION);
	o.version = CUSTOS_FIELD_OPTIONS_VERSION + 1;
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, &o), CUSTOS_EVERSION);
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, NULL), CUSTOS_EINVALID);
	o.version = CUSTOS_FIELD_OPTIONS_VERSION;
	ck_assert_int_eq(custos_schema_add_field(NULL, &o), CUSTOS_EINVALID);
	ck_assert_uint_eq(version_now(), 1);
}
END_TEST

static const char *const type_names[] = {
	NULL, "text", "email", "phone", "integer", "money", "timestamp", "date", "boolean", "enum", "tags",
};
static const char *const class_names[] = {
	"profile", "name", "contact", "address", "identity", "notes", "financial",
};

START_TEST(field_type_names_round_trip)
{
	int t;

	for (int i = CUSTOS_TYPE_TEXT; i <= CUSTOS_TYPE_TAGS; i++) {
		ck_assert_str_eq(custos_field_type_name(i), type_names[i]);
		t = -1;
		ck_assert_int_eq(custos_field_type_parse(&t, type_names[i]), CUSTOS_OK);
		ck_assert_int_eq(t, i);
	}
}
END_TEST

START_TEST(unknown_field_types_have_no_name)
{
	int t = 12345;

	ck_assert_ptr_null(custos_field_type_name(0));
	ck_assert_ptr_null(custos_field_type_name(11));
	ck_assert_ptr_null(custos_field_type_name(-1));
	ck_assert_ptr_null(custos_field_type_name(99));
	ck_assert_int_eq(custos_field_type_parse(&t, "string"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_field_type_parse(&t, "Text"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_field_type_parse(&t, ""), CUSTOS_EINVALID);
	ck_assert_int_eq(t, 12345);
	ck_assert_int_eq(custos_field_type_parse(&t, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_field_type_parse(NULL, "text"), CUSTOS_EINVALID);
}
END_TEST

START_TEST(field_class_names_round_trip)
{
	int c;

	for (int i = 0; i < CUSTOS_CLASS_COUNT; i++) {
		ck_assert_str_eq(custos_field_class_name(i), class_names[i]);
		c = -1;
		ck_assert_int_eq(custos_field_class_parse(&c, class_names[i]), CUSTOS_OK);
		ck_assert_int_eq(c, i);
	}
}
END_TEST

START_TEST(unknown_field_classes_have_no_name)
{
	int c = 12345;

	ck_assert_ptr_null(custos_field_class_name(-1));
	ck_assert_ptr_null(custos_field_class_name(CUSTOS_CLASS_COUNT));
	ck_assert_ptr_null(custos_field_class_name(9));
	ck_assert_int_eq(custos_field_class_parse(&c, "secret"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_field_class_parse(&c, "Contact"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_field_class_parse(&c, ""), CUSTOS_EINVALID);
	ck_assert_int_eq(c, 12345);
	ck_assert_int_eq(custos_field_class_parse(&c, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_field_class_parse(NULL, "name"), CUSTOS_EINVALID);
}
END_TEST

/* ---- custom fields ---- */

START_TEST(custom_fields_of_every_type_are_encrypted_notes_by_default)
{
	custos_schema *s;
	char name[16];

	for (int t = CUSTOS_TYPE_TEXT; t <= CUSTOS_TYPE_TAGS; t++) {
		custos_field_options o;
		snprintf(name, sizeof name, "enc_%s", type_names[t]);
		o = opts(name, t, 0);
		if (t == CUSTOS_TYPE_ENUM)
			o.enum_values = "bronze,silver,gold";
		add_ok(&o);
	}
	s = snap();
	ck_assert_uint_eq(custos_schema_version(s), 1 + 10);
	ck_assert_uint_eq(custos_schema_field_count(s), NBUILTIN + 10);
	for (int t = CUSTOS_TYPE_TEXT; t <= CUSTOS_TYPE_TAGS; t++) {
		size_t i;
		snprintf(name, sizeof name, "enc_%s", type_names[t]);
		i = pos_of(s, name);
		ck_assert_int_eq(custos_schema_field_type(s, i), t);
		ck_assert_uint_eq(custos_schema_field_flags(s, i), ENC);
		ck_assert_int_eq(custos_schema_field_class(s, i), CUSTOS_CLASS_NOTES);
		ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 0);
		ck_assert_uint_ge(custos_schema_field_id(s, i), 1);
	}
	custos_schema_free(s);
}
END_TEST

START_TEST(clear_custom_fields_of_every_type_are_profile)
{
	custos_schema *s;
	char name[16];

	for (int t = CUSTOS_TYPE_TEXT; t <= CUSTOS_TYPE_TAGS; t++) {
		custos_field_options o;
		snprintf(name, sizeof name, "clr_%s", type_names[t]);
		o = opts(name, t, CLR);
		o.field_class = CUSTOS_CLASS_FINANCIAL; /* ignored for clear fields */
		if (t == CUSTOS_TYPE_ENUM)
			o.enum_values = "bronze, silver , gold";
		add_ok(&o);
	}
	s = snap();
	for (int t = CUSTOS_TYPE_TEXT; t <= CUSTOS_TYPE_TAGS; t++) {
		size_t i;
		snprintf(name, sizeof name, "clr_%s", type_names[t]);
		i = pos_of(s, name);
		ck_assert_int_eq(custos_schema_field_type(s, i), t);
		ck_assert_uint_eq(custos_schema_field_flags(s, i), CLR);
		ck_assert_int_eq(custos_schema_field_class(s, i), CUSTOS_CLASS_PROFILE);
	}
	{
		static const char *const tiers[] = { "bronze", "silver", "gold" };
		expect_enum(s, "clr_enum", tiers, 3);
	}
	custos_schema_free(s);
}
END_TEST

START_TEST(each_change_raises_the_version_by_one)
{
	ck_assert_uint_eq(version_now(), 1);
	add_field("score", CUSTOS_TYPE_INTEGER, CLR);
	ck_assert_uint_eq(version_now(), 2);
	add_field("notes", CUSTOS_TYPE_TEXT, 0);
	ck_assert_uint_eq(version_now(), 3);
	ck_assert_int_eq(custos_schema_add_enum_value(T.ctx, "type", "partner"), CUSTOS_OK);
	ck_assert_uint_eq(version_now(), 4);
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "GB"), CUSTOS_OK);
	ck_assert_uint_eq(version_now(), 5);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "company", SRCH), CUSTOS_OK);
	ck_assert_uint_eq(version_now(), 6);
	ck_assert_uint_eq(count_now(), NBUILTIN + 2);
}
END_TEST

START_TEST(custom_fields_keep_class_limits_and_index_bits)
{
	custos_field_options o = opts("credit_limit", CUSTOS_TYPE_MONEY, ENC);
	custos_schema *s;
	size_t i;

	o.field_class = CUSTOS_CLASS_FINANCIAL;
	add_ok(&o);
	o = opts("nickname", CUSTOS_TYPE_TEXT, 0);
	o.max_bytes = 100;
	o.field_class = CUSTOS_CLASS_NAME;
	add_ok(&o);
	o = opts("work_email", CUSTOS_TYPE_EMAIL, SRCH);
	add_ok(&o);
	o = opts("work_phone", CUSTOS_TYPE_PHONE, SRCH);
	o.max_bytes = 16;
	o.index_bits = 7;
	add_ok(&o);
	o = opts("big_text", CUSTOS_TYPE_TEXT, CLR);
	o.max_bytes = CUSTOS_VALUE_MAX_BYTES;
	add_ok(&o);
	s = snap();
	i = pos_of(s, "credit_limit");
	ck_assert_int_eq(custos_schema_field_class(s, i), CUSTOS_CLASS_FINANCIAL);
	ck_assert_uint_eq(custos_schema_field_max_bytes(s, i), 0);
	i = pos_of(s, "nickname");
	ck_assert_int_eq(custos_schema_field_class(s, i), CUSTOS_CLASS_NAME);
	ck_assert_uint_eq(custos_schema_field_max_bytes(s, i), 100);
	i = pos_of(s, "work_email");
	ck_assert_uint_eq(custos_schema_field_flags(s, i), ENC | SRCH);
	ck_assert_uint_eq(custos_schema_field_max_bytes(s, i), 254);
	ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 8);
	i = pos_of(s, "work_phone");
	ck_assert_uint_eq(custos_schema_field_max_bytes(s, i), 16);
	ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 7);
	i = pos_of(s, "big_text");
	ck_assert_uint_eq(custos_schema_field_max_bytes(s, i), CUSTOS_VALUE_MAX_BYTES);
	custos_schema_free(s);
}
END_TEST

/* The setter's limit and the record's agree: a value of CUSTOS_VALUE_MAX_BYTES is stored
 * and read back whether encrypted (its class group) or clear (the clear section); two of
 * them in one class exceed it and the write says so, changing nothing. */
START_TEST(a_value_of_the_largest_size_is_stored_encrypted_or_clear)
{
	static const char *const fields[] = { "long_secret", "long_clear" };
	char *big = malloc(CUSTOS_VALUE_MAX_BYTES + 1);
	custos_field_options o = opts("long_secret", CUSTOS_TYPE_TEXT, ENC);
	custos_customer *c = NULL;
	const char *back;
	uint64_t id;

	memset(big, 'x', CUSTOS_VALUE_MAX_BYTES);
	big[CUSTOS_VALUE_MAX_BYTES] = '\0';
	o.max_bytes = CUSTOS_VALUE_MAX_BYTES;
	add_ok(&o);
	o = opts("long_secret2", CUSTOS_TYPE_TEXT, ENC);
	o.max_bytes = CUSTOS_VALUE_MAX_BYTES;
	add_ok(&o);
	o = opts("long_clear", CUSTOS_TYPE_TEXT, CLR);
	o.max_bytes = CUSTOS_VALUE_MAX_BYTES;
	add_ok(&o);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "name", "Long Value"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, fields[i], big), CUSTOS_OK);
		ck_assert_msg(custos_customer_create(&id, T.ctx, c) == CUSTOS_OK, "%s", custos_error_last());
		custos_customer_free(c);
		ck_assert_int_eq(custos_customer_lookup(&c, T.ctx, id), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_get_text(&back, c, fields[i]), CUSTOS_OK);
		ck_assert_str_eq(back, big);
		custos_customer_free(c);
	}
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "name", "Too Long"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "long_secret", big), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "long_secret2", big), CUSTOS_OK);
	T_UNCHANGED(&T, custos_customer_create(&id, T.ctx, c), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "the notes fields of a customer take 130008 bytes with their 4-byte field "
		"headers; a class holds at most 65518");
	custos_customer_free(c);
	free(big);
}
END_TEST

START_TEST(unique_implies_searchable)
{
	custos_schema *s;
	size_t i;

	add_field("member_no", CUSTOS_TYPE_TEXT, UNQ);
	add_field("badge", CUSTOS_TYPE_INTEGER, CLR | UNQ);
	s = snap();
	i = pos_of(s, "member_no");
	ck_assert_uint_eq(custos_schema_field_flags(s, i), ENC | SRCH | UNQ);
	ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 8);
	i = pos_of(s, "badge");
	ck_assert_uint_eq(custos_schema_field_flags(s, i), CLR | SRCH | UNQ);
	ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 0);
	custos_schema_free(s);
}
END_TEST

START_TEST(field_names_may_be_up_to_64_bytes)
{
	char name[65];

	memset(name, 'a', 64);
	name[64] = '\0';
	add_field(name, CUSTOS_TYPE_TEXT, 0);
	add_field("x", CUSTOS_TYPE_TEXT, 0);
	add_field("a_1_b", CUSTOS_TYPE_TEXT, 0);
	ck_assert_uint_eq(count_now(), NBUILTIN + 3);
}
END_TEST

/* A failed add_field: exactly this code (and message when given), store and schema unchanged. */
static void add_fails(const custos_field_options *o, int code, const char *message)
{
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, o), code);
	if (message)
		ck_assert_str_eq(custos_error_last(), message);
	ck_assert_uint_eq(version_now(), 1);
	ck_assert_uint_eq(count_now(), NBUILTIN);
}

START_TEST(bad_field_names_are_rejected)
{
	static const char *const bad[] = { "", "Score", "1x", "with space", "_x", "x-y", "caf\xC3\xA9" };
	char long_name[66];
	custos_field_options o;

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		o = opts(bad[k], CUSTOS_TYPE_TEXT, 0);
		add_fails(&o, CUSTOS_EINVALID, NULL);
	}
	o = opts("", CUSTOS_TYPE_TEXT, 0);
	add_fails(&o, CUSTOS_EINVALID,
		"field name '' is not valid: use 1 to 64 characters a-z, 0-9 and _, starting with a letter");
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	o = opts(long_name, CUSTOS_TYPE_TEXT, 0);
	add_fails(&o, CUSTOS_EINVALID, NULL);
	o = opts(NULL, CUSTOS_TYPE_TEXT, 0);
	add_fails(&o, CUSTOS_EINVALID, NULL);
}
END_TEST

START_TEST(taken_names_are_rejected)
{
	custos_field_options o = opts("email", CUSTOS_TYPE_EMAIL, 0);

	add_fails(&o, CUSTOS_EEXISTS, "field 'email' already exists");
	o = opts("name", CUSTOS_TYPE_TEXT, CLR);
	add_fails(&o, CUSTOS_EEXISTS, NULL);
	add_field("score", CUSTOS_TYPE_INTEGER, 0);
	o = opts("score", CUSTOS_TYPE_TEXT, 0);
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, &o), CUSTOS_EEXISTS);
	ck_assert_str_eq(custos_error_last(), "field 'score' already exists");
	ck_assert_uint_eq(version_now(), 2);
}
END_TEST

START_TEST(unknown_types_are_rejected)
{
	custos_field_options o = opts("x", 99, 0);

	add_fails(&o, CUSTOS_EINVALID, "field 'x': 99 is not a field type");
	o.type = 0;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': 0 is not a field type");
	o.type = 11;
	add_fails(&o, CUSTOS_EINVALID, NULL);
}
END_TEST

START_TEST(contradictory_or_unknown_flags_are_rejected)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_TEXT, ENC | CLR);

	add_fails(&o, CUSTOS_EINVALID,
		"field 'x': CUSTOS_FIELD_ENCRYPTED and CUSTOS_FIELD_CLEAR exclude each other");
	o.flags = 0x20;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': unknown flag bits 0x20");
	o.flags = BUILTIN;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': unknown flag bits 0x100");
	o.flags = CLR | 0x80000000U;
	add_fails(&o, CUSTOS_EINVALID, NULL);
}
END_TEST

START_TEST(tags_and_booleans_cannot_be_unique)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_TAGS, CLR | UNQ);

	add_fails(&o, CUSTOS_EINVALID, "field 'x': a tags field cannot be unique");
	o = opts("x", CUSTOS_TYPE_BOOLEAN, UNQ);
	add_fails(&o, CUSTOS_EINVALID, "field 'x': a boolean field cannot be unique");
}
END_TEST

START_TEST(encrypted_tags_cannot_be_searchable)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_TAGS, SRCH);

	add_fails(&o, CUSTOS_EINVALID, "field 'x': encrypted tags cannot be searchable; declare the field "
		"CUSTOS_FIELD_CLEAR to search it");
	o.flags = ENC | SRCH;
	add_fails(&o, CUSTOS_EINVALID, NULL);
}
END_TEST

START_TEST(enum_values_go_with_enum_fields_only)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_ENUM, CLR);

	add_fails(&o, CUSTOS_EINVALID, "field 'x': an enum field needs enum_values");
	o = opts("x", CUSTOS_TYPE_TEXT, 0);
	o.enum_values = "a,b";
	add_fails(&o, CUSTOS_EINVALID, "field 'x': enum_values applies only to enum fields");
}
END_TEST

START_TEST(max_bytes_is_checked_against_the_type)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_INTEGER, 0);

	o.max_bytes = 8;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': max_bytes applies only to text, email and phone fields");
	o = opts("x", CUSTOS_TYPE_TEXT, 0);
	o.max_bytes = CUSTOS_VALUE_MAX_BYTES + 1;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': max_bytes 65001 is above the limit of 65000");
	o = opts("x", CUSTOS_TYPE_EMAIL, 0);
	o.max_bytes = 300;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': email addresses are at most 254 bytes");
	o = opts("x", CUSTOS_TYPE_PHONE, 0);
	o.max_bytes = 20;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': phone numbers are always at most 16 bytes (E.164)");
}
END_TEST

START_TEST(unknown_field_classes_are_rejected_for_encrypted_fields)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_TEXT, 0);

	o.field_class = 9;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': 9 is not a field class");
	o.field_class = CUSTOS_CLASS_COUNT;
	add_fails(&o, CUSTOS_EINVALID, NULL);
	o.field_class = -2;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': -2 is not a field class");
}
END_TEST

/* One value, one meaning: the default class is named, and 0 is the profile class, which
 * holds clear fields only (in structs of versions 1 and 2, written when 0 meant the
 * default, 0 still means it). */
START_TEST(the_default_class_has_a_name_and_zero_is_profile)
{
	custos_field_options o = opts("everyones", CUSTOS_TYPE_TEXT, 0);
	custos_schema *s;

	o.field_class = CUSTOS_CLASS_PROFILE;
	add_fails(&o, CUSTOS_EINVALID, "field 'everyones': the profile class holds clear fields only; choose another "
		"class for an encrypted field, or make it clear");
	o = opts("plain", CUSTOS_TYPE_TEXT, 0);
	ck_assert_int_eq(o.field_class, CUSTOS_CLASS_DEFAULT);
	add_ok(&o);
	o = opts("older", CUSTOS_TYPE_TEXT, 0);
	o.version = 2;
	o.field_class = 0;
	add_ok(&o);
	s = snap();
	ck_assert_int_eq(custos_schema_field_class(s, pos_of(s, "plain")), CUSTOS_CLASS_NOTES);
	ck_assert_int_eq(custos_schema_field_class(s, pos_of(s, "older")), CUSTOS_CLASS_NOTES);
	custos_schema_free(s);
}
END_TEST

START_TEST(index_bits_must_follow_the_planner_rule)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_TEXT, SRCH);

	o.index_bits = 20;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': a blind index of 20 bits for 1000 customers breaks the rule "
		"2 <= R/2^L < sqrt(R); 8 bits fit");
	o.index_bits = 33;
	add_fails(&o, CUSTOS_EINVALID, NULL);
	o.index_bits = 1; /* 1000 / 2 = 500 is not below sqrt(1000) */
	add_fails(&o, CUSTOS_EINVALID, NULL);
}
END_TEST

START_TEST(index_bits_apply_only_to_encrypted_searchable_fields)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_TEXT, CLR | SRCH);

	o.index_bits = 8;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': index_bits applies only to encrypted searchable fields");
	o.flags = ENC;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': index_bits applies only to encrypted searchable fields");
}
END_TEST

START_TEST(bad_enum_value_lists_are_rejected)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_ENUM, CLR);
	char list[80];

	o.enum_values = "a,,b";
	add_fails(&o, CUSTOS_EINVALID, "field 'x': enum value is empty");
	o.enum_values = "";
	add_fails(&o, CUSTOS_EINVALID, NULL);
	o.enum_values = "a,b,";
	add_fails(&o, CUSTOS_EINVALID, NULL);
	memset(list, 'v', 65);
	list[65] = '\0';
	o.enum_values = list;
	add_fails(&o, CUSTOS_EINVALID, "field 'x': enum value is longer than 64 bytes");
	o.enum_values = "a,b\tc";
	add_fails(&o, CUSTOS_EINVALID, NULL);
}
END_TEST

/* A definition listing a value twice is a bad definition (CUSTOS_EINVALID); CUSTOS_EEXISTS
 * is documented for a taken field name only. */
START_TEST(duplicate_enum_values_in_a_definition_are_invalid)
{
	custos_field_options o = opts("x", CUSTOS_TYPE_ENUM, CLR);

	o.enum_values = "a, b ,a";
	add_fails(&o, CUSTOS_EINVALID, "field 'x' lists the enum value 'a' twice");
}
END_TEST

START_TEST(required_fields_cannot_be_added_while_customers_exist)
{
	custos_field_options o = opts("region_code", CUSTOS_TYPE_TEXT, REQ);

	t_create(T.ctx, "Ada", NULL);
	T_UNCHANGED(&T, custos_schema_add_field(T.ctx, &o), CUSTOS_ESTATE);
	ck_assert_str_eq(custos_error_last(), "field 'region_code' cannot be added as required: existing customers "
		"have no value for it; add it optional, fill it in, then make it required");
	ck_assert_uint_eq(version_now(), 1);
	o.flags = 0;
	add_ok(&o);
	ck_assert_uint_eq(flags_now("region_code"), ENC);
}
END_TEST

START_TEST(required_fields_can_be_added_to_an_empty_store)
{
	custos_field_options o = opts("region_code", CUSTOS_TYPE_TEXT, REQ);
	custos_customer *c;

	add_ok(&o);
	ck_assert_uint_eq(flags_now("region_code"), ENC | REQ);
	c = t_person(T.ctx, "Ada", NULL);
	T_UNCHANGED(&T, custos_customer_create(NULL, T.ctx, c), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'region_code' is required");
	ck_assert_int_eq(custos_customer_set_text(c, "region_code", "north"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(NULL, T.ctx, c), CUSTOS_OK);
	custos_customer_free(c);
}
END_TEST

/* ---- flag changes ---- */

START_TEST(making_a_field_searchable_indexes_existing_customers)
{
	uint64_t a, b, ids[4];
	custos_iter *it = NULL;
	custos_schema *s;
	size_t i;

	a = create_with("Ada", "company", "Acme Ltd");
	create_with("Bob", "company", "Other plc");
	b = create_with("Cy", "company", "Acme Ltd");
	create_with("Di", NULL, NULL);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "company", "Acme Ltd"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "company", SRCH), CUSTOS_OK);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Acme Ltd", ids, 4), 2);
	ck_assert_uint_eq(ids[0], a);
	ck_assert_uint_eq(ids[1], b);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Nobody", ids, 4), 0);
	s = snap();
	i = pos_of(s, "company");
	ck_assert_uint_eq(custos_schema_field_flags(s, i), BUILTIN | ENC | SRCH);
	ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 8);
	ck_assert_uint_eq(custos_schema_version(s), 2);
	custos_schema_free(s);
	/* Customers created afterwards are indexed too. */
	a = create_with("Ed", "company", "Acme Ltd");
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Acme Ltd", ids, 4), 3);
	ck_assert_uint_eq(ids[2], a);
}
END_TEST

START_TEST(making_a_shared_field_unique_fails_and_changes_nothing)
{
	custos_customer *c;
	uint64_t second;

	t_create(T.ctx, "Ada", "shared@example.com");
	second = t_create(T.ctx, "Bob", "shared@example.com");
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "email", UNQ), CUSTOS_EEXISTS);
	ck_assert_uint_eq(version_now(), 1);
	ck_assert_uint_eq(flags_now("email"), BUILTIN | ENC | SRCH);
	/* Once the values differ, the field can become unique. */
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "email", "bob@example.com"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, second, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "email", UNQ), CUSTOS_OK);
	ck_assert_uint_eq(flags_now("email"), BUILTIN | ENC | SRCH | UNQ);
	c = t_person(T.ctx, "Cy", "SHARED@example.com");
	T_UNCHANGED(&T, custos_customer_create(NULL, T.ctx, c), CUSTOS_EEXISTS);
	custos_customer_free(c);
}
END_TEST

START_TEST(making_an_unsearchable_shared_field_unique_fails)
{
	uint64_t ids[2];

	create_with("Ada", "company", "Acme Ltd");
	create_with("Bob", "company", "Acme Ltd");
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", UNQ), CUSTOS_EEXISTS);
	ck_assert_uint_eq(flags_now("company"), BUILTIN | ENC);
	add_field("badge", CUSTOS_TYPE_TEXT, CLR);
	{
		custos_customer *c = t_person(T.ctx, "Cy", NULL);
		ck_assert_int_eq(custos_customer_set_text(c, "badge", "B-1"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_create(NULL, T.ctx, c), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_create(NULL, T.ctx, c), CUSTOS_OK);
		custos_customer_free(c);
	}
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "badge", UNQ), CUSTOS_EEXISTS);
	ck_assert_uint_eq(flags_now("badge"), CLR);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "badge", SRCH), CUSTOS_OK);
	ck_assert_uint_eq(find_ids(T.ctx, "badge", "B-1", ids, 2), 2);
}
END_TEST

START_TEST(making_a_field_required_needs_a_value_on_every_customer)
{
	custos_customer *c;
	uint64_t lacking;

	create_with("Ada", "company", "Acme Ltd");
	lacking = create_with("Bob", NULL, NULL);
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", REQ), CUSTOS_ESTATE);
	ck_assert_uint_eq(version_now(), 1);
	ck_assert_uint_eq(flags_now("company"), BUILTIN | ENC);
	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Bob & Co"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(T.ctx, lacking, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "company", REQ), CUSTOS_OK);
	ck_assert_uint_eq(flags_now("company"), BUILTIN | ENC | REQ);
}
END_TEST

START_TEST(the_required_error_names_the_customer)
{
	uint64_t lacking;
	char want[160];

	create_with("Ada", "company", "Acme Ltd");
	lacking = create_with("Bob", NULL, NULL);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "company", REQ), CUSTOS_ESTATE);
	snprintf(want, sizeof want, "field 'company' cannot become required: customer %llu has no value for it",
		(unsigned long long)lacking);
	ck_assert_str_eq(custos_error_last(), want);
}
END_TEST

START_TEST(turning_searchable_off_stops_finds)
{
	custos_iter *it = NULL;
	custos_schema *s;
	uint64_t ids[2];
	size_t i;

	t_create(T.ctx, "Ada", "ada@example.com");
	ck_assert_uint_eq(find_ids(T.ctx, "email", "ada@example.com", ids, 2), 1);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "email", 0), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "ada@example.com"), CUSTOS_EINVALID);
	ck_assert_ptr_null(it);
	ck_assert_str_eq(custos_error_last(),
		"field 'email' is not searchable; make it searchable with custos_schema_set_field_flags()");
	s = snap();
	i = pos_of(s, "email");
	ck_assert_uint_eq(custos_schema_field_flags(s, i), BUILTIN | ENC);
	ck_assert_uint_eq(custos_schema_field_index_bits(s, i), 0);
	custos_schema_free(s);
	/* And on again: the index is rebuilt. */
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "email", SRCH), CUSTOS_OK);
	ck_assert_uint_eq(find_ids(T.ctx, "email", "ADA@example.com", ids, 2), 1);
}
END_TEST

START_TEST(set_field_flags_rejects_bad_flags_and_unknown_fields)
{
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", 0x20), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "only CUSTOS_FIELD_SEARCHABLE, CUSTOS_FIELD_REQUIRED and "
		"CUSTOS_FIELD_UNIQUE can be changed; encryption is fixed when a field is added");
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", ENC | SRCH), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", CLR), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", BUILTIN), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "nope", SRCH), CUSTOS_ENOTFOUND);
	ck_assert_str_eq(custos_error_last(), "no field named 'nope'");
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, NULL, SRCH), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_set_field_flags(NULL, "company", SRCH), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "tags", UNQ), CUSTOS_EINVALID);
	ck_assert_uint_eq(version_now(), 1);
}
END_TEST

START_TEST(set_field_flags_keeps_encrypted_tags_unsearchable)
{
	add_field("secret_tags", CUSTOS_TYPE_TAGS, 0);
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "secret_tags", SRCH), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'secret_tags': encrypted tags cannot be searchable");
	ck_assert_uint_eq(flags_now("secret_tags"), ENC);
}
END_TEST

/* ---- enum values ---- */

START_TEST(add_enum_value_appends_to_the_list)
{
	static const char *const want[] = { "key_account", "sme", "individual", "partner" };
	custos_schema *s;

	ck_assert_int_eq(custos_schema_add_enum_value(T.ctx, "type", "partner"), CUSTOS_OK);
	s = snap();
	expect_enum(s, "type", want, 4);
	ck_assert_uint_eq(custos_schema_version(s), 2);
	custos_schema_free(s);
}
END_TEST

START_TEST(add_enum_value_rejects_bad_values_and_fields)
{
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "type", "sme"), CUSTOS_EEXISTS);
	ck_assert_str_eq(custos_error_last(), "field 'type' already has the value 'sme'");
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "name", "x"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'name' is text, not an enum");
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "type", "a,b"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "field 'type': enum value contains a comma");
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "type", ""), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "type", "new\nline"), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "nope", "x"), CUSTOS_ENOTFOUND);
	ck_assert_str_eq(custos_error_last(), "no field named 'nope'");
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, NULL, "x"), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "type", NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_add_enum_value(NULL, "type", "x"), CUSTOS_EINVALID);
	ck_assert_uint_eq(version_now(), 1);
}
END_TEST

START_TEST(an_enum_holds_at_most_255_values)
{
	custos_field_options o = opts("level", CUSTOS_TYPE_ENUM, CLR);
	char list[254 * 5 + 1], *p = list, value[8];
	custos_schema *s;

	for (int i = 0; i < 254; i++)
		p += sprintf(p, "%sv%d", i ? "," : "", i);
	o.enum_values = list;
	add_ok(&o);
	ck_assert_int_eq(custos_schema_add_enum_value(T.ctx, "level", "v254"), CUSTOS_OK);
	s = snap();
	ck_assert_uint_eq(custos_schema_enum_count(s, pos_of(s, "level")), 255);
	ck_assert_str_eq(custos_schema_enum_value(s, pos_of(s, "level"), 254), "v254");
	custos_schema_free(s);
	snprintf(value, sizeof value, "v%d", 255);
	T_UNCHANGED(&T, custos_schema_add_enum_value(T.ctx, "level", value), CUSTOS_EFULL);
	ck_assert_str_eq(custos_error_last(), "field 'level' already has 255 values, the most an enum can hold");
}
END_TEST

/* ---- default region ---- */

START_TEST(default_region_can_be_set_and_cleared)
{
	custos_schema *s;

	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "HK"), CUSTOS_OK);
	s = snap();
	ck_assert_str_eq(custos_schema_default_region(s), "HK");
	custos_schema_free(s);
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, NULL), CUSTOS_OK);
	s = snap();
	ck_assert_str_eq(custos_schema_default_region(s), "");
	custos_schema_free(s);
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "GB"), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, ""), CUSTOS_OK);
	s = snap();
	ck_assert_str_eq(custos_schema_default_region(s), "");
	ck_assert_uint_eq(custos_schema_version(s), 5);
	custos_schema_free(s);
}
END_TEST

START_TEST(unknown_regions_are_rejected)
{
	T_UNCHANGED(&T, custos_schema_set_default_region(T.ctx, "XX"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "'XX' is not an ISO 3166 region code such as \"HK\"");
	T_UNCHANGED(&T, custos_schema_set_default_region(T.ctx, "HKG"), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_set_default_region(T.ctx, "H"), CUSTOS_EINVALID);
	T_UNCHANGED(&T, custos_schema_set_default_region(T.ctx, "hk"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_set_default_region(NULL, "HK"), CUSTOS_EINVALID);
	ck_assert_uint_eq(version_now(), 1);
}
END_TEST

/* ---- snapshots ---- */

START_TEST(snapshots_do_not_change)
{
	custos_schema *before = snap(), *after;
	size_t i;

	add_field("score", CUSTOS_TYPE_INTEGER, CLR);
	ck_assert_int_eq(custos_schema_add_enum_value(T.ctx, "type", "partner"), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_set_default_region(T.ctx, "HK"), CUSTOS_OK);
	after = snap();
	ck_assert_uint_eq(custos_schema_version(before), 1);
	ck_assert_uint_eq(custos_schema_field_count(before), NBUILTIN);
	ck_assert_int_eq(custos_schema_field_lookup(&i, before, "score"), CUSTOS_ENOTFOUND);
	ck_assert_uint_eq(custos_schema_enum_count(before, pos_of(before, "type")), 3);
	ck_assert_str_eq(custos_schema_default_region(before), "");
	ck_assert_uint_eq(custos_schema_version(after), 4);
	ck_assert_uint_eq(custos_schema_field_count(after), NBUILTIN + 1);
	ck_assert_uint_eq(custos_schema_enum_count(after, pos_of(after, "type")), 4);
	ck_assert_str_eq(custos_schema_default_region(after), "HK");
	pos_of(after, "score");
	custos_schema_free(before);
	custos_schema_free(after);
}
END_TEST

START_TEST(a_snapshot_outlives_its_store)
{
	custos_schema *s = snap();

	t_store_close(&T);
	ck_assert_uint_eq(custos_schema_version(s), 1);
	ck_assert_str_eq(custos_schema_field_name(s, pos_of(s, "email")), "email");
	custos_schema_free(s);
	t_store_open(&T, "memory"); /* for the teardown */
}
END_TEST

START_TEST(getters_return_empty_values_out_of_range)
{
	custos_schema *s = snap();
	size_t n = custos_schema_field_count(s), name = pos_of(s, "name"), kind = pos_of(s, "kind");

	ck_assert_uint_eq(custos_schema_version(NULL), 0);
	ck_assert_uint_eq(custos_schema_field_count(NULL), 0);
	ck_assert_str_eq(custos_schema_default_region(NULL), "");
	for (int k = 0; k < 2; k++) {
		const custos_schema *x = k ? s : NULL;
		size_t i = k ? n : 0;
		ck_assert_ptr_null(custos_schema_field_name(x, i));
		ck_assert_uint_eq(custos_schema_field_id(x, i), 0);
		ck_assert_int_eq(custos_schema_field_type(x, i), 0);
		ck_assert_uint_eq(custos_schema_field_flags(x, i), 0);
		ck_assert_int_eq(custos_schema_field_class(x, i), -1);
		ck_assert_uint_eq(custos_schema_field_max_bytes(x, i), 0);
		ck_assert_uint_eq(custos_schema_field_index_bits(x, i), 0);
		ck_assert_uint_eq(custos_schema_enum_count(x, i), 0);
		ck_assert_ptr_null(custos_schema_enum_value(x, i, 0));
	}
	ck_assert_ptr_null(custos_schema_field_name(s, (size_t)-1));
	ck_assert_int_eq(custos_schema_field_class(s, (size_t)-1), -1);
	ck_assert_ptr_null(custos_schema_enum_value(s, kind, 2));
	ck_assert_ptr_null(custos_schema_enum_value(s, kind, (size_t)-1));
	ck_assert_ptr_null(custos_schema_enum_value(s, name, 0));
	custos_schema_free(s);
	custos_schema_free(NULL);
}
END_TEST

START_TEST(field_lookup_checks_arguments)
{
	custos_schema *s = snap();
	size_t i = 12345;

	ck_assert_int_eq(custos_schema_field_lookup(NULL, s, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_field_lookup(&i, NULL, "name"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_field_lookup(&i, s, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_field_lookup(&i, s, "nope"), CUSTOS_ENOTFOUND);
	ck_assert_str_eq(custos_error_last(), "no field named 'nope'");
	ck_assert_int_eq(custos_schema_field_lookup(&i, s, ""), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_schema_field_lookup(&i, s, "Name"), CUSTOS_ENOTFOUND);
	ck_assert_uint_eq(i, 12345);
	custos_schema_free(s);
}
END_TEST

START_TEST(schema_get_checks_arguments)
{
	custos_schema *s = (custos_schema *)&s;

	ck_assert_int_eq(custos_schema_get(NULL, T.ctx), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_schema_get(&s, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_null(s);
}
END_TEST

/* ---- two handles on one LMDB store ---- */

static t_store A;
static custos_db *B_db;
static custos_ctx *B_ctx;

static void setup_two_handles(void)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *sec = t_secret();
	char uri[300];

	t_store_open(&A, "lmdb");
	snprintf(uri, sizeof uri, "lmdb:%s/store", A.dir);
	o.flags = 0;
	ck_assert_msg(custos_db_open(&B_db, uri, sec, &o) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_ctx_open(&B_ctx, B_db, "admin"), CUSTOS_OK);
	custos_secret_free(sec);
}

static void teardown_two_handles(void)
{
	custos_ctx_free(B_ctx);
	custos_db_close(B_db);
	B_ctx = NULL;
	B_db = NULL;
	t_store_close(&A);
}

static void add_loyalty_through_a(void)
{
	custos_field_options o = opts("loyalty", CUSTOS_TYPE_TEXT, 0);
	ck_assert_msg(custos_schema_add_field(A.ctx, &o) == CUSTOS_OK, "%s", custos_error_last());
}

START_TEST(a_second_handle_learns_a_schema_change_on_its_next_write)
{
	custos_customer *c, *got;
	const char *v;
	uint64_t id;

	add_loyalty_through_a();
	/* Before it touches the store again, B's drafts follow the schema B last saw. */
	ck_assert_int_eq(custos_customer_new(&c, B_ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "loyalty", "gold"), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "unknown field 'loyalty'");
	custos_customer_free(c);
	/* A write through B loads the new schema. */
	t_create(B_ctx, "First", NULL);
	c = t_person(B_ctx, "Second", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "loyalty", "gold"), CUSTOS_OK);
	ck_assert_msg(custos_customer_create(&id, B_ctx, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_lookup(&got, A.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_text(&v, got, "loyalty"), CUSTOS_OK);
	ck_assert_str_eq(v, "gold");
	custos_customer_free(got);
}
END_TEST

START_TEST(a_second_handle_sees_a_schema_change_in_a_new_snapshot)
{
	custos_schema *s;
	custos_customer *c;

	add_loyalty_through_a();
	s = snap_of(B_ctx);
	ck_assert_uint_eq(custos_schema_version(s), 2);
	pos_of(s, "loyalty");
	custos_schema_free(s);
	ck_assert_int_eq(custos_customer_new(&c, B_ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "loyalty", "gold"), CUSTOS_OK);
	custos_customer_free(c);
}
END_TEST

START_TEST(a_draft_made_before_a_change_can_still_be_created)
{
	custos_customer *c, *got;
	const char *v;
	uint64_t id;

	c = t_person(B_ctx, "Early", NULL);
	add_loyalty_through_a();
	ck_assert_msg(custos_customer_create(&id, B_ctx, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_lookup(&got, A.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_text(&v, got, "name"), CUSTOS_OK);
	ck_assert_str_eq(v, "Early");
	ck_assert_int_eq(custos_customer_get_text(&v, got, "loyalty"), CUSTOS_ENOTFOUND);
	custos_customer_free(got);
}
END_TEST

START_TEST(changes_through_both_handles_keep_counting_versions)
{
	custos_schema *s;

	add_loyalty_through_a();
	ck_assert_int_eq(custos_schema_add_enum_value(B_ctx, "type", "partner"), CUSTOS_OK);
	s = snap_of(A.ctx);
	ck_assert_uint_eq(custos_schema_version(s), 3);
	pos_of(s, "loyalty");
	ck_assert_uint_eq(custos_schema_enum_count(s, pos_of(s, "type")), 4);
	custos_schema_free(s);
}
END_TEST

/* ---- large index builds ---- */

/* More customers than one transaction of the test backend may change entries for. */
#define MANY 10000
#define MAX_CHANGES 9000

/* n customers with company "Co <id>" (every value twice when shared). */
static void create_with_companies(custos_ctx *ctx, int n, int shared)
{
	custos_customer *batch[500];
	char company[64];

	for (int i = 0; i < n; i += 500) {
		int m = n - i < 500 ? n - i : 500;
		for (int j = 0; j < m; j++) {
			int id = i + j + 1;
			snprintf(company, sizeof company, "Co %d", shared && id == n ? 1 : id);
			batch[j] = t_person(ctx, "Many", NULL);
			ck_assert_int_eq(custos_customer_set_text(batch[j], "company", company), CUSTOS_OK);
		}
		ck_assert_msg(custos_customer_create_many(NULL, ctx, batch, (size_t)m) == CUSTOS_OK, "%s",
			custos_error_last());
		for (int j = 0; j < m; j++)
			custos_customer_free(batch[j]);
	}
}

static t_wrap *open_limited(void)
{
	return t_store_open_limited(&T, MAX_CHANGES);
}

static size_t company_entries(void)
{
	static unsigned char keys[8][T_KEY_MAX];
	uint32_t id = t_field_id(T.ctx, "company");
	unsigned char prefix[2] = { (unsigned char)(id >> 8), (unsigned char)id };
	size_t lens[8];

	return t_raw_keys(T.be, T_B_INDEX, prefix, 2, keys, lens, 8);
}

START_TEST(a_field_made_searchable_over_many_customers_is_indexed_in_bounded_transactions)
{
	t_wrap *w = open_limited();
	uint64_t ids[2];
	unsigned before;

	create_with_companies(T.ctx, MANY, 0);
	w->most = 0;
	before = w->commits;
	ck_assert_msg(custos_schema_set_field_flags(T.ctx, "company", SRCH) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_le(w->most, MAX_CHANGES);
	ck_assert_uint_ge(w->commits - before, 7);  /* start, a drop, 5 builds, the change */
	ck_assert_uint_eq(flags_now("company"), BUILTIN | ENC | SRCH);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Co 7777", ids, 2), 1);
	ck_assert_uint_eq(ids[0], 7777);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	/* And off again: the entries go in bounded transactions too. */
	w->most = 0;
	ck_assert_msg(custos_schema_set_field_flags(T.ctx, "company", 0) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_le(w->most, MAX_CHANGES);
	ck_assert_uint_eq(company_entries(), 0);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	t_store_close(&T);
}
END_TEST

START_TEST(a_unique_conflict_after_a_large_build_leaves_the_store_as_it_was)
{
	char want[160];

	open_limited();
	create_with_companies(T.ctx, MANY, 1);  /* customers 1 and MANY share "Co 1" */
	T_UNCHANGED(&T, custos_schema_set_field_flags(T.ctx, "company", UNQ), CUSTOS_EEXISTS);
	snprintf(want, sizeof want, "field 'company' must be unique, and customer %d already has this value", MANY);
	ck_assert_str_eq(custos_error_last(), want);
	ck_assert_uint_eq(flags_now("company"), BUILTIN | ENC);
	ck_assert_uint_eq(version_now(), 1);
	t_store_close(&T);
}
END_TEST

START_TEST(a_find_stops_when_its_field_stops_being_searchable)
{
	custos_iter *it;
	uint64_t id;

	for (int i = 0; i < 70; i++)  /* more than one page of a find */
		t_create(T.ctx, "Same", "same@example.com");
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "email", "same@example.com"), CUSTOS_OK);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_OK);
	ck_assert_int_eq(custos_schema_set_field_flags(T.ctx, "email", 0), CUSTOS_OK);
	ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_ESTATE);
	ck_assert_str_eq(custos_error_last(), "field 'email' stopped being searchable after the search began");
	custos_iter_free(it);
}
END_TEST

/* A schema manager whose role reaches only its own customers still changes the schema of
 * the whole store: indexes and checks cover every customer. */
START_TEST(flag_changes_by_a_narrowly_scoped_schema_role_cover_every_customer)
{
	custos_role_options ro = CUSTOS_ROLE_OPTIONS_INIT;
	custos_ctx *keeper = NULL;
	uint64_t ids[4], a, b;

	ro.name = "schema_keeper";
	ro.operations = CUSTOS_OP_SCHEMA;
	ro.scope = CUSTOS_SCOPE_OWN;
	ck_assert_int_eq(custos_role_create(T.ctx, &ro), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, T.ctx, "keeper", "schema_keeper", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&keeper, T.db, "keeper"), CUSTOS_OK);
	a = create_with("Ada", "company", "Acme Ltd");
	b = create_with("Bob", "company", "Acme Ltd");
	ck_assert_msg(custos_schema_set_field_flags(keeper, "company", SRCH) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Acme Ltd", ids, 4), 2);
	ck_assert_uint_eq(ids[0], a);
	ck_assert_uint_eq(ids[1], b);
	ck_assert_int_eq(custos_schema_set_field_flags(keeper, "company", UNQ), CUSTOS_EEXISTS);
	ck_assert_int_eq(custos_schema_set_field_flags(keeper, "address", REQ), CUSTOS_ESTATE);
	custos_ctx_free(keeper);
}
END_TEST

/* Close T's store, keeping its LMDB files. */
static void close_keeping_files(void)
{
	custos_ctx_free(T.ctx);
	custos_db_close(T.db);
	T.ctx = NULL;
	T.db = NULL;
}

static void set_company(uint64_t id, const char *value)
{
	custos_customer *c = NULL;

	ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", value), CUSTOS_OK);
	ck_assert_msg(custos_customer_update(T.ctx, id, c) == CUSTOS_OK, "%s", custos_error_last());
	custos_customer_free(c);
}

static int make_company_searchable(custos_ctx *ctx, void *arg)
{
	(void)arg;
	return custos_schema_set_field_flags(ctx, "company", SRCH);
}

START_TEST(an_interrupted_build_leaves_nothing_a_later_call_trips_over)
{
	custos_customer *c;
	custos_iter *it;
	uint64_t ids[2];

	t_store_open(&T, "lmdb");
	create_with_companies(T.ctx, 5000, 0);
	close_keeping_files();
	/* Killed after the start, the drop and the first 2048 customers' entries. */
	ck_assert_int_eq(t_crash_during(&T, make_company_searchable, NULL, 3), T_CRASHED);
	t_store_reopen(&T);
	ck_assert_uint_eq(flags_now("company"), BUILTIN | ENC);
	ck_assert_int_eq(custos_customer_find(&it, T.ctx, "company", "Co 5"), CUSTOS_EINVALID);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	/* Writes go on; one moves a value the interrupted build had indexed. */
	set_company(5, "Moved Co");
	c = t_person(T.ctx, "Late", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Late Co"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(NULL, T.ctx, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	/* The next build drops what the first left and indexes every customer. */
	ck_assert_msg(custos_schema_set_field_flags(T.ctx, "company", SRCH) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Co 5", ids, 2), 0);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Moved Co", ids, 2), 1);
	ck_assert_uint_eq(ids[0], 5);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Late Co", ids, 2), 1);
	ck_assert_uint_eq(ids[0], 5001);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Co 4000", ids, 2), 1);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	t_store_close(&T);
}
END_TEST

/* A second process that changes customer 1 and creates customer 11 when told to. */
static int to_b[2], to_a[2];

static void write_between_steps(t_wrap *w)
{
	char b = 0;

	if (!w->touched || w->payload)
		return;
	w->payload = w;  /* once */
	ck_assert_int_eq(write(to_b[1], &b, 1), 1);
	ck_assert_int_eq(read(to_a[0], &b, 1), 1);
	ck_assert_int_eq(b, 0);
}

static void other_process(const char *uri)
{
	custos_secret *s = NULL;
	custos_customer *c = NULL;
	custos_db *db = NULL;
	custos_ctx *ctx = NULL;
	char b = 1;

	if (read(to_b[0], &b, 1) != 1 || custos_secret_key(&s, t_key, sizeof t_key) || custos_db_open(&db, uri, s, NULL) ||
	    custos_ctx_open(&ctx, db, "admin") || custos_customer_new(&c, ctx) ||
	    custos_customer_set_text(c, "company", "Changed Co") || custos_customer_update(ctx, 1, c) ||
	    custos_customer_set_text(c, "name", "New") || custos_customer_set_text(c, "company", "New Co") ||
	    custos_customer_create(NULL, ctx, c))
		b = 1;
	else
		b = 0;
	custos_customer_free(c);
	custos_ctx_free(ctx);
	custos_db_close(db);
	custos_secret_free(s);
	_exit(write(to_a[1], &b, 1) == 1 ? 0 : 1);
}

START_TEST(customers_written_by_another_process_during_a_build_are_indexed)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *inner = NULL;
	char dir[256], uri[300];
	uint32_t company;
	uint64_t ids[2];
	t_wrap *w;
	int status;
	pid_t pid;

	t_store_open(&T, "lmdb");
	create_with_companies(T.ctx, 10, 0);
	close_keeping_files();
	snprintf(dir, sizeof dir, "%s", T.dir);
	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	ck_assert_int_eq(pipe(to_b), 0);
	ck_assert_int_eq(pipe(to_a), 0);
	if ((pid = fork()) == 0)
		other_process(uri);
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(custos_backend_open(&inner, uri, &o), CUSTOS_OK);
	w = t_wrap_new(inner);
	t_store_open_backend(&T, &w->base, NULL);
	snprintf(T.dir, sizeof T.dir, "%s", dir);
	/* Once the build has indexed all ten, the other process writes, then the change commits. */
	company = t_field_id(T.ctx, "company");
	w->watch_bucket = T_B_INDEX;
	w->watch[0] = (unsigned char)(company >> 8);
	w->watch[1] = (unsigned char)company;
	w->watch_len = 2;
	w->after_commit = write_between_steps;
	ck_assert_msg(custos_schema_set_field_flags(T.ctx, "company", SRCH) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_ptr_nonnull(w->payload);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Co 1", ids, 2), 0);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "Changed Co", ids, 2), 1);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(find_ids(T.ctx, "company", "New Co", ids, 2), 1);
	ck_assert_uint_eq(ids[0], 11);
	ck_assert_msg(custos_db_check(T.ctx) == CUSTOS_OK, "%s", custos_error_last());
	t_store_close(&T);
}
END_TEST

static Suite *schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("new store");

	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, new_store_has_version_one_and_eleven_fields);
	tcase_add_test(tc, builtin_fields_have_their_documented_type_class_and_flags);
	tcase_add_test(tc, builtin_text_email_and_phone_fields_have_their_limits);
	tcase_add_test(tc, max_bytes_is_zero_for_fields_that_are_not_text_email_phone_or_date);
	tcase_add_test(tc, builtin_field_ids_are_distinct);
	tcase_add_test(tc, a_value_of_the_largest_size_is_stored_encrypted_or_clear);
	tcase_add_test(tc, builtin_enums_list_their_values_in_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("names and options");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, field_options_init_fills_defaults_and_checks_the_version);
	tcase_add_test(tc, add_field_checks_the_options_version_and_arguments);
	tcase_add_test(tc, field_type_names_round_trip);
	tcase_add_test(tc, unknown_field_types_have_no_name);
	tcase_add_test(tc, field_class_names_round_trip);
	tcase_add_test(tc, unknown_field_classes_have_no_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("custom fields");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, custom_fields_of_every_type_are_encrypted_notes_by_default);
	tcase_add_test(tc, clear_custom_fields_of_every_type_are_profile);
	tcase_add_test(tc, each_change_raises_the_version_by_one);
	tcase_add_test(tc, custom_fields_keep_class_limits_and_index_bits);
	tcase_add_test(tc, unique_implies_searchable);
	tcase_add_test(tc, field_names_may_be_up_to_64_bytes);
	tcase_add_test(tc, bad_field_names_are_rejected);
	tcase_add_test(tc, taken_names_are_rejected);
	tcase_add_test(tc, unknown_types_are_rejected);
	tcase_add_test(tc, contradictory_or_unknown_flags_are_rejected);
	tcase_add_test(tc, tags_and_booleans_cannot_be_unique);
	tcase_add_test(tc, encrypted_tags_cannot_be_searchable);
	tcase_add_test(tc, enum_values_go_with_enum_fields_only);
	tcase_add_test(tc, max_bytes_is_checked_against_the_type);
	tcase_add_test(tc, unknown_field_classes_are_rejected_for_encrypted_fields);
	tcase_add_test(tc, the_default_class_has_a_name_and_zero_is_profile);
	tcase_add_test(tc, index_bits_must_follow_the_planner_rule);
	tcase_add_test(tc, index_bits_apply_only_to_encrypted_searchable_fields);
	tcase_add_test(tc, bad_enum_value_lists_are_rejected);
	tcase_add_test(tc, duplicate_enum_values_in_a_definition_are_invalid);
	tcase_add_test(tc, required_fields_cannot_be_added_while_customers_exist);
	tcase_add_test(tc, required_fields_can_be_added_to_an_empty_store);
	suite_add_tcase(s, tc);

	tc = tcase_create("flags");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, making_a_field_searchable_indexes_existing_customers);
	tcase_add_test(tc, making_a_shared_field_unique_fails_and_changes_nothing);
	tcase_add_test(tc, making_an_unsearchable_shared_field_unique_fails);
	tcase_add_test(tc, making_a_field_required_needs_a_value_on_every_customer);
	tcase_add_test(tc, the_required_error_names_the_customer);
	tcase_add_test(tc, turning_searchable_off_stops_finds);
	tcase_add_test(tc, set_field_flags_rejects_bad_flags_and_unknown_fields);
	tcase_add_test(tc, set_field_flags_keeps_encrypted_tags_unsearchable);
	tcase_add_test(tc, a_find_stops_when_its_field_stops_being_searchable);
	tcase_add_test(tc, flag_changes_by_a_narrowly_scoped_schema_role_cover_every_customer);
	suite_add_tcase(s, tc);

	tc = tcase_create("large builds");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, a_field_made_searchable_over_many_customers_is_indexed_in_bounded_transactions);
	tcase_add_test(tc, a_unique_conflict_after_a_large_build_leaves_the_store_as_it_was);
	tcase_add_test(tc, an_interrupted_build_leaves_nothing_a_later_call_trips_over);
	tcase_add_test(tc, customers_written_by_another_process_during_a_build_are_indexed);
	suite_add_tcase(s, tc);

	tc = tcase_create("enums and region");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, add_enum_value_appends_to_the_list);
	tcase_add_test(tc, add_enum_value_rejects_bad_values_and_fields);
	tcase_add_test(tc, an_enum_holds_at_most_255_values);
	tcase_add_test(tc, default_region_can_be_set_and_cleared);
	tcase_add_test(tc, unknown_regions_are_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("snapshots");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, snapshots_do_not_change);
	tcase_add_test(tc, a_snapshot_outlives_its_store);
	tcase_add_test(tc, getters_return_empty_values_out_of_range);
	tcase_add_test(tc, field_lookup_checks_arguments);
	tcase_add_test(tc, schema_get_checks_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("two handles");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup_two_handles, teardown_two_handles);
	tcase_add_test(tc, a_second_handle_learns_a_schema_change_on_its_next_write);
	tcase_add_test(tc, a_second_handle_sees_a_schema_change_in_a_new_snapshot);
	tcase_add_test(tc, a_draft_made_before_a_change_can_still_be_created);
	tcase_add_test(tc, changes_through_both_handles_keep_counting_versions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(schema_suite());
}
