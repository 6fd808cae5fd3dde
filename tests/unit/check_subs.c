/* check_subs.c - the subscription state machine (subs.c, RFC 6665) over the real transaction
 * layer and the recording transport: an initial SUBSCRIBE gets 200 (Expires, Contact, To tag)
 * and a NOTIFY at once (active;expires, Event with its id, the package's body, the route set
 * from Record-Route, the Contact as Request-URI); a change while a NOTIFY is in flight waits
 * for its answer; refresh, out-of-order CSeq (500), unsubscribe (terminated;reason=timeout),
 * 481 for no subscription; 423 + Min-Expires, 400 for a bad Expires or no Contact, Expires
 * capped at subs.max_expires; a NOTIFY answered 481 or timing out ends the subscription;
 * the per-watcher limit (403); shutdown sends terminated;reason=deactivated. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "fake_transport.h"
#include "log.h"
#include "sipmsg.h"
#include "subs.h"
#include "txn.h"

static struct event_base	*base;

static char *
body(const char *resource, unsigned version, size_t *len)
{
	char *b;

	*len = (size_t)asprintf(&b, "doc %s v%u", resource, version);
	return b;
}

static const struct subs_package pkg = {
	.name = "presence", .ctype = "application/pidf+xml", .default_expires = 600, .body = body,
};

static void
setup(void)
{
	log_init(1, LOG_WARNING, "check_subs");
	base = event_base_new();
	cfg = config_defaults();
	cfg->t1_ms = 10;
	cfg->t2_ms = 40;
	cfg->t4_ms = 50;
	txn_init(base);
	subs_init(base);
	fake_transport_reset();
}

static void
teardown(void)
{
	subs_shutdown();
	txn_shutdown();
	event_base_free(base);
	config_free(cfg);
	cfg = NULL;
	fake_transport_reset();
}

static void
run_for(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static struct sipmsg *
parse(const char *s)
{
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(s, strlen(s), 1, &lim, &err);

	ck_assert_ptr_nonnull(m);
	ck_assert_msg(err.status == 0, "parse: %d %s", err.status, err.reason ? err.reason : "");
	fake_peer_set(&m->src, PROTO_UDP, "127.0.0.1", 5070, 0);
	return m;
}

/* SUBSCRIBE from the watcher (call-id cid); totag NULL: initial; expires NULL: none;
 * contact 0: without Contact. */
static void
subscribe(const char *cid, const char *totag, unsigned cseq, const char *expires, int contact)
{
	char buf[1024];
	struct sipmsg *m;
	struct txn *t;
	static int n;

	snprintf(buf, sizeof(buf),
	    "SUBSCRIBE sip:alice@example.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs%d\r\n"
	    "Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:bob@example.test>;tag=wtag\r\n"
	    "To: <sip:alice@example.test>%s%s\r\nCall-ID: %s\r\nCSeq: %u SUBSCRIBE\r\n%s"
	    "Event: presence;id=7\r\n%s%s%sContent-Length: 0\r\n\r\n", ++n,
	    totag ? ";tag=" : "", totag ? totag : "", cid, cseq,
	    contact ? "Contact: <sip:w@127.0.0.1:5070>\r\n" : "",
	    expires ? "Expires: " : "", expires ? expires : "", expires ? "\r\n" : "");
	m = parse(buf);
	t = txn_server_new(m);
	ck_assert_ptr_nonnull(t);
	subs_subscribe(t, m, &pkg, "sip:alice@example.test");
	sipmsg_unref(m);
}

/* The value of header name in the message text s (copied to a static buffer), or NULL. */
static const char *
hval(const char *s, const char *name)
{
	static char v[512];
	const char *p = s;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			snprintf(v, sizeof(v), "%.*s", (int)strcspn(p, "\r\n"), p);
			return v;
		}
	}
	return NULL;
}

/* Answer the NOTIFY fake_sent[i] with status. */
static void
answer(int i, int status)
{
	const char *s = fake_sent[i].buf;
	char buf[2048], via[256], from[256], to[256], cid[128], cseq[64];
	struct sipmsg *r;

	ck_assert_int_eq(strncmp(s, "NOTIFY ", 7), 0);
	snprintf(via, sizeof(via), "%s", hval(s, "Via"));
	snprintf(from, sizeof(from), "%s", hval(s, "From"));
	snprintf(to, sizeof(to), "%s", hval(s, "To"));
	snprintf(cid, sizeof(cid), "%s", hval(s, "Call-ID"));
	snprintf(cseq, sizeof(cseq), "%s", hval(s, "CSeq"));
	snprintf(buf, sizeof(buf), "SIP/2.0 %d X\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: %s\r\nContent-Length: 0\r\n\r\n", status, via, from, to, cid, cseq);
	r = parse(buf);
	ck_assert_int_eq(txn_client_response(r), 1);
	sipmsg_unref(r);
}

