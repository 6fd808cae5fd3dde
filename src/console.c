/* console.c - the web console's HTTP side (console.h): one evhttp listener on sipd's loop,
 * plain or TLS (bufferevent_openssl with tls.certificate), a route table, and the checks every
 * request passes before a handler sees it: a rate limit per address, a session (cookie) for
 * everything but the login and provisioning links, a CSRF token on every POST, a same-origin
 * Origin, a body limit (413 from evhttp).  Nothing changes on a GET but the one-time use of a
 * provisioning link.  Pages come back with a Content-Security-Policy that allows no inline
 * script; the page builds its DOM from JSON with textContent. */
#include <sys/queue.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include "authban.h"
#include "console.h"
#include "htab.h"
#include "log.h"
#include "metrics.h"
#include "sipd.h"
#include "store.h"
#include "xmalloc.h"

#define PRE_COOKIE	"sipd_pre"
#define RATE_MAX_ADDRS	4096

static struct evhttp	*http;
static char		*http_spec;
static int		 http_tls;
static SSL_CTX		*ssl_ctx;
static struct event_base *ev_base;
static struct event	*ev_sample;
static struct htab	*buckets;	/* client address -> struct bucket */

struct bucket {
	double		 tokens;
	struct timespec	 last;
};

struct event_base *
console_base(void)
{
	return ev_base;
}

int
console_is_tls(void)
{
	return http_tls;
}

/* Headers of every answer: no script but our own file, no framing, no sniffing, no caching. */
void
console_reply_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (http_tls)
		evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
}

void
console_reply(struct evhttp_request *req, int status, const char *type, const char *body,
    size_t len)
{
	struct evbuffer *out = evbuffer_new();

	console_reply_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evbuffer_add(out, body, len);
	evhttp_send_reply(req, status, status < 400 ? "OK" : "Refused", out);
	evbuffer_free(out);
}

/* The browser went away while its answer waited (a write, a password check, an export):
 * libevent has then detached the request from the connection and left it to us to free. */
