/*
 * access/mask.c — masked forms of values, computed in the library so a host never holds
 * the clear value: c***@example.com, +852 ****5678, ****4567.
 */
#include <string.h>

#include "access/access.h"
#include "model/phone.h"
#include "util/error.h"
#include "util/utf8.h"

/* Bytes of the first code point, or of the last k code points, of a UTF-8 string. */
static size_t first_char(const unsigned char *v, size_t n)
{
	uint32_t cp;
	size_t k = cu_utf8_decode(v, n, &cp);
	return k ? k : (n ? 1 : 0);
}

static size_t last_chars(const unsigned char *v, size_t n, size_t k)
{
	size_t i = n;

	while (i > 0 && k > 0) {
		i--;
		if ((v[i] & 0xC0) != 0x80)
			k--;
	}
	return n - i;
}

static int mask_email(const unsigned char *v, size_t n, cu_bytes *out)
{
	const unsigned char *at = memchr(v, '@', n);
	int rc;

	if (!at)
		return cu_bytes_append(out, "***", 3);
	if ((rc = cu_bytes_append(out, v, first_char(v, (size_t)(at - v)))) || (rc = cu_bytes_append(out, "***", 3)))
		return rc;
	return cu_bytes_append(out, at, n - (size_t)(at - v));
}

static int mask_phone(const unsigned char *v, size_t n, cu_bytes *out)
{
	char e164[32];
	size_t cc;
	int rc;

	if (n >= sizeof e164)
		return cu_bytes_append(out, "****", 4);
	memcpy(e164, v, n);
	e164[n] = '\0';
	cc = cu_phone_cc_digits(e164);
	if ((rc = cu_bytes_append(out, v, 1 + cc)) || (rc = cu_bytes_append(out, " ****", 5)))
		return rc;
	return cu_bytes_append(out, v + n - (n >= 4 + 1 + cc ? 4 : 0), n >= 4 + 1 + cc ? 4 : 0);
}

/* Names: the first letter of each word ("Chan Tai Man" -> "C*** T*** M***"). */
static int mask_words(const unsigned char *v, size_t n, cu_bytes *out)
{
	int rc = CUSTOS_OK, in_word = 0;

	for (size_t i = 0; i < n && !rc;) {
		size_t k = first_char(v + i, n - i);
		if (v[i] == ' ') {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			if (out->len)
				rc = cu_bytes_append(out, " ", 1);
			if (!rc)
				rc = cu_bytes_append(out, v + i, k);
			if (!rc)
				rc = cu_bytes_append(out, "***", 3);
		}
		i += k;
	}
	return rc;
}

int cu_mask_value(const cu_field *f, const unsigned char *v, size_t n, cu_bytes *out)
{
	size_t k;
	int rc;

	switch (f->type) {
	case CUSTOS_TYPE_EMAIL:
		return mask_email(v, n, out);
	case CUSTOS_TYPE_PHONE:
		return mask_phone(v, n, out);
	case CUSTOS_TYPE_DATE:   /* keep the year */
		if ((rc = cu_bytes_append(out, v, 4)))
			return rc;
		return cu_bytes_append(out, "-**-**", 6);
	case CUSTOS_TYPE_TEXT:
		if (f->cls == CUSTOS_CLASS_NAME)
			return mask_words(v, n, out);
		if (f->cls == CUSTOS_CLASS_IDENTITY) {  /* ID numbers: the last four characters */
			k = last_chars(v, n, 4);
			if ((rc = cu_bytes_append(out, "****", 4)))
				return rc;
			return n > k ? cu_bytes_append(out, v + n - k, k) : CUSTOS_OK;
		}
		if ((rc = cu_bytes_append(out, v, first_char(v, n))))
			return rc;
		return cu_bytes_append(out, "***", 3);
	default:
		return cu_bytes_append(out, "***", 3);
	}
}
