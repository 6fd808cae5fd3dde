/* console_auth.c - console passwords (scrypt), the worker that checks them off the loop,
 * sessions and CSRF tokens (console_auth.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "console_auth.h"
#include "htab.h"
#include "log.h"
#include "sipd.h"
#include "xmalloc.h"

/* scrypt cost: 16 MiB and ~50 ms a check (RFC 7914; OWASP's minimum is N=2^17 r=8 p=1 at
 * 128 MiB, too much for a home server's loop-side worker; N=2^14 is the interactive-login
 * setting of the scrypt paper). */
#define KDF_N		16384
#define KDF_R		8
#define KDF_P		1
#define KDF_SALT	16
#define KDF_LEN		32
#define KDF_MAXMEM	(64u << 20)
#define MAX_WORKERS	4
#define MAX_SESSIONS	64

static void
hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return s[2 * n] == '\0' || s[2 * n] == '$' ? 0 : -1;
}

static int
kdf(const char *pw, const unsigned char *salt, uint64_t n, uint64_t r, uint64_t p,
    unsigned char *out)
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, KDF_SALT, n, r, p, KDF_MAXMEM, out,
	    KDF_LEN) == 1 ? 0 : -1;
}

int
console_auth_hash(const char *password, char *out, size_t len)
{
	unsigned char salt[KDF_SALT], h[KDF_LEN];
	char hs[2 * KDF_SALT + 1], hh[2 * KDF_LEN + 1];

	if (RAND_bytes(salt, sizeof(salt)) != 1 || kdf(password, salt, KDF_N, KDF_R, KDF_P, h) == -1)
		return -1;
	hex(salt, sizeof(salt), hs);
	hex(h, sizeof(h), hh);
	if ((size_t)snprintf(out, len, "scrypt$%d$%d$%d$%s$%s", KDF_N, KDF_R, KDF_P, hs, hh) >= len)
		return -1;
	return 0;
}

int
console_auth_verify(const char *password, const char *stored)
{
	unsigned long long n, r, p;
	unsigned char salt[KDF_SALT], want[KDF_LEN], got[KDF_LEN];
	char s[2 * KDF_SALT + 1], h[2 * KDF_LEN + 1];

	if (sscanf(stored, "scrypt$%llu$%llu$%llu$%32[0-9a-f]$%64[0-9a-f]", &n, &r, &p, s, h) != 5 ||
	    n < 2 || n > (1u << 20) || r < 1 || r > 32 || p < 1 || p > 16 ||
	    unhex(s, salt, KDF_SALT) == -1 || unhex(h, want, KDF_LEN) == -1)
		return 0;
	if (kdf(password, salt, n, r, p, got) == -1)
		return 0;
	return CRYPTO_memcmp(got, want, KDF_LEN) == 0;
}

/* Checks on worker threads: each job comes back through a pipe, as a pointer. */
struct job {
	char	*password, *stored;
	int	 ok;
	void	(*done)(void *, int);
	void	*arg;
};

static int		 jpipe[2] = { -1, -1 };
static struct event	*ev_job;
static atomic_int	 inflight;

static void *
job_main(void *arg)
{
	struct job *j = arg;

	j->ok = console_auth_verify(j->password, j->stored);
	if (write(jpipe[1], &j, sizeof(j)) != (ssize_t)sizeof(j))
		log_warn("console: worker pipe");
	return NULL;
}

static void
job_free(struct job *j)
{
	OPENSSL_cleanse(j->password, strlen(j->password));
	free(j->password);
	free(j->stored);
	free(j);
}

