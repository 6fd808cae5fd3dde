/* proxy.c - stateful forwarding (RFC 3261 16): route processing (16.4), target determination
 * from the location service, forwarding by editing the received bytes (16.6), response
 * selection (16.7) and CANCEL (16.10).  One struct call per forwarded request. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "callrec.h"
#include "config.h"
#include "dispatch.h"
#include "dns.h"
#include "flow.h"
#include "domain.h"
#include "grammar.h"
#include "htab.h"
#include "local.h"
#include "location.h"
#include "caller.h"
#include "log.h"
#include "media.h"
#include "pbx.h"
#include "proxy.h"
#include "registrar.h"
#include "reply.h"
#include "store.h"
#include "transport.h"
#include "txn.h"
#include "uri.h"
#include "xmalloc.h"

#define MAX_BRANCHES	32
#define MAX_ROUTES	16

struct call;

static void proxy_route(struct txn *, struct sipmsg *, int);

/* One forwarded copy (16.6) and its client transaction. */
struct branch {
	struct call	*call;
	struct txn	*ct;
	struct sip_peer	 dst;
	char		 id[64];	/* Via branch */
	char		*sent;		/* the request as sent (for CANCEL, 9.1) */
	size_t		 sentlen;
	int		 provisional;	/* got a 1xx: a CANCEL may be sent */
	int		 cancel;	/* CANCEL wanted */
	int		 status;	/* final status, 0 while pending */
	char		*challenges;	/* WWW-/Proxy-Authenticate lines of its 401/407 */
	char		*who;		/* the AOR (or URI) it rings, for the call record */
};

/* The proxy's state for one server transaction. */
struct call {
	struct txn	*st;
	struct sipmsg	*req;
	struct branch	 b[MAX_BRANCHES];
	int		 nb;
	int		 pending;
	int		 answered;	/* a 2xx (or the final) went upstream */
	char		*bestbuf;
	size_t		 bestlen;
	int		 beststatus;
	int		 bestidx;	/* branch of the best response, -1 none */
	struct event	*linger;	/* keeps the call until late 2xx retransmissions are done */
	struct event	*timer_c;	/* RFC 3261 16.6 step 11 */
	struct target	*later;		/* serial forking: the q-groups not tried yet */
	int		 nlater;
	int		 drop;		/* own Route values removed from the copies */
	int		 cancelled;
	int		 failover;	/* RFC 3263 targets: the next only after 503 / no answer */
	int		 pbx;		/* targets follow a PBX plan: stage by stage (pbx.h) */
	int		 stage;		/* the stage ringing */
	int		 stage_best;	/* its best final status so far */
	int		 rang_out;	/* its ring time ran out: its branches are being cancelled */
	struct event	*ring_timer;
	unsigned char	 outcome[PBX_MAX_STAGES];	/* enum pbx_outcome of each stage */
	struct call	*prev, *next;	/* every live call, for shutdown */
};

/* One hop a request goes to: the URI to put in the Request-URI and where to send it. */
struct target {
	char		 uri[1024];
	struct sip_peer	 dst;
	char		*routes;	/* Route lines to add (from Path), or NULL */
	int		 q;		/* q-value * 1000 (serial forking order) */
	int		 nat;		/* a binding registered from behind NAT (relay.mode nat) */
	int		 flow;		/* dst is the flow the phone registered on (RFC 5626) */
	char		 aor[256];	/* the AOR whose binding this is ("" when none) */
	int		 stage, parent, when, ring;	/* PBX plans (pbx.h); 0 otherwise */
	int		 plan;		/* it comes from a PBX plan */
	int		 none;		/* a PBX stage with nothing to ring: a placeholder */
};

static struct event_base *proxy_base;
static struct call	*calls;		/* live calls */

/* Is this a dialog-creating method that gets Record-Route (16.6 step 4)? */
static int
creates_dialog(enum sip_method m)
{
	return cfg->record_route && (m == SIP_INVITE || m == SIP_SUBSCRIBE || m == SIP_REFER);
}

/* Numeric host/port into a peer; 0, or -1 when host is not an address literal. */
static int
peer_from(enum sip_proto proto, const char *host, int port, struct sip_peer *p)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;

	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->lsock = -1;
	if (port == 0)
		port = proto == PROTO_TLS ? 5061 : 5060;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		p->addrlen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		p->addrlen = sizeof(*s6);
		return 0;
	}
	if (strcasecmp(host, "localhost") == 0)
		return peer_from(proto, "127.0.0.1", port, p);
	return -1;	/* host names need RFC 3263 resolution: not done yet */
}

/* Where a SIP URI points (its transport parameter, host and port). */
static int
uri_peer(const char *uri, struct sip_peer *p)
{
	struct uri_parts u;
	char tp[16];
	enum sip_proto proto = PROTO_UDP;

	if (uri_split(uri, strlen(uri), &u) == -1)
		return -1;
	if (uri_param(&u, "transport", tp, sizeof(tp)) != NULL && strcasecmp(tp, "tcp") == 0)
		proto = PROTO_TCP;
	if (u.sips || (uri_param(&u, "transport", tp, sizeof(tp)) && strcasecmp(tp, "tls") == 0))
		proto = PROTO_TLS;
	if (peer_from(proto, u.host, u.port, p) == -1)
		return -1;
	if (strlen(u.host) < sizeof(p->tls_name))
		memcpy(p->tls_name, u.host, strlen(u.host) + 1);
	return 0;
}

/* 1 when the URI names this server (a Route / Record-Route of ours; its user part is empty or
 * holds our flow tokens). */
static int
uri_is_us(const char *p, size_t n)
{
	struct uri_parts u;

	return uri_split(p, n, &u) == 0 && (u.user[0] == '\0' || flow_user_valid(u.user)) &&
	    domain_is_local(u.host, u.port);
}

/* The i-th Route value of m (counting across Route headers), as the URI inside <>. */
static int
route_value(const struct sipmsg *m, int want, char *out, size_t outlen)
{
	const struct sip_hdr *h = NULL;
	int i = 0;

	while ((h = sipmsg_hdr(m, HDR_ROUTE, h)) != NULL) {
		const char *p = m->raw + h->voff;
		size_t s = 0, e;
		do {
			e = grammar_next_comma(p, s, h->vlen);
			if (i++ == want) {
				struct nameaddr_info ni;
				if (grammar_nameaddr(p + s, e - s, 0, &ni) == -1 || ni.uri.len >= outlen)
					return -1;
				memcpy(out, p + s + ni.uri.off, ni.uri.len);
				out[ni.uri.len] = '\0';
				return 0;
			}
			s = e + 1;
		} while (e < h->vlen);
	}
	return -1;
}

