/* fuzz_sipmsg.c - libFuzzer: message parsing and validation (sipmsg.c, grammar.c, libosip2).
 * The first byte picks datagram or stream semantics; the rest is the message.  Every header
 * sipd reads is walked, and the libosip2 parse is forced as the proxy would. */
#include <osipparser2/osip_parser.h>
#include <stdint.h>
#include <string.h>

#include "grammar.h"
#include "sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m;
	char v[256];

	if (!init) {
		parser_init();
		init = 1;
	}
	if (size < 1)
		return 0;
	int datagram = data[0] & 1;
	if ((m = sipmsg_parse((const char *)data + 1, size - 1, datagram, &lim, &err)) == NULL)
		return 0;
	for (int id = 0; id < HDR__MAX; id++) {
		const struct sip_hdr *h = NULL;
		while ((h = sipmsg_hdr(m, (enum hdr_id)id, h)) != NULL) {
			struct nameaddr_info ni;
			struct via_info vi;
			grammar_nameaddr(m->raw + h->voff, h->vlen, 1, &ni);
			grammar_via(m->raw + h->voff, h->vlen, &vi);
		}
		sipmsg_hdr_value(m, (enum hdr_id)id, v, sizeof(v));
	}
	if (err.status == 0)
		sipmsg_osip(m);
	sipmsg_unref(m);
	return 0;
}
