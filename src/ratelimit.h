/* ratelimit.h - per-source-address flood protection: a token bucket per address (flood.rate,
 * flood.burst); a source over it is banned for flood.ban_time: its packets are dropped before
 * they are parsed, with one log line "ban src=ADDR for N s: ..." per ban.  auth.trusted exempt.  The table has a fixed size (flood.max_sources):
 * memory does not grow with the number of sources. */
#ifndef SIPD_RATELIMIT_H
#define SIPD_RATELIMIT_H

#include <stddef.h>
#include <sys/socket.h>

/* 1: handle a message (or connection) from src; 0: drop it unread (src is banned or just went
 * over its rate, which bans it).  Call once per message, before parsing. */
int ratelimit_allow(const struct sockaddr_storage *src);
/* 1 when src lies in one of auth.trusted. */
int ratelimit_trusted(const struct sockaddr_storage *src);
/* Addresses tracked now, and the table's capacity. */
size_t ratelimit_tracked(size_t *capacity);
void ratelimit_shutdown(void);

#endif
