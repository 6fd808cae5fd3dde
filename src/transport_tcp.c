/* transport_tcp.c - stream connections, TCP and TLS alike (transport_tls.c only makes the TLS
 * bufferevents): listeners, messages framed by Content-Length (RFC 3261 18.3), CRLF keep-alives
 * answered (RFC 5626 3.5.1), one connection per flow (RFC 5626 3.4) kept while a registration
 * uses it, and the timeouts that keep slow or half-open peers from holding the daemon. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <time.h>

#include "config.h"
#include "framing.h"
#include "htab.h"
#include "log.h"
#include "ratelimit.h"
#include "transport.h"
#include "transport_int.h"
#include "xmalloc.h"

#define TCP_OUT_MAX	(4 * 1024 * 1024)	/* a peer that reads nothing is dropped past this */

struct tcp_conn {
	uint64_t		 id;
	struct bufferevent	*bev;
	struct sip_peer		 peer;
	int			 inbound;
	int			 in_read;	/* inside tcp_read: defer the free */
	int			 dead;
	int			 up;		/* connected (TLS: handshake done) */
	int			 sent_request;	/* a request went out on it (transactions wait) */
	time_t			 partial_since;	/* a message started arriving then (0 = none) */
};

struct tcp_listener {
	struct evconnlistener	*lev;		/* NULL once closed by a reload */
	struct sockaddr_storage	 local;
	enum sip_proto		 proto;
	struct sockaddr_storage	 conf;		/* the address configured (for reload) */
};

static struct event_base	*tcp_base;
static struct tcp_listener	*listeners;
static int			 nlisteners;
static struct htab		*by_id, *by_addr;
static struct htab		*per_host;	/* inbound connections per remote address */
static uint64_t			 next_id = 1;
static size_t			 nconns;
static int			 closing_all;	/* exit: nobody to tell about closed connections */
static int			(*flow_in_use)(uint64_t);
static void			(*conn_failed)(enum sip_proto, const struct sockaddr_storage *,
				    uint64_t);

void
transport_set_flow_hook(int (*in_use)(uint64_t conn))
{
	flow_in_use = in_use;
}

void
transport_set_failure_hook(void (*failed)(enum sip_proto, const struct sockaddr_storage *,
    uint64_t))
{
	conn_failed = failed;
}

/* Where a connection that never came up went (told from the loop, outside any send path). */
struct failure {
	enum sip_proto		 proto;
	struct sockaddr_storage	 addr;
	uint64_t		 conn;	/* 0: never came up */
};

static void
tell_failure(evutil_socket_t fd, short what, void *arg)
{
	struct failure *f = arg;

	if (conn_failed != NULL)
		conn_failed(f->proto, &f->addr, f->conn);
	free(f);
}

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Read timeout: the handshake's, the rest of a started message's, or the idle one. */
static void
conn_timeouts(struct tcp_conn *c)
{
	struct timeval rd = { cfg ? cfg->tcp_idle_timeout : 300, 0 };
	struct timeval wr = { cfg ? cfg->tcp_idle_timeout : 300, 0 };

	if (!c->up && c->peer.proto == PROTO_TLS)
		rd.tv_sec = cfg ? cfg->tls_handshake_timeout : 10;
	else if (c->partial_since != 0) {
		long left = (cfg ? cfg->stream_read_timeout : 30) - (long)(mono_now() - c->partial_since);
		if (left < rd.tv_sec)	/* the sooner of the two */
			rd.tv_sec = left > 0 ? left : 1;
	}
	bufferevent_set_timeouts(c->bev, &rd, &wr);
}

/* Key for the address table: protocol, family, port and address bytes. */
static size_t
addr_key(enum sip_proto proto, const struct sockaddr_storage *ss, unsigned char *key)
{
	key[0] = (unsigned char)proto;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		key[1] = 6;
		memcpy(key + 2, &s6->sin6_port, 2);
		memcpy(key + 4, &s6->sin6_addr, 16);
		return 20;
	}
	const struct sockaddr_in *s4 = (const void *)ss;
	key[1] = 4;
	memcpy(key + 2, &s4->sin_port, 2);
	memcpy(key + 4, &s4->sin_addr, 4);
	return 8;
}

/* Key for the per-address count: family and address bytes, no port, any transport. */
static size_t
host_key(const struct sockaddr_storage *ss, unsigned char *key)
{
	if (ss->ss_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, 16);
		return 17;
	}
	key[0] = 4;
	memcpy(key + 1, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
	return 5;
}

