/* check_uri.c - uri.c: splitting SIP URIs, which arrive as (pointer, length) inside messages. */
#include <check.h>

#include "check_main.h"
#include <stdlib.h>
#include <string.h>

#include "uri.h"

/* split s from a heap copy of exactly strlen(s) bytes (no NUL after it: ASan sees overreads) */
static int
split_exact(const char *s, struct uri_parts *u)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	int rc;

	memcpy(p, s, n);
	rc = uri_split(p, n, u);
	free(p);
	return rc;
}

START_TEST(test_split_basic)
{
	struct uri_parts u;

	ck_assert_int_eq(split_exact("sip:alice@Example.COM:5070;transport=tcp", &u), 0);
	ck_assert_str_eq(u.user, "alice");
	ck_assert_str_eq(u.host, "example.com");
	ck_assert_int_eq(u.port, 5070);
	ck_assert_int_eq(split_exact("sips:[2001:db8::1]:5061", &u), 0);
	ck_assert_str_eq(u.host, "2001:db8::1");
	ck_assert_int_eq(u.port, 5061);
	ck_assert_int_eq(u.sips, 1);
}
END_TEST

/* fuzz_uri: the port was read with atoi() past the URI's length. */
START_TEST(test_port_within_length)
{
	struct uri_parts u;
	const char *raw = "sip:a@b:50601234";

	ck_assert_int_eq(uri_split(raw, 10, &u), 0);	/* "sip:a@b:50" */
	ck_assert_int_eq(u.port, 50);
	ck_assert_int_eq(split_exact("sip:a@b:5060", &u), 0);
	ck_assert_int_eq(u.port, 5060);
}
END_TEST

START_TEST(test_port_bad)
{
	struct uri_parts u;

	ck_assert_int_eq(split_exact("sip:a@b:", &u), -1);
	ck_assert_int_eq(split_exact("sip:a@b:65536", &u), -1);
	ck_assert_int_eq(split_exact("sip:a@b:99999999999999999999", &u), -1);
	ck_assert_int_eq(split_exact("sip:a@b:50x", &u), -1);
	ck_assert_int_eq(split_exact("sip:a@b:65535", &u), 0);
	ck_assert_int_eq(u.port, 65535);
}
END_TEST

static Suite *
uri_suite(void)
{
	Suite *s = suite_create("uri");
	TCase *t = tcase_create("split");

	tcase_add_test(t, test_split_basic);
	tcase_add_test(t, test_port_within_length);
	tcase_add_test(t, test_port_bad);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(uri_suite)
