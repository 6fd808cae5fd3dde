/* console_api.c - the console's JSON endpoints (console.h): the dashboard (bindings from the
 * location service, live calls from the call records, counters), users, bindings, call
 * history.  Reads are small queries on the store's read connection; every write goes through
 * the store's writer thread (store_exec) and is answered once committed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "auth.h"
#include "callrec.h"
#include "console.h"
#include "domain.h"
#include "location.h"
#include "log.h"
#include "metrics.h"
#include "pbx.h"
#include "relay.h"
#include "store.h"
#include "uri.h"
#include "xmalloc.h"

#define CDR_PAGE	50
#define SAMPLES		60
#define DASH_MAX_ROWS	500	/* rows of each dashboard table (the counters give the totals) */

void
console_json_str(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_add(b, p, 1);
	}
	buf_add(b, "\"", 1);
}

void
console_html_escape(struct buf *b, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default:
			if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n')
				buf_adds(b, "\xef\xbf\xbd");	/* not allowed in XML 1.0 */
			else
				buf_add(b, p, 1);
		}
	}
}

void
console_csv_field(struct buf *b, const char *s)
{
	int quote, formula;

	s = s ? s : "";
	/* a cell a spreadsheet would run as a formula (a Call-ID comes from the network) is
	 * prefixed with ' (OWASP "CSV injection") */
	formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL &&
	    !(s[0] == '-' && s[1] >= '0' && s[1] <= '9');
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_add(b, "\"", 1);
	if (formula)
		buf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '"')
			buf_add(b, "\"", 1);
		buf_add(b, s, 1);
	}
	if (quote)
		buf_add(b, "\"", 1);
}

static void
reply_json(struct console_req *r, struct buf *b)
{
	console_reply(r->req, 200, "application/json", b->p, b->len);
	buf_free(b);
}

/* The counters of the last hour, one sample a minute. */
static struct sample {
	time_t		 t;
	long		 registrations, calls_live;
	uint64_t	 calls_started, auth_failures;
} samples[SAMPLES];
static int nsamples, sample_next;

void
console_api_sample(void)
{
	struct sample *s = &samples[sample_next];
	long ringing, answered;

	callrec_live(&ringing, &answered);
	s->t = time(NULL);
	s->registrations = (long)location_count();
	s->calls_live = ringing + answered;
	s->calls_started = metrics_get(M_CALLS_STARTED);
	s->auth_failures = metrics_get(M_AUTH_FAILURES);
	sample_next = (sample_next + 1) % SAMPLES;
	if (nsamples < SAMPLES)
		nsamples++;
}

/* One binding as JSON (the dashboard's and a user's). */
static void
binding_json(struct aor *a, struct binding *bd, void *arg)
{
	struct buf *b = arg;
	char host[64];
	int port;

	if (b->p[b->len - 1] != '[')
		buf_adds(b, ",");
	sip_addr_host(&bd->received.addr, host, sizeof(host), &port);
	buf_adds(b, "{\"aor\":");
	console_json_str(b, a->aor);
	buf_adds(b, ",\"key\":");
	console_json_str(b, bd->key);
	buf_adds(b, ",\"contact\":");
	console_json_str(b, bd->contact);
	buf_adds(b, ",\"user_agent\":");
	console_json_str(b, bd->user_agent);
	buf_printf(b, ",\"transport\":\"%s\",\"received\":\"%s%s%s:%d\",\"nat\":%d,\"expires\":%lld}",
	    sip_proto_name(bd->received.proto), strchr(host, ':') ? "[" : "", host,
	    strchr(host, ':') ? "]" : "", port, bd->nat, (long long)(bd->expires - time(NULL)));
}