/* Inbound connections open from ss's address. */
static size_t
host_conns(const struct sockaddr_storage *ss)
{
	unsigned char key[19];

	return per_host ? (size_t)(uintptr_t)htab_get(per_host, key, host_key(ss, key)) : 0;
}

static void
host_count(const struct sockaddr_storage *ss, int delta)
{
	unsigned char key[19];
	size_t kl = host_key(ss, key);
	size_t n = (size_t)(uintptr_t)htab_get(per_host, key, kl) + (size_t)delta;

	if (n == 0)
		htab_del(per_host, key, kl);
	else
		htab_put(per_host, key, kl, (void *)(uintptr_t)n);
}

/* Forget a connection and free it (later, when inside its own read callback). */
static void
conn_close(struct tcp_conn *c)
{
	unsigned char key[20];
	size_t kl;

	if (!c->dead) {
		c->dead = 1;
		htab_del(by_id, &c->id, sizeof(c->id));
		kl = addr_key(c->peer.proto, &c->peer.addr, key);
		if (htab_get(by_addr, key, kl) == c)
			htab_del(by_addr, key, kl);
		if (c->inbound)
			host_count(&c->peer.addr, -1);
		nconns--;
		log_debug("%s conn %llu closed", sip_proto_name(c->peer.proto),
		    (unsigned long long)c->id);
		if (conn_failed != NULL && !closing_all &&
		    (c->sent_request || (!c->inbound && !c->up))) {
			struct failure *f = xcalloc(1, sizeof(*f));
			struct timeval now = { 0, 0 };
			f->proto = c->peer.proto;
			f->addr = c->peer.addr;
			f->conn = !c->inbound && !c->up ? 0 : c->id;
			if (event_base_once(tcp_base, -1, EV_TIMEOUT, tell_failure, f, &now) == -1)
				free(f);
		}
	}
	if (c->in_read)
		return;
	bufferevent_free(c->bev);
	free(c);
}

/* Pull whole messages out of the input buffer and hand each to the receive hook. */
static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t max = cfg ? (size_t)cfg->max_message_size : 65535;

	c->in_read = 1;
	while (!c->dead) {
		size_t len = evbuffer_get_length(in), skip, msglen;
		const char *why;
		if (len == 0)
			break;
		const char *p = (const char *)evbuffer_pullup(in, (ssize_t)len);
		enum frame_result r = framing_scan(p, len, max, &skip, &msglen, &why);
		if (r == FRAME_NEED_MORE)
			break;
		if (r == FRAME_ERROR) {
			char ps[80];
			log_info("tcp %s: %s, closing the connection", sip_peer_str(&c->peer, ps, sizeof(ps)), why);
			conn_close(c);
			break;
		}
		if (r == FRAME_PING)
			bufferevent_write(bev, "\r\n", 2);
		if (r == FRAME_MESSAGE && !ratelimit_message(&c->peer.addr, p + skip, msglen)) {
			conn_close(c);	/* flooding or banned: silently, before parsing */
			break;
		}
		if (r == FRAME_MESSAGE) {
			transport_recv(p + skip, msglen, 0, &c->peer);
			skip += msglen;
		}
		evbuffer_drain(in, skip);
	}
	c->in_read = 0;
	if (c->dead) {
		conn_close(c);
		return;
	}
	/* a message begun must be finished within limits.stream_read_timeout, trickle or not */
	if (evbuffer_get_length(in) == 0)
		c->partial_since = 0;
	else if (c->partial_since == 0)
		c->partial_since = mono_now();
	else if (mono_now() - c->partial_since >= (cfg ? cfg->stream_read_timeout : 30)) {
		log_info("%s conn %llu: message not finished in time, closing",
		    sip_proto_name(c->peer.proto), (unsigned long long)c->id);
		conn_close(c);
		return;
	}
	conn_timeouts(c);
}

/* A read timeout: an idle flow that a registration uses stays (RFC 5626 4.4 keeps it); a
 * handshake or message not finished in time, or an idle unused connection, is closed. */
