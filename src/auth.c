/* auth.c - HTTP digest authentication (RFC 3261 22.4, RFC 2617 qop=auth, RFC 7616, RFC 8760).
 *
 * A nonce is base64url (no padding) of 32 bytes: an 8-byte big-endian timestamp, an 8-byte
 * counter that starts at a random value, and the first 16 bytes of HMAC-SHA256(secret, those
 * 16 bytes).  It proves on its own that we issued it and when, so no per-challenge state
 * exists.  State exists only once a nonce has been used successfully: the highest nonce count
 * accepted for it (RFC 2617 3.2.2), so a captured Authorization cannot be replayed.  Those records live until the nonce expires, and there are at
 * most AUTH_TRACK_MAX of them: when the table is full, a nonce not yet in it is refused (AUTH_FAIL,
 * so the client is challenged again) instead of being accepted untracked, which would reopen
 * replay; memory stays bounded at the cost of refusing new logins under a flood of them. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "buf.h"
#include "grammar.h"
#include "htab.h"
#include "log.h"
#include "sipmsg.h"
#include "xmalloc.h"

#define NONCE_TIME	8			/* big-endian seconds */
#define NONCE_RAND	8
#define NONCE_MAC	16			/* truncated HMAC-SHA256 */
#define NONCE_RAW	(NONCE_TIME + NONCE_RAND + NONCE_MAC)
#define NONCE_B64	((NONCE_RAW * 4 + 2) / 3)	/* 43 chars, unpadded */
#define SECRET_LEN	32
#define LIFETIME_DEF	300
#define CLOCK_SKEW	5			/* seconds a nonce may come from the future */
#define AUTH_TRACK_MAX	1000000			/* nonce-count records kept at most */

/* The nonce-count record of one nonce that has been used successfully. */
struct ncent {
	unsigned char	 key[NONCE_RAW];	/* the decoded nonce, also the table key */
	time_t		 born;
	uint32_t	 nc;			/* highest accepted; UINT32_MAX: used without qop */
};

static unsigned char	*secret;
static size_t		 secret_len;
static EVP_MD_CTX	*hmac_inner, *hmac_outer, *hmac_tmp;	/* SHA-256 after the keyed pads */
static EVP_MD_CTX	*dig_ctx;		/* reused by digest_hex */
static EVP_MD		*md_md5, *md_sha256;	/* fetched once (OpenSSL 3 would per Init) */
static uint64_t		 nonce_seq;		/* the middle of the next nonce */
static int		 lifetime = LIFETIME_DEF;
static struct htab	*nc_tab;
static int		 full_warned;

/* Stands in for the HA1 of an unknown or disabled user, so the check costs the same. */
static const char dummy_ha1[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Fill p with n bytes from OpenSSL's DRBG (seeded from the kernel; no syscall per nonce). */
static void
random_fill(unsigned char *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1)
		fatalx("auth: RAND_bytes failed");
}

/* HMAC-SHA256 (RFC 2104) with the pads hashed once: each MAC then copies two digest
 * states instead of setting up an HMAC from scratch (OpenSSL 3's HMAC() fetches the
 * algorithm on every call, which showed at the top of REGISTER profiles). */
