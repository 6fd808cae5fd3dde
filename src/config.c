/* config.c - sipd.conf: one table of keys, and a loader that checks every setting against it. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif

struct sipd_config *cfg = NULL;

enum key_type { T_INT, T_STRING, T_STRLIST, T_LOGLEVEL, T_LISTEN };

static const char *const key_type_names[] = {
	[T_INT] = "int",
	[T_STRING] = "string",
	[T_STRLIST] = "string-list",
	[T_LOGLEVEL] = "log-level",
	[T_LISTEN] = "listen-list",
};

/*
 * One key. For ints min..max bound the value; for strings min is the shortest
 * length allowed; for lists min..max bound the number of entries (max 0: no limit).
 * Defaults: ints in idef, everything else as text in def (list entries
 * separated by spaces, which neither listen specs nor domains contain).
 */
struct config_key {
	const char	*name;
	enum key_type	 type;
	size_t		 off;		/* offsetof the value in struct sipd_config */
	size_t		 noff;		/* offsetof the entry count, for lists */
	long long	 idef;
	const char	*def;
	long long	 min, max;
	const char	*help;
};

#define OFF(f)	offsetof(struct sipd_config, f)
#define KINT(n, f, d, lo, hi, h)	{ n, T_INT, OFF(f), 0, d, NULL, lo, hi, h }
#define KSTR(n, f, d, minlen, h)	{ n, T_STRING, OFF(f), 0, 0, d, minlen, 0, h }
#define KLEVEL(n, f, d, h)		{ n, T_LOGLEVEL, OFF(f), 0, 0, d, 0, 0, h }
#define KLIST(n, f, cnt, d, lo, hi, h)	{ n, T_STRLIST, OFF(f), OFF(cnt), 0, d, lo, hi, h }
#define KLISTEN(n, f, cnt, d, lo, hi, h) { n, T_LISTEN, OFF(f), OFF(cnt), 0, d, lo, hi, h }