static int
conn_timed_out(struct tcp_conn *c)
{
	char ps[80];

	sip_peer_str(&c->peer, ps, sizeof(ps));
	if (!c->up && c->peer.proto == PROTO_TLS) {
		log_info("tls %s: handshake not done in time, closing", ps);
		return 1;
	}
	if (c->partial_since != 0) {
		log_info("%s: message not finished in time, closing", ps);
		return 1;
	}
	if (flow_in_use != NULL && flow_in_use(c->id)) {
		log_debug("%s: idle, kept (a registration uses it)", ps);
		bufferevent_enable(c->bev, EV_READ);
		return 0;
	}
	log_debug("%s: idle, closing", ps);
	return 1;
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;
	char ps[80];

	if (what & BEV_EVENT_CONNECTED) {
		c->up = 1;
		conn_timeouts(c);
		log_debug("%s: connected", sip_peer_str(&c->peer, ps, sizeof(ps)));
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !(what & BEV_EVENT_WRITING)) {
		if (conn_timed_out(c))
			conn_close(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		char why[160];
		transport_tls_error(bev, why, sizeof(why));
		log_info("%s: %s", sip_peer_str(&c->peer, ps, sizeof(ps)), why);
	} else if (what & BEV_EVENT_EOF)
		log_debug("%s: closed by the peer", sip_peer_str(&c->peer, ps, sizeof(ps)));
	else if (what & BEV_EVENT_TIMEOUT)
		log_debug("%s: peer not reading, closing", sip_peer_str(&c->peer, ps, sizeof(ps)));
	conn_close(c);
}

/* Wrap a bufferevent (accepted or connecting) in a connection. */
static struct tcp_conn *
conn_new(struct bufferevent *bev, enum sip_proto proto, const struct sockaddr *sa, socklen_t sl,
    int inbound)
{
	struct tcp_conn *c = xcalloc(1, sizeof(*c));
	unsigned char key[20];
	size_t max = cfg ? (size_t)cfg->max_message_size : 65535;

	c->id = next_id++;
	c->inbound = inbound;
	c->up = inbound && proto == PROTO_TCP;
	c->peer.proto = proto;
	memcpy(&c->peer.addr, sa, sl);
	c->peer.addrlen = sl;
	c->peer.lsock = -1;
	c->peer.conn = c->id;
	c->bev = bev;
	bufferevent_setcb(c->bev, tcp_read, NULL, tcp_event, c);
	/* stop reading past one largest message (plus a read's worth) until it is consumed */
	bufferevent_setwatermark(c->bev, EV_READ, 0, max + 16384);
	conn_timeouts(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	htab_put(by_id, &c->id, sizeof(c->id), c);
	htab_put(by_addr, key, addr_key(proto, &c->peer.addr, key), c);
	if (inbound)
		host_count(&c->peer.addr, 1);
	nconns++;
	return c;
}

/* limits.tcp_max_connections bounds TCP and TLS together. */
static int
conn_limit_reached(void)
{
	static time_t last;

	if (cfg == NULL || nconns < (size_t)cfg->tcp_max_connections)
		return 0;
	if (time(NULL) != last)
		log_warnx("stream: %zu connections, limits.tcp_max_connections reached; refusing", nconns);
	last = time(NULL);
	return 1;
}

static void
tcp_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int sl, void *arg)
{
	struct tcp_listener *l = &listeners[(intptr_t)arg];
	struct bufferevent *bev;
	int on = 1;

	if (conn_limit_reached()) {
		close(fd);
		return;
	}
	if (!ratelimit_allow((struct sockaddr_storage *)sa)) {
		close(fd);	/* a banned source: not even a connection */
		return;
	}
	if (cfg && host_conns((struct sockaddr_storage *)sa) >= (size_t)cfg->tcp_max_per_ip &&
	    !ratelimit_trusted((struct sockaddr_storage *)sa)) {
		static time_t last;
		char h[64];
		if (time(NULL) != last)
			log_warnx("tcp: %s has %zu connections, limits.tcp_max_per_address reached;"
			    " refusing", sip_addr_host((struct sockaddr_storage *)sa, h, sizeof(h), NULL),
			    host_conns((struct sockaddr_storage *)sa));
		last = time(NULL);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (l->proto == PROTO_TLS)
		bev = transport_tls_accept(tcp_base, fd);
	else
		bev = bufferevent_socket_new(tcp_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	conn_new(bev, l->proto, sa, (socklen_t)sl, 1);
}

int
transport_tcp_listen(struct event_base *base, const struct listen_addr *la)
{
	int fd;
	socklen_t sl = sizeof(struct sockaddr_storage);

	tcp_base = base;
	if (by_id == NULL) {
		by_id = htab_new();
		by_addr = htab_new();
		per_host = htab_new();
	}
	if ((fd = transport_socket(la, SOCK_STREAM)) == -1)
		return -1;
	listeners = xrealloc(listeners, (size_t)(nlisteners + 1) * sizeof(*listeners));
	getsockname(fd, (struct sockaddr *)&listeners[nlisteners].local, &sl);
	listeners[nlisteners].proto = la->proto;
	listeners[nlisteners].conf = la->ss;
	listeners[nlisteners].lev = evconnlistener_new(base, tcp_accept,
	    (void *)(intptr_t)nlisteners, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, fd);
	if (listeners[nlisteners].lev == NULL) {
		log_warn("%s: listen", la->spec);
		close(fd);
		return -1;
	}
	nlisteners++;
	return 0;
}

/* An open connection to dst: by id, else by address, else a new outgoing one. */
static struct tcp_conn *
conn_for(const struct sip_peer *dst)
{
	struct tcp_conn *c = NULL;
	unsigned char key[20];
	evutil_socket_t fd;

	if (by_id == NULL)
		return NULL;
	if (dst->conn != 0 && (c = htab_get(by_id, &dst->conn, sizeof(dst->conn))) != NULL &&
	    c->peer.proto == dst->proto)
		return c;
	if ((c = htab_get(by_addr, key, addr_key(dst->proto, &dst->addr, key))) != NULL)
		return c;
	if (conn_limit_reached())
		return NULL;
	if ((fd = socket(dst->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return NULL;
	socklen_t sl = dst->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	struct bufferevent *bev = dst->proto == PROTO_TLS ?
	    transport_tls_connect(tcp_base, fd, dst) :
	    bufferevent_socket_new(tcp_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return NULL;
	}
	c = conn_new(bev, dst->proto, (const struct sockaddr *)&dst->addr, sl, 0);
	if (bufferevent_socket_connect(c->bev, (const struct sockaddr *)&dst->addr, (int)sl) == -1) {
		conn_close(c);
		return NULL;
	}
	return c;
}

int
transport_tcp_send(const struct sip_peer *dst, const char *buf, size_t len)
{
	struct tcp_conn *c = conn_for(dst);

	if (c == NULL || c->dead)
		return -1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > TCP_OUT_MAX) {
		log_info("%s conn %llu: peer is not reading, closing", sip_proto_name(c->peer.proto),
		    (unsigned long long)c->id);
		conn_close(c);
		return -1;
	}
	if (len < 8 || memcmp(buf, "SIP/2.0 ", 8) != 0)
		c->sent_request = 1;
	return bufferevent_write(c->bev, buf, len);
}

int
transport_conn_alive(uint64_t id)
{
	return id != 0 && by_id != NULL && htab_get(by_id, &id, sizeof(id)) != NULL;
}

size_t
transport_conn_count(void)
{
	return nconns;
}

int
transport_tcp_local(enum sip_proto proto, int family, struct sockaddr_storage *out)
{
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].lev != NULL && listeners[i].local.ss_family == family &&
		    listeners[i].proto == proto) {
			*out = listeners[i].local;
			return 0;
		}
	return -1;
}

void
transport_tcp_quiesce(void)
{
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].lev != NULL)
			evconnlistener_disable(listeners[i].lev);
}

int
transport_tcp_has(const struct listen_addr *la)
{
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].lev != NULL && listeners[i].proto == la->proto &&
		    transport_same_addr(&listeners[i].conf, &la->ss))
			return 1;
	return 0;
}

