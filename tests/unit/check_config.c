/* check_config.c - unit tests for config.c: defaults, the sample file, and every kind of rejection. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* By path: in the automake build "config.h" would find autoconf's header in the build dir first. */
#include "../../src/config.h"
#include "log.h"

static char	tmpdir[256];
static char	conf_path[PATH_MAX];	/* the file load_text() wrote */
static char	logbuf[16384];		/* what the last load_text() logged */

/* Make the scratch directory every test writes into. */
static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	log_init(1, LOG_DEBUG, "check_config");
	if ((size_t)snprintf(tmpdir, sizeof(tmpdir), "%s/check_config.XXXXXX",
	    base ? base : "/tmp") >= sizeof(tmpdir) || mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

/* Remove the scratch directory and whatever the tests left in it. */
static void
teardown(void)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

/* Write text to tmpdir/name; the full path goes to out. */
static void
write_file(const char *name, const char *text, char *out, size_t outlen)
{
	FILE *fp;

	snprintf(out, outlen, "%s/%s", tmpdir, name);
	fp = fopen(out, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* config_load(path) with everything it logs captured in logbuf. */
static struct sipd_config *
load_capture(const char *path)
{
	struct sipd_config	*c;
	char			 logpath[PATH_MAX];
	FILE			*fp;
	size_t			 n;
	int			 saved, fd;

	snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fp = fopen(logpath, "w+");
	ck_assert_ptr_nonnull(fp);
	fd = fileno(fp);
	dup2(fd, STDERR_FILENO);
	c = config_load(path);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(fp);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, fp);
	logbuf[n] = '\0';
	fclose(fp);
	unlink(logpath);
	return c;
}

/* Write text as a config file and load it. */
static struct sipd_config *
load_text(const char *text)
{
	write_file("test.conf", text, conf_path, sizeof(conf_path));
	return load_capture(conf_path);
}

/* Assert the last load logged this (formatted) text. */
static void expect_log(const char *, ...) __attribute__((format(printf, 1, 2)));
static void
expect_log(const char *fmt, ...)
{
	char	 want[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	ck_assert_msg(strstr(logbuf, want) != NULL, "log lacks \"%s\"; log was:\n%s", want, logbuf);
}

/* Lines logged by the last load. */
static int
log_lines(void)
{
	int n = 0;

	for (const char *p = logbuf; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

/* Load text, expect it rejected. */
static void
reject(const char *text)
{
	struct sipd_config *c = load_text(text);

	ck_assert_msg(c == NULL, "accepted:\n%s", text);
	ck_assert_msg(log_lines() > 0, "rejected silently:\n%s", text);
}

static int
sa_port(const struct listen_addr *la)
{
	if (la->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&la->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&la->ss)->sin_port);
}

/* Assert two configs hold the same values (the file they came from aside). */
static void
assert_same(const struct sipd_config *a, const struct sipd_config *b)
{
	ck_assert_str_eq(a->server_name, b->server_name);
	ck_assert_str_eq(a->user, b->user);
	ck_assert_int_eq(a->nlisten, b->nlisten);
	for (int i = 0; i < a->nlisten; i++) {
		ck_assert_str_eq(a->listen[i].spec, b->listen[i].spec);
		ck_assert_int_eq(a->listen[i].proto, b->listen[i].proto);
		ck_assert_int_eq(a->listen[i].sslen, b->listen[i].sslen);
		ck_assert(memcmp(&a->listen[i].ss, &b->listen[i].ss, a->listen[i].sslen) == 0);
	}
	ck_assert_int_eq(a->ndomains, b->ndomains);
	for (int i = 0; i < a->ndomains; i++)
		ck_assert_str_eq(a->domains[i], b->domains[i]);
	ck_assert_int_eq(a->log_level, b->log_level);
	ck_assert_str_eq(a->db_path, b->db_path);
	ck_assert_int_eq(a->t1_ms, b->t1_ms);
	ck_assert_int_eq(a->t2_ms, b->t2_ms);
	ck_assert_int_eq(a->t4_ms, b->t4_ms);
	ck_assert_int_eq(a->max_message_size, b->max_message_size);
	ck_assert_int_eq(a->max_headers, b->max_headers);
	ck_assert_int_eq(a->max_line_length, b->max_line_length);
	ck_assert_int_eq(a->max_transactions, b->max_transactions);
	ck_assert_int_eq(a->tcp_max_connections, b->tcp_max_connections);
	ck_assert_int_eq(a->tcp_idle_timeout, b->tcp_idle_timeout);
}

/* Path of etc/sipd.conf in the source tree. */
static void
sample_path(char *out, size_t outlen)
{
	const char *dir = getenv("SRCDIR");

	if (dir == NULL)
		dir = getenv("srcdir");		/* what automake's test harness exports */
	if (dir == NULL)
		dir = ".";
	snprintf(out, outlen, "%s/etc/sipd.conf", dir);
}

START_TEST(test_defaults)
{
	struct sipd_config	*c = config_defaults();
	const char		*tail = "/lib/sipd/sipd.db";

	ck_assert_ptr_null(c->path);
	ck_assert_str_eq(c->server_name, "sipd");
	ck_assert_str_eq(c->user, "");
	ck_assert_int_eq(c->nlisten, 4);
	ck_assert_str_eq(c->listen[0].spec, "udp:0.0.0.0:5060");
	ck_assert_str_eq(c->listen[1].spec, "udp:[::]:5060");
	ck_assert_str_eq(c->listen[2].spec, "tcp:0.0.0.0:5060");
	ck_assert_str_eq(c->listen[3].spec, "tcp:[::]:5060");
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(c->listen[i].proto, i < 2 ? PROTO_UDP : PROTO_TCP);
		ck_assert_int_eq(c->listen[i].ss.ss_family, i % 2 ? AF_INET6 : AF_INET);
		ck_assert_int_eq(sa_port(&c->listen[i]), 5060);
	}
	ck_assert_int_eq(c->ndomains, 0);
	ck_assert_int_eq(c->log_level, LOG_INFO);
	ck_assert_uint_gt(strlen(c->db_path), strlen(tail));
	ck_assert_str_eq(c->db_path + strlen(c->db_path) - strlen(tail), tail);
	ck_assert_int_eq(c->t1_ms, 500);
	ck_assert_int_eq(c->t2_ms, 4000);
	ck_assert_int_eq(c->t4_ms, 5000);
	ck_assert_int_eq(c->max_message_size, 65535);
	ck_assert_int_eq(c->max_headers, 128);
	ck_assert_int_eq(c->max_line_length, 8192);
	ck_assert_int_eq(c->max_transactions, 100000);
	ck_assert_int_eq(c->tcp_max_connections, 4096);
	ck_assert_int_eq(c->tcp_idle_timeout, 300);
	config_free(c);
	config_free(NULL);
}
END_TEST

START_TEST(test_sample_loads)
{
	struct sipd_config	*c, *d;
	char			 path[PATH_MAX];

	sample_path(path, sizeof(path));
	c = load_capture(path);
	ck_assert_msg(c != NULL, "%s rejected:\n%s", path, logbuf);
	ck_assert_str_eq(logbuf, "");
	ck_assert_str_eq(c->path, path);
	/* The sample spells out the defaults; it must not drift from the table. */
	d = config_defaults();
	assert_same(c, d);
	config_free(d);
	config_free(c);
}
END_TEST

START_TEST(test_sample_documents_every_key)
{
	char	 path[PATH_MAX], *keys = NULL, *sample, *line, *save = NULL, *sp;
	char	 want[256];
	size_t	 len = 0, n;
	FILE	*fp;
	int	 nkeys = 0;

	fp = open_memstream(&keys, &len);
	config_print_keys(fp);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(keys, "timers.t1 (int) default 500, 10..10000\n"));
	ck_assert_ptr_nonnull(strstr(keys, "sip.listen (listen-list) default [\"udp:0.0.0.0:5060\""));

	sample_path(path, sizeof(path));
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	sample = calloc(1, 1 << 16);
	n = fread(sample, 1, (1 << 16) - 1, fp);
	fclose(fp);
	ck_assert_uint_gt(n, 0);

	/* Each key line of -H output starts with the name; its leaf must be set (or shown) in the sample. */
	for (line = strtok_r(keys, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\t')
			continue;
		ck_assert_ptr_nonnull(sp = strchr(line, ' '));
		*sp = '\0';
		snprintf(want, sizeof(want), "%s = ", strrchr(line, '.') + 1);
		ck_assert_msg(strstr(sample, want) != NULL, "%s does not document %s", path, line);
		nkeys++;
	}
	ck_assert_int_ge(nkeys, 15);	/* every key of -H, however many there are */
	free(sample);
	free(keys);
}
END_TEST

START_TEST(test_missing_keys_default)
{
	struct sipd_config *c, *d;

	c = load_text("log: { level = \"debug\"; };\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->log_level, LOG_DEBUG);
	d = config_defaults();
	d->log_level = LOG_DEBUG;
	assert_same(c, d);
	config_free(d);
	config_free(c);

	c = load_text("");
	ck_assert_ptr_nonnull(c);
	config_free(c);
}
END_TEST

START_TEST(test_values)
{
	struct sipd_config *c;

	c = load_text(
	    "server: { name = \"pbx\"; user = \"sipd\"; };\n"
	    "database: { path = \"/tmp/x.db\"; };\n"
	    "timers: { t1 = 100; t2 = 0x100; t4 = 64000; };\n"
	    "limits: { max_message_size = 1024; max_transactions = 10000000L;\n"
	    "  tcp_idle_timeout = 5; };\n"
	    "log: { level = \"WARNING\"; };\n");
	ck_assert_msg(c != NULL, "%s", logbuf);
	ck_assert_str_eq(c->server_name, "pbx");
	ck_assert_str_eq(c->user, "sipd");
	ck_assert_str_eq(c->db_path, "/tmp/x.db");
	ck_assert_int_eq(c->t1_ms, 100);
	ck_assert_int_eq(c->t2_ms, 256);
	ck_assert_int_eq(c->t4_ms, 64000);
	ck_assert_int_eq(c->max_message_size, 1024);
	ck_assert_int_eq(c->max_transactions, 10000000);
	ck_assert_int_eq(c->tcp_idle_timeout, 5);
	ck_assert_int_eq(c->log_level, LOG_WARNING);
	config_free(c);
}
END_TEST

START_TEST(test_unknown_key)
{
	reject("timers: {\n  t1 = 500;\n  t5 = 1;\n};\nfoo = 1;\nbar: { baz = 2; };\n");
	expect_log("%s:3: unknown key 'timers.t5'", conf_path);
	expect_log("%s:5: unknown key 'foo'", conf_path);
	expect_log("%s:6: unknown key 'bar'", conf_path);
	ck_assert_int_eq(log_lines(), 3);

	reject("timers: { tl = 500; };\n");
	expect_log("%s:1: unknown key 'timers.tl' (did you mean 'timers.t1'?)", conf_path);
	reject("timer: { t1 = 500; };\n");
	expect_log("%s:1: unknown key 'timer' (did you mean 'timers'?)", conf_path);
}
END_TEST

START_TEST(test_out_of_range)
{
	reject("timers: {\n  t1 = 5;\n};\nlimits: {\n  max_headers = 2000;\n"
	    "  tcp_max_connections = 0;\n  max_transactions = 10000001;\n};\n");
	expect_log("%s:2: key 'timers.t1' must be between 10 and 10000", conf_path);
	expect_log("%s:5: key 'limits.max_headers' must be between 16 and 1024", conf_path);
	expect_log("%s:6: key 'limits.tcp_max_connections' must be between 1 and 1000000",
	    conf_path);
	expect_log("%s:7: key 'limits.max_transactions' must be between 100 and 10000000",
	    conf_path);
	ck_assert_int_eq(log_lines(), 4);

	reject("limits: { max_message_size = 1048577; };\n");
	reject("limits: { max_message_size = 4294968320L; };\n");	/* 2^32 + 1024 */
	reject("limits: { max_line_length = -300; };\n");
	reject("timers: { t4 = 99; };\n");
	reject("limits: { tcp_idle_timeout = 86401; };\n");
}
END_TEST

START_TEST(test_wrong_type)
{
	reject("timers: { t1 = \"500\"; };\nlog: { level = 3; };\nserver = 1;\n"
	    "sip: { domains = 5; };\nlimits: { max_headers = 1.5; };\n");
	expect_log("%s:1: key 'timers.t1' must be an integer", conf_path);
	expect_log("%s:2: key 'log.level' must be a string", conf_path);
	expect_log("%s:3: 'server' must be a group", conf_path);
	expect_log("%s:4: key 'sip.domains' must be a list of strings", conf_path);
	expect_log("%s:5: key 'limits.max_headers' must be an integer", conf_path);
	ck_assert_int_eq(log_lines(), 5);

	reject("log: { level = \"loud\"; };\n");
	expect_log("%s:1: key 'log.level' must be one of error, warning, notice, info, debug",
	    conf_path);
	reject("timers: { t1: { x = 1; }; };\n");
	expect_log("%s:1: key 'timers.t1' must be an integer", conf_path);
	reject("server: { name = \"\"; };\n");
	expect_log("%s:1: key 'server.name' must not be empty", conf_path);
	reject("server: { name = \"a\\r\\nX-Evil: 1\"; };\n");
	expect_log("key 'server.name' must not contain control characters");
	reject("database: { path = \"\"; };\n");
}
END_TEST

START_TEST(test_bad_listen)
{
	reject("sip: {\n  listen = [\n    \"udp:1.2.3:5060\",\n    \"tcp:[::]:5060\" ];\n};\n");
	expect_log("key 'sip.listen': bad listen address 'udp:1.2.3:5060': bad IPv4 address '1.2.3'");
	expect_log("%s:3:", conf_path);
	ck_assert_int_eq(log_lines(), 1);

	reject("sip: { listen = [ \"sctp:0.0.0.0:5060\", \"udp:0.0.0.0:99999\" ]; };\n");
	expect_log("unknown protocol 'sctp'");
	expect_log("bad port '99999'");
	ck_assert_int_eq(log_lines(), 2);

	reject("sip: { listen = [ \"udp:0.0.0.0:5060\", \"UDP:0.0.0.0:5060\" ]; };\n");
	expect_log("'UDP:0.0.0.0:5060' is the same socket as 'udp:0.0.0.0:5060'");

	reject("sip: { listen = [ ]; };\n");
	expect_log("%s:1: key 'sip.listen' needs at least 1 entry", conf_path);
	reject("sip: { listen = ( \"udp:0.0.0.0:5060\", 5060 ); };\n");
	expect_log("key 'sip.listen' entry 2 must be a string");
}
END_TEST

START_TEST(test_t2_below_t1)
{
	reject("timers: {\n  t1 = 1000;\n  t2 = 500;\n};\n");
	expect_log("%s:3: key 'timers.t2' (500) must be >= timers.t1 (1000)", conf_path);

	/* t2 left at its default of 4000 */
	reject("timers: {\n  t1 = 5000;\n};\n");
	expect_log("%s:2: key 'timers.t2' (4000) must be >= timers.t1 (5000)", conf_path);

	struct sipd_config *c = load_text("timers: { t1 = 1000; t2 = 1000; };\n");
	ck_assert_ptr_nonnull(c);
	config_free(c);
}
END_TEST

START_TEST(test_syntax_error)
{
	reject("timers: {\n  t1 = 500;\n  t2 = ;\n};\n");
	expect_log("%s:3: syntax error", conf_path);
	ck_assert_int_eq(log_lines(), 1);

	reject("log: { level = \"info\"; };\nlog: { level = \"debug\"; };\n");
	expect_log("%s:2: duplicate setting name", conf_path);

	reject("sip: { listen = [ \"udp:0.0.0.0:5060\" ; };\n");
	expect_log("%s:1:", conf_path);
}
END_TEST

START_TEST(test_missing_file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/nonexistent.conf", tmpdir);
	ck_assert_ptr_null(load_capture(path));
	ck_assert_ptr_nonnull(strstr(logbuf, "nonexistent.conf"));
}
END_TEST

START_TEST(test_lists)
{
	struct sipd_config *c;

	c = load_text(
	    "sip: {\n"
	    "  listen = ( \"udp:127.0.0.1:5070\", \"tcp:[::1]:5071\", \"tls:[2001:db8::1]:5061\" );\n"
	    "  domains = [ \"example.com\", \"pbx.lan\", \"192.0.2.1\" ];\n"
	    "};\n");
	ck_assert_msg(c != NULL, "%s", logbuf);
	ck_assert_int_eq(c->nlisten, 3);
	ck_assert_int_eq(c->listen[0].proto, PROTO_UDP);
	ck_assert_int_eq(c->listen[0].ss.ss_family, AF_INET);
	ck_assert_int_eq(sa_port(&c->listen[0]), 5070);
	ck_assert_int_eq(c->listen[1].proto, PROTO_TCP);
	ck_assert_int_eq(c->listen[1].ss.ss_family, AF_INET6);
	ck_assert_int_eq(sa_port(&c->listen[1]), 5071);
	ck_assert_int_eq(c->listen[2].proto, PROTO_TLS);
	ck_assert_str_eq(c->listen[2].spec, "tls:[2001:db8::1]:5061");
	ck_assert_int_eq(c->ndomains, 3);
	ck_assert_str_eq(c->domains[0], "example.com");
	ck_assert_str_eq(c->domains[1], "pbx.lan");
	ck_assert_str_eq(c->domains[2], "192.0.2.1");
	ck_assert_ptr_null(c->domains[3]);
	config_free(c);

	/* A bare string is a one-entry list. */
	c = load_text("sip: { listen = \"tcp:0.0.0.0:5080\"; domains = \"a.example\"; };\n");
	ck_assert_msg(c != NULL, "%s", logbuf);
	ck_assert_int_eq(c->nlisten, 1);
	ck_assert_int_eq(sa_port(&c->listen[0]), 5080);
	ck_assert_int_eq(c->ndomains, 1);
	ck_assert_str_eq(c->domains[0], "a.example");
	config_free(c);

	c = load_text("sip: { domains = ( ); };\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->ndomains, 0);
	config_free(c);

	reject("sip: { domains = [ \"example.com\", \"\" ]; };\n");
	expect_log("key 'sip.domains' entry 2 must be a non-empty word");
	reject("sip: { domains = ( \"example.com\", 7 ); };\n");
	expect_log("key 'sip.domains' entry 2 must be a string");
}
END_TEST

START_TEST(test_include)
{
	struct sipd_config	*c;
	char			 inc[PATH_MAX];

	write_file("timers.inc", "t1 = 200;\nt9 = 1;\n", inc, sizeof(inc));
	reject("timers: {\n@include \"timers.inc\"\n};\n");
	expect_log("%s:2: unknown key 'timers.t9'", inc);

	write_file("timers.inc", "t1 = 200;\n", inc, sizeof(inc));
	c = load_text("timers: {\n@include \"timers.inc\"\n};\n");
	ck_assert_msg(c != NULL, "%s", logbuf);
	ck_assert_int_eq(c->t1_ms, 200);
	config_free(c);
}
END_TEST

START_TEST(test_parse_listen_ok)
{
	struct listen_addr	 la;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&la.ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&la.ss;
	char			 err[256], host[INET6_ADDRSTRLEN];

	ck_assert_int_eq(config_parse_listen("udp:192.0.2.7:5060", &la, err, sizeof(err)), 0);
	ck_assert_int_eq(la.proto, PROTO_UDP);
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_int_eq(la.sslen, sizeof(struct sockaddr_in));
	ck_assert_int_eq(ntohs(sin->sin_port), 5060);
	ck_assert_str_eq(inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)), "192.0.2.7");
	ck_assert_str_eq(la.spec, "udp:192.0.2.7:5060");
	free(la.spec);

	ck_assert_int_eq(config_parse_listen("tcp:[::1]:1", &la, err, sizeof(err)), 0);
	ck_assert_int_eq(la.proto, PROTO_TCP);
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_int_eq(la.sslen, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(ntohs(sin6->sin6_port), 1);
	ck_assert_str_eq(inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)), "::1");
	free(la.spec);

	ck_assert_int_eq(config_parse_listen("tls:[2001:db8::a:b]:65535", &la, err, sizeof(err)), 0);
	ck_assert_int_eq(la.proto, PROTO_TLS);
	ck_assert_int_eq(ntohs(sin6->sin6_port), 65535);
	free(la.spec);

	ck_assert_int_eq(config_parse_listen("TCP:0.0.0.0:5060", &la, NULL, 0), 0);
	ck_assert_int_eq(la.proto, PROTO_TCP);
	free(la.spec);
}
END_TEST

START_TEST(test_parse_listen_bad)
{
	static const struct { const char *spec, *why; } bad[] = {
		{ "", "expected proto:address:port" },
		{ "udp", "expected proto:address:port" },
		{ "sctp:1.2.3.4:5060", "unknown protocol 'sctp'" },
		{ ":1.2.3.4:5060", "unknown protocol ''" },
		{ "udp:1.2.3.4", "missing ':port'" },
		{ "udp:1.2.3.4:", "bad port ''" },
		{ "udp:1.2.3.4:0", "bad port '0'" },
		{ "udp:1.2.3.4:65536", "bad port '65536'" },
		{ "udp:1.2.3.4:50a", "bad port '50a'" },
		{ "udp:1.2.3.4:-1", "bad port '-1'" },
		{ "udp:1.2.3.4:0005060", "bad port '0005060'" },
		{ "udp::5060", "missing address" },
		{ "udp:1.2.3:5060", "bad IPv4 address '1.2.3'" },
		{ "udp:256.0.0.1:5060", "bad IPv4 address '256.0.0.1'" },
		{ "udp:example.com:5060", "bad IPv4 address 'example.com'" },
		{ "udp:::1:5060", "IPv6 addresses go in brackets" },
		{ "udp:[::1:5060", "missing ']'" },
		{ "udp:[::1]5060", "missing ':port' after ']'" },
		{ "udp:[::1]", "missing ':port' after ']'" },
		{ "udp:[]:5060", "missing address" },
		{ "udp:[1.2.3.4]:5060", "bad IPv6 address '1.2.3.4'" },
		{ "udp:[::g]:5060", "bad IPv6 address '::g'" },
	};
	struct listen_addr	 la;
	char			 err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&la, 0xa5, sizeof(la));
		err[0] = '\0';
		ck_assert_msg(config_parse_listen(bad[i].spec, &la, err, sizeof(err)) == -1,
		    "accepted '%s'", bad[i].spec);
		ck_assert_msg(strstr(err, bad[i].why) != NULL, "'%s': error \"%s\", want \"%s\"",
		    bad[i].spec, err, bad[i].why);
		ck_assert_int_eq(((unsigned char *)&la)[0], 0xa5);	/* out untouched */
		ck_assert_int_eq(config_parse_listen(bad[i].spec, &la, NULL, 0), -1);
	}
}
END_TEST

