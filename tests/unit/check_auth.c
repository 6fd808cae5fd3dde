/* check_auth.c - digest auth: the RFC 2617 / RFC 7616 examples, challenge -> response -> verify
 * round trips (replay, stale, tampering, wrong users), auth_parse on good and hostile input, and
 * nonce-count expiry.  The client side is computed here with OpenSSL directly, so auth.c is
 * checked against an independent implementation that itself reproduces the RFC examples. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth.h"
#include "buf.h"

#define NOW		((time_t)1700000000)
#define METHOD		"REGISTER"
#define URI		"sip:example.org"
#define REALM		"example.org"

/* H(s) as lowercase hex, H per algo. */
static void
hexdigest(enum auth_algo algo, const char *s, char out[AUTH_HEX_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	ck_assert_int_eq(EVP_Digest(s, strlen(s), md, &n,
	    algo == AUTH_SHA256 ? EVP_sha256() : EVP_md5(), NULL), 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* A client's request-digest (RFC 2617 3.2.2.1); qop NULL: RFC 2069 form. */
static void
client_response(enum auth_algo algo, const char *ha1, const char *nonce, const char *nc,
    const char *cnonce, const char *qop, const char *method, const char *uri,
    char out[AUTH_HEX_MAX])
{
	char a2[1024], ha2[AUTH_HEX_MAX], kd[2048];

	snprintf(a2, sizeof(a2), "%s:%s", method, uri);
	hexdigest(algo, a2, ha2);
	if (qop != NULL)
		snprintf(kd, sizeof(kd), "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	else
		snprintf(kd, sizeof(kd), "%s:%s:%s", ha1, nonce, ha2);
	hexdigest(algo, kd, out);
}

/* The nonce of the challenge line for algorithm alg in hdrs, into out. */
static void
challenge_nonce(const char *hdrs, const char *alg, char *out, size_t outsz)
{
	char want[64];
	const char *line, *eol, *n, *q;

	snprintf(want, sizeof(want), "algorithm=%s", alg);
	for (line = hdrs; (eol = strstr(line, "\r\n")) != NULL; line = eol + 2) {
		if ((n = strstr(line, want)) == NULL || n > eol)
			continue;
		n = strstr(line, "nonce=\"");
		ck_assert_ptr_nonnull(n);
		n += 7;
		q = strchr(n, '"');
		ck_assert_ptr_nonnull(q);
		ck_assert_uint_lt((size_t)(q - n), outsz);
		memcpy(out, n, (size_t)(q - n));
		out[q - n] = '\0';
		return;
	}
	ck_abort_msg("no %s challenge in %s", want, hdrs);
}

/* A fresh challenge issued at t; the nonce of algorithm alg into out. */
static void
fresh_nonce(const char *alg, time_t t, char *out, size_t outsz)
{
	struct buf b;

	buf_init(&b, 0);
	auth_challenge(&b, "WWW-Authenticate", REALM, 0, t);
	challenge_nonce(b.p, alg, out, outsz);
	buf_free(&b);
}

/* What the store would hold for user/realm/password. */
static void
make_user(struct auth_user *u, const char *user, const char *realm, const char *pw)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->username, sizeof(u->username), "%s", user);
	snprintf(u->realm, sizeof(u->realm), "%s", realm);
	auth_ha1(AUTH_MD5, user, realm, pw, u->ha1_md5);
	auth_ha1(AUTH_SHA256, user, realm, pw, u->ha1_sha256);
	u->enabled = 1;
}

/* What a client knowing pw sends: an Authorization value, parsed back into c. */
static void
client_cred(struct auth_cred *c, enum auth_algo algo, const char *user, const char *realm,
    const char *pw, const char *nonce, const char *nc)
{
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX], hdr[2048];
	const char *cnonce = "0a4f113b";

	auth_ha1(algo, user, realm, pw, ha1);
	client_response(algo, ha1, nonce, nc, cnonce, nc != NULL ? "auth" : NULL, METHOD, URI,
	    resp);
	if (nc != NULL)
		snprintf(hdr, sizeof(hdr), "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
		    "uri=\"%s\", response=\"%s\", algorithm=%s, qop=auth, nc=%s, cnonce=\"%s\"",
		    user, realm, nonce, URI, resp, algo == AUTH_SHA256 ? "SHA-256" : "MD5", nc,
		    cnonce);
	else
		snprintf(hdr, sizeof(hdr), "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
		    "uri=\"%s\", response=\"%s\", algorithm=%s", user, realm, nonce, URI, resp,
		    algo == AUTH_SHA256 ? "SHA-256" : "MD5");
	ck_assert_int_eq(auth_parse(hdr, strlen(hdr), c), 0);
}

/* One login attempt against a fresh challenge issued at NOW, checked at t. */
static enum auth_result
login(enum auth_algo algo, const struct auth_user *u, const char *user, const char *realm,
    const char *pw, time_t t)
{
	struct auth_cred c;
	char nonce[128];

	fresh_nonce(algo == AUTH_SHA256 ? "SHA-256" : "MD5", NOW, nonce, sizeof(nonce));
	client_cred(&c, algo, user, realm, pw, nonce, "00000001");
	return auth_verify(&c, METHOD, u, t);
}

static void
setup(void)
{
	auth_init(NULL, 0, 0);
}

static void
teardown(void)
{
	auth_shutdown();
}

/* auth_parse on exactly len bytes of s, from a heap copy so overreads show under valgrind. */
static int
parse_exact(const char *s, size_t len, struct auth_cred *c)
{
	char *p = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, len);
	r = auth_parse(p, len, c);
	free(p);
	return r;
}

