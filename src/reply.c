/* reply.c - responses sipd originates (RFC 3261 8.2.6), copied from the request's raw header
 * lines so Via/From/To/Call-ID/CSeq come back exactly as they were sent. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "grammar.h"
#include "log.h"
#include "reply.h"
#include "transport.h"
#include "xmalloc.h"

static const struct {
	int		 code;
	const char	*reason;
} reasons[] = {
	{ 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" },
	{ 182, "Queued" }, { 183, "Session Progress" }, { 200, "OK" }, { 202, "Accepted" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Moved Temporarily" },
	{ 305, "Use Proxy" }, { 380, "Alternative Service" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" }, { 408, "Request Timeout" }, { 410, "Gone" },
	{ 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" }, { 421, "Extension Required" }, { 423, "Interval Too Brief" },
	{ 430, "Flow Failed" }, { 439, "First Hop Lacks Outbound Support" },
	{ 480, "Temporarily Unavailable" }, { 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" }, { 483, "Too Many Hops" }, { 484, "Address Incomplete" },
	{ 485, "Ambiguous" }, { 486, "Busy Here" }, { 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" }, { 491, "Request Pending" }, { 500, "Server Internal Error" },
	{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Server Time-out" }, { 505, "Version Not Supported" }, { 513, "Message Too Large" },
	{ 600, "Busy Everywhere" }, { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
};

const char *
reply_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].reason;
	return status < 200 ? "Trying" : status < 300 ? "OK" : "Error";
}

/* The top Via as the receiving server must record it: received= when the source differs from
 * sent-by (RFC 3261 18.2.1) or rport was asked for, rport=PORT filled in (RFC 3581 4). */
void
reply_top_via(const struct sipmsg *req, struct buf *b)
{
	const char *p = req->raw + req->via.voff;
	size_t n = req->via.vlen, i, last = 0;
	char host[64];
	int port;

	sip_addr_host(&req->src.addr, host, sizeof(host), &port);
	for (i = 0; i < n; i++) {
		if (p[i] == '"') {
			while (++i < n && p[i] != '"')
				if (p[i] == '\\')
					i++;
			continue;
		}
		if (p[i] != ';')
			continue;
		size_t s = grammar_skip_lws(p, i + 1, n), e = s;
		while (e < n && grammar_is_token((unsigned char)p[e]))
			e++;
		size_t after = grammar_skip_lws(p, e, n);
		if (e - s == 5 && strncasecmp(p + s, "rport", 5) == 0 && (after >= n || p[after] != '=')) {
			buf_add(b, p + last, e - last);
			buf_printf(b, "=%d", port);
			last = e;
		}
	}
	buf_add(b, p + last, n - last);
	if (!req->via.has_received_param &&
	    (req->via.rport || strcasecmp(req->via.host, host) != 0))
		buf_printf(b, ";received=%s", host);
}

/* Copy every Via line; the top value gets received/rport. */
static void
add_vias(const struct sipmsg *req, struct buf *b)
{
	const struct sip_hdr *h = sipmsg_hdr(req, HDR_VIA, NULL);

	if (h == NULL)
		return;
	if (req->via.host == NULL) {
		/* unparseable top Via (a 400/505 is on its way): echo the lines as they came */
		for (; h != NULL; h = sipmsg_hdr(req, HDR_VIA, h)) {
			buf_adds(b, "Via: ");
			buf_add(b, req->raw + h->voff, h->vlen);
			buf_adds(b, "\r\n");
		}
		return;
	}
	buf_adds(b, "Via: ");
	reply_top_via(req, b);
	/* rest of the first Via line after the top value (", next-via ...") */
	size_t rest = req->via.voff + req->via.vlen;
	buf_add(b, req->raw + rest, h->voff + h->vlen - rest);
	buf_adds(b, "\r\n");
	while ((h = sipmsg_hdr(req, HDR_VIA, h)) != NULL) {
		buf_adds(b, "Via: ");
		buf_add(b, req->raw + h->voff, h->vlen);
		buf_adds(b, "\r\n");
	}
}

/* Copy header id as "Name: value\r\n". */
static void
add_copy(const struct sipmsg *req, struct buf *b, enum hdr_id id, const char *name)
{
	const struct sip_hdr *h = sipmsg_hdr(req, id, NULL);

	if (h == NULL)
		return;
	buf_adds(b, name);
	buf_add(b, req->raw + h->voff, h->vlen);
	buf_adds(b, "\r\n");
}

