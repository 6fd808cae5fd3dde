/* check_txn.c - the transaction layer on a real libevent base with short timers.
 *
 * The transport is the recording fake of fake_transport.c: what would have been sent is in
 * fake_sent[0 .. fake_nsent - 1]. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/event.h>

#include "fake_transport.h"
#include "log.h"
#include "sipd.h"
#include "sipmsg.h"
#include "transport.h"
#include "txn.h"

#define T1	20
#define T2	80
#define T4	100

/* ---- fixture ---- */

static struct event_base	*base;

static void
setup(void)
{
	log_init(1, LOG_WARNING, "check_txn");
	base = event_base_new();
	cfg = config_defaults();
	cfg->t1_ms = T1;
	cfg->t2_ms = T2;
	cfg->t4_ms = T4;
	txn_init(base);
	fake_transport_reset();
}

static void
teardown(void)
{
	txn_shutdown();
	event_base_free(base);
	config_free(cfg);
	cfg = NULL;
	fake_transport_reset();
}

/* Run the loop for ms milliseconds. */
static void
run_for(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
peer_set(struct sip_peer *p, enum sip_proto proto, const char *ip, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&p->addr;

	memset(p, 0, sizeof(*p));
	p->proto = proto;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	p->addrlen = sizeof(*sin);
	p->lsock = -1;
}

static int
peer_port(const struct sip_peer *p)
{
	return ntohs(((const struct sockaddr_in *)&p->addr)->sin_port);
}

/* Parse a message the test wrote; it must be valid. */
static struct sipmsg *
parse(const char *s, enum sip_proto proto)
{
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(s, strlen(s), 1, &lim, &err);

	ck_assert_ptr_nonnull(m);
	ck_assert_msg(err.status == 0, "parse: %d %s", err.status, err.reason ? err.reason : "");
	peer_set(&m->src, proto, "127.0.0.1", 5070);
	return m;
}

/* A request from the test peer; branch NULL: RFC 2543 style (no branch). */
static struct sipmsg *
request(const char *method, const char *branch, const char *totag, unsigned cseq, enum sip_proto proto)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	    "%s sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/%s 127.0.0.1:5070%s%s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: Alice <sip:alice@example.com>;tag=ftag1\r\n"
	    "To: Bob <sip:bob@example.com>%s%s\r\n"
	    "Call-ID: call-1@127.0.0.1\r\n"
	    "CSeq: %u %s\r\n"
	    "Content-Length: 0\r\n\r\n",
	    method, proto == PROTO_UDP ? "UDP" : "TCP", branch ? ";branch=" : "", branch ? branch : "",
	    totag ? ";tag=" : "", totag ? totag : "", cseq, method);
	return parse(buf, proto);
}

static struct sipmsg *
response(int status, const char *branch, const char *method, const char *totag)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	    "SIP/2.0 %d Whatever\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKup1\r\n"
	    "From: Alice <sip:alice@example.com>;tag=ftag1\r\n"
	    "To: Bob <sip:bob@example.com>%s%s\r\n"
	    "Call-ID: call-2@127.0.0.1\r\n"
	    "CSeq: 7 %s\r\n"
	    "Content-Length: 0\r\n\r\n",
	    status, branch, totag ? ";tag=" : "", totag ? totag : "", method);
	return parse(buf, PROTO_UDP);
}

/* The request a client transaction sends (as a proxy would forward it). */
static char *
client_request(const char *method, const char *branch, size_t *len)
{
	char s[1024];

	snprintf(s, sizeof(s),
	    "%s sip:bob@192.0.2.9:5080 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKup1\r\n"
	    "Route: <sip:p1.example.com;lr>\r\n"
	    "Route: <sip:p2.example.com;lr>\r\n"
	    "Max-Forwards: 69\r\n"
	    "From: Alice <sip:alice@example.com>;tag=ftag1\r\n"
	    "To: Bob <sip:bob@example.com>\r\n"
	    "Call-ID: call-2@127.0.0.1\r\n"
	    "CSeq: 7 %s\r\n"
	    "Contact: <sip:alice@127.0.0.1:5070>\r\n"
	    "Content-Length: 0\r\n\r\n", method, branch, method);
	*len = strlen(s);
	return strdup(s);
}

/* What client callbacks saw. */
struct seen {
	int	 calls;
	int	 status[16];
	int	 had_resp[16];
};

