/* presence.h - sipd as the presence agent of its users (RFC 3856) and their event state
 * compositor (RFC 3903): PUBLISH of PIDF documents (RFC 3863) per publisher with SIP-ETag /
 * SIP-If-Match, SUBSCRIBE for the presence and dialog packages to a local user (subs.c sends
 * the NOTIFYs), who may watch whom, and the presence derived from registrations and calls
 * when nothing is published.  Publications are stored (the publications table): a PUBLISH
 * is answered once its row is committed, and they are loaded again at start. */
#ifndef SIPD_PRESENCE_H
#define SIPD_PRESENCE_H

#include <event2/event.h>

#include "sipmsg.h"
#include "subs.h"
#include "uri.h"

struct txn;

extern const struct subs_package presence_package;

void presence_init(struct event_base *);
void presence_shutdown(void);
/* A request whose Request-URI (split in u) names a user of ours: 1 when sipd serves it
 * itself (PUBLISH; SUBSCRIBE for presence or dialog) and has answered, 0 when it goes on
 * to the user's phones as before. */
int presence_request(struct txn *, struct sipmsg *m, const struct uri_parts *u);
/* The presence document for aor now (published, else derived), malloc'ed; for subs.c. */
char *presence_body(const char *aor, unsigned version, size_t *len);

#endif
