/* check_callrec.c - call records (callrec.c): the status -> cause map, and the lifecycle of
 * calls (answered then hung up by either side, busy, no answer, cancelled, unavailable,
 * declined, refused, still open when sipd stops) as the live counts, the metrics counters and
 * the CDR rows written through a real SQLite store in a temp directory show it. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "callrec.h"
#include "config.h"
#include "metrics.h"
#include "sipmsg.h"
#include "store.h"
#include "testenv.h"

static void
setup(void)
{
	testenv_setup("callrec", "x", NULL);
	callrec_init(testenv_base);
}

static void
teardown(void)
{
	callrec_shutdown();
	testenv_teardown();
}

/* A request of call cid: INVITE from alice (tag ft) to bob (tag tt, NULL: none), or a BYE from
 * the side whose tag is from_tag. */
static struct sipmsg *
req(const char *method, const char *cid, const char *from, const char *ftag, const char *to,
    const char *ttag)
{
	static const struct sipmsg_limits lim = { 65535, 256, 8192 };
	char buf[1024];
	struct sip_err err;
	struct sipmsg *m;

	snprintf(buf, sizeof(buf), "%s sip:%s@x SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%s%s\r\n"
	    "From: \"%s\" <sip:%s@x>;tag=%s\r\nTo: <sip:%s@x>%s%s\r\n"
	    "Call-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
	    method, to, cid, method, from, from, ftag, to, ttag ? ";tag=" : "", ttag ? ttag : "",
	    cid, method);
	m = sipmsg_parse(buf, strlen(buf), 1, &lim, &err);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(err.status, 0);
	return m;
}

static struct sipmsg *
invite(const char *cid)
{
	return req("INVITE", cid, "alice", "ft", "bob", NULL);
}

/* A BYE in call cid from the caller (by_caller) or the callee. */
static void
bye(const char *cid, int by_caller)
{
	struct sipmsg *m = by_caller ? req("BYE", cid, "alice", "ft", "bob", "tt") :
	    req("BYE", cid, "bob", "tt", "alice", "ft");

	callrec_bye(m);
	sipmsg_unref(m);
}

static void
live_is(long ringing, long answered)
{
	long r, a;

	callrec_live(&r, &a);
	ck_assert_int_eq(r, ringing);
	ck_assert_int_eq(a, answered);
}

/* The CDR rows after the records are handed over and the store commits, ';'-separated, by
 * call_id: call_id|caller|callee|answered_by|answered?|status|reason. */
