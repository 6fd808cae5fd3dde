/* msgstore.c - the offline message store (see msgstore.h): which MESSAGEs are kept (out of
 * dialog, not typing notifications, a body within messages.max_body, not expired), for whom
 * (the user's AOR, an extension's owner), how long (messages.lifetime, the request's Expires,
 * the user's Contact parameter message-expires), and their delivery when a phone registers:
 * one at a time, in order, each row deleted on the phone's 2xx; the first failure stops the
 * delivery until the next registration.  The SQL is the store's (store_msg_*). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "domain.h"
#include "htab.h"
#include "location.h"
#include "log.h"
#include "msgstore.h"
#include "proxy_target.h"
#include "sipbuild.h"
#include "store.h"
#include "transport.h"
#include "txn.h"
#include "uri.h"
#include "xmalloc.h"

/* A MESSAGE waiting for its row's commit before the 202. */
struct saving {
	struct txn	*t;
	char		*aor;
	char		*call_id;
	size_t		 bytes;
	int64_t		 expires;
	int		 silent;	/* no answer: the sender gave up at the same time */
};

/* Delivery of an AOR's stored messages to one phone (binding key). */
struct delivery {
	char		*aor;
	char		*key;
	int64_t		 last;		/* id of the last row delivered */
	int		 sent;
	struct store_msg cur;		/* the row in flight */
	struct txn	*t;
	struct delivery	*prev, *next;
};

static struct htab	*waiting;	/* AORs that may have rows (value: (void *)1) */
static struct delivery	*deliveries;
static struct event	*ev_expire;
static int64_t		 next_expiry;	/* earliest expiry of a stored row; 0 none known */
static unsigned		 seq;

#define ISCOMPOSING	"application/im-iscomposing+xml"	/* RFC 3994: never stored */

static void
waiting_add(const char *aor)
{
	if (htab_get(waiting, aor, strlen(aor)) == NULL)
		htab_put(waiting, aor, strlen(aor), (void *)1);
}

/* Digits of an Expires-like value; -1 when there are none. */
static long long
digits(const char *p, size_t n)
{
	long long v = 0;
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n || !isdigit((unsigned char)p[i]))
		return -1;
	for (; i < n && isdigit((unsigned char)p[i]); i++)
		if (v < 1000000000LL)
			v = v * 10 + (p[i] - '0');
	return v;
}

/* The shortest message-expires a binding of aor registered (a phone's wish), or -1. */
static long long
contact_message_expires(const char *aor)
{
	static const char name[] = ";message-expires=";
	struct aor *a = location_get(aor);
	long long best = -1, v;

	for (struct binding *b = a ? a->bindings : NULL; b != NULL; b = b->next) {
		const char *p = strcasestr(b->params, name);
		if (p != NULL && (v = digits(p + sizeof(name) - 1, strlen(p) - sizeof(name) + 1)) >= 0 &&
		    (best < 0 || v < best))
			best = v;
	}
	return best;
}

/* Seconds m may wait: messages.lifetime, or less when its Expires (RFC 3428 is silent; RFC
 * 3261 20.19 gives it to MESSAGE as the validity of its content) or the user's phones ask. */
static long long
lifetime(const struct sipmsg *m, const char *aor)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EXPIRES, NULL);
	long long life = cfg->msg_lifetime, v;

	if (h != NULL && (v = digits(m->raw + h->voff, h->vlen)) >= 0 && v < life)
		life = v;
	if ((v = contact_message_expires(aor)) >= 0 && v < life)
		life = v;
	return life;
}

/* 1 when m is a MESSAGE that would be stored: out of dialog, with a body that is not a
 * typing notification. */
static int
storable(const struct sipmsg *m)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_CONTENT_TYPE, NULL);

	return cfg->msg_store && m->method == SIP_MESSAGE && m->to_tag == NULL && h != NULL &&
	    m->body_len > 0 && !(h->vlen >= sizeof(ISCOMPOSING) - 1 &&
	    strncasecmp(m->raw + h->voff, ISCOMPOSING, sizeof(ISCOMPOSING) - 1) == 0);
}

