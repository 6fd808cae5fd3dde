/* config.h - sipd.conf: every key lives once in config.c's table (name, type, default, bounds, help). */
#ifndef SIPD_CONFIG_H
#define SIPD_CONFIG_H

#include <stdio.h>
#include <sys/socket.h>

#define SIPD_DEFAULT_CONFIG "/etc/sipd/sipd.conf"

enum sip_proto { PROTO_UDP = 0, PROTO_TCP = 1, PROTO_TLS = 2 };

/* One listener, parsed from "udp:0.0.0.0:5060", "tcp:[::]:5060", "tls:127.0.0.1:5061". */
struct listen_addr {
	enum sip_proto		 proto;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			*spec;		/* the string as written */
};

/* An address range from auth.trusted. */
struct cidr {
	int		 family;
	unsigned char	 addr[16];
	int		 bits;
};

struct sipd_config {
	char			*path;		/* file it was read from */

	/* server.* */
	char			*server_name;	/* server.name: Server / User-Agent header */
	char			*user;		/* server.user: drop privileges to this user ("" = don't) */
	int			 allow_root;	/* server.allow_root: 0 = refuse to keep running as root */

	/* sip.* */
	struct listen_addr	*listen;	/* sip.listen (list of strings) */
	int			 nlisten;
	char			**domains;	/* sip.domains (list of strings); the server's own addresses are always local */
	int			 ndomains;

	/* log.* */
	int			 log_level;	/* log.level: "error".."debug" -> LOG_* */

	/* database.* */
	char			*db_path;	/* database.path */
	char			*db_url;	/* database.url: PostgreSQL conninfo; "": SQLite */
	int			 commit_interval_ms;	/* database.commit_interval: group commit window */

	/* registrar.* */
	int			 reg_default_expires;	/* registrar.default_expires, s */
	int			 reg_min_expires;	/* registrar.min_expires, s (423 below it) */
	int			 reg_max_expires;	/* registrar.max_expires, s (capped to it) */
	int			 reg_max_bindings;	/* registrar.max_bindings per AOR */
	int			 reg_replace_oldest;	/* registrar.replace_oldest: 1 replace, 0 refuse */

	/* auth.* */
	char			*realm;			/* auth.realm ("" = the primary domain) */
	int			 nonce_lifetime;	/* auth.nonce_lifetime, s */
	char			*nonce_secret;	/* auth.nonce_secret: "" random per start */
	int			 auth_register;		/* auth.register: REGISTER needs credentials */
	int			 sha256_first;		/* auth.sha256_first: challenge order */
	int			 auth_calls;		/* auth.calls: requests from local users need credentials */
	char			**trusted;		/* auth.trusted: CIDRs that skip authentication */
	int			 ntrusted;
	struct cidr		*trusted_nets;		/* auth.trusted parsed once, at load (config_trusted) */
	int			 ntrusted_nets;
	char			**md5_only_agents;	/* auth.md5_only_agents: User-Agent prefixes */
	int			 nmd5_only_agents;

	/* dns.* */
	char			**dns_servers;		/* dns.servers: "ip:port" ([] = resolv.conf) */
	int			 ndns_servers;

	/* proxy.* */
	int			 record_route;		/* proxy.record_route: 1 always, 0 never */
	int			 serial_forking;	/* proxy.serial_forking: by q when q-values differ */
	int			 timer_c;		/* proxy.timer_c, s (RFC 3261 16.6 step 11) */
	int			 cdr_max_call;		/* cdr.max_call, s: an answered call with no BYE seen */

	/* relay.* (the RTP relay, relay.c) */
	char			*relay_mode;		/* relay.mode: "always", "nat", "never" */
	char			*relay_address;		/* relay.address: advertised in SDP ("" = the SIP address) */
	int			 relay_port_min;	/* relay.port_min: first RTP port */
	int			 relay_port_max;	/* relay.port_max: last port (RTCP included) */
	int			 relay_timeout;		/* relay.timeout, s without media before a call's relay ends */
	int			 relay_max_calls;	/* relay.max_calls: relayed calls at once (503 beyond) */
	int			 relay_thread;		/* relay.thread: forward on a thread of its own (1) or the loop */
	int			 relay_priority;	/* relay.priority: SCHED_FIFO priority of that thread, 0 = none */

	/* timers.* (milliseconds; RFC 3261 17.1.1.1 / table 4) */
	int			 t1_ms;		/* timers.t1, default 500 */
	int			 t2_ms;		/* timers.t2, default 4000 */
	int			 t4_ms;		/* timers.t4, default 5000 */

	/* metrics.* */
	int			 metrics_enable;	/* metrics.enable: serve /metrics over HTTP */
	char			*metrics_listen;	/* metrics.listen: "127.0.0.1:9060" */

	/* console.* (the web console, console.c) */
	int			 console_enable;	/* console.enable */
	char			*console_listen;	/* console.listen: "127.0.0.1:8060" */
	int			 console_tls;		/* console.tls: HTTPS with tls.certificate */
	int			 console_insecure;	/* console.allow_insecure: plain HTTP off loopback */
	int			 console_session_timeout;	/* console.session_timeout, s idle */
	int			 console_provision_lifetime;	/* console.provision_lifetime, s */
	int			 console_rate;		/* console.rate: requests/s per address */

