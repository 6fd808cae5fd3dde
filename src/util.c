/* util.c - small helpers shared by every module: method names, addresses, random tokens. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/random.h>

#include "sipd.h"

static const char *method_names[SIP_METHOD_MAX] = {
	[SIP_UNKNOWN] = "UNKNOWN",
	[SIP_INVITE] = "INVITE", [SIP_ACK] = "ACK", [SIP_BYE] = "BYE", [SIP_CANCEL] = "CANCEL",
	[SIP_OPTIONS] = "OPTIONS", [SIP_REGISTER] = "REGISTER", [SIP_PRACK] = "PRACK",
	[SIP_SUBSCRIBE] = "SUBSCRIBE", [SIP_NOTIFY] = "NOTIFY", [SIP_PUBLISH] = "PUBLISH",
	[SIP_INFO] = "INFO", [SIP_REFER] = "REFER", [SIP_MESSAGE] = "MESSAGE", [SIP_UPDATE] = "UPDATE",
};

/* Method names are case-sensitive (RFC 3261 7.1). */
enum sip_method
sip_method_parse(const char *name)
{
	for (int i = 1; i < SIP_METHOD_MAX; i++)
		if (strcmp(name, method_names[i]) == 0)
			return (enum sip_method)i;
	return SIP_UNKNOWN;
}

const char *
sip_method_name(enum sip_method m)
{
	return (m > 0 && m < SIP_METHOD_MAX) ? method_names[m] : method_names[0];
}

const char *
sip_proto_name(enum sip_proto p)
{
	return p == PROTO_TCP ? "tcp" : p == PROTO_TLS ? "tls" : "udp";
}

const char *
sip_proto_via(enum sip_proto p)
{
	return p == PROTO_TCP ? "TCP" : p == PROTO_TLS ? "TLS" : "UDP";
}

const char *
sip_addr_host(const struct sockaddr_storage *ss, char *buf, size_t len, int *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, len);
		if (port)
			*port = ntohs(s6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, buf, len);
		if (port)
			*port = ntohs(s4->sin_port);
	} else {
		snprintf(buf, len, "?");
		if (port)
			*port = 0;
	}
	return buf;
}

const char *
sip_peer_str(const struct sip_peer *p, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	int port;

	sip_addr_host(&p->addr, host, sizeof(host), &port);
	if (p->addr.ss_family == AF_INET6)
		snprintf(buf, len, "%s:[%s]:%d", sip_proto_name(p->proto), host, port);
	else
		snprintf(buf, len, "%s:%s:%d", sip_proto_name(p->proto), host, port);
	return buf;
}

int
sip_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return 0;
}

/* Tokens for tags and branches: unguessable enough that a peer cannot forge a match. */
void
sip_random_token(char *buf, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned char pool[256];
	static size_t avail;

	for (size_t i = 0; i < n; i++) {
		if (avail == 0) {
			if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool))
				for (size_t j = 0; j < sizeof(pool); j++)
					pool[j] = (unsigned char)(random() >> 7);
			avail = sizeof(pool);
		}
		buf[i] = set[pool[--avail] % (sizeof(set) - 1)];
	}
	buf[n] = '\0';
}
