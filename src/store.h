/* store.h - durable storage behind a small interface (OpenSMTPD's table/queue backends):
 * bindings, users, and the admin queue sipctl writes.  SQLite (store_sqlite.c) is the one
 * backend.  Writes are queued to a writer thread that commits them in groups; a caller learns
 * that its writes are durable through store_flush's callback, run on the event loop. */
#ifndef SIPD_STORE_H
#define SIPD_STORE_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "auth.h"

/* One binding as stored (strings owned by whoever built the struct). */
struct store_binding {
	const char	*aor;
	const char	*key;
	const char	*contact;
	const char	*params;
	const char	*rproto;
	const char	*rip;
	int		 rport;
	int		 nat;
	const char	*path;
	int64_t		 expires;
	double		 q;
	const char	*call_id;
	uint32_t	 cseq;
	const char	*user_agent;
	const char	*instance;
	int		 reg_id;
	int64_t		 updated;
};

/* Open (create or migrate) the database and start the writer.  0 or -1 (logged). */
int store_open(const char *path, struct event_base *base);
void store_close(void);
/* Create or migrate the database at path without starting anything (sipctl). 0 or -1. */
int store_create(const char *path);		/* drains queued writes first */
/* Longest wait for more writes before a commit (group commit), in ms. */
void store_set_commit_interval(int ms);
/* Schema version of an open database. */
int store_version(void);

/* Call fn for every binding not expired at now.  Returns the count, or -1. */
long store_load_bindings(time_t now, void (*fn)(const struct store_binding *, void *), void *arg);

/* Queue writes (copied). */
void store_save(const struct store_binding *);
void store_delete(const char *aor, const char *key);
void store_delete_expired(time_t now);
/* done(arg) runs on the event loop once everything queued before this call is committed;
 * ok = 0 when the commit failed. */
void store_flush(void (*done)(void *arg, int ok), void *arg);
/* Longest time the writer spent in one commit, in microseconds, and commits done. */
void store_stats(uint64_t *max_commit_us, uint64_t *commits, uint64_t *rows);
/* Commit durations as a cumulative histogram: buckets[i] counts commits <= store_hist_le_us[i]. */
#define STORE_HIST_N	10
static const uint64_t store_hist_le_us[STORE_HIST_N] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000
};
void store_commit_histogram(uint64_t buckets[STORE_HIST_N], uint64_t *sum_us, uint64_t *count);
/* Longest SQLite call made on the event loop, in microseconds. */
uint64_t store_max_read_us(void);

/* Users: 0 found, -1 not.  Answered from a cache of recent lookups (found or not), each read
 * from SQLite at most every STORE_USER_TTL s; sipctl's "users_changed" note in the admin queue
 * empties it (store_user_forget), so a user sipctl adds, changes or removes counts within a
 * second, without an SQLite read on the loop for every REGISTER. */
#define STORE_USER_TTL	10
int store_user_get(const char *username, const char *domain, struct auth_user *out);
void store_user_forget(void);
/* The username owning an extension number in domain; 0 found, -1 not. */
int store_user_by_extension(const char *ext, const char *domain, char *user, size_t len);
/* Number of users (for "registration without auth" decisions and logs). */
long store_user_count(void);

/* Ring groups and forwards, loaded whole (pbx.c caches them until sipctl queues
 * "pbx_changed" in the admin queue). */
#define STORE_GROUP_MAX	16
struct store_group {
	int		 serial;	/* 1: members one after the other, 0: all at once */
	int		 timeout;	/* s; 0: none */
	int		 n;
	struct {
		char	 member[128];
		double	 q;
		int	 timeout;	/* s; 0: the group's */
	} m[STORE_GROUP_MAX];		/* by q, highest first */
};
/* Call fn for every ring group with its members.  Returns the count, or -1. */
long store_groups_load(void (*fn)(const char *number, const char *domain,
    const struct store_group *, void *), void *arg);

