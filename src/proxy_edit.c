/* proxy_edit.c - the proxy's message editing: forwarded copies (16.6), Route processing (16.4),
 * responses going upstream (16.7), CANCEL (9.1).  Bytes in, bytes out; the received bytes are
 * edited, never re-serialised, so what sipd does not own passes unchanged. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grammar.h"
#include "htab.h"
#include "proxy_edit.h"
#include "reply.h"
#include "sipbuild.h"

/* End a header line copied without its line end: the last line of a datagram that stops
 * right after it, maybe on a bare CR (which must not become CR CR LF). */
static void
end_line(struct buf *b)
{
	buf_adds(b, b->len > 0 && b->p[b->len - 1] == '\r' ? "\n" : "\r\n");
}

/* Copy a Route header line minus its first *drop values (counted down; 0: copy as is). */
static void
copy_route_line(struct buf *b, const struct sipmsg *m, const struct sip_hdr *h, int *drop)
{
	const char *p = m->raw + h->voff;
	size_t s = 0, e;

	while (*drop > 0) {
		e = grammar_next_comma(p, s, h->vlen);
		(*drop)--;
		if (e >= h->vlen)
			return;		/* the whole line was ours */
		s = grammar_skip_lws(p, e + 1, h->vlen);
	}
	buf_adds(b, "Route: ");
	buf_add(b, p + s, h->vlen - s);
	buf_adds(b, "\r\n");
}

/* The received top Via line, its first value as the transport layer records it (18.2.1). */
static void
copy_top_via(struct buf *b, const struct sipmsg *m, const struct sip_hdr *h)
{
	size_t rest = m->via.voff + m->via.vlen;

	buf_adds(b, "Via: ");
	reply_top_via(m, b);
	buf_add(b, m->raw + rest, h->voff + h->vlen - rest);
	buf_adds(b, "\r\n");
}

char *
proxy_edit_build(const struct sipmsg *m, const char *ruri, const char *via, const char *rr,
    const char *routes, int drop, size_t *len)
{
	struct buf b;
	int saw_mf = 0, saw_cl = 0, first_via = 1;

	buf_init(&b, m->len + 256);
	buf_printf(&b, "%s %s SIP/2.0\r\n", m->method_name, ruri);
	buf_adds(&b, via);
	if (rr)
		buf_adds(&b, rr);
	if (routes)
		buf_adds(&b, routes);
	for (int i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		if (h->id == HDR_VIA && first_via) {
			first_via = 0;
			copy_top_via(&b, m, h);
		} else if (h->id == HDR_MAX_FORWARDS) {
			saw_mf = 1;
			buf_printf(&b, "Max-Forwards: %d\r\n", m->max_forwards > 0 ? m->max_forwards - 1 : 0);
		} else if (h->id == HDR_ROUTE && drop > 0) {
			copy_route_line(&b, m, h, &drop);
		} else {
			saw_cl |= h->id == HDR_CONTENT_LENGTH;
			buf_add(&b, m->raw + h->off, h->len);
			if (h->len == 0 || m->raw[h->off + h->len - 1] != '\n')
				end_line(&b);
		}
	}
	if (!saw_mf)
		buf_adds(&b, "Max-Forwards: 70\r\n");	/* 16.6 step 3 */
	if (!saw_cl)	/* optional over UDP, but a stream needs it to frame (18.3) */
		buf_printf(&b, "Content-Length: %zu\r\n", m->body_len);
	buf_adds(&b, "\r\n");
	buf_add(&b, m->raw + m->body_off, m->body_len);
	return buf_take(&b, len);
}

/* The rest of resp from offset from, with a Content-Length: a datagram may lack it, a stream
 * needs it to frame (RFC 3261 18.3).  It goes after the last header; a datagram that ended
 * without the empty line gets one. */
static void
add_length(struct buf *b, const struct sipmsg *resp, size_t from)
{
	const struct sip_hdr *last = &resp->hdrs[resp->nhdrs - 1];
	size_t hend = last->off + last->len;

	buf_add(b, resp->raw + from, hend - from);
	if (hend > from && resp->raw[hend - 1] != '\n')
		end_line(b);
	buf_printf(b, "Content-Length: %zu\r\n", resp->body_len);
	if (resp->body_off <= hend)
		buf_adds(b, "\r\n");		/* no empty line: the headers ran to the end */
	buf_add(b, resp->raw + hend, resp->len - hend);
}

char *
proxy_edit_strip_via(const struct sipmsg *resp, size_t *len)
{
	const struct sip_hdr *h = sipmsg_hdr(resp, HDR_VIA, NULL);
	struct buf b;
	size_t cut_from, cut_to;

	if (h == NULL)
		return NULL;
	size_t end = resp->via.voff + resp->via.vlen;
	if (grammar_skip_lws(resp->raw, end, h->voff + h->vlen) >= h->voff + h->vlen) {
		cut_from = h->off;			/* one value: the whole line goes */
		cut_to = h->off + h->len;
	} else {
		cut_from = resp->via.voff;		/* "ours, next" -> "next" */
		cut_to = grammar_next_comma(resp->raw, end, h->voff + h->vlen) + 1;
		cut_to = grammar_skip_lws(resp->raw, cut_to, h->voff + h->vlen);
	}
	buf_init(&b, resp->len + 32);
	buf_add(&b, resp->raw, cut_from);
	if (sipmsg_hdr(resp, HDR_CONTENT_LENGTH, NULL) != NULL) {
		buf_add(&b, resp->raw + cut_to, resp->len - cut_to);
		return buf_take(&b, len);
	}
	add_length(&b, resp, cut_to);
	return buf_take(&b, len);
}