static void
call_json(const char *call_id, const char *caller, const char *callee, double start,
    double answer, void *arg)
{
	struct buf *b = arg;
	struct relay_stats rs;
	int relayed = relay_call_stats(call_id, &rs) == 0;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (b->p[b->len - 1] != '[')
		buf_adds(b, ",");
	buf_adds(b, "{\"call_id\":");
	console_json_str(b, call_id);
	buf_adds(b, ",\"caller\":");
	console_json_str(b, caller);
	buf_adds(b, ",\"callee\":");
	console_json_str(b, callee);
	double secs = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - (answer > 0 ? answer : start);
	buf_printf(b, ",\"state\":\"%s\",\"seconds\":%.0f,\"relayed\":%d", answer > 0 ? "answered" :
	    "ringing", secs > 0 ? floor(secs) : 0.0, relayed);
	if (relayed)
		buf_printf(b, ",\"packets\":[%llu,%llu],\"lost\":[%llu,%llu]",
		    (unsigned long long)rs.pkts[0], (unsigned long long)rs.pkts[1],
		    (unsigned long long)rs.lost[0], (unsigned long long)rs.lost[1]);
	buf_adds(b, "}");
}

static void
samples_json(struct buf *b)
{
	buf_adds(b, ",\"history\":[");
	for (int i = 0; i < nsamples; i++) {
		int at = (sample_next - nsamples + i + SAMPLES) % SAMPLES;
		const struct sample *s = &samples[at];
		const struct sample *p = i > 0 ? &samples[(at + SAMPLES - 1) % SAMPLES] : s;
		buf_printf(b, "%s{\"t\":%lld,\"registrations\":%ld,\"calls_live\":%ld,"
		    "\"calls\":%llu,\"auth_failures\":%llu}", i ? "," : "", (long long)s->t,
		    s->registrations, s->calls_live,
		    (unsigned long long)(s->calls_started - p->calls_started),
		    (unsigned long long)(s->auth_failures - p->auth_failures));
	}
	if (nsamples > 0) {	/* and the minute under way, live */
		const struct sample *p = &samples[(sample_next + SAMPLES - 1) % SAMPLES];
		long ringing, answered;
		callrec_live(&ringing, &answered);
		buf_printf(b, ",{\"t\":%lld,\"registrations\":%zu,\"calls_live\":%ld,\"calls\":%llu,"
		    "\"auth_failures\":%llu}", (long long)time(NULL), location_count(),
		    ringing + answered,
		    (unsigned long long)(metrics_get(M_CALLS_STARTED) - p->calls_started),
		    (unsigned long long)(metrics_get(M_AUTH_FAILURES) - p->auth_failures));
	}
	buf_adds(b, "]");
}

/* The dashboard's tables stop at DASH_MAX_ROWS rows: a busy server's page stays small, and
 * so does the time the loop spends on it. */
struct capped {
	struct buf	*b;
	int		 n;
};

static void
binding_capped(struct aor *a, struct binding *bd, void *arg)
{
	struct capped *c = arg;

	if (c->n++ < DASH_MAX_ROWS)
		binding_json(a, bd, c->b);
}

static void
call_capped(const char *call_id, const char *caller, const char *callee, double start,
    double answer, void *arg)
{
	struct capped *c = arg;

	if (c->n++ < DASH_MAX_ROWS)
		call_json(call_id, caller, callee, start, answer, c->b);
}

/* GET /api/dashboard */
void
console_api_dashboard(struct console_req *r)
{
	struct buf b;
	struct capped regs = { &b, 0 }, calls = { &b, 0 };
	long ringing, answered;

	buf_init(&b, 4096);
	buf_adds(&b, "{\"registrations\":[");
	location_foreach(binding_capped, &regs);
	buf_adds(&b, "],\"calls\":[");
	callrec_foreach(call_capped, &calls);
	callrec_live(&ringing, &answered);
	buf_printf(&b, "],\"counters\":{\"registrations\":%zu,\"calls_ringing\":%ld,"
	    "\"calls_answered\":%ld,\"calls_started\":%llu,\"calls_failed\":%llu,"
	    "\"auth_failures\":%llu,\"relay_sessions\":%llu}", location_count(), ringing, answered,
	    (unsigned long long)metrics_get(M_CALLS_STARTED),
	    (unsigned long long)metrics_get(M_CALLS_FAILED),
	    (unsigned long long)metrics_get(M_AUTH_FAILURES),
	    (unsigned long long)metrics_get(M_RELAY_SESSIONS));
	samples_json(&b);
	buf_printf(&b, ",\"time\":%lld}", (long long)time(NULL));
	reply_json(r, &b);
}