/* How many of the top Route values name us (16.4: loose routing removes them). */
static int
own_routes(const struct sipmsg *m)
{
	char uri[1024];
	int n = 0;

	while (n < MAX_ROUTES && route_value(m, n, uri, sizeof(uri)) == 0 &&
	    uri_is_us(uri, strlen(uri)))
		n++;
	return n;
}

/* Copy the first Route header line minus its first `drop` values (0: copy as is). */
static int
copy_route_line(struct buf *b, const struct sipmsg *m, const struct sip_hdr *h, int *drop)
{
	const char *p = m->raw + h->voff;
	size_t s = 0, e;

	while (*drop > 0) {
		e = grammar_next_comma(p, s, h->vlen);
		(*drop)--;
		if (e >= h->vlen)
			return 0;	/* the whole line was ours */
		s = grammar_skip_lws(p, e + 1, h->vlen);
	}
	buf_adds(b, "Route: ");
	buf_add(b, p + s, h->vlen - s);
	buf_adds(b, "\r\n");
	return 0;
}

char *
proxy_build(const struct sipmsg *m, const char *ruri, const char *via, const char *rr,
    const char *routes, int nroutes_drop, size_t *len)
{
	struct buf b;
	int saw_mf = 0, saw_cl = 0, first_via = 1, drop = nroutes_drop;

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
			/* the received Via as the transport layer records it (18.2.1) */
			first_via = 0;
			buf_adds(&b, "Via: ");
			reply_top_via(m, &b);
			size_t rest = m->via.voff + m->via.vlen;
			buf_add(&b, m->raw + rest, h->voff + h->vlen - rest);
			buf_adds(&b, "\r\n");
		} else if (h->id == HDR_MAX_FORWARDS) {
			saw_mf = 1;
			buf_printf(&b, "Max-Forwards: %d\r\n", m->max_forwards > 0 ? m->max_forwards - 1 : 0);
		} else if (h->id == HDR_ROUTE && drop > 0) {
			copy_route_line(&b, m, h, &drop);
		} else {
			saw_cl |= h->id == HDR_CONTENT_LENGTH;
			buf_add(&b, m->raw + h->off, h->len);
			if (h->len == 0 || m->raw[h->off + h->len - 1] != '\n')
				buf_adds(&b, "\r\n");
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

char *
proxy_strip_via(const struct sipmsg *resp, size_t *len)
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
	if (sipmsg_hdr(resp, HDR_CONTENT_LENGTH, NULL) != NULL || resp->body_off < cut_to + 1) {
		buf_add(&b, resp->raw + cut_to, resp->len - cut_to);
		return buf_take(&b, len);
	}
	/* no Content-Length (fine over UDP): add one so a stream can frame it (RFC 3261 18.3) */
	size_t blank = resp->body_off - (resp->raw[resp->body_off - 2] == '\r' ? 2 : 1);
	buf_add(&b, resp->raw + cut_to, blank - cut_to);
	buf_printf(&b, "Content-Length: %zu\r\n", resp->body_len);
	buf_add(&b, resp->raw + blank, resp->len - blank);
	return buf_take(&b, len);
}

/* RFC 3261 16.6 step 8 / 16.3 step 4: a hash of what identifies the request at this hop
 * (Request-URI as received, Call-ID, tags, CSeq, Proxy-Require, Proxy-Authorization).
 * The top Via is left out on purpose: in a loop the request comes back under someone
 * else's Via, and must still hash the same; a spiral changes the Request-URI. */
static uint64_t
loop_hash(const struct sipmsg *m)
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

#define BRANCH_PREFIX	SIP_BRANCH_COOKIE "-sd"

/* 16.3 step 4: a Via of ours whose branch carries this request's hash means a loop (482);
 * a Via of ours with another hash is a spiral and passes. */
static int
is_loop(const struct sipmsg *m)
{
	const struct sip_hdr *h = NULL;
	char want[32];

	snprintf(want, sizeof(want), "%016llx", (unsigned long long)loop_hash(m));
	while ((h = sipmsg_hdr(m, HDR_VIA, h)) != NULL) {
		const char *p = m->raw + h->voff;
		size_t s = 0, e;
		do {
			struct via_info vi;
			char host[256];
			e = grammar_next_comma(p, s, h->vlen);
			if (grammar_via(p + s, e - s, &vi) == 0 && vi.host.len < sizeof(host) &&
			    vi.branch.len >= strlen(BRANCH_PREFIX) + 16) {
				memcpy(host, p + s + vi.host.off, vi.host.len);
				host[vi.host.len] = '\0';
				const char *br = p + s + vi.branch.off;
				if (strncmp(br, BRANCH_PREFIX, strlen(BRANCH_PREFIX)) == 0 &&
				    memcmp(br + strlen(BRANCH_PREFIX), want, 16) == 0 &&
				    domain_is_local(host, vi.port))
					return 1;
			}
			s = e + 1;
		} while (e < h->vlen);
	}
	return 0;
}

/* Our Via for a copy sent to dst: branch = cookie + loop hash + copy index (unique per
 * client transaction, the same for a retransmission). */
static void
make_via(const struct sipmsg *m, const struct sip_peer *dst, int idx, char *branch,
    size_t blen, struct buf *via)
{
	char host[64];
	int port = 0;

	snprintf(branch, blen, BRANCH_PREFIX "%016llx.%d", (unsigned long long)loop_hash(m), idx);
	if (transport_local(dst->proto, dst->addr.ss_family, host, sizeof(host), &port) == -1)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (dst->addr.ss_family == AF_INET6)
		buf_printf(via, "Via: SIP/2.0/%s [%s]:%d;branch=%s;rport\r\n",
		    sip_proto_via(dst->proto), host, port, branch);
	else
		buf_printf(via, "Via: SIP/2.0/%s %s:%d;branch=%s;rport\r\n",
		    sip_proto_via(dst->proto), host, port, branch);
}

/* The Record-Route user part: tokens of the flows in-dialog requests must take (RFC 5626 5.3):
 * the callee's when it is reached on its flow, the caller's when it sits behind one. */
