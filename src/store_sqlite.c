/* store_sqlite.c - the SQLite backend of store.h.
 *
 * Two connections: a read connection used on the event loop (users, start-up load, admin
 * queue), and a write connection owned by a writer thread.  The loop queues writes; the thread
 * takes everything queued, commits it in one transaction (WAL, synchronous=FULL, so a commit
 * is on disk), then hands the flush callbacks back to the loop through an eventfd.  Group
 * commit comes for free: while one commit syncs, the next group queues up.  The loop never
 * waits on the disk. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "htab.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static const char schema_sql[] =
#include "schema.inc"
;

#define SCHEMA_VERSION	6

enum op_kind { OP_SAVE, OP_DELETE, OP_DELETE_EXPIRED, OP_ADMIN_DONE, OP_FLUSH, OP_CDR,
    OP_MSG_SAVE, OP_MSG_DELETE, OP_MSG_EXPIRE, OP_PUB_SAVE, OP_PUB_DELETE, OP_EXEC };

struct op {
	enum op_kind	 kind;
	struct store_binding b;		/* OP_SAVE: strings below are owned copies */
	struct store_cdr cdr;		/* OP_CDR: likewise */
	struct store_msg msg;		/* OP_MSG_SAVE: likewise */
	char		*s[11];
	int64_t		 n;		/* OP_DELETE_EXPIRED time, OP_ADMIN_DONE id, OP_MSG_* */
	int64_t		 n2;		/* OP_MSG_SAVE: most bytes; n: most messages */
	void		(*done)(void *, int);
	void		(*exec_done)(void *, int, int);	/* OP_EXEC: s[0] sql, s[1..] args */
	void		*arg;
	int		 ok;
	struct op	*next;
};

static sqlite3		*rdb, *wdb;
static sqlite3_stmt	*st_user, *st_ext, *st_save, *st_del, *st_del_exp, *st_admin_del;
static sqlite3_stmt	*st_cdr, *st_msg_ins, *st_msg_trim, *st_msg_del, *st_msg_exp, *st_msg_next;
static pthread_t	 writer;
static pthread_mutex_t	 qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 qcond = PTHREAD_COND_INITIALIZER;
static struct op	*qhead, **qtail = &qhead;
static struct op	*dhead, **dtail = &dhead;
static int		 stopping, running, efd = -1;
static struct event	*ev_done;
static uint64_t		 max_commit_us, ncommits, nrows;
static uint64_t		 sum_commit_us, commit_hist[STORE_HIST_N];	/* for metrics */
static uint64_t		 max_read_us;	/* longest SQLite call on the event loop */
static int		 commit_interval_ms;
static int		 writer_idle;	/* the writer sleeps until signalled (queue was empty) */
static struct htab	*user_cache;	/* "user\0domain" -> struct user_ent */

#define USER_CACHE_MAX	4096
static int		 wal_blocked;	/* a reader keeps the WAL from being checkpointed */

#define WAL_BLOCKED_FRAMES	16384	/* 64 MiB of WAL that cannot be checkpointed */
static sqlite3_stmt	*st_begin, *st_commit;
static int64_t		 admin_last;

