/* status.c - sipctl status: one blocking HTTP GET of sipd's /metrics (loopback, so it also
 * works when sipd runs under systemd with PrivateTmp), the Prometheus text parsed into samples,
 * and the numbers a person wants, summed over labels where that reads better. */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "status.h"
#include "xmalloc.h"

#define STATUS_MAX_BODY	(4 * 1024 * 1024)

struct sample {
	char	*name;		/* metric name */
	char	*labels;	/* inside the braces, "" when none */
	double	 value;
};

struct samples {
	struct sample	*s;
	int		 n;
};

/* The response body of GET /metrics from host:port, or NULL (message in err). */
static char *
fetch(const char *spec, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST |
	    AI_NUMERICSERV }, *ai;
	struct timeval tv = { 3, 0 };
	char host[64], port[8], req[128], *buf, *body;
	size_t len = 0, cap = 65536;
	ssize_t n;
	int fd, p;

	if (metrics_parse_listen(spec, host, sizeof(host), &p) == -1) {
		snprintf(err, errlen, "metrics.listen '%s' is not address:port", spec);
		return NULL;
	}
	snprintf(port, sizeof(port), "%d", p);
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		snprintf(err, errlen, "bad address %s", spec);
		return NULL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)),
	    connect(fd, ai->ai_addr, ai->ai_addrlen)) == -1) {
		snprintf(err, errlen, "cannot connect to http://%s/metrics: %s", spec, strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);
	snprintf(req, sizeof(req), "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n", spec);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		snprintf(err, errlen, "sending to %s: %s", spec, strerror(errno));
		close(fd);
		return NULL;
	}
	buf = xmalloc(cap + 1);
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap && cap < STATUS_MAX_BODY)
			buf = xrealloc(buf, (cap *= 2) + 1);
		else if (len == cap)
			break;
	}
	close(fd);
	buf[len] = '\0';
	if (strncmp(buf, "HTTP/1.", 7) != 0 || strncmp(buf + 8, " 200", 4) != 0 ||
	    (body = strstr(buf, "\r\n\r\n")) == NULL) {
		snprintf(err, errlen, "http://%s/metrics did not answer 200", spec);
		free(buf);
		return NULL;
	}
	memmove(buf, body + 4, strlen(body + 4) + 1);
	return buf;
}

/* Split the exposition text into samples (comments skipped). */
static void
parse(char *text, struct samples *out)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sp, *brace;
		struct sample s;

		if (line[0] == '#' || (sp = strrchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		s.value = strtod(sp + 1, NULL);
		s.labels = "";
		if ((brace = strchr(line, '{')) != NULL) {
			*brace = '\0';
			s.labels = brace + 1;
			if ((brace = strrchr(s.labels, '}')) != NULL)
				*brace = '\0';
		}
		s.name = line;
		out->s = xrealloc(out->s, (size_t)(out->n + 1) * sizeof(*out->s));
		out->s[out->n++] = s;
	}
}

/* Sum of metric name over the samples whose labels contain every comma-free part of want. */
static double
sum(const struct samples *ss, const char *name, const char *want)
{
	double t = 0;

	for (int i = 0; i < ss->n; i++)
		if (strcmp(ss->s[i].name, name) == 0 && (want == NULL || strstr(ss->s[i].labels, want)))
			t += ss->s[i].value;
	return t;
}

/* The value of label key in a label string ("method=\"INVITE\",..."), into out. */
static const char *
label(const char *labels, const char *key, char *out, size_t len)
{
	char pat[32];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "%s=\"", key);
	if ((p = strstr(labels, pat)) == NULL || (q = strchr(p + strlen(pat), '"')) == NULL)
		return "";
	snprintf(out, len, "%.*s", (int)(q - p - strlen(pat)), p + strlen(pat));
	return out;
}

/* "INVITE 3, OPTIONS 12" for metric name in direction dir, by label key. */
static void
print_by(FILE *fp, const struct samples *ss, const char *title, const char *name,
    const char *dir, const char *key)
{
	char want[32], v[32], c[16];
	int any = 0;

	snprintf(want, sizeof(want), "direction=\"%s\"", dir);
	fprintf(fp, "%-16s", title);
	for (int i = 0; i < ss->n; i++) {
		if (strcmp(ss->s[i].name, name) != 0 || strstr(ss->s[i].labels, want) == NULL)
			continue;
		fprintf(fp, "%s%s %s%s%.0f", any ? ", " : "", label(ss->s[i].labels, "method", v,
		    sizeof(v)), key ? label(ss->s[i].labels, key, c, sizeof(c)) : "", key ? " " : "",
		    ss->s[i].value);
		any = 1;
	}
	fprintf(fp, "%s\n", any ? "" : "none");
}

