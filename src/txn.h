/* txn.h - the transaction layer (RFC 3261 17; RFC 6026 for 2xx to INVITE).
 *
 * Server transactions are found by hashing the top Via branch + sent-by + method (17.2.3), with
 * the RFC 2543 fallback key when the branch lacks the magic cookie.  Client transactions are
 * found by branch + CSeq method (17.1.3).  Timers are libevent timers (its min-heap).
 *
 * References: the state machine holds one reference until the transaction is Terminated.  The
 * pointers txn_server_new / txn_client_new / the match functions return are borrowed: valid until
 * control returns to the event loop.  Whoever keeps one longer (answers later, may CANCEL later)
 * takes txn_ref and drops it with txn_unref.  Memory is freed from a deferred event. */
#ifndef SIPD_TXN_H
#define SIPD_TXN_H

#include <event2/event.h>

#include "sipmsg.h"

struct txn;

void txn_init(struct event_base *);
void txn_shutdown(void);	/* free every transaction (exit) */
size_t txn_count(void);		/* live transactions, client + server */
/* Heap bytes the transactions hold: themselves, their timers and keys, the messages they keep
 * for retransmission, the requests they hold (xmalloc_size). */
size_t txn_memory(void);

/* ---- server side ---- */

/* Match a request to an existing server transaction (17.2.3).  An ACK matches the INVITE
 * transaction it acknowledges (only when that transaction sent a non-2xx final response).
 * Returns NULL when none matches. */
struct txn *txn_server_match(const struct sipmsg *req);
/* Feed a matched retransmission or ACK to its transaction: resends the last response (or does
 * nothing while no response was sent yet), or moves Completed -> Confirmed on ACK. */
void txn_server_absorb(struct txn *, struct sipmsg *req);
/* The INVITE server transaction a CANCEL refers to (RFC 3261 9.2), or NULL.  It is returned
 * whatever its state: txn_final_status tells whether the CANCEL can still have an effect. */
struct txn *txn_server_match_cancel(const struct sipmsg *cancel);
/* New server transaction for req (takes a reference on req).  Returns NULL when txn_count() has
 * reached cfg->max_transactions (the caller answers 503 statelessly), and for an ACK, which never
 * creates a transaction (RFC 3261 17).  Provisional responses, 100 Trying included, are up to the
 * owner; they are resent only when the request is retransmitted, never by a timer. */
struct txn *txn_server_new(struct sipmsg *req);

/* Answer with a response sipd builds (reply_build).  1xx may be sent several times; the first
 * final response ends the proceeding state; later calls after a final response are ignored,
 * except further 2xx to an INVITE while it is Accepted, which are sent (RFC 6026).
 * Returns 0, or -1 when the transaction already has a final response. */
int txn_reply(struct txn *, int status, const char *reason, const char *extra,
    const char *body_type, const char *body, size_t bodylen);
/* Answer with a ready-made response (the proxy's forwarded one); takes ownership of buf.
 * After a 2xx to an INVITE, further 2xx go through here too (txn_reply then returns -1). */
int txn_reply_raw(struct txn *, int status, char *buf, size_t len);
/* Answer statelessly (RFC 3261 8.2.7): nothing is kept after the final response and the To
 * tag derives from the request, so the owner, recognising a retransmission itself, answers
 * it identically.  Non-INVITE only (the registrar: no 32 s of state per REGISTER). */
void txn_set_stateless(struct txn *);
/* End a server transaction that will get no response (RFC 4320 4.2: a proxy sends no 408 to a
 * non-INVITE request whose branches all timed out; the client's own timer ends it there). */
void txn_server_drop(struct txn *);
/* The request that created the transaction: NULL after the final response, except for an
 * INVITE accepted with txn_reply (a 2xx that sipd built: txn_reply builds the further ones). */
struct sipmsg *txn_request(const struct txn *);
/* A To tag stable for this transaction (for sipd-built responses). */
const char *txn_totag(struct txn *);
/* Highest final status sent so far (0 = none). */
int txn_final_status(const struct txn *);
/* Called once when a CANCEL for this INVITE server transaction arrives (after sipd has answered
 * the CANCEL 200); the owner should stop its work and answer 487.  A CANCEL that arrived before
 * fn was set only marks the transaction: check txn_is_cancelled after setting it. */
void txn_on_cancel(struct txn *, void (*fn)(struct txn *, void *), void *arg);
/* The dispatcher, after answering a CANCEL that txn_server_match_cancel matched to t: when t has
 * no final response yet, mark it cancelled and run its txn_on_cancel callback (RFC 3261 9.2). */
void txn_cancelled(struct txn *);
int txn_is_cancelled(const struct txn *);

/* ---- client side ---- */

/* Result of a client transaction: a response (resp != NULL, status = its code), or a timeout
 * (resp == NULL, status 408) or transport failure (resp == NULL, status 503).  Called for every
 * provisional and for the final outcome; after the final one the transaction no longer calls,
 * except that an INVITE's further 2xx (retransmissions, forks) keep coming during Timer M
 * (RFC 6026).  For a non-2xx to INVITE the transaction has already sent the ACK. */
typedef void (*txn_client_cb)(struct txn *, struct sipmsg *resp, int status, void *arg);

/* Send a request that sipd built or forwards (buf holds the whole message, its top Via carries
 * branch).  Takes ownership of buf.  Returns the transaction, or NULL when it could not be sent
 * (then cb is not called).  An ACK is not a transaction: send it with transport_send. */
struct txn *txn_client_new(const struct sip_peer *dst, enum sip_method method, const char *branch,
    char *buf, size_t len, txn_client_cb cb, void *arg);
/* The request as the client transaction sent it (for a CANCEL, RFC 3261 9.1); NULL once a
 * final response arrived (the copy is dropped then). */
const char *txn_client_request(const struct txn *, size_t *len);
/* Where the client transaction sends (a CANCEL goes the same way, RFC 3261 9.1). */
void txn_client_peer(const struct txn *, struct sip_peer *);
/* Match a response to a client transaction and feed it (17.1.3).  Returns 1 when it matched (the
 * callback has run or the response was absorbed as a retransmission), 0 when nothing matched. */
int txn_client_response(struct sipmsg *resp);
/* The owner of a client transaction is gone: stop calling back (timers keep running to absorb;
 * an INVITE in Proceeding, which has no timer, ends after 64*T1 unless a final arrives). */
void txn_client_detach(struct txn *);
/* conn 0: a connection to addr over proto could not be made (refused, TLS handshake failed);
 * else: stream connection conn (a phone's flow) closed.  Client transactions still waiting
 * for their first response there fail now with 503 (RFC 3261 17.1.4) instead of waiting for
 * Timer B/F: no response can come any more, and a proxy moves on to its next target. */
void txn_transport_failed(enum sip_proto proto, const struct sockaddr_storage *addr,
    uint64_t conn);

/* Reference counting: a handler that answers later holds a reference. */
struct txn *txn_ref(struct txn *);
void txn_unref(struct txn *);

#endif
