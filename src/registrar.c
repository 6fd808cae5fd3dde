/* registrar.c - REGISTER processing, RFC 3261 10.3 steps 1-8, with RFC 5626 binding identity
 * (+sip.instance / reg-id) and RFC 3327 Path.  The 200 OK goes out only after the store has
 * committed the change (store_flush), so an acknowledged binding survives a crash. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "buf.h"
#include "caller.h"
#include "config.h"
#include "domain.h"
#include "flow.h"
#include "grammar.h"
#include "gruu.h"
#include "local.h"
#include "location.h"
#include "log.h"
#include "msgstore.h"
#include "pbx.h"
#include "registrar.h"
#include "dispatch.h"
#include "store.h"
#include "transport.h"
#include "txn.h"
#include "uri.h"
#include "xmalloc.h"

#define MAX_CONTACTS	32	/* Contact values accepted in one REGISTER */

/* One Contact value of the request, checked before anything changes. */
struct reg_contact {
	char		*uri;
	char		*params;	/* header params other than expires and q */
	char		*key;
	char		*instance;
	int		 reg_id;
	int		 q;
	long long	 expires;
};

struct reg_req {
	char		 aor[600];
	const char	*domain;	/* the AOR's canonical domain */
	struct reg_contact c[MAX_CONTACTS];
	int		 n;
	int		 star;
	char		*path;
};

/* A REGISTER waiting for its commit. */
struct pending {
	struct txn	*t;
	char		*contacts;	/* Contact lines of the 200 */
	char		*path;		/* Path lines to echo */
	int		 outbound;	/* RFC 5626 6: Require: outbound and Flow-Timer in the 200 */
	char		*aor;		/* a binding added or refreshed: messages wait for it? */
	char		*key;
};

static struct event	*ev_purge, *ev_admin;

int
registrar_aor(const char *uri, size_t len, char *out, size_t outlen)
{
	struct uri_parts u;
	const char *domain;

	if (uri_split(uri, len, &u) == -1 || u.user[0] == '\0' ||
	    domain_aor(u.user, u.host, u.port, &domain) == -1)
		return -1;
	if ((size_t)snprintf(out, outlen, "sip:%s@%s", u.user, domain) >= outlen)
		return -1;
	return 0;
}

static void
contact_clear(struct reg_contact *c)
{
	free(c->uri);
	free(c->params);
	free(c->key);
	free(c->instance);
	memset(c, 0, sizeof(*c));
}

static void
req_clear(struct reg_req *r)
{
	for (int i = 0; i < r->n; i++)
		contact_clear(&r->c[i]);
	free(r->path);
	r->n = 0;
}

/* Expires value: digits; values beyond 2**32-1 count as "very long" (RFC 4475 3.1.2.4). */
static int
parse_expires(const char *p, size_t n, long long *out)
{
	size_t i = grammar_skip_lws(p, 0, n), s = i;
	long long v = 0;

	while (i < n && isdigit((unsigned char)p[i])) {
		if (v < 100000000000LL)
			v = v * 10 + (p[i] - '0');
		i++;
	}
	if (i == s || grammar_skip_lws(p, i, n) != n)
		return -1;
	*out = v;
	return 0;
}

/* q-value = "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")] -> 0..1000. */
static int
parse_q(const char *p, size_t n, int *out)
{
	int v, scale = 100;
	size_t i = 0;

	if (n == 0 || (p[0] != '0' && p[0] != '1'))
		return -1;
	v = (p[0] - '0') * 1000;
	if (n > 1) {
		if (p[1] != '.' || n > 5)
			return -1;
		for (i = 2; i < n; i++, scale /= 10) {
			if (!isdigit((unsigned char)p[i]))
				return -1;
			v += (p[i] - '0') * scale;
		}
	}
	if (v > 1000)
		return -1;
	*out = v;
	return 0;
}

