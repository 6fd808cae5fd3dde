/* msgstore.h - messages that wait (store and forward of RFC 3428 MESSAGE): a MESSAGE for a local
 * user none of whose phones is online is stored and answered 202 Accepted once the row is
 * committed; when a phone of the user registers, each stored message is sent to it in order,
 * as a client transaction built with libosip2, and its row deleted on the phone's 2xx.  The
 * rows live in the store (store.h: messages). */
#ifndef SIPD_MSGSTORE_H
#define SIPD_MSGSTORE_H

#include <event2/event.h>

#include "sipmsg.h"

struct txn;

/* Learn which users have messages waiting; start the expiry timer. */
void msgstore_init(struct event_base *);
void msgstore_shutdown(void);
/* The proxy found no phone for m's user: status 480 or 430 (offline) or 404 (no such user);
 * known: the caller authenticated as a local user or is a trusted peer.  1 when msgstore
 * answered m (202 once stored, 513, or under auth.hide_users 202 for a user that does not
 * exist, the message dropped), 0 when the proxy answers as it would otherwise. */
int msgstore_unreachable(struct txn *, struct sipmsg *m, int status, int known);
/* Every branch of the MESSAGE m to a local user ended with status (408, 480, 503, 430: the
 * phones are not there; 0: none answered at all): 1 when msgstore took it and answers (202
 * once stored; nothing when none answered: RFC 4320 4.2, the sender's Timer F has fired),
 * 0 otherwise. */
int msgstore_failed(struct txn *, struct sipmsg *m, int status);
/* A REGISTER of aor added or refreshed the binding key and is committed: send it what waits. */
void msgstore_registered(const char *aor, const char *key);

#endif