static void
record_cb(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	struct seen *s = arg;

	if (s->calls < 16) {
		s->status[s->calls] = status;
		s->had_resp[s->calls] = resp != NULL;
	}
	s->calls++;
}

static struct txn *
client_new(enum sip_method m, const char *mname, const char *branch, struct seen *seen)
{
	struct sip_peer dst;
	size_t len;
	char *buf = client_request(mname, branch, &len);

	peer_set(&dst, PROTO_UDP, "192.0.2.9", 5080);
	return txn_client_new(&dst, m, branch, buf, len, record_cb, seen);
}

/* ---- server, non-INVITE ---- */

START_TEST(test_server_noninvite_absorb)
{
	struct sipmsg *m = request("OPTIONS", "z9hG4bKnon1", NULL, 1, PROTO_UDP);
	struct sipmsg *again = request("OPTIONS", "z9hG4bKnon1", NULL, 1, PROTO_UDP);
	struct txn *t;

	ck_assert_ptr_null(txn_server_match(m));
	t = txn_server_new(m);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_eq(txn_server_match(again), t);
	ck_assert_ptr_eq(txn_request(t), m);
	txn_server_absorb(t, again);		/* Trying: nothing to resend */
	ck_assert_int_eq(fake_nsent, 0);

	ck_assert_int_eq(txn_reply(t, 200, "OK", NULL, NULL, NULL, 0), 0);
	ck_assert_int_eq(fake_nsent, 1);
	ck_assert_int_eq(strncmp(fake_sent[0].buf, "SIP/2.0 200 OK\r\n", 16), 0);
	ck_assert_int_eq(peer_port(&fake_sent[0].dst), 5070);
	ck_assert_ptr_nonnull(strstr(fake_sent[0].buf, txn_totag(t)));
	ck_assert_uint_ge(strlen(txn_totag(t)), 10);

	ck_assert_ptr_eq(txn_server_match(again), t);
	txn_server_absorb(t, again);		/* Completed: the same bytes again */
	ck_assert_int_eq(fake_nsent, 2);
	ck_assert_uint_eq(fake_sent[1].len, fake_sent[0].len);
	ck_assert_mem_eq(fake_sent[1].buf, fake_sent[0].buf, fake_sent[0].len);
	ck_assert_int_eq(txn_final_status(t), 200);
	ck_assert_int_eq(txn_reply(t, 500, NULL, NULL, NULL, NULL, 0), -1);
	ck_assert_int_eq(fake_nsent, 2);
	ck_assert_uint_eq(txn_count(), 1);
	sipmsg_unref(m);
	sipmsg_unref(again);
}
END_TEST

START_TEST(test_server_noninvite_provisional)
{
	struct sipmsg *m = request("REGISTER", "z9hG4bKnon2", NULL, 1, PROTO_UDP);
	struct txn *t = txn_server_new(m);

	ck_assert_int_eq(txn_reply(t, 100, "Trying", NULL, NULL, NULL, 0), 0);
	txn_server_absorb(t, m);		/* Proceeding: the 100 again */
	ck_assert_int_eq(fake_nsent, 2);
	ck_assert_str_eq(fake_sent[1].buf, fake_sent[0].buf);
	ck_assert_int_eq(txn_final_status(t), 0);
	run_for(3 * T1);			/* no timer resends a provisional */
	ck_assert_int_eq(fake_nsent, 2);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_server_timer_j)
{
	struct sipmsg *m = request("OPTIONS", "z9hG4bKj1", NULL, 1, PROTO_UDP);
	struct txn *t = txn_server_new(m);

	txn_ref(t);
	txn_reply(t, 404, "Not Found", NULL, NULL, NULL, 0);
	run_for(64 * T1 - 10 * T1);
	ck_assert_ptr_eq(txn_server_match(m), t);
	run_for(20 * T1);			/* Timer J fired */
	ck_assert_ptr_null(txn_server_match(m));
	ck_assert_uint_eq(txn_count(), 0);
	ck_assert_int_eq(txn_final_status(t), 404);	/* our reference keeps it readable */
	ck_assert_int_eq(txn_reply(t, 200, NULL, NULL, NULL, NULL, 0), -1);
	txn_unref(t);
	run_for(1);				/* the deferred free runs */
	ck_assert_int_eq(fake_nsent, 1);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_server_reliable)
{
	struct sipmsg *m = request("OPTIONS", "z9hG4bKtcp1", NULL, 1, PROTO_TCP);
	struct sipmsg *inv = request("INVITE", "z9hG4bKtcp2", NULL, 1, PROTO_TCP);
	struct sipmsg *ack = request("ACK", "z9hG4bKtcp2", "x", 1, PROTO_TCP);
	struct txn *t = txn_server_new(m), *ti = txn_server_new(inv);

	txn_reply(t, 200, "OK", NULL, NULL, NULL, 0);
	txn_reply(ti, 486, "Busy Here", NULL, NULL, NULL, 0);
	run_for(3 * T1);			/* J = 0; no Timer G over TCP */
	ck_assert_ptr_null(txn_server_match(m));
	ck_assert_int_eq(fake_nsent, 2);
	ck_assert_ptr_eq(txn_server_match(ack), ti);
	txn_server_absorb(ti, ack);
	run_for(1);				/* I = 0 */
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(m);
	sipmsg_unref(inv);
	sipmsg_unref(ack);
}
END_TEST

