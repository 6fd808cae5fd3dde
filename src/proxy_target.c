/* proxy_target.c - where a request goes (RFC 3261 16.5): the location service's bindings, PBX
 * plans, the next hop of a Route set, RFC 3263 servers of another domain.  No message is sent
 * from here. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "domain.h"
#include "flow.h"
#include "grammar.h"
#include "gruu.h"
#include "location.h"
#include "log.h"
#include "pbx.h"
#include "proxy_edit.h"
#include "proxy_target.h"
#include "registrar.h"
#include "store.h"
#include "transport.h"
#include "xmalloc.h"

/* Numeric host/port into a peer; 0, or -1 when host is not an address literal. */
static int
peer_from(enum sip_proto proto, const char *host, int port, struct sip_peer *p)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;

	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->lsock = -1;
	if (port == 0)
		port = proto == PROTO_TLS ? 5061 : 5060;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		p->addrlen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		p->addrlen = sizeof(*s6);
		return 0;
	}
	if (strcasecmp(host, "localhost") == 0)
		return peer_from(proto, "127.0.0.1", port, p);
	return -1;	/* host names need RFC 3263 resolution: not done yet */
}

/* Where a SIP URI points (its transport parameter, host and port). */
static int
uri_peer(const char *uri, struct sip_peer *p)
{
	struct uri_parts u;
	char tp[16];
	enum sip_proto proto = PROTO_UDP;

	if (uri_split(uri, strlen(uri), &u) == -1)
		return -1;
	if (uri_param(&u, "transport", tp, sizeof(tp)) != NULL && strcasecmp(tp, "tcp") == 0)
		proto = PROTO_TCP;
	if (u.sips || (uri_param(&u, "transport", tp, sizeof(tp)) && strcasecmp(tp, "tls") == 0))
		proto = PROTO_TLS;
	if (peer_from(proto, u.host, u.port, p) == -1)
		return -1;
	if (strlen(u.host) < sizeof(p->tls_name))
		memcpy(p->tls_name, u.host, strlen(u.host) + 1);
	return 0;
}

/* A binding reached over a TCP/TLS connection that has closed (or belongs to an earlier run):
 * unusable at once (RFC 5626 5.3), not worth a timeout. */
static int
flow_dead(const struct binding *b)
{
	return b->nat && transport_reliable(b->received.proto) &&
	    !transport_conn_alive(b->received.conn);
}

/* RFC 5626 5.3: of the flows of one instance, only the newest live one gets the request (the
 * others back it up, they are not forked to). */
static int
flow_superseded(const struct aor *a, const struct binding *b)
{
	if (!b->outbound)
		return 0;
	for (const struct binding *o = a->bindings; o != NULL; o = o->next)
		if (o != b && o->outbound && strcmp(o->instance, b->instance) == 0 && !flow_dead(o) &&
		    (o->updated > b->updated || (o->updated == b->updated && o->reg_id < b->reg_id)))
			return 1;
	return 0;
}

/* RFC 3327: a binding's Path becomes the Route set of t; the first hop is its first entry.
 * -1 when that hop cannot be reached. */
static int
path_route(const struct binding *b, struct target *t)
{
	char first[1024];
	struct nameaddr_info ni;
	size_t e = grammar_next_comma(b->path, 0, strlen(b->path));

	if (grammar_nameaddr(b->path, e, 0, &ni) == 0 && ni.uri.len < sizeof(first)) {
		memcpy(first, b->path + ni.uri.off, ni.uri.len);
		first[ni.uri.len] = '\0';
		if (uri_peer(first, &t->dst) == -1)
			return -1;
	}
	xasprintf(&t->routes, "Route: %s\r\n", b->path);
	return 0;
}

/* Targets of a registered AOR: its bindings (only the one with key, when not NULL; only
 * those of the instance a GRUU g names, when not NULL), reached at their received address
 * (NAT).  *failed counts outbound bindings skipped because their flow is gone. */
