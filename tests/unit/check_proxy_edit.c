/* check_proxy_edit.c - the proxy's message editing (proxy_edit.c) on real message bytes parsed
 * with sipmsg_parse: the forwarded copy (RFC 3261 16.6: Request-URI, Via, Record-Route,
 * Max-Forwards, Route removal), strict-route rewriting (16.4), the response going upstream
 * (16.7 step 3), CANCEL (9.1), the loop hash (16.3 step 4 / 16.6 step 8), challenges (16.7
 * step 7).  Every output is parsed again. */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy_edit.h"
#include "sipmsg.h"
#include "uri.h"

static const struct sipmsg_limits lim = { 65535, 256, 8192 };

#define VIA_UA	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua1\r\n"
#define INVITE_HEAD \
	"INVITE sip:bob@proxy.test SIP/2.0\r\n" VIA_UA
#define INVITE_TAIL \
	"From: Alice <sip:alice@proxy.test>;tag=ftag1\r\n" \
	"To: Bob <sip:bob@proxy.test>\r\n" \
	"Call-ID: call-1@192.0.2.1\r\n" \
	"CSeq: 7 INVITE\r\n" \
	"X-Odd:   spaced  value \r\n" \
	"Contact: <sip:alice@192.0.2.1>\r\n" \
	"Content-Type: application/sdp\r\n" \
	"Content-Length: 4\r\n\r\nv=0\n"
#define OUR_VIA	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-sdtest.0;rport\r\n"

/* This server, as the tests see it: the host proxy.test (any port), user part empty. */
static int
host_is_us(const char *host, int port)
{
	(void)port;
	return strcasecmp(host, "proxy.test") == 0;
}

static int
uri_is_us(const char *uri, size_t n)
{
	struct uri_parts u;

	return uri_split(uri, n, &u) == 0 && u.user[0] == '\0' && host_is_us(u.host, u.port);
}

/* Parse s as a datagram that came from 192.0.2.1:5060 over UDP; it must be valid. */
static struct sipmsg *
parse_from(const char *s, size_t len)
{
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(s, len, 1, &lim, &err);
	struct sockaddr_in *sin;

	ck_assert_msg(m != NULL && err.status == 0, "does not parse (%d):\n%s", err.status, s);
	sin = (struct sockaddr_in *)&m->src.addr;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5060);
	inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	m->src.addrlen = sizeof(*sin);
	m->src.proto = PROTO_UDP;
	m->src.lsock = -1;
	return m;
}

static struct sipmsg *
parse(const char *s)
{
	return parse_from(s, strlen(s));
}

/* The header lines of msg (raw, CRLF kept) named name, concatenated. */
static void
lines_named(const struct sipmsg *m, enum hdr_id id, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (const struct sip_hdr *h = sipmsg_hdr(m, id, NULL); h != NULL; h = sipmsg_hdr(m, id, h))
		n += (size_t)snprintf(out + n, len - n, "%.*s", (int)h->len, m->raw + h->off);
}

/* The forwarded copy: new Request-URI, our Via on top, Record-Route, the received Via next,
 * Max-Forwards one lower, everything else (odd spacing, body) byte for byte. */
START_TEST(build_copy)
{
	struct sipmsg *m = parse(INVITE_HEAD "Max-Forwards: 70\r\n" INVITE_TAIL);
	size_t len;
	char *out = proxy_edit_build(m, "sip:bob@192.0.2.9:5070", OUR_VIA,
	    "Record-Route: <sip:198.51.100.1:5060;lr>\r\n", NULL, 0, &len);
	struct sipmsg *f = parse_from(out, len);
	char buf[1024];

	ck_assert_str_eq(f->ruri, "sip:bob@192.0.2.9:5070");
	ck_assert_str_eq(f->via.branch, "z9hG4bK-sdtest.0");
	ck_assert_int_eq(f->max_forwards, 69);
	ck_assert_ptr_nonnull(strstr(out, "INVITE sip:bob@192.0.2.9:5070 SIP/2.0\r\n" OUR_VIA
	    "Record-Route: <sip:198.51.100.1:5060;lr>\r\n" VIA_UA "Max-Forwards: 69\r\n"));
	ck_assert_ptr_nonnull(strstr(out, INVITE_TAIL));	/* the rest unchanged */
	lines_named(f, HDR_VIA, buf, sizeof(buf));
	ck_assert_str_eq(buf, OUR_VIA VIA_UA);
	ck_assert_uint_eq(f->body_len, 4);
	ck_assert_int_eq(memcmp(f->raw + f->body_off, "v=0\n", 4), 0);
	sipmsg_unref(f);
	free(out);
	sipmsg_unref(m);
}
END_TEST

