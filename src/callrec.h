/* callrec.h - one record per call: the initial INVITE that starts it, its answer, its end and
 * the cause.  The info log lines ("call start", "call answered", "call failed", "call end"),
 * the live-call metrics and the CDR row (through the store's writer) all come from the same
 * state changes of that one record.  The proxy makes one call here per event. */
#ifndef SIPD_CALLREC_H
#define SIPD_CALLREC_H

#include <event2/event.h>

#include "sipmsg.h"

/* Start the sweep and the once-a-second hand-over of ended calls to the store. */
void callrec_init(struct event_base *);
/* Calls still open end with cause "sipd stopped" and every row is handed over; before
 * store_close.  Everything is forgotten. */
void callrec_shutdown(void);

/* An initial INVITE (no To tag) taken on by owner (the proxy's state for it) starts a call;
 * the same Call-ID again (a spiral, a retry after a challenge) is the same call. */
void callrec_invite(const struct sipmsg *invite, const void *owner);
/* owner sent the caller a 2xx (status) to invite from the phone of who (an AOR or URI). */
void callrec_answered(const struct sipmsg *invite, const void *owner, int status,
    const char *who);
/* owner relayed a 1xx other than 100 to invite: the callee's phone rings (the dialog
 * event package's early state). */
void callrec_ringing(const struct sipmsg *invite, const void *owner);
/* owner sent the caller a final failure to invite (or will send none: cancelled): the call
 * ended unanswered. */
void callrec_failed(const struct sipmsg *invite, const void *owner, int status);
/* An initial INVITE answered with status before any forwarding (the callee is offline):
 * a call that starts and fails at once. */
void callrec_refused(const struct sipmsg *invite, int status);
/* A BYE in an answered call ends it (caller or callee hangup, told by the From tag). */
void callrec_bye(const struct sipmsg *bye);

/* The cause of a call that failed with status, as the log and the CDR's reason column say it
 * ("busy", "no answer", ...; else the status's reason phrase).  No I/O. */
const char *callrec_cause(int status);
/* Calls ringing (started, no final answer yet) and answered (no end yet), now. */
void callrec_live(long *ringing, long *answered);
/* Call fn for every open call (answer 0: ringing); fn must not start or end calls. */
void callrec_foreach(void (*fn)(const char *call_id, const char *caller, const char *callee,
    double start, double answer, void *arg), void *arg);
/* Heap bytes the records of open calls and of ended calls not yet handed over hold. */
size_t callrec_memory(void);

#endif
