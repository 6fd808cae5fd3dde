/* sipbuild.h - the requests sipd originates, built field by field in libosip2's osip_message_t
 * and written out by osip_message_to_str: the keep-alive OPTIONS, the ACK for a non-2xx final,
 * CANCEL, and any other request sipd writes itself (NOTIFY, MESSAGE).  No I/O: fields in, bytes
 * out.  A request sipd forwards never comes here: it keeps its own bytes (RFC 3261 16.6).
 *
 * What libosip2 does to the wire form: header fields come out in its order (start line, Via,
 * Route, From, To, Call-ID, CSeq, Contact, Content-Type, then the others in the order they were
 * added, Content-Length last, always present); each Via and Route value on a line of its own;
 * long header names only; name-addrs written as <uri> with LWS dropped around ';' and '='.
 * URIs (Request-URI, and the URI inside From, To, Route, Contact) are checked by libosip2 but
 * kept byte for byte, as libosip2 would otherwise rewrite %XX escapes (RFC 3261 17.1.1.3 and
 * 9.1 want the original request's Request-URI).  The Call-ID is kept byte for byte too. */
#ifndef SIPD_SIPBUILD_H
#define SIPD_SIPBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "sipmsg.h"

struct sipbuild;

/* A new request line: method token and Request-URI.  Never NULL; a bad URI fails the build. */
struct sipbuild *sipbuild_new(const char *method, const char *ruri);

/* Header fields.  Each takes one header value as on the wire (not a comma list); a value
 * libosip2 refuses fails the request, and sipbuild_finish then returns NULL. */
void sipbuild_via(struct sipbuild *, const char *via);	/* appended: the top Via first */
void sipbuild_from(struct sipbuild *, const char *nameaddr);	/* with its ;tag= */
void sipbuild_to(struct sipbuild *, const char *nameaddr);
void sipbuild_call_id(struct sipbuild *, const char *callid);
void sipbuild_cseq(struct sipbuild *, uint32_t num, const char *method);
void sipbuild_route(struct sipbuild *, const char *nameaddr);	/* appended, in route-set order */
void sipbuild_contact(struct sipbuild *, const char *nameaddr);
void sipbuild_max_forwards(struct sipbuild *, int);
/* Any other header (Event, Subscription-State, User-Agent, Expires ...), in the order added. */
void sipbuild_header(struct sipbuild *, const char *name, const char *value);
/* The body and its Content-Type (Content-Length is computed). */
void sipbuild_body(struct sipbuild *, const char *ctype, const char *body, size_t len);

/* The same with the Content-Type value written byte for byte as given (a stored message). */
void sipbuild_body_as_sent(struct sipbuild *, const char *ctype, const char *body, size_t len);

/* The request's bytes (NUL-terminated, *len without the NUL; free()), or NULL when a field
 * was refused.  The builder is freed either way. */
char *sipbuild_finish(struct sipbuild *, size_t *len);
/* Abandon a request. */
void sipbuild_free(struct sipbuild *);

/* The ACK for a non-2xx final response resp to the INVITE req as sent (RFC 3261 17.1.1.3):
 * req's Request-URI, top Via, Route set, From, Call-ID and CSeq number; resp's To.  NULL when
 * they cannot be built. */
char *sipbuild_ack(const struct sipmsg *req, const struct sipmsg *resp, size_t *len);
/* The CANCEL for the request req as sent (RFC 3261 9.1): its Request-URI, top Via only
 * (same branch), Route set, From, To, Call-ID and CSeq number.  NULL when it cannot be built. */
char *sipbuild_cancel(const struct sipmsg *req, size_t *len);

#endif
