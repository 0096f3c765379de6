/*
 * tests/check_unicode.c — NFC and NFKC normalisation, case folding, identifiers, trimming, the
 * NFC check and lowercasing of UTF-8, with exhaustive runs over vectors generated from Python's
 * unicodedata (tests/data/nfc_vectors.txt and fold_vectors.txt, found in $CUSTOS_TEST_DATA,
 * else tests/data). Self-contained: needs only the util sources.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custos/errors.h"
#include "util/alloc.h"
#include "util/unicode.h"
#include "util/utf8.h"

typedef int (*transform_fn)(char **out, size_t *out_len, const char *in, size_t len);

/* Run f on in (n bytes) and assert that it succeeds with exactly want. */
static void expect_n(transform_fn f, const char *in, size_t n, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	int rc = f(&out, &len, in, n);

	ck_assert_msg(rc == CUSTOS_OK, "rc %d: %s", rc, custos_error_last());
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_mem_eq(out, want, len + 1);
	cu_free_secret(out, len + 1);
}

#define EXPECT_NFC(in, want) expect_n(cu_utf8_nfc, (in), strlen(in), (want))
#define EXPECT_LOWER(in, want) expect_n(cu_utf8_lower, (in), strlen(in), (want))
#define IS_NFC(in) cu_utf8_is_nfc((in), strlen(in))

/* UTF-8 of a list of code points ending with 0; out needs 4 bytes per code point + 1. */
static size_t utf8_of(const uint32_t *cps, char *out)
{
	size_t len = 0;

	for (; *cps; cps++)
		len += cu_utf8_encode(*cps, (unsigned char *)out + len);
	out[len] = '\0';
	return len;
}

START_TEST(ascii_passes_through_unchanged)
{
	EXPECT_NFC("alice@example.com", "alice@example.com");
	EXPECT_NFC("A-Z a~z 0-9 !#$%&'*+/=?^_`{|}~", "A-Z a~z 0-9 !#$%&'*+/=?^_`{|}~");
	ck_assert_int_eq(IS_NFC("alice@example.com"), 1);
}
END_TEST

START_TEST(empty_string_gives_empty_output)
{
	EXPECT_NFC("", "");
	EXPECT_LOWER("", "");
	ck_assert_int_eq(cu_utf8_is_nfc("", 0), 1);
}
END_TEST

START_TEST(e_with_combining_acute_composes)
{
	EXPECT_NFC("e\xCC\x81", "\xC3\xA9");                          /* e U+0301 -> U+00E9 */
	EXPECT_NFC("A\xCC\x8A\xCC\x81", "\xC7\xBA");                  /* A U+030A U+0301 -> U+01FA */
	EXPECT_NFC("Rene\xCC\x81" "e", "Ren\xC3\xA9" "e");
	ck_assert_int_eq(IS_NFC("e\xCC\x81"), 0);
}
END_TEST

START_TEST(composed_text_stays_unchanged)
{
	static const char *const same[] = {
		"\xC3\xA9", "\xC7\xBA", "Stra\xC3\x9F" "e", "\xE6\x97\xA5\xE6\x9C\xAC",
		"\xC3\xA9\xCC\x81",            /* U+00E9 U+0301: the second acute is blocked */
		"\xE0\xA4\x95\xE0\xA4\xBC",    /* U+0915 U+093C, see composition exclusions */
	};

	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		EXPECT_NFC(same[i], same[i]);
		ck_assert_int_eq(IS_NFC(same[i]), 1);
	}
}
END_TEST

START_TEST(hangul_lvt_composes_to_one_syllable)
{
	EXPECT_NFC("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", "\xEA\xB0\x81");   /* L V T -> U+AC01 */
	EXPECT_NFC("\xE1\x84\x80\xE1\x85\xA1", "\xEA\xB0\x80");               /* L V -> U+AC00 */
	EXPECT_NFC("\xEA\xB0\x80\xE1\x86\xA8", "\xEA\xB0\x81");               /* LV T -> U+AC01 */
	EXPECT_NFC("\xEA\xB0\x81\xE1\x86\xA8", "\xEA\xB0\x81\xE1\x86\xA8");   /* LVT T: no more */
	ck_assert_int_eq(IS_NFC("\xEA\xB0\x80\xE1\x86\xA8"), 0);
}
END_TEST

