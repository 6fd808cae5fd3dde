/* relay.h - the RTP relay: per-call sessions of UDP port pairs on the event loop, symmetric
 * latching, idle teardown, per-call media counters.  media.c decides which SIP messages feed
 * it; sdp.c reads and writes the descriptions. */
#ifndef SIPD_RELAY_H
#define SIPD_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "sdp.h"

enum relay_mode { RELAY_NEVER = 0, RELAY_NAT, RELAY_ALWAYS };

/* "never" / "nat" / "always" -> mode; -1 if none of them. */
int relay_mode_parse(const char *);

/* Sides of a call: A is the caller (the From tag of the dialog-creating INVITE), B the callee. */
#define RELAY_A		0
#define RELAY_B		1

/* Media counters of one call, per direction: [0] A->B (caller to callee), [1] B->A.
 * pkts/bytes: RTP and RTCP packets forwarded (bytes of UDP payload); lost: an estimate
 * from the RTP sequence numbers of the forwarded streams (RFC 3550 A.3: expected - received,
 * never negative); dropped: packets refused by latching (not from the latched source). */
struct relay_stats {
	uint64_t	 pkts[2];
	uint64_t	 bytes[2];
	uint64_t	 lost[2];
	uint64_t	 dropped[2];
	int		 ended;		/* the session is over (its sockets are closed) */
};

struct relay_session;

/* Start (after the config is loaded) / stop the relay.  relay_shutdown closes every session. */
void relay_init(struct event_base *);
void relay_shutdown(void);

/* The live (not ended) session of a call, or NULL. */
struct relay_session *relay_find(const char *call_id);
/* A new session for a call whose dialog-creating INVITE came with From tag a_tag (an ended
 * session of the same Call-ID is replaced). */
struct relay_session *relay_create(const char *call_id, const char *a_tag);
/* Which side sent a request with this From tag: RELAY_A or RELAY_B. */
int relay_side(const struct relay_session *, const char *from_tag);
/* SDP from side `side` (info) is about to go to the other side: every relayable stream gets
 * (or keeps) its port pairs, side's signalled addresses are recorded, and sub->port[] gets the
 * relay ports the other side must send to.  -1 when no port pair is free (sub untouched). */
int relay_sdp(struct relay_session *, int side, const struct sdp_info *, struct sdp_subst *sub);
/* The call was answered (a 2xx to its INVITE): from now on relay.timeout applies. */
void relay_answered(struct relay_session *);
/* End the session of call_id (BYE, failure, CANCEL, Timer C): its ports are closed at once.
 * Its counters stay readable with relay_call_stats for RELAY_LINGER_S seconds. */
void relay_end(const char *call_id, const char *why);
#define RELAY_LINGER_S	64

/* Media counters of a call (live or ended within RELAY_LINGER_S): 0, or -1 when the relay
 * has no session for call_id.  For call detail records: read it when the call ends. */
int relay_call_stats(const char *call_id, struct relay_stats *);

/* Live sessions and open relay sockets (tests, status). */
size_t relay_session_count(void);
size_t relay_socket_count(void);
/* Heap bytes the sessions hold, ended ones kept for their counters included. */
size_t relay_memory(void);

#endif
