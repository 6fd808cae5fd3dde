/* gruu.c - GRUUs (RFC 5627): made for the REGISTER 200, read back from a Request-URI.  The
 * temp-gruu token is AES-256-GCM over (epoch, AOR, instance) with a random nonce, so each one
 * differs (5.4: a new temp-gruu per refresh), says nothing of the user to whoever holds it
 * (3.2: the privacy of a temp-gruu), and needs no table. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "domain.h"
#include "gruu.h"
#include "log.h"
#include "xmalloc.h"

#define TEMP_PREFIX	"tgruu."
#define NONCE_LEN	12
#define TAG_LEN		16
#define TOKEN_MAX	228	/* base64url characters of a token (the user part stays < 256) */
#define SEALED_MAX	(TOKEN_MAX * 3 / 4)

static unsigned char	key[32];
static int		have_key;

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
gruu_init(void)
{
	if (RAND_bytes(key, sizeof(key)) != 1)
		fatalx("gruu: RAND_bytes failed");
	have_key = 1;
}

uint64_t
gruu_epoch(const char *call_id)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)call_id; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

int
gruu_instance(const char *param, char *out, size_t outlen)
{
	size_t n = strlen(param);

	if (n >= 2 && param[0] == '"' && param[n - 1] == '"') {
		param++;
		n -= 2;
	}
	if (n >= 2 && param[0] == '<' && param[n - 1] == '>') {
		param++;
		n -= 2;
	}
	if (n == 0 || n >= outlen || memchr(param, '\0', n) != NULL)
		return -1;
	memcpy(out, param, n);
	out[n] = '\0';
	return 0;
}

/* RFC 3261 25.1 paramchar without escaping: unreserved and param-unreserved. */
static int
paramchar(unsigned char c)
{
	return isalnum(c) || strchr("-_.!~*'()[]/:&+$", c) != NULL;
}

/* s into b, %HH for what a URI parameter may not hold as is. */
static void
add_escaped(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (paramchar(*p))
			buf_add(b, p, 1);
		else
			buf_printf(b, "%%%02X", *p);
}

/* %HH back to bytes, in place; -1 on a bad escape or a NUL. */
static int
unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r != '\0'; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		if (!isxdigit((unsigned char)r[1]) || !isxdigit((unsigned char)r[2]))
			return -1;
		char hex[3] = { r[1], r[2], '\0' };
		if ((*w++ = (char)strtol(hex, NULL, 16)) == '\0')
			return -1;
		r += 2;
	}
	*w = '\0';
	return 0;
}

/* base64url without padding of n bytes into out (room for 4n/3+2). */
static void
b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		v = (v << 8) | in[i];
		for (bits += 8; bits >= 6; bits -= 6)
			out[o++] = b64[(v >> (bits - 6)) & 63];
	}
	if (bits > 0)
		out[o++] = b64[(v << (6 - bits)) & 63];
	out[o] = '\0';
}

/* base64url of n characters back to bytes; the length, or -1. */
static int
b64_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	size_t o = 0;
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		const char *c = in[i] != '\0' ? strchr(b64, in[i]) : NULL;
		if (c == NULL)
			return -1;
		v = (v << 6) | (unsigned)(c - b64);
		if ((bits += 6) >= 8) {
			if (o == outlen)
				return -1;
			out[o++] = (unsigned char)(v >> (bits - 8));
			bits -= 8;
		}
	}
	if ((v & ((1u << bits) - 1)) != 0)
		return -1;	/* one spelling per token: the unused low bits are zero */
	return (int)o;
}

/* AES-256-GCM of in (n bytes) into out: nonce, ciphertext, tag.  The length, or -1. */
static int
seal(const unsigned char *in, int n, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, rc = -1;

	if (c == NULL || RAND_bytes(out, NONCE_LEN) != 1)
		goto fail;
	if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(c, out + NONCE_LEN, &l1, in, n) != 1 ||
	    EVP_EncryptFinal_ex(c, out + NONCE_LEN + l1, &l2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + NONCE_LEN + l1 + l2) != 1)
		goto fail;
	rc = NONCE_LEN + l1 + l2 + TAG_LEN;
fail:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

/* The inverse of seal: the plaintext length, or -1 when it was not sealed with our key. */
static int
unseal(const unsigned char *in, int n, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, rc = -1, clen = n - NONCE_LEN - TAG_LEN;

	if (c == NULL || clen <= 0)
		goto fail;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in) != 1 ||
	    EVP_DecryptUpdate(c, out, &l1, in + NONCE_LEN, clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    (void *)(in + NONCE_LEN + clen)) != 1 ||
	    EVP_DecryptFinal_ex(c, out + l1, &l2) != 1)
		goto fail;
	rc = l1 + l2;
fail:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

