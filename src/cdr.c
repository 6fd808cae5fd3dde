/* cdr.c - call detail records (cdr.h).  A call is keyed by its Call-ID from the INVITE that
 * starts it until its end: the final failure the caller gets, or the first BYE of the dialog
 * (either side).  A call answered but never hung up through sipd (no Record-Route, a phone
 * gone) is written after cdr.max_call seconds.  Rows go through the store's writer thread:
 * nothing here waits on the disk.  Ended calls are handed over once a second, so that the
 * writer commits them together (measured: a commit per call, each synced, cost ~150 us of
 * CPU per call at 200 calls/s; batched, a row costs a few us). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdr.h"
#include "config.h"
#include "grammar.h"
#include "htab.h"
#include "log.h"
#include "relay.h"
#include "reply.h"
#include "store.h"
#include "xmalloc.h"

#define CDR_SWEEP_S	30
#define CDR_FLUSH_MS	1000

struct cdr {
	char		*call_id;
	char		*caller;
	char		*callee;
	char		*from_tag;	/* the caller's tag: tells who sent a BYE */
	char		*answered_by;
	const void	*owner;
	double		 start, answer;
	/* set when the call ended, while it waits for the next flush */
	double		 end;
	int		 status;
	const char	*reason;	/* static */
	uint64_t	 pkts[2];
	struct cdr	*next;
};

static struct htab	*calls;
static struct event	*ev_sweep, *ev_flush;
static struct cdr	*ended;		/* ended calls, newest first, for the next flush */

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
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

/* The reason column for a call that failed with status. */
static const char *
failure_reason(int status)
{
	static const struct { int status; const char *reason; } map[] = {
		{ 486, "busy" }, { 600, "busy" }, { 408, "no answer" }, { 480, "unavailable" },
		{ 487, "cancelled" }, { 603, "declined" }, { 404, "not found" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].status == status)
			return map[i].reason;
	return reply_reason(status);
}

/* The URI of a From/To header of m, or "" (copied into out). */
static void
hdr_uri(const struct sipmsg *m, enum hdr_id id, char *out, size_t len)
{
	const struct sip_hdr *h = sipmsg_hdr(m, id, NULL);
	struct nameaddr_info ni;

	out[0] = '\0';
	if (h == NULL || grammar_nameaddr(m->raw + h->voff, h->vlen, 0, &ni) == -1 ||
	    ni.uri.len >= len)
		return;
	memcpy(out, m->raw + h->voff + ni.uri.off, ni.uri.len);
	out[ni.uri.len] = '\0';
}

static struct cdr *
cdr_new(const struct sipmsg *m, const void *owner)
{
	struct cdr *r = xcalloc(1, sizeof(*r));
	char from[1024];

	hdr_uri(m, HDR_FROM, from, sizeof(from));
	r->call_id = xstrdup(m->call_id);
	r->caller = xstrdup(from);
	r->callee = xstrdup(m->ruri);
	r->from_tag = xstrdup(m->from_tag ? m->from_tag : "");
	r->answered_by = xstrdup("");
	r->owner = owner;
	r->start = now_real();
	return r;
}

static void
cdr_free(struct cdr *r)
{
	free(r->call_id);
	free(r->caller);
	free(r->callee);
	free(r->from_tag);
	free(r->answered_by);
	free(r);
}

/* The call ended: its row is complete (media counters read now), it waits for the flush. */
static void
cdr_write(struct cdr *r, int status, const char *reason)
{
	r->end = now_real();
	r->status = status;
	r->reason = reason;
	media_packets(r->call_id, &r->pkts[0], &r->pkts[1]);
	/* calllog.c writes the call's info lines; this one says what the row holds */
	log_debug("cdr call-id=%s from=%s to=%s status=%d reason=\"%s\" duration=%.3f",
	    r->call_id, r->caller, r->callee, status, reason,
	    r->answer > 0 ? r->end - r->answer : 0.0);
	htab_del(calls, r->call_id, strlen(r->call_id));
	r->next = ended;
	ended = r;
}

/* Hand the rows of the calls ended since the last flush to the writer (one commit). */
static void
flush(evutil_socket_t fd, short what, void *arg)
{
	struct cdr *list = NULL;

	while (ended != NULL) {		/* oldest first */
		struct cdr *r = ended;
		ended = r->next;
		r->next = list;
		list = r;
	}
	while (list != NULL) {
		struct cdr *r = list;
		struct store_cdr row = {
			.call_id = r->call_id, .caller = r->caller, .callee = r->callee,
			.answered_by = r->answered_by, .reason = r->reason, .start = r->start,
			.answer = r->answer, .end = r->end, .status = r->status,
			.pkts_from_caller = r->pkts[0], .pkts_from_callee = r->pkts[1],
		};
		list = r->next;
		store_cdr_save(&row);
		cdr_free(r);
	}
}