/* 16.6 step 3: no Max-Forwards -> 70; 0 stays 0 (never negative); 1 -> 0. */
START_TEST(build_max_forwards)
{
	static const struct { const char *line; int want; } c[] = {
		{ "", 70 }, { "Max-Forwards: 1\r\n", 0 }, { "Max-Forwards: 0\r\n", 0 },
		{ "Max-Forwards: 17\r\n", 16 },
	};
	char msg[2048];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(msg, sizeof(msg), INVITE_HEAD "%s" INVITE_TAIL, c[i].line);
		struct sipmsg *m = parse(msg);
		size_t len;
		char *out = proxy_edit_build(m, m->ruri, OUR_VIA, NULL, NULL, 0, &len);
		struct sipmsg *f = parse_from(out, len);
		char buf[256];
		ck_assert_int_eq(f->max_forwards, c[i].want);
		lines_named(f, HDR_MAX_FORWARDS, buf, sizeof(buf));
		ck_assert_int_eq(!!strstr(buf, "\n"), 1);
		ck_assert_ptr_null(strstr(buf + 1, "Max-Forwards"));	/* just one */
		sipmsg_unref(f);
		free(out);
		sipmsg_unref(m);
	}
}
END_TEST

/* The received Via gets received= when the packet came from elsewhere (18.2.1), rport=
 * when asked for (RFC 3581). */
