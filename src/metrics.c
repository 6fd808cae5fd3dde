/* metrics.c - counters and the Prometheus endpoint.  Messages are counted by direction, method
 * and status code where they cross the transport (every retransmission included); gauges are
 * read from their owners when scraped.  The HTTP side is libevent's evhttp on the one loop. */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define CODE_MIN	100
#define CODE_MAX	699

static uint64_t		 requests[2][SIP_METHOD_MAX];
static uint64_t		 responses[2][SIP_METHOD_MAX][CODE_MAX - CODE_MIN + 1];
static int64_t		 counters[M_MAX];
static long		 calls_ringing, calls_answered;
static time_t		 started;
static size_t		(*gauge_fn[G_MAX])(void);
static void		(*db_fn)(struct metrics_db *);

static struct evhttp	*http;
static char		*http_spec;

static const struct {
	enum metrics_id	 id;
	const char	*name, *type, *help;
} simple[] = {
	{ M_AUTH_FAILURES, "sipd_auth_failures_total", "counter",
	  "Digest credentials that did not verify (wrong password, unknown user, replay)." },
	{ M_CALLS_STARTED, "sipd_calls_started_total", "counter",
	  "Calls started: initial INVITEs routed to a callee, or refused as offline." },
	{ M_CALLS_ANSWERED, "sipd_calls_answered_total", "counter",
	  "Calls answered with a 2xx." },
	{ M_CALLS_FAILED, "sipd_calls_failed_total", "counter",
	  "Calls that ended with a final non-2xx answer (busy, declined, cancelled, timed out)." },
	{ M_CALLS_ENDED, "sipd_calls_ended_total", "counter",
	  "Answered calls ended (by a BYE, or with none seen in cdr.max_call)." },
	{ M_RELOADS, "sipd_reloads_total", "counter",
	  "Configurations applied on SIGHUP." },
	{ M_RELOAD_FAILURES, "sipd_reload_failures_total", "counter",
	  "Configurations refused on SIGHUP (errors logged, old one kept)." },
	{ M_BAD_MESSAGES, "sipd_messages_bad_total", "counter",
	  "Messages refused as malformed (answered 400 or dropped)." },
	{ M_RELAY_CALLS, "sipd_relay_calls_total", "counter",
	  "Calls whose media went through the RTP relay (0 when no call is relayed)." },
	{ M_RELAY_PACKETS, "sipd_relay_packets_total", "counter",
	  "RTP/RTCP packets relayed (0 when no call is relayed)." },
	{ M_RELAY_BYTES, "sipd_relay_bytes_total", "counter",
	  "Bytes of relayed RTP/RTCP packets (0 when no call is relayed)." },
	{ M_RELAY_SESSIONS, "sipd_relay_sessions", "gauge",
	  "RTP relay sessions open now (0 when no call is relayed)." },
};

void
metrics_message(enum metrics_dir dir, int is_request, enum sip_method m, int status)
{
	if ((unsigned)m >= SIP_METHOD_MAX)
		m = SIP_UNKNOWN;
	if (is_request)
		requests[dir][m]++;
	else if (status >= CODE_MIN && status <= CODE_MAX)
		responses[dir][m][status - CODE_MIN]++;
}

/* The method token at p (up to a space or the end), as an enum. */
static enum sip_method
method_at(const char *p, size_t n)
{
	char tok[16];
	size_t i;

	for (i = 0; i < n && i < sizeof(tok) - 1 && p[i] != ' ' && p[i] != '\r' && p[i] != '\n'; i++)
		tok[i] = p[i];
	tok[i] = '\0';
	return sip_method_parse(tok);
}

/* The method of the CSeq header of a response (RFC 3261 20.16; CSeq has no compact form). */
static enum sip_method
cseq_method(const char *buf, size_t len)
{
	for (size_t i = 0; i + 6 < len; i++) {
		if (buf[i] != '\n' || strncasecmp(buf + i + 1, "CSeq", 4) != 0)
			continue;
		const char *p = buf + i + 5, *end = buf + len;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != ':')
			continue;
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		return method_at(p, (size_t)(end - p));
	}
	return SIP_UNKNOWN;
}

int
metrics_classify(const char *buf, size_t len, enum sip_method *method, int *status)
{
	if (len >= 4 && memcmp(buf, "SIP/", 4) == 0) {
		if (len < 12 || memcmp(buf, "SIP/2.0 ", 8) != 0 || buf[8] < '1' || buf[8] > '6' || buf[9] < '0' || buf[9] > '9' ||
		    buf[10] < '0' || buf[10] > '9')
			return 0;
		*status = (buf[8] - '0') * 100 + (buf[9] - '0') * 10 + (buf[10] - '0');
		*method = cseq_method(buf, len);
		return 2;
	}
	if (len < 8 || memchr(buf, ' ', len < 32 ? len : 32) == NULL)
		return 0;
	*status = 0;
	*method = method_at(buf, len);
	return 1;
}

