/* domain.h - which hosts are this server: configured domains, its own addresses and names. */
#ifndef SIPD_DOMAIN_H
#define SIPD_DOMAIN_H

#include "config.h"

/* Learn the machine's addresses and host name, and the configured domains of c. */
void domain_init(const struct sipd_config *c);
void domain_free(void);
/* 1 when host (no brackets needed for IPv6) with port (0 = none) names this server. */
int domain_is_local(const char *host, int port);
/* The first configured domain, or the first own address: used as the default realm/domain. */
const char *domain_primary(void);

/* The domain an AOR at host is filed under: a configured domain as written (lowercase),
 * else (one of the server's own addresses or names) the primary domain, so that
 * alice@192.168.1.10 and alice@<host name> are one user. */
const char *domain_canonical(const char *host);
/* The user and domain an AOR user@host[:port] is filed under, the one spelling the registrar,
 * the proxy and sipctl all use: user made canonical in place (uri_user_canonical, RFC 3261
 * 19.1.4; NULL to ask about the domain alone), the domain by domain_canonical.  -1 when
 * host:port is not this server. */
int domain_aor(char *user, const char *host, int port, const char **domain);
/* The digest realm: auth.realm, or the primary domain. */
const char *domain_realm(void);

#endif