/* Every key sipd knows. Adding a key: a field in config.h, a line here, a line in etc/sipd.conf. */
static const struct config_key config_keys[] = {
	KSTR("server.name", server_name, "sipd", 1,
	    "Value of the Server and User-Agent headers sipd sends."),
	KSTR("server.user", user, "", 0,
	    "User to switch to after binding the sockets (\"\" = stay as started)."),
	KINT("server.allow_root", allow_root, 1, 0, 1,
	    "0: refuse to run as root (started as root, server.user must be set); 1: allowed."),
	KLISTEN("sip.listen", listen, nlisten,
	    "udp:0.0.0.0:5060 udp:[::]:5060 tcp:0.0.0.0:5060 tcp:[::]:5060", 1, 0,
	    "Sockets to listen on, \"proto:address:port\": proto udp, tcp or tls; IPv6 in brackets."),
	KLIST("sip.domains", domains, ndomains, "", 0, 0,
	    "Domains (or hosts) served here, besides the server's own addresses."),
	KLEVEL("log.level", log_level, "info",
	    "Least severe message logged: error, warning, notice, info or debug."),
	KSTR("database.path", db_path, LOCALSTATEDIR "/lib/sipd/sipd.db", 1,
	    "SQLite database holding the registrations."),
	KSTR("database.url", db_url, "", 0,
	    "PostgreSQL connection string (postgresql://... or host=... dbname=..., several hosts "
	    "allowed); when set, sipd and sipctl use it instead of database.path (several nodes "
	    "can share it)."),
	KINT("database.commit_interval", commit_interval_ms, 5, 0, 1000,
	    "Most ms writes wait to be committed together (one disk sync for many REGISTERs)."),
	KINT("registrar.default_expires", reg_default_expires, 3600, 10, 31536000,
	    "Binding lifetime in s when a REGISTER names none."),
	KINT("registrar.min_expires", reg_min_expires, 60, 1, 86400,
	    "Shortest binding lifetime in s; shorter requests get 423 Interval Too Brief."),
	KINT("registrar.max_expires", reg_max_expires, 86400, 60, 31536000,
	    "Longest binding lifetime in s; longer requests are cut to it."),
	KINT("registrar.max_bindings", reg_max_bindings, 10, 1, 1000,
	    "Most contacts one address-of-record may have registered at once."),
	KINT("registrar.replace_oldest", reg_replace_oldest, 0, 0, 1,
	    "At max_bindings: 1 replaces the oldest binding, 0 refuses the new one (403)."),
	KSTR("auth.realm", realm, "", 0,
	    "Digest realm (\"\" = the first of sip.domains, else the host name)."),
	KINT("auth.nonce_lifetime", nonce_lifetime, 300, 10, 86400,
	    "Seconds a digest nonce stays valid; older ones get stale=true."),
	KSTR("auth.nonce_secret", nonce_secret, "", 0,
	    "Secret for the nonce HMACs; the same on every node sharing a database.url, so a "
	    "challenge from one node is accepted by another.  \"\": random at each start."),
	KINT("auth.register", auth_register, 1, 0, 1,
	    "1: REGISTER needs a user's password (users added with sipctl); 0: anyone may register."),
	KINT("auth.calls", auth_calls, 1, 0, 1,
	    "1: calls and messages from a local user need its password (407); 0: no caller authentication."),
	KLIST("auth.trusted", trusted, ntrusted, "", 0, 0,
	    "Addresses or CIDRs (\"192.168.1.0/24\", \"::1/128\") whose requests skip authentication."),
	KINT("auth.sha256_first", sha256_first, 0, 0, 1,
	    "1: offer the SHA-256 challenge before MD5; 0: MD5 first, for clients that only read the first."),
	KLIST("auth.md5_only_agents", md5_only_agents, nmd5_only_agents, "baresip_v0. baresip_v1.", 0, 0,
	    "User-Agent prefixes (\"_\" matches a space) of clients that fail when offered SHA-256: they get only MD5."),
	KLIST("dns.servers", dns_servers, ndns_servers, "", 0, 8,
	    "DNS servers for RFC 3263 lookups, \"ip:port\" or \"ip\" ([ ] = /etc/resolv.conf)."),
	KINT("proxy.record_route", record_route, 1, 0, 1,
	    "1: Record-Route dialog-creating requests (in-dialog requests come through sipd); 0: never."),
	KINT("proxy.serial_forking", serial_forking, 1, 0, 1,
	    "1: contacts with different q-values are tried one q-group after another, highest first; 0: all at once."),
	KINT("proxy.timer_c", timer_c, 185, 10, 3600,
	    "Seconds an INVITE may ring before its branches are cancelled (Timer C; RFC 3261 16.6 wants > 180)."),
	KSTR("relay.mode", relay_mode, "nat", 1,
	    "When calls' media go through sipd's RTP relay: \"always\", \"nat\" (when a phone looks NAT'd: its SDP address is not where its SIP comes from, or it registered from behind NAT) or \"never\"."),
	KSTR("relay.address", relay_address, "", 0,
	    "IP address the relay advertises in SDP (\"\" = sipd's SIP address toward the phone); set it to the LAN/public address when sipd listens on 0.0.0.0 of a multi-homed host."),
	KINT("relay.port_min", relay_port_min, 30000, 1024, 65534,
	    "First UDP port of the relay (RTP on even ports, RTCP on RTP + 1; 4 ports per relayed stream)."),
	KINT("relay.port_max", relay_port_max, 39999, 1025, 65535,
	    "Last UDP port of the relay."),
	KINT("relay.timeout", relay_timeout, 60, 5, 86400,
	    "Seconds without a media packet (either way) after which an answered call's relay ports are closed."),
	KINT("cdr.max_call", cdr_max_call, 14400, 60, 604800,
	    "Seconds after which an answered call whose BYE sipd never saw gets its call record anyway."),
	KINT("relay.max_calls", relay_max_calls, 1000, 1, 1000000,
	    "Most calls relayed at once; a new call that needs the relay beyond it gets 503 with Retry-After."),
	KINT("relay.thread", relay_thread, 1, 0, 1,
	    "1: packets are forwarded by a thread of their own (SIP work and timers never delay them); 0: on the event loop. Changes apply at restart."),
	KINT("relay.priority", relay_priority, 0, 0, 99,
	    "Real-time (SCHED_FIFO) priority of the relay thread, so other processes on a busy host cannot delay media; 0 = ordinary scheduling. Needs sipd started as root (or CAP_SYS_NICE). Changes apply at restart."),
	KINT("timers.t1", t1_ms, 500, 10, 10000,
	    "Timer T1 in ms: round-trip estimate, base of retransmissions (RFC 3261 17.1.1.1)."),
	KINT("timers.t2", t2_ms, 4000, 100, 64000,
	    "Timer T2 in ms: cap on the non-INVITE retransmit interval; must be >= t1."),
	KINT("timers.t4", t4_ms, 5000, 100, 64000,
	    "Timer T4 in ms: longest time a message stays in the network (RFC 3261 17.1.2.2)."),
	KINT("metrics.enable", metrics_enable, 0, 0, 1,
	    "1: serve Prometheus metrics at http://<metrics.listen>/metrics (sipctl status reads them); 0: off."),
	KSTR("metrics.listen", metrics_listen, "127.0.0.1:9060", 1,
	    "Address:port of the metrics endpoint (\"[::1]:9060\" for IPv6); keep it on loopback or a trusted network."),
	KINT("console.enable", console_enable, 0, 0, 1,
	    "1: serve the web console at <console.listen> (administrators: sipctl admin add NAME); 0: off."),
	KSTR("console.listen", console_listen, "127.0.0.1:8060", 1,
	    "Address:port of the web console; an address other than loopback needs console.tls (or console.allow_insecure)."),
	KINT("console.tls", console_tls, 0, 0, 1,
	    "1: serve the console over HTTPS with tls.certificate / tls.private_key; 0: plain HTTP."),
	KINT("console.allow_insecure", console_insecure, 0, 0, 1,
	    "1: allow plain HTTP on an address other than loopback (passwords and cookies cross the network in clear)."),
	KINT("console.session_timeout", console_session_timeout, 3600, 60, 604800,
	    "Seconds a console session stays valid without a request."),
	KINT("console.provision_lifetime", console_provision_lifetime, 86400, 60, 2592000,
	    "Seconds a phone provisioning link works (it works once)."),
	KINT("console.rate", console_rate, 20, 1, 10000,
	    "Console requests a second from one address (burst 5x); beyond, 429."),
	KINT("limits.max_message_size", max_message_size, 65535, 1024, 1048576,
	    "Largest SIP message accepted, in bytes."),
	KINT("limits.max_headers", max_headers, 128, 16, 1024,
	    "Most header fields accepted in one message."),
	KINT("limits.max_line_length", max_line_length, 8192, 256, 65535,
	    "Longest header line accepted, in bytes."),
	KINT("limits.max_transactions", max_transactions, 100000, 100, 10000000,
	    "Most transactions kept at once."),
	KINT("limits.tcp_max_connections", tcp_max_connections, 4096, 1, 1000000,
	    "Most TCP connections open at once."),
	KINT("limits.tcp_idle_timeout", tcp_idle_timeout, 300, 5, 86400,
	    "Seconds after which an idle TCP/TLS connection is closed (one carrying a registration stays)."),
	KINT("limits.stream_read_timeout", stream_read_timeout, 30, 1, 3600,
	    "Seconds a TCP/TLS peer has to finish a message it started sending (slow peers are dropped)."),
	KSTR("tls.certificate", tls_cert, "", 0,
	    "PEM certificate chain of the server (\"\" = no TLS; set: a TLS listener on 5061 unless sip.listen has one)."),
	KSTR("tls.private_key", tls_key, "", 0,
	    "PEM private key of the certificate."),
	KSTR("tls.ca_file", tls_ca, "", 0,
	    "PEM CA certificates that peers' certificates are checked against (\"\" = the system store)."),
	KSTR("tls.ciphers", tls_ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL:!MD5:!RC4:!3DES", 1,
	    "OpenSSL cipher list for TLS 1.2 (TLS 1.3 uses OpenSSL's defaults); older protocols are never offered."),
	KINT("tls.verify_client", tls_verify_client, 0, 0, 2,
	    "Client certificates: 0 not asked for, 1 checked when sent, 2 required."),
	KINT("tls.verify_server", tls_verify_server, 1, 0, 1,
	    "1: outgoing TLS checks the server's certificate and its name (RFC 5922); 0: no checks (testing only)."),
	KINT("tls.handshake_timeout", tls_handshake_timeout, 10, 1, 300,
	    "Seconds a TLS handshake may take before the connection is dropped."),
	KINT("nat.keepalive_interval", keepalive_interval, 30, 0, 3600,
	    "Seconds between OPTIONS keep-alives to registered phones behind NAT over UDP (0 = none)."),
	KINT("nat.keepalive_failures", keepalive_failures, 3, 1, 100,
	    "Unanswered keep-alives in a row after which the phone's registration is removed."),
	KINT("nat.flow_timer", flow_timer, 120, 10, 3600,
	    "Flow-Timer (s) given to RFC 5626 outbound clients: how often they send keep-alives."),
	KINT("limits.tcp_max_per_address", tcp_max_per_ip, 64, 1, 1000000,
	    "Most TCP connections open at once from one address (auth.trusted exempt)."),
	KINT("flood.rate", flood_rate, 1000, 0, 10000000,
	    "Messages per second one source address may send (responses to sipd's own requests not counted); a source over rate + burst is banned (0 = no limit)."),
	KINT("flood.burst", flood_burst, 1000, 1, 10000000,
	    "Messages a source may send at once above flood.rate before it is banned."),
	KINT("flood.ban_time", flood_ban_time, 60, 1, 86400,
	    "Seconds a flooding source is ignored (its packets dropped unread, one log line per ban)."),
	KINT("flood.max_sources", flood_max_sources, 16384, 64, 4194304,
	    "Source addresses tracked at once; the idlest are forgotten first (bounds memory)."),
	KINT("auth.max_failures", auth_max_failures, 10, 0, 100000,
	    "Failed authentications for one user name, or from one address, within auth.failure_window"
	    " that start a ban (0 = never ban)."),
	KINT("auth.failure_window", auth_failure_window, 300, 1, 86400,
	    "Seconds over which auth.max_failures is counted."),
	KINT("auth.ban_time", auth_ban_time, 600, 1, 604800,
	    "Seconds a banned user name, or address, gets 403 to any credentials (the right ones too)."),
	KINT("auth.hide_users", hide_users, 1, 0, 1,
	    "1: a request for a user with no phone registered is answered as for a user that does not"
	    " exist (404) unless the caller authenticated as one of ours or is trusted, so scanners"
	    " learn nothing; 0: such users get 480 from anyone."),
	KINT("messages.store", msg_store, 1, 0, 1,
	    "1: a MESSAGE for a local user whose phones are all offline is stored (202) and sent to"
	    " the first phone of the user that registers; 0: it gets 480 / 404 as any request."),
	KINT("messages.max_per_user", msg_max_count, 100, 1, 100000,
	    "Most messages kept for one user; beyond it the oldest are dropped."),
	KINT("messages.max_bytes_per_user", msg_max_bytes, 1048576, 1024, 1073741824,
	    "Most bytes of message bodies kept for one user; beyond it the oldest are dropped."),
	KINT("messages.max_body", msg_max_body, 16384, 1, 1048576,
	    "Largest body, in bytes, of a message to be stored; a larger one gets 513 Message Too Large."),
	KINT("messages.lifetime", msg_lifetime, 604800, 1, 31536000,
	    "Seconds a stored message waits at most (shorter when the MESSAGE's Expires, or the"
	    " user's Contact parameter message-expires, says so); then it is dropped unsent."),
	KINT("subs.min_expires", subs_min_expires, 60, 1, 3600,
	    "Shortest subscription (SUBSCRIBE) or publication (PUBLISH) sipd accepts, in seconds;"
	    " a shorter one gets 423 with Min-Expires."),
	KINT("subs.max_expires", subs_max_expires, 3600, 60, 86400,
	    "Longest subscription or publication, in seconds; longer ones are shortened to it."),
	KINT("subs.max_total", subs_max_total, 10000, 1, 1000000,
	    "Most live subscriptions (presence, dialog); beyond it SUBSCRIBE gets 503 + Retry-After."),
	KINT("subs.max_per_watcher", subs_max_per_watcher, 100, 1, 100000,
	    "Most live subscriptions from one source address, and from one watcher (From URI);"
	    " beyond it SUBSCRIBE gets 403."),
	KINT("presence.enable", presence_enable, 1, 0, 1,
	    "1: sipd is the presence agent of its users (PUBLISH / SUBSCRIBE for the presence and"
	    " dialog event packages are served, not forwarded); 0: they are forwarded to the phones."),
	KINT("presence.max_pidf", presence_max_pidf, 16384, 256, 1048576,
	    "Largest PIDF document, in bytes, a PUBLISH may carry; a larger one gets 413."),
	KINT("presence.max_publications", presence_max_publications, 16, 1, 1000,
	    "Most live publications (devices) per user; beyond it a new PUBLISH gets 503."),
	KSTR("voicemail.number", vm_number, "*98", 1,
	    "What a user dials from an own phone to listen to the messages of the box."),
	KINT("voicemail.max_messages", vm_max_messages, 50, 1, 10000,
	    "Most messages a voicemail box holds; a caller to a full box hears a notice."),
	KINT("voicemail.max_seconds", vm_max_seconds, 120, 5, 3600,
	    "Longest voice message, in seconds; recording stops there."),
	KINT("voicemail.min_seconds", vm_min_seconds, 1, 0, 60,
	    "A recording shorter than this is discarded (a caller who hung up at the beep)."),
	KINT("voicemail.silence_seconds", vm_silence_seconds, 10, 0, 3600,
	    "Recording stops after this long of silence (0: never)."),
};
#define NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