/* Rows as a JSON array of objects, column names as keys. */
void
console_row_json(int n, const char *const *names, const char *const *vals, void *arg)
{
	struct buf *b = arg;

	buf_adds(b, b->p[b->len - 1] == '[' ? "{" : ",{");
	for (int i = 0; i < n; i++) {
		buf_adds(b, i ? "," : "");
		console_json_str(b, names[i]);
		buf_adds(b, ":");
		if (vals[i] == NULL)
			buf_adds(b, "null");
		else
			console_json_str(b, vals[i]);
	}
	buf_adds(b, "}");
}

/* GET /api/users */
void
console_api_users(struct console_req *r)
{
	struct buf b;

	buf_init(&b, 2048);
	buf_adds(&b, "{\"domain\":");
	console_json_str(&b, domain_primary());
	buf_adds(&b, ",\"users\":[");
	if (store_query("SELECT username, domain, extension, enabled, "
	    "datetime(created, 'unixepoch', 'localtime') AS created FROM users "
	    "ORDER BY domain, username LIMIT 10000", NULL, 0, console_row_json, &b) == -1) {
		buf_free(&b);
		console_error(r->req, 500, "database");
		return;
	}
	buf_adds(&b, "]}");
	reply_json(r, &b);
}

/* A write in flight: its request, unless the browser went away meanwhile. */
struct pending {
	struct evhttp_request	*req;
	char			 what[64];
	char			 aor[300];
};

static void
pending_gone(struct evhttp_connection *evcon, void *arg)
{
	console_req_gone(((struct pending *)arg)->req);
	((struct pending *)arg)->req = NULL;
}

static struct pending *
pending_new(struct console_req *r, const char *what)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->req = r->req;
	snprintf(p->what, sizeof(p->what), "%s", what);
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), pending_gone, p);
	return p;
}

/* The request to answer, or NULL (the pending is then freed by the caller as usual). */
static struct evhttp_request *
pending_req(struct pending *p)
{
	if (p->req != NULL)
		evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL, NULL);
	return p->req;
}

static void
user_written(void *arg, int ok, int changes)
{
	struct pending *p = arg;
	struct evhttp_request *req = pending_req(p);

	if (ok && changes > 0) {
		pbx_invalidate();	/* an extension may be a group's or a forward's key */
		store_user_forget();	/* the cached user records: a disabled user is refused at once */
		if (strcmp(p->what, "delete") == 0)
			location_remove_aor(p->aor);
		log_notice("console: %s: %s", p->aor, p->what);
	}
	if (req == NULL)
		;
	else if (!ok)
		console_error(req, 409, "refused: the name or the extension is taken");
	else if (changes == 0)
		console_error(req, 404, "no such user");
	else
		console_reply(req, 200, "application/json", "{\"ok\":true}", 11);
	free(p);
}

/* The user name of a form, canonical as sipd compares it; NULL (answered) when unusable. */
const char *
console_user_arg(struct console_req *r, const char *name, char *out, size_t len)
{
	const char *v = console_arg(r, name);

	if (v == NULL || v[0] == '\0' || strlen(v) >= len || !uri_user_valid(v)) {
		console_error(r->req, 400, "not a user name: letters, digits, - _ . ! ~ * ' ( ) "
		    "& = + $ , ; ? / only");
		return NULL;
	}
	snprintf(out, len, "%s", v);
	uri_user_canonical(out);
	return out;
}

void
console_write(struct console_req *r, const char *what, const char *subject, const char *sql,
    const char *const *args, int nargs)
{
	struct pending *p = pending_new(r, what);

	snprintf(p->aor, sizeof(p->aor), "%s", subject);
	store_exec(sql, args, nargs, user_written, p);
}

static void
user_write(struct console_req *r, const char *what, const char *sql, const char *const *args,
    int nargs, const char *user)
{
	char aor[300];

	snprintf(aor, sizeof(aor), "sip:%s@%s", user, domain_primary());
	console_write(r, what, aor, sql, args, nargs);
}