static void
rr_user(const struct sipmsg *m, const struct target *t, char *out, size_t len)
{
	char tok[FLOW_TOKEN_MAX], contact[1024];
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_CONTACT, NULL);
	struct nameaddr_info ni;

	out[0] = '\0';
	if (t->flow)
		snprintf(out, len, "%s", flow_token(&t->dst, tok, sizeof(tok)));
	if (h != NULL && grammar_nameaddr(m->raw + h->voff, h->vlen, 0, &ni) == 0 &&
	    ni.uri.len < sizeof(contact)) {
		memcpy(contact, m->raw + h->voff + ni.uri.off, ni.uri.len);
		contact[ni.uri.len] = '\0';
		if (flow_behind_nat(m, contact) && strlen(out) + FLOW_TOKEN_MAX + 1 < len) {
			size_t o = strlen(out);
			snprintf(out + o, len - o, "%s%s", o ? "." : "",
			    flow_token(&m->src, tok, sizeof(tok)));
		}
	}
}

/* Record-Route line(s): one, or two when the transport or the address family changes between
 * the sides (each side gets a URI it can reach: RFC 3261 16.6 step 4, RFC 5658). */
static void
make_rr(const struct sipmsg *m, const struct target *t, struct buf *rr)
{
	const struct sip_peer *dst = &t->dst;
	const struct sip_peer *side[2] = { dst, &m->src };
	int n = (dst->proto == m->src.proto && dst->addr.ss_family == m->src.addr.ss_family) ? 1 : 2;
	char user[2 * FLOW_TOKEN_MAX + 2];

	rr_user(m, t, user, sizeof(user));
	for (int i = 0; i < n; i++) {
		char host[64];
		int port = 0;
		if (transport_local(side[i]->proto, side[i]->addr.ss_family, host, sizeof(host),
		    &port) == -1)
			continue;
		int v6 = side[i]->addr.ss_family == AF_INET6;
		buf_printf(rr, "Record-Route: <sip:%s%s%s%s%s:%d;lr%s>\r\n", user, user[0] ? "@" : "",
		    v6 ? "[" : "", host, v6 ? "]" : "", port,
		    side[i]->proto == PROTO_TCP ? ";transport=tcp" :
		    side[i]->proto == PROTO_TLS ? ";transport=tls" : "");
	}
}

static void
call_free(struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	for (int i = 0; i < c->nb; i++) {
		if (c->b[i].ct != NULL) {
			txn_client_detach(c->b[i].ct);
			txn_unref(c->b[i].ct);
		}
		free(c->b[i].sent);
		free(c->b[i].challenges);
		free(c->b[i].who);
	}
	if (c->ring_timer)
		event_free(c->ring_timer);
	if (c->linger)
		event_free(c->linger);
	if (c->timer_c)
		event_free(c->timer_c);
	for (int i = 0; i < c->nlater; i++)
		free(c->later[i].routes);
	free(c->later);
	free(c->bestbuf);
	txn_unref(c->st);
	sipmsg_unref(c->req);
	free(c);
}

/* 1 when a branch of the call was answered with a 2xx. */
static int
call_answered(const struct call *c)
{
	for (int i = 0; i < c->nb; i++)
		if (c->b[i].status / 100 == 2)
			return 1;
	return 0;
}

static void
linger_done(evutil_socket_t fd, short what, void *arg)
{
	call_free(arg);
}

/* All branches are final: keep the call a while for 2xx retransmissions, then free it. */
static void
call_finish(struct call *c)
{
	struct timeval tv = { (64 * cfg->t1_ms) / 1000, 0 };

	if (c->linger != NULL)
		return;
	if (!call_answered(c))
		media_call_failed(c->req, c->beststatus ? c->beststatus : 408);
	if (c->timer_c)
		evtimer_del(c->timer_c);
	if (c->ring_timer)
		evtimer_del(c->ring_timer);
	c->linger = evtimer_new(proxy_base, linger_done, c);
	evtimer_add(c->linger, &tv);
}

/* Responses that tell the caller how to retry: preferred within 4xx (16.7 step 6). */
static int
informative(int st)
{
	return st == 401 || st == 407 || st == 415 || st == 420 || st == 484;
}

/* 16.7 step 6: which final response is better (lower class; 6xx beats all). */
static int
better(int a, int b)
{
	if (b == 0)
		return 1;
	if (a / 100 == 6)
		return b / 100 != 6;
	if (b / 100 == 6)
		return 0;
	if (a / 100 == b / 100)
		return a / 100 == 4 && informative(a) && !informative(b);
	return a / 100 < b / 100;
}

/* The challenge header lines of a 401/407, kept for aggregation (16.7 step 7). */
static char *
challenge_lines(const struct sipmsg *resp)
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

/* 16.7 step 7: a 401/407 going upstream carries the challenges of every other branch's
 * 401/407 too, so the caller can answer all the realms at once. */
static void
aggregate_challenges(struct call *c)
{
	struct buf b;
	const char *eol;

	if ((c->beststatus != 401 && c->beststatus != 407) || c->bestbuf == NULL ||
	    (eol = memchr(c->bestbuf, '\n', c->bestlen)) == NULL)
		return;
	buf_init(&b, c->bestlen + 512);
	buf_add(&b, c->bestbuf, (size_t)(eol + 1 - c->bestbuf));
	for (int i = 0; i < c->nb; i++)
		if (i != c->bestidx && c->b[i].challenges != NULL)
			buf_adds(&b, c->b[i].challenges);
	buf_add(&b, eol + 1, c->bestlen - (size_t)(eol + 1 - c->bestbuf));
	free(c->bestbuf);
	c->bestbuf = buf_take(&b, &c->bestlen);
}

/* Build a CANCEL for a branch (RFC 3261 9.1) from the request that went out. */
static char *
build_cancel(const struct branch *br, size_t *len)
{
	struct sipmsg_limits lim = { br->sentlen + 1, 1024, br->sentlen + 1 };
	struct sip_err err;
	struct sipmsg *inv = sipmsg_parse(br->sent, br->sentlen, 1, &lim, &err);
	struct buf b;
	static const enum hdr_id keep[] = { HDR_FROM, HDR_TO, HDR_CALL_ID, HDR_ROUTE };

	if (inv == NULL)
		return NULL;
	buf_init(&b, 512);
	buf_printf(&b, "CANCEL %s SIP/2.0\r\n", inv->ruri);
	buf_adds(&b, "Via: ");		/* only the top Via, same branch */
	buf_add(&b, inv->raw + inv->via.voff, inv->via.vlen);
	buf_adds(&b, "\r\n");
	for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
		for (const struct sip_hdr *h = sipmsg_hdr(inv, keep[k], NULL); h != NULL;
		    h = sipmsg_hdr(inv, keep[k], h))
			buf_add(&b, inv->raw + h->off, h->len);
	buf_printf(&b, "CSeq: %u CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", inv->cseq);
	sipmsg_unref(inv);
	return buf_take(&b, len);
}

static void
cancel_cb(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	/* the CANCEL's own answer needs nothing from us */
}

