/* check_grammar.c - the strict RFC 3261 25.1 checks: via-parm, name-addr / addr-spec,
 * Request-URI, unsigned integers (with RFC 4475 / RFC 5118 cases). */
#include <check.h>

#include "check_main.h"
#include <stdlib.h>
#include <string.h>

#include "sipd.h"
#include "grammar.h"

/* The bytes of r inside p, as a string (static buffer). */
static const char *
rtext(const char *p, struct range r)
{
	static char s[256];

	ck_assert_uint_lt(r.len, sizeof(s));
	memcpy(s, p + r.off, r.len);
	s[r.len] = '\0';
	return s;
}

static int
via(const char *s, struct via_info *vi)
{
	return grammar_via(s, strlen(s), vi);
}

static int
nameaddr(const char *s, int star, struct nameaddr_info *ni)
{
	return grammar_nameaddr(s, strlen(s), star, ni);
}

static int
ruri(const char *s)
{
	return grammar_request_uri(s, strlen(s));
}

/* ---- Via ---- */

START_TEST(test_via_plain)
{
	const char *s = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds";
	struct via_info vi;

	ck_assert_int_eq(via(s, &vi), 0);
	ck_assert_str_eq(rtext(s, vi.proto), "UDP");
	ck_assert_str_eq(rtext(s, vi.host), "192.0.2.1");
	ck_assert_int_eq(vi.port, 5060);
	ck_assert_str_eq(rtext(s, vi.branch), "z9hG4bK776asdhds");
	ck_assert_int_eq(vi.rport, 0);
	ck_assert_int_eq(vi.has_received, 0);
}
END_TEST

START_TEST(test_via_params)
{
	const char *s = "SIP/2.0/TCP client.example.com ; BRANCH = z9hG4bKp ;rport; received=192.0.2.4;"
	    "ttl=1;maddr=224.2.0.1";
	struct via_info vi;

	ck_assert_int_eq(via(s, &vi), 0);
	ck_assert_str_eq(rtext(s, vi.proto), "TCP");
	ck_assert_str_eq(rtext(s, vi.host), "client.example.com");
	ck_assert_int_eq(vi.port, 0);
	ck_assert_str_eq(rtext(s, vi.branch), "z9hG4bKp");
	ck_assert_int_eq(vi.rport, 1);
	ck_assert_int_eq(vi.has_received, 1);

	s = "SIP/2.0/UDP h.example.com:5062;rport=5062;branch=z9hG4bKq";
	ck_assert_int_eq(via(s, &vi), 0);
	ck_assert_int_eq(vi.rport, 1);
	ck_assert_int_eq(vi.port, 5062);
}
END_TEST

START_TEST(test_via_folded)
{
	/* RFC 4475 3.1.1.1: LWS (with folds) around the slashes and before the params */
	const char *s = "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw";
	const char *t = "SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239";
	struct via_info vi;

	ck_assert_int_eq(via(s, &vi), 0);
	ck_assert_str_eq(rtext(s, vi.proto), "UDP");
	ck_assert_str_eq(rtext(s, vi.host), "192.0.2.2");
	ck_assert_str_eq(rtext(s, vi.branch), "390skdjuw");
	ck_assert_int_eq(via(t, &vi), 0);
	ck_assert_str_eq(rtext(t, vi.host), "192.168.255.111");
	ck_assert_str_eq(rtext(t, vi.branch), "z9hG4bK30239");
	/* leading and trailing LWS of the value */
	ck_assert_int_eq(via("  SIP/2.0/UDP h;branch=z9hG4bKx  ", &vi), 0);
}
END_TEST