#define FIELD(c, k, type)	((type *)(void *)((char *)(c) + (k)->off))
#define COUNT(c, k)		((int *)(void *)((char *)(c) + (k)->noff))

/* One load in progress: the config being filled and the problems found so far. */
struct cfload {
	struct sipd_config	*c;
	const char		*path;
	const char		*incdir;	/* where @include looks, NULL for defaults */
	int			 nerr;
};

/* A value for one key, from the file or from the table's default. */
struct value {
	long long		 i;
	const char		**s;
	const config_setting_t	**at;	/* where each entry was written; NULL for defaults */
	int			 n;
	char			*buf;	/* owns the split default text */
};

static void cf_err(struct cfload *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Log one problem as FILE:LINE: msg (FILE: msg when there is no setting) and count it. */
static void
cf_err(struct cfload *ld, const config_setting_t *s, const char *fmt, ...)
{
	char		 msg[1024], fname[PATH_MAX];
	const char	*file = NULL;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL)
		file = config_setting_source_file(s);
	if (file == NULL)
		file = ld->path;
	/* libconfig names an included file as @include wrote it: relative to incdir */
	if (strcmp(file, ld->path) != 0 && file[0] != '/' && ld->incdir != NULL)
		snprintf(fname, sizeof(fname), "%s/%s", ld->incdir, file);
	else
		snprintf(fname, sizeof(fname), "%s", file);
	if (s != NULL && config_setting_source_line(s) > 0)
		log_warnx("%s:%u: %s", fname, config_setting_source_line(s), msg);
	else
		log_warnx("%s: %s", fname, msg);
	ld->nerr++;
}