/* Send CANCEL down a branch that has had a provisional response (9.1). */
static void
cancel_branch(struct branch *br)
{
	size_t len;
	char *buf;

	if ((br->status != 0 && !br->cancel) || br->ct == NULL)
		return;		/* final; unless given up on before its 1xx (Timer C, ring time) */
	if (!br->provisional) {
		br->cancel = 1;		/* sent when the first 1xx arrives */
		return;
	}
	br->cancel = 0;
	if ((buf = build_cancel(br, &len)) == NULL)
		return;
	struct txn *ct = txn_client_new(&br->dst, SIP_CANCEL, br->id, buf, len, cancel_cb, NULL);
	if (ct != NULL)
		txn_client_detach(ct);
}

static void
cancel_others(struct call *c, int except)
{
	for (int i = 0; i < c->nb; i++)
		if (i != except)
			cancel_branch(&c->b[i]);
}

/* The caller cancelled the INVITE (16.10): CANCEL every pending branch. */
static void
on_cancel(struct txn *st, void *arg)
{
	struct call *c = arg;

	c->cancelled = 1;	/* and no further q-group is tried */
	cancel_others(c, -1);
}

/* Send the best final response upstream once nothing is pending (16.7 step 6). */
static void
send_best(struct call *c)
{
	if (c->answered)
		return;
	c->answered = 1;
	callrec_failed(c->req, c, c->beststatus ? c->beststatus : 408);
	if (c->req->method != SIP_INVITE && c->bestbuf == NULL && c->beststatus == 408) {
		/* RFC 4320 4.2: no 408 to a non-INVITE; the client times out by itself */
		txn_server_drop(c->st);
		return;
	}
	aggregate_challenges(c);
	if (c->beststatus == 503) {
		/* RFC 3261 16.7 step 6: a 503 means the next hop is out of service, not sipd;
		 * forwarded upstream it would make the caller avoid sipd itself: send 500. */
		free(c->bestbuf);
		c->bestbuf = NULL;
		c->beststatus = 500;
	}
	if (c->bestbuf != NULL) {
		txn_reply_raw(c->st, c->beststatus, c->bestbuf, c->bestlen);
		c->bestbuf = NULL;
	} else {
		txn_reply(c->st, c->beststatus ? c->beststatus : 408, NULL, NULL, NULL, NULL, 0);
	}
}

static int fork_branch(struct call *, const struct target *, int);

/* Serial forking (16.6): start every target of the highest remaining q; returns how many. */
static int
next_group(struct call *c)
{
	int started = 0, i = 0;

	if (c->nlater == 0)
		return 0;
	int q = c->later[0].q;
	for (; i < c->nlater && c->later[i].q == q && c->nb < MAX_BRANCHES; i++)
		started += fork_branch(c, &c->later[i], c->drop) == 0;
	for (int k = 0; k < i; k++)
		free(c->later[k].routes);
	memmove(c->later, c->later + i, (size_t)(c->nlater - i) * sizeof(*c->later));
	c->nlater -= i;
	return started;
}

/* Give up on the pending branches: one that rang is CANCELled (its 487 then ends it); one
 * that never answered at all counts as if it had received a 408 (and is CANCELled should
 * its 1xx still come). */
static void
expire_branches(struct call *c)
{
	for (int i = 0; i < c->nb; i++) {
		struct branch *br = &c->b[i];
		if (br->status != 0)
			continue;
		cancel_branch(br);
		if (br->provisional)
			continue;
		br->status = 408;
		c->pending--;
		if (c->beststatus == 0)
			c->beststatus = 408;
		if (c->stage_best == 0)
			c->stage_best = 408;
	}
}

/* PBX plans: the stage that just ended decides, by its outcome, which stage rings next: the
 * first whose parent stage ran and ended the way it waits for (pbx.h).  A stage with nothing
 * reachable ends at once as unanswered.  Returns how many branches started. */
static int
next_stage(struct call *c)
{
	while (c->nlater > 0) {
		const struct target *t = &c->later[0];
		int s = t->stage, k = 0, started = 0, ring = t->ring, had = c->nb;
		int enter = t->parent < 0 || pbx_wanted(c->outcome[t->parent], t->when);

		while (k < c->nlater && c->later[k].stage == s)
			k++;
		if (enter) {
			c->stage = s;
			c->outcome[s] = PBX_RUNNING;
			c->stage_best = c->rang_out = 0;
			for (int i = 0; i < k && c->nb < MAX_BRANCHES; i++)
				if (!c->later[i].none)
					started += fork_branch(c, &c->later[i], c->drop) == 0;
		}
		for (int i = 0; i < k; i++)
			free(c->later[i].routes);
		memmove(c->later, c->later + k, (size_t)(c->nlater - k) * sizeof(*c->later));
		c->nlater -= k;
		if (started == 0) {
			if (enter)
				c->outcome[s] = PBX_NOANSWER;
			continue;
		}
		log_info("proxy call-id=%s: stage %d rings %d target(s)%s", c->req->call_id, s,
		    started, ring ? "" : " until Timer C");
		if (had > 0) {	/* the caller hears how the stage that rings now ends */
			free(c->bestbuf);
			c->bestbuf = NULL;
			c->beststatus = 0;
			c->bestidx = -1;
		}
		if (ring > 0 && c->req->method == SIP_INVITE) {
			struct timeval tv = { ring, 0 };
			evtimer_add(c->ring_timer, &tv);
		}
		return started;
	}
	return 0;
}

/* Nothing pending: ring what comes next (serial forking, PBX stages) or answer upstream. */
static void
call_progress(struct call *c)
{
	if (c->pending != 0)
		return;
	if (c->pbx && c->outcome[c->stage] == PBX_RUNNING)
		c->outcome[c->stage] = (unsigned char)pbx_outcome(c->stage_best, c->rang_out);
	if (!c->answered && !c->cancelled && c->beststatus / 100 != 6 &&
	    (!c->failover || c->beststatus == 503 || c->beststatus == 408) &&
	    (c->pbx ? next_stage(c) : next_group(c)) > 0)
		return;		/* serial forking: the next q-group / stage rings now */
	send_best(c);
	call_finish(c);
}

/* Timer C (16.6 step 11): every pending branch is given up on, and no target after them is
 * tried. */
static void
timer_c_fired(evutil_socket_t fd, short what, void *arg)
{
	struct call *c = arg;

	log_info("proxy call-id=%s: Timer C, cancelling", c->req->call_id);
	c->cancelled = 1;
	expire_branches(c);
	call_progress(c);
}

