/* proxy.c - the stateful proxy (RFC 3261 16): the request entry points (route processing 16.4,
 * the checks of 16.3) and the branch/response state machine: forking (16.6), response
 * selection (16.7), Timer C, serial forking and PBX stages, CANCEL (16.10).  One struct call
 * per forwarded request.  What a copy looks like is proxy_edit.c's; where it goes,
 * proxy_target.c's. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "callrec.h"
#include "config.h"
#include "dispatch.h"
#include "dns.h"
#include "flow.h"
#include "domain.h"
#include "grammar.h"
#include "local.h"
#include "caller.h"
#include "log.h"
#include "media.h"
#include "msgstore.h"
#include "pbx.h"
#include "presence.h"
#include "proxy.h"
#include "proxy_edit.h"
#include "proxy_target.h"
#include "registrar.h"
#include "store.h"
#include "transport.h"
#include "txn.h"
#include "uri.h"
#include "vm.h"
#include "xmalloc.h"

#define MAX_BRANCHES	32

struct call;

static void proxy_route(struct txn *, struct sipmsg *, int);

/* One forwarded copy (16.6) and its client transaction. */
struct branch {
	struct call	*call;
	struct txn	*ct;		/* its destination too (txn_client_peer) */
	int		 flow;		/* sent on a phone's flow (RFC 5626) */
	char		 id[32];	/* Via branch */
	int		 provisional;	/* got a 1xx: a CANCEL may be sent */
	int		 cancel;	/* CANCEL wanted */
	int		 status;	/* final status, 0 while pending */
	char		*challenges;	/* WWW-/Proxy-Authenticate lines of its 401/407 */
	char		*who;		/* the AOR (or URI) it rings, for the call record */
};

/* The proxy's state for one server transaction. */
struct call {
	struct txn	*st;
	struct sipmsg	*req;		/* NULL once the call lingers (call_finish) */
	int		 family;	/* ... then the caller's address family */
	struct branch	*b;		/* room for every target the call may ring (call_room) */
	int		 nb, cap;
	int		 pending;
	int		 answered;	/* a 2xx (or the final) went upstream */
	char		*bestbuf;
	size_t		 bestlen;
	int		 beststatus;
	int		 bestidx;	/* branch of the best response, -1 none */
	struct event	*linger;	/* keeps the call until late 2xx retransmissions are done */
	struct event	*timer_c;	/* RFC 3261 16.6 step 11 */
	struct target	*later;		/* serial forking: the q-groups not tried yet */
	int		 nlater;
	int		 drop;		/* own Route values removed from the copies */
	int		 cancelled;
	int		 failover;	/* RFC 3263 targets: the next only after 503 / no answer */
	int		 pbx;		/* targets follow a PBX plan: stage by stage (pbx.h) */
	int		 stage;		/* the stage ringing */
	int		 stage_best;	/* its best final status so far */
	int		 rang_out;	/* its ring time ran out: its branches are being cancelled */
	struct event	*ring_timer;
	struct event	*vm_timer;	/* the callee's voicemail answers when it fires */
	unsigned char	 outcome[PBX_MAX_STAGES];	/* enum pbx_outcome of each stage */
	struct call	*prev, *next;	/* every live call, for shutdown */
};

/* Where route processing (16.4) sends a request. */
enum way {
	WAY_HERE,	/* nowhere else: answered here (local_request) */
	WAY_ROUTED,	/* a Route set remains after ours: its next hop, Request-URI untouched */
	WAY_DIALOG,	/* our Route was the last of a mid-dialog request: its remote target */
	WAY_RELAY,	/* a new request for another domain (RFC 3263) */
	WAY_USER,	/* a user of ours: the location service and PBX plans (16.5) */
};

static struct event_base *proxy_base;
static struct call	*calls;		/* live calls */

/* Is this a dialog-creating method that gets Record-Route (16.6 step 4)? */
static int
creates_dialog(enum sip_method m)
{
	return cfg->record_route && (m == SIP_INVITE || m == SIP_SUBSCRIBE || m == SIP_REFER);
}

/* 1 when the URI names this server (a Route / Record-Route of ours; its user part is empty or
 * holds our flow tokens). */
static int
uri_is_us(const char *p, size_t n)
{
	struct uri_parts u;

	return uri_split(p, n, &u) == 0 && (u.user[0] == '\0' || flow_user_valid(u.user)) &&
	    domain_is_local(u.host, u.port);
}

/* Where sipd sits toward p: p's transport and family, and the address sipd listens on for
 * them into host (hop->host NULL when it has none). */
static void
local_hop(const struct sip_peer *p, char *host, size_t hostlen, struct proxy_edit_hop *hop)
{
	hop->proto = p->proto;
	hop->family = p->addr.ss_family;
	hop->port = 0;
	hop->host = transport_local(p->proto, p->addr.ss_family, host, hostlen, &hop->port) == 0 ?
	    host : NULL;
}

