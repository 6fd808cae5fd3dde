/* heap.c - allocator statistics and the idle trim (heap.h).
 *
 * Measured (tests/bench/memory.sh): after 8,000 calls at 200/s glibc kept ~215 MB of arena 0
 * forever although 1.6 MB was in use, because free(3) returns memory only from the top of the
 * heap and M_TRIM_THRESHOLD never applies to the holes below a live block.  malloc_trim(0)
 * releases every free page (madvise), whatever lies above it.  It walks the free lists, so it
 * runs only when it pays: at most every HEAP_CHECK_S seconds, when the free bytes are both over
 * HEAP_TRIM_MIN and more than what is in use. */
#include <malloc.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ASAN 1
#endif
#endif
#ifdef HEAP_ASAN	/* libasan's (sanitizer/allocator_interface.h, not always installed) */
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_heap_size(void);
#endif

#include "heap.h"
#include "log.h"

#define HEAP_CHECK_S	5
#define HEAP_TRIM_MIN	(4u << 20)

static struct event	*ev_check;
static size_t		 trims;

/* Under AddressSanitizer malloc is ASan's, and glibc's numbers describe an idle arena: its
 * allocator's own counters are the ones that mean something (the held bytes include its
 * quarantine of freed blocks). */
void
heap_stats(struct heap_stats *hs)
{
#ifdef HEAP_ASAN
	hs->in_use = __sanitizer_get_current_allocated_bytes();
	hs->held = __sanitizer_get_heap_size();
#else
	struct mallinfo2 mi = mallinfo2();

	hs->in_use = mi.uordblks + mi.hblkhd;
	hs->held = mi.arena + mi.hblkhd;
#endif
	hs->trims = trims;
}

size_t
heap_in_use(void)
{
	struct heap_stats hs;

	heap_stats(&hs);
	return hs.in_use;
}

size_t
heap_held(void)
{
	struct heap_stats hs;

	heap_stats(&hs);
	return hs.held;
}

/* Every HEAP_CHECK_S: give the free pages back once most of the heap is free. */
static void
heap_check(evutil_socket_t fd, short what, void *arg)
{
	struct mallinfo2 mi = mallinfo2();
	struct timeval tv = { HEAP_CHECK_S, 0 };

	if (mi.fordblks > HEAP_TRIM_MIN && mi.fordblks > mi.uordblks) {
		malloc_trim(0);
		trims++;
		log_debug("heap: trimmed, %zu bytes in use, %zu were free", mi.uordblks,
		    mi.fordblks);
	}
	evtimer_add(ev_check, &tv);
}

void
heap_init(struct event_base *base)
{
	struct timeval tv = { HEAP_CHECK_S, 0 };

	if (ev_check != NULL)
		return;
	ev_check = evtimer_new(base, heap_check, NULL);
	evtimer_add(ev_check, &tv);
}

void
heap_shutdown(void)
{
	if (ev_check != NULL)
		event_free(ev_check);
	ev_check = NULL;
}
