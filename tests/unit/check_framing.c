/* check_framing.c - framing_scan: splitting a TCP byte stream into SIP messages by
 * Content-Length (RFC 3261 18.3, 7.5) and keep-alives (RFC 5626 3.5.1). */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipd.h"
#include "framing.h"

#define MAX	65535

#define HDRS(cl) \
	"OPTIONS sip:bob@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKfr1\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:alice@example.com>;tag=f1\r\n" \
	"To: <sip:bob@example.com>\r\n" \
	"Call-ID: frame-1\r\n" \
	"CSeq: 1 OPTIONS\r\n" \
	cl \
	"\r\n"

static const char msg0[] = HDRS("Content-Length: 0\r\n");
static const char msg5[] = HDRS("Content-Length: 5\r\n") "hello";

static enum frame_result
scan(const char *buf, size_t len, size_t max, size_t *skip, size_t *msglen, const char **why)
{
	return framing_scan(buf, len, max, skip, msglen, why);
}

/* Expect FRAME_ERROR for s (whole). */
static void
expect_error(const char *s, size_t max)
{
	size_t skip, msglen;
	const char *why;

	ck_assert_msg(scan(s, strlen(s), max, &skip, &msglen, &why) == FRAME_ERROR,
	    "not an error:\n%s", s);
	ck_assert_ptr_nonnull(why);
}

