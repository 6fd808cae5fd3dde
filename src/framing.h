/* framing.h - split a byte stream (TCP/TLS) into SIP messages by Content-Length (RFC 3261 18.3).
 * No I/O: the transport hands in what it has buffered. */
#ifndef SIPD_FRAMING_H
#define SIPD_FRAMING_H

#include <stddef.h>

enum frame_result {
	FRAME_NEED_MORE,	/* not a whole message yet */
	FRAME_MESSAGE,		/* *msglen bytes (after *skip) are one message */
	FRAME_PING,		/* a CRLFCRLF keep-alive (RFC 5626 3.5.1): answer CRLF; consume *skip */
	FRAME_SKIP,		/* *skip bytes of stray CRLF to drop */
	FRAME_ERROR,		/* unframeable (no/bad Content-Length, too large): close the stream */
};

/* Look at buf[0..len).  max: the largest message accepted.  On FRAME_ERROR, *why says what. */
enum frame_result framing_scan(const char *buf, size_t len, size_t max, size_t *skip,
    size_t *msglen, const char **why);

#endif
