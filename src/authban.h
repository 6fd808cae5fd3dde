/* authban.h - brute-force protection: failed authentications are counted per user name and per
 * source address over auth.failure_window; at auth.max_failures the address is banned (its
 * packets dropped, ratelimit.c) and the user name refused (403) for auth.ban_time.  User names
 * are counted whether or not such a user exists, so a ban tells nothing about who exists. */
#ifndef SIPD_AUTHBAN_H
#define SIPD_AUTHBAN_H

#include <stddef.h>
#include <time.h>

struct sip_peer;

/* Record one failed authentication of user from src (logged as "auth failed src=..."). */
void authban_failure(const char *user, const char *method, const char *reason,
    const struct sip_peer *src, time_t now);
/* 1 when user, or the address src, is banned (the request gets 403 without its credentials
 * being checked). */
int authban_banned(const char *user, const struct sip_peer *src, time_t now);
/* Entries tracked (for tests). */
size_t authban_tracked(void);
void authban_shutdown(void);

#endif
