/* dns.c - RFC 3263 server location: NAPTR picks the transports and SRV names, SRV orders the
 * servers, A/AAAA gives their addresses.  c-ares runs on the libevent loop: its sockets are
 * libevent events and its timeouts a libevent timer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ares.h>
#include <arpa/nameser.h>

#include "buf.h"
#include "dns.h"
#include "log.h"
#include "xmalloc.h"

#define MAX_SRV_NAMES	4

struct dns_sock {
	ares_socket_t	 fd;
	struct event	*ev;
	struct dns_sock	*next;
};

/* A server to look up: name, port, transport (from SRV, or the URI itself). */
struct hop {
	char		 name[256];
	int		 port;
	enum sip_proto	 proto;
	int		 prio, weight;
};

/* One resolution in progress. */
struct dq {
	char		 host[256];
	int		 port, proto;
	dns_cb		 cb;
	void		*arg;
	char		 srv[MAX_SRV_NAMES][300];
	enum sip_proto	 srvproto[MAX_SRV_NAMES];
	int		 nsrv, isrv;
	struct hop	 hops[DNS_MAX_TARGETS];
	int		 nhops, ihop;
	struct sip_peer	 out[DNS_MAX_TARGETS];
	int		 nout;
};

static ares_channel	 chan;
static int		 chan_ok;
static struct event_base *dbase;
static struct dns_sock	*socks;
static struct event	*ev_timeout;

static void dq_srv_next(struct dq *);
static void dq_addr_next(struct dq *);

/* c-ares timers: the earliest of its timeouts becomes our one libevent timer. */
static void
arm_timeout(void)
{
	struct timeval tv, *tvp;

	if (!chan_ok)
		return;
	if ((tvp = ares_timeout(chan, NULL, &tv)) != NULL)
		evtimer_add(ev_timeout, tvp);
	else
		evtimer_del(ev_timeout);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	ares_process_fd(chan, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	arm_timeout();
}

static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	ares_process_fd(chan, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	arm_timeout();
}

/* c-ares opens, watches and closes sockets: mirror that in libevent events. */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_sock **pp, *s;

	for (pp = &socks; *pp != NULL && (*pp)->fd != fd; pp = &(*pp)->next)
		;
	if ((s = *pp) != NULL) {
		event_free(s->ev);
		if (!readable && !writable) {
			*pp = s->next;
			free(s);
			return;
		}
	} else {
		if (!readable && !writable)
			return;
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->next = socks;
		socks = s;
	}
	s->ev = event_new(dbase, fd, EV_PERSIST | (readable ? EV_READ : 0) |
	    (writable ? EV_WRITE : 0), on_sock, NULL);
	event_add(s->ev, NULL);
}

int
dns_init(struct event_base *base, char **servers, int nservers)
{
	struct ares_options o;
	struct buf csv;
	int rc;

	dbase = base;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return -1;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state;
	if ((rc = ares_init_options(&chan, &o, ARES_OPT_SOCK_STATE_CB)) != ARES_SUCCESS) {
		log_warnx("dns: %s", ares_strerror(rc));
		return -1;
	}
	chan_ok = 1;
	ev_timeout = evtimer_new(base, on_timeout, NULL);
	if (nservers > 0) {
		buf_init(&csv, 128);
		for (int i = 0; i < nservers; i++)
			buf_printf(&csv, "%s%s", i ? "," : "", servers[i]);
		rc = ares_set_servers_ports_csv(chan, csv.p);
		buf_free(&csv);
		if (rc != ARES_SUCCESS) {
			log_warnx("dns.servers: %s", ares_strerror(rc));
			return -1;
		}
	}
	return 0;
}

void
dns_shutdown(void)
{
	if (!chan_ok)
		return;
	ares_destroy(chan);	/* pending queries end with ARES_EDESTRUCTION: freed, no callback */
	chan_ok = 0;
	while (socks != NULL) {
		struct dns_sock *s = socks;
		socks = s->next;
		event_free(s->ev);
		free(s);
	}
	event_free(ev_timeout);
	ev_timeout = NULL;
	ares_library_cleanup();
}

