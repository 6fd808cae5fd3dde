/* fuzz_proxy_edit.c - libFuzzer: the proxy's message editing (proxy_edit.c).  The first byte
 * picks datagram or stream semantics (bit 0) and which edits apply (the other bits); the rest
 * is a message.  A valid request is turned into a forwarded copy (Request-URI, Via,
 * Record-Route, Route lines added and dropped, Max-Forwards), rewritten from strict routing,
 * hashed for loops, and CANCELled; a valid response loses its top Via and gains challenges.
 * Every output must parse again, valid, with the body unchanged. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "proxy_edit.h"
#include "sipmsg.h"
#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sipmsg_limits lim = { 65535, 128, 8192 };
/* what sipd sends may hold the lines it adds (Via, Record-Route twice, Route, Max-Forwards,
 * Content-Length) beyond what it accepted, and grow past the size limit with them */
static const struct sipmsg_limits outlim = { 65535 + 4096, 128 + 8, 8192 };

static int
host_is_us(const char *host, int port)
{
	return strcasecmp(host, "proxy.test") == 0 && (port == 0 || port == 5060);
}

static int
uri_is_us(const char *uri, size_t n)
{
	struct uri_parts u;

	return uri_split(uri, n, &u) == 0 && u.user[0] == '\0' && host_is_us(u.host, u.port);
}

/* out (len bytes) must parse as a valid message (stream framing: it must carry a right
 * Content-Length) whose body is body (blen bytes); it is returned parsed. */
static struct sipmsg *
reparse(const char *out, size_t len, const char *body, size_t blen)
{
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(out, len, 0, &outlim, &err);

	if (m == NULL || err.status != 0 || m->len != len || m->body_len != blen ||
	    memcmp(m->raw + m->body_off, body, blen) != 0)
		abort();
	return m;
}

/* How many Via values m has. */
static int
via_count(const struct sipmsg *m)
{
	int n = 0;

	for (const struct sip_hdr *h = sipmsg_hdr(m, HDR_VIA, NULL); h != NULL;
	    h = sipmsg_hdr(m, HDR_VIA, h))
		for (size_t s = 0, e = 0; e < h->vlen; s = e + 1) {
			e = grammar_next_comma(m->raw + h->voff, s, h->vlen);
			n++;
		}
	return n;
}

/* The forwarded copy of request m, its CANCEL, and the strict-routing rewrite. */
static void
edit_request(struct sipmsg *m, unsigned flags)
{
	struct proxy_edit_hop self = { PROTO_UDP, AF_INET, "198.51.100.1", 5060 };
	struct proxy_edit_hop other = { PROTO_TLS, AF_INET6, "2001:db8::1", 5061 };
	const char *body = m->raw + m->body_off;
	char branch[64], next[1024];
	struct buf via, rr;
	size_t len, clen;
	int drop = proxy_edit_own_routes(m, uri_is_us);

	if (flags & 2)
		drop += (int)(flags >> 5);	/* more than ours: any Route values may go */
	proxy_edit_branch(m, (int)(flags >> 4), branch, sizeof(branch));
	buf_init(&via, 128);
	buf_init(&rr, 128);
	proxy_edit_via(&via, &self, branch);
	if (flags & 4)
		proxy_edit_record_route(&rr, flags & 8 ? "tok1.tok2" : "", &self,
		    flags & 16 ? &other : &self);
	const char *ruri = proxy_edit_route(m, drop, next, sizeof(next)) == 0 ? m->ruri :
	    "sip:callee@192.0.2.9:5070;transport=tcp";
	char *out = proxy_edit_build(m, ruri, via.p, rr.len ? rr.p : NULL,
	    flags & 8 ? "Route: <sip:path.test;lr>\r\n" : NULL, drop, &len);
	struct sipmsg *f = reparse(out, len, body, m->body_len);
	if (strcmp(f->via.branch, branch) != 0 || strcmp(f->ruri, ruri) != 0 ||
	    f->max_forwards != (m->max_forwards > 0 ? m->max_forwards - 1 :
	    m->max_forwards == 0 ? 0 : 70))
		abort();
	char *cancel = proxy_edit_cancel(out, len, &clen);
	if (cancel != NULL) {
		struct sipmsg *c = reparse(cancel, clen, "", 0);
		if (c->cseq != f->cseq || strcmp(c->call_id, f->call_id) != 0)
			abort();
		sipmsg_unref(c);
	}
	(void)proxy_edit_is_loop(f, host_is_us);
	free(cancel);
	sipmsg_unref(f);
	free(out);
	buf_free(&via);
	buf_free(&rr);
	(void)proxy_edit_is_loop(m, host_is_us);
	struct sipmsg *u = proxy_edit_unstrict(m, uri_is_us);
	if (u != NULL && (u->body_len != m->body_len || memcmp(u->raw + u->body_off, body,
	    m->body_len) != 0))
		abort();
	sipmsg_unref(u);
}

/* A response going upstream: without our Via, with more challenges. */
static void
edit_response(struct sipmsg *r)
{
	const char *body = r->raw + r->body_off;
	size_t len;
	char *out;

	if (via_count(r) >= 2 && (out = proxy_edit_strip_via(r, &len)) != NULL) {
		struct sipmsg *s = reparse(out, len, body, r->body_len);
		if (via_count(s) != via_count(r) - 1 || s->status != r->status)
			abort();
		sipmsg_unref(s);
		free(out);
	}
	char *lines = proxy_edit_challenges(r);
	if ((out = proxy_edit_add_challenges(r->raw, r->len, lines, &len)) != NULL)
		free(out);
	free(lines);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_err err;
	struct sipmsg *m;

	if (size < 1)
		return 0;
	m = sipmsg_parse((const char *)data + 1, size - 1, data[0] & 1, &lim, &err);
	if (m == NULL || err.status != 0) {	/* the proxy edits only valid messages */
		sipmsg_unref(m);
		return 0;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)&m->src.addr;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5060);
	sin->sin_addr.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
	m->src.addrlen = sizeof(*sin);
	m->src.proto = PROTO_UDP;
	if (m->is_request)
		edit_request(m, data[0]);
	else
		edit_response(m);
	sipmsg_unref(m);
	return 0;
}
