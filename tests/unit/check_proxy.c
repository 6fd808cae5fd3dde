/* check_proxy.c - the proxy's branch/response state machine (proxy.c, RFC 3261 16.7-16.10) fed
 * through the daemon's own entry point (dispatch_message with the handlers proxy_init
 * installs), on a real event base, a real SQLite store in a temp directory and the location
 * service in memory; what sipd sends is read from the recording transport (fake_transport.c).
 * The caller is 192.0.2.1:5060 (a user of another domain, so no credentials are asked); alice
 * has two phones of equal q (parallel forking) at 192.0.2.10 and 192.0.2.11. */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <osipparser2/osip_parser.h>

#include "buf.h"
#include "callrec.h"
#include "config.h"
#include "dispatch.h"
#include "domain.h"
#include "fake_transport.h"
#include "flow.h"
#include "location.h"
#include "pbx.h"
#include "proxy.h"
#include "proxy_edit.h"
#include "sipmsg.h"
#include "store.h"
#include "testenv.h"
#include "transport.h"
#include "txn.h"
#include "xmalloc.h"

#define PHONE1	"192.0.2.10"
#define PHONE2	"192.0.2.11"
#define CALLER	"192.0.2.1"

static struct sip_peer caller;

static void
peer_set(struct sip_peer *p, const char *ip, int port)
{
	fake_peer_set(p, PROTO_UDP, ip, port, 0);
}

/* A phone of alice at ip:5060 with q (x 1000), registered from there (not behind NAT). */
static void
bind_add_q(const char *ip, int q)
{
	struct binding *b = xcalloc(1, sizeof(*b));

	xasprintf(&b->contact, "sip:alice@%s:5060", ip);
	b->key = xstrdup(b->contact);
	b->params = xstrdup("");
	b->path = xstrdup("");
	b->call_id = xstrdup("reg-call");
	b->branch = xstrdup("z9hG4bKreg");
	b->user_agent = xstrdup("check");
	b->instance = xstrdup("");
	b->cseq = 1;
	b->expires = time(NULL) + 3600;
	b->q = q;
	b->updated = time(NULL);
	peer_set(&b->received, ip, 5060);
	location_put(location_get_or_add("sip:alice@example.test"), b);
}

static void
bind_add(const char *ip)
{
	bind_add_q(ip, 1000);
}

/* What daemon_run does before its loop, for the proxy's part. */
static void
setup(void)
{
	testenv_setup("proxy", "example.test", "relay: { mode = \"never\"; };\n");
	parser_init();
	txn_init(testenv_base);
	domain_init(cfg);
	flow_init();
	callrec_init(testenv_base);
	location_init();
	proxy_init(testenv_base);
	fake_transport_reset();
	peer_set(&caller, CALLER, 5060);
	bind_add(PHONE1);
	bind_add(PHONE2);
	testenv_sql("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) VALUES "
	    "('alice', 'example.test', 'r', '', '', '1001')");
}

/* What daemon_run does after its loop, in its order (the store closes before the proxy). */
static void
teardown(void)
{
	callrec_shutdown();
	store_close();
	proxy_shutdown();
	txn_shutdown();
	location_free();
	domain_free();
	fake_transport_reset();
	testenv_teardown();
}

/* Let deferred work and due timers run. */
static void
spin(void)
{
	for (int i = 0; i < 5; i++)
		event_base_loop(testenv_base, EVLOOP_NONBLOCK);
}

/* s arrives over UDP from ip:5060, through the daemon's receive pipeline. */
static void
feed(const char *s, const char *ip)
{
	struct sip_peer src;

	peer_set(&src, ip, 5060);
	dispatch_message(s, strlen(s), 1, &src);
	spin();
}

/* The INVITE the caller sends, with extra header lines. */
static void
invite(char *buf, size_t len, const char *ruri, const char *extra)
{
	snprintf(buf, len, "INVITE %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP " CALLER ":5060;branch=z9hG4bKcaller1\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: Zed <sip:zed@remote.test>;tag=zt1\r\n"
	    "To: <%s>\r\n"
	    "Call-ID: px-1@" CALLER "\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Contact: <sip:zed@" CALLER ":5060>\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n", ruri, ruri, extra ? extra : "");
}

