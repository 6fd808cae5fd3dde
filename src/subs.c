/* subs.c - subscriptions and the NOTIFYs they get (see subs.h).  A subscription is a dialog
 * (RFC 6665 4.1.2.1): the SUBSCRIBE's Call-ID, its From tag and our To tag identify it, its
 * Contact is the remote target, its Record-Route the route set (RFC 3261 12.1.1).  NOTIFYs go
 * one at a time per subscription (their CSeq order is the order of the states they carry); a
 * change while one is in flight is sent once that one is answered.  Any final answer other
 * than 2xx, a timeout (408) or a transport failure ends the subscription (RFC 6665 4.2.2). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "domain.h"
#include "htab.h"
#include "log.h"
#include "metrics.h"
#include "proxy_target.h"
#include "sipbuild.h"
#include "sipval.h"
#include "subs.h"
#include "transport.h"
#include "txn.h"
#include "uri.h"
#include "xmalloc.h"

#define SUBS_MAX_FIELD	1024	/* longest To, From, Contact, Record-Route set we keep */

struct sub {
	const struct subs_package *p;
	char		*resource;
	char		*call_id;
	char		*local_tag;	/* ours: the SUBSCRIBE's To tag, the NOTIFY's From tag */
	char		*remote_tag;	/* the watcher's From tag */
	char		*key;		/* call_id "\n" local_tag (the index) */
	char		*local;		/* the SUBSCRIBE's To value (without tag): NOTIFY's From */
	char		*remote;	/* the SUBSCRIBE's From value (with tag): NOTIFY's To */
	char		*target;	/* the remote target (Contact URI) */
	char		*routes;	/* the route set, values separated by '\n'; "" when none */
	char		*event;		/* the Event value to send ("presence;id=x") */
	char		*contact;	/* our Contact URI */
	char		*members;	/* a resource list's member AORs, '\n'-separated; NULL: none */
	char		 watcher_ip[64];
	char		*watcher;	/* the From URI */
	struct sip_peer	 dst;		/* where the SUBSCRIBE came from */
	uint32_t	 cseq, remote_cseq;
	time_t		 expires;
	unsigned	 version;
	struct txn	*t;		/* the NOTIFY in flight */
	int		 dirty;		/* a change came while t was in flight */
	struct sub	*prev, *next;
};

static struct sub	*subs;
static struct htab	*by_key;	/* key -> sub */
static struct htab	*counts;	/* "ip:ADDR" / "from:URI" -> live subscriptions (intptr) */
static size_t		 nsubs;
static struct event	*ev_sweep;
static unsigned		 seq;

static void
count_add(const char *kind, const char *what, int d)
{
	char key[600];
	int n = snprintf(key, sizeof(key), "%s:%s", kind, what);
	intptr_t v = (intptr_t)htab_get(counts, key, n) + d;

	if (v <= 0)
		htab_del(counts, key, n);
	else
		htab_put(counts, key, n, (void *)v);
}

static intptr_t
count_of(const char *kind, const char *what)
{
	char key[600];
	int n = snprintf(key, sizeof(key), "%s:%s", kind, what);

	return (intptr_t)htab_get(counts, key, n);
}

