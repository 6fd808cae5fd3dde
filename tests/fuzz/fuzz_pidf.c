/* fuzz_pidf.c - libFuzzer: PIDF validation and composition (pidf.c), what a PUBLISH body
 * meets.  The input is split at the first NUL into two documents; each is validated, those
 * valid are composed (as sipd composes only documents it accepted), and a composed document
 * must itself be valid PIDF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pidf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *docs[2] = { (const char *)data, NULL };
	const uint8_t *nul = memchr(data, 0, size);
	size_t lens[2] = { nul ? (size_t)(nul - data) : size, 0 }, out;
	char *c;
	int n = 1;

	if (nul != NULL) {
		docs[1] = (const char *)nul + 1;
		lens[1] = size - lens[0] - 1;
		n = 2;
	}
	for (int i = 0; i < n; i++)
		if (!pidf_valid(docs[i], lens[i]))
			return 0;
	if ((c = pidf_compose("sip:a&\"b\"@c", docs, lens, n, &out)) != NULL) {
		if (!pidf_valid(c, out))
			abort();
		free(c);
	}
	return 0;
}