/* RFC 3261 16.6 step 8 / 16.3 step 4: a hash of what identifies the request at this hop
 * (Request-URI as received, Call-ID, tags, CSeq, Proxy-Require, Proxy-Authorization).
 * The top Via is left out on purpose: in a loop the request comes back under someone
 * else's Via, and must still hash the same; a spiral changes the Request-URI. */
uint64_t
proxy_edit_loop_hash(const struct sipmsg *m)
{
	struct buf k;
	uint64_t h;
	static const enum hdr_id extra[] = { HDR_PROXY_REQUIRE, HDR_PROXY_AUTHORIZATION };

	buf_init(&k, 256);
	buf_printf(&k, "%s|%s|%s|%s|%u|%s", m->ruri, m->call_id, m->from_tag ? m->from_tag : "",
	    m->to_tag ? m->to_tag : "", m->cseq, m->cseq_method ? m->cseq_method : "");
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		for (const struct sip_hdr *x = sipmsg_hdr(m, extra[i], NULL); x != NULL;
		    x = sipmsg_hdr(m, extra[i], x)) {
			buf_adds(&k, "|");
			buf_add(&k, m->raw + x->voff, x->vlen);
		}
	h = htab_hash(k.p, k.len);
	buf_free(&k);
	return h;
}

void
proxy_edit_branch(const struct sipmsg *m, int idx, char *out, size_t len)
{
	snprintf(out, len, PROXY_EDIT_BRANCH_PREFIX "%016llx.%d",
	    (unsigned long long)proxy_edit_loop_hash(m), idx);
}

/* One Via value (len bytes at p): ours (host_is_us) with a branch carrying hash want? */
static int
via_has_hash(const char *p, size_t len, const char *want, proxy_edit_host_is_us host_is_us)
{
	struct via_info vi;
	char host[256];
	size_t pl = strlen(PROXY_EDIT_BRANCH_PREFIX);

	if (grammar_via(p, len, &vi) != 0 || vi.host.len >= sizeof(host) || vi.branch.len < pl + 16)
		return 0;
	memcpy(host, p + vi.host.off, vi.host.len);
	host[vi.host.len] = '\0';
	const char *br = p + vi.branch.off;
	return strncmp(br, PROXY_EDIT_BRANCH_PREFIX, pl) == 0 && memcmp(br + pl, want, 16) == 0 &&
	    host_is_us(host, vi.port);
}

/* 16.3 step 4: a Via of ours whose branch carries this request's hash means a loop (482);
 * a Via of ours with another hash is a spiral and passes. */
int
proxy_edit_is_loop(const struct sipmsg *m, proxy_edit_host_is_us host_is_us)
{
	struct sipmsg_iter it;
	const char *v;
	size_t n;
	char want[32];

	snprintf(want, sizeof(want), "%016llx", (unsigned long long)proxy_edit_loop_hash(m));
	sipmsg_iter_init(&it, m, HDR_VIA);
	while (sipmsg_iter_next(&it, &v, &n))
		if (via_has_hash(v, n, want, host_is_us))
			return 1;
	return 0;
}

void
proxy_edit_via(struct buf *via, const struct proxy_edit_hop *hop, const char *branch)
{
	int v6 = hop->family == AF_INET6;

	buf_printf(via, "Via: SIP/2.0/%s %s%s%s:%d;branch=%s;rport\r\n", sip_proto_via(hop->proto),
	    v6 ? "[" : "", hop->host ? hop->host : "127.0.0.1", v6 ? "]" : "", hop->port, branch);
}

void
proxy_edit_record_route(struct buf *rr, const char *user, const struct proxy_edit_hop *callee,
    const struct proxy_edit_hop *caller)
{
	const struct proxy_edit_hop *side[2] = { callee, caller };
	int n = (callee->proto == caller->proto && callee->family == caller->family) ? 1 : 2;

	for (int i = 0; i < n; i++) {
		if (side[i]->host == NULL)
			continue;
		int v6 = side[i]->family == AF_INET6;
		buf_printf(rr, "Record-Route: <sip:%s%s%s%s%s:%d;lr%s>\r\n", user, user[0] ? "@" : "",
		    v6 ? "[" : "", side[i]->host, v6 ? "]" : "", side[i]->port,
		    side[i]->proto == PROTO_TCP ? ";transport=tcp" :
		    side[i]->proto == PROTO_TLS ? ";transport=tls" : "");
	}
}

