/* check_sipmsg.c - sipmsg_parse: the raw header index, the fields it extracts, and every
 * validation rule (RFC 3261 7, 8.1.1, 8.2.2, 18.3, 20; RFC 4475 and RFC 5118 torture messages).
 *
 * The corpus tests read shared/conformance: $SIPD_SHARED/conformance, else ../shared (or
 * ../../shared, a worktree one level further down) beside $SRCDIR or $srcdir.  A missing
 * corpus fails the suite: the tests would otherwise pass having checked nothing. */
#include <check.h>

#include "check_main.h"
#include "corpus.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sipd.h"
#include "sipmsg.h"

static const struct sipmsg_limits lim = { 65535, 256, 8192 };

/* The request every edit starts from (Content-Length added by mkreq). */
static const char *base_lines[] = {
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbase1",
	"Max-Forwards: 70",
	"From: Alice <sip:alice@example.com>;tag=ftag1",
	"To: Bob <sip:bob@example.com>",
	"Call-ID: base-call@192.0.2.1",
	"CSeq: 1 OPTIONS",
};
#define BASE_SLINE	"OPTIONS sip:bob@example.com SIP/2.0"

static char msgbuf[8192];

/* The base request with start line sline (NULL: the base one), without the header lines that
 * begin with drop (NULL: none), plus add (raw "Name: value\r\n" lines, may be NULL), then
 * Content-Length: cl NULL = the body's length, "" = none, else the line as given.  Returns a
 * static buffer. */
static const char *
mkreq(const char *sline, const char *drop, const char *add, const char *cl, const char *body)
{
	size_t n = 0;

	n += (size_t)snprintf(msgbuf + n, sizeof(msgbuf) - n, "%s\r\n", sline ? sline : BASE_SLINE);
	for (size_t i = 0; i < sizeof(base_lines) / sizeof(base_lines[0]); i++) {
		if (drop != NULL && strncmp(base_lines[i], drop, strlen(drop)) == 0)
			continue;
		n += (size_t)snprintf(msgbuf + n, sizeof(msgbuf) - n, "%s\r\n", base_lines[i]);
	}
	if (add != NULL)
		n += (size_t)snprintf(msgbuf + n, sizeof(msgbuf) - n, "%s", add);
	if (cl == NULL)
		n += (size_t)snprintf(msgbuf + n, sizeof(msgbuf) - n, "Content-Length: %zu\r\n",
		    body ? strlen(body) : 0);
	else if (cl[0] != '\0')
		n += (size_t)snprintf(msgbuf + n, sizeof(msgbuf) - n, "%s\r\n", cl);
	snprintf(msgbuf + n, sizeof(msgbuf) - n, "\r\n%s", body ? body : "");
	ck_assert_uint_lt(strlen(msgbuf), sizeof(msgbuf) - 1);
	return msgbuf;
}

/* Parse len bytes; the message (maybe NULL) and err. */
static struct sipmsg *
parse_n(const char *s, size_t len, int datagram, struct sip_err *err)
{
	return sipmsg_parse(s, len, datagram, &lim, err);
}

/* Parse s as a UDP datagram and expect status; the message is released. */
static void
expect_status(const char *s, int datagram, int status, const char *reason_has)
{
	struct sip_err err;
	struct sipmsg *m = parse_n(s, strlen(s), datagram, &err);
	int indexed = m != NULL;

	sipmsg_unref(m);		/* first, so a failed assertion leaks nothing (CK_FORK=no) */
	ck_assert_msg(err.status == status, "expected %d, got %d (%s) for:\n%s", status, err.status,
	    err.reason ? err.reason : "-", s);
	if (reason_has != NULL) {
		ck_assert_ptr_nonnull(err.reason);
		ck_assert_msg(strstr(err.reason, reason_has) != NULL, "reason \"%s\" does not name %s",
		    err.reason, reason_has);
	}
	if (status >= 400)
		ck_assert_msg(indexed, "no message returned");	/* a request to answer keeps its index */
}

/* Parse s as a datagram and require success. */
static struct sipmsg *
parse_ok(const char *s)
{
	struct sip_err err;
	struct sipmsg *m = parse_n(s, strlen(s), 1, &err);

	ck_assert_ptr_nonnull(m);
	if (err.status != 0) {
		sipmsg_unref(m);
		ck_abort_msg("parse: %d %s for:\n%s", err.status, err.reason ? err.reason : "", s);
	}
	return m;
}

/* The value of h as a string (static buffer). */
static const char *
hval(const struct sipmsg *m, const struct sip_hdr *h)
{
	static char v[1024];

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_lt(h->vlen, sizeof(v));
	memcpy(v, m->raw + h->voff, h->vlen);
	v[h->vlen] = '\0';
	return v;
}

/* ---- valid messages and their fields ---- */