static int
parse_str(const char *s, struct auth_cred *c)
{
	return parse_exact(s, strlen(s), c);
}

START_TEST(test_ha1_rfc2617)
{
	char ha1[AUTH_HEX_MAX], want[AUTH_HEX_MAX];

	auth_ha1(AUTH_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", ha1);
	ck_assert_str_eq(ha1, "939e7578ed9e3c518a452acee763bce9");
	auth_ha1(AUTH_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life", ha1);
	hexdigest(AUTH_SHA256, "Mufasa:http-auth@example.org:Circle of Life", want);
	ck_assert_uint_eq(strlen(ha1), 64);
	ck_assert_str_eq(ha1, want);
}
END_TEST

/* RFC 2617 3.5, with the example's Authorization header. */
START_TEST(test_rfc2617_example)
{
	static const char hdr[] =
	    "Digest username=\"Mufasa\",\r\n"
	    "                 realm=\"testrealm@host.com\",\r\n"
	    "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
	    "                 uri=\"/dir/index.html\",\r\n"
	    "                 qop=auth,\r\n"
	    "                 nc=00000001,\r\n"
	    "                 cnonce=\"0a4f113b\",\r\n"
	    "                 response=\"6629fae49393a05397450978507c4ef1\",\r\n"
	    "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	struct auth_cred c;

	auth_ha1(AUTH_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", ha1);
	client_response(AUTH_MD5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
	    "0a4f113b", "auth", "GET", "/dir/index.html", resp);
	ck_assert_str_eq(resp, "6629fae49393a05397450978507c4ef1");

	ck_assert_int_eq(parse_str(hdr, &c), 0);
	ck_assert_str_eq(c.username, "Mufasa");
	ck_assert_str_eq(c.realm, "testrealm@host.com");
	ck_assert_str_eq(c.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	ck_assert_str_eq(c.uri, "/dir/index.html");
	ck_assert_str_eq(c.qop, "auth");
	ck_assert_uint_eq(c.nc, 1);
	ck_assert_str_eq(c.cnonce, "0a4f113b");
	ck_assert_str_eq(c.response, "6629fae49393a05397450978507c4ef1");
	ck_assert_str_eq(c.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	ck_assert_int_eq(c.algo, AUTH_MD5);
	ck_assert_int_eq(c.algo_known, 1);
}
END_TEST

/* RFC 7616 3.9.1: the same request answered with SHA-256 and with MD5. */
START_TEST(test_rfc7616_example)
{
	static const char hdr[] =
	    "Digest username=\"Mufasa\",\r\n"
	    "       realm=\"http-auth@example.org\",\r\n"
	    "       uri=\"/dir/index.html\",\r\n"
	    "       algorithm=SHA-256,\r\n"
	    "       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
	    "       nc=00000001,\r\n"
	    "       cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
	    "       qop=auth,\r\n"
	    "       response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n"
	    "       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	static const char *nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	static const char *cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	struct auth_cred c;

	auth_ha1(AUTH_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life", ha1);
	client_response(AUTH_SHA256, ha1, nonce, "00000001", cnonce, "auth", "GET",
	    "/dir/index.html", resp);
	ck_assert_str_eq(resp, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	auth_ha1(AUTH_MD5, "Mufasa", "http-auth@example.org", "Circle of Life", ha1);
	client_response(AUTH_MD5, ha1, nonce, "00000001", cnonce, "auth", "GET",
	    "/dir/index.html", resp);
	ck_assert_str_eq(resp, "8ca523f5e9506fed4657c9700eebdbec");

	ck_assert_int_eq(parse_str(hdr, &c), 0);
	ck_assert_int_eq(c.algo, AUTH_SHA256);
	ck_assert_int_eq(c.algo_known, 1);
	ck_assert_str_eq(c.nonce, nonce);
	ck_assert_str_eq(c.cnonce, cnonce);
	ck_assert_str_eq(c.response,
	    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}
END_TEST

START_TEST(test_challenge_format)
{
	static const char pfx[] = "Proxy-Authenticate: Digest realm=\"a\\\"b\\\\c\", nonce=\"";
	struct buf b;
	char *sha, *md5;

	/* default: MD5 first, for clients that answer only the first challenge */
	buf_init(&b, 0);
	auth_challenge(&b, "Proxy-Authenticate", "a\"b\\c", 0, NOW);
	ck_assert(strstr(b.p, "algorithm=MD5\r\n") < strstr(b.p, "algorithm=SHA-256\r\n"));
	buf_free(&b);

	auth_set_sha256_first(1);
	buf_init(&b, 0);
	auth_challenge(&b, "Proxy-Authenticate", "a\"b\\c", 0, NOW);
	auth_set_sha256_first(0);
	sha = strstr(b.p, "algorithm=SHA-256\r\n");
	md5 = strstr(b.p, "algorithm=MD5\r\n");
	ck_assert_ptr_nonnull(sha);
	ck_assert_ptr_nonnull(md5);
	ck_assert(sha < md5);			/* RFC 8760 2.3: preferred first */
	ck_assert_int_eq(strncmp(b.p, pfx, strlen(pfx)), 0);	/* the realm is escaped */
	ck_assert_ptr_nonnull(strstr(b.p, "\", qop=\"auth\", algorithm=SHA-256\r\n"));
	ck_assert_ptr_null(strstr(b.p, "stale"));
	buf_free(&b);

	buf_init(&b, 0);
	auth_challenge(&b, "WWW-Authenticate", REALM, 1, NOW);
	ck_assert_ptr_nonnull(strstr(b.p, "algorithm=MD5, stale=true\r\nWWW-Authenticate: "));
	ck_assert_ptr_nonnull(strstr(b.p, "algorithm=SHA-256, stale=true\r\n"));
	buf_free(&b);
}
END_TEST

START_TEST(test_roundtrip)
{
	struct auth_user u;

	make_user(&u, "alice", REALM, "s3cret");
	ck_assert_int_eq(login(AUTH_SHA256, &u, "alice", REALM, "s3cret", NOW), AUTH_OK);
	ck_assert_int_eq(login(AUTH_MD5, &u, "alice", REALM, "s3cret", NOW), AUTH_OK);
	ck_assert_int_eq(login(AUTH_SHA256, &u, "alice", REALM, "s3cret", NOW + 299), AUTH_OK);
	ck_assert_uint_eq(auth_tracked(), 3);
}
END_TEST

START_TEST(test_wrong_users)
{
	struct auth_user u, other;

	make_user(&u, "alice", REALM, "s3cret");
	for (int a = AUTH_MD5; a <= AUTH_SHA256; a++) {
		ck_assert_int_eq(login(a, &u, "alice", REALM, "wrong", NOW), AUTH_FAIL);
		ck_assert_int_eq(login(a, NULL, "alice", REALM, "s3cret", NOW), AUTH_FAIL);
		ck_assert_int_eq(login(a, NULL, "nobody", REALM, "x", NOW), AUTH_FAIL);
		/* another user's record, or one from another realm */
		make_user(&other, "bob", REALM, "s3cret");
		ck_assert_int_eq(login(a, &other, "alice", REALM, "s3cret", NOW), AUTH_FAIL);
		make_user(&other, "alice", "other.org", "s3cret");
		ck_assert_int_eq(login(a, &other, "alice", REALM, "s3cret", NOW), AUTH_FAIL);
		ck_assert_int_eq(login(a, &other, "alice", "other.org", "s3cret", NOW), AUTH_OK);
	}
	u.enabled = 0;
	ck_assert_int_eq(login(AUTH_SHA256, &u, "alice", REALM, "s3cret", NOW), AUTH_FAIL);
	u.enabled = 1;
	u.ha1_sha256[0] = '\0';			/* no SHA-256 HA1 stored */
	ck_assert_int_eq(login(AUTH_SHA256, &u, "alice", REALM, "s3cret", NOW), AUTH_FAIL);
	ck_assert_int_eq(login(AUTH_MD5, &u, "alice", REALM, "s3cret", NOW), AUTH_OK);
	ck_assert_uint_eq(auth_tracked(), 3);	/* failures leave no records */
}
END_TEST

START_TEST(test_replay)
{
	struct auth_user u;
	struct auth_cred c;
	char nonce[128];

	make_user(&u, "alice", REALM, "s3cret");
	fresh_nonce("SHA-256", NOW, nonce, sizeof(nonce));
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", nonce, "00000001");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_OK);
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_REPLAY);
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", nonce, "00000003");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW + 1), AUTH_OK);
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", nonce, "00000002");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW + 1), AUTH_REPLAY);
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", nonce, "0000000a");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW + 2), AUTH_OK);
	ck_assert_uint_eq(auth_tracked(), 1);
	/* nc=0 never counts */
	fresh_nonce("MD5", NOW, nonce, sizeof(nonce));
	client_cred(&c, AUTH_MD5, "alice", REALM, "s3cret", nonce, "00000000");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	/* a wrong password does not advance the count */
	client_cred(&c, AUTH_MD5, "alice", REALM, "bad", nonce, "00000005");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	client_cred(&c, AUTH_MD5, "alice", REALM, "s3cret", nonce, "00000001");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_OK);
}
END_TEST

/* RFC 2069 form (no qop): a nonce is good once. */
START_TEST(test_no_qop_once)
{
	struct auth_user u;
	struct auth_cred c;
	char nonce[128];

	make_user(&u, "alice", REALM, "s3cret");
	fresh_nonce("MD5", NOW, nonce, sizeof(nonce));
	client_cred(&c, AUTH_MD5, "alice", REALM, "s3cret", nonce, NULL);
	ck_assert_str_eq(c.qop, "");
	ck_assert_uint_eq(c.nc, 0);
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_OK);
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_REPLAY);
	client_cred(&c, AUTH_MD5, "alice", REALM, "s3cret", nonce, "00000002");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_REPLAY);
	/* the method is part of the digest */
	fresh_nonce("SHA-256", NOW, nonce, sizeof(nonce));
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", nonce, NULL);
	ck_assert_int_eq(auth_verify(&c, "INVITE", &u, NOW), AUTH_FAIL);
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_OK);
}
END_TEST

START_TEST(test_stale)
{
	struct auth_user u;

	make_user(&u, "alice", REALM, "s3cret");
	for (int a = AUTH_MD5; a <= AUTH_SHA256; a++) {
		ck_assert_int_eq(login(a, &u, "alice", REALM, "s3cret", NOW + 300), AUTH_OK);
		ck_assert_int_eq(login(a, &u, "alice", REALM, "s3cret", NOW + 301), AUTH_STALE);
		ck_assert_int_eq(login(a, &u, "alice", REALM, "wrong", NOW + 301), AUTH_FAIL);
		ck_assert_int_eq(login(a, NULL, "alice", REALM, "s3cret", NOW + 301), AUTH_FAIL);
		/* issued more than a few seconds in the future */
		ck_assert_int_eq(login(a, &u, "alice", REALM, "s3cret", NOW - 60), AUTH_FAIL);
	}
	ck_assert_uint_eq(auth_tracked(), 2);
}
END_TEST

START_TEST(test_lifetime_setting)
{
	struct auth_user u;

	auth_shutdown();
	auth_init(NULL, 0, 10);
	make_user(&u, "alice", REALM, "s3cret");
	ck_assert_int_eq(login(AUTH_MD5, &u, "alice", REALM, "s3cret", NOW + 10), AUTH_OK);
	ck_assert_int_eq(login(AUTH_MD5, &u, "alice", REALM, "s3cret", NOW + 11), AUTH_STALE);
}
END_TEST

START_TEST(test_tampered_nonce)
{
	struct auth_user u;
	struct auth_cred c;
	char nonce[128], bad[160];

	make_user(&u, "alice", REALM, "s3cret");
	fresh_nonce("SHA-256", NOW, nonce, sizeof(nonce));
	ck_assert_uint_eq(strlen(nonce), 43);
	/* every single-character change, each with a response made for it */
	for (size_t i = 0; i < strlen(nonce); i++) {
		snprintf(bad, sizeof(bad), "%s", nonce);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", bad, "00000001");
		ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	}
	snprintf(bad, sizeof(bad), "%.42s", nonce);		/* truncated */
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", bad, "00000001");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	snprintf(bad, sizeof(bad), "%sA", nonce);		/* extended */
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", bad, "00000001");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	snprintf(bad, sizeof(bad), "%.42s=", nonce);		/* not base64url */
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", bad, "00000001");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	/* the untouched one still works */
	client_cred(&c, AUTH_SHA256, "alice", REALM, "s3cret", nonce, "00000001");
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_OK);
	ck_assert_uint_eq(auth_tracked(), 1);
}
END_TEST

/* A nonce made under one secret is worthless under another; a fixed secret survives restarts. */
START_TEST(test_secret)
{
	static const unsigned char k1[] = "first secret", k2[] = "second secret";
	struct auth_user u;
	struct auth_cred c;
	char nonce[128];

	make_user(&u, "alice", REALM, "s3cret");
	auth_init(k1, sizeof(k1) - 1, 0);
	fresh_nonce("MD5", NOW, nonce, sizeof(nonce));
	client_cred(&c, AUTH_MD5, "alice", REALM, "s3cret", nonce, "00000001");
	auth_init(k2, sizeof(k2) - 1, 0);
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	auth_init(k1, sizeof(k1) - 1, 0);
	ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_OK);
}
END_TEST

