/* caller.h - caller authorisation, shared by the registrar and the proxy: who sent a request
 * (an auth.trusted peer, or a local user proving it with digest credentials, RFC 3261 22) and
 * whether that user may act for the address it names (its own, or one of its extensions). */
#ifndef SIPD_CALLER_H
#define SIPD_CALLER_H

#include <sys/socket.h>

#include "sipmsg.h"

struct txn;

/* 1 when src lies in auth.trusted (a gateway, a PBX): its requests need no credentials.  The
 * list is the config's own, parsed when it was loaded. */
int caller_trusted(const struct sockaddr_storage *src);
/* Digest-authenticate m against hdr (HDR_AUTHORIZATION: 401, HDR_PROXY_AUTHORIZATION: 407) as
 * a user of domain who may act for user_part (the user itself, or one of its extensions).
 * 0 when so; otherwise it answered m itself (a challenge, or 403 with reason) and returns -1. */
int caller_authorise(struct txn *, struct sipmsg *, enum hdr_id hdr, const char *user_part,
    const char *domain, const char *reason);
/* A new request whose From is a user of ours must carry that user's credentials (407, RFC
 * 3261 22.3); mid-dialog requests, ACK and CANCEL are not challenged.  1: a caller known to be
 * ours (authenticated, or a trusted peer); 0: anyone else, go on; -1: answered. */
int caller_check(struct txn *, struct sipmsg *);

#endif