/* Room for a response to req with extra and bodylen bytes of body: one allocation, no growing
 * (a buffer that doubled past 1 kB made glibc consolidate its fast bins on every 401). */
static size_t
reply_size(const struct sipmsg *req, const char *extra, const char *body_type, size_t bodylen)
{
	static const enum hdr_id copied[] = { HDR_VIA, HDR_FROM, HDR_TO, HDR_CALL_ID, HDR_CSEQ };
	size_t n = 256 + bodylen + (extra != NULL ? strlen(extra) : 0) +
	    (body_type != NULL ? strlen(body_type) : 0);
	const struct sip_hdr *h;

	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		for (h = NULL; (h = sipmsg_hdr(req, copied[i], h)) != NULL; )
			n += h->vlen + 16;
	if (cfg != NULL && cfg->server_name != NULL)
		n += strlen(cfg->server_name) + 10;
	return n;
}

char *
reply_build(const struct sipmsg *req, int status, const char *reason, const char *totag,
    const char *extra, const char *body_type, const char *body, size_t bodylen, size_t *outlen)
{
	struct buf b;

	buf_init(&b, reply_size(req, extra, body_type, bodylen));
	buf_printf(&b, "SIP/2.0 %d %s\r\n", status, reason ? reason : reply_reason(status));
	add_vias(req, &b);
	add_copy(req, &b, HDR_FROM, "From: ");
	const struct sip_hdr *to = sipmsg_hdr(req, HDR_TO, NULL);
	if (to != NULL) {
		buf_adds(&b, "To: ");
		buf_add(&b, req->raw + to->voff, to->vlen);
		if (req->to_tag == NULL && status > 100 && totag != NULL)
			buf_printf(&b, ";tag=%s", totag);
		buf_adds(&b, "\r\n");
	}
	add_copy(req, &b, HDR_CALL_ID, "Call-ID: ");
	add_copy(req, &b, HDR_CSEQ, "CSeq: ");
	if (status == 100)			/* RFC 3261 8.2.6.1 */
		add_copy(req, &b, HDR_TIMESTAMP, "Timestamp: ");
	if (cfg != NULL && cfg->server_name != NULL && cfg->server_name[0])
		buf_printf(&b, "Server: %s\r\n", cfg->server_name);
	if (extra != NULL)
		buf_adds(&b, extra);
	if (body != NULL && bodylen > 0 && body_type != NULL)
		buf_printf(&b, "Content-Type: %s\r\n", body_type);
	buf_printf(&b, "Content-Length: %zu\r\n\r\n", body ? bodylen : 0);
	if (body != NULL && bodylen > 0)
		buf_add(&b, body, bodylen);
	return buf_take(&b, outlen);
}

/* Default port for a transport when sent-by has none (RFC 3261 18.2.2, 19.1.2). */
static int
default_port(enum sip_proto proto)
{
	return proto == PROTO_TLS ? 5061 : 5060;
}

static void
set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

void
reply_dest(const struct sipmsg *req, struct sip_peer *dst)
{
	*dst = req->src;
	if (transport_reliable(req->src.proto)) {
		/* Same connection; if it is gone, a new one to received:sent-by port. */
		if (!transport_conn_alive(req->src.conn))
			set_port(&dst->addr, req->via.port ? req->via.port : default_port(req->src.proto));
		return;
	}
	/* UDP: to the source address; the source port only when rport was asked (RFC 3581 4),
	 * or when the top Via could not be read (the answer is a 400 about it). */
	if (!req->via.rport && req->via.host != NULL)
		set_port(&dst->addr, req->via.port ? req->via.port : default_port(PROTO_UDP));
}

void
reply_stateless(const struct sipmsg *req, int status, const char *reason, const char *extra)
{
	struct sip_peer dst;
	size_t len;
	char tag[16];
	char *out;

	if (sipmsg_hdr(req, HDR_VIA, NULL) == NULL)
		return;			/* no Via: not a request to answer (RFC 3261 18.2.2) */
	sip_random_token(tag, 10);
	out = reply_build(req, status, reason, tag, extra, NULL, NULL, 0, &len);
	reply_dest(req, &dst);
	transport_send(&dst, out, len);
	free(out);
}
