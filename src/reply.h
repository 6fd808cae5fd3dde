/* reply.h - responses sipd originates (RFC 3261 8.2.6), built from the request's raw header lines. */
#ifndef SIPD_REPLY_H
#define SIPD_REPLY_H

#include "sipmsg.h"

struct buf;

/* Build status/reason for req.  totag is added to To when it has none and status > 100
 * (RFC 3261 8.2.6.2).  extra: preformatted header lines ("Allow: ...\r\n"), may be NULL.
 * body/bodylen: may be NULL/0 (then body_type is ignored).  The top Via gets received/rport
 * (RFC 3261 18.2.1, RFC 3581 4).  Returns a malloc'd buffer, length in *outlen. */
char *reply_build(const struct sipmsg *req, int status, const char *reason, const char *totag,
    const char *extra, const char *body_type, const char *body, size_t bodylen, size_t *outlen);

/* Where a response to req goes (RFC 3261 18.2.2, RFC 3581 4). */
void reply_dest(const struct sipmsg *req, struct sip_peer *dst);

/* Append the request's top Via value with received/rport set (RFC 3261 18.2.1, RFC 3581). */
void reply_top_via(const struct sipmsg *req, struct buf *out);

/* Standard reason phrase for a status code. */
const char *reply_reason(int status);

/* Stateless response: build and send at once (for requests that get no transaction). */
void reply_stateless(const struct sipmsg *req, int status, const char *reason, const char *extra);

#endif