/* Our To tag from the 200 fake_sent[i]. */
static const char *
totag(int i)
{
	static char tag[64];
	const char *p = strstr(hval(fake_sent[i].buf, "To"), ";tag=");

	ck_assert_ptr_nonnull(p);
	snprintf(tag, sizeof(tag), "%s", p + 5);
	return tag;
}

START_TEST(test_subscribe_notify)
{
	const char *n;

	subscribe("c1", NULL, 1, NULL, 1);
	ck_assert_int_eq(fake_nsent, 2);
	ck_assert_int_eq(strncmp(fake_sent[0].buf, "SIP/2.0 200 ", 12), 0);
	ck_assert_str_eq(hval(fake_sent[0].buf, "Expires"), "600");	/* the package's default */
	ck_assert_str_eq(hval(fake_sent[0].buf, "Contact"), "<sip:alice@127.0.0.1:5999>");
	n = fake_sent[1].buf;
	ck_assert_int_eq(strncmp(n, "NOTIFY sip:w@127.0.0.1:5070 SIP/2.0\r\n", 37), 0);
	ck_assert_str_eq(hval(n, "Subscription-State"), "active;expires=600");
	ck_assert_str_eq(hval(n, "Event"), "presence;id=7");
	ck_assert_str_eq(hval(n, "CSeq"), "1 NOTIFY");
	ck_assert_str_eq(hval(n, "Route"), "<sip:p1.example;lr>");
	ck_assert_ptr_nonnull(strstr(n, "Route: <sip:p2.example;lr>\r\n"));
	ck_assert_str_eq(hval(n, "To"), "<sip:bob@example.test>;tag=wtag");
	ck_assert_ptr_nonnull(strstr(hval(n, "From"), totag(0)));
	ck_assert_str_eq(hval(n, "Content-Type"), "application/pidf+xml");
	ck_assert_ptr_nonnull(strstr(n, "\r\n\r\ndoc sip:alice@example.test v0"));
	ck_assert_uint_eq(subs_count(), 1);
	ck_assert_int_eq(subs_watched(&pkg, "sip:alice@example.test"), 1);
	ck_assert_int_eq(subs_watched(&pkg, "sip:carol@example.test"), 0);
	/* a change while the NOTIFY is in flight waits for its answer (CSeq order) */
	subs_changed(&pkg, "sip:alice@example.test");
	subs_changed(&pkg, "sip:alice@example.test");
	subs_changed(&pkg, "sip:carol@example.test");
	ck_assert_int_eq(fake_nsent, 2);
	answer(1, 200);
	ck_assert_int_eq(fake_nsent, 3);
	ck_assert_str_eq(hval(fake_sent[2].buf, "CSeq"), "2 NOTIFY");
	ck_assert_ptr_nonnull(strstr(fake_sent[2].buf, "v1"));
	answer(2, 200);
	ck_assert_int_eq(fake_nsent, 3);
}
END_TEST

START_TEST(test_refresh_and_end)
{
	char tag[64];

	subscribe("c2", NULL, 1, "900", 1);
	snprintf(tag, sizeof(tag), "%s", totag(0));
	answer(1, 200);
	subscribe("c2", tag, 2, "300", 1);
	ck_assert_int_eq(fake_nsent, 4);
	ck_assert_str_eq(hval(fake_sent[2].buf, "Expires"), "300");
	ck_assert_str_eq(hval(fake_sent[3].buf, "Subscription-State"), "active;expires=300");
	answer(3, 200);
	subscribe("c2", tag, 2, "300", 1);		/* CSeq not higher: RFC 3261 12.2.2 */
	ck_assert_int_eq(strncmp(fake_sent[4].buf, "SIP/2.0 500 ", 12), 0);
	subscribe("c2", tag, 3, "0", 1);		/* unsubscribe */
	ck_assert_int_eq(strncmp(fake_sent[5].buf, "SIP/2.0 200 ", 12), 0);
	ck_assert_str_eq(hval(fake_sent[6].buf, "Subscription-State"), "terminated;reason=timeout");
	ck_assert_uint_eq(subs_count(), 0);
	subscribe("c2", tag, 4, "300", 1);		/* gone */
	ck_assert_int_eq(strncmp(fake_sent[7].buf, "SIP/2.0 481 ", 12), 0);
	subscribe("c3", "forged", 1, "300", 1);
	ck_assert_int_eq(strncmp(fake_sent[8].buf, "SIP/2.0 481 ", 12), 0);
}
END_TEST

