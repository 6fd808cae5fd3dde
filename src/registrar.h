/* registrar.h - REGISTER (RFC 3261 10.3): authenticate, update the location service, answer
 * once the change is durable. */
#ifndef SIPD_REGISTRAR_H
#define SIPD_REGISTRAR_H

#include <event2/event.h>

#include "sipmsg.h"

struct txn;

/* Load bindings, install the REGISTER handler and the purge / admin-queue timers. */
int registrar_init(struct event_base *);
void registrar_shutdown(void);
void registrar_request(struct txn *, struct sipmsg *);

/* The canonical AOR ("sip:user@domain") of a SIP URI whose host is local; -1 otherwise. */
int registrar_aor(const char *uri, size_t len, char *out, size_t outlen);

#endif