static const struct config_key *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/* 1 if name is a group holding keys ("timers" for "timers.t1"). */
static int
group_known(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < NKEYS; i++)
		if (strncmp(config_keys[i].name, name, len) == 0 &&
		    config_keys[i].name[len] == '.')
			return 1;
	return 0;
}

/* Levenshtein distance, for "did you mean"; large for long names. */
static int
edit_distance(const char *a, const char *b)
{
	int	 row[64], diag, up, i, j, la = strlen(a), lb = strlen(b);

	if (lb >= 64)
		return INT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/* The key or group closest to an unknown name, if close enough to be a typo; NULL if none. */
static const char *
key_suggest(const char *name, char *buf, size_t len)
{
	const char	*dot;
	char		 group[64];
	int		 d, bestd = 3;

	buf[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++) {
		const char *kn = config_keys[i].name;

		if ((d = edit_distance(name, kn)) < bestd) {
			bestd = d;
			snprintf(buf, len, "%s", kn);
		}
		if ((dot = strrchr(kn, '.')) != NULL) {
			snprintf(group, sizeof(group), "%.*s", (int)(dot - kn), kn);
			if ((d = edit_distance(name, group)) < bestd) {
				bestd = d;
				snprintf(buf, len, "%s", group);
			}
		}
	}
	return buf[0] != '\0' ? buf : NULL;
}

/* The table's default for k as a value (list defaults are split at spaces). */
static void
value_from_default(const struct config_key *k, struct value *v)
{
	char	*p, *save = NULL;

	memset(v, 0, sizeof(*v));
	if (k->type == T_INT) {
		v->i = k->idef;
		return;
	}
	v->buf = xstrdup(k->def);
	v->s = xcalloc(strlen(k->def) + 1, sizeof(*v->s));
	if (k->type != T_STRLIST && k->type != T_LISTEN) {
		v->s[v->n++] = v->buf;
		return;
	}
	for (p = strtok_r(v->buf, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save))
		v->s[v->n++] = p;
}

/* Collect the strings of a list setting (a bare string counts as one entry). */
static int
value_list(struct cfload *ld, const struct config_key *k, const config_setting_t *s,
    struct value *v)
{
	const config_setting_t	*e;
	int			 i, len, bad = 0;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v->s = xcalloc(1, sizeof(*v->s));
		v->at = xcalloc(1, sizeof(*v->at));
		v->s[v->n] = config_setting_get_string(s);
		v->at[v->n++] = s;
		return 0;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cf_err(ld, s, "key '%s' must be a list of strings, e.g. [\"a\", \"b\"]", k->name);
		return -1;
	}
	len = config_setting_length(s);
	v->s = xcalloc(len + 1, sizeof(*v->s));
	v->at = xcalloc(len + 1, sizeof(*v->at));
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cf_err(ld, e, "key '%s' entry %d must be a string", k->name, i + 1);
			bad = 1;
			continue;
		}
		v->s[v->n] = config_setting_get_string(e);
		v->at[v->n++] = e;
	}
	return bad ? -1 : 0;
}