START_TEST(test_request_fields)
{
	const char *s =
	    "INVITE sip:bob@example.com;transport=udp SIP/2.0\r\n"
	    "Via: SIP/2.0/udp 192.0.2.1:5062;rport;branch=z9hG4bKinv1\r\n"
	    "Via: SIP/2.0/TCP 192.0.2.9;branch=z9hG4bKinv0\r\n"
	    "Max-Forwards: 69\r\n"
	    "From: \"Alice\" <sip:alice@example.com>;tag=a1b2\r\n"
	    "To: <sip:bob@example.com>;tag=b3c4\r\n"
	    "Call-ID: 8f3a@192.0.2.1\r\n"
	    "CSeq: 4711 INVITE\r\n"
	    "Content-Type: application/sdp\r\n"
	    "Content-Length: 5\r\n"
	    "\r\n"
	    "v=0\r\n";
	struct sipmsg *m = parse_ok(s);

	ck_assert_int_eq(m->is_request, 1);
	ck_assert_int_eq(m->method, SIP_INVITE);
	ck_assert_str_eq(m->method_name, "INVITE");
	ck_assert_str_eq(m->ruri, "sip:bob@example.com;transport=udp");
	ck_assert_uint_eq(m->sline_len, strlen("INVITE sip:bob@example.com;transport=udp SIP/2.0"));
	ck_assert_uint_eq(m->cseq, 4711);
	ck_assert_str_eq(m->cseq_method, "INVITE");
	ck_assert_str_eq(m->call_id, "8f3a@192.0.2.1");
	ck_assert_str_eq(m->from_tag, "a1b2");
	ck_assert_str_eq(m->to_tag, "b3c4");
	ck_assert_int_eq(m->max_forwards, 69);
	ck_assert_str_eq(m->via.proto, "UDP");
	ck_assert_str_eq(m->via.host, "192.0.2.1");
	ck_assert_int_eq(m->via.port, 5062);
	ck_assert_str_eq(m->via.branch, "z9hG4bKinv1");
	ck_assert_int_eq(m->via.rport, 1);
	ck_assert_int_eq(m->via.has_received_param, 0);
	ck_assert_int_eq((int)m->via.vlen, (int)strlen("SIP/2.0/udp 192.0.2.1:5062;rport;branch=z9hG4bKinv1"));
	ck_assert_int_eq(memcmp(m->raw + m->via.voff, "SIP/2.0/udp", 11), 0);
	ck_assert_uint_eq(m->body_len, 5);
	ck_assert_int_eq(memcmp(m->raw + m->body_off, "v=0\r\n", 5), 0);
	ck_assert_uint_eq(m->body_off + m->body_len, strlen(s));
	ck_assert_uint_eq(m->len, strlen(s));
	ck_assert_int_eq(m->nhdrs, 9);
	ck_assert_int_eq(memcmp(m->raw, s, m->len), 0);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_request_defaults)
{
	/* No Max-Forwards, no To tag, Via without port/branch/rport. */
	struct sipmsg *m = parse_ok(
	    "REGISTER sip:example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS client.example.com\r\n"
	    "From: <sip:u@example.com>;tag=1\r\n"
	    "To: <sip:u@example.com>\r\n"
	    "Call-ID: reg1\r\n"
	    "CSeq: 2 REGISTER\r\n"
	    "Content-Length: 0\r\n\r\n");

	ck_assert_int_eq(m->method, SIP_REGISTER);
	ck_assert_int_eq(m->max_forwards, -1);
	ck_assert_ptr_null(m->to_tag);
	ck_assert_str_eq(m->via.proto, "TLS");
	ck_assert_str_eq(m->via.host, "client.example.com");
	ck_assert_int_eq(m->via.port, 0);
	ck_assert_ptr_null(m->via.branch);
	ck_assert_int_eq(m->via.rport, 0);
	ck_assert_uint_eq(m->body_len, 0);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_via_ipv6_received)
{
	struct sipmsg *m = parse_ok(
	    "OPTIONS sip:[2001:db8::10] SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP [2001:db8::9]:5070;received=2001:db8::9;rport=5070;branch=z9hG4bK6\r\n"
	    "From: <sip:a@[2001:db8::9]>;tag=1\r\n"
	    "To: <sip:b@[2001:db8::10]>\r\n"
	    "Call-ID: v6\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n");

	ck_assert_str_eq(m->via.host, "2001:db8::9");
	ck_assert_int_eq(m->via.port, 5070);
	ck_assert_int_eq(m->via.rport, 1);
	ck_assert_int_eq(m->via.has_received_param, 1);
	ck_assert_str_eq(m->via.branch, "z9hG4bK6");
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_response_fields)
{
	struct sipmsg *m = parse_ok(
	    "SIP/2.0 180 Ringing\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKr1\r\n"
	    "From: <sip:alice@example.com>;tag=f1\r\n"
	    "To: <sip:bob@example.com>;tag=t1\r\n"
	    "Call-ID: resp1\r\n"
	    "CSeq: 12 INVITE\r\n"
	    "Content-Length: 0\r\n\r\n");

	ck_assert_int_eq(m->is_request, 0);
	ck_assert_int_eq(m->status, 180);
	ck_assert_int_eq(m->method, SIP_INVITE);
	ck_assert_uint_eq(m->cseq, 12);
	ck_assert_str_eq(m->cseq_method, "INVITE");
	ck_assert_str_eq(m->to_tag, "t1");
	ck_assert_str_eq(m->from_tag, "f1");
	ck_assert_str_eq(m->via.branch, "z9hG4bKr1");
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_response_no_reason)
{
	struct sipmsg *m;

	/* RFC 4475 3.1.1.13: "SIP/2.0 100 " with an empty reason is well formed. */
	m = parse_ok(
	    "SIP/2.0 100 \r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr2\r\n"
	    "From: <sip:a@example.com>;tag=f\r\n"
	    "To: <sip:b@example.com>\r\n"
	    "Call-ID: r2\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Content-Length: 0\r\n\r\n");
	ck_assert_int_eq(m->status, 100);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_header_index)
{
	struct sipmsg *m = parse_ok(mkreq(NULL, NULL,
	    "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKsecond\r\n"
	    "X-Custom-Thing:   some value  \r\n", NULL, NULL));
	const struct sip_hdr *h;
	char buf[64];
	int n = 0;

	/* every line indexed, in order, each len through its CRLF */
	ck_assert_int_eq(m->nhdrs, 9);
	for (int i = 0; i < m->nhdrs; i++) {
		h = &m->hdrs[i];
		ck_assert_int_eq(m->raw[h->off + h->len - 2], '\r');
		ck_assert_int_eq(m->raw[h->off + h->len - 1], '\n');
		if (i + 1 < m->nhdrs)
			ck_assert_uint_eq(h->off + h->len, m->hdrs[i + 1].off);
	}
	ck_assert_uint_eq(m->hdrs[0].off, strlen(BASE_SLINE) + 2);

	for (h = sipmsg_hdr(m, HDR_VIA, NULL); h != NULL; h = sipmsg_hdr(m, HDR_VIA, h))
		n++;
	ck_assert_int_eq(n, 2);
	h = sipmsg_hdr(m, HDR_VIA, NULL);
	ck_assert_str_eq(hval(m, h), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbase1");
	ck_assert_uint_eq(h->name_len, 3);
	h = sipmsg_hdr(m, HDR_VIA, h);
	ck_assert_str_eq(hval(m, h), "SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKsecond");

	ck_assert_str_eq(sipmsg_hdr_value(m, HDR_CALL_ID, buf, sizeof(buf)), "base-call@192.0.2.1");
	ck_assert_str_eq(sipmsg_hdr_value(m, HDR_CSEQ, buf, 5), "1 OP");	/* truncated to fit */
	ck_assert_ptr_null(sipmsg_hdr_value(m, HDR_CONTACT, buf, sizeof(buf)));
	ck_assert_ptr_null(sipmsg_hdr(m, HDR_ROUTE, NULL));

	h = sipmsg_hdr_named(m, "x-custom-THING");
	ck_assert_int_eq(h->id, HDR_OTHER);
	ck_assert_str_eq(hval(m, h), "some value");	/* leading/trailing LWS trimmed */
	ck_assert_ptr_null(sipmsg_hdr_named(m, "X-Custom"));
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_folded_headers)
{
	const char *s =
	    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP\r\n"
	    "   192.0.2.1:5060\r\n"
	    "\t;branch=z9hG4bKfold\r\n"
	    "Subject: a long\r\n"
	    "  subject line\r\n"
	    "From: <sip:alice@example.com>\r\n"
	    " ;tag=ff\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: fold1\r\n"
	    "CSeq: 1\r\n"
	    "  OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sipmsg *m = parse_ok(s);
	const struct sip_hdr *h;

	ck_assert_int_eq(m->nhdrs, 7);
	h = sipmsg_hdr(m, HDR_VIA, NULL);
	ck_assert_str_eq(hval(m, h), "SIP/2.0/UDP\r\n   192.0.2.1:5060\r\n\t;branch=z9hG4bKfold");
	ck_assert_uint_eq(h->len, strlen("Via: SIP/2.0/UDP\r\n   192.0.2.1:5060\r\n\t;branch=z9hG4bKfold\r\n"));
	ck_assert_str_eq(m->via.host, "192.0.2.1");
	ck_assert_int_eq(m->via.port, 5060);
	ck_assert_str_eq(m->via.branch, "z9hG4bKfold");
	h = sipmsg_hdr_named(m, "Subject");
	ck_assert_str_eq(hval(m, h), "a long\r\n  subject line");
	ck_assert_str_eq(m->from_tag, "ff");
	ck_assert_uint_eq(m->cseq, 1);
	ck_assert_str_eq(m->cseq_method, "OPTIONS");
	/* the header after the folded one starts right after it */
	ck_assert_int_eq(memcmp(m->raw + h->off + h->len, "From:", 5), 0);
	sipmsg_unref(m);
}
END_TEST

/* HCOLON = *( SP / HTAB ) ":" SWS and SWS may be a fold (RFC 3261 7.3.1, 25.1): a value may
 * start on the next line.  RFC 4475 3.1.1.1 does this with To ("TO :\r\n sip:..."). */
#define FOLD_REQ(via, from, to, callid, cseq, mf, cl) \
	"OPTIONS sip:bob@example.com SIP/2.0\r\n" \
	"Via:" via "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKcolon\r\n" \
	"From:" from "<sip:alice@example.com>;tag=fc\r\n" \
	"To:" to "<sip:bob@example.com>\r\n" \
	"Call-ID:" callid "colon-fold@192.0.2.1\r\n" \
	"CSeq:" cseq "3 OPTIONS\r\n" \
	"Max-Forwards:" mf "70\r\n" \
	"Content-Length:" cl "0\r\n\r\n"
#define F	"\r\n "
#define S	" "

START_TEST(test_fold_after_colon)
{
	/* Via, From, To, Max-Forwards, Content-Length folded right after the colon */
	struct sipmsg *m = parse_ok(FOLD_REQ(F, F, F, S, S, F, F));

	ck_assert_int_eq(m->max_forwards, 70);
	ck_assert_str_eq(m->via.host, "192.0.2.1");
	ck_assert_str_eq(m->from_tag, "fc");
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_fold_after_colon_callid)
{
	struct sipmsg *m = parse_ok(FOLD_REQ(S, S, S, F, S, S, S));

	ck_assert_str_eq(m->call_id, "colon-fold@192.0.2.1");
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_fold_after_colon_cseq)
{
	struct sipmsg *m = parse_ok(FOLD_REQ(S, S, S, S, F, S, S));

	ck_assert_uint_eq(m->cseq, 3);
	ck_assert_str_eq(m->cseq_method, "OPTIONS");
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_compact_forms)
{
	const char *s =
	    "INVITE sip:bob@example.com SIP/2.0\r\n"
	    "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKcompact\r\n"
	    "f: <sip:alice@example.com>;tag=cf\r\n"
	    "t: <sip:bob@example.com>;tag=ct\r\n"
	    "i: compact-1\r\n"
	    "CSeq: 5 INVITE\r\n"
	    "m: <sip:alice@192.0.2.1>\r\n"
	    "k: 100rel\r\n"
	    "c: text/plain\r\n"
	    "l: 2\r\n"
	    "\r\n"
	    "hi";
	struct sipmsg *m = parse_ok(s);

	ck_assert_str_eq(m->via.branch, "z9hG4bKcompact");
	ck_assert_str_eq(m->from_tag, "cf");
	ck_assert_str_eq(m->to_tag, "ct");
	ck_assert_str_eq(m->call_id, "compact-1");
	ck_assert_ptr_nonnull(sipmsg_hdr(m, HDR_CONTACT, NULL));
	ck_assert_ptr_nonnull(sipmsg_hdr(m, HDR_SUPPORTED, NULL));
	ck_assert_ptr_nonnull(sipmsg_hdr(m, HDR_CONTENT_TYPE, NULL));
	ck_assert_uint_eq(m->body_len, 2);
	ck_assert_int_eq(memcmp(m->raw + m->body_off, "hi", 2), 0);
	sipmsg_unref(m);

	ck_assert_int_eq(sipmsg_hdr_id("i", 1), HDR_CALL_ID);
	ck_assert_int_eq(sipmsg_hdr_id("I", 1), HDR_CALL_ID);
	ck_assert_int_eq(sipmsg_hdr_id("m", 1), HDR_CONTACT);
	ck_assert_int_eq(sipmsg_hdr_id("v", 1), HDR_VIA);
	ck_assert_int_eq(sipmsg_hdr_id("f", 1), HDR_FROM);
	ck_assert_int_eq(sipmsg_hdr_id("t", 1), HDR_TO);
	ck_assert_int_eq(sipmsg_hdr_id("L", 1), HDR_CONTENT_LENGTH);
	ck_assert_int_eq(sipmsg_hdr_id("k", 1), HDR_SUPPORTED);
	ck_assert_int_eq(sipmsg_hdr_id("content-LENGTH", 14), HDR_CONTENT_LENGTH);
	ck_assert_int_eq(sipmsg_hdr_id("CALL-ID", 7), HDR_CALL_ID);
	ck_assert_int_eq(sipmsg_hdr_id("Call-IDs", 8), HDR_OTHER);
	ck_assert_int_eq(sipmsg_hdr_id("x", 1), HDR_OTHER);
	ck_assert_int_eq(sipmsg_hdr_id("Via", 2), HDR_OTHER);
}
END_TEST

START_TEST(test_leading_crlf)
{
	/* RFC 3261 7.5: CRLFs before the start line are ignored. */
	char s[2048];
	struct sipmsg *m;

	snprintf(s, sizeof(s), "\r\n\r\n\r\n%s", mkreq(NULL, NULL, NULL, NULL, NULL));
	m = parse_ok(s);
	ck_assert_int_eq(m->method, SIP_OPTIONS);
	ck_assert_int_eq(memcmp(m->raw, "OPTIONS ", 8), 0);
	ck_assert_uint_eq(m->len, strlen(s) - 6);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_nul_in_quoted)
{
	/* RFC 4475 3.1.1.2: NUL may appear inside a quoted-pair in a quoted string. */
	static const char s[] =
	    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnul\r\n"
	    "From: \"NUL:\\\0 here\" <sip:alice@example.com>;tag=nul1\r\n"
	    "To: \"Bob\" <sip:bob@example.com>\r\n"
	    "Call-ID: nul-call\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sip_err err;
	struct sipmsg *m = parse_n(s, sizeof(s) - 1, 1, &err);

	ck_assert_ptr_nonnull(m);
	ck_assert_msg(err.status == 0, "%d %s", err.status, err.reason ? err.reason : "");
	ck_assert_str_eq(m->from_tag, "nul1");
	ck_assert_str_eq(m->call_id, "nul-call");
	ck_assert_uint_eq(m->len, sizeof(s) - 1);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_nul_outside_quotes)
{
	/* NUL is no token character: a Call-ID holding one is malformed. */
	static const char s[] =
	    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnul\r\n"
	    "From: <sip:alice@example.com>;tag=nul1\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: nul\0call\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sip_err err;
	struct sipmsg *m = parse_n(s, sizeof(s) - 1, 1, &err);

	sipmsg_unref(m);
	ck_assert_int_eq(err.status, 400);
	ck_assert_ptr_nonnull(strstr(err.reason, "Call-ID"));
}
END_TEST

START_TEST(test_nul_in_request_uri)
{
	/* A NUL in the Request-URI is not allowed by the RFC 3261 25.1 grammar (an escaped
	 * %00 is, RFC 4475 3.1.1.4); the URI must not be judged on the text before the NUL. */
	static const char s[] =
	    "OPTIONS sip:bob@example.com\0junk SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnul\r\n"
	    "From: <sip:alice@example.com>;tag=nul1\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: nul-ruri\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sip_err err;
	struct sipmsg *m = parse_n(s, sizeof(s) - 1, 1, &err);

	sipmsg_unref(m);
	ck_assert_msg(err.status == 400, "NUL in Request-URI: got %d", err.status);
}
END_TEST

/* RFC 3261 25.1: 8-bit bytes only as UTF-8, a NUL only as a quoted-pair; the 400 names the
 * header (its full name for a compact form). */
START_TEST(test_text_strict)
{
	static const struct {
		const char	*hdr;
		size_t		 len;		/* 0: strlen (no NUL inside) */
		const char	*reason;	/* NULL: accepted */
	} t[] = {
		{ "Subject: caf\xc3\xa9 \xe2\x82\xac\r\n", 0, NULL },
		{ "X-Note: \"\xef\xbb\xbf\" (\xe5\xa4\xa7)\r\n", 0, NULL },
		{ "Subject: caf\xe9\r\n", 0, "Bad Subject header: invalid UTF-8" },
		{ "Subject: a\0b\r\n", 14, "Bad Subject header: NUL byte" },
		{ "Subject: a\r\n b\xc0\xaf\r\n", 0, "Bad Subject header: invalid UTF-8" },
		{ "User-Agent: UA/1 (\xed\xa0\x80)\r\n", 0, "Bad User-Agent header: invalid UTF-8" },
		{ "Organization: \"\xf4\x90\x80\x80\"\r\n", 0, "Bad Organization header: invalid UTF-8" },
		{ "Contact: \"\xff\" <sip:a@192.0.2.1>\r\n", 0, "Bad Contact header: invalid UTF-8" },
		{ "Contact: \"a\0\" <sip:a@192.0.2.1>\r\n", 33, "Bad Contact header: NUL byte" },
		/* a CR only as part of CRLF (found by fuzz_osipdiff: libosip2 ends the head at CR CR) */
		{ "Subject: a\r\r=b\r\n", 0, "Bare CR in a header line" },
		{ "Subject: a\rb\r\n", 0, "Bare CR in a header line" },
	};
	static const char head[] =
	    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKutf\r\n"
	    "From: <sip:alice@example.com>;tag=u1\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: utf-call\r\n"
	    "CSeq: 1 OPTIONS\r\n";
	static const char tail[] = "Content-Length: 0\r\n\r\n";
	char buf[512];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_err err;
		struct sipmsg *m;
		size_t n = 0, len;

		memcpy(buf, head, sizeof(head) - 1);
		n += sizeof(head) - 1;
		len = t[i].len ? t[i].len : strlen(t[i].hdr);
		memcpy(buf + n, t[i].hdr, len);
		n += len;
		memcpy(buf + n, tail, sizeof(tail) - 1);
		n += sizeof(tail) - 1;
		m = parse_n(buf, n, 1, &err);
		sipmsg_unref(m);
		if (t[i].reason == NULL) {
			ck_assert_msg(err.status == 0, "case %zu: %d %s", i, err.status, err.reason);
			continue;
		}
		ck_assert_msg(err.status == 400, "case %zu: got %d", i, err.status);
		ck_assert_str_eq(err.reason, t[i].reason);
	}
}
END_TEST