START_TEST(every_hangul_syllable_round_trips_through_its_jamo)
{
	for (uint32_t s = 0; s < 11172; s++) {
		uint32_t syl[2] = { 0xAC00 + s, 0 };
		uint32_t jamo[4] = { 0x1100 + s / 588, 0x1161 + (s % 588) / 28, s % 28 ? 0x11A7 + s % 28 : 0, 0 };
		char a[8], b[16];
		size_t an = utf8_of(syl, a), bn = utf8_of(jamo, b);

		expect_n(cu_utf8_nfc, b, bn, a);
		expect_n(cu_utf8_nfc, a, an, a);
		ck_assert_int_eq(cu_utf8_is_nfc(a, an), 1);
		ck_assert_int_eq(cu_utf8_is_nfc(b, bn), 0);
	}
}
END_TEST

START_TEST(combining_marks_are_put_in_canonical_order)
{
	/* a, dot below (class 220), dot above (230) in either order -> U+1EA1 U+0307 */
	EXPECT_NFC("a\xCC\xA3\xCC\x87", "\xE1\xBA\xA1\xCC\x87");
	EXPECT_NFC("a\xCC\x87\xCC\xA3", "\xE1\xBA\xA1\xCC\x87");
	ck_assert_int_eq(IS_NFC("a\xCC\x87\xCC\xA3"), 0);
	ck_assert_int_eq(IS_NFC("\xE1\xBA\xA1\xCC\x87"), 1);
	/* U+00E0 then a dot below: decomposed, reordered, and the dot below composes first */
	EXPECT_NFC("\xC3\xA0\xCC\xA3", "\xE1\xBA\xA1\xCC\x80");
	ck_assert_int_eq(IS_NFC("\xC3\xA0\xCC\xA3"), 0);
}
END_TEST

START_TEST(marks_of_equal_class_keep_their_order)
{
	EXPECT_NFC("a\xCC\x81\xCC\x80", "\xC3\xA1\xCC\x80");   /* acute, grave (both 230) */
	EXPECT_NFC("a\xCC\x80\xCC\x81", "\xC3\xA0\xCC\x81");   /* grave, acute */
}
END_TEST

START_TEST(singletons_are_replaced)
{
	EXPECT_NFC("\xE2\x84\xAB", "\xC3\x85");                   /* ANGSTROM SIGN -> U+00C5 */
	EXPECT_NFC("\xE2\x84\xA6", "\xCE\xA9");                   /* OHM SIGN -> U+03A9 */
	ck_assert_int_eq(IS_NFC("\xE2\x84\xAB"), 0);
}
END_TEST

START_TEST(composition_exclusions_stay_decomposed)
{
	EXPECT_NFC("\xE0\xA5\x98", "\xE0\xA4\x95\xE0\xA4\xBC");   /* U+0958 -> U+0915 U+093C */
	EXPECT_NFC("\xE0\xA4\x95\xE0\xA4\xBC", "\xE0\xA4\x95\xE0\xA4\xBC");
	EXPECT_NFC("\xCD\x84", "\xCC\x88\xCC\x81");               /* U+0344: non-starter decomposition */
	ck_assert_int_eq(IS_NFC("\xE0\xA5\x98"), 0);
}
END_TEST

START_TEST(lowercase_maps_latin_greek_and_cyrillic)
{
	EXPECT_LOWER("\xC3\x80\xC3\x89\xC3\x8E", "\xC3\xA0\xC3\xA9\xC3\xAE");                 /* ÀÉÎ */
	EXPECT_LOWER("\xCE\x91\xCE\x92\xCE\x93\xCE\xA3", "\xCE\xB1\xCE\xB2\xCE\xB3\xCF\x83"); /* ΑΒΓΣ */
	EXPECT_LOWER("\xD0\x9C\xD0\x98\xD0\xA0", "\xD0\xBC\xD0\xB8\xD1\x80");                 /* МИР */
	EXPECT_LOWER("\xC4\x80\xC4\x82\xC4\x84", "\xC4\x81\xC4\x83\xC4\x85");                 /* ĀĂĄ */
	EXPECT_LOWER("Example.COM", "example.com");
	EXPECT_LOWER("\xE4\xBE\x8B\xE5\xAD\x90 b\xC3\xA9", "\xE4\xBE\x8B\xE5\xAD\x90 b\xC3\xA9");
}
END_TEST

