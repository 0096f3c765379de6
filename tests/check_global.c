/*
 * tests/check_global.c — initialisation, versions, size constants and buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "util/alloc.h"

START_TEST(init_is_reference_counted)
{
	int a = custos_init(), b = custos_init();

	ck_assert_int_ge(a, 1);
	ck_assert_int_eq(b, a + 1);
	ck_assert_int_eq(custos_shutdown(), a);
	ck_assert_int_eq(custos_shutdown(), a - 1);
	while (custos_shutdown() > 0)
		;
	ck_assert_int_eq(custos_shutdown(), 0);  /* never below zero */
	ck_assert_int_eq(custos_init(), 1);
}
END_TEST

START_TEST(run_time_and_compile_time_versions_agree)
{
	int major = -1, minor = -1, patch = -1;
	char want[32];

	snprintf(want, sizeof want, "%d.%d.%d", CUSTOS_VERSION_MAJOR, CUSTOS_VERSION_MINOR, CUSTOS_VERSION_PATCH);
	ck_assert_str_eq(custos_version(&major, &minor, &patch), want);
	ck_assert_str_eq(CUSTOS_VERSION_STRING, want);
	ck_assert_int_eq(major, CUSTOS_VERSION_MAJOR);
	ck_assert_int_eq(minor, CUSTOS_VERSION_MINOR);
	ck_assert_int_eq(patch, CUSTOS_VERSION_PATCH);
	ck_assert_str_eq(custos_version(NULL, NULL, NULL), want);
	ck_assert_int_eq(CUSTOS_VERSION_NUMBER, CUSTOS_VERINT(major, minor, patch));
}
END_TEST

START_TEST(constants_are_readable_as_functions)
{
	ck_assert_uint_eq(custos_key_bytes(), CUSTOS_KEY_BYTES);
	ck_assert_uint_eq(custos_key_bytes(), 32);
	ck_assert_uint_eq(custos_passphrase_max_bytes(), CUSTOS_PASSPHRASE_MAX_BYTES);
	ck_assert_uint_eq(custos_value_max_bytes(), CUSTOS_VALUE_MAX_BYTES);
	ck_assert_uint_eq(custos_name_max_bytes(), CUSTOS_NAME_MAX_BYTES);
	ck_assert_uint_eq(custos_batch_max(), CUSTOS_BATCH_MAX);
}
END_TEST

START_TEST(buffers_are_wiped_and_emptied)
{
	custos_buf buf = CUSTOS_BUF_INIT, empty = CUSTOS_BUF_INIT;

	custos_buf_dispose(NULL);
	custos_buf_dispose(&empty);
	ck_assert_ptr_null(empty.ptr);
	buf.ptr = cu_malloc(16);
	memcpy(buf.ptr, "plaintext here!", 16);
	buf.size = 15;
	buf.reserved = 16;
	custos_buf_dispose(&buf);
	ck_assert_ptr_null(buf.ptr);
	ck_assert_uint_eq(buf.size, 0);
	ck_assert_uint_eq(buf.reserved, 0);
}
END_TEST

static Suite *global_suite(void)
{
	Suite *s = suite_create("global");
	TCase *tc = tcase_create("global");

	tcase_add_test(tc, init_is_reference_counted);
	tcase_add_test(tc, run_time_and_compile_time_versions_agree);
	tcase_add_test(tc, constants_are_readable_as_functions);
	tcase_add_test(tc, buffers_are_wiped_and_emptied);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(global_suite());
}