/* The AOR m's Request-URI names (an extension's owner's); -1 when not a user of ours. */
static int
recipient_aor(const struct sipmsg *m, char *out, size_t len)
{
	struct uri_parts u;
	struct auth_user au;
	const char *domain;
	char owner[128];

	if (uri_split(m->ruri, strlen(m->ruri), &u) == -1 || u.user[0] == '\0' ||
	    domain_aor(u.user, u.host, u.port, &domain) == -1)
		return -1;
	if (store_user_get(u.user, domain, &au) == -1 &&
	    store_user_by_extension(u.user, domain, owner, sizeof(owner)) == 0)
		snprintf(u.user, sizeof(u.user), "%s", owner);
	return (size_t)snprintf(out, len, "sip:%s@%s", u.user, domain) < len ? 0 : -1;
}

/* The row is on disk: now the sender may hear 202 (RFC 3428 7: accepted, not yet delivered). */
static void
saved(void *arg, int ok)
{
	struct saving *s = arg;

	if (ok && s->silent)
		txn_server_drop(s->t);
	if (ok) {
		if (!s->silent)
			txn_reply(s->t, 202, NULL, NULL, NULL, NULL, 0);
		waiting_add(s->aor);
		if (next_expiry == 0 || s->expires < next_expiry)
			next_expiry = s->expires;
		log_info("msgstore: stored call-id=%s aor=%s bytes=%zu status=%s", s->call_id,
		    s->aor, s->bytes, s->silent ? "none" : "202");
	} else
		txn_reply(s->t, 500, "Database Error", "Retry-After: 5\r\n", NULL, NULL, 0);
	txn_unref(s->t);
	free(s->aor);
	free(s->call_id);
	free(s);
}

/* The value of m's first header with id as a string (copied). */
static char *
hdr_copy(const struct sipmsg *m, enum hdr_id id)
{
	const struct sip_hdr *h = sipmsg_hdr(m, id, NULL);

	return h ? xstrndup(m->raw + h->voff, h->vlen) : xstrdup("");
}

/* Store m for aor; 202 after the commit, 513 when too large.  0 when not stored (expired at
 * once: the proxy answers as it would). */
static int
save(struct txn *t, struct sipmsg *m, const char *aor, int silent)
{
	long long life = lifetime(m, aor);
	time_t now = time(NULL);
	struct saving *s;
	struct store_msg sm;

	if (m->body_len > (size_t)cfg->msg_max_body) {
		log_info("msgstore: call-id=%s aor=%s body of %zu bytes over messages.max_body, "
		    "status=513", m->call_id, aor, m->body_len);
		txn_reply(t, 513, NULL, NULL, NULL, NULL, 0);
		return 1;
	}
	if (life <= 0)
		return 0;
	memset(&sm, 0, sizeof(sm));
	sm.aor = aor;
	sm.sender = hdr_copy(m, HDR_FROM);
	sm.recipient = hdr_copy(m, HDR_TO);
	sm.call_id = m->call_id;
	sm.ctype = hdr_copy(m, HDR_CONTENT_TYPE);
	sm.body = m->raw + m->body_off;
	sm.body_len = m->body_len;
	sm.received = now;
	sm.expires = now + life;
	store_msg_save(&sm, cfg->msg_max_count, cfg->msg_max_bytes);
	free((char *)sm.sender);
	free((char *)sm.recipient);
	free((char *)sm.ctype);
	s = xcalloc(1, sizeof(*s));
	s->t = txn_ref(t);
	s->aor = xstrdup(aor);
	s->call_id = xstrdup(m->call_id);
	s->bytes = m->body_len;
	s->expires = sm.expires;
	s->silent = silent;
	store_flush(saved, s);
	return 1;
}

int
msgstore_unreachable(struct txn *t, struct sipmsg *m, int status, int known)
{
	char aor[600];

	if (!storable(m) || recipient_aor(m, aor, sizeof(aor)) == -1)
		return 0;
	if (status == 480 || status == 430)
		return save(t, m, aor, 0);
	if (status == 404 && cfg->hide_users && !known) {
		/* auth.hide_users: a user that does not exist looks offline, so storing
		 * messages tells a scanner no user names */
		log_info("msgstore: call-id=%s aor=%s no such user, message dropped, status=202",
		    m->call_id, aor);
		txn_reply(t, 202, NULL, NULL, NULL, NULL, 0);
		return 1;
	}
	return 0;
}

