/* proxy_edit.h - the proxy's message editing (RFC 3261 16.4, 16.6, 16.7, 9.1): the bytes of a
 * received message in, the bytes to send on out.  Headers the proxy does not own pass byte for
 * byte.  No I/O, no configuration: what names this server (its domains, the addresses it
 * listens on, its flow tokens) comes in as arguments. */
#ifndef SIPD_PROXY_EDIT_H
#define SIPD_PROXY_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sipmsg.h"

/* Our Via branches: the magic cookie, this tag, the loop hash (16 hex digits), ".copy". */
#define PROXY_EDIT_BRANCH_PREFIX	SIP_BRANCH_COOKIE "-sd"
#define PROXY_EDIT_MAX_ROUTES		16	/* own Route values looked at, at most */

/* Does the URI of n bytes name this server (a Route / Record-Route URI of ours)? */
typedef int (*proxy_edit_uri_is_us)(const char *uri, size_t n);
/* Is host (port 0: none given) one of this server's? */
typedef int (*proxy_edit_host_is_us)(const char *host, int port);

/* Where this server sits on one side of a hop: the transport, and the address it listens on. */
struct proxy_edit_hop {
	enum sip_proto	 proto;
	int		 family;	/* AF_INET / AF_INET6 */
	const char	*host;		/* numeric; NULL when there is no socket for proto/family */
	int		 port;
};

/* The request to send on: Request-URI ruri, via (our Via line) first, then rr (Record-Route
 * lines) and routes (Route lines) when not NULL, the received top Via with received/rport
 * (18.2.1), Max-Forwards one lower (70 when absent, 16.6 step 3), the first drop Route values
 * left out (ours, 16.4), every other header byte for byte in order, Content-Length added when
 * absent (18.3), the body. */
char *proxy_edit_build(const struct sipmsg *m, const char *ruri, const char *via, const char *rr,
    const char *routes, int drop, size_t *len);
/* A response without its top Via (ours), byte for byte otherwise (16.7 step 3). */
char *proxy_edit_strip_via(const struct sipmsg *resp, size_t *len);

/* RFC 3261 16.6 step 8: the hash our branches carry of what identifies the request here. */
uint64_t proxy_edit_loop_hash(const struct sipmsg *m);
/* The branch for copy idx of m: prefix, loop hash, ".idx" (a retransmission gets the same). */
void proxy_edit_branch(const struct sipmsg *m, int idx, char *out, size_t len);
/* RFC 3261 16.3 step 4: 1 when a Via of ours (host_is_us) carries m's loop hash: a loop. */
int proxy_edit_is_loop(const struct sipmsg *m, proxy_edit_host_is_us host_is_us);
/* Append our Via line for a copy sent from hop, with branch and rport (RFC 3581). */
void proxy_edit_via(struct buf *via, const struct proxy_edit_hop *hop, const char *branch);
/* Append our Record-Route line(s), ;lr, with user part user ("" none: flow tokens of RFC 5626):
 * one, or two when transport or address family differ between the callee's side and the
 * caller's (each side gets a URI it can reach: RFC 3261 16.6 step 4, RFC 5658).  A side
 * without a host gets none. */
void proxy_edit_record_route(struct buf *rr, const char *user, const struct proxy_edit_hop *callee,
    const struct proxy_edit_hop *caller);

/* The URI of the i-th Route value of m (counting across Route headers): 0, or -1 when none. */
int proxy_edit_route(const struct sipmsg *m, int i, char *out, size_t outlen);
/* How many of m's top Route values name us (16.4: loose routing removes them). */
int proxy_edit_own_routes(const struct sipmsg *m, proxy_edit_uri_is_us uri_is_us);
/* 16.4: a request whose Request-URI is ours came from a strict router: the request rebuilt the
 * loose-routing way (the last Route value becomes the Request-URI), its source kept; NULL
 * when that is not the case. */
struct sipmsg *proxy_edit_unstrict(const struct sipmsg *m, proxy_edit_uri_is_us uri_is_us);

/* The CANCEL for a request as sent (RFC 3261 9.1): its Request-URI, top Via, From, To,
 * Call-ID, Route, CSeq number; NULL when sent does not parse. */
char *proxy_edit_cancel(const char *sent, size_t sentlen, size_t *len);
/* The WWW-/Proxy-Authenticate lines of a 401/407 (16.7 step 7), "" when none. */
char *proxy_edit_challenges(const struct sipmsg *resp);
/* The response resp (len bytes) with lines inserted after its status line (16.7 step 7);
 * NULL when it has no line end. */
char *proxy_edit_add_challenges(const char *resp, size_t len, const char *lines, size_t *outlen);

#endif