/* Stop listening on la (reload removed it); connections accepted on it stay open. */
int
transport_tcp_close_one(const struct listen_addr *la)
{
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].lev != NULL && listeners[i].proto == la->proto &&
		    transport_same_addr(&listeners[i].conf, &la->ss)) {
			evconnlistener_free(listeners[i].lev);
			listeners[i].lev = NULL;
			return 0;
		}
	return -1;
}

static void
sum_pending(const void *k, size_t kl, void *v, void *arg)
{
	struct tcp_conn *c = v;

	*(size_t *)arg += evbuffer_get_length(bufferevent_get_output(c->bev));
}

size_t
transport_tcp_pending(void)
{
	size_t n = 0;

	if (by_id != NULL)
		htab_foreach(by_id, sum_pending, &n);
	return n;
}

static void
collect(const void *k, size_t kl, void *v, void *arg)
{
	struct tcp_conn ***pp = arg;

	*(*pp)++ = v;
}

void
transport_tcp_close(void)
{
	closing_all = 1;
	if (by_id != NULL) {
		struct tcp_conn **all = xcalloc(nconns + 1, sizeof(*all)), **p = all;
		htab_foreach(by_id, collect, &p);
		for (struct tcp_conn **q = all; q < p; q++)
			conn_close(*q);
		free(all);
		htab_free(by_id);
		htab_free(by_addr);
		htab_free(per_host);
		by_id = by_addr = per_host = NULL;
	}
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].lev != NULL)
			evconnlistener_free(listeners[i].lev);
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
}
