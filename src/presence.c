/* presence.c - the presence agent and event state compositor (see presence.h). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "caller.h"
#include "config.h"
#include "dialoginfo.h"
#include "domain.h"
#include "htab.h"
#include "local.h"
#include "location.h"
#include "log.h"
#include "pidf.h"
#include "presence.h"
#include "sipval.h"
#include "store.h"
#include "txn.h"
#include "vm_mwi.h"
#include "xmalloc.h"

#define PRES_ALLOW_EVENTS	"Allow-Events: presence\r\n"	/* what PUBLISH takes */

/* One publication (RFC 3903 4.1: an event state of one publisher). */
struct pub {
	char		 etag[24];
	char		*aor;
	char		*body;
	size_t		 len;
	time_t		 expires;
	struct pub	*next;
};

static struct pub	*pubs;
static struct htab	*derived;	/* aor -> last derived state sent + 1 (intptr) */
static struct event	*ev_tick;

#define RLS_BOUNDARY	"sipd-rlmi-6f2d1c9a"
#define RLS_MAX		100	/* resources in one list */

static char *list_body(const char *, const char *, unsigned, size_t *);

const struct subs_package presence_package = {
	.name = "presence", .ctype = "application/pidf+xml", .default_expires = 3600,
	.body = presence_body, .list_body = list_body,
	.list_ctype = "multipart/related;type=\"application/rlmi+xml\";start=\"<list@sipd>\";"
	    "boundary=\"" RLS_BOUNDARY "\"",
};

/* The derived state of aor: bit 0 a phone registered, bit 1 on a call. */
static intptr_t
derived_state(const char *aor)
{
	struct aor *a = location_get(aor);

	return (a != NULL && a->bindings != NULL) | dialoginfo_busy(aor) << 1;
}

char *
presence_body(const char *aor, unsigned version, size_t *len)
{
	const char *docs[64];
	size_t lens[64];
	int n = 0;
	intptr_t st;
	char *doc;

	st = derived_state(aor);
	htab_put(derived, aor, strlen(aor), (void *)(st + 1));	/* the tick compares */
	/* RFC 3856 6.6 leaves the composition policy to the agent: the devices' documents
	 * while a phone of the user is registered (a phone that vanished without removing
	 * its publication does not keep its user online), else what registrations and calls
	 * say */
	for (struct pub *p = pubs; p != NULL && n < 64 && (st & 1); p = p->next)
		if (strcmp(p->aor, aor) == 0) {
			docs[n] = p->body;
			lens[n++] = p->len;
		}
	if (n > 0 && (doc = pidf_compose(aor, docs, lens, n, len)) != NULL)
		return doc;
	return pidf_derived(aor, st & 1, (st & 2) != 0, len);
}

static struct pub *
pub_find(const char *aor, const char *etag, size_t n)
{
	for (struct pub *p = pubs; p != NULL; p = p->next)
		if (strlen(p->etag) == n && memcmp(p->etag, etag, n) == 0 && strcmp(p->aor, aor) == 0)
			return p;
	return NULL;
}

static int
pub_count(const char *aor)
{
	int n = 0;

	for (struct pub *p = pubs; p != NULL; p = p->next)
		n += strcmp(p->aor, aor) == 0;
	return n;
}

static void
pub_remove(struct pub *gone)
{
	for (struct pub **pp = &pubs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == gone) {
			*pp = gone->next;
			break;
		}
	free(gone->aor);
	free(gone->body);
	free(gone);
}

/* Seconds m's Expires asks for (default 3600); -1 when malformed. */
static long
expires_of(const struct sipmsg *m)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EXPIRES, NULL);
	long v = 0;
	size_t i;

	if (h == NULL)
		return 3600;
	for (i = 0; i < h->vlen && isdigit((unsigned char)m->raw[h->voff + i]); i++)
		if (v < 100000000)
			v = v * 10 + (m->raw[h->voff + i] - '0');
	return i == 0 || i != h->vlen ? -1 : v;
}

/* 1 when m's Event names package (RFC 6665 7.2.1); sets *bad when it is absent or bad. */
static int
event_is(const struct sipmsg *m, const char *package, int *bad)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EVENT, NULL);
	struct sipval_event ev;

	*bad = h == NULL || sipval_event(m->raw + h->voff, h->vlen, &ev) == -1;
	return !*bad && strcmp(ev.package, package) == 0;
}