/* Open one connection in WAL mode with a busy timeout. */
static sqlite3 *
db_connect(const char *path, int flags, int busy_ms)
{
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("database %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, busy_ms);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	    "PRAGMA journal_size_limit=67108864; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	return db;
}

static int
db_user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Create the schema in a fresh database, or refuse one newer than this sipd. */
static int
db_migrate(sqlite3 *db, const char *path)
{
	char *err = NULL;
	int v = db_user_version(db);

	if (v == SCHEMA_VERSION)
		return 0;
	if (v > SCHEMA_VERSION || v < 0) {
		log_warnx("database %s has schema version %d; this sipd knows %d", path, v,
		    SCHEMA_VERSION);
		return -1;
	}
	/* v == 0: new database.  v == 1: version 2 added tables (ring groups, forwards, cdr) and
	 * made admin_queue's ids AUTOINCREMENT: version 1 reused the ids of deleted rows, which
	 * the poll (ids above the last applied) then skipped.  The queue holds only notes for a
	 * running sipd, so it is dropped and created anew.  v == 2: version 3 added the messages
	 * table and its view.  v == 3: version 4 added presence_allow and publications (presence).
	 * v == 4: version 5 added the web console's admin accounts and provisioning links.
	 * v == 5: version 6 added the voicemail tables (vm_boxes, vm_messages).  The
	 * schema file is all CREATE ... IF NOT EXISTS: running it upgrades in place.  Later
	 * versions add their steps here. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK ||
	    (v == 1 && sqlite3_exec(db, "DROP TABLE IF EXISTS admin_queue", NULL, NULL, &err) !=
	    SQLITE_OK) ||
	    sqlite3_exec(db, schema_sql, NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("database %s: creating the schema: %s", path, err ? err : "?");
		sqlite3_free(err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (v == 0)
		log_notice("database %s: created schema version %d", path, SCHEMA_VERSION);
	else
		log_notice("database %s: upgraded from schema version %d to %d", path, v,
		    SCHEMA_VERSION);
	return 0;
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		log_warnx("database: %s: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
prepare_all(void)
{
	return prepare(rdb, "SELECT username, realm, ha1_md5, ha1_sha256, enabled FROM users "
	    "WHERE username = ?1 AND domain = ?2", &st_user) |
	    prepare(rdb, "SELECT username FROM users WHERE extension = ?1 AND domain = ?2 "
	    "AND enabled", &st_ext) |
	    prepare(wdb, "INSERT INTO location (aor, binding_key, contact, params, received_proto, "
	    "received_ip, received_port, path, expires, q, call_id, cseq, user_agent, instance, "
	    "reg_id, updated, nat) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
	    "?17) ON CONFLICT (aor, binding_key) DO UPDATE SET contact=?3, params=?4, "
	    "received_proto=?5, received_ip=?6, received_port=?7, path=?8, expires=?9, q=?10, "
	    "call_id=?11, cseq=?12, user_agent=?13, instance=?14, reg_id=?15, updated=?16, nat=?17",
	    &st_save) |
	    prepare(wdb, "DELETE FROM location WHERE aor = ?1 AND binding_key = ?2", &st_del) |
	    prepare(wdb, "DELETE FROM location WHERE expires <= ?1", &st_del_exp) |
	    prepare(wdb, "DELETE FROM admin_queue WHERE id <= ?1", &st_admin_del) |
	    prepare(wdb, "INSERT INTO cdr (call_id, caller, callee, answered_by, start_time, "
	    "answer_time, end_time, duration, status, reason, packets_from_caller, "
	    "packets_from_callee) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", &st_cdr) |
	    prepare(wdb, "INSERT INTO messages (aor, sender, recipient, call_id, content_type, body, "
	    "received, expires) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)", &st_msg_ins) |
	    /* the newest messages that fit both limits stay; older ones go */
	    prepare(wdb, "DELETE FROM messages WHERE id IN (SELECT id FROM (SELECT id, "
	    "row_number() OVER w AS n, sum(length(body)) OVER w AS total FROM messages "
	    "WHERE aor = ?1 WINDOW w AS (ORDER BY id DESC)) WHERE n > ?2 OR total > ?3)",
	    &st_msg_trim) |
	    prepare(wdb, "DELETE FROM messages WHERE id = ?1", &st_msg_del) |
	    prepare(wdb, "DELETE FROM messages WHERE expires <= ?1", &st_msg_exp) |
	    prepare(rdb, "SELECT id, aor, sender, recipient, call_id, content_type, body, received, "
	    "expires FROM messages WHERE aor = ?1 AND id > ?2 AND expires > ?3 ORDER BY id LIMIT 1",
	    &st_msg_next) |
	    prepare(wdb, "BEGIN IMMEDIATE", &st_begin) | prepare(wdb, "COMMIT", &st_commit);
}

static int step_reset(sqlite3_stmt *);

/* Bind a CDR row to the insert statement. */
static sqlite3_stmt *
cdr_bind(const struct store_cdr *r)
{
	sqlite3_stmt *st = st_cdr;

	sqlite3_bind_text(st, 1, r->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->caller, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->callee, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->answered_by, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, r->start);
	if (r->answer > 0)
		sqlite3_bind_double(st, 6, r->answer);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_double(st, 7, r->end);
	sqlite3_bind_double(st, 8, r->answer > 0 && r->end > r->answer ?
	    (double)(int64_t)((r->end - r->answer) * 1000 + 0.5) / 1000 : 0);
	sqlite3_bind_int(st, 9, r->status);
	sqlite3_bind_text(st, 10, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)r->pkts_from_caller);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)r->pkts_from_callee);
	return st;
}

/* Insert a message, then drop the AOR's oldest beyond the limits (one log line). */
static int
msg_insert(struct op *o)
{
	const struct store_msg *m = &o->msg;
	sqlite3_stmt *st = st_msg_ins;
	int rc;

	sqlite3_bind_text(st, 1, m->aor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->ctype, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 6, m->body, m->body_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, m->received);
	sqlite3_bind_int64(st, 8, m->expires);
	rc = step_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	st = st_msg_trim;
	sqlite3_bind_text(st, 1, m->aor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o->n);
	sqlite3_bind_int64(st, 3, o->n2);
	rc = step_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(wdb) > 0)
		log_info("msgstore: aor=%s over its limits (%lld messages, %lld bytes): %d oldest "
		    "message(s) dropped", m->aor, (long long)o->n, (long long)o->n2,
		    sqlite3_changes(wdb));
	return 0;
}

/* A presence publication's row (presence.c): s[0] etag, s[1] aor, s[2] body (n2 bytes),
 * n expires; OP_PUB_DELETE: s[0] etag.  PUBLISH is rare: prepared per use. */