/* Walk the header params after a Contact URI: expires, q, +sip.instance, reg-id. */
static int
contact_params(const char *p, size_t n, struct reg_contact *c, struct buf *rest)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i + 1, e = s;
		int inq = 0;
		while (e < n && (inq || p[e] != ';')) {
			if (p[e] == '"')
				inq = !inq;
			e++;
		}
		size_t ns = grammar_skip_lws(p, s, e), ne = ns;
		while (ne < e && p[ne] != '=' && p[ne] != ' ' && p[ne] != '\t')
			ne++;
		size_t vs = ne;
		while (vs < e && (p[vs] == ' ' || p[vs] == '\t' || p[vs] == '='))
			vs++;
		size_t ve = e;
		while (ve > vs && isspace((unsigned char)p[ve - 1]))
			ve--;
		size_t nl = ne - ns;
		if (nl == 0) {		/* LWS before the first ';' ("<uri> ;expires=60") */
			i = e;
			continue;
		}
		if (nl == 7 && strncasecmp(p + ns, "expires", 7) == 0) {
			if (parse_expires(p + vs, ve - vs, &c->expires) == -1)
				return -1;
		} else if (nl == 1 && (p[ns] | 0x20) == 'q') {
			if (parse_q(p + vs, ve - vs, &c->q) == -1)
				return -1;
		} else {
			if (nl == 13 && strncasecmp(p + ns, "+sip.instance", 13) == 0)
				c->instance = xstrndup(p + vs, ve - vs);
			else if (nl == 6 && strncasecmp(p + ns, "reg-id", 6) == 0)
				c->reg_id = atoi(p + vs);
			buf_adds(rest, ";");
			buf_add(rest, p + ns, ve - ns);
		}
		i = e;
	}
	return 0;
}

/* Binding identity: instance (+reg-id) when given (RFC 5626 6), else the URI with its scheme
 * and host lowercased (RFC 3261 19.1.4: those compare case-insensitively). */
