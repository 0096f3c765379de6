/*
 * access/mask.c — masked forms of values, computed in the library so a host never holds
 * the clear value: c***@example.com, +852 ****5678, ****4567, C*** T*** M***, 陳**. What
 * each kind of field may show is the table in docs/permissions.md; anything it does not
 * name shows nothing ("***").
 */
#include <string.h>

#include "access/access.h"
#include "model/phone.h"
#include "util/error.h"
#include "util/unicode.h"
#include "util/utf8.h"

/* Chinese surnames of two characters, traditional and simplified: shown whole. */
static const char *const compound_surnames[] = {
	"歐陽", "欧阳", "司徒", "上官", "諸葛", "诸葛", "司馬", "司马", "東方", "东方", "皇甫", "尉遲", "尉迟",
	"公孫", "公孙", "慕容", "長孫", "长孙", "夏侯", "軒轅", "轩辕", "令狐", "鍾離", "钟离", "宇文",
};

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

/* Names in Latin and other alphabets: the first letter of each word ("Chan Tai Man" ->
 * "C*** T*** M***"); any Unicode space, U+3000 included, ends a word. */
static int mask_words(const unsigned char *v, size_t n, cu_bytes *out)
{
	int rc = CUSTOS_OK, in_word = 0;

	for (size_t i = 0; i < n && !rc;) {
		size_t k = first_char(v + i, n - i);
		uint32_t cp = 0;
		if (cu_utf8_decode(v + i, n - i, &cp) && cu_unicode_is_space(cp)) {
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

/* Does a name start with a Han ideograph or a Hangul syllable (a Chinese, Japanese or
 * Korean name)? */
static int cjk_name(const unsigned char *v, size_t n)
{
	uint32_t cp;

	if (!cu_utf8_decode(v, n, &cp))
		return 0;
	return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xAC00 && cp <= 0xD7A3);
}

/* A CJK name: the family name, and nothing of the given name, whatever its length or the
 * spaces in it ("陳大文" and "陳 大文" -> "陳**", "歐陽大文" -> "歐陽**"). */
static int mask_cjk_name(const unsigned char *v, size_t n, cu_bytes *out)
{
	size_t k = first_char(v, n);
	int rc;

	for (size_t i = 0; i < sizeof compound_surnames / sizeof compound_surnames[0]; i++) {
		size_t len = strlen(compound_surnames[i]);
		if (n >= len && memcmp(v, compound_surnames[i], len) == 0) {
			k = len;
			break;
		}
	}
	if ((rc = cu_bytes_append(out, v, k)))
		return rc;
	return cu_bytes_append(out, "**", 2);
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
		if (f->id == CU_F_NAME)
			return cjk_name(v, n) ? mask_cjk_name(v, n, out) : mask_words(v, n, out);
		if (f->cls == CUSTOS_CLASS_IDENTITY) {  /* ID numbers: the last four characters */
			k = last_chars(v, n, 4);
			if ((rc = cu_bytes_append(out, "****", 4)))
				return rc;
			return n > k ? cu_bytes_append(out, v + n - k, k) : CUSTOS_OK;
		}
		return cu_bytes_append(out, "***", 3);   /* company, address, custom text: nothing */
	default:
		return cu_bytes_append(out, "***", 3);
	}
}
