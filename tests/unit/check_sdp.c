/* check_sdp.c - SDP reading and rewriting for the relay: c=/m=/a=rtcp substitution, ICE
 * removal, o= version, port 0, several m-lines, IPv6, hold, multipart bodies, garbage. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

#define OFFER \
	"v=0\r\n" \
	"o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n" \
	"s=-\r\n" \
	"c=IN IP4 192.168.1.10\r\n" \
	"t=0 0\r\n" \
	"m=audio 49170 RTP/AVP 0 8 101\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n" \
	"a=rtpmap:101 telephone-event/8000\r\n" \
	"a=rtcp:49171\r\n" \
	"a=sendrecv\r\n"

static struct sdp_subst
subst(const char *addr, int family, int p0, int p1)
{
	struct sdp_subst s;

	memset(&s, 0, sizeof(s));
	snprintf(s.addr, sizeof(s.addr), "%s", addr);
	s.family = family;
	s.port[0] = p0;
	s.port[1] = p1;
	return s;
}

static char *
rw(const char *in, struct sdp_subst s)
{
	size_t len;
	char *out = sdp_rewrite(in, strlen(in), &s, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

START_TEST(test_parse_basic)
{
	struct sdp_info i;

	ck_assert_int_eq(sdp_parse(OFFER, strlen(OFFER), &i), 0);
	ck_assert_int_eq(i.nstreams, 1);
	ck_assert_str_eq(i.s[0].media, "audio");
	ck_assert_str_eq(i.s[0].proto, "RTP/AVP");
	ck_assert_int_eq(i.s[0].port, 49170);
	ck_assert_int_eq(i.s[0].family, 4);
	ck_assert_str_eq(i.s[0].addr, "192.168.1.10");
	ck_assert_int_eq(i.s[0].own_c, 0);
	ck_assert_int_eq(i.s[0].rtcp_port, 49171);
	ck_assert_int_eq(i.s[0].dir, SDP_SENDRECV);
	ck_assert_int_eq(i.s[0].relayable, 1);
	ck_assert_int_eq(i.ice, 0);
}
END_TEST

START_TEST(test_rewrite_basic)
{
	char *o = rw(OFFER, subst("10.0.0.1", 4, 30000, 0));

	ck_assert_str_eq(o,
	    "v=0\r\n"
	    "o=alice 2890844526 2890844527 IN IP4 192.168.1.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.0.0.1\r\n"
	    "t=0 0\r\n"
	    "m=audio 30000 RTP/AVP 0 8 101\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=rtcp:30001\r\n"
	    "a=sendrecv\r\n");
	free(o);
}
END_TEST

START_TEST(test_rtcp_with_address)
{
	const char *in = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	    "m=audio 5004 RTP/AVP 0\r\na=rtcp:5005 IN IP4 1.2.3.4\r\n";
	char *o = rw(in, subst("10.0.0.1", 4, 30010, 0));

	ck_assert_ptr_nonnull(strstr(o, "a=rtcp:30011 IN IP4 10.0.0.1\r\n"));
	ck_assert_ptr_null(strstr(o, "1.2.3.4\r\nt="));
	free(o);
}
END_TEST

START_TEST(test_ice_removed)
{
	const char *in = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\na=ice-ufrag:abcd\r\n"
	    "a=ice-pwd:0123456789012345678901\r\na=ice-options:trickle\r\nc=IN IP4 1.2.3.4\r\n"
	    "t=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"
	    "a=candidate:1 1 UDP 2130706431 1.2.3.4 5004 typ host\r\n"
	    "a=candidate:2 1 UDP 1694498815 5.6.7.8 6000 typ srflx raddr 1.2.3.4 rport 5004\r\n"
	    "a=remote-candidates:1 1.2.3.4 5004\r\na=end-of-candidates\r\na=ptime:20\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.ice, 1);
	o = rw(in, subst("10.0.0.1", 4, 30000, 0));
	ck_assert_ptr_null(strstr(o, "candidate"));
	ck_assert_ptr_null(strstr(o, "ice-"));
	ck_assert_ptr_nonnull(strstr(o, "a=ptime:20\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "m=audio 30000 RTP/AVP 0\r\n"));
	free(o);
}
END_TEST

START_TEST(test_port_zero_stays)
{
	const char *in = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	    "m=audio 5004 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.nstreams, 2);
	ck_assert_int_eq(i.s[1].port, 0);
	o = rw(in, subst("10.0.0.1", 4, 30000, 30004));
	ck_assert_ptr_nonnull(strstr(o, "m=audio 30000 RTP/AVP 0\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "m=video 0 RTP/AVP 96\r\n"));
	free(o);
}
END_TEST

START_TEST(test_two_streams_own_c)
{
	const char *in = "v=0\r\no=- 7 7 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n"
	    "m=video 5006 RTP/AVP 96\r\nc=IN IP4 1.2.3.5\r\na=rtcp:5009\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.nstreams, 2);
	ck_assert_str_eq(i.s[1].addr, "1.2.3.5");
	ck_assert_int_eq(i.s[1].own_c, 1);
	ck_assert_int_eq(i.s[1].rtcp_port, 5009);
	o = rw(in, subst("10.0.0.1", 4, 30000, 30004));
	ck_assert_str_eq(o, "v=0\r\no=- 7 8 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 30000 RTP/AVP 0\r\nc=IN IP4 10.0.0.1\r\n"
	    "m=video 30004 RTP/AVP 96\r\nc=IN IP4 10.0.0.1\r\na=rtcp:30005\r\n");
	free(o);
}
END_TEST

START_TEST(test_ipv6)
{
	const char *in = "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n"
	    "t=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.s[0].family, 6);
	ck_assert_str_eq(i.s[0].addr, "2001:db8::1");
	o = rw(in, subst("::1", 6, 30000, 0));
	ck_assert_ptr_nonnull(strstr(o, "\r\nc=IN IP6 ::1\r\n"));
	free(o);
	o = rw(in, subst("10.0.0.1", 4, 30000, 0));	/* v6 phone, v4 relay side */
	ck_assert_ptr_nonnull(strstr(o, "\r\nc=IN IP4 10.0.0.1\r\n"));
	free(o);
}
END_TEST

