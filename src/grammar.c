/* grammar.c - strict syntax checks of RFC 3261 25.1 for the parts of a message sipd relies on.
 * Pure functions over byte ranges: the bytes may hold NULs (RFC 4475 3.1.1.2), so no str*(). */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"

int
grammar_is_token(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("-.!%*_+`'~", c) != NULL;
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t
grammar_skip_lws(const char *p, size_t i, size_t n)
{
	while (i < n && is_ws((unsigned char)p[i]))
		i++;
	return i;
}

static size_t
span_token(const char *p, size_t i, size_t n)
{
	while (i < n && grammar_is_token((unsigned char)p[i]))
		i++;
	return i;
}

/* End of the quoted-string starting at p[i] == '"' (index after the closing quote), or 0. */
static size_t
span_quoted(const char *p, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\') {
			if (++i >= n)
				return 0;
		} else if (p[i] == '"')
			return i + 1;
	}
	return 0;
}

size_t
grammar_next_comma(const char *p, size_t i, size_t n)
{
	int angle = 0;

	for (; i < n; i++) {
		if (p[i] == '"') {
			size_t e = span_quoted(p, i, n);
			if (e == 0)
				return n;
			i = e - 1;
		} else if (p[i] == '<')
			angle = 1;
		else if (p[i] == '>')
			angle = 0;
		else if (p[i] == ',' && !angle)
			return i;
	}
	return n;
}

/* host = hostname / IPv4address / IPv6reference; returns index after it or 0.  The
 * range excludes [].  RFC 5118 4.10: tolerate the 3-colon form, so no strict IPv6 check. */