/* Our Via for a copy sent to dst: branch = cookie + loop hash + copy index (unique per
 * client transaction, the same for a retransmission). */
static void
make_via(const struct sipmsg *m, const struct sip_peer *dst, int idx, char *branch,
    size_t blen, struct buf *via)
{
	char host[64];
	struct proxy_edit_hop hop;

	proxy_edit_branch(m, idx, branch, blen);
	local_hop(dst, host, sizeof(host), &hop);
	proxy_edit_via(via, &hop, branch);
}

/* The Record-Route user part: tokens of the flows in-dialog requests must take (RFC 5626 5.3):
 * the callee's when it is reached on its flow, the caller's when it sits behind one. */
static void
rr_user(const struct sipmsg *m, const struct target *t, char *out, size_t len)
{
	char tok[FLOW_TOKEN_MAX], contact[1024];
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_CONTACT, NULL);
	struct nameaddr_info ni;

	out[0] = '\0';
	if (t->flow)
		snprintf(out, len, "%s", flow_token(&t->dst, tok, sizeof(tok)));
	if (h != NULL && grammar_nameaddr(m->raw + h->voff, h->vlen, 0, &ni) == 0 &&
	    ni.uri.len < sizeof(contact)) {
		memcpy(contact, m->raw + h->voff + ni.uri.off, ni.uri.len);
		contact[ni.uri.len] = '\0';
		if (flow_behind_nat(m, contact) && strlen(out) + FLOW_TOKEN_MAX + 1 < len) {
			size_t o = strlen(out);
			snprintf(out + o, len - o, "%s%s", o ? "." : "",
			    flow_token(&m->src, tok, sizeof(tok)));
		}
	}
}

/* Record-Route line(s) for a copy to t: toward the callee, and toward the caller too when
 * that side differs (proxy_edit_record_route). */
static void
make_rr(const struct sipmsg *m, const struct target *t, struct buf *rr)
{
	char user[2 * FLOW_TOKEN_MAX + 2], h1[64], h2[64];
	struct proxy_edit_hop callee, caller;

	rr_user(m, t, user, sizeof(user));
	local_hop(&t->dst, h1, sizeof(h1), &callee);
	if (t->dst.proto == m->src.proto && t->dst.addr.ss_family == m->src.addr.ss_family)
		caller = callee;	/* one Record-Route serves both sides */
	else
		local_hop(&m->src, h2, sizeof(h2), &caller);
	proxy_edit_record_route(rr, user, &callee, &caller);
}

static void
call_free(struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	for (int i = 0; i < c->nb; i++) {
		if (c->b[i].ct != NULL) {
			txn_client_detach(c->b[i].ct);
			txn_unref(c->b[i].ct);
		}
		free(c->b[i].challenges);
		free(c->b[i].who);
	}
	free(c->b);
	if (c->ring_timer)
		event_free(c->ring_timer);
	if (c->linger)
		event_free(c->linger);
	if (c->timer_c)
		event_free(c->timer_c);
	for (int i = 0; i < c->nlater; i++)
		free(c->later[i].routes);
	free(c->later);
	free(c->bestbuf);
	txn_unref(c->st);
	sipmsg_unref(c->req);
	free(c);
}

/* 1 when a branch of the call was answered with a 2xx. */
static int
call_answered(const struct call *c)
{
	for (int i = 0; i < c->nb; i++)
		if (c->b[i].status / 100 == 2)
			return 1;
	return 0;
}

static void
linger_done(evutil_socket_t fd, short what, void *arg)
{
	call_free(arg);
}

/* All branches are final: keep an INVITE's call a while for 2xx retransmissions (RFC 6026
 * Timer M downstream), then free it; any other request's call goes from the loop at once (its
 * client transactions absorb retransmitted finals themselves). */
static void
call_finish(struct call *c)
{
	struct timeval tv = { 0, 0 };

	if (c->linger != NULL)
		return;
	if (!call_answered(c))
		media_call_failed(c->req, c->beststatus ? c->beststatus : 408);
	if (c->timer_c)
		event_free(c->timer_c);
	if (c->ring_timer)
		event_free(c->ring_timer);
	if (c->vm_timer)
		event_free(c->vm_timer);
	c->timer_c = c->ring_timer = c->vm_timer = NULL;
	if (c->req->method == SIP_INVITE)
		tv.tv_sec = (64 * cfg->t1_ms) / 1000;
	/* what lingers only relays late 2xx (upstream): the request is no longer needed */
	c->family = c->req->src.addr.ss_family;
	sipmsg_unref(c->req);
	c->req = NULL;
	c->linger = evtimer_new(proxy_base, linger_done, c);
	evtimer_add(c->linger, &tv);
}

/* Responses that tell the caller how to retry: preferred within 4xx (16.7 step 6). */
static int
informative(int st)
{
	return st == 401 || st == 407 || st == 415 || st == 420 || st == 484;
}