START_TEST(test_whole)
{
	size_t skip, msglen;
	const char *why;

	ck_assert_int_eq(scan(msg0, sizeof(msg0) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(skip, 0);
	ck_assert_uint_eq(msglen, sizeof(msg0) - 1);
	ck_assert_int_eq(scan(msg5, sizeof(msg5) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(msg5) - 1);
}
END_TEST

START_TEST(test_byte_by_byte)
{
	size_t skip, msglen;
	const char *why;
	size_t n = sizeof(msg5) - 1;

	for (size_t k = 1; k < n; k++) {
		enum frame_result r = scan(msg5, k, MAX, &skip, &msglen, &why);
		ck_assert_msg(r == FRAME_NEED_MORE, "prefix of %zu bytes: %d", k, r);
	}
	ck_assert_int_eq(scan(msg5, n, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, n);
}
END_TEST

START_TEST(test_split_body)
{
	size_t skip, msglen;
	const char *why;
	size_t hlen = sizeof(msg5) - 1 - 5;

	/* header section whole, body partial */
	ck_assert_int_eq(scan(msg5, hlen, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
	ck_assert_int_eq(scan(msg5, hlen + 4, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
	ck_assert_int_eq(scan(msg5, hlen + 5, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
}
END_TEST

START_TEST(test_coalesced)
{
	char buf[4096];
	size_t skip, msglen, off = 0, n;
	const char *why;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%s%s", msg5, msg0, "INVITE sip:x");
	ck_assert_int_eq(scan(buf, n, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(skip, 0);
	ck_assert_uint_eq(msglen, sizeof(msg5) - 1);
	ck_assert_int_eq(memcmp(buf + msglen - 5, "hello", 5), 0);
	off += skip + msglen;
	ck_assert_int_eq(scan(buf + off, n - off, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(skip, 0);
	ck_assert_uint_eq(msglen, sizeof(msg0) - 1);
	ck_assert_int_eq(memcmp(buf + off, "OPTIONS ", 8), 0);
	off += skip + msglen;
	/* the start of a third one */
	ck_assert_int_eq(scan(buf + off, n - off, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
}
END_TEST

START_TEST(test_body_with_blank_line)
{
	static const char s[] = HDRS("Content-Length: 13\r\n") "a\r\n\r\nb\r\n\r\nc\r\n" "NEXT";
	size_t skip, msglen;
	const char *why;

	ck_assert_int_eq(scan(s, sizeof(s) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(s) - 1 - 4);
	/* without the body's end yet */
	ck_assert_int_eq(scan(s, sizeof(s) - 1 - 4 - 3, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
}
END_TEST

START_TEST(test_ping)
{
	char buf[4096];
	size_t skip, msglen, n;
	const char *why;

	/* RFC 5626 3.5.1: CRLFCRLF is a keep-alive ping */
	ck_assert_int_eq(scan("\r\n\r\n", 4, MAX, &skip, &msglen, &why), FRAME_PING);
	ck_assert_uint_eq(skip, 4);
	n = (size_t)snprintf(buf, sizeof(buf), "\r\n\r\n%s", msg0);
	ck_assert_int_eq(scan(buf, n, MAX, &skip, &msglen, &why), FRAME_PING);
	ck_assert_uint_eq(skip, 4);
	ck_assert_int_eq(scan(buf + 4, n - 4, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(msg0) - 1);
	/* half a ping: wait for the rest */
	ck_assert_int_eq(scan("\r\n\r", 3, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
	ck_assert_int_eq(scan("\r", 1, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
}
END_TEST

START_TEST(test_lone_crlf)
{
	char buf[4096];
	size_t skip, msglen, n;
	const char *why;

	/* a stray CRLF before a message (RFC 3261 7.5; an RFC 5626 pong) is dropped */
	n = (size_t)snprintf(buf, sizeof(buf), "\r\n%s", msg0);
	ck_assert_int_eq(scan(buf, n, MAX, &skip, &msglen, &why), FRAME_SKIP);
	ck_assert_uint_eq(skip, 2);
	ck_assert_int_eq(scan(buf + skip, n - skip, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(msg0) - 1);
	/* bare LFs too */
	n = (size_t)snprintf(buf, sizeof(buf), "\n\n%s", msg0);
	ck_assert_int_eq(scan(buf, n, MAX, &skip, &msglen, &why), FRAME_SKIP);
	ck_assert_uint_eq(skip, 2);
	/* a lone CRLF with nothing after it yet may be half a ping: nothing consumed, no error */
	ck_assert_int_eq(scan("\r\n", 2, MAX, &skip, &msglen, &why), FRAME_NEED_MORE);
	ck_assert_uint_eq(msglen, 0);
}
END_TEST

START_TEST(test_no_content_length)
{
	expect_error(HDRS(""), MAX);
	expect_error(HDRS("") "body", MAX);
}
END_TEST

START_TEST(test_bad_content_length)
{
	expect_error(HDRS("Content-Length: -5\r\n") "hello", MAX);
	expect_error(HDRS("Content-Length: abc\r\n"), MAX);
	expect_error(HDRS("Content-Length: 5 5\r\n") "hello", MAX);
	expect_error(HDRS("Content-Length:\r\n"), MAX);
	expect_error(HDRS("Content-Length: 99999999999\r\n"), MAX);
	/* RFC 4475 3.3.9: two values */
	expect_error(HDRS("Content-Length: 5\r\nContent-Length: 5\r\n") "hello", MAX);
	expect_error(HDRS("Content-Length: 5\r\nl: 3\r\n") "hello", MAX);
}
END_TEST

START_TEST(test_too_large)
{
	char *big;
	size_t skip, msglen;
	const char *why;

	/* a header section with no end, longer than max */
	big = malloc(300);
	memset(big, 'a', 300);
	memcpy(big, "OPTIONS sip:x SIP/2.0\r\nX: ", 26);
	ck_assert_int_eq(scan(big, 300, 256, &skip, &msglen, &why), FRAME_ERROR);
	ck_assert_ptr_nonnull(why);
	/* under max: still waiting */
	ck_assert_int_eq(scan(big, 200, 256, &skip, &msglen, &why), FRAME_NEED_MORE);
	free(big);
	/* a Content-Length that makes the message larger than max */
	expect_error(HDRS("Content-Length: 70000\r\n"), MAX);
	/* exactly max is fine */
	ck_assert_int_eq(scan(msg5, sizeof(msg5) - 1, sizeof(msg5) - 1, &skip, &msglen, &why),
	    FRAME_MESSAGE);
	ck_assert_int_eq(scan(msg5, sizeof(msg5) - 1, sizeof(msg5) - 2, &skip, &msglen, &why),
	    FRAME_ERROR);
}
END_TEST

START_TEST(test_compact_and_case)
{
	static const char c[] = HDRS("l: 5\r\n") "helloREST";
	static const char u[] = HDRS("L:5\r\n") "hello";
	static const char w[] = HDRS("content-length   :   5   \r\n") "hello";
	size_t skip, msglen;
	const char *why;

	ck_assert_int_eq(scan(c, sizeof(c) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(c) - 1 - 4);
	ck_assert_int_eq(scan(u, sizeof(u) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(u) - 1);
	ck_assert_int_eq(scan(w, sizeof(w) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(w) - 1);
}
END_TEST

START_TEST(test_lookalike_headers)
{
	/* neither a header ending in "l" nor a body line "l: 99" is Content-Length */
	static const char s[] = HDRS("Content-Length: 6\r\nUrl: 99\r\n") "l: 99\n";
	size_t skip, msglen;
	const char *why;

	ck_assert_int_eq(scan(s, sizeof(s) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(s) - 1);
}
END_TEST

START_TEST(test_folded_content_length)
{
	/* HCOLON allows a fold before the value (RFC 3261 7.3.1, 25.1 "SWS"); sipmsg_parse
	 * accepts it, so framing must find the same length. */
	static const char s[] = HDRS("Content-Length:\r\n 5\r\n") "hello";
	size_t skip, msglen;
	const char *why;

	ck_assert_int_eq(scan(s, sizeof(s) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(s) - 1);
}
END_TEST

START_TEST(test_bare_lf)
{
	/* a header section ended by LF LF (RFC 3261 7.5 tolerance) */
	static const char s[] = "OPTIONS sip:bob@example.com SIP/2.0\n"
	    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKlf\n"
	    "Content-Length: 2\n"
	    "\n"
	    "hi";
	size_t skip, msglen;
	const char *why;

	ck_assert_int_eq(scan(s, sizeof(s) - 1, MAX, &skip, &msglen, &why), FRAME_MESSAGE);
	ck_assert_uint_eq(msglen, sizeof(s) - 1);
}
END_TEST

static Suite *
framing_suite(void)
{
	Suite *s = suite_create("framing");
	TCase *tc = tcase_create("scan");

	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_split_body);
	tcase_add_test(tc, test_coalesced);
	tcase_add_test(tc, test_body_with_blank_line);
	tcase_add_test(tc, test_ping);
	tcase_add_test(tc, test_lone_crlf);
	tcase_add_test(tc, test_no_content_length);
	tcase_add_test(tc, test_bad_content_length);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_compact_and_case);
	tcase_add_test(tc, test_lookalike_headers);
	tcase_add_test(tc, test_folded_content_length);
	tcase_add_test(tc, test_bare_lf);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(framing_suite)
