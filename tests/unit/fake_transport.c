/* fake_transport.c - a transport that records instead of sending (see fake_transport.h). */
#include <check.h>
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

void
fake_transport_reset(void)
{
	for (int i = 0; i < fake_nsent; i++)
		free(fake_sent[i].buf);
	fake_nsent = 0;
	fake_send_fails = 0;
	fake_conn_alive = 1;
}