static int
binding_targets(const char *aor, const char *key, const struct gruu_ref *g, struct target *t,
    int max, int *failed)
{
	struct aor *a = location_get(aor);
	time_t now = time(NULL);
	int n = 0;

	for (struct binding *b = a ? a->bindings : NULL; b != NULL && n < max; b = b->next) {
		if (b->expires <= now || (key != NULL && strcmp(b->key, key) != 0) ||
		    (g != NULL && !gruu_matches(g, b->instance, b->call_id, 0)))
			continue;	/* expired (unusable at once), or not the one asked for */
		struct sip_peer at_contact;
		int dead = flow_dead(b);
		/* RFC 5626 5.3: an outbound flow is the only way (430); a phone that is not behind
		 * a NAT (its Contact is on the address it registered from) may still listen there:
		 * a new connection (RFC 3261 18.1.1) */
		if (dead && (b->outbound || !flow_contact_host_is(b->contact, &b->received) ||
		    uri_peer(b->contact, &at_contact) == -1)) {
			*failed += b->outbound;
			continue;
		}
		if (flow_superseded(a, b))
			continue;
		memset(&t[n], 0, sizeof(t[n]));
		snprintf(t[n].uri, sizeof(t[n].uri), "%s", b->contact);
		snprintf(t[n].aor, sizeof(t[n].aor), "%s", aor);
		t[n].q = b->q;
		t[n].nat = b->nat;
		/* NAT'd or on a flow: where it registered from; else its contact (16.5) */
		if (dead)
			t[n].dst = at_contact;
		else if (b->nat || uri_peer(b->contact, &t[n].dst) == -1) {
			t[n].dst = b->received;
			/* a flow token only where the Contact does not lead back to the flow */
			t[n].flow = b->outbound || (b->received.proto == PROTO_UDP ? b->nat :
			    !flow_contact_reaches(b->contact, &b->received));
		}
		if (b->path[0] != '\0' && path_route(b, &t[n]) == -1)
			continue;
		n++;
	}
	return n;
}

static int
aor_targets(const char *aor, struct target *t, int max, int *failed)
{
	return binding_targets(aor, NULL, NULL, t, max, failed);
}

int
proxy_target_binding(const char *aor, const char *key, struct target *t)
{
	int failed = 0;

	return binding_targets(aor, key, NULL, t, 1, &failed) == 1 ? 0 : -1;
}

/* One PBX leg's targets at t: the bindings of a local leg, or the URI of a leg outside. */
static int
leg_targets(const struct pbx_leg *l, struct target *t, int max)
{
	int failed = 0;

	if (l->local)
		return aor_targets(l->uri, t, max, &failed);
	memset(t, 0, sizeof(*t));
	memcpy(t->uri, l->uri, strnlen(l->uri, sizeof(l->uri) - 1));
	if (uri_peer(l->uri, &t->dst) == 0)
		return 1;
	log_warnx("pbx: forward target %s: only address literals are supported", l->uri);
	return 0;
}

/* Targets of a PBX plan (pbx.h): each leg's bindings, or the URI of a leg outside.  A stage
 * with nothing to ring keeps one placeholder, so that its end still decides what follows.
 * Returns the count (0: no plan for this user). */
static int
plan_targets(const char *user, const char *domain, struct target *t, int max)
{
	struct pbx_leg legs[PBX_MAX_LEGS];
	int nlegs = pbx_plan(user, domain, legs, PBX_MAX_LEGS), n = 0, first = 0;

	for (int i = 0; i < nlegs && n < max; i++) {
		const struct pbx_leg *l = &legs[i];
		if (i == 0 || legs[i - 1].stage != l->stage)
			first = n;		/* the stage's first target */
		int k = leg_targets(l, &t[n], max - n);
		if (k == 0 && n == first && (i + 1 == nlegs || legs[i + 1].stage != l->stage)) {
			memset(&t[n], 0, sizeof(t[n]));
			t[n].none = 1;
			k = 1;
		}
		for (int j = n; j < n + k; j++) {
			t[j].stage = l->stage;
			t[j].parent = l->parent;
			t[j].when = l->when;
			t[j].ring = l->ring;
			t[j].plan = 1;
		}
		n += k;
	}
	if (nlegs > 0)
		log_debug("pbx: %s@%s: %d leg(s), %d target(s)", user, domain, nlegs, n);
	return n;
}

