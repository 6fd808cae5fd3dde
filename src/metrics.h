/* metrics.h - counters every module bumps, and their Prometheus text rendering, served over
 * HTTP (libevent evhttp) when metrics.enable is 1.  Counting is a few additions on the loop;
 * nothing here does I/O except metrics_start's listener. */
#ifndef SIPD_METRICS_H
#define SIPD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "sipd.h"

enum metrics_dir { METRICS_IN = 0, METRICS_OUT = 1 };

/* Plain counters (monotonic) and gauges (set or moved by their owner). */
enum metrics_id {
	M_AUTH_FAILURES,	/* digest credentials that did not verify (not stale nonces) */
	M_REGISTRATIONS_ADDED,	/* bindings created */
	M_REGISTRATIONS_REMOVED,	/* bindings removed: unregistered, expired or by sipctl */
	M_CALLS_STARTED,	/* calls started (callrec.c): = answered + failed + ringing */
	M_CALLS_ANSWERED,	/* ... answered with a 2xx */
	M_CALLS_FAILED,		/* ... ended with a final non-2xx (busy, cancelled, ...) */
	M_CALLS_ENDED,		/* answered calls ended: = answered - dialogs */
	M_RELOADS,		/* SIGHUPs whose config was applied */
	M_RELOAD_FAILURES,	/* SIGHUPs whose config was refused */
	M_BAD_MESSAGES,		/* messages refused as malformed */
	/* Filled by the RTP relay (relay.c). */
	M_RELAY_CALLS,		/* calls whose media were relayed */
	M_RELAY_PACKETS,	/* RTP/RTCP packets relayed */
	M_RELAY_BYTES,		/* bytes of those packets */
	M_RELAY_SESSIONS,	/* gauge: relay sessions open now */
	M_MAX
};

/* Count one SIP message seen on the wire: a request (method) or a response (status, CSeq method). */
void metrics_message(enum metrics_dir, int is_request, enum sip_method, int status);
/* Classify raw bytes as metrics_message wants: 1 request, 2 response, 0 not SIP.  No I/O. */
int metrics_classify(const char *buf, size_t len, enum sip_method *method, int *status);
/* Count an outgoing message from its bytes (transport_send). */
void metrics_sent(const char *buf, size_t len);

void metrics_inc(enum metrics_id);
void metrics_add(enum metrics_id, int64_t n);
void metrics_set(enum metrics_id, int64_t v);
uint64_t metrics_get(enum metrics_id);

/* Gauges owned by the call records (callrec.c): calls ringing and calls answered, live now. */
void metrics_set_calls_live(long ringing, long answered);

/* Gauges read from their owners when scraped (set up by daemon.c, so that this module links
 * alone). */
enum metrics_gauge {
	G_TRANSACTIONS, G_REGISTRATIONS, G_TCP_CONNECTIONS, G_SUBSCRIPTIONS,
	G_HEAP_IN_USE, G_HEAP_HELD,	/* the allocator's statistics (heap.h) */
	/* heap bytes the modules hold, by their own accounts (sipd_memory_bytes{part=...}) */
	G_MEM_TXN, G_MEM_CALLS, G_MEM_CALLREC, G_MEM_RELAY,
	G_MAX
};
void metrics_gauge_source(enum metrics_gauge, size_t (*fn)(void));
/* Database commit statistics, read when scraped (store_sqlite.c's numbers). */
struct metrics_db {
	uint64_t	 hist[16];	/* cumulative counts of commits <= le_us[i] */
	uint64_t	 le_us[16];
	int		 nhist;
	uint64_t	 sum_us, count, max_us, rows;
};
void metrics_db_source(void (*fn)(struct metrics_db *));

/* Every metric in Prometheus text format (version 0.0.4); returns a malloc'd string. */
char *metrics_render(size_t *len);

/* Serve GET /metrics on spec ("127.0.0.1:9060", "[::1]:9060"), or nothing when spec is NULL
 * or "".  Called at start and on SIGHUP: a changed spec moves the listener; when the new one
 * cannot be bound the old one is kept.  0, or -1 (logged). */
int metrics_apply(struct event_base *base, const char *spec);
void metrics_stop(void);
/* Split "host:port" / "[v6]:port" into host and port; 0 or -1.  No I/O. */
int metrics_parse_listen(const char *spec, char *host, size_t hostlen, int *port);

#endif