static char *
binding_key(const struct reg_contact *c)
{
	char *k;
	struct uri_parts u;

	if (c->instance != NULL) {
		xasprintf(&k, "%s;reg-id=%d", c->instance, c->reg_id);
		return k;
	}
	k = xstrdup(c->uri);
	if (uri_split(c->uri, strlen(c->uri), &u) == 0) {
		char *at = strrchr(k, '@');
		for (char *p = k; *p && *p != ':'; p++)
			*p = (char)tolower((unsigned char)*p);
		for (char *p = at ? at + 1 : strchr(k, ':') + 1; *p && *p != ';' && *p != '?' &&
		    *p != ':'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	return k;
}

/* One Contact value into r->c[r->n]; returns a SIP status (0 = fine). */
static int
add_contact(struct reg_req *r, const char *p, size_t n, long long hdr_expires)
{
	struct nameaddr_info ni;
	struct reg_contact *c;
	struct buf rest;

	if (grammar_nameaddr(p, n, 1, &ni) == -1)
		return 400;
	if (ni.star) {
		r->star++;
		return 0;
	}
	if (r->n == MAX_CONTACTS)
		return 403;
	c = &r->c[r->n++];
	c->q = 1000;
	c->expires = hdr_expires;
	c->uri = xstrndup(p + ni.uri.off, ni.uri.len);
	size_t after = ni.uri.off + ni.uri.len + (ni.bracketed ? 1 : 0);
	buf_init(&rest, 64);
	int rc = contact_params(p + after, n - after, c, &rest);
	c->params = buf_take(&rest, NULL);
	if (rc == -1)
		return 400;
	c->key = binding_key(c);
	return 0;
}

/* Gather and check every Contact (10.3 step 6). */
static int
collect_contacts(struct sipmsg *m, struct reg_req *r, long long hdr_expires)
{
	struct sipmsg_iter it;
	const char *v;
	size_t n;
	int st;

	sipmsg_iter_init(&it, m, HDR_CONTACT);
	while (sipmsg_iter_next(&it, &v, &n))
		if ((st = add_contact(r, v, n, hdr_expires)) != 0)
			return st;
	/* "*" only alone and only with Expires: 0 (10.3 step 6). */
	if (r->star && (r->star > 1 || r->n > 0 || hdr_expires != 0))
		return 400;
	return 0;
}

/* Path headers, comma-joined (RFC 3327 5.3). */
static char *
collect_path(struct sipmsg *m)
{
	const struct sip_hdr *h = NULL;
	struct buf b;

	buf_init(&b, 64);
	while ((h = sipmsg_hdr(m, HDR_PATH, h)) != NULL) {
		if (b.len)
			buf_adds(&b, ",");
		buf_add(&b, m->raw + h->voff, h->vlen);
	}
	return buf_take(&b, NULL);
}

/* The REGISTER is a retransmission of the one that last set a binding it lists: same
 * Call-ID, CSeq and branch.  The registrar's transactions are stateless (txn_set_stateless),
 * so it answers a retransmission again instead of applying it twice (RFC 3261 8.2.7). */
static int
is_retransmission(struct sipmsg *m, struct aor *a, const struct reg_req *r)
{
	for (int i = 0; a != NULL && m->via.branch != NULL && i < r->n; i++) {
		struct binding *b = location_find(a, r->c[i].key);
		if (b != NULL && b->cseq == m->cseq && b->branch != NULL &&
		    strcmp(b->branch, m->via.branch) == 0 && strcmp(b->call_id, m->call_id) == 0)
			return 1;
	}
	return 0;
}

/* 10.3 step 7: Call-ID / CSeq ordering against existing bindings. */
static int
check_order(struct sipmsg *m, struct aor *a, const struct reg_req *r)
{
	if (a == NULL)
		return 0;
	for (struct binding *b = a->bindings; b != NULL; b = b->next) {
		/* "*" touches every binding (step 6); otherwise only the listed ones */
		if (!r->star) {
			int listed = 0;
			for (int i = 0; i < r->n && !listed; i++)
				listed = strcmp(b->key, r->c[i].key) == 0;
			if (!listed)
				continue;
		}
		if (strcmp(b->call_id, m->call_id) == 0 && m->cseq <= b->cseq)
			return 500;
	}
	return 0;
}

/* How many bindings the AOR would have after the request. */
static int
count_after(struct aor *a, const struct reg_req *r)
{
	int n = a ? a->count : 0;

	for (int i = 0; i < r->n; i++) {
		int exists = a && location_find(a, r->c[i].key) != NULL;
		if (r->c[i].expires == 0)
			n -= exists;
		else
			n += !exists;
	}
	return n;
}

/* RFC 5626 5.2/6: a Contact with +sip.instance and reg-id in a REGISTER that supports outbound
 * (sipd is the edge proxy itself: the REGISTER came straight from the phone). */
static int
is_outbound(const struct sipmsg *m, const struct reg_contact *c)
{
	return c->instance != NULL && c->reg_id > 0 && sipmsg_hdr(m, HDR_PATH, NULL) == NULL &&
	    local_has_tag(m, HDR_SUPPORTED, "outbound");
}

static struct binding *
make_binding(struct sipmsg *m, const struct reg_contact *c, const char *path, time_t now)
{
	struct binding *b = xcalloc(1, sizeof(*b));
	char ua[256];

	b->key = xstrdup(c->key);
	b->contact = xstrdup(c->uri);
	b->params = xstrdup(c->params);
	b->path = xstrdup(path ? path : "");
	b->call_id = xstrdup(m->call_id);
	b->cseq = m->cseq;
	b->branch = m->via.branch ? xstrdup(m->via.branch) : NULL;
	b->user_agent = xstrdup(sipmsg_hdr_value(m, HDR_USER_AGENT, ua, sizeof(ua)) ? ua : "");
	b->instance = xstrdup(c->instance ? c->instance : "");
	b->reg_id = c->reg_id;
	b->expires = now + c->expires;
	b->q = c->q;
	b->updated = now;
	b->received = m->src;
	/* RFC 3581: reach it where it sent from; a stream phone down its connection */
	b->nat = m->src.proto != PROTO_UDP || flow_behind_nat(m, c->uri);
	/* RFC 5626 6: outbound: the flow it registered on is the way to reach it */
	if (is_outbound(m, c))
		b->outbound = b->nat = 1;
	return b;
}

/* Apply the checked request to the location service (10.3 step 7). */
static void
apply(struct sipmsg *m, struct reg_req *r, time_t now)
{
	struct aor *a = location_get(r->aor);
	char ps[80] = "";

	if (log_enabled(LOG_INFO))	/* the lines below are info: no formatting for nothing */
		sip_peer_str(&m->src, ps, sizeof(ps));
	if (r->star) {
		int n = location_remove_aor(r->aor);
		log_info("unregister aor=%s contacts=%d (wildcard) src=%s", r->aor, n, ps);
		return;
	}
	for (int i = 0; i < r->n; i++) {
		struct reg_contact *c = &r->c[i];
		struct binding *b = a ? location_find(a, c->key) : NULL;
		if (c->expires == 0) {
			if (b != NULL) {
				log_info("unregister aor=%s contact=%s src=%s", r->aor, c->uri, ps);
				location_remove(a, b);
				a = location_get(r->aor);
			}
			continue;
		}
		if (a == NULL)
			a = location_get_or_add(r->aor);
		if (b == NULL && a->count >= cfg->reg_max_bindings) {
			struct binding *o = location_oldest(a);
			log_info("aor=%s at %d bindings: replacing %s", r->aor, a->count, o->contact);
			location_remove(a, o);
			a = location_get_or_add(r->aor);
		}
		log_info("register aor=%s contact=%s expires=%lld src=%s%s", r->aor, c->uri,
		    c->expires, ps, b ? " (refresh)" : "");
		location_put(a, make_binding(m, c, r->path, now));
	}
}

/* Contact lines of the 200: every current binding with its remaining time (10.3 step 8);
 * with its GRUUs when the phone asked (gruu) and gave an instance (RFC 5627 5.2). */
static char *
contact_lines(const char *aorname, time_t now, int gruu)
{
	struct aor *a = location_get(aorname);
	struct buf b;

	buf_init(&b, 256);
	for (struct binding *x = a ? a->bindings : NULL; x != NULL; x = x->next) {
		if (x->expires <= now)
			continue;
		buf_printf(&b, "Contact: <%s>%s", x->contact, x->params);
		if (gruu && x->instance[0] != '\0')
			gruu_contact_params(&b, aorname, x->instance, x->call_id);
		if (x->q != 1000)
			buf_printf(&b, ";q=%d.%03d", x->q / 1000, x->q % 1000);
		buf_printf(&b, ";expires=%lld\r\n", (long long)(x->expires - now));
	}
	return buf_take(&b, NULL);
}

/* The Date line of the 200 (RFC 3261 10.3 step 8), formatted once a second. */
static const char *
date_line(void)
{
	static char date[64];
	static time_t made;
	time_t now = time(NULL);
	struct tm tm;

	if (now != made || date[0] == '\0') {
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
		made = now;
	}
	return date;
}

/* Runs once the store committed the change: now the 200 may go. */
static void
committed(void *arg, int ok)
{
	struct pending *p = arg;
	const char *date = date_line();
	char *extra;

	if (ok) {
		char ob[80] = "";
		if (p->outbound)	/* RFC 5626 6, 4.4.1: keep-alives every flow_timer s */
			snprintf(ob, sizeof(ob), "Require: outbound\r\nFlow-Timer: %d\r\n", cfg->flow_timer);
		xasprintf(&extra, "%s%s%s%s", p->contacts, p->path ? p->path : "", ob, date);
		txn_reply(p->t, 200, NULL, extra, NULL, NULL, 0);
		free(extra);
		if (p->key != NULL)
			msgstore_registered(p->aor, p->key);
	} else
		/* 503 + Retry-After: the phone may try another node (RFC 3263 4.3); never a 200 */
		txn_reply(p->t, 503, "Database Unavailable", "Retry-After: 5\r\n", NULL, NULL, 0);
	txn_unref(p->t);
	free(p->contacts);
	free(p->path);
	free(p->aor);
	free(p->key);
	free(p);
}

/* Path lines to echo in the 200 (RFC 3327 5.3). */
static char *
path_lines(struct sipmsg *m)
{
	const struct sip_hdr *h = NULL;
	struct buf b;

	if (sipmsg_hdr(m, HDR_PATH, NULL) == NULL)
		return NULL;
	buf_init(&b, 128);
	while ((h = sipmsg_hdr(m, HDR_PATH, h)) != NULL) {
		buf_adds(&b, "Path: ");
		buf_add(&b, m->raw + h->voff, h->vlen);
		buf_adds(&b, "\r\n");
	}
	return buf_take(&b, NULL);
}

/* RFC 5627 5.1: a Contact that is a GRUU of ours would route to itself: refused (403). */
static int
contact_is_gruu(struct txn *t, const struct reg_req *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->c[i].expires != 0 && gruu_is_ours(r->c[i].uri)) {
			txn_reply(t, 403, "Contact Is A GRUU", NULL, NULL, NULL, 0);
			return -1;
		}
	return 0;
}

/* Answer after the commit of everything queued so far. */
static void
reply_when_durable(struct txn *t, struct sipmsg *m, const struct reg_req *r)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	const char *aor = r->aor;

	for (int i = 0; i < r->n && !p->outbound; i++)
		p->outbound = r->c[i].expires != 0 && is_outbound(m, &r->c[i]);
	for (int i = 0; i < r->n && p->key == NULL; i++)
		if (r->c[i].expires != 0) {
			p->aor = xstrdup(aor);
			p->key = xstrdup(r->c[i].key);
		}
	p->t = txn_ref(t);
	/* RFC 5627 5.1: GRUUs only for a REGISTER that says Supported: gruu */
	p->contacts = contact_lines(aor, time(NULL), local_has_tag(m, HDR_SUPPORTED, "gruu"));
	p->path = path_lines(m);
	store_flush(committed, p);
}

