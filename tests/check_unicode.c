/*
 * tests/check_unicode.c — NFC normalisation and lowercasing, against vectors generated from
 * the Unicode Character Database (tests/data/nfc_vectors.txt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "util/alloc.h"
#include "util/unicode.h"
#include "util/utf8.h"

static char *nfc(const char *in)
{
	char *out = NULL;
	size_t n;

	ck_assert_msg(cu_utf8_nfc(&out, &n, in, strlen(in)) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_eq(strlen(out), n);
	return out;
}

static char *low(const char *in)
{
	char *out = NULL;
	size_t n;

	ck_assert_int_eq(cu_utf8_lower(&out, &n, in, strlen(in)), CUSTOS_OK);
	return out;
}

#define EXPECT_NFC(in, want) do { char *o_ = nfc(in); ck_assert_str_eq(o_, want); cu_free(o_); } while (0)
#define EXPECT_LOWER(in, want) do { char *o_ = low(in); ck_assert_str_eq(o_, want); cu_free(o_); } while (0)

START_TEST(ascii_passes_through)
{
	EXPECT_NFC("alice@example.com", "alice@example.com");
	EXPECT_NFC("", "");
}
END_TEST

START_TEST(combining_marks_compose)
{
	EXPECT_NFC("e\xCC\x81", "\xC3\xA9");                      /* e + acute -> é */
	EXPECT_NFC("\xC3\xA9", "\xC3\xA9");                       /* already composed */
	EXPECT_NFC("A\xCC\x8A\xCC\x81", "\xC7\xBA");              /* A + ring + acute -> Ǻ */
}
END_TEST

START_TEST(marks_are_put_in_canonical_order)
{
	/* a + dot below (220) + dot above (230), in either order: ạ̇ */
	EXPECT_NFC("a\xCC\xA3\xCC\x87", "\xE1\xBA\xA1\xCC\x87");
	EXPECT_NFC("a\xCC\x87\xCC\xA3", "\xE1\xBA\xA1\xCC\x87");
}
END_TEST

START_TEST(hangul_jamo_compose_into_syllables)
{
	EXPECT_NFC("\xE1\x84\x80\xE1\x85\xA1", "\xEA\xB0\x80");               /* ᄀ + ᅡ -> 가 */
	EXPECT_NFC("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", "\xEA\xB0\x81");   /* + ᆨ -> 각 */
	EXPECT_NFC("\xEA\xB0\x80\xE1\x86\xA8", "\xEA\xB0\x81");               /* 가 + ᆨ -> 각 */
	EXPECT_NFC("\xEA\xB0\x81", "\xEA\xB0\x81");
}
END_TEST

START_TEST(singletons_and_exclusions_stay_decomposed)
{
	EXPECT_NFC("\xE2\x84\xAB", "\xC3\x85");                   /* ANGSTROM SIGN -> Å */
	EXPECT_NFC("\xE0\xA5\x98", "\xE0\xA4\x95\xE0\xA4\xBC");   /* U+0958 stays U+0915 U+093C */
}
END_TEST

START_TEST(lowercase_maps_beyond_ascii)
{
	EXPECT_LOWER("\xC3\x80\xC3\x89\xC3\x8E", "\xC3\xA0\xC3\xA9\xC3\xAE");  /* ÀÉÎ */
	EXPECT_LOWER("\xCE\x91\xCE\x92\xCE\x93", "\xCE\xB1\xCE\xB2\xCE\xB3");  /* ΑΒΓ */
	EXPECT_LOWER("\xD0\x9C\xD0\x98\xD0\xA0", "\xD0\xBC\xD0\xB8\xD1\x80");  /* МИР */
	EXPECT_LOWER("\xC4\xB0", "i");                                          /* İ */
	EXPECT_LOWER("Example.COM", "example.com");
	EXPECT_LOWER("\xE4\xBE\x8B\xE5\xAD\x90", "\xE4\xBE\x8B\xE5\xAD\x90");  /* no case */
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
	static const char *const bad[] = { "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF5\x80\x80\x80", "a\xFF" };
	char *out = NULL;
	size_t n;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(cu_utf8_nfc(&out, &n, bad[i], strlen(bad[i])), CUSTOS_EINVALID);
		ck_assert_str_eq(custos_error_last(), "text is not valid UTF-8");
		ck_assert_int_eq(cu_utf8_lower(&out, &n, bad[i], strlen(bad[i])), CUSTOS_EINVALID);
	}
}
END_TEST

START_TEST(allocation_failures_are_clean)
{
	const char *in = "Ren\xC3\xA9" "e\xCC\x81";
	char *out = NULL;
	size_t n;
	int rc;

	for (long fail = 1;; fail++) {
		cu_alloc_fail_after(fail, 0);
		rc = cu_utf8_nfc(&out, &n, in, strlen(in));
		cu_alloc_fail_after(0, 0);
		if (rc == CUSTOS_OK)
			break;
		ck_assert_int_eq(rc, CUSTOS_ENOMEM);
	}
	ck_assert_str_eq(out, "Ren\xC3\xA9\xC3\xA9");
	cu_free(out);
}
END_TEST

static size_t parse_hex_list(const char *s, char *out)
{
	size_t len = 0;
	char *end;

	while (*s && *s != ';' && *s != '\n') {
		unsigned long cp = strtoul(s, &end, 16);
		len += cu_utf8_encode((uint32_t)cp, (unsigned char *)out + len);
		s = end;
		while (*s == ' ')
			s++;
	}
	out[len] = '\0';
	return len;
}

START_TEST(every_vector_from_the_unicode_database)
{
	const char *dir = getenv("CUSTOS_TEST_DATA");
	char path[512], line[1024], in[256], want[256];
	FILE *f;
	long n = 0, bad = 0;

	snprintf(path, sizeof path, "%s/nfc_vectors.txt", dir && *dir ? dir : "tests/data");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof line, f)) {
		char *semi = strchr(line, ';'), *out;
		size_t len, olen;
		if (line[0] == '#' || !semi)
			continue;
		len = parse_hex_list(line, in);
		parse_hex_list(semi + 1, want);
		if (cu_utf8_nfc(&out, &olen, in, len) != CUSTOS_OK || strcmp(out, want) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "NFC mismatch for %s", line);
		}
		if (out)
			cu_free(out);
		out = NULL;
		n++;
	}
	fclose(f);
	ck_assert_int_gt(n, 5000);
	ck_assert_int_eq(bad, 0);
}
END_TEST

static Suite *unicode_suite(void)
{
	Suite *s = suite_create("unicode");
	TCase *tc = tcase_create("nfc");

	tcase_add_test(tc, ascii_passes_through);
	tcase_add_test(tc, combining_marks_compose);
	tcase_add_test(tc, marks_are_put_in_canonical_order);
	tcase_add_test(tc, hangul_jamo_compose_into_syllables);
	tcase_add_test(tc, singletons_and_exclusions_stay_decomposed);
	tcase_add_test(tc, invalid_utf8_is_refused);
	tcase_add_test(tc, allocation_failures_are_clean);
	tcase_add_test(tc, every_vector_from_the_unicode_database);
	suite_add_tcase(s, tc);
	tc = tcase_create("lower");
	tcase_add_test(tc, lowercase_maps_beyond_ascii);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(unicode_suite());
}