/* A PBX stage rang its time unanswered (no-answer forwarding, serial ring groups): CANCEL
 * its branches (16.10); once they are done, the next stage rings. */
static void
ring_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct call *c = arg;

	if (c->answered || c->cancelled || c->pending == 0)
		return;
	log_info("proxy call-id=%s: stage %d rang out, cancelling it", c->req->call_id, c->stage);
	c->rang_out = 1;
	expire_branches(c);
	call_progress(c);
}

/* A 1xx/2xx going upstream: its SDP pointed at the relay, our Via removed. */
static char *
upstream(struct call *c, struct sipmsg *resp, size_t *len)
{
	struct sipmsg *r = media_response(resp, c->req->src.addr.ss_family);
	char *out = proxy_strip_via(r ? r : resp, len);

	sipmsg_unref(r);
	return out;
}

/* Responses of one branch (16.7). */
static void
branch_cb(struct txn *ct, struct sipmsg *resp, int status, void *arg)
{
	struct branch *br = arg;
	struct call *c = br->call;
	size_t len;
	char *out;

	if (status < 200) {
		br->provisional = 1;
		if (c->timer_c != NULL && br->status == 0) {
			struct timeval tv = { cfg->timer_c, 0 };
			evtimer_add(c->timer_c, &tv);	/* restarted by every provisional */
		}
		if (br->cancel)
			cancel_branch(br);
		if (status > 100 && !c->answered && (out = upstream(c, resp, &len)) != NULL)
			txn_reply_raw(c->st, status, out, len);
		return;
	}
	if (status < 300) {
		/* every 2xx goes upstream at once, retransmissions and forks too (16.7 step 5) */
		if (resp != NULL && (out = upstream(c, resp, &len)) != NULL)
			txn_reply_raw(c->st, status, out, len);
		if (br->status != 0)
			return;
		br->status = status;
		callrec_answered(c->req, c, status, br->who);
		c->answered = 1;
		c->pending--;
		cancel_others(c, (int)(br - c->b));
	} else {
		if (br->status != 0)
			return;
		if (status == 487 && c->rang_out && !c->cancelled) {
			status = 408;	/* we cancelled it: the caller sees no answer, not 487 */
			resp = NULL;
		}
		if (resp == NULL && status == 503 && br->dst.conn != 0)
			status = 430;	/* RFC 5626 5.3: the flow it registered on died under it */
		br->status = status;
		if (better(status, c->stage_best))
			c->stage_best = status;
		c->pending--;
		if (resp != NULL && (status == 401 || status == 407))
			br->challenges = challenge_lines(resp);
		if (better(status, c->beststatus) && (status != 408 || resp != NULL || !c->beststatus)) {
			free(c->bestbuf);
			c->bestbuf = resp ? proxy_strip_via(resp, &c->bestlen) : NULL;
			c->beststatus = status;
			c->bestidx = (int)(br - c->b);
		}
		if (status / 100 == 6)
			cancel_others(c, -1);
	}
	call_progress(c);
}

/* Start one branch toward target t. */
static int
fork_branch(struct call *c, const struct target *t, int drop_routes)
{
	struct branch *br = &c->b[c->nb];
	struct buf via, rr;
	char *buf;
	size_t len;

	buf_init(&via, 128);
	buf_init(&rr, 128);
	br->call = c;
	br->dst = t->dst;
	br->who = xstrdup(t->aor[0] ? t->aor : t->uri);
	make_via(c->req, &t->dst, c->nb, br->id, sizeof(br->id), &via);
	if (creates_dialog(c->req->method) && c->req->to_tag == NULL)
		make_rr(c->req, t, &rr);
	buf = proxy_build(c->req, t->uri, via.p, rr.len ? rr.p : NULL, t->routes, drop_routes, &len);
	buf_free(&via);
	buf_free(&rr);
	br->sent = xmalloc(len);
	memcpy(br->sent, buf, len);
	br->sentlen = len;
	br->ct = txn_client_new(&t->dst, c->req->method, br->id, buf, len, branch_cb, br);
	if (br->ct == NULL) {
		free(br->sent);
		free(br->who);
		memset(br, 0, sizeof(*br));
		return -1;
	}
	txn_ref(br->ct);
	c->nb++;
	c->pending++;
	return 0;
}

/* A call for server transaction st: the state every branch of it shares. */
static struct call *
call_new(struct txn *st, struct sipmsg *m, int drop_routes)
{
	struct call *c = xcalloc(1, sizeof(*c));

	if ((c->next = calls) != NULL)
		calls->prev = c;
	calls = c;
	c->st = txn_ref(st);
	c->req = sipmsg_ref(m);
	c->bestidx = -1;
	c->drop = drop_routes;
	if (m->method == SIP_INVITE) {
		txn_reply(st, 100, NULL, NULL, NULL, NULL, 0);	/* at once (16.2) */
		txn_on_cancel(st, on_cancel, c);
		if (m->to_tag == NULL)
			callrec_invite(m, c);
	} else if (m->method == SIP_BYE)
		callrec_bye(m);
	return c;
}

/* The request's SDP pointed at the relay (the copy every branch gets), or a BYE ends it.
 * -1 when the call would need the relay and relay.max_calls is reached. */
static int
call_media(struct call *c, const struct target *t, int n)
{
	int nat = 0;
	struct sipmsg *m;

	int first = -1;

	for (int i = 0; i < n; i++) {
		nat |= t[i].nat;
		if (first == -1 && !t[i].none)
			first = i;	/* PBX placeholders have no address */
	}
	if (media_over_limit(c->req, nat))
		return -1;
	m = media_request(c->req, first >= 0 ? t[first].dst.addr.ss_family :
	    c->req->src.addr.ss_family, nat);
	if (m != NULL) {
		sipmsg_unref(c->req);
		c->req = m;
	}
	return 0;
}