/* Does user (or extension) exist in domain? */
static int
user_known(const char *user, const char *domain)
{
	struct auth_user u;
	char owner[128];

	return store_user_get(user, domain, &u) == 0 ||
	    store_user_by_extension(user, domain, owner, sizeof(owner)) == 0;
}

/* Is an instance of the AOR g names registered at all (any epoch)? */
static int
instance_registered(const struct gruu_ref *g)
{
	struct aor *a = location_get(g->aor);
	time_t now = time(NULL);

	for (struct binding *b = a ? a->bindings : NULL; b != NULL; b = b->next)
		if (b->expires > now && gruu_matches(g, b->instance, b->call_id, 1))
			return 1;
	return 0;
}

/* Does the user of an AOR "sip:user@domain" exist (or hold bindings)? */
static int
aor_known(const char *aor)
{
	struct uri_parts u;

	return location_get(aor) != NULL || (uri_split(aor, strlen(aor), &u) == 0 &&
	    user_known(u.user, u.host));
}

/* RFC 5627 6.1: a GRUU of ours reaches only the bindings of its instance (and of those, the
 * newest flow, RFC 5626 5.3), PBX plans aside.  -1 when the Request-URI is no GRUU; else
 * the count, with *status set when 0: 404 for a GRUU that does not exist (forged, made by an
 * earlier run, or a temp-gruu whose registration was renewed under a new Call-ID, 5.1),
 * 480 for one whose instance is not registered now, 430 when its flows are gone. */
static int
gruu_targets(const struct uri_parts *u, struct target *t, int max, int *status)
{
	struct gruu_ref g;
	int failed = 0, n;

	switch (gruu_parse(u, &g)) {
	case GRUU_NONE:
		return -1;
	case GRUU_BAD:
		*status = 404;
		return 0;
	default:
		break;
	}
	if ((n = binding_targets(g.aor, NULL, &g, t, max, &failed)) > 0)
		return n;
	if (failed)
		*status = 430;
	else if (g.temp)
		*status = instance_registered(&g) ? 404 : 480;
	else
		*status = aor_known(g.aor) ? 480 : 404;
	return 0;
}

int
proxy_target_local(const struct sipmsg *m, const struct uri_parts *u, struct target *t, int max,
    int *status)
{
	char aor[600], owner[128];
	const char *domain = domain_canonical(u->host);
	int n, failed = 0;

	*status = 0;
	if ((n = gruu_targets(u, t, max, status)) >= 0)
		return n;
	if (registrar_aor(m->ruri, strlen(m->ruri), aor, sizeof(aor)) == -1)
		return 0;
	if (m->to_tag == NULL && (n = plan_targets(u->user, domain, t, max)) > 0)
		return n;	/* a new call to a ring group, or to a user with call forwarding */
	if ((n = aor_targets(aor, t, max, &failed)) > 0)
		return n;
	if (store_user_by_extension(u->user, domain, owner, sizeof(owner)) == 0) {
		snprintf(aor, sizeof(aor), "sip:%s@%s", owner, domain);
		if ((n = aor_targets(aor, t, max, &failed)) > 0)
			return n;
	}
	/* RFC 5626 5.3: 430 when the outbound flows were the way to reach it and are gone */
	*status = failed ? 430 : user_known(u->user, domain) || location_get(aor) ? 480 : 404;
	return 0;
}

