/* txn.c - the transaction layer (RFC 3261 17, with RFC 6026's Accepted state for 2xx to INVITE).
 *
 * Every live transaction sits in one of two hash tables: server transactions keyed per 17.2.3,
 * client transactions keyed per 17.1.3.  Each runs two libevent timers: the retransmission timer
 * (A, E, G) and the state timer (B, D, F, H, I, J, K, L, M; only one applies in any state).
 * The state machine holds one reference from creation until Terminated; the memory goes from a
 * deferred event once the last reference is dropped, so no callback sees freed memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "buf.h"
#include "config.h"
#include "htab.h"
#include "log.h"
#include "reply.h"
#include "sipbuild.h"
#include "sipd.h"
#include "sipmsg.h"
#include "transport.h"
#include "txn.h"
#include "xmalloc.h"

#define TXN_TAG_LEN	16
#define TIMER_D_MS	32000		/* RFC 3261 17.1.1.2: at least 32 s for unreliable transports */

enum txn_state {
	TS_CALLING, TS_TRYING, TS_PROCEEDING, TS_COMPLETED, TS_CONFIRMED, TS_ACCEPTED,
	TS_TERMINATED
};

static const char *const txn_state_names[] = {
	"Calling", "Trying", "Proceeding", "Completed", "Confirmed", "Accepted", "Terminated"
};

/* Where a transaction sends: a sip_peer in a third of its size (no sockaddr_storage, the TLS
 * name only when there is one); at 200 calls/s some 30,000 transactions are alive. */
struct txn_peer {
	union {
		struct sockaddr_in	 sin;
		struct sockaddr_in6	 sin6;
	}			 addr;
	socklen_t		 addrlen;
	enum sip_proto		 proto;
	int			 lsock;
	uint64_t		 conn;
	char			*tls_name;	/* NULL: none */
};

struct txn {
	TAILQ_ENTRY(txn)	 entry;		/* every allocated transaction: walked only at shutdown */
	int			 refcnt;
	unsigned		 server:1, invite:1, legacy:1, reliable:1, cancelled:1, stateless:1;
	enum txn_state		 state;
	enum sip_method		 method;

	struct htab		*table;		/* the table holding key, or NULL */
	const char		*key;		/* the table's copy (htab_key); NULL once unlinked */
	size_t			 klen;

	int			 t1, t2, t4;	/* ms, from cfg at creation */
	int			 interval;	/* current retransmission interval, ms */
	struct event		*tretx;		/* A, E, G */
	struct event		*tstate;	/* B, D, F, H, I, J, K, L, M */
	struct event		*tfree;		/* deferred free */

	char			*buf;		/* server: last response sent; client: the request */
	size_t			 len;
	int			 final_status;

	/* server side */
	struct sipmsg		*req;		/* released at the final response of a non-INVITE */
	char			*req_totag;	/* RFC 2543 matching once req is gone */
	uint16_t		 via_port;	/* sent-by port: a new connection goes there (18.2.2) */
	char			*resp_totag;	/* RFC 2543 INVITE: To tag of our non-2xx final */
	char			 totag[TXN_TAG_LEN + 1];
	void			(*cancel_fn)(struct txn *, void *);
	void			*cancel_arg;

	/* client side */
	struct txn_peer		 dst;		/* where the request (client) or responses go */
	txn_client_cb		 cb;
	void			*cbarg;
	char			*ack;		/* the ACK for a non-2xx (17.1.1.3), resent on retransmission */
	size_t			 acklen;
};

static struct event_base	*txn_base;
static struct htab		*txn_servers;
static struct htab		*txn_clients;
static TAILQ_HEAD(, txn)	 txn_all = TAILQ_HEAD_INITIALIZER(txn_all);
static size_t			 txn_live;	/* not yet Terminated */

static void txn_retx_cb(evutil_socket_t, short, void *);
static void txn_state_cb(evutil_socket_t, short, void *);
static void txn_free_cb(evutil_socket_t, short, void *);
static void stateless_totag(struct txn *);

/* ---- peers ---- */

static void
peer_pack(struct txn_peer *tp, const struct sip_peer *p)
{
	memset(&tp->addr, 0, sizeof(tp->addr));
	memcpy(&tp->addr, &p->addr, p->addr.ss_family == AF_INET6 ? sizeof(tp->addr.sin6) :
	    sizeof(tp->addr.sin));
	tp->addrlen = p->addrlen;
	tp->proto = p->proto;
	tp->lsock = p->lsock;
	tp->conn = p->conn;
	tp->tls_name = p->tls_name[0] != '\0' ? xstrdup(p->tls_name) : NULL;
}