/* A new password's HA1s (MD5, SHA-256) for user; -1 (answered 400) when it is unusable. */
static int
password_ha1s(struct console_req *r, const char *user, const char *pw, char *md5, char *sha)
{
	if (pw == NULL || strlen(pw) < 6 || strlen(pw) > 255) {
		console_error(r->req, 400, "a password of 6 to 255 characters");
		return -1;
	}
	auth_ha1(AUTH_MD5, user, domain_realm(), pw, md5);
	auth_ha1(AUTH_SHA256, user, domain_realm(), pw, sha);
	return 0;
}

/* POST /api/user/add: name, password, extension (optional). */
void
console_api_user_add(struct console_req *r)
{
	char user[128], ext[128], md5[AUTH_HEX_MAX], sha[AUTH_HEX_MAX];
	const char *pw = console_arg(r, "password"), *e = console_arg(r, "extension");

	if (console_user_arg(r, "name", user, sizeof(user)) == NULL)
		return;
	if (e != NULL && e[0] == '\0')
		e = NULL;
	if (e != NULL && console_user_arg(r, "extension", ext, sizeof(ext)) == NULL)
		return;
	if (password_ha1s(r, user, pw, md5, sha) == -1)
		return;
	const char *args[] = { user, domain_primary(), domain_realm(), md5, sha, e ? ext : NULL };
	user_write(r, "added", "INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, "
	    "extension) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", args, 6, user);
}

/* POST /api/user/passwd: name, password. */
void
console_api_user_passwd(struct console_req *r)
{
	char user[128], md5[AUTH_HEX_MAX], sha[AUTH_HEX_MAX];
	const char *pw = console_arg(r, "password");

	if (console_user_arg(r, "name", user, sizeof(user)) == NULL)
		return;
	if (password_ha1s(r, user, pw, md5, sha) == -1)
		return;
	const char *args[] = { user, domain_primary(), domain_realm(), md5, sha };
	user_write(r, "password set", "UPDATE users SET realm = ?3, ha1_md5 = ?4, ha1_sha256 = ?5 "
	    "WHERE username = ?1 AND domain = ?2", args, 5, user);
}

static void
user_simple(struct console_req *r, const char *what, const char *sql)
{
	char user[128];

	if (console_user_arg(r, "name", user, sizeof(user)) == NULL)
		return;
	const char *args[] = { user, domain_primary() };
	user_write(r, what, sql, args, 2, user);
}

void
console_api_user_enable(struct console_req *r)
{
	user_simple(r, "enabled", "UPDATE users SET enabled = 1 WHERE username = ?1 AND domain = ?2");
}

void
console_api_user_disable(struct console_req *r)
{
	user_simple(r, "disabled", "UPDATE users SET enabled = 0 WHERE username = ?1 AND domain = ?2");
}

/* The user's bindings go too (the location service forgets them once the row is gone). */
void
console_api_user_delete(struct console_req *r)
{
	user_simple(r, "delete", "DELETE FROM users WHERE username = ?1 AND domain = ?2");
}

/* GET /api/bindings?user=NAME */
void
console_api_bindings(struct console_req *r)
{
	char user[128], aor[300];
	struct aor *a;
	struct buf b;

	if (console_user_arg(r, "user", user, sizeof(user)) == NULL)
		return;
	snprintf(aor, sizeof(aor), "sip:%s@%s", user, domain_primary());
	buf_init(&b, 1024);
	buf_adds(&b, "{\"aor\":");
	console_json_str(&b, aor);
	buf_adds(&b, ",\"bindings\":[");
	if ((a = location_get(aor)) != NULL)
		for (struct binding *bd = a->bindings; bd != NULL; bd = bd->next)
			binding_json(a, bd, &b);
	buf_adds(&b, "]}");
	reply_json(r, &b);
}

static void
binding_removed(void *arg, int ok)
{
	struct pending *p = arg;
	struct evhttp_request *req = pending_req(p);

	if (req != NULL && ok)
		console_reply(req, 200, "application/json", "{\"ok\":true}", 11);
	else if (req != NULL)
		console_error(req, 500, "database");
	free(p);
}

