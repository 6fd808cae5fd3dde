/* relay.c - the RTP relay: per call, per media stream, one UDP port pair facing each side
 * (even RTP port, RTP + 1 for RTCP), read and written on the event loop with recvmmsg/sendmmsg.
 * Packets are forwarded without being decoded (SRTP, RFC 4733 DTMF and anything else pass
 * through); only the RTP sequence number is read, for the loss estimate.
 *
 * Latching (symmetric RTP, as for NAT'd phones; RFC 4961 symmetric RTP is what phones do):
 * each socket facing a side knows the address that side signalled in its SDP ("sig") and
 * the address packets for that side go to ("peer", sig until something is latched).
 *   - A packet from exactly sig latches for good: peer = sig; nothing else is accepted.
 *   - Before that, a packet from sig's IP (another port: a NAT rewrote it), or from any
 *     source among the first RELAY_LATCH_WINDOW packets the socket receives (a phone behind
 *     NAT that signalled its private address), latches provisionally: peer = that source.
 *   - A provisional latch accepts only its source, but yields to a packet from exactly sig.
 *   - Packets from anyone else are dropped (counted): a third party that learns a relay port
 *     cannot take a call's media over once it flows, nor redirect it.
 *   - Re-latch only when the side signals new SDP with another address (re-INVITE/UPDATE
 *     after a network change): the socket then latches afresh under the same rules.
 *   - A final latch connect()s the socket: the kernel then does the filtering, and sends to
 *     the side need no address (cheaper); new SDP from the side disconnects it again.
 *
 * Sessions live in a table keyed by Call-ID.  Ending a session closes its sockets at once
 * (they leave the relay's epoll set, so no read can reach them after);
 * the memory is kept RELAY_LINGER_S for relay_call_stats and freed by the loop's sweep timer,
 * the only place a session is freed.  The sweep also ends sessions idle for relay.timeout.
 *
 * Threads (relay.thread = 1, the default): one relay thread waits on the epoll set of every
 * relay socket and forwards; the event loop does everything else (sessions, SDP, latching
 * setup, ends, the sweep, stats, metrics).  So SIP work and the loop's timers never delay a
 * packet, and relay.priority can put the thread above other processes (SCHED_FIFO).
 * Ownership: the session table, the port pairs and nsockets belong to the loop alone; the
 * sessions' endpoints, sequence state and counters are shared and touched only with
 * relay_mtx held (the thread holds it while it serves one epoll batch; the loop while it
 * changes a session or reads its counters).  A session's `last` and the totals for the
 * metrics are atomics, so the loop's once-a-second sweep takes no lock unless it frees
 * something.  The mutex inherits priority (PTHREAD_PRIO_INHERIT): a loop preempted while
 * holding it runs at the thread's relay.priority until it lets go.  The thread's epoll_wait runs unlocked, so an endpoint it reports may
 * have been closed, even freed, before the thread gets the lock: closing bumps sock_gen, and
 * a thread that finds sock_gen changed re-polls (epoll_wait, timeout 0) under the lock,
 * which reports only sockets still in the set.  Forwarded packets and bytes are added to
 * metrics by the loop (sweep, session end), so metrics.c stays single-threaded.  Shutdown:
 * the loop sets `stopping` under the lock and writes an eventfd that is in the epoll set;
 * the thread sees it, returns, and is joined before any session is freed. */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "htab.h"
#include "log.h"
#include "metrics.h"
#include "relay.h"
#include "xmalloc.h"

#define RELAY_LATCH_WINDOW	16	/* packets that may latch to a source other than sig */
#define RELAY_BATCH		16	/* datagrams per recvmmsg */
#define RELAY_PKT_MAX		4096	/* larger datagrams are dropped (MSG_TRUNC) */

enum latch { LATCH_NONE = 0, LATCH_GUESS, LATCH_SIG };

struct relay_stream;

/* One socket facing one side of one stream, RTP or RTCP. */
struct relay_ep {
	struct relay_stream	*st;
	int			 side;		/* RELAY_A / RELAY_B: who it faces */
	int			 fd;		/* in relay_epfd while open */
	struct sockaddr_in6	 sig;		/* signalled address; port 0 = unknown */
	struct sockaddr_in6	 peer;		/* packets for side go here; port 0 = nowhere */
	enum latch		 latch;
	int			 connected;	/* connect()ed to peer (final latch) */
	uint32_t		 seen;		/* packets received before the latch was final */
};

