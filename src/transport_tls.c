/* transport_tls.c - TLS for SIP (RFC 3261 26.3.1, RFC 5922, RFC 5630): the OpenSSL contexts and
 * the bufferevent_openssl wrappers that transport_tcp.c runs its stream code over.  Framing,
 * timeouts and flows are transport_tcp.c's; only the bytes' encryption is here. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "config.h"
#include "log.h"
#include "transport_int.h"
#include "xmalloc.h"

static SSL_CTX	*server_ctx, *client_ctx;

/* The last OpenSSL error as text, queue emptied ("" when none). */
static const char *
ssl_errstr(char *buf, size_t len)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0) {
		snprintf(buf, len, "%s", "unknown error");
		return buf;
	}
	ERR_error_string_n(last, buf, len);
	return buf;
}

/* Settings both sides share: TLS 1.2 or later only, the configured TLS 1.2 ciphers. */
static int
ctx_common(SSL_CTX *ctx, const struct sipd_config *c)
{
	char err[200];

	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* OpenSSL 3 turns a close without close_notify into an SSL error, which libevent 2.1's
	 * allow_dirty_shutdown does not recognise: have it read as a plain EOF again */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	if (SSL_CTX_set_cipher_list(ctx, c->tls_ciphers) != 1) {
		log_warnx("tls.ciphers \"%s\": %s", c->tls_ciphers, ssl_errstr(err, sizeof(err)));
		return -1;
	}
	if (c->tls_ca[0] != '\0') {
		if (SSL_CTX_load_verify_locations(ctx, c->tls_ca, NULL) != 1) {
			log_warnx("tls.ca_file %s: %s", c->tls_ca, ssl_errstr(err, sizeof(err)));
			return -1;
		}
	} else
		SSL_CTX_set_default_verify_paths(ctx);
	return 0;
}