/* The body checks of RFC 3903 6 (steps 3-4): 415, 413, 400.  0 fine or no body, -1 answered. */
static int
body_check(struct txn *t, struct sipmsg *m)
{
	struct sipval_mtype mt;

	if (m->body_len == 0)
		return 0;
	if (sipval_content_type(m, &mt) == -1 || !sipval_mtype_is(&mt, "application", "pidf+xml")) {
		txn_reply(t, 415, NULL, "Accept: application/pidf+xml\r\n", NULL, NULL, 0);
		return -1;
	}
	if (m->body_len > (size_t)cfg->presence_max_pidf) {
		log_info("presence: call-id=%s PIDF of %zu bytes over presence.max_pidf, status=413",
		    m->call_id, m->body_len);
		txn_reply(t, 413, NULL, NULL, NULL, NULL, 0);
		return -1;
	}
	if (!pidf_valid(m->raw + m->body_off, m->body_len)) {
		txn_reply(t, 400, "Bad PIDF Document", NULL, NULL, NULL, 0);
		return -1;
	}
	return 0;
}

/* The PUBLISH's Expires as granted: -1 when answered (400, 423). */
static long
publish_expires(struct txn *t, const struct sipmsg *m)
{
	long e = expires_of(m);
	char extra[64];

	if (e < 0) {
		txn_reply(t, 400, "Bad Expires", NULL, NULL, NULL, 0);
		return -1;
	}
	if (e > 0 && e < cfg->subs_min_expires) {	/* RFC 3903 6 step 5 */
		snprintf(extra, sizeof(extra), "Min-Expires: %d\r\n", cfg->subs_min_expires);
		txn_reply(t, 423, NULL, extra, NULL, NULL, 0);
		return -1;
	}
	return e > cfg->subs_max_expires ? cfg->subs_max_expires : e;
}

