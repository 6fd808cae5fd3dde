/* transport.h - sockets: UDP, TCP and TLS listeners, stream connections, sending (RFC 3261 18). */
#ifndef SIPD_TRANSPORT_H
#define SIPD_TRANSPORT_H

#include <event2/event.h>

#include "sipd.h"

/* Open every listener of c on base. Returns 0, or -1 after logging which one failed. */
int transport_start(struct event_base *base, const struct sipd_config *c);
/* SIGHUP: open the listeners of c not open yet, close those of old that c no longer has;
 * connections and transactions carry on.  When a new one cannot be bound, the ones just
 * opened are closed again and -1 returned (logged): the caller keeps old. */
int transport_reconfigure(struct event_base *base, const struct sipd_config *old,
    const struct sipd_config *c);
/* Stop reading new messages (shutdown begins); sending still works. */
void transport_quiesce(void);
/* Bytes still queued on stream connections (shutdown waits for 0). */
size_t transport_pending(void);
/* Close everything. */
void transport_stop(void);

/* Send one message.  Stream: on dst->conn when it is open, else on a connection to dst->addr
 * (opened if need be).  UDP: from socket dst->lsock, else the first UDP socket of the family.
 * Returns 0 when handed to the kernel / queued, -1 on failure. */
int transport_send(const struct sip_peer *dst, const char *buf, size_t len);
/* 1 for TCP/TLS (no retransmissions, RFC 3261 17.1.1.2). */
int transport_reliable(enum sip_proto);
/* The address of a local listener of proto and family (for Via / Record-Route), into host/port. */
int transport_local(enum sip_proto, int family, char *host, size_t hostlen, int *port);
/* 1 when the stream connection id is still open. */
int transport_conn_alive(uint64_t conn);
/* Live stream connections. */
size_t transport_conn_count(void);
/* The receive pipeline, set once at start-up (daemon.c: dispatch_message): every message a
 * listener reads is handed to recv; datagram says buf is a whole UDP datagram.  The transports
 * call upward only through this hook, never into dispatch directly. */
typedef void (*transport_recv_fn)(const char *buf, size_t len, int datagram,
    const struct sip_peer *src);
void transport_set_receive_hook(transport_recv_fn recv);
/* in_use(conn) says whether a registration uses a stream connection: such a flow is kept past
 * limits.tcp_idle_timeout (RFC 5626 flows live as long as their binding). */
void transport_set_flow_hook(int (*in_use)(uint64_t conn));
/* failed(proto, addr, 0) hears (from the loop, never inside a send) that a connection sipd
 * opened never came up (connect refused, TLS handshake failed); failed(proto, addr, conn) that
 * stream connection conn closed. */
void transport_set_failure_hook(void (*failed)(enum sip_proto, const struct sockaddr_storage *,
    uint64_t));

#endif
