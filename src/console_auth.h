/* console_auth.h - the web console's administrators, sessions and CSRF tokens.  Passwords are
 * kept as scrypt hashes (OpenSSL); checking one takes ~50 ms of CPU, so the console checks them
 * on a worker thread and hears back on the loop.  Sessions live in memory only. */
#ifndef SIPD_CONSOLE_AUTH_H
#define SIPD_CONSOLE_AUTH_H

#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#define CONSOLE_HASH_MAX	160
#define CONSOLE_TOKEN_LEN	32	/* session ids and CSRF tokens: [A-Za-z0-9], ~190 bits */

/* "scrypt$N$r$p$SALT$HASH" (hex) of password with a fresh salt into out.  0 or -1. */
int console_auth_hash(const char *password, char *out, size_t len);
/* 1 when password matches stored (a console_auth_hash string), 0 when not or malformed. */
int console_auth_verify(const char *password, const char *stored);

/* Check password against stored on a worker thread; done(arg, ok) runs on the loop.  -1 when
 * too many checks are running (the caller answers 503), else 0. */
int console_auth_verify_async(struct event_base *, const char *password, const char *stored,
    void (*done)(void *arg, int ok), void *arg);
/* Forget the worker's event (shutdown: checks in flight finish without calling back). */
void console_auth_shutdown(void);

struct console_session {
	char	 id[CONSOLE_TOKEN_LEN + 1];
	char	 csrf[CONSOLE_TOKEN_LEN + 1];
	char	 admin[64];
	time_t	 last;		/* last request */
};
/* A new session for admin (the oldest is dropped beyond a small maximum). */
const struct console_session *console_session_new(const char *admin, time_t now);
/* The session with id, refreshed, or NULL when there is none or it idled out (it is dropped). */
const struct console_session *console_session_get(const char *id, time_t now, int timeout);
void console_session_drop(const char *id);
void console_session_clear(void);
/* 1 when the CSRF token given matches the session's (constant time). */
int console_csrf_ok(const struct console_session *, const char *given);
/* The value of cookie name in a Cookie header into out; 0, or -1 when absent. */
int console_cookie_get(const char *header, const char *name, char *out, size_t len);

#endif
