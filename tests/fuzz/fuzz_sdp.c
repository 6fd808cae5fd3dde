/* fuzz_sdp.c - libFuzzer: SDP reading and rewriting for the relay (sdp.c) and finding the SDP
 * part of a SIP body (multipart).  The first byte picks the Content-Type, the rest is the body;
 * whatever sdp_rewrite() returns must parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *ctypes[] = {
	"application/sdp",
	"multipart/mixed;boundary=unique-boundary-1",
	"multipart/alternative; boundary=\"b\"",
	"multipart/related;type=application/sdp;boundary=x",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_info info;
	struct sdp_subst sub;
	size_t off, len, outlen;
	const char *ct;
	char *out;

	if (size < 1)
		return 0;
	ct = ctypes[data[0] % 4];
	data++;
	size--;
	if (sdp_body_find(ct, strlen(ct), (const char *)data, size, &off, &len) == -1)
		return 0;
	if (off > size || len > size - off)
		abort();
	if (sdp_parse((const char *)data + off, len, &info) == -1)
		return 0;
	memset(&sub, 0, sizeof(sub));
	strcpy(sub.addr, (data[0] & 1) ? "2001:db8::1" : "192.0.2.1");
	sub.family = (data[0] & 1) ? 6 : 4;
	for (int i = 0; i < SDP_MAX_STREAMS; i++)
		sub.port[i] = i % 3 == 2 ? 0 : 30000 + 2 * i;
	if ((out = sdp_rewrite((const char *)data + off, len, &sub, &outlen)) != NULL) {
		struct sdp_info again;
		if (strlen(out) != outlen || sdp_parse(out, outlen, &again) == -1)
			abort();	/* a rewrite sipd cannot read back */
		free(out);
	}
	return 0;
}
