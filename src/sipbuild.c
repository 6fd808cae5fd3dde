/* sipbuild.c - requests sipd originates, built in libosip2's osip_message_t and written by
 * osip_message_to_str (see sipbuild.h for what that does to the wire form).  No I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_message.h>

#include "grammar.h"
#include "log.h"
#include "sipbuild.h"
#include "xmalloc.h"

struct sipbuild {
	osip_message_t	*m;
	int		 failed;	/* a field was refused: no request */
};

/* A URI libosip2 checks (osip_uri_parse) but writes back as given: its scheme and the rest as
 * an opaque string, which osip_uri_to_str prints as "scheme:string".  Parsed and printed,
 * "sip:%61lice@h" would come out "sip:alice@h".  NULL when refused. */
static osip_uri_t *
uri_verbatim(const char *s, size_t n)
{
	osip_uri_t *chk = NULL, *u = NULL;
	char *text = xstrndup(s, n), *colon = strchr(text, ':');

	if (colon == NULL || colon == text || osip_uri_init(&chk) != 0 ||
	    osip_uri_parse(chk, text) != 0 || osip_uri_init(&u) != 0)
		goto out;
	*colon = '\0';
	u->scheme = osip_strdup(text);
	u->string = osip_strdup(colon + 1);
out:
	if (chk != NULL)
		osip_uri_free(chk);
	free(text);
	return u;
}

/* A copy of p[0..n) with LWS trimmed at both ends, in libosip2's allocator. */
static char *
osip_trimmed(const char *p, size_t n)
{
	char *s;

	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	s = osip_malloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The header params p[0..n) (";name[=value]"..., values maybe quoted) into f's list, each as
 * written.  0, or -1 when they are not a list of params. */
static int
add_params(osip_from_t *f, const char *p, size_t n)
{
	size_t i = 0, s, eq;
	int quoted;

	for (;;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n)
			return 0;
		if (p[i++] != ';')
			return -1;
		for (s = i, eq = 0, quoted = 0; i < n && (quoted || p[i] != ';'); i++) {
			if (quoted && p[i] == '\\' && i + 1 < n)
				i++;
			else if (p[i] == '"')
				quoted = !quoted;
			else if (p[i] == '=' && !quoted && eq == 0)
				eq = i;
		}
		char *name = osip_trimmed(p + s, (eq ? eq : i) - s);
		if (name[0] == '\0') {
			osip_free(name);
			return -1;
		}
		osip_generic_param_add(&f->gen_params, name, eq ? osip_trimmed(p + eq + 1, i - eq - 1) :
		    NULL);
	}
}

/* A name-addr (From, To, Route, Contact) assembled from what sipd's grammar finds in it: the
 * display name and the header params as written, the URI verbatim.  libosip2's own name-addr
 * parse is not used: it misreads some URIs sipd accepts ("<sip:h;>" came out "<sip:h;>;>").
 * NULL when refused. */
static osip_from_t *
nameaddr(const char *v)
{
	struct nameaddr_info ni;
	osip_from_t *f = NULL;
	osip_uri_t *u;
	size_t n = v != NULL ? strlen(v) : 0, end;

	if (v == NULL || grammar_nameaddr(v, n, 0, &ni) == -1 ||
	    (u = uri_verbatim(v + ni.uri.off, ni.uri.len)) == NULL)
		return NULL;
	if (osip_from_init(&f) != 0) {
		osip_uri_free(u);
		return NULL;
	}
	f->url = u;
	end = ni.uri.off + ni.uri.len;
	if (ni.bracketed) {	/* the grammar allows no LWS inside <>: '<' and '>' hug the URI */
		char *d = osip_trimmed(v, ni.uri.off - 1);
		if (d[0] != '\0')
			f->displayname = d;
		else
			osip_free(d);
		end++;
	}
	if (add_params(f, v + end, n - end) == -1) {
		osip_from_free(f);
		return NULL;
	}
	return f;
}

/* A method token (RFC 3261 25.1). */
static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!grammar_is_token((unsigned char)*s))
			return 0;
	return 1;
}

