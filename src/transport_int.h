/* transport_int.h - what transport.c shares with transport_udp.c and transport_tcp.c. */
#ifndef SIPD_TRANSPORT_INT_H
#define SIPD_TRANSPORT_INT_H

#include <event2/event.h>

#include "sipd.h"

int transport_udp_open(struct event_base *, const struct listen_addr *);
int transport_udp_send(const struct sip_peer *, const char *, size_t);
void transport_udp_quiesce(void);
void transport_udp_close(void);
/* Bound address of UDP socket i (for Via), or -1. */
int transport_udp_local(int family, struct sockaddr_storage *);

int transport_tcp_listen(struct event_base *, const struct listen_addr *);
int transport_tcp_send(const struct sip_peer *, const char *, size_t);
void transport_tcp_quiesce(void);
void transport_tcp_close(void);
size_t transport_tcp_pending(void);
int transport_tcp_local(int family, struct sockaddr_storage *);

/* Shared: make a bound, non-blocking socket for a listener (SO_REUSEADDR, v6only). */
int transport_socket(const struct listen_addr *, int type);

#endif