/* 1 when aor is one of the '\n'-separated members. */
static int
member_of(const char *members, const char *aor)
{
	size_t n = strlen(aor);

	for (const char *p = members; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, aor, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Count (d = 1) or uncount (-1) s's list members as watched. */
static void
members_count(const struct sub *s, int d)
{
	char *copy, *save = NULL;

	if (s->members == NULL)
		return;
	copy = xstrdup(s->members);
	for (char *one = strtok_r(copy, "\n", &save); one; one = strtok_r(NULL, "\n", &save))
		count_add(s->p->name, one, d);
	free(copy);
}

static void
sub_free(struct sub *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	htab_del(by_key, s->key, strlen(s->key));
	count_add("ip", s->watcher_ip, -1);
	count_add("from", s->watcher, -1);
	count_add(s->p->name, s->resource, -1);
	members_count(s, -1);
	nsubs--;
	if (s->t != NULL) {
		txn_client_detach(s->t);
		txn_unref(s->t);
	}
	free(s->resource);
	free(s->call_id);
	free(s->local_tag);
	free(s->remote_tag);
	free(s->key);
	free(s->local);
	free(s->remote);
	free(s->target);
	free(s->routes);
	free(s->event);
	free(s->contact);
	free(s->watcher);
	free(s->members);
	free(s);
}

/* The Subscription-State value for s now (RFC 6665 8.2.3); reason NULL: active. */
static void
substate(const struct sub *s, const char *reason, char *buf, size_t len)
{
	long left = (long)(s->expires - time(NULL));

	if (reason != NULL)
		snprintf(buf, len, "terminated;reason=%s", reason);
	else
		snprintf(buf, len, "active;expires=%ld", left > 0 ? left : 0);
}

/* Where s's NOTIFYs go: where its SUBSCRIBE came from; but when its remote target is a GRUU
 * of ours and there is no route set, the instance's newest binding (RFC 5627 6.1: a request
 * to a GRUU reaches its instance; the phone, which took its pub-gruu as Contact, may have
 * registered from a new flow or NAT mapping since it subscribed). */
static void
notify_route(struct sub *s)
{
	struct target g;

	if (s->routes[0] != '\0' || strstr(s->target, ";gr") == NULL ||
	    proxy_target_gruu(s->target, &g) != 0)
		return;
	s->dst = g.dst;
}

/* The NOTIFY for s in state (RFC 6665 8.1.2: Event, Subscription-State; a dialog request,
 * RFC 3261 12.2.1.1), built with libosip2.  NULL when it cannot be built. */
static char *
notify_build(struct sub *s, const char *reason, char *branch, size_t blen, size_t *len)
{
	struct sipbuild *b = sipbuild_new("NOTIFY", s->target);
	int v6 = s->dst.addr.ss_family == AF_INET6, port = 0;
	char host[64], tok[24], state[80], *v, *body, *r, *save = NULL;
	size_t bl = 0;

	if (transport_local(s->dst.proto, s->dst.addr.ss_family, host, sizeof(host), &port) == -1)
		snprintf(host, sizeof(host), "%s", v6 ? "::1" : "127.0.0.1");
	sip_random_token(tok, 16);
	snprintf(branch, blen, SIP_BRANCH_COOKIE "-sn%u-%s", ++seq, tok);
	xasprintf(&v, "SIP/2.0/%s %s%s%s:%d;branch=%s;rport", sip_proto_via(s->dst.proto),
	    v6 ? "[" : "", host, v6 ? "]" : "", port, branch);
	sipbuild_via(b, v);
	free(v);
	r = xstrdup(s->routes);
	for (char *one = strtok_r(r, "\n", &save); one != NULL; one = strtok_r(NULL, "\n", &save))
		sipbuild_route(b, one);
	free(r);
	sipbuild_max_forwards(b, 70);
	xasprintf(&v, "%s;tag=%s", s->local, s->local_tag);
	sipbuild_from(b, v);
	free(v);
	sipbuild_to(b, s->remote);
	sipbuild_call_id(b, s->call_id);
	sipbuild_cseq(b, ++s->cseq, "NOTIFY");
	xasprintf(&v, "<%s>", s->contact);
	sipbuild_contact(b, v);
	free(v);
	sipbuild_header(b, "Event", s->event);
	substate(s, reason, state, sizeof(state));
	sipbuild_header(b, "Subscription-State", state);
	if (s->members != NULL) {	/* RFC 4662 5: a list's NOTIFY requires eventlist */
		sipbuild_header(b, "Require", "eventlist");
		if ((body = s->p->list_body(s->resource, s->members, s->version, &bl)) != NULL) {
			sipbuild_body_as_sent(b, s->p->list_ctype, body, bl);
			free(body);
		}
	} else if (s->p->body != NULL && (body = s->p->body(s->resource, s->version, &bl)) != NULL) {
		sipbuild_body(b, s->p->ctype, body, bl);
		free(body);
	}
	s->version++;
	return sipbuild_finish(b, len);
}

static void notify_send(struct sub *);

/* The watcher's answer to a NOTIFY. */
static void
notified(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	struct sub *s = arg;

	if (status < 200)
		return;
	txn_client_detach(s->t);
	txn_unref(s->t);
	s->t = NULL;
	if (status >= 300) {
		/* RFC 6665 4.2.2: 481 and a timeout end it; so does any other refusal */
		log_info("subs: NOTIFY call-id=%s event=%s resource=%s answered %d: subscription "
		    "ended", s->call_id, s->p->name, s->resource, status);
		sub_free(s);
		return;
	}
	if (s->dirty)
		notify_send(s);
}

/* Send s's current state (or mark it for after the NOTIFY in flight). */
static void
notify_send(struct sub *s)
{
	char branch[64], *req;
	size_t len;

	if (s->t != NULL) {
		s->dirty = 1;
		return;
	}
	s->dirty = 0;
	notify_route(s);
	if ((req = notify_build(s, NULL, branch, sizeof(branch), &len)) == NULL) {
		log_warnx("subs: call-id=%s NOTIFY cannot be built: subscription ended", s->call_id);
		sub_free(s);
		return;
	}
	if ((s->t = txn_client_new(&s->dst, SIP_NOTIFY, branch, req, len, notified, s)) == NULL) {
		log_info("subs: call-id=%s NOTIFY cannot be sent: subscription ended", s->call_id);
		sub_free(s);
		return;
	}
	txn_ref(s->t);
}

/* End s with a terminated NOTIFY (reason); once: without retransmission (shutdown). */
static void
sub_end(struct sub *s, const char *reason, int once)
{
	char branch[64], *req;
	size_t len;
	struct txn *t;

	notify_route(s);
	if ((req = notify_build(s, reason, branch, sizeof(branch), &len)) != NULL) {
		if (once) {
			transport_send(&s->dst, req, len);
			free(req);
		} else if ((t = txn_client_new(&s->dst, SIP_NOTIFY, branch, req, len, NULL,
		    NULL)) == NULL)
			log_debug("subs: call-id=%s final NOTIFY not sent", s->call_id);
	}
	log_info("subs: ended call-id=%s event=%s resource=%s watcher=%s reason=%s", s->call_id,
	    s->p->name, s->resource, s->watcher, reason);
	sub_free(s);
}

/* The subscription an in-dialog SUBSCRIBE m belongs to, or NULL. */
static struct sub *
sub_find(const struct sipmsg *m)
{
	char key[600];
	int n;
	struct sub *s;

	if (m->to_tag == NULL || m->from_tag == NULL)
		return NULL;
	n = snprintf(key, sizeof(key), "%s\n%s", m->call_id, m->to_tag);
	if (n < 0 || (size_t)n >= sizeof(key) || (s = htab_get(by_key, key, n)) == NULL)
		return NULL;
	return strcmp(s->remote_tag, m->from_tag) == 0 ? s : NULL;
}

/* Seconds m asks for: its Expires, or the package's default; -1 when malformed. */
static long
expires_asked(const struct sipmsg *m, const struct subs_package *p)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EXPIRES, NULL);
	long v = 0;
	size_t i;

	if (h == NULL)
		return p->default_expires;
	for (i = 0; i < h->vlen && isdigit((unsigned char)m->raw[h->voff + i]); i++)
		if (v < 100000000)
			v = v * 10 + (m->raw[h->voff + i] - '0');
	return i == 0 || i != h->vlen ? -1 : v;
}