/* On the loop: hand finished checks to their callers. */
static void
on_job(evutil_socket_t fd, short what, void *arg)
{
	struct job *j;

	while (read(fd, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
		atomic_fetch_sub(&inflight, 1);
		j->done(j->arg, j->ok);
		job_free(j);
	}
}

int
console_auth_verify_async(struct event_base *base, const char *password, const char *stored,
    void (*done)(void *, int), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	struct job *j;

	if (jpipe[0] == -1) {
		if (pipe2(jpipe, O_CLOEXEC) == -1)
			return -1;
		evutil_make_socket_nonblocking(jpipe[0]);
		ev_job = event_new(base, jpipe[0], EV_READ | EV_PERSIST, on_job, NULL);
		event_add(ev_job, NULL);
	}
	if (atomic_load(&inflight) >= MAX_WORKERS)
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->password = xstrdup(password);
	j->stored = xstrdup(stored);
	j->done = done;
	j->arg = arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	atomic_fetch_add(&inflight, 1);
	if (pthread_create(&t, &attr, job_main, j) != 0) {
		atomic_fetch_sub(&inflight, 1);
		job_free(j);
		pthread_attr_destroy(&attr);
		return -1;
	}
	pthread_attr_destroy(&attr);
	return 0;
}

void
console_auth_shutdown(void)
{
	struct job *j;

	/* a check takes ~50 ms: wait for those running (bounded), drop their answers */
	for (int i = 0; i < 300 && atomic_load(&inflight) > 0; i++) {
		while (jpipe[0] != -1 && read(jpipe[0], &j, sizeof(j)) == (ssize_t)sizeof(j)) {
			atomic_fetch_sub(&inflight, 1);
			job_free(j);
		}
		usleep(10000);
	}
	if (ev_job)
		event_free(ev_job);
	ev_job = NULL;
	if (jpipe[0] != -1) {
		close(jpipe[0]);
		close(jpipe[1]);
	}
	jpipe[0] = jpipe[1] = -1;
	console_session_clear();
}

/* Sessions, by id. */
static struct htab *sessions;

static void
oldest_one(const void *k, size_t kl, void *v, void *arg)
{
	struct console_session **o = arg;

	if (*o == NULL || ((struct console_session *)v)->last < (*o)->last)
		*o = v;
}

const struct console_session *
console_session_new(const char *admin, time_t now)
{
	struct console_session *s = xcalloc(1, sizeof(*s)), *old = NULL;

	if (sessions == NULL)
		sessions = htab_new();
	if (htab_count(sessions) >= MAX_SESSIONS) {
		htab_foreach(sessions, oldest_one, &old);
		console_session_drop(old->id);
	}
	sip_random_token(s->id, CONSOLE_TOKEN_LEN);
	sip_random_token(s->csrf, CONSOLE_TOKEN_LEN);
	snprintf(s->admin, sizeof(s->admin), "%s", admin);
	s->last = now;
	htab_put(sessions, s->id, CONSOLE_TOKEN_LEN, s);
	return s;
}

const struct console_session *
console_session_get(const char *id, time_t now, int timeout)
{
	struct console_session *s;

	if (sessions == NULL || strlen(id) != CONSOLE_TOKEN_LEN ||
	    (s = htab_get(sessions, id, CONSOLE_TOKEN_LEN)) == NULL)
		return NULL;
	if (now - s->last > timeout) {
		console_session_drop(id);
		return NULL;
	}
	s->last = now;
	return s;
}

void
console_session_drop(const char *id)
{
	if (sessions != NULL && strlen(id) == CONSOLE_TOKEN_LEN)
		free(htab_del(sessions, id, CONSOLE_TOKEN_LEN));
}

static void
free_one(const void *k, size_t kl, void *v, void *arg)
{
	free(v);
}

void
console_session_clear(void)
{
	if (sessions == NULL)
		return;
	htab_foreach(sessions, free_one, NULL);
	htab_free(sessions);
	sessions = NULL;
}

int
console_csrf_ok(const struct console_session *s, const char *given)
{
	return given != NULL && strlen(given) == CONSOLE_TOKEN_LEN &&
	    CRYPTO_memcmp(s->csrf, given, CONSOLE_TOKEN_LEN) == 0;
}

int
console_cookie_get(const char *header, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	const char *p = header;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t;");
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = strcspn(p + nl + 1, "; \t");
			if (vl >= len)
				return -1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return -1;
}
