/*
 * tests/check_errors.c — error codes, their names and texts, and the thread-local message.
 */
#include <pthread.h>
#include <string.h>

#include "support.h"

START_TEST(codes_have_fixed_values)
{
	/* The values are ABI: they may never change. */
	ck_assert_int_eq(CUSTOS_OK, 0);
	ck_assert_int_eq(CUSTOS_ERROR, -1);
	ck_assert_int_eq(CUSTOS_EINVALID, -2);
	ck_assert_int_eq(CUSTOS_ENOTFOUND, -3);
	ck_assert_int_eq(CUSTOS_EEXISTS, -4);
	ck_assert_int_eq(CUSTOS_EDENIED, -5);
	ck_assert_int_eq(CUSTOS_EAUTH, -6);
	ck_assert_int_eq(CUSTOS_EKEY, -7);
	ck_assert_int_eq(CUSTOS_ESTATE, -8);
	ck_assert_int_eq(CUSTOS_EFULL, -9);
	ck_assert_int_eq(CUSTOS_EBUSY, -10);
	ck_assert_int_eq(CUSTOS_ECORRUPT, -11);
	ck_assert_int_eq(CUSTOS_EVERSION, -12);
	ck_assert_int_eq(CUSTOS_ENOTSUPPORTED, -13);
	ck_assert_int_eq(CUSTOS_ENOMEM, -14);
	ck_assert_int_eq(CUSTOS_EIO, -15);
	ck_assert_int_eq(CUSTOS_EBACKEND, -16);
	ck_assert_int_eq(CUSTOS_EUSER, -17);
	ck_assert_int_eq(CUSTOS_ETOOBIG, -18);
	ck_assert_int_eq(CUSTOS_ECONFLICT, -19);
	ck_assert_int_eq(CUSTOS_ESUPPRESSED, -20);
	ck_assert_int_eq(CUSTOS_ITEROVER, -31);
}
END_TEST

START_TEST(every_code_has_a_name_and_a_text)
{
	static const int codes[] = { 0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18, -19, -20, -31 };

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		ck_assert_str_ne(custos_strerror(codes[i]), "unknown error code");
		ck_assert_int_eq(strncmp(custos_error_name(codes[i]), "CUSTOS_", 7), 0);
		ck_assert_str_ne(custos_error_name(codes[i]), "CUSTOS_UNKNOWN");
	}
	ck_assert_str_eq(custos_error_name(CUSTOS_EAUTH), "CUSTOS_EAUTH");
	ck_assert_str_eq(custos_strerror(CUSTOS_EKEY), "wrong passphrase or key");
	ck_assert_str_eq(custos_strerror(-21), "unknown error code");
	ck_assert_str_eq(custos_strerror(7), "unknown error code");
	ck_assert_str_eq(custos_error_name(-999), "CUSTOS_UNKNOWN");
}
END_TEST

START_TEST(the_last_error_is_never_null_and_can_be_cleared)
{
	custos_secret *s;

	custos_error_clear();
	ck_assert_str_eq(custos_error_last(), "no error");
	ck_assert_int_eq(custos_error_last_code(), CUSTOS_OK);
	ck_assert_int_eq(custos_secret_key(&s, NULL, 32), CUSTOS_EINVALID);
	ck_assert_str_eq(custos_error_last(), "custos_secret_key: 'key' is NULL");
	ck_assert_int_eq(custos_error_last_code(), CUSTOS_EINVALID);
	/* A later success does not clear it. */
	ck_assert_int_eq(custos_secret_key(&s, t_key, 32), CUSTOS_OK);
	ck_assert_int_eq(custos_error_last_code(), CUSTOS_EINVALID);
	custos_secret_free(s);
	custos_error_clear();
	ck_assert_str_eq(custos_error_last(), "no error");
}
END_TEST

START_TEST(backends_set_errors_with_their_own_text)
{
	ck_assert_int_eq(custos_error_set(CUSTOS_EIO, "disk on fire"), CUSTOS_EIO);
	ck_assert_str_eq(custos_error_last(), "disk on fire");
	ck_assert_int_eq(custos_error_last_code(), CUSTOS_EIO);
	ck_assert_int_eq(custos_error_set(CUSTOS_EBUSY, NULL), CUSTOS_EBUSY);
	ck_assert_str_eq(custos_error_last(), "resource busy");
	/* Non-negative codes are not errors: they become CUSTOS_ERROR. */
	ck_assert_int_eq(custos_error_set(5, "odd"), CUSTOS_ERROR);
}
END_TEST

START_TEST(long_messages_are_truncated_not_overflowed)
{
	char big[2000];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(custos_error_set(CUSTOS_EIO, big), CUSTOS_EIO);
	ck_assert_uint_eq(strlen(custos_error_last()), 511);
}
END_TEST

static void *other_thread(void *arg)
{
	(void)arg;
	custos_error_set(CUSTOS_EBUSY, "set on another thread");
	return strcmp(custos_error_last(), "set on another thread") == 0 ? (void *)1 : NULL;
}

START_TEST(the_message_is_per_thread)
{
	pthread_t th;
	void *ok;

	custos_error_set(CUSTOS_EIO, "set on this thread");
	ck_assert_int_eq(pthread_create(&th, NULL, other_thread, NULL), 0);
	pthread_join(th, &ok);
	ck_assert_ptr_nonnull(ok);
	ck_assert_str_eq(custos_error_last(), "set on this thread");
	ck_assert_int_eq(custos_error_last_code(), CUSTOS_EIO);
}
END_TEST

static Suite *errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("errors");

	tcase_add_test(tc, codes_have_fixed_values);
	tcase_add_test(tc, every_code_has_a_name_and_a_text);
	tcase_add_test(tc, the_last_error_is_never_null_and_can_be_cleared);
	tcase_add_test(tc, backends_set_errors_with_their_own_text);
	tcase_add_test(tc, long_messages_are_truncated_not_overflowed);
	tcase_add_test(tc, the_message_is_per_thread);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(errors_suite());
}
