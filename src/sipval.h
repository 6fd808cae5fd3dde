/* sipval.h - structured header values parsed by libosip2, on paths where speed does not matter
 * (what a body is, what a subscription says): media types of Content-Type and Accept
 * (RFC 3261 20.1, 20.15), Event (RFC 6665 7.2.1) and Subscription-State (RFC 6665 7.2.3).
 * The raw forwarding path never parses these.  No I/O: bytes in, fields out. */
#ifndef SIPD_SIPVAL_H
#define SIPD_SIPVAL_H

#include <stddef.h>

#include "sipmsg.h"

/* A media type: type "/" subtype *(";" param) (RFC 3261 20.15, RFC 2045 5.1). */
struct sipval_mtype {
	char	 type[32];	/* lowercased (media types compare case-insensitively) */
	char	 subtype[64];
	char	 boundary[80];	/* multipart boundary, unquoted; "" when absent */
	char	 charset[32];	/* "" when absent */
	int	 q;		/* Accept's q-value in thousandths; 1000 when absent */
};

/* Event: event-type *(";" event-param) (RFC 6665 7.2.1). */
struct sipval_event {
	char	 package[64];	/* the event-type as written, template included ("a.b") */
	char	 id[64];	/* the id param; "" when absent */
};

/* Subscription-State: substate-value *(";" subexp-params) (RFC 6665 7.2.3). */
enum sipval_subval {
	SUBSTATE_OTHER = 0,	/* an extension value (value[] says which) */
	SUBSTATE_ACTIVE, SUBSTATE_PENDING, SUBSTATE_TERMINATED
};

struct sipval_substate {
	enum sipval_subval	 state;
	char			 value[32];	/* the substate-value, lowercased */
	long			 expires;	/* -1 when absent */
	char			 reason[32];	/* "" when absent; lowercased */
	long			 retry_after;	/* -1 when absent */
};

/* Parse one value p[0..n).  0, or -1 when malformed or a field does not fit. */
int sipval_mtype(const char *p, size_t n, struct sipval_mtype *);
int sipval_event(const char *p, size_t n, struct sipval_event *);
int sipval_substate(const char *p, size_t n, struct sipval_substate *);

/* 1 when mt is type/subtype (case-insensitive). */
int sipval_mtype_is(const struct sipval_mtype *mt, const char *type, const char *subtype);

/* m's Content-Type: 0, or -1 when absent or malformed. */
int sipval_content_type(const struct sipmsg *m, struct sipval_mtype *);
/* 1 when m's Accept headers allow a body of type/subtype.  No Accept header means
 * application/sdp only, an empty one nothing (RFC 3261 20.1); q=0 refuses (RFC 7231 5.3.1). */
int sipval_accepts(const struct sipmsg *m, const char *type, const char *subtype);

#endif
