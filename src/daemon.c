/* daemon.c - one libevent base; signals are libevent events, so work happens in the loop. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <osipparser2/osip_parser.h>

#include "config.h"
#include "callrec.h"
#include "console.h"
#include "daemon.h"
#include "dispatch.h"
#include "dns.h"
#include "heap.h"
#include "domain.h"
#include "auth.h"
#include "keepalive.h"
#include "location.h"
#include "log.h"
#include "msgstore.h"
#include "presence.h"
#include "dialoginfo.h"
#include "subs.h"
#include "metrics.h"
#include "notify.h"
#include "privdrop.h"
#include "authban.h"
#include "ratelimit.h"
#include "proxy.h"
#include "relay.h"
#include "registrar.h"
#include "store.h"
#include "transport.h"
#include "txn.h"

#define SHUTDOWN_GRACE_MS	2000

#define STALL_PROBE_MS		50

static struct event_base	*base;
static struct event		*ev_stall;
static struct timeval		 stall_due;
static long			 stall_max_us;	/* worst lateness of the probe timer */
static struct event		*ev_shutdown_poll;
static int			 shutdown_ticks;

static void log_config(void);

/* What a reload cannot change: said once, so the administrator knows to restart. */
static void
reload_restart_only(const struct sipd_config *n)
{
	if (strcmp(n->db_path, cfg->db_path) != 0 || strcmp(n->db_url, cfg->db_url) != 0)
		log_warnx("reload: database.path changes take effect at the next restart");
	if (strcmp(n->user, cfg->user) != 0)
		log_warnx("reload: server.user changes take effect at the next restart");
	if (n->relay_port_min != cfg->relay_port_min || n->relay_port_max != cfg->relay_port_max)
		log_warnx("reload: relay.port_min/port_max changes take effect at the next restart"
		    " (relay.mode, address and timeout apply now)");
	if (n->keepalive_interval != cfg->keepalive_interval)
		log_warnx("reload: nat.keepalive_interval changes take effect at the next restart");
}

/* SIGHUP: parse into a fresh config and swap it in only if it is wholly valid (listeners
 * included: one that cannot be bound refuses the whole reload). */
static void
reload(void)
{
	struct sipd_config *n;

	notify_reloading();
	if ((n = config_load(cfg->path)) == NULL) {
		log_warnx("reload: %s has errors (above); keeping the running configuration", cfg->path);
		goto refused;
	}
	if (transport_reconfigure(base, cfg, n) == -1) {
		log_warnx("reload: a listener of %s cannot be opened; keeping the running"
		    " configuration", cfg->path);
		config_free(n);
		goto refused;
	}
	reload_restart_only(n);
	config_free(cfg);
	cfg = n;
	log_setlevel(cfg->log_level);
	domain_init(cfg);
	auth_set_sha256_first(cfg->sha256_first);
	store_set_commit_interval(cfg->commit_interval_ms);
	metrics_apply(base, cfg->metrics_enable ? cfg->metrics_listen : NULL);
	console_apply(base, cfg);
	metrics_inc(M_RELOADS);
	log_notice("reloaded %s", cfg->path);
	log_config();
	notify_ready("reloaded");
	return;
refused:
	metrics_inc(M_RELOAD_FAILURES);
	notify_ready("reload refused: configuration has errors, see the log");
}

/* During shutdown: leave once queued output is written, or the grace time is over. */
static void
shutdown_poll(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, 50000 };

	if (transport_pending() == 0 || ++shutdown_ticks * 50 >= SHUTDOWN_GRACE_MS) {
		event_base_loopexit(base, NULL);
		return;
	}
	event_add(ev_shutdown_poll, &tv);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct timeval tv = { 0, 0 };

	switch (sig) {
	case SIGHUP:
		reload();
		break;
	case SIGTERM:
	case SIGINT:
		if (ev_shutdown_poll != NULL)
			return;
		notify_stopping();
		log_notice("signal %d: stopping", (int)sig);
		transport_quiesce();	/* no new requests; answers in flight still go out */
		ev_shutdown_poll = evtimer_new(base, shutdown_poll, NULL);
		event_add(ev_shutdown_poll, &tv);
		break;
	}
}

