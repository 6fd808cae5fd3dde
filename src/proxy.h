/* proxy.h - the stateful proxy (RFC 3261 16): requests for registered users are forwarded to
 * their bindings by editing the received bytes (proxy_edit.h) toward the targets
 * proxy_target.h finds, responses are relayed back. */
#ifndef SIPD_PROXY_H
#define SIPD_PROXY_H

#include "sipmsg.h"

struct txn;

#include <event2/event.h>

/* Install the handlers (the default request handler, ACK for 2xx). */
void proxy_init(struct event_base *);
/* Free every call still held (exit). */
void proxy_shutdown(void);
/* Heap bytes the proxy's calls hold (branches, routes, best responses, timers). */
size_t proxy_memory(void);
/* The default request handler: forwards, or leaves the request to local_request. */
void proxy_request(struct txn *, struct sipmsg *);
/* ACK for a 2xx (no transaction): forwarded statelessly along its Route set (RFC 3261 16.11). */
void proxy_ack(struct txn *, struct sipmsg *);

#endif