/* The resolution is over: hand the hops to the caller. */
static void
dq_done(struct dq *q)
{
	q->cb(q->arg, q->out, q->nout);
	free(q);
}

static void
deliver_later(evutil_socket_t fd, short what, void *arg)
{
	dq_done(arg);
}

static void
add_hop(struct dq *q, const char *name, int port, enum sip_proto proto, int prio, int weight)
{
	if (q->nhops == DNS_MAX_TARGETS)
		return;
	struct hop *h = &q->hops[q->nhops++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->port = port;
	h->proto = proto;
	h->prio = prio;
	h->weight = weight;
}

/* The addresses of the current hop. */
static void
addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct dq *q = arg;

	if (status == ARES_EDESTRUCTION) {
		free(q);
		return;
	}
	struct hop *h = &q->hops[q->ihop++];
	for (struct ares_addrinfo_node *n = ai ? ai->nodes : NULL; n != NULL &&
	    q->nout < DNS_MAX_TARGETS; n = n->ai_next) {
		struct sip_peer *p = &q->out[q->nout];
		if (n->ai_family != AF_INET && n->ai_family != AF_INET6)
			continue;
		memset(p, 0, sizeof(*p));
		memcpy(&p->addr, n->ai_addr, n->ai_addrlen);
		p->addrlen = n->ai_addrlen;
		if (n->ai_family == AF_INET6)
			((struct sockaddr_in6 *)&p->addr)->sin6_port = htons((uint16_t)h->port);
		else
			((struct sockaddr_in *)&p->addr)->sin_port = htons((uint16_t)h->port);
		p->proto = h->proto;
		p->lsock = -1;
		q->nout++;
	}
	if (ai)
		ares_freeaddrinfo(ai);
	dq_addr_next(q);
}

/* Look up the next hop's A/AAAA, or finish. */
static void
dq_addr_next(struct dq *q)
{
	struct ares_addrinfo_hints hints;

	if (q->ihop >= q->nhops) {
		dq_done(q);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	ares_getaddrinfo(chan, q->hops[q->ihop].name, NULL, &hints, addr_cb, q);
	arm_timeout();
}

/* RFC 2782: lower priority first; within one, higher weight first (a fixed, simple order). */
static int
hop_cmp(const void *a, const void *b)
{
	const struct hop *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio - y->prio;
	return y->weight - x->weight;
}

static void
srv_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dq *q = arg;
	struct ares_srv_reply *srv = NULL;
	int first = q->nhops;

	if (status == ARES_EDESTRUCTION) {
		free(q);
		return;
	}
	if (status == ARES_SUCCESS && ares_parse_srv_reply(abuf, alen, &srv) == ARES_SUCCESS) {
		for (struct ares_srv_reply *r = srv; r != NULL; r = r->next)
			add_hop(q, r->host, r->port, q->srvproto[q->isrv], r->priority, r->weight);
		ares_free_data(srv);
		qsort(q->hops + first, (size_t)(q->nhops - first), sizeof(q->hops[0]), hop_cmp);
	}
	q->isrv++;
	dq_srv_next(q);
}

/* Query the next SRV name; when none is left, resolve the hops found (or the host itself). */
static void
dq_srv_next(struct dq *q)
{
	if (q->isrv < q->nsrv) {
		ares_query(chan, q->srv[q->isrv], ns_c_in, ns_t_srv, srv_cb, q);
		arm_timeout();
		return;
	}
	if (q->nhops == 0)	/* RFC 3263 4.2: no SRV records: the host's A/AAAA on 5060 */
		add_hop(q, q->host, q->proto == PROTO_TLS ? 5061 : 5060,
		    q->proto >= 0 ? (enum sip_proto)q->proto : PROTO_UDP, 0, 0);
	dq_addr_next(q);
}