/* RTP sequence tracking of one direction (RFC 3550 A.1/A.3, simplified). */
struct relay_seq {
	uint32_t		 ssrc;
	uint16_t		 base, max;
	uint32_t		 cycles;
	uint64_t		 received;
	uint64_t		 lost_before;	/* from earlier SSRCs of this direction */
	int			 init;
};

/* One m-line: a port pair facing each side. */
struct relay_stream {
	struct relay_session	*s;
	int			 pair[2];	/* index of the pair facing side A / side B */
	struct relay_ep		 ep[2][2];	/* [side][0 RTP, 1 RTCP] */
	struct relay_seq	 seq[2];	/* by direction: [0] A->B, [1] B->A */
};

struct relay_session {
	char			*call_id;
	char			*a_tag;
	int			 nstreams;
	struct relay_stream	*st[SDP_MAX_STREAMS];
	int			 answered;
	time_t			 last;		/* last packet or signalling: atomic */
	time_t			 ended;		/* 0 while live */
	struct relay_stats	 stats;
};

static struct event_base	*relay_base;
static struct htab		*sessions;
static struct event		*ev_sweep;
static int			 relay_epfd = -1;	/* every relay socket */
static struct event		*ev_relay;		/* relay_epfd readable */
static uint8_t			*pair_used;	/* per port pair in the range */
static int			 npairs, pair_next, port_base;
static size_t			 nsockets;
static int			 relay_af = AF_INET6;	/* dual-stack when the host has IPv6 */

/* Shared with the relay thread, under relay_mtx or atomic (see the header comment). */
static pthread_mutex_t		 relay_mtx;
static pthread_t		 relay_thr;
static int			 relay_threaded;	/* the thread runs */
static int			 stopping;		/* the thread is to return */
static int			 wake_fd = -1;		/* eventfd in relay_epfd: stop */
static unsigned			 sock_gen;		/* bumped when a socket leaves the set */
static time_t			 relay_now;		/* time of the batch being served */
static uint64_t			 fwd_pkts, fwd_bytes;	/* not yet in metrics: atomic */
static uint64_t			 send_errs;		/* failed sends, logged by the sweep: atomic */
static int			 send_errno;		/* atomic */

/* Buffers of whoever forwards (the relay thread, or the loop with relay.thread = 0). */
static struct mmsghdr		 rx_msg[RELAY_BATCH], tx_msg[RELAY_BATCH];
static socklen_t		 tx_namelen;
static struct iovec		 rx_iov[RELAY_BATCH], tx_iov[RELAY_BATCH];
static struct sockaddr_in6	 rx_from[RELAY_BATCH];
static char			 rx_buf[RELAY_BATCH][RELAY_PKT_MAX];

int
relay_mode_parse(const char *s)
{
	if (strcasecmp(s, "never") == 0)
		return RELAY_NEVER;
	if (strcasecmp(s, "nat") == 0)
		return RELAY_NAT;
	if (strcasecmp(s, "always") == 0)
		return RELAY_ALWAYS;
	return -1;
}

static time_t
last_get(const struct relay_session *s)
{
	return __atomic_load_n(&s->last, __ATOMIC_RELAXED);
}

static void
last_set(struct relay_session *s, time_t t)
{
	__atomic_store_n(&s->last, t, __ATOMIC_RELAXED);
}

static time_t
now_s(void)
{
	struct timeval tv;

	if (relay_base == NULL || event_base_gettimeofday_cached(relay_base, &tv) == -1)
		return time(NULL);
	return tv.tv_sec;
}

/* Same address and port (both in the socket's v6 / v4-mapped form). */
static int ip_eq(const struct sockaddr_in6 *, const struct sockaddr_in6 *);

/* Same address and port (sin_port and sin6_port share their offset). */
static int
addr_eq(const struct sockaddr_in6 *a, const struct sockaddr_in6 *b)
{
	return a->sin6_port == b->sin6_port && ip_eq(a, b);
}