/* 16.7 step 6: which final response is better (lower class; 6xx beats all). */
static int
better(int a, int b)
{
	if (b == 0)
		return 1;
	if (a / 100 == 6)
		return b / 100 != 6;
	if (b / 100 == 6)
		return 0;
	if (a / 100 == b / 100)
		return a / 100 == 4 && informative(a) && !informative(b);
	return a / 100 < b / 100;
}

/* 16.7 step 7: a 401/407 going upstream carries the challenges of every other branch's
 * 401/407 too, so the caller can answer all the realms at once. */
static void
aggregate_challenges(struct call *c)
{
	struct buf lines;
	char *out;
	size_t len;

	if ((c->beststatus != 401 && c->beststatus != 407) || c->bestbuf == NULL)
		return;
	buf_init(&lines, 512);
	for (int i = 0; i < c->nb; i++)
		if (i != c->bestidx && c->b[i].challenges != NULL)
			buf_adds(&lines, c->b[i].challenges);
	out = proxy_edit_add_challenges(c->bestbuf, c->bestlen, lines.p, &len);
	buf_free(&lines);
	if (out == NULL)
		return;
	free(c->bestbuf);
	c->bestbuf = out;
	c->bestlen = len;
}

static void
cancel_cb(struct txn *t, struct sipmsg *resp, int status, void *arg)
{
	/* the CANCEL's own answer needs nothing from us */
}

/* Send CANCEL down a branch that has had a provisional response (9.1). */
static void
cancel_branch(struct branch *br)
{
	struct sip_peer dst;
	const char *sent;
	size_t len, sentlen;
	char *buf;

	if ((br->status != 0 && !br->cancel) || br->ct == NULL)
		return;		/* final; unless given up on before its 1xx (Timer C, ring time) */
	if (!br->provisional) {
		br->cancel = 1;		/* sent when the first 1xx arrives */
		return;
	}
	br->cancel = 0;
	/* the request as sent: its client transaction keeps it until a final response */
	if ((sent = txn_client_request(br->ct, &sentlen)) == NULL ||
	    (buf = proxy_edit_cancel(sent, sentlen, &len)) == NULL)
		return;
	txn_client_peer(br->ct, &dst);
	struct txn *ct = txn_client_new(&dst, SIP_CANCEL, br->id, buf, len, cancel_cb, NULL);
	if (ct != NULL)
		txn_client_detach(ct);
}

static void
cancel_others(struct call *c, int except)
{
	for (int i = 0; i < c->nb; i++)
		if (i != except)
			cancel_branch(&c->b[i]);
}

/* The caller cancelled the INVITE (16.10): CANCEL every pending branch. */
static void
on_cancel(struct txn *st, void *arg)
{
	struct call *c = arg;

	c->cancelled = 1;	/* and no further q-group is tried */
	cancel_others(c, -1);
}

/* Send the best final response upstream once nothing is pending (16.7 step 6). */
static void
send_best(struct call *c)
{
	if (c->answered)
		return;
	c->answered = 1;
	callrec_failed(c->req, c, c->beststatus ? c->beststatus : 408);
	if (c->req->method == SIP_MESSAGE && msgstore_failed(c->st, c->req,
	    c->bestbuf == NULL && (c->beststatus == 408 || c->beststatus == 0) ? 0 : c->beststatus))
		return;		/* its phones are not there: stored for them */
	if (c->req->method != SIP_INVITE && c->bestbuf == NULL && c->beststatus == 408) {
		/* RFC 4320 4.2: no 408 to a non-INVITE; the client times out by itself */
		txn_server_drop(c->st);
		return;
	}
	aggregate_challenges(c);
	if (c->beststatus == 503) {
		/* RFC 3261 16.7 step 6: a 503 means the next hop is out of service, not sipd;
		 * forwarded upstream it would make the caller avoid sipd itself: send 500. */
		free(c->bestbuf);
		c->bestbuf = NULL;
		c->beststatus = 500;
	}
	if (c->bestbuf != NULL) {
		txn_reply_raw(c->st, c->beststatus, c->bestbuf, c->bestlen);
		c->bestbuf = NULL;
	} else {
		txn_reply(c->st, c->beststatus ? c->beststatus : 408, NULL, NULL, NULL, NULL, 0);
	}
}

static int fork_branch(struct call *, const struct target *, int);

/* Serial forking (16.6): start every target of the highest remaining q; returns how many. */
static int
next_group(struct call *c)
{
	int started = 0, i = 0;

	if (c->nlater == 0)
		return 0;
	int q = c->later[0].q;
	for (; i < c->nlater && c->later[i].q == q && c->nb < c->cap; i++)
		started += fork_branch(c, &c->later[i], c->drop) == 0;
	for (int k = 0; k < i; k++)
		free(c->later[k].routes);
	memmove(c->later, c->later + i, (size_t)(c->nlater - i) * sizeof(*c->later));
	c->nlater -= i;
	return started;
}

/* Give up on the pending branches: one that rang is CANCELled (its 487 then ends it); one
 * that never answered at all counts as if it had received a 408 (and is CANCELled should
 * its 1xx still come). */
