/* sipmsg.c - index a SIP message's raw bytes and validate what libosip2 does not
 * (RFC 3261 7, 8.2.2, 18.3; RFC 4475).  No I/O: bytes in, message or SIP error out. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "sipmsg.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	const char	*compact;
	enum hdr_id	 id;
} hdr_names[] = {
	{ "Via", "v", HDR_VIA }, { "From", "f", HDR_FROM }, { "To", "t", HDR_TO },
	{ "Call-ID", "i", HDR_CALL_ID }, { "CSeq", NULL, HDR_CSEQ }, { "Contact", "m", HDR_CONTACT },
	{ "Content-Length", "l", HDR_CONTENT_LENGTH }, { "Content-Type", "c", HDR_CONTENT_TYPE },
	{ "Max-Forwards", NULL, HDR_MAX_FORWARDS }, { "Route", NULL, HDR_ROUTE },
	{ "Record-Route", NULL, HDR_RECORD_ROUTE }, { "Require", NULL, HDR_REQUIRE },
	{ "Proxy-Require", NULL, HDR_PROXY_REQUIRE }, { "Supported", "k", HDR_SUPPORTED },
	{ "Expires", NULL, HDR_EXPIRES }, { "Min-Expires", NULL, HDR_MIN_EXPIRES },
	{ "Authorization", NULL, HDR_AUTHORIZATION },
	{ "Proxy-Authorization", NULL, HDR_PROXY_AUTHORIZATION },
	{ "WWW-Authenticate", NULL, HDR_WWW_AUTHENTICATE },
	{ "Proxy-Authenticate", NULL, HDR_PROXY_AUTHENTICATE },
	{ "User-Agent", NULL, HDR_USER_AGENT }, { "Server", NULL, HDR_SERVER },
	{ "Path", NULL, HDR_PATH }, { "Allow", NULL, HDR_ALLOW },
	{ "Unsupported", NULL, HDR_UNSUPPORTED }, { "Date", NULL, HDR_DATE },
	{ "Timestamp", NULL, HDR_TIMESTAMP }, { "Event", "o", HDR_EVENT }, { "Accept", NULL, HDR_ACCEPT },
};

/* Header names that must appear exactly once in a request (RFC 3261 8.1.1, 20). */
static const struct {
	enum hdr_id	 id;
	const char	*missing;
	const char	*multiple;
} hdr_single[] = {
	{ HDR_VIA, "Missing Via header", NULL },
	{ HDR_FROM, "Missing From header", "Multiple From headers" },
	{ HDR_TO, "Missing To header", "Multiple To headers" },
	{ HDR_CALL_ID, "Missing Call-ID header", "Multiple Call-ID headers" },
	{ HDR_CSEQ, "Missing CSeq header", "Multiple CSeq headers" },
	{ HDR_MAX_FORWARDS, NULL, "Multiple Max-Forwards headers" },
	{ HDR_CONTENT_LENGTH, NULL, "Multiple Content-Length headers" },
};

#define SIP_VERSION	"SIP/2.0"

enum hdr_id
sipmsg_hdr_id(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++) {
		if (len == 1 && hdr_names[i].compact != NULL &&
		    (name[0] | 0x20) == hdr_names[i].compact[0])
			return hdr_names[i].id;
		if (strlen(hdr_names[i].name) == len && strncasecmp(name, hdr_names[i].name, len) == 0)
			return hdr_names[i].id;
	}
	return HDR_OTHER;
}

/* Record the first error only: the earliest check decides the answer. */
static void
set_err(struct sip_err *err, int status, const char *reason)
{
	if (err->status == 0) {
		err->status = status;
		err->reason = reason;
	}
}

/* End of the line starting at i: index of its '\n' (or n).  *eol gets the line's content end. */
static size_t
line_end(const char *p, size_t i, size_t n, size_t *eol)
{
	const char *nl = memchr(p + i, '\n', n - i);
	size_t e = nl ? (size_t)(nl - p) : n;

	*eol = (e > i && p[e - 1] == '\r') ? e - 1 : e;
	return e;
}