/* ---- server, INVITE ---- */

START_TEST(test_server_invite_non2xx)
{
	struct sipmsg *inv = request("INVITE", "z9hG4bKinv1", NULL, 1, PROTO_UDP);
	struct sipmsg *ack = request("ACK", "z9hG4bKinv1", "whatever", 1, PROTO_UDP);
	struct txn *t = txn_server_new(inv);
	int n;

	ck_assert_ptr_null(txn_server_match(ack));	/* nothing final sent yet */
	txn_reply(t, 100, "Trying", NULL, NULL, NULL, 0);
	txn_server_absorb(t, inv);
	ck_assert_int_eq(fake_nsent, 2);		/* 100 resent on the retransmission only */
	txn_reply(t, 486, "Busy Here", NULL, NULL, NULL, 0);
	ck_assert_int_eq(fake_nsent, 3);
	run_for(T1 + T1 / 2);			/* Timer G at T1 */
	ck_assert_int_eq(fake_nsent, 4);
	run_for(2 * T1);			/* ... then 2*T1 */
	ck_assert_int_eq(fake_nsent, 5);
	for (int i = 3; i < fake_nsent; i++)
		ck_assert_str_eq(fake_sent[i].buf, fake_sent[2].buf);

	ck_assert_ptr_eq(txn_server_match(ack), t);	/* ACK for a non-2xx: ours */
	txn_server_absorb(t, ack);		/* -> Confirmed */
	n = fake_nsent;
	run_for(T4 / 2);
	ck_assert_int_eq(fake_nsent, n);		/* G stopped */
	ck_assert_ptr_eq(txn_server_match(ack), t);	/* Confirmed absorbs ACKs */
	txn_server_absorb(t, inv);
	ck_assert_int_eq(fake_nsent, n);
	run_for(T4);				/* Timer I */
	ck_assert_ptr_null(txn_server_match(ack));
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(inv);
	sipmsg_unref(ack);
}
END_TEST

START_TEST(test_server_invite_timer_h)
{
	struct sipmsg *inv = request("INVITE", "z9hG4bKinvh", NULL, 1, PROTO_UDP);
	struct txn *t = txn_server_new(inv);

	txn_reply(t, 603, "Decline", NULL, NULL, NULL, 0);
	run_for(64 * T1 + 5 * T1);
	/* G at 20, 60, 140, then every T2 (80) until H at 1280: 17 sends, give or take a late one */
	ck_assert_int_ge(fake_nsent, 15);
	ck_assert_int_le(fake_nsent, 18);
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(inv);
}
END_TEST

