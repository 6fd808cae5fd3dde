/* ratelimit.h - per-source-address flood protection: a token bucket per address (flood.rate,
 * flood.burst); a source over it is banned for flood.ban_time: its packets are dropped before
 * they are parsed, with one log line "ban src=ADDR for N s: ..." per ban.  Responses to sipd's
 * own requests do not count; auth.trusted is exempt.  The table has a fixed size
 * (flood.max_sources): memory does not grow with the number of sources. */
#ifndef SIPD_RATELIMIT_H
#define SIPD_RATELIMIT_H

#include <stddef.h>
#include <sys/socket.h>

/* Before parsing, once per message: 0 to drop it unread.  A banned source is dropped whatever
 * it sends.  A request counts against the rate (ratelimit_allow) here; a response is let through
 * uncounted, and the dispatch layer counts it only when it answers none of sipd's own client
 * transactions: a phone's or a gateway's answers to sipd never get it banned. */
int ratelimit_message(const struct sockaddr_storage *src, const char *buf, size_t len);
/* 1 when buf starts as a response does ("SIP/2.0 "): one ratelimit_message let through
 * uncounted. */
int ratelimit_is_response(const char *buf, size_t len);
/* Count one message (or connection) from src: 1 to handle it; 0 when src is banned or just
 * went over its rate, which bans it. */
int ratelimit_allow(const struct sockaddr_storage *src);
/* 1 when src lies in one of auth.trusted. */
int ratelimit_trusted(const struct sockaddr_storage *src);
/* Addresses tracked now, and the table's capacity. */
size_t ratelimit_tracked(size_t *capacity);
void ratelimit_shutdown(void);

#endif