/* Start the branches toward targets (all at once, or q-group by q-group). */
static void
call_start(struct call *c, struct target *targets, int n)
{
	if (c->cancelled || txn_is_cancelled(c->st)) {
		c->cancelled = 1;
		txn_reply(c->st, 487, NULL, NULL, NULL, NULL, 0);
		callrec_failed(c->req, c, 487);
		call_finish(c);
		return;
	}
	if (call_media(c, targets, n) == -1) {
		txn_reply(c->st, 503, "Too Many Relayed Calls", "Retry-After: 30\r\n", NULL, NULL, 0);
		callrec_failed(c->req, c, 503);
		call_finish(c);
		return;
	}
	if (n > 0 && targets[0].plan) {
		c->pbx = 1;	/* stage by stage (targets come in stage order) */
		c->ring_timer = evtimer_new(proxy_base, ring_timer_fired, c);
		c->later = xcalloc((size_t)n, sizeof(*c->later));
		for (int i = 0; i < n; i++) {
			c->later[i] = targets[i];
			targets[i].routes = NULL;
		}
		c->nlater = n;
		next_stage(c);
	} else if (n > 1 && targets[0].q != targets[n - 1].q &&
	    (cfg->serial_forking || c->failover)) {
		/* targets come sorted by q, highest first (location.c, dns order) */
		c->later = xcalloc((size_t)n, sizeof(*c->later));
		for (int i = 0; i < n; i++) {
			c->later[i] = targets[i];
			targets[i].routes = NULL;	/* the call owns them now */
		}
		c->nlater = n;
		next_group(c);
	} else {
		for (int i = 0; i < n && c->nb < MAX_BRANCHES; i++)
			fork_branch(c, &targets[i], c->drop);
	}
	if (c->nb == 0) {
		if (c->pbx)	/* nobody of the plan is online */
			txn_reply(c->st, 480, NULL, NULL, NULL, NULL, 0);
		else
			txn_reply(c->st, 503, "No Route To Target", NULL, NULL, NULL, 0);
		callrec_failed(c->req, c, c->pbx ? 480 : 503);
		c->answered = 1;
		call_finish(c);
		return;
	}
	if (c->req->method == SIP_INVITE) {
		struct timeval tv = { cfg->timer_c, 0 };
		c->timer_c = evtimer_new(proxy_base, timer_c_fired, c);
		evtimer_add(c->timer_c, &tv);
	}
}

/* Forward m to targets (16.5 / 16.6); answers 503 when no copy could be sent. */
static void
forward(struct txn *st, struct sipmsg *m, struct target *targets, int n, int drop_routes)
{
	if (caller_check(st, m) == -1)
		return;
	call_start(call_new(st, m, drop_routes), targets, n);
}

/* A binding reached over a TCP/TLS connection that has closed (or belongs to an earlier run):
 * unusable at once (RFC 5626 5.3), not worth a timeout. */
static int
flow_dead(const struct binding *b)
{
	return b->nat && transport_reliable(b->received.proto) &&
	    !transport_conn_alive(b->received.conn);
}

/* RFC 5626 5.3: of the flows of one instance, only the newest live one gets the request (the
 * others back it up, they are not forked to). */
static int
flow_superseded(const struct aor *a, const struct binding *b)
{
	if (!b->outbound)
		return 0;
	for (const struct binding *o = a->bindings; o != NULL; o = o->next)
		if (o != b && o->outbound && strcmp(o->instance, b->instance) == 0 && !flow_dead(o) &&
		    (o->updated > b->updated || (o->updated == b->updated && o->reg_id < b->reg_id)))
			return 1;
	return 0;
}

/* Targets of a registered AOR: its bindings, reached at their received address (NAT).
 * *failed counts outbound bindings skipped because their flow is gone. */
static int
aor_targets(const char *aor, struct target *t, int max, int *failed)
{
	struct aor *a = location_get(aor);
	time_t now = time(NULL);
	int n = 0;

	for (struct binding *b = a ? a->bindings : NULL; b != NULL && n < max; b = b->next) {
		if (b->expires <= now)
			continue;		/* expired: unusable at once */
		struct sip_peer at_contact;
		int dead = flow_dead(b);
		/* RFC 5626 5.3: an outbound flow is the only way (430); a phone that is not behind
		 * a NAT (its Contact is on the address it registered from) may still listen there:
		 * a new connection (RFC 3261 18.1.1) */
		if (dead && (b->outbound || !flow_contact_host_is(b->contact, &b->received) ||
		    uri_peer(b->contact, &at_contact) == -1)) {
			*failed += b->outbound;
			continue;
		}
		if (flow_superseded(a, b))
			continue;
		memset(&t[n], 0, sizeof(t[n]));
		snprintf(t[n].uri, sizeof(t[n].uri), "%s", b->contact);
		snprintf(t[n].aor, sizeof(t[n].aor), "%s", aor);
		t[n].q = b->q;
		t[n].nat = b->nat;
		/* NAT'd or on a flow: where it registered from; else its contact (16.5) */
		if (dead)
			t[n].dst = at_contact;
		else if (b->nat || uri_peer(b->contact, &t[n].dst) == -1) {
			t[n].dst = b->received;
			/* a flow token only where the Contact does not lead back to the flow */
			t[n].flow = b->outbound || (b->received.proto == PROTO_UDP ? b->nat :
			    !flow_contact_reaches(b->contact, &b->received));
		}
		if (b->path[0] != '\0') {
			/* RFC 3327: the Path becomes the Route set; the first hop is its first entry */
			char first[1024];
			struct nameaddr_info ni;
			size_t e = grammar_next_comma(b->path, 0, strlen(b->path));
			if (grammar_nameaddr(b->path, e, 0, &ni) == 0 && ni.uri.len < sizeof(first)) {
				memcpy(first, b->path + ni.uri.off, ni.uri.len);
				first[ni.uri.len] = '\0';
				if (uri_peer(first, &t[n].dst) == -1)
					continue;
			}
			xasprintf(&t[n].routes, "Route: %s\r\n", b->path);
		}
		n++;
	}
	return n;
}

/* Targets of a PBX plan (pbx.h): each leg's bindings, or the URI of a leg outside.  A stage
 * with nothing to ring keeps one placeholder, so that its end still decides what follows.
 * Returns the count (0: no plan for this user). */
static int
plan_targets(const char *user, const char *domain, struct target *t, int max)
{
	struct pbx_leg legs[PBX_MAX_LEGS];
	int nlegs = pbx_plan(user, domain, legs, PBX_MAX_LEGS), n = 0, first = 0, failed = 0;

	for (int i = 0; i < nlegs && n < max; i++) {
		const struct pbx_leg *l = &legs[i];
		int k = 0;
		if (i == 0 || legs[i - 1].stage != l->stage)
			first = n;		/* the stage's first target */
		if (l->local)
			k = aor_targets(l->uri, &t[n], max - n, &failed);
		else {
			memset(&t[n], 0, sizeof(t[n]));
			memcpy(t[n].uri, l->uri, strnlen(l->uri, sizeof(l->uri) - 1));
			if (uri_peer(l->uri, &t[n].dst) == 0)
				k = 1;
			else
				log_warnx("pbx: forward target %s: only address literals are "
				    "supported", l->uri);
		}
		if (k == 0 && n == first && (i + 1 == nlegs || legs[i + 1].stage != l->stage)) {
			memset(&t[n], 0, sizeof(t[n]));
			t[n].none = 1;
			k = 1;
		}
		for (int j = n; j < n + k; j++) {
			t[j].stage = l->stage;
			t[j].parent = l->parent;
			t[j].when = l->when;
			t[j].ring = l->ring;
			t[j].plan = 1;
		}
		n += k;
	}
	if (nlegs > 0)
		log_debug("pbx: %s@%s: %d leg(s), %d target(s)", user, domain, nlegs, n);
	return n;
}