static int
pub_apply(struct op *o)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(wdb, o->kind == OP_PUB_SAVE ? "INSERT OR REPLACE INTO publications "
	    "(etag, aor, body, expires) VALUES (?1, ?2, ?3, ?4)" : "DELETE FROM publications WHERE "
	    "etag = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, o->s[0], -1, SQLITE_STATIC);
	if (o->kind == OP_PUB_SAVE) {
		sqlite3_bind_text(st, 2, o->s[1], -1, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 3, o->s[2], (sqlite3_uint64)o->n2, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, o->n);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* An administration statement in its own savepoint: when refused, only it is undone (the
 * bindings and records committed with it are not lost); its result goes back in o->ok. */
static int
exec_apply(struct op *o)
{
	sqlite3_stmt *st = NULL;

	o->ok = 0;
	if (sqlite3_exec(wdb, "SAVEPOINT console", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(wdb, o->s[0], -1, &st, NULL) == SQLITE_OK) {
		for (int i = 0; i < o->n; i++)
			if (o->s[i + 1] != NULL)
				sqlite3_bind_text(st, i + 1, o->s[i + 1], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE) {
			o->ok = 1;
			o->n2 = sqlite3_changes(wdb);
		}
	}
	if (!o->ok)
		log_warnx("database: console write refused: %s", sqlite3_errmsg(wdb));
	sqlite3_finalize(st);
	if (!o->ok)
		sqlite3_exec(wdb, "ROLLBACK TO console", NULL, NULL, NULL);
	sqlite3_exec(wdb, "RELEASE console", NULL, NULL, NULL);
	return 0;
}

/* Run one queued write on the write connection. */
static int
op_apply(struct op *o)
{
	sqlite3_stmt *st = NULL;
	const struct store_binding *b = &o->b;

	switch (o->kind) {
	case OP_SAVE:
		st = st_save;
		sqlite3_bind_text(st, 1, b->aor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b->contact, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, b->params, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, b->rproto, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, b->rip, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, b->rport);
		sqlite3_bind_text(st, 8, b->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, b->expires);
		sqlite3_bind_double(st, 10, b->q);
		sqlite3_bind_text(st, 11, b->call_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 12, b->cseq);
		sqlite3_bind_text(st, 13, b->user_agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, b->instance, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 15, b->reg_id);
		sqlite3_bind_int64(st, 16, b->updated);
		sqlite3_bind_int(st, 17, b->nat);
		break;
	case OP_DELETE:
		st = st_del;
		sqlite3_bind_text(st, 1, b->aor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->key, -1, SQLITE_STATIC);
		break;
	case OP_DELETE_EXPIRED:
		st = st_del_exp;
		sqlite3_bind_int64(st, 1, o->n);
		break;
	case OP_ADMIN_DONE:
		st = st_admin_del;
		sqlite3_bind_int64(st, 1, o->n);
		break;
	case OP_CDR:
		st = cdr_bind(&o->cdr);
		break;
	case OP_MSG_SAVE:
		return msg_insert(o);
	case OP_MSG_DELETE:
		st = st_msg_del;
		sqlite3_bind_int64(st, 1, o->n);
		break;
	case OP_MSG_EXPIRE:
		st = st_msg_exp;
		sqlite3_bind_int64(st, 1, o->n);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
		if (sqlite3_changes(wdb) > 0)
			log_info("msgstore: %d expired message(s) dropped unsent",
			    sqlite3_changes(wdb));
		return 0;
	case OP_PUB_SAVE:
	case OP_PUB_DELETE:
		return pub_apply(o);
	case OP_EXEC:
		return exec_apply(o);
	case OP_FLUSH:
		return 0;
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
op_free(struct op *o)
{
	for (size_t i = 0; i < sizeof(o->s) / sizeof(o->s[0]); i++)
		free(o->s[i]);
	free(o);
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc;
}

/* The table key of the binding an OP_SAVE / OP_DELETE writes ("aor\0key") into k; its length,
 * or 0 for other ops and keys too long to coalesce. */
static size_t
binding_of(const struct op *o, char *k, size_t ksz)
{
	size_t al, kl;

	if (o->kind != OP_SAVE && o->kind != OP_DELETE)
		return 0;
	al = strlen(o->b.aor), kl = strlen(o->b.key);
	if (al + 1 + kl > ksz)
		return 0;
	memcpy(k, o->b.aor, al + 1);
	memcpy(k + al + 1, o->b.key, kl);
	return al + 1 + kl;
}

/* The last save or delete of each binding in list, when one binding is written more than once
 * (a phone refreshing twice within one group, a load test's single AOR); NULL otherwise. */
static struct htab *
last_writes(struct op *list)
{
	struct htab *h = NULL;
	char k[1024];
	size_t kl;
	int saves = 0;

	for (struct op *o = list; o != NULL; o = o->next)
		saves += o->kind == OP_SAVE;
	if (saves < 2)
		return NULL;
	h = htab_new();
	for (struct op *o = list; o != NULL; o = o->next)
		if ((kl = binding_of(o, k, sizeof(k))) > 0)
			htab_put(h, k, kl, o);
	return h;
}

/* 1 when a later op of the same group rewrites (upsert of every column) or deletes o's
 * binding: the transaction's end state is the same without o's write. */
static int
superseded(struct htab *last, const struct op *o)
{
	char k[1024];
	size_t kl;
	void *v;

	if (last == NULL || o->kind != OP_SAVE || (kl = binding_of(o, k, sizeof(k))) == 0)
		return 0;
	return (v = htab_get(last, k, kl)) != NULL && v != o;
}

/* Commit one group; returns 1 when it reached the disk. */
static int
commit_group(struct op *list)
{
	int ok = step_reset(st_begin) == SQLITE_DONE;
	struct htab *last = last_writes(list);
	uint64_t rows = 0;

	for (struct op *o = list; o != NULL && ok; o = o->next) {
		if (superseded(last, o))
			rows++;
		else if (op_apply(o) == -1) {
			log_warnx("database write: %s", sqlite3_errmsg(wdb));
			ok = 0;
		} else if (o->kind != OP_FLUSH)
			rows++;
	}
	if (ok && step_reset(st_commit) != SQLITE_DONE) {
		log_warnx("database commit: %s", sqlite3_errmsg(wdb));
		ok = 0;
	}
	if (!ok)
		sqlite3_exec(wdb, "ROLLBACK", NULL, NULL, NULL);
	if (last != NULL)
		htab_free(last);
	nrows += rows;
	return ok;
}

/* A reader holding a read transaction (sqlite3 -readonly left in BEGIN) stops checkpoints,
 * and the WAL grows by every commit: SQLite cannot checkpoint past a reader.  Slowing the
 * commits down was measured to make clients time out (REGISTERs must not fail), so sipd
 * keeps committing and says once, loudly, what holds the WAL; when the reader ends, the
 * next checkpoint catches up and journal_size_limit shrinks the file again. */
static void
wal_watch(void)
{
	int frames = 0, done = 0;

	if (sqlite3_wal_checkpoint_v2(wdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &done) !=
	    SQLITE_OK)
		return;
	if (!wal_blocked && frames - done > WAL_BLOCKED_FRAMES) {
		wal_blocked = 1;
		log_warnx("database: %d WAL pages cannot be checkpointed: a reader keeps a "
		    "transaction open (an sqlite3 shell left in BEGIN?); the WAL grows until it ends",
		    frames - done);
	} else if (wal_blocked && frames - done < WAL_BLOCKED_FRAMES / 4) {
		wal_blocked = 0;
		log_notice("database: the reader ended; checkpoints caught up");
	}
}

/* The writer thread: take all that is queued, commit it, pass the flushes back. */
static void *
writer_main(void *arg)
{
	uint64_t last_start = 0, last_watch = 0;

	for (;;) {
		struct op *list;
		uint64_t one = 1, t0, dt;

		pthread_mutex_lock(&qlock);
		while (qhead == NULL && !stopping) {
			writer_idle = 1;
			pthread_cond_wait(&qcond, &qlock);
		}
		writer_idle = 0;
		/* Group commit: let writes gather for up to commit_interval_ms after the previous
		 * commit began, so one fsync serves many REGISTERs (their 200s wait for it). */
		if (!stopping && commit_interval_ms > 0) {
			struct timespec until;
			uint64_t due = last_start + (uint64_t)commit_interval_ms * 1000;
			if (due > now_us()) {
				clock_gettime(CLOCK_REALTIME, &until);
				uint64_t ns = (due - now_us()) * 1000 + (uint64_t)until.tv_nsec;
				until.tv_sec += (time_t)(ns / 1000000000);
				until.tv_nsec = (long)(ns % 1000000000);
				while (!stopping && pthread_cond_timedwait(&qcond, &qlock, &until) == 0)
					;	/* only stopping signals here */
			}
		}
		list = qhead;
		qhead = NULL;
		qtail = &qhead;
		pthread_mutex_unlock(&qlock);
		if (list == NULL)
			break;
		t0 = last_start = now_us();
		int ok = commit_group(list);
		dt = now_us() - t0;
		/* a checkpoint attempt costs time while a reader blocks it: once a second */
		if (t0 - last_watch > 1000000) {
			last_watch = t0;
			wal_watch();
		}
		pthread_mutex_lock(&qlock);
		if (dt > max_commit_us)
			max_commit_us = dt;
		ncommits++;
		sum_commit_us += dt;
		for (int b = 0; b < STORE_HIST_N; b++)
			if (dt <= store_hist_le_us[b])
				commit_hist[b]++;
		while (list != NULL) {
			struct op *o = list;
			list = o->next;
			if (o->kind == OP_FLUSH || o->kind == OP_EXEC) {
				o->ok = o->kind == OP_FLUSH ? ok : ok && o->ok;
				o->next = NULL;
				*dtail = o;
				dtail = &o->next;
			} else
				op_free(o);
		}
		pthread_mutex_unlock(&qlock);
		if (write(efd, &one, sizeof(one)) == -1)
			log_warn("store: eventfd write");
	}
	return NULL;
}

/* On the loop: run the callbacks of committed flushes. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;
	struct op *list;

	if (read(efd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("store: eventfd read");
	pthread_mutex_lock(&qlock);
	list = dhead;
	dhead = NULL;
	dtail = &dhead;
	pthread_mutex_unlock(&qlock);
	while (list != NULL) {
		struct op *o = list;
		list = o->next;
		if (o->kind == OP_EXEC)
			o->exec_done(o->arg, o->ok, (int)o->n2);
		else
			o->done(o->arg, o->ok);
		op_free(o);
	}
}

static void
enqueue(struct op *o)
{
	pthread_mutex_lock(&qlock);
	*qtail = o;
	qtail = &o->next;
	/* a writer gathering a group wakes by itself at its deadline: no signal, no switch */
	if (writer_idle) {
		writer_idle = 0;
		pthread_cond_signal(&qcond);
	}
	pthread_mutex_unlock(&qlock);
}

/* Queue an op whose only argument is a number (an id or a time). */
static void
enqueue_n(enum op_kind kind, int64_t n)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	o->n = n;
	enqueue(o);
}

void
store_set_commit_interval(int ms)
{
	pthread_mutex_lock(&qlock);
	commit_interval_ms = ms;
	pthread_mutex_unlock(&qlock);
}

int
store_open(const char *path, struct event_base *base)
{
	if ((wdb = db_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 5000)) == NULL)
		return -1;
	if (db_migrate(wdb, path) == -1 ||
	    (rdb = db_connect(path, SQLITE_OPEN_READWRITE, 200)) == NULL || prepare_all() != 0) {
		store_close();
		return -1;
	}
	if ((efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("eventfd");
		store_close();
		return -1;
	}
	ev_done = event_new(base, efd, EV_READ | EV_PERSIST, on_done, NULL);
	event_add(ev_done, NULL);
	stopping = 0;
	(void)htab_hash("", 0);		/* key the hash here: the writer's tables use it too */
	if (pthread_create(&writer, NULL, writer_main, NULL) != 0) {
		log_warnx("store: cannot start the writer thread");
		store_close();
		return -1;
	}
	running = 1;
	return 0;
}

int
store_create(const char *path)
{
	sqlite3 *db = db_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 5000);
	int rc;

	if (db == NULL)
		return -1;
	rc = db_migrate(db, path);
	sqlite3_close(db);
	return rc;
}

int
store_version(void)
{
	return rdb ? db_user_version(rdb) : -1;
}

void
store_close(void)
{
	if (running) {
		pthread_mutex_lock(&qlock);
		stopping = 1;
		pthread_cond_broadcast(&qcond);
		pthread_mutex_unlock(&qlock);
		pthread_join(writer, NULL);
		running = 0;
		log_notice("database: %llu commits of %llu rows, longest commit %llu us (writer "
		    "thread), longest read on the event loop %llu us", (unsigned long long)ncommits,
		    (unsigned long long)nrows, (unsigned long long)max_commit_us,
		    (unsigned long long)max_read_us);
		on_done(efd, EV_READ, NULL);	/* callbacks of the last commits */
	}
	sqlite3_stmt **sts[] = { &st_user, &st_ext, &st_save, &st_del, &st_del_exp, &st_admin_del,
	    &st_cdr, &st_begin, &st_commit, &st_msg_ins, &st_msg_trim, &st_msg_del, &st_msg_exp,
	    &st_msg_next };
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
	if (ev_done)
		event_free(ev_done);
	ev_done = NULL;
	if (efd != -1)
		close(efd);
	efd = -1;
	store_user_forget();
	sqlite3_close(rdb);
	sqlite3_close(wdb);
	rdb = wdb = NULL;
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

void
store_save(const struct store_binding *b)
{
	struct op *o = xcalloc(1, sizeof(*o));
	const char *src[11] = { b->aor, b->key, b->contact, b->params, b->rproto, b->rip, b->path,
	    b->call_id, b->user_agent, b->instance, NULL };
	const char **dst[11] = { &o->b.aor, &o->b.key, &o->b.contact, &o->b.params, &o->b.rproto,
	    &o->b.rip, &o->b.path, &o->b.call_id, &o->b.user_agent, &o->b.instance, NULL };

	o->kind = OP_SAVE;
	o->b = *b;
	for (int i = 0; dst[i] != NULL; i++)
		*dst[i] = o->s[i] = dup_or_empty(src[i]);
	enqueue(o);
}

void
store_delete(const char *aor, const char *key)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = OP_DELETE;
	o->b.aor = o->s[0] = xstrdup(aor);
	o->b.key = o->s[1] = xstrdup(key);
	enqueue(o);
}

void
store_delete_expired(time_t now)
{
	enqueue_n(OP_DELETE_EXPIRED, now);
}

void
store_cdr_save(const struct store_cdr *r)
{
	struct op *o = xcalloc(1, sizeof(*o));
	const char *src[5] = { r->call_id, r->caller, r->callee, r->answered_by, r->reason };
	const char **dst[5] = { &o->cdr.call_id, &o->cdr.caller, &o->cdr.callee,
	    &o->cdr.answered_by, &o->cdr.reason };

	o->kind = OP_CDR;
	o->cdr = *r;
	for (int i = 0; i < 5; i++)
		*dst[i] = o->s[i] = dup_or_empty(src[i]);
	enqueue(o);
}

void
store_msg_save(const struct store_msg *m, int max_count, int64_t max_bytes)
{
	struct op *o = xcalloc(1, sizeof(*o));
	const char *src[5] = { m->aor, m->sender, m->recipient, m->call_id, m->ctype };
	const char **dst[5] = { &o->msg.aor, &o->msg.sender, &o->msg.recipient, &o->msg.call_id,
	    &o->msg.ctype };

	o->kind = OP_MSG_SAVE;
	o->msg = *m;
	for (int i = 0; i < 5; i++)
		*dst[i] = o->s[i] = dup_or_empty(src[i]);
	o->s[5] = xmalloc(m->body_len + 1);
	memcpy(o->s[5], m->body, m->body_len);
	o->msg.body = o->s[5];
	o->n = max_count;
	o->n2 = max_bytes;
	enqueue(o);
}

void
store_msg_delete(int64_t id)
{
	enqueue_n(OP_MSG_DELETE, id);
}

void
store_msg_delete_expired(time_t now)
{
	enqueue_n(OP_MSG_EXPIRE, now);
}

void
store_flush(void (*done)(void *, int), void *arg)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = OP_FLUSH;
	o->done = done;
	o->arg = arg;
	enqueue(o);
}

void
store_exec(const char *sql, const char *const *args, int nargs,
    void (*done)(void *, int, int), void *arg)
{
	struct op *o = xcalloc(1, sizeof(*o));

	if (nargs > STORE_EXEC_ARGS)
		fatalx("store_exec: %d arguments", nargs);
	o->kind = OP_EXEC;
	o->s[0] = xstrdup(sql);
	for (int i = 0; i < nargs; i++)
		o->s[i + 1] = args[i] ? xstrdup(args[i]) : NULL;
	o->n = nargs;
	o->exec_done = done;
	o->arg = arg;
	enqueue(o);
}

void
store_stats(uint64_t *max_us, uint64_t *commits, uint64_t *rows)
{
	pthread_mutex_lock(&qlock);
	*max_us = max_commit_us;
	*commits = ncommits;
	*rows = nrows;
	pthread_mutex_unlock(&qlock);
}

void
store_commit_histogram(uint64_t buckets[STORE_HIST_N], uint64_t *sum_us, uint64_t *count)
{
	pthread_mutex_lock(&qlock);
	memcpy(buckets, commit_hist, sizeof(commit_hist));
	*sum_us = sum_commit_us;
	*count = ncommits;
	pthread_mutex_unlock(&qlock);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

long
store_load_bindings(time_t now, void (*fn)(const struct store_binding *, void *), void *arg)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(rdb, "SELECT aor, binding_key, contact, params, received_proto, "
	    "received_ip, received_port, path, expires, q, call_id, cseq, user_agent, instance, "
	    "reg_id, updated, nat FROM location WHERE expires > ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct store_binding b = {
			.aor = col(st, 0), .key = col(st, 1), .contact = col(st, 2),
			.params = col(st, 3), .rproto = col(st, 4), .rip = col(st, 5),
			.rport = sqlite3_column_int(st, 6), .path = col(st, 7),
			.expires = sqlite3_column_int64(st, 8), .q = sqlite3_column_double(st, 9),
			.call_id = col(st, 10), .cseq = (uint32_t)sqlite3_column_int64(st, 11),
			.user_agent = col(st, 12), .instance = col(st, 13),
			.reg_id = sqlite3_column_int(st, 14), .updated = sqlite3_column_int64(st, 15),
			.nat = sqlite3_column_int(st, 16),
		};
		fn(&b, arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static void
copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Time SQLite work done on the event loop (it must stay short: WAL readers never wait). */
static void
note_read(uint64_t t0)
{
	uint64_t dt = now_us() - t0;

	if (dt > max_read_us)
		max_read_us = dt;
}

uint64_t
store_max_read_us(void)
{
	return max_read_us;
}

/* One cached lookup: the row, or that there was none. */
struct user_ent {
	time_t		 fetched;
	int		 found;
	struct auth_user u;
};

/* htab_foreach callback: wipe and free one cached record (the table goes right after). */
static void
user_ent_free(const void *key, size_t klen, void *val, void *arg)
{
	(void)key, (void)klen, (void)arg;
	explicit_bzero(val, sizeof(struct user_ent));
	free(val);
}

void
store_user_forget(void)
{
	if (user_cache == NULL)
		return;
	htab_foreach(user_cache, user_ent_free, NULL);
	htab_free(user_cache);
	user_cache = NULL;
}

/* The users row of username@domain from SQLite.  0 found, -1 not. */
static int
user_read(const char *username, const char *domain, struct auth_user *out)
{
	int rc = -1;
	uint64_t t0 = now_us();

	sqlite3_bind_text(st_user, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_user, 2, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st_user) == SQLITE_ROW) {
		copy(out->username, sizeof(out->username), col(st_user, 0));
		copy(out->realm, sizeof(out->realm), col(st_user, 1));
		copy(out->ha1_md5, sizeof(out->ha1_md5), col(st_user, 2));
		copy(out->ha1_sha256, sizeof(out->ha1_sha256), col(st_user, 3));
		out->enabled = sqlite3_column_int(st_user, 4);
		rc = 0;
	}
	sqlite3_reset(st_user);
	sqlite3_clear_bindings(st_user);
	note_read(t0);
	return rc;
}

/* The cache slot of key (made, empty, when absent; the cache is emptied when full). */
static struct user_ent *
user_slot(const char *key, size_t klen)
{
	struct user_ent *e;

	if (user_cache != NULL && (e = htab_get(user_cache, key, klen)) != NULL)
		return e;
	if (user_cache != NULL && htab_count(user_cache) >= USER_CACHE_MAX)
		store_user_forget();	/* a spray of made-up names stays bounded */
	if (user_cache == NULL)
		user_cache = htab_new();
	e = xcalloc(1, sizeof(*e));
	htab_put(user_cache, key, klen, e);
	return e;
}

int
store_user_get(const char *username, const char *domain, struct auth_user *out)
{
	size_t ul = strlen(username), dl = strlen(domain);
	time_t now = time(NULL);
	struct user_ent *e;
	char key[512];

	if (ul + dl + 1 > sizeof(key))
		return user_read(username, domain, out);
	memcpy(key, username, ul + 1);		/* "user\0domain" */
	memcpy(key + ul + 1, domain, dl);
	e = user_slot(key, ul + 1 + dl);
	if (e->fetched == 0 || now < e->fetched || now - e->fetched >= STORE_USER_TTL) {
		e->found = user_read(username, domain, &e->u) == 0;
		e->fetched = now;
	}
	if (!e->found)
		return -1;
	*out = e->u;
	return 0;
}

int
store_user_by_extension(const char *ext, const char *domain, char *user, size_t len)
{
	int rc = -1;

	sqlite3_bind_text(st_ext, 1, ext, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_ext, 2, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st_ext) == SQLITE_ROW) {
		copy(user, len, col(st_ext, 0));
		rc = 0;
	}
	sqlite3_reset(st_ext);
	sqlite3_clear_bindings(st_ext);
	return rc;
}

long
store_groups_load(void (*fn)(const char *, const char *, const struct store_group *, void *),
    void *arg)
{
	sqlite3_stmt *st;
	struct store_group g;
	char number[128] = "", domain[256] = "";
	long n = 0;
	int have = 0;

	if (sqlite3_prepare_v2(rdb, "SELECT g.number, g.domain, g.strategy = 'serial', g.timeout, "
	    "m.member, m.q, m.timeout FROM ring_groups g LEFT JOIN ring_group_members m "
	    "USING (number, domain) ORDER BY g.domain, g.number, m.q DESC, m.rowid", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!have || strcmp(number, col(st, 0)) != 0 || strcmp(domain, col(st, 1)) != 0) {
			if (have)
				fn(number, domain, &g, arg);
			memset(&g, 0, sizeof(g));
			copy(number, sizeof(number), col(st, 0));
			copy(domain, sizeof(domain), col(st, 1));
			g.serial = sqlite3_column_int(st, 2);
			g.timeout = sqlite3_column_int(st, 3);
			have = 1;
			n++;
		}
		if (sqlite3_column_type(st, 4) != SQLITE_NULL && g.n < STORE_GROUP_MAX) {
			copy(g.m[g.n].member, sizeof(g.m[0].member), col(st, 4));
			g.m[g.n].q = sqlite3_column_double(st, 5);
			g.m[g.n].timeout = sqlite3_column_int(st, 6);
			g.n++;
		}
	}
	if (have)
		fn(number, domain, &g, arg);
	sqlite3_finalize(st);
	return n;
}

long
store_forwards_load(void (*fn)(const char *, const char *, const char *, int, const char *, int,
    void *), void *arg)
{
	static const char *const kinds[STORE_FWD_KINDS] = { "always", "busy", "noanswer" };
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(rdb, "SELECT f.username, f.domain, ifnull(u.extension, ''), f.kind, "
	    "f.target, f.after FROM forwards f LEFT JOIN users u USING (username, domain)", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int k = 0; k < STORE_FWD_KINDS; k++)
			if (strcmp(col(st, 3), kinds[k]) == 0) {
				fn(col(st, 0), col(st, 1), col(st, 2), k, col(st, 4),
				    sqlite3_column_int(st, 5), arg);
				n++;
			}
	}
	sqlite3_finalize(st);
	return n;
}