START_TEST(test_server_invite_2xx)
{
	struct sipmsg *inv = request("INVITE", "z9hG4bKinv2", NULL, 1, PROTO_UDP);
	struct sipmsg *ack = request("ACK", "z9hG4bKack2", "x", 1, PROTO_UDP);
	struct sipmsg *ack_same = request("ACK", "z9hG4bKinv2", "x", 1, PROTO_UDP);
	struct txn *t = txn_server_new(inv);

	ck_assert_int_eq(txn_reply(t, 200, "OK", NULL, NULL, NULL, 0), 0);
	ck_assert_int_eq(fake_nsent, 1);
	ck_assert_ptr_eq(txn_server_match(inv), t);
	txn_server_absorb(t, inv);		/* RFC 6026 Accepted: absorbed, not resent */
	ck_assert_int_eq(fake_nsent, 1);
	ck_assert_ptr_null(txn_server_match(ack));	/* the ACK for a 2xx goes up */
	ck_assert_ptr_null(txn_server_match(ack_same));
	run_for(4 * T1);
	ck_assert_int_eq(fake_nsent, 1);		/* no Timer G for 2xx */
	ck_assert_int_eq(txn_reply(t, 200, "OK", NULL, NULL, NULL, 0), 0);	/* a 2xx from the TU */
	ck_assert_int_eq(fake_nsent, 2);
	ck_assert_int_eq(txn_reply(t, 486, "Busy", NULL, NULL, NULL, 0), -1);
	run_for(64 * T1);			/* Timer L */
	ck_assert_ptr_null(txn_server_match(inv));
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(inv);
	sipmsg_unref(ack);
	sipmsg_unref(ack_same);
}
END_TEST

/* ---- CANCEL ---- */

static void
cancel_cb(struct txn *t, void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_cancel_match)
{
	struct sipmsg *inv = request("INVITE", "z9hG4bKc1", NULL, 1, PROTO_UDP);
	struct sipmsg *cancel = request("CANCEL", "z9hG4bKc1", NULL, 1, PROTO_UDP);
	struct sipmsg *other = request("CANCEL", "z9hG4bKc2", NULL, 1, PROTO_UDP);
	struct txn *t = txn_server_new(inv), *tc;
	int fired = 0;

	ck_assert_ptr_null(txn_server_match(cancel));	/* its own method: not the INVITE */
	ck_assert_ptr_eq(txn_server_match_cancel(cancel), t);
	ck_assert_ptr_null(txn_server_match_cancel(other));
	tc = txn_server_new(cancel);
	ck_assert_ptr_nonnull(tc);
	ck_assert_ptr_ne(tc, t);
	ck_assert_ptr_eq(txn_server_match(cancel), tc);
	ck_assert_ptr_eq(txn_server_match(inv), t);

	txn_on_cancel(t, cancel_cb, &fired);
	txn_reply(tc, 200, "OK", NULL, NULL, NULL, 0);
	ck_assert_int_eq(txn_is_cancelled(t), 0);
	txn_cancelled(t);
	ck_assert_int_eq(fired, 1);
	ck_assert_int_eq(txn_is_cancelled(t), 1);
	txn_cancelled(t);			/* a retransmitted CANCEL: once only */
	ck_assert_int_eq(fired, 1);
	txn_reply(t, 487, "Request Terminated", NULL, NULL, NULL, 0);
	ck_assert_int_eq(txn_final_status(t), 487);
	sipmsg_unref(inv);
	sipmsg_unref(cancel);
	sipmsg_unref(other);
}
END_TEST

START_TEST(test_cancel_after_final)
{
	struct sipmsg *inv = request("INVITE", "z9hG4bKc3", NULL, 1, PROTO_UDP);
	struct sipmsg *cancel = request("CANCEL", "z9hG4bKc3", NULL, 1, PROTO_UDP);
	struct txn *t = txn_server_new(inv);
	int fired = 0;

	txn_on_cancel(t, cancel_cb, &fired);
	txn_reply(t, 200, "OK", NULL, NULL, NULL, 0);
	ck_assert_ptr_eq(txn_server_match_cancel(cancel), t);
	txn_cancelled(t);			/* RFC 3261 9.2: no effect after a final */
	ck_assert_int_eq(fired, 0);
	ck_assert_int_eq(txn_is_cancelled(t), 0);
	sipmsg_unref(inv);
	sipmsg_unref(cancel);
}
END_TEST

/* ---- RFC 2543 fallback ---- */

