/* media.h - the proxy's hooks into the RTP relay: SDP in forwarded requests and relayed
 * responses pointed at the relay, and the relay session ended with the call. */
#ifndef SIPD_MEDIA_H
#define SIPD_MEDIA_H

#include "sipmsg.h"

/* A request about to be forwarded toward a peer of address family dst_family (nat_target: a
 * target registered from behind NAT).  Returns a new message with its SDP rewritten (the
 * caller unrefs it), or NULL to forward m as it is.  A dialog-creating INVITE starts the
 * call's relay session when relay.mode wants one; a BYE ends it. */
struct sipmsg *media_request(struct sipmsg *m, int dst_family, int nat_target);
/* A provisional or 2xx response about to go upstream: the same, for the answer/offer in it. */
struct sipmsg *media_response(struct sipmsg *resp, int dst_family);
/* The dialog-creating INVITE req got a final failure (or nothing: Timer C, no route). */
void media_call_failed(const struct sipmsg *req, int status);

/* 1 when m starts a call that needs the relay and relay.max_calls are relayed already (the
 * caller answers 503 with Retry-After). */
int media_over_limit(const struct sipmsg *m, int nat_target);

#endif
