/* dtmf.h - RFC 4733 telephone-event receiver: the digits a caller pressed, from the event
 * packets of an RTP stream.  Pure: bytes in, digits out. */
#ifndef SIPD_DTMF_H
#define SIPD_DTMF_H

#include <stddef.h>
#include <stdint.h>

struct dtmf_dec {
	int		 active;	/* an event with timestamp ts has been seen */
	int		 ended;		/* and its end was reported */
	uint32_t	 ts;		/* RTP timestamp of the current event (RFC 4733 2.5.1.3) */
	uint8_t		 event;
};

void dtmf_init(struct dtmf_dec *);
/* Feed the payload of one telephone-event packet with its RTP timestamp.  Digits completed
 * go to out (at most 2: an event whose end was lost, then a new one that ends at once) as
 * '0'-'9', '*', '#', 'A'-'D'; returns how many, or -1 for a malformed payload. */
int dtmf_feed(struct dtmf_dec *, const uint8_t *p, size_t len, uint32_t ts, char out[2]);
/* The character of event code e (0-15), or 0. */
char dtmf_char(unsigned e);

#endif
