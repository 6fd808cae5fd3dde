/* keepalive.c - every nat.keepalive_interval seconds an OPTIONS goes to each binding reached at
 * its received address over UDP (a NAT'd phone).  Any response counts as alive; a transaction
 * that times out (or cannot be sent) is a failure, and nat.keepalive_failures of them in a row
 * remove the binding from memory and from the database. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "domain.h"
#include "keepalive.h"
#include "location.h"
#include "log.h"
#include "sipbuild.h"
#include "transport.h"
#include "txn.h"
#include "xmalloc.h"

/* Which binding a keep-alive was for (it may be gone or replaced when the answer comes). */
struct ka_probe {
	char		*aor;
	char		*key;
	int64_t		 updated;
	struct txn	*t;
	struct ka_probe	*prev, *next;
};

static struct event	*ev_tick;
static unsigned		 seq;
static struct ka_probe	*probes;	/* in flight, for shutdown */

static void
probe_free(struct ka_probe *p)
{
	if (p->t != NULL) {
		if (p->prev)
			p->prev->next = p->next;
		else
			probes = p->next;
		if (p->next)
			p->next->prev = p->prev;
		txn_client_detach(p->t);
		txn_unref(p->t);
	}
	free(p->aor);
	free(p->key);
	free(p);
}

/* The binding a probe was for, if it is still the same registration. */
static struct binding *
probe_binding(const struct ka_probe *p, struct aor **ap)
{
	struct binding *b;

	if ((*ap = location_get(p->aor)) == NULL || (b = location_find(*ap, p->key)) == NULL)
		return NULL;
	return b->updated == p->updated ? b : NULL;
}

static void
probe_done(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	struct ka_probe *p = arg;
	struct binding *b;
	struct aor *a;

	if (status < 200)
		return;
	if ((b = probe_binding(p, &a)) != NULL) {
		if (resp != NULL)
			b->ka_failures = 0;	/* any answer: the phone and its NAT binding live */
		else if (++b->ka_failures >= cfg->keepalive_failures) {
			log_info("keepalive: aor=%s contact=%s unanswered %d times, registration removed",
			    a->aor, b->contact, b->ka_failures);
			location_remove(a, b);
		} else
			log_info("keepalive: aor=%s contact=%s unanswered (%d)", a->aor, b->contact,
			    b->ka_failures);
	}
	probe_free(p);
}

/* The OPTIONS for binding b (RFC 3261 11.1): Request-URI and To are its contact, From is the
 * server's domain; branch gets the request's branch.  NULL when it cannot be built. */
static char *
probe_request(const struct binding *b, char *branch, size_t blen, size_t *len)
{
	char host[64], callid[24], *v;
	int port = 0, v6 = b->received.addr.ss_family == AF_INET6;
	struct sipbuild *rq = sipbuild_new("OPTIONS", b->contact);

	if (transport_local(PROTO_UDP, b->received.addr.ss_family, host, sizeof(host), &port) == -1)
		snprintf(host, sizeof(host), "%s", v6 ? "::1" : "127.0.0.1");
	sip_random_token(callid, 20);
	snprintf(branch, blen, SIP_BRANCH_COOKIE "-ka%u-%s", ++seq, callid);
	xasprintf(&v, "SIP/2.0/UDP %s%s%s:%d;branch=%s;rport", v6 ? "[" : "", host, v6 ? "]" : "",
	    port, branch);
	sipbuild_via(rq, v);
	free(v);
	sipbuild_max_forwards(rq, 70);
	xasprintf(&v, "<sip:%s>;tag=ka%u", domain_primary(), seq);
	sipbuild_from(rq, v);
	free(v);
	xasprintf(&v, "<%s>", b->contact);
	sipbuild_to(rq, v);
	free(v);
	xasprintf(&v, "%s@%s", callid, domain_primary());
	sipbuild_call_id(rq, v);
	free(v);
	sipbuild_cseq(rq, 1, "OPTIONS");
	if (cfg->server_name != NULL && cfg->server_name[0] != '\0')
		sipbuild_header(rq, "User-Agent", cfg->server_name);
	return sipbuild_finish(rq, len);
}

/* The OPTIONS for binding b, sent to where it registered from. */
static void
send_probe(struct aor *a, struct binding *b)
{
	struct ka_probe *p;
	char branch[64], *req;
	size_t len;
	struct txn *t;

	if ((req = probe_request(b, branch, sizeof(branch), &len)) == NULL) {
		log_warnx("keepalive: aor=%s contact=%s: cannot build the OPTIONS", a->aor,
		    b->contact);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->aor = xstrdup(a->aor);
	p->key = xstrdup(b->key);
	p->updated = b->updated;
	t = txn_client_new(&b->received, SIP_OPTIONS, branch, req, len, probe_done, p);
	if (t == NULL) {
		probe_free(p);	/* not sent (no socket of the family): nothing learnt */
		return;
	}
	p->t = txn_ref(t);
	if ((p->next = probes) != NULL)
		probes->prev = p;
	probes = p;
}

/* Bindings to probe: NAT'd UDP ones that have not expired. */
struct ka_list {
	struct aor	**a;
	struct binding	**b;
	size_t		  n, cap;
};

static void
collect(struct aor *a, struct binding *b, void *arg)
{
	struct ka_list *l = arg;

	if (!b->nat || b->received.proto != PROTO_UDP || b->expires <= time(NULL))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->a = xrealloc(l->a, l->cap * sizeof(*l->a));
		l->b = xrealloc(l->b, l->cap * sizeof(*l->b));
	}
	l->a[l->n] = a;
	l->b[l->n++] = b;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct ka_list l = { NULL, NULL, 0, 0 };

	location_foreach(collect, &l);
	for (size_t i = 0; i < l.n; i++)
		send_probe(l.a[i], l.b[i]);
	free(l.a);
	free(l.b);
}

void
keepalive_init(struct event_base *base)
{
	struct timeval tv = { cfg->keepalive_interval, 0 };

	if (cfg->keepalive_interval == 0)
		return;
	ev_tick = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(ev_tick, &tv);
}

void
keepalive_shutdown(void)
{
	if (ev_tick != NULL)
		event_free(ev_tick);
	ev_tick = NULL;
	while (probes != NULL)
		probe_free(probes);
}