/* Turn a setting into a value for k, reporting a wrong type. */
static int
value_from_setting(struct cfload *ld, const struct config_key *k,
    const config_setting_t *s, struct value *v)
{
	int	 t = config_setting_type(s);

	memset(v, 0, sizeof(*v));
	switch (k->type) {
	case T_INT:
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			cf_err(ld, s, "key '%s' must be an integer", k->name);
			return -1;
		}
		/* NB: libconfig 1.5 wraps an unsuffixed literal beyond 32 bits; 1e10L is kept. */
		v->i = config_setting_get_int64(s);
		return 0;
	case T_STRING:
	case T_LOGLEVEL:
		if (t != CONFIG_TYPE_STRING) {
			cf_err(ld, s, "key '%s' must be a string", k->name);
			return -1;
		}
		v->s = xcalloc(1, sizeof(*v->s));
		v->s[v->n++] = config_setting_get_string(s);
		return 0;
	case T_STRLIST:
	case T_LISTEN:
		return value_list(ld, k, s, v);
	}
	return -1;
}

static void
value_clear(struct value *v)
{
	free(v->s);
	free(v->at);
	free(v->buf);
	memset(v, 0, sizeof(*v));
}

/* Where entry i of v was written: its own line if known, else the key's. */
static const config_setting_t *
value_at(const struct value *v, const config_setting_t *where, int i)
{
	return v->at != NULL ? v->at[i] : where;
}

static void
apply_int(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const struct value *v)
{
	if (v->i < k->min || v->i > k->max) {
		cf_err(ld, where, "key '%s' must be between %lld and %lld (got %lld)",
		    k->name, k->min, k->max, v->i);
		return;
	}
	*FIELD(ld->c, k, int) = (int)v->i;
}

/* Check one string: long enough, and no control characters (they would end up in headers). */
static int
check_string(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const char *s)
{
	if ((long long)strlen(s) < k->min) {
		cf_err(ld, where, "key '%s' must not be empty", k->name);
		return -1;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (iscntrl((unsigned char)*p)) {
			cf_err(ld, where, "key '%s' must not contain control characters", k->name);
			return -1;
		}
	}
	return 0;
}

static void
apply_string(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const struct value *v)
{
	char	**field = FIELD(ld->c, k, char *);

	if (check_string(ld, k, where, v->s[0]) == -1)
		return;
	free(*field);
	*field = xstrdup(v->s[0]);
}

static void
apply_loglevel(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const struct value *v)
{
	int	 level;

	if ((level = log_level_parse(v->s[0])) == -1) {
		cf_err(ld, where, "key '%s' must be one of error, warning, notice, info, debug"
		    " (got '%s')", k->name, v->s[0]);
		return;
	}
	*FIELD(ld->c, k, int) = level;
}

/* Check the number of entries of a list against k's bounds. */
static int
check_count(struct cfload *ld, const struct config_key *k, const config_setting_t *where, int n)
{
	if (n < k->min) {
		cf_err(ld, where, "key '%s' needs at least %lld entr%s", k->name, k->min,
		    k->min == 1 ? "y" : "ies");
		return -1;
	}
	if (k->max > 0 && n > k->max) {
		cf_err(ld, where, "key '%s' takes at most %lld entries (got %d)", k->name,
		    k->max, n);
		return -1;
	}
	return 0;
}

static void
strlist_free(char **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void
apply_strlist(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const struct value *v)
{
	char	***field = FIELD(ld->c, k, char **);
	int	  i, bad = 0;

	if (check_count(ld, k, where, v->n) == -1)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->s[i][0] == '\0' || strpbrk(v->s[i], " \t") != NULL) {
			cf_err(ld, value_at(v, where, i), "key '%s' entry %d must be a"
			    " non-empty word (got '%s')", k->name, i + 1, v->s[i]);
			bad = 1;
		} else if (check_string(ld, k, value_at(v, where, i), v->s[i]) == -1)
			bad = 1;
	}
	if (bad)
		return;
	strlist_free(*field, *COUNT(ld->c, k));
	*field = xcalloc(v->n + 1, sizeof(**field));
	for (i = 0; i < v->n; i++)
		(*field)[i] = xstrdup(v->s[i]);
	*COUNT(ld->c, k) = v->n;
}

static void
listen_free(struct listen_addr *la, int n)
{
	for (int i = 0; i < n; i++)
		free(la[i].spec);
	free(la);
}

/* 1 if a and b name the same socket. */
static int
listen_same(const struct listen_addr *a, const struct listen_addr *b)
{
	return a->proto == b->proto && a->sslen == b->sslen &&
	    memcmp(&a->ss, &b->ss, a->sslen) == 0;
}