/* The URI of m's first Contact (malloc'ed), or NULL when there is none usable. */
static char *
contact_uri(const struct sipmsg *m)
{
	struct sipmsg_iter it;
	struct uri_parts u;
	const char *v, *lt, *gt;
	size_t n;

	sipmsg_iter_init(&it, m, HDR_CONTACT);
	if (!sipmsg_iter_next(&it, &v, &n) || n == 0 || n > SUBS_MAX_FIELD)
		return NULL;
	if ((lt = memchr(v, '<', n)) != NULL) {
		if ((gt = memchr(lt, '>', v + n - lt)) == NULL)
			return NULL;
		v = lt + 1;
		n = gt - v;
	} else if (strcspn(v, ";> \t") < n)	/* raw is NUL-terminated */
		n = strcspn(v, ";> \t");
	if (uri_split(v, n, &u) == -1)
		return NULL;
	return xstrndup(v, n);
}

/* The value of m's first header id (copied), or NULL when absent or too long. */
static char *
hdr_copy(const struct sipmsg *m, enum hdr_id id)
{
	const struct sip_hdr *h = sipmsg_hdr(m, id, NULL);
	char *v;

	if (h == NULL || h->vlen > SUBS_MAX_FIELD)
		return NULL;
	v = xstrndup(m->raw + h->voff, h->vlen);
	for (char *p = v; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';	/* folds */
	return v;
}

/* The route set of m's Record-Route values, in order (RFC 3261 12.1.1), '\n'-separated;
 * NULL when too long. */
static char *
route_set(const struct sipmsg *m)
{
	struct sipmsg_iter it;
	struct buf b;
	const char *v;
	size_t n;

	buf_init(&b, 64);
	buf_adds(&b, "");
	sipmsg_iter_init(&it, m, HDR_RECORD_ROUTE);
	while (sipmsg_iter_next(&it, &v, &n)) {
		if (n == 0)
			continue;
		if (b.len + n > SUBS_MAX_FIELD) {
			buf_free(&b);
			return NULL;
		}
		if (b.len)
			buf_adds(&b, "\n");
		buf_add(&b, v, n);
	}
	return buf_take(&b, NULL);
}

/* Our Contact for a subscription to resource reached over src (the address the watcher
 * sends its refreshes to). */
static char *
our_contact(const char *resource, const struct sip_peer *src)
{
	struct uri_parts u;
	char host[64], *c;
	int port = 0, v6 = src->addr.ss_family == AF_INET6;

	if (uri_split(resource, strlen(resource), &u) == -1)
		u.user[0] = '\0';
	if (transport_local(src->proto, src->addr.ss_family, host, sizeof(host), &port) == -1)
		snprintf(host, sizeof(host), "%s", v6 ? "::1" : "127.0.0.1");
	xasprintf(&c, "sip:%s%s%s%s%s:%d%s%s", u.user, u.user[0] ? "@" : "", v6 ? "[" : "", host,
	    v6 ? "]" : "", port, src->proto == PROTO_UDP ? "" : ";transport=",
	    src->proto == PROTO_UDP ? "" : sip_proto_name(src->proto));
	return c;
}

/* A new subscription from the initial SUBSCRIBE m; NULL (answered) when refused. */
static struct sub *
sub_new(struct txn *t, struct sipmsg *m, const struct subs_package *p, const char *resource)
{
	struct sub *s = xcalloc(1, sizeof(*s));
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EVENT, NULL);
	struct sipval_event ev;
	int port;

	s->target = contact_uri(m);
	s->local = hdr_copy(m, HDR_TO);
	s->remote = hdr_copy(m, HDR_FROM);
	s->routes = route_set(m);
	if (s->target == NULL || s->local == NULL || s->remote == NULL || s->routes == NULL ||
	    m->from_tag == NULL || m->from_uri == NULL || strlen(m->call_id) > 256) {
		txn_reply(t, 400, s->target ? "Bad Subscription Dialog" : "Missing Contact", NULL,
		    NULL, NULL, 0);
		goto fail;
	}
	if (h != NULL && sipval_event(m->raw + h->voff, h->vlen, &ev) == 0 && ev.id[0] != '\0')
		xasprintf(&s->event, "%s;id=%s", p->name, ev.id);
	else
		s->event = xstrdup(p->name);
	s->p = p;
	s->resource = xstrdup(resource);
	s->call_id = xstrdup(m->call_id);
	s->local_tag = xstrdup(txn_totag(t));
	s->remote_tag = xstrdup(m->from_tag);
	xasprintf(&s->key, "%s\n%s", s->call_id, s->local_tag);
	s->watcher = xstrdup(m->from_uri);
	sip_addr_host(&m->src.addr, s->watcher_ip, sizeof(s->watcher_ip), &port);
	s->dst = m->src;
	s->contact = our_contact(resource, &m->src);
	s->remote_cseq = m->cseq;
	return s;
fail:
	free(s->target);
	free(s->local);
	free(s->remote);
	free(s->routes);
	free(s);
	return NULL;
}