START_TEST(test_rfc2543_matching)
{
	struct sipmsg *inv = request("INVITE", NULL, NULL, 5, PROTO_UDP);
	struct sipmsg *inv2 = request("INVITE", NULL, NULL, 5, PROTO_UDP);
	struct sipmsg *other = request("INVITE", NULL, NULL, 6, PROTO_UDP);
	struct sipmsg *oldbranch = request("INVITE", "1234", NULL, 5, PROTO_UDP);
	struct sipmsg *cancel = request("CANCEL", NULL, NULL, 5, PROTO_UDP);
	struct sipmsg *ack_ok, *ack_bad;
	struct txn *t = txn_server_new(inv);

	ck_assert_ptr_eq(txn_server_match(inv2), t);
	ck_assert_ptr_null(txn_server_match(other));	/* CSeq differs */
	ck_assert_ptr_null(txn_server_match(oldbranch));	/* top Via differs */
	ck_assert_ptr_eq(txn_server_match_cancel(cancel), t);
	ck_assert_ptr_null(txn_server_match(cancel));

	txn_reply(t, 404, "Not Found", NULL, NULL, NULL, 0);
	ack_ok = request("ACK", NULL, txn_totag(t), 5, PROTO_UDP);
	ack_bad = request("ACK", NULL, "someoneelse", 5, PROTO_UDP);
	ck_assert_ptr_eq(txn_server_match(ack_ok), t);	/* To tag of our 404 */
	ck_assert_ptr_null(txn_server_match(ack_bad));
	txn_server_absorb(t, ack_ok);
	run_for(T1 * 2);
	ck_assert_int_eq(fake_nsent, 1);		/* Confirmed: Timer G stopped */

	sipmsg_unref(inv);
	sipmsg_unref(inv2);
	sipmsg_unref(other);
	sipmsg_unref(oldbranch);
	sipmsg_unref(cancel);
	sipmsg_unref(ack_ok);
	sipmsg_unref(ack_bad);
}
END_TEST

START_TEST(test_rfc2543_2xx_ack_passes)
{
	struct sipmsg *inv = request("INVITE", NULL, NULL, 8, PROTO_UDP);
	struct txn *t = txn_server_new(inv);
	struct sipmsg *ack;

	txn_reply(t, 200, "OK", NULL, NULL, NULL, 0);
	ack = request("ACK", NULL, txn_totag(t), 8, PROTO_UDP);
	ck_assert_ptr_null(txn_server_match(ack));
	sipmsg_unref(inv);
	sipmsg_unref(ack);
}
END_TEST

/* ---- limits, ACK, logging ---- */

START_TEST(test_max_transactions)
{
	struct sipmsg *m[4];
	char branch[32];

	cfg->max_transactions = 3;
	for (int i = 0; i < 4; i++) {
		snprintf(branch, sizeof(branch), "z9hG4bKmax%d", i);
		m[i] = request("OPTIONS", branch, NULL, 1, PROTO_UDP);
	}
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(txn_server_new(m[i]));
	ck_assert_uint_eq(txn_count(), 3);
	ck_assert_ptr_null(txn_server_new(m[3]));
	ck_assert_uint_eq(txn_count(), 3);
	for (int i = 0; i < 4; i++)
		sipmsg_unref(m[i]);
}
END_TEST

START_TEST(test_ack_no_transaction)
{
	struct sipmsg *ack = request("ACK", "z9hG4bKa9", "x", 1, PROTO_UDP);

	ck_assert_ptr_null(txn_server_new(ack));
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(ack);
}
END_TEST

START_TEST(test_log_line)
{
	struct sipmsg *m = request("OPTIONS", "z9hG4bKlog", NULL, 1, PROTO_UDP);
	struct txn *t = txn_server_new(m);
	char line[1024] = "";
	FILE *f = tmpfile();
	int saved = dup(2);

	ck_assert_ptr_nonnull(f);
	dup2(fileno(f), 2);
	log_setlevel(LOG_INFO);
	txn_reply(t, 100, "Trying", NULL, NULL, NULL, 0);	/* not final: no line */
	txn_reply(t, 200, "OK", NULL, NULL, NULL, 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_msg(strstr(line, "txn call-id=call-1@127.0.0.1 method=OPTIONS "
	    "from=sip:alice@example.com status=200 src=udp:127.0.0.1:5070") != NULL, "%s", line);
	ck_assert_ptr_null(fgets(line, sizeof(line), f));
	fclose(f);
	sipmsg_unref(m);
}
END_TEST

/* ---- client, non-INVITE ---- */

START_TEST(test_client_noninvite_timeout)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_OPTIONS, "OPTIONS", "z9hG4bKcl1", &seen);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(fake_nsent, 1);
	ck_assert_int_eq(peer_port(&fake_sent[0].dst), 5080);
	run_for(T1 + T1 / 2);			/* E at T1 */
	ck_assert_int_eq(fake_nsent, 2);
	run_for(2 * T1);			/* ... 2*T1 */
	ck_assert_int_eq(fake_nsent, 3);
	for (int i = 1; i < fake_nsent; i++)
		ck_assert_str_eq(fake_sent[i].buf, fake_sent[0].buf);
	ck_assert_int_eq(seen.calls, 0);
	run_for(64 * T1);			/* Timer F */
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.status[0], 408);
	ck_assert_int_eq(seen.had_resp[0], 0);
	/* E capped at T2: 20, 60, 140, then every 80 to F at 1280: 17 sends */
	ck_assert_int_ge(fake_nsent, 15);
	ck_assert_int_le(fake_nsent, 18);
	ck_assert_uint_eq(txn_count(), 0);
}
END_TEST

