/* fuzz_stun.c - libFuzzer: STUN on the SIP UDP port (stun.c) and flow tokens in Route user
 * parts (flow.c): classifying any datagram stays inside it, a Binding answer fits its buffer,
 * and a token that parses names a sane flow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow.h"
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	unsigned char out[64];
	struct sip_peer p;
	char user[300];

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = size % 2 ? AF_INET6 : AF_INET;
	if (stun_classify(data, size) == STUN_BINDING &&
	    stun_binding_response(data, &ss, out, sizeof(out)) > sizeof(out))
		abort();
	if (flow_token_parse((const char *)data, size, &p) == 0 &&
	    (p.proto > PROTO_TLS || (p.addr.ss_family != AF_INET && p.addr.ss_family != AF_INET6)))
		abort();
	if (size < sizeof(user)) {
		memcpy(user, data, size);
		user[size] = '\0';
		flow_user_valid(user);
	}
	return 0;
}