START_TEST(lowercase_of_dotted_capital_i_is_plain_i)
{
	EXPECT_LOWER("\xC4\xB0", "i");
	EXPECT_LOWER("\xC4\xB0stanbul", "istanbul");
}
END_TEST

START_TEST(lowercase_may_change_the_length)
{
	EXPECT_LOWER("\xC8\xBA", "\xE2\xB1\xA5");      /* U+023A (2 bytes) -> U+2C65 (3 bytes) */
	EXPECT_LOWER("\xE2\x84\xA6", "\xCF\x89");      /* OHM SIGN (3 bytes) -> U+03C9 (2 bytes) */
	EXPECT_LOWER("\xE2\x84\xAA", "k");             /* KELVIN SIGN -> k */
}
END_TEST

START_TEST(lowercase_text_stays_unchanged)
{
	/* āăą (between the capitals of a stride-2 range), ωσ, мир, ß */
	static const char low[] = "\xC4\x81\xC4\x83\xC4\x85 \xCF\x89\xCF\x83 \xD0\xBC\xD0\xB8\xD1\x80 \xC3\x9F";

	EXPECT_LOWER(low, low);
}
END_TEST

/* Lowercase in (n bytes) into buf (room for n + 2 bytes); 0 on any failure. Check's
 * assertions are too slow for a loop over every code point, so this one does not assert. */
static size_t lower_into(const char *in, size_t n, char *buf)
{
	char *out = NULL;
	size_t len = 0;

	if (cu_utf8_lower(&out, &len, in, n) != CUSTOS_OK || len > n + 1)
		return 0;
	memcpy(buf, out, len + 1);
	cu_free_secret(out, len + 1);
	return len;
}

START_TEST(lowercasing_twice_changes_nothing)
{
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
		uint32_t one[2] = { cp, 0 };
		char in[8], once[8], twice[8];
		size_t n, on;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = utf8_of(one, in);
		on = lower_into(in, n, once);
		if (!on || lower_into(once, on, twice) != on || memcmp(once, twice, on) != 0)
			ck_abort_msg("lowercasing U+%04X twice differs from once", (unsigned)cp);
	}
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
	static const char *const bad[] = {
		"\xC0\xAF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",   /* overlong */
		"\xED\xA0\x80", "\xED\xBF\xBF",                    /* surrogates */
		"\xE2\x82", "\xC3", "a\xF0\x9F\x98",               /* truncated */
		"\xF5\x80\x80\x80", "\x80", "a\xFF", "\xC3\xA9\xC3",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		transform_fn fns[2] = { cu_utf8_nfc, cu_utf8_lower };
		for (int f = 0; f < 2; f++) {
			char *out = NULL;
			size_t n = 7;
			custos_error_clear();
			ck_assert_int_eq(fns[f](&out, &n, bad[i], strlen(bad[i])), CUSTOS_EINVALID);
			ck_assert_int_eq(custos_error_last_code(), CUSTOS_EINVALID);
			ck_assert_str_ne(custos_error_last(), "no error");
			ck_assert_uint_gt(strlen(custos_error_last()), 0);
			ck_assert_ptr_null(out);
			ck_assert_uint_eq(n, 7);
		}
		ck_assert_int_eq(IS_NFC(bad[i]), -1);
	}
}
END_TEST

/* For n = 1, 2, ... fail the nth allocation until f succeeds; each failure is ENOMEM. */
static void fail_each_allocation(transform_fn f, const char *in, size_t n, const char *want)
{
	long fail;

	for (fail = 1;; fail++) {
		char *out = NULL;
		size_t len = 0;
		int rc;
		cu_alloc_fail_after(fail, 0);
		rc = f(&out, &len, in, n);
		cu_alloc_fail_after(0, 0);
		if (rc == CUSTOS_OK) {
			ck_assert_str_eq(out, want);
			cu_free_secret(out, len + 1);
			break;
		}
		ck_assert_int_eq(rc, CUSTOS_ENOMEM);
		ck_assert_int_eq(custos_error_last_code(), CUSTOS_ENOMEM);
		ck_assert_ptr_null(out);
	}
	ck_assert_int_gt(fail, 1);
}