START_TEST(test_client_noninvite_response)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_OPTIONS, "OPTIONS", "z9hG4bKcl2", &seen);
	struct sipmsg *trying = response(100, "z9hG4bKcl2", "OPTIONS", NULL);
	struct sipmsg *ok = response(200, "z9hG4bKcl2", "OPTIONS", "tt");
	struct sipmsg *wrong = response(200, "z9hG4bKcl2", "INFO", "tt");

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(txn_client_response(wrong), 0);	/* CSeq method differs */
	ck_assert_int_eq(txn_client_response(trying), 1);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.status[0], 100);
	run_for(T1 + T1 / 2);			/* E fires once at T1 ... */
	ck_assert_int_eq(fake_nsent, 2);
	run_for(2 * T1);			/* ... then T2 in Proceeding, not 2*T1 */
	ck_assert_int_eq(fake_nsent, 2);
	run_for(2 * T1);
	ck_assert_int_eq(fake_nsent, 3);
	ck_assert_int_eq(txn_client_response(ok), 1);
	ck_assert_int_eq(seen.calls, 2);
	ck_assert_int_eq(seen.status[1], 200);
	ck_assert_int_eq(seen.had_resp[1], 1);
	ck_assert_int_eq(txn_client_response(ok), 1);	/* absorbed in Completed */
	ck_assert_int_eq(seen.calls, 2);
	run_for(T2);
	ck_assert_int_eq(fake_nsent, 3);
	run_for(T4);				/* Timer K */
	ck_assert_int_eq(txn_client_response(ok), 0);
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(trying);
	sipmsg_unref(ok);
	sipmsg_unref(wrong);
}
END_TEST

START_TEST(test_client_send_failure)
{
	struct seen seen = { 0 };

	fake_send_fails = 1;
	ck_assert_ptr_null(client_new(SIP_OPTIONS, "OPTIONS", "z9hG4bKcl3", &seen));
	ck_assert_uint_eq(txn_count(), 0);
	run_for(1);
	ck_assert_int_eq(seen.calls, 0);
}
END_TEST

/* ---- client, INVITE ---- */

START_TEST(test_client_invite_timeout)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_INVITE, "INVITE", "z9hG4bKci1", &seen);

	ck_assert_ptr_nonnull(t);
	run_for(64 * T1 + 3 * T1);		/* Timer B */
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.status[0], 408);
	/* RFC 3261 17.1.1.2: A doubles with no T2 cap: 20, 60, 140, 300, 620, 1260 */
	ck_assert_int_ge(fake_nsent, 6);
	ck_assert_int_le(fake_nsent, 7);
	ck_assert_uint_eq(txn_count(), 0);
}
END_TEST

START_TEST(test_client_invite_proceeding)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_INVITE, "INVITE", "z9hG4bKci2", &seen);
	struct sipmsg *ringing = response(180, "z9hG4bKci2", "INVITE", "tt");

	ck_assert_int_eq(txn_client_response(ringing), 1);
	run_for(64 * T1 + 5 * T1);		/* Proceeding: neither A nor B */
	ck_assert_int_eq(fake_nsent, 1);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_uint_eq(txn_count(), 1);
	txn_client_detach(t);			/* owner gone: ends after 64*T1 */
	run_for(64 * T1 + 5 * T1);
	ck_assert_uint_eq(txn_count(), 0);
	ck_assert_int_eq(seen.calls, 1);
	sipmsg_unref(ringing);
}
END_TEST