/* Response status line: "SIP/2.0" SP 3DIGIT SP reason (RFC 3261 7.2). */
static void
parse_status_line(struct sipmsg *m, const char *l, size_t n, struct sip_err *err)
{
	m->is_request = 0;
	if (n < 12 || strncasecmp(l, SIP_VERSION " ", 8) != 0 || !isdigit((unsigned char)l[8]) ||
	    !isdigit((unsigned char)l[9]) || !isdigit((unsigned char)l[10]) || l[11] != ' ') {
		/* "SIP/2.0 100" with nothing after the code is tolerated. */
		if (!(n == 11 && strncasecmp(l, SIP_VERSION " ", 8) == 0 &&
		    isdigit((unsigned char)l[8]) && isdigit((unsigned char)l[9]) &&
		    isdigit((unsigned char)l[10]))) {
			set_err(err, -1, "Bad status line");
			return;
		}
	}
	m->status = (l[8] - '0') * 100 + (l[9] - '0') * 10 + (l[10] - '0');
	if (m->status < 100)
		set_err(err, -1, "Bad status code");
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 25.1). */
static int
is_sip_version(const char *v, size_t n)
{
	size_t i = 4, d;

	if (n < 7 || strncasecmp(v, "SIP/", 4) != 0)
		return 0;
	for (d = i; i < n && isdigit((unsigned char)v[i]); i++)
		;
	if (i == d || i >= n || v[i] != '.')
		return 0;
	for (d = ++i; i < n && isdigit((unsigned char)v[i]); i++)
		;
	return i > d && i == n;
}

/* Request-Line = Method SP Request-URI SP SIP-Version, single spaces (RFC 3261 7.1, 25.1). */
static void
parse_request_line(struct sipmsg *m, const char *l, size_t n, struct sip_err *err)
{
	const char *sp1, *sp2;
	size_t i;

	m->is_request = 1;
	for (i = 0; i < n && grammar_is_token((unsigned char)l[i]); i++)
		;
	if (i == 0 || i >= n || l[i] != ' ') {
		set_err(err, -1, "Bad request line");
		return;
	}
	m->method_name = xstrndup(l, i);
	m->method = sip_method_parse(m->method_name);
	sp1 = l + i;
	sp2 = sp1 + 1;
	while (sp2 < l + n && *sp2 != ' ')
		sp2++;
	m->ruri = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	if (memchr(sp1 + 1, '\0', (size_t)(sp2 - sp1 - 1)) != NULL) {
		set_err(err, 400, "Malformed Request-URI");	/* only %00 may stand for NUL */
		return;
	}
	if (sp2 >= l + n) {
		set_err(err, 400, "Bad request line");
		return;
	}
	const char *ver = sp2 + 1;
	size_t vlen = (size_t)(l + n - ver);
	if (vlen == 7 && strncasecmp(ver, SIP_VERSION, 7) == 0) {
		if (sp2 == sp1 + 1)
			set_err(err, 400, "Bad request line");
		return;
	}
	if (is_sip_version(ver, vlen))
		set_err(err, 505, "Version Not Supported");
	else
		set_err(err, 400, "Bad request line");
}

/* Append a header to the index. */
static struct sip_hdr *
add_hdr(struct sipmsg *m, int *cap)
{
	if (m->nhdrs == *cap) {
		*cap = *cap ? *cap * 2 : 24;
		m->hdrs = xrealloc(m->hdrs, (size_t)*cap * sizeof(*m->hdrs));
	}
	return memset(&m->hdrs[m->nhdrs++], 0, sizeof(struct sip_hdr));
}

/* Start a header at line [i, eol): name ":" value. */
static int
start_hdr(struct sipmsg *m, int *cap, size_t i, size_t eol)
{
	const char *p = m->raw;
	size_t e = i, c;
	struct sip_hdr *h;

	while (e < eol && grammar_is_token((unsigned char)p[e]))
		e++;
	for (c = e; c < eol && (p[c] == ' ' || p[c] == '\t'); c++)
		;
	if (e == i || c >= eol || p[c] != ':')
		return -1;
	h = add_hdr(m, cap);
	h->off = (uint32_t)i;
	h->name_len = (uint32_t)(e - i);
	h->id = (uint8_t)sipmsg_hdr_id(p + i, e - i);
	h->voff = (uint32_t)grammar_skip_lws(p, c + 1, eol);
	return 0;
}

/* Close the current header: its value ends at eol, the line (with CRLF) at nl. */
static void
end_hdr(struct sipmsg *m, size_t eol, size_t nl)
{
	struct sip_hdr *h = &m->hdrs[m->nhdrs - 1];
	size_t ve = eol;

	while (ve > h->voff && (m->raw[ve - 1] == ' ' || m->raw[ve - 1] == '\t'))
		ve--;
	if (h->voff > ve)
		h->voff = (uint32_t)ve;
	/* a value may start on a folded line (RFC 3261 7.3.1: HCOLON then LWS) */
	h->voff = (uint32_t)grammar_skip_lws(m->raw, h->voff, ve);
	h->vlen = (uint32_t)(ve - h->voff);
	h->len = (uint32_t)((nl < m->len ? nl + 1 : nl) - h->off);
}