/* The server context: certificate, key, and whether clients must show certificates. */
static SSL_CTX *
server_new(const struct sipd_config *c)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char err[200];

	if (ctx == NULL || ctx_common(ctx, c) == -1)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1) {
		log_warnx("tls.certificate %s: %s", c->tls_cert, ssl_errstr(err, sizeof(err)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key[0] ? c->tls_key : c->tls_cert,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		log_warnx("tls.private_key %s: %s", c->tls_key, ssl_errstr(err, sizeof(err)));
		goto fail;
	}
	if (c->tls_verify_client > 0) {
		int mode = SSL_VERIFY_PEER;
		if (c->tls_verify_client == 2)
			mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		SSL_CTX_set_verify(ctx, mode, NULL);
		if (c->tls_ca[0] != '\0')
			SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(c->tls_ca));
	}
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"sipd", 4);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
transport_tls_init(const struct sipd_config *c)
{
	SSL_CTX *cl, *sv = NULL;

	/* built aside and swapped in whole: a bad reload keeps the running contexts (open
	 * connections hold references to theirs) */
	if ((cl = SSL_CTX_new(TLS_client_method())) == NULL || ctx_common(cl, c) == -1)
		goto fail;
	SSL_CTX_set_verify(cl, c->tls_verify_server ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	/* a client certificate, for servers that ask (mutual TLS between servers) */
	if (c->tls_cert[0] != '\0') {
		SSL_CTX_use_certificate_chain_file(cl, c->tls_cert);
		SSL_CTX_use_PrivateKey_file(cl, c->tls_key[0] ? c->tls_key : c->tls_cert,
		    SSL_FILETYPE_PEM);
		ERR_clear_error();
		if ((sv = server_new(c)) == NULL)
			goto fail;
	}
	transport_tls_free();
	client_ctx = cl;
	server_ctx = sv;
	return 0;
fail:
	SSL_CTX_free(cl);
	return -1;
}

/* The contexts in force, kept aside while a reload tries new ones. */
struct tls_saved {
	SSL_CTX	*cl, *sv;
};

void *
transport_tls_save(void)
{
	struct tls_saved *t = xcalloc(1, sizeof(*t));

	if ((t->cl = client_ctx) != NULL)
		SSL_CTX_up_ref(t->cl);
	if ((t->sv = server_ctx) != NULL)
		SSL_CTX_up_ref(t->sv);
	return t;
}

void
transport_tls_restore(void *saved, int back)
{
	struct tls_saved *t = saved;

	if (back) {
		transport_tls_free();
		client_ctx = t->cl;
		server_ctx = t->sv;
	} else {
		SSL_CTX_free(t->cl);
		SSL_CTX_free(t->sv);
	}
	free(t);
}

int
transport_tls_ready(void)
{
	return server_ctx != NULL;
}

void
transport_tls_free(void)
{
	SSL_CTX_free(server_ctx);
	SSL_CTX_free(client_ctx);
	server_ctx = client_ctx = NULL;
}

/* OpenSSL 3 reports a peer that closes without close_notify as an error; for SIP that is an
 * ordinary end of stream (the message framing, not TLS, says where messages end). */
static struct bufferevent *
wrap(struct event_base *base, int fd, SSL *ssl, enum bufferevent_ssl_state st)
{
	struct bufferevent *bev;

	bev = bufferevent_openssl_socket_new(base, fd, ssl, st, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

struct bufferevent *
transport_tls_accept(struct event_base *base, int fd)
{
	SSL *ssl;

	if (server_ctx == NULL || (ssl = SSL_new(server_ctx)) == NULL)
		return NULL;
	return wrap(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING);
}

/* RFC 5922 7.2 / RFC 6125: the certificate must name the domain we meant to reach (SNI asks for
 * it); an address literal is checked against the iPAddress entries. */
static int
set_expected_name(SSL *ssl, const struct sip_peer *dst)
{
	char host[64];
	unsigned char bin[16];

	if (dst->tls_name[0] != '\0' && inet_pton(AF_INET, dst->tls_name, bin) != 1 &&
	    inet_pton(AF_INET6, dst->tls_name, bin) != 1) {
		SSL_set_tlsext_host_name(ssl, dst->tls_name);
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		return SSL_set1_host(ssl, dst->tls_name) == 1 ? 0 : -1;
	}
	if (dst->tls_name[0] != '\0')
		snprintf(host, sizeof(host), "%s", dst->tls_name);
	else
		sip_addr_host(&dst->addr, host, sizeof(host), NULL);
	return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
}

struct bufferevent *
transport_tls_connect(struct event_base *base, int fd, const struct sip_peer *dst)
{
	SSL *ssl;

	if (client_ctx == NULL || (ssl = SSL_new(client_ctx)) == NULL)
		return NULL;
	if (cfg != NULL && cfg->tls_verify_server && set_expected_name(ssl, dst) == -1) {
		SSL_free(ssl);
		return NULL;
	}
	return wrap(base, fd, ssl, BUFFEREVENT_SSL_CONNECTING);
}

const char *
transport_tls_error(struct bufferevent *bev, char *buf, size_t len)
{
	unsigned long e, last = 0;
	int sockerr = EVUTIL_SOCKET_ERROR();

	/* libevent queues SSL_get_error()'s code first, then OpenSSL's own errors: keep the last
	 * real one (library code set) */
	if (bufferevent_openssl_get_ssl(bev) != NULL)
		while ((e = bufferevent_get_openssl_error(bev)) != 0)
			if (ERR_GET_LIB(e) != 0 || last == 0)
				last = e;
	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) != 0)
			last = e;
	if (last != 0 && ERR_GET_LIB(last) != 0) {
		char s[160];
		ERR_error_string_n(last, s, sizeof(s));
		snprintf(buf, len, "tls: %s", s);
	} else if (last != 0)
		snprintf(buf, len, "tls: %s", last == SSL_ERROR_SYSCALL ? "connection lost" :
		    "protocol error");
	else
		snprintf(buf, len, "%s", sockerr ? evutil_socket_error_to_string(sockerr) : "error");
	return buf;
}