/* The display name of From, written in its compact form: the reason spells the name out. */
START_TEST(test_text_display_name)
{
	expect_status("OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKutf2\r\n"
	    "f: \"J\xf6rg\" <sip:joerg@example.com>;tag=u2\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: utf-call2\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n", 1, 400, "Bad From header: invalid UTF-8");
	expect_status("OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKutf3\r\n"
	    "From: \"J\xc3\xb6rg\" <sip:joerg@example.com>;tag=u3\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: utf-call3\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n", 1, 0, NULL);
}
END_TEST

/* A response with such bytes, in its reason phrase or a header, is dropped (status -1). */
START_TEST(test_text_response)
{
	static const char *const bad[] = {
		"SIP/2.0 200 O\xc0\x80K\r\n",
		"SIP/2.0 200 OK\r\nSubject: \xfe\r\n",
		"SIP/2.0 200 OK\r\nSubject: a\0b\r\n",
	};
	static const char rest[] =
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKutf4\r\n"
	    "From: <sip:alice@example.com>;tag=u4\r\n"
	    "To: <sip:bob@example.com>;tag=b4\r\n"
	    "Call-ID: utf-call4\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	char buf[512];
	struct sip_err err;
	struct sipmsg *m;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		if (i == 2)
			n = 30;		/* through the NUL */
		memcpy(buf, bad[i], n);
		memcpy(buf + n, rest, sizeof(rest) - 1);
		m = parse_n(buf, n + sizeof(rest) - 1, 1, &err);
		sipmsg_unref(m);
		ck_assert_msg(err.status == -1, "case %zu: got %d", i, err.status);
	}
	/* RFC 4475 3.1.1.13: a reason phrase in UTF-8 is fine */
	n = strlen("SIP/2.0 200 \xe5\xa5\xbd\r\n");
	memcpy(buf, "SIP/2.0 200 \xe5\xa5\xbd\r\n", n);
	memcpy(buf + n, rest, sizeof(rest) - 1);
	m = parse_n(buf, n + sizeof(rest) - 1, 1, &err);
	sipmsg_unref(m);
	ck_assert_msg(err.status == 0, "UTF-8 reason phrase: %d %s", err.status, err.reason);
}
END_TEST