START_TEST(test_unknown_algorithm)
{
	static const char *algs[] = { "MD5-sess", "SHA-256-sess", "SHA-512-256", "\"SHA-512-256\"" };
	struct auth_user u;
	struct auth_cred c;
	char nonce[128], hdr[512];

	make_user(&u, "alice", REALM, "s3cret");
	fresh_nonce("MD5", NOW, nonce, sizeof(nonce));
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		snprintf(hdr, sizeof(hdr), "Digest username=\"alice\", realm=\"" REALM "\", "
		    "nonce=\"%s\", uri=\"" URI "\", response=\"00\", algorithm=%s", nonce, algs[i]);
		ck_assert_int_eq(parse_str(hdr, &c), 0);
		ck_assert_int_eq(c.algo_known, 0);
		ck_assert_int_eq(auth_verify(&c, METHOD, &u, NOW), AUTH_FAIL);
	}
	/* algorithm names are case-insensitive, and may be quoted */
	snprintf(hdr, sizeof(hdr), "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", "
	    "response=\"00\", algorithm=\"sha-256\"");
	ck_assert_int_eq(parse_str(hdr, &c), 0);
	ck_assert_int_eq(c.algo_known, 1);
	ck_assert_int_eq(c.algo, AUTH_SHA256);
}
END_TEST

