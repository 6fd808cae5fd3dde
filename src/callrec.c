/* callrec.c - call records (callrec.h).  A call is keyed by its Call-ID from the INVITE that
 * starts it until its end: the final failure the caller gets, or the first BYE of the dialog
 * (either side).  Each state change gives, at once, its info log line, the live-call metrics
 * and (at the end) the CDR row:
 *
 *   call start call-id=X from=URI to=URI
 *   call answered call-id=X status=200 after=Ns
 *   call failed call-id=X status=486 cause=busy after=Ns
 *   call end call-id=X cause=bye reason="caller hangup" by=URI duration=Ns
 *
 * A failed call's cause is the CDR's reason word (callrec_cause); an ended call's cause says
 * what ended it (bye; timeout: no BYE within cdr.max_call; stopped: sipd stopped) and its
 * reason is the CDR's.  Values with spaces are quoted.  A call answered but never hung up
 * through sipd (no Record-Route, a phone gone) ends after cdr.max_call seconds.  Rows go
 * through the store's writer thread: nothing here waits on the disk.  Ended calls are handed
 * over once a second, so that the writer commits them together (measured: a commit per call,
 * each synced, cost ~150 us of CPU per call at 200 calls/s; batched, a row costs a few us). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callrec.h"
#include "config.h"
#include "dialoginfo.h"
#include "htab.h"
#include "log.h"
#include "metrics.h"
#include "relay.h"
#include "reply.h"
#include "store.h"
#include "xmalloc.h"

#define CALLREC_SWEEP_S		30
#define CALLREC_FLUSH_MS	1000

struct call_rec {
	char		*call_id;
	char		*caller;	/* From URI ("" when none) */
	char		*callee;	/* Request-URI as dialled */
	char		*to;		/* To URI, for the log */
	char		*from_tag;	/* the caller's tag: tells who sent a BYE */
	char		*answered_by;
	const void	*owner;
	double		 start, answer;	/* answer 0 while ringing */
	/* set when the call ended, while it waits for the next flush */
	double		 end;
	int		 status;
	const char	*reason;	/* static */
	uint64_t	 pkts[2];
	struct call_rec	*next;
};

static struct htab	*calls;
static struct event	*ev_sweep, *ev_flush;
static struct call_rec	*ended;		/* ended calls, newest first, for the next flush */
static long		 nringing, nanswered;

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

const char *
callrec_cause(int status)
{
	static const struct { int status; const char *cause; } map[] = {
		{ 486, "busy" }, { 600, "busy" }, { 408, "no answer" }, { 480, "unavailable" },
		{ 487, "cancelled" }, { 603, "declined" }, { 404, "not found" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].status == status)
			return map[i].cause;
	return reply_reason(status);
}

void
callrec_live(long *ringing, long *answered)
{
	*ringing = nringing;
	*answered = nanswered;
}

struct foreach_arg {
	void	(*fn)(const char *, const char *, const char *, double, double, void *);
	void	*arg;
};

static void
foreach_one(const void *key, size_t klen, void *val, void *arg)
{
	const struct call_rec *r = val;
	struct foreach_arg *a = arg;

	a->fn(r->call_id, r->caller, r->callee, r->start, r->answer, a->arg);
}

void
callrec_foreach(void (*fn)(const char *, const char *, const char *, double, double, void *),
    void *arg)
{
	struct foreach_arg a = { fn, arg };

	if (calls != NULL)
		htab_foreach(calls, foreach_one, &a);
}

/* Heap bytes of one record, and of its hash entry while it is open. */
static size_t
rec_memory(const struct call_rec *r)
{
	return xmalloc_size(r) + xmalloc_size(r->call_id) + xmalloc_size(r->caller) +
	    xmalloc_size(r->callee) + xmalloc_size(r->to) + xmalloc_size(r->from_tag) +
	    xmalloc_size(r->answered_by);
}

static void
open_memory(const void *key, size_t klen, void *val, void *arg)
{
	*(size_t *)arg += rec_memory(val) + 5 * sizeof(void *) + klen;
}

size_t
callrec_memory(void)
{
	size_t n = 0;

	if (calls != NULL)
		htab_foreach(calls, open_memory, &n);
	for (const struct call_rec *r = ended; r != NULL; r = r->next)
		n += rec_memory(r);
	return n;
}

/* A log value: as is when it is one word, else quoted (in buf). */
static const char *
logval(const char *v, char *buf, size_t len)
{
	if (v[0] != '\0' && strpbrk(v, " \t\"") == NULL)
		return v;
	snprintf(buf, len, "\"%s\"", v);
	return buf;
}

/* RTP/RTCP packets the relay forwarded each way for the call (relay.h: side A is the caller);
 * 0 both ways when its media did not go through the relay (relay.mode, direct media). */