static void
expire_branches(struct call *c)
{
	for (int i = 0; i < c->nb; i++) {
		struct branch *br = &c->b[i];
		if (br->status != 0)
			continue;
		cancel_branch(br);
		if (br->provisional)
			continue;
		br->status = 408;
		c->pending--;
		if (c->beststatus == 0)
			c->beststatus = 408;
		if (c->stage_best == 0)
			c->stage_best = 408;
	}
}

/* PBX plans: the stage that just ended decides, by its outcome, which stage rings next: the
 * first whose parent stage ran and ended the way it waits for (pbx.h).  A stage with nothing
 * reachable ends at once as unanswered.  Returns how many branches started. */
static int
next_stage(struct call *c)
{
	while (c->nlater > 0) {
		const struct target *t = &c->later[0];
		int s = t->stage, k = 0, started = 0, ring = t->ring, had = c->nb;
		int enter = t->parent < 0 || pbx_wanted(c->outcome[t->parent], t->when);

		while (k < c->nlater && c->later[k].stage == s)
			k++;
		if (enter) {
			c->stage = s;
			c->outcome[s] = PBX_RUNNING;
			c->stage_best = c->rang_out = 0;
			for (int i = 0; i < k && c->nb < c->cap; i++)
				if (!c->later[i].none)
					started += fork_branch(c, &c->later[i], c->drop) == 0;
		}
		for (int i = 0; i < k; i++)
			free(c->later[i].routes);
		memmove(c->later, c->later + k, (size_t)(c->nlater - k) * sizeof(*c->later));
		c->nlater -= k;
		if (started == 0) {
			if (enter)
				c->outcome[s] = PBX_NOANSWER;
			continue;
		}
		log_info("proxy call-id=%s: stage %d rings %d target(s)%s", c->req->call_id, s,
		    started, ring ? "" : " until Timer C");
		if (had > 0) {	/* the caller hears how the stage that rings now ends */
			free(c->bestbuf);
			c->bestbuf = NULL;
			c->beststatus = 0;
			c->bestidx = -1;
		}
		if (ring > 0 && c->req->method == SIP_INVITE) {
			struct timeval tv = { ring, 0 };
			evtimer_add(c->ring_timer, &tv);
		}
		return started;
	}
	return 0;
}

static void call_progress(struct call *);

/* Voicemail, the last stage of a call to a user with a box: busy everywhere, nobody
 * answered, or the box's ring time ran out (vm_timer).  1 when it answered the call. */
static int
vm_takes(struct call *c)
{
	struct sipmsg *orig = txn_request(c->st);	/* the offer as the caller sent it */
	int st = c->beststatus;

	if (c->answered || txn_is_cancelled(c->st) || orig == NULL || orig->to_tag != NULL ||
	    c->req->method != SIP_INVITE || !(st == 0 || st == 408 || st == 480 || st == 486 ||
	    st == 487 || st == 600 || st / 100 == 5) || !vm_answer(c->st, orig, c))
		return 0;
	c->answered = 1;
	call_finish(c);
	return 1;
}

/* The box's ring time is over: the branches are cancelled, then voicemail answers. */
static void
vm_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct call *c = arg;

	if (c->answered || c->pending == 0)
		return;
	log_info("proxy call-id=%s: rang out, voicemail answers", c->req->call_id);
	expire_branches(c);
	call_progress(c);
}

/* Nothing pending: ring what comes next (serial forking, PBX stages) or answer upstream. */
static void
call_progress(struct call *c)
{
	if (c->pending != 0)
		return;
	if (c->pbx && c->outcome[c->stage] == PBX_RUNNING)
		c->outcome[c->stage] = (unsigned char)pbx_outcome(c->stage_best, c->rang_out);
	if (!c->answered && !c->cancelled && c->beststatus / 100 != 6 &&
	    (!c->failover || c->beststatus == 503 || c->beststatus == 408) &&
	    (c->pbx ? next_stage(c) : next_group(c)) > 0)
		return;		/* serial forking: the next q-group / stage rings now */
	if (vm_takes(c))
		return;
	send_best(c);
	call_finish(c);
}

/* Timer C (16.6 step 11): every pending branch is given up on, and no target after them is
 * tried. */
static void
timer_c_fired(evutil_socket_t fd, short what, void *arg)
{
	struct call *c = arg;

	log_info("proxy call-id=%s: Timer C, cancelling", c->req->call_id);
	c->cancelled = 1;
	expire_branches(c);
	call_progress(c);
}

/* A PBX stage rang its time unanswered (no-answer forwarding, serial ring groups): CANCEL
 * its branches (16.10); once they are done, the next stage rings. */
static void
ring_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	struct call *c = arg;

	if (c->answered || c->cancelled || c->pending == 0)
		return;
	log_info("proxy call-id=%s: stage %d rang out, cancelling it", c->req->call_id, c->stage);
	c->rang_out = 1;
	expire_branches(c);
	call_progress(c);
}

