/* dtmf.c - RFC 4733 telephone-event decoding.  All packets of one event carry the same RTP
 * timestamp (2.5.1.3); the last ones set the E bit and are sent three times (2.5.1.4), so a
 * digit is reported at the first end packet of its timestamp and the retransmissions are
 * ignored.  When the end packets are all lost, the next event (a new timestamp) reports
 * the unfinished one first (2.5.2.2: the receiver infers the end). */
#include <string.h>

#include "dtmf.h"

void
dtmf_init(struct dtmf_dec *d)
{
	memset(d, 0, sizeof(*d));
}

char
dtmf_char(unsigned e)
{
	static const char map[] = "0123456789*#ABCD";

	return e < 16 ? map[e] : 0;
}

int
dtmf_feed(struct dtmf_dec *d, const uint8_t *p, size_t len, uint32_t ts, char out[2])
{
	int n = 0, end;

	if (len < 4)
		return -1;
	end = (p[1] & 0x80) != 0;
	if (d->active && ts == d->ts) {
		if (end && !d->ended && dtmf_char(d->event)) {
			out[n++] = dtmf_char(d->event);
			d->ended = 1;
		}
		return n;
	}
	if (d->active && !d->ended && dtmf_char(d->event))
		out[n++] = dtmf_char(d->event);	/* its end packets were lost */
	d->active = 1;
	d->ts = ts;
	d->event = p[0];
	d->ended = end;
	if (end && dtmf_char(p[0]))
		out[n++] = dtmf_char(p[0]);
	return n;
}
