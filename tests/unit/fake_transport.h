/* fake_transport.h - the recording transport the transaction and reply suites link in place of
 * libsipd.a's sockets (fake_transport.c comes before libsipd.a on the link line, so the real
 * transport objects are never pulled in).  transport_send keeps a copy of each message sent,
 * transport_reliable is true for TCP and TLS, transport_conn_alive answers fake_conn_alive,
 * transport_local says 127.0.0.1:5999 and transport_set_flow_hook does nothing; fake_peer_set
 * makes the peers the suites send from and to. */
#ifndef SIPD_FAKE_TRANSPORT_H
#define SIPD_FAKE_TRANSPORT_H

#include "sipd.h"

#define FAKE_MAXSENT	256

struct fake_sent {
	struct sip_peer	 dst;
	char		*buf;		/* NUL-terminated copy */
	size_t		 len;
};

extern struct fake_sent	 fake_sent[FAKE_MAXSENT];
extern int		 fake_nsent;
extern int		 fake_send_fails;	/* nonzero: transport_send fails (-1) */
extern int		 fake_conn_alive;	/* what transport_conn_alive answers (1) */

/* Make p the IPv4 peer ip:port over proto on connection conn (0: none), no listening socket. */
void fake_peer_set(struct sip_peer *p, enum sip_proto proto, const char *ip, int port,
    uint64_t conn);

/* Forget what was sent and restore the defaults (every connection alive, sends succeed). */
void fake_transport_reset(void);

#endif