/* Same address (v6 / v4-mapped form, or plain IPv4 on a host without IPv6). */
static int
ip_eq(const struct sockaddr_in6 *a, const struct sockaddr_in6 *b)
{
	if (relay_af == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

/* Decide whether a packet from src on ep is accepted, latching as the header comment says. */
static int
latch_accept(struct relay_ep *ep, const struct sockaddr_in6 *src)
{
	if (ep->latch == LATCH_SIG)
		return addr_eq(src, &ep->peer);
	if (ep->sig.sin6_port != 0 && addr_eq(src, &ep->sig)) {
		ep->latch = LATCH_SIG;
		ep->peer = *src;
		/* final: the kernel filters other sources now, and sends skip the route lookup */
		if (connect(ep->fd, (struct sockaddr *)&ep->peer, tx_namelen) == 0)
			ep->connected = 1;
		return 1;
	}
	if (ep->seen < UINT32_MAX)
		ep->seen++;
	if (ep->latch == LATCH_GUESS)
		return addr_eq(src, &ep->peer);
	if ((ep->sig.sin6_port != 0 && ip_eq(src, &ep->sig)) || ep->seen <= RELAY_LATCH_WINDOW) {
		ep->latch = LATCH_GUESS;
		ep->peer = *src;
		return 1;
	}
	return 0;
}

/* Count an RTP packet of direction dir for the loss estimate. */
static void
seq_track(struct relay_seq *q, const unsigned char *p, size_t len)
{
	if (len < 12 || (p[0] >> 6) != 2 ||
	    ((p[1] & 0x7f) >= 72 && (p[1] & 0x7f) <= 76))
		return;		/* not RTP, or RTCP multiplexed on the RTP port (RFC 5761 4) */
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	if (!q->init || ssrc != q->ssrc) {
		if (q->init) {
			uint64_t exp = q->cycles + (uint64_t)q->max - q->base + 1;
			q->lost_before += exp > q->received ? exp - q->received : 0;
		}
		q->init = 1;
		q->ssrc = ssrc;
		q->base = q->max = seq;
		q->cycles = 0;
		q->received = 1;
		return;
	}
	uint16_t delta = (uint16_t)(seq - q->max);
	if (delta != 0 && delta < 0x8000) {
		if (seq < q->max)
			q->cycles += 65536;
		q->max = seq;
	}
	q->received++;
}

static uint64_t
seq_lost(const struct relay_seq *q)
{
	uint64_t exp;

	if (!q->init)
		return q->lost_before;
	exp = q->cycles + (uint64_t)q->max - q->base + 1;
	return q->lost_before + (exp > q->received ? exp - q->received : 0);
}

/* Datagrams arrived on a socket facing one side: forward them out of the twin socket facing
 * the other side, to where that side's packets go. */
static void
ep_read(struct relay_ep *ep)
{
	int fd = ep->fd;
	struct relay_stream *st = ep->st;
	int rtcp = ep == &st->ep[ep->side][1];
	struct relay_ep *out = &st->ep[!ep->side][rtcp];
	struct relay_stats *sx = &st->s->stats;
	int n, k = 0, dir = ep->side;
	size_t nbytes = 0;

	for (int i = 0; i < RELAY_BATCH; i++)
		rx_msg[i].msg_hdr.msg_namelen = sizeof(rx_from[i]);
	if ((n = recvmmsg(fd, rx_msg, RELAY_BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	if (last_get(st->s) != relay_now)
		last_set(st->s, relay_now);
	for (int i = 0; i < n; i++) {
		size_t len = rx_msg[i].msg_len;
		if ((rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC) || !latch_accept(ep, &rx_from[i])) {
			sx->dropped[dir]++;
			continue;
		}
		if (out->peer.sin6_port == 0)
			continue;	/* the other side has no address yet (or is on hold) */
		if (!rtcp)
			seq_track(&st->seq[dir], (unsigned char *)rx_buf[i], len);
		sx->pkts[dir]++;
		sx->bytes[dir] += len;
		nbytes += len;
		tx_iov[k].iov_base = rx_buf[i];
		tx_iov[k].iov_len = len;
		tx_msg[k].msg_hdr.msg_name = out->connected ? NULL : &out->peer;
		tx_msg[k].msg_hdr.msg_namelen = out->connected ? 0 : tx_namelen;
		k++;
	}
	if (k == 0)
		return;
	__atomic_fetch_add(&fwd_pkts, (uint64_t)k, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fwd_bytes, (uint64_t)nbytes, __ATOMIC_RELAXED);
	if (sendmmsg(out->fd, tx_msg, (unsigned)k, MSG_DONTWAIT) == -1 &&
	    errno != EAGAIN && errno != ECONNREFUSED) {
		/* no logging here: log.c belongs to the loop */
		__atomic_store_n(&send_errno, errno, __ATOMIC_RELAXED);
		__atomic_fetch_add(&send_errs, 1, __ATOMIC_RELAXED);
	}
}

/* Add what was forwarded since the last call to the metrics (on the loop). */
static void
fold_metrics(void)
{
	uint64_t e;

	metrics_add(M_RELAY_PACKETS, (int64_t)__atomic_exchange_n(&fwd_pkts, 0, __ATOMIC_RELAXED));
	metrics_add(M_RELAY_BYTES, (int64_t)__atomic_exchange_n(&fwd_bytes, 0, __ATOMIC_RELAXED));
	if ((e = __atomic_exchange_n(&send_errs, 0, __ATOMIC_RELAXED)) > 0)
		log_debug("relay: %llu sends failed (last: %s)", (unsigned long long)e,
		    strerror(__atomic_load_n(&send_errno, __ATOMIC_RELAXED)));
}

/* The relay sockets live in one epoll set, itself one event of the loop: a wake-up serves every
 * ready socket without libevent's per-event bookkeeping.  Reading a socket never ends a
 * session, so no socket of this batch can be closed while the batch is served. */
static void
relay_poll(evutil_socket_t fd, short what, void *arg)
{
	struct epoll_event evs[256];
	int n = epoll_wait(relay_epfd, evs, 256, 0);

	relay_now = now_s();
	for (int i = 0; i < n; i++)
		ep_read(evs[i].data.ptr);
}

/* The relay thread: wait for ready sockets, then serve them under relay_mtx (re-polled there
 * if a socket left the set meanwhile: its endpoint may be gone); return once `stopping`. */
static void *
relay_run(void *arg)
{
	struct epoll_event evs[256];
	struct timespec ts;
	unsigned gen;
	int n;

	pthread_mutex_lock(&relay_mtx);
	for (;;) {
		gen = sock_gen;
		pthread_mutex_unlock(&relay_mtx);
		n = epoll_wait(relay_epfd, evs, 256, -1);
		pthread_mutex_lock(&relay_mtx);
		if (stopping)
			break;
		if (gen != sock_gen)
			n = epoll_wait(relay_epfd, evs, 256, 0);
		clock_gettime(CLOCK_REALTIME_COARSE, &ts);
		relay_now = ts.tv_sec;
		for (int i = 0; i < n; i++)
			if (evs[i].data.ptr != NULL)	/* NULL: wake_fd, seen as `stopping` */
				ep_read(evs[i].data.ptr);
	}
	pthread_mutex_unlock(&relay_mtx);
	return NULL;
}

/* An unconnected UDP socket on port, any address (dual-stack when possible); -1 if taken. */
static int
open_port(int port)
{
	int fd, off = 0;

	if ((fd = socket(relay_af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (relay_af == AF_INET6) {
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any,
		    .sin6_port = htons((uint16_t)port) };
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
			return fd;
	} else {
		struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = INADDR_ANY,
		    .sin_port = htons((uint16_t)port) };
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0)
			return fd;
	}
	close(fd);
	return -1;
}

static void
ep_close(struct relay_ep *ep)
{
	if (ep->fd != -1) {
		epoll_ctl(relay_epfd, EPOLL_CTL_DEL, ep->fd, NULL);
		close(ep->fd);
		ep->fd = -1;
		nsockets--;
		sock_gen++;	/* the thread's pending epoll batch may name ep */
	}
}

/* Open the RTP and RTCP sockets of one pair facing side; -1 if either port is taken. */
static int
pair_open(struct relay_stream *st, int side, int port)
{
	struct relay_ep *rtp = &st->ep[side][0], *rtcp = &st->ep[side][1];

	if ((rtp->fd = open_port(port)) == -1)
		return -1;
	if ((rtcp->fd = open_port(port + 1)) == -1) {
		close(rtp->fd);
		rtp->fd = -1;
		return -1;
	}
	nsockets += 2;
	for (int r = 0; r < 2; r++) {
		struct relay_ep *ep = &st->ep[side][r];
		ep->st = st;
		ep->side = side;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ep };
		if (epoll_ctl(relay_epfd, EPOLL_CTL_ADD, ep->fd, &ev) == -1)
			log_warn("relay: epoll_ctl");
	}
	return 0;
}

/* A free port pair from relay.port_min..port_max, opened for side; its index, or -1.
 * Pairs are handed out round-robin so a port just freed is not reused at once (late
 * packets of the old call would latch into the new one). */
static int
pair_alloc(struct relay_stream *st, int side)
{
	for (int tries = 0; tries < npairs; tries++) {
		int i = (pair_next + tries) % npairs;
		if (pair_used[i])
			continue;
		if (pair_open(st, side, port_base + 2 * i) == -1)
			continue;	/* someone else holds it */
		pair_used[i] = 1;
		pair_next = (i + 1) % npairs;
		return i;
	}
	return -1;
}

static void
stream_close(struct relay_stream *st)
{
	for (int side = 0; side < 2; side++) {
		for (int r = 0; r < 2; r++)
			ep_close(&st->ep[side][r]);
		if (st->pair[side] >= 0)
			pair_used[st->pair[side]] = 0;
		st->pair[side] = -1;
	}
}

static struct relay_stream *
stream_new(struct relay_session *s)
{
	struct relay_stream *st = xcalloc(1, sizeof(*st));

	st->s = s;
	for (int side = 0; side < 2; side++) {
		st->pair[side] = -1;
		for (int r = 0; r < 2; r++)
			st->ep[side][r].fd = -1;
	}
	for (int side = 0; side < 2; side++)
		if ((st->pair[side] = pair_alloc(st, side)) == -1) {
			stream_close(st);
			free(st);
			return NULL;
		}
	return st;
}

/* Fold the live counters of the session's streams into its stats (loss from seq state). */
static void
stats_update(struct relay_session *s)
{
	for (int d = 0; d < 2; d++) {
		s->stats.lost[d] = 0;
		for (int i = 0; i < s->nstreams; i++)
			if (s->st[i] != NULL)
				s->stats.lost[d] += seq_lost(&s->st[i]->seq[d]);
	}
}

/* End a session: its sockets close (relay_mtx held). */
static void
session_close(struct relay_session *s)
{
	fold_metrics();
	if (!s->ended)
		metrics_add(M_RELAY_SESSIONS, -1);
	stats_update(s);
	for (int i = 0; i < s->nstreams; i++)
		if (s->st[i] != NULL)
			stream_close(s->st[i]);
	s->ended = now_s();
	s->stats.ended = 1;
}

static void
session_free(struct relay_session *s)
{
	for (int i = 0; i < s->nstreams; i++)
		free(s->st[i]);
	free(s->call_id);
	free(s->a_tag);
	free(s);
}

static void
session_memory(const void *key, size_t klen, void *val, void *arg)
{
	const struct relay_session *s = val;
	size_t *n = arg;

	*n += xmalloc_size(s) + xmalloc_size(s->call_id) + xmalloc_size(s->a_tag) +
	    5 * sizeof(void *) + klen;	/* its htab entry */
	for (int i = 0; i < s->nstreams; i++)
		*n += xmalloc_size(s->st[i]);
}

size_t
relay_memory(void)
{
	size_t n = 0;

	if (sessions != NULL)
		htab_foreach(sessions, session_memory, &n);
	return n;
}

struct relay_session *
relay_find(const char *call_id)
{
	struct relay_session *s;

	if (sessions == NULL || call_id == NULL)
		return NULL;
	s = htab_get(sessions, call_id, strlen(call_id));
	return s != NULL && !s->ended ? s : NULL;
}

struct relay_session *
relay_create(const char *call_id, const char *a_tag)
{
	struct relay_session *s = xcalloc(1, sizeof(*s)), *old;

	s->call_id = xstrdup(call_id);
	s->a_tag = xstrdup(a_tag ? a_tag : "");
	last_set(s, now_s());
	metrics_add(M_RELAY_SESSIONS, 1);
	pthread_mutex_lock(&relay_mtx);
	if ((old = htab_put(sessions, call_id, strlen(call_id), s)) != NULL) {
		if (!old->ended)
			session_close(old);
		session_free(old);	/* its sockets are closed: no read can reach it */
	}
	pthread_mutex_unlock(&relay_mtx);
	log_debug("relay call-id=%s: session created", call_id);
	return s;
}

int
relay_side(const struct relay_session *s, const char *from_tag)
{
	return from_tag != NULL && strcmp(from_tag, s->a_tag) == 0 ? RELAY_A : RELAY_B;
}

/* A numeric SDP address into the socket's address form; 0, or -1 if not a literal. */
static int
to_sockaddr(int family, const char *addr, int port, struct sockaddr_in6 *out)
{
	struct in_addr a4;

	memset(out, 0, sizeof(*out));
	out->sin6_family = AF_INET6;
	out->sin6_port = htons((uint16_t)port);
	if (family == 4 && inet_pton(AF_INET, addr, &a4) == 1) {
		if (relay_af == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)out;
			s4->sin_family = AF_INET;
			s4->sin_addr = a4;
			return 0;
		}
		out->sin6_addr.s6_addr[10] = out->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&out->sin6_addr.s6_addr[12], &a4, 4);
		return 0;
	}
	if (family == 6 && relay_af == AF_INET6 && inet_pton(AF_INET6, addr, &out->sin6_addr) == 1)
		return 0;
	memset(out, 0, sizeof(*out));
	return -1;
}

/* Side signalled where it wants a stream's media: record it; a new address re-opens latching. */
static void
set_sig(struct relay_ep *ep, int family, const char *addr, int port)
{
	struct sockaddr_in6 a;

	if (sdp_addr_is_null(addr) || port == 0 || to_sockaddr(family, addr, port, &a) == -1)
		memset(&a, 0, sizeof(a));	/* hold / unknown: nothing is sent until it latches */
	if (addr_eq(&a, &ep->sig) && a.sin6_port != 0)
		return;
	ep->sig = a;
	if (ep->latch != LATCH_NONE && a.sin6_port == 0 && sdp_addr_is_null(addr))
		return;		/* c=0.0.0.0 hold: keep the learnt path for the resume */
	if (ep->connected) {
		struct sockaddr un = { .sa_family = AF_UNSPEC };
		connect(ep->fd, &un, sizeof(un));	/* receive from anyone again */
		ep->connected = 0;
	}
	ep->latch = LATCH_NONE;
	ep->seen = 0;
	ep->peer = a;
}

/* relay_sdp with relay_mtx held. */
static int
sdp_apply(struct relay_session *s, int side, const struct sdp_info *info, struct sdp_subst *sub)
{
	last_set(s, now_s());
	for (int i = 0; i < info->nstreams; i++) {
		const struct sdp_stream *m = &info->s[i];
		sub->port[i] = 0;
		if (m->port == 0 || !m->relayable)
			continue;	/* rejected stays rejected (RFC 3264 6), TCP is not relayed */
		if (i >= s->nstreams || s->st[i] == NULL) {
			struct relay_stream *st = stream_new(s);
			if (st == NULL) {
				log_warnx("relay call-id=%s: no free port pair in %d..%d",
				    s->call_id, cfg->relay_port_min, cfg->relay_port_max);
				return -1;
			}
			s->st[i] = st;
			if (i >= s->nstreams)
				s->nstreams = i + 1;
		}
		struct relay_stream *st = s->st[i];
		set_sig(&st->ep[side][0], m->family, m->addr, m->port);
		set_sig(&st->ep[side][1], m->family, m->addr,
		    m->rtcp_port ? m->rtcp_port : m->port + 1);
		sub->port[i] = port_base + 2 * st->pair[!side];
	}
	return 0;
}

int
relay_sdp(struct relay_session *s, int side, const struct sdp_info *info, struct sdp_subst *sub)
{
	int rc;

	pthread_mutex_lock(&relay_mtx);
	rc = sdp_apply(s, side, info, sub);
	pthread_mutex_unlock(&relay_mtx);
	return rc;
}

void
relay_answered(struct relay_session *s)
{
	if (!s->answered)
		metrics_inc(M_RELAY_CALLS);
	s->answered = 1;
	last_set(s, now_s());
}

void
relay_end(const char *call_id, const char *why)
{
	struct relay_session *s = relay_find(call_id);
	struct relay_stats x;

	if (s == NULL)
		return;
	pthread_mutex_lock(&relay_mtx);
	session_close(s);
	x = s->stats;	/* final: its sockets are closed */
	pthread_mutex_unlock(&relay_mtx);
	log_info("relay call-id=%s: ended (%s) a->b pkts=%llu bytes=%llu lost=%llu "
	    "b->a pkts=%llu bytes=%llu lost=%llu", call_id, why,
	    (unsigned long long)x.pkts[0], (unsigned long long)x.bytes[0],
	    (unsigned long long)x.lost[0], (unsigned long long)x.pkts[1],
	    (unsigned long long)x.bytes[1], (unsigned long long)x.lost[1]);
}

int
relay_call_stats(const char *call_id, struct relay_stats *out)
{
	struct relay_session *s;

	if (sessions == NULL || call_id == NULL ||
	    (s = htab_get(sessions, call_id, strlen(call_id))) == NULL)
		return -1;
	pthread_mutex_lock(&relay_mtx);
	if (!s->ended)
		stats_update(s);
	*out = s->stats;
	pthread_mutex_unlock(&relay_mtx);
	return 0;
}

size_t
relay_session_count(void)
{
	return sessions ? htab_count(sessions) : 0;
}

size_t
relay_socket_count(void)
{
	return nsockets;
}

/* Sweep: sessions idle too long end; ended ones past their linger are freed. */
struct sweep {
	time_t			 now;
	struct relay_session	*list[256];
	int			 n;
	int			 idle;		/* list holds idle sessions to end (else to free) */
};

static void
sweep_one(const void *key, size_t klen, void *val, void *arg)
{
	struct relay_session *s = val;
	struct sweep *w = arg;
	/* unanswered calls are ended by the proxy (failure, CANCEL, Timer C); this is a backstop */
	time_t limit = s->answered ? cfg->relay_timeout : cfg->timer_c + 64;

	if (w->n == (int)(sizeof(w->list) / sizeof(w->list[0])))
		return;
	/* whole seconds: "more than limit - 1" would end a session as early as limit - 1 s after
	 * its last packet; "more than limit" never ends it before limit s of silence */
	if (s->ended ? w->now - s->ended > RELAY_LINGER_S : w->now - last_get(s) > limit)
		w->list[w->n++] = s;
}

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	struct sweep w;

	do {
		memset(&w, 0, sizeof(w));
		w.now = now_s();
		fold_metrics();
		htab_foreach(sessions, sweep_one, &w);	/* loop-owned, `last` atomic: no lock */
		for (int i = 0; i < w.n; i++) {
			struct relay_session *s = w.list[i];
			if (s->ended) {
				/* closed RELAY_LINGER_S ago: no batch of the thread can name it */
				htab_del(sessions, s->call_id, strlen(s->call_id));
				session_free(s);
				w.list[i] = NULL;
			}
		}
		/* only this loop frees sessions: the idle ones listed are still there */
		for (int i = 0; i < w.n; i++)
			if (w.list[i] != NULL)
				relay_end(w.list[i]->call_id, "RTP timeout");
	} while (w.n == (int)(sizeof(w.list) / sizeof(w.list[0])));
}

/* Four sockets per relayed stream: a soft descriptor limit of 1024 would cap the relay at
 * about 250 calls, so the soft limit is raised to the hard one. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("relay: raising the descriptor limit");
	}
}

/* relay_mtx, priority-inheriting: the loop holding it never keeps a real-time thread waiting
 * behind other processes. */
static void
mutex_init(void)
{
	pthread_mutexattr_t ma;

	pthread_mutexattr_init(&ma);
	if (pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT) != 0)
		log_warnx("relay: no priority-inheriting mutex");
	pthread_mutex_init(&relay_mtx, &ma);
	pthread_mutexattr_destroy(&ma);
}

