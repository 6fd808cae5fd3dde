/* local.h - requests the server answers itself (RFC 3261 8.2, 11): OPTIONS, errors for methods
 * and targets nothing else handles yet. */
#ifndef SIPD_LOCAL_H
#define SIPD_LOCAL_H

#include "sipmsg.h"

struct txn;

/* Methods sipd handles or forwards, for Allow (RFC 3261 20.5). */
#define LOCAL_ALLOW	"INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, INFO, UPDATE, PRACK, " \
			"SUBSCRIBE, NOTIFY, REFER"

/* The default handler. */
void local_request(struct txn *, struct sipmsg *);
/* RFC 3261 8.2.2.3: answer 420 when Require (or Proxy-Require when proxy) holds a tag sipd
 * does not support.  Returns 1 when it answered. */
int local_check_require(struct txn *, struct sipmsg *, enum hdr_id which);
/* 1 when a header with id (Supported, Require) lists option tag (case-insensitive). */
int local_has_tag(const struct sipmsg *, enum hdr_id, const char *tag);

#endif