/* 10.3 steps 3 and 5: the To URI names an AOR of ours; its canonical form into r->aor. */
static int
resolve_aor(struct txn *t, struct sipmsg *m, struct reg_req *r, struct uri_parts *u)
{
	/* the To URI sipmsg parsed (To is required, so it is there on a valid request) */
	if (m->to_uri == NULL || uri_split(m->to_uri, strlen(m->to_uri), u) == -1) {
		txn_reply(t, 400, "To Is Not A SIP URI", NULL, NULL, NULL, 0);
		return -1;
	}
	if (u->user[0] == '\0' || domain_aor(u->user, u->host, u->port, &r->domain) == -1 ||
	    (size_t)snprintf(r->aor, sizeof(r->aor), "sip:%s@%s", u->user, r->domain) >=
	    sizeof(r->aor)) {
		txn_reply(t, 404, "Not Found Here", NULL, NULL, NULL, 0);
		return -1;
	}
	return 0;
}

/* 10.3 steps 2 and 4: who sent it, and may they change this AOR. */
static int
check_owner(struct txn *t, struct sipmsg *m, const struct reg_req *r, const struct uri_parts *u)
{
	if (!cfg->auth_register)
		return 0;
	return caller_authorise(t, m, HDR_AUTHORIZATION, u->user, r->domain, "Not Your Address");
}

