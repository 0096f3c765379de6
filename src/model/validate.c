/*
 * model/validate.c — validation and normalisation of field values, and their index form.
 * Pure functions of (field, input): no storage, no keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/global.h"
#include "model/currency.h"
#include "model/phone.h"
#include "model/validate.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/unicode.h"
#include "util/utf8.h"

static const char *type_name(const cu_field *f)
{
	return custos_field_type_name(f->type);
}

static int is_ascii_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Leading and trailing spaces go: every Unicode White_Space (U+3000 included) under the
 * current rules, the four ASCII ones under CU_RULES_V1. */
static void trim(const char **s, size_t *n, int rules)
{
	if (rules != CU_RULES_V1) {
		cu_utf8_trim(s, n);
		return;
	}
	while (*n && is_ascii_ws(**s))
		(*s)++, (*n)--;
	while (*n && is_ascii_ws((*s)[*n - 1]))
		(*n)--;
}

/* Code points of UTF-8 text (a byte that starts no sequence counts as one). */
static size_t characters(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}

/* "is 86 characters (258 bytes); the limit is 256 bytes, about 85 Chinese characters":
 * limits are bytes of UTF-8, where a Chinese character takes three. */
static int over_limit(const char *what, const char *s, size_t n, unsigned limit)
{
	if (limit < 3)
		return cu_err(CUSTOS_EINVALID, "%s is %zu characters (%zu bytes); the limit is %u bytes", what,
			characters(s, n), n, limit);
	return cu_err(CUSTOS_EINVALID, "%s is %zu characters (%zu bytes); the limit is %u bytes, about %u Chinese "
		"characters", what, characters(s, n), n, limit, limit / 3);
}

static int too_long(const cu_field *f, const char *s, size_t n)
{
	char what[CUSTOS_NAME_MAX_BYTES + 16];

	snprintf(what, sizeof what, "field '%s'", f->name);
	return over_limit(what, s, n, f->max_bytes);
}

/* Lowercase, then NFC again: lowercasing NFC text can leave it unnormalised ("\u0130\u0301"
 * lowercases to "i\u0301", which composes to "\u00ed"), and stored and index forms must be NFC
 * so that canonically equivalent inputs meet. The second pass is a copy for almost all text. */
static int lower_nfc(char **out, size_t *out_len, const char *in, size_t n)
{
	char *low;
	size_t ln;
	int rc;

	if ((rc = cu_utf8_lower(&low, &ln, in, n)))
		return rc;
	rc = cu_utf8_nfc(out, out_len, low, ln);
	cu_free_secret(low, ln + 1);
	return rc;
}

/* An identifier must keep something once its separators are dropped. */
static int identifier_ok(const cu_field *f, const char *s, size_t n)
{
	char *folded;
	size_t len;
	int rc = cu_utf8_fold(&folded, &len, s, n, CU_FOLD_COMPAT | CU_FOLD_SEPARATORS);

	if (rc)
		return rc;
	cu_free_secret(folded, len + 1);
	return len ? CUSTOS_OK : cu_err(CUSTOS_EINVALID, "field '%s' is an identifier and has nothing but spaces and "
		"punctuation", f->name);
}

/* Check, trim and NFC-normalise a text; the result is appended to out. */
static int clean_text(const cu_field *f, const char *in, int multiline, int rules, cu_bytes *out)
{
	size_t n = strlen(in), len;
	const char *why;
	char *nfc;
	int rc;

	if (f->max_bytes && n > (size_t)f->max_bytes * 4 + 64)
		return too_long(f, in, n);
	trim(&in, &n, rules);  /* first, so a trailing newline from a form is not an error */
	if (!cu_text_ok(in, n, multiline, &why))
		return cu_err(CUSTOS_EINVALID, "field '%s' %s", f->name, why);
	if (n == 0)
		return cu_err(CUSTOS_EINVALID, "field '%s' is empty; use custos_customer_unset() to remove a value", f->name);
	if ((rc = cu_utf8_nfc(&nfc, &len, in, n)))
		return rc;
	if (f->max_bytes && len > f->max_bytes)
		rc = too_long(f, nfc, len);
	else if (f->type != CUSTOS_TYPE_TEXT || f->norm != CUSTOS_NORM_IDENTIFIER || !(rc = identifier_ok(f, nfc, len)))
		rc = cu_bytes_append(out, nfc, len);
	cu_free_secret(nfc, len + 1);
	return rc;
}

