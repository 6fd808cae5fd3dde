/* cdr.h - call detail records: the life of each call (INVITE, answer, BYE or failure) kept
 * on the loop, and one row per call handed to the store's writer thread when the call ends. */
#ifndef SIPD_CDR_H
#define SIPD_CDR_H

#include <event2/event.h>

#include "sipmsg.h"

void cdr_init(struct event_base *);
/* Write the records of calls still open (reason "sipd stopped"); before store_close. */
void cdr_shutdown(void);
/* An INVITE starting a call was taken on by owner (the proxy's state for it). */
void cdr_invite(const struct sipmsg *, const void *owner);
/* owner sent the caller a 2xx from the phone of who (an AOR or URI). */
void cdr_answered(const char *call_id, const void *owner, const char *who);
/* owner sent the caller a final failure: the call's record is written. */
void cdr_failed(const char *call_id, const void *owner, int status);
/* A BYE in the call: its record is written. */
void cdr_bye(const struct sipmsg *);
/* An INVITE answered with status before any forwarding (the callee is offline): a record. */
void cdr_refused(const struct sipmsg *, int status);

#endif