static void
apply_listen(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const struct value *v)
{
	struct listen_addr	**field = FIELD(ld->c, k, struct listen_addr *);
	struct listen_addr	 *la;
	char			  err[256];
	int			  i, j, n = 0, bad = 0;

	if (check_count(ld, k, where, v->n) == -1)
		return;
	la = xcalloc(v->n + 1, sizeof(*la));
	for (i = 0; i < v->n; i++) {
		if (config_parse_listen(v->s[i], &la[n], err, sizeof(err)) == -1) {
			cf_err(ld, value_at(v, where, i), "key '%s': bad listen address"
			    " '%s': %s", k->name, v->s[i], err);
			bad = 1;
			continue;
		}
		for (j = 0; j < n; j++)
			if (listen_same(&la[j], &la[n]))
				break;
		if (j < n) {
			cf_err(ld, value_at(v, where, i), "key '%s': '%s' is the same"
			    " socket as '%s'", k->name, v->s[i], la[j].spec);
			bad = 1;
		}
		n++;
	}
	if (bad) {
		listen_free(la, n);
		return;
	}
	listen_free(*field, *COUNT(ld->c, k));
	*field = la;
	*COUNT(ld->c, k) = n;
}

/* Store value v in the key k of the config being loaded, if it passes k's checks. */
static void
key_apply(struct cfload *ld, const struct config_key *k, const config_setting_t *where,
    const struct value *v)
{
	switch (k->type) {
	case T_INT:
		apply_int(ld, k, where, v);
		break;
	case T_STRING:
		apply_string(ld, k, where, v);
		break;
	case T_LOGLEVEL:
		apply_loglevel(ld, k, where, v);
		break;
	case T_STRLIST:
		apply_strlist(ld, k, where, v);
		break;
	case T_LISTEN:
		apply_listen(ld, k, where, v);
		break;
	}
}

/* Release whatever key k holds in c. */
static void
key_free(const struct config_key *k, struct sipd_config *c)
{
	switch (k->type) {
	case T_STRING:
		free(*FIELD(c, k, char *));
		break;
	case T_STRLIST:
		strlist_free(*FIELD(c, k, char **), *COUNT(c, k));
		break;
	case T_LISTEN:
		listen_free(*FIELD(c, k, struct listen_addr *), *COUNT(c, k));
		break;
	case T_INT:
	case T_LOGLEVEL:
		break;
	}
}

/* Load one setting of the file into its key. */
static void
key_load(struct cfload *ld, const struct config_key *k, const config_setting_t *s)
{
	struct value	 v;

	if (value_from_setting(ld, k, s, &v) == 0)
		key_apply(ld, k, s, &v);
	value_clear(&v);
}

/* Check every setting of group g (dotted path prefix) against the table, recursively. */
static void
walk_group(struct cfload *ld, const config_setting_t *g, const char *prefix)
{
	const config_setting_t	*s;
	const struct config_key	*k;
	const char		*hint;
	char			 path[256], near[64];

	for (int i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, i);
		snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "",
		    prefix ? "." : "", config_setting_name(s));
		if ((k = key_find(path)) != NULL)
			key_load(ld, k, s);
		else if (!group_known(path)) {
			hint = key_suggest(path, near, sizeof(near));
			cf_err(ld, s, "unknown key '%s'%s%s%s", path,
			    hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		} else if (!config_setting_is_group(s))
			cf_err(ld, s, "'%s' must be a group: %s = { ... };", path, path);
		else
			walk_group(ld, s, path);
	}
}

/* Where key name was set in the file, or NULL. */
static const config_setting_t *
setting_of(const config_t *lc, const char *name)
{
	return lc != NULL ? config_lookup(lc, name) : NULL;
}

/* auth.trusted into CIDRs, once per load (never per request); a bad entry is an error at its
 * file:line. */
static void
trusted_parse(struct cfload *ld, const config_t *lc)
{
	const config_setting_t *list = setting_of(lc, "auth.trusted"), *at;
	struct sipd_config *c = ld->c;

	free(c->trusted_nets);
	c->trusted_nets = xcalloc((size_t)c->ntrusted + 1, sizeof(*c->trusted_nets));
	c->ntrusted_nets = 0;
	for (int i = 0; i < c->ntrusted; i++) {
		if (config_parse_cidr(c->trusted[i], &c->trusted_nets[c->ntrusted_nets]) == 0) {
			c->ntrusted_nets++;
			continue;
		}
		at = list != NULL && config_setting_is_aggregate(list) ?
		    config_setting_get_elem(list, (unsigned)i) : list;
		cf_err(ld, at != NULL ? at : list,
		    "key 'auth.trusted': '%s' is not an address or CIDR", c->trusted[i]);
	}
}

/* The console: its address, and plain HTTP only on loopback unless allowed. */
static void
console_check(struct cfload *ld, const config_t *lc)
{
	const struct sipd_config *c = ld->c;
	char host[64];
	unsigned char a[16];
	int port;

	if (metrics_parse_listen(c->console_listen, host, sizeof(host), &port) == -1) {
		cf_err(ld, setting_of(lc, "console.listen"), "key 'console.listen': '%s' is not"
		    " address:port, e.g. \"127.0.0.1:8060\" or \"[::1]:8060\"", c->console_listen);
		return;
	}
	int v4 = inet_pton(AF_INET, host, a) == 1, v6 = !v4 && inet_pton(AF_INET6, host, a) == 1;
	if (!v4 && !v6) {
		cf_err(ld, setting_of(lc, "console.listen"), "key 'console.listen': '%s' is not an"
		    " IP address", host);
		return;
	}
	int loopback = v4 ? a[0] == 127 : memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	if (c->console_enable && !loopback && !c->console_tls && !c->console_insecure)
		cf_err(ld, setting_of(lc, "console.listen"), "key 'console.listen': %s is not a"
		    " loopback address: set console.tls = 1 (with tls.certificate), or"
		    " console.allow_insecure = 1 to send passwords in clear", c->console_listen);
	if (c->console_enable && c->console_tls && (c->tls_cert[0] == '\0' || c->tls_key[0] == '\0'))
		cf_err(ld, setting_of(lc, "console.tls"), "key 'console.tls': needs tls.certificate"
		    " and tls.private_key");
	/* the console's writes and reads (store_exec, store_query) exist on SQLite only so far */
	if (c->console_enable && c->db_url[0] != '\0')
		cf_err(ld, setting_of(lc, "console.enable"), "key 'console.enable': the web console"
		    " needs the SQLite database; it does not work with database.url yet");
}

