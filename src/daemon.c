/* daemon.c - one libevent base; signals are libevent events, so work happens in the loop. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <osipparser2/osip_parser.h>

#include "config.h"
#include "daemon.h"
#include "dns.h"
#include "domain.h"
#include "auth.h"
#include "keepalive.h"
#include "log.h"
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

/* SIGHUP: parse into a fresh config and swap it in only if it is wholly valid. */
static void
reload(void)
{
	struct sipd_config *n = config_load(cfg->path);

	if (n == NULL) {
		log_warnx("reload: %s has errors; keeping the running configuration", cfg->path);
		return;
	}
	if (n->nlisten != cfg->nlisten)
		log_warnx("reload: listener changes take effect at the next restart");
	else
		for (int i = 0; i < n->nlisten; i++)
			if (strcmp(n->listen[i].spec, cfg->listen[i].spec) != 0) {
				log_warnx("reload: listener changes take effect at the next restart");
				break;
			}
	config_free(cfg);
	cfg = n;
	log_setlevel(cfg->log_level);
	domain_init(cfg);
	auth_set_sha256_first(cfg->sha256_first);
	store_set_commit_interval(cfg->commit_interval_ms);
	log_notice("reloaded %s", cfg->path);
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

/* Started as root with server.user set: become that user once the sockets are bound. */
static int
drop_privileges(void)
{
	struct passwd *pw;

	if (geteuid() != 0 || cfg->user == NULL || cfg->user[0] == '\0')
		return 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_warnx("server.user: no user '%s'", cfg->user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_warn("dropping privileges to %s", cfg->user);
		return -1;
	}
	log_notice("running as user %s", cfg->user);
	return 0;
}

int
daemon_run(int foreground)
{
	struct event *sigs[3];
	int signos[3] = { SIGTERM, SIGINT, SIGHUP }, rc = 0;

	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	parser_init();
	txn_init(base);
	domain_init(cfg);
	auth_init(NULL, 0, cfg->nonce_lifetime);
	auth_set_sha256_first(cfg->sha256_first);
	if (store_open(cfg->db_path, base) == -1) {
		log_warnx("cannot open the database %s: create its directory, or set database.path",
		    cfg->db_path);
		rc = 1;
		goto out;
	}
	store_set_commit_interval(cfg->commit_interval_ms);
	log_notice("database %s (schema version %d)", cfg->db_path, store_version());
	if (dns_init(base, cfg->dns_servers, cfg->ndns_servers) == -1)
		log_warnx("dns: resolver unavailable; requests to other domains will fail");
	proxy_init(base);
	relay_init(base);
	keepalive_init(base);
	if (registrar_init(base) == -1 || transport_start(base, cfg) == -1 ||
	    drop_privileges() == -1) {
		rc = 1;
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signos[i], on_signal, NULL);
		event_add(sigs[i], NULL);
	}
	log_notice("sipd %s started (config %s)", PACKAGE_VERSION, cfg->path ? cfg->path : "-");
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
	store_close();		/* commits what is queued; answers the REGISTERs waiting on it */
	dns_shutdown();		/* pending lookups end without calling back */
	proxy_shutdown();
	relay_shutdown();
	keepalive_shutdown();
	registrar_shutdown();
	auth_shutdown();
	txn_shutdown();
	transport_stop();
	domain_free();
	event_base_free(base);
	return rc;
}