struct sipbuild *
sipbuild_new(const char *method, const char *ruri)
{
	struct sipbuild *b = xcalloc(1, sizeof(*b));
	osip_uri_t *u;

	if (osip_message_init(&b->m) != 0)
		fatalx("osip_message_init: out of memory");
	if (!is_token(method) || (u = uri_verbatim(ruri, strlen(ruri))) == NULL) {
		b->failed = 1;
		return b;
	}
	osip_message_set_method(b->m, osip_strdup(method));
	osip_message_set_version(b->m, osip_strdup("SIP/2.0"));
	osip_message_set_uri(b->m, u);
	return b;
}

void
sipbuild_via(struct sipbuild *b, const char *via)
{
	if (via == NULL || osip_message_set_via(b->m, via) != 0)
		b->failed = 1;
}

/* Set *slot (From or To) to the name-addr v. */
static void
set_nameaddr(struct sipbuild *b, osip_from_t **slot, const char *v)
{
	osip_from_t *f = nameaddr(v);

	if (f == NULL) {
		b->failed = 1;
		return;
	}
	if (*slot != NULL)
		osip_from_free(*slot);
	*slot = f;
	b->m->message_property = 2;	/* libosip2's "changed since parsed" */
}

void
sipbuild_from(struct sipbuild *b, const char *v)
{
	set_nameaddr(b, &b->m->from, v);
}

void
sipbuild_to(struct sipbuild *b, const char *v)
{
	set_nameaddr(b, &b->m->to, v);
}

/* Append the name-addr v to a list of them (Route, Contact). */
static void
add_nameaddr(struct sipbuild *b, osip_list_t *l, const char *v)
{
	osip_from_t *f = nameaddr(v);

	if (f == NULL) {
		b->failed = 1;
		return;
	}
	osip_list_add(l, f, -1);
	b->m->message_property = 2;
}

void
sipbuild_route(struct sipbuild *b, const char *v)
{
	add_nameaddr(b, &b->m->routes, v);
}

void
sipbuild_contact(struct sipbuild *b, const char *v)
{
	add_nameaddr(b, &b->m->contacts, v);
}

/* The Call-ID goes in as one opaque word: osip_call_id_parse refuses some that RFC 3261 25.1
 * allows (an empty part before '@'). */
void
sipbuild_call_id(struct sipbuild *b, const char *callid)
{
	osip_call_id_t *c;

	if (callid == NULL || *callid == '\0' || strpbrk(callid, " \t\r\n") != NULL ||
	    osip_call_id_init(&c) != 0) {
		b->failed = 1;
		return;
	}
	osip_call_id_set_number(c, osip_strdup(callid));
	if (b->m->call_id != NULL)
		osip_call_id_free(b->m->call_id);
	b->m->call_id = c;
	b->m->message_property = 2;
}

void
sipbuild_cseq(struct sipbuild *b, uint32_t num, const char *method)
{
	osip_cseq_t *c;
	char n[16];

	if (!is_token(method) || osip_cseq_init(&c) != 0) {
		b->failed = 1;
		return;
	}
	snprintf(n, sizeof(n), "%u", (unsigned)num);
	osip_cseq_set_number(c, osip_strdup(n));
	osip_cseq_set_method(c, osip_strdup(method));
	if (b->m->cseq != NULL)
		osip_cseq_free(b->m->cseq);
	b->m->cseq = c;
	b->m->message_property = 2;
}

void
sipbuild_max_forwards(struct sipbuild *b, int n)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", n);
	if (n < 0 || n > 255 || osip_message_set_max_forwards(b->m, v) != 0)
		b->failed = 1;
}

void
sipbuild_header(struct sipbuild *b, const char *name, const char *value)
{
	if (!is_token(name) || value == NULL || strpbrk(value, "\r\n") != NULL ||
	    osip_message_set_header(b->m, name, value) != 0)
		b->failed = 1;
}

void
sipbuild_body(struct sipbuild *b, const char *ctype, const char *body, size_t len)
{
	if (osip_message_set_content_type(b->m, ctype) != 0 ||
	    (len > 0 && osip_message_set_body(b->m, body, len) != 0))
		b->failed = 1;
}

/* The Content-Type goes in as a plain header: libosip2's content-type parse would write its
 * parameters back re-spaced, and a stored message keeps its bytes. */