/* "e" U+0301 (or U+00E9 U+0301 when composed) `times` times, into buf. */
static void repeat(char *buf, const char *unit, int times)
{
	buf[0] = '\0';
	for (int i = 0; i < times; i++)
		strcat(buf, unit);
}

START_TEST(allocation_failures_return_enomem)
{
	static char longin[4 * 300 + 1], longwant[4 * 300 + 1];

	fail_each_allocation(cu_utf8_nfc, "alice@example.com", 17, "alice@example.com");
	fail_each_allocation(cu_utf8_nfc, "Ren\xC3\xA9" "e", 6, "Ren\xC3\xA9" "e");
	fail_each_allocation(cu_utf8_nfc, "Rene\xCC\x81" "e", 7, "Ren\xC3\xA9" "e");
	repeat(longin, "e\xCC\x81", 300);        /* 600 code points: the heap path */
	repeat(longwant, "\xC3\xA9", 300);
	fail_each_allocation(cu_utf8_nfc, longin, strlen(longin), longwant);
	fail_each_allocation(cu_utf8_lower, "ALICE@EXAMPLE.COM", 17, "alice@example.com");
	fail_each_allocation(cu_utf8_lower, "REN\xC3\x89" "E", 6, "ren\xC3\xA9" "e");
}
END_TEST

START_TEST(nfc_check_of_long_text_reports_enomem_as_not_nfc)
{
	static char in[4 * 300 + 1];

	repeat(in, "\xC3\xA9\xCC\x81", 200);     /* NFC, but the quick check says maybe */
	ck_assert_int_eq(cu_utf8_is_nfc(in, strlen(in)), 1);
	cu_alloc_fail_after(1, 0);
	ck_assert_int_eq(cu_utf8_is_nfc(in, strlen(in)), 0);
	cu_alloc_fail_after(0, 0);
	ck_assert_int_eq(custos_error_last_code(), CUSTOS_ENOMEM);
	repeat(in, "e\xCC\x81", 200);
	ck_assert_int_eq(cu_utf8_is_nfc(in, strlen(in)), 0);
}
END_TEST

/* Parse "0041 0301" (up to ';' or the end of the line) into UTF-8; returns its length. */
static size_t parse_hex_list(const char *s, char *out, size_t room)
{
	size_t len = 0;
	char *end;

	while (*s == ' ')
		s++;
	while (*s && *s != ';' && *s != '\n') {
		unsigned long cp = strtoul(s, &end, 16);
		ck_assert_msg(end != s && len + 5 <= room, "bad vector near \"%s\"", s);
		len += cu_utf8_encode((uint32_t)cp, (unsigned char *)out + len);
		for (s = end; *s == ' ' || *s == '\r'; s++)
			;
	}
	out[len] = '\0';
	return len;
}

/* Check one vector: NFC(in) == want, the NFC check agrees, and NFC is idempotent. */
static void check_vector(const char *line)
{
	char in[256], want[256];
	size_t n = parse_hex_list(line, in, sizeof in);
	size_t wn = parse_hex_list(strchr(line, ';') + 1, want, sizeof want);

	expect_n(cu_utf8_nfc, in, n, want);
	expect_n(cu_utf8_nfc, want, wn, want);
	ck_assert_msg(cu_utf8_is_nfc(in, n) == (n == wn && memcmp(in, want, n) == 0), "is_nfc: %s", line);
	ck_assert_msg(cu_utf8_is_nfc(want, wn) == 1, "is_nfc of the result: %s", line);
}

/* Run check on every vector line of tests/data/<name>; returns how many there were. */
static long each_vector(const char *name, void (*check)(const char *line))
{
	const char *dir = getenv("CUSTOS_TEST_DATA");
	char path[1024], line[1024];
	long count = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/data", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set CUSTOS_TEST_DATA)", path);
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || !strchr(line, ';'))
			continue;
		check(line);
		count++;
	}
	fclose(f);
	return count;
}