void
console_req_gone(struct evhttp_request *req)
{
	if (req != NULL && evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

void
console_error(struct evhttp_request *req, int status, const char *msg)
{
	struct buf b;

	buf_init(&b, 64);
	buf_adds(&b, "{\"error\":");
	console_json_str(&b, msg);
	buf_adds(&b, "}");
	console_reply(req, status, "application/json", b.p, b.len);
	buf_free(&b);
}

const char *
console_arg(struct console_req *r, const char *name)
{
	const char *v = evhttp_find_header(&r->form, name);

	return v != NULL ? v : evhttp_find_header(&r->query, name);
}

/* A token bucket per client address: console.rate a second, burst five times that. */
static int
rate_ok(const char *peer)
{
	struct bucket *b;
	struct timespec now;
	double dt;

	if (buckets == NULL)
		buckets = htab_new();
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((b = htab_get(buckets, peer, strlen(peer))) == NULL) {
		if (htab_count(buckets) >= RATE_MAX_ADDRS)
			return 0;	/* a spray of addresses: refuse new ones until the minute's reset */
		b = xcalloc(1, sizeof(*b));
		b->tokens = 5.0 * cfg->console_rate;
		b->last = now;
		htab_put(buckets, peer, strlen(peer), b);
	}
	dt = (double)(now.tv_sec - b->last.tv_sec) + (double)(now.tv_nsec - b->last.tv_nsec) / 1e9;
	b->last = now;
	b->tokens += dt * cfg->console_rate;
	if (b->tokens > 5.0 * cfg->console_rate)
		b->tokens = 5.0 * cfg->console_rate;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

static void
free_val(const void *k, size_t kl, void *v, void *arg)
{
	free(v);
}

static void
buckets_clear(void)
{
	if (buckets == NULL)
		return;
	htab_foreach(buckets, free_val, NULL);
	htab_free(buckets);
	buckets = NULL;
}

/* Once a minute: a chart sample, and the rate table starts afresh (bounded memory). */
static void
on_minute(evutil_socket_t fd, short what, void *arg)
{
	console_api_sample();
	buckets_clear();
}

static const struct console_session *
session_of(struct evhttp_request *req)
{
	const char *cookie = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	char id[CONSOLE_TOKEN_LEN + 2];

	if (cookie == NULL || console_cookie_get(cookie, CONSOLE_SESSION_COOKIE, id, sizeof(id)) == -1)
		return NULL;
	return console_session_get(id, time(NULL), cfg->console_session_timeout);
}

/* A POST from another origin is refused even before its token is looked at. */
static int
same_origin(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *origin = evhttp_find_header(h, "Origin"), *host = evhttp_find_header(h, "Host");
	char want[300];

	if (origin == NULL)
		return 1;	/* not a browser's cross-origin request (those always send Origin) */
	if (host == NULL)
		return 0;
	snprintf(want, sizeof(want), "%s://%s", http_tls ? "https" : "http", host);
	return strcmp(origin, want) == 0;
}

/* Parse the POST body into r->form; -1 when it is not a form. */
static int
read_form(struct evhttp_request *req, struct console_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t n = evbuffer_get_length(in);
	char *body;
	int rc;

	if (n == 0)
		return 0;
	if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 ||
	    n > CONSOLE_MAX_BODY)
		return -1;
	body = xmalloc(n + 1);
	evbuffer_remove(in, body, n);
	body[n] = '\0';
	rc = evhttp_parse_query_str(body, &r->form);
	free(body);
	return rc;
}

static void
set_cookie(struct evhttp_request *req, const char *name, const char *value, int max_age)
{
	char c[256];

	snprintf(c, sizeof(c), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, value,
	    http_tls ? "; Secure" : "", max_age == 0 ? "; Max-Age=0" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
}

/* GET /api/pre: the token a login form must send back (double-submit: cookie and header). */
static void
route_pre(struct console_req *r)
{
	char tok[CONSOLE_TOKEN_LEN + 1], body[80];

	sip_random_token(tok, CONSOLE_TOKEN_LEN);
	set_cookie(r->req, PRE_COOKIE, tok, -1);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	console_reply(r->req, 200, "application/json", body, strlen(body));
}

/* A login waits for the password check (a worker thread); the connection may go meanwhile. */
struct login {
	struct evhttp_request	*req;
	char			 admin[64];
	char			 ban_key[80];
	struct sip_peer		 peer;
};

static void
login_gone(struct evhttp_connection *evcon, void *arg)
{
	console_req_gone(((struct login *)arg)->req);
	((struct login *)arg)->req = NULL;
}

static void
login_done(void *arg, int ok)
{
	struct login *l = arg;
	const struct console_session *s;
	char body[160];

	if (l->req == NULL) {
		log_info("console: login of %s: the browser left before the answer", l->ban_key + 8);
		free(l);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(l->req), NULL, NULL);
	if (!ok || l->admin[0] == '\0') {	/* no such administrator: the stand-in never logs in */
		authban_failure(l->ban_key, "LOGIN", "console password", &l->peer, time(NULL));
		console_error(l->req, 403, "wrong name or password");
		free(l);
		return;
	}
	s = console_session_new(l->admin, time(NULL));
	log_notice("console: %s logged in", l->admin);
	set_cookie(l->req, CONSOLE_SESSION_COOKIE, s->id, -1);
	set_cookie(l->req, PRE_COOKIE, "", 0);
	snprintf(body, sizeof(body), "{\"csrf\":\"%s\"}", s->csrf);
	console_reply(l->req, 200, "application/json", body, strlen(body));
	free(l);
}

static void
admin_hash(int ncol, const char *const *names, const char *const *vals, void *arg)
{
	snprintf(arg, CONSOLE_HASH_MAX, "%s", vals[0] ? vals[0] : "");
}

/* The stand-in hash checked for names that are no administrator, so that the answer takes as
 * long (a fixed one: making it would cost the loop a KDF run; it never logs anyone in). */
static const char *
dummy_hash(void)
{
	return "scrypt$16384$8$1$000102030405060708090a0b0c0d0e0f$"
	    "0000000000000000000000000000000000000000000000000000000000000000";
}

/* POST /api/login: name and password; the pre-login token in X-CSRF-Token and its cookie. */
static void
route_login(struct console_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->req);
	const char *name = console_arg(r, "name"), *pw = console_arg(r, "password");
	const char *tok = evhttp_find_header(h, "X-CSRF-Token"), *cookie = evhttp_find_header(h, "Cookie");
	char pre[CONSOLE_TOKEN_LEN + 2], stored[CONSOLE_HASH_MAX] = "";
	struct login *l;

	if (tok == NULL || cookie == NULL || console_cookie_get(cookie, PRE_COOKIE, pre, sizeof(pre)) ==
	    -1 || strlen(pre) != CONSOLE_TOKEN_LEN || strcmp(pre, tok) != 0) {
		console_error(r->req, 403, "missing or wrong CSRF token");
		return;
	}
	if (name == NULL || pw == NULL || name[0] == '\0' || strlen(name) >= 64) {
		console_error(r->req, 400, "name and password");
		return;
	}
	l = xcalloc(1, sizeof(*l));
	l->req = r->req;
	snprintf(l->admin, sizeof(l->admin), "%s", name);
	snprintf(l->ban_key, sizeof(l->ban_key), "console:%s", name);
	l->peer.proto = PROTO_TCP;
	l->peer.addrlen = sizeof(l->peer.addr);
	evutil_parse_sockaddr_port(r->peer, (struct sockaddr *)&l->peer.addr, (int *)&l->peer.addrlen);
	if (authban_banned(l->ban_key, &l->peer, time(NULL))) {
		log_notice("console: login of %s from %s refused (banned)", l->ban_key + 8, r->peer);
		console_error(r->req, 403, "wrong name or password");
		free(l);
		return;
	}
	const char *args[] = { name };
	if (store_query("SELECT pwhash FROM console_admins WHERE name = ?1", args, 1, admin_hash,
	    stored) < 1)
		snprintf(stored, sizeof(stored), "%s", dummy_hash()), l->admin[0] = '\0';
	if (console_auth_verify_async(ev_base, pw, stored, login_done, l) == -1) {
		console_error(r->req, 503, "busy, try again");
		free(l);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), login_gone, l);
}

/* POST /api/logout */
static void
route_logout(struct console_req *r)
{
	log_notice("console: %s logged out", r->session->admin);
	console_session_drop(r->session->id);
	set_cookie(r->req, CONSOLE_SESSION_COOKIE, "", 0);
	console_reply(r->req, 200, "application/json", "{}", 2);
}

/* GET /api/session: who is logged in, and the CSRF token the page sends with every POST. */
static void
route_session(struct console_req *r)
{
	struct buf b;

	buf_init(&b, 128);
	buf_adds(&b, "{\"admin\":");
	console_json_str(&b, r->session->admin);
	buf_printf(&b, ",\"csrf\":\"%s\",\"tls\":%d}", r->session->csrf, http_tls);
	console_reply(r->req, 200, "application/json", b.p, b.len);
	buf_free(&b);
}

/* A compiled-in file; the app page only with a session (else 303 to the login page). */
static void
route_asset(struct console_req *r, const char *path)
{
	const char *type, *body;
	size_t len;

	if (strcmp(path, "/") == 0 && r->session == NULL) {
		console_reply_headers(r->req);
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", "/login");
		evhttp_send_reply(r->req, 303, "See Other", NULL);
		return;
	}
	if ((body = console_asset(path, &type, &len)) == NULL) {
		console_error(r->req, 404, "no such page");
		return;
	}
	console_reply(r->req, 200, type, body, len);
}

enum { R_PUBLIC, R_SESSION, R_POST };	/* R_POST: session and CSRF token */

static const struct route {
	const char	*path;
	int		 post;
	int		 need;
	void		(*fn)(struct console_req *);
} routes[] = {
	{ "/api/pre", 0, R_PUBLIC, route_pre },
	{ "/api/login", 1, R_PUBLIC, route_login },
	{ "/api/logout", 1, R_POST, route_logout },
	{ "/api/session", 0, R_SESSION, route_session },
	{ "/api/dashboard", 0, R_SESSION, console_api_dashboard },
	{ "/api/users", 0, R_SESSION, console_api_users },
	{ "/api/bindings", 0, R_SESSION, console_api_bindings },
	{ "/api/cdr", 0, R_SESSION, console_api_cdr },
	{ "/api/cdr.csv", 0, R_SESSION, console_api_cdr_csv },
	{ "/api/user/add", 1, R_POST, console_api_user_add },
	{ "/api/user/passwd", 1, R_POST, console_api_user_passwd },
	{ "/api/user/enable", 1, R_POST, console_api_user_enable },
	{ "/api/user/disable", 1, R_POST, console_api_user_disable },
	{ "/api/user/delete", 1, R_POST, console_api_user_delete },
	{ "/api/binding/remove", 1, R_POST, console_api_binding_remove },
	{ "/api/provision", 1, R_POST, console_provision_create },
	{ "/api/groups", 0, R_SESSION, console_pbx_groups },
	{ "/api/group/add", 1, R_POST, console_pbx_group_add },
	{ "/api/group/delete", 1, R_POST, console_pbx_group_delete },
	{ "/api/group/member/add", 1, R_POST, console_pbx_member_add },
	{ "/api/group/member/remove", 1, R_POST, console_pbx_member_remove },
	{ "/api/forwards", 0, R_SESSION, console_pbx_forwards },
	{ "/api/forward/set", 1, R_POST, console_pbx_forward_set },
	{ "/api/forward/clear", 1, R_POST, console_pbx_forward_clear },
	{ "/api/messages", 0, R_SESSION, console_pbx_messages },
	{ "/api/message/delete", 1, R_POST, console_pbx_message_delete },
};

/* The checks of a route: method, session, token.  0 go on, -1 answered. */
static int
route_check(struct console_req *r, const struct route *rt, int post)
{
	const char *tok;

	if (post != rt->post) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow",
		    rt->post ? "POST" : "GET, HEAD");
		console_error(r->req, 405, rt->post ? "POST only" : "GET only");
		return -1;
	}
	if (post && (!same_origin(r->req) || read_form(r->req, r) == -1)) {
		console_error(r->req, 403, "a form of this origin only");
		return -1;
	}
	if (rt->need == R_PUBLIC)
		return 0;
	if (r->session == NULL) {
		console_error(r->req, 401, "log in first");
		return -1;
	}
	tok = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-CSRF-Token");
	if (rt->need == R_POST && !console_csrf_ok(r->session, tok)) {
		log_notice("console: %s from %s without a valid CSRF token refused",
		    evhttp_request_get_uri(r->req), r->peer);
		console_error(r->req, 403, "missing or wrong CSRF token");
		return -1;
	}
	return 0;
}