START_TEST(test_client_invite_non2xx_ack)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_INVITE, "INVITE", "z9hG4bKci3", &seen);
	struct sipmsg *busy = response(486, "z9hG4bKci3", "INVITE", "busytag");
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *ack;
	const char *a;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(txn_client_response(busy), 1);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.status[0], 486);
	ck_assert_int_eq(fake_nsent, 2);
	a = fake_sent[1].buf;
	ck_assert_int_eq(peer_port(&fake_sent[1].dst), 5080);	/* where the INVITE went */
	ck_assert_int_eq(strncmp(a, "ACK sip:bob@192.0.2.9:5080 SIP/2.0\r\n", 36), 0);
	ck_assert_ptr_nonnull(strstr(a, "\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKci3\r\n"));
	ck_assert_ptr_null(strstr(a, "z9hG4bKup1"));	/* only the top Via */
	ck_assert_ptr_nonnull(strstr(a, "\r\nRoute: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n"));
	ck_assert_ptr_nonnull(strstr(a, "\r\nFrom: Alice <sip:alice@example.com>;tag=ftag1\r\n"));
	ck_assert_ptr_nonnull(strstr(a, "\r\nTo: Bob <sip:bob@example.com>;tag=busytag\r\n"));
	ck_assert_ptr_nonnull(strstr(a, "\r\nCall-ID: call-2@127.0.0.1\r\n"));
	ck_assert_ptr_nonnull(strstr(a, "\r\nCSeq: 7 ACK\r\n"));
	ck_assert_ptr_null(strstr(a, "Contact"));
	ack = sipmsg_parse(a, fake_sent[1].len, 1, &lim, &err);
	ck_assert_ptr_nonnull(ack);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(ack->method, SIP_ACK);
	ck_assert_str_eq(ack->to_tag, "busytag");
	sipmsg_unref(ack);

	run_for(4 * T1);
	ck_assert_int_eq(fake_nsent, 2);		/* Completed: A stopped */
	ck_assert_int_eq(txn_client_response(busy), 1);	/* retransmitted 486: ACK again */
	ck_assert_int_eq(fake_nsent, 3);
	ck_assert_str_eq(fake_sent[2].buf, fake_sent[1].buf);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_uint_eq(txn_count(), 1);	/* Timer D is 32 s over UDP */
	sipmsg_unref(busy);
}
END_TEST

START_TEST(test_client_invite_2xx)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_INVITE, "INVITE", "z9hG4bKci4", &seen);
	struct sipmsg *ok = response(200, "z9hG4bKci4", "INVITE", "oktag");
	struct sipmsg *ok2 = response(200, "z9hG4bKci4", "INVITE", "forked");
	struct sipmsg *late = response(486, "z9hG4bKci4", "INVITE", "x");
	struct sipmsg *ackresp = response(200, "z9hG4bKci4", "ACK", "oktag");

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(txn_client_response(ok), 1);
	ck_assert_int_eq(fake_nsent, 1);		/* no ACK from the transaction for a 2xx */
	ck_assert_int_eq(txn_client_response(ok), 1);	/* RFC 6026: retransmission goes up */
	ck_assert_int_eq(txn_client_response(ok2), 1);
	ck_assert_int_eq(txn_client_response(late), 1);	/* absorbed */
	ck_assert_int_eq(txn_client_response(ackresp), 0);	/* CSeq ACK never matches */
	ck_assert_int_eq(seen.calls, 3);
	ck_assert_int_eq(seen.status[2], 200);
	run_for(4 * T1);
	ck_assert_int_eq(fake_nsent, 1);		/* A stopped */
	run_for(64 * T1);			/* Timer M */
	ck_assert_int_eq(txn_client_response(ok), 0);
	ck_assert_uint_eq(txn_count(), 0);
	sipmsg_unref(ok);
	sipmsg_unref(ok2);
	sipmsg_unref(late);
	sipmsg_unref(ackresp);
}
END_TEST

static void
detach_cb(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	(*(int *)arg)++;
	txn_client_detach(t);
}

START_TEST(test_client_detach_in_callback)
{
	struct sip_peer dst;
	size_t len;
	char *buf = client_request("INVITE", "z9hG4bKci5", &len);
	struct sipmsg *ok = response(200, "z9hG4bKci5", "INVITE", "oktag");
	int calls = 0;
	struct txn *t;

	peer_set(&dst, PROTO_UDP, "192.0.2.9", 5080);
	t = txn_client_new(&dst, SIP_INVITE, "z9hG4bKci5", buf, len, detach_cb, &calls);
	ck_assert_ptr_nonnull(t);
	txn_client_response(ok);
	txn_client_response(ok);
	ck_assert_int_eq(calls, 1);
	sipmsg_unref(ok);
}
END_TEST