/* The i-th (0-based) message sent since `from` whose first line starts with start, to ip
 * (NULL: anywhere); NULL when there is none. */
static const char *
sent(int from, const char *start, const char *ip, int i)
{
	char host[64];
	int port;

	for (int k = from; k < fake_nsent; k++) {
		if (strncmp(fake_sent[k].buf, start, strlen(start)) != 0)
			continue;
		sip_addr_host(&fake_sent[k].dst.addr, host, sizeof(host), &port);
		if (ip != NULL && strcmp(host, ip) != 0)
			continue;
		if (i-- == 0)
			return fake_sent[k].buf;
	}
	return NULL;
}

static int
nsent(int from, const char *start, const char *ip)
{
	int n = 0;

	while (sent(from, start, ip, n) != NULL)
		n++;
	return n;
}

/* The response a phone gives to req (a request sipd sent it): its Via, From, To (with tag
 * totag), Call-ID and CSeq lines, then extra. */
static char *
response(const char *req, int status, const char *reason, const char *totag, const char *extra)
{
	char *out;
	struct buf b;
	static const char *keep[] = { "Via:", "From:", "To:", "Call-ID:", "CSeq:" };

	buf_init(&b, 1024);
	buf_printf(&b, "SIP/2.0 %d %s\r\n", status, reason);
	for (const char *p = strstr(req, "\r\n") + 2; *p != '\r'; p = strstr(p, "\r\n") + 2) {
		size_t n = (size_t)(strstr(p, "\r\n") - p);
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
			if (strncasecmp(p, keep[k], strlen(keep[k])) != 0)
				continue;
			buf_printf(&b, "%.*s%s%s\r\n", (int)n, p,
			    k == 2 && totag ? ";tag=" : "", k == 2 && totag ? totag : "");
		}
	}
	buf_printf(&b, "%sContent-Length: 0\r\n\r\n", extra ? extra : "");
	out = xstrdup(b.p);
	buf_free(&b);
	return out;
}

/* Phone ip answers the INVITE sipd sent it (since from) with status. */
static void
answer(int from, const char *ip, int status, const char *reason, const char *extra)
{
	const char *req = sent(from, "INVITE ", ip, 0);
	char totag[32], *r;

	ck_assert_msg(req != NULL, "no INVITE went to %s", ip);
	snprintf(totag, sizeof(totag), "tag-%s", ip);
	r = response(req, status, reason, status == 100 ? NULL : totag, extra);
	feed(r, ip);
	free(r);
}

/* The new INVITE goes to alice: both phones get a copy, 100 Trying comes back at once. */
static void
call_alice(void)
{
	char buf[2048];

	invite(buf, sizeof(buf), "sip:alice@example.test", NULL);
	feed(buf, CALLER);
	ck_assert_ptr_nonnull(sent(0, "SIP/2.0 100 ", CALLER, 0));
	ck_assert_ptr_nonnull(sent(0, "INVITE sip:alice@" PHONE1 ":5060 ", PHONE1, 0));
	ck_assert_ptr_nonnull(sent(0, "INVITE sip:alice@" PHONE2 ":5060 ", PHONE2, 0));
	ck_assert_int_eq(nsent(0, "INVITE ", NULL), 2);
	ck_assert_int_eq(nsent(0, "SIP/2.0 ", CALLER), 1);	/* nothing else yet */
	ck_assert_ptr_eq(sent(0, "SIP/2.0 100 ", CALLER, 0), fake_sent[0].buf);	/* first */
}

/* Parallel forking (16.6): a 180 is relayed at once, the 200 of the other phone too, and the
 * phone that rang gets a CANCEL (16.7 step 10). */
