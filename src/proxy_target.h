/* proxy_target.h - target determination (RFC 3261 16.5): a request in, the ordered set of hops it
 * goes to out: a user's bindings from the location service (flows of RFC 5626, Path of RFC
 * 3327), a user's extension, a PBX plan's stages (pbx.h), the next hop of a Route set (16.4),
 * the servers RFC 3263 finds for another domain. */
#ifndef SIPD_PROXY_TARGET_H
#define SIPD_PROXY_TARGET_H

#include "dns.h"
#include "sipd.h"
#include "sipmsg.h"
#include "uri.h"

/* One hop a request goes to: the URI to put in the Request-URI and where to send it. */
struct target {
	char		 uri[1024];
	struct sip_peer	 dst;
	char		*routes;	/* Route lines to add (from Path), or NULL */
	int		 q;		/* q-value * 1000 (serial forking order) */
	int		 nat;		/* a binding registered from behind NAT (relay.mode nat) */
	int		 flow;		/* dst is the flow the phone registered on (RFC 5626) */
	char		 aor[256];	/* the AOR whose binding this is ("" when none) */
	int		 stage, parent, when, ring;	/* PBX plans (pbx.h); 0 otherwise */
	int		 plan;		/* it comes from a PBX plan */
	int		 none;		/* a PBX stage with nothing to ring: a placeholder */
};

/* Targets for m, whose Request-URI (split in u) names a user of our domain: a PBX plan of
 * the user (new calls; targets in stage order), else the user's bindings by name or by
 * extension (q order, highest first).  Returns the count; when 0, *status is 404 (no such
 * user), 480 (not reachable) or 430 (its outbound flows are gone, RFC 5626 5.3). */
int proxy_target_local(const struct sipmsg *m, const struct uri_parts *u, struct target *t,
    int max, int *status);
/* The target for one binding (key) of aor, as a request to the AOR would reach it (NAT,
 * flows, Path); 0, or -1 when it is gone or unusable.  Free with proxy_target_free. */
int proxy_target_binding(const char *aor, const char *key, struct target *t);
/* The next hop of m once its first drop Route values (ours) are gone (16.4): a flow named in
 * our Route (RFC 5626 5.3), the next Route value, the instance a GRUU of ours names (RFC 5627
 * 6.1), or the Request-URI.  0; -1 when it cannot be reached (a host name, a GRUU of nothing
 * registered), -2 when it is a flow that is gone (430). */
int proxy_target_routed(const struct sipmsg *m, int drop, struct target *t);
/* When uri is a GRUU of ours (RFC 5627): 0 with *t the target of its instance (the newest
 * flow; routes NULL), -1 when no binding of it is reachable (-2: its flows are gone); 1 when
 * uri is no GRUU of ours.  For requests sipd sends to a Contact that may be a GRUU. */
int proxy_target_gruu(const char *uri, struct target *t);
/* Start RFC 3263 resolution of u (m's Request-URI, another domain): cb gets the servers. */
void proxy_target_resolve(const struct uri_parts *u, dns_cb cb, void *arg);
/* Targets for the servers resolution found for ruri, in DNS order (q descending) into t
 * (n of them). */
void proxy_target_servers(const char *ruri, const struct sip_peer *hops, int n, struct target *t);
/* Free what n targets hold (their routes). */
void proxy_target_free(struct target *t, int n);

#endif
