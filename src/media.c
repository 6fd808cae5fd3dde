/* media.c - the proxy's media hooks: which SIP messages carry SDP for the RTP relay, which side
 * of the call sent it, and the message rebuilt around the rewritten SDP (Content-Length fixed).
 *
 * A call is relayed from its dialog-creating INVITE on (relay.mode); from then on every SDP of
 * that Call-ID, in requests (INVITE, re-INVITE, UPDATE, PRACK, ACK) and responses (18x, 2xx)
 * either way, is pointed at the relay (RFC 3264 offer/answer: each side's description names the
 * relay, the relay knows each side's real address).  Forked calls: every branch's answer goes
 * through the same ports facing the callee; the last answer seen names the callee's address,
 * the 2xx (which cancels the other branches, RFC 3261 16.7 step 10) being the last. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "media.h"
#include "relay.h"
#include "sdp.h"
#include "transport.h"

/* The numeric host of a SIP peer, an IPv4-mapped IPv6 address shown as IPv4. */
static void
peer_host(const struct sip_peer *p, char *host, size_t len)
{
	sip_addr_host(&p->addr, host, len, NULL);
	if (strncasecmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.') != NULL)
		memmove(host, host + 7, strlen(host + 7) + 1);
}

/* Where the SDP is in m's body: 0 and its offset and length, or -1.  Whether the body is SDP
 * (or multipart with an SDP part, and its boundary) comes from the Content-Type as libosip2
 * parses it (sdp_body_find, sipval_mtype); the body itself stays bytes. */
static int
find_sdp(const struct sipmsg *m, size_t *off, size_t *len)
{
	const struct sip_hdr *ct = sipmsg_hdr(m, HDR_CONTENT_TYPE, NULL);

	if (ct == NULL || m->body_len == 0)
		return -1;
	return sdp_body_find(m->raw + ct->voff, ct->vlen, m->raw + m->body_off, m->body_len, off,
	    len);
}

/* Does the sender look NAT'd: a stream's address is not the one its SIP came from? */
static int
looks_natted(const struct sipmsg *m)
{
	struct sdp_info info;
	size_t off, len;
	char host[64];

	if (find_sdp(m, &off, &len) == -1 || sdp_parse(m->raw + m->body_off + off, len, &info))
		return 0;
	peer_host(&m->src, host, sizeof(host));
	for (int i = 0; i < info.nstreams; i++)
		if (info.s[i].port != 0 && !sdp_addr_is_null(info.s[i].addr) &&
		    strcasecmp(info.s[i].addr, host) != 0)
			return 1;
	return 0;
}

/* relay.mode for a new call: always, never, or when the caller or a callee looks NAT'd. */
static int
want_relay(const struct sipmsg *m, int nat_target)
{
	switch (relay_mode_parse(cfg->relay_mode)) {
	case RELAY_ALWAYS:
		return 1;
	case RELAY_NAT:
		return nat_target || looks_natted(m);
	default:
		return 0;
	}
}

/* m with its body's SDP part replaced by sdp (Content-Length recomputed), parsed again. */
static struct sipmsg *
with_sdp(const struct sipmsg *m, size_t off, size_t oldlen, const char *sdp, size_t sdplen)
{
	struct buf b;
	size_t hstart = m->sline_len, blen = m->body_len - oldlen + sdplen;
	struct sip_err err;

	while (hstart < m->len && m->raw[hstart] != '\n')
		hstart++;
	buf_init(&b, m->len + sdplen + 64);
	buf_add(&b, m->raw, hstart + 1);
	for (int i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		if (h->id == HDR_CONTENT_LENGTH)
			continue;
		buf_add(&b, m->raw + h->off, h->len);
		if (h->len == 0 || m->raw[h->off + h->len - 1] != '\n')
			buf_adds(&b, "\r\n");
	}
	buf_printf(&b, "Content-Length: %zu\r\n\r\n", blen);
	buf_add(&b, m->raw + m->body_off, off);
	buf_add(&b, sdp, sdplen);
	buf_add(&b, m->raw + m->body_off + off + oldlen, m->body_len - off - oldlen);
	struct sipmsg_limits lim = { b.len + 1, m->nhdrs + 8, b.len + 1 };
	struct sipmsg *n = sipmsg_parse(b.p, b.len, 0, &lim, &err);
	buf_free(&b);
	if (n != NULL && err.status != 0) {
		sipmsg_unref(n);
		n = NULL;
	}
	if (n != NULL)
		n->src = m->src;
	return n;
}

/* The relay's address for SDP that goes toward a peer of family af. */
static void
relay_addr(int af, struct sdp_subst *sub)
{
	unsigned char a[16];
	int port;

	if (cfg->relay_address[0] != '\0') {
		snprintf(sub->addr, sizeof(sub->addr), "%s", cfg->relay_address);
		sub->family = inet_pton(AF_INET, sub->addr, a) == 1 ? 4 : 6;
		return;
	}
	if (af != AF_INET6)
		af = AF_INET;
	if (transport_local(PROTO_UDP, af, sub->addr, sizeof(sub->addr), &port) == -1 &&
	    transport_local(PROTO_TCP, af, sub->addr, sizeof(sub->addr), &port) == -1)
		snprintf(sub->addr, sizeof(sub->addr), af == AF_INET6 ? "::1" : "127.0.0.1");
	if (strncasecmp(sub->addr, "::ffff:", 7) == 0 && strchr(sub->addr + 7, '.') != NULL)
		memmove(sub->addr, sub->addr + 7, strlen(sub->addr + 7) + 1);
	sub->family = strchr(sub->addr, ':') != NULL ? 6 : 4;
}

/* m's SDP (from side `side`, going toward a peer of family af) rewritten for the relay. */
static struct sipmsg *
rewrite(struct relay_session *s, const struct sipmsg *m, int side, int af)
{
	struct sdp_info info;
	struct sdp_subst sub;
	size_t off, len, outlen;
	char *out;
	struct sipmsg *n;

	if (find_sdp(m, &off, &len) == -1)
		return NULL;
	if (sdp_parse(m->raw + m->body_off + off, len, &info) == -1) {
		log_info("relay call-id=%s: SDP not understood, forwarded as is", m->call_id);
		return NULL;
	}
	memset(&sub, 0, sizeof(sub));
	relay_addr(af, &sub);
	if (relay_sdp(s, side, &info, &sub) == -1)
		return NULL;
	if ((out = sdp_rewrite(m->raw + m->body_off + off, len, &sub, &outlen)) == NULL)
		return NULL;
	n = with_sdp(m, off, len, out, outlen);
	free(out);
	return n;
}

int
media_over_limit(const struct sipmsg *m, int nat_target)
{
	if (m->method != SIP_INVITE || m->to_tag != NULL || relay_find(m->call_id) != NULL ||
	    !want_relay(m, nat_target))
		return 0;
	if (relay_session_count() < (size_t)cfg->relay_max_calls)
		return 0;
	log_notice("relay call-id=%s: relay.max_calls (%d) reached, refused with 503", m->call_id,
	    cfg->relay_max_calls);
	return 1;
}

struct sipmsg *
media_request(struct sipmsg *m, int dst_family, int nat_target)
{
	struct relay_session *s = relay_find(m->call_id);

	if (m->method == SIP_BYE || m->method == SIP_CANCEL) {
		if (m->method == SIP_BYE)
			relay_end(m->call_id, "BYE");
		return NULL;	/* a CANCEL ends it through the INVITE's 487 */
	}
	if (s == NULL) {
		if (m->method != SIP_INVITE || m->to_tag != NULL || !want_relay(m, nat_target))
			return NULL;
		s = relay_create(m->call_id, m->from_tag);
	}
	return rewrite(s, m, relay_side(s, m->from_tag), dst_family);
}

struct sipmsg *
media_response(struct sipmsg *resp, int dst_family)
{
	struct relay_session *s = relay_find(resp->call_id);

	if (s == NULL || resp->status < 101 || resp->status >= 300)
		return NULL;
	if (resp->method == SIP_INVITE && resp->status >= 200)
		relay_answered(s);
	/* a response comes from the side the request went to */
	return rewrite(s, resp, !relay_side(s, resp->from_tag), dst_family);
}

void
media_call_failed(const struct sipmsg *req, int status)
{
	char why[32];

	if (req->method != SIP_INVITE || req->to_tag != NULL)
		return;		/* a failed re-INVITE leaves the call as it was (RFC 3261 14.1) */
	snprintf(why, sizeof(why), "INVITE %d", status);
	relay_end(req->call_id, why);
}