/* A 1xx/2xx going upstream: its SDP pointed at the relay, our Via removed. */
static char *
upstream(struct call *c, struct sipmsg *resp, size_t *len)
{
	struct sipmsg *r = media_response(resp, c->req != NULL ? c->req->src.addr.ss_family :
	    c->family);
	char *out = proxy_edit_strip_via(r ? r : resp, len);

	sipmsg_unref(r);
	return out;
}

/* Responses of one branch (16.7). */
static void
branch_cb(struct txn *ct, struct sipmsg *resp, int status, void *arg)
{
	struct branch *br = arg;
	struct call *c = br->call;
	size_t len;
	char *out;

	if (status < 200) {
		br->provisional = 1;
		if (c->timer_c != NULL && br->status == 0) {
			struct timeval tv = { cfg->timer_c, 0 };
			evtimer_add(c->timer_c, &tv);	/* restarted by every provisional */
		}
		if (br->cancel)
			cancel_branch(br);
		if (status > 100)
			callrec_ringing(c->req, c);
		if (status > 100 && !c->answered && (out = upstream(c, resp, &len)) != NULL)
			txn_reply_raw(c->st, status, out, len);
		return;
	}
	if (status < 300) {
		/* every 2xx goes upstream at once, retransmissions and forks too (16.7 step 5) */
		if (resp != NULL && (out = upstream(c, resp, &len)) != NULL)
			txn_reply_raw(c->st, status, out, len);
		if (br->status != 0)
			return;
		br->status = status;
		callrec_answered(c->req, c, status, br->who);
		c->answered = 1;
		c->pending--;
		cancel_others(c, (int)(br - c->b));
	} else {
		if (br->status != 0)
			return;
		if (status == 487 && c->rang_out && !c->cancelled) {
			status = 408;	/* we cancelled it: the caller sees no answer, not 487 */
			resp = NULL;
		}
		if (resp == NULL && status == 503 && br->flow)
			status = 430;	/* RFC 5626 5.3: the flow it registered on died under it */
		br->status = status;
		if (better(status, c->stage_best))
			c->stage_best = status;
		c->pending--;
		if (resp != NULL && (status == 401 || status == 407))
			br->challenges = proxy_edit_challenges(resp);
		if (better(status, c->beststatus) && (status != 408 || resp != NULL || !c->beststatus)) {
			free(c->bestbuf);
			c->bestbuf = resp ? proxy_edit_strip_via(resp, &c->bestlen) : NULL;
			c->beststatus = status;
			c->bestidx = (int)(br - c->b);
		}
		if (status / 100 == 6)
			cancel_others(c, -1);
	}
	call_progress(c);
}

/* Start one branch toward target t. */
static int
fork_branch(struct call *c, const struct target *t, int drop_routes)
{
	struct branch *br = &c->b[c->nb];
	struct buf via, rr;
	char *buf;
	size_t len;

	buf_init(&via, 128);
	buf_init(&rr, 128);
	br->call = c;
	br->flow = t->dst.conn != 0;
	br->who = xstrdup(t->aor[0] ? t->aor : t->uri);
	make_via(c->req, &t->dst, c->nb, br->id, sizeof(br->id), &via);
	if (creates_dialog(c->req->method) && c->req->to_tag == NULL)
		make_rr(c->req, t, &rr);
	buf = proxy_edit_build(c->req, t->uri, via.p, rr.len ? rr.p : NULL, t->routes, drop_routes,
	    &len);
	buf_free(&via);
	buf_free(&rr);
	br->ct = txn_client_new(&t->dst, c->req->method, br->id, buf, len, branch_cb, br);
	if (br->ct == NULL) {
		free(br->who);
		memset(br, 0, sizeof(*br));
		return -1;
	}
	txn_ref(br->ct);
	c->nb++;
	c->pending++;
	return 0;
}

/* A call for server transaction st: the state every branch of it shares. */
static struct call *
call_new(struct txn *st, struct sipmsg *m, int drop_routes)
{
	struct call *c = xcalloc(1, sizeof(*c));

	if ((c->next = calls) != NULL)
		calls->prev = c;
	calls = c;
	c->st = txn_ref(st);
	c->req = sipmsg_ref(m);
	c->bestidx = -1;
	c->drop = drop_routes;
	if (m->method == SIP_INVITE) {
		txn_reply(st, 100, NULL, NULL, NULL, NULL, 0);	/* at once (16.2) */
		txn_on_cancel(st, on_cancel, c);
		if (m->to_tag == NULL)
			callrec_invite(m, c);
	} else if (m->method == SIP_BYE)
		callrec_bye(m);
	return c;
}

/* The request's SDP pointed at the relay (the copy every branch gets), or a BYE ends it.
 * -1 when the call would need the relay and relay.max_calls is reached. */