enum store_fwd { STORE_FWD_ALWAYS, STORE_FWD_BUSY, STORE_FWD_NOANSWER, STORE_FWD_KINDS };
struct store_forward {
	int		 set;
	char		 target[256];
	int		 after;		/* noanswer: s of ringing first */
};
/* Call fn for every forward (kind: enum store_fwd; extension: the user's, "" when none).
 * Returns the count, or -1. */
long store_forwards_load(void (*fn)(const char *username, const char *domain,
    const char *extension, int kind, const char *target, int after, void *), void *arg);

/* One call detail record (times: Unix seconds with fractions; answer 0: not answered). */
struct store_cdr {
	const char	*call_id;
	const char	*caller;
	const char	*callee;
	const char	*answered_by;
	const char	*reason;
	double		 start, answer, end;
	int		 status;
	uint64_t	 pkts_from_caller, pkts_from_callee;
};
/* Queue a CDR row (copied); the writer thread inserts it. */
void store_cdr_save(const struct store_cdr *);

/* Offline messages (msgstore.c's rows).  Strings owned by whoever built the struct; body is
 * body_len bytes, not NUL-terminated when built, NUL-terminated when read back. */
struct store_msg {
	int64_t		 id;		/* 0 before the insert */
	const char	*aor;
	const char	*sender;	/* From value as sent */
	const char	*recipient;	/* To value as sent */
	const char	*call_id;
	const char	*ctype;
	const char	*body;
	size_t		 body_len;
	int64_t		 received, expires;	/* Unix time */
};
/* Queue an insert (copied); the same commit then drops the AOR's oldest rows beyond max_count
 * messages or max_bytes of bodies (one log line when it does). */
void store_msg_save(const struct store_msg *, int max_count, int64_t max_bytes);
void store_msg_delete(int64_t id);
/* Queue the deletion of rows expired at now (one log line when there were any). */
void store_msg_delete_expired(time_t now);
/* The AOR's first row after id after_id that has not expired at now, with strings malloc'ed
 * into *out (free with store_msg_clear).  1 found, 0 none, -1 error. */
int store_msg_next(const char *aor, int64_t after_id, time_t now, struct store_msg *out);
void store_msg_clear(struct store_msg *);
/* Call fn for every AOR with rows; *min_expires gets the earliest expiry (0: none). */
long store_msg_aors(void (*fn)(const char *aor, void *), void *arg, int64_t *min_expires);

/* Presence allow-list (sipctl presence allow): 1 when watcher (a URI) may watch aor's
 * presence and dialogs though not a user of its domain, 0 when not, -1 on error. */
int store_presence_allowed(const char *watcher, const char *aor);

/* Presence publications (presence.c; RFC 3903 event state, one row per entity-tag): queue
 * a row's insert (copied) or deletion; load those not expired at now (start-up). */
void store_pub_save(const char *etag, const char *aor, const char *body, size_t len,
    int64_t expires);
void store_pub_delete(const char *etag);
long store_pub_load(time_t now, void (*fn)(const char *etag, const char *aor, const char *body,
    size_t len, int64_t expires, void *), void *arg);

/* Any write of the administration (the web console): sql with up to STORE_EXEC_ARGS text
 * parameters (NULL binds NULL), run by the writer thread in its own savepoint, so that a
 * refused statement (a constraint) fails alone.  done(arg, ok, changes) runs on the loop once
 * it is committed (ok 0: refused or not committed; changes: rows changed). */
#define STORE_EXEC_ARGS	8
void store_exec(const char *sql, const char *const *args, int nargs,
    void (*done)(void *arg, int ok, int changes), void *arg);
/* A read on the loop's read connection: fn(ncol, names, values, arg) for each row (values NULL
 * when SQL NULL); returns the rows, or -1 (logged).  For small, indexed or LIMITed queries. */
long store_query(const char *sql, const char *const *args, int nargs,
    void (*fn)(int ncol, const char *const *names, const char *const *vals, void *arg),
    void *arg);

/* Admin queue: call fn(op, arg) for each entry sipctl queued, then delete them. */
void store_admin_poll(void (*fn)(const char *op, const char *arg, void *ctx), void *ctx);

#endif
