/* fuzz_framing.c - libFuzzer: the TCP framer (framing.c), fed the input in the chunks a
 * stream delivers it: each result must stay inside the buffer, and the loop must end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		size_t skip = 0, msglen = 0;
		const char *why = NULL;
		enum frame_result r = framing_scan((const char *)data + off, size - off, 4096, &skip,
		    &msglen, &why);
		if (r == FRAME_NEED_MORE || r == FRAME_ERROR)
			break;
		if (skip > size - off || (r == FRAME_MESSAGE && msglen > size - off - skip))
			abort();	/* a frame outside the bytes given */
		if (r == FRAME_MESSAGE)
			skip += msglen;
		if (skip == 0)
			abort();	/* no progress: the reader would spin */
		off += skip;
	}
	return 0;
}