/* Expires header value, or the default; -1 when it is malformed. */
static long long
header_expires(struct sipmsg *m)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EXPIRES, NULL);
	long long v;

	if (h == NULL)
		return cfg->reg_default_expires;
	if (parse_expires(m->raw + h->voff, h->vlen, &v) == -1)
		return -1;
	return v;
}

/* 423 below min_expires; cap at max_expires (10.3 step 7). */
static int
check_intervals(struct txn *t, struct reg_req *r)
{
	char extra[64];

	for (int i = 0; i < r->n; i++) {
		long long e = r->c[i].expires;
		if (e != 0 && e < cfg->reg_min_expires) {
			snprintf(extra, sizeof(extra), "Min-Expires: %d\r\n", cfg->reg_min_expires);
			txn_reply(t, 423, NULL, extra, NULL, NULL, 0);
			return -1;
		}
		if (e > cfg->reg_max_expires)
			r->c[i].expires = cfg->reg_max_expires;
	}
	return 0;
}

void
registrar_request(struct txn *t, struct sipmsg *m)
{
	struct reg_req r;
	struct uri_parts ru, to;
	long long hexp;
	int st;

	memset(&r, 0, sizeof(r));
	txn_set_stateless(t);
	if (local_check_require(t, m, HDR_REQUIRE))
		return;
	/* 10.3 step 1: a registrar answers only for its own domains. */
	if (uri_split(m->ruri, strlen(m->ruri), &ru) == -1 || !domain_is_local(ru.host, ru.port)) {
		txn_reply(t, 403, "Not A Local Domain", NULL, NULL, NULL, 0);
		return;
	}
	if (resolve_aor(t, m, &r, &to) == -1)
		return;
	if ((hexp = header_expires(m)) < 0) {
		txn_reply(t, 400, "Bad Expires header", NULL, NULL, NULL, 0);
		return;
	}
	if ((st = collect_contacts(m, &r, hexp)) != 0) {
		txn_reply(t, st, st == 400 ? "Bad Contact header" : "Too Many Contacts", NULL, NULL,
		    NULL, 0);
		goto out;
	}
	struct aor *a = location_get(r.aor);
	/* before authentication: its nonce count was used by the original */
	if (is_retransmission(m, a, &r)) {
		reply_when_durable(t, m, &r);
		goto out;
	}
	if (check_owner(t, m, &r, &to) == -1 || check_intervals(t, &r) == -1 ||
	    contact_is_gruu(t, &r) == -1)
		goto out;
	if (check_order(m, a, &r) != 0) {
		txn_reply(t, 500, "Out Of Order CSeq", "Retry-After: 1\r\n", NULL, NULL, 0);
		goto out;
	}
	if (!cfg->reg_replace_oldest && count_after(a, &r) > cfg->reg_max_bindings) {
		txn_reply(t, 403, "Too Many Bindings", NULL, NULL, NULL, 0);
		goto out;
	}
	r.path = collect_path(m);
	apply(m, &r, time(NULL));
	reply_when_durable(t, m, &r);
out:
	req_clear(&r);
}