/* ---- email ---- */

static int local_char_ok(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

static int check_local(const char *s, size_t n, const char **why)
{
	if (n == 0)
		return *why = "has nothing before '@'", 0;
	if (n > 64)
		return *why = "has more than 64 bytes before '@'", 0;
	if (s[0] == '.' || s[n - 1] == '.')
		return *why = "has a dot at the start or end of the part before '@'", 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '@')
			return *why = "has more than one '@'", 0;
		if (c == ' ')
			return *why = "contains a space", 0;
		if (c == '"')
			return *why = "uses a quoted local part, which is not supported", 0;
		if (!local_char_ok(c))
			return *why = "has a character before '@' that email addresses do not allow", 0;
		if (c == '.' && s[i + 1] == '.')
			return *why = "has two dots in a row", 0;
	}
	return 1;
}

static int check_label(const char *s, size_t n, const char **why)
{
	if (n == 0 || n > 63)
		return *why = "has a domain with an empty label or a label longer than 63 bytes", 0;
	if (s[0] == '-' || s[n - 1] == '-')
		return *why = "has a domain label that starts or ends with '-'", 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return *why = c == ' ' ? "contains a space" :
						 "has a character after '@' that domain names do not allow", 0;
	}
	return 1;
}

static int check_domain(const char *s, size_t n, const char **why)
{
	size_t labels = 0, start = 0, i;
	int numeric = 1;

	if (n == 0)
		return *why = "has nothing after '@'", 0;
	if (s[0] == '[')
		return *why = "uses an address literal like [192.0.2.1], which is not supported", 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!check_label(s + start, i - start, why))
			return 0;
		labels++;
		numeric = 1;
		for (size_t j = start; j < i; j++)
			if (s[j] < '0' || s[j] > '9')
				numeric = 0;
		start = i + 1;
	}
	if (labels < 2)
		return *why = "needs a domain with a dot after '@', like example.com", 0;
	if (numeric)
		return *why = "has a domain whose last label is all digits", 0;
	return 1;
}

int cu_email_check(const char *s, size_t n, const char **why)
{
	const char *at = NULL;

	if (n > 254)
		return *why = "is longer than 254 bytes", 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (!at)
		return *why = "has no '@'", 0;
	return check_local(s, (size_t)(at - s), why) && check_domain(at + 1, n - (size_t)(at - s) - 1, why);
}

/* Under the current rules the address is read in NFKC first, so that full-width letters
 * and '＠' from CJK input methods are their ASCII selves. */
static int email_value(const cu_field *f, const char *in, int rules, cu_bytes *out)
{
	cu_bytes tmp = CU_BYTES_SECRET_INIT;
	const char *why, *at;
	char *dom = NULL, *nfkc = NULL;
	size_t dn = 0, local, kn = 0;
	int rc;

	if (rules != CU_RULES_V1 && strlen(in) <= (size_t)f->max_bytes * 4 + 64 &&
	    (rc = cu_utf8_fold(&nfkc, &kn, in, strlen(in), CU_FOLD_COMPAT)))
		return rc == CUSTOS_EINVALID ? cu_err(CUSTOS_EINVALID, "field '%s' is not valid UTF-8", f->name) : rc;
	if ((rc = clean_text(f, nfkc ? nfkc : in, 0, rules, &tmp)))
		goto done;
	if (!cu_email_check((const char *)tmp.p, tmp.len, &why)) {
		rc = cu_err(CUSTOS_EINVALID, "field '%s' %s", f->name, why);
		goto done;
	}
	at = memchr(tmp.p, '@', tmp.len);
	local = (size_t)(at - (const char *)tmp.p);
	if ((rc = lower_nfc(&dom, &dn, at + 1, tmp.len - local - 1)))
		goto done;
	if (local + 1 + dn > f->max_bytes)
		rc = too_long(f, (const char *)tmp.p, tmp.len);   /* the domain lower-cased is as long in characters */
	else if (!(rc = cu_bytes_append(out, tmp.p, local + 1)))
		rc = cu_bytes_append(out, dom, dn);
done:
	if (dom)
		cu_free_secret(dom, dn + 1);
	if (nfkc)
		cu_free_secret(nfkc, kn + 1);
	cu_bytes_free(&tmp);
	return rc;
}