START_TEST(every_vector_from_the_unicode_database)
{
	ck_assert_int_gt(each_vector("nfc_vectors.txt", check_vector), 5000);
}
END_TEST

/* ---- NFKC, case folding, identifiers, trimming ---- */

static int nfkc(char **out, size_t *out_len, const char *in, size_t len)
{
	return cu_utf8_fold(out, out_len, in, len, CU_FOLD_COMPAT);
}

static int casefold(char **out, size_t *out_len, const char *in, size_t len)
{
	return cu_utf8_fold(out, out_len, in, len, CU_FOLD_CASE);
}

static int identifier(char **out, size_t *out_len, const char *in, size_t len)
{
	return cu_utf8_fold(out, out_len, in, len, CU_FOLD_COMPAT | CU_FOLD_CASE | CU_FOLD_SEPARATORS);
}

#define EXPECT_NFKC(in, want) expect_n(nfkc, (in), strlen(in), (want))
#define EXPECT_CASEFOLD(in, want) expect_n(casefold, (in), strlen(in), (want))
#define EXPECT_IDENTIFIER(in, want) expect_n(identifier, (in), strlen(in), (want))

START_TEST(nfkc_maps_full_width_forms_to_ascii)
{
	EXPECT_NFKC("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\x98",
		"12345678");                                                      /* １２３４５６７８ */
	EXPECT_NFKC("\xEF\xBC\xA5\xEF\xBC\xB8\xEF\xBC\xA1\xEF\xBC\xAD\xEF\xBC\xB0\xEF\xBC\xAC\xEF\xBC\xA5",
		"EXAMPLE");                                                       /* ＥＸＡＭＰＬＥ */
	EXPECT_NFKC("a\xEF\xBC\xA0" "b", "a@b");                          /* ＠ */
	EXPECT_NFKC("\xE3\x80\x80", " ");                                 /* U+3000 */
	EXPECT_NFKC("\xEF\xAC\x81", "fi");                                /* U+FB01 ligature */
	EXPECT_NFKC("\xE2\x91\xA0", "1");                                 /* ① */
	EXPECT_NFKC("\xEF\xBD\xB6\xEF\xBE\x9E", "\xE3\x82\xAC");          /* half-width ｶﾞ -> ガ */
	EXPECT_NFKC("\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87", "\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87");  /* 陳大文 */
	EXPECT_NFKC("Rene\xCC\x81", "Ren\xC3\xA9");
}
END_TEST

START_TEST(case_folding_is_full_and_canonical)
{
	EXPECT_CASEFOLD("Stra\xC3\x9F" "e", "strasse");                   /* ß -> ss */
	EXPECT_CASEFOLD("STRASSE", "strasse");
	EXPECT_CASEFOLD("\xCE\xA3\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x82",
		"\xCF\x83\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x83");    /* Σίσυφος: final sigma too */
	EXPECT_CASEFOLD("\xC3\x85", "\xC3\xA5");                          /* Å */
	EXPECT_CASEFOLD("A\xCC\x8A", "\xC3\xA5");                         /* A + ring composes */
	EXPECT_CASEFOLD("\xEF\xBC\xA1", "\xEF\xBD\x81");                  /* Ａ -> ａ: no NFKC here */
}
END_TEST

START_TEST(identifiers_drop_separators_and_width_and_case)
{
	EXPECT_IDENTIFIER("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97"
		"\xEF\xBC\x98", "12345678");
	EXPECT_IDENTIFIER("1234 5678", "12345678");
	EXPECT_IDENTIFIER("1234-5678", "12345678");
	EXPECT_IDENTIFIER("1234\xE3\x80\x80" "5678", "12345678");        /* U+3000 */
	EXPECT_IDENTIFIER("1234\xE2\x80\x90" "5678", "12345678");        /* U+2010 hyphen */
	EXPECT_IDENTIFIER("1234\xEF\xBC\x8D" "5678", "12345678");        /* U+FF0D full-width hyphen */
	EXPECT_IDENTIFIER("1234\xE2\x80\x8B" "5678", "12345678");        /* U+200B zero width space */
	EXPECT_IDENTIFIER("A123456(7)", "a1234567");
	EXPECT_IDENTIFIER("a 123456 7", "a1234567");
	EXPECT_IDENTIFIER("M-1234.56/7", "m1234567");
	EXPECT_IDENTIFIER("\xEF\xBC\xA1\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93", "a123");  /* Ａ１２３ */
	EXPECT_IDENTIFIER("C$+1", "c$+1");                                /* symbols stay */
	EXPECT_IDENTIFIER("---", "");
}
END_TEST