/* Link s in: listed, indexed, counted. */
static void
sub_link(struct sub *s)
{
	if ((s->next = subs) != NULL)
		subs->prev = s;
	subs = s;
	htab_put(by_key, s->key, strlen(s->key), s);
	count_add("ip", s->watcher_ip, 1);
	count_add("from", s->watcher, 1);
	count_add(s->p->name, s->resource, 1);
	members_count(s, 1);
	nsubs++;
}

int
subs_lograte(struct subs_lograte *r, unsigned long *quiet)
{
	time_t now = time(NULL);

	if (now < r->next) {
		r->quiet++;
		return 0;
	}
	r->next = now + SUBS_LOG_EVERY;
	*quiet = r->quiet;
	r->quiet = 0;
	return 1;
}

/* 1 when a new subscription from m is over a limit (answered).  Refusals are logged at
 * most once per SUBS_LOG_EVERY seconds and kind (a storm is one line, not one per request). */
static int
over_limit(struct txn *t, const struct sipmsg *m)
{
	static struct subs_lograte total_rl, watcher_rl;
	unsigned long quiet;
	char ip[64];
	int port;

	if (nsubs >= (size_t)cfg->subs_max_total) {
		if (subs_lograte(&total_rl, &quiet))
			log_info("subs: call-id=%s refused: subs.max_total (%d) reached, status=503 "
			    "(%lu more like it not logged)", m->call_id, cfg->subs_max_total, quiet);
		txn_reply(t, 503, "Too Many Subscriptions", "Retry-After: 60\r\n", NULL, NULL, 0);
		return 1;
	}
	sip_addr_host(&m->src.addr, ip, sizeof(ip), &port);
	if (count_of("ip", ip) >= cfg->subs_max_per_watcher ||
	    (m->from_uri != NULL && count_of("from", m->from_uri) >= cfg->subs_max_per_watcher)) {
		if (subs_lograte(&watcher_rl, &quiet))
			log_info("subs: call-id=%s from %s refused: subs.max_per_watcher (%d) reached, "
			    "status=403 (%lu more like it not logged)", m->call_id, ip,
			    cfg->subs_max_per_watcher, quiet);
		txn_reply(t, 403, "Too Many Subscriptions", NULL, NULL, NULL, 0);
		return 1;
	}
	return 0;
}