/* ---- required and single headers ---- */

START_TEST(test_missing_headers)
{
	static const struct {
		const char	*drop;
		const char	*name;
	} t[] = {
		{ "Via:", "Via" }, { "From:", "From" }, { "To:", "To" },
		{ "Call-ID:", "Call-ID" }, { "CSeq:", "CSeq" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_status(mkreq(NULL, t[i].drop, NULL, NULL, NULL), 1, 400, t[i].name);
	/* Max-Forwards is not required of a request sipd answers */
	expect_status(mkreq(NULL, "Max-Forwards:", NULL, NULL, NULL), 1, 0, NULL);
}
END_TEST

START_TEST(test_multiple_headers)
{
	static const struct {
		const char	*add;
		const char	*name;
	} t[] = {
		{ "From: <sip:mallory@example.com>;tag=2\r\n", "From" },
		{ "To: <sip:carol@example.com>\r\n", "To" },
		{ "Call-ID: second-call\r\n", "Call-ID" },
		{ "i: compact-second\r\n", "Call-ID" },
		{ "f: <sip:mallory@example.com>;tag=3\r\n", "From" },
		{ "CSeq: 2 OPTIONS\r\n", "CSeq" },
		{ "Max-Forwards: 69\r\n", "Max-Forwards" },
		{ "Content-Length: 0\r\n", "Content-Length" },
		{ "l: 0\r\n", "Content-Length" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_status(mkreq(NULL, NULL, t[i].add, NULL, NULL), 1, 400, t[i].name);
	/* several Via lines are normal */
	expect_status(mkreq(NULL, NULL, "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx\r\n", NULL, NULL),
	    1, 0, NULL);
}
END_TEST

/* ---- CSeq ---- */

START_TEST(test_cseq_values)
{
	struct sipmsg *m;

	expect_status(mkreq(NULL, "CSeq:", "CSeq: abc OPTIONS\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 1\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: OPTIONS\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 1OPTIONS\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: -1 OPTIONS\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 1 OPTIONS extra\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 4294967296 OPTIONS\r\n", NULL, NULL), 1, 400, "CSeq");
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 36893488147419103232 OPTIONS\r\n", NULL, NULL),
	    1, 400, "CSeq");

	m = parse_ok(mkreq(NULL, "CSeq:", "CSeq: 4294967295 OPTIONS\r\n", NULL, NULL));
	ck_assert_uint_eq(m->cseq, 4294967295U);
	sipmsg_unref(m);
	m = parse_ok(mkreq(NULL, "CSeq:", "CSeq:   0009   OPTIONS\r\n", NULL, NULL));
	ck_assert_uint_eq(m->cseq, 9);
	ck_assert_str_eq(m->cseq_method, "OPTIONS");
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_cseq_method_mismatch)
{
	struct sipmsg *m;

	/* RFC 4475 3.1.2.17 */
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 1 INVITE\r\n", NULL, NULL), 1, 400, NULL);
	/* methods are case-sensitive (RFC 3261 7.1) */
	expect_status(mkreq(NULL, "CSeq:", "CSeq: 1 options\r\n", NULL, NULL), 1, 400, NULL);
	/* RFC 4475 3.1.2.18: an unknown method is answered 501 */
	expect_status(mkreq("NEWMETHOD sip:bob@example.com SIP/2.0", "CSeq:", "CSeq: 1 INVITE\r\n",
	    NULL, NULL), 1, 501, NULL);
	/* an unknown method whose CSeq agrees parses (the UAS answers 501 later, not the parser) */
	m = parse_ok(mkreq("NEWMETHOD sip:bob@example.com SIP/2.0", "CSeq:", "CSeq: 1 NEWMETHOD\r\n",
	    NULL, NULL));
	ck_assert_int_eq(m->method, SIP_UNKNOWN);
	ck_assert_str_eq(m->method_name, "NEWMETHOD");
	sipmsg_unref(m);
}
END_TEST

/* ---- start line ---- */

START_TEST(test_version)
{
	expect_status(mkreq("OPTIONS sip:bob@example.com SIP/3.0", NULL, NULL, NULL, NULL), 1, 505, NULL);
	expect_status(mkreq("OPTIONS sip:bob@example.com SIP/7.0", NULL, NULL, NULL, NULL), 1, 505, NULL);
	/* SIP-Version is case-insensitive (RFC 3261 7.1) */
	expect_status(mkreq("OPTIONS sip:bob@example.com sip/2.0", NULL, NULL, NULL, NULL), 1, 0, NULL);
	expect_status(mkreq("OPTIONS sip:bob@example.com HTTP/1.1", NULL, NULL, NULL, NULL), 1, 400, NULL);
}
END_TEST

START_TEST(test_bad_request_lines)
{
	static const char *bad[] = {
		"OPTIONS  sip:bob@example.com SIP/2.0",		/* RFC 4475 3.1.2.9 */
		"OPTIONS sip:bob@example.com  SIP/2.0",
		"OPTIONS sip:bob@example.com SIP/2.0 ",		/* RFC 4475 3.1.2.10 */
		"OPTIONS <sip:bob@example.com> SIP/2.0",	/* RFC 4475 3.1.2.7 */
		"OPTIONS sip:bob@example.com; lr SIP/2.0",	/* RFC 4475 3.1.2.8 */
		"OPTIONS sip:bob@example.com?Route=%3Csip:x%3E SIP/2.0",	/* RFC 4475 3.1.2.11 */
		"OPTIONS sip:bob@example.com",
		"OPTIONS sip:2001:db8::10 SIP/2.0",		/* RFC 5118 4.2 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_status(mkreq(bad[i], NULL, NULL, NULL, NULL), 1, 400, NULL);
}
END_TEST

START_TEST(test_request_line_trailing_tab)
{
	/* "SIP/2.0<HTAB>" is no SIP-Version (RFC 3261 7.1, 25.1): a malformed Request-Line like
	 * RFC 4475 3.1.2.10's trailing SP, answered 400 -- not 505, the version is 2.0. */
	expect_status(mkreq("OPTIONS sip:bob@example.com SIP/2.0\t", NULL, NULL, NULL, NULL), 1, 400,
	    NULL);
}
END_TEST

START_TEST(test_uri_schemes)
{
	struct sipmsg *m;

	/* RFC 3261 8.2.2.1 / RFC 4475 3.3.2, 3.3.3 */
	expect_status(mkreq("OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0", NULL, NULL,
	    NULL, NULL), 1, 416, NULL);
	expect_status(mkreq("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0", NULL, NULL, NULL, NULL),
	    1, 416, NULL);
	expect_status(mkreq("OPTIONS mailto:bob@example.com SIP/2.0", NULL, NULL, NULL, NULL), 1, 416,
	    NULL);
	m = parse_ok(mkreq("OPTIONS tel:+15551234567 SIP/2.0", NULL, NULL, NULL, NULL));
	ck_assert_str_eq(m->ruri, "tel:+15551234567");
	sipmsg_unref(m);
	expect_status(mkreq("OPTIONS sips:bob@example.com SIP/2.0", NULL, NULL, NULL, NULL), 1, 0, NULL);
	expect_status(mkreq("OPTIONS SIP:bob@example.com SIP/2.0", NULL, NULL, NULL, NULL), 1, 0, NULL);
	expect_status(mkreq("OPTIONS sip:[2001:db8::10]:5070 SIP/2.0", NULL, NULL, NULL, NULL), 1, 0,
	    NULL);
}
END_TEST

START_TEST(test_bad_responses)
{
	static const char *bad[] = {
		"SIP/2.0 4294967301 better not break the receiver",	/* RFC 4475 3.1.2.19 */
		"SIP/2.0 1000 Too Long",
		"SIP/2.0 099 Too Small",
		"SIP/2.0 99 Too Short",
		"SIP/2.0 abc Letters",
		"SIP/2.0  200 Two Spaces",
		"SIP/3.0 200 OK",
	};
	char s[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(s, sizeof(s), "%s\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKbad\r\n"
		    "From: <sip:a@example.com>;tag=f\r\n"
		    "To: <sip:b@example.com>;tag=t\r\n"
		    "Call-ID: badresp\r\n"
		    "CSeq: 1 INVITE\r\n"
		    "Content-Length: 0\r\n\r\n", bad[i]);
		expect_status(s, 1, -1, NULL);
	}
	/* a response with a bad header is dropped, never answered */
	expect_status("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKbad\r\n"
	    "From: <sip:a@example.com>;tag=f\r\n"
	    "To: <sip:b@example.com>;tag=t\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Content-Length: 0\r\n\r\n", 1, -1, NULL);
}
END_TEST

/* ---- Content-Length and framing of a datagram ---- */

START_TEST(test_content_length_bad)
{
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length: -5", "hello"), 1, 400, "Content-Length");
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length: five", "hello"), 1, 400, "Content-Length");
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length: 5x", "hello"), 1, 400, "Content-Length");
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length:", "hello"), 1, 400, "Content-Length");
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length: 99999999999", "hello"), 1, 400,
	    "Content-Length");
}
END_TEST

START_TEST(test_content_length_too_large)
{
	/* RFC 3261 18.3 / RFC 4475 3.1.2.2: a request is answered 400 */
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length: 6", "hello"), 1, 400, "Content-Length");
	expect_status(mkreq(NULL, NULL, NULL, "Content-Length: 9999", "hello"), 1, 400, NULL);
	/* a response is discarded */
	expect_status("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKcl\r\n"
	    "From: <sip:a@example.com>;tag=f\r\n"
	    "To: <sip:b@example.com>;tag=t\r\n"
	    "Call-ID: clresp\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Content-Length: 100\r\n\r\nshort body", 1, -1, NULL);
}
END_TEST

START_TEST(test_datagram_trailing_bytes)
{
	/* RFC 3261 18.3: octets past Content-Length in a datagram are ignored */
	const char *s = mkreq(NULL, NULL, NULL, "Content-Length: 5", "hello, and junk after it");
	struct sipmsg *m = parse_ok(s);

	ck_assert_uint_eq(m->body_len, 5);
	ck_assert_uint_eq(m->len, strlen(s) - strlen(", and junk after it"));
	ck_assert_uint_eq(m->body_off + m->body_len, m->len);
	ck_assert_int_eq(memcmp(m->raw + m->body_off, "hello", 5), 0);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_no_content_length)
{
	const char *s = mkreq(NULL, NULL, NULL, "", "body without length");
	struct sip_err err;
	struct sipmsg *m;

	/* datagram: the body is the rest of it (RFC 3261 18.3, 20.14) */
	m = parse_ok(s);
	ck_assert_uint_eq(m->body_len, strlen("body without length"));
	ck_assert_int_eq(memcmp(m->raw + m->body_off, "body without length", m->body_len), 0);
	sipmsg_unref(m);
	/* stream: Content-Length is mandatory */
	m = parse_n(s, strlen(s), 0, &err);
	ck_assert_int_eq(err.status, 400);
	ck_assert_ptr_nonnull(strstr(err.reason, "Content-Length"));
	sipmsg_unref(m);
	/* stream with it: fine */
	s = mkreq(NULL, NULL, NULL, NULL, "abc");
	m = parse_n(s, strlen(s), 0, &err);
	ck_assert_int_eq(err.status, 0);
	ck_assert_uint_eq(m->body_len, 3);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_headers_only_datagram)
{
	/* no empty line at all: tolerated in a datagram, no body */
	struct sipmsg *m = parse_ok(
	    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnoempty\r\n"
	    "From: <sip:a@example.com>;tag=f\r\n"
	    "To: <sip:b@example.com>\r\n"
	    "Call-ID: noempty\r\n"
	    "CSeq: 1 OPTIONS\r\n");

	ck_assert_int_eq(m->nhdrs, 5);
	ck_assert_uint_eq(m->body_len, 0);
	sipmsg_unref(m);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_limits)
{
	static const char xlong[] = "X-Long: "
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789";
	char add[256];
	const char *s;
	size_t len;
	struct sipmsg_limits l;
	struct sip_err err;
	struct sipmsg *m;

	snprintf(add, sizeof(add), "%s\r\n", xlong);
	s = mkreq(NULL, NULL, add, NULL, NULL);
	len = strlen(s);
	l = lim;
	l.max_size = len - 1;
	m = sipmsg_parse(s, len, 1, &l, &err);
	ck_assert_int_eq(err.status, 513);
	sipmsg_unref(m);
	l.max_size = len;
	m = sipmsg_parse(s, len, 1, &l, &err);
	ck_assert_int_eq(err.status, 0);
	sipmsg_unref(m);

	l = lim;
	l.max_headers = 7;		/* the message has 8 */
	m = sipmsg_parse(s, len, 1, &l, &err);
	ck_assert_int_eq(err.status, 513);
	sipmsg_unref(m);
	l.max_headers = 8;
	m = sipmsg_parse(s, len, 1, &l, &err);
	ck_assert_int_eq(err.status, 0);
	sipmsg_unref(m);

	l = lim;
	l.max_line = strlen(xlong) - 1;		/* the longest line */
	m = sipmsg_parse(s, len, 1, &l, &err);
	ck_assert_int_eq(err.status, 513);
	sipmsg_unref(m);
	l.max_line++;
	m = sipmsg_parse(s, len, 1, &l, &err);
	ck_assert_int_eq(err.status, 0);
	sipmsg_unref(m);
}
END_TEST

START_TEST(test_short_input)
{
	struct sip_err err;

	ck_assert_ptr_null(sipmsg_parse("", 0, 1, &lim, &err));
	ck_assert_ptr_null(sipmsg_parse("\r\n\r\n", 4, 1, &lim, &err));
	ck_assert_ptr_null(sipmsg_parse("INVITE", 6, 1, &lim, &err));
}
END_TEST

START_TEST(test_garbage_header_line)
{
	expect_status(mkreq(NULL, NULL, "this line has no colon\r\n", NULL, NULL), 1, 400, NULL);
	expect_status(mkreq(NULL, NULL, ": no name\r\n", NULL, NULL), 1, 400, NULL);
}
END_TEST

START_TEST(test_refcount)
{
	struct sipmsg *m = parse_ok(mkreq(NULL, NULL, NULL, NULL, NULL));

	ck_assert_ptr_eq(sipmsg_ref(m), m);
	ck_assert_int_eq(m->refcnt, 2);
	sipmsg_unref(m);
	ck_assert_int_eq(m->refcnt, 1);
	parser_init();
	ck_assert_ptr_nonnull(sipmsg_osip(m));		/* libosip2 takes it too */
	sipmsg_unref(m);
	sipmsg_unref(NULL);
}
END_TEST

/* ---- the RFC 4475 / RFC 5118 corpus ---- */

START_TEST(test_corpus_missing)
{
	ck_abort_msg("no conformance corpus (shared/conformance beside the source tree): set SIPD_SHARED");
}
END_TEST

/* Parse a corpus file as the UDP datagram it is; the message (maybe NULL) and err. */
static struct sipmsg *
corpus_parse(const char *rel, struct sip_err *err, size_t *filelen)
{
	size_t len;
	char *buf = corpus_read(rel, &len);
	struct sipmsg *m = parse_n(buf, len, 1, err);

	free(buf);
	if (filelen)
		*filelen = len;
	return m;
}

static void
corpus_expect(const char *rel, int status)
{
	struct sip_err err;
	struct sipmsg *m = corpus_parse(rel, &err, NULL);
	int indexed = m != NULL;

	sipmsg_unref(m);
	ck_assert_msg(err.status == status, "%s: expected %d, got %d (%s)", rel, status, err.status,
	    err.reason ? err.reason : "-");
	if (status != -1)
		ck_assert_msg(indexed, "%s: no message returned", rel);
}

START_TEST(test_corpus_valid)
{
	/* RFC 4475 3.1.1: every element must accept these. */
	static const char *valid[] = {
		"wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq",
		"semiuri", "transports", "mpart01", "unreason", "noreason",
	};
	char rel[128];

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		snprintf(rel, sizeof(rel), "rfc4475/%s.sip", valid[i]);
		corpus_expect(rel, 0);
	}
}
END_TEST

START_TEST(test_corpus_wellformed_application)
{
	/* RFC 4475 3.3: syntactically fine; what to do is up to the layers above the parser. */
	static const char *ok[] = {
		"unksm2", "bext01", "invut", "regaut01", "bcast", "zeromf", "cparam01", "cparam02",
		"regescrt", "sdp01", "inv2543", "baddate",
	};
	char rel[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(rel, sizeof(rel), "rfc4475/%s.sip", ok[i]);
		corpus_expect(rel, 0);
	}
}
END_TEST

START_TEST(test_corpus_invalid)
{
	static const struct {
		const char	*name;
		int		 status;
	} t[] = {
		{ "rfc4475/badinv01.sip", 400 }, { "rfc4475/clerr.sip", 400 },
		{ "rfc4475/ncl.sip", 400 }, { "rfc4475/scalar02.sip", 400 },
		{ "rfc4475/quotbal.sip", 400 }, { "rfc4475/ltgtruri.sip", 400 },
		{ "rfc4475/lwsruri.sip", 400 }, { "rfc4475/lwsstart.sip", 400 },
		{ "rfc4475/trws.sip", 400 }, { "rfc4475/escruri.sip", 400 },
		{ "rfc4475/regbadct.sip", 400 }, { "rfc4475/badaspec.sip", 400 },
		{ "rfc4475/baddn.sip", 400 }, { "rfc4475/variants/baddn+crlf.sip", 400 },
		{ "rfc4475/mismatch01.sip", 400 }, { "rfc4475/insuf.sip", 400 },
		{ "rfc4475/multi01.sip", 400 }, { "rfc4475/mcl01.sip", 400 },
		{ "rfc4475/badvers.sip", 505 },
		{ "rfc4475/unkscm.sip", 416 }, { "rfc4475/novelsc.sip", 416 },
		{ "rfc4475/mismatch02.sip", 501 },
		{ "rfc4475/bigcode.sip", -1 }, { "rfc4475/scalarlg.sip", -1 },
		{ "rfc5118/ipv6-bad.sip", 400 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		corpus_expect(t[i].name, t[i].status);
}
END_TEST

START_TEST(test_corpus_rfc5118)
{
	static const char *ok[] = {
		"ipv6-good", "port-ambiguous", "port-unambiguous", "via-received-param-with-delim",
		"via-received-param-no-delim", "ipv6-in-sdp", "mult-ip-in-header", "mult-ip-in-sdp",
		"ipv4-mapped-ipv6", "ipv6-bug-abnf-3-colons", "ipv6-correct-abnf-2-colons",
	};
	char rel[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(rel, sizeof(rel), "rfc5118/%s.sip", ok[i]);
		corpus_expect(rel, 0);
	}
}
END_TEST

START_TEST(test_corpus_fields)
{
	struct sip_err err;
	struct sipmsg *m;
	size_t flen;

	/* 3.1.1.1: folded, mixed-case, compact, leading zeros */
	m = corpus_parse("rfc4475/wsinv.sip", &err, NULL);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->method, SIP_INVITE);
	ck_assert_int_eq(m->max_forwards, 68);
	ck_assert_uint_eq(m->cseq, 9);
	ck_assert_str_eq(m->to_tag, "1918181833n");
	ck_assert_str_eq(m->from_tag, "98asjd8");
	ck_assert_str_eq(m->call_id, "wsinv.ndaksdj@192.0.2.1");
	ck_assert_str_eq(m->via.host, "192.0.2.2");
	ck_assert_str_eq(m->via.branch, "390skdjuw");
	ck_assert_uint_eq(m->body_len, 150);
	sipmsg_unref(m);

	/* 3.1.1.8: the REGISTER only; the INVITE octets are not part of it */
	m = corpus_parse("rfc4475/dblreq.sip", &err, &flen);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->method, SIP_REGISTER);
	ck_assert_uint_eq(m->body_len, 0);
	ck_assert_uint_lt(m->len, flen);
	ck_assert_ptr_null(memmem(m->raw, m->len, "INVITE", 6));
	sipmsg_unref(m);

	/* 3.1.1.5: RE%47IST%45R is not REGISTER; C%6Fntact is not Contact */
	m = corpus_parse("rfc4475/esc02.sip", &err, NULL);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->method, SIP_UNKNOWN);
	ck_assert_str_eq(m->method_name, "RE%47IST%45R");
	{
		int n = 0;
		for (const struct sip_hdr *h = sipmsg_hdr(m, HDR_CONTACT, NULL); h;
		    h = sipmsg_hdr(m, HDR_CONTACT, h))
			n++;
		ck_assert_int_eq(n, 2);
	}
	sipmsg_unref(m);

	/* 3.1.1.11: binary body framed by Content-Length */
	m = corpus_parse("rfc4475/mpart01.sip", &err, NULL);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->method, SIP_MESSAGE);
	ck_assert_uint_eq(m->body_len, 553);
	sipmsg_unref(m);

	/* 3.4.1: no Content-Length, no branch, no Max-Forwards, no From tag */
	m = corpus_parse("rfc4475/inv2543.sip", &err, &flen);
	ck_assert_int_eq(err.status, 0);
	ck_assert_ptr_null(m->via.branch);
	ck_assert_ptr_null(m->from_tag);
	ck_assert_int_eq(m->max_forwards, -1);
	ck_assert_uint_eq(m->body_off + m->body_len, flen);
	sipmsg_unref(m);

	/* 3.1.1.12/13: responses */
	m = corpus_parse("rfc4475/unreason.sip", &err, NULL);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->is_request, 0);
	ck_assert_int_eq(m->status, 200);
	sipmsg_unref(m);
	m = corpus_parse("rfc4475/noreason.sip", &err, NULL);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->status, 100);
	sipmsg_unref(m);

	/* 3.3.11 */
	m = corpus_parse("rfc4475/zeromf.sip", &err, NULL);
	ck_assert_int_eq(m->max_forwards, 0);
	sipmsg_unref(m);

	/* RFC 5118 4.5 */
	m = corpus_parse("rfc5118/via-received-param-with-delim.sip", &err, NULL);
	ck_assert_int_eq(err.status, 0);
	ck_assert_int_eq(m->via.has_received_param, 1);
	sipmsg_unref(m);
}
END_TEST