void
proxy_target_free(struct target *t, int n)
{
	for (int i = 0; i < n; i++)
		free(t[i].routes);
}

/* RFC 5626 5.3: our Route values name flows; a request that did not come over one of them goes
 * down the first other.  1 with *f set, 0 when none applies. */
static int
route_flow(const struct sipmsg *m, int drop, struct sip_peer *f)
{
	char uri[1024];
	struct uri_parts u;

	for (int i = 0; i < drop && proxy_edit_route(m, i, uri, sizeof(uri)) == 0; i++) {
		if (uri_split(uri, strlen(uri), &u) == -1)
			continue;
		for (const char *p = u.user; *p != '\0';) {
			size_t n = strcspn(p, ".");
			if (flow_token_parse(p, n, f) == 0 && !flow_same(f, &m->src))
				return 1;
			p += n + (p[n] == '.');
		}
	}
	return 0;
}

int
proxy_target_gruu(const char *uri, struct target *t)
{
	struct target g;
	struct uri_parts u;
	int status, n;

	if (uri_split(uri, strlen(uri), &u) == -1 || !domain_is_local(u.host, u.port) ||
	    (n = gruu_targets(&u, &g, 1, &status)) == -1)
		return 1;
	if (n == 0)
		return status == 430 ? -2 : -1;
	free(g.routes);		/* a Path's first hop is g.dst already */
	g.routes = NULL;
	*t = g;
	return 0;
}

int
proxy_target_routed(const struct sipmsg *m, int drop, struct target *t)
{
	char next[1024];
	int rc;

	memset(t, 0, sizeof(*t));
	snprintf(t->uri, sizeof(t->uri), "%s", m->ruri);
	if (route_flow(m, drop, &t->dst)) {
		t->flow = 1;
		if (transport_reliable(t->dst.proto) && !transport_conn_alive(t->dst.conn))
			return -2;
		return 0;
	}
	if (proxy_edit_route(m, drop, next, sizeof(next)) == 0)
		return uri_peer(next, &t->dst);		/* loose routing: toward the next Route */
	/* RFC 5627 6.1: a GRUU of ours (an ACK along the route set to a phone that took its GRUU
	 * as Contact) goes to the instance's binding, never to the GRUU's host */
	if ((rc = proxy_target_gruu(m->ruri, t)) != 1)
		return rc;
	return uri_peer(m->ruri, &t->dst);		/* none left: the Request-URI itself */
}

void
proxy_target_resolve(const struct uri_parts *u, dns_cb cb, void *arg)
{
	char tp[16];
	int proto = -1;

	if (uri_param(u, "transport", tp, sizeof(tp)) != NULL)
		proto = strcasecmp(tp, "tcp") == 0 ? PROTO_TCP : strcasecmp(tp, "udp") == 0 ?
		    PROTO_UDP : strcasecmp(tp, "tls") == 0 ? PROTO_TLS : -1;
	if (u->sips)
		proto = PROTO_TLS;	/* RFC 3263 4.1: a SIPS URI goes over TLS only */
	dns_resolve(u->host, u->port, proto, cb, arg);
}

void
proxy_target_servers(const char *ruri, const struct sip_peer *hops, int n, struct target *t)
{
	struct uri_parts u;
	int named = uri_split(ruri, strlen(ruri), &u) == 0 &&
	    strlen(u.host) < sizeof(t[0].dst.tls_name);

	memset(t, 0, (size_t)n * sizeof(*t));
	for (int i = 0; i < n; i++) {
		snprintf(t[i].uri, sizeof(t[i].uri), "%s", ruri);
		t[i].dst = hops[i];
		/* RFC 5922 4.1: the certificate must name the domain of the URI, not the SRV host */
		if (named)
			memcpy(t[i].dst.tls_name, u.host, strlen(u.host) + 1);
		t[i].q = 1000 - i;	/* one at a time, in DNS order */
	}
}
