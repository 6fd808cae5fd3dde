/* dispatch.h - the receive pipeline: bytes -> parse + validate -> transaction match -> handler. */
#ifndef SIPD_DISPATCH_H
#define SIPD_DISPATCH_H

#include "sipmsg.h"

struct txn;

/* A request handler: answers through txn_reply (now or later). */
typedef void (*dispatch_fn)(struct txn *, struct sipmsg *);

/* One message received.  datagram: buf is a whole UDP datagram.  The transports call this
 * through their receive hook (daemon.c: transport_set_receive_hook), never directly. */
void dispatch_message(const char *buf, size_t len, int datagram, const struct sip_peer *src);
/* Install the handler for a method (SIP_UNKNOWN = any method without its own handler). */
void dispatch_set(enum sip_method, dispatch_fn);
/* Counters for the log / metrics. */
struct dispatch_stats {
	uint64_t	 requests, responses, dropped, bad;
};
const struct dispatch_stats *dispatch_stats(void);

#endif