static void
hmac_prepare(void)
{
	unsigned char key[64] = { 0 }, pad[64];

	if (secret_len > sizeof(key))
		EVP_Digest(secret, secret_len, key, NULL, EVP_sha256(), NULL);
	else
		memcpy(key, secret, secret_len);
	hmac_inner = EVP_MD_CTX_new();
	hmac_outer = EVP_MD_CTX_new();
	hmac_tmp = EVP_MD_CTX_new();
	for (int i = 0; i < 64; i++)
		pad[i] = key[i] ^ 0x36;
	if (hmac_inner == NULL || hmac_outer == NULL || hmac_tmp == NULL ||
	    EVP_DigestInit_ex(hmac_inner, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(hmac_inner, pad, 64) != 1)
		fatalx("auth: SHA-256 unavailable");
	for (int i = 0; i < 64; i++)
		pad[i] = key[i] ^ 0x5c;
	if (EVP_DigestInit_ex(hmac_outer, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(hmac_outer, pad, 64) != 1)
		fatalx("auth: SHA-256 unavailable");
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pad, sizeof(pad));
}

/* The digest context and algorithms digest_hex uses, set up once. */
static void
digest_prepare(void)
{
	md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (md_md5 == NULL || md_sha256 == NULL || (dig_ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("auth: MD5 or SHA-256 unavailable");
}

static void
digest_release(void)
{
	EVP_MD_CTX_free(dig_ctx);
	EVP_MD_free(md_md5);
	EVP_MD_free(md_sha256);
	dig_ctx = NULL;
	md_md5 = md_sha256 = NULL;
}

static void
hmac_release(void)
{
	EVP_MD_CTX_free(hmac_inner);
	EVP_MD_CTX_free(hmac_outer);
	EVP_MD_CTX_free(hmac_tmp);
	hmac_inner = hmac_outer = hmac_tmp = NULL;
}

void
auth_init(const unsigned char *s, size_t len, int nonce_lifetime_s)
{
	auth_shutdown();
	if (s == NULL || len == 0) {
		secret_len = SECRET_LEN;
		secret = xmalloc(secret_len);
		random_fill(secret, secret_len);
	} else {
		secret_len = len;
		secret = xmalloc(len);
		memcpy(secret, s, len);
	}
	hmac_prepare();
	digest_prepare();
	random_fill((unsigned char *)&nonce_seq, sizeof(nonce_seq));
	lifetime = nonce_lifetime_s > 0 ? nonce_lifetime_s : LIFETIME_DEF;
	nc_tab = htab_new();
	full_warned = 0;
}

/* htab_foreach callback: free one record (the table goes right after). */
static void
free_ent(const void *key, size_t klen, void *val, void *arg)
{
	(void)key, (void)klen, (void)arg;
	free(val);
}

void
auth_shutdown(void)
{
	if (nc_tab != NULL) {
		htab_foreach(nc_tab, free_ent, NULL);
		htab_free(nc_tab);
		nc_tab = NULL;
	}
	hmac_release();
	digest_release();
	if (secret != NULL) {
		OPENSSL_cleanse(secret, secret_len);
		free(secret);
		secret = NULL;
	}
}

/* Lowercase hex of n bytes into out (2n + 1 chars). */
static void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* H(parts[0] ":" parts[1] ":" ...) as lowercase hex, H per algo (RFC 7616 3.4.1). */
static void
digest_hex(enum auth_algo algo, const char *const *parts, size_t n, char out[AUTH_HEX_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = dig_ctx;
	int ok;

	/* sipctl hashes passwords without auth_init */
	if (ctx == NULL)
		digest_prepare();
	ctx = dig_ctx;
	ok = EVP_DigestInit_ex(ctx, algo == AUTH_SHA256 ? md_sha256 : md_md5, NULL);
	for (size_t i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &mdlen);
	if (!ok || mdlen > (AUTH_HEX_MAX - 1) / 2)
		fatalx("auth: %s digest failed", algo == AUTH_SHA256 ? "SHA-256" : "MD5");
	hex_encode(md, mdlen, out);
}

void
auth_ha1(enum auth_algo algo, const char *username, const char *realm, const char *password,
    char out[AUTH_HEX_MAX])
{
	const char *parts[] = { username, realm, password };

	digest_hex(algo, parts, 3, out);
}

/* The request-digest for c given HA1 (RFC 2617 3.2.2.1; without qop, RFC 2069). */
static void
response_hex(const struct auth_cred *c, const char *method, const char *ha1,
    char out[AUTH_HEX_MAX])
{
	const char *a2[] = { method, c->uri };
	char ha2[AUTH_HEX_MAX], nc[9];
	const char *qop[] = { ha1, c->nonce, nc, c->cnonce, c->qop, ha2 };
	const char *noqop[] = { ha1, c->nonce, ha2 };

	digest_hex(c->algo, a2, 2, ha2);
	if (c->qop[0] == '\0') {
		digest_hex(c->algo, noqop, 3, out);
		return;
	}
	hex_encode((const unsigned char[]){ c->nc >> 24, c->nc >> 16, c->nc >> 8, c->nc }, 4, nc);
	digest_hex(c->algo, qop, 6, out);
}

/* Base64url without padding of n bytes into out (NUL-terminated). */
static void
b64url_encode(const unsigned char *p, size_t n, char *out)
{
	uint32_t v;
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		for (int k = 18; k >= 0; k -= 6)
			out[o++] = b64url[(v >> k) & 63];
	}
	if (n - i == 1) {
		out[o++] = b64url[p[i] >> 2];
		out[o++] = b64url[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 8 | p[i + 1];
		out[o++] = b64url[v >> 10];
		out[o++] = b64url[(v >> 4) & 63];
		out[o++] = b64url[(v << 2) & 63];
	}
	out[o] = '\0';
}

/* The 6-bit value of a base64url character, or -1. */
static int
b64url_val(int ch)
{
	const char *q;

	if (ch == '\0' || (q = strchr(b64url, ch)) == NULL)
		return -1;
	return (int)(q - b64url);
}

/* Decode a nonce string into its NONCE_RAW bytes: exactly NONCE_B64 canonical chars.  0 or -1. */
static int
nonce_decode(const char *s, unsigned char raw[NONCE_RAW])
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t o = 0;

	if (strlen(s) != NONCE_B64)
		return -1;
	for (; *s != '\0'; s++) {
		if ((v = b64url_val((unsigned char)*s)) < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			raw[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* the leftover bits must be zero, so each nonce has one spelling */
	return (acc & ((1u << bits) - 1)) == 0 && o == NONCE_RAW ? 0 : -1;
}

/* The MAC over the time and random parts of raw. */
static void
nonce_mac(const unsigned char raw[NONCE_RAW], unsigned char mac[NONCE_MAC])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_MD_CTX_copy_ex(hmac_tmp, hmac_inner) != 1 ||
	    EVP_DigestUpdate(hmac_tmp, raw, NONCE_TIME + NONCE_RAND) != 1 ||
	    EVP_DigestFinal_ex(hmac_tmp, md, &mdlen) != 1 ||
	    EVP_MD_CTX_copy_ex(hmac_tmp, hmac_outer) != 1 ||
	    EVP_DigestUpdate(hmac_tmp, md, mdlen) != 1 ||
	    EVP_DigestFinal_ex(hmac_tmp, md, &mdlen) != 1 || mdlen < NONCE_MAC)
		fatalx("auth: HMAC-SHA256 failed");
	memcpy(mac, md, NONCE_MAC);
	OPENSSL_cleanse(md, sizeof(md));
}

/* A fresh nonce string for time now into out (NONCE_B64 + 1 chars).  Its middle is a counter
 * from a random start: unique, which is all the nonce-count records need; the MAC makes it
 * unforgeable (one HMAC per nonce, no DRBG call). */
static void
nonce_make(time_t now, char *out)
{
	unsigned char raw[NONCE_RAW];
	uint64_t t = (uint64_t)now, seq = nonce_seq++;

	for (int i = NONCE_TIME - 1; i >= 0; i--, t >>= 8)
		raw[i] = (unsigned char)t;
	for (int i = NONCE_RAND - 1; i >= 0; i--, seq >>= 8)
		raw[NONCE_TIME + i] = (unsigned char)seq;
	nonce_mac(raw, raw + NONCE_TIME + NONCE_RAND);
	b64url_encode(raw, NONCE_RAW, out);
}

/* 1 when raw carries our MAC (compared in constant time). */
static int
nonce_authentic(const unsigned char raw[NONCE_RAW])
{
	unsigned char mac[NONCE_MAC];

	nonce_mac(raw, mac);
	return CRYPTO_memcmp(mac, raw + NONCE_TIME + NONCE_RAND, NONCE_MAC) == 0;
}

/* The issue time inside a decoded nonce. */
static time_t
nonce_time(const unsigned char raw[NONCE_RAW])
{
	uint64_t t = 0;

	for (int i = 0; i < NONCE_TIME; i++)
		t = t << 8 | raw[i];
	return (time_t)t;
}

/* 1 when a nonce issued at born is past its lifetime at now. */
static int
nonce_stale(time_t born, time_t now)
{
	return now - born > lifetime;
}

/* Append a quoted-string holding s, escaping '"' and '\' (RFC 3261 25.1). */
static void
buf_add_quoted(struct buf *out, const char *s)
{
	buf_add(out, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_add(out, "\\", 1);
		buf_add(out, s, 1);
	}
	buf_add(out, "\"", 1);
}

/* One challenge header line for algo. */
static void
challenge_line(struct buf *out, const char *hdrname, const char *realm, const char *algo,
    int stale, const char *nonce)
{
	buf_printf(out, "%s: Digest realm=", hdrname);
	buf_add_quoted(out, realm);
	buf_printf(out, ", nonce=\"%s\", qop=\"auth\", algorithm=%s%s\r\n", nonce, algo,
	    stale ? ", stale=true" : "");
}

static int sha256_first;

void
auth_challenge(struct buf *out, const char *hdrname, const char *realm, int flags, time_t now)
{
	int stale = (flags & AUTH_CH_STALE) != 0;
	char nonce[NONCE_B64 + 1];

	if (secret == NULL)
		fatalx("auth_challenge before auth_init");
	/* one nonce serves both challenges: the client answers one of them */
	nonce_make(now, nonce);
	/* RFC 8760 2.3: one challenge per algorithm, the preferred one first */
	if (flags & AUTH_CH_MD5_ONLY) {
		challenge_line(out, hdrname, realm, "MD5", stale, nonce);
		return;
	}
	challenge_line(out, hdrname, realm, sha256_first ? "SHA-256" : "MD5", stale, nonce);
	challenge_line(out, hdrname, realm, sha256_first ? "MD5" : "SHA-256", stale, nonce);
}

void
auth_set_sha256_first(int on)
{
	sha256_first = on;
}

/*
 * auth_parse: the credentials grammar of RFC 3261 25.1 / RFC 2617 3.2.2, bounded by len.
 */

/* The fields of struct auth_cred that auth-params fill in, by param name. */
enum cred_field {
	CF_USERNAME, CF_REALM, CF_NONCE, CF_URI, CF_RESPONSE, CF_CNONCE, CF_OPAQUE, CF_QOP, CF_NC,
	CF_ALGORITHM, CF_MAX
};

static const char *const cred_names[CF_MAX] = {
	"username", "realm", "nonce", "uri", "response", "cnonce", "opaque", "qop", "nc",
	"algorithm"
};

#define CF_REQUIRED	((1u << CF_USERNAME) | (1u << CF_REALM) | (1u << CF_NONCE) | \
			 (1u << CF_URI) | (1u << CF_RESPONSE))
#define CF_QOP_NEEDS	((1u << CF_CNONCE) | (1u << CF_NC))	/* RFC 2617 3.2.2 */

/* The field for param name p[0..n), or CF_MAX when sipd does not use it. */
static enum cred_field
cred_field(const char *p, size_t n)
{
	for (int f = 0; f < CF_MAX; f++)
		if (strlen(cred_names[f]) == n && strncasecmp(cred_names[f], p, n) == 0)
			return (enum cred_field)f;
	return CF_MAX;
}

/* A byte a credential value may hold: no controls but HTAB, so none can reach a log line. */
static int
value_char_ok(unsigned char ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/* Read a quoted-string at p[i] == '"' into val (unescaped, at most vsz - 1 chars; val NULL:
 * only skip it).  Returns the index after the closing quote, or 0 when malformed or too long. */
static size_t
parse_quoted(const char *p, size_t i, size_t n, char *val, size_t vsz)
{
	size_t o = 0;

	for (i++; i < n && p[i] != '"'; i++) {
		if (p[i] == '\\' && ++i >= n)
			return 0;
		if (!value_char_ok((unsigned char)p[i]))
			return 0;
		if (val != NULL && o + 1 >= vsz)
			return 0;
		if (val != NULL)
			val[o++] = p[i];
	}
	if (i >= n)
		return 0;
	if (val != NULL)
		val[o] = '\0';
	return i + 1;
}

/* Read a token at p[i] into val (val NULL: only skip it).  Returns the index after it, or 0
 * when empty or too long. */
static size_t
parse_token(const char *p, size_t i, size_t n, char *val, size_t vsz)
{
	size_t s = i;

	while (i < n && grammar_is_token((unsigned char)p[i]))
		i++;
	if (i == s)
		return 0;
	if (val == NULL)
		return i;
	if (i - s >= vsz)
		return 0;
	memcpy(val, p + s, i - s);
	val[i - s] = '\0';
	return i;
}

/* Where field f's text goes (NULL for the fields decoded from a scratch buffer). */
static char *
cred_slot(struct auth_cred *c, enum cred_field f, size_t *sz)
{
	switch (f) {
	case CF_USERNAME:	*sz = sizeof(c->username);	return c->username;
	case CF_REALM:		*sz = sizeof(c->realm);		return c->realm;
	case CF_NONCE:		*sz = sizeof(c->nonce);		return c->nonce;
	case CF_URI:		*sz = sizeof(c->uri);		return c->uri;
	case CF_RESPONSE:	*sz = sizeof(c->response);	return c->response;
	case CF_CNONCE:		*sz = sizeof(c->cnonce);	return c->cnonce;
	case CF_OPAQUE:		*sz = sizeof(c->opaque);	return c->opaque;
	case CF_QOP:		*sz = sizeof(c->qop);		return c->qop;
	default:		return NULL;
	}
}

/* nc-value: exactly 8 lowercase hex digits (RFC 2617 3.2.2, 8LHEX).  Only the number is kept
 * and the digest is recomputed over its lowercase form, so other spellings are refused here
 * rather than failing the digest later.  0 or -1. */
static int
parse_nc(const char *s, uint32_t *nc)
{
	static const char lhex[] = "0123456789abcdef";
	const char *q;
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8 && s[i] != '\0' && (q = strchr(lhex, s[i])) != NULL; i++)
		v = v << 4 | (uint32_t)(q - lhex);
	if (i != 8 || s[8] != '\0')
		return -1;
	*nc = v;
	return 0;
}

/* Interpret the scratch value of nc / algorithm, and check qop.  0 or -1. */
static int
cred_finish_field(struct auth_cred *c, enum cred_field f, const char *v)
{
	switch (f) {
	case CF_NC:
		return parse_nc(v, &c->nc);
	case CF_ALGORITHM:
		c->algo_known = 1;
		if (strcasecmp(v, "MD5") == 0)
			c->algo = AUTH_MD5;
		else if (strcasecmp(v, "SHA-256") == 0)
			c->algo = AUTH_SHA256;
		else
			c->algo_known = 0;	/* MD5-sess, SHA-256-sess, SHA-512-256, ... */
		return 0;
	case CF_QOP:
		/* we offer only qop="auth"; auth-int or anything else is no answer to that */
		if (strcasecmp(c->qop, "auth") != 0)
			return -1;
		memcpy(c->qop, "auth", 5);
		return 0;
	default:
		return 0;
	}
}

/* One auth-param at p[i] (a token, '=', a token or quoted-string), stored into c unless its
 * name is unknown.  *seen tracks fields already set.  Returns the index after it, or 0. */
static size_t
parse_param(const char *p, size_t i, size_t n, struct auth_cred *c, unsigned *seen)
{
	char scratch[64], *val = NULL;
	enum cred_field f;
	size_t s = i, vsz = sizeof(scratch);

	while (i < n && grammar_is_token((unsigned char)p[i]))
		i++;
	if (i == s)
		return 0;
	f = cred_field(p + s, i - s);
	if (f != CF_MAX && (*seen & (1u << f)))
		return 0;			/* a duplicate: which one would count? */
	i = grammar_skip_lws(p, i, n);
	if (i >= n || p[i] != '=')
		return 0;
	i = grammar_skip_lws(p, i + 1, n);
	if (f != CF_MAX && (val = cred_slot(c, f, &vsz)) == NULL)
		val = scratch;		/* nc, algorithm: decoded below */
	if (i >= n)
		return 0;
	i = p[i] == '"' ? parse_quoted(p, i, n, val, vsz) : parse_token(p, i, n, val, vsz);
	if (i == 0 || f == CF_MAX)
		return i;
	*seen |= 1u << f;
	return cred_finish_field(c, f, val) == 0 ? i : 0;
}

/* Skip "Digest" and the LWS after it.  Returns the index of the first param, or 0. */
static size_t
parse_scheme(const char *p, size_t n)
{
	size_t i = grammar_skip_lws(p, 0, n);

	if (n - i < 7 || strncasecmp(p + i, "Digest", 6) != 0)
		return 0;
	i += 6;
	if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
		return 0;
	return grammar_skip_lws(p, i, n);
}

int
auth_parse(const char *value, size_t len, struct auth_cred *out)
{
	struct sipmsg_iter it;
	unsigned seen = 0;
	const char *p;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->algo = AUTH_MD5;
	out->algo_known = 1;
	if ((i = parse_scheme(value, len)) == 0)
		return -1;
	sipmsg_iter_list(&it, value + i, len - i);
	while (sipmsg_iter_next(&it, &p, &n)) {
		/* RFC 7230 7: empty list elements are allowed */
		if (n > 0 && parse_param(p, 0, n, out, &seen) != n)
			return -1;
	}
	if ((seen & CF_REQUIRED) != CF_REQUIRED)
		return -1;
	if ((seen & (1u << CF_QOP)) && (seen & CF_QOP_NEEDS) != CF_QOP_NEEDS)
		return -1;
	return 0;
}

/*
 * auth_verify
 */

/* The stored HA1 of u for algo when u may log in with c, else NULL. */
static const char *
user_ha1(const struct auth_cred *c, const struct auth_user *u)
{
	const char *ha1;

	if (u == NULL || !u->enabled)
		return NULL;
	if (strcmp(c->username, u->username) != 0 || strcmp(c->realm, u->realm) != 0)
		return NULL;
	ha1 = c->algo == AUTH_SHA256 ? u->ha1_sha256 : u->ha1_md5;
	return ha1[0] != '\0' ? ha1 : NULL;
}

/* 1 when the client's response equals ours (hex case ignored; constant time in the digits). */
static int
response_match(const char *expect, const char *got)
{
	char low[AUTH_HEX_MAX];
	size_t n = strlen(expect);

	if (strlen(got) != n)
		return 0;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)got[i]);
	return CRYPTO_memcmp(expect, low, n) == 0;
}

/* Accept nonce count nc for the nonce raw (born at born) if above the last one, and record it. */
static enum auth_result
nc_record(const unsigned char raw[NONCE_RAW], time_t born, uint32_t nc)
{
	struct ncent *e;

	if ((e = htab_get(nc_tab, raw, NONCE_RAW)) != NULL) {
		if (e->nc == UINT32_MAX || nc <= e->nc)
			return AUTH_REPLAY;
		e->nc = nc;
		return AUTH_OK;
	}
	if (htab_count(nc_tab) >= AUTH_TRACK_MAX) {
		if (!full_warned)
			log_warnx("auth: %d nonces in use, refusing new ones until some expire",
			    AUTH_TRACK_MAX);
		full_warned = 1;
		return AUTH_FAIL;
	}
	e = xmalloc(sizeof(*e));
	memcpy(e->key, raw, NONCE_RAW);
	e->born = born;
	e->nc = nc;
	htab_put(nc_tab, e->key, NONCE_RAW, e);
	return AUTH_OK;
}

/* Decode and authenticate c's nonce; its issue time into *born.  0 or -1. */
static int
nonce_check(const struct auth_cred *c, time_t now, unsigned char raw[NONCE_RAW], time_t *born)
{
	if (nonce_decode(c->nonce, raw) == -1 || !nonce_authentic(raw)) {
		log_debug("auth: user %s: not our nonce", c->username);
		return -1;
	}
	*born = nonce_time(raw);
	if (*born > now + CLOCK_SKEW) {
		log_debug("auth: user %s: nonce from the future", c->username);
		return -1;
	}
	return 0;
}

enum auth_result
auth_verify(const struct auth_cred *c, const char *method, const struct auth_user *u,
    time_t now)
{
	unsigned char raw[NONCE_RAW];
	char expect[AUTH_HEX_MAX];
	const char *ha1;
	time_t born;
	int ok;

	if (secret == NULL)
		fatalx("auth_verify before auth_init");
	if (!c->algo_known || (c->qop[0] != '\0' && c->nc == 0))
		return AUTH_FAIL;
	if (nonce_check(c, now, raw, &born) == -1)
		return AUTH_FAIL;
	ha1 = user_ha1(c, u);
	/* an unknown user costs the same hashing as a known one */
	response_hex(c, method, ha1 != NULL ? ha1 : dummy_ha1 +
	    (c->algo == AUTH_MD5 ? 32 : 0), expect);
	ok = response_match(expect, c->response);
	OPENSSL_cleanse(expect, sizeof(expect));
	if (!ok || ha1 == NULL)
		return AUTH_FAIL;
	/* only the right password learns that the nonce is stale (RFC 7616 3.3 stale) */
	if (nonce_stale(born, now))
		return AUTH_STALE;
	/* without qop a nonce is good for one request (there is no count to advance) */
	return nc_record(raw, born, c->qop[0] != '\0' ? c->nc : UINT32_MAX);
}

/* What auth_expire collects while walking the table (which it may not change meanwhile). */
struct expire_walk {
	time_t		  now;
	struct ncent	**v;
	size_t		  n, cap;
};

/* htab_foreach callback: note a record whose nonce has expired. */
static void
expire_note(const void *key, size_t klen, void *val, void *arg)
{
	struct expire_walk *w = arg;
	struct ncent *e = val;

	(void)key, (void)klen;
	if (!nonce_stale(e->born, w->now))
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = e;
}

void
auth_expire(time_t now)
{
	struct expire_walk w = { .now = now };

	if (nc_tab == NULL)
		return;
	htab_foreach(nc_tab, expire_note, &w);
	for (size_t i = 0; i < w.n; i++) {
		htab_del(nc_tab, w.v[i]->key, NONCE_RAW);
		free(w.v[i]);
	}
	free(w.v);
	if (htab_count(nc_tab) < AUTH_TRACK_MAX)
		full_warned = 0;
}

size_t
auth_tracked(void)
{
	return nc_tab != NULL ? htab_count(nc_tab) : 0;
}