/* ASCII text takes a shortcut past the code point buffers: for every ASCII character
 * and every combination of flags, and for random ASCII strings, it must give what the
 * general path gives. The general path is reached by a leading U+00E9, which no flag
 * changes and which composes with no ASCII character, so fold("\u00E9" s) is
 * "\u00E9" fold(s) when both paths agree. */
static void expect_ascii_agrees(const char *s, size_t n, unsigned flags)
{
	char with[128], *fast = NULL, *slow = NULL;
	size_t fn = 0, sn = 0;

	ck_assert_uint_lt(n + 2, sizeof with);
	memcpy(with, "\xC3\xA9", 2);
	memcpy(with + 2, s, n);
	ck_assert_int_eq(cu_utf8_fold(&fast, &fn, s, n, flags), CUSTOS_OK);
	ck_assert_int_eq(cu_utf8_fold(&slow, &sn, with, n + 2, flags), CUSTOS_OK);
	ck_assert_msg(sn == fn + 2 && !memcmp(slow, "\xC3\xA9", 2) && !memcmp(slow + 2, fast, fn),
		"flags %u: \"%.*s\" folds to \"%.*s\", the general path to \"%.*s\"", flags, (int)n, s, (int)fn, fast,
		(int)sn, slow);
	ck_assert_int_eq(fast[fn], '\0');
	cu_free_secret(fast, fn + 1);
	cu_free_secret(slow, sn + 1);
}

START_TEST(ascii_folds_as_the_general_path_does)
{
	unsigned seed = 7;
	char s[64];

	for (unsigned flags = 1; flags < 8; flags++) {
		for (int c = 1; c < 128; c++) {
			s[0] = 'x';
			s[1] = (char)c;
			s[2] = 'Y';
			expect_ascii_agrees(s, 3, flags);
		}
		for (int r = 0; r < 200; r++) {
			size_t n = (size_t)(rand_r(&seed) % 60);
			for (size_t i = 0; i < n; i++)
				s[i] = (char)(1 + rand_r(&seed) % 127);
			expect_ascii_agrees(s, n, flags);
		}
	}
}
END_TEST

/* The three forms of one vector line: NFKC, case folded, identifier. */
static void check_fold_vector(const char *line)
{
	static const unsigned flags[] = { CU_FOLD_COMPAT, CU_FOLD_CASE, CU_FOLD_COMPAT | CU_FOLD_CASE | CU_FOLD_SEPARATORS };
	char in[256], want[256];
	const char *field = strchr(line, ';');
	size_t n = parse_hex_list(line, in, sizeof in);

	for (size_t f = 0; f < 3; f++) {
		char *out = NULL;
		size_t len = 0, wn;
		ck_assert_msg(field != NULL, "short vector: %s", line);
		wn = parse_hex_list(field + 1, want, sizeof want);
		if (cu_utf8_fold(&out, &len, in, n, flags[f]) != CUSTOS_OK || len != wn || memcmp(out, want, wn))
			ck_abort_msg("form %zu of %s", f, line);
		cu_free_secret(out, len + 1);
		field = strchr(field + 1, ';');
	}
}

START_TEST(every_folding_vector_from_the_unicode_database)
{
	ck_assert_int_gt(each_vector("fold_vectors.txt", check_fold_vector), 8000);
}
END_TEST

static void expect_trim(const char *in, const char *want)
{
	const char *s = in;
	size_t n = strlen(in);

	cu_utf8_trim(&s, &n);
	ck_assert_msg(n == strlen(want) && !memcmp(s, want, n), "trim of \"%s\" is \"%.*s\"", in, (int)n, s);
}