static void
on_purge(evutil_socket_t fd, short what, void *arg)
{
	location_purge(time(NULL));
	auth_expire(time(NULL));
}

static void
admin_op(const char *op, const char *arg, void *ctx)
{
	if (strcmp(op, "reg_del") == 0)
		log_info("sipctl: removed %d bindings of %s", location_remove_aor(arg), arg);
	else if (strcmp(op, "pbx_changed") == 0)
		pbx_invalidate();	/* ring groups / forwards: reloaded by the next call */
	else if (strcmp(op, "users_changed") == 0)
		store_user_forget();	/* user records: read again by the next request */
}

static void
on_admin(evutil_socket_t fd, short what, void *arg)
{
	store_admin_poll(admin_op, NULL);
}

int
registrar_init(struct event_base *base)
{
	struct timeval purge = { 5, 0 }, admin = { 1, 0 };
	long n;

	struct timespec t0, t1;

	location_init();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((n = location_load(time(NULL))) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_notice("registrar: %ld bindings loaded in %ld ms", n,
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	dispatch_set(SIP_REGISTER, registrar_request);
	transport_set_flow_hook(location_flow_in_use);
	ev_purge = event_new(base, -1, EV_PERSIST, on_purge, NULL);
	ev_admin = event_new(base, -1, EV_PERSIST, on_admin, NULL);
	event_add(ev_purge, &purge);
	event_add(ev_admin, &admin);
	return 0;
}

void
registrar_shutdown(void)
{
	if (ev_purge)
		event_free(ev_purge);
	if (ev_admin)
		event_free(ev_admin);
	ev_purge = ev_admin = NULL;
	location_free();
}