START_TEST(test_parse_good)
{
	static const char odd[] =
	    "  dIgEsT\t uSeRnAmE = \"bob\" ,realm=\"r\"\t,\r\n nonce=abc ,, uri = \"sip:x@y\","
	    "response=\"AbC\" , Algorithm = MD5 , qop = \"AUTH\" , NC = 0000000f ,cnonce=x, "
	    "future-param=\"a, b\", flag=tok,";
	struct auth_cred c;

	ck_assert_int_eq(parse_str(odd, &c), 0);
	ck_assert_str_eq(c.username, "bob");
	ck_assert_str_eq(c.realm, "r");
	ck_assert_str_eq(c.nonce, "abc");
	ck_assert_str_eq(c.uri, "sip:x@y");
	ck_assert_str_eq(c.response, "AbC");
	ck_assert_str_eq(c.qop, "auth");
	ck_assert_uint_eq(c.nc, 15);
	ck_assert_str_eq(c.cnonce, "x");
	ck_assert_str_eq(c.opaque, "");
	ck_assert_int_eq(c.algo, AUTH_MD5);

	/* escapes in quoted strings are undone */
	ck_assert_int_eq(parse_str("Digest username=\"a\\\"b\\\\c\\d\", realm=\"x,y\", "
	    "nonce=\"\", uri=\"\", response=\"\"", &c), 0);
	ck_assert_str_eq(c.username, "a\"b\\cd");
	ck_assert_str_eq(c.realm, "x,y");
	ck_assert_int_eq(c.algo, AUTH_MD5);		/* absent */
	ck_assert_str_eq(c.qop, "");
	ck_assert_uint_eq(c.nc, 0);

	/* nc at its maximum */
	ck_assert_int_eq(parse_str("Digest username=a,realm=b,nonce=c,uri=d,response=e,"
	    "qop=auth,nc=ffffffff,cnonce=z", &c), 0);
	ck_assert_uint_eq(c.nc, 0xffffffffu);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *bad[] = {
		"",
		"Digest",
		"Digest ",
		"Digestusername=\"a\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"NoOneKnowsThisScheme opaque-data=here",	/* RFC 4475 3.3.7 regaut01 */
		/* missing each required param */
		"Digest realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=\"a\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=\"a\", realm=\"b\", uri=\"d\", response=\"e\"",
		"Digest username=\"a\", realm=\"b\", nonce=\"c\", response=\"e\"",
		"Digest username=\"a\", realm=\"b\", nonce=\"c\", uri=\"d\"",
		/* duplicates, also differing in case */
		"Digest username=\"a\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\", "
		    "username=\"a\"",
		"Digest username=\"a\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\", "
		    "NONCE=\"c\"",
		/* qop without nc / cnonce; qop we did not offer; bad nc */
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, nc=00000001",
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, cnonce=x",
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth-int, "
		    "nc=00000001, cnonce=x",
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, nc=1, cnonce=x",
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, nc=000000001, "
		    "cnonce=x",
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, nc=0000000g, "
		    "cnonce=x",
		"Digest username=a, realm=b, nonce=c, uri=d, response=e, qop=auth, nc=0000000A, "
		    "cnonce=x",				/* 8LHEX: the digest covers the text as sent */
		/* syntax */
		"Digest username=\"a\" realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=\"a, realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username, realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=, realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest =\"a\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=\"a\"x, realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=\"a\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\\",
		"Digest username=\"a\\\"",
		/* control characters in a value, raw or escaped */
		"Digest username=\"a\nb\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
		"Digest username=\"a\\\rb\", realm=\"b\", nonce=\"c\", uri=\"d\", response=\"e\"",
	};
	struct auth_cred c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_str(bad[i], &c) == -1, "accepted: %s", bad[i]);
}
END_TEST