static int
call_media(struct call *c, const struct target *t, int n)
{
	int nat = 0;
	struct sipmsg *m;

	int first = -1;

	for (int i = 0; i < n; i++) {
		nat |= t[i].nat;
		if (first == -1 && !t[i].none)
			first = i;	/* PBX placeholders have no address */
	}
	if (media_over_limit(c->req, nat))
		return -1;
	m = media_request(c->req, first >= 0 ? t[first].dst.addr.ss_family :
	    c->req->src.addr.ss_family, nat);
	if (m != NULL) {
		sipmsg_unref(c->req);
		c->req = m;
	}
	return 0;
}

/* Branches for up to n targets (each is rung at most once): the array is sized once, as
 * branch_cb holds pointers into it. */
static void
call_room(struct call *c, int n)
{
	c->cap = n < MAX_BRANCHES ? n : MAX_BRANCHES;
	if (c->cap > 0)
		c->b = xcalloc((size_t)c->cap, sizeof(*c->b));
}

/* A new call to a user with a voicemail box (no PBX plan: plans have their own ring times):
 * the box's ring time starts. */
static void
vm_ring_time(struct call *c)
{
	char user[128], domain[256];
	int after;

	if (c->pbx || c->req->to_tag != NULL ||
	    (after = vm_box_of(c->req, user, sizeof(user), domain, sizeof(domain))) <= 0)
		return;
	struct timeval tv = { after, 0 };
	c->vm_timer = evtimer_new(proxy_base, vm_timer_fired, c);
	evtimer_add(c->vm_timer, &tv);
}

/* Start the branches toward targets (all at once, or q-group by q-group). */
static void
call_start(struct call *c, struct target *targets, int n)
{
	if (c->cancelled || txn_is_cancelled(c->st)) {
		c->cancelled = 1;
		txn_reply(c->st, 487, NULL, NULL, NULL, NULL, 0);
		callrec_failed(c->req, c, 487);
		call_finish(c);
		return;
	}
	if (call_media(c, targets, n) == -1) {
		txn_reply(c->st, 503, "Too Many Relayed Calls", "Retry-After: 30\r\n", NULL, NULL, 0);
		callrec_failed(c->req, c, 503);
		call_finish(c);
		return;
	}
	call_room(c, n);
	if (n > 0 && targets[0].plan) {
		c->pbx = 1;	/* stage by stage (targets come in stage order) */
		c->ring_timer = evtimer_new(proxy_base, ring_timer_fired, c);
		c->later = xcalloc((size_t)n, sizeof(*c->later));
		for (int i = 0; i < n; i++) {
			c->later[i] = targets[i];
			targets[i].routes = NULL;
		}
		c->nlater = n;
		next_stage(c);
	} else if (n > 1 && targets[0].q != targets[n - 1].q &&
	    (cfg->serial_forking || c->failover)) {
		/* targets come sorted by q, highest first (location.c, dns order) */
		c->later = xcalloc((size_t)n, sizeof(*c->later));
		for (int i = 0; i < n; i++) {
			c->later[i] = targets[i];
			targets[i].routes = NULL;	/* the call owns them now */
		}
		c->nlater = n;
		next_group(c);
	} else {
		for (int i = 0; i < n && c->nb < c->cap; i++)
			fork_branch(c, &targets[i], c->drop);
	}
	if (c->nb == 0) {
		if (c->pbx && c->req->method == SIP_MESSAGE && msgstore_failed(c->st, c->req, 480))
			;	/* nobody of the plan is online: stored for the user */
		else if (c->pbx)	/* nobody of the plan is online */
			txn_reply(c->st, 480, NULL, NULL, NULL, NULL, 0);
		else
			txn_reply(c->st, 503, "No Route To Target", NULL, NULL, NULL, 0);
		callrec_failed(c->req, c, c->pbx ? 480 : 503);
		c->answered = 1;
		call_finish(c);
		return;
	}
	if (c->req->method == SIP_INVITE) {
		struct timeval tv = { cfg->timer_c, 0 };
		c->timer_c = evtimer_new(proxy_base, timer_c_fired, c);
		evtimer_add(c->timer_c, &tv);
		vm_ring_time(c);
	}
}

/* Forward m to targets (16.5 / 16.6); answers 503 when no copy could be sent. */
static void
forward(struct txn *st, struct sipmsg *m, struct target *targets, int n, int drop_routes)
{
	if (caller_check(st, m) == -1)
		return;
	call_start(call_new(st, m, drop_routes), targets, n);
}

void
proxy_request(struct txn *t, struct sipmsg *m)
{
	struct sipmsg *fixed = proxy_edit_unstrict(m, uri_is_us);

	if (fixed != NULL) {
		log_debug("proxy call-id=%s: strict-routed request, Request-URI now %s", m->call_id,
		    fixed->ruri);
		proxy_route(t, fixed, 1);
		sipmsg_unref(fixed);
		return;
	}
	proxy_route(t, m, 0);
}

/* RFC 3263 lookup done: the servers in order; each gets the request only when the one
 * before answered 503 or not at all (4.3). */