/* ---- dates, enums, tags ---- */

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

int cu_date_check(const char *s, size_t n)
{
	int y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static int date_value(const cu_field *f, const char *in, cu_bytes *out)
{
	size_t n = strlen(in);

	trim(&in, &n, CU_RULES_CURRENT);
	if (!cu_date_check(in, n))
		return cu_err(CUSTOS_EINVALID, "field '%s' is not a date in the form YYYY-MM-DD (years 0001 to 9999)",
			f->name);
	return cu_bytes_append(out, in, n);
}

static int enum_value(const cu_field *f, const char *in, cu_bytes *out)
{
	size_t n = strlen(in);
	int pos;

	trim(&in, &n, CU_RULES_CURRENT);
	pos = cu_field_enum_find(f, in, n);
	if (pos < 0) {
		cu_bytes list = CU_BYTES_INIT;
		for (size_t i = 0; i < f->n_enum; i++) {
			if (i)
				cu_bytes_append(&list, ", ", 2);
			cu_bytes_append(&list, f->enum_values[i], strlen(f->enum_values[i]));
		}
		cu_bytes_append_u8(&list, 0);
		if (cu_field_encrypted(f) || n > 64 || !cu_utf8_valid(in, n))
			cu_err(CUSTOS_EINVALID, "field '%s' must be one of: %s", f->name, list.p ? (char *)list.p : "");
		else
			cu_err(CUSTOS_EINVALID, "field '%s': '%.*s' is not one of: %s", f->name, (int)n, in,
				list.p ? (char *)list.p : "");
		cu_bytes_free(&list);
		return CUSTOS_EINVALID;
	}
	return cu_bytes_append_u8(out, (unsigned)pos);
}

static int tag_too_long(const cu_field *f, const char *s, size_t n)
{
	char what[CUSTOS_NAME_MAX_BYTES + 32];

	snprintf(what, sizeof what, "field '%s': the tag", f->name);
	return over_limit(what, s, n, CU_TAG_MAX_BYTES);
}

static int tag_value(const cu_field *f, const char *in, int rules, cu_bytes *out)
{
	size_t n = strlen(in), len;
	const char *why;
	char *nfc;
	int rc;

	if (n > 4 * CU_TAG_MAX_BYTES + 64)
		return tag_too_long(f, in, n);
	trim(&in, &n, rules);
	if (!cu_text_ok(in, n, 0, &why))
		return cu_err(CUSTOS_EINVALID, "field '%s': the tag %s", f->name, why);
	if (n == 0)
		return cu_err(CUSTOS_EINVALID, "field '%s': a tag cannot be empty", f->name);
	if (memchr(in, ',', n))
		return cu_err(CUSTOS_EINVALID, "field '%s': a tag cannot contain a comma", f->name);
	if ((rc = cu_utf8_nfc(&nfc, &len, in, n)))
		return rc;
	if (len > CU_TAG_MAX_BYTES)
		rc = tag_too_long(f, nfc, len);
	else
		rc = cu_bytes_append(out, nfc, len);
	cu_free_secret(nfc, len + 1);
	return rc;
}

int cu_tag_normalize(const cu_field *f, const char *in, cu_bytes *out)
{
	return tag_value(f, in, CU_RULES_CURRENT, out);
}

/* ---- numbers from text (find) ---- */

int cu_parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (!*s || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
		return 0;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end)
		return 0;
	*v = (int64_t)x;
	return 1;
}

