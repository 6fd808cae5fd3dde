/* fuzz_uri.c - libFuzzer: URI parsing (uri.c) and the URI grammar checks (grammar.c). */
#include <stdint.h>
#include <string.h>

#include "grammar.h"
#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uri_parts u;
	char buf[256];

	grammar_request_uri((const char *)data, size);
	grammar_sip_uri((const char *)data, size, 0);
	grammar_sip_uri((const char *)data, size, 1);
	if (uri_split((const char *)data, size, &u) == 0) {
		uri_param(&u, "transport", buf, sizeof(buf));
		uri_param(&u, "lr", buf, sizeof(buf));
		uri_param(&u, "maddr", buf, sizeof(buf));
		uri_user_canonical(u.user);
	}
	return 0;
}