/* Values one byte longer than their field are refused; the longest that fit are kept. */
START_TEST(test_parse_oversize)
{
	char big[4096], hdr[16384];
	struct auth_cred c;
	static const struct { const char *name; size_t fit; } f[] = {
		{ "username", 127 }, { "realm", 127 }, { "nonce", 127 }, { "uri", 511 },
		{ "response", 64 }, { "opaque", 127 },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		for (size_t extra = 0; extra <= 1; extra++) {
			memset(big, 'x', f[i].fit + extra);
			big[f[i].fit + extra] = '\0';
			snprintf(hdr, sizeof(hdr), "Digest %s=\"%s\"%s%s%s%s%s", f[i].name, big,
			    i == 0 ? "" : ", username=a", i == 1 ? "" : ", realm=b",
			    i == 2 ? "" : ", nonce=c", i == 3 ? "" : ", uri=d",
			    i == 4 ? "" : ", response=e");
			ck_assert_int_eq(parse_str(hdr, &c), extra ? -1 : 0);
		}
	}
	/* qop, nc and algorithm tokens are bounded too */
	memset(big, 'a', 3000);
	big[3000] = '\0';
	snprintf(hdr, sizeof(hdr), "Digest username=a, realm=b, nonce=c, uri=d, response=e, "
	    "algorithm=%s", big);
	ck_assert_int_eq(parse_str(hdr, &c), -1);
	snprintf(hdr, sizeof(hdr), "Digest username=a, realm=b, nonce=c, uri=d, response=e, "
	    "qop=%s, nc=00000001, cnonce=x", big);
	ck_assert_int_eq(parse_str(hdr, &c), -1);
	/* an unknown param may be long: it is skipped, not stored */
	snprintf(hdr, sizeof(hdr), "Digest username=a, realm=b, nonce=c, uri=d, response=e, "
	    "x-long=\"%s\", y-long=%s", big, big);
	ck_assert_int_eq(parse_str(hdr, &c), 0);
}
END_TEST