/* Index header lines (with RFC 3261 7.3.1 folding) until the empty line. */
static void
index_headers(struct sipmsg *m, size_t i, const struct sipmsg_limits *lim, struct sip_err *err)
{
	int cap = 0;
	size_t nl, eol;

	while (i < m->len) {
		nl = line_end(m->raw, i, m->len, &eol);
		if (eol - i > lim->max_line)
			set_err(err, 513, "Header Line Too Long");
		if (memchr(m->raw + i, '\r', eol - i) != NULL)
			set_err(err, 400, "Bare CR in a header line");	/* RFC 3261 7.3.1: CRLF only */
		if (eol == i) {			/* the empty line */
			m->body_off = nl < m->len ? nl + 1 : nl;
			return;
		}
		if (m->raw[i] == ' ' || m->raw[i] == '\t') {
			if (m->nhdrs == 0)
				set_err(err, 400, "Bad header folding");
			else
				end_hdr(m, eol, nl);
		} else if (start_hdr(m, &cap, i, eol) == -1) {
			set_err(err, 400, "Malformed header line");
		} else {
			end_hdr(m, eol, nl);
			if (m->nhdrs > lim->max_headers)
				set_err(err, 513, "Too Many Headers");
		}
		i = nl + 1;
	}
	/* No empty line: a datagram that ends with the headers (tolerated, no body). */
	m->body_off = m->len;
}

static size_t
count_hdr(const struct sipmsg *m, enum hdr_id id)
{
	size_t n = 0;

	for (int i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			n++;
	return n;
}

/* RFC 3261 18.3: the body is Content-Length bytes; a datagram may carry junk after it. */
static void
frame_body(struct sipmsg *m, int datagram, struct sip_err *err)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_CONTENT_LENGTH, NULL);
	size_t avail = m->len - m->body_off;
	unsigned long long cl;

	if (h == NULL) {
		if (!datagram)
			set_err(err, 400, "Missing Content-Length header");
		m->body_len = avail;
		return;
	}
	if (grammar_uint(m->raw + h->voff, h->vlen, 10, 0xffffffffULL, &cl) == -1) {
		set_err(err, 400, "Bad Content-Length header");
		m->body_len = avail;
		return;
	}
	if (cl > avail) {
		set_err(err, 400, "Content-Length larger than the message");
		m->body_len = avail;
		return;
	}
	m->body_len = (size_t)cl;
	m->len = m->body_off + m->body_len;
}

/* Exactly-once headers present, not repeated. */
static void
check_presence(const struct sipmsg *m, struct sip_err *err)
{
	for (size_t i = 0; i < sizeof(hdr_single) / sizeof(hdr_single[0]); i++) {
		size_t n = count_hdr(m, hdr_single[i].id);
		if (n == 0 && hdr_single[i].missing)
			set_err(err, 400, hdr_single[i].missing);
		if (n > 1 && hdr_single[i].multiple)
			set_err(err, 400, hdr_single[i].multiple);
	}
}

/* CSeq = 1*DIGIT LWS Method, the number below 2**31 in RFC 3261 8.1.1.5 but accepted to 2**32-1. */
static void
check_cseq(struct sipmsg *m, struct sip_err *err)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_CSEQ, NULL);
	const char *p;
	size_t i, s, n;
	unsigned long long v;

	if (h == NULL)
		return;
	p = m->raw + h->voff;
	n = h->vlen;
	for (i = 0; i < n && isdigit((unsigned char)p[i]); i++)
		;
	s = grammar_skip_lws(p, i, n);
	if (i == 0 || s == i || grammar_uint(p, i, 10, 0xffffffffULL, &v) == -1) {
		set_err(err, 400, "Bad CSeq header");
		return;
	}
	for (i = s; i < n && grammar_is_token((unsigned char)p[i]); i++)
		;
	if (i == s || i != n) {
		set_err(err, 400, "Bad CSeq header");
		return;
	}
	m->cseq = (uint32_t)v;
	m->cseq_method = xstrndup(p + s, i - s);
}

