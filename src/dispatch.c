/* dispatch.c - the receive pipeline: parse + validate -> transaction match -> method handler.
 * Each arrow of STYLE.md's pipeline is one call here. */
#include <string.h>
#include <time.h>

#include "config.h"
#include "dispatch.h"
#include "local.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "reply.h"
#include "txn.h"

static dispatch_fn		 handlers[SIP_METHOD_MAX];
static struct dispatch_stats	 stats;

void
dispatch_set(enum sip_method m, dispatch_fn fn)
{
	handlers[m] = fn;
}

const struct dispatch_stats *
dispatch_stats(void)
{
	return &stats;
}

/* Bad input is logged, but at most a few lines a second so a flood cannot fill the disk. */
static void
log_bad(const struct sip_peer *src, const char *what, const char *reason)
{
	static time_t window;
	static unsigned shown, suppressed;
	time_t now = time(NULL);
	char ps[80];

	if (now != window) {
		if (suppressed)
			log_info("%u more bad messages not logged", suppressed);
		window = now;
		shown = suppressed = 0;
	}
	if (shown++ >= 10) {
		suppressed++;
		return;
	}
	log_info("bad %s from %s: %s", what, sip_peer_str(src, ps, sizeof(ps)), reason);
}

static struct sipmsg_limits
limits(void)
{
	struct sipmsg_limits l = { 65535, 128, 8192 };

	if (cfg != NULL) {
		l.max_size = (size_t)cfg->max_message_size;
		l.max_headers = cfg->max_headers;
		l.max_line = (size_t)cfg->max_line_length;
	}
	return l;
}

/* RFC 3261 18.1.2 / 16.7: responses go to their client transaction.  Strays are dropped, not
 * forwarded statelessly: RFC 6026 7.3 replaced 16.7's stateless forwarding of unmatched responses
 * (a forgery risk); late 2xx retransmissions are still relayed by the client transaction in its
 * Accepted state (Timer M) and by the call's linger time in proxy.c. */
static int
handle_response(struct sipmsg *m)
{
	if (txn_client_response(m))
		return 1;
	log_debug("response %d %s matches no transaction, dropped", m->status,
	    m->cseq_method ? m->cseq_method : "");
	return 0;
}

/* Flood limit: the transport let every response in uncounted (ratelimit_message); one that
 * answered none of sipd's client transactions counts against its source after all, so a
 * flood of forged or stray responses is banned like any other, while a phone's or a gateway's
 * answers to sipd's own requests never get it banned. */
static void
count_stray_response(const char *buf, size_t len, const struct sip_peer *src)
{
	if (ratelimit_is_response(buf, len))
		ratelimit_allow(&src->addr);
}

/* CANCEL (RFC 3261 9.2): 200 to the CANCEL itself, then the INVITE's owner stops (487). */
static void
handle_cancel(struct txn *t, struct sipmsg *m)
{
	struct txn *inv = txn_server_match_cancel(m);

	if (inv == NULL) {
		txn_reply(t, 481, NULL, NULL, NULL, NULL, 0);
		return;
	}
	txn_reply(t, 200, NULL, NULL, NULL, NULL, 0);
	if (txn_final_status(inv) == 0)
		txn_cancelled(inv);
}

/* A request that passed validation and matched no transaction. */
static void
handle_request(struct sipmsg *m)
{
	struct txn *t;
	dispatch_fn fn;

	if ((t = txn_server_match(m)) != NULL) {
		txn_server_absorb(t, m);	/* retransmission, or ACK for a non-2xx */
		return;
	}
	if (m->method == SIP_ACK) {
		/* ACK for a 2xx is end to end (RFC 3261 17.2.3 / 13.2.2.4). */
		if (handlers[SIP_ACK] != NULL)
			handlers[SIP_ACK](NULL, m);
		return;
	}
	if ((t = txn_server_new(m)) == NULL) {
		reply_stateless(m, 503, "Too Many Transactions", "Retry-After: 5\r\n");
		return;
	}
	if (m->method == SIP_CANCEL)
		fn = handlers[SIP_CANCEL] ? handlers[SIP_CANCEL] : handle_cancel;
	else if ((fn = handlers[m->method]) == NULL)
		fn = handlers[SIP_UNKNOWN] ? handlers[SIP_UNKNOWN] : local_request;
	fn(t, m);
}

void
dispatch_message(const char *buf, size_t len, int datagram, const struct sip_peer *src)
{
	struct sipmsg_limits lim = limits();
	struct sip_err err;
	struct sipmsg *m;

	if ((m = sipmsg_parse(buf, len, datagram, &lim, &err)) == NULL) {
		stats.dropped++;
		metrics_inc(M_BAD_MESSAGES);
		log_bad(src, "message", "unparseable start line");
		count_stray_response(buf, len, src);
		return;
	}
	m->src = *src;
	metrics_message(METRICS_IN, m->is_request, m->method, m->status);
	if (!m->is_request) {
		stats.responses++;
		if (err.status != 0) {
			stats.dropped++;
			metrics_inc(M_BAD_MESSAGES);
			log_bad(src, "response", err.reason ? err.reason : "malformed");
			count_stray_response(buf, len, src);
		} else if (!handle_response(m))
			count_stray_response(buf, len, src);
	} else if (err.status != 0) {
		stats.bad++;
		metrics_inc(M_BAD_MESSAGES);
		log_bad(src, "request", err.reason ? err.reason : "malformed");
		/* never answer an ACK; drop what has no usable Via */
		if (err.status > 0 && m->method != SIP_ACK)
			reply_stateless(m, err.status, err.reason,
			    err.status == 501 ? "Allow: " LOCAL_ALLOW "\r\n" : NULL);
	} else {
		stats.requests++;
		handle_request(m);
	}
	sipmsg_unref(m);
}