/* POST /api/binding/remove: aor, key.  Answered once the removal is on disk. */
void
console_api_binding_remove(struct console_req *r)
{
	const char *aor = console_arg(r, "aor"), *key = console_arg(r, "key");
	struct aor *a;
	struct binding *b;

	if (aor == NULL || key == NULL || (a = location_get(aor)) == NULL ||
	    (b = location_find(a, key)) == NULL) {
		console_error(r->req, 404, "no such binding");
		return;
	}
	log_notice("console: %s removed binding %s of %s", r->session->admin, b->contact, aor);
	location_remove(a, b);
	store_flush(binding_removed, pending_new(r, "binding"));
}

/* The CDR filter of a request: user (a substring of caller, callee or answerer), from and to
 * (YYYY-MM-DD, local days, inclusive), outcome (answered / failed). */
#define CDR_WHERE "WHERE (?1 IS NULL OR instr(caller, ?1) OR instr(callee, ?1) OR " \
	"instr(answered_by, ?1)) AND (?2 IS NULL OR start_time >= CAST(strftime('%s', ?2, 'utc') " \
	"AS REAL)) AND (?3 IS NULL OR start_time < CAST(strftime('%s', ?3, '+1 day', 'utc') AS " \
	"REAL)) AND (?4 IS NULL OR (?4 = 'answered') = (answer_time IS NOT NULL)) "

static int
cdr_args(struct console_req *r, const char *args[4])
{
	static const char *const names[] = { "user", "from", "to", "outcome" };

	for (int i = 0; i < 4; i++) {
		args[i] = console_arg(r, names[i]);
		if (args[i] != NULL && (args[i][0] == '\0' || strcmp(args[i], "all") == 0))
			args[i] = NULL;
	}
	for (int i = 1; i < 3; i++) {
		int y, m, d;
		char c;
		if (args[i] != NULL && (strlen(args[i]) != 10 ||
		    sscanf(args[i], "%4d-%2d-%2d%c", &y, &m, &d, &c) != 3 || y < 1970 || m < 1 ||
		    m > 12 || d < 1 || d > 31)) {
			console_error(r->req, 400, "dates are YYYY-MM-DD");
			return -1;
		}
	}
	if (args[3] != NULL && strcmp(args[3], "answered") != 0 && strcmp(args[3], "failed") != 0) {
		console_error(r->req, 400, "outcome is answered, failed or all");
		return -1;
	}
	return 0;
}

static void
count_row(int n, const char *const *names, const char *const *vals, void *arg)
{
	*(long *)arg = vals[0] ? atol(vals[0]) : 0;
}

/* GET /api/cdr?user=&from=&to=&outcome=&page=N (CDR_PAGE rows, newest first) */
void
console_api_cdr(struct console_req *r)
{
	const char *args[6];
	const char *pg = console_arg(r, "page");
	char limit[16], offset[24];
	long page = pg ? atol(pg) : 1, total = 0;
	struct buf b;

	if (cdr_args(r, args) == -1)
		return;
	if (page < 1 || page > 1000000)
		page = 1;
	snprintf(limit, sizeof(limit), "%d", CDR_PAGE);
	snprintf(offset, sizeof(offset), "%ld", (page - 1) * CDR_PAGE);
	args[4] = limit;
	args[5] = offset;
	store_query("SELECT count(*) FROM cdr " CDR_WHERE, args, 4, count_row, &total);
	buf_init(&b, 8192);
	buf_printf(&b, "{\"total\":%ld,\"page\":%ld,\"per_page\":%d,\"rows\":[", total, page,
	    CDR_PAGE);
	if (store_query("SELECT id, caller, callee, answered_by, datetime(start_time, 'unixepoch', "
	    "'localtime') AS started, round(duration) AS seconds, status, reason, "
	    "packets_from_caller, packets_from_callee, call_id FROM cdr " CDR_WHERE
	    "ORDER BY id DESC LIMIT CAST(?5 AS INTEGER) OFFSET CAST(?6 AS INTEGER)", args, 6,
	    console_row_json, &b) == -1) {
		buf_free(&b);
		console_error(r->req, 500, "database");
		return;
	}
	buf_adds(&b, "]}");
	reply_json(r, &b);
}

