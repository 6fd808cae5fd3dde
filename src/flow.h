/* flow.h - flows (RFC 5626): how sipd reaches a phone that cannot be reached at its Contact
 * (behind NAT, or on the TCP/TLS connection it opened), and flow tokens that name such a flow in
 * a Record-Route URI so in-dialog requests find it too (RFC 5626 5.2/5.3).  No I/O. */
#ifndef SIPD_FLOW_H
#define SIPD_FLOW_H

#include <stddef.h>

#include "sipd.h"

struct sipmsg;

#define FLOW_TOKEN_MAX	80	/* one token's length, NUL included */

/* Fresh random secret for the tokens' HMAC (start-up).  Tokens of an earlier run do not verify. */
void flow_init(void);
/* The token for the flow p into out ("" when out is too small).  Integrity-protected (HMAC). */
const char *flow_token(const struct sip_peer *p, char *out, size_t len);
/* Parse a token of n bytes back into *p.  0, or -1 when it is not a token of this run. */
int flow_token_parse(const char *tok, size_t n, struct sip_peer *p);
/* A URI user part of '.'-separated tokens: all valid?  (Our Record-Route URIs carry them.) */
int flow_user_valid(const char *user);
/* Did a message that came from src arrive over flow f? */
int flow_same(const struct sip_peer *f, const struct sip_peer *src);
/* 1 when contact (a URI) names p's address (any port). */
int flow_contact_host_is(const char *contact, const struct sip_peer *p);
/* 1 when contact (a URI) names p's address and port exactly. */
int flow_contact_reaches(const char *contact, const struct sip_peer *p);
/* Is the sender of m unreachable at contact (a URI)?  UDP: a Contact host or top Via address
 * that is not the packet's source (RFC 3581 NAT detection); a stream: a Contact that is not the
 * connection's far end. */
int flow_behind_nat(const struct sipmsg *m, const char *contact);

#endif