START_TEST(test_fork_answer)
{
	const char *r, *copy;
	int mark;

	call_alice();
	copy = sent(0, "INVITE ", PHONE1, 0);
	ck_assert_ptr_nonnull(strstr(copy, "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK"));
	ck_assert_ptr_nonnull(strstr(copy,
	    "Via: SIP/2.0/UDP " CALLER ":5060;branch=z9hG4bKcaller1"));
	ck_assert_ptr_nonnull(strstr(copy, "Max-Forwards: 69\r\n"));
	ck_assert_ptr_nonnull(strstr(copy, "Record-Route: <sip:127.0.0.1:5999;lr>\r\n"));
	ck_assert_str_ne(strstr(sent(0, "INVITE ", PHONE1, 0), "branch="),
	    strstr(sent(0, "INVITE ", PHONE2, 0), "branch="));	/* one branch each */
	mark = fake_nsent;
	answer(0, PHONE1, 180, "Ringing", NULL);
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 180 ", CALLER, 0));
	ck_assert_ptr_null(strstr(r, "127.0.0.1:5999"));	/* our Via is gone */
	ck_assert_ptr_nonnull(strstr(r, "branch=z9hG4bKcaller1"));
	mark = fake_nsent;
	answer(0, PHONE2, 200, "OK", "Contact: <sip:alice@" PHONE2 ":5060>\r\n");
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 200 ", CALLER, 0));
	ck_assert_ptr_nonnull(strstr(r, "tag-" PHONE2));
	ck_assert_ptr_nonnull(r = sent(mark, "CANCEL sip:alice@" PHONE1 ":5060 ", PHONE1, 0));
	ck_assert_ptr_nonnull(strstr(r, "CSeq: 1 CANCEL\r\n"));
	ck_assert_int_eq(nsent(mark, "CANCEL ", PHONE2), 0);
	/* the cancelled phone's 487 is acknowledged hop by hop and goes no further */
	mark = fake_nsent;
	answer(0, PHONE1, 487, "Request Terminated", NULL);
	ck_assert_ptr_nonnull(sent(mark, "ACK ", PHONE1, 0));
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 0);
}
END_TEST

/* 16.7 step 6: of two 4xx the first stays the best; nothing goes upstream before the last
 * branch is final. */
START_TEST(test_best_4xx)
{
	const char *r;
	int mark;

	call_alice();
	mark = fake_nsent;
	answer(0, PHONE1, 486, "Busy Here", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 0);
	answer(0, PHONE2, 404, "Not Found", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 1);
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 486 ", CALLER, 0));
	ck_assert_ptr_null(strstr(r, "127.0.0.1:5999"));
	ck_assert_int_eq(nsent(mark, "ACK ", NULL), 2);		/* each non-2xx acknowledged */
}
END_TEST

/* 16.7 step 6: the lowest class wins (4xx over 5xx); a 503 alone becomes 500, so the caller
 * does not take sipd itself for out of service. */
START_TEST(test_best_class)
{
	int mark;

	call_alice();
	mark = fake_nsent;
	answer(0, PHONE1, 503, "Service Unavailable", NULL);
	answer(0, PHONE2, 480, "Temporarily Unavailable", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 1);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 480 ", CALLER, 0));
	teardown();
	setup();
	call_alice();
	mark = fake_nsent;
	answer(0, PHONE1, 503, "Service Unavailable", NULL);
	answer(0, PHONE2, 503, "Service Unavailable", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 1);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 500 ", CALLER, 0));
}
END_TEST

/* A 6xx ends the search: the other branch is cancelled, and once it is done the 6xx (not its
 * 487) goes upstream (16.7 steps 5 and 6). */
START_TEST(test_6xx)
{
	int mark;

	call_alice();
	answer(0, PHONE1, 180, "Ringing", NULL);
	mark = fake_nsent;
	answer(0, PHONE2, 603, "Decline", NULL);
	ck_assert_ptr_nonnull(sent(mark, "CANCEL ", PHONE1, 0));
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 0);	/* held until PHONE1 is final */
	answer(0, PHONE1, 487, "Request Terminated", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 1);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 603 ", CALLER, 0));
}
END_TEST