long
store_user_count(void)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(rdb, "SELECT count(*) FROM users", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

void
store_admin_poll(void (*fn)(const char *, const char *, void *), void *ctx)
{
	sqlite3_stmt *st;
	int64_t last = admin_last;
	uint64_t t0 = now_us();

	if (sqlite3_prepare_v2(rdb, "SELECT id, op, arg FROM admin_queue WHERE id > ?1 "
	    "ORDER BY id LIMIT 1000", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, admin_last);
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		fn(col(st, 1), col(st, 2), ctx);
	}
	sqlite3_finalize(st);
	if (last != admin_last) {
		struct op *o = xcalloc(1, sizeof(*o));
		o->kind = OP_ADMIN_DONE;
		o->n = admin_last = last;
		enqueue(o);
	}
	note_read(t0);
}

long
store_query(const char *sql, const char *const *args, int nargs,
    void (*fn)(int, const char *const *, const char *const *, void *), void *arg)
{
	const char *names[32], *vals[32];
	sqlite3_stmt *st;
	uint64_t t0 = now_us();
	long rows = 0;
	int n, rc;

	if (sqlite3_prepare_v2(rdb, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("database: %s: %s", sql, sqlite3_errmsg(rdb));
		return -1;
	}
	for (int i = 0; i < nargs; i++)
		if (args[i] != NULL)
			sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	n = sqlite3_column_count(st);
	n = n > 32 ? 32 : n;
	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, i);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			vals[i] = (const char *)sqlite3_column_text(st, i);
		fn(n, names, vals, arg);
		rows++;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("database: %s: %s", sql, sqlite3_errmsg(rdb));
		rows = -1;
	}
	sqlite3_finalize(st);
	note_read(t0);
	return rows;
}