/* An IPv4 or IPv6 address in a sockaddr_storage. */
static struct sockaddr_storage
addr_of(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		ss.ss_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else {
		ss.ss_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	return ss;
}

/* auth.trusted is parsed into CIDRs when the file is loaded; config_trusted matches them. */
START_TEST(test_trusted_parsed_at_load)
{
	struct sipd_config *c = config_defaults();
	struct sockaddr_storage ss;

	ck_assert_int_eq(c->ntrusted_nets, 0);
	ss = addr_of("127.0.0.1");
	ck_assert_int_eq(config_trusted(c, &ss), 0);
	config_free(c);

	c = load_text("auth: {\n  trusted = [ \"192.168.1.0/24\", \"10.1.2.3\", \"fd00::/8\" ];\n};\n");
	ck_assert_msg(c != NULL, "%s", logbuf);
	ck_assert_int_eq(c->ntrusted_nets, 3);
	ck_assert_int_eq(c->trusted_nets[0].family, AF_INET);
	ck_assert_int_eq(c->trusted_nets[0].bits, 24);
	ck_assert_int_eq(c->trusted_nets[1].bits, 32);
	ck_assert_int_eq(c->trusted_nets[2].family, AF_INET6);
	ck_assert_int_eq(c->trusted_nets[2].bits, 8);
	static const struct { const char *addr; int trusted; } cases[] = {
		{ "192.168.1.1", 1 }, { "192.168.1.255", 1 }, { "192.168.2.1", 0 },
		{ "10.1.2.3", 1 }, { "10.1.2.4", 0 }, { "fd12::1", 1 }, { "fe80::1", 0 },
		{ "::ffff:192.168.1.1", 0 },	/* v4-mapped is another family */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ss = addr_of(cases[i].addr);
		ck_assert_msg(config_trusted(c, &ss) == cases[i].trusted, "%s", cases[i].addr);
	}
	config_free(c);

	/* a bare string is a one-entry list */
	c = load_text("auth: { trusted = \"::1/128\"; };\n");
	ck_assert_msg(c != NULL, "%s", logbuf);
	ck_assert_int_eq(c->ntrusted_nets, 1);
	ss = addr_of("::1");
	ck_assert_int_eq(config_trusted(c, &ss), 1);
	config_free(c);
}
END_TEST

/* A bad entry of auth.trusted is an error at its own file:line, and the config is refused. */
START_TEST(test_trusted_bad_cidr)
{
	reject("auth: {\n  trusted = [\n    \"10.0.0.0/8\",\n    \"10.0.0.0/33\",\n"
	    "    \"gateway.example\" ];\n};\n");
	expect_log("%s:4: key 'auth.trusted': '10.0.0.0/33' is not an address or CIDR", conf_path);
	expect_log("%s:5: key 'auth.trusted': 'gateway.example' is not an address or CIDR",
	    conf_path);
	ck_assert_int_eq(log_lines(), 2);
	reject("auth: { trusted = \"fd00::/129\"; };\n");
	expect_log("%s:1: key 'auth.trusted': 'fd00::/129' is not an address or CIDR", conf_path);
	reject("auth: { trusted = [ \"192.168.1.0/\" ]; };\n");
	expect_log("%s:1: key 'auth.trusted': '192.168.1.0/' is not an address or CIDR", conf_path);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_sample_loads);
	tcase_add_test(tc, test_sample_documents_every_key);
	tcase_add_test(tc, test_missing_keys_default);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_bad_listen);
	tcase_add_test(tc, test_t2_below_t1);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_parse_listen_ok);
	tcase_add_test(tc, test_parse_listen_bad);
	tcase_add_test(tc, test_trusted_parsed_at_load);
	tcase_add_test(tc, test_trusted_bad_cidr);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