/* 16.7 step 7: the challenges of both branches go upstream in one response. */
START_TEST(test_challenges)
{
	const char *r;
	int mark;

	call_alice();
	mark = fake_nsent;
	answer(0, PHONE1, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"one.test\", nonce=\"n1\"\r\n");
	answer(0, PHONE2, 407, "Proxy Authentication Required",
	    "Proxy-Authenticate: Digest realm=\"two.test\", nonce=\"n2\"\r\n");
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 1);
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 401 ", CALLER, 0));
	ck_assert_ptr_nonnull(strstr(r,
	    "WWW-Authenticate: Digest realm=\"one.test\", nonce=\"n1\""));
	ck_assert_ptr_nonnull(strstr(r,
	    "Proxy-Authenticate: Digest realm=\"two.test\", nonce=\"n2\""));
}
END_TEST

/* The caller's CANCEL (16.10): 200 to it, a CANCEL down each branch that rang (a branch that
 * has not answered at all gets its CANCEL once its 1xx comes, 9.1), 487 upstream once the
 * branches are done. */
START_TEST(test_caller_cancel)
{
	const char *r;
	char cancel[1024];
	int mark;

	call_alice();
	answer(0, PHONE1, 180, "Ringing", NULL);
	mark = fake_nsent;
	snprintf(cancel, sizeof(cancel), "CANCEL sip:alice@example.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP " CALLER ":5060;branch=z9hG4bKcaller1\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: Zed <sip:zed@remote.test>;tag=zt1\r\n"
	    "To: <sip:alice@example.test>\r\n"
	    "Call-ID: px-1@" CALLER "\r\n"
	    "CSeq: 1 CANCEL\r\n"
	    "Content-Length: 0\r\n\r\n");
	feed(cancel, CALLER);
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 200 ", CALLER, 0));
	ck_assert_ptr_nonnull(strstr(r, "CSeq: 1 CANCEL"));
	ck_assert_ptr_nonnull(sent(mark, "CANCEL ", PHONE1, 0));
	ck_assert_int_eq(nsent(mark, "CANCEL ", PHONE2), 0);	/* no 1xx from it yet */
	answer(0, PHONE2, 100, "Trying", NULL);
	ck_assert_ptr_nonnull(sent(mark, "CANCEL ", PHONE2, 0));
	answer(0, PHONE1, 487, "Request Terminated", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 487 ", CALLER), 0);
	answer(0, PHONE2, 487, "Request Terminated", NULL);
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 487 ", CALLER, 0));
	ck_assert_ptr_nonnull(strstr(r, "CSeq: 1 INVITE"));
	ck_assert_int_eq(nsent(mark, "SIP/2.0 487 ", CALLER), 1);
	/* a CANCEL that matches no INVITE: 481 */
	mark = fake_nsent;
	cancel[strlen("CANCEL sip:alice@example.test SIP/2.0\r\nVia: SIP/2.0/UDP " CALLER
	    ":5060;branch=z9hG4bKcaller")] = '9';
	feed(cancel, CALLER);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 481 ", CALLER, 0));
}
END_TEST

/* 16.3 step 3: Max-Forwards 0 is 483, nothing is forwarded. */
START_TEST(test_max_forwards)
{
	char buf[2048];

	invite(buf, sizeof(buf), "sip:alice@example.test", NULL);
	memcpy(strstr(buf, "Max-Forwards: 70"), "Max-Forwards: 00", 16);
	feed(buf, CALLER);
	ck_assert_ptr_nonnull(sent(0, "SIP/2.0 483 ", CALLER, 0));
	ck_assert_int_eq(nsent(0, "INVITE ", NULL), 0);
}
END_TEST

/* 16.3 step 4: a request that carries our Via with its own loop hash came back: 482. */
START_TEST(test_loop)
{
	char buf[2048], loop[2400], branch[64];
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m;
	const char *via2;

	invite(buf, sizeof(buf), "sip:alice@example.test", NULL);
	ck_assert_ptr_nonnull(m = sipmsg_parse(buf, strlen(buf), 1, &lim, &err));
	proxy_edit_branch(m, 0, branch, sizeof(branch));
	sipmsg_unref(m);
	via2 = strstr(buf, "Max-Forwards");
	snprintf(loop, sizeof(loop), "%.*sVia: SIP/2.0/UDP example.test:5060;branch=%s\r\n%s",
	    (int)(via2 - buf), buf, branch, via2);
	feed(loop, CALLER);
	ck_assert_ptr_nonnull(sent(0, "SIP/2.0 482 ", CALLER, 0));
	ck_assert_int_eq(nsent(0, "INVITE ", NULL), 0);
}
END_TEST

/* 16.7 step 5: a 2xx retransmission (or a second fork's 2xx) goes upstream too; then an
 * in-dialog BYE routed through our Record-Route goes to the remote target with our Route
 * removed, and the ACK for the 2xx is forwarded statelessly (16.11). */
START_TEST(test_dialog)
{
	const char *r;
	char req[2048];
	int mark;

	call_alice();
	answer(0, PHONE2, 200, "OK", "Contact: <sip:alice@" PHONE2 ":5060>\r\n");
	mark = fake_nsent;
	answer(0, PHONE2, 200, "OK", "Contact: <sip:alice@" PHONE2 ":5060>\r\n");
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 200 ", CALLER, 0));
	mark = fake_nsent;
	snprintf(req, sizeof(req), "ACK sip:alice@" PHONE2 ":5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP " CALLER ":5060;branch=z9hG4bKcallerack\r\n"
	    "Route: <sip:127.0.0.1:5999;lr>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: Zed <sip:zed@remote.test>;tag=zt1\r\n"
	    "To: <sip:alice@example.test>;tag=tag-" PHONE2 "\r\n"
	    "Call-ID: px-1@" CALLER "\r\n"
	    "CSeq: 1 ACK\r\n"
	    "Content-Length: 0\r\n\r\n");
	feed(req, CALLER);
	ck_assert_ptr_nonnull(r = sent(mark, "ACK sip:alice@" PHONE2 ":5060 ", PHONE2, 0));
	ck_assert_ptr_null(strstr(r, "Route:"));
	ck_assert_ptr_nonnull(strstr(r, "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK"));
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", NULL), 0);	/* an ACK is never answered */
	mark = fake_nsent;
	snprintf(req, sizeof(req), "BYE sip:alice@" PHONE2 ":5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP " CALLER ":5060;branch=z9hG4bKcallerbye\r\n"
	    "Route: <sip:127.0.0.1:5999;lr>\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: Zed <sip:zed@remote.test>;tag=zt1\r\n"
	    "To: <sip:alice@example.test>;tag=tag-" PHONE2 "\r\n"
	    "Call-ID: px-1@" CALLER "\r\n"
	    "CSeq: 2 BYE\r\n"
	    "Content-Length: 0\r\n\r\n");
	feed(req, CALLER);
	ck_assert_ptr_nonnull(r = sent(mark, "BYE sip:alice@" PHONE2 ":5060 ", PHONE2, 0));
	ck_assert_ptr_null(strstr(r, "Route:"));
	ck_assert_ptr_null(strstr(r, "Record-Route:"));		/* not a dialog-creating request */
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 0);	/* no 100 to a non-INVITE */
	r = response(r, 200, "OK", NULL, NULL);
	feed(r, PHONE2);
	free((char *)r);
	ck_assert_ptr_nonnull(r = sent(mark, "SIP/2.0 200 ", CALLER, 0));
	ck_assert_ptr_nonnull(strstr(r, "CSeq: 2 BYE"));
	ck_assert_ptr_null(strstr(r, "127.0.0.1:5999"));
}
END_TEST

