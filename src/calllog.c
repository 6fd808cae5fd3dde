/* calllog.c - calls as an administrator sees them: "call start", "call answered", "call failed"
 * and "call end" info lines, one per event, keyed by Call-ID, with the cause and duration.
 * A call whose BYE never passes through sipd (no Record-Route, a phone that vanished) is
 * forgotten after CALL_MAX_AGE, so the table cannot grow without bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calllog.h"
#include "htab.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define CALL_MAX_AGE	(12 * 3600)	/* s: the longest a call is remembered without a BYE */
#define CALL_MAX	100000		/* calls remembered at once */

struct call_rec {
	time_t		 started;
	time_t		 answered;	/* 0 while ringing */
};

static struct htab	*calls;
static long		 nringing, nanswered;
static time_t		 last_purge;

static void
publish(void)
{
	metrics_set_calls_live(nringing, nanswered);
}

static void
forget(const char *call_id, struct call_rec *r)
{
	if (r->answered)
		nanswered--;
	else
		nringing--;
	htab_del(calls, call_id, strlen(call_id));
	free(r);
}

struct purge_ctx {
	time_t	 now;
	char	**old;
	int	 n, max;
};

static void
collect_old(const void *k, size_t kl, void *v, void *arg)
{
	struct purge_ctx *p = arg;
	struct call_rec *r = v;

	if (p->n < p->max && p->now - r->started > CALL_MAX_AGE) {
		p->old[p->n] = xmalloc(kl + 1);
		memcpy(p->old[p->n], k, kl);
		p->old[p->n++][kl] = '\0';
	}
}

/* Drop calls older than CALL_MAX_AGE (checked at most once a minute). */
static void
purge(time_t now)
{
	struct purge_ctx p = { now, NULL, 0, 1024 };

	if (now - last_purge < 60)
		return;
	last_purge = now;
	p.old = xcalloc((size_t)p.max, sizeof(*p.old));
	htab_foreach(calls, collect_old, &p);
	for (int i = 0; i < p.n; i++) {
		struct call_rec *r = htab_get(calls, p.old[i], strlen(p.old[i]));
		log_info("call call-id=%s forgotten: no BYE seen in %d h", p.old[i], CALL_MAX_AGE / 3600);
		forget(p.old[i], r);
		free(p.old[i]);
	}
	free(p.old);
}

/* The URI of a From/To header value, for the log ("sip:alice@lan"); "?" when absent. */
static void
party(const struct sipmsg *m, enum hdr_id id, char *out, size_t len)
{
	const struct sip_hdr *h = sipmsg_hdr(m, id, NULL);
	const char *v, *lt, *gt;
	size_t n;

	snprintf(out, len, "?");
	if (h == NULL)
		return;
	v = m->raw + h->voff;
	n = h->vlen;
	if ((lt = memchr(v, '<', n)) != NULL && (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL) {
		v = lt + 1;
		n = (size_t)(gt - v);
	} else {
		const char *semi = memchr(v, ';', n);
		if (semi != NULL)
			n = (size_t)(semi - v);
	}
	snprintf(out, len, "%.*s", (int)(n < 200 ? n : 200), v);
}

static void
call_start(const struct sipmsg *req, time_t now)
{
	struct call_rec *r;
	char from[256], to[256];

	if (htab_get(calls, req->call_id, strlen(req->call_id)) != NULL)
		return;		/* a new branch or an authenticated retry of the same call */
	if (htab_count(calls) >= CALL_MAX)
		return;
	r = xcalloc(1, sizeof(*r));
	r->started = now;
	htab_put(calls, req->call_id, strlen(req->call_id), r);
	nringing++;
	metrics_inc(M_CALLS_STARTED);
	party(req, HDR_FROM, from, sizeof(from));
	party(req, HDR_TO, to, sizeof(to));
	log_info("call start call-id=%s from=%s to=%s", req->call_id, from, to);
}

static void
call_end(const struct sipmsg *bye, time_t now)
{
	struct call_rec *r = htab_get(calls, bye->call_id, strlen(bye->call_id));
	char by[256];

	if (r == NULL || !r->answered)
		return;
	party(bye, HDR_FROM, by, sizeof(by));
	log_info("call end call-id=%s cause=bye by=%s duration=%llds", bye->call_id, by,
	    (long long)(now - r->answered));
	metrics_inc(M_CALLS_ENDED);
	forget(bye->call_id, r);
}

void
calllog_request(const struct sipmsg *req)
{
	time_t now = time(NULL);

	if (calls == NULL)
		calls = htab_new();
	purge(now);
	if (req->method == SIP_INVITE && req->to_tag == NULL)
		call_start(req, now);
	else if (req->method == SIP_BYE)
		call_end(req, now);
	publish();
}

void
calllog_final(const struct sipmsg *req, int status)
{
	struct call_rec *r;
	time_t now = time(NULL);

	if (calls == NULL || req->method != SIP_INVITE || req->to_tag != NULL ||
	    (r = htab_get(calls, req->call_id, strlen(req->call_id))) == NULL || r->answered)
		return;
	if (status >= 200 && status < 300) {
		r->answered = now;
		nringing--;
		nanswered++;
		metrics_inc(M_CALLS_ANSWERED);
		log_info("call answered call-id=%s status=%d after=%llds", req->call_id, status,
		    (long long)(now - r->started));
	} else {
		metrics_inc(M_CALLS_FAILED);
		log_info("call failed call-id=%s status=%d cause=%s after=%llds", req->call_id, status,
		    status == 487 ? "cancelled" : status == 486 || status == 600 ? "busy" :
		    status == 603 ? "declined" : status == 408 ? "no-answer" :
		    status == 480 ? "unavailable" : "error", (long long)(now - r->started));
		forget(req->call_id, r);
	}
	publish();
}

long
calllog_ringing(void)
{
	return nringing;
}

long
calllog_answered(void)
{
	return nanswered;
}

static void
free_rec(const void *k, size_t kl, void *v, void *arg)
{
	free(v);
}

void
calllog_shutdown(void)
{
	if (calls == NULL)
		return;
	htab_foreach(calls, free_rec, NULL);
	htab_free(calls);
	calls = NULL;
	nringing = nanswered = 0;
}