/* From/To URIs kept by the parse (sipmsg.h from_uri, to_uri): the addr-spec alone, whether
 * written as name-addr (display name, <>) or addr-spec, without header params; compact f:/t:. */
START_TEST(test_from_to_uris)
{
	static const struct {
		const char	*from, *to;
		const char	*from_uri, *to_uri, *from_tag, *to_tag;
	} t[] = {
		{ "From: \"Alice Smith\" <sip:alice@example.com;transport=tcp>;tag=a1",
		  "To: Bob <sip:bob@example.com>",
		  "sip:alice@example.com;transport=tcp", "sip:bob@example.com", "a1", NULL },
		{ "From: sip:alice@example.com;tag=a2",
		  "To: sips:bob@example.com:5061 ;tag=b2",
		  "sip:alice@example.com", "sips:bob@example.com:5061", "a2", "b2" },
		{ "f: <sip:+15551234@gw.example.com;user=phone>;tag=a3;x-param=1",
		  "t:tel:+15559876",
		  "sip:+15551234@gw.example.com;user=phone", "tel:+15559876", "a3", NULL },
		{ "From: \"a<b>;tag=c\" <sip:q@example.com>;tag=a4",
		  "To: \"\" <sip:r@example.com>;tag=b4",
		  "sip:q@example.com", "sip:r@example.com", "a4", "b4" },
	};
	char buf[1024];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "OPTIONS sip:bob@example.com SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKft%zu\r\n%s\r\n%s\r\n"
		    "Call-ID: ft%zu\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		    i, t[i].from, t[i].to, i);
		struct sipmsg *m = parse_ok(buf);
		ck_assert_str_eq(m->from_uri, t[i].from_uri);
		ck_assert_str_eq(m->to_uri, t[i].to_uri);
		ck_assert_pstr_eq(m->from_tag, t[i].from_tag);
		ck_assert_pstr_eq(m->to_tag, t[i].to_tag);
		sipmsg_unref(m);
	}
	/* a malformed From: 400, and no URI kept */
	struct sip_err err;
	const char *bad = mkreq(NULL, "From:", "From: <sip:alice@example.com\r\n", NULL, NULL);
	struct sipmsg *m = parse_n(bad, strlen(bad), 1, &err);
	ck_assert_int_eq(err.status, 400);
	ck_assert_ptr_null(m->from_uri);
	ck_assert_str_eq(m->to_uri, "sip:bob@example.com");
	sipmsg_unref(m);
}
END_TEST

