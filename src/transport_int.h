/* transport_int.h - what transport.c shares with transport_udp.c, transport_tcp.c (streams:
 * TCP and TLS) and transport_tls.c (the OpenSSL side of TLS streams). */
#ifndef SIPD_TRANSPORT_INT_H
#define SIPD_TRANSPORT_INT_H

#include <event2/event.h>

#include "sipd.h"
#include "transport.h"

int transport_udp_open(struct event_base *, const struct listen_addr *);
int transport_udp_send(const struct sip_peer *, const char *, size_t);
void transport_udp_quiesce(void);
void transport_udp_close(void);
/* 1 when a socket for la's address is open; close it (reload). */
int transport_udp_has(const struct listen_addr *);
int transport_udp_close_one(const struct listen_addr *);
/* Bound address of UDP socket i (for Via), or -1. */
int transport_udp_local(int family, struct sockaddr_storage *);

/* Streams: la->proto is PROTO_TCP or PROTO_TLS. */
int transport_tcp_listen(struct event_base *, const struct listen_addr *);
int transport_tcp_send(const struct sip_peer *, const char *, size_t);
void transport_tcp_quiesce(void);
void transport_tcp_close(void);
int transport_tcp_has(const struct listen_addr *);
int transport_tcp_close_one(const struct listen_addr *);
size_t transport_tcp_pending(void);
int transport_tcp_local(enum sip_proto, int family, struct sockaddr_storage *);

struct bufferevent;
/* TLS contexts from cfg (certificate, key, CA, ciphers, TLS 1.2+).  0, or -1 after logging. */
int transport_tls_init(const struct sipd_config *);
/* 1 when a certificate is loaded (TLS listeners possible). */
int transport_tls_ready(void);
void transport_tls_free(void);
/* Keep the contexts in force aside (a reload); restore them (back = 1) or let them go (0). */
void *transport_tls_save(void);
void transport_tls_restore(void *saved, int back);
/* A server-side TLS bufferevent over an accepted socket (handshake pending), or NULL. */
struct bufferevent *transport_tls_accept(struct event_base *, int fd);
/* A client-side TLS bufferevent over fd (to be connected) for dst: SNI and the certificate name
 * check use dst->tls_name, else dst's address.  NULL when TLS is not available. */
struct bufferevent *transport_tls_connect(struct event_base *, int fd, const struct sip_peer *dst);
/* Why a stream bufferevent failed (the OpenSSL error when there is one) into buf. */
const char *transport_tls_error(struct bufferevent *, char *buf, size_t len);

/* Shared: the receive hook daemon.c installed (transport_set_receive_hook). */
extern transport_recv_fn transport_recv;
/* Shared: make a bound, non-blocking socket for a listener (SO_REUSEADDR, v6only). */
int transport_socket(const struct listen_addr *, int type);
/* 1 when two configured listener addresses are the same (family, address, port). */
int transport_same_addr(const struct sockaddr_storage *, const struct sockaddr_storage *);

#endif