static void
relay_resolved(void *arg, const struct sip_peer *hops, int n)
{
	struct call *c = arg;
	struct target t[DNS_MAX_TARGETS];

	if (n == 0) {
		if (!c->cancelled)
			txn_reply(c->st, 503, "No Server For The Domain", NULL, NULL, NULL, 0);
		callrec_failed(c->req, c, 503);
		c->answered = 1;
		call_finish(c);
		return;
	}
	proxy_target_servers(c->req->ruri, hops, n, t);
	c->failover = 1;
	call_start(c, t, n);
}

/* A request for another domain: sent on for an authenticated local user (or a trusted
 * peer); anyone else gets 403, so sipd is never an open relay. */
static void
relay(struct txn *t, struct sipmsg *m, const struct uri_parts *u, int drop)
{
	struct uri_parts fu;

	if (!caller_trusted(&m->src.addr) && (!cfg->auth_calls || m->from_uri == NULL ||
	    uri_split(m->from_uri, strlen(m->from_uri), &fu) == -1 ||
	    !domain_is_local(fu.host, fu.port))) {
		txn_reply(t, 403, "Relaying Denied", NULL, NULL, NULL, 0);
		return;
	}
	if (caller_check(t, m) == -1)
		return;
	proxy_target_resolve(u, relay_resolved, call_new(t, m, drop));
}

/* A user of ours has no target (16.5): 404, 480 or 430, after the caller is checked. */
static void
user_unreachable(struct txn *t, struct sipmsg *m, int status)
{
	int known;

	/* a local caller is challenged here as for a user with a phone registered: else
	 * 407 for one and 404 for the other tells a scanner who is registered */
	if ((known = caller_check(t, m)) == -1)
		return;
	if (m->method == SIP_MESSAGE && msgstore_unreachable(t, m, status, known))
		return;		/* stored for the user's next registration */
	if (status == 480 && m->method == SIP_INVITE && vm_answer(t, m, NULL))
		return;		/* no phone registered: voicemail answers */
	if (status == 480 && cfg->hide_users && !known) {
		/* auth.hide_users: to a caller that is not known to be ours, answered as for
		 * a user that does not exist, so svwar and the like learn nothing; our own
		 * users and trusted peers hear the truth (480, RFC 3261 21.4.18).  The call
		 * record still names the callee. */
		callrec_refused(m, 404);
		local_request(t, m);
	} else if (status == 480 || status == 430) {
		txn_reply(t, status, status == 430 ? "Flow Failed" : NULL, NULL, NULL, NULL, 0);
		callrec_refused(m, status);
	} else
		local_request(t, m);	/* 404, or OPTIONS answered for the domain */
}

/* A request for a user of ours (16.5): to the targets the location service and PBX plans
 * give. */
static void
user_request(struct txn *t, struct sipmsg *m, const struct uri_parts *u, int drop)
{
	struct target targets[MAX_BRANCHES];
	int n, status;

	if (vm_listen(t, m, u->user))
		return;		/* voicemail.number: the caller's own box */
	n = proxy_target_local(m, u, targets, MAX_BRANCHES, &status);
	if (n == 0) {
		user_unreachable(t, m, status);
		return;
	}
	forward(t, m, targets, n, drop);
	proxy_target_free(targets, n);
}

/* Route processing (16.4): where m goes.  drop: how many top Route values are ours; strict:
 * it came addressed to us by a strict router (so we are on its route, as with a Route of
 * ours).  *u gets the Request-URI split (WAY_RELAY, WAY_USER); *t the next hop and *rc what
 * proxy_target_routed said (WAY_ROUTED, WAY_DIALOG). */
static enum way
route_way(const struct sipmsg *m, int strict, int drop, struct uri_parts *u, struct target *t,
    int *rc)
{
	char next[1024];

	if (proxy_edit_route(m, drop, next, sizeof(next)) == 0) {
		/* a Route set remains after ours: on to its next hop, R-URI untouched; when none
		 * of it was ours, someone else routed it elsewhere: not a relay */
		if (drop == 0)
			return WAY_HERE;
		*rc = proxy_target_routed(m, drop, t);
		return WAY_ROUTED;
	}
	if (uri_split(m->ruri, strlen(m->ruri), u) == 0 && domain_is_local(u->host, u->port) &&
	    u->user[0] != '\0')
		return WAY_USER;
	/* our Route was the last: a mid-dialog request goes to its Request-URI (the remote
	 * target); anything else not for a user of ours is answered here */
	if ((drop > 0 || strict) && m->to_tag != NULL && (*rc = proxy_target_routed(m, drop, t)) != -1)
		return WAY_DIALOG;
	if (u->host[0] != '\0' && !domain_is_local(u->host, u->port) && m->to_tag == NULL)
		return WAY_RELAY;	/* another domain: only for our users */
	return WAY_HERE;
}

