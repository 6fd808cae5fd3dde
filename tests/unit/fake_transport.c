/* fake_transport.c - a transport that records instead of sending (see fake_transport.h). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_transport.h"
#include "transport.h"

struct fake_sent	 fake_sent[FAKE_MAXSENT];
int			 fake_nsent;
int			 fake_send_fails;
int			 fake_conn_alive = 1;

int
transport_send(const struct sip_peer *dst, const char *buf, size_t len)
{
	if (fake_send_fails)
		return -1;
	ck_assert_int_lt(fake_nsent, FAKE_MAXSENT);
	fake_sent[fake_nsent].dst = *dst;
	fake_sent[fake_nsent].buf = strndup(buf, len);
	fake_sent[fake_nsent].len = len;
	fake_nsent++;
	return 0;
}

int
transport_reliable(enum sip_proto proto)
{
	return proto != PROTO_UDP;
}

int
transport_conn_alive(uint64_t conn)
{
	(void)conn;
	return fake_conn_alive;
}

/* The rest of the transports' API the registrar and the proxy use: a flow hook nobody calls,
 * and sipd listening on 127.0.0.1:5999. */
void
transport_set_flow_hook(int (*in_use)(uint64_t conn))
{
	(void)in_use;
}

int
transport_local(enum sip_proto proto, int family, char *host, size_t hostlen, int *port)
{
	(void)proto;
	(void)family;
	snprintf(host, hostlen, "127.0.0.1");
	*port = 5999;
	return 0;
}

void
fake_peer_set(struct sip_peer *p, enum sip_proto proto, const char *ip, int port, uint64_t conn)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&p->addr;

	memset(p, 0, sizeof(*p));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	p->addrlen = sizeof(*sin);
	p->proto = proto;
	p->lsock = -1;
	p->conn = conn;
}

void
fake_transport_reset(void)
{
	for (int i = 0; i < fake_nsent; i++)
		free(fake_sent[i].buf);
	fake_nsent = 0;
	fake_send_fails = 0;
	fake_conn_alive = 1;
}

