/* stun.h - STUN Binding requests on the SIP UDP port (RFC 5626 8, RFC 5389): outbound clients
 * use them as keep-alives and learn their public address from the answer.  No I/O here. */
#ifndef SIPD_STUN_H
#define SIPD_STUN_H

#include <stddef.h>
#include <sys/socket.h>

#define STUN_HEADER		20
#define STUN_MAGIC_COOKIE	0x2112A442u

enum stun_kind {
	STUN_NOT,		/* not STUN: a SIP message (or garbage) for the SIP parser */
	STUN_BINDING,		/* a well-formed Binding request: answer it */
	STUN_IGNORE,		/* STUN, but nothing to answer (other class/method, malformed) */
};

/* Classify a datagram by its first byte and the magic cookie (RFC 5389 6 / RFC 7983). */
enum stun_kind stun_classify(const unsigned char *buf, size_t len);
/* The Binding success response to req (as classified STUN_BINDING) for a request that came
 * from src: XOR-MAPPED-ADDRESS holds src.  Returns its length, or 0 when out is too small. */
size_t stun_binding_response(const unsigned char *req, const struct sockaddr_storage *src,
    unsigned char *out, size_t outlen);

#endif