START_TEST(test_via_ipv6)
{
	const char *s = "SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK6";
	const char *d = "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bK7";
	const char *b = "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bK8;received=2001:db8::9:255";
	const char *m = "SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bK9";
	struct via_info vi;

	ck_assert_int_eq(via(s, &vi), 0);
	ck_assert_str_eq(rtext(s, vi.host), "2001:db8::9");
	ck_assert_int_eq(vi.port, 5070);
	/* RFC 5118 4.5: received with and without [] */
	ck_assert_int_eq(via(d, &vi), 0);
	ck_assert_int_eq(vi.has_received, 1);
	ck_assert_str_eq(rtext(d, vi.host), "2001:db8::9:1");
	ck_assert_int_eq(vi.port, 0);
	ck_assert_int_eq(via(b, &vi), 0);
	ck_assert_int_eq(vi.has_received, 1);
	ck_assert_str_eq(rtext(b, vi.branch), "z9hG4bK8");
	/* RFC 5118 4.9 */
	ck_assert_int_eq(via(m, &vi), 0);
	ck_assert_str_eq(rtext(m, vi.host), "::ffff:192.0.2.10");
	ck_assert_int_eq(vi.port, 19823);
}
END_TEST

START_TEST(test_via_bad)
{
	static const char *bad[] = {
		"SIP/2.0/UDP 192.0.2.1;;branch=z9hG4bKa",	/* RFC 4475 3.1.2.1: empty params */
		"SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;",
		"SIP/2.0/UDP 192.0.2.1;;,;,,",
		"SIP/2.0/UDP ;branch=z9hG4bKa",			/* no host */
		"SIP/2.0/UDP :5060;branch=z9hG4bKa",
		"SIP/2.0/UDP",
		"SIP/2.0/UDP ",
		"SIP/2.0/UDP192.0.2.1",				/* no LWS before sent-by */
		"SIP/2.0 192.0.2.1",				/* no transport */
		"SIP/UDP 192.0.2.1",
		"SIP/2.0/UDP 192.0.2.1:",			/* empty port */
		"SIP/2.0/UDP 192.0.2.1:65536",
		"SIP/2.0/UDP 192.0.2.1:123456",
		"SIP/2.0/UDP 192.0.2.1:50a",
		"SIP/2.0/UDP [2001:db8::9",			/* unclosed reference */
		"SIP/2.0/UDP []:5060",
		"SIP/2.0/UDP 192.0.2.1 garbage",
		"SIP/2.0/UDP 192.0.2.1;branch=",		/* param with = and no value */
		"SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;branch=z9hG4bKb",	/* RFC 3261 7.3.1 */
		"SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKa;rport",
		"SIP/2.0/UDP 192.0.2.1;received=192.0.2.2;received=192.0.2.3",
		"",
	};
	struct via_info vi;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(via(bad[i], &vi) == -1, "accepted Via \"%s\"", bad[i]);
}
END_TEST

/* ---- name-addr / addr-spec ---- */

START_TEST(test_nameaddr_quoted)
{
	const char *s = "\"Alice \\\"the\\\" \\\\A\" <sip:alice@example.com;transport=tcp>;tag=abc123;x=y";
	struct nameaddr_info ni;

	ck_assert_int_eq(nameaddr(s, 0, &ni), 0);
	ck_assert_int_eq(ni.bracketed, 1);
	ck_assert_int_eq(ni.star, 0);
	ck_assert_str_eq(rtext(s, ni.uri), "sip:alice@example.com;transport=tcp");
	ck_assert_str_eq(rtext(s, ni.tag), "abc123");

	/* RFC 4475 3.1.1.1: escaped quote right before the closing one, LWS before the params */
	s = "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8";
	ck_assert_int_eq(nameaddr(s, 0, &ni), 0);
	ck_assert_str_eq(rtext(s, ni.tag), "98asjd8");
	/* a comma inside the quotes is fine */
	ck_assert_int_eq(nameaddr("\"Watson, Thomas\" <sip:t.watson@example.org>", 0, &ni), 0);
	/* empty display name */
	ck_assert_int_eq(nameaddr("\"\" <sip:a@example.com>", 0, &ni), 0);
}
END_TEST