/* A new publication of aor; NULL when aor has presence.max_publications (answered 503). */
static struct pub *
pub_new(struct txn *t, const char *aor)
{
	struct pub *p;

	if (pub_count(aor) >= cfg->presence_max_publications) {
		log_info("presence: aor=%s has presence.max_publications (%d), status=503", aor,
		    cfg->presence_max_publications);
		txn_reply(t, 503, "Too Many Publications", "Retry-After: 60\r\n", NULL, NULL, 0);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->aor = xstrdup(aor);
	p->next = pubs;
	pubs = p;
	return p;
}

/* A PUBLISH waiting for its row's commit before the 200. */
struct saving {
	struct txn	*t;
	char		*aor;
	char		*extra;
	int		 change;
};

/* The publication is on disk: now the publisher hears 200, and the watchers a NOTIFY. */
static void
saved(void *arg, int ok)
{
	struct saving *sv = arg;

	if (ok)
		txn_reply(sv->t, 200, NULL, sv->extra, NULL, NULL, 0);
	else
		txn_reply(sv->t, 500, "Database Error", "Retry-After: 5\r\n", NULL, NULL, 0);
	if (sv->change)
		subs_changed(&presence_package, sv->aor);
	txn_unref(sv->t);
	free(sv->aor);
	free(sv->extra);
	free(sv);
}

/* Answer t with 200 + extra once what is queued is committed (nothing acknowledged is lost
 * on a crash); change: then notify aor's watchers. */
static void
answer_saved(struct txn *t, const char *aor, const char *extra, int change)
{
	struct saving *sv = xcalloc(1, sizeof(*sv));

	sv->t = txn_ref(t);
	sv->aor = xstrdup(aor);
	sv->extra = xstrdup(extra);
	sv->change = change;
	store_flush(saved, sv);
}

/* PUBLISH (RFC 3903 6): create, refresh, modify or remove a publication of aor. */
static void
publish(struct txn *t, struct sipmsg *m, const char *aor)
{
	const struct sip_hdr *im = sipmsg_hdr_named(m, "SIP-If-Match");
	struct pub *p = NULL;
	char extra[128];
	int bad, change = m->body_len > 0;
	long e;

	if (!event_is(m, "presence", &bad)) {		/* step 2 */
		txn_reply(t, 489, "Bad Event", PRES_ALLOW_EVENTS, NULL, NULL, 0);
		return;
	}
	if (im != NULL && (p = pub_find(aor, m->raw + im->voff, im->vlen)) == NULL) {
		txn_reply(t, 412, "Conditional Request Failed", NULL, NULL, NULL, 0);	/* step 6 */
		return;
	}
	if ((e = publish_expires(t, m)) < 0 || body_check(t, m) == -1)
		return;
	if (p == NULL && m->body_len == 0) {	/* an initial PUBLISH carries the state */
		txn_reply(t, 400, "Missing Body", NULL, NULL, NULL, 0);
		return;
	}
	if (e == 0) {				/* removal (RFC 3903 4.5) */
		if (p != NULL) {
			store_pub_delete(p->etag);
			pub_remove(p);
		}
		log_info("presence: removed call-id=%s aor=%s", m->call_id, aor);
		answer_saved(t, aor, "Expires: 0\r\n", 1);
		return;
	}
	if (p == NULL && (p = pub_new(t, aor)) == NULL)
		return;
	if (change) {
		free(p->body);
		p->body = xstrndup(m->raw + m->body_off, m->body_len);
		p->len = m->body_len;
	}
	if (p->etag[0] != '\0')
		store_pub_delete(p->etag);
	sip_random_token(p->etag, 20);	/* a new entity-tag for every success (RFC 3903 6 step 8) */
	p->expires = time(NULL) + e;
	store_pub_save(p->etag, aor, p->body, p->len, p->expires);
	snprintf(extra, sizeof(extra), "SIP-ETag: %s\r\nExpires: %ld\r\n", p->etag, e);
	log_info("presence: %s call-id=%s aor=%s etag=%s expires=%ld", change ? (im ? "modified" :
	    "published") : "refreshed", m->call_id, aor, p->etag, e);
	answer_saved(t, aor, extra, change);
}

/* The domain part of an AOR "sip:user@domain". */
static const char *
aor_domain(const char *aor)
{
	const char *at = strrchr(aor, '@');

	return at ? at + 1 : "";
}

/* Who may publish aor's presence: the user (digest, as for calls; RFC 3903 6 step 1), a
 * trusted peer.  0 allowed, -1 answered. */
static int
publish_allowed(struct txn *t, struct sipmsg *m, const struct uri_parts *u, const char *aor)
{
	char from[512];

	if (caller_trusted(&m->src.addr))
		return 0;
	if (cfg->auth_calls)
		return caller_authorise(t, m, HDR_PROXY_AUTHORIZATION, u->user, aor_domain(aor),
		    "Not Your Presence");
	if (dialoginfo_aor(m->from_uri, from, sizeof(from)) == 0 && strcmp(from, aor) == 0)
		return 0;
	txn_reply(t, 403, "Not Your Presence", NULL, NULL, NULL, 0);
	return -1;
}

/* Who may watch aor (RFC 3856 5.1.2): local users of its domain (authenticated as for calls),
 * trusted peers, and whom the allow-list (sipctl presence allow) names.  Anyone else gets
 * 403, for a user that does not exist too (auth.hide_users).  0 allowed, -1 answered. */
static int
watch_allowed(struct txn *t, struct sipmsg *m, const char *aor, int exists)
{
	static struct subs_lograte refused_rl;	/* one line per storm of refusals */
	unsigned long quiet;
	char from[600];
	int known = caller_check(t, m), local;

	if (known == -1)
		return -1;		/* challenged (407) */
	local = dialoginfo_aor(m->from_uri, from, sizeof(from)) == 0 &&
	    (known == 1 || !cfg->auth_calls);
	if (known == 1 && caller_trusted(&m->src.addr))
		local = 1, snprintf(from, sizeof(from), "%s", aor);
	if (local && strcasecmp(aor_domain(from), aor_domain(aor)) == 0) {
		if (exists)
			return 0;
		txn_reply(t, 404, NULL, NULL, NULL, NULL, 0);
		return -1;
	}
	if (exists && m->from_uri != NULL && store_presence_allowed(m->from_uri, aor) == 1)
		return 0;
	if (subs_lograte(&refused_rl, &quiet))
		log_info("presence: call-id=%s watcher=%s may not watch %s, status=403 (%lu more "
		    "like it not logged)", m->call_id, m->from_uri ? m->from_uri : "?", aor, quiet);
	txn_reply(t, 403, NULL, NULL, NULL, NULL, 0);
	return -1;
}

/* A resource list's NOTIFY body (RFC 4662 5): multipart/related (RFC 2387), the RLMI
 * document first (its Content-ID the start), then each member's presence document. */
static char *
list_body(const char *list, const char *members, unsigned version, size_t *len)
{
	char *copy = xstrdup(members), *save = NULL, *uris[RLS_MAX], cids[RLS_MAX][24], *doc;
	const char *states[RLS_MAX], *cidp[RLS_MAX];
	size_t dl;
	struct buf b;
	int n = 0;

	for (char *one = strtok_r(copy, "\n", &save); one && n < RLS_MAX;
	    one = strtok_r(NULL, "\n", &save), n++) {
		uris[n] = one;
		states[n] = "active";
		snprintf(cids[n], sizeof(cids[n]), "r%d.%u@sipd", n, version);
		cidp[n] = cids[n];
	}
	buf_init(&b, 1024);
	doc = pidf_rlmi(list, version, (const char *const *)uris, states, cidp, n, &dl);
	buf_printf(&b, "--" RLS_BOUNDARY "\r\nContent-Transfer-Encoding: binary\r\n"
	    "Content-ID: <list@sipd>\r\nContent-Type: application/rlmi+xml;charset=\"UTF-8\""
	    "\r\n\r\n");
	buf_add(&b, doc, dl);
	free(doc);
	for (int i = 0; i < n; i++) {
		doc = presence_body(uris[i], version, &dl);
		buf_printf(&b, "\r\n--" RLS_BOUNDARY "\r\nContent-Transfer-Encoding: binary\r\n"
		    "Content-ID: <%s>\r\nContent-Type: application/pidf+xml;charset=\"UTF-8\""
		    "\r\n\r\n", cids[i]);
		buf_add(&b, doc, dl);
		free(doc);
	}
	buf_adds(&b, "\r\n--" RLS_BOUNDARY "--\r\n");
	free(copy);
	return buf_take(&b, len);
}

/* The members of the resource list in m's body that the watcher (from, an AOR of domain)
 * may see, '\n'-separated; others (unknown users, other domains not allowed) are left out. */
static char *
list_members(const struct sipmsg *m, const char *from)
{
	char *uris[RLS_MAX], aor[600];
	int n = pidf_resource_lists(m->raw + m->body_off, m->body_len, uris, RLS_MAX);
	struct buf b;

	if (n < 0)
		return NULL;
	buf_init(&b, 256);
	buf_adds(&b, "");
	for (int i = 0; i < n; i++) {
		if (dialoginfo_aor(uris[i], aor, sizeof(aor)) == 0 &&
		    (strcasecmp(aor_domain(aor), aor_domain(from)) == 0 ||
		    store_presence_allowed(m->from_uri, aor) == 1) &&
		    strstr(b.p, aor) == NULL) {
			if (b.len)
				buf_adds(&b, "\n");
			buf_adds(&b, aor);
		}
		free(uris[i]);
	}
	return buf_take(&b, NULL);
}

/* A resource-list SUBSCRIBE (RFC 4662, body RFC 5367) from a local user to list. */
static void
list_subscribe(struct txn *t, struct sipmsg *m, const char *list)
{
	char from[600], *members;
	int known = caller_check(t, m);

	if (known == -1)
		return;
	if (!local_has_tag(m, HDR_SUPPORTED, "eventlist") && !local_has_tag(m, HDR_REQUIRE,
	    "eventlist")) {
		txn_reply(t, 421, NULL, "Require: eventlist\r\n", NULL, NULL, 0);	/* 4662 5 */
		return;
	}
	if (dialoginfo_aor(m->from_uri, from, sizeof(from)) == -1 ||
	    (known != 1 && cfg->auth_calls)) {
		txn_reply(t, 403, NULL, NULL, NULL, NULL, 0);	/* lists are for our users */
		return;
	}
	if ((members = list_members(m, from)) == NULL) {
		txn_reply(t, 400, "Bad Resource List", NULL, NULL, NULL, 0);
		return;
	}
	subs_subscribe_list(t, m, &presence_package, list, members);
	free(members);
}

/* 1 when m carries a resource list (RFC 5367 4). */
static int
has_list(const struct sipmsg *m)
{
	struct sipval_mtype mt;

	return m->body_len > 0 && sipval_content_type(m, &mt) == 0 &&
	    sipval_mtype_is(&mt, "application", "resource-lists+xml");
}

/* aor for u (an extension names its owner); *exists 0 when no such user. */
static void
resource_aor(const struct uri_parts *u, char *aor, size_t len, int *exists)
{
	char user[256];
	const char *domain;

	*exists = 0;
	snprintf(user, sizeof(user), "%s", u->user);
	if (domain_aor(user, u->host, u->port, &domain) == -1)
		domain = domain_primary();
	snprintf(aor, len, "sip:%s@%s", user, domain);
	if (dialoginfo_aor(aor, aor, len) == 0)
		*exists = 1;
}

/* The event packages sipd serves for its users (RFC 6665 4.4.1); others go to the phones. */
static const struct subs_package *const packages[] = {
	&presence_package, &dialoginfo_package, &vm_mwi_package, NULL
};

/* The package of m's Event among those served, or NULL. */
static const struct subs_package *
package_of(const struct sipmsg *m)
{
	int bad;

	for (int i = 0; packages[i] != NULL; i++)
		if (event_is(m, packages[i]->name, &bad))
			return packages[i];
	return NULL;
}

int
presence_request(struct txn *t, struct sipmsg *m, const struct uri_parts *u)
{
	const struct subs_package *p = NULL;
	char aor[600];
	int exists, bad;

	if (!cfg->presence_enable || (m->method != SIP_PUBLISH && m->method != SIP_SUBSCRIBE))
		return 0;
	if (m->method == SIP_PUBLISH && !event_is(m, presence_package.name, &bad) && !bad)
		return 0;	/* another package: the phones' (a PUBLISH without Event: 489) */
	if (m->method == SIP_SUBSCRIBE && (p = package_of(m)) == NULL)
		return 0;	/* other packages: the phones' own (RFC 6665 4.1) */
	if (local_check_require(t, m, HDR_REQUIRE))
		return 1;
	resource_aor(u, aor, sizeof(aor), &exists);
	if (m->method == SIP_PUBLISH) {
		if (publish_allowed(t, m, u, aor) == 0) {
			if (exists)
				publish(t, m, aor);
			else
				txn_reply(t, 404, NULL, NULL, NULL, NULL, 0);
		}
		return 1;
	}
	if (m->to_tag == NULL && p == &presence_package && has_list(m))
		list_subscribe(t, m, aor);
	else if (m->to_tag != NULL || (p->may_watch ? p->may_watch(t, m, aor, exists) :
	    watch_allowed(t, m, aor, exists)) == 0)
		subs_subscribe(t, m, p, aor);
	return 1;
}

/* Removes expired publications; notices derived presence changes. */
struct tick_ctx {
	char	**changed;
	int	  n, cap;
};

static void
derived_check(const void *key, size_t klen, void *val, void *arg)
{
	struct tick_ctx *c = arg;
	char *aor = xstrndup(key, klen);

	if (c->n == c->cap)
		c->changed = xrealloc(c->changed, (c->cap = c->cap * 2 + 8) * sizeof(char *));
	if (!subs_watched(&presence_package, aor) || derived_state(aor) + 1 != (intptr_t)val)
		c->changed[c->n++] = aor;	/* gone, or changed: looked at below */
	else
		free(aor);
}

/* Once a second: publications past their expiry go (RFC 3903 4.4); a watched user whose
 * registrations or calls changed what sipd derives gets its watchers notified. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct tick_ctx c = { NULL, 0, 0 };
	time_t now = time(NULL);

	for (struct pub *p = pubs, *next; p != NULL; p = next) {
		next = p->next;
		if (p->expires <= now) {
			char *aor = xstrdup(p->aor);
			log_info("presence: publication etag=%s aor=%s expired", p->etag, aor);
			store_pub_delete(p->etag);
			pub_remove(p);
			subs_changed(&presence_package, aor);
			free(aor);
		}
	}
	htab_foreach(derived, derived_check, &c);
	for (int i = 0; i < c.n; i++) {
		htab_del(derived, c.changed[i], strlen(c.changed[i]));
		if (subs_watched(&presence_package, c.changed[i]))
			subs_changed(&presence_package, c.changed[i]);	/* re-derives */
		free(c.changed[i]);
	}
	free(c.changed);
}

/* One stored publication (start-up). */
static void
pub_load(const char *etag, const char *aor, const char *body, size_t len, int64_t expires,
    void *arg)
{
	struct pub *p = xcalloc(1, sizeof(*p));

	snprintf(p->etag, sizeof(p->etag), "%s", etag);
	p->aor = xstrdup(aor);
	p->body = xmalloc(len + 1);
	memcpy(p->body, body, len);
	p->body[len] = '\0';
	p->len = len;
	p->expires = expires;
	p->next = pubs;
	pubs = p;
}

void
presence_init(struct event_base *base)
{
	struct timeval tv = { 1, 0 };
	long n;

	if ((n = store_pub_load(time(NULL), pub_load, NULL)) > 0)
		log_notice("presence: %ld publication(s) loaded", n);
	derived = htab_new();
	ev_tick = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(ev_tick, &tv);
}

void
presence_shutdown(void)
{
	while (pubs != NULL)
		pub_remove(pubs);
	if (ev_tick != NULL)
		event_free(ev_tick);
	ev_tick = NULL;
	if (derived != NULL)
		htab_free(derived);
	derived = NULL;
}
