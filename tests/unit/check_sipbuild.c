/* check_sipbuild.c - the requests sipd originates, built with libosip2: every one parses with
 * sipmsg_parse, and the ACK (RFC 3261 17.1.1.3) and CANCEL (9.1) carry the fields the RFC
 * requires equal to those of the request they are for.  The INVITEs they are built from hold
 * what libosip2 would otherwise rewrite (escaped URIs, folded and compact headers, quoted
 * UTF-8 display names, Route lists); and the conformance corpus's INVITEs
 * (tests/unit/corpus.c finds it; its absence is a failure). */
#include <check.h>

#include "check_main.h"
#include "corpus.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "sipbuild.h"
#include "sipmsg.h"
#include "sipval.h"

static const struct sipmsg_limits lim = { 65535, 256, 8192 };

/* INVITEs as sipd may have sent them (a caller's headers kept byte for byte). */
static const char *invites[] = {
	"INVITE sip:bob@192.0.2.9:5080 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb1;rport\r\n"
	"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKup;received=198.51.100.7\r\n"
	"Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
	"Route: \"P3, the last\" <sip:p3.example.com;lr>\r\n"
	"Max-Forwards: 69\r\n"
	"From: Alice <sip:alice@example.com>;tag=ftag1\r\n"
	"To: Bob <sip:bob@example.com>\r\n"
	"Call-ID: call-1@127.0.0.1\r\n"
	"CSeq: 7 INVITE\r\n"
	"Contact: <sip:alice@198.51.100.7:5060>\r\n"
	"Content-Length: 0\r\n\r\n",

	/* escaped user parts, a quoted UTF-8 display name, folding, compact forms, IPv6 */
	"INVITE sip:%62ob;x=%41@[2001:db8::9]:5080;transport=udp SIP/2.0\r\n"
	"v: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKb2\r\n"
	"f: \"Al\xc3\xaf" "ce \\\"A\\\"\"\r\n  <sip:%61lice@example.com>;tag=ftag2;x\r\n"
	"t: sip:bob@example.com\r\n"
	"i: @weird\r\n"
	"CSeq: 4294967295 INVITE\r\n"
	"l: 0\r\n\r\n",

	/* no Route; To already has a tag (a re-INVITE) */
	"INVITE sips:carol@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/TLS proxy.example.com:5061;branch=z9hG4bKb3\r\n"
	"From: <sips:dave@example.org>;tag=d\r\n"
	"To: <sips:carol@example.org>;tag=c\r\n"
	"Call-ID: re-invite\r\n"
	"CSeq: 2 INVITE\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n\r\nv=0\n",

	/* what libosip2's own name-addr parse misreads (fuzz_proxy_edit): a URI ending in an
	 * empty param, a display name holding '<' and ';', quoted header params with ';' */
	"INVITE sip:p2oxy.test SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKb4\r\n"
	"Route: <sip:a.tertls;>, s <ip:b@192.0.2.9:5070>\r\n"
	"From: \"x <y>; z\" <sip:a@proxy.test>;tag=1;q=\"a;b\";flag\r\n"
	"To: <sip:bob@proxy.test>\r\n"
	"Call-ID: d\r\n"
	"CSeq: 2 INVITE\r\n"
	"Content-Length: 0\r\n\r\n",
};

/* A final response to inv with To tag totag. */
static struct sipmsg *
response_to(const struct sipmsg *inv, int status, const char *totag)
{
	char buf[1024];
	struct sip_err err;
	struct sipmsg *r;

	snprintf(buf, sizeof(buf), "SIP/2.0 %d No\r\nVia: %.*s\r\nFrom: x <sip:x@x>%s%s\r\n"
	    "To: Bob <sip:bob@example.com>;tag=%s\r\nCall-ID: %s\r\nCSeq: %u INVITE\r\n"
	    "Content-Length: 0\r\n\r\n", status, (int)inv->via.vlen, inv->raw + inv->via.voff,
	    inv->from_tag ? ";tag=" : "", inv->from_tag ? inv->from_tag : "", totag, inv->call_id, (unsigned)inv->cseq);
	r = sipmsg_parse(buf, strlen(buf), 1, &lim, &err);
	ck_assert_msg(r != NULL && err.status == 0, "response does not parse: %s\n%s",
	    err.reason ? err.reason : "", buf);
	return r;
}

static struct sipmsg *
parse_ok(const char *s, size_t len)
{
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(s, len, 1, &lim, &err);

	ck_assert_msg(m != NULL && err.status == 0, "built request does not parse (%d %s):\n%s",
	    err.status, err.reason ? err.reason : "", s);
	return m;
}