int
store_msg_next(const char *aor, int64_t after_id, time_t now, struct store_msg *out)
{
	sqlite3_stmt *st = st_msg_next;
	uint64_t t0 = now_us();
	int rc = 0;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(st, 1, aor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int64(st, 3, now);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: {
		size_t n = (size_t)sqlite3_column_bytes(st, 6);
		char *body = xmalloc(n + 1);
		if (n > 0)
			memcpy(body, sqlite3_column_blob(st, 6), n);
		body[n] = '\0';
		out->id = sqlite3_column_int64(st, 0);
		out->aor = xstrdup(col(st, 1));
		out->sender = xstrdup(col(st, 2));
		out->recipient = xstrdup(col(st, 3));
		out->call_id = xstrdup(col(st, 4));
		out->ctype = xstrdup(col(st, 5));
		out->body = body;
		out->body_len = n;
		out->received = sqlite3_column_int64(st, 7);
		out->expires = sqlite3_column_int64(st, 8);
		rc = 1;
		break;
	}
	case SQLITE_DONE:
		break;
	default:
		log_warnx("database: reading messages: %s", sqlite3_errmsg(rdb));
		rc = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	note_read(t0);
	return rc;
}

void
store_msg_clear(struct store_msg *m)
{
	free((char *)m->aor);
	free((char *)m->sender);
	free((char *)m->recipient);
	free((char *)m->call_id);
	free((char *)m->ctype);
	free((char *)m->body);
	memset(m, 0, sizeof(*m));
}

long
store_msg_aors(void (*fn)(const char *, void *), void *arg, int64_t *min_expires)
{
	sqlite3_stmt *st;
	long n = 0;

	*min_expires = 0;
	if (sqlite3_prepare_v2(rdb, "SELECT aor, min(expires) FROM messages GROUP BY aor", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t e = sqlite3_column_int64(st, 1);
		if (*min_expires == 0 || e < *min_expires)
			*min_expires = e;
		if (fn != NULL)
			fn(col(st, 0), arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int
store_presence_allowed(const char *watcher, const char *aor)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(rdb, "SELECT 1 FROM presence_allow WHERE watcher = ?1 AND "
	    "aor = ?2", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, watcher, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, aor, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return rc;
}

void
store_pub_save(const char *etag, const char *aor, const char *body, size_t len, int64_t expires)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = OP_PUB_SAVE;
	o->s[0] = xstrdup(etag);
	o->s[1] = xstrdup(aor);
	o->s[2] = xmalloc(len + 1);
	memcpy(o->s[2], body, len);
	o->n = expires;
	o->n2 = (int64_t)len;
	enqueue(o);
}

void
store_pub_delete(const char *etag)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = OP_PUB_DELETE;
	o->s[0] = xstrdup(etag);
	enqueue(o);
}

long
store_pub_load(time_t now, void (*fn)(const char *etag, const char *aor, const char *body,
    size_t len, int64_t expires, void *), void *arg)
{
	sqlite3_stmt *st;
	long n = 0;

	if (sqlite3_prepare_v2(rdb, "SELECT etag, aor, body, expires FROM publications WHERE "
	    "expires > ?1 ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
		    sqlite3_column_int64(st, 3), arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}
