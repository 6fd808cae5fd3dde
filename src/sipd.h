/* sipd.h - small types shared by every module. */
#ifndef SIPD_H
#define SIPD_H

#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

#define SIPD_NAME	"sipd"

/* Where a message came from, or where one goes (RFC 3261 18). */
struct sip_peer {
	enum sip_proto		 proto;
	struct sockaddr_storage	 addr;		/* remote address */
	socklen_t		 addrlen;
	int			 lsock;		/* local UDP socket / listener index it arrived on; -1 = any */
	uint64_t		 conn;		/* stream connection id; 0 = none */
	char			 tls_name[64];	/* TLS out: the name the server's certificate must
						 * carry (RFC 5922: the URI's domain); "" = its address */
};

/* Methods sipd knows by name; everything else is SIP_UNKNOWN (RFC 3261 8.2.1 -> 501 at a UAS). */
enum sip_method {
	SIP_UNKNOWN = 0,
	SIP_INVITE, SIP_ACK, SIP_BYE, SIP_CANCEL, SIP_OPTIONS, SIP_REGISTER,
	SIP_PRACK, SIP_SUBSCRIBE, SIP_NOTIFY, SIP_PUBLISH, SIP_INFO, SIP_REFER,
	SIP_MESSAGE, SIP_UPDATE,
	SIP_METHOD_MAX
};

enum sip_method sip_method_parse(const char *name);
const char *sip_method_name(enum sip_method);
/* "udp", "tcp", "tls" (lowercase) and "UDP".. (Via form). */
const char *sip_proto_name(enum sip_proto);
const char *sip_proto_via(enum sip_proto);
/* "udp:127.0.0.1:5060" / "tcp:[::1]:5060" into buf. */
const char *sip_peer_str(const struct sip_peer *, char *buf, size_t len);
/* Numeric host of a sockaddr ("127.0.0.1" or "::1") into buf; port into *port. */
const char *sip_addr_host(const struct sockaddr_storage *, char *buf, size_t len, int *port);
/* 1 when both sockaddrs have the same address and port. */
int sip_addr_equal(const struct sockaddr_storage *, const struct sockaddr_storage *);
/* Random token of n chars [a-zA-Z0-9] into buf (NUL-terminated, buf holds n+1). */
void sip_random_token(char *buf, size_t n);

#define SIP_BRANCH_COOKIE	"z9hG4bK"

#endif
