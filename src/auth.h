/* auth.h - HTTP digest authentication for SIP (RFC 3261 22, RFC 2617 qop=auth, RFC 7616 /
 * RFC 8760 SHA-256).  Nonces carry their own time and an HMAC made with a server secret, so no
 * per-challenge state is kept; nonce counts are tracked per nonce so a captured Authorization
 * cannot be replayed.  No I/O: the caller fetches the user (store) and sends the reply. */
#ifndef SIPD_AUTH_H
#define SIPD_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;

enum auth_algo { AUTH_MD5 = 0, AUTH_SHA256 = 1 };

#define AUTH_HEX_MAX	65	/* 64 hex digits of SHA-256 + NUL */

/* The parsed credentials of one Authorization / Proxy-Authorization header value. */
struct auth_cred {
	char		 username[128];
	char		 realm[128];
	char		 nonce[128];
	char		 uri[512];
	char		 response[AUTH_HEX_MAX];
	char		 cnonce[128];
	char		 opaque[128];
	char		 qop[16];	/* "" or "auth" */
	uint32_t	 nc;		/* 0 when absent */
	enum auth_algo	 algo;		/* MD5 when the algorithm param is absent */
	int		 algo_known;	/* 0: an algorithm sipd does not do (e.g. MD5-sess, SHA-512-256) */
};

/* What the store knows of a user: HA1 = H(username ":" realm ":" password) per algorithm. */
struct auth_user {
	char		 username[128];
	char		 realm[128];		/* realm the HA1s were computed for */
	char		 ha1_md5[AUTH_HEX_MAX];
	char		 ha1_sha256[AUTH_HEX_MAX];
	int		 enabled;
};

enum auth_result {
	AUTH_OK = 0,
	AUTH_FAIL,		/* wrong response, unknown/disabled user, bad nonce: challenge again */
	AUTH_STALE,		/* right password, expired nonce: challenge with stale=true */
	AUTH_REPLAY,		/* nonce count not above the last one seen: challenge again */
};

/* Server secret for nonce HMACs: random per start when secret is NULL. Call once. */
void auth_init(const unsigned char *secret, size_t len, int nonce_lifetime_s);
void auth_shutdown(void);

/* Which challenge comes first (RFC 8760 2.3: order of preference).  MD5 first by default:
 * clients that only answer the first challenge (SIPp, older pjsip) then still work. */
void auth_set_sha256_first(int);

/* Append challenge header lines to out: one for SHA-256 and one for MD5 (the preferred
 * algorithm first), each with realm, a fresh nonce, qop="auth", algorithm, and
 * stale=true with AUTH_CH_STALE; only MD5 with AUTH_CH_MD5_ONLY.  hdrname is "WWW-Authenticate" or "Proxy-Authenticate". */
#define AUTH_CH_STALE		0x1	/* stale=true */
#define AUTH_CH_MD5_ONLY	0x2	/* a client known to fail on any non-MD5 challenge */
void auth_challenge(struct buf *out, const char *hdrname, const char *realm, int flags, time_t now);

/* Parse the value of an Authorization header ("Digest k=v, k="v", ...").  Returns 0, or -1
 * when it is not a Digest credential or is malformed (RFC 4475 3.3.7: unknown schemes). */
int auth_parse(const char *value, size_t len, struct auth_cred *out);

/* Check c against user u for method (the request's method name).  now: current time.
 * Records the nonce count on success.  u == NULL means unknown user: AUTH_FAIL after the same
 * work as a real check, so timing tells little. */
enum auth_result auth_verify(const struct auth_cred *c, const char *method,
    const struct auth_user *u, time_t now);

/* HA1 as lowercase hex for storing a password (sipctl). */
void auth_ha1(enum auth_algo, const char *username, const char *realm, const char *password,
    char out[AUTH_HEX_MAX]);

/* Drop nonce-count records of expired nonces (call periodically). */
void auth_expire(time_t now);
size_t auth_tracked(void);

#endif
