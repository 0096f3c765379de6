/*
 * model/text_form.c — the text form of values that are not text, both ways: what
 * custos_customer_get_string() prints is exactly what custos_customer_set_string() and
 * custos_customer_find() read. Money is an amount in the currency's major units with its
 * decimals and the code ("1500.00 EUR", "-500 JPY"); a timestamp is ISO 8601 in UTC
 * ("2026-11-23T20:15:00Z"; an offset such as +08:00, or whole seconds since the epoch, are
 * read too); a boolean "true" or "false" (1 and 0 read too); an integer in decimal; tags a
 * comma-separated list.
 */
#include <stdio.h>
#include <string.h>

#include "model/currency.h"
#include "model/validate.h"
#include "util/error.h"

/* ---- calendar (proleptic Gregorian, years 1 to 9999) ---- */

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, unsigned m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : days[m - 1];
}

/* ---- printing ---- */

static int format_money(cu_bytes *b, const unsigned char *v)
{
	char cur[4] = { (char)v[8], (char)v[9], (char)v[10], 0 }, tmp[64];
	int64_t x = (int64_t)cu_get_u64le(v);
	uint64_t mag, scale = 1;
	int digits = 0;

	cu_currency_lookup(cur, &digits);
	for (int i = 0; i < digits; i++)
		scale *= 10;
	mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
	if (digits)
		snprintf(tmp, sizeof tmp, "%s%llu.%0*llu %s", x < 0 ? "-" : "", (unsigned long long)(mag / scale), digits,
			(unsigned long long)(mag % scale), cur);
	else
		snprintf(tmp, sizeof tmp, "%lld %s", (long long)x, cur);
	return cu_bytes_append(b, tmp, strlen(tmp));
}

static int format_time(cu_bytes *b, int64_t x)
{
	int64_t day = x >= 0 ? x / 86400 : -((-x + 86399) / 86400), sec = x - day * 86400, y;
	unsigned mo, d;
	char tmp[64];

	civil_from_days(day, &y, &mo, &d);
	snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, mo, d, (long long)(sec / 3600),
		(long long)(sec / 60 % 60), (long long)(sec % 60));
	return cu_bytes_append(b, tmp, strlen(tmp));
}

int cu_value_format(cu_bytes *b, const cu_field *f, const unsigned char *v, size_t n)
{
	char tmp[32];

	switch (f->type) {
	case CUSTOS_TYPE_ENUM:
		return cu_bytes_append(b, f->enum_values[v[0]], strlen(f->enum_values[v[0]]));
	case CUSTOS_TYPE_INTEGER:
		snprintf(tmp, sizeof tmp, "%lld", (long long)(int64_t)cu_get_u64le(v));
		return cu_bytes_append(b, tmp, strlen(tmp));
	case CUSTOS_TYPE_BOOLEAN:
		return v[0] ? cu_bytes_append(b, "true", 4) : cu_bytes_append(b, "false", 5);
	case CUSTOS_TYPE_MONEY:
		return format_money(b, v);
	case CUSTOS_TYPE_TIMESTAMP:
		return format_time(b, (int64_t)cu_get_u64le(v));
	case CUSTOS_TYPE_TAGS:  /* each tag ends with a NUL: they print with commas between */
		for (size_t i = 0; i + 1 < n; i++) {
			int rc = cu_bytes_append_u8(b, v[i] ? v[i] : ',');
			if (rc)
				return rc;
		}
		return CUSTOS_OK;
	default:
		return cu_bytes_append(b, v, n);
	}
}

/* ---- reading ---- */

long cu_tag_find(const unsigned char *v, size_t n, const unsigned char *tag, size_t tn, size_t *count)
{
	size_t start = 0;
	long found = -1;

	*count = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i])
			continue;
		if (i - start == tn && memcmp(v + start, tag, tn) == 0)
			found = (long)start;
		(*count)++;
		start = i + 1;
	}
	return found;
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits from *s into *v; 1 on success. */
static int digits_at(const char **s, int n, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (!digit(**s))
			return 0;
		*v = *v * 10 + (unsigned)(**s - '0');
	}
	return 1;
}