static int number_from_text(const cu_field *f, const char *in, cu_bytes *out)
{
	int64_t v;

	if (f->type == CUSTOS_TYPE_BOOLEAN) {
		if (!strcmp(in, "1") || !strcmp(in, "true"))
			return cu_value_from_bool(f, 1, out);
		if (!strcmp(in, "0") || !strcmp(in, "false"))
			return cu_value_from_bool(f, 0, out);
		return cu_err(CUSTOS_EINVALID, "field '%s' is a boolean: use 0, 1, true or false", f->name);
	}
	if (f->type == CUSTOS_TYPE_MONEY)
		return cu_money_from_text(f, in, out);
	if (f->type == CUSTOS_TYPE_TIMESTAMP)
		return cu_timestamp_from_text(f, in, out);
	if (!cu_parse_i64(in, &v))
		return cu_err(CUSTOS_EINVALID, "field '%s' is %s: write a whole number", f->name, type_name(f));
	return f->type == CUSTOS_TYPE_TIMESTAMP ? cu_value_from_timestamp(f, v, out) : cu_value_from_int(f, v, out);
}

/* ---- public entry points ---- */

static const char *setter_for(const cu_field *f);

static int wrong_type(const cu_field *f, const char *setter)
{
	return cu_err(CUSTOS_EINVALID, "field '%s' is %s; set it with %s", f->name, type_name(f), setter);
}

int cu_wrong_setter(const cu_field *f)
{
	return wrong_type(f, setter_for(f));
}

static const char *setter_for(const cu_field *f)
{
	switch (f->type) {
	case CUSTOS_TYPE_INTEGER: return "custos_customer_set_int()";
	case CUSTOS_TYPE_MONEY: return "custos_customer_set_money()";
	case CUSTOS_TYPE_TIMESTAMP: return "custos_customer_set_timestamp()";
	case CUSTOS_TYPE_BOOLEAN: return "custos_customer_set_bool()";
	case CUSTOS_TYPE_TAGS: return "custos_customer_add_tag()";
	default: return "custos_customer_set_text()";
	}
}

static int phone_value(const cu_field *f, const char *region, const char *in, int rules, cu_bytes *out)
{
	char e164[CU_PHONE_MAX + 1], why[CU_PHONE_WHY_MAX];
	const char *why_v1;

	if (!cu_utf8_valid(in, strlen(in)))
		return cu_err(CUSTOS_EINVALID, "field '%s' is not valid UTF-8", f->name);
	if (rules == CU_RULES_V1 && cu_phone_normalize_v1(e164, in, region, &why_v1))
		return cu_err(CUSTOS_EINVALID, "field '%s' %s", f->name, why_v1);
	if (rules != CU_RULES_V1 && cu_phone_normalize(e164, in, region, why))
		return cu_err(CUSTOS_EINVALID, "field '%s' %s", f->name, why);
	return cu_bytes_append(out, e164, strlen(e164));
}

int cu_value_from_text_rules(const cu_field *f, const char *region, const char *in, int rules, cu_bytes *out)
{
	switch (f->type) {
	case CUSTOS_TYPE_TEXT:
		return clean_text(f, in, f->id == CU_F_ADDRESS || f->id >= CU_FIRST_CUSTOM_ID, rules, out);
	case CUSTOS_TYPE_EMAIL:
		return email_value(f, in, rules, out);
	case CUSTOS_TYPE_PHONE:
		return phone_value(f, region, in, rules, out);
	case CUSTOS_TYPE_DATE:
		return date_value(f, in, out);
	case CUSTOS_TYPE_ENUM:
		return enum_value(f, in, out);
	case CUSTOS_TYPE_TAGS:
		return tag_value(f, in, rules, out);
	default:
		return number_from_text(f, in, out);
	}
}

int cu_value_from_text(const cu_field *f, const char *region, const char *in, cu_bytes *out)
{
	return cu_value_from_text_rules(f, region, in, CU_RULES_CURRENT, out);
}

int cu_value_from_int(const cu_field *f, int64_t v, cu_bytes *out)
{
	if (f->type != CUSTOS_TYPE_INTEGER)
		return wrong_type(f, setter_for(f));
	return cu_bytes_append_u64le(out, (uint64_t)v);
}

