/* proxy.h - the stateful proxy (RFC 3261 16): requests for registered users are forwarded to
 * their bindings by editing the received bytes, responses are relayed back. */
#ifndef SIPD_PROXY_H
#define SIPD_PROXY_H

#include "sipmsg.h"

struct txn;

#include <event2/event.h>

/* Install the handlers (the default request handler, ACK for 2xx). */
void proxy_init(struct event_base *);
/* Free every call still held (exit). */
void proxy_shutdown(void);
/* The default request handler: forwards, or leaves the request to local_request. */
void proxy_request(struct txn *, struct sipmsg *);
/* ACK for a 2xx (no transaction): forwarded statelessly along its Route set (RFC 3261 16.11). */
void proxy_ack(struct txn *, struct sipmsg *);

/* Build the request to send to target: new Request-URI, own Via (branch) first, optional
 * Record-Route and Route lines, Max-Forwards decremented (70 when absent), own Route values
 * dropped (nroutes_drop of them), every other header copied byte for byte in order.  No I/O. */
char *proxy_build(const struct sipmsg *m, const char *ruri, const char *via, const char *rr,
    const char *routes, int nroutes_drop, size_t *len);
/* The response without its top Via (ours), byte for byte otherwise. */
char *proxy_strip_via(const struct sipmsg *resp, size_t *len);

#endif