/* Does user (or extension) exist in domain? */
static int
user_known(const char *user, const char *domain)
{
	struct auth_user u;
	char owner[128];

	return store_user_get(user, domain, &u) == 0 ||
	    store_user_by_extension(user, domain, owner, sizeof(owner)) == 0;
}

/* Target set for a Request-URI in our domain (16.5): the user's bindings, by name or by
 * extension number.  Returns the count; *status is 404 / 480 when there is none. */
static int
local_targets(struct sipmsg *m, const struct uri_parts *u, struct target *t, int max, int *status)
{
	char aor[600], owner[128];
	const char *domain = domain_canonical(u->host);
	int n, failed = 0;

	*status = 0;
	if (registrar_aor(m->ruri, strlen(m->ruri), aor, sizeof(aor)) == -1)
		return 0;
	if (m->to_tag == NULL && (n = plan_targets(u->user, domain, t, max)) > 0)
		return n;	/* a new call to a ring group, or to a user with call forwarding */
	if ((n = aor_targets(aor, t, max, &failed)) > 0)
		return n;
	if (store_user_by_extension(u->user, domain, owner, sizeof(owner)) == 0) {
		snprintf(aor, sizeof(aor), "sip:%s@%s", owner, domain);
		if ((n = aor_targets(aor, t, max, &failed)) > 0)
			return n;
	}
	/* RFC 5626 5.3: 430 when the outbound flows were the way to reach it and are gone */
	*status = failed ? 430 : user_known(u->user, domain) || location_get(aor) ? 480 : 404;
	return 0;
}

static void
free_targets(struct target *t, int n)
{
	for (int i = 0; i < n; i++)
		free(t[i].routes);
}

/* RFC 5626 5.3: our Route values name flows; a request that did not come over one of them goes
 * down the first other.  1 with *f set, 0 when none applies. */
static int
route_flow(const struct sipmsg *m, int drop, struct sip_peer *f)
{
	char uri[1024];
	struct uri_parts u;

	for (int i = 0; i < drop && route_value(m, i, uri, sizeof(uri)) == 0; i++) {
		if (uri_split(uri, strlen(uri), &u) == -1)
			continue;
		for (const char *p = u.user; *p != '\0';) {
			size_t n = strcspn(p, ".");
			if (flow_token_parse(p, n, f) == 0 && !flow_same(f, &m->src))
				return 1;
			p += n + (p[n] == '.');
		}
	}
	return 0;
}

/* Route processing (16.4) and the next hop for a request that carries a Route set: 0, -1 when
 * the next hop cannot be resolved, -2 when it is a flow that is gone (430, RFC 5626 5.3). */
static int
routed_target(struct sipmsg *m, int drop, struct target *t)
{
	char next[1024];

	memset(t, 0, sizeof(*t));
	snprintf(t->uri, sizeof(t->uri), "%s", m->ruri);
	if (route_flow(m, drop, &t->dst)) {
		t->flow = 1;
		if (transport_reliable(t->dst.proto) && !transport_conn_alive(t->dst.conn))
			return -2;
		return 0;
	}
	if (route_value(m, drop, next, sizeof(next)) == 0)
		return uri_peer(next, &t->dst);		/* loose routing: toward the next Route */
	return uri_peer(m->ruri, &t->dst);		/* none left: the Request-URI itself */
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
	struct nameaddr_info ni;
	if (grammar_nameaddr(p + s, e - s, 0, &ni) == -1 || ni.uri.len >= ulen)
		return -1;
	memcpy(uri, p + s + ni.uri.off, ni.uri.len);
	uri[ni.uri.len] = '\0';
	/* the whole header line when it holds one value, else ", value" */
	*from = s == 0 ? last->off : last->voff + prev_end;
	*to = s == 0 ? last->off + last->len : last->voff + last->vlen;
	return 0;
}

/* 16.4: a strict-routing previous hop put our Record-Route URI in the Request-URI and the
 * remote target last in Route.  Rebuild the request the loose-routing way: the last Route
 * value becomes the Request-URI.  Returns the new message, or NULL when not the case. */
static struct sipmsg *
unstrict(struct sipmsg *m)
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

void
proxy_request(struct txn *t, struct sipmsg *m)
{
	struct sipmsg *fixed = unstrict(m);

	if (fixed != NULL) {
		log_debug("proxy call-id=%s: strict-routed request, Request-URI now %s", m->call_id,
		    fixed->ruri);
		proxy_route(t, fixed, 1);
		sipmsg_unref(fixed);
		return;
	}
	proxy_route(t, m, 0);
}

/* RFC 3263 lookup done: the servers in order; each gets the request only when the one
 * before answered 503 or not at all (4.3). */
static void
relay_resolved(void *arg, const struct sip_peer *hops, int n)
{
	struct call *c = arg;
	struct target t[DNS_MAX_TARGETS];

	if (n == 0) {
		if (!c->cancelled)
			txn_reply(c->st, 503, "No Server For The Domain", NULL, NULL, NULL, 0);
		callrec_failed(c->req, c, 503);
		c->answered = 1;
		call_finish(c);
		return;
	}
	struct uri_parts u;
	int named = uri_split(c->req->ruri, strlen(c->req->ruri), &u) == 0 &&
	    strlen(u.host) < sizeof(t[0].dst.tls_name);

	memset(t, 0, sizeof(t));
	for (int i = 0; i < n; i++) {
		snprintf(t[i].uri, sizeof(t[i].uri), "%s", c->req->ruri);
		t[i].dst = hops[i];
		/* RFC 5922 4.1: the certificate must name the domain of the URI, not the SRV host */
		if (named)
			memcpy(t[i].dst.tls_name, u.host, strlen(u.host) + 1);
		t[i].q = 1000 - i;	/* one at a time, in DNS order */
	}
	c->failover = 1;
	call_start(c, t, n);
}

/* A request for another domain: sent on for an authenticated local user (or a trusted
 * peer); anyone else gets 403, so sipd is never an open relay. */