/* Same string, both NULL counting as equal. */
static void
same(const char *what, const char *a, const char *b)
{
	ck_assert_msg((a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0),
	    "%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

/* Route values of a and b equal, in order (RFC 3261 12.2.1.1 route set). */
static void
same_routes(const struct sipmsg *a, const struct sipmsg *b)
{
	struct sipmsg_iter ia, ib;
	const char *va, *vb;
	size_t na, nb;
	int more;

	sipmsg_iter_init(&ia, a, HDR_ROUTE);
	sipmsg_iter_init(&ib, b, HDR_ROUTE);
	while ((more = sipmsg_iter_next(&ia, &va, &na)) != 0) {
		ck_assert_int_eq(sipmsg_iter_next(&ib, &vb, &nb), 1);
		ck_assert_msg(na == nb && memcmp(va, vb, na) == 0, "Route %.*s != %.*s", (int)na,
		    va, (int)nb, vb);
	}
	ck_assert_int_eq(sipmsg_iter_next(&ib, &vb, &nb), 0);
}

/* The fields the ACK and the CANCEL share with inv (RFC 3261 9.1, 17.1.1.3). */
static void
same_as_request(const struct sipmsg *m, const struct sipmsg *inv, const char *method)
{
	same("method", m->method_name, method);
	same("Request-URI", m->ruri, inv->ruri);
	same("Call-ID", m->call_id, inv->call_id);
	same("From tag", m->from_tag, inv->from_tag);
	ck_assert_uint_eq(m->cseq, inv->cseq);
	same("CSeq method", m->cseq_method, method);
	same("top Via branch", m->via.branch, inv->via.branch);
	same("top Via host", m->via.host, inv->via.host);
	ck_assert_int_eq(m->via.port, inv->via.port);
	same("top Via transport", m->via.proto, inv->via.proto);
	ck_assert_ptr_null(sipmsg_hdr(m, HDR_VIA, sipmsg_hdr(m, HDR_VIA, NULL)));	/* one Via */
	same_routes(m, inv);
	ck_assert_int_eq(m->max_forwards, 70);
	ck_assert_uint_eq(m->body_len, 0);
	ck_assert_ptr_null(sipmsg_hdr(m, HDR_CONTACT, NULL));
}

/* The ACK and the CANCEL for one INVITE. */
static void
check_ack_cancel(const char *name, const char *raw, size_t rawlen)
{
	struct sip_err err;
	struct sipmsg *inv = sipmsg_parse(raw, rawlen, 1, &lim, &err), *resp, *m;
	size_t len;
	char *out;

	ck_assert_ptr_nonnull(inv);
	ck_assert_int_eq(err.status, 0);
	resp = response_to(inv, 486, "busytag");

	out = sipbuild_ack(inv, resp, &len);
	ck_assert_msg(out != NULL, "no ACK for %s", name);
	ck_assert_uint_eq(strlen(out), len);
	m = parse_ok(out, len);
	same_as_request(m, inv, "ACK");
	same("ACK To tag", m->to_tag, "busytag");	/* the response's To */
	ck_assert_ptr_nonnull(strstr(out, "\r\nContent-Length: 0\r\n\r\n"));	/* no padding */
	sipmsg_unref(m);
	free(out);

	out = sipbuild_cancel(inv, &len);
	ck_assert_msg(out != NULL, "no CANCEL for %s", name);
	m = parse_ok(out, len);
	same_as_request(m, inv, "CANCEL");
	same("CANCEL To tag", m->to_tag, inv->to_tag);	/* the request's To */
	sipmsg_unref(m);
	free(out);

	sipmsg_unref(resp);
	sipmsg_unref(inv);
}

START_TEST(test_ack_cancel)
{
	check_ack_cancel("invites[]", invites[_i], strlen(invites[_i]));
}
END_TEST

/* What libosip2 writes is kept byte for byte where it matters. */
START_TEST(test_verbatim)
{
	struct sip_err err;
	struct sipmsg *inv = sipmsg_parse(invites[1], strlen(invites[1]), 1, &lim, &err);
	size_t len;
	char *out = sipbuild_cancel(inv, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(strncmp(out, "CANCEL sip:%62ob;x=%41@[2001:db8::9]:5080;transport=udp "
	    "SIP/2.0\r\n", 64), 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nFrom: \"Al\xc3\xaf" "ce \\\"A\\\"\" "
	    "<sip:%61lice@example.com>;tag=ftag2;x\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nTo: <sip:bob@example.com>\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nCall-ID: @weird\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nCSeq: 4294967295 CANCEL\r\n"));
	free(out);
	sipmsg_unref(inv);
}
END_TEST

/* A request with a body and the headers of a NOTIFY (RFC 6665 8.1.2). */
START_TEST(test_notify_like)
{
	static const char body[] = "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n";
	struct sipbuild *b = sipbuild_new("NOTIFY", "sip:alice@198.51.100.7:5060;ob");
	struct sipval_substate ss;
	struct sipval_event ev;
	struct sipval_mtype mt;
	const struct sip_hdr *h;
	struct sipmsg *m;
	size_t len;
	char *out;

	sipbuild_via(b, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKn1;rport");
	sipbuild_route(b, "<sip:edge.example.com;lr>");
	sipbuild_from(b, "<sip:alice@example.com>;tag=srv1");
	sipbuild_to(b, "\"Alice\" <sip:alice@example.com>;tag=ua1");
	sipbuild_call_id(b, "sub-1@192.0.2.1");
	sipbuild_cseq(b, 3, "NOTIFY");
	sipbuild_max_forwards(b, 70);
	sipbuild_contact(b, "<sip:192.0.2.1:5060>");
	sipbuild_header(b, "Event", "message-summary;id=7");
	sipbuild_header(b, "Subscription-State", "active;expires=3599");
	sipbuild_body(b, "application/simple-message-summary", body, strlen(body));
	out = sipbuild_finish(b, &len);
	ck_assert_ptr_nonnull(out);
	m = parse_ok(out, len);
	same("method", m->method_name, "NOTIFY");
	same("Request-URI", m->ruri, "sip:alice@198.51.100.7:5060;ob");
	same("From tag", m->from_tag, "srv1");
	same("To tag", m->to_tag, "ua1");
	same("Call-ID", m->call_id, "sub-1@192.0.2.1");
	same("CSeq method", m->cseq_method, "NOTIFY");
	same("branch", m->via.branch, "z9hG4bKn1");
	ck_assert_uint_eq(m->cseq, 3);
	ck_assert_uint_eq(m->body_len, strlen(body));
	ck_assert_int_eq(memcmp(m->raw + m->body_off, body, m->body_len), 0);
	ck_assert_ptr_nonnull(strstr(out, "\r\nContent-Length: 49\r\n"));
	ck_assert_ptr_nonnull(sipmsg_hdr(m, HDR_CONTACT, NULL));
	ck_assert_ptr_nonnull(sipmsg_hdr(m, HDR_ROUTE, NULL));
	ck_assert_int_eq(sipval_content_type(m, &mt), 0);
	ck_assert_str_eq(mt.subtype, "simple-message-summary");
	h = sipmsg_hdr(m, HDR_EVENT, NULL);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(sipval_event(m->raw + h->voff, h->vlen, &ev), 0);
	ck_assert_str_eq(ev.package, "message-summary");
	ck_assert_str_eq(ev.id, "7");
	h = sipmsg_hdr_named(m, "Subscription-State");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(sipval_substate(m->raw + h->voff, h->vlen, &ss), 0);
	ck_assert_int_eq(ss.state, SUBSTATE_ACTIVE);
	ck_assert_int_eq(ss.expires, 3599);
	sipmsg_unref(m);
	free(out);
}
END_TEST

/* A stored message sent on (msgstore.c): Content-Type and body exactly as the sender wrote
 * them, the sender's From with its display name and tag, a Date header. */
START_TEST(test_message_as_sent)
{
	static const char body[] = "line one\r\nline two\nbare LF, \"quotes\"; trailing ";
	static const char ctype[] = "text/plain;charset=\"UTF-8\" ; x=Y";
	struct sipbuild *b = sipbuild_new("MESSAGE", "sip:bob@192.0.2.9:5070");
	const struct sip_hdr *h;
	struct sipmsg *m;
	size_t len;
	char *out;

	sipbuild_via(b, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-ms1;rport");
	sipbuild_from(b, "\"Alice Outside\" <sip:alice@outside.invalid>;tag=a1");
	sipbuild_to(b, "<sip:bob@example.test>");
	sipbuild_call_id(b, "m1@example.test");
	sipbuild_cseq(b, 1, "MESSAGE");
	sipbuild_max_forwards(b, 70);
	sipbuild_header(b, "Date", "Thu, 03 Dec 2026 10:00:00 GMT");
	sipbuild_body_as_sent(b, ctype, body, sizeof(body) - 1);
	out = sipbuild_finish(b, &len);
	ck_assert_ptr_nonnull(out);
	m = parse_ok(out, len);
	same("method", m->method_name, "MESSAGE");
	same("From URI", m->from_uri, "sip:alice@outside.invalid");
	same("From tag", m->from_tag, "a1");
	ck_assert_ptr_nonnull(strstr(out, "\r\nFrom: \"Alice Outside\" <sip:alice@outside.invalid>;tag=a1\r\n"));
	h = sipmsg_hdr(m, HDR_CONTENT_TYPE, NULL);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->vlen, strlen(ctype));
	ck_assert_int_eq(memcmp(m->raw + h->voff, ctype, h->vlen), 0);
	ck_assert_ptr_nonnull(sipmsg_hdr(m, HDR_DATE, NULL));
	ck_assert_uint_eq(m->body_len, sizeof(body) - 1);
	ck_assert_int_eq(memcmp(m->raw + m->body_off, body, m->body_len), 0);
	sipmsg_unref(m);
	free(out);
}
END_TEST

/* A field libosip2 or sipd's grammar refuses: no request at all. */
START_TEST(test_refused)
{
	struct sipbuild *b;
	size_t len;

	ck_assert_ptr_null(sipbuild_finish(sipbuild_new("OPTIONS", "no-scheme"), &len));
	ck_assert_ptr_null(sipbuild_finish(sipbuild_new("BAD METHOD", "sip:a@b"), &len));
	b = sipbuild_new("MESSAGE", "sip:a@b");
	sipbuild_from(b, "<sip:a@b");			/* unclosed */
	ck_assert_ptr_null(sipbuild_finish(b, &len));
	b = sipbuild_new("MESSAGE", "sip:a@b");
	sipbuild_header(b, "Subject", "two\r\nlines");	/* no header injection */
	ck_assert_ptr_null(sipbuild_finish(b, &len));
	b = sipbuild_new("MESSAGE", "sip:a@b");
	sipbuild_call_id(b, "a b");
	ck_assert_ptr_null(sipbuild_finish(b, &len));
	b = sipbuild_new("MESSAGE", "sip:a@b");
	sipbuild_via(b, "not a via");
	ck_assert_ptr_null(sipbuild_finish(b, &len));
	sipbuild_free(sipbuild_new("OPTIONS", "sip:a@b"));	/* abandoned */
}
END_TEST

/* The conformance corpus's INVITEs that sipd accepts, as if sipd had sent them. */
START_TEST(test_corpus_invites)
{
	const char *corpus = corpus_dir();
	static const char *sub[] = { "rfc4475", "rfc5118" };
	char dir[1024], path[1400], buf[65536];
	int n = 0;

	ck_assert_msg(corpus != NULL, "no conformance corpus (shared/conformance): set SIPD_SHARED");
	for (size_t k = 0; k < 2; k++) {
		snprintf(dir, sizeof(dir), "%s/%s", corpus, sub[k]);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d != NULL && (e = readdir(d)) != NULL) {
			struct sip_err err;
			struct sipmsg *m;
			FILE *f;
			size_t len;

			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (strstr(e->d_name, ".sip") == NULL || (f = fopen(path, "rb")) == NULL)
				continue;
			len = fread(buf, 1, sizeof(buf) - 1, f);
			buf[len] = '\0';
			fclose(f);
			m = sipmsg_parse(buf, len, 1, &lim, &err);
			if (m != NULL && err.status == 0 && m->is_request && m->method == SIP_INVITE &&
			    strcmp(m->cseq_method, "INVITE") == 0) {
				check_ack_cancel(path, buf, len);
				n++;
			}
			sipmsg_unref(m);
		}
		if (d != NULL)
			closedir(d);
	}
	ck_assert_int_gt(n, 5);		/* the corpus has a dozen INVITEs sipd accepts */
}
END_TEST

static Suite *
sipbuild_suite(void)
{
	Suite *s = suite_create("sipbuild");
	TCase *tc = tcase_create("build");

	parser_init();
	tcase_add_loop_test(tc, test_ack_cancel, 0, (int)(sizeof(invites) / sizeof(invites[0])));
	tcase_add_test(tc, test_verbatim);
	tcase_add_test(tc, test_notify_like);
	tcase_add_test(tc, test_message_as_sent);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_corpus_invites);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sipbuild_suite)
