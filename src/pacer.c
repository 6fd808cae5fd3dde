/* pacer.c - the 20 ms frame clock of voicemail playback: frame k is due at start + k*period,
 * computed from the start each time (never by adding intervals), so a late timer makes the
 * next wait shorter instead of shifting every later frame. */
#include <time.h>

#include "pacer.h"

void
pacer_start(struct pacer *p, uint64_t now_ns, uint64_t period_ns)
{
	p->start_ns = now_ns;
	p->period_ns = period_ns ? period_ns : 1;
	p->sent = 0;
	p->skipped = 0;
}

unsigned
pacer_due(struct pacer *p, uint64_t now_ns)
{
	uint64_t due;

	if (now_ns < p->start_ns)
		return 0;
	due = (now_ns - p->start_ns) / p->period_ns + 1;	/* frames 0 .. due-1 are due */
	if (due <= p->sent)
		return 0;
	if (due - p->sent > PACER_MAX_BURST) {
		/* A stall: send one frame now and count from here; a burst would only flood
		 * the receiver's jitter buffer. */
		p->skipped += due - p->sent - 1;
		p->start_ns = now_ns;
		p->sent = 1;
		return 1;
	}
	due -= p->sent;
	p->sent += due;
	return (unsigned)due;
}

uint64_t
pacer_wait(const struct pacer *p, uint64_t now_ns)
{
	uint64_t next = p->start_ns + p->sent * p->period_ns;

	return next > now_ns ? next - now_ns : 0;
}

uint64_t
pacer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
