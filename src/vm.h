/* vm.h - voicemail: sipd answers, as a user agent, a call to a user with a box that nobody
 * answered (busy everywhere, nothing registered, or rang out), plays the greeting and a
 * beep and records a message (vm_media.c), listed in the database once its file is
 * complete. */
#ifndef SIPD_VM_H
#define SIPD_VM_H

#include <event2/event.h>

#include "sipmsg.h"

struct txn;

/* Generate missing prompts in the voicemail directory; open the database. */
void vm_init(struct event_base *);
void vm_shutdown(void);
/* Ring time of user@domain's box in seconds, or -1 when the user has none. */
int vm_box_after(const char *user, const char *domain);
/* The box an initial request's Request-URI names (a user of ours by name or extension):
 * its ring time in seconds with the box's user and canonical domain copied out, or -1 when
 * there is none. */
int vm_box_of(const struct sipmsg *m, char *user, size_t ulen, char *domain, size_t dlen);
/* Answer the initial INVITE of t (no final response yet; m: the request as received) with
 * the box its Request-URI names: 1 when voicemail took the call (it answered 200), 0 when
 * not (no box, no usable SDP, no port): the caller then answers as it would have.  owner:
 * who started the call record (callrec_invite), NULL when none was started. */
int vm_answer(struct txn *t, struct sipmsg *m, const void *owner);
/* An initial INVITE to dialled (the Request-URI's user): when it is voicemail.number, the
 * caller's own box is opened (1, answered: 200, or 407/403); 0 otherwise. */
int vm_listen(struct txn *t, struct sipmsg *m, const char *dialled);
/* An in-dialog request of a voicemail session (BYE, INFO, re-INVITE): 1 when answered. */
int vm_request(struct txn *t, struct sipmsg *m);
/* An ACK for a voicemail 200: 1 when absorbed. */
int vm_ack(const struct sipmsg *m);
/* The voicemail directory (next to the database). */
const char *vm_dir(void);
/* Live sessions (tests, benchmarks). */
int vm_session_count(void);

/* The payload types of an SDP offer's first audio stream sipd can answer: PCMU (0) or PCMA
 * (8), whichever comes first, and telephone-event's (-1 none); its address and port.  0, or
 * -1 when it has neither codec.  Pure. */
int vm_sdp_offer(const char *sdp, size_t len, int *pt, int *dtmf_pt, char *addr,
    size_t addrlen, int *port);

#endif