/* Every prefix of a good value parses without reading past it, and only the whole succeeds. */
START_TEST(test_parse_truncated)
{
	static const char good[] = "Digest qop=auth, nc=00000001, cnonce=\"c\", "
	    "username=\"alice\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"0123\"";
	struct auth_cred c;
	size_t n = strlen(good);

	for (size_t i = 0; i < n; i++)
		ck_assert_msg(parse_exact(good, i, &c) == -1, "prefix %zu accepted", i);
	ck_assert_int_eq(parse_exact(good, n, &c), 0);
	/* len bounds the parse even when a NUL follows later */
	ck_assert_int_eq(auth_parse(good, 10, &c), -1);
}
END_TEST

/* Embedded NULs are refused wherever they sit; random bytes never crash the parser. */
START_TEST(test_parse_hostile)
{
	static const char good[] = "Digest username=\"alice\", realm=\"r\", nonce=\"n\", "
	    "uri=\"sip:r\", response=\"0123\"";
	char buf[sizeof(good)];
	struct auth_cred c;
	unsigned seed = 12345;

	for (size_t i = 0; i < sizeof(good) - 1; i++) {
		memcpy(buf, good, sizeof(good));
		buf[i] = '\0';
		/* a NUL in the trailing space of a value or between params is still refused */
		ck_assert_msg(parse_exact(buf, sizeof(good) - 1, &c) == -1, "NUL at %zu", i);
	}
	for (int round = 0; round < 20000; round++) {
		char r[96];
		size_t len = (size_t)(rand_r(&seed) % sizeof(r));

		memcpy(r, "Digest ", 7);
		for (size_t i = 7; i < len; i++)
			r[i] = "a=\", \\\t\r\nx\0zn"[rand_r(&seed) % 14];
		(void)parse_exact(r, len < 7 ? 7 : len, &c);
	}
}
END_TEST

