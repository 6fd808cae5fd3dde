/* heap.h - the allocator's own statistics (glibc mallinfo2; ASan's under the sanitizer build)
 * and giving memory back: a load leaves the heap at its high-water mark (glibc trims only the
 * top of the main arena, and a few live blocks pin it), so a timer on the loop calls
 * malloc_trim once the load is over and much of the heap is free.  The modules keep their own
 * accounts of what they hold (txn_memory, proxy_memory, callrec_memory, relay_memory). */
#ifndef SIPD_HEAP_H
#define SIPD_HEAP_H

#include <stddef.h>

#include <event2/event.h>

struct heap_stats {
	size_t		 in_use;	/* bytes in allocated blocks (mmapped ones included) */
	size_t		 held;		/* bytes the allocator holds from the system */
	size_t		 trims;		/* malloc_trim calls made by the idle timer */
};

/* Start / stop the trim timer. */
void heap_init(struct event_base *);
void heap_shutdown(void);
void heap_stats(struct heap_stats *);
size_t heap_in_use(void);
size_t heap_held(void);

#endif