/* Checks that involve more than one key. */
static void
config_check(struct cfload *ld, const config_t *lc)
{
	const config_setting_t	*s;
	char			 host[64];
	int			 port;

	if (ld->c->t2_ms < ld->c->t1_ms) {
		if ((s = setting_of(lc, "timers.t2")) == NULL)
			s = setting_of(lc, "timers.t1");
		cf_err(ld, s, "key 'timers.t2' (%d) must be >= timers.t1 (%d)",
		    ld->c->t2_ms, ld->c->t1_ms);
	}
	if (strcmp(ld->c->relay_mode, "always") != 0 && strcmp(ld->c->relay_mode, "nat") != 0 &&
	    strcmp(ld->c->relay_mode, "never") != 0)
		cf_err(ld, setting_of(lc, "relay.mode"), "key 'relay.mode' must be one of always, nat,"
		    " never (got '%s')", ld->c->relay_mode);
	if (ld->c->relay_port_max - ld->c->relay_port_min < 3)
		cf_err(ld, setting_of(lc, "relay.port_max"), "key 'relay.port_max' (%d) must leave"
		    " room for a port pair above relay.port_min (%d)", ld->c->relay_port_max,
		    ld->c->relay_port_min);
	if (ld->c->relay_address[0] != '\0') {
		unsigned char a[16];
		if (inet_pton(AF_INET, ld->c->relay_address, a) != 1 &&
		    inet_pton(AF_INET6, ld->c->relay_address, a) != 1)
			cf_err(ld, setting_of(lc, "relay.address"), "key 'relay.address' must be"
			    " an IPv4 or IPv6 address (got '%s')", ld->c->relay_address);
	}
	if (metrics_parse_listen(ld->c->metrics_listen, host, sizeof(host), &port) == -1)
		cf_err(ld, setting_of(lc, "metrics.listen"), "key 'metrics.listen': '%s' is not"
		    " address:port, e.g. \"127.0.0.1:9060\" or \"[::1]:9060\"", ld->c->metrics_listen);
	console_check(ld, lc);
	trusted_parse(ld, lc);
}

int
config_parse_cidr(const char *spec, struct cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(spec, '/');
	size_t n = slash ? (size_t)(slash - spec) : strlen(spec);
	int max;

	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, spec, n);
	addr[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else
		return -1;
	out->bits = max;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || b < 0 || b > max)
			return -1;
		out->bits = (int)b;
	}
	return 0;
}

int
config_cidr_match(const struct cidr *c, const struct sockaddr_storage *ss)
{
	const unsigned char *a;
	int bits = c->bits;

	if (ss->ss_family != c->family)
		return 0;
	a = c->family == AF_INET ? (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const unsigned char *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((a[i] & mask) != (c->addr[i] & mask))
			return 0;
	}
	return 1;
}

int
config_trusted(const struct sipd_config *c, const struct sockaddr_storage *ss)
{
	for (int i = 0; c != NULL && i < c->ntrusted_nets; i++)
		if (config_cidr_match(&c->trusted_nets[i], ss))
			return 1;
	return 0;
}

struct sipd_config *
config_defaults(void)
{
	struct cfload	 ld = { .path = "(built-in defaults)" };
	struct value	 v;

	ld.c = xcalloc(1, sizeof(*ld.c));
	for (size_t i = 0; i < NKEYS; i++) {
		value_from_default(&config_keys[i], &v);
		key_apply(&ld, &config_keys[i], NULL, &v);
		value_clear(&v);
	}
	config_check(&ld, NULL);
	if (ld.nerr > 0)
		fatalx("the built-in configuration defaults are invalid");
	return ld.c;
}

/* Report why libconfig could not read path. */
static void
report_read_error(const config_t *lc, const char *path)
{
	const char	*file = config_error_file(lc);

	if (config_error_type(lc) == CONFIG_ERR_FILE_IO || file == NULL)
		log_warnx("%s: %s", file ? file : path, config_error_text(lc));
	else
		log_warnx("%s:%d: %s", file, config_error_line(lc), config_error_text(lc));
}

struct sipd_config *
config_load(const char *path)
{
	struct cfload	 ld = { .path = path };
	config_t	 lc;
	FILE		*fp;
	char		 dir[PATH_MAX];

	/* Open it ourselves first: libconfig only says "file I/O error". */
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	fclose(fp);

	ld.c = config_defaults();
	config_init(&lc);
	snprintf(dir, sizeof(dir), "%s", path);
	ld.incdir = dirname(dir);
	config_set_include_dir(&lc, ld.incdir);	/* @include is relative to the file */
	if (!config_read_file(&lc, path)) {
		report_read_error(&lc, path);
		goto fail;
	}
	walk_group(&ld, config_root_setting(&lc), NULL);
	config_check(&ld, &lc);
	if (ld.nerr > 0)
		goto fail;
	config_destroy(&lc);
	ld.c->path = xstrdup(path);
	return ld.c;

fail:
	config_destroy(&lc);
	config_free(ld.c);
	return NULL;
}