/* Serial forking (16.6, proxy.serial_forking): the highest q rings first; the next q only when
 * it failed; its 2xx goes upstream. */
START_TEST(test_serial)
{
	int mark;
	char buf[2048];

	location_remove_aor("sip:alice@example.test");
	bind_add_q(PHONE1, 1000);
	bind_add_q(PHONE2, 500);
	invite(buf, sizeof(buf), "sip:alice@example.test", NULL);
	feed(buf, CALLER);
	ck_assert_ptr_nonnull(sent(0, "INVITE ", PHONE1, 0));
	ck_assert_int_eq(nsent(0, "INVITE ", PHONE2), 0);
	mark = fake_nsent;
	answer(0, PHONE1, 480, "Temporarily Unavailable", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 ", CALLER), 0);
	ck_assert_ptr_nonnull(sent(mark, "INVITE ", PHONE2, 0));
	answer(0, PHONE2, 200, "OK", "Contact: <sip:alice@" PHONE2 ":5060>\r\n");
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 200 ", CALLER, 0));
	ck_assert_int_eq(nsent(mark, "SIP/2.0 480 ", CALLER), 0);
}
END_TEST

/* Timer C (16.6 step 11): no final answer in time: a branch that rang is CANCELled, one that
 * never answered counts as 408; the caller gets 408 once the cancelled branch is done. */
START_TEST(test_timer_c)
{
	int mark;
	struct timeval tv = { 1, 300000 };

	cfg->timer_c = 1;
	call_alice();
	answer(0, PHONE1, 180, "Ringing", NULL);
	mark = fake_nsent;
	event_base_loopexit(testenv_base, &tv);
	event_base_dispatch(testenv_base);
	ck_assert_ptr_nonnull(sent(mark, "CANCEL ", PHONE1, 0));
	ck_assert_int_eq(nsent(mark, "CANCEL ", PHONE2), 0);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 4", CALLER), 0);
	answer(0, PHONE1, 487, "Request Terminated", NULL);
	ck_assert_int_eq(nsent(mark, "SIP/2.0 4", CALLER), 1);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 408 ", CALLER, 0));
}
END_TEST

/* 16.5: a user of ours with no phone registered is 480, a user that does not exist 404; with
 * auth.hide_users (the default) a caller not known to be ours hears 404 for both. */
START_TEST(test_unreachable)
{
	char buf[2048];
	int mark;

	invite(buf, sizeof(buf), "sip:nobody@example.test", NULL);
	feed(buf, CALLER);
	ck_assert_ptr_nonnull(sent(0, "SIP/2.0 404 ", CALLER, 0));
	ck_assert_int_eq(nsent(0, "INVITE ", NULL), 0);
	location_remove_aor("sip:alice@example.test");
	ck_assert_int_eq(cfg->hide_users, 1);
	mark = fake_nsent;
	invite(buf, sizeof(buf), "sip:alice@example.test", NULL);
	memcpy(strstr(buf, "caller1"), "caller2", 7);
	feed(buf, CALLER);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 404 ", CALLER, 0));
	cfg->hide_users = 0;
	mark = fake_nsent;
	memcpy(strstr(buf, "caller2"), "caller3", 7);
	feed(buf, CALLER);
	ck_assert_ptr_nonnull(sent(mark, "SIP/2.0 480 ", CALLER, 0));
	ck_assert_int_eq(nsent(0, "INVITE ", NULL), 0);
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("state machine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fork_answer);
	tcase_add_test(tc, test_best_4xx);
	tcase_add_test(tc, test_best_class);
	tcase_add_test(tc, test_6xx);
	tcase_add_test(tc, test_challenges);
	tcase_add_test(tc, test_caller_cancel);
	tcase_add_test(tc, test_max_forwards);
	tcase_add_test(tc, test_loop);
	tcase_add_test(tc, test_dialog);
	tcase_add_test(tc, test_serial);
	tcase_add_test(tc, test_timer_c);
	tcase_add_test(tc, test_unreachable);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(proxy_suite)
