/* check_sipval.c - header values parsed by libosip2 (sipval.c): media types (Content-Type,
 * Accept), Event and Subscription-State, and what libosip2 lets through that sipval refuses. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <string.h>

#include "sipmsg.h"
#include "sipval.h"

static int
mtype(const char *s, struct sipval_mtype *mt)
{
	return sipval_mtype(s, strlen(s), mt);
}

START_TEST(test_mtype)
{
	struct sipval_mtype mt;

	ck_assert_int_eq(mtype("application/sdp", &mt), 0);
	ck_assert_str_eq(mt.type, "application");
	ck_assert_str_eq(mt.subtype, "sdp");
	ck_assert_int_eq(mt.q, 1000);
	ck_assert_int_eq(sipval_mtype_is(&mt, "Application", "SDP"), 1);
	ck_assert_int_eq(mtype(" APPLICATION / SDP ; Charset=UTF-8", &mt), 0);	/* SLASH = SWS "/" SWS */
	ck_assert_str_eq(mt.type, "application");
	ck_assert_str_eq(mt.charset, "utf-8");
	ck_assert_int_eq(mtype("application/sdpx", &mt), 0);
	ck_assert_int_eq(sipval_mtype_is(&mt, "application", "sdp"), 0);
	/* folded (RFC 3261 7.3.1) */
	ck_assert_int_eq(mtype("multipart/mixed;\r\n boundary=b1", &mt), 0);
	ck_assert_str_eq(mt.boundary, "b1");
}
END_TEST

START_TEST(test_mtype_boundary)
{
	struct sipval_mtype mt;

	ck_assert_int_eq(mtype("multipart/mixed;boundary=\"unique boundary;1\"", &mt), 0);
	ck_assert_str_eq(mt.boundary, "unique boundary;1");
	ck_assert_int_eq(mtype("multipart/mixed; boundary=\"a\\\"b\"", &mt), 0);
	ck_assert_str_eq(mt.boundary, "a\"b");
	ck_assert_int_eq(mtype("multipart/related;type=application/sdp;boundary=----=_P_1", &mt), 0);
	ck_assert_str_eq(mt.boundary, "----=_P_1");
	ck_assert_int_eq(mtype("multipart/mixed", &mt), 0);
	ck_assert_str_eq(mt.boundary, "");
	ck_assert_int_eq(mtype("multipart/mixed;boundary=\"\"", &mt), -1);
	ck_assert_int_eq(mtype("multipart/mixed;boundary=\"open", &mt), -1);
}
END_TEST

