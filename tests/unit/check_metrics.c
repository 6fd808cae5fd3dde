/* check_metrics.c - metrics.c without a network: classifying messages from their bytes,
 * listen specs, and the Prometheus text the counters render to. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "metrics.h"

START_TEST(test_classify_request)
{
	const char *m = "INVITE sip:bob@lan SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n";
	enum sip_method meth;
	int st = -1;

	ck_assert_int_eq(metrics_classify(m, strlen(m), &meth, &st), 1);
	ck_assert_int_eq(meth, SIP_INVITE);
	ck_assert_int_eq(st, 0);
}
END_TEST

START_TEST(test_classify_response_cseq)
{
	const char *m = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h\r\ncseq :  12  BYE\r\n\r\n";
	enum sip_method meth;
	int st;

	ck_assert_int_eq(metrics_classify(m, strlen(m), &meth, &st), 2);
	ck_assert_int_eq(st, 486);
	ck_assert_int_eq(meth, SIP_BYE);
}
END_TEST

START_TEST(test_classify_garbage)
{
	enum sip_method meth;
	int st;

	ck_assert_int_eq(metrics_classify("SIP/2.0 9x", 10, &meth, &st), 0);
	ck_assert_int_eq(metrics_classify("\r\n\r\n", 4, &meth, &st), 0);
	ck_assert_int_eq(metrics_classify("SIP/2.0 200 OK\r\n\r\n", 18, &meth, &st), 2);
	ck_assert_int_eq(meth, SIP_UNKNOWN);	/* no CSeq */
}
END_TEST

START_TEST(test_parse_listen)
{
	char host[64];
	int port;

	ck_assert_int_eq(metrics_parse_listen("127.0.0.1:9060", host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(port, 9060);
	ck_assert_int_eq(metrics_parse_listen("[::1]:9100", host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 9100);
	ck_assert_int_eq(metrics_parse_listen("::1:9100", host, sizeof(host), &port), -1);
	ck_assert_int_eq(metrics_parse_listen("127.0.0.1", host, sizeof(host), &port), -1);
	ck_assert_int_eq(metrics_parse_listen("127.0.0.1:0", host, sizeof(host), &port), -1);
	ck_assert_int_eq(metrics_parse_listen("127.0.0.1:70000", host, sizeof(host), &port), -1);
	ck_assert_int_eq(metrics_parse_listen(":9060", host, sizeof(host), &port), -1);
}
END_TEST

static size_t five(void) { return 5; }

START_TEST(test_render_counts)
{
	const char *out = "SIP/2.0 200 OK\r\nCSeq: 3 OPTIONS\r\n\r\n";
	size_t len;
	char *text;

	for (int i = 0; i < 3; i++)
		metrics_message(METRICS_IN, 1, SIP_OPTIONS, 0);
	metrics_sent(out, strlen(out));
	metrics_sent(out, strlen(out));
	metrics_inc(M_AUTH_FAILURES);
	metrics_gauge_source(G_REGISTRATIONS, five);
	text = metrics_render(&len);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_nonnull(strstr(text, "\nsipd_requests_total{direction=\"in\",method=\"OPTIONS\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\nsipd_responses_total{direction=\"out\",method=\"OPTIONS\",code=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipd_auth_failures_total 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipd_registrations 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsipd_relay_packets_total 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE sipd_db_commit_seconds histogram\n"));
	free(text);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_classify_request);
	tcase_add_test(tc, test_classify_response_cseq);
	tcase_add_test(tc, test_classify_garbage);
	tcase_add_test(tc, test_parse_listen);
	tcase_add_test(tc, test_render_counts);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(metrics_suite)