START_TEST(build_received_via)
{
	struct sipmsg *m = parse("OPTIONS sip:bob@proxy.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKnat\r\n"
	    "From: <sip:a@proxy.test>;tag=1\r\nTo: <sip:bob@proxy.test>\r\nCall-ID: x\r\n"
	    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	size_t len;
	char *out = proxy_edit_build(m, m->ruri, OUR_VIA, NULL, NULL, 0, &len);

	ck_assert_ptr_nonnull(strstr(out, OUR_VIA "Via: SIP/2.0/UDP 10.0.0.5:5062;rport=5060;"
	    "branch=z9hG4bKnat;received=192.0.2.1\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "Max-Forwards: 70\r\n"));
	free(out);
	sipmsg_unref(m);
}
END_TEST

/* 16.4: our Route values (the first drop of them) go, in a line of their own or the first
 * values of a longer line; the others stay byte for byte; Route lines to add come first. */
START_TEST(build_routes)
{
	struct sipmsg *m = parse(INVITE_HEAD
	    "Route: <sip:proxy.test;lr>\r\n"
	    "Route: <sip:proxy.test:5060;lr>,  <sip:next.test;lr;x=1>\r\n"
	    "Route: \"Far\" <sip:far.test;lr>\r\n"
	    "Max-Forwards: 5\r\n" INVITE_TAIL);
	size_t len;
	char uri[256], buf[1024];

	ck_assert_int_eq(proxy_edit_own_routes(m, uri_is_us), 2);
	ck_assert_int_eq(proxy_edit_route(m, 2, uri, sizeof(uri)), 0);
	ck_assert_str_eq(uri, "sip:next.test;lr;x=1");
	ck_assert_int_eq(proxy_edit_route(m, 3, uri, sizeof(uri)), 0);
	ck_assert_str_eq(uri, "sip:far.test;lr");
	ck_assert_int_eq(proxy_edit_route(m, 4, uri, sizeof(uri)), -1);

	char *out = proxy_edit_build(m, m->ruri, OUR_VIA, NULL, "Route: <sip:path.test;lr>\r\n", 2,
	    &len);
	struct sipmsg *f = parse_from(out, len);
	lines_named(f, HDR_ROUTE, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Route: <sip:path.test;lr>\r\n"
	    "Route: <sip:next.test;lr;x=1>\r\n"
	    "Route: \"Far\" <sip:far.test;lr>\r\n");
	ck_assert_ptr_nonnull(strstr(out, OUR_VIA "Route: <sip:path.test;lr>\r\n" VIA_UA));
	ck_assert_int_eq(f->max_forwards, 4);
	sipmsg_unref(f);
	free(out);

	/* nothing dropped: every Route line as received */
	out = proxy_edit_build(m, m->ruri, OUR_VIA, NULL, NULL, 0, &len);
	ck_assert_ptr_nonnull(strstr(out, "Route: <sip:proxy.test;lr>\r\n"
	    "Route: <sip:proxy.test:5060;lr>,  <sip:next.test;lr;x=1>\r\n"
	    "Route: \"Far\" <sip:far.test;lr>\r\n"));
	free(out);
	sipmsg_unref(m);
}
END_TEST

/* Only the top Route values that name us count. */
START_TEST(own_routes_top_only)
{
	struct sipmsg *m = parse(INVITE_HEAD "Route: <sip:other.test;lr>, <sip:proxy.test;lr>\r\n"
	    INVITE_TAIL);

	ck_assert_int_eq(proxy_edit_own_routes(m, uri_is_us), 0);
	sipmsg_unref(m);
	m = parse(INVITE_HEAD INVITE_TAIL);
	ck_assert_int_eq(proxy_edit_own_routes(m, uri_is_us), 0);
	sipmsg_unref(m);
}
END_TEST

/* 16.4: a strict router put our URI in the Request-URI and the remote target last in Route. */
START_TEST(unstrict_rewrite)
{
	struct sipmsg *m = parse("BYE sip:proxy.test SIP/2.0\r\n" VIA_UA
	    "Route: <sip:a.test;lr>, <sip:bob@192.0.2.9:5070>\r\n"
	    "From: <sip:alice@proxy.test>;tag=1\r\nTo: <sip:bob@proxy.test>;tag=2\r\n"
	    "Call-ID: d1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	struct sipmsg *n = proxy_edit_unstrict(m, uri_is_us);
	char buf[512];

	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->ruri, "sip:bob@192.0.2.9:5070");
	lines_named(n, HDR_ROUTE, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Route: <sip:a.test;lr>\r\n");
	ck_assert_int_eq(memcmp(&n->src, &m->src, sizeof(m->src)), 0);
	sipmsg_unref(n);
	sipmsg_unref(m);

	/* the last value alone on its line: the line goes */
	m = parse("BYE sip:proxy.test SIP/2.0\r\n" VIA_UA "Route: <sip:a.test;lr>\r\n"
	    "Route: <sip:bob@192.0.2.9>\r\nFrom: <sip:alice@proxy.test>;tag=1\r\n"
	    "To: <sip:bob@proxy.test>;tag=2\r\nCall-ID: d1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	n = proxy_edit_unstrict(m, uri_is_us);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->ruri, "sip:bob@192.0.2.9");
	lines_named(n, HDR_ROUTE, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Route: <sip:a.test;lr>\r\n");
	sipmsg_unref(n);
	sipmsg_unref(m);

	/* a Request-URI that is not ours, or no Route: nothing to do */
	m = parse(INVITE_HEAD "Route: <sip:a.test;lr>\r\n" INVITE_TAIL);
	ck_assert_ptr_null(proxy_edit_unstrict(m, uri_is_us));
	sipmsg_unref(m);
	m = parse("OPTIONS sip:proxy.test SIP/2.0\r\n" VIA_UA "From: <sip:a@b>;tag=1\r\n"
	    "To: <sip:proxy.test>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	ck_assert_ptr_null(proxy_edit_unstrict(m, uri_is_us));
	sipmsg_unref(m);
}
END_TEST

#define RESP_TAIL \
	"From: <sip:alice@proxy.test>;tag=1\r\nTo: <sip:bob@proxy.test>;tag=2\r\n" \
	"Call-ID: c\r\nCSeq: 7 INVITE\r\n"

/* 16.7 step 3: our (top) Via goes, as a line or as the first value of a line. */
START_TEST(strip_via)
{
	static const char *in[] = {
		"SIP/2.0 180 Ringing\r\n" OUR_VIA VIA_UA RESP_TAIL "Content-Length: 0\r\n\r\n",
		"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-sdtest.0,"
		    " SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua1\r\n" RESP_TAIL
		    "Content-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < 2; i++) {
		struct sipmsg *r = parse(in[i]);
		size_t len;
		char *out = proxy_edit_strip_via(r, &len);
		struct sipmsg *s = parse_from(out, len);
		char buf[512];
		lines_named(s, HDR_VIA, buf, sizeof(buf));
		ck_assert_str_eq(buf, i == 0 ? VIA_UA :
		    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua1\r\n");
		ck_assert_ptr_nonnull(strstr(out, RESP_TAIL "Content-Length: 0\r\n\r\n"));
		sipmsg_unref(s);
		free(out);
		sipmsg_unref(r);
	}
}
END_TEST

/* A response without Content-Length (fine over UDP) gets one, so a stream can frame it. */
START_TEST(strip_via_adds_length)
{
	struct sipmsg *r = parse("SIP/2.0 200 OK\r\n" OUR_VIA VIA_UA RESP_TAIL
	    "Content-Type: application/sdp\r\n\r\nv=0\r\n");
	size_t len;
	char *out = proxy_edit_strip_via(r, &len);
	struct sipmsg *s = parse_from(out, len);

	ck_assert_str_eq(out, "SIP/2.0 200 OK\r\n" VIA_UA RESP_TAIL
	    "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n");
	ck_assert_uint_eq(s->body_len, 5);
	sipmsg_unref(s);
	free(out);
	sipmsg_unref(r);

	/* a datagram whose headers run to its end (no empty line): Content-Length goes after the
	 * last header, not into it, and the empty line is added (fuzz_proxy_edit found this) */
	r = parse("SIP/2.0 180 Ringing\r\n" OUR_VIA VIA_UA RESP_TAIL);
	out = proxy_edit_strip_via(r, &len);
	s = parse_from(out, len);
	ck_assert_str_eq(out, "SIP/2.0 180 Ringing\r\n" VIA_UA RESP_TAIL "Content-Length: 0\r\n\r\n");
	ck_assert_uint_eq(s->cseq, 7);
	ck_assert_str_eq(s->cseq_method, "INVITE");
	sipmsg_unref(s);
	free(out);
	sipmsg_unref(r);

	/* our Via in the last header line of such a datagram */
	r = parse("SIP/2.0 180 Ringing\r\n" RESP_TAIL "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK-sd1,"
	    " SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua1\r\n");
	out = proxy_edit_strip_via(r, &len);
	ck_assert_str_eq(out, "SIP/2.0 180 Ringing\r\n" RESP_TAIL VIA_UA
	    "Content-Length: 0\r\n\r\n");
	free(out);
	sipmsg_unref(r);
}
END_TEST

/* A datagram that stops right after its last header, on a bare CR: forwarded, that line ends
 * in one CRLF, not CR CR LF (fuzz_proxy_edit found the 400 this made at the next hop). */
START_TEST(build_last_line_bare_cr)
{
	static const char in[] = "OPTIONS sip:bob@proxy.test SIP/2.0\r\n" VIA_UA
	    "From: <sip:alice@proxy.test>;tag=f\r\nTo: <sip:bob@proxy.test>\r\n"
	    "Call-ID: cr-1\r\nCSeq: 8 OPTIONS\r";
	struct sipmsg *m = parse_from(in, sizeof(in) - 1);
	size_t len;
	char *out = proxy_edit_build(m, m->ruri, OUR_VIA, NULL, NULL, 0, &len);
	struct sipmsg *f = parse_from(out, len);

	ck_assert_ptr_nonnull(strstr(out, "\r\nCSeq: 8 OPTIONS\r\nMax-Forwards: 70\r\n"));
	ck_assert_uint_eq(f->cseq, 8);
	sipmsg_unref(f);
	free(out);
	sipmsg_unref(m);
}
END_TEST

/* RFC 3261 9.1: the CANCEL has the INVITE's Request-URI, Call-ID, From, To, CSeq number, its
 * top Via only (same branch) and its Route; Max-Forwards, no body. */
START_TEST(cancel)
{
	struct sipmsg *m = parse(INVITE_HEAD "Route: <sip:next.test;lr>\r\nMax-Forwards: 9\r\n"
	    INVITE_TAIL);
	size_t slen, len;
	char *sent = proxy_edit_build(m, "sip:bob@192.0.2.9:5070", OUR_VIA, NULL, NULL, 0, &slen);
	char *out = proxy_edit_cancel(sent, slen, &len);
	struct sipmsg *c = parse_from(out, len), *inv = parse_from(sent, slen);
	char a[1024], b[1024];

	ck_assert_str_eq(c->method_name, "CANCEL");
	ck_assert_str_eq(c->ruri, inv->ruri);
	ck_assert_str_eq(c->call_id, inv->call_id);
	ck_assert_uint_eq(c->cseq, inv->cseq);
	ck_assert_str_eq(c->cseq_method, "CANCEL");
	ck_assert_str_eq(c->via.branch, inv->via.branch);
	lines_named(c, HDR_VIA, a, sizeof(a));
	ck_assert_str_eq(a, OUR_VIA);
	static const enum hdr_id same[] = { HDR_FROM, HDR_TO, HDR_ROUTE };
	for (size_t i = 0; i < 3; i++) {
		lines_named(c, same[i], a, sizeof(a));
		lines_named(inv, same[i], b, sizeof(b));
		ck_assert_str_eq(a, b);
		ck_assert_uint_gt(strlen(a), 0);
	}
	ck_assert_int_eq(c->max_forwards, 70);
	ck_assert_uint_eq(c->body_len, 0);
	sipmsg_unref(inv);
	sipmsg_unref(c);
	free(out);
	free(sent);
	sipmsg_unref(m);
	ck_assert_ptr_null(proxy_edit_cancel("garbage", 7, &len));
}
END_TEST

/* 16.6 step 8: the same request hashes the same whatever its top Via; a new Request-URI or
 * another Call-ID changes the hash. */
START_TEST(loop_hash)
{
	struct sipmsg *a = parse(INVITE_HEAD INVITE_TAIL);
	struct sipmsg *b = parse(INVITE_HEAD INVITE_TAIL);
	struct sipmsg *v = parse("INVITE sip:bob@proxy.test SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 203.0.113.7;branch=z9hG4bKother\r\n" INVITE_TAIL);
	struct sipmsg *r = parse("INVITE sip:bob@192.0.2.9 SIP/2.0\r\n" VIA_UA INVITE_TAIL);
	char br1[64], br2[64];

	ck_assert(proxy_edit_loop_hash(a) == proxy_edit_loop_hash(b));
	ck_assert(proxy_edit_loop_hash(a) == proxy_edit_loop_hash(v));
	ck_assert(proxy_edit_loop_hash(a) != proxy_edit_loop_hash(r));
	proxy_edit_branch(a, 0, br1, sizeof(br1));
	proxy_edit_branch(a, 1, br2, sizeof(br2));
	ck_assert_int_eq(strncmp(br1, PROXY_EDIT_BRANCH_PREFIX, strlen(PROXY_EDIT_BRANCH_PREFIX)), 0);
	ck_assert_str_ne(br1, br2);
	ck_assert_int_eq(strncmp(br1, br2, strlen(br1) - 1), 0);
	sipmsg_unref(a);
	sipmsg_unref(b);
	sipmsg_unref(v);
	sipmsg_unref(r);
}
END_TEST

/* 16.3 step 4: a Via of ours carrying this request's hash is a loop; another hash (a spiral)
 * or someone else's Via is not. */
START_TEST(is_loop)
{
	struct sipmsg *m = parse(INVITE_HEAD INVITE_TAIL);
	char branch[64], msg[2048];

	proxy_edit_branch(m, 3, branch, sizeof(branch));
	ck_assert_int_eq(proxy_edit_is_loop(m, host_is_us), 0);
	snprintf(msg, sizeof(msg), "INVITE sip:bob@proxy.test SIP/2.0\r\n" VIA_UA
	    "Via: SIP/2.0/UDP 192.0.2.2, SIP/2.0/UDP proxy.test:5060;branch=%s\r\n" INVITE_TAIL,
	    branch);
	struct sipmsg *l = parse(msg);
	ck_assert_int_eq(proxy_edit_is_loop(l, host_is_us), 1);
	sipmsg_unref(l);
	snprintf(msg, sizeof(msg), "INVITE sip:bob@proxy.test SIP/2.0\r\n" VIA_UA
	    "Via: SIP/2.0/UDP elsewhere.test:5060;branch=%s\r\n" INVITE_TAIL, branch);
	l = parse(msg);
	ck_assert_int_eq(proxy_edit_is_loop(l, host_is_us), 0);
	sipmsg_unref(l);
	/* a spiral: the Request-URI changed, so the hash did */
	snprintf(msg, sizeof(msg), "INVITE sip:bob@192.0.2.9 SIP/2.0\r\n" VIA_UA
	    "Via: SIP/2.0/UDP proxy.test;branch=%s\r\n" INVITE_TAIL, branch);
	l = parse(msg);
	ck_assert_int_eq(proxy_edit_is_loop(l, host_is_us), 0);
	sipmsg_unref(l);
	sipmsg_unref(m);
}
END_TEST

/* Our Via: the transport, the address (IPv6 in brackets), the branch, rport. */
START_TEST(via_line)
{
	struct proxy_edit_hop h4 = { PROTO_TCP, AF_INET, "198.51.100.1", 5060 };
	struct proxy_edit_hop h6 = { PROTO_UDP, AF_INET6, "2001:db8::1", 5062 };
	struct buf b;

	buf_init(&b, 64);
	proxy_edit_via(&b, &h4, "z9hG4bK-sdx.0");
	proxy_edit_via(&b, &h6, "z9hG4bK-sdx.1");
	ck_assert_str_eq(b.p, "Via: SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bK-sdx.0;rport\r\n"
	    "Via: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK-sdx.1;rport\r\n");
	buf_free(&b);
}
END_TEST

/* Record-Route: one when both sides share transport and family, two when they do not (RFC
 * 5658), each with the flow-token user part; a side sipd has no socket for gets none. */
START_TEST(record_route)
{
	struct proxy_edit_hop udp = { PROTO_UDP, AF_INET, "198.51.100.1", 5060 };
	struct proxy_edit_hop tcp = { PROTO_TCP, AF_INET, "198.51.100.1", 5060 };
	struct proxy_edit_hop tls6 = { PROTO_TLS, AF_INET6, "2001:db8::1", 5061 };
	struct proxy_edit_hop none = { PROTO_TCP, AF_INET6, NULL, 0 };
	struct buf b;

	buf_init(&b, 64);
	proxy_edit_record_route(&b, "", &udp, &udp);
	ck_assert_str_eq(b.p, "Record-Route: <sip:198.51.100.1:5060;lr>\r\n");
	buf_free(&b);
	buf_init(&b, 64);
	proxy_edit_record_route(&b, "tok1.tok2", &tcp, &tls6);
	ck_assert_str_eq(b.p, "Record-Route: <sip:tok1.tok2@198.51.100.1:5060;lr;transport=tcp>\r\n"
	    "Record-Route: <sip:tok1.tok2@[2001:db8::1]:5061;lr;transport=tls>\r\n");
	buf_free(&b);
	buf_init(&b, 64);
	proxy_edit_record_route(&b, "", &udp, &none);
	ck_assert_str_eq(b.p, "Record-Route: <sip:198.51.100.1:5060;lr>\r\n");
	buf_free(&b);

	/* as the forwarded copy carries them: they parse, before the received Via */
	struct sipmsg *m = parse(INVITE_HEAD INVITE_TAIL);
	size_t len;
	char rr[1024];
	buf_init(&b, 64);
	proxy_edit_record_route(&b, "", &tcp, &udp);
	char *out = proxy_edit_build(m, m->ruri, OUR_VIA, b.p, NULL, 0, &len);
	struct sipmsg *f = parse_from(out, len);
	lines_named(f, HDR_RECORD_ROUTE, rr, sizeof(rr));
	ck_assert_str_eq(rr, b.p);
	sipmsg_unref(f);
	free(out);
	buf_free(&b);
	sipmsg_unref(m);
}
END_TEST

/* 16.7 step 7: the challenges of a 401/407, and a response with more of them added. */
START_TEST(challenges)
{
	struct sipmsg *r = parse("SIP/2.0 407 Proxy Authentication Required\r\n" VIA_UA RESP_TAIL
	    "Proxy-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"
	    "WWW-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\nContent-Length: 0\r\n\r\n");
	char *lines = proxy_edit_challenges(r);
	size_t len;

	ck_assert_str_eq(lines, "WWW-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\n"
	    "Proxy-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n");
	char *out = proxy_edit_add_challenges(r->raw, r->len,
	    "Proxy-Authenticate: Digest realm=\"c\", nonce=\"3\"\r\n", &len);
	struct sipmsg *a = parse_from(out, len);
	ck_assert_int_eq(a->status, 407);
	ck_assert_int_eq(strncmp(out, "SIP/2.0 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Digest realm=\"c\", nonce=\"3\"\r\n" VIA_UA, strlen(
	    "SIP/2.0 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Digest realm=\"c\", nonce=\"3\"\r\n" VIA_UA)), 0);
	ck_assert_uint_eq(len, r->len + strlen("Proxy-Authenticate: Digest realm=\"c\", nonce=\"3\"\r\n"));
	sipmsg_unref(a);
	free(out);
	free(lines);
	sipmsg_unref(r);

	r = parse("SIP/2.0 404 Not Found\r\n" VIA_UA RESP_TAIL "Content-Length: 0\r\n\r\n");
	lines = proxy_edit_challenges(r);
	ck_assert_str_eq(lines, "");
	free(lines);
	sipmsg_unref(r);
	ck_assert_ptr_null(proxy_edit_add_challenges("no line end", 11, "X: y\r\n", &len));
}
END_TEST

static Suite *
proxy_edit_suite(void)
{
	Suite *s = suite_create("proxy_edit");
	TCase *tc = tcase_create("edit");

	tcase_add_test(tc, build_copy);
	tcase_add_test(tc, build_max_forwards);
	tcase_add_test(tc, build_received_via);
	tcase_add_test(tc, build_routes);
	tcase_add_test(tc, own_routes_top_only);
	tcase_add_test(tc, unstrict_rewrite);
	tcase_add_test(tc, strip_via);
	tcase_add_test(tc, strip_via_adds_length);
	tcase_add_test(tc, build_last_line_bare_cr);
	tcase_add_test(tc, cancel);
	tcase_add_test(tc, loop_hash);
	tcase_add_test(tc, is_loop);
	tcase_add_test(tc, via_line);
	tcase_add_test(tc, record_route);
	tcase_add_test(tc, challenges);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(proxy_edit_suite)
