/* caller.c - caller authorisation (see caller.h): auth.trusted peers, digest authentication
 * of local users with brute-force bans (authban.c), and the owner check of an address. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "authban.h"
#include "buf.h"
#include "caller.h"
#include "config.h"
#include "domain.h"
#include "metrics.h"
#include "store.h"
#include "txn.h"
#include "uri.h"

int
caller_trusted(const struct sockaddr_storage *src)
{
	return config_trusted(cfg, src);
}

/* The first credential of hdr whose realm is ours. */
static int
find_credential(struct sipmsg *m, enum hdr_id hdr, const char *realm, struct auth_cred *c)
{
	const struct sip_hdr *h = NULL;

	while ((h = sipmsg_hdr(m, hdr, h)) != NULL)
		if (auth_parse(m->raw + h->voff, h->vlen, c) == 0 && strcmp(c->realm, realm) == 0)
			return 0;
	return -1;
}

/* 1 when the request's User-Agent starts with one of auth.md5_only_agents ('_' = space). */
static int
md5_only(struct sipmsg *m)
{
	char ua[256];

	if (sipmsg_hdr_value(m, HDR_USER_AGENT, ua, sizeof(ua)) == NULL)
		return 0;
	for (int i = 0; i < cfg->nmd5_only_agents; i++) {
		const char *p = cfg->md5_only_agents[i];
		size_t k = 0;
		while (p[k] && ua[k] && (tolower((unsigned char)ua[k]) ==
		    tolower((unsigned char)(p[k] == '_' ? ' ' : p[k]))))
			k++;
		if (p[k] == '\0')
			return 1;
	}
	return 0;
}

/* 401 with WWW-Authenticate, or 407 with Proxy-Authenticate (RFC 3261 22.1, 22.3). */
static void
challenge(struct txn *t, struct sipmsg *m, enum hdr_id hdr, int stale)
{
	struct buf b;
	int proxy = hdr == HDR_PROXY_AUTHORIZATION;
	int flags = (stale ? AUTH_CH_STALE : 0) | (md5_only(m) ? AUTH_CH_MD5_ONLY : 0);

	buf_init(&b, 512);
	auth_challenge(&b, proxy ? "Proxy-Authenticate" : "WWW-Authenticate", domain_realm(), flags,
	    time(NULL));
	txn_reply(t, proxy ? 407 : 401, NULL, b.p, NULL, NULL, 0);
	buf_free(&b);
}

/* Digest-authenticate m against hdr for a user of domain: 0 with the user name in user, or it
 * answered the request itself (a challenge, or 403 to a banned name or address) and -1. */
static int
authenticate(struct txn *t, struct sipmsg *m, enum hdr_id hdr, const char *domain, char *user,
    size_t len)
{
	struct auth_cred c;
	struct auth_user u;
	enum auth_result res;

	if (find_credential(m, hdr, domain_realm(), &c) == -1) {
		challenge(t, m, hdr, 0);
		return -1;
	}
	/* a banned name or address is refused before the credentials are looked at: whether
	 * or not the user exists, and even with the right password */
	if (authban_banned(c.username, &m->src, time(NULL))) {
		authban_failure(c.username, m->method_name, "banned", &m->src, time(NULL));
		txn_reply(t, 403, NULL, NULL, NULL, NULL, 0);
		return -1;
	}
	int found = store_user_get(c.username, domain, &u) == 0;
	res = auth_verify(&c, m->method_name, found ? &u : NULL, time(NULL));
	if (res == AUTH_OK) {
		snprintf(user, len, "%s", c.username);
		return 0;
	}
	if (res != AUTH_STALE) {
		metrics_inc(M_AUTH_FAILURES);
		authban_failure(c.username, m->method_name,
		    res == AUTH_REPLAY ? "replay" : "credentials", &m->src, time(NULL));
	}
	challenge(t, m, hdr, res == AUTH_STALE);
	return -1;
}

int
caller_authorise(struct txn *t, struct sipmsg *m, enum hdr_id hdr, const char *user_part,
    const char *domain, const char *reason)
{
	char user[128], owner[128];

	if (authenticate(t, m, hdr, domain, user, sizeof(user)) == -1)
		return -1;
	if (strcmp(user, user_part) != 0 &&
	    (store_user_by_extension(user_part, domain, owner, sizeof(owner)) == -1 ||
	    strcmp(owner, user) != 0)) {
		txn_reply(t, 403, reason, NULL, NULL, NULL, 0);
		return -1;
	}
	return 0;
}

int
caller_check(struct txn *t, struct sipmsg *m)
{
	struct uri_parts u;
	const char *domain;

	if (caller_trusted(&m->src.addr))
		return 1;
	if (!cfg->auth_calls || m->to_tag != NULL || m->method == SIP_ACK ||
	    m->method == SIP_CANCEL || m->from_uri == NULL)
		return 0;
	if (uri_split(m->from_uri, strlen(m->from_uri), &u) == -1 ||
	    domain_aor(u.user, u.host, u.port, &domain) == -1)
		return 0;		/* from outside: accepted toward our users only */
	if (caller_authorise(t, m, HDR_PROXY_AUTHORIZATION, u.user, domain, "From Is Not You") == -1)
		return -1;
	return 1;
}