/* RFC 3261 16.3 step 3, the one Max-Forwards check: 1 when m must go no further (483; an ACK
 * is absorbed).  Only an OPTIONS that sipd answers itself, addressed to one of its domains,
 * is taken in as its final recipient (11). */
static int
hops_spent(const struct sipmsg *m, enum way w)
{
	struct uri_parts u;

	if (m->max_forwards != 0)
		return 0;
	return !(m->method == SIP_OPTIONS && w == WAY_HERE &&
	    uri_split(m->ruri, strlen(m->ruri), &u) == 0 && domain_is_local(u.host, u.port));
}

/* The checks of 16.3, route processing (16.4), then on to where the request goes (16.5). */
static void
proxy_route(struct txn *t, struct sipmsg *m, int strict)
{
	struct target next;
	struct uri_parts u;
	int drop = proxy_edit_own_routes(m, uri_is_us), rc = 0;
	enum way w = route_way(m, strict, drop, &u, &next, &rc);

	if (m->to_tag != NULL && vm_request(t, m))
		return;		/* in a dialog with sipd's voicemail */
	if (hops_spent(m, w)) {		/* step 3 comes before any other check or policy */
		txn_reply(t, 483, NULL, NULL, NULL, NULL, 0);
		return;
	}
	if (local_check_require(t, m, HDR_PROXY_REQUIRE))	/* 16.3 step 5 */
		return;
	if (proxy_edit_is_loop(m, domain_is_local)) {		/* 16.3 step 4 */
		txn_reply(t, 482, NULL, NULL, NULL, NULL, 0);
		return;
	}
	switch (w) {
	case WAY_ROUTED:
	case WAY_DIALOG:
		if (rc == -2)
			txn_reply(t, 430, "Flow Failed", NULL, NULL, NULL, 0);
		else if (rc == -1)
			txn_reply(t, 404, "Route Not Resolvable", NULL, NULL, NULL, 0);
		else
			forward(t, m, &next, 1, drop);
		break;
	case WAY_RELAY:
		relay(t, m, &u, drop);
		break;
	case WAY_USER:
		if (!presence_request(t, m, &u))	/* PUBLISH, presence/dialog SUBSCRIBE: ours */
			user_request(t, m, &u, drop);
		break;
	case WAY_HERE:
		local_request(t, m);
		break;
	}
}

/* Stateless forwarding (16.11): our Via with a branch derived from the request's. */
static void
stateless_forward(struct sipmsg *m, const struct target *t, int drop)
{
	struct buf via;
	char branch[64];
	size_t len;
	char *buf;

	buf_init(&via, 128);
	make_via(m, &t->dst, 0, branch, sizeof(branch), &via);
	buf = proxy_edit_build(m, t->uri, via.p, NULL, NULL, drop, &len);
	transport_send(&t->dst, buf, len);
	free(buf);
	buf_free(&via);
}

void
proxy_ack(struct txn *unused, struct sipmsg *m)
{
	struct target t;
	int drop = proxy_edit_own_routes(m, uri_is_us);

	if (vm_ack(m))
		return;		/* the ACK of a 200 sipd's voicemail sent */
	if (hops_spent(m, WAY_ROUTED) || (drop == 0 && sipmsg_hdr(m, HDR_ROUTE, NULL) == NULL))
		return;		/* an ACK for us, or nowhere to go: absorbed */
	if (proxy_target_routed(m, drop, &t) == 0) {
		struct sipmsg *sdp = media_request(m, t.dst.addr.ss_family, 0);	/* late answer */
		stateless_forward(sdp ? sdp : m, &t, drop);
		sipmsg_unref(sdp);
	}
}

/* Heap bytes one call holds; its request only when the server transaction does not hold the
 * same one (txn_memory counts that). */
static size_t
call_memory(const struct call *c)
{
	size_t n = xmalloc_size(c) + xmalloc_size(c->b) + xmalloc_size(c->later) +
	    xmalloc_size(c->bestbuf) + xmalloc_size(c->linger) + xmalloc_size(c->timer_c) +
	    xmalloc_size(c->ring_timer);

	for (int i = 0; i < c->nb; i++)
		n += xmalloc_size(c->b[i].who) + xmalloc_size(c->b[i].challenges);
	for (int i = 0; i < c->nlater; i++)
		n += xmalloc_size(c->later[i].routes);
	if (c->req != NULL && c->req != txn_request(c->st))
		n += sipmsg_memory(c->req);
	return n;
}

size_t
proxy_memory(void)
{
	size_t n = 0;

	for (const struct call *c = calls; c != NULL; c = c->next)
		n += call_memory(c);
	return n;
}

void
proxy_shutdown(void)
{
	pbx_invalidate();
	while (calls != NULL)
		call_free(calls);
	vm_shutdown();
}

void
proxy_init(struct event_base *base)
{
	proxy_base = base;
	vm_init(base);
	dispatch_set(SIP_UNKNOWN, proxy_request);
	dispatch_set(SIP_ACK, proxy_ack);
}