/* ---- sipmsg_iter: comma-separated header values ---- */

/* The values sipmsg_iter yields for id in the base request plus add, joined with '|'. */
static const char *
iter_join(const char *add, enum hdr_id id, char *out, size_t outlen)
{
	struct sip_err err;
	const char *req = mkreq(NULL, NULL, add, NULL, NULL);
	struct sipmsg *m = parse_n(req, strlen(req), 1, &err);
	struct sipmsg_iter it;
	const char *v;
	size_t n, o = 0;
	int k = 0;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(err.status, 0);
	out[0] = '\0';
	sipmsg_iter_init(&it, m, id);
	while (sipmsg_iter_next(&it, &v, &n)) {
		ck_assert_int_eq(it.h->id, id);	/* the line the value came from */
		o += (size_t)snprintf(out + o, outlen - o, "%s%.*s", k++ ? "|" : "", (int)n, v);
	}
	ck_assert_int_eq(sipmsg_iter_next(&it, &v, &n), 0);	/* stays at the end */
	sipmsg_unref(m);
	return out;
}

START_TEST(test_iter_lines_and_lists)
{
	char out[256];

	/* several lines, lists, compact form: one sequence (RFC 3261 7.3.1) */
	ck_assert_str_eq(iter_join("Supported: a, b\r\nk: c\r\nSupported:d\r\n", HDR_SUPPORTED,
	    out, sizeof(out)), "a|b|c|d");
	ck_assert_str_eq(iter_join(NULL, HDR_SUPPORTED, out, sizeof(out)), "");
	/* a folded line: its LWS is trimmed from every value */
	ck_assert_str_eq(iter_join("Supported: a,\r\n  b\t,c\r\n", HDR_SUPPORTED, out,
	    sizeof(out)), "a|b|c");
}
END_TEST