void
metrics_sent(const char *buf, size_t len)
{
	enum sip_method m;
	int st, kind = metrics_classify(buf, len, &m, &st);

	if (kind != 0)
		metrics_message(METRICS_OUT, kind == 1, m, st);
}

void
metrics_inc(enum metrics_id id)
{
	counters[id]++;
}

void
metrics_add(enum metrics_id id, int64_t n)
{
	counters[id] += n;
}

void
metrics_set(enum metrics_id id, int64_t v)
{
	counters[id] = v;
}

uint64_t
metrics_get(enum metrics_id id)
{
	return (uint64_t)counters[id];
}

void
metrics_set_calls_live(long ringing, long answered)
{
	calls_ringing = ringing;
	calls_answered = answered;
}

static void
header(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_messages(struct buf *b)
{
	static const char *const dirs[2] = { "in", "out" };

	header(b, "sipd_requests_total", "counter",
	    "SIP requests received (in) and sent (out, retransmissions included), by method.");
	for (int d = 0; d < 2; d++)
		for (int m = 0; m < SIP_METHOD_MAX; m++)
			if (requests[d][m] != 0)
				buf_printf(b, "sipd_requests_total{direction=\"%s\",method=\"%s\"} %llu\n",
				    dirs[d], sip_method_name(m), (unsigned long long)requests[d][m]);
	header(b, "sipd_responses_total", "counter",
	    "SIP responses received (in) and sent (out, retransmissions included), by CSeq method and code.");
	for (int d = 0; d < 2; d++)
		for (int m = 0; m < SIP_METHOD_MAX; m++)
			for (int c = 0; c <= CODE_MAX - CODE_MIN; c++)
				if (responses[d][m][c] != 0)
					buf_printf(b, "sipd_responses_total{direction=\"%s\",method=\"%s\","
					    "code=\"%d\"} %llu\n", dirs[d], sip_method_name(m), c + CODE_MIN,
					    (unsigned long long)responses[d][m][c]);
}

static void
gauge(struct buf *b, const char *name, const char *help, double v)
{
	header(b, name, "gauge", help);
	buf_printf(b, "%s %.15g\n", name, v);
}

void
metrics_gauge_source(enum metrics_gauge g, size_t (*fn)(void))
{
	gauge_fn[g] = fn;
}

void
metrics_db_source(void (*fn)(struct metrics_db *))
{
	db_fn = fn;
}

static double
gauge_value(enum metrics_gauge g)
{
	return gauge_fn[g] != NULL ? (double)gauge_fn[g]() : 0;
}

static void
render_db(struct buf *b)
{
	struct metrics_db d;

	memset(&d, 0, sizeof(d));
	if (db_fn != NULL)
		db_fn(&d);
	header(b, "sipd_db_commit_seconds", "histogram",
	    "Time the database writer spent in one commit (group of writes, one disk sync).");
	for (int i = 0; i < d.nhist && i < 16; i++)
		buf_printf(b, "sipd_db_commit_seconds_bucket{le=\"%g\"} %llu\n",
		    (double)d.le_us[i] / 1e6, (unsigned long long)d.hist[i]);
	buf_printf(b, "sipd_db_commit_seconds_bucket{le=\"+Inf\"} %llu\n",
	    (unsigned long long)d.count);
	buf_printf(b, "sipd_db_commit_seconds_sum %.6f\n", (double)d.sum_us / 1e6);
	buf_printf(b, "sipd_db_commit_seconds_count %llu\n", (unsigned long long)d.count);
	gauge(b, "sipd_db_commit_seconds_max", "Longest commit since start.", (double)d.max_us / 1e6);
	header(b, "sipd_db_rows_written_total", "counter", "Rows written by the database writer.");
	buf_printf(b, "sipd_db_rows_written_total %llu\n", (unsigned long long)d.rows);
}

/* The heap: the allocator's own numbers, then what each module says it holds. */
static void
render_memory(struct buf *b)
{
	static const struct { enum metrics_gauge g; const char *part; } parts[] = {
		{ G_MEM_TXN, "transactions" }, { G_MEM_CALLS, "proxy" },
		{ G_MEM_CALLREC, "callrec" }, { G_MEM_RELAY, "relay" },
	};

	gauge(b, "sipd_heap_in_use_bytes", "Heap bytes in allocated blocks (glibc mallinfo2).",
	    gauge_value(G_HEAP_IN_USE));
	gauge(b, "sipd_heap_held_bytes", "Heap bytes the allocator holds from the system.",
	    gauge_value(G_HEAP_HELD));
	header(b, "sipd_memory_bytes", "gauge", "Heap bytes held by transactions (the requests"
	    " and responses they keep included), the proxy's call state (branches, routes),"
	    " call records and relay sessions, by their own accounts.");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		buf_printf(b, "sipd_memory_bytes{part=\"%s\"} %.15g\n", parts[i].part,
		    gauge_value(parts[i].g));
}

char *
metrics_render(size_t *len)
{
	struct buf b;

	buf_init(&b, 8192);
	render_messages(&b);
	gauge(&b, "sipd_transactions", "SIP transactions live (client and server).",
	    gauge_value(G_TRANSACTIONS));
	gauge(&b, "sipd_calls_ringing", "Calls set up and not answered yet.", (double)calls_ringing);
	gauge(&b, "sipd_dialogs", "Answered calls (INVITE dialogs) not ended yet.",
	    (double)calls_answered);
	gauge(&b, "sipd_registrations", "Registered contacts (bindings) not expired.",
	    gauge_value(G_REGISTRATIONS));
	gauge(&b, "sipd_tcp_connections", "Open TCP connections.", gauge_value(G_TCP_CONNECTIONS));
	gauge(&b, "sipd_subscriptions", "Event subscriptions (presence, dialog) sipd serves, live.",
	    gauge_value(G_SUBSCRIPTIONS));
	render_memory(&b);
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		header(&b, simple[i].name, simple[i].type, simple[i].help);
		buf_printf(&b, "%s %lld\n", simple[i].name, (long long)counters[simple[i].id]);
	}
	render_db(&b);
	gauge(&b, "sipd_start_time_seconds", "Unix time sipd started.", (double)started);
	return buf_take(&b, len);
}

