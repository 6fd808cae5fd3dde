/* dialoginfo.h - the dialog event package (RFC 4235, Event: dialog) from the proxy's own call
 * state: callrec.c tells each call's start, ringing, answer and end; the users of ours on
 * either side (caller as initiator, callee as recipient) get their subscribers notified, so
 * busy lamp keys show a colleague ringing, on a call, idle.  The state also feeds presence
 * (on-the-phone). */
#ifndef SIPD_DIALOGINFO_H
#define SIPD_DIALOGINFO_H

#include <stddef.h>

#include "subs.h"

enum dialoginfo_state { DI_TRYING, DI_EARLY, DI_CONFIRMED, DI_TERMINATED };

extern const struct subs_package dialoginfo_package;

/* A call changed state (callrec.c): call_id, the From URI, the Request-URI as dialled. */
void dialoginfo_call(const char *call_id, const char *caller, const char *callee,
    enum dialoginfo_state);
/* 1 when aor is in a call that was answered and has not ended. */
int dialoginfo_busy(const char *aor);
/* The AOR of ours a URI names (an extension's owner's), into out; -1 when not ours. */
int dialoginfo_aor(const char *uri, char *out, size_t len);
/* The dialog-info document for aor (RFC 4235 4): version, full state, its calls.  No I/O. */
char *dialoginfo_body(const char *aor, unsigned version, size_t *len);
void dialoginfo_init(struct event_base *);
void dialoginfo_shutdown(void);

#endif