/* A timer every STALL_PROBE_MS: how late it fires is how long the loop was busy. */
static void
stall_probe(evutil_socket_t fd, short what, void *arg)
{
	struct timeval now, tv = { 0, STALL_PROBE_MS * 1000 };

	event_base_gettimeofday_cached(base, &now);
	if (stall_due.tv_sec != 0) {
		long late = (now.tv_sec - stall_due.tv_sec) * 1000000L + (now.tv_usec - stall_due.tv_usec);
		if (late > stall_max_us)
			stall_max_us = late;
	}
	evutil_timeradd(&now, &tv, &stall_due);
	event_add(ev_stall, &tv);
}

/* What is served: one line each for the domains and the listeners (start-up, reload). */
static void
log_config(void)
{
	char line[1024];
	size_t off = 0;

	line[0] = '\0';
	for (int i = 0; i < cfg->ndomains && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "",
		    cfg->domains[i]);
	log_notice("domains: %s%sthis host's own addresses; realm %s", line,
	    cfg->ndomains ? " and " : "", domain_realm());
	off = 0;
	line[0] = '\0';
	for (int i = 0; i < cfg->nlisten && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "",
		    cfg->listen[i].spec);
	log_notice("listeners: %s", line);
}

static size_t
registrations(void)
{
	return location_count();
}

static void
db_numbers(struct metrics_db *d)
{
	uint64_t hist[STORE_HIST_N], commits;

	store_commit_histogram(hist, &d->sum_us, &d->count);
	store_stats(&d->max_us, &commits, &d->rows);
	d->nhist = STORE_HIST_N;
	for (int i = 0; i < STORE_HIST_N; i++) {
		d->hist[i] = hist[i];
		d->le_us[i] = store_hist_le_us[i];
	}
}

/* Metrics read from the modules that own them. */
static void
metrics_sources(void)
{
	metrics_gauge_source(G_TRANSACTIONS, txn_count);
	metrics_gauge_source(G_REGISTRATIONS, registrations);
	metrics_gauge_source(G_TCP_CONNECTIONS, transport_conn_count);
	metrics_gauge_source(G_HEAP_IN_USE, heap_in_use);
	metrics_gauge_source(G_HEAP_HELD, heap_held);
	metrics_gauge_source(G_MEM_TXN, txn_memory);
	metrics_gauge_source(G_MEM_CALLS, proxy_memory);
	metrics_gauge_source(G_MEM_CALLREC, callrec_memory);
	metrics_gauge_source(G_MEM_RELAY, relay_memory);
	metrics_db_source(db_numbers);
}

/* Started as root with server.user set: the user, and the database directory made for it. */
static int
privileges_prepare(struct privdrop *pd, int *dropping)
{
	*dropping = geteuid() == 0 && cfg->user != NULL && cfg->user[0] != '\0';
	if (!*dropping) {
		if (geteuid() == 0 && !cfg->allow_root) {
			log_warnx("server.allow_root = 0 and started as root: set server.user to the"
			    " user sipd should run as, or start it as that user");
			return -1;
		}
		if (geteuid() == 0)
			log_notice("running as root: set server.user to give up root after start");
		return 0;
	}
	return privdrop_prepare(cfg->user, cfg->db_path, pd);
}

/* Sockets bound, database open: hand the database over and become the user. */
static int
privileges_drop(const struct privdrop *pd, int dropping)
{
	if (!dropping)
		return 0;
	privdrop_give(pd, cfg->db_path);
	return privdrop_become(pd);
}