START_TEST(test_iter_quotes_angles)
{
	char out[256];

	ck_assert_str_eq(iter_join("Contact: \"B, A\" <sip:a@x;p=1,2>;q=0.5, <sip:b@x>\r\n",
	    HDR_CONTACT, out, sizeof(out)), "\"B, A\" <sip:a@x;p=1,2>;q=0.5|<sip:b@x>");
	ck_assert_str_eq(iter_join("Route: <sip:p1;lr>,<sip:p2;lr>\r\nRoute: <sip:p3;lr>\r\n",
	    HDR_ROUTE, out, sizeof(out)), "<sip:p1;lr>|<sip:p2;lr>|<sip:p3;lr>");
}
END_TEST

START_TEST(test_iter_empty_elements)
{
	char out[256];

	/* empty elements come out with length 0: a validating caller sees them */
	ck_assert_str_eq(iter_join("Supported: a,,b ,\r\n", HDR_SUPPORTED, out, sizeof(out)),
	    "a||b|");
	ck_assert_str_eq(iter_join("Supported:\r\nSupported: x\r\n", HDR_SUPPORTED, out,
	    sizeof(out)), "|x");
}
END_TEST

START_TEST(test_iter_list)
{
	static const char list[] = "x=1 , y=\"a,b\\\",c\",,z=<u,v>";
	static const char *want[] = { "x=1", "y=\"a,b\\\",c\"", "", "z=<u,v>" };
	struct sipmsg_iter it;
	const char *v;
	size_t n, k = 0;

	sipmsg_iter_list(&it, list, strlen(list));
	while (sipmsg_iter_next(&it, &v, &n)) {
		ck_assert_uint_lt(k, 4);
		ck_assert_uint_eq(n, strlen(want[k]));
		ck_assert_int_eq(memcmp(v, want[k], n), 0);
		k++;
	}
	ck_assert_uint_eq(k, 4);
	ck_assert_int_eq(sipmsg_iter_next(&it, &v, &n), 0);
	sipmsg_iter_list(&it, "", 0);		/* an empty list is one empty element */
	ck_assert_int_eq(sipmsg_iter_next(&it, &v, &n), 1);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sipmsg_iter_next(&it, &v, &n), 0);
}
END_TEST