static void
media_packets(const char *call_id, uint64_t *from_caller, uint64_t *from_callee)
{
	struct relay_stats rs;

	*from_caller = *from_callee = 0;
	if (relay_call_stats(call_id, &rs) == 0) {
		*from_caller = rs.pkts[RELAY_A];
		*from_callee = rs.pkts[RELAY_B];
	}
}

static void
publish(void)
{
	metrics_set_calls_live(nringing, nanswered);
}

static struct call_rec *
find(const char *call_id)
{
	return calls != NULL && call_id != NULL ? htab_get(calls, call_id, strlen(call_id)) : NULL;
}

/* The record of the initial INVITE m, if owner took it on and it is still ringing. */
static struct call_rec *
find_ringing(const struct sipmsg *m, const void *owner)
{
	struct call_rec *r;

	if (m->method != SIP_INVITE || m->to_tag != NULL || (r = find(m->call_id)) == NULL ||
	    r->owner != owner || r->answer > 0)
		return NULL;
	return r;
}

static void
rec_free(struct call_rec *r)
{
	free(r->call_id);
	free(r->caller);
	free(r->callee);
	free(r->to);
	free(r->from_tag);
	free(r->answered_by);
	free(r);
}

/* A new call from the initial INVITE m: ringing from now. */
static struct call_rec *
start(const struct sipmsg *m, const void *owner)
{
	struct call_rec *r = xcalloc(1, sizeof(*r));

	if (calls == NULL)
		calls = htab_new();
	r->call_id = xstrdup(m->call_id);
	r->caller = xstrdup(m->from_uri ? m->from_uri : "");
	r->callee = xstrdup(m->ruri ? m->ruri : "");
	r->to = xstrdup(m->to_uri ? m->to_uri : "?");
	r->from_tag = xstrdup(m->from_tag ? m->from_tag : "");
	r->answered_by = xstrdup("");
	r->owner = owner;
	r->start = now_real();
	htab_put(calls, r->call_id, strlen(r->call_id), r);
	nringing++;
	metrics_inc(M_CALLS_STARTED);
	log_info("call start call-id=%s from=%s to=%s", r->call_id, r->caller[0] ? r->caller : "?",
	    r->to);
	publish();
	dialoginfo_call(r->call_id, r->caller, r->callee, DI_TRYING);
	return r;
}

/* The call ended: its row is complete (media counters read now), it waits for the flush. */
static void
finish(struct call_rec *r, double now, int status, const char *reason)
{
	r->end = now;
	r->status = status;
	r->reason = reason;
	media_packets(r->call_id, &r->pkts[0], &r->pkts[1]);
	log_debug("cdr call-id=%s from=%s to=%s status=%d reason=\"%s\" duration=%.3f",
	    r->call_id, r->caller, r->callee, status, reason,
	    r->answer > 0 ? r->end - r->answer : 0.0);
	if (r->answer > 0)
		nanswered--;
	else
		nringing--;
	dialoginfo_call(r->call_id, r->caller, r->callee, DI_TERMINATED);
	htab_del(calls, r->call_id, strlen(r->call_id));
	r->next = ended;
	ended = r;
	publish();
}

/* A ringing call ends unanswered with status; cause is the CDR's reason. */
static void
fail(struct call_rec *r, int status, const char *cause)
{
	double now = now_real();
	char q[128];

	metrics_inc(M_CALLS_FAILED);
	log_info("call failed call-id=%s status=%d cause=%s after=%llds", r->call_id, status,
	    logval(cause, q, sizeof(q)), (long long)(now - r->start));
	finish(r, now, status, cause);
}

/* An answered call ends: how (bye, timeout, stopped), the CDR's reason, and who hung up. */
static void
hangup(struct call_rec *r, const char *how, const char *reason, const char *by)
{
	double now = now_real();
	char q[128];

	metrics_inc(M_CALLS_ENDED);
	log_info("call end call-id=%s cause=%s reason=%s%s%s duration=%llds", r->call_id, how,
	    logval(reason, q, sizeof(q)), by ? " by=" : "", by ? by : "",
	    (long long)(now - r->answer));
	finish(r, now, 200, reason);
}

void
callrec_invite(const struct sipmsg *m, const void *owner)
{
	if (m->method != SIP_INVITE || m->to_tag != NULL || m->call_id == NULL ||
	    find(m->call_id) != NULL)
		return;		/* already ours: a spiral, or a new INVITE after a challenge */
	start(m, owner);
}

void
callrec_answered(const struct sipmsg *m, const void *owner, int status, const char *who)
{
	struct call_rec *r = find_ringing(m, owner);

	if (r == NULL)
		return;
	r->answer = now_real();
	free(r->answered_by);
	r->answered_by = xstrdup(who ? who : "");
	nringing--;
	nanswered++;
	metrics_inc(M_CALLS_ANSWERED);
	log_info("call answered call-id=%s status=%d after=%llds", r->call_id, status,
	    (long long)(r->answer - r->start));
	publish();
	dialoginfo_call(r->call_id, r->caller, r->callee, DI_CONFIRMED);
}