static char *
rows(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out;

	callrec_shutdown();
	store_close();
	ck_assert_int_eq(sqlite3_open(testenv_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT group_concat(r, ';') FROM (SELECT call_id "
	    "|| '|' || caller || '|' || callee || '|' || answered_by || '|' || (answer_time IS NOT "
	    "NULL) || '|' || status || '|' || reason AS r FROM cdr ORDER BY call_id)", -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	out = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(testenv_path, testenv_base), 0);	/* for teardown */
	return out;
}

START_TEST(test_cause_map)
{
	ck_assert_str_eq(callrec_cause(486), "busy");
	ck_assert_str_eq(callrec_cause(600), "busy");
	ck_assert_str_eq(callrec_cause(408), "no answer");
	ck_assert_str_eq(callrec_cause(480), "unavailable");
	ck_assert_str_eq(callrec_cause(487), "cancelled");
	ck_assert_str_eq(callrec_cause(603), "declined");
	ck_assert_str_eq(callrec_cause(404), "not found");
	ck_assert_str_eq(callrec_cause(503), "Service Unavailable");	/* the reason phrase */
}
END_TEST

START_TEST(test_answered_hangups)
{
	struct sipmsg *a = invite("c1"), *b = invite("c2");
	int o1, o2;
	uint64_t started = metrics_get(M_CALLS_STARTED), answered = metrics_get(M_CALLS_ANSWERED);
	uint64_t ended = metrics_get(M_CALLS_ENDED);

	callrec_invite(a, &o1);
	callrec_invite(b, &o2);
	live_is(2, 0);
	callrec_answered(a, &o2, 200, "sip:carol@x");	/* not its owner: nothing */
	live_is(2, 0);
	callrec_answered(a, &o1, 200, "sip:bob@x");
	callrec_answered(a, &o1, 200, "sip:dan@x");	/* a second 2xx (a fork): the first counts */
	callrec_answered(b, &o2, 200, "sip:bob@x");
	live_is(0, 2);
	callrec_failed(a, &o1, 487);			/* answered already: no failure */
	bye("c1", 1);
	bye("c2", 0);
	bye("c2", 0);					/* a retransmission: ended already */
	live_is(0, 0);
	ck_assert_uint_eq(metrics_get(M_CALLS_STARTED) - started, 2);
	ck_assert_uint_eq(metrics_get(M_CALLS_ANSWERED) - answered, 2);
	ck_assert_uint_eq(metrics_get(M_CALLS_ENDED) - ended, 2);
	sipmsg_unref(a);
	sipmsg_unref(b);
	char *r = rows();
	ck_assert_str_eq(r, "c1|sip:alice@x|sip:bob@x|sip:bob@x|1|200|caller hangup;"
	    "c2|sip:alice@x|sip:bob@x|sip:bob@x|1|200|callee hangup");
	free(r);
}
END_TEST

START_TEST(test_failures)
{
	static const struct { const char *cid; int status; } t[] = {
		{ "f1", 486 }, { "f2", 408 }, { "f3", 487 }, { "f4", 603 }, { "f5", 600 },
	};
	int owner;
	uint64_t failed = metrics_get(M_CALLS_FAILED), ended = metrics_get(M_CALLS_ENDED);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sipmsg *m = invite(t[i].cid);
		callrec_invite(m, &owner);
		callrec_invite(m, NULL);	/* the same INVITE again (spiral): the same call */
		live_is(1, 0);
		callrec_failed(m, NULL, 500);	/* the spiral's failure is not the call's */
		live_is(1, 0);
		callrec_failed(m, &owner, t[i].status);
		callrec_failed(m, &owner, 500);	/* ended already */
		live_is(0, 0);
		sipmsg_unref(m);
	}
	bye("f1", 1);				/* a BYE for an unanswered call: nothing */
	ck_assert_uint_eq(metrics_get(M_CALLS_FAILED) - failed, 5);
	ck_assert_uint_eq(metrics_get(M_CALLS_ENDED) - ended, 0);
	char *r = rows();
	ck_assert_str_eq(r, "f1|sip:alice@x|sip:bob@x||0|486|busy;"
	    "f2|sip:alice@x|sip:bob@x||0|408|no answer;"
	    "f3|sip:alice@x|sip:bob@x||0|487|cancelled;"
	    "f4|sip:alice@x|sip:bob@x||0|603|declined;"
	    "f5|sip:alice@x|sip:bob@x||0|600|busy");
	free(r);
}
END_TEST

/* Refused before forwarding: started and failed at once, a row like any other call's. */
START_TEST(test_refused)
{
	struct sipmsg *m = invite("r1"), *n = invite("r2");
	struct sipmsg *re = req("INVITE", "r3", "alice", "ft", "bob", "tt");
	uint64_t started = metrics_get(M_CALLS_STARTED), failed = metrics_get(M_CALLS_FAILED);

	callrec_refused(m, 480);
	callrec_refused(n, 404);
	callrec_refused(re, 480);		/* a re-INVITE is no new call */
	callrec_invite(re, NULL);
	live_is(0, 0);
	ck_assert_uint_eq(metrics_get(M_CALLS_STARTED) - started, 2);
	ck_assert_uint_eq(metrics_get(M_CALLS_FAILED) - failed, 2);
	sipmsg_unref(m);
	sipmsg_unref(n);
	sipmsg_unref(re);
	char *r = rows();
	ck_assert_str_eq(r, "r1|sip:alice@x|sip:bob@x||0|480|unavailable;"
	    "r2|sip:alice@x|sip:bob@x||0|404|not found");
	free(r);
}
END_TEST

/* Calls open when sipd stops: rows with reason "sipd stopped" (200 answered, 500 ringing). */
START_TEST(test_sipd_stopped)
{
	struct sipmsg *a = invite("s1"), *b = invite("s2");
	int owner;

	callrec_invite(a, &owner);
	callrec_answered(a, &owner, 200, "sip:bob@x");
	callrec_invite(b, &owner);
	live_is(1, 1);
	sipmsg_unref(a);
	sipmsg_unref(b);
	char *r = rows();
	live_is(0, 0);
	ck_assert_str_eq(r, "s1|sip:alice@x|sip:bob@x|sip:bob@x|1|200|sipd stopped;"
	    "s2|sip:alice@x|sip:bob@x||0|500|sipd stopped");
	free(r);
}
END_TEST

static Suite *
callrec_suite(void)
{
	Suite *s = suite_create("callrec");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cause_map);
	tcase_add_test(tc, test_answered_hangups);
	tcase_add_test(tc, test_failures);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_sipd_stopped);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(callrec_suite)