/* The 200 to a SUBSCRIBE: its granted duration and our Contact (RFC 6665 4.2.1.1). */
static void
accept_subscribe(struct txn *t, const struct sub *s, long granted)
{
	char extra[1200];

	snprintf(extra, sizeof(extra), "Expires: %ld\r\nContact: <%s>\r\n%s", granted, s->contact,
	    s->members ? "Require: eventlist\r\n" : "");
	txn_reply(t, 200, NULL, extra, NULL, NULL, 0);
}

/* Seconds to grant for m: -1 when answered (400, 423). */
static long
granted_expires(struct txn *t, const struct sipmsg *m, const struct subs_package *p)
{
	long e = expires_asked(m, p);
	char extra[64];

	if (e < 0) {
		txn_reply(t, 400, "Bad Expires", NULL, NULL, NULL, 0);
		return -1;
	}
	if (e > 0 && e < cfg->subs_min_expires) {
		/* RFC 6665 4.2.1.1: too short a subscription gets 423 with Min-Expires */
		snprintf(extra, sizeof(extra), "Min-Expires: %d\r\n", cfg->subs_min_expires);
		txn_reply(t, 423, NULL, extra, NULL, NULL, 0);
		return -1;
	}
	return e > cfg->subs_max_expires ? cfg->subs_max_expires : e;
}

/* An in-dialog SUBSCRIBE: refresh, or end with Expires 0 (RFC 6665 4.2.1.2, 4.2.1.4). */
static void
refresh(struct txn *t, struct sipmsg *m, const struct subs_package *p)
{
	struct sub *s = sub_find(m);
	long e;

	if (s == NULL || s->p != p) {
		txn_reply(t, 481, "Subscription Does Not Exist", NULL, NULL, NULL, 0);
		return;
	}
	if (m->cseq <= s->remote_cseq) {	/* RFC 3261 12.2.2: out of order */
		txn_reply(t, 500, "CSeq Out Of Order", NULL, NULL, NULL, 0);
		return;
	}
	if ((e = granted_expires(t, m, p)) < 0)
		return;
	s->remote_cseq = m->cseq;
	s->expires = time(NULL) + e;
	s->dst = m->src;	/* the watcher's latest way here (a new flow, a new NAT mapping) */
	accept_subscribe(t, s, e);
	if (e == 0) {
		sub_end(s, "timeout", 0);
		return;
	}
	log_info("subs: refreshed call-id=%s event=%s resource=%s expires=%ld", s->call_id,
	    p->name, s->resource, e);
	notify_send(s);
}

