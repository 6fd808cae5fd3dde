/* heap.c - allocator statistics and the idle trim (heap.h).
 *
 * Measured (tests/bench/memory.sh): after 8,000 calls at 200/s glibc kept ~215 MB of arena 0
 * forever although 1.6 MB was in use, because free(3) returns memory only from the top of the
 * heap and M_TRIM_THRESHOLD never applies to the holes below a live block.  malloc_trim(0)
 * releases every free page (madvise), wherever it lies.  It is not free: it holds the arena
 * while the kernel takes the pages back (measured: ~0.4 s for 100 MB in 200,000 holes, ~10 ms
 * when there is nothing new to give back), so it runs from the loop only when the load is over:
 * the bytes in use steady over a check period (HEAP_CHECK_S), more free than in use, and at
 * least HEAP_TRIM_MIN freed since the last trim. */
#include <malloc.h>
#include <stdint.h>
#include <sys/time.h>

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
static size_t		 in_use_last;		/* at the previous check */
static size_t		 free_low = SIZE_MAX;	/* least free bytes seen since the last trim */

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

/* Every HEAP_CHECK_S: give the free pages back once the load is over. */
static void
heap_check(evutil_socket_t fd, short what, void *arg)
{
	struct mallinfo2 mi = mallinfo2();
	struct timeval tv = { HEAP_CHECK_S, 0 }, t0, t1;
	size_t d = mi.uordblks > in_use_last ? mi.uordblks - in_use_last : in_use_last - mi.uordblks;
	int steady = d <= in_use_last / 16;

	in_use_last = mi.uordblks;
	if (mi.fordblks < free_low)
		free_low = mi.fordblks;
	if (steady && mi.fordblks > mi.uordblks && mi.fordblks - free_low >= HEAP_TRIM_MIN) {
		gettimeofday(&t0, NULL);
		malloc_trim(0);
		gettimeofday(&t1, NULL);
		trims++;
		free_low = mi.fordblks;
		log_info("heap: free pages given back (%zu kB in use, %zu kB free) in %ld ms",
		    mi.uordblks / 1024, mi.fordblks / 1024, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_usec - t0.tv_usec) / 1000));
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