/* Route a request whose path is path. */
static void
dispatch(struct console_req *r, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(r->req);
	int post = cmd == EVHTTP_REQ_POST;

	if (strncmp(path, "/provision/", 11) == 0) {
		if (post)
			console_error(r->req, 405, "GET only");
		else
			console_provision_fetch(r, path + 11);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (route_check(r, &routes[i], post) == 0)
			routes[i].fn(r);
		return;
	}
	if (post) {
		console_error(r->req, 404, "no such action");
		return;
	}
	route_asset(r, path);
}

static void
serve(struct evhttp_request *req, void *arg)
{
	struct console_req r;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(uri), *q = evhttp_uri_get_query(uri);
	char *host;
	ev_uint16_t port;

	memset(&r, 0, sizeof(r));
	r.req = req;
	TAILQ_INIT(&r.query);
	TAILQ_INIT(&r.form);
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
	snprintf(r.peer, sizeof(r.peer), "%s", host ? host : "?");
	r.peer_port = port;
	if (!rate_ok(r.peer)) {
		console_error(req, 429, "too many requests");
		return;
	}
	if (path == NULL || path[0] != '/' || (q != NULL && evhttp_parse_query_str(q, &r.query) == -1)) {
		console_error(req, 400, "bad request");
		goto out;
	}
	r.session = session_of(req);
	dispatch(&r, path);
out:
	evhttp_clear_headers(&r.query);
	evhttp_clear_headers(&r.form);
}

