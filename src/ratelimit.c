/* ratelimit.c - flood protection per source address (see ratelimit.h).
 *
 * The table is set-associative: an address hashes (SipHash with a per-process key, htab_hash,
 * so a peer cannot aim at one set) to a set of RL_WAYS slots; a new address takes an empty slot,
 * else the least recently seen unbanned one.  Lookups are O(1) and the memory is fixed, whatever
 * a flood with forged source addresses does.  IPv6 sources are keyed by their /64: one host
 * owns a whole /64 and could otherwise sidestep the limit address by address. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "htab.h"
#include "log.h"
#include "ratelimit.h"
#include "sipd.h"
#include "xmalloc.h"

#define RL_WAYS		8
#define RL_COST		1000	/* tokens are kept in thousandths of a message */

struct rl_entry {
	unsigned char	 key[9];	/* family (4/6) + 4 address bytes or a /64 prefix; [0] 0: empty */
	unsigned char	 logged;	/* the ban was logged */
	long long	 tokens;	/* thousandths of a message */
	long long	 last_ms;	/* last message seen */
	long long	 ban_until_ms;	/* 0: not banned */
	unsigned long long dropped;	/* messages dropped during the current ban */
};

static struct rl_entry	*table;
static size_t		 nsets, tracked;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
make_key(const struct sockaddr_storage *ss, unsigned char key[9])
{
	memset(key, 0, 9);
	if (ss->ss_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, 8);
	} else {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
	}
	return 9;
}

/* The table for the configured size; a size change (reload) starts it afresh. */
static int
table_ready(void)
{
	size_t want = (size_t)(cfg ? cfg->flood_max_sources : 16384) / RL_WAYS;

	if (want == 0)
		want = 1;
	if (table != NULL && nsets == want)
		return 0;
	free(table);
	nsets = want;
	table = xcalloc(nsets * RL_WAYS, sizeof(*table));
	tracked = 0;
	return 0;
}

static long long
burst_tokens(void)
{
	return (long long)(cfg ? cfg->flood_burst : 400) * RL_COST;
}

/* The entry of key, made (evicting the idlest unbanned one of its set) when absent. */
static struct rl_entry *
lookup(const unsigned char key[9], long long now)
{
	struct rl_entry *set, *victim = NULL;

	table_ready();
	set = &table[(htab_hash(key, 9) % nsets) * RL_WAYS];
	for (int i = 0; i < RL_WAYS; i++)
		if (set[i].key[0] != 0 && memcmp(set[i].key, key, 9) == 0)
			return &set[i];
	for (int i = 0; i < RL_WAYS; i++) {
		struct rl_entry *e = &set[i];
		if (e->key[0] == 0) {
			victim = e;
			break;
		}
		int banned = e->ban_until_ms > now, vbanned = victim && victim->ban_until_ms > now;
		if (victim == NULL || (vbanned && !banned) ||
		    (vbanned == banned && (banned ? e->ban_until_ms < victim->ban_until_ms :
		    e->last_ms < victim->last_ms)))
			victim = e;
	}
	if (victim->key[0] == 0)
		tracked++;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, 9);
	victim->tokens = burst_tokens();
	victim->last_ms = now;
	return victim;
}

/* auth.trusted as the config in force parsed it when it was loaded: a reload brings its own
 * list, and nothing here can outlive the config it came from. */
int
ratelimit_trusted(const struct sockaddr_storage *src)
{
	return config_trusted(cfg, src);
}

static const char *
host_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sip_addr_host(ss, buf, len, NULL);
}

static void
ban(struct rl_entry *e, const struct sockaddr_storage *src, int seconds, const char *why,
    long long now)
{
	char h[64];

	e->ban_until_ms = now + (long long)seconds * 1000;
	e->dropped = 0;
	/* one line per ban, whatever the source keeps sending */
	log_notice("ban src=%s for %d s: %s", host_of(src, h, sizeof(h)), seconds, why);
	e->logged = 1;
}

/* A ban that has run out: say how much it kept out, and give the source a full bucket. */
static void
unban(struct rl_entry *e, const struct sockaddr_storage *src)
{
	char h[64];

	log_info("ban of src=%s over: %llu messages dropped", host_of(src, h, sizeof(h)), e->dropped);
	e->ban_until_ms = 0;
	e->dropped = 0;
	e->logged = 0;
	e->tokens = burst_tokens();
}

/* 1 when e's source is banned now (the message is counted as dropped); a ban that ran out
 * ends here. */
static int
banned(struct rl_entry *e, const struct sockaddr_storage *src, long long now)
{
	if (e->ban_until_ms > now) {
		e->dropped++;
		e->last_ms = now;
		return 1;
	}
	if (e->ban_until_ms != 0)
		unban(e, src);
	return 0;
}

int
ratelimit_is_response(const char *buf, size_t len)
{
	return len >= 8 && memcmp(buf, "SIP/2.0 ", 8) == 0;
}

int
ratelimit_message(const struct sockaddr_storage *src, const char *buf, size_t len)
{
	unsigned char key[9];
	long long now;

	if (!ratelimit_is_response(buf, len))
		return ratelimit_allow(src);
	if (ratelimit_trusted(src))
		return 1;
	now = now_ms();
	make_key(src, key);
	return !banned(lookup(key, now), src, now);
}

int
ratelimit_allow(const struct sockaddr_storage *src)
{
	unsigned char key[9];
	long long now;
	struct rl_entry *e;

	if (ratelimit_trusted(src))
		return 1;
	now = now_ms();
	make_key(src, key);
	e = lookup(key, now);
	if (banned(e, src, now))
		return 0;
	if (cfg == NULL || cfg->flood_rate == 0) {
		e->last_ms = now;
		return 1;
	}
	/* refill: rate messages a second = rate thousandths a millisecond */
	e->tokens += (now - e->last_ms) * (long long)cfg->flood_rate;
	if (e->tokens > burst_tokens())
		e->tokens = burst_tokens();
	e->last_ms = now;
	if (e->tokens >= RL_COST) {
		e->tokens -= RL_COST;
		return 1;
	}
	char why[96];
	snprintf(why, sizeof(why), "more than %d messages/s (burst %d)", cfg->flood_rate,
	    cfg->flood_burst);
	ban(e, src, cfg->flood_ban_time, why, now);
	e->dropped = 1;
	return 0;
}

size_t
ratelimit_tracked(size_t *capacity)
{
	if (capacity != NULL)
		*capacity = nsets * RL_WAYS;
	return tracked;
}

void
ratelimit_shutdown(void)
{
	free(table);
	table = NULL;
	nsets = tracked = 0;
}