START_TEST(test_nameaddr_token_display)
{
	struct nameaddr_info ni;
	const char *s = "Alice Smith <sip:alice@example.com>;tag=t1";

	ck_assert_int_eq(nameaddr(s, 0, &ni), 0);
	ck_assert_str_eq(rtext(s, ni.uri), "sip:alice@example.com");
	ck_assert_str_eq(rtext(s, ni.tag), "t1");
	/* RFC 4475 3.1.1.6: no LWS before < */
	ck_assert_int_eq(nameaddr("caller<sip:caller@example.com>;tag=323", 0, &ni), 0);
	ck_assert_int_eq(nameaddr("<sip:bob@example.com>", 0, &ni), 0);
	ck_assert_int_eq(ni.tag.len, 0);
}
END_TEST

START_TEST(test_nameaddr_addrspec)
{
	struct nameaddr_info ni;
	const char *s = "sip:alice@example.com;tag=xyz";

	/* unbracketed: the ;params are header params (RFC 3261 20.10) */
	ck_assert_int_eq(nameaddr(s, 0, &ni), 0);
	ck_assert_int_eq(ni.bracketed, 0);
	ck_assert_str_eq(rtext(s, ni.uri), "sip:alice@example.com");
	ck_assert_str_eq(rtext(s, ni.tag), "xyz");
	s = " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n";
	ck_assert_int_eq(nameaddr(s, 0, &ni), 0);
	ck_assert_str_eq(rtext(s, ni.tag), "1918181833n");
	ck_assert_int_eq(nameaddr("sip:+19725552222@gw1.example.net;unknownparam", 1, &ni), 0);
	/* other schemes are fine in headers (RFC 4475 3.3.4) */
	ck_assert_int_eq(nameaddr("<isbn:2983792873>", 0, &ni), 0);
	ck_assert_int_eq(nameaddr("<http://www.example.com>;tag=3234233", 0, &ni), 0);
	ck_assert_int_eq(nameaddr("<sip:user@[2001:db8::10]:5070>", 0, &ni), 0);
	/* headers are allowed inside <> (RFC 4475 3.3.14) */
	ck_assert_int_eq(nameaddr("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", 1, &ni), 0);
}
END_TEST