START_TEST(test_mtype_refused)
{
	struct sipval_mtype mt;
	static const char *bad[] = {
		"", "application", "application/", "/sdp", "appli cation/sdp", "text/plain;q=2",
		"text/plain;q=0.1234", "text/plain;q=x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(mtype(bad[i], &mt) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

/* A request with the extra header lines add. */
static struct sipmsg *
req(const char *add)
{
	static const struct sipmsg_limits lim = { 65535, 256, 8192 };
	char buf[2048];
	struct sip_err err;
	struct sipmsg *m;

	snprintf(buf, sizeof(buf), "MESSAGE sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKv\r\nFrom: <sip:a@example.com>;tag=1\r\n"
	    "To: <sip:bob@example.com>\r\nCall-ID: v\r\nCSeq: 1 MESSAGE\r\n%s"
	    "Content-Length: 0\r\n\r\n", add);
	m = sipmsg_parse(buf, strlen(buf), 1, &lim, &err);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(err.status, 0);
	return m;
}

START_TEST(test_accepts)
{
	struct sipmsg *m = req("");

	/* RFC 3261 20.1: no Accept means application/sdp */
	ck_assert_int_eq(sipval_accepts(m, "application", "sdp"), 1);
	ck_assert_int_eq(sipval_accepts(m, "text", "plain"), 0);
	sipmsg_unref(m);
	m = req("Accept:\r\n");		/* empty: nothing */
	ck_assert_int_eq(sipval_accepts(m, "application", "sdp"), 0);
	sipmsg_unref(m);
	m = req("Accept: text/*;q=0.5, application/pidf+xml\r\nAccept: */*;q=0.1, text/html;q=0\r\n");
	ck_assert_int_eq(sipval_accepts(m, "text", "plain"), 1);
	ck_assert_int_eq(sipval_accepts(m, "TEXT", "PLAIN"), 1);
	ck_assert_int_eq(sipval_accepts(m, "application", "pidf+xml"), 1);
	ck_assert_int_eq(sipval_accepts(m, "image", "png"), 1);		/* */
	ck_assert_int_eq(sipval_accepts(m, "text", "html"), 0);	/* the most specific: q=0 */
	sipmsg_unref(m);
	m = req("Accept: application/sdp, garbage\r\n");	/* a bad element is skipped */
	ck_assert_int_eq(sipval_accepts(m, "application", "sdp"), 1);
	ck_assert_int_eq(sipval_accepts(m, "text", "plain"), 0);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_content_type)
{
	struct sipmsg *m = req("c: application/sdp\r\n");
	struct sipval_mtype mt;

	ck_assert_int_eq(sipval_content_type(m, &mt), 0);
	ck_assert_int_eq(sipval_mtype_is(&mt, "application", "sdp"), 1);
	sipmsg_unref(m);
	m = req("");
	ck_assert_int_eq(sipval_content_type(m, &mt), -1);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_event)
{
	struct sipval_event ev;

	ck_assert_int_eq(sipval_event("presence", 8, &ev), 0);
	ck_assert_str_eq(ev.package, "presence");
	ck_assert_str_eq(ev.id, "");
	ck_assert_int_eq(sipval_event("presence.winfo ; id = \"x1\"", 26, &ev), 0);
	ck_assert_str_eq(ev.package, "presence.winfo");
	ck_assert_str_eq(ev.id, "x1");
	ck_assert_int_eq(sipval_event("pres ence", 9, &ev), -1);	/* libosip2 takes it */
	ck_assert_int_eq(sipval_event("", 0, &ev), -1);
	ck_assert_int_eq(sipval_event(";id=1", 5, &ev), -1);
}
END_TEST

static int
substate(const char *s, struct sipval_substate *ss)
{
	return sipval_substate(s, strlen(s), ss);
}

START_TEST(test_substate)
{
	struct sipval_substate ss;

	ck_assert_int_eq(substate("active;expires=600", &ss), 0);
	ck_assert_int_eq(ss.state, SUBSTATE_ACTIVE);
	ck_assert_int_eq(ss.expires, 600);
	ck_assert_int_eq(ss.retry_after, -1);
	ck_assert_str_eq(ss.reason, "");
	ck_assert_int_eq(substate("Pending", &ss), 0);
	ck_assert_int_eq(ss.state, SUBSTATE_PENDING);
	ck_assert_int_eq(ss.expires, -1);
	ck_assert_int_eq(substate("terminated;reason=Timeout;retry-after=30", &ss), 0);
	ck_assert_int_eq(ss.state, SUBSTATE_TERMINATED);
	ck_assert_str_eq(ss.reason, "timeout");
	ck_assert_int_eq(ss.retry_after, 30);
	ck_assert_int_eq(substate("waiting-room;x=1", &ss), 0);	/* an extension value */
	ck_assert_int_eq(ss.state, SUBSTATE_OTHER);
	ck_assert_str_eq(ss.value, "waiting-room");
	ck_assert_int_eq(substate("active;expires=soon", &ss), -1);
	ck_assert_int_eq(substate("active;expires=-1", &ss), -1);
	ck_assert_int_eq(substate("", &ss), -1);
}
END_TEST

static Suite *
sipval_suite(void)
{
	Suite *s = suite_create("sipval");
	TCase *tc = tcase_create("values");

	tcase_add_test(tc, test_mtype);
	tcase_add_test(tc, test_mtype_boundary);
	tcase_add_test(tc, test_mtype_refused);
	tcase_add_test(tc, test_accepts);
	tcase_add_test(tc, test_content_type);
	tcase_add_test(tc, test_event);
	tcase_add_test(tc, test_substate);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sipval_suite)
