/* transport_udp.c - UDP sockets: each datagram is one message (RFC 3261 18.3). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "stun.h"
#include "ratelimit.h"
#include "transport_int.h"
#include "xmalloc.h"

#define UDP_MAX		65536
#define UDP_BATCH	64	/* datagrams read per wakeup before yielding to the loop */

/* Slots are never reused or moved: a peer's lsock index stays valid (closed: fd -1). */
struct udp_sock {
	int			 fd;
	struct event		*ev;
	struct sockaddr_storage	 local;
	struct sockaddr_storage	 conf;		/* the address configured (for reload) */
};

static struct udp_sock	*socks;
static int		 nsocks;
static char		 rxbuf[UDP_MAX + 1];

/* STUN on the SIP port (RFC 5626 8): a Binding request is answered with the address it came
 * from; other STUN is dropped.  Returns 1 when the datagram was STUN. */
static int
udp_stun(int fd, size_t n, const struct sip_peer *src)
{
	unsigned char out[64];
	size_t len;

	switch (stun_classify((const unsigned char *)rxbuf, n)) {
	case STUN_NOT:
		return 0;
	case STUN_BINDING:
		len = stun_binding_response((const unsigned char *)rxbuf, &src->addr, out, sizeof(out));
		if (len > 0)
			sendto(fd, out, len, 0, (const struct sockaddr *)&src->addr, src->addrlen);
		return 1;
	default:
		return 1;
	}
}

/* Read a batch of datagrams and hand each to the pipeline. */
static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	int idx = (int)(intptr_t)arg;

	for (int i = 0; i < UDP_BATCH; i++) {
		struct sip_peer src;
		ssize_t n;

		memset(&src, 0, sizeof(src));
		src.addrlen = sizeof(src.addr);
		n = recvfrom(fd, rxbuf, UDP_MAX, 0, (struct sockaddr *)&src.addr, &src.addrlen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("udp recvfrom");
			return;
		}
		/* flood protection comes before any parsing: a banned source costs a lookup */
		if (!ratelimit_message(&src.addr, rxbuf, (size_t)n))
			continue;
		src.proto = PROTO_UDP;
		src.lsock = idx;
		rxbuf[n] = '\0';
		/* A bare CRLF / CRLFCRLF is a keep-alive: nothing to answer over UDP. */
		if (n <= 4 && strspn(rxbuf, "\r\n") >= (size_t)n)
			continue;
		if (udp_stun(fd, (size_t)n, &src))
			continue;
		transport_recv(rxbuf, (size_t)n, 1, &src);
	}
}

int
transport_udp_open(struct event_base *base, const struct listen_addr *la)
{
	int fd, sz = 4 * 1024 * 1024;
	socklen_t sl = sizeof(struct sockaddr_storage);

	if ((fd = transport_socket(la, SOCK_DGRAM)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	socks = xrealloc(socks, (size_t)(nsocks + 1) * sizeof(*socks));
	socks[nsocks].fd = fd;
	socks[nsocks].conf = la->ss;
	getsockname(fd, (struct sockaddr *)&socks[nsocks].local, &sl);
	socks[nsocks].ev = event_new(base, fd, EV_READ | EV_PERSIST, udp_read,
	    (void *)(intptr_t)nsocks);
	event_add(socks[nsocks].ev, NULL);
	nsocks++;
	return 0;
}

/* Socket to send from: the one the peer talked to, else the first of the right family. */
static int
udp_pick(const struct sip_peer *dst)
{
	if (dst->lsock >= 0 && dst->lsock < nsocks && socks[dst->lsock].fd != -1 &&
	    socks[dst->lsock].local.ss_family == dst->addr.ss_family)
		return dst->lsock;
	for (int i = 0; i < nsocks; i++)
		if (socks[i].fd != -1 && socks[i].local.ss_family == dst->addr.ss_family)
			return i;
	return -1;
}

int
transport_udp_send(const struct sip_peer *dst, const char *buf, size_t len)
{
	int i = udp_pick(dst);
	socklen_t sl;

	if (i == -1)
		return -1;
	sl = dst->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (sendto(socks[i].fd, buf, len, 0, (const struct sockaddr *)&dst->addr, sl) == -1) {
		log_debug("udp sendto: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
transport_udp_local(int family, struct sockaddr_storage *out)
{
	for (int i = 0; i < nsocks; i++)
		if (socks[i].fd != -1 && socks[i].local.ss_family == family) {
			*out = socks[i].local;
			return 0;
		}
	return -1;
}

void
transport_udp_quiesce(void)
{
	for (int i = 0; i < nsocks; i++)
		if (socks[i].ev != NULL)
			event_del(socks[i].ev);
}

int
transport_udp_has(const struct listen_addr *la)
{
	for (int i = 0; i < nsocks; i++)
		if (socks[i].fd != -1 && transport_same_addr(&socks[i].conf, &la->ss))
			return 1;
	return 0;
}

/* Close the socket bound for la (reload removed it); its slot stays, empty. */
int
transport_udp_close_one(const struct listen_addr *la)
{
	for (int i = 0; i < nsocks; i++)
		if (socks[i].fd != -1 && transport_same_addr(&socks[i].conf, &la->ss)) {
			event_free(socks[i].ev);
			close(socks[i].fd);
			socks[i].ev = NULL;
			socks[i].fd = -1;
			return 0;
		}
	return -1;
}

void
transport_udp_close(void)
{
	for (int i = 0; i < nsocks; i++) {
		if (socks[i].fd == -1)
			continue;
		event_free(socks[i].ev);
		close(socks[i].fd);
	}
	free(socks);
	socks = NULL;
	nsocks = 0;
}