/* A CSV export in flight: sent in chunks of CSV_CHUNK rows, one chunk per turn of the loop
 * (keyset paging on id), so that a long history never holds the loop for long. */
#define CSV_CHUNK	1000
#define CSV_CHUNK_S	"1000"

struct csv_stream {
	struct evhttp_request	*req;
	char			*args[4];
	char			 after[24];
	int			 header;	/* the header line was sent */
	struct buf		*b;
};

static void
row_csv(int n, const char *const *names, const char *const *vals, void *arg)
{
	struct csv_stream *c = arg;
	struct buf *b = c->b;

	if (!c->header) {
		for (int i = 0; i < n; i++) {
			buf_adds(b, i ? "," : "");
			console_csv_field(b, names[i]);
		}
		buf_adds(b, "\r\n");
		c->header = 1;
	}
	for (int i = 0; i < n; i++) {
		buf_adds(b, i ? "," : "");
		console_csv_field(b, vals[i]);
	}
	buf_adds(b, "\r\n");
	snprintf(c->after, sizeof(c->after), "%s", vals[0] ? vals[0] : "0");	/* id */
}

static void
csv_free(struct csv_stream *c)
{
	for (int i = 0; i < 4; i++)
		free(c->args[i]);
	free(c);
}

static void
csv_gone(struct evhttp_connection *evcon, void *arg)
{
	console_req_gone(((struct csv_stream *)arg)->req);
	csv_free(arg);
}

/* Send the next chunk, or end the reply when there is none. */
static void
csv_next(struct evhttp_connection *evcon, void *arg)
{
	struct csv_stream *c = arg;
	const char *args[6] = { c->args[0], c->args[1], c->args[2], c->args[3], c->after, NULL };
	struct evbuffer *out;
	struct buf b;
	long n;

	buf_init(&b, 65536);
	c->b = &b;
	n = store_query("SELECT * FROM cdr " CDR_WHERE "AND id > CAST(?5 AS INTEGER) ORDER BY id "
	    "LIMIT " CSV_CHUNK_S, args, 5, row_csv, c);
	if (n <= 0) {
		if (!c->header)		/* no row at all: the header alone */
			buf_adds(&b, "id,call_id,caller,callee,answered_by,start_time,answer_time,"
			    "end_time,duration,status,reason,packets_from_caller,packets_from_callee\r\n");
		if (b.len > 0) {
			out = evbuffer_new();
			evbuffer_add(out, b.p, b.len);
			evhttp_send_reply_chunk(c->req, out);
			evbuffer_free(out);
		}
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
		evhttp_send_reply_end(c->req);
		buf_free(&b);
		csv_free(c);
		return;
	}
	out = evbuffer_new();
	evbuffer_add(out, b.p, b.len);
	buf_free(&b);
	evhttp_send_reply_chunk_with_cb(c->req, out, csv_next, c);
	evbuffer_free(out);
}

/* GET /api/cdr.csv?filters: every column of the matching rows, oldest first (RFC 4180). */
void
console_api_cdr_csv(struct console_req *r)
{
	const char *args[4];
	struct csv_stream *c;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

	if (cdr_args(r, args) == -1)
		return;
	c = xcalloc(1, sizeof(*c));
	c->req = r->req;
	for (int i = 0; i < 4; i++)
		c->args[i] = args[i] ? xstrdup(args[i]) : NULL;
	snprintf(c->after, sizeof(c->after), "0");
	console_reply_headers(r->req);
	evhttp_add_header(h, "Content-Type", "text/csv; charset=utf-8");
	evhttp_add_header(h, "Content-Disposition", "attachment; filename=\"cdr.csv\"");
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), csv_gone, c);
	evhttp_send_reply_start(r->req, 200, "OK");
	csv_next(NULL, c);
}