static size_t
span_host(const char *p, size_t i, size_t n, struct range *host)
{
	size_t s = i;

	if (i < n && p[i] == '[') {
		for (i++; i < n && p[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", p[i]))
				return 0;
		if (i >= n || i == s + 1)
			return 0;
		host->off = s + 1;
		host->len = i - s - 1;
		return i + 1;
	}
	while (i < n && (((unsigned char)p[i] >= '0' && (unsigned char)p[i] <= '9') ||
	    ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') || p[i] == '-' || p[i] == '.' || p[i] == '_'))
		i++;
	if (i == s)
		return 0;
	host->off = s;
	host->len = i - s;
	return i;
}

/* ":" port after a host; returns index after it (i if no colon) or 0 on a bad port. */
static size_t
span_port(const char *p, size_t i, size_t n, int *port)
{
	size_t s;
	long v = 0;

	*port = 0;
	if (i >= n || p[i] != ':')
		return i;
	for (s = ++i; i < n && p[i] >= '0' && p[i] <= '9' && i - s < 5; i++)
		v = v * 10 + (p[i] - '0');
	if (i == s || v > 65535 || (i < n && p[i] >= '0' && p[i] <= '9'))
		return 0;
	*port = (int)v;
	return i;
}

/* gen-value = token / host / quoted-string, leniently: anything but separators. */
static size_t
span_gen_value(const char *p, size_t i, size_t n)
{
	size_t s = i;

	if (i < n && p[i] == '"')
		return span_quoted(p, i, n);
	while (i < n && (grammar_is_token((unsigned char)p[i]) || p[i] == ':' || p[i] == '[' ||
	    p[i] == ']'))
		i++;
	return i == s ? 0 : i;
}

/* One ";name[=value]" parameter at p[i] == ';'.  Returns index after it or 0. */
static size_t
span_param(const char *p, size_t i, size_t n, struct range *name, struct range *val)
{
	size_t e;

	i = grammar_skip_lws(p, i + 1, n);
	e = span_token(p, i, n);
	if (e == i)
		return 0;
	name->off = i;
	name->len = e - i;
	val->off = val->len = 0;
	i = grammar_skip_lws(p, e, n);
	if (i < n && p[i] == '=') {
		i = grammar_skip_lws(p, i + 1, n);
		e = span_gen_value(p, i, n);
		if (e == 0)
			return 0;
		val->off = i;
		val->len = e - i;
		i = e;
	}
	return grammar_skip_lws(p, i, n);
}

static int
range_is(const char *p, const struct range *r, const char *s)
{
	return r->len == strlen(s) && strncasecmp(p + r->off, s, r->len) == 0;
}

/* sent-protocol = "SIP" SLASH "2.0" SLASH transport (LWS allowed around the slashes). */
static size_t
span_sent_protocol(const char *p, size_t i, size_t n, struct range *proto)
{
	static const char *want[] = { "SIP", "2.0" };

	for (int k = 0; k < 2; k++) {
		size_t e = span_token(p, i, n);
		if (e - i != strlen(want[k]) || strncasecmp(p + i, want[k], e - i) != 0)
			return 0;
		i = grammar_skip_lws(p, e, n);
		if (i >= n || p[i] != '/')
			return 0;
		i = grammar_skip_lws(p, i + 1, n);
	}
	size_t e = span_token(p, i, n);
	if (e == i)
		return 0;
	proto->off = i;
	proto->len = e - i;
	return e;
}

int
grammar_via(const char *p, size_t n, struct via_info *v)
{
	size_t i, s;
	struct range name, val;

	memset(v, 0, sizeof(*v));
	i = grammar_skip_lws(p, 0, n);
	if ((i = span_sent_protocol(p, i, n, &v->proto)) == 0)
		return -1;
	s = i;
	i = grammar_skip_lws(p, i, n);
	if (i == s || (i = span_host(p, i, n, &v->host)) == 0)
		return -1;
	i = grammar_skip_lws(p, i, n);
	if ((i = span_port(p, i, n, &v->port)) == 0)
		return -1;
	i = grammar_skip_lws(p, i, n);
	while (i < n && p[i] == ';') {
		if ((i = span_param(p, i, n, &name, &val)) == 0)
			return -1;
		/* RFC 3261 7.3.1: a parameter name appears at most once; two branches (or two
		 * received) would make the transaction ambiguous */
		if (range_is(p, &name, "branch")) {
			if (v->branch.len != 0)
				return -1;
			v->branch = val;
		} else if (range_is(p, &name, "rport")) {
			if (v->rport)
				return -1;
			v->rport = 1;
		} else if (range_is(p, &name, "received")) {
			if (v->has_received)
				return -1;
			v->has_received = 1;
		}
	}
	return i == n ? 0 : -1;
}

/* The URI inside <> or an addr-spec: scheme ":" then no whitespace, no <>, no quotes. */
static int
check_addr_spec(const char *p, size_t n, int bracketed)
{
	size_t i = 0;

	if (n == 0 || !((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z'))
		return -1;
	while (i < n && (grammar_is_token((unsigned char)p[i]) && p[i] != '%'))
		i++;
	if (i >= n || p[i] != ':' || i + 1 == n)
		return -1;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (is_ws(c) || c == '<' || c == '>' || c == '"' || c < 0x20)
			return -1;
		/* RFC 3261 20.10: an unbracketed URI may not hold ',' '?' (or ';' - handled by caller). */
		if (!bracketed && (c == ',' || c == '?'))
			return -1;
	}
	if ((n >= 4 && strncasecmp(p, "sip:", 4) == 0) || (n >= 5 && strncasecmp(p, "sips:", 5) == 0))
		return grammar_sip_uri(p, n, !bracketed);
	return 0;
}

/* display-name = *(token LWS) / quoted-string, ending right before '<' at p[n]. */
static int
check_display(const char *p, size_t n)
{
	size_t i = grammar_skip_lws(p, 0, n);

	if (i < n && p[i] == '"') {
		size_t e = span_quoted(p, i, n);
		return (e != 0 && grammar_skip_lws(p, e, n) == n) ? 0 : -1;
	}
	while (i < n) {
		size_t e = span_token(p, i, n);
		if (e == i)
			return -1;
		i = grammar_skip_lws(p, e, n);
	}
	return 0;
}

/* Header params after a name-addr; records the tag. */
static int
check_header_params(const char *p, size_t i, size_t n, struct nameaddr_info *out)
{
	struct range name, val;

	i = grammar_skip_lws(p, i, n);
	while (i < n && p[i] == ';') {
		if ((i = span_param(p, i, n, &name, &val)) == 0)
			return -1;
		if (range_is(p, &name, "tag")) {
			/* once only (RFC 3261 7.3.1): two tags would name two dialogs */
			if (val.len == 0 || out->tag.len != 0)
				return -1;
			out->tag = val;
		}
	}
	return i == n ? 0 : -1;
}

int
grammar_nameaddr(const char *p, size_t n, int allow_star, struct nameaddr_info *out)
{
	size_t i, lt, gt;

	memset(out, 0, sizeof(*out));
	i = grammar_skip_lws(p, 0, n);
	if (allow_star && i < n && p[i] == '*' && grammar_skip_lws(p, i + 1, n) == n) {
		out->star = 1;
		return 0;
	}
	/* Find '<' outside a leading quoted display name. */
	lt = i;
	if (lt < n && p[lt] == '"') {
		if ((lt = span_quoted(p, lt, n)) == 0)
			return -1;
	}
	while (lt < n && p[lt] != '<' && p[lt] != ';' && p[lt] != '"')
		lt++;
	if (lt < n && p[lt] == '<') {
		if (check_display(p + i, lt - i) == -1)
			return -1;
		for (gt = lt + 1; gt < n && p[gt] != '>'; gt++)
			;
		if (gt >= n || check_addr_spec(p + lt + 1, gt - lt - 1, 1) == -1)
			return -1;
		out->uri.off = lt + 1;
		out->uri.len = gt - lt - 1;
		out->bracketed = 1;
		return check_header_params(p, gt + 1, n, out);
	}
	/* addr-spec form: the URI ends at the first ';' (its params are header params). */
	size_t e = i;
	while (e < n && p[e] != ';' && !is_ws((unsigned char)p[e]))
		e++;
	if (check_addr_spec(p + i, e - i, 0) == -1)
		return -1;
	out->uri.off = i;
	out->uri.len = e - i;
	return check_header_params(p, e, n, out);
}

int
grammar_sip_uri(const char *p, size_t n, int noheaders)
{
	size_t i, at, e;
	struct range host;
	int port;

	/* the scheme is checked here too: callers need not have (found by fuzz_uri) */
	if (n >= 4 && strncasecmp(p, "sip:", 4) == 0)
		i = 4;
	else if (n >= 5 && strncasecmp(p, "sips:", 5) == 0)
		i = 5;
	else
		return -1;

	/* userinfo ends at the last '@': a user may hold '?' ';' ',' (RFC 4475 3.1.1.2), headers no '@'. */
	for (at = i, e = i; e < n; e++)
		if (p[e] == '@')
			at = e + 1;
	for (size_t k = i; k < at; k++)
		if (is_ws((unsigned char)p[k]) || p[k] == '<' || p[k] == '>')
			return -1;
	if ((e = span_host(p, at, n, &host)) == 0 || (e = span_port(p, e, n, &port)) == 0)
		return -1;
	if (e < n && p[e] != ';' && p[e] != '?')
		return -1;
	for (; e < n; e++) {
		if (is_ws((unsigned char)p[e]) || p[e] == '<' || p[e] == '>')
			return -1;
		if (p[e] == '?' && noheaders)
			return -1;
	}
	return 0;
}

int
grammar_request_uri(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || !((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z'))
		return 400;
	while (i < n && (((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') ||
	    (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '-' || p[i] == '.'))
		i++;
	if (i >= n || p[i] != ':')
		return 400;
	for (size_t k = 0; k < n; k++)
		if (is_ws((unsigned char)p[k]) || p[k] == '<' || p[k] == '>' || (unsigned char)p[k] < 0x20)
			return 400;
	if ((i == 3 && strncasecmp(p, "sip", 3) == 0) || (i == 4 && strncasecmp(p, "sips", 4) == 0))
		/* RFC 4475 3.1.2.11: headers in a Request-URI are rejected. */
		return grammar_sip_uri(p, n, 1) == 0 ? 0 : 400;
	if (i == 3 && strncasecmp(p, "tel", 3) == 0)
		return 0;
	return 416;
}

int
grammar_uint(const char *p, size_t n, int maxdigits, unsigned long long maxval,
    unsigned long long *out)
{
	size_t i = grammar_skip_lws(p, 0, n), s;
	unsigned long long v = 0;

	for (s = i; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned long long d = (unsigned long long)(p[i] - '0');
		if ((int)(i - s) >= maxdigits || v > (~0ULL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (i == s || v > maxval || grammar_skip_lws(p, i, n) != n)
		return -1;
	*out = v;
	return 0;
}

int
grammar_plain(const char *p, size_t n)
{
	const uint64_t hi = 0x8080808080808080ULL, one = 0x0101010101010101ULL;
	uint64_t w;
	size_t i = 0;

	/* eight bytes at a time: a high bit set, or a zero byte ((w - 1s) & ~w & high bits) */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if ((w & hi) != 0 || ((w - one) & ~w & hi) != 0)
			return 0;
	}
	for (; i < n; i++)
		if (p[i] == '\0' || (unsigned char)p[i] >= 0x80)
			return 0;
	return 1;
}

size_t
grammar_utf8_char(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;	/* the range of the second byte */
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)	/* C0, C1: overlong */
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* U+D800..DFFF, surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* RFC 3261 25.1 allows 8-bit bytes only as UTF8-NONASCII (TEXT-UTF8char, qdtext, ctext), and a
 * NUL only as a quoted-pair inside a quoted-string or comment (RFC 4475 3.1.1.2 escapes one). */
enum grammar_text
grammar_text(const char *p, size_t n)
{
	int quoted = 0, depth = 0;
	size_t i = 0, l;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x80) {
			if ((l = grammar_utf8_char(p + i, n - i)) == 0)
				return GRAMMAR_TEXT_UTF8;
			i += l;
			continue;
		}
		if (c == '\0')
			return GRAMMAR_TEXT_NUL;
		if (c == '\\' && (quoted || depth > 0) && i + 1 < n &&
		    (unsigned char)p[i + 1] < 0x80) {
			i += 2;			/* quoted-pair */
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && c == '(')
			depth++;
		else if (!quoted && c == ')' && depth > 0)
			depth--;
		i++;
	}
	return GRAMMAR_TEXT_OK;
}