int cu_money_from_text(const cu_field *f, const char *in, cu_bytes *out)
{
	const char *p = in, *sp = strrchr(in, ' ');
	uint64_t whole = 0, frac = 0, scale = 1, minor;
	int digits = 0, neg = 0, fdigits = 0;
	char cur[4] = { 0 };

	if (!sp || strlen(sp + 1) != 3)
		return cu_err(CUSTOS_EINVALID, "field '%s' is money: write an amount and an ISO 4217 currency code, such "
			"as \"1500.00 EUR\" or \"-500 JPY\"", f->name);
	memcpy(cur, sp + 1, 3);
	if (cu_currency_lookup(cur, &digits) != CUSTOS_OK)
		return cu_value_from_money(f, 0, cur, out);  /* its message, which knows what it may echo */
	if (*p == '-')
		neg = 1, p++;
	if (!digit(*p))
		goto bad;
	for (; digit(*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			goto big;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; digit(*p); p++, fdigits++) {
			if (fdigits == digits)
				return cu_err(CUSTOS_EINVALID, "field '%s': %s has %d decimal places", f->name, cur, digits);
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (fdigits == 0)
			goto bad;
	}
	if (p != sp)
		goto bad;
	for (int i = 0; i < digits; i++)
		scale *= 10;
	for (int i = fdigits; i < digits; i++)
		frac *= 10;
	if (whole > (UINT64_MAX - frac) / scale)
		goto big;
	minor = whole * scale + frac;
	if (minor > (uint64_t)INT64_MAX + (uint64_t)neg)
		goto big;
	return cu_value_from_money(f, neg ? (int64_t)(0 - minor) : (int64_t)minor, cur, out);
bad:
	return cu_err(CUSTOS_EINVALID, "field '%s': the amount is not a number such as 1500.00", f->name);
big:
	return cu_err(CUSTOS_EINVALID, "field '%s': the amount is too large", f->name);
}

/* YYYY-MM-DDTHH:MM:SS, then Z or +HH:MM / -HH:MM. */
static int parse_iso(const char *s, int64_t *secs)
{
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	int sign = 0;

	if (!digits_at(&s, 4, &y) || *s++ != '-' || !digits_at(&s, 2, &mo) || *s++ != '-' || !digits_at(&s, 2, &d) ||
	    (*s != 'T' && *s != ' ') || !(s++, digits_at(&s, 2, &h)) || *s++ != ':' || !digits_at(&s, 2, &mi) ||
	    *s++ != ':' || !digits_at(&s, 2, &sec))
		return 0;
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (!digits_at(&s, 2, &oh) || *s++ != ':' || !digits_at(&s, 2, &om) || oh > 23 || om > 59)
			return 0;
	} else {
		return 0;
	}
	if (*s || y < 1 || mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return 0;
	*secs = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + sec - sign * (int64_t)(oh * 3600 + om * 60);
	return 1;
}

int cu_timestamp_from_text(const cu_field *f, const char *in, cu_bytes *out)
{
	int64_t secs;

	if (parse_iso(in, &secs) || cu_parse_i64(in, &secs))
		return cu_value_from_timestamp(f, secs, out);
	return cu_err(CUSTOS_EINVALID, "field '%s' is a timestamp: write it as 2026-11-23T20:15:00Z (or with an "
		"offset such as +08:00)", f->name);
}

int cu_tags_from_text(const cu_field *f, const char *in, cu_bytes *out)
{
	const char *p = in;
	char one[4 * CU_TAG_MAX_BYTES + 80];
	size_t count;
	int rc;

	cu_bytes_reset(out);
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p), before = out->len;
		cu_bytes tag = CU_BYTES_SECRET_INIT;
		if (n >= sizeof one)
			n = sizeof one - 1;  /* too long anyway: the tag's own check says so */
		memcpy(one, p, n);
		one[n] = '\0';
		rc = cu_value_from_text(f, NULL, one, &tag);
		if (!rc && cu_tag_find(out->p, out->len, tag.p, tag.len, &count) < 0) {
			if (count >= CU_TAGS_MAX)
				rc = cu_err(CUSTOS_EFULL, "field '%s' can hold %d tags", f->name, CU_TAGS_MAX);
			else if (!(rc = cu_bytes_append(out, tag.p, tag.len)))
				rc = cu_bytes_append_u8(out, 0);
		}
		cu_bytes_free(&tag);
		if (rc) {
			out->len = before;
			return rc;
		}
		if (!end)
			return CUSTOS_OK;
		p = end + 1;
	}
}
