/* fuzz_osipdiff.c - libFuzzer, differential: sipd's parser (sipmsg_parse) against libosip2's
 * (osip_message_parse) on the same bytes.  The input is one datagram.  When sipd accepts it
 * (err.status == 0) and libosip2 parses the message sipd framed (sipmsg_osip: leading CRLFs
 * and bytes past Content-Length already gone), what both extracted must agree: request or
 * response, method / status code, Request-URI, Call-ID, CSeq number and method, From and To
 * tags, the top Via's branch, Content-Length and the body length.  A disagreement aborts.
 *
 * Differences tolerated, by design:
 * - libosip2 is more lenient: it parses much that sipd refuses with 400 (bad Via, From, CSeq,
 *   header folding, ...); only messages sipd accepts are compared.
 * - libosip2 refuses some messages sipd accepts (e.g. a Call-ID starting with '@', a Request-URI
 *   scheme it does not know how to split); those are skipped, not compared.
 * - The Request-URI is compared after libosip2 has parsed and printed both sides (it unescapes
 *   %XX and may print a URI differently from its bytes); a Request-URI whose bytes libosip2
 *   cannot parse on sipd's side is skipped.
 * - libosip2 keeps header values with LWS inside (a folded Call-ID ...); values are compared
 *   with surrounding LWS trimmed, and folds are not compared (sipd's parser unfolds them).
 * - A repeated tag or branch param (";branch=a;branch=b") is ambiguous (libosip2 takes the
 *   first); sipd refuses it (RFC 3261 7.3.1), so a message sipd accepted with one is a bug.
 * - Content-Length: libosip2 keeps the header's text, which may have leading zeros; it is
 *   compared as a number.  Without a Content-Length header (a datagram) libosip2 makes one up
 *   (0 when it found no Content-Type, so no body): nothing is compared then.
 * - A status line without the SP before an empty reason ("SIP/2.0 100" CRLF) is tolerated by
 *   sipd; libosip2 takes the next line for the reason phrase.  Such responses are skipped. */
#include <osipparser2/osip_parser.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Report a disagreement and abort (libFuzzer keeps the input). */
static void
differ(const char *what, const char *sipd, const char *osip)
{
	fprintf(stderr, "osipdiff: %s: sipd \"%s\" libosip2 \"%s\"\n", what,
	    sipd ? sipd : "(none)", osip ? osip : "(none)");
	abort();
}

/* Equal after trimming LWS on both ends; NULL equals NULL only. */
static void
same(const char *what, const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL) {
		if (a != b)
			differ(what, a, b);
		return;
	}
	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	for (la = strlen(a); la > 0 && isspace((unsigned char)a[la - 1]); la--)
		;
	for (lb = strlen(b); lb > 0 && isspace((unsigned char)b[lb - 1]); lb--)
		;
	if (la != lb || memcmp(a, b, la) != 0)
		differ(what, a, b);
}

/* A param's value in a libosip2 param list, NULL when absent; *dup set when it is there more
 * than once. */
static const char *
param(osip_list_t *l, const char *name, int *dup)
{
	const char *v = NULL;
	int seen = 0;

	for (int i = 0; i < osip_list_size(l); i++) {
		osip_generic_param_t *p = osip_list_get(l, i);
		if (p->gname != NULL && strcasecmp(p->gname, name) == 0 && seen++ == 0)
			v = p->gvalue != NULL ? p->gvalue : "";
	}
	*dup = seen > 1;
	return v;
}

/* A tag or branch param: the same, and not repeated in a message sipd accepted. */
static void
same_param(const char *what, const char *sipd, osip_list_t *l, const char *name)
{
	int dup = 0;
	const char *v = l != NULL ? param(l, name, &dup) : NULL;

	if (dup)
		differ(what, sipd, "(repeated param accepted)");
	same(what, sipd, v);
}

/* Request-URIs: both printed by libosip2. */
static void
compare_ruri(const struct sipmsg *m, osip_message_t *o)
{
	osip_uri_t *u = NULL;
	char *a = NULL, *b = NULL;

	if (o->req_uri == NULL)
		differ("Request-URI", m->ruri, NULL);
	if (osip_uri_init(&u) == 0 && osip_uri_parse(u, m->ruri) == 0 &&
	    osip_uri_to_str(u, &a) == 0 && osip_uri_to_str(o->req_uri, &b) == 0)
		same("Request-URI", a, b);
	osip_free(a);
	osip_free(b);
	osip_uri_free(u);
}

/* The fields both parsers extract. */
static void
compare(const struct sipmsg *m, osip_message_t *o)
{
	osip_via_t *via = osip_list_get(&o->vias, 0);
	char *s = NULL, n[16];

	if (m->is_request != MSG_IS_REQUEST(o))
		differ("request or response", m->is_request ? "request" : "response", NULL);
	if (m->is_request) {
		same("method", m->method_name, o->sip_method);
		compare_ruri(m, o);
	} else if (m->status != o->status_code) {
		snprintf(n, sizeof(n), "%d", o->status_code);
		differ("status", "", n);
	}
	if (o->call_id == NULL || osip_call_id_to_str(o->call_id, &s) != 0)
		differ("Call-ID", m->call_id, NULL);
	same("Call-ID", m->call_id, s);
	osip_free(s);
	if (o->cseq == NULL || o->cseq->number == NULL)
		differ("CSeq", m->cseq_method, NULL);
	snprintf(n, sizeof(n), "%u", (unsigned)m->cseq);
	if (strtoul(o->cseq->number, NULL, 10) != m->cseq)
		differ("CSeq number", n, o->cseq->number);
	same("CSeq method", m->cseq_method, o->cseq->method);
	same_param("From tag", m->from_tag, o->from ? &o->from->gen_params : NULL, "tag");
	same_param("To tag", m->to_tag, o->to ? &o->to->gen_params : NULL, "tag");
	same_param("top Via branch", m->via.branch, via ? &via->via_params : NULL, "branch");
	/* libosip2 makes up a Content-Length when the message has none */
	if (sipmsg_hdr(m, HDR_CONTENT_LENGTH, NULL) != NULL && o->content_length != NULL &&
	    o->content_length->value != NULL) {
		snprintf(n, sizeof(n), "%zu", m->body_len);
		if (strtoul(o->content_length->value, NULL, 10) != m->body_len)
			differ("Content-Length / body length", n, o->content_length->value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m;
	osip_message_t *o;

	if (!init) {
		parser_init();
		init = 1;
	}
	if ((m = sipmsg_parse((const char *)data, size, 1, &lim, &err)) == NULL)
		return 0;
	if (err.status == 0 && (m->is_request || m->sline_len > 11) && (o = sipmsg_osip(m)) != NULL)
		compare(m, o);
	sipmsg_unref(m);
	return 0;
}