static Suite *
sipmsg_suite(void)
{
	Suite *s = suite_create("sipmsg");
	TCase *tv = tcase_create("valid"), *tr = tcase_create("rules"), *tc;

	tcase_add_test(tv, test_request_fields);
	tcase_add_test(tv, test_request_defaults);
	tcase_add_test(tv, test_via_ipv6_received);
	tcase_add_test(tv, test_response_fields);
	tcase_add_test(tv, test_response_no_reason);
	tcase_add_test(tv, test_header_index);
	tcase_add_test(tv, test_folded_headers);
	tcase_add_test(tv, test_fold_after_colon);
	tcase_add_test(tv, test_fold_after_colon_callid);
	tcase_add_test(tv, test_fold_after_colon_cseq);
	tcase_add_test(tv, test_compact_forms);
	tcase_add_test(tv, test_leading_crlf);
	tcase_add_test(tv, test_nul_in_quoted);
	tcase_add_test(tv, test_datagram_trailing_bytes);
	tcase_add_test(tv, test_no_content_length);
	tcase_add_test(tv, test_headers_only_datagram);
	tcase_add_test(tv, test_refcount);
	tcase_add_test(tv, test_from_to_uris);
	suite_add_tcase(s, tv);

	tcase_add_test(tr, test_nul_outside_quotes);
	tcase_add_test(tr, test_nul_in_request_uri);
	tcase_add_test(tr, test_text_strict);
	tcase_add_test(tr, test_text_display_name);
	tcase_add_test(tr, test_text_response);
	tcase_add_test(tr, test_missing_headers);
	tcase_add_test(tr, test_multiple_headers);
	tcase_add_test(tr, test_cseq_values);
	tcase_add_test(tr, test_cseq_method_mismatch);
	tcase_add_test(tr, test_version);
	tcase_add_test(tr, test_bad_request_lines);
	tcase_add_test(tr, test_request_line_trailing_tab);
	tcase_add_test(tr, test_uri_schemes);
	tcase_add_test(tr, test_bad_responses);
	tcase_add_test(tr, test_content_length_bad);
	tcase_add_test(tr, test_content_length_too_large);
	tcase_add_test(tr, test_limits);
	tcase_add_test(tr, test_short_input);
	tcase_add_test(tr, test_garbage_header_line);
	suite_add_tcase(s, tr);

	tc = tcase_create("iter");
	tcase_add_test(tc, test_iter_lines_and_lists);
	tcase_add_test(tc, test_iter_quotes_angles);
	tcase_add_test(tc, test_iter_empty_elements);
	tcase_add_test(tc, test_iter_list);
	suite_add_tcase(s, tc);

	if (corpus_dir() != NULL) {
		tc = tcase_create("corpus");
		tcase_add_test(tc, test_corpus_valid);
		tcase_add_test(tc, test_corpus_wellformed_application);
		tcase_add_test(tc, test_corpus_invalid);
		tcase_add_test(tc, test_corpus_rfc5118);
		tcase_add_test(tc, test_corpus_fields);
		suite_add_tcase(s, tc);
	} else {
		tc = tcase_create("corpus");
		tcase_add_test(tc, test_corpus_missing);
		suite_add_tcase(s, tc);
	}
	return s;
}

CHECK_MAIN(sipmsg_suite)