void
callrec_ringing(const struct sipmsg *m, const void *owner)
{
	struct call_rec *r = find_ringing(m, owner);

	if (r != NULL)
		dialoginfo_call(r->call_id, r->caller, r->callee, DI_EARLY);
}

void
callrec_failed(const struct sipmsg *m, const void *owner, int status)
{
	struct call_rec *r = find_ringing(m, owner);

	if (r != NULL)
		fail(r, status, callrec_cause(status));
}

void
callrec_refused(const struct sipmsg *m, int status)
{
	if (m->method != SIP_INVITE || m->to_tag != NULL || m->call_id == NULL ||
	    find(m->call_id) != NULL)
		return;
	fail(start(m, NULL), status, callrec_cause(status));
}

void
callrec_bye(const struct sipmsg *m)
{
	struct call_rec *r = find(m->call_id);

	if (m->method != SIP_BYE || r == NULL || r->answer == 0)
		return;
	/* the caller's BYE carries the caller's tag in From (RFC 3261 12.2.1.1) */
	int caller = m->from_tag != NULL && strcmp(m->from_tag, r->from_tag) == 0;
	hangup(r, "bye", caller ? "caller hangup" : "callee hangup",
	    m->from_uri ? m->from_uri : "?");
}

/* Hand the rows of the calls ended since the last flush to the writer (one commit). */
static void
flush(evutil_socket_t fd, short what, void *arg)
{
	struct call_rec *list = NULL;

	while (ended != NULL) {		/* oldest first */
		struct call_rec *r = ended;
		ended = r->next;
		r->next = list;
		list = r;
	}
	while (list != NULL) {
		struct call_rec *r = list;
		struct store_cdr row = {
			.call_id = r->call_id, .caller = r->caller, .callee = r->callee,
			.answered_by = r->answered_by, .reason = r->reason, .start = r->start,
			.answer = r->answer, .end = r->end, .status = r->status,
			.pkts_from_caller = r->pkts[0], .pkts_from_callee = r->pkts[1],
		};
		list = r->next;
		store_cdr_save(&row);
		rec_free(r);
	}
}

struct collect {
	struct call_rec	**all;
	size_t		  n, max;
	double		  now;
	int		  everything;
};

/* Calls to end: answered and silent for cdr.max_call, or never answered nor failed (lost
 * state: the proxy's Timer C ends every ringing call long before); all of them at exit. */
static void
collect_one(const void *key, size_t klen, void *val, void *arg)
{
	struct collect *c = arg;
	struct call_rec *r = val;

	if (!c->everything && !(r->answer > 0 && c->now - r->answer > cfg->cdr_max_call) &&
	    !(r->answer == 0 && c->now - r->start > cfg->timer_c + 600))
		return;
	if (c->n == c->max) {
		c->max = c->max ? 2 * c->max : 64;
		c->all = xrealloc(c->all, c->max * sizeof(*c->all));
	}
	c->all[c->n++] = r;
}

/* End the calls collect_one picks, as timed out (or, at exit, stopped). */
static void
end_old(int everything)
{
	struct collect c = { .now = now_real(), .everything = everything };

	if (calls == NULL)
		return;
	htab_foreach(calls, collect_one, &c);
	for (size_t i = 0; i < c.n; i++) {
		struct call_rec *r = c.all[i];
		if (r->answer > 0)
			hangup(r, everything ? "stopped" : "timeout",
			    everything ? "sipd stopped" : "no BYE seen", NULL);
		else
			fail(r, 500, everything ? "sipd stopped" : "no final response seen");
	}
	free(c.all);
}

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	end_old(0);
}

void
callrec_init(struct event_base *base)
{
	struct timeval tv = { CALLREC_SWEEP_S, 0 };
	struct timeval fl = { CALLREC_FLUSH_MS / 1000, (CALLREC_FLUSH_MS % 1000) * 1000 };

	if (ev_sweep != NULL)
		return;
	if (calls == NULL)
		calls = htab_new();
	ev_sweep = event_new(base, -1, EV_PERSIST, sweep, NULL);
	event_add(ev_sweep, &tv);
	ev_flush = event_new(base, -1, EV_PERSIST, flush, NULL);
	event_add(ev_flush, &fl);
}

void
callrec_shutdown(void)
{
	end_old(1);
	flush(-1, 0, NULL);
	if (ev_sweep != NULL) {
		event_free(ev_sweep);
		event_free(ev_flush);
		ev_sweep = ev_flush = NULL;
	}
	if (calls != NULL)
		htab_free(calls);
	calls = NULL;
	nringing = nanswered = 0;
	publish();
}
