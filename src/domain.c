/* domain.c - the names and addresses under which requests are for this server. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "domain.h"
#include "uri.h"
#include "xmalloc.h"

struct ownaddr {
	int		 family;
	unsigned char	 a[16];
};

static char		**names;
static int		 nnames;
static int		 nconfigured;	/* names[0..nconfigured) came from sip.domains */
static char		*realm;
static struct ownaddr	*addrs;
static int		 naddrs;
static int		*ports;
static int		 nports;

static void
add_name(const char *n)
{
	names = xrealloc(names, (size_t)(nnames + 1) * sizeof(*names));
	names[nnames++] = xstrdup(n);
}

static void
add_addr(int family, const void *a)
{
	addrs = xrealloc(addrs, (size_t)(naddrs + 1) * sizeof(*addrs));
	memset(&addrs[naddrs], 0, sizeof(addrs[0]));
	addrs[naddrs].family = family;
	memcpy(addrs[naddrs].a, a, family == AF_INET ? 4 : 16);
	naddrs++;
}

/* Every address of every interface, and the addresses listeners are bound to. */
static void
learn_addrs(const struct sipd_config *c)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) == 0) {
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL)
				continue;
			if (i->ifa_addr->sa_family == AF_INET)
				add_addr(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr);
			else if (i->ifa_addr->sa_family == AF_INET6)
				add_addr(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr);
		}
		freeifaddrs(ifa);
	}
	for (int k = 0; k < c->nlisten; k++) {
		const struct sockaddr_storage *ss = &c->listen[k].ss;
		int port = ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port :
		    ((const struct sockaddr_in *)ss)->sin_port);
		ports = xrealloc(ports, (size_t)(nports + 1) * sizeof(*ports));
		ports[nports++] = port;
		if (ss->ss_family == AF_INET)
			add_addr(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr);
		else
			add_addr(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr);
	}
}

void
domain_init(const struct sipd_config *c)
{
	char host[256];

	domain_free();
	for (int i = 0; i < c->ndomains; i++)
		add_name(c->domains[i]);
	nconfigured = c->ndomains;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		add_name(host);
	}
	add_name("localhost");
	learn_addrs(c);
	realm = xstrdup(c->realm && c->realm[0] ? c->realm : domain_primary());
}

void
domain_free(void)
{
	for (int i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(addrs);
	free(ports);
	free(realm);
	realm = NULL;
	names = NULL;
	addrs = NULL;
	ports = NULL;
	nnames = naddrs = nports = nconfigured = 0;
}

/* A literal address of ours: port must be one we listen on (another server may share the host). */
static int
is_own_addr(const char *host, int port)
{
	unsigned char a[16];
	int family;
	char tmp[64];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(tmp)) {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		host = tmp;
	}
	if (inet_pton(AF_INET, host, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, a) == 1)
		family = AF_INET6;
	else
		return -1;		/* not a literal */
	int found = 0;
	for (int i = 0; i < naddrs && !found; i++)
		found = addrs[i].family == family &&
		    memcmp(addrs[i].a, a, family == AF_INET ? 4 : 16) == 0;
	if (!found)
		return 0;
	if (port == 0)
		return 1;	/* no port written: the request reached us, so it is for us */
	for (int i = 0; i < nports; i++)
		if (ports[i] == port)
			return 1;
	return 0;
}

int
domain_is_local(const char *host, int port)
{
	int r;

	if (host == NULL || *host == '\0')
		return 0;
	if ((r = is_own_addr(host, port)) != -1) {
		/* an address we serve as a configured domain counts whatever the port */
		for (int i = 0; i < nnames && r == 0; i++)
			r = strcasecmp(names[i], host) == 0;
		return r;
	}
	for (int i = 0; i < nnames; i++)
		if (strcasecmp(names[i], host) == 0)
			return 1;
	return 0;
}

const char *
domain_primary(void)
{
	return nnames > 0 ? names[0] : "localhost";
}

const char *
domain_canonical(const char *host)
{
	for (int i = 0; i < nconfigured; i++)
		if (strcasecmp(names[i], host) == 0)
			return names[i];
	return domain_primary();
}

int
domain_aor(char *user, const char *host, int port, const char **domain)
{
	if (!domain_is_local(host, port))
		return -1;
	if (user != NULL)
		uri_user_canonical(user);
	*domain = domain_canonical(host);
	return 0;
}

const char *
domain_realm(void)
{
	return realm ? realm : domain_primary();
}