static struct cdr *
find(const char *call_id)
{
	return calls ? htab_get(calls, call_id, strlen(call_id)) : NULL;
}

void
cdr_invite(const struct sipmsg *m, const void *owner)
{
	if (calls == NULL || m->call_id == NULL || find(m->call_id) != NULL)
		return;		/* already ours: a spiral, or a new INVITE after a challenge */
	htab_put(calls, m->call_id, strlen(m->call_id), cdr_new(m, owner));
}

void
cdr_answered(const char *call_id, const void *owner, const char *who)
{
	struct cdr *r = find(call_id);

	if (r == NULL || r->owner != owner || r->answer > 0)
		return;
	r->answer = now_real();
	free(r->answered_by);
	r->answered_by = xstrdup(who ? who : "");
}

void
cdr_failed(const char *call_id, const void *owner, int status)
{
	struct cdr *r = find(call_id);

	if (r == NULL || r->owner != owner || r->answer > 0)
		return;
	cdr_write(r, status, failure_reason(status));
}

void
cdr_bye(const struct sipmsg *m)
{
	struct cdr *r = m->call_id ? find(m->call_id) : NULL;

	if (r == NULL || r->answer == 0)
		return;
	/* the caller's BYE carries the caller's tag in From (RFC 3261 12.2.1.1) */
	int caller = m->from_tag != NULL && strcmp(m->from_tag, r->from_tag) == 0;
	cdr_write(r, 200, caller ? "caller hangup" : "callee hangup");
}

void
cdr_refused(const struct sipmsg *m, int status)
{
	if (calls == NULL || m->method != SIP_INVITE || m->to_tag != NULL || m->call_id == NULL ||
	    find(m->call_id) != NULL)
		return;
	struct cdr *r = cdr_new(m, NULL);
	htab_put(calls, r->call_id, strlen(r->call_id), r);
	cdr_write(r, status, failure_reason(status));
}

struct sweep {
	struct cdr	*old[64];
	int		 n;
	double		 now;
};

static void
sweep_one(const void *key, size_t klen, void *val, void *arg)
{
	struct sweep *s = arg;
	struct cdr *r = val;

	/* answered and silent for cdr.max_call; or never answered nor failed (lost state) */
	if (s->n < 64 && ((r->answer > 0 && s->now - r->answer > cfg->cdr_max_call) ||
	    (r->answer == 0 && s->now - r->start > cfg->timer_c + 600)))
		s->old[s->n++] = r;
}

/* Write the records of calls that outlived cdr.max_call without a BYE. */
static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	struct sweep s = { .now = now_real() };

	htab_foreach(calls, sweep_one, &s);
	for (int i = 0; i < s.n; i++)
		cdr_write(s.old[i], s.old[i]->answer > 0 ? 200 : 500,
		    s.old[i]->answer > 0 ? "no BYE seen" : "no final response seen");
}

void
cdr_init(struct event_base *base)
{
	struct timeval tv = { CDR_SWEEP_S, 0 }, fl = { CDR_FLUSH_MS / 1000, (CDR_FLUSH_MS % 1000) * 1000 };

	if (calls != NULL)
		return;
	calls = htab_new();
	ev_sweep = event_new(base, -1, EV_PERSIST, sweep, NULL);
	event_add(ev_sweep, &tv);
	ev_flush = event_new(base, -1, EV_PERSIST, flush, NULL);
	event_add(ev_flush, &fl);
}

static void
collect(const void *key, size_t klen, void *val, void *arg)
{
	struct cdr ***p = arg;

	*(*p)++ = val;
}

void
cdr_shutdown(void)
{
	size_t n;

	if (calls == NULL)
		return;
	if ((n = htab_count(calls)) > 0) {
		struct cdr **all = xcalloc(n, sizeof(*all)), **p = all;
		htab_foreach(calls, collect, &p);
		for (size_t i = 0; i < n; i++)
			cdr_write(all[i], all[i]->answer > 0 ? 200 : 500, "sipd stopped");
		free(all);
	}
	flush(-1, 0, NULL);
	event_free(ev_sweep);
	event_free(ev_flush);
	ev_sweep = ev_flush = NULL;
	htab_free(calls);
	calls = NULL;
}
