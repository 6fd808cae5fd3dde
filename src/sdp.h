/* sdp.h - SDP (RFC 4566) reading and rewriting for the RTP relay: bytes in, bytes out, no I/O.
 *
 * sdp_parse() reads what the relay needs from one session description (each m-line's media,
 * port, transport and connection address, a=rtcp, direction); sdp_rewrite() writes a copy in
 * which every relayed stream points at the relay.  sdp_body_find() locates the application/sdp
 * part of a SIP body (a plain SDP body or a multipart/mixed one, RFC 2046 5.1). */
#ifndef SIPD_SDP_H
#define SIPD_SDP_H

#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_STREAMS	16
#define SDP_ADDR_MAX	64

enum sdp_dir { SDP_SENDRECV = 0, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };

struct sdp_stream {
	char		 media[16];		/* "audio", "video", ... (truncated) */
	char		 proto[32];		/* "RTP/AVP", "RTP/SAVP", "udptl", ... */
	int		 port;			/* m= port; 0 = a rejected / disabled stream */
	int		 family;		/* 4 or 6: IP4 / IP6 of the connection address; 0 none */
	char		 addr[SDP_ADDR_MAX];	/* media c=, else the session c=; "" when neither */
	int		 own_c;			/* the stream has its own c= line */
	int		 rtcp_port;		/* a=rtcp: port (RFC 3605); 0 when absent */
	int		 rtcp_mux;		/* a=rtcp-mux */
	enum sdp_dir	 dir;			/* media-level direction, else the session's */
	int		 relayable;		/* a UDP transport the relay can carry */
};

struct sdp_info {
	int		 nstreams;		/* m-lines beyond SDP_MAX_STREAMS are not counted */
	int		 too_many;		/* more m-lines than SDP_MAX_STREAMS */
	struct sdp_stream s[SDP_MAX_STREAMS];
	int		 ice;			/* a=candidate / a=ice-* present */
};

/* Read an SDP body; 0 when it has a v= line and at least parses line by line, -1 otherwise
 * (the body is then forwarded untouched). */
int sdp_parse(const char *p, size_t len, struct sdp_info *);

/* 1 for a connection address that means "don't send" (0.0.0.0 / ::, RFC 3264 8.4 hold). */
int sdp_addr_is_null(const char *addr);

/* What a rewrite puts in: the relay's address and, per stream, its RTP port (0: leave that
 * stream as it is).  RTCP is always RTP port + 1. */
struct sdp_subst {
	char		 addr[SDP_ADDR_MAX];
	int		 family;		/* 4 or 6 */
	int		 port[SDP_MAX_STREAMS];
};

/* A copy of the SDP with every substituted stream's m= port, c= address and a=rtcp pointing
 * at the relay, ICE attributes removed, and the o= version bumped by one; hold addresses
 * (c=0.0.0.0) and port 0 stay.  Returns a NUL-terminated buffer (length in *outlen), or NULL
 * when the input does not parse. */
char *sdp_rewrite(const char *p, size_t len, const struct sdp_subst *, size_t *outlen);

/* Where the SDP is inside a SIP body of type ctype (the Content-Type value, NULL = none):
 * the whole body for application/sdp, the first application/sdp part of multipart/mixed
 * (or /alternative, /related).  0 and *off / *slen set, or -1 when there is no SDP. */
int sdp_body_find(const char *ctype, size_t ctlen, const char *body, size_t len, size_t *off,
    size_t *slen);

#endif