START_TEST(test_expire)
{
	struct auth_user u;

	make_user(&u, "alice", REALM, "s3cret");
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(login(i & 1 ? AUTH_MD5 : AUTH_SHA256, &u, "alice", REALM, "s3cret",
		    NOW + i), AUTH_OK);
	ck_assert_uint_eq(auth_tracked(), 10);
	auth_expire(NOW);
	ck_assert_uint_eq(auth_tracked(), 10);
	auth_expire(NOW + 300);
	ck_assert_uint_eq(auth_tracked(), 10);
	auth_expire(NOW + 301);
	ck_assert_uint_eq(auth_tracked(), 0);
	/* an expired record's nonce stays refused: it is stale now */
	ck_assert_int_eq(login(AUTH_MD5, &u, "alice", REALM, "s3cret", NOW + 301), AUTH_STALE);
	auth_expire(NOW + 400);
	ck_assert_uint_eq(auth_tracked(), 0);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ha1_rfc2617);
	tcase_add_test(tc, test_rfc2617_example);
	tcase_add_test(tc, test_rfc7616_example);
	tcase_add_test(tc, test_challenge_format);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_wrong_users);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_no_qop_once);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_lifetime_setting);
	tcase_add_test(tc, test_tampered_nonce);
	tcase_add_test(tc, test_secret);
	tcase_add_test(tc, test_unknown_algorithm);
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_oversize);
	tcase_add_test(tc, test_parse_truncated);
	tcase_add_test(tc, test_parse_hostile);
	tcase_add_test(tc, test_expire);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(auth_suite)