/* A new subscription from the initial SUBSCRIBE m (of a list when members is not NULL). */
static void
create(struct txn *t, struct sipmsg *m, const struct subs_package *p, const char *resource,
    const char *members)
{
	struct sub *s;
	long e;

	if ((e = granted_expires(t, m, p)) < 0 || over_limit(t, m) ||
	    (s = sub_new(t, m, p, resource)) == NULL)
		return;
	s->members = members ? xstrdup(members) : NULL;
	s->expires = time(NULL) + e;
	sub_link(s);
	accept_subscribe(t, s, e);
	if (e == 0) {
		/* RFC 6665 4.2.1: a fetch; one NOTIFY with the state, and it is over */
		sub_end(s, "timeout", 0);
		return;
	}
	log_info("subs: new call-id=%s event=%s resource=%s%s watcher=%s expires=%ld", s->call_id,
	    p->name, resource, members ? " (list)" : "", s->watcher, e);
	notify_send(s);
}

void
subs_subscribe(struct txn *t, struct sipmsg *m, const struct subs_package *p,
    const char *resource)
{
	if (m->to_tag != NULL)
		refresh(t, m, p);
	else
		create(t, m, p, resource, NULL);
}

void
subs_subscribe_list(struct txn *t, struct sipmsg *m, const struct subs_package *p,
    const char *list, const char *members)
{
	create(t, m, p, list, members);
}

void
subs_changed(const struct subs_package *p, const char *resource)
{
	for (struct sub *s = subs, *next; s != NULL; s = next) {
		next = s->next;
		if ((p == NULL || s->p == p) && (strcmp(s->resource, resource) == 0 ||
		    member_of(s->members, resource)))
			notify_send(s);
	}
}

int
subs_watched(const struct subs_package *p, const char *resource)
{
	return count_of(p->name, resource) > 0;
}

size_t
subs_count(void)
{
	return nsubs;
}

size_t
subs_memory(void)
{
	size_t n = 0;

	for (const struct sub *s = subs; s != NULL; s = s->next)
		n += xmalloc_size(s) + xmalloc_size(s->resource) + xmalloc_size(s->call_id) +
		    xmalloc_size(s->local_tag) + xmalloc_size(s->remote_tag) +
		    xmalloc_size(s->key) + xmalloc_size(s->local) + xmalloc_size(s->remote) +
		    xmalloc_size(s->target) + xmalloc_size(s->routes) + xmalloc_size(s->event) +
		    xmalloc_size(s->contact) + xmalloc_size(s->watcher) + xmalloc_size(s->members);
	return n;
}

/* Once a second: subscriptions past their time end (RFC 6665 4.2.2: reason=timeout). */
static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	time_t now = time(NULL);

	for (struct sub *s = subs, *next; s != NULL; s = next) {
		next = s->next;
		if (s->expires <= now)
			sub_end(s, "timeout", 0);
	}
}

void
subs_init(struct event_base *base)
{
	struct timeval tv = { 1, 0 };

	by_key = htab_new();
	counts = htab_new();
	ev_sweep = event_new(base, -1, EV_PERSIST, sweep, NULL);
	event_add(ev_sweep, &tv);
	metrics_gauge_source(G_SUBSCRIPTIONS, subs_count);
}

void
subs_shutdown(void)
{
	while (subs != NULL)
		sub_end(subs, "deactivated", 1);
	if (ev_sweep != NULL)
		event_free(ev_sweep);
	ev_sweep = NULL;
	if (by_key != NULL)
		htab_free(by_key);
	if (counts != NULL)
		htab_free(counts);
	by_key = counts = NULL;
}