/* The URI inside one name-addr value (len bytes at p) into out. */
static int
value_uri(const char *p, size_t len, char *out, size_t outlen)
{
	struct nameaddr_info ni;

	if (grammar_nameaddr(p, len, 0, &ni) == -1 || ni.uri.len >= outlen)
		return -1;
	memcpy(out, p + ni.uri.off, ni.uri.len);
	out[ni.uri.len] = '\0';
	return 0;
}

int
proxy_edit_route(const struct sipmsg *m, int want, char *out, size_t outlen)
{
	struct sipmsg_iter it;
	const char *v;
	size_t n;
	int i = 0;

	sipmsg_iter_init(&it, m, HDR_ROUTE);
	while (sipmsg_iter_next(&it, &v, &n))
		if (i++ == want)
			return value_uri(v, n, out, outlen);
	return -1;
}

int
proxy_edit_own_routes(const struct sipmsg *m, proxy_edit_uri_is_us uri_is_us)
{
	char uri[1024];
	int n = 0;

	while (n < PROXY_EDIT_MAX_ROUTES && proxy_edit_route(m, n, uri, sizeof(uri)) == 0 &&
	    uri_is_us(uri, strlen(uri)))
		n++;
	return n;
}

/* The last Route value's URI, and where its value starts and ends in m->raw. */
static int
last_route(const struct sipmsg *m, char *uri, size_t ulen, size_t *from, size_t *to)
{
	const struct sip_hdr *h = NULL, *last = NULL;

	while ((h = sipmsg_hdr(m, HDR_ROUTE, h)) != NULL)
		last = h;
	if (last == NULL)
		return -1;
	const char *p = m->raw + last->voff;
	size_t s = 0, e, prev_end = 0;
	for (;;) {
		e = grammar_next_comma(p, s, last->vlen);
		if (e >= last->vlen)
			break;
		prev_end = e;
		s = e + 1;
	}
	if (value_uri(p + s, e - s, uri, ulen) == -1)
		return -1;
	/* the whole header line when it holds one value, else ", value" */
	*from = s == 0 ? last->off : last->voff + prev_end;
	*to = s == 0 ? last->off + last->len : last->voff + last->vlen;
	return 0;
}

/* 16.4: a strict-routing previous hop put our Record-Route URI in the Request-URI and the
 * remote target last in Route.  Rebuild the request the loose-routing way: the last Route
 * value becomes the Request-URI. */
struct sipmsg *
proxy_edit_unstrict(const struct sipmsg *m, proxy_edit_uri_is_us uri_is_us)
{
	char uri[1024];
	size_t from, to;
	struct buf b;
	struct sip_err err;

	if (!uri_is_us(m->ruri, strlen(m->ruri)) ||
	    last_route(m, uri, sizeof(uri), &from, &to) == -1)
		return NULL;
	buf_init(&b, m->len);
	buf_printf(&b, "%s %s SIP/2.0\r\n", m->method_name, uri);
	size_t hstart = m->sline_len;
	while (hstart < m->len && m->raw[hstart] != '\n')
		hstart++;
	hstart++;
	buf_add(&b, m->raw + hstart, from - hstart);
	buf_add(&b, m->raw + to, m->len - to);
	struct sipmsg_limits lim = { b.len + 1, 1024, b.len + 1 };
	struct sipmsg *n = sipmsg_parse(b.p, b.len, 0, &lim, &err);
	buf_free(&b);
	if (n == NULL || err.status != 0) {
		sipmsg_unref(n);
		return NULL;
	}
	n->src = m->src;
	return n;
}

char *
proxy_edit_cancel(const char *sent, size_t sentlen, size_t *len)
{
	struct sipmsg_limits lim = { sentlen + 1, 1024, sentlen + 1 };
	struct sip_err err;
	struct sipmsg *inv = sipmsg_parse(sent, sentlen, 1, &lim, &err);
	char *cancel;

	if (inv == NULL)
		return NULL;
	cancel = sipbuild_cancel(inv, len);	/* RFC 3261 9.1, built by libosip2 */
	sipmsg_unref(inv);
	return cancel;
}

char *
proxy_edit_challenges(const struct sipmsg *resp)
{
	struct buf b;
	static const enum hdr_id ids[] = { HDR_WWW_AUTHENTICATE, HDR_PROXY_AUTHENTICATE };

	buf_init(&b, 256);
	for (size_t k = 0; k < 2; k++)
		for (const struct sip_hdr *h = sipmsg_hdr(resp, ids[k], NULL); h != NULL;
		    h = sipmsg_hdr(resp, ids[k], h)) {
			buf_add(&b, resp->raw + h->off, h->len);
			if (resp->raw[h->off + h->len - 1] != '\n')
				buf_adds(&b, "\r\n");
		}
	return buf_take(&b, NULL);
}

char *
proxy_edit_add_challenges(const char *resp, size_t len, const char *lines, size_t *outlen)
{
	const char *eol = memchr(resp, '\n', len);
	struct buf b;

	if (eol == NULL)
		return NULL;
	buf_init(&b, len + strlen(lines) + 1);
	buf_add(&b, resp, (size_t)(eol + 1 - resp));
	buf_adds(&b, lines);
	buf_add(&b, eol + 1, len - (size_t)(eol + 1 - resp));
	return buf_take(&b, outlen);
}
