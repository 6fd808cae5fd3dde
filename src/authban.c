/* authban.c - failed-authentication counting and bans (see authban.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "authban.h"
#include "config.h"
#include "htab.h"
#include "log.h"
#include "ratelimit.h"
#include "sipd.h"
#include "xmalloc.h"

#define AB_MAX_ENTRIES	65536	/* per table: a spray of made-up user names stays bounded */

struct ab_count {
	time_t		 window_start;
	int		 failures;
	time_t		 ban_until;
};

static struct htab	*by_user, *by_addr;
static time_t		 last_sweep;

struct sweep_arg {
	time_t		  now;
	char		**keys;
	size_t		 *klens;
	size_t		  n;
};

static void
collect_stale(const void *k, size_t kl, void *v, void *arg)
{
	struct sweep_arg *a = arg;
	struct ab_count *c = v;

	if (c->ban_until <= a->now && a->now - c->window_start >= cfg->auth_failure_window) {
		a->keys[a->n] = xmalloc(kl);
		memcpy(a->keys[a->n], k, kl);
		a->klens[a->n++] = kl;
	}
}

/* Forget counts whose window and ban are over (at most once a second). */
static void
sweep(struct htab *h, time_t now)
{
	struct sweep_arg a = { now, NULL, NULL, 0 };
	size_t n = htab_count(h);

	if (n == 0)
		return;
	a.keys = xcalloc(n, sizeof(*a.keys));
	a.klens = xcalloc(n, sizeof(*a.klens));
	htab_foreach(h, collect_stale, &a);
	for (size_t i = 0; i < a.n; i++) {
		free(htab_del(h, a.keys[i], a.klens[i]));
		free(a.keys[i]);
	}
	free(a.keys);
	free(a.klens);
}

/* The count for key, made when absent and there is room; NULL when the table is full. */
static struct ab_count *
count_of(struct htab **h, const void *key, size_t klen, time_t now, int create)
{
	struct ab_count *c;

	if (*h == NULL)
		*h = htab_new();
	if ((c = htab_get(*h, key, klen)) != NULL || !create)
		return c;
	if (htab_count(*h) >= AB_MAX_ENTRIES && now != last_sweep) {
		last_sweep = now;
		sweep(by_user, now);
		sweep(by_addr, now);
	}
	if (htab_count(*h) >= AB_MAX_ENTRIES)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->window_start = now;
	htab_put(*h, key, klen, c);
	return c;
}

/* One more failure; 1 when it reaches the limit and starts a ban. */
static int
count_failure(struct ab_count *c, time_t now)
{
	if (c == NULL)
		return 0;
	if (now - c->window_start >= cfg->auth_failure_window) {
		c->window_start = now;
		c->failures = 0;
	}
	if (++c->failures < cfg->auth_max_failures || c->ban_until > now)
		return 0;
	c->ban_until = now + cfg->auth_ban_time;
	c->failures = 0;
	c->window_start = now;
	return 1;
}

/* The user name as it may appear in a log line: printable, no spaces (a fail2ban filter reads
 * these lines, so nothing a peer sends may look like another field). */
static const char *
log_safe(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		out[i] = isgraph((unsigned char)s[i]) && s[i] != '"' ? s[i] : '?';
	out[i] = '\0';
	return out;
}

void
authban_failure(const char *user, const char *method, const char *reason,
    const struct sip_peer *src, time_t now)
{
	char u[64], host[64];
	int trusted = ratelimit_trusted(&src->addr);

	sip_addr_host(&src->addr, host, sizeof(host), NULL);
	/* src comes first: the filter anchors on it, before anything the peer chose */
	log_notice("auth failed src=%s user=%s method=%s reason=%s", host,
	    log_safe(user, u, sizeof(u)), method, reason);
	if (cfg == NULL || cfg->auth_max_failures == 0 || trusted)
		return;
	if (count_failure(count_of(&by_addr, host, strlen(host), now, 1), now))
		log_notice("ban src=%s for %d s: %d failed authentications in %d s", host,
		    cfg->auth_ban_time, cfg->auth_max_failures, cfg->auth_failure_window);
	if (count_failure(count_of(&by_user, user, strlen(user), now, 1), now))
		log_notice("ban user=%s for %d s: %d failed authentications in %d s (last src=%s)",
		    u, cfg->auth_ban_time, cfg->auth_max_failures, cfg->auth_failure_window, host);
}

int
authban_banned(const char *user, const struct sip_peer *src, time_t now)
{
	struct ab_count *c;
	char host[64];

	if (cfg == NULL || cfg->auth_max_failures == 0 || ratelimit_trusted(&src->addr))
		return 0;
	c = count_of(&by_user, user, strlen(user), now, 0);
	if (c != NULL && c->ban_until > now)
		return 1;
	sip_addr_host(&src->addr, host, sizeof(host), NULL);
	c = count_of(&by_addr, host, strlen(host), now, 0);
	return c != NULL && c->ban_until > now;
}

size_t
authban_tracked(void)
{
	return (by_user ? htab_count(by_user) : 0) + (by_addr ? htab_count(by_addr) : 0);
}

static void
free_val(const void *k, size_t kl, void *v, void *arg)
{
	free(v);
}

void
authban_shutdown(void)
{
	if (by_user) {
		htab_foreach(by_user, free_val, NULL);
		htab_free(by_user);
	}
	if (by_addr) {
		htab_foreach(by_addr, free_val, NULL);
		htab_free(by_addr);
	}
	by_user = by_addr = NULL;
}