int
msgstore_failed(struct txn *t, struct sipmsg *m, int status)
{
	char aor[600];
	struct uri_parts u;

	if ((status != 0 && status != 408 && status != 480 && status != 503 && status != 430) ||
	    !storable(m) ||
	    uri_split(m->ruri, strlen(m->ruri), &u) == -1 || !domain_is_local(u.host, u.port) ||
	    recipient_aor(m, aor, sizeof(aor)) == -1)
		return 0;
	if (status == 0)
		log_info("msgstore: call-id=%s aor=%s its phones did not answer: storing",
		    m->call_id, aor);
	else
		log_info("msgstore: call-id=%s aor=%s its phones answered %d: storing", m->call_id,
		    aor, status);
	return save(t, m, aor, status == 0);
}

/* ---- delivery ---- */

static void
delivery_free(struct delivery *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		deliveries = d->next;
	if (d->next)
		d->next->prev = d->prev;
	if (d->t != NULL) {
		txn_client_detach(d->t);
		txn_unref(d->t);
	}
	store_msg_clear(&d->cur);
	free(d->aor);
	free(d->key);
	free(d);
}

/* fn(b, value) for a stored header value, folds made spaces. */
static void
add_value(struct sipbuild *b, void (*fn)(struct sipbuild *, const char *), const char *v)
{
	char *c = xstrdup(v);

	for (char *p = c; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	fn(b, c);
	free(c);
}

/* The Route values of a target reached through a Path ("Route: a, b\r\n"). */
static void
add_routes(struct sipbuild *b, const char *routes)
{
	struct sipmsg_iter it;
	const char *v, *p;
	size_t n, len;
	char *one;

	if (routes == NULL || (p = strchr(routes, ':')) == NULL)
		return;
	p++;
	len = strcspn(p, "\r\n");
	sipmsg_iter_list(&it, p, len);
	while (sipmsg_iter_next(&it, &v, &n)) {
		if (n == 0)
			continue;
		one = xstrndup(v, n);
		sipbuild_route(b, one);
		free(one);
	}
}

/* The MESSAGE carrying row r to target tg (RFC 3428 4): From and To as the sender wrote them,
 * a Call-ID of ours, the body and Content-Type byte for byte, a Date of when sipd took it
 * (RFC 3261 20.17).  NULL when it cannot be built. */
static char *
delivery_request(const struct store_msg *r, const struct target *tg, char *branch, size_t blen,
    size_t *len)
{
	struct sipbuild *b = sipbuild_new("MESSAGE", tg->uri);
	int v6 = tg->dst.addr.ss_family == AF_INET6, port = 0;
	char host[64], callid[24], date[64], *v;
	time_t when = (time_t)r->received;
	struct tm tm;

	if (transport_local(tg->dst.proto, tg->dst.addr.ss_family, host, sizeof(host), &port) == -1)
		snprintf(host, sizeof(host), "%s", v6 ? "::1" : "127.0.0.1");
	sip_random_token(callid, 20);
	snprintf(branch, blen, SIP_BRANCH_COOKIE "-ms%u-%s", ++seq, callid);
	xasprintf(&v, "SIP/2.0/%s %s%s%s:%d;branch=%s;rport", sip_proto_via(tg->dst.proto),
	    v6 ? "[" : "", host, v6 ? "]" : "", port, branch);
	sipbuild_via(b, v);
	free(v);
	add_routes(b, tg->routes);
	sipbuild_max_forwards(b, 70);
	add_value(b, sipbuild_from, r->sender);
	add_value(b, sipbuild_to, r->recipient);
	xasprintf(&v, "%s@%s", callid, domain_primary());
	sipbuild_call_id(b, v);
	free(v);
	sipbuild_cseq(b, 1, "MESSAGE");
	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	sipbuild_header(b, "Date", date);
	sipbuild_body_as_sent(b, r->ctype, r->body, r->body_len);
	return sipbuild_finish(b, len);
}

static void deliver_next(struct delivery *);

/* The phone's answer to one stored message. */
static void
delivered(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	struct delivery *d = arg;

	if (status < 200)
		return;
	txn_client_detach(d->t);
	txn_unref(d->t);
	d->t = NULL;
	if (status >= 300) {
		log_info("msgstore: id=%lld aor=%s delivery answered %d: kept for the next "
		    "registration", (long long)d->cur.id, d->aor, status);
		delivery_free(d);
		return;
	}
	log_info("msgstore: delivered id=%lld call-id=%s aor=%s status=%d", (long long)d->cur.id,
	    d->cur.call_id, d->aor, status);
	store_msg_delete(d->cur.id);	/* only now (a 2xx): the phone has it */
	d->last = d->cur.id;
	d->sent++;
	store_msg_clear(&d->cur);
	deliver_next(d);
}

/* Send the next waiting row, or end the delivery when none is left (or it cannot go). */
static void
deliver_next(struct delivery *d)
{
	struct target tg;
	char branch[64], *req;
	size_t len;
	int rc = store_msg_next(d->aor, d->last, time(NULL), &d->cur);

	if (rc <= 0) {
		if (rc == 0) {
			htab_del(waiting, d->aor, strlen(d->aor));
			if (d->sent > 0)
				log_info("msgstore: aor=%s all %d waiting message(s) delivered",
				    d->aor, d->sent);
		}
		delivery_free(d);
		return;
	}
	if (proxy_target_binding(d->aor, d->key, &tg) == -1) {
		delivery_free(d);	/* the phone went again: the next registration */
		return;
	}
	req = delivery_request(&d->cur, &tg, branch, sizeof(branch), &len);
	if (req == NULL) {
		/* a row no request can carry would block the rest for ever */
		log_warnx("msgstore: id=%lld aor=%s cannot be built into a MESSAGE: dropped",
		    (long long)d->cur.id, d->aor);
		store_msg_delete(d->cur.id);
		d->last = d->cur.id;
		store_msg_clear(&d->cur);
		proxy_target_free(&tg, 1);
		deliver_next(d);
		return;
	}
	d->t = txn_client_new(&tg.dst, SIP_MESSAGE, branch, req, len, delivered, d);
	proxy_target_free(&tg, 1);
	if (d->t == NULL) {
		delivery_free(d);
		return;
	}
	txn_ref(d->t);
}

void
msgstore_registered(const char *aor, const char *key)
{
	struct delivery *d;

	if (htab_get(waiting, aor, strlen(aor)) == NULL)
		return;		/* nothing stored for it: no database read per REGISTER */
	for (d = deliveries; d != NULL; d = d->next)
		if (strcmp(d->aor, aor) == 0)
			return;	/* one delivery at a time keeps the order */
	d = xcalloc(1, sizeof(*d));
	d->aor = xstrdup(aor);
	d->key = xstrdup(key);
	if ((d->next = deliveries) != NULL)
		deliveries->prev = d;
	deliveries = d;
	deliver_next(d);
}

/* ---- expiry ---- */

static void
waiting_load(const char *aor, void *arg)
{
	waiting_add(aor);
}

/* Expired rows are gone: learn the next expiry. */
static void
expired_done(void *arg, int ok)
{
	int64_t min;

	if (store_msg_aors(NULL, NULL, &min) >= 0)
		next_expiry = min;
}

static void
expire_tick(evutil_socket_t fd, short what, void *arg)
{
	time_t now = time(NULL);

	if (next_expiry == 0 || next_expiry > now)
		return;
	next_expiry = 0;
	store_msg_delete_expired(now);
	store_flush(expired_done, NULL);
}

void
msgstore_init(struct event_base *base)
{
	struct timeval tv = { 5, 0 };
	long n;

	waiting = htab_new();
	if ((n = store_msg_aors(waiting_load, NULL, &next_expiry)) > 0)
		log_notice("msgstore: messages wait for %ld user(s)", n);
	ev_expire = event_new(base, -1, EV_PERSIST, expire_tick, NULL);
	event_add(ev_expire, &tv);
}

void
msgstore_shutdown(void)
{
	while (deliveries != NULL)
		delivery_free(deliveries);
	if (ev_expire != NULL)
		event_free(ev_expire);
	ev_expire = NULL;
	if (waiting != NULL)
		htab_free(waiting);
	waiting = NULL;
}