static void
relay(struct txn *t, struct sipmsg *m, const struct uri_parts *u, int drop)
{
	const struct sip_hdr *f = sipmsg_hdr(m, HDR_FROM, NULL);
	struct nameaddr_info ni;
	struct uri_parts fu;
	char tp[16];
	int proto = -1;

	if (m->max_forwards == 0) {		/* 16.3 step 3 comes before any policy */
		txn_reply(t, 483, NULL, NULL, NULL, NULL, 0);
		return;
	}
	if (!caller_trusted(&m->src.addr) && (!cfg->auth_calls || f == NULL ||
	    grammar_nameaddr(m->raw + f->voff, f->vlen, 0, &ni) == -1 ||
	    uri_split(m->raw + f->voff + ni.uri.off, ni.uri.len, &fu) == -1 ||
	    !domain_is_local(fu.host, fu.port))) {
		txn_reply(t, 403, "Relaying Denied", NULL, NULL, NULL, 0);
		return;
	}
	if (caller_check(t, m) == -1)
		return;
	if (uri_param(u, "transport", tp, sizeof(tp)) != NULL)
		proto = strcasecmp(tp, "tcp") == 0 ? PROTO_TCP : strcasecmp(tp, "udp") == 0 ?
		    PROTO_UDP : strcasecmp(tp, "tls") == 0 ? PROTO_TLS : -1;
	if (u->sips)
		proto = PROTO_TLS;	/* RFC 3263 4.1: a SIPS URI goes over TLS only */
	dns_resolve(u->host, u->port, proto, relay_resolved, call_new(t, m, drop));
}

/* Route processing and target determination for a request (16.3-16.5).  strict: the request
 * came addressed to us by a strict router (so we are on its route, as with a Route of ours). */
static void
proxy_route(struct txn *t, struct sipmsg *m, int strict)
{
	struct target targets[MAX_BRANCHES];
	struct uri_parts u;
	int n, status, drop, rc, known;

	/* 16.3 step 3: Max-Forwards 0 ends here (an OPTIONS for us may still be answered) */
	if (m->max_forwards == 0 && m->method != SIP_OPTIONS) {
		txn_reply(t, 483, NULL, NULL, NULL, NULL, 0);
		return;
	}
	if (local_check_require(t, m, HDR_PROXY_REQUIRE))	/* 16.3 step 5 */
		return;
	if (is_loop(m)) {
		txn_reply(t, 482, NULL, NULL, NULL, NULL, 0);
		return;
	}

	drop = own_routes(m);
	if (route_value(m, drop, targets[0].uri, sizeof(targets[0].uri)) == 0) {
		/* 16.4: a Route set remains after ours: on to its next hop, R-URI untouched */
		if (drop == 0) {
			local_request(t, m);	/* routed elsewhere by someone else: not a relay */
			return;
		}
		if (m->max_forwards == 0) {
			txn_reply(t, 483, NULL, NULL, NULL, NULL, 0);
			return;
		}
		if ((rc = routed_target(m, drop, &targets[0])) < 0) {
			if (rc == -2)
				txn_reply(t, 430, "Flow Failed", NULL, NULL, NULL, 0);
			else
				txn_reply(t, 404, "Route Not Resolvable", NULL, NULL, NULL, 0);
			return;
		}
		forward(t, m, targets, 1, drop);
		return;
	}
	if (uri_split(m->ruri, strlen(m->ruri), &u) == -1 || !domain_is_local(u.host, u.port) ||
	    u.user[0] == '\0') {
		/* our Route was the last: a mid-dialog request goes to its Request-URI (the
		 * remote target); anything else not for a user of ours is answered here */
		if ((drop > 0 || strict) && m->to_tag != NULL &&
		    (rc = routed_target(m, drop, &targets[0])) != -1) {
			if (rc == -2)
				txn_reply(t, 430, "Flow Failed", NULL, NULL, NULL, 0);
			else
				forward(t, m, targets, 1, drop);
			return;
		}
		if (u.host[0] != '\0' && !domain_is_local(u.host, u.port) && m->to_tag == NULL) {
			relay(t, m, &u, drop);	/* another domain: only for our users */
			return;
		}
		local_request(t, m);
		return;
	}
	if (m->max_forwards == 0) {
		txn_reply(t, 483, NULL, NULL, NULL, NULL, 0);
		return;
	}
	n = local_targets(m, &u, targets, MAX_BRANCHES, &status);
	if (n == 0) {
		/* a local caller is challenged here as for a user with a phone registered: else
		 * 407 for one and 404 for the other tells a scanner who is registered */
		if ((known = caller_check(t, m)) == -1)
			return;
		if (status == 480 && cfg->hide_users && !known) {
			/* auth.hide_users: to a caller that is not known to be ours, answered as for
			 * a user that does not exist, so svwar and the like learn nothing; our own
			 * users and trusted peers hear the truth (480, RFC 3261 21.4.18).  The call
			 * record still names the callee. */
			callrec_refused(m, 404);
			local_request(t, m);
		} else if (status == 480 || status == 430) {
			txn_reply(t, status, status == 430 ? "Flow Failed" : NULL, NULL, NULL, NULL, 0);
			callrec_refused(m, status);
		} else
			local_request(t, m);	/* 404, or OPTIONS answered for the domain */
		return;
	}
	forward(t, m, targets, n, drop);
	free_targets(targets, n);
}

/* Stateless forwarding (16.11): our Via with a branch derived from the request's. */
static void
stateless_forward(struct sipmsg *m, const struct target *t, int drop)
{
	struct buf via;
	char branch[64];
	size_t len;
	char *buf;

	buf_init(&via, 128);
	make_via(m, &t->dst, 0, branch, sizeof(branch), &via);
	buf = proxy_build(m, t->uri, via.p, NULL, NULL, drop, &len);
	transport_send(&t->dst, buf, len);
	free(buf);
	buf_free(&via);
}

void
proxy_ack(struct txn *unused, struct sipmsg *m)
{
	struct target t;
	int drop = own_routes(m);

	if (m->max_forwards == 0 || (drop == 0 && sipmsg_hdr(m, HDR_ROUTE, NULL) == NULL))
		return;		/* an ACK for us, or nowhere to go: absorbed */
	if (routed_target(m, drop, &t) == 0) {
		struct sipmsg *sdp = media_request(m, t.dst.addr.ss_family, 0);	/* late answer */
		stateless_forward(sdp ? sdp : m, &t, drop);
		sipmsg_unref(sdp);
	}
}

void
proxy_shutdown(void)
{
	pbx_invalidate();
	while (calls != NULL)
		call_free(calls);
}

void
proxy_init(struct event_base *base)
{
	proxy_base = base;
	dispatch_set(SIP_UNKNOWN, proxy_request);
	dispatch_set(SIP_ACK, proxy_ack);
}