/* TLS: each connection gets an SSL of the tls.* certificate. */
static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(ssl_ctx);

	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
}

static SSL_CTX *
tls_ctx(const struct sipd_config *c)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1) {
		log_warnx("console: cannot load %s / %s", c->tls_cert, c->tls_key);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A new evhttp on c's console.listen, or NULL (logged). */
static struct evhttp *
http_open(struct event_base *base, const struct sipd_config *c)
{
	struct evhttp *h;
	char host[64];
	int port;

	if (metrics_parse_listen(c->console_listen, host, sizeof(host), &port) == -1 ||
	    (h = evhttp_new(base)) == NULL)
		return NULL;
	if (evhttp_bind_socket(h, host, (uint16_t)port) == -1) {
		log_warn("console: cannot listen on %s (port in use? change console.listen)",
		    c->console_listen);
		evhttp_free(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_timeout(h, 20);
	evhttp_set_max_headers_size(h, 8192);
	evhttp_set_max_body_size(h, CONSOLE_MAX_BODY);
	evhttp_set_gencb(h, serve, NULL);
	if (c->console_tls)
		evhttp_set_bevcb(h, tls_bev, NULL);
	return h;
}

int
console_apply(struct event_base *base, const struct sipd_config *c)
{
	struct timeval minute = { 60, 0 };
	SSL_CTX *ctx = NULL;
	struct evhttp *h;

	ev_base = base;
	if (!c->console_enable) {
		if (http != NULL)
			log_notice("console: closed");
		console_stop();
		return 0;
	}
	if (http != NULL && strcmp(http_spec, c->console_listen) == 0 && http_tls == c->console_tls)
		return 0;
	console_stop();		/* the same port cannot be bound twice: the old one goes first */
	if (c->console_tls && (ctx = tls_ctx(c)) == NULL)
		return -1;
	ssl_ctx = ctx;
	if ((h = http_open(base, c)) == NULL) {
		if (ssl_ctx)
			SSL_CTX_free(ssl_ctx);
		ssl_ctx = NULL;
		return -1;
	}
	http = h;
	http_spec = xstrdup(c->console_listen);
	http_tls = c->console_tls;
	ev_sample = event_new(base, -1, EV_PERSIST, on_minute, NULL);
	event_add(ev_sample, &minute);
	console_api_sample();
	log_notice("console: serving %s://%s/", http_tls ? "https" : "http", http_spec);
	return 0;
}

void
console_stop(void)
{
	if (http != NULL)
		evhttp_free(http);
	http = NULL;
	if (ssl_ctx != NULL)
		SSL_CTX_free(ssl_ctx);
	ssl_ctx = NULL;
	free(http_spec);
	http_spec = NULL;
	if (ev_sample)
		event_free(ev_sample);
	ev_sample = NULL;
	buckets_clear();
	console_auth_shutdown();
}