/* SCHED_FIFO at relay.priority for the relay thread; a failure only costs the priority. */
static void
thread_priority(void)
{
	struct sched_param sp = { .sched_priority = cfg->relay_priority };
	int err;

	if (cfg->relay_priority <= 0)
		return;
	if ((err = pthread_setschedparam(relay_thr, SCHED_FIFO, &sp)) != 0)
		log_warnx("relay: real-time priority %d refused (%s): ordinary scheduling",
		    cfg->relay_priority, strerror(err));
}

/* Start the relay thread (signals blocked: the loop handles them); 0, or -1 to relay on
 * the loop instead. */
static int
thread_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	sigset_t all, old;
	int err;

	if ((wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    epoll_ctl(relay_epfd, EPOLL_CTL_ADD, wake_fd, &ev) == -1) {
		log_warn("relay: no wake-up descriptor: relaying on the event loop");
		goto fail;
	}
	stopping = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&relay_thr, NULL, relay_run, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		log_warnx("relay: no thread (%s): relaying on the event loop", strerror(err));
		goto fail;
	}
	relay_threaded = 1;
	thread_priority();
	return 0;
fail:
	if (wake_fd != -1)
		close(wake_fd);
	wake_fd = -1;
	return -1;
}

/* Stop the relay thread and wait for it: no packet is served after this returns. */
static void
thread_stop(void)
{
	uint64_t one = 1;

	if (!relay_threaded)
		return;
	pthread_mutex_lock(&relay_mtx);
	stopping = 1;
	pthread_mutex_unlock(&relay_mtx);
	if (write(wake_fd, &one, sizeof(one)) == -1)
		log_warn("relay: waking the thread");
	pthread_join(relay_thr, NULL);
	relay_threaded = 0;
	close(wake_fd);
	wake_fd = -1;
}

