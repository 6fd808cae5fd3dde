/* flow.c - flow tokens (RFC 5626 5.2): the flow's transport, local socket, connection id and
 * remote address, hex-encoded behind an HMAC-SHA256 tag so that nobody can make sipd send
 * somewhere by forging one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "flow.h"
#include "sipmsg.h"
#include "uri.h"

#define TAG_LEN		8
#define RAW_MAX		(1 + 1 + 8 + 1 + 2 + 16)

static unsigned char	 secret[32];
static int		 have_secret;

void
flow_init(void)
{
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		sip_random_token((char *)secret, sizeof(secret) - 1);
	have_secret = 1;
}

/* The flow as bytes: proto, socket, connection id, family, port, address. */
static size_t
flow_raw(const struct sip_peer *p, unsigned char *r)
{
	size_t n = 0;

	r[n++] = (unsigned char)p->proto;
	r[n++] = (unsigned char)(p->lsock + 1);
	for (int i = 7; i >= 0; i--)
		r[n++] = (unsigned char)(p->conn >> (i * 8));
	if (p->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&p->addr;
		r[n++] = 6;
		memcpy(r + n, &s6->sin6_port, 2);
		memcpy(r + n + 2, &s6->sin6_addr, 16);
		return n + 18;
	}
	const struct sockaddr_in *s4 = (const void *)&p->addr;
	r[n++] = 4;
	memcpy(r + n, &s4->sin_port, 2);
	memcpy(r + n + 2, &s4->sin_addr, 4);
	return n + 6;
}

static void
tag(const unsigned char *raw, size_t n, unsigned char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!have_secret)
		flow_init();
	HMAC(EVP_sha256(), secret, sizeof(secret), raw, n, md, &mdlen);
	memcpy(out, md, TAG_LEN);
}

const char *
flow_token(const struct sip_peer *p, char *out, size_t len)
{
	unsigned char buf[TAG_LEN + RAW_MAX];
	size_t n = flow_raw(p, buf + TAG_LEN);
	static const char hex[] = "0123456789abcdef";

	out[0] = '\0';
	if (len < 2 * (TAG_LEN + n) + 1)
		return out;
	tag(buf + TAG_LEN, n, buf);
	for (size_t i = 0; i < TAG_LEN + n; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * (TAG_LEN + n)] = '\0';
	return out;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
flow_token_parse(const char *tok, size_t n, struct sip_peer *p)
{
	unsigned char buf[TAG_LEN + RAW_MAX], want[TAG_LEN];
	size_t len = n / 2;

	if (n % 2 != 0 || (len != TAG_LEN + 17 && len != TAG_LEN + 29))
		return -1;
	for (size_t i = 0; i < len; i++) {
		int h = unhex(tok[2 * i]), l = unhex(tok[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		buf[i] = (unsigned char)(h << 4 | l);
	}
	const unsigned char *r = buf + TAG_LEN;
	tag(r, len - TAG_LEN, want);
	if (CRYPTO_memcmp(want, buf, TAG_LEN) != 0 || r[0] > PROTO_TLS ||
	    (r[10] != 4 && r[10] != 6) || (r[10] == 4) != (len == TAG_LEN + 17))
		return -1;
	memset(p, 0, sizeof(*p));
	p->proto = (enum sip_proto)r[0];
	p->lsock = (int)r[1] - 1;
	for (int i = 0; i < 8; i++)
		p->conn = p->conn << 8 | r[2 + i];
	if (r[10] == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_port, r + 11, 2);
		memcpy(&s6->sin6_addr, r + 13, 16);
		p->addrlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_port, r + 11, 2);
		memcpy(&s4->sin_addr, r + 13, 4);
		p->addrlen = sizeof(*s4);
	}
	return 0;
}

int
flow_user_valid(const char *user)
{
	struct sip_peer p;

	if (*user == '\0')
		return 0;
	while (*user != '\0') {
		size_t n = strcspn(user, ".");
		if (flow_token_parse(user, n, &p) == -1)
			return 0;
		user += n + (user[n] == '.');
	}
	return 1;
}

int
flow_same(const struct sip_peer *f, const struct sip_peer *src)
{
	if (f->proto != src->proto)
		return 0;
	if (f->conn != 0)
		return f->conn == src->conn;
	return sip_addr_equal(&f->addr, &src->addr);
}

int
flow_contact_host_is(const char *contact, const struct sip_peer *p)
{
	struct uri_parts u;
	char host[64];

	sip_addr_host(&p->addr, host, sizeof(host), NULL);
	return uri_split(contact, strlen(contact), &u) == 0 && strcmp(u.host, host) == 0;
}

int
flow_contact_reaches(const char *contact, const struct sip_peer *p)
{
	struct uri_parts u;
	char host[64];
	int port;

	sip_addr_host(&p->addr, host, sizeof(host), &port);
	return uri_split(contact, strlen(contact), &u) == 0 && strcmp(u.host, host) == 0 &&
	    (u.port ? u.port : u.sips || p->proto == PROTO_TLS ? 5061 : 5060) == port;
}

int
flow_behind_nat(const struct sipmsg *m, const char *contact)
{
	struct uri_parts u;
	char src[64];
	int sport;

	if (m->src.proto != PROTO_UDP)	/* a stream: is its Contact the connection's far end? */
		return !flow_contact_reaches(contact, &m->src);
	sip_addr_host(&m->src.addr, src, sizeof(src), &sport);
	/* the Contact's host only: a Contact port of its own is a phone's choice, not a NAT */
	if (uri_split(contact, strlen(contact), &u) == -1 || strcmp(u.host, src) != 0)
		return 1;
	if (m->via.host == NULL || strcmp(m->via.host, src) != 0 ||
	    (m->via.port ? m->via.port : 5060) != sport)
		return 1;
	return 0;
}