void
sipbuild_body_as_sent(struct sipbuild *b, const char *ctype, const char *body, size_t len)
{
	sipbuild_header(b, "Content-Type", ctype);
	if (len > 0 && osip_message_set_body(b->m, body, len) != 0)
		b->failed = 1;
}

void
sipbuild_free(struct sipbuild *b)
{
	if (b == NULL)
		return;
	osip_message_free(b->m);
	free(b);
}

/* osip_message_to_str pads Content-Length's value with spaces ("Content-Length:     5", LWS
 * the grammar allows); the copy made here writes it as everyone else does. */
static char *
tidy_copy(const char *s, size_t n, size_t *len)
{
	static const char cl[] = "\r\nContent-Length: ";
	const char *end = memmem(s, n, "\r\n\r\n", 4);
	const char *h = memmem(s, end != NULL ? (size_t)(end - s) + 2 : n, cl, sizeof(cl) - 1);
	size_t pre = h != NULL ? (size_t)(h - s) + sizeof(cl) - 1 : n, skip = 0;
	char *out = xmalloc(n + 1);

	while (pre + skip < n && s[pre + skip] == ' ')
		skip++;
	memcpy(out, s, pre);
	memcpy(out + pre, s + pre + skip, n - pre - skip);
	*len = n - skip;
	out[*len] = '\0';
	return out;
}

char *
sipbuild_finish(struct sipbuild *b, size_t *len)
{
	char *s = NULL, *out = NULL;
	size_t n = 0;

	if (!b->failed && osip_message_to_str(b->m, &s, &n) == 0 && s != NULL)
		out = tidy_copy(s, n, len);
	if (s != NULL)
		osip_free(s);
	sipbuild_free(b);
	return out;
}

/* fn(b, value) with the value p[0..n) as a string, folds (RFC 3261 7.3.1) made single spaces. */
static void
add_range(struct sipbuild *b, void (*fn)(struct sipbuild *, const char *), const char *p,
    size_t n)
{
	char *v = xstrndup(p, n);

	for (char *c = v; *c != '\0'; c++)
		if (*c == '\r' || *c == '\n' || *c == '\t')
			*c = ' ';
	fn(b, v);
	free(v);
}

/* fn(b, value) for the first header with id in m; a missing one fails the request. */
static void
add_hdr(struct sipbuild *b, void (*fn)(struct sipbuild *, const char *), const struct sipmsg *m,
    enum hdr_id id)
{
	const struct sip_hdr *h = sipmsg_hdr(m, id, NULL);

	if (h == NULL)
		b->failed = 1;
	else
		add_range(b, fn, m->raw + h->voff, h->vlen);
}

/* What the ACK for a non-2xx and a CANCEL take from the request as sent (RFC 3261 17.1.1.3,
 * 9.1): its Request-URI, top Via only (same branch), Route set, From, Call-ID, CSeq number. */
static struct sipbuild *
derive(const struct sipmsg *req, const char *method)
{
	struct sipbuild *b = sipbuild_new(method, req->ruri != NULL ? req->ruri : "");
	struct sipmsg_iter it;
	const char *v;
	size_t n;

	if (!req->is_request || req->via.vlen == 0)
		b->failed = 1;
	else
		add_range(b, sipbuild_via, req->raw + req->via.voff, req->via.vlen);
	sipmsg_iter_init(&it, req, HDR_ROUTE);
	while (sipmsg_iter_next(&it, &v, &n))
		add_range(b, sipbuild_route, v, n);
	add_hdr(b, sipbuild_from, req, HDR_FROM);
	sipbuild_call_id(b, req->call_id);
	sipbuild_cseq(b, req->cseq, method);
	sipbuild_max_forwards(b, 70);
	return b;
}

char *
sipbuild_ack(const struct sipmsg *req, const struct sipmsg *resp, size_t *len)
{
	struct sipbuild *b = derive(req, "ACK");

	add_hdr(b, sipbuild_to, resp, HDR_TO);	/* with the response's tag */
	return sipbuild_finish(b, len);
}

char *
sipbuild_cancel(const struct sipmsg *req, size_t *len)
{
	struct sipbuild *b = derive(req, "CANCEL");

	add_hdr(b, sipbuild_to, req, HDR_TO);
	return sipbuild_finish(b, len);
}