/* Up: say what is served, tell the service manager, start the watchdog. */
static void
announce(void)
{
	char status[256];

	log_config();
	log_notice("sipd %s started (config %s)", PACKAGE_VERSION, cfg->path ? cfg->path : "-");
	snprintf(status, sizeof(status), "serving %d listener(s), %zu registration(s)",
	    cfg->nlisten, location_count());
	notify_ready(status);
	notify_watchdog_start(base);
}

int
daemon_run(int foreground)
{
	struct event *sigs[3];
	int signos[3] = { SIGTERM, SIGINT, SIGHUP }, rc = 0, dropping;
	struct privdrop pd;

	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	parser_init();
	txn_init(base);
	heap_init(base);
	domain_init(cfg);
	/* a shared secret: a nonce from any node of a cluster is accepted by every node */
	if (cfg->nonce_secret[0] != '\0')
		auth_init((const unsigned char *)cfg->nonce_secret, strlen(cfg->nonce_secret),
		    cfg->nonce_lifetime);
	else
		auth_init(NULL, 0, cfg->nonce_lifetime);
	auth_set_sha256_first(cfg->sha256_first);
	metrics_sources();
	if (privileges_prepare(&pd, &dropping) == -1) {
		rc = 1;
		goto out;
	}
	if (cfg->db_url[0] != '\0' ? store_open(cfg->db_url, base) == -1 :
	    store_open(cfg->db_path, base) == -1) {
		log_warnx("cannot open the database %s: create its directory (writable by the user"
		    " sipd runs as), or set database.path (or database.url)",
		    cfg->db_url[0] ? "database.url" : cfg->db_path);
		rc = 1;
		goto out;
	}
	store_set_commit_interval(cfg->commit_interval_ms);
	/* the URL may hold a password: not logged */
	log_notice("database %s (schema version %d)", cfg->db_url[0] ? "PostgreSQL (database.url)" :
	    cfg->db_path, store_version());
	if (dns_init(base, cfg->dns_servers, cfg->ndns_servers) == -1)
		log_warnx("dns: resolver unavailable; requests to other domains will fail");
	callrec_init(base);
	proxy_init(base);
	relay_init(base);
	keepalive_init(base);
	msgstore_init(base);
	subs_init(base);
	presence_init(base);
	dialoginfo_init(base);
	transport_set_receive_hook(dispatch_message);
	transport_set_failure_hook(txn_transport_failed);
	if (registrar_init(base) == -1 || transport_start(base, cfg) == -1 ||
	    privileges_drop(&pd, dropping) == -1) {
		rc = 1;
		goto out;
	}
	if (cfg->metrics_enable && metrics_apply(base, cfg->metrics_listen) == -1) {
		rc = 1;
		goto out;
	}
	if (console_apply(base, cfg) == -1) {
		rc = 1;
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signos[i], on_signal, NULL);
		event_add(sigs[i], NULL);
	}
	announce();
	ev_stall = evtimer_new(base, stall_probe, NULL);
	stall_probe(-1, 0, NULL);
	event_base_dispatch(base);
	log_notice("event loop: longest delay of a %d ms timer %ld us", STALL_PROBE_MS, stall_max_us);
	event_free(ev_stall);
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	log_notice("sipd stopped");
out:
	if (ev_shutdown_poll)
		event_free(ev_shutdown_poll);
	subs_shutdown();	/* terminated NOTIFYs, while the transports still run */
	presence_shutdown();
	dialoginfo_shutdown();
	callrec_shutdown();	/* records of calls still open, queued before the store closes */
	notify_shutdown();
	metrics_apply(base, NULL);
	console_stop();		/* before the store: no write of it is left waiting */
	store_close();		/* commits what is queued; answers the REGISTERs waiting on it */
	dns_shutdown();		/* pending lookups end without calling back */
	proxy_shutdown();
	relay_shutdown();
	keepalive_shutdown();
	msgstore_shutdown();
	heap_shutdown();
	registrar_shutdown();
	auth_shutdown();
	authban_shutdown();
	txn_shutdown();
	transport_stop();
	ratelimit_shutdown();
	domain_free();
	event_base_free(base);
	return rc;
}