/* Copy a header value's range out as a string. */
static char *
copy_range(const struct sipmsg *m, const struct sip_hdr *h, const struct range *r)
{
	return xstrndup(m->raw + h->voff + r->off, r->len);
}

/* One of From and To: a name-addr/addr-spec with header params; its URI and tag kept. */
static void
check_party(struct sipmsg *m, enum hdr_id id, char **uri, char **tag, struct sip_err *err,
    const char *bad)
{
	struct nameaddr_info ni;
	const struct sip_hdr *h;

	if ((h = sipmsg_hdr(m, id, NULL)) == NULL)
		return;
	if (grammar_nameaddr(m->raw + h->voff, h->vlen, 0, &ni) == -1) {
		set_err(err, 400, bad);
		return;
	}
	*uri = copy_range(m, h, &ni.uri);
	if (ni.tag.len)
		*tag = copy_range(m, h, &ni.tag);
}

/* From and To: keep the URIs and the tags, so that no other module parses them again. */
static void
check_from_to(struct sipmsg *m, struct sip_err *err)
{
	check_party(m, HDR_FROM, &m->from_uri, &m->from_tag, err, "Bad From header");
	check_party(m, HDR_TO, &m->to_uri, &m->to_tag, err, "Bad To header");
}

/* Every value of every header with id must pass check (comma-separated lists). */
static int
check_list(const struct sipmsg *m, enum hdr_id id, int (*check)(const char *, size_t, void *),
    void *arg)
{
	struct sipmsg_iter it;
	const char *v;
	size_t n;

	sipmsg_iter_init(&it, m, id);
	while (sipmsg_iter_next(&it, &v, &n))
		if (check(v, n, arg) == -1)
			return -1;
	return 0;
}

static int
check_via_one(const char *p, size_t n, void *arg)
{
	struct via_info vi;

	return grammar_via(p, n, &vi);
}

static int
check_nameaddr_one(const char *p, size_t n, void *arg)
{
	struct nameaddr_info ni;

	return grammar_nameaddr(p, n, arg != NULL, &ni);
}

/* Copy the top Via's fields into m->via. */
static int
parse_top_via(struct sipmsg *m)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_VIA, NULL);
	const char *p;
	size_t e;
	struct via_info vi;

	if (h == NULL)
		return -1;
	p = m->raw + h->voff;
	e = grammar_next_comma(p, 0, h->vlen);
	if (grammar_via(p, e, &vi) == -1)
		return -1;
	m->via.proto = xstrndup(p + vi.proto.off, vi.proto.len);
	for (char *c = m->via.proto; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	m->via.host = xstrndup(p + vi.host.off, vi.host.len);
	m->via.port = vi.port;
	m->via.branch = vi.branch.len ? xstrndup(p + vi.branch.off, vi.branch.len) : NULL;
	m->via.rport = vi.rport;
	m->via.has_received_param = vi.has_received;
	m->via.voff = h->voff;
	m->via.vlen = (uint32_t)grammar_skip_lws(p, 0, e);
	while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == '\r' || p[e - 1] == '\n'))
		e--;
	m->via.vlen = (uint32_t)e;
	return 0;
}

/* Field syntax of the headers sipd uses (RFC 3261 25.1). */
static void
check_fields(struct sipmsg *m, struct sip_err *err)
{
	const struct sip_hdr *h;
	unsigned long long v;

	if (parse_top_via(m) == -1 || check_list(m, HDR_VIA, check_via_one, NULL) == -1)
		set_err(err, 400, "Bad Via header");
	check_cseq(m, err);
	if ((h = sipmsg_hdr(m, HDR_CALL_ID, NULL)) != NULL) {
		int bad = h->vlen == 0;
		for (uint32_t i = 0; i < h->vlen; i++)
			if (isspace((unsigned char)m->raw[h->voff + i]) || m->raw[h->voff + i] == '\0')
				bad = 1;
		if (bad)
			set_err(err, 400, "Bad Call-ID header");
		else
			m->call_id = xstrndup(m->raw + h->voff, h->vlen);
	}
	check_from_to(m, err);
	m->max_forwards = -1;
	if ((h = sipmsg_hdr(m, HDR_MAX_FORWARDS, NULL)) != NULL) {
		if (grammar_uint(m->raw + h->voff, h->vlen, 10, 255, &v) == -1)
			set_err(err, 400, "Bad Max-Forwards header");
		else
			m->max_forwards = (int)v;
	}
	if (check_list(m, HDR_CONTACT, check_nameaddr_one, (void *)1) == -1)
		set_err(err, 400, "Bad Contact header");
	if (check_list(m, HDR_ROUTE, check_nameaddr_one, NULL) == -1)
		set_err(err, 400, "Bad Route header");
	if (check_list(m, HDR_RECORD_ROUTE, check_nameaddr_one, NULL) == -1)
		set_err(err, 400, "Bad Record-Route header");
}