/* The temp-gruu token for (aor, instance, epoch) into out (TOKEN_MAX + 1); -1 when too long. */
static int
temp_token(const char *aor, const char *inst, uint64_t epoch, char *out)
{
	unsigned char plain[SEALED_MAX], sealed[SEALED_MAX];
	size_t al = strlen(aor), il = strlen(inst), n = 8 + al + 1 + il;
	int sl;

	if (n + NONCE_LEN + TAG_LEN > SEALED_MAX - 2)
		return -1;
	for (int i = 0; i < 8; i++)
		plain[i] = (unsigned char)(epoch >> (56 - 8 * i));
	memcpy(plain + 8, aor, al + 1);
	memcpy(plain + 8 + al + 1, inst, il);
	if ((sl = seal(plain, (int)n, sealed)) == -1)
		return -1;
	b64_encode(sealed, (size_t)sl, out);
	return 0;
}

int
gruu_contact_params(struct buf *b, const char *aor, const char *instance, const char *call_id)
{
	char inst[GRUU_INSTANCE_MAX], token[TOKEN_MAX + 4];
	const char *at = strchr(aor, '@');

	if (!have_key)
		gruu_init();
	if (at == NULL || instance == NULL || gruu_instance(instance, inst, sizeof(inst)) == -1)
		return -1;
	/* 5.4: the pub-gruu is the AOR with gr=<instance ID> (and no other parameter) */
	buf_printf(b, ";pub-gruu=\"%s;gr=", aor);
	add_escaped(b, inst);
	buf_adds(b, "\"");
	if (temp_token(aor, inst, gruu_epoch(call_id), token) == 0)
		buf_printf(b, ";temp-gruu=\"sip:" TEMP_PREFIX "%s%s;gr\"", token, at);
	return 0;
}

/* A temp-gruu's user part back into g; -1 when it is not one of ours. */
static int
parse_temp(const char *user, struct gruu_ref *g)
{
	unsigned char sealed[SEALED_MAX], plain[SEALED_MAX];
	size_t n = strlen(user);
	int sl, pl;

	if (!have_key)
		gruu_init();
	if (n > TOKEN_MAX || (sl = b64_decode(user, n, sealed, sizeof(sealed))) == -1 ||
	    (pl = unseal(sealed, sl, plain)) < 8 + 2)
		return -1;
	g->epoch = 0;
	for (int i = 0; i < 8; i++)
		g->epoch = (g->epoch << 8) | plain[i];
	const char *aor = (const char *)plain + 8;
	size_t al = strnlen(aor, (size_t)pl - 8), il = (size_t)pl - 8 - al - 1;
	if (al == (size_t)pl - 8 || al >= sizeof(g->aor) || il == 0 || il >= sizeof(g->instance))
		return -1;
	memcpy(g->aor, aor, al + 1);
	memcpy(g->instance, aor + al + 1, il);
	g->instance[il] = '\0';
	g->temp = 1;
	return 0;
}

enum gruu_kind
gruu_parse(const struct uri_parts *u, struct gruu_ref *g)
{
	char gr[GRUU_INSTANCE_MAX * 3], user[sizeof(u->user)];
	const char *domain;

	memset(g, 0, sizeof(*g));
	if (uri_param(u, "gr", gr, sizeof(gr)) == NULL)
		return GRUU_NONE;
	if (strncmp(u->user, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0)
		return gr[0] == '\0' && parse_temp(u->user + strlen(TEMP_PREFIX), g) == 0 ?
		    GRUU_TEMP : GRUU_BAD;
	/* a pub-gruu: the AOR of the URI, the instance in gr (RFC 5627 5.4) */
	memcpy(user, u->user, sizeof(user));
	if (gr[0] == '\0' || unescape(gr) == -1 || strlen(gr) >= GRUU_INSTANCE_MAX ||
	    user[0] == '\0' || domain_aor(user, u->host, u->port, &domain) == -1 ||
	    (size_t)snprintf(g->aor, sizeof(g->aor), "sip:%s@%s", user, domain) >= sizeof(g->aor))
		return GRUU_BAD;
	memcpy(g->instance, gr, strlen(gr) + 1);
	return GRUU_PUB;
}

int
gruu_matches(const struct gruu_ref *g, const char *instance, const char *call_id, int any_epoch)
{
	char inst[GRUU_INSTANCE_MAX];

	/* instance IDs are URNs: compared without regard to case (RFC 5627 4.1, RFC 5626 4.1) */
	if (instance == NULL || gruu_instance(instance, inst, sizeof(inst)) == -1 ||
	    strcasecmp(inst, g->instance) != 0)
		return 0;
	return !g->temp || any_epoch || gruu_epoch(call_id) == g->epoch;
}

int
gruu_is_ours(const char *uri)
{
	struct uri_parts u;
	char gr[8];

	return uri_split(uri, strlen(uri), &u) == 0 && uri_param(&u, "gr", gr, sizeof(gr)) != NULL &&
	    domain_is_local(u.host, u.port);
}