void
relay_init(struct event_base *base)
{
	struct timeval tv = { 1, 0 };
	int fd;

	raise_fd_limit();
	mutex_init();
	relay_base = base;
	sessions = htab_new();
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1)
		relay_af = AF_INET;	/* no IPv6 on this host */
	else
		close(fd);
	port_base = cfg->relay_port_min + (cfg->relay_port_min & 1);
	npairs = (cfg->relay_port_max - port_base + 1) / 2;
	if (npairs < 1)
		npairs = 1;
	pair_used = xcalloc((size_t)npairs, 1);
	pair_next = 0;
	for (int i = 0; i < RELAY_BATCH; i++) {
		rx_iov[i].iov_base = rx_buf[i];
		rx_iov[i].iov_len = sizeof(rx_buf[i]);
		rx_msg[i].msg_hdr.msg_iov = &rx_iov[i];
		rx_msg[i].msg_hdr.msg_iovlen = 1;
		rx_msg[i].msg_hdr.msg_name = &rx_from[i];
		tx_msg[i].msg_hdr.msg_iov = &tx_iov[i];
		tx_msg[i].msg_hdr.msg_iovlen = 1;
		tx_msg[i].msg_hdr.msg_namelen = tx_namelen = relay_af == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	ev_sweep = event_new(base, -1, EV_PERSIST, sweep, NULL);
	event_add(ev_sweep, &tv);
	if ((relay_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("relay: epoll_create1");
	if (cfg->relay_thread && thread_start() == 0)
		return;
	ev_relay = event_new(base, relay_epfd, EV_READ | EV_PERSIST, relay_poll, NULL);
	event_add(ev_relay, NULL);
}

static void
close_one(const void *key, size_t klen, void *val, void *arg)
{
	struct relay_session *s = val;

	if (!s->ended)
		session_close(s);
	session_free(s);
}

void
relay_shutdown(void)
{
	if (sessions == NULL)
		return;
	thread_stop();		/* from here the loop alone touches the sessions */
	htab_foreach(sessions, close_one, NULL);
	htab_free(sessions);
	sessions = NULL;
	if (ev_sweep != NULL)
		event_free(ev_sweep);
	ev_sweep = NULL;
	if (ev_relay != NULL)
		event_free(ev_relay);
	ev_relay = NULL;
	if (relay_epfd != -1)
		close(relay_epfd);
	relay_epfd = -1;
	free(pair_used);
	pair_used = NULL;
	pthread_mutex_destroy(&relay_mtx);
}