START_TEST(test_errors)
{
	subscribe("e1", NULL, 1, "10", 1);
	ck_assert_int_eq(strncmp(fake_sent[0].buf, "SIP/2.0 423 ", 12), 0);
	ck_assert_str_eq(hval(fake_sent[0].buf, "Min-Expires"), "60");
	subscribe("e2", NULL, 1, "abc", 1);
	ck_assert_int_eq(strncmp(fake_sent[1].buf, "SIP/2.0 400 ", 12), 0);
	subscribe("e3", NULL, 1, "600", 0);
	ck_assert_int_eq(strncmp(fake_sent[2].buf, "SIP/2.0 400 ", 12), 0);
	ck_assert_uint_eq(subs_count(), 0);
	subscribe("e4", NULL, 1, "99999999", 1);
	ck_assert_str_eq(hval(fake_sent[3].buf, "Expires"), "3600");	/* subs.max_expires */
	/* a fetch (Expires: 0): 200, one NOTIFY with the state, terminated */
	subscribe("e5", NULL, 1, "0", 1);
	ck_assert_int_eq(strncmp(fake_sent[5].buf, "SIP/2.0 200 ", 12), 0);
	ck_assert_str_eq(hval(fake_sent[6].buf, "Subscription-State"), "terminated;reason=timeout");
	ck_assert_ptr_nonnull(strstr(fake_sent[6].buf, "v0"));
	ck_assert_uint_eq(subs_count(), 1);
}
END_TEST

START_TEST(test_notify_failures)
{
	subscribe("f1", NULL, 1, NULL, 1);
	subscribe("f2", NULL, 1, NULL, 1);
	ck_assert_uint_eq(subs_count(), 2);
	answer(1, 481);				/* RFC 6665 4.2.2 */
	ck_assert_uint_eq(subs_count(), 1);
	run_for(1200);				/* f2's NOTIFY: Timer F (64 T1) */
	ck_assert_uint_eq(subs_count(), 0);
}
END_TEST

START_TEST(test_limits)
{
	char cid[16];

	cfg->subs_max_per_watcher = 3;
	for (int i = 0; i < 4; i++) {
		snprintf(cid, sizeof(cid), "l%d", i);
		subscribe(cid, NULL, 1, NULL, 1);
	}
	ck_assert_uint_eq(subs_count(), 3);
	ck_assert_int_eq(strncmp(fake_sent[fake_nsent - 1].buf, "SIP/2.0 403 ", 12), 0);
	cfg->subs_max_per_watcher = 100;
	cfg->subs_max_total = 3;
	subscribe("l9", NULL, 1, NULL, 1);
	ck_assert_int_eq(strncmp(fake_sent[fake_nsent - 1].buf, "SIP/2.0 503 ", 12), 0);
	ck_assert_uint_eq(subs_count(), 3);
}
END_TEST

/* A storm of refusals is one log line per SUBS_LOG_EVERY seconds, counting the quiet ones. */
START_TEST(test_lograte)
{
	struct subs_lograte r = { 0, 0 };
	unsigned long quiet = 99;

	ck_assert_int_eq(subs_lograte(&r, &quiet), 1);
	ck_assert_uint_eq(quiet, 0);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(subs_lograte(&r, &quiet), 0);
	r.next = time(NULL) - 1;	/* the period is over */
	ck_assert_int_eq(subs_lograte(&r, &quiet), 1);
	ck_assert_uint_eq(quiet, 1000);
	ck_assert_int_eq(subs_lograte(&r, &quiet), 0);
}
END_TEST

START_TEST(test_shutdown)
{
	subscribe("s1", NULL, 1, NULL, 1);
	answer(1, 200);
	subs_shutdown();
	ck_assert_int_eq(fake_nsent, 3);
	ck_assert_str_eq(hval(fake_sent[2].buf, "Subscription-State"), "terminated;reason=deactivated");
	ck_assert_uint_eq(subs_count(), 0);
	subs_init(base);			/* teardown shuts down again */
}
END_TEST

static Suite *
subs_suite(void)
{
	Suite *s = suite_create("subs");
	TCase *tc = tcase_create("subs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_subscribe_notify);
	tcase_add_test(tc, test_refresh_and_end);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_notify_failures);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_lograte);
	tcase_add_test(tc, test_shutdown);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(subs_suite)