static void
add_srv(struct dq *q, const char *name, enum sip_proto proto)
{
	if (q->nsrv == MAX_SRV_NAMES || (q->proto >= 0 && (int)proto != q->proto))
		return;
	snprintf(q->srv[q->nsrv], sizeof(q->srv[0]), "%s", name);
	q->srvproto[q->nsrv++] = proto;
}

static int
naptr_cmp(const void *a, const void *b)
{
	const struct ares_naptr_reply *x = *(const struct ares_naptr_reply * const *)a;
	const struct ares_naptr_reply *y = *(const struct ares_naptr_reply * const *)b;

	if (x->order != y->order)
		return x->order - y->order;
	return x->preference - y->preference;
}

/* RFC 3263 4.1: NAPTR records name the SRV records to use, per transport, in order. */
static void
naptr_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dq *q = arg;
	struct ares_naptr_reply *nap = NULL, *sorted[16];
	int n = 0;
	char name[300];

	if (status == ARES_EDESTRUCTION) {
		free(q);
		return;
	}
	if (status == ARES_SUCCESS && ares_parse_naptr_reply(abuf, alen, &nap) == ARES_SUCCESS) {
		for (struct ares_naptr_reply *r = nap; r != NULL && n < 16; r = r->next)
			sorted[n++] = r;
		qsort(sorted, (size_t)n, sizeof(sorted[0]), naptr_cmp);
		for (int i = 0; i < n; i++) {
			const char *svc = (const char *)sorted[i]->service;
			if (strcasecmp((const char *)sorted[i]->flags, "s") != 0)
				continue;
			if (strcasecmp(svc, "SIP+D2U") == 0)
				add_srv(q, sorted[i]->replacement, PROTO_UDP);
			else if (strcasecmp(svc, "SIP+D2T") == 0)
				add_srv(q, sorted[i]->replacement, PROTO_TCP);
			else if (strcasecmp(svc, "SIPS+D2T") == 0)
				add_srv(q, sorted[i]->replacement, PROTO_TLS);
		}
		ares_free_data(nap);
	}
	if (q->nsrv == 0) {
		/* 4.1: no NAPTR: SRV for the transports sipd speaks */
		snprintf(name, sizeof(name), "_sip._udp.%s", q->host);
		add_srv(q, name, PROTO_UDP);
		snprintf(name, sizeof(name), "_sip._tcp.%s", q->host);
		add_srv(q, name, PROTO_TCP);
		snprintf(name, sizeof(name), "_sips._tcp.%s", q->host);
		add_srv(q, name, PROTO_TLS);
	}
	dq_srv_next(q);
}

/* A numeric host needs no lookup. */
static int
literal(struct dq *q)
{
	struct sip_peer *p = &q->out[0];
	struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;
	int port = q->port ? q->port : q->proto == PROTO_TLS ? 5061 : 5060;

	memset(p, 0, sizeof(*p));
	p->proto = q->proto >= 0 ? (enum sip_proto)q->proto : PROTO_UDP;
	p->lsock = -1;
	if (inet_pton(AF_INET, q->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		p->addrlen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, q->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		p->addrlen = sizeof(*s6);
	} else
		return 0;
	q->nout = 1;
	return 1;
}

void
dns_resolve(const char *host, int port, int proto, dns_cb cb, void *arg)
{
	struct dq *q = xcalloc(1, sizeof(*q));
	struct timeval now = { 0, 0 };

	snprintf(q->host, sizeof(q->host), "%s", host);
	q->port = port;
	q->proto = proto;
	q->cb = cb;
	q->arg = arg;
	if (literal(q) || !chan_ok) {
		event_base_once(dbase, -1, EV_TIMEOUT, deliver_later, q, &now);
		return;
	}
	if (port != 0) {
		/* RFC 3263 4.2: an explicit port: only the address records */
		add_hop(q, host, port, proto >= 0 ? (enum sip_proto)proto : PROTO_UDP, 0, 0);
		dq_addr_next(q);
		return;
	}
	ares_query(chan, host, ns_c_in, ns_t_naptr, naptr_cb, q);
	arm_timeout();
}