START_TEST(test_hold_sendonly)
{
	const char *in = "v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	    "m=audio 5004 RTP/AVP 0\r\na=sendonly\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.s[0].dir, SDP_SENDONLY);
	o = rw(in, subst("10.0.0.1", 4, 30000, 0));
	ck_assert_ptr_nonnull(strstr(o, "a=sendonly\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "c=IN IP4 10.0.0.1\r\n"));
	free(o);
}
END_TEST

START_TEST(test_hold_null_address)
{
	const char *in = "v=0\r\no=- 1 3 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
	    "a=inactive\r\nm=audio 5004 RTP/AVP 0\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.s[0].dir, SDP_INACTIVE);	/* session-level direction inherited */
	ck_assert_int_eq(sdp_addr_is_null(i.s[0].addr), 1);
	o = rw(in, subst("10.0.0.1", 4, 30000, 0));
	ck_assert_ptr_nonnull(strstr(o, "c=IN IP4 0.0.0.0\r\n"));	/* hold kept */
	ck_assert_ptr_nonnull(strstr(o, "m=audio 30000 RTP/AVP 0\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "o=- 1 4 IN"));
	free(o);
}
END_TEST

START_TEST(test_lf_only_and_no_final_eol)
{
	const char *in = "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\n"
	    "m=audio 5004 RTP/AVP 0";
	char *o = rw(in, subst("10.0.0.1", 4, 30000, 0));

	ck_assert_str_eq(o, "v=0\no=- 1 2 IN IP4 1.2.3.4\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
	    "m=audio 30000 RTP/AVP 0");
	free(o);
}
END_TEST

START_TEST(test_tcp_stream_left_alone)
{
	/* an MSRP (TCP) stream is not relayed; it keeps the session address it used */
	const char *in = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	    "m=audio 5004 RTP/AVP 0\r\nm=message 2855 TCP/MSRP *\r\n";
	struct sdp_info i;
	char *o;

	ck_assert_int_eq(sdp_parse(in, strlen(in), &i), 0);
	ck_assert_int_eq(i.s[1].relayable, 0);
	o = rw(in, subst("10.0.0.1", 4, 30000, 0));
	ck_assert_ptr_nonnull(strstr(o, "c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 30000 "));
	ck_assert_ptr_nonnull(strstr(o, "m=message 2855 TCP/MSRP *\r\nc=IN IP4 1.2.3.4\r\n"));
	free(o);
}
END_TEST

START_TEST(test_srtp_attributes_pass)
{
	const char *in = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	    "m=audio 5004 RTP/SAVP 0\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n";
	char *o = rw(in, subst("10.0.0.1", 4, 30000, 0));

	ck_assert_ptr_nonnull(strstr(o, "m=audio 30000 RTP/SAVP 0\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVee"));
	free(o);
}
END_TEST

START_TEST(test_port_count_dropped)
{
	const char *in = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	    "m=video 5004/2 RTP/AVP 96\r\n";
	char *o = rw(in, subst("10.0.0.1", 4, 30000, 0));

	ck_assert_ptr_nonnull(strstr(o, "m=video 30000 RTP/AVP 96\r\n"));
	free(o);
}
END_TEST

START_TEST(test_unsubstituted_stream_untouched)
{
	char *o = rw(OFFER, subst("10.0.0.1", 4, 0, 0));

	/* nothing relayed: only o= changes */
	ck_assert_ptr_nonnull(strstr(o, "c=IN IP4 192.168.1.10\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "m=audio 49170 RTP/AVP"));
	ck_assert_ptr_nonnull(strstr(o, "a=rtcp:49171\r\n"));
	free(o);
}
END_TEST

START_TEST(test_bad_sdp)
{
	static const char *const bad[] = {
		"", "x", "o=- 1 1 IN IP4 1.2.3.4\r\n", "v=0\r\nm=audio\r\n",
		"v=0\r\nm=audio 99999 RTP/AVP 0\r\n", "v=0\r\nc=IN IP4\r\n",
		"v=0\r\nc=XX IP4 1.2.3.4\r\n", "v=0\r\nbogus\r\n", "v=0\r\nm=audio -1 RTP/AVP 0\r\n",
		"v=0\r\nm=audio 5004/ RTP/AVP 0\r\nc=IN IP9 1.2.3.4\r\n",
	};
	struct sdp_info i;
	struct sdp_subst s = subst("10.0.0.1", 4, 30000, 0);
	size_t len;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ck_assert_msg(sdp_parse(bad[k], strlen(bad[k]), &i) == -1, "accepted: %s", bad[k]);
		ck_assert_ptr_null(sdp_rewrite(bad[k], strlen(bad[k]), &s, &len));
	}
	/* an embedded NUL is refused */
	ck_assert_int_eq(sdp_parse("v=0\r\ns=a\0b\r\n", 12, &i), -1);
}
END_TEST

START_TEST(test_too_many_streams)
{
	char in[4096];
	size_t n = (size_t)snprintf(in, sizeof(in), "v=0\r\nc=IN IP4 1.2.3.4\r\n");
	struct sdp_info i;
	struct sdp_subst s = subst("10.0.0.1", 4, 30000, 0);
	size_t len;

	for (int k = 0; k < SDP_MAX_STREAMS + 4; k++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "m=audio %d RTP/AVP 0\r\n", 5000 + 2 * k);
	ck_assert_int_eq(sdp_parse(in, n, &i), 0);
	ck_assert_int_eq(i.nstreams, SDP_MAX_STREAMS);
	ck_assert_int_eq(i.too_many, 1);
	char *o = sdp_rewrite(in, n, &s, &len);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(strstr(o, "m=audio 30000 RTP/AVP 0\r\n"));
	ck_assert_ptr_nonnull(strstr(o, "m=audio 5038 RTP/AVP 0\r\n"));	/* 20th: untouched */
	free(o);
}
END_TEST

START_TEST(test_garbage_survives)
{
	/* random bytes and mutations of a real offer: no crash, no overread (ASan/valgrind) */
	char buf[512];
	struct sdp_info i;
	struct sdp_subst s = subst("10.0.0.1", 4, 30000, 30004);
	size_t len, olen = strlen(OFFER);
	unsigned seed = 1;

	for (int round = 0; round < 20000; round++) {
		size_t n;
		if (round % 2) {
			n = (size_t)(rand_r(&seed) % sizeof(buf));
			for (size_t k = 0; k < n; k++)
				buf[k] = (char)(rand_r(&seed) % 4 ? "v=cmoa 0123456789/.:\r\nIPN"[rand_r(&seed) % 26] : rand_r(&seed));
		} else {
			n = olen;
			memcpy(buf, OFFER, olen);
			for (int k = 0; k < 4; k++)
				buf[rand_r(&seed) % olen] = (char)rand_r(&seed);
			n = (size_t)(rand_r(&seed) % (olen + 1));
		}
		char *in = malloc(n ? n : 1);	/* exact size: overreads show up under ASan */
		memcpy(in, buf, n);
		(void)sdp_parse(in, n, &i);
		free(sdp_rewrite(in, n, &s, &len));
		size_t off, sl;
		(void)sdp_body_find("multipart/mixed;boundary=x", 26, in, n, &off, &sl);
		free(in);
	}
}
END_TEST

START_TEST(test_body_plain)
{
	size_t off, len;
	const char *ct = "application/sdp";

	ck_assert_int_eq(sdp_body_find(ct, strlen(ct), OFFER, strlen(OFFER), &off, &len), 0);
	ck_assert_uint_eq(off, 0);
	ck_assert_uint_eq(len, strlen(OFFER));
	ct = " Application/SDP ; charset=x";
	ck_assert_int_eq(sdp_body_find(ct, strlen(ct), OFFER, strlen(OFFER), &off, &len), 0);
	ct = "text/plain";
	ck_assert_int_eq(sdp_body_find(ct, strlen(ct), OFFER, strlen(OFFER), &off, &len), -1);
	ck_assert_int_eq(sdp_body_find(NULL, 0, OFFER, strlen(OFFER), &off, &len), -1);
}
END_TEST

START_TEST(test_body_multipart)
{
	const char *ct = "multipart/mixed;boundary=\"unique-boundary-1\"";
	const char *body =
	    "--unique-boundary-1\r\n"
	    "Content-Type: application/resource-lists+xml\r\n"
	    "\r\n"
	    "<xml/>\r\n"
	    "--unique-boundary-1\r\n"
	    "Content-Type: application/sdp\r\n"
	    "Content-Disposition: session\r\n"
	    "\r\n"
	    OFFER
	    "\r\n--unique-boundary-1--\r\n";
	size_t off, len;

	ck_assert_int_eq(sdp_body_find(ct, strlen(ct), body, strlen(body), &off, &len), 0);
	ck_assert_uint_eq(len, strlen(OFFER));
	ck_assert_int_eq(memcmp(body + off, OFFER, len), 0);
	/* no SDP part, unterminated, no boundary parameter */
	const char *nosdp = "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n";
	ck_assert_int_eq(sdp_body_find("multipart/mixed; boundary=b", 27, nosdp, strlen(nosdp),
	    &off, &len), -1);
	const char *unterm = "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n";
	ck_assert_int_eq(sdp_body_find("multipart/mixed; boundary=b", 27, unterm, strlen(unterm),
	    &off, &len), -1);
	ck_assert_int_eq(sdp_body_find("multipart/mixed", 15, body, strlen(body), &off, &len), -1);
}
END_TEST

/* fuzz_sdp: "v=\r\r" parsed (a v= line holding a CR) and its rewrite "v=\r" did not parse
 * again.  A CR inside a line is refused; whatever is rewritten parses again. */
START_TEST(test_bare_cr)
{
	const char *bad[] = { "v=\r\r", "v=0\r\ns=a\rb\r\n", "v=0\rm=audio 1 RTP/AVP 0\n" };
	struct sdp_info info;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		ck_assert_int_eq(sdp_parse(bad[k], strlen(bad[k]), &info), -1);
	const char *ok = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 0\r";	/* last line: a bare CR, no LF */
	struct sdp_subst sub;
	size_t outlen;
	memset(&sub, 0, sizeof(sub));
	strcpy(sub.addr, "192.0.2.1");
	sub.family = 4;
	sub.port[0] = 30000;
	ck_assert_int_eq(sdp_parse(ok, strlen(ok), &info), 0);
	char *out = sdp_rewrite(ok, strlen(ok), &sub, &outlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(sdp_parse(out, outlen, &info), 0);
	ck_assert_int_eq(info.s[0].port, 30000);
	ck_assert(outlen > 0 && out[outlen - 1] == '\r');	/* the bare CR is kept */
	free(out);
	/* fuzz_sdp again: a stream left alone on the last line (bare CR) gets the session c= on
	 * a line of its own, not after a bare CR */
	const char *last = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\n"
	    "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\nm=video 6000 RTP/AVP 31\r";
	memset(sub.port, 0, sizeof(sub.port));
	sub.port[0] = 30000;		/* audio relayed, video left alone */
	out = sdp_rewrite(last, strlen(last), &sub, &outlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(sdp_parse(out, outlen, &info), 0);
	ck_assert_int_eq(info.nstreams, 2);
	ck_assert_str_eq(info.s[1].addr, "192.0.2.5");
	ck_assert_ptr_null(strstr(out, "31\rc="));
	free(out);
}
END_TEST

static Suite *
sdp_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse_basic);
	tcase_add_test(tc, test_rewrite_basic);
	tcase_add_test(tc, test_rtcp_with_address);
	tcase_add_test(tc, test_ice_removed);
	tcase_add_test(tc, test_port_zero_stays);
	tcase_add_test(tc, test_two_streams_own_c);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_hold_sendonly);
	tcase_add_test(tc, test_hold_null_address);
	tcase_add_test(tc, test_lf_only_and_no_final_eol);
	tcase_add_test(tc, test_tcp_stream_left_alone);
	tcase_add_test(tc, test_srtp_attributes_pass);
	tcase_add_test(tc, test_port_count_dropped);
	tcase_add_test(tc, test_unsubstituted_stream_untouched);
	tcase_add_test(tc, test_bad_sdp);
	tcase_add_test(tc, test_too_many_streams);
	tcase_add_test(tc, test_garbage_survives);
	tcase_add_test(tc, test_body_plain);
	tcase_add_test(tc, test_body_multipart);
	tcase_add_test(tc, test_bare_cr);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sdp_suite)