/* Copies go once no retransmission needs them: the client's request at its final response
 * (a CANCEL needs it until then), the request of a server INVITE whose 2xx was relayed. */
START_TEST(test_copies_released)
{
	struct seen seen = { 0 };
	struct txn *t = client_new(SIP_INVITE, "INVITE", "z9hG4bKmem1", &seen);
	struct sipmsg *ringing = response(180, "z9hG4bKmem1", "INVITE", "tt");
	struct sipmsg *ok = response(200, "z9hG4bKmem1", "INVITE", "tt");
	struct sipmsg *inv = request("INVITE", "z9hG4bKmem2", NULL, 1, PROTO_UDP);
	struct sip_peer dst;
	struct txn *st;
	size_t len, before;

	ck_assert_ptr_nonnull(txn_client_request(t, &len));
	ck_assert_uint_gt(len, 0);
	txn_client_peer(t, &dst);
	ck_assert_int_eq(peer_port(&dst), 5080);
	ck_assert_int_eq(txn_client_response(ringing), 1);
	ck_assert_ptr_nonnull(txn_client_request(t, &len));	/* CANCEL may still be sent */
	before = txn_memory();
	ck_assert_int_eq(txn_client_response(ok), 1);
	ck_assert_ptr_null(txn_client_request(t, &len));
	ck_assert_uint_lt(txn_memory(), before);

	st = txn_server_new(inv);
	ck_assert_ptr_eq(txn_request(st), inv);
	ck_assert_int_eq(txn_reply_raw(st, 200, strdup("SIP/2.0 200 OK\r\n\r\n"), 19), 0);
	ck_assert_ptr_null(txn_request(st));	/* relayed: later 2xx are relayed too */
	ck_assert_int_eq(txn_reply(st, 200, "OK", NULL, NULL, NULL, 0), -1);
	ck_assert_ptr_eq(txn_server_match(inv), st);	/* still absorbs retransmissions */
	run_for(64 * T1);
	ck_assert_uint_eq(txn_count(), 0);
	ck_assert_uint_eq(txn_memory(), 0);
	sipmsg_unref(ringing);
	sipmsg_unref(ok);
	sipmsg_unref(inv);
}
END_TEST

static Suite *
txn_suite(void)
{
	Suite *s = suite_create("txn");
	TCase *srv = tcase_create("server"), *cli = tcase_create("client");

	tcase_add_checked_fixture(srv, setup, teardown);
	tcase_add_checked_fixture(cli, setup, teardown);
	tcase_set_timeout(srv, 30);
	tcase_set_timeout(cli, 30);
	tcase_add_test(srv, test_server_noninvite_absorb);
	tcase_add_test(srv, test_server_noninvite_provisional);
	tcase_add_test(srv, test_server_timer_j);
	tcase_add_test(srv, test_server_reliable);
	tcase_add_test(srv, test_server_invite_non2xx);
	tcase_add_test(srv, test_server_invite_timer_h);
	tcase_add_test(srv, test_server_invite_2xx);
	tcase_add_test(srv, test_cancel_match);
	tcase_add_test(srv, test_cancel_after_final);
	tcase_add_test(srv, test_rfc2543_matching);
	tcase_add_test(srv, test_rfc2543_2xx_ack_passes);
	tcase_add_test(srv, test_max_transactions);
	tcase_add_test(srv, test_ack_no_transaction);
	tcase_add_test(srv, test_log_line);
	tcase_add_test(cli, test_client_noninvite_timeout);
	tcase_add_test(cli, test_client_noninvite_response);
	tcase_add_test(cli, test_client_send_failure);
	tcase_add_test(cli, test_client_invite_timeout);
	tcase_add_test(cli, test_client_invite_proceeding);
	tcase_add_test(cli, test_client_invite_non2xx_ack);
	tcase_add_test(cli, test_client_invite_2xx);
	tcase_add_test(cli, test_client_detach_in_callback);
	tcase_add_test(cli, test_copies_released);
	suite_add_tcase(s, srv);
	suite_add_tcase(s, cli);
	return s;
}

CHECK_MAIN(txn_suite)
