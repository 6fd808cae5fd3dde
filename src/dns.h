/* dns.h - RFC 3263 server location with c-ares on the event loop: NAPTR -> SRV -> A/AAAA. */
#ifndef SIPD_DNS_H
#define SIPD_DNS_H

#include <event2/event.h>

#include "sipd.h"

#define DNS_MAX_TARGETS	16

/* The answer: hops to try in order (RFC 3263 4.4: by NAPTR order, SRV priority/weight). */
typedef void (*dns_cb)(void *arg, const struct sip_peer *targets, int n);

/* Start the resolver; servers: "ip:port" strings (NULL/0 = the system's resolv.conf). */
int dns_init(struct event_base *, char **servers, int nservers);
void dns_shutdown(void);
/* Resolve host (a name; literals need no DNS) for a SIP URI with an explicit port (0 = none)
 * and a transport parameter (proto < 0 = none).  cb runs later on the loop, exactly once,
 * unless dns_shutdown comes first. */
void dns_resolve(const char *host, int port, int proto, dns_cb cb, void *arg);

#endif