static void
print_summary(FILE *fp, const struct samples *ss, const char *spec)
{
	time_t start = (time_t)sum(ss, "sipd_start_time_seconds", NULL), up = time(NULL) - start;
	double commits = sum(ss, "sipd_db_commit_seconds_count", NULL);
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&start));
	fprintf(fp, "sipd            running, metrics at http://%s/metrics\n", spec);
	fprintf(fp, "up since        %s (%lldd %02lld:%02lld)\n", when, (long long)up / 86400,
	    (long long)up % 86400 / 3600, (long long)up % 3600 / 60);
	fprintf(fp, "registrations   %.0f contacts\n", sum(ss, "sipd_registrations", NULL));
	fprintf(fp, "calls           %.0f ringing, %.0f in progress; since start %.0f started,"
	    " %.0f answered, %.0f failed, %.0f ended\n", sum(ss, "sipd_calls_ringing", NULL),
	    sum(ss, "sipd_dialogs", NULL), sum(ss, "sipd_calls_started_total", NULL),
	    sum(ss, "sipd_calls_answered_total", NULL), sum(ss, "sipd_calls_failed_total", NULL),
	    sum(ss, "sipd_calls_ended_total", NULL));
	fprintf(fp, "transactions    %.0f live\n", sum(ss, "sipd_transactions", NULL));
	fprintf(fp, "tcp             %.0f connections\n", sum(ss, "sipd_tcp_connections", NULL));
	fprintf(fp, "memory          heap %.0f kB in use (%.0f kB held); transactions %.0f kB,"
	    " proxy %.0f kB, call records %.0f kB, relay %.0f kB\n",
	    sum(ss, "sipd_heap_in_use_bytes", NULL) / 1024, sum(ss, "sipd_heap_held_bytes", NULL) / 1024,
	    sum(ss, "sipd_memory_bytes", "\"transactions\"") / 1024,
	    sum(ss, "sipd_memory_bytes", "\"proxy\"") / 1024,
	    sum(ss, "sipd_memory_bytes", "\"callrec\"") / 1024,
	    sum(ss, "sipd_memory_bytes", "\"relay\"") / 1024);
	fprintf(fp, "auth failures   %.0f\n", sum(ss, "sipd_auth_failures_total", NULL));
	fprintf(fp, "bad messages    %.0f\n", sum(ss, "sipd_messages_bad_total", NULL));
	print_by(fp, ss, "requests in", "sipd_requests_total", "in", NULL);
	print_by(fp, ss, "requests out", "sipd_requests_total", "out", NULL);
	print_by(fp, ss, "responses in", "sipd_responses_total", "in", "code");
	print_by(fp, ss, "responses out", "sipd_responses_total", "out", "code");
	fprintf(fp, "relay           %.0f sessions, %.0f calls, %.0f packets, %.0f bytes\n",
	    sum(ss, "sipd_relay_sessions", NULL), sum(ss, "sipd_relay_calls_total", NULL),
	    sum(ss, "sipd_relay_packets_total", NULL), sum(ss, "sipd_relay_bytes_total", NULL));
	fprintf(fp, "database        %.0f commits, %.0f rows, mean commit %.2f ms, longest %.2f ms\n",
	    commits, sum(ss, "sipd_db_rows_written_total", NULL),
	    commits > 0 ? sum(ss, "sipd_db_commit_seconds_sum", NULL) * 1000 / commits : 0.0,
	    sum(ss, "sipd_db_commit_seconds_max", NULL) * 1000);
	fprintf(fp, "reloads         %.0f applied, %.0f refused\n", sum(ss, "sipd_reloads_total", NULL),
	    sum(ss, "sipd_reload_failures_total", NULL));
}

int
status_print(FILE *fp, const char *spec)
{
	struct samples ss = { NULL, 0 };
	char err[256], *text;

	if ((text = fetch(spec, err, sizeof(err))) == NULL) {
		fprintf(fp, "sipd            not reachable: %s (is sipd running? systemctl status sipd)\n",
		    err);
		return 3;
	}
	parse(text, &ss);
	print_summary(fp, &ss, spec);
	free(ss.s);
	free(text);
	return 0;
}