/* The canonical name of h (its compact form spelt out), into *len. */
static const char *
hdr_name(const struct sipmsg *m, const struct sip_hdr *h, int *len)
{
	for (size_t i = 0; h->id != HDR_OTHER && i < sizeof(hdr_names) / sizeof(hdr_names[0]); i++)
		if (hdr_names[i].id == h->id) {
			*len = (int)strlen(hdr_names[i].name);
			return hdr_names[i].name;
		}
	*len = h->name_len > 40 ? 40 : (int)h->name_len;
	return m->raw + h->off;
}

/* RFC 3261 25.1: header values and the reason phrase are UTF-8 text, with a NUL only as a
 * quoted-pair.  One word-at-a-time pass over the head for the usual ASCII message; the field
 * at fault is looked for only when that pass finds a NUL or an 8-bit byte.  The reason names
 * the header and lives until the next call. */
static void
check_text(const struct sipmsg *m, struct sip_err *err)
{
	static char reason[80];
	enum grammar_text bad = GRAMMAR_TEXT_OK;
	const struct sip_hdr *h = NULL;
	const char *name;
	int len;

	if (grammar_plain(m->raw, m->body_off))
		return;
	if (!m->is_request && m->sline_len > 12 &&
	    grammar_text(m->raw + 12, m->sline_len - 12) != GRAMMAR_TEXT_OK) {
		set_err(err, -1, "Bad reason phrase");
		return;
	}
	for (int i = 0; i < m->nhdrs && bad == GRAMMAR_TEXT_OK; i++) {
		h = &m->hdrs[i];
		bad = grammar_text(m->raw + h->voff, h->vlen);
	}
	if (bad == GRAMMAR_TEXT_OK)
		return;
	name = hdr_name(m, h, &len);
	snprintf(reason, sizeof(reason), "Bad %.*s header: %s", len, name,
	    bad == GRAMMAR_TEXT_NUL ? "NUL byte" : "invalid UTF-8");
	set_err(err, 400, reason);
}

/* Request-only checks that come after syntax: URI scheme (8.2.2.1), CSeq method (8.1.1.5). */
static void
check_request(struct sipmsg *m, struct sip_err *err)
{
	int st = grammar_request_uri(m->ruri, strlen(m->ruri));

	if (st == 400)
		set_err(err, 400, "Malformed Request-URI");
	else if (st == 416)
		set_err(err, 416, "Unsupported URI Scheme");
	if (m->cseq_method && strcmp(m->cseq_method, m->method_name) != 0) {
		/* RFC 4475 3.1.2.18: an unknown method is better answered 501. */
		if (m->method == SIP_UNKNOWN)
			set_err(err, 501, "Not Implemented");
		else
			set_err(err, 400, "CSeq method does not match the request");
	}
}

struct sipmsg *
sipmsg_parse(const char *buf, size_t len, int datagram, const struct sipmsg_limits *lim,
    struct sip_err *err)
{
	struct sipmsg *m;
	size_t nl, eol, skip = 0;

	err->status = 0;
	err->reason = NULL;
	while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;			/* RFC 3261 7.5: CRLFs before the start line */
	buf += skip;
	len -= skip;
	if (len < 8)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->refcnt = 1;
	m->raw = xmalloc(len + 1);
	memcpy(m->raw, buf, len);
	m->raw[len] = '\0';
	m->len = len;
	m->max_forwards = -1;
	if (len > lim->max_size)
		set_err(err, 513, "Message Too Large");
	nl = line_end(m->raw, 0, len, &eol);
	m->sline_len = eol;
	if (memchr(m->raw, '\r', eol) != NULL)
		set_err(err, 400, "Bare CR in the start line");
	if (strncasecmp(m->raw, "SIP/", 4) == 0)
		parse_status_line(m, m->raw, eol, err);
	else
		parse_request_line(m, m->raw, eol, err);
	if (err->status == -1 && !m->is_request) {
		sipmsg_unref(m);
		return NULL;
	}
	index_headers(m, nl + 1 < len ? nl + 1 : len, lim, err);
	frame_body(m, datagram, err);
	check_presence(m, err);
	check_fields(m, err);
	check_text(m, err);
	if (m->is_request && m->method_name != NULL)
		check_request(m, err);
	if (!m->is_request) {
		if (m->cseq_method)
			m->method = sip_method_parse(m->cseq_method);
		if (err->status != 0)
			err->status = -1;	/* a bad response is dropped (RFC 3261 18.1.2 / 4475) */
	} else if (m->method_name == NULL) {
		err->status = -1;
	}
	return m;
}