/* GET /metrics; anything else 404, other methods 405. */
static void
serve(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out;
	size_t len;
	char *text;

	if (strcmp(evhttp_request_get_uri(req), "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "try /metrics");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "GET only");
		return;
	}
	text = metrics_render(&len);
	out = evbuffer_new();
	evbuffer_add(out, text, len);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
	free(text);
}

int
metrics_parse_listen(const char *spec, char *host, size_t hostlen, int *port)
{
	const char *colon, *h = spec;
	size_t hl;
	char *end;
	long p;

	if (spec[0] == '[') {
		if ((colon = strstr(spec, "]:")) == NULL)
			return -1;
		h = spec + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL || strchr(spec, ':') != colon)
			return -1;
		hl = (size_t)(colon - spec);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 1 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}

/* A new evhttp listening on spec, or NULL (logged). */
static struct evhttp *
http_open(struct event_base *base, const char *spec, int loud)
{
	struct evhttp *h;
	char host[64];
	int port;

	if (metrics_parse_listen(spec, host, sizeof(host), &port) == -1) {
		log_warnx("metrics.listen: '%s' is not address:port", spec);
		return NULL;
	}
	if ((h = evhttp_new(base)) == NULL)
		return NULL;
	if (evhttp_bind_socket(h, host, (uint16_t)port) == -1) {
		if (loud)
			log_warn("metrics: cannot listen on %s (port in use? change metrics.listen)", spec);
		evhttp_free(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h, 10);
	evhttp_set_max_headers_size(h, 8192);
	evhttp_set_max_body_size(h, 0);
	evhttp_set_gencb(h, serve, NULL);
	return h;
}

int
metrics_apply(struct event_base *base, const char *spec)
{
	struct evhttp *h;
	char *old;

	if (started == 0)
		started = time(NULL);
	if (spec == NULL || spec[0] == '\0') {
		if (http != NULL)
			log_notice("metrics: endpoint closed");
		metrics_stop();
		return 0;
	}
	if (http != NULL && strcmp(spec, http_spec) == 0)
		return 0;
	if ((h = http_open(base, spec, http == NULL)) == NULL && http != NULL) {
		/* the new address may overlap the old one's port: free it and try again */
		old = xstrdup(http_spec);
		metrics_stop();
		if ((h = http_open(base, spec, 1)) == NULL) {
			h = http_open(base, old, 1);
			http_spec = old;
			http = h;
			return -1;
		}
		free(old);
	}
	if (h == NULL)
		return -1;
	metrics_stop();
	http = h;
	http_spec = xstrdup(spec);
	log_notice("metrics: serving http://%s/metrics", spec);
	return 0;
}

void
metrics_stop(void)
{
	if (http != NULL)
		evhttp_free(http);
	http = NULL;
	free(http_spec);
	http_spec = NULL;
}