int cu_value_from_timestamp(const cu_field *f, int64_t secs, cu_bytes *out)
{
	if (f->type != CUSTOS_TYPE_TIMESTAMP)
		return wrong_type(f, setter_for(f));
	if ((secs < CU_TIMESTAMP_MIN || secs > CU_TIMESTAMP_MAX) && cu_field_encrypted(f))
		return cu_err(CUSTOS_EINVALID, "field '%s': the time is outside years 1 to 9999", f->name);
	if (secs < CU_TIMESTAMP_MIN || secs > CU_TIMESTAMP_MAX)
		return cu_err(CUSTOS_EINVALID, "field '%s': %lld is outside years 1 to 9999", f->name, (long long)secs);
	return cu_bytes_append_u64le(out, (uint64_t)secs);
}

int cu_value_from_bool(const cu_field *f, int v, cu_bytes *out)
{
	if (f->type != CUSTOS_TYPE_BOOLEAN)
		return wrong_type(f, setter_for(f));
	if (v != 0 && v != 1 && cu_field_encrypted(f))
		return cu_err(CUSTOS_EINVALID, "field '%s' is a boolean: pass 0 or 1", f->name);
	if (v != 0 && v != 1)
		return cu_err(CUSTOS_EINVALID, "field '%s' is a boolean: pass 0 or 1, not %d", f->name, v);
	return cu_bytes_append_u8(out, (unsigned)v);
}

int cu_value_from_money(const cu_field *f, int64_t minor, const char *currency, cu_bytes *out)
{
	int digits, rc;

	if (f->type != CUSTOS_TYPE_MONEY)
		return wrong_type(f, setter_for(f));
	if ((!currency || cu_currency_lookup(currency, &digits) != CUSTOS_OK) && cu_field_encrypted(f))
		return cu_err(CUSTOS_EINVALID, "field '%s': the currency is not an ISO 4217 code such as EUR", f->name);
	if (!currency || cu_currency_lookup(currency, &digits) != CUSTOS_OK)
		return cu_err(CUSTOS_EINVALID, "field '%s': '%.8s' is not an ISO 4217 currency code such as EUR",
			f->name, currency ? currency : "(null)");
	if ((rc = cu_bytes_append_u64le(out, (uint64_t)minor)))
		return rc;
	return cu_bytes_append(out, currency, 3);
}

/* ---- values stored under earlier rules ---- */

/* Is tag t (n bytes) one of the NUL-terminated tags in list? */
static int has_tag(const cu_bytes *list, const unsigned char *t, size_t n)
{
	for (size_t start = 0, i = 0; i < list->len; i++) {
		if (list->p[i])
			continue;
		if (i - start == n && memcmp(list->p + start, t, n) == 0)
			return 1;
		start = i + 1;
	}
	return 0;
}

/* The tags of a tags value, each under the current rules, without repeats. */
static int renormalize_tags(const cu_field *f, const unsigned char *v, size_t n, cu_bytes *out)
{
	cu_bytes one = CU_BYTES_INIT;
	size_t start = 0;
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < n && !rc; i++) {
		if (v[i])
			continue;
		cu_bytes_reset(&one);
		if (!(rc = tag_value(f, (const char *)v + start, CU_RULES_CURRENT, &one)) && !has_tag(out, one.p, one.len) &&
		    !(rc = cu_bytes_append(out, one.p, one.len)))
			rc = cu_bytes_append_u8(out, 0);
		start = i + 1;
	}
	cu_bytes_free(&one);
	return rc;
}

int cu_value_renormalize(const cu_field *f, const unsigned char *v, size_t n, cu_bytes *out)
{
	char stored[CU_PHONE_MAX + 1], e164[CU_PHONE_MAX + 1], why[CU_PHONE_WHY_MAX], *text;
	int rc;

	switch (f->type) {
	case CUSTOS_TYPE_TEXT:
	case CUSTOS_TYPE_EMAIL:
		if (!(text = cu_strndup((const char *)v, n)))
			return cu_err_oom();
		rc = cu_value_from_text(f, NULL, text, out);
		cu_free_secret(text, n + 1);
		return rc;
	case CUSTOS_TYPE_PHONE:
		if (n > CU_PHONE_MAX)
			return cu_err(CUSTOS_EINVALID, "field '%s' holds no phone number", f->name);
		memcpy(stored, v, n);
		stored[n] = '\0';
		if (cu_phone_renormalize(e164, stored, why))
			return cu_err(CUSTOS_EINVALID, "field '%s' %s", f->name, why);
		return cu_bytes_append(out, e164, strlen(e164));
	case CUSTOS_TYPE_TAGS:
		return renormalize_tags(f, v, n, out);
	default:
		return cu_bytes_append(out, v, n);
	}
}

