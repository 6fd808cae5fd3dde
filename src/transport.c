/* transport.c - listeners and sending, shared by UDP, TCP and TLS (RFC 3261 18). */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "transport.h"
#include "transport_int.h"

transport_recv_fn	 transport_recv;

void
transport_set_receive_hook(transport_recv_fn recv)
{
	transport_recv = recv;
}

int
transport_socket(const struct listen_addr *la, int type)
{
	int fd, on = 1;

	if ((fd = socket(la->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", la->spec);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (la->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&la->ss, la->sslen) == -1) {
		int err = errno;
		log_warn("%s: bind", la->spec);
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int listen_port_of(const struct listen_addr *);

/* Open one listener; -1 (logged, with what to do) when it cannot be bound. */
static int
open_listener(struct event_base *base, const struct listen_addr *la)
{
	int rc;

	errno = 0;
	if (la->proto == PROTO_UDP)
		rc = transport_udp_open(base, la);
	else if (la->proto == PROTO_TLS && !transport_tls_ready()) {
		log_warnx("%s: a TLS listener needs tls.certificate and tls.private_key", la->spec);
		return -1;
	} else
		rc = transport_tcp_listen(base, la);
	if (rc == -1 && errno == EACCES && listen_port_of(la) < 1024)
		log_warnx("%s: ports below 1024 need root or CAP_NET_BIND_SERVICE%s; see sipd(8)",
		    la->spec, geteuid() != 0 ? " (sipd has given up root: restart it to bind this"
		    " port, or under systemd add AmbientCapabilities=CAP_NET_BIND_SERVICE)" : "");
	else if (rc == -1 && errno == EADDRINUSE)
		log_warnx("%s: the address is in use by another program: stop it or change sip.listen",
		    la->spec);
	else if (rc == -1 && errno == EADDRNOTAVAIL)
		log_warnx("%s: no interface has this address: fix sip.listen", la->spec);
	if (rc == 0)
		log_notice("listening on %s", la->spec);
	return rc;
}

/* A certificate but no TLS listener: TLS on 5061 (RFC 3261 19.1.2) of each address family
 * sip.listen uses, on the wildcard address. */
static int
default_tls(struct event_base *base, const struct sipd_config *c)
{
	static const char *const spec[2] = { "tls:0.0.0.0:5061", "tls:[::]:5061" };
	int fam[2] = { 0, 0 };

	for (int i = 0; i < c->nlisten; i++) {
		if (c->listen[i].proto == PROTO_TLS)
			return 0;
		fam[c->listen[i].ss.ss_family == AF_INET6] = 1;
	}
	for (int k = 0; k < 2; k++) {
		struct listen_addr la;
		char err[128];
		if (!fam[k] || config_parse_listen(spec[k], &la, err, sizeof(err)) == -1)
			continue;
		int rc = open_listener(base, &la);
		free(la.spec);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
transport_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static int
listen_port_of(const struct listen_addr *la)
{
	return ntohs(la->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&la->ss)->sin6_port :
	    ((const struct sockaddr_in *)&la->ss)->sin_port);
}

static int
listener_is_open(const struct listen_addr *la)
{
	return la->proto == PROTO_UDP ? transport_udp_has(la) : transport_tcp_has(la);
}

static void
listener_close(const struct listen_addr *la)
{
	int rc = la->proto == PROTO_UDP ? transport_udp_close_one(la) :
	    transport_tcp_close_one(la);	/* TCP and TLS */

	if (rc == 0)
		log_notice("no longer listening on %s", la->spec);
}

static int
in_config(const struct sipd_config *c, const struct listen_addr *la)
{
	for (int i = 0; i < c->nlisten; i++)
		if (c->listen[i].proto == la->proto && transport_same_addr(&c->listen[i].ss, &la->ss))
			return 1;
	return 0;
}

int
transport_start(struct event_base *base, const struct sipd_config *c)
{
	if (transport_tls_init(c) == -1)
		return -1;
	for (int i = 0; i < c->nlisten; i++)
		if (open_listener(base, &c->listen[i]) == -1)
			return -1;
	if (transport_tls_ready())
		return default_tls(base, c);
	return 0;
}

int
transport_reconfigure(struct event_base *base, const struct sipd_config *old,
    const struct sipd_config *c)
{
	char *opened;
	void *tls = transport_tls_save();

	/* certificates are read again (a renewed one is served to new connections) */
	if (transport_tls_init(c) == -1 || (opened = calloc((size_t)c->nlisten + 1, 1)) == NULL) {
		transport_tls_restore(tls, 1);
		return -1;
	}
	for (int i = 0; i < c->nlisten; i++) {
		if (listener_is_open(&c->listen[i]))
			continue;
		if (open_listener(base, &c->listen[i]) == -1) {
			for (int j = 0; j < i; j++)	/* never half-applied */
				if (opened[j])
					listener_close(&c->listen[j]);
			free(opened);
			transport_tls_restore(tls, 1);
			return -1;
		}
		opened[i] = 1;
	}
	free(opened);
	transport_tls_restore(tls, 0);
	for (int i = 0; i < old->nlisten; i++)
		if (!in_config(c, &old->listen[i]) && listener_is_open(&old->listen[i]))
			listener_close(&old->listen[i]);
	return 0;
}

void
transport_quiesce(void)
{
	transport_udp_quiesce();
	transport_tcp_quiesce();
}

size_t
transport_pending(void)
{
	return transport_tcp_pending();
}

void
transport_stop(void)
{
	transport_udp_close();
	transport_tcp_close();
	transport_tls_free();
}

int
transport_reliable(enum sip_proto p)
{
	return p == PROTO_TCP || p == PROTO_TLS;
}

int
transport_send(const struct sip_peer *dst, const char *buf, size_t len)
{
	int rc = -1;

	if (dst->proto == PROTO_UDP)
		rc = transport_udp_send(dst, buf, len);
	else
		rc = transport_tcp_send(dst, buf, len);	/* TCP and TLS */
	if (rc == 0)
		metrics_sent(buf, len);
	return rc;
}

/* First address of the family on an interface that is up (prefer non-loopback). */
static int
iface_addr(int family, struct sockaddr_storage *out)
{
	struct ifaddrs *ifa, *i;
	int found = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family)
			continue;
		size_t sl = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		if (found == -1 || !(i->ifa_flags & 0x8 /* IFF_LOOPBACK */)) {
			memcpy(out, i->ifa_addr, sl);
			found = 0;
			if (!(i->ifa_flags & 0x8))
				break;
		}
	}
	freeifaddrs(ifa);
	return found;
}

/* A wildcard-bound listener advertises an interface address in Via / Record-Route. */
int
transport_local(enum sip_proto proto, int family, char *host, size_t hostlen, int *port)
{
	struct sockaddr_storage ss;
	int p, rc;

	rc = proto == PROTO_UDP ? transport_udp_local(family, &ss) :
	    transport_tcp_local(proto, family, &ss);
	if (rc == -1)
		return -1;
	sip_addr_host(&ss, host, hostlen, &p);
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) {
		struct sockaddr_storage ifs;
		if (iface_addr(family, &ifs) == 0)
			sip_addr_host(&ifs, host, hostlen, NULL);
	}
	*port = p;
	return 0;
}
