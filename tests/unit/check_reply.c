/* check_reply.c - responses sipd originates: reply_build (RFC 3261 8.2.6), the top Via's
 * received/rport (RFC 3261 18.2.1, RFC 3581 4) and reply_dest (RFC 3261 18.2.2, RFC 3581 4).
 *
 * The transport is the recording fake of fake_transport.c. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fake_transport.h"
#include "sipd.h"
#include "sipmsg.h"
#include "reply.h"
#include "transport.h"

/* ---- helpers ---- */

static void
setup(void)
{
	fake_transport_reset();
	cfg = NULL;		/* no Server header */
}

static void
teardown(void)
{
	fake_transport_reset();
}

static void
peer_set(struct sip_peer *p, enum sip_proto proto, const char *ip, int port, uint64_t conn)
{
	memset(p, 0, sizeof(*p));
	p->proto = proto;
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		p->addrlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
		p->addrlen = sizeof(*s4);
	}
	p->lsock = -1;
	p->conn = conn;
}

static const char *
peer_ip(const struct sip_peer *p, char *buf, size_t len, int *port)
{
	return sip_addr_host(&p->addr, buf, len, port);
}

/* An OPTIONS with the given Via lines (raw, each ending CRLF) and To value, received from
 * ip:port over proto. */
static struct sipmsg *
request_from(const char *vias, const char *to, enum sip_proto proto, const char *ip, int port,
    uint64_t conn)
{
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m;
	char s[2048];

	snprintf(s, sizeof(s),
	    "OPTIONS sip:sipd@127.0.0.1 SIP/2.0\r\n"
	    "%s"
	    "Max-Forwards: 70\r\n"
	    "From: Alice <sip:alice@example.com>;tag=ftag1\r\n"
	    "To: %s\r\n"
	    "Call-ID: reply-call@127.0.0.1\r\n"
	    "CSeq: 3 OPTIONS\r\n"
	    "Timestamp: 54\r\n"
	    "Content-Length: 0\r\n\r\n", vias, to);
	m = sipmsg_parse(s, strlen(s), proto == PROTO_UDP, &lim, &err);
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(err.status == 0, "parse: %d %s", err.status, err.reason ? err.reason : "");
	peer_set(&m->src, proto, ip, port, conn);
	return m;
}

/* The n-th (0-based) line of reply r that starts with prefix, as a string (static buffer);
 * NULL when there is none. */
static const char *
line(const char *r, const char *prefix, int n)
{
	static char out[1024];
	const char *p = r;

	/* header lines only: stop at the empty line */
	while (*p != '\0' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *e = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(e);
		if (strncmp(p, prefix, strlen(prefix)) == 0 && n-- == 0) {
			ck_assert_uint_lt((size_t)(e - p), sizeof(out));
			memcpy(out, p, (size_t)(e - p));
			out[e - p] = '\0';
			return out;
		}
		p = e + 2;
	}
	return NULL;
}

static int
count_lines(const char *r, const char *prefix)
{
	int n = 0;

	while (line(r, prefix, n) != NULL)
		n++;
	return n;
}

/* The reply must itself be a well-formed response (framed by its Content-Length). */
static struct sipmsg *
reparse(const char *r, size_t len)
{
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(r, len, 0, &lim, &err);

	ck_assert_ptr_nonnull(m);
	ck_assert_msg(err.status == 0, "reply does not parse: %d %s\n%s", err.status,
	    err.reason ? err.reason : "", r);
	ck_assert_int_eq(m->is_request, 0);
	return m;
}

/* ---- reply_build ---- */