/* ---- stored values ---- */

static int tags_well_formed(const unsigned char *p, size_t n)
{
	size_t count = 0, start = 0;

	if (n == 0 || p[n - 1] != '\0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			continue;
		if (i == start || i - start > CU_TAG_MAX_BYTES || !cu_utf8_valid((const char *)p + start, i - start))
			return 0;
		count++;
		start = i + 1;
	}
	return count <= CU_TAGS_MAX;
}

int cu_value_well_formed(const cu_field *f, const unsigned char *p, size_t n)
{
	int digits;
	char cur[4];

	switch (f->type) {
	case CUSTOS_TYPE_TEXT:
	case CUSTOS_TYPE_EMAIL:
	case CUSTOS_TYPE_PHONE:
		return n > 0 && n <= f->max_bytes && !memchr(p, 0, n) && cu_utf8_valid((const char *)p, n);
	case CUSTOS_TYPE_DATE:
		return cu_date_check((const char *)p, n);
	case CUSTOS_TYPE_ENUM:
		return n == 1 && p[0] < f->n_enum;
	case CUSTOS_TYPE_INTEGER:
		return n == 8;
	case CUSTOS_TYPE_TIMESTAMP:
		return n == 8 && (int64_t)cu_get_u64le(p) >= CU_TIMESTAMP_MIN && (int64_t)cu_get_u64le(p) <= CU_TIMESTAMP_MAX;
	case CUSTOS_TYPE_MONEY:
		if (n != 11)
			return 0;
		memcpy(cur, p + 8, 3);
		cur[3] = '\0';
		return cu_currency_lookup(cur, &digits) == CUSTOS_OK;
	case CUSTOS_TYPE_BOOLEAN:
		return n == 1 && p[0] <= 1;
	case CUSTOS_TYPE_TAGS:
		return tags_well_formed(p, n);
	}
	return 0;
}

/* The index form of a text under its field's norm. */
static int text_index_form(const cu_field *f, const unsigned char *p, size_t n, cu_bytes *out)
{
	unsigned flags = f->norm == CUSTOS_NORM_CASEFOLD ? CU_FOLD_CASE :
			 f->norm == CUSTOS_NORM_IDENTIFIER ? CU_FOLD_COMPAT | CU_FOLD_CASE | CU_FOLD_SEPARATORS : 0;
	char *folded;
	size_t len;
	int rc;

	if (!flags)
		return cu_bytes_append(out, p, n);
	if ((rc = cu_utf8_fold(&folded, &len, (const char *)p, n, flags)))
		return rc;
	rc = cu_bytes_append(out, folded, len);
	cu_free_secret(folded, len + 1);
	return rc;
}

int cu_value_index_form(const cu_field *f, const unsigned char *p, size_t n, cu_bytes *out)
{
	unsigned char be[8];
	char *low;
	size_t ln;
	int rc;

	switch (f->type) {
	case CUSTOS_TYPE_TEXT:
		return text_index_form(f, p, n, out);
	case CUSTOS_TYPE_EMAIL:
		if ((rc = lower_nfc(&low, &ln, (const char *)p, n)))
			return rc;
		rc = cu_bytes_append(out, low, ln);
		cu_free_secret(low, ln + 1);
		return rc;
	case CUSTOS_TYPE_INTEGER:
	case CUSTOS_TYPE_TIMESTAMP:
		cu_put_u64be(be, cu_get_u64le(p) ^ 0x8000000000000000ULL);
		return cu_bytes_append(out, be, 8);
	case CUSTOS_TYPE_MONEY:
		cu_put_u64be(be, cu_get_u64le(p) ^ 0x8000000000000000ULL);
		if ((rc = cu_bytes_append(out, p + 8, 3)))
			return rc;
		return cu_bytes_append(out, be, 8);
	default:
		return cu_bytes_append(out, p, n);
	}
}
