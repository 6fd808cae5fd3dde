/* pacer.h - a frame clock for media playback: frames are due every period from a start on
 * the monotonic clock, so timer lateness never accumulates into drift.  Pure: the time is
 * passed in. */
#ifndef SIPD_PACER_H
#define SIPD_PACER_H

#include <stdint.h>

#define PACER_MAX_BURST	5	/* frames sent at once to catch up; later than that: resync */

struct pacer {
	uint64_t	 start_ns;	/* monotonic time of frame 0 */
	uint64_t	 period_ns;
	uint64_t	 sent;		/* frames handed out so far */
	uint64_t	 skipped;	/* frames dropped by a resync (the loop stalled) */
};

void pacer_start(struct pacer *, uint64_t now_ns, uint64_t period_ns);
/* Frames due at now (0 .. PACER_MAX_BURST); they count as sent.  After a stall longer than
 * PACER_MAX_BURST periods the clock restarts at now (the skipped frames are counted). */
unsigned pacer_due(struct pacer *, uint64_t now_ns);
/* Nanoseconds from now until the next frame is due (0 when one is due). */
uint64_t pacer_wait(const struct pacer *, uint64_t now_ns);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t pacer_now(void);

#endif
