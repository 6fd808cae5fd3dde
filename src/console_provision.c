/* console_provision.c - phone setup links (console.h).  An administrator asks for a link for a
 * user; the console keeps only the SHA-256 of its secret (provision_links), shows the link and
 * its QR code (libqrencode, drawn as SVG).  The first GET of the link before it expires gets
 * Linphone's remote-provisioning XML (lpconfig.xsd) with the account: identity, the server's
 * address and transport (TLS when sipd listens on TLS), and the digest credentials as HA1 for
 * the realm, never the password.  The link is marked used in the same commit that decides it,
 * so two fetches cannot both win; every use and refusal is logged. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <openssl/evp.h>
#include <qrencode.h>

#include "auth.h"
#include "config.h"
#include "console.h"
#include "domain.h"
#include "log.h"
#include "sipd.h"
#include "store.h"
#include "uri.h"
#include "xmalloc.h"

#define LINK_SECRET_LEN	32

static void
entry(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "    <entry name=\"%s\" overwrite=\"true\">", name);
	console_html_escape(b, value);
	buf_adds(b, "</entry>\n");
}

char *
console_provision_xml(const struct console_account *a, size_t *len)
{
	struct buf b, id;

	buf_init(&id, 256);
	buf_printf(&id, "\"%s\" <sip:%s@%s>", a->display ? a->display : a->username, a->username,
	    a->domain);
	buf_add(&id, "", 1);
	buf_init(&b, 2048);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<config xmlns=\"http://www.linphone.org/xsds/lpconfig.xsd\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:schemaLocation=\"http://www.linphone.org/xsds/lpconfig.xsd lpconfig.xsd\">\n");
	buf_adds(&b, "  <section name=\"sip\">\n");
	entry(&b, "default_proxy", "0");
	buf_adds(&b, "  </section>\n  <section name=\"auth_info_0\">\n");
	entry(&b, "username", a->username);
	entry(&b, "userid", a->username);
	entry(&b, "ha1", a->ha1_md5);
	entry(&b, "realm", a->realm);
	entry(&b, "domain", a->domain);
	entry(&b, "algorithm", "MD5");
	buf_adds(&b, "  </section>\n  <section name=\"proxy_0\">\n");
	entry(&b, "reg_proxy", a->proxy);
	entry(&b, "reg_identity", id.p);
	entry(&b, "realm", a->realm);
	entry(&b, "reg_expires", "3600");
	entry(&b, "reg_sendregister", "1");
	entry(&b, "publish", "0");
	buf_adds(&b, "  </section>\n");
	/* media: the codecs every phone has first, no video, symmetric RTP through the relay */
	buf_adds(&b, "  <section name=\"rtp\">\n");
	entry(&b, "symmetric", "1");
	buf_adds(&b, "  </section>\n  <section name=\"video\">\n");
	entry(&b, "capture", "0");
	entry(&b, "display", "0");
	entry(&b, "automatically_initiate", "0");
	entry(&b, "automatically_accept", "0");
	buf_adds(&b, "  </section>\n</config>\n");
	buf_free(&id);
	return buf_take(&b, len);
}

char *
console_qr_svg(const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct buf b;
	int w, quiet = 4;

	if (q == NULL)
		return NULL;
	w = q->width;
	buf_init(&b, 8192);
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\"><rect width=\"100%%\" "
	    "height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"", w + 2 * quiet, w + 2 * quiet,
	    (w + 2 * quiet) * 6, (w + 2 * quiet) * 6);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				buf_printf(&b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
	buf_adds(&b, "\"/></svg>");
	QRcode_free(q);
	return buf_take(&b, NULL);
}