START_TEST(trimming_takes_every_unicode_space)
{
	expect_trim("  a b  ", "a b");
	expect_trim("\xE3\x80\x80\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87\xE3\x80\x80", "\xE9\x99\xB3\xE5\xA4\xA7\xE6\x96\x87");
	expect_trim("\xC2\xA0\t\n\r x \xE2\x80\xAF\xE2\x80\x83\xE2\x81\x9F", "x");   /* NBSP ... U+2003, U+205F */
	expect_trim("a\xE3\x80\x80" "b", "a\xE3\x80\x80" "b");           /* inner spaces stay */
	expect_trim("\xE3\x80\x80\xE3\x80\x80", "");
	expect_trim("", "");
	expect_trim("x\xE2\x80\x8B", "x\xE2\x80\x8B");                    /* U+200B is not White_Space */
	expect_trim(" \xC3\x28 ", "\xC3\x28");                            /* invalid UTF-8 stops it */
	ck_assert_int_eq(cu_unicode_is_space(0x3000), 1);
	ck_assert_int_eq(cu_unicode_is_space(0x85), 1);
	ck_assert_int_eq(cu_unicode_is_space(0x1C), 0);
	ck_assert_int_eq(cu_unicode_is_space('x'), 0);
}
END_TEST

START_TEST(folding_fails_cleanly_without_memory)
{
	static char longin[4 * 300 + 1], longwant[300 + 1];

	fail_each_allocation(identifier, "\xEF\xBC\xA1 1-2", 7, "a12");
	repeat(longin, "\xEF\xBC\xA1", 300);     /* 300 code points: the heap path */
	repeat(longwant, "a", 300);
	fail_each_allocation(identifier, longin, strlen(longin), longwant);
	fail_each_allocation(casefold, "STRA\xC3\x9F" "E", 7, "strasse");
	fail_each_allocation(nfkc, "\xEF\xAC\x81", 3, "fi");
	fail_each_allocation(identifier, "AB-12 3", 7, "ab123");  /* the ASCII path */
}
END_TEST

static Suite *unicode_suite(void)
{
	Suite *s = suite_create("unicode");
	TCase *nfc = tcase_create("nfc"), *lower = tcase_create("lower"), *errors = tcase_create("errors");
	TCase *fold = tcase_create("fold");

	tcase_add_test(nfc, ascii_passes_through_unchanged);
	tcase_add_test(nfc, empty_string_gives_empty_output);
	tcase_add_test(nfc, e_with_combining_acute_composes);
	tcase_add_test(nfc, composed_text_stays_unchanged);
	tcase_add_test(nfc, hangul_lvt_composes_to_one_syllable);
	tcase_add_test(nfc, every_hangul_syllable_round_trips_through_its_jamo);
	tcase_add_test(nfc, combining_marks_are_put_in_canonical_order);
	tcase_add_test(nfc, marks_of_equal_class_keep_their_order);
	tcase_add_test(nfc, singletons_are_replaced);
	tcase_add_test(nfc, composition_exclusions_stay_decomposed);
	tcase_add_test(nfc, every_vector_from_the_unicode_database);
	tcase_add_test(lower, lowercase_maps_latin_greek_and_cyrillic);
	tcase_add_test(lower, lowercase_of_dotted_capital_i_is_plain_i);
	tcase_add_test(lower, lowercase_may_change_the_length);
	tcase_add_test(lower, lowercase_text_stays_unchanged);
	tcase_add_test(lower, lowercasing_twice_changes_nothing);
	tcase_add_test(errors, invalid_utf8_is_refused);
	tcase_add_test(errors, allocation_failures_return_enomem);
	tcase_add_test(errors, nfc_check_of_long_text_reports_enomem_as_not_nfc);
	tcase_add_test(fold, nfkc_maps_full_width_forms_to_ascii);
	tcase_add_test(fold, case_folding_is_full_and_canonical);
	tcase_add_test(fold, identifiers_drop_separators_and_width_and_case);
	tcase_add_test(fold, every_folding_vector_from_the_unicode_database);
	tcase_add_test(fold, ascii_folds_as_the_general_path_does);
	tcase_add_test(fold, trimming_takes_every_unicode_space);
	tcase_add_test(errors, folding_fails_cleanly_without_memory);
	suite_add_tcase(s, nfc);
	suite_add_tcase(s, fold);
	suite_add_tcase(s, lower);
	suite_add_tcase(s, errors);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(unicode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