START_TEST(test_nameaddr_bad)
{
	static const char *bad[] = {
		"\"Mr. J. User <sip:j.user@example.com>",	/* RFC 4475 3.1.2.6 */
		"\"Watson, Thomas\" < sip:t.watson@example.org >",	/* RFC 4475 3.1.2.14 */
		"<sip:t.watson@example.org >",
		"< sip:t.watson@example.org>",
		"<sip:t.watson @example.org>",
		"sip:user@example.com?Route=%3Csip:sip.example.com%3E",	/* RFC 4475 3.1.2.13 */
		"Bell, Alexander <sip:a.g.bell@bell-tel.com>;tag=43",	/* RFC 4475 3.1.2.15 */
		"<sip:bob@example.com",
		"<>",
		"<sip:bob@example.com>;tag=",
		"<sip:bob@example.com>;;tag=1",
		"<sip:bob@example.com>;tag=1;tag=2",	/* RFC 3261 7.3.1: a param once only */
		"sip:bob@example.com;tag=1;x=y;tag=1",
		"<sip:bob@example.com> junk",
		"\"Alice\" sip:alice@example.com",
		"<nocolon>",
		"*",					/* only a Contact may be "*" */
		"",
	};
	struct nameaddr_info ni;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(nameaddr(bad[i], 0, &ni) == -1, "accepted name-addr \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_nameaddr_star)
{
	struct nameaddr_info ni;

	ck_assert_int_eq(nameaddr("*", 1, &ni), 0);
	ck_assert_int_eq(ni.star, 1);
	ck_assert_int_eq(nameaddr("  *  ", 1, &ni), 0);
	ck_assert_int_eq(ni.star, 1);
	ck_assert_int_eq(nameaddr("<sip:a@example.com>;expires=0", 1, &ni), 0);
	ck_assert_int_eq(ni.star, 0);
	ck_assert_int_eq(nameaddr("**", 1, &ni), -1);
}
END_TEST

START_TEST(test_next_comma)
{
	const char *s = "\"a, b\" <sip:x@y;p=1,2>;q=1, <sip:z@w>";

	ck_assert_uint_eq(grammar_next_comma(s, 0, strlen(s)), (size_t)(strchr(s, '>') - s) + 5);
	ck_assert_uint_eq(grammar_next_comma("abc", 0, 3), 3);
	ck_assert_uint_eq(grammar_skip_lws(" \t\r\n x", 0, 6), 5);
}
END_TEST

/* ---- Request-URI ---- */

START_TEST(test_request_uri_ok)
{
	static const char *ok[] = {
		"sip:bob@example.com", "sips:bob@example.com", "SIP:bob@example.com",
		"sip:bob@example.com;lr;transport=tcp", "sip:example.com", "sip:192.0.2.1:5060",
		"sip:[2001:db8::10]", "sip:[2001:db8::10]:5070", "sip:[2001:db8::10:5070]",
		"sip:user@[2001:db8:::192.0.2.1]", "sip:sips%3Auser%40example.com@example.net",
		"sip:user;par=u%40example.net@example.com", "tel:+15551234567", "TEL:+1-555",
		"sip:%61lice@example.com",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(ruri(ok[i]) == 0, "rejected Request-URI \"%s\" (%d)", ok[i], ruri(ok[i]));
}
END_TEST

START_TEST(test_request_uri_bad)
{
	static const char *bad[] = {
		"", "<sip:bob@example.com>", "sip:bob@example.com; lr", "sip:bob@example.com ",
		"sip:bob@example.com?Route=%3Csip:example.com%3E", "sip:2001:db8::10", "sip:",
		"sip:bob@", "sip:bob@example.com:99999", "sip:bob@example.com:", "noscheme",
		"1sip:bob@example.com", ":bob", "sip:bob\t@example.com", "sip:bob@exa\rmple.com",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ruri(bad[i]) == 400, "Request-URI \"%s\": %d, want 400", bad[i],
		    ruri(bad[i]));
	/* RFC 3261 8.2.2.1: a scheme sipd does not know is 416 */
	ck_assert_int_eq(ruri("nobodyKnowsThisScheme:totallyopaquecontent"), 416);
	ck_assert_int_eq(ruri("soap.beep://192.0.2.103:3002"), 416);
	ck_assert_int_eq(ruri("mailto:bob@example.com"), 416);
	ck_assert_int_eq(ruri("im:bob@example.com"), 416);
}
END_TEST

/* ---- uint ---- */

START_TEST(test_uint)
{
	unsigned long long v;

	ck_assert_int_eq(grammar_uint("0", 1, 10, 255, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(grammar_uint("  42  ", 6, 10, 255, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(grammar_uint("0068", 4, 10, 255, &v), 0);
	ck_assert_uint_eq(v, 68);
	ck_assert_int_eq(grammar_uint("\r\n 7", 4, 10, 255, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(grammar_uint("255", 3, 10, 255, &v), 0);
	ck_assert_int_eq(grammar_uint("256", 3, 10, 255, &v), -1);
	ck_assert_int_eq(grammar_uint("4294967295", 10, 10, 0xffffffffULL, &v), 0);
	ck_assert_uint_eq(v, 4294967295ULL);
	ck_assert_int_eq(grammar_uint("4294967296", 10, 10, 0xffffffffULL, &v), -1);
	ck_assert_int_eq(grammar_uint("12345678901", 11, 10, ~0ULL, &v), -1);	/* too many digits */
	/* only n bytes are looked at */
	ck_assert_int_eq(grammar_uint("12junk", 2, 10, 255, &v), 0);
	ck_assert_uint_eq(v, 12);

	static const char *bad[] = { "", "   ", "-1", "+1", "1 2", "12a", "0x10", "1.0", "a" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(grammar_uint(bad[i], strlen(bad[i]), 10, ~0ULL, &v) == -1,
		    "accepted uint \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_uint_no_wraparound)
{
	unsigned long long v = 12345;

	/* 20 digits fit the digit limit but not 64 bits: 2**65 must not wrap around to 0 */
	ck_assert_int_eq(grammar_uint("18446744073709551615", 20, 20, ~0ULL, &v), 0);
	ck_assert_uint_eq(v, ~0ULL);
	ck_assert_msg(grammar_uint("36893488147419103232", 20, 20, ~0ULL, &v) == -1,
	    "2**65 accepted as %llu", v);
	ck_assert_msg(grammar_uint("18446744073709551616", 20, 20, ~0ULL, &v) == -1,
	    "2**64 accepted as %llu", v);
}
END_TEST

/* fuzz_uri found grammar_sip_uri reading p[3] of a 1-byte input: it checks the scheme itself. */
START_TEST(test_sip_uri_short_or_other_scheme)
{
	const char *in[] = { "", "s", "si", "sip", "sips", "tel:+1", "sipx:a@b", "SIP:", "sips:" };

	for (size_t k = 0; k < sizeof(in) / sizeof(in[0]); k++) {
		size_t n = strlen(in[k]);
		char *p = malloc(n ? n : 1);	/* exactly n bytes: ASan sees any read past them */
		memcpy(p, in[k], n);
		ck_assert_int_eq(grammar_sip_uri(p, n, 0), -1);
		free(p);
	}
	ck_assert_int_eq(grammar_sip_uri("sip:a@b", 7, 0), 0);
	ck_assert_int_eq(grammar_sip_uri("SIPS:b:5061", 11, 1), 0);
}
END_TEST

/* ---- text: UTF-8 and NUL (RFC 3261 25.1, RFC 3629 4) ---- */

START_TEST(test_utf8_char)
{
	static const struct {
		const char	*in;
		size_t		 len;		/* the expected result: 0 = not UTF-8 */
	} t[] = {
		{ "a", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xef\xbb\xbf", 3 },			/* BOM, U+FEFF (RFC 4475 3.1.1.2) */
		{ "\xed\x9f\xbf", 3 },			/* U+D7FF, the last before the surrogates */
		{ "\xf4\x8f\xbf\xbf", 4 },		/* U+10FFFF, the last code point */
		{ "\x80", 0 }, { "\xbf", 0 },		/* a continuation byte alone */
		{ "\xc0\xaf", 0 }, { "\xc1\xbf", 0 },	/* overlong 2-byte */
		{ "\xe0\x80\xaf", 0 }, { "\xe0\x9f\xbf", 0 },	/* overlong 3-byte */
		{ "\xf0\x80\x80\xaf", 0 }, { "\xf0\x8f\xbf\xbf", 0 },	/* overlong 4-byte */
		{ "\xed\xa0\x80", 0 }, { "\xed\xbf\xbf", 0 },	/* surrogates U+D800, U+DFFF */
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },	/* above U+10FFFF */
		{ "\xf8\x88\x80\x80\x80", 0 }, { "\xfe", 0 }, { "\xff", 0 },
		{ "\xc3", 0 }, { "\xe2\x82", 0 }, { "\xf0\x9f\x98", 0 },	/* cut short */
		{ "\xc3\x41", 0 }, { "\xe2\x28\xa1", 0 },	/* not followed by continuations */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(grammar_utf8_char(t[i].in, strlen(t[i].in)) == t[i].len,
		    "case %zu: want %zu", i, t[i].len);
	ck_assert_uint_eq(grammar_utf8_char("", 0), 0);
	ck_assert_uint_eq(grammar_utf8_char("\xc3\xa9", 1), 0);	/* n cuts the character */
}
END_TEST

START_TEST(test_text)
{
	static const struct {
		const char		*in;
		size_t			 len;
		enum grammar_text	 want;
	} t[] = {
		{ "plain ascii", 11, GRAMMAR_TEXT_OK },
		{ "\"J\xc3\xb6rg\" <sip:j@example.com>", 27, GRAMMAR_TEXT_OK },
		{ "\"J\xf6rg\" <sip:j@example.com>", 26, GRAMMAR_TEXT_UTF8 },	/* Latin-1 */
		{ "caf\xc3", 4, GRAMMAR_TEXT_UTF8 },
		{ "\xed\xa0\x80", 3, GRAMMAR_TEXT_UTF8 },
		{ "\"NUL:\\\0 here\" <sip:a@b>", 23, GRAMMAR_TEXT_OK },	/* quoted-pair */
		{ "\"NUL:\0 here\" <sip:a@b>", 22, GRAMMAR_TEXT_NUL },	/* bare, in quotes */
		{ "a\0b", 3, GRAMMAR_TEXT_NUL },
		{ "a\\\0b", 4, GRAMMAR_TEXT_NUL },		/* no quoted-pair outside quotes */
		{ "UA/1.0 (x \\\0 y)", 15, GRAMMAR_TEXT_OK },	/* quoted-pair in a comment */
		{ "\"\\\"\" \0", 6, GRAMMAR_TEXT_NUL },	/* the escaped quote does not close */
		{ "\"a\\\xc3\xa9\"", 6, GRAMMAR_TEXT_OK },
		{ "\"a\\\xc3\"", 5, GRAMMAR_TEXT_UTF8 },	/* an escape does not hide 8-bit bytes */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(grammar_text(t[i].in, t[i].len) == t[i].want, "case %zu: want %d",
		    i, t[i].want);
}
END_TEST

START_TEST(test_plain)
{
	char buf[40];

	memset(buf, 'a', sizeof(buf));
	ck_assert_int_eq(grammar_plain(buf, sizeof(buf)), 1);
	ck_assert_int_eq(grammar_plain(buf, 0), 1);
	/* each position, inside the 8-byte words and in the tail */
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = '\0';
		ck_assert_msg(grammar_plain(buf, sizeof(buf)) == 0, "NUL at %zu", i);
		buf[i] = (char)0x80;
		ck_assert_msg(grammar_plain(buf, sizeof(buf)) == 0, "0x80 at %zu", i);
		buf[i] = 0x7f;
		ck_assert_msg(grammar_plain(buf, sizeof(buf)) == 1, "0x7f at %zu", i);
		buf[i] = 'a';
	}
	buf[0] = 0x01;	/* no false alarm from a byte below 0x80 next to others */
	ck_assert_int_eq(grammar_plain(buf, sizeof(buf)), 1);
}
END_TEST

static Suite *
grammar_suite(void)
{
	Suite *s = suite_create("grammar");
	TCase *tv = tcase_create("via"), *tn = tcase_create("nameaddr"), *tu = tcase_create("uri");
	TCase *tt = tcase_create("text");

	tcase_add_test(tv, test_via_plain);
	tcase_add_test(tv, test_via_params);
	tcase_add_test(tv, test_via_folded);
	tcase_add_test(tv, test_via_ipv6);
	tcase_add_test(tv, test_via_bad);
	suite_add_tcase(s, tv);
	tcase_add_test(tn, test_nameaddr_quoted);
	tcase_add_test(tn, test_nameaddr_token_display);
	tcase_add_test(tn, test_nameaddr_addrspec);
	tcase_add_test(tn, test_nameaddr_bad);
	tcase_add_test(tn, test_nameaddr_star);
	tcase_add_test(tn, test_next_comma);
	suite_add_tcase(s, tn);
	tcase_add_test(tu, test_request_uri_ok);
	tcase_add_test(tu, test_request_uri_bad);
	tcase_add_test(tu, test_uint);
	tcase_add_test(tu, test_uint_no_wraparound);
	tcase_add_test(tu, test_sip_uri_short_or_other_scheme);
	suite_add_tcase(s, tu);
	tcase_add_test(tt, test_utf8_char);
	tcase_add_test(tt, test_text);
	tcase_add_test(tt, test_plain);
	suite_add_tcase(s, tt);
	return s;
}

CHECK_MAIN(grammar_suite)
