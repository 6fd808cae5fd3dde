/* console.h - the web console: an evhttp listener on sipd's loop (console.listen), its routes,
 * sessions, CSRF checks, limits and security headers (console.c); the JSON endpoints
 * (console_api.c); ring groups, forwards, waiting messages (console_pbx.c); phone
 * provisioning (console_provision.c); the compiled-in page
 * (console_assets.c); administrators and sessions (console_auth.c). */
#ifndef SIPD_CONSOLE_H
#define SIPD_CONSOLE_H

#include <stddef.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "buf.h"
#include "config.h"
#include "console_auth.h"

#define CONSOLE_MAX_BODY	16384
#define CONSOLE_SESSION_COOKIE	"sipd_session"

/* Serve the console as c says (console.enable, console.listen, console.tls), or stop it.  Called
 * at start and on SIGHUP; a listener that cannot move keeps the old one.  0, or -1 (logged). */
int console_apply(struct event_base *, const struct sipd_config *c);
void console_stop(void);

/* One request as the handlers see it. */
struct console_req {
	struct evhttp_request		*req;
	const struct console_session	*session;	/* NULL on the routes without one */
	struct evkeyvalq		 query;		/* ?a=b of the URI */
	struct evkeyvalq		 form;		/* the POST body (x-www-form-urlencoded) */
	char				 peer[64];	/* the client's address */
	int				 peer_port;
};
/* A query or form value, or NULL. */
const char *console_arg(struct console_req *, const char *name);
/* Answer with body (type: its Content-Type) and the console's security headers. */
void console_reply(struct evhttp_request *, int status, const char *type, const char *body,
    size_t len);
/* From a connection's close callback: free the request left waiting (see console.c). */
void console_req_gone(struct evhttp_request *);
/* The security headers every answer carries (console_reply adds them). */
void console_reply_headers(struct evhttp_request *);
/* Answer {"error": msg} with status. */
void console_error(struct evhttp_request *, int status, const char *msg);
struct event_base *console_base(void);
int console_is_tls(void);

/* The JSON endpoints (console_api.c). */
void console_api_dashboard(struct console_req *);
void console_api_users(struct console_req *);
void console_api_user_add(struct console_req *);
void console_api_user_passwd(struct console_req *);
void console_api_user_enable(struct console_req *);
void console_api_user_disable(struct console_req *);
void console_api_user_delete(struct console_req *);
void console_api_bindings(struct console_req *);
void console_api_binding_remove(struct console_req *);
void console_api_cdr(struct console_req *);
void console_api_cdr_csv(struct console_req *);
/* Ring groups and forwards (console_pbx.c). */
void console_pbx_groups(struct console_req *);
void console_pbx_group_add(struct console_req *);
void console_pbx_group_delete(struct console_req *);
void console_pbx_member_add(struct console_req *);
void console_pbx_member_remove(struct console_req *);
void console_pbx_forwards(struct console_req *);
void console_pbx_forward_set(struct console_req *);
void console_pbx_forward_clear(struct console_req *);
void console_pbx_messages(struct console_req *);
void console_pbx_message_delete(struct console_req *);
/* Helpers of the endpoints (console_api.c): a form's user name made canonical (NULL: answered
 * 400); a write through the store's writer answered once committed (200, 409 refused, 404
 * nothing changed), pbx tables reloaded; a query row as a JSON object. */
const char *console_user_arg(struct console_req *, const char *name, char *out, size_t len);
void console_write(struct console_req *, const char *what, const char *subject, const char *sql,
    const char *const *args, int nargs);
void console_row_json(int ncol, const char *const *names, const char *const *vals, void *arg);
/* Once a minute: the counters of the last hour, for the dashboard's charts. */
void console_api_sample(void);

/* Phone provisioning (console_provision.c). */
void console_provision_create(struct console_req *);
void console_provision_fetch(struct console_req *, const char *token);
struct console_account {
	const char	*username, *domain, *realm, *ha1_md5;
	const char	*proxy;		/* "sip:host:port;transport=udp" */
	const char	*display;
};
/* Linphone's remote-provisioning XML (lpconfig.xsd) for one account.  No I/O. */
char *console_provision_xml(const struct console_account *, size_t *len);
/* An SVG drawing of text as a QR code, or NULL.  No I/O. */
char *console_qr_svg(const char *text);

/* Escaping (no I/O): a JSON string literal, quotes included (< > & as \u escapes, so the
 * text is inert even if a browser took it for HTML), and text for HTML or XML. */
void console_json_str(struct buf *, const char *s);
void console_html_escape(struct buf *, const char *s);
/* A CSV field (RFC 4180: quoted when it holds , " CR or LF; quotes doubled); one starting
 * with = + - @ TAB or CR (not a negative number) gets a leading ' so no spreadsheet runs it. */
void console_csv_field(struct buf *, const char *s);

/* The compiled-in files (console_assets.c): the body, or NULL for an unknown path. */
const char *console_asset(const char *path, const char **type, size_t *len);

#endif