	/* limits.* */
	int			 max_message_size;	/* limits.max_message_size, bytes, default 65535 */
	int			 max_headers;		/* limits.max_headers, default 128 */
	int			 max_line_length;	/* limits.max_line_length, bytes, default 8192 */
	int			 max_transactions;	/* limits.max_transactions, default 100000 */
	int			 tcp_max_connections;	/* limits.tcp_max_connections, default 4096 */
	int			 tcp_idle_timeout;	/* limits.tcp_idle_timeout, seconds, default 300 */
	int			 stream_read_timeout;	/* limits.stream_read_timeout: a started message must complete */

	/* tls.* */
	char			*tls_cert;		/* tls.certificate: PEM chain ("" = no TLS) */
	char			*tls_key;		/* tls.private_key: PEM key */
	char			*tls_ca;		/* tls.ca_file: CAs to verify peers ("" = system store) */
	char			*tls_ciphers;		/* tls.ciphers: TLS 1.2 cipher list */
	int			 tls_verify_client;	/* tls.verify_client: 0 no, 1 if sent, 2 required */
	int			 tls_verify_server;	/* tls.verify_server: outbound certificate checks */
	int			 tls_handshake_timeout;	/* tls.handshake_timeout, s */

	/* nat.* */
	int			 keepalive_interval;	/* nat.keepalive_interval, s (0 = none) */
	int			 keepalive_failures;	/* nat.keepalive_failures: binding removed after */
	int			 flow_timer;		/* nat.flow_timer: Flow-Timer for outbound clients, s */
	int			 tcp_max_per_ip;	/* limits.tcp_max_per_address, default 64 */

	/* flood.* (ratelimit.c) */
	int			 flood_rate;		/* flood.rate: messages/s per source address (0 = off) */
	int			 flood_burst;		/* flood.burst: messages above the rate tolerated at once */
	int			 flood_ban_time;	/* flood.ban_time, s */
	int			 flood_max_sources;	/* flood.max_sources: addresses tracked at once */

	/* auth.* brute-force bans (authban.c) */
	int			 auth_max_failures;	/* auth.max_failures in auth.failure_window (0 = off) */
	int			 auth_failure_window;	/* auth.failure_window, s */
	int			 auth_ban_time;		/* auth.ban_time, s */
	int			 hide_users;		/* auth.hide_users: offline users answer as unknown ones */

	/* messages.* (msgstore.c) */
	int			 msg_store;		/* messages.store: keep MESSAGEs for offline users */
	int			 msg_max_count;		/* messages.max_per_user */
	int			 msg_max_bytes;		/* messages.max_bytes_per_user */
	int			 msg_max_body;		/* messages.max_body: larger ones get 513 */
	int			 msg_lifetime;		/* messages.lifetime, s */

	/* subs.* (subs.c) and presence.* (presence.c) */
	int			 subs_min_expires;	/* subs.min_expires, s: 423 below it */
	int			 subs_max_expires;	/* subs.max_expires, s */
	int			 subs_max_total;	/* subs.max_total */
	int			 subs_max_per_watcher;	/* subs.max_per_watcher */
	int			 presence_enable;	/* presence.enable */
	int			 presence_max_pidf;	/* presence.max_pidf, bytes: 413 beyond */
	int			 presence_max_publications;	/* presence.max_publications per user */
	char			*vm_number;		/* voicemail.number: dialled to listen */
	int			 vm_max_messages;	/* voicemail.max_messages per box */
	int			 vm_max_seconds;	/* voicemail.max_seconds per message */
	int			 vm_min_seconds;	/* voicemail.min_seconds: shorter is discarded */
	int			 vm_silence_seconds;	/* voicemail.silence_seconds: stop (0 never) */
};

/* The configuration in force; swapped whole on SIGHUP. */
extern struct sipd_config *cfg;

/* Parse path into a fresh config. Problems are logged with file:line; returns NULL if any. */
struct sipd_config *config_load(const char *path);
/* A config holding only defaults (no file). */
struct sipd_config *config_defaults(void);
void config_free(struct sipd_config *);
/* Parse one listener spec; 0 on success, -1 (with a message in err) otherwise. */
int config_parse_listen(const char *spec, struct listen_addr *out, char *err, size_t errlen);
int config_parse_cidr(const char *spec, struct cidr *out);
/* 1 when the address in ss lies in c. */
int config_cidr_match(const struct cidr *c, const struct sockaddr_storage *ss);
/* 1 when ss lies in one of c's auth.trusted ranges (parsed when c was loaded: a reload swaps
 * them with the rest of the config, so no list outlives its config). */
int config_trusted(const struct sipd_config *c, const struct sockaddr_storage *ss);
/* Print every key with type, default, bounds and help (sipd -H). */
void config_print_keys(FILE *);

#endif