osip_message_t *
sipmsg_osip(struct sipmsg *m)
{
	if (m->osip == NULL && !m->osip_failed) {
		if (osip_message_init(&m->osip) != 0 ||
		    osip_message_parse(m->osip, m->raw, m->len) != 0) {
			if (m->osip)
				osip_message_free(m->osip);
			m->osip = NULL;
			m->osip_failed = 1;
		}
	}
	return m->osip;
}

struct sipmsg *
sipmsg_ref(struct sipmsg *m)
{
	m->refcnt++;
	return m;
}

void
sipmsg_unref(struct sipmsg *m)
{
	if (m == NULL || --m->refcnt > 0)
		return;
	if (m->osip)
		osip_message_free(m->osip);
	free(m->raw);
	free(m->hdrs);
	free(m->method_name);
	free(m->cseq_method);
	free(m->call_id);
	free(m->from_tag);
	free(m->to_tag);
	free(m->from_uri);
	free(m->to_uri);
	free(m->ruri);
	free(m->via.proto);
	free(m->via.host);
	free(m->via.branch);
	free(m);
}

size_t
sipmsg_memory(const struct sipmsg *m)
{
	const void *p[] = { m, m->raw, m->hdrs, m->method_name, m->cseq_method, m->call_id,
	    m->from_tag, m->to_tag, m->from_uri, m->to_uri, m->ruri, m->via.proto, m->via.host,
	    m->via.branch };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		n += xmalloc_size(p[i]);
	return n;
}

const struct sip_hdr *
sipmsg_hdr(const struct sipmsg *m, enum hdr_id id, const struct sip_hdr *prev)
{
	int i = prev ? (int)(prev - m->hdrs) + 1 : 0;

	for (; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

const struct sip_hdr *
sipmsg_hdr_named(const struct sipmsg *m, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].name_len == n && strncasecmp(m->raw + m->hdrs[i].off, name, n) == 0)
			return &m->hdrs[i];
	return NULL;
}

const char *
sipmsg_hdr_value(const struct sipmsg *m, enum hdr_id id, char *buf, size_t len)
{
	const struct sip_hdr *h = sipmsg_hdr(m, id, NULL);
	size_t n;

	if (h == NULL || len == 0)
		return NULL;
	n = h->vlen < len - 1 ? h->vlen : len - 1;
	memcpy(buf, m->raw + h->voff, n);
	buf[n] = '\0';
	return buf;
}

void
sipmsg_iter_init(struct sipmsg_iter *it, const struct sipmsg *m, enum hdr_id id)
{
	memset(it, 0, sizeof(*it));
	it->m = m;
	it->id = id;
}

void
sipmsg_iter_list(struct sipmsg_iter *it, const char *p, size_t n)
{
	memset(it, 0, sizeof(*it));
	it->p = p;
	it->n = n;
	it->more = 1;
}

int
sipmsg_iter_next(struct sipmsg_iter *it, const char **v, size_t *len)
{
	size_t s, e;

	while (!it->more) {
		if (it->m == NULL || (it->h = sipmsg_hdr(it->m, it->id, it->h)) == NULL) {
			it->m = NULL;		/* sipmsg_hdr(.., NULL) would start over */
			return 0;
		}
		it->p = it->m->raw + it->h->voff;
		it->n = it->h->vlen;
		it->i = 0;
		it->more = 1;
	}
	e = grammar_next_comma(it->p, it->i, it->n);
	s = grammar_skip_lws(it->p, it->i, e);
	it->more = e < it->n;
	it->i = e + 1;
	while (e > s && (it->p[e - 1] == ' ' || it->p[e - 1] == '\t' || it->p[e - 1] == '\r' ||
	    it->p[e - 1] == '\n'))
		e--;
	*v = it->p + s;
	*len = e - s;
	return 1;
}