/* Hex SHA-256 of a link's secret: what the table keeps. */
static void
secret_hash(const char *secret, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(secret, strlen(secret), md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The Host the browser used, if it is a plain host[:port] (it names the links' server). */
static int
request_host(struct evhttp_request *req, char *out, size_t len)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");

	if (h == NULL || h[0] == '\0' || strlen(h) >= len ||
	    strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	    strlen(h))
		return -1;
	snprintf(out, len, "%s", h);
	return 0;
}

struct creating {
	struct evhttp_request	*req;
	char			 url[512];
	char			 user[128];
};

static void
creating_gone(struct evhttp_connection *evcon, void *arg)
{
	console_req_gone(((struct creating *)arg)->req);
	((struct creating *)arg)->req = NULL;
}

static void
link_stored(void *arg, int ok, int changes)
{
	struct creating *c = arg;
	struct buf b;
	char *svg;

	if (c->req == NULL) {
		free(c);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
	if (!ok || (svg = console_qr_svg(c->url)) == NULL) {
		console_error(c->req, 500, "could not store the link");
		free(c);
		return;
	}
	buf_init(&b, strlen(svg) + 1024);
	buf_adds(&b, "{\"url\":");
	console_json_str(&b, c->url);
	buf_printf(&b, ",\"expires_in\":%d,\"svg\":", cfg->console_provision_lifetime);
	console_json_str(&b, svg);
	buf_adds(&b, "}");
	console_reply(c->req, 200, "application/json", b.p, b.len);
	buf_free(&b);
	free(svg);
	free(c);
}

static void
user_found(int n, const char *const *names, const char *const *vals, void *arg)
{
	*(int *)arg = 1;
}

/* POST /api/provision: user.  A new one-time link, its QR code. */
void
console_provision_create(struct console_req *r)
{
	const char *u = console_arg(r, "user");
	char secret[LINK_SECRET_LEN + 1], hash[65], host[256], expires[24];
	struct creating *c;
	int found = 0;

	if (u == NULL || !uri_user_valid(u) || strlen(u) >= sizeof(c->user) ||
	    request_host(r->req, host, sizeof(host)) == -1) {
		console_error(r->req, 400, "user");
		return;
	}
	const char *q[] = { u, domain_primary() };
	store_query("SELECT 1 FROM users WHERE username = ?1 AND domain = ?2", q, 2, user_found,
	    &found);
	if (!found) {
		console_error(r->req, 404, "no such user");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->req = r->req;
	snprintf(c->user, sizeof(c->user), "%s", u);
	sip_random_token(secret, LINK_SECRET_LEN);
	secret_hash(secret, hash);
	snprintf(c->url, sizeof(c->url), "%s://%s/provision/%s", console_is_tls() ? "https" :
	    "http", host, secret);
	snprintf(expires, sizeof(expires), "%lld", (long long)time(NULL) +
	    cfg->console_provision_lifetime);
	const char *args[] = { hash, u, domain_primary(), r->session->admin, expires };
	store_exec("INSERT INTO provision_links (token_sha256, username, domain, created_by, "
	    "expires) VALUES (?1, ?2, ?3, ?4, CAST(?5 AS INTEGER))", args, 5, link_stored, c);
	log_notice("console: %s made a provisioning link for %s (expires in %d s)",
	    r->session->admin, u, cfg->console_provision_lifetime);
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), creating_gone, c);
}

/* The host part (no port) of the Host the browser used, when it is a name or an address;
 * host is left as it is otherwise. */
static void
host_of_request(struct evhttp_request *req, char *host, size_t len)
{
	char h[128];
	unsigned char a[16];
	char *close;

	if (request_host(req, h, sizeof(h)) == -1)
		return;
	if (h[0] == '[') {
		if ((close = strchr(h, ']')) == NULL)
			return;
		*close = '\0';
		if (inet_pton(AF_INET6, h + 1, a) == 1)
			snprintf(host, len, "[%s]", h + 1);
		return;
	}
	h[strcspn(h, ":")] = '\0';
	if (h[0] != '\0')
		snprintf(host, len, "%s", h);
}

/* The SIP address phones should use: a TLS listener when there is one, else UDP; a wildcard
 * address is replaced by the host the browser reached the console at. */
static void
proxy_uri(struct evhttp_request *req, char *out, size_t len)
{
	const struct listen_addr *best = NULL;
	char host[256] = "127.0.0.1", addr[64];
	int port = 5060;

	for (int i = 0; i < cfg->nlisten; i++)
		if (best == NULL || cfg->listen[i].proto == PROTO_TLS ||
		    (cfg->listen[i].proto == PROTO_UDP && best->proto == PROTO_TCP))
			best = &cfg->listen[i];
	if (best != NULL) {
		sip_addr_host(&best->ss, addr, sizeof(addr), &port);
		if (strcmp(addr, "0.0.0.0") != 0 && strcmp(addr, "::") != 0)
			snprintf(host, sizeof(host), strchr(addr, ':') ? "[%s]" : "%s", addr);
		else
			host_of_request(req, host, sizeof(host));
	}
	snprintf(out, len, "<sip:%s:%d;transport=%s>", host, port,
	    sip_proto_name(best ? best->proto : PROTO_UDP));
}

struct fetching {
	struct evhttp_request	*req;
	char			 user[128];
	char			 domain[256];
	char			 peer[64];
};

static void
fetching_gone(struct evhttp_connection *evcon, void *arg)
{
	console_req_gone(((struct fetching *)arg)->req);
	((struct fetching *)arg)->req = NULL;
}

/* The link is marked used (changes 1), or someone else used it first (0). */
static void
link_used(void *arg, int ok, int changes)
{
	struct fetching *f = arg;
	struct auth_user u;
	struct console_account a;
	char proxy[320];
	char *xml;
	size_t len;

	if (f->req != NULL)
		evhttp_connection_set_closecb(evhttp_request_get_connection(f->req), NULL, NULL);
	if (!ok || changes != 1 || store_user_get(f->user, f->domain, &u) == -1) {
		log_notice("console: provisioning link for %s refused to %s (used meanwhile)", f->user,
		    f->peer);
		if (f->req != NULL)
			console_error(f->req, 410, "this link was used or has expired");
		free(f);
		return;
	}
	log_notice("console: provisioning link for %s used from %s", f->user, f->peer);
	if (f->req == NULL) {
		free(f);
		return;
	}
	proxy_uri(f->req, proxy, sizeof(proxy));
	a = (struct console_account){ .username = f->user, .domain = f->domain, .realm = u.realm,
	    .ha1_md5 = u.ha1_md5, .proxy = proxy, .display = f->user };
	xml = console_provision_xml(&a, &len);
	console_reply(f->req, 200, "application/xml; charset=utf-8", xml, len);
	free(xml);
	free(f);
}

static void
link_row(int n, const char *const *names, const char *const *vals, void *arg)
{
	struct fetching *f = arg;

	snprintf(f->user, sizeof(f->user), "%s", vals[0] ? vals[0] : "");
	snprintf(f->domain, sizeof(f->domain), "%s", vals[1] ? vals[1] : "");
}

/* GET /provision/SECRET: the XML once, before the link expires; 410 after. */
void
console_provision_fetch(struct console_req *r, const char *secret)
{
	char hash[65], now[24];
	struct fetching *f;

	if (strlen(secret) != LINK_SECRET_LEN ||
	    strspn(secret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
	    LINK_SECRET_LEN) {
		console_error(r->req, 404, "no such link");
		return;
	}
	secret_hash(secret, hash);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	f = xcalloc(1, sizeof(*f));
	snprintf(f->peer, sizeof(f->peer), "%s", r->peer);
	const char *args[] = { hash, now, r->peer };
	if (store_query("SELECT username, domain FROM provision_links WHERE token_sha256 = ?1 AND "
	    "used = 0 AND expires > CAST(?2 AS INTEGER)", args, 2, link_row, f) < 1) {
		log_notice("console: provisioning link refused to %s (unknown, used or expired)",
		    r->peer);
		console_error(r->req, 410, "this link was used or has expired");
		free(f);
		return;
	}
	f->req = r->req;
	store_exec("UPDATE provision_links SET used = CAST(?2 AS INTEGER), used_from = ?3 WHERE "
	    "token_sha256 = ?1 AND used = 0", args, 3, link_used, f);
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), fetching_gone, f);
}