static void
peer_unpack(const struct txn_peer *tp, struct sip_peer *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(&p->addr, &tp->addr, sizeof(tp->addr));
	p->addrlen = tp->addrlen;
	p->proto = tp->proto;
	p->lsock = tp->lsock;
	p->conn = tp->conn;
	if (tp->tls_name != NULL)
		snprintf(p->tls_name, sizeof(p->tls_name), "%s", tp->tls_name);
}

/* Send buf to t's peer. */
static int
txn_send(const struct txn *t, const char *buf, size_t len)
{
	struct sip_peer dst;

	peer_unpack(&t->dst, &dst);
	return transport_send(&dst, buf, len);
}

/* ---- keys ---- */

/* Append one key component, length-prefixed so that no two component lists share a key. */
static void
key_add(struct buf *sb, const void *data, size_t n)
{
	uint32_t n32 = (uint32_t)n;

	buf_add(sb, &n32, sizeof(n32));
	if (n > 0)
		buf_add(sb, data, n);
}

static void
key_adds(struct buf *sb, const char *s)
{
	key_add(sb, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* 1 when branch carries the RFC 3261 magic cookie and something after it (17.2.3). */
static int
branch_is_3261(const char *branch)
{
	size_t n = strlen(SIP_BRANCH_COOKIE);

	return branch != NULL && strncmp(branch, SIP_BRANCH_COOKIE, n) == 0 && branch[n] != '\0';
}

/* RFC 3261 17.2.3: branch + sent-by + method. */
static void
server_key_3261(const struct sipmsg *req, const char *method, struct buf *sb)
{
	uint32_t port = (uint32_t)req->via.port;
	size_t hoff;

	buf_add(sb, "3", 1);
	key_adds(sb, req->via.branch);
	hoff = sb->len + sizeof(uint32_t);
	key_adds(sb, req->via.host);
	for (size_t i = hoff; i < sb->len; i++)		/* host names are case-insensitive */
		if (sb->p[i] >= 'A' && sb->p[i] <= 'Z')
			sb->p[i] += 'a' - 'A';
	key_add(sb, &port, sizeof(port));
	key_adds(sb, method);
}

/* RFC 3261 17.2.3 (last paragraphs), for RFC 2543 peers: Request-URI, From tag, Call-ID, CSeq
 * number, top Via and method.  The To tag is checked after lookup (server_lookup): it differs
 * between an INVITE and the ACK for its final response. */
static void
server_key_2543(const struct sipmsg *req, const char *method, struct buf *sb)
{
	buf_add(sb, "2", 1);
	key_adds(sb, req->ruri);
	key_adds(sb, req->from_tag);
	key_adds(sb, req->call_id);
	key_add(sb, &req->cseq, sizeof(req->cseq));
	key_add(sb, req->raw + req->via.voff, req->via.vlen);
	key_adds(sb, method);
}

/* The server key of req as if its method were method, into a fresh sb.  1 for an RFC 2543 key. */
static int
server_key(const struct sipmsg *req, const char *method, struct buf *sb)
{
	buf_init(sb, 128);
	if (branch_is_3261(req->via.branch)) {
		server_key_3261(req, method, sb);
		return 0;
	}
	server_key_2543(req, method, sb);
	return 1;
}

/* The method a request's key carries: an ACK belongs to the INVITE transaction (17.2.3). */
static const char *
key_method(const struct sipmsg *req)
{
	if (req->method == SIP_ACK)
		return sip_method_name(SIP_INVITE);
	return req->method_name;
}

/* RFC 3261 17.1.3: branch + CSeq method, into a fresh sb. */
static void
client_key(const char *branch, enum sip_method method, struct buf *sb)
{
	uint32_t m = (uint32_t)method;

	buf_init(sb, 64);
	buf_add(sb, "C", 1);
	key_adds(sb, branch);
	key_add(sb, &m, sizeof(m));
}

/* ---- life cycle ---- */

void
txn_init(struct event_base *base)
{
	txn_base = base;
	if (txn_servers == NULL)
		txn_servers = htab_new();
	if (txn_clients == NULL)
		txn_clients = htab_new();
}

/* A new transaction in state st, holding the state machine's reference. */
static struct txn *
txn_alloc(int server, enum sip_method method, enum sip_proto proto, enum txn_state st)
{
	struct txn *t = xcalloc(1, sizeof(*t));

	t->refcnt = 1;
	t->server = server != 0;
	t->method = method;
	t->invite = method == SIP_INVITE;
	t->reliable = transport_reliable(proto) != 0;
	t->state = st;
	t->t1 = cfg->t1_ms;
	t->t2 = cfg->t2_ms;
	t->t4 = cfg->t4_ms;
	/* retransmission timers only where a transport may lose messages (17.1.1.2) */
	if (!t->reliable)
		t->tretx = evtimer_new(txn_base, txn_retx_cb, t);
	t->tstate = evtimer_new(txn_base, txn_state_cb, t);
	if ((!t->reliable && t->tretx == NULL) || t->tstate == NULL)
		fatalx("txn: evtimer_new");
	TAILQ_INSERT_TAIL(&txn_all, t, entry);
	txn_live++;
	return t;
}

/* Put t in table under key (taking the key); 0, or -1 when the key is taken. */
static int
txn_link(struct txn *t, struct htab *table, struct buf *key)
{
	if (htab_get(table, key->p, key->len) != NULL) {
		buf_free(key);
		return -1;
	}
	htab_put(table, key->p, key->len, t);
	t->table = table;
	t->key = htab_key(table, key->p, key->len);
	t->klen = key->len;
	buf_free(key);
	return 0;
}

static void
txn_unlink(struct txn *t)
{
	if (t->table != NULL && htab_get(t->table, t->key, t->klen) == t)
		htab_del(t->table, t->key, t->klen);
	t->table = NULL;
	t->key = NULL;
	t->klen = 0;
}

/* Start a timer of ms milliseconds (0 fires on the next loop iteration). */
static void
txn_arm(struct event *ev, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* Enter Terminated: out of the table, timers stopped, the state machine's reference dropped. */
static void
txn_terminate(struct txn *t)
{
	if (t->state == TS_TERMINATED)
		return;
	log_debug("txn %p: %s -> Terminated", (void *)t, txn_state_names[t->state]);
	t->state = TS_TERMINATED;
	if (t->tretx)
		if (t->tretx)
			evtimer_del(t->tretx);
	evtimer_del(t->tstate);
	txn_unlink(t);
	txn_live--;
	txn_unref(t);
}

/* Release everything t owns. */
static void
txn_destroy(struct txn *t)
{
	if (t->state != TS_TERMINATED)
		txn_live--;
	txn_unlink(t);
	TAILQ_REMOVE(&txn_all, t, entry);
	if (t->tretx)
		event_free(t->tretx);
	event_free(t->tstate);
	if (t->tfree)
		event_free(t->tfree);
	if (t->req != NULL)
		sipmsg_unref(t->req);
	free(t->req_totag);
	free(t->buf);
	free(t->ack);
	free(t->resp_totag);
	free(t->dst.tls_name);
	free(t);
}

/* The deferred free: runs from the loop once the last reference went. */
static void
txn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct txn *t = arg;

	if (t->refcnt == 0)
		txn_destroy(t);
}

struct txn *
txn_ref(struct txn *t)
{
	t->refcnt++;
	return t;
}

void
txn_unref(struct txn *t)
{
	if (t->refcnt <= 0)
		fatalx("txn_unref: refcnt %d", t->refcnt);
	if (--t->refcnt == 0) {
		if (t->tfree == NULL)
			t->tfree = evtimer_new(txn_base, txn_free_cb, t);
		event_active(t->tfree, EV_TIMEOUT, 1);
	}
}

size_t
txn_memory(void)
{
	const struct txn *t;
	size_t n = 0;

	TAILQ_FOREACH(t, &txn_all, entry) {
		n += xmalloc_size(t) + xmalloc_size(t->tretx) + xmalloc_size(t->tstate) +
		    xmalloc_size(t->tfree) + xmalloc_size(t->buf) +
		    xmalloc_size(t->ack) + xmalloc_size(t->req_totag) + xmalloc_size(t->resp_totag) +
		    xmalloc_size(t->dst.tls_name);
		if (t->table != NULL)
			n += 5 * sizeof(void *) + t->klen;	/* its htab entry: hent + key */
		if (t->req != NULL)
			n += sipmsg_memory(t->req);
	}
	return n;
}

void
txn_shutdown(void)
{
	struct txn *t;

	while ((t = TAILQ_FIRST(&txn_all)) != NULL)
		txn_destroy(t);
	htab_free(txn_servers);
	htab_free(txn_clients);
	txn_servers = txn_clients = NULL;
	txn_live = 0;
}

size_t
txn_count(void)
{
	return txn_live;
}

/* ---- server side ---- */

/* 1 when two To tags (either may be absent) are equal. */
static int
tag_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The server transaction req would belong to if its method were method. */
static struct txn *
server_lookup(const struct sipmsg *req, const char *method)
{
	struct buf key;
	struct txn *t;

	server_key(req, method, &key);
	t = htab_get(txn_servers, key.p, key.len);
	buf_free(&key);
	if (t == NULL || !t->legacy)
		return t;
	/* RFC 3261 17.2.3: an ACK carries the To tag of our response, anything else the request's. */
	if (req->method == SIP_ACK)
		return tag_equal(req->to_tag, t->resp_totag) ? t : NULL;
	return tag_equal(req->to_tag, t->req ? t->req->to_tag : t->req_totag) ? t : NULL;
}

struct txn *
txn_server_match(const struct sipmsg *req)
{
	struct txn *t = server_lookup(req, key_method(req));

	/* RFC 6026: the ACK for a 2xx is not part of the INVITE transaction; it goes up. */
	if (t != NULL && req->method == SIP_ACK && !(t->invite && t->final_status >= 300))
		return NULL;
	return t;
}

struct txn *
txn_server_match_cancel(const struct sipmsg *cancel)
{
	/* RFC 3261 9.2: match as if the CANCEL were the request it cancels. */
	struct txn *t = server_lookup(cancel, sip_method_name(SIP_INVITE));

	return t != NULL && t->invite ? t : NULL;
}

struct txn *
txn_server_new(struct sipmsg *req)
{
	struct sip_peer dst;
	struct buf key;
	struct txn *t;
	int legacy;

	if (req->method == SIP_ACK)		/* RFC 3261 17: never a transaction of its own */
		return NULL;
	if (cfg->max_transactions > 0 && txn_count() >= (size_t)cfg->max_transactions)
		return NULL;
	t = txn_alloc(1, req->method, req->src.proto,
	    req->method == SIP_INVITE ? TS_PROCEEDING : TS_TRYING);
	t->req = sipmsg_ref(req);
	reply_dest(req, &dst);
	peer_pack(&t->dst, &dst);
	t->via_port = (uint16_t)(req->via.port ? req->via.port : req->src.proto == PROTO_TLS ? 5061 : 5060);
	legacy = server_key(req, key_method(req), &key);
	t->legacy = legacy != 0;
	if (txn_link(t, txn_servers, &key) == -1)
		log_debug("txn %p: key taken, transaction not matchable", (void *)t);
	return t;
}

/* Send a response to where responses to the request go (RFC 3261 17.2.4, 18.2.2). */
static void
server_send(struct txn *t, const char *buf, size_t len)
{
	struct sip_peer dst;

	peer_unpack(&t->dst, &dst);
	/* the connection the request came on is gone: a new one to the sent-by port */
	if (t->reliable && !transport_conn_alive(dst.conn)) {
		if (dst.addr.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&dst.addr)->sin6_port = htons(t->via_port);
		else
			((struct sockaddr_in *)&dst.addr)->sin_port = htons(t->via_port);
	}
	if (transport_send(&dst, buf, len) == -1)
		log_debug("txn %p: response not sent", (void *)t);
}

/* The From URI of req for the log (sipmsg's parse), else the raw value copied into buf. */
static const char *
log_from(const struct sipmsg *req, char *buf, size_t len)
{
	const struct sip_hdr *h;

	if (req->from_uri != NULL)
		return req->from_uri;
	if ((h = sipmsg_hdr(req, HDR_FROM, NULL)) == NULL)
		return "-";
	snprintf(buf, len, "%.*s", (int)h->vlen, req->raw + h->voff);
	return buf;
}

/* The one info line per server transaction, at its final response. */
static void
server_log_final(const struct txn *t)
{
	const struct sipmsg *req = t->req;
	char src[128], from[512];

	if (!log_enabled(LOG_INFO))
		return;
	log_info("txn call-id=%s method=%s from=%s status=%d src=%s",
	    req->call_id != NULL ? req->call_id : "-", req->method_name,
	    log_from(req, from, sizeof(from)), t->final_status,
	    sip_peer_str(&req->src, src, sizeof(src)));
}

/* The To tag of a response we send (for RFC 2543 ACK matching); NULL when it has none. */
static char *
response_totag(const char *buf, size_t len)
{
	struct sipmsg_limits lim = { len + 1, 1024, len + 1 };
	struct sip_err err;
	struct sipmsg *resp = sipmsg_parse(buf, len, 1, &lim, &err);
	char *tag = NULL;

	if (resp == NULL)
		return NULL;
	if (resp->to_tag != NULL)
		tag = xstrdup(resp->to_tag);
	sipmsg_unref(resp);
	return tag;
}

/* The copy of the message t sent is no longer needed (retransmissions are over). */
static void
txn_drop_buf(struct txn *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
}

/* Completed, Confirmed and Accepted need only the key, the response and its destination:
 * the request goes (RFC 2543 matching keeps its To tag). */
static void
txn_drop_req(struct txn *t)
{
	if (t->legacy && t->req->to_tag != NULL)
		t->req_totag = xstrdup(t->req->to_tag);
	sipmsg_unref(t->req);
	t->req = NULL;
}

/* A final response was sent: enter the state RFC 3261 17.2 / RFC 6026 prescribe. */
static void
server_final(struct txn *t)
{
	if (t->invite && t->final_status < 300) {
		/* RFC 6026: Accepted absorbs INVITE retransmissions for Timer L; it never
		 * resends the 2xx (its TU does), so the copy goes now. */
		t->state = TS_ACCEPTED;
		txn_drop_buf(t);
		txn_arm(t->tstate, 64 * t->t1);
	} else if (t->invite) {
		t->state = TS_COMPLETED;
		if (t->legacy)
			t->resp_totag = response_totag(t->buf, t->len);
		t->interval = t->t1;
		if (!t->reliable)
			txn_arm(t->tretx, t->interval);		/* G */
		txn_arm(t->tstate, 64 * t->t1);			/* H */
	} else {
		t->state = TS_COMPLETED;
		/* A stateless UAS (RFC 3261 8.2.7) keeps nothing once it answered: its owner
		 * recognises a retransmission itself and answers it the same way again. */
		txn_arm(t->tstate, t->reliable || t->stateless ? 0 : 64 * t->t1);	/* J */
	}
	if (t->state != TS_ACCEPTED)
		txn_drop_req(t);	/* Accepted: see txn_reply_raw */
}

/* Send a response through t; takes buf. */
static int
server_respond(struct txn *t, int status, char *buf, size_t len)
{
	if (!t->server || t->state == TS_TERMINATED)
		goto fail;
	if (t->final_status != 0) {
		/* RFC 6026: further 2xx from the TU in Accepted go to the transport. */
		if (t->state != TS_ACCEPTED || status / 100 != 2)
			goto fail;
		server_send(t, buf, len);
		free(buf);
		return 0;
	}
	free(t->buf);
	t->buf = buf;
	t->len = len;
	if (status < 200) {
		server_send(t, buf, len);
		if (!t->invite)
			t->state = TS_PROCEEDING;
		return 0;
	}
	/* Logged before it is sent: a peer that saw the answer finds it in the log even when
	 * sipd is killed right after the send (reg_restart.sh). */
	t->final_status = status;
	server_log_final(t);
	server_send(t, buf, len);
	server_final(t);
	return 0;
fail:
	free(buf);
	return -1;
}

int
txn_reply(struct txn *t, int status, const char *reason, const char *extra,
    const char *body_type, const char *body, size_t bodylen)
{
	const char *totag = NULL;
	size_t len;
	char *buf;

	if (!t->server || t->state == TS_TERMINATED || t->req == NULL ||
	    (t->final_status != 0 && t->state != TS_ACCEPTED))
		return -1;
	if (status > 100 && t->req->to_tag == NULL)
		totag = txn_totag(t);
	buf = reply_build(t->req, status, reason, totag, extra, body_type, body, bodylen, &len);
	return server_respond(t, status, buf, len);
}

int
txn_reply_raw(struct txn *t, int status, char *buf, size_t len)
{
	if (server_respond(t, status, buf, len) == -1)
		return -1;
	/* a relayed 2xx: the TU relays the further ones too (here), so no txn_reply will
	 * build a response from the request during Accepted's 32 s */
	if (t->state == TS_ACCEPTED && t->req != NULL)
		txn_drop_req(t);
	return 0;
}

void
txn_server_absorb(struct txn *t, struct sipmsg *req)
{
	if (!t->server || t->state == TS_TERMINATED)
		return;
	if (req->method == SIP_ACK) {
		if (t->invite && t->state == TS_COMPLETED) {
			/* RFC 3261 17.2.1: Confirmed absorbs further ACKs until Timer I. */
			t->state = TS_CONFIRMED;
			if (t->tretx)
				evtimer_del(t->tretx);
			txn_arm(t->tstate, t->reliable ? 0 : t->t4);
		}
		return;
	}
	/* Trying: nothing to resend yet; Confirmed and Accepted absorb (RFC 6026). */
	if ((t->state == TS_PROCEEDING || t->state == TS_COMPLETED) && t->buf != NULL)
		server_send(t, t->buf, t->len);
}

/* Timer G: retransmit the non-2xx final, doubling up to T2 (RFC 3261 17.2.1). */
static void
server_retx(struct txn *t)
{
	if (t->state != TS_COMPLETED)
		return;
	server_send(t, t->buf, t->len);
	t->interval = t->interval * 2 < t->t2 ? t->interval * 2 : t->t2;
	txn_arm(t->tretx, t->interval);
}

/* Timers H, I, J, L: the transaction ends. */
static void
server_timeout(struct txn *t)
{
	if (t->invite && t->state == TS_COMPLETED)
		log_debug("txn %p: Timer H, no ACK for %d", (void *)t, t->final_status);
	txn_terminate(t);
}

struct sipmsg *
txn_request(const struct txn *t)
{
	return t->req;
}

const char *
txn_totag(struct txn *t)
{
	if (t->totag[0] == '\0' && t->stateless)
		stateless_totag(t);
	else if (t->totag[0] == '\0')
		sip_random_token(t->totag, TXN_TAG_LEN);
	return t->totag;
}

void
txn_set_stateless(struct txn *t)
{
	if (t->server && !t->invite)
		t->stateless = 1;
}

/* A To tag a retransmission of the same request gets again: a keyed hash (the htab SipHash
 * key is secret and fixed for the process) of the transaction key. */
static void
stateless_totag(struct txn *t)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t h = htab_hash(t->key, t->klen);

	for (int i = 0; i < TXN_TAG_LEN; i++) {
		if (i == 10)
			h = htab_hash(&h, sizeof(h));
		t->totag[i] = set[h % (sizeof(set) - 1)];
		h /= sizeof(set) - 1;
	}
	t->totag[TXN_TAG_LEN] = '\0';
}


int
txn_final_status(const struct txn *t)
{
	return t->final_status;
}

void
txn_on_cancel(struct txn *t, void (*fn)(struct txn *, void *), void *arg)
{
	t->cancel_fn = fn;
	t->cancel_arg = arg;
}

void
txn_cancelled(struct txn *t)
{
	/* RFC 3261 9.2: a CANCEL has no effect once a final response was sent. */
	if (t->final_status != 0 || t->cancelled)
		return;
	t->cancelled = 1;
	if (t->cancel_fn == NULL)
		return;
	txn_ref(t);
	t->cancel_fn(t, t->cancel_arg);
	txn_unref(t);
}

int
txn_is_cancelled(const struct txn *t)
{
	return t->cancelled;
}

/* ---- client side ---- */

/* Report to the owner (if it is still there). */
static void
client_notify(struct txn *t, struct sipmsg *resp, int status)
{
	if (t->cb == NULL)
		return;
	txn_ref(t);
	t->cb(t, resp, status, t->cbarg);
	txn_unref(t);
}

/* Timeout or transport failure: tell the owner and end (RFC 3261 17.1.1.2, 17.1.2.2, 17.1.4). */
static void
client_fail(struct txn *t, int status)
{
	txn_ref(t);
	txn_terminate(t);
	client_notify(t, NULL, status);
	txn_unref(t);
}

struct failed_ctx {
	enum sip_proto			 proto;
	const struct sockaddr_storage	*addr;
	uint64_t			 conn;
	struct txn			**hit;
	size_t				 n, cap;
};

static int
txn_addr_equal(const struct txn_peer *tp, const struct sockaddr_storage *addr)
{
	struct sip_peer p;

	peer_unpack(tp, &p);
	return sip_addr_equal(&p.addr, addr);
}

static void
failed_match(const void *k, size_t kl, void *v, void *arg)
{
	struct failed_ctx *fc = arg;
	struct txn *t = v;

	if (!t->reliable || t->dst.proto != fc->proto || (t->state != TS_CALLING &&
	    t->state != TS_TRYING) || fc->n == fc->cap)
		return;
	if (fc->conn != 0 ? t->dst.conn != fc->conn : !txn_addr_equal(&t->dst, fc->addr))
		return;
	fc->hit[fc->n++] = txn_ref(t);
}

void
txn_transport_failed(enum sip_proto proto, const struct sockaddr_storage *addr, uint64_t conn)
{
	struct txn *hit[64];
	struct failed_ctx fc = { proto, addr, conn, hit, 0, 64 };

	if (txn_clients == NULL)
		return;
	htab_foreach(txn_clients, failed_match, &fc);
	for (size_t i = 0; i < fc.n; i++) {
		if (hit[i]->state == TS_CALLING || hit[i]->state == TS_TRYING)
			client_fail(hit[i], 503);
		txn_unref(hit[i]);
	}
}

struct txn *
txn_client_new(const struct sip_peer *dst, enum sip_method method, const char *branch,
    char *buf, size_t len, txn_client_cb cb, void *arg)
{
	struct buf key;
	struct txn *t;

	if (method == SIP_ACK) {	/* RFC 3261 17: an ACK is sent without a transaction */
		log_warnx("txn_client_new: ACK is not a transaction");
		free(buf);
		return NULL;
	}
	t = txn_alloc(0, method, dst->proto, method == SIP_INVITE ? TS_CALLING : TS_TRYING);
	peer_pack(&t->dst, dst);
	t->buf = buf;
	t->len = len;
	client_key(branch, method, &key);
	if (txn_link(t, txn_clients, &key) == -1) {
		log_warnx("txn_client_new: branch %s already in use", branch);
		goto fail;
	}
	if (transport_send(dst, buf, len) == -1)
		goto fail;
	t->cb = cb;
	t->cbarg = arg;
	t->interval = t->t1;
	if (!t->reliable)
		txn_arm(t->tretx, t->interval);		/* A or E */
	txn_arm(t->tstate, 64 * t->t1);			/* B or F */
	return t;
fail:
	txn_terminate(t);
	return NULL;
}

void
txn_client_peer(const struct txn *t, struct sip_peer *dst)
{
	peer_unpack(&t->dst, dst);
}

const char *
txn_client_request(const struct txn *t, size_t *len)
{
	*len = t->len;
	return t->server ? NULL : t->buf;
}

/* The ACK for a non-2xx final response, from the request as sent (RFC 3261 17.1.1.3). */
static char *
client_build_ack(const struct txn *t, const struct sipmsg *resp, size_t *outlen)
{
	struct sipmsg_limits lim = { t->len + 1, 1024, t->len + 1 };
	struct sipmsg *req;
	struct sip_err err;
	char *ack = NULL;

	req = sipmsg_parse(t->buf, t->len, 1, &lim, &err);
	if (req != NULL && err.status == 0)
		ack = sipbuild_ack(req, resp, outlen);
	if (ack == NULL)
		log_warnx("txn %p: cannot build the ACK from own request", (void *)t);
	sipmsg_unref(req);
	return ack;
}

/* Send (or resend) the ACK for the non-2xx final. */
static void
client_send_ack(struct txn *t, const struct sipmsg *resp)
{
	if (t->ack == NULL && t->buf != NULL)
		t->ack = client_build_ack(t, resp, &t->acklen);
	if (t->ack != NULL && txn_send(t, t->ack, t->acklen) == -1)
		log_debug("txn %p: ACK not sent", (void *)t);
}

/* A response to an INVITE client transaction (RFC 3261 17.1.1.2, RFC 6026). */
static void
client_invite_response(struct txn *t, struct sipmsg *resp)
{
	int cls = resp->status / 100;

	if (t->state == TS_COMPLETED) {
		if (cls >= 3)
			client_send_ack(t, resp);	/* a retransmitted final */
		return;
	}
	if (t->state == TS_ACCEPTED) {
		if (cls == 2)			/* retransmissions and forks go to the TU */
			client_notify(t, resp, resp->status);
		return;
	}
	if (cls == 1) {
		if (t->state == TS_CALLING) {
			/* Proceeding: no more retransmissions, and Timer B only runs in Calling */
			t->state = TS_PROCEEDING;
			if (t->tretx)
				evtimer_del(t->tretx);
			evtimer_del(t->tstate);
		}
		client_notify(t, resp, resp->status);
		return;
	}
	if (t->tretx)
		evtimer_del(t->tretx);
	evtimer_del(t->tstate);
	t->final_status = resp->status;
	if (cls == 2) {
		t->state = TS_ACCEPTED;
		txn_arm(t->tstate, 64 * t->t1);			/* M */
	} else {
		t->state = TS_COMPLETED;
		client_send_ack(t, resp);
		txn_arm(t->tstate, t->reliable ? 0 : TIMER_D_MS);	/* D */
	}
	txn_drop_buf(t);	/* no retransmission and no CANCEL after a final (9.1) */
	client_notify(t, resp, resp->status);
}

/* A response to a non-INVITE client transaction (RFC 3261 17.1.2.2). */
static void
client_noninvite_response(struct txn *t, struct sipmsg *resp)
{
	if (t->state == TS_COMPLETED)
		return;				/* retransmitted final: absorbed */
	if (resp->status < 200) {
		t->state = TS_PROCEEDING;
	} else {
		t->state = TS_COMPLETED;
		t->final_status = resp->status;
		if (t->tretx)
			evtimer_del(t->tretx);
		evtimer_del(t->tstate);
		txn_drop_buf(t);
		txn_arm(t->tstate, t->reliable ? 0 : t->t4);	/* K */
	}
	client_notify(t, resp, resp->status);
}

int
txn_client_response(struct sipmsg *resp)
{
	struct buf key;
	struct txn *t;

	/* RFC 3261 17.1.3: branch + CSeq method; an ACK never has a response. */
	if (resp->is_request || resp->via.branch == NULL || resp->method == SIP_ACK)
		return 0;
	client_key(resp->via.branch, resp->method, &key);
	t = htab_get(txn_clients, key.p, key.len);
	buf_free(&key);
	if (t == NULL)
		return 0;
	txn_ref(t);
	if (t->invite)
		client_invite_response(t, resp);
	else
		client_noninvite_response(t, resp);
	txn_unref(t);
	return 1;
}

void
txn_server_drop(struct txn *t)
{
	if (t->server && t->final_status == 0)
		txn_terminate(t);
}

void
txn_client_detach(struct txn *t)
{
	t->cb = NULL;
	t->cbarg = NULL;
	/* Proceeding INVITE has no timer of its own: give up after 64*T1 (RFC 3261 9.1). */
	if (t->invite && t->state == TS_PROCEEDING)
		txn_arm(t->tstate, 64 * t->t1);
}

/* Timers A and E: retransmit the request (RFC 3261 17.1.1.2, 17.1.2.2). */
static void
client_retx(struct txn *t)
{
	if (t->state != TS_CALLING && t->state != TS_TRYING && t->state != TS_PROCEEDING)
		return;
	if (txn_send(t, t->buf, t->len) == -1) {
		client_fail(t, 503);
		return;
	}
	if (t->state == TS_CALLING)
		t->interval *= 2;		/* A doubles without the T2 cap */
	else if (t->state == TS_TRYING)
		t->interval = t->interval * 2 < t->t2 ? t->interval * 2 : t->t2;
	else
		t->interval = t->t2;		/* E in Proceeding */
	txn_arm(t->tretx, t->interval);
}

/* Timers B, F (timeout: 408 to the owner) and D, K, M (linger over). */
static void
client_timeout(struct txn *t)
{
	if (t->state == TS_CALLING || t->state == TS_TRYING || t->state == TS_PROCEEDING) {
		log_debug("txn %p: no final response (%s)", (void *)t, txn_state_names[t->state]);
		client_fail(t, 408);
		return;
	}
	txn_terminate(t);
}

/* The retransmission timer fired. */
static void
txn_retx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct txn *t = arg;

	if (t->server)
		server_retx(t);
	else
		client_retx(t);
}

/* The state timer fired. */
static void
txn_state_cb(evutil_socket_t fd, short what, void *arg)
{
	struct txn *t = arg;

	if (t->server)
		server_timeout(t);
	else
		client_timeout(t);
}