START_TEST(test_rport_received)
{
	struct sipmsg *req = request_from(
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1;rport\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	size_t len;
	char *r = reply_build(req, 200, NULL, "tt1", NULL, NULL, NULL, 0, &len);
	struct sipmsg *rep;

	ck_assert_uint_eq(strlen(r), len);
	ck_assert_int_eq(strncmp(r, "SIP/2.0 200 OK\r\n", 16), 0);
	/* RFC 3581 4: rport gets the source port, and received is added even though the
	 * address equals sent-by */
	ck_assert_str_eq(line(r, "Via:", 0),
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1;rport=5070;received=127.0.0.1");
	ck_assert_int_eq(count_lines(r, "Via:"), 1);
	rep = reparse(r, len);
	ck_assert_int_eq(rep->status, 200);
	ck_assert_int_eq(rep->via.rport, 1);
	ck_assert_int_eq(rep->via.has_received_param, 1);
	ck_assert_str_eq(rep->via.branch, "z9hG4bKr1");
	sipmsg_unref(rep);
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_rport_nat)
{
	/* behind a NAT: the source differs from sent-by; rport in the middle of the params */
	struct sipmsg *req = request_from(
	    "Via: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKnat\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "198.51.100.7", 40000, 0);
	size_t len;
	char *r = reply_build(req, 404, NULL, "tt2", NULL, NULL, NULL, 0, &len);

	ck_assert_int_eq(strncmp(r, "SIP/2.0 404 Not Found\r\n", 23), 0);
	ck_assert_str_eq(line(r, "Via:", 0),
	    "Via: SIP/2.0/UDP 10.0.0.5:5060;rport=40000;branch=z9hG4bKnat;received=198.51.100.7");
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_rport_with_value_kept)
{
	/* an rport that already has a value is not rewritten a second time */
	struct sipmsg *req = request_from(
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;rport=5070;branch=z9hG4bKv\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	size_t len;
	char *r = reply_build(req, 200, NULL, "t", NULL, NULL, NULL, 0, &len);
	const char *via = line(r, "Via:", 0);

	ck_assert_ptr_nonnull(strstr(via, ";rport=5070;"));
	ck_assert_ptr_null(strstr(via, "rport=5070=5070"));
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_received_hostname)
{
	/* RFC 3261 18.2.1: sent-by a host name -> received with the source address */
	struct sipmsg *req = request_from(
	    "Via: SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKh\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	size_t len;
	char *r = reply_build(req, 200, NULL, "t", NULL, NULL, NULL, 0, &len);

	ck_assert_str_eq(line(r, "Via:", 0),
	    "Via: SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKh;received=127.0.0.1");
	free(r);
	sipmsg_unref(req);

	/* sent-by equal to the source and no rport: nothing added */
	req = request_from("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	r = reply_build(req, 200, NULL, "t", NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "Via:", 0), "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs");
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_received_ipv6)
{
	struct sipmsg *req = request_from(
	    "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK6;rport\r\n",
	    "<sip:sipd@[2001:db8::1]>", PROTO_UDP, "2001:db8::77", 5072, 0);
	size_t len;
	char *r = reply_build(req, 200, NULL, "t", NULL, NULL, NULL, 0, &len);
	struct sipmsg *rep;

	ck_assert_str_eq(line(r, "Via:", 0),
	    "Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK6;rport=5072;received=2001:db8::77");
	rep = reparse(r, len);
	sipmsg_unref(rep);
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_copied_verbatim)
{
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	const char *s =
	    "OPTIONS sip:sipd@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKv1\r\n"
	    "Max-Forwards: 70\r\n"
	    "From:    \"Alice  A.\"<sip:alice@example.com>  ;  tag=ft1 ;x=\"a b\"\r\n"
	    "To:<sip:sipd@127.0.0.1;transport=udp>  ;  foo=bar\r\n"
	    "Call-ID:   odd-CALL-id@host   \r\n"
	    "CSeq:  7    OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sipmsg *req = sipmsg_parse(s, strlen(s), 1, &lim, &err);
	size_t len;
	char *r;

	ck_assert_int_eq(err.status, 0);
	peer_set(&req->src, PROTO_UDP, "127.0.0.1", 5070, 0);
	r = reply_build(req, 200, "Fine", "tt1", NULL, NULL, NULL, 0, &len);
	ck_assert_int_eq(strncmp(r, "SIP/2.0 200 Fine\r\n", 18), 0);
	ck_assert_str_eq(line(r, "From:", 0),
	    "From: \"Alice  A.\"<sip:alice@example.com>  ;  tag=ft1 ;x=\"a b\"");
	ck_assert_str_eq(line(r, "To:", 0), "To: <sip:sipd@127.0.0.1;transport=udp>  ;  foo=bar;tag=tt1");
	ck_assert_str_eq(line(r, "Call-ID:", 0), "Call-ID: odd-CALL-id@host");
	ck_assert_str_eq(line(r, "CSeq:", 0), "CSeq: 7    OPTIONS");
	ck_assert_int_eq(count_lines(r, "From:"), 1);
	ck_assert_int_eq(count_lines(r, "Max-Forwards:"), 0);	/* not a response header */
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_compact_request)
{
	/* compact header names in the request still give the right headers back */
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	const char *s =
	    "OPTIONS sip:sipd@127.0.0.1 SIP/2.0\r\n"
	    "v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKc1\r\n"
	    "f: <sip:alice@example.com>;tag=ft1\r\n"
	    "t: <sip:sipd@127.0.0.1>\r\n"
	    "i: compact-reply\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "l: 0\r\n\r\n";
	struct sipmsg *req = sipmsg_parse(s, strlen(s), 1, &lim, &err), *rep;
	size_t len;
	char *r;

	ck_assert_int_eq(err.status, 0);
	peer_set(&req->src, PROTO_UDP, "127.0.0.1", 5070, 0);
	r = reply_build(req, 200, NULL, "tc", NULL, NULL, NULL, 0, &len);
	rep = reparse(r, len);
	ck_assert_str_eq(rep->call_id, "compact-reply");
	ck_assert_str_eq(rep->from_tag, "ft1");
	ck_assert_str_eq(rep->to_tag, "tc");
	ck_assert_str_eq(rep->via.branch, "z9hG4bKc1");
	sipmsg_unref(rep);
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_to_tag)
{
	struct sipmsg *req = request_from("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKt\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	size_t len;
	char *r;

	/* RFC 3261 8.2.6.2: a tag on everything but 100 */
	r = reply_build(req, 180, NULL, "tt9", NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "To:", 0), "To: <sip:sipd@127.0.0.1>;tag=tt9");
	free(r);
	r = reply_build(req, 486, NULL, "tt9", NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "To:", 0), "To: <sip:sipd@127.0.0.1>;tag=tt9");
	free(r);
	r = reply_build(req, 100, NULL, "tt9", NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "To:", 0), "To: <sip:sipd@127.0.0.1>");
	ck_assert_int_eq(strncmp(r, "SIP/2.0 100 Trying\r\n", 20), 0);
	/* RFC 3261 8.2.6.1: a 100 copies Timestamp */
	ck_assert_str_eq(line(r, "Timestamp:", 0), "Timestamp: 54");
	free(r);
	r = reply_build(req, 200, NULL, NULL, NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "To:", 0), "To: <sip:sipd@127.0.0.1>");
	free(r);
	sipmsg_unref(req);

	/* already tagged (in-dialog): never a second tag */
	req = request_from("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKt2\r\n",
	    "<sip:sipd@127.0.0.1>;tag=theirs", PROTO_UDP, "127.0.0.1", 5070, 0);
	r = reply_build(req, 200, NULL, "tt9", NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "To:", 0), "To: <sip:sipd@127.0.0.1>;tag=theirs");
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_multiple_vias)
{
	struct sipmsg *req = request_from(
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa;rport , SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb\r\n"
	    "Via: SIP/2.0/TCP 192.0.2.3:5061;branch=z9hG4bKc\r\n"
	    "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKd\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	size_t len;
	char *r = reply_build(req, 200, NULL, "t", NULL, NULL, NULL, 0, &len);
	struct sipmsg *rep;
	const struct sip_hdr *h;
	char v[256];

	/* every Via value in order; received/rport only on the top one (RFC 3261 8.2.6.2) */
	ck_assert_int_eq(count_lines(r, "Via:"), 3);
	ck_assert_str_eq(line(r, "Via:", 0),
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa;rport=5070;received=127.0.0.1 , "
	    "SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb");
	ck_assert_str_eq(line(r, "Via:", 1), "Via: SIP/2.0/TCP 192.0.2.3:5061;branch=z9hG4bKc");
	ck_assert_str_eq(line(r, "Via:", 2), "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKd");
	ck_assert_ptr_null(strstr(strstr(r, "Via: SIP/2.0/TCP"), "received"));
	rep = reparse(r, len);
	h = sipmsg_hdr(rep, HDR_VIA, NULL);
	h = sipmsg_hdr(rep, HDR_VIA, h);
	ck_assert_ptr_nonnull(h);
	snprintf(v, sizeof(v), "%.*s", (int)h->vlen, rep->raw + h->voff);
	ck_assert_str_eq(v, "SIP/2.0/TCP 192.0.2.3:5061;branch=z9hG4bKc");
	sipmsg_unref(rep);
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_content_length)
{
	struct sipmsg *req = request_from("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKcl\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	static const char body[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
	size_t len;
	char *r;
	struct sipmsg *rep;

	r = reply_build(req, 200, NULL, "t", NULL, NULL, NULL, 0, &len);
	ck_assert_str_eq(line(r, "Content-Length:", 0), "Content-Length: 0");
	ck_assert_int_eq(count_lines(r, "Content-Length:"), 1);
	ck_assert_ptr_null(line(r, "Content-Type:", 0));
	ck_assert_str_eq(r + len - 4, "\r\n\r\n");
	rep = reparse(r, len);
	ck_assert_uint_eq(rep->body_len, 0);
	ck_assert_uint_eq(rep->len, len);
	sipmsg_unref(rep);
	free(r);

	r = reply_build(req, 200, NULL, "t", "Allow: INVITE, OPTIONS\r\nAccept: application/sdp\r\n",
	    "application/sdp", body, sizeof(body) - 1, &len);
	ck_assert_str_eq(line(r, "Content-Type:", 0), "Content-Type: application/sdp");
	ck_assert_str_eq(line(r, "Allow:", 0), "Allow: INVITE, OPTIONS");
	ck_assert_str_eq(line(r, "Accept:", 0), "Accept: application/sdp");
	{
		char want[64];
		snprintf(want, sizeof(want), "Content-Length: %zu", sizeof(body) - 1);
		ck_assert_str_eq(line(r, "Content-Length:", 0), want);
	}
	ck_assert_uint_ge(len, sizeof(body) - 1);
	ck_assert_int_eq(memcmp(r + len - (sizeof(body) - 1), body, sizeof(body) - 1), 0);
	ck_assert_int_eq(memcmp(r + len - (sizeof(body) - 1) - 4, "\r\n\r\n", 4), 0);
	rep = reparse(r, len);
	ck_assert_uint_eq(rep->body_len, sizeof(body) - 1);
	ck_assert_uint_eq(rep->len, len);
	sipmsg_unref(rep);
	free(r);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_reason_table)
{
	ck_assert_str_eq(reply_reason(200), "OK");
	ck_assert_str_eq(reply_reason(416), "Unsupported URI Scheme");
	ck_assert_str_eq(reply_reason(505), "Version Not Supported");
	ck_assert_str_eq(reply_reason(513), "Message Too Large");
	ck_assert_ptr_nonnull(reply_reason(499));
}
END_TEST

/* ---- reply_dest ---- */

static int
dest_port(const struct sip_peer *d, char *ip, size_t iplen)
{
	int port;

	peer_ip(d, ip, iplen, &port);
	return port;
}

START_TEST(test_dest_udp)
{
	struct sipmsg *req;
	struct sip_peer d;
	char ip[64];

	/* RFC 3581 4: rport -> the source address and port */
	req = request_from("Via: SIP/2.0/UDP 10.0.0.5:5080;rport;branch=z9hG4bKd1\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "198.51.100.7", 40000, 0);
	reply_dest(req, &d);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 40000);
	ck_assert_str_eq(ip, "198.51.100.7");
	ck_assert_int_eq(d.proto, PROTO_UDP);
	sipmsg_unref(req);

	/* RFC 3261 18.2.2: received (= source address) and the sent-by port */
	req = request_from("Via: SIP/2.0/UDP 10.0.0.5:5080;branch=z9hG4bKd2\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "198.51.100.7", 40000, 0);
	reply_dest(req, &d);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 5080);
	ck_assert_str_eq(ip, "198.51.100.7");
	sipmsg_unref(req);

	/* no port in sent-by: 5060 */
	req = request_from("Via: SIP/2.0/UDP client.example.com;branch=z9hG4bKd3\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "127.0.0.1", 5070, 0);
	reply_dest(req, &d);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 5060);
	ck_assert_str_eq(ip, "127.0.0.1");
	sipmsg_unref(req);

	/* IPv6 */
	req = request_from("Via: SIP/2.0/UDP [2001:db8::9]:5090;branch=z9hG4bKd4\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "2001:db8::9", 6000, 0);
	reply_dest(req, &d);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 5090);
	ck_assert_str_eq(ip, "2001:db8::9");
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_dest_stream)
{
	struct sipmsg *req;
	struct sip_peer d;
	char ip[64];

	/* RFC 3261 18.2.2: reliable transport -> the same connection */
	req = request_from("Via: SIP/2.0/TCP 10.0.0.5:5080;branch=z9hG4bKs1\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_TCP, "198.51.100.7", 40001, 42);
	reply_dest(req, &d);
	ck_assert_int_eq(d.proto, PROTO_TCP);
	ck_assert_uint_eq(d.conn, 42);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 40001);
	ck_assert_str_eq(ip, "198.51.100.7");

	/* connection gone: a new one to the source address and the sent-by port */
	fake_conn_alive = 0;
	reply_dest(req, &d);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 5080);
	ck_assert_str_eq(ip, "198.51.100.7");
	sipmsg_unref(req);

	req = request_from("Via: SIP/2.0/TLS client.example.com;branch=z9hG4bKs2\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_TLS, "198.51.100.7", 40002, 43);
	reply_dest(req, &d);
	ck_assert_int_eq(dest_port(&d, ip, sizeof(ip)), 5061);
	sipmsg_unref(req);
}
END_TEST

START_TEST(test_stateless)
{
	struct sipmsg *req = request_from("Via: SIP/2.0/UDP 10.0.0.5;rport;branch=z9hG4bKsl\r\n",
	    "<sip:sipd@127.0.0.1>", PROTO_UDP, "198.51.100.7", 40000, 0);
	char ip[64];

	reply_stateless(req, 403, NULL, "Warning: 399 sipd \"no\"\r\n");
	ck_assert_int_eq(fake_nsent, 1);
	ck_assert_int_eq(strncmp(fake_sent[0].buf, "SIP/2.0 403 Forbidden\r\n", 23), 0);
	ck_assert_ptr_nonnull(strstr(fake_sent[0].buf, "\r\nWarning: 399 sipd \"no\"\r\n"));
	ck_assert_ptr_nonnull(strstr(line(fake_sent[0].buf, "To:", 0), ";tag="));
	ck_assert_int_eq(dest_port(&fake_sent[0].dst, ip, sizeof(ip)), 40000);
	sipmsg_unref(req);
}
END_TEST

static Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tb = tcase_create("build"), *td = tcase_create("dest");

	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_checked_fixture(td, setup, teardown);
	tcase_add_test(tb, test_rport_received);
	tcase_add_test(tb, test_rport_nat);
	tcase_add_test(tb, test_rport_with_value_kept);
	tcase_add_test(tb, test_received_hostname);
	tcase_add_test(tb, test_received_ipv6);
	tcase_add_test(tb, test_copied_verbatim);
	tcase_add_test(tb, test_compact_request);
	tcase_add_test(tb, test_to_tag);
	tcase_add_test(tb, test_multiple_vias);
	tcase_add_test(tb, test_content_length);
	tcase_add_test(tb, test_reason_table);
	suite_add_tcase(s, tb);
	tcase_add_test(td, test_dest_udp);
	tcase_add_test(td, test_dest_stream);
	tcase_add_test(td, test_stateless);
	suite_add_tcase(s, td);
	return s;
}

CHECK_MAIN(reply_suite)
