/* stun.c - answer STUN Binding requests (RFC 5389 7.3, 15.2) for RFC 5626 8 keep-alives. */
#include <netinet/in.h>
#include <string.h>

#include "stun.h"

#define STUN_BINDING_REQUEST	0x0001
#define STUN_BINDING_SUCCESS	0x0101
#define ATTR_XOR_MAPPED_ADDRESS	0x0020

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long
get32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

enum stun_kind
stun_classify(const unsigned char *buf, size_t len)
{
	/* the two top bits of a STUN message are 0; a SIP message starts with a letter */
	if (len == 0 || (buf[0] & 0xC0) != 0)
		return STUN_NOT;
	if (len < STUN_HEADER || get32(buf + 4) != STUN_MAGIC_COOKIE)
		return STUN_NOT;	/* RFC 3489 STUN or junk: the SIP parser drops it */
	if (get16(buf + 2) + (size_t)STUN_HEADER != len || (get16(buf + 2) & 3) != 0)
		return STUN_IGNORE;
	/* walk the attributes: each must fit (RFC 5389 15) */
	for (size_t off = STUN_HEADER; off < len;) {
		if (len - off < 4)
			return STUN_IGNORE;
		size_t alen = get16(buf + off + 2), padded = (alen + 3) & ~(size_t)3;
		if (padded > len - off - 4)
			return STUN_IGNORE;
		off += 4 + padded;
	}
	return get16(buf) == STUN_BINDING_REQUEST ? STUN_BINDING : STUN_IGNORE;
}

size_t
stun_binding_response(const unsigned char *req, const struct sockaddr_storage *src,
    unsigned char *out, size_t outlen)
{
	int v6 = src->ss_family == AF_INET6;
	size_t alen = v6 ? 20 : 8, total = STUN_HEADER + 4 + alen;
	const unsigned char *addr;
	unsigned port;

	if (outlen < total)
		return 0;
	if (v6) {
		const struct sockaddr_in6 *s6 = (const void *)src;
		addr = s6->sin6_addr.s6_addr;
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)src;
		addr = (const unsigned char *)&s4->sin_addr.s_addr;
		port = ntohs(s4->sin_port);
	}
	put16(out, STUN_BINDING_SUCCESS);
	put16(out + 2, (unsigned)(total - STUN_HEADER));
	memcpy(out + 4, req + 4, 16);		/* magic cookie and transaction id */
	unsigned char *a = out + STUN_HEADER;
	put16(a, ATTR_XOR_MAPPED_ADDRESS);
	put16(a + 2, (unsigned)alen);
	a[4] = 0;
	a[5] = v6 ? 0x02 : 0x01;
	put16(a + 6, port ^ (STUN_MAGIC_COOKIE >> 16));
	/* XOR with the cookie, then (IPv6) the transaction id: out + 4 holds both in order */
	for (size_t i = 0; i < (v6 ? 16u : 4u); i++)
		a[8 + i] = addr[i] ^ out[4 + i];
	return total;
}