void
config_free(struct sipd_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		key_free(&config_keys[i], c);
	free(c->trusted_nets);
	free(c->path);
	free(c);
}

static int
listen_proto(const char *s, enum sip_proto *proto)
{
	if (strcasecmp(s, "udp") == 0)
		*proto = PROTO_UDP;
	else if (strcasecmp(s, "tcp") == 0)
		*proto = PROTO_TCP;
	else if (strcasecmp(s, "tls") == 0)
		*proto = PROTO_TLS;
	else
		return -1;
	return 0;
}

/* Split "address:port" or "[v6address]:port" in place. */
static int
listen_split(char *s, char **host, char **port, int *v6, char *err, size_t errlen)
{
	char	*p;

	if (*s == '[') {
		if ((p = strchr(s, ']')) == NULL) {
			snprintf(err, errlen, "missing ']' after the IPv6 address");
			return -1;
		}
		*p++ = '\0';
		if (*p != ':') {
			snprintf(err, errlen, "missing ':port' after ']'");
			return -1;
		}
		*host = s + 1;
		*port = p + 1;
		*v6 = 1;
		return 0;
	}
	if ((p = strrchr(s, ':')) == NULL) {
		snprintf(err, errlen, "missing ':port'");
		return -1;
	}
	if (strchr(s, ':') != p) {
		snprintf(err, errlen, "IPv6 addresses go in brackets, e.g. udp:[::1]:5060");
		return -1;
	}
	*p = '\0';
	*host = s;
	*port = p + 1;
	*v6 = 0;
	return 0;
}

/* Port 1..65535, decimal digits only. */
static int
listen_port(const char *s, int *port)
{
	long	 n = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n < 1 || n > 65535)
		return -1;
	*port = (int)n;
	return 0;
}

/* Fill la's sockaddr from an address literal (no name lookups). */
static int
listen_sockaddr(const char *host, int v6, int port, struct listen_addr *la)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&la->ss;

	memset(&la->ss, 0, sizeof(la->ss));
	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		la->sslen = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		la->sslen = sizeof(*sin);
	}
	return 0;
}

int
config_parse_listen(const char *spec, struct listen_addr *out, char *err, size_t errlen)
{
	struct listen_addr	 la;
	char			 buf[256], *rest, *host, *port;
	int			 v6, portnum;

	memset(&la, 0, sizeof(la));
	if (err == NULL)
		errlen = 0;	/* snprintf(NULL, 0, ...) just drops the message */
	if ((size_t)snprintf(buf, sizeof(buf), "%s", spec) >= sizeof(buf)) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	if ((rest = strchr(buf, ':')) == NULL) {
		snprintf(err, errlen, "expected proto:address:port, e.g. udp:0.0.0.0:5060");
		return -1;
	}
	*rest++ = '\0';
	if (listen_proto(buf, &la.proto) == -1) {
		snprintf(err, errlen, "unknown protocol '%s' (want udp, tcp or tls)", buf);
		return -1;
	}
	if (listen_split(rest, &host, &port, &v6, err, errlen) == -1)
		return -1;
	if (*host == '\0') {
		snprintf(err, errlen, "missing address (use 0.0.0.0 or [::] for all)");
		return -1;
	}
	if (listen_port(port, &portnum) == -1) {
		snprintf(err, errlen, "bad port '%s' (want 1..65535)", port);
		return -1;
	}
	if (listen_sockaddr(host, v6, portnum, &la) == -1) {
		snprintf(err, errlen, "bad %s address '%s' (want a numeric literal)",
		    v6 ? "IPv6" : "IPv4", host);
		return -1;
	}
	la.spec = xstrdup(spec);
	*out = la;
	return 0;
}

/* The default of k as it would be written in sipd.conf. */
static void
key_print_default(FILE *fp, const struct config_key *k)
{
	struct value	 v;

	value_from_default(k, &v);
	if (k->type == T_INT)
		fprintf(fp, "%lld", v.i);
	else if (k->type == T_STRLIST || k->type == T_LISTEN) {
		fputc('[', fp);
		for (int i = 0; i < v.n; i++)
			fprintf(fp, "%s\"%s\"", i ? ", " : "", v.s[i]);
		fputc(']', fp);
	} else
		fprintf(fp, "\"%s\"", v.s[0]);
	value_clear(&v);
}

/* The bounds of k in words. */
static void
key_print_bounds(FILE *fp, const struct config_key *k)
{
	switch (k->type) {
	case T_INT:
		fprintf(fp, "%lld..%lld", k->min, k->max);
		break;
	case T_STRING:
		fprintf(fp, "%s", k->min > 0 ? "non-empty" : "any");
		break;
	case T_LOGLEVEL:
		fprintf(fp, "error|warning|notice|info|debug");
		break;
	case T_STRLIST:
	case T_LISTEN:
		if (k->max > 0)
			fprintf(fp, "%lld..%lld entries", k->min, k->max);
		else
			fprintf(fp, "%lld or more entries", k->min);
		break;
	}
}

void
config_print_keys(FILE *fp)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		fprintf(fp, "%s (%s) default ", k->name, key_type_names[k->type]);
		key_print_default(fp, k);
		fprintf(fp, ", ");
		key_print_bounds(fp, k);
		fprintf(fp, "\n\t%s\n", k->help);
	}
}
