/* store_pg.c - the PostgreSQL backend of store.h (database.url = "postgresql://...").
 *
 * Like store_sqlite.c: a read connection used on the event loop, and a write connection owned
 * by a writer thread.  The loop queues writes (as SQL with text parameters); the thread takes
 * everything queued and sends it as one libpq pipeline ending in one Sync, which PostgreSQL
 * runs as one implicit transaction: one network round trip and one WAL flush per group.  Only
 * when the Sync came back without an error do the flush callbacks run (ok = 1), so a 200 to a
 * REGISTER follows the PostgreSQL commit.  When the server is unreachable the group fails at
 * once (ok = 0) and the thread reconnects with backoff; one log line per state change.
 *
 * The admin queue is shared by every node: a node never deletes rows it applied (another
 * node may not have seen them yet); it remembers the last id, starting from the newest at
 * open (the start-up load already has the current state), and rows older than an hour go. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_backend.h"
#include "xmalloc.h"

static const char schema_pg_sql[] =
#include "schema_pg.inc"
;

#define SCHEMA_VERSION	6
#define NPARAM		17
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

/* One queued write: an SQL statement and its parameters (text, or binary where fmt is 1). */
struct pgop {
	const char	*sql;		/* static text; NULL: a flush marker */
	int		 n;
	char		*v[NPARAM];
	int		 len[NPARAM], fmt[NPARAM];
	void		(*done)(void *, int);
	void		*arg;
	int		 ok;
	struct pgop	*next;
};

static char		*conninfo;
static PGconn		*rconn, *wconn;
static pthread_t	 writer;
static pthread_mutex_t	 qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 qcond = PTHREAD_COND_INITIALIZER;
static struct pgop	*qhead, **qtail = &qhead;
static struct pgop	*dhead, **dtail = &dhead;
static int		 stopping, running, efd = -1, writer_idle, commit_interval_ms;
static struct event	*ev_done;
static uint64_t		 max_commit_us, ncommits, nrows, sum_commit_us, commit_hist[STORE_HIST_N];
static uint64_t		 max_read_us;
static int64_t		 admin_last;
static int		 wdown, rdown;		/* the state last logged, per connection */
static uint64_t		 rnext_try;		/* read connection: next reconnect, monotonic us */

static const char sql_save[] = "INSERT INTO location (aor, binding_key, contact, params, "
    "received_proto, received_ip, received_port, path, expires, q, call_id, cseq, user_agent, "
    "instance, reg_id, updated, nat) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,"
    "$15,$16,$17) ON CONFLICT (aor, binding_key) DO UPDATE SET contact=$3, params=$4, "
    "received_proto=$5, received_ip=$6, received_port=$7, path=$8, expires=$9, q=$10, "
    "call_id=$11, cseq=$12, user_agent=$13, instance=$14, reg_id=$15, updated=$16, nat=$17";

static void store_pg_close(void);

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Log a connection's state once per change (down = 1: unreachable). */
static void
note_state(int *state, int down, const char *which, PGconn *c)
{
	if (*state == down)
		return;
	*state = down;
	if (down)
		log_warnx("database: %s connection to PostgreSQL lost: %s", which,
		    c ? PQerrorMessage(c) : "no connection");
	else
		log_notice("database: %s connection to PostgreSQL up", which);
}

/* Connect (blocking; a refused connection fails at once).  NULL on failure (logged once). */
static PGconn *
pg_connect(const char *which, int *state)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		note_state(state, 1, which, c);
		PQfinish(c);
		return NULL;
	}
	PQclear(PQexec(c, "SET synchronous_commit = on"));
	note_state(state, 0, which, c);
	return c;
}

/* Run a statement, 0 when it succeeded (logged when not). */
static int
pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		log_warnx("database: %.60s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

static int
pg_version(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT version FROM sipd_schema");
	int v = 0;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* Create or upgrade the schema in place: the file is all IF NOT EXISTS / OR REPLACE.  Nodes
 * starting together serialize on an advisory lock. */
static int
pg_migrate(PGconn *c)
{
	int v;

	if (pg_exec(c, "BEGIN") == -1)
		return -1;
	if (pg_exec(c, "SELECT pg_advisory_xact_lock(5060)") == -1)
		goto fail;
	PQclear(PQexec(c, "SAVEPOINT v"));
	v = pg_version(c);	/* an error (no table yet) means 0 */
	PQclear(PQexec(c, v == 0 ? "ROLLBACK TO SAVEPOINT v" : "RELEASE SAVEPOINT v"));
	if (v > SCHEMA_VERSION) {
		log_warnx("database has schema version %d; this sipd knows %d", v, SCHEMA_VERSION);
		goto fail;
	}
	if (v < SCHEMA_VERSION && pg_exec(c, schema_pg_sql) == -1)
		goto fail;
	if (pg_exec(c, "COMMIT") == -1)
		return -1;
	if (v < SCHEMA_VERSION)
		log_notice("database: %s PostgreSQL schema version %d", v ? "upgraded to" :
		    "created", SCHEMA_VERSION);
	return 0;
fail:
	pg_exec(c, "ROLLBACK");
	return -1;
}

/* The read connection, reconnected at most once a second when lost. */
static PGconn *
rc(void)
{
	if (rconn != NULL && PQstatus(rconn) == CONNECTION_OK)
		return rconn;
	if (now_us() < rnext_try)
		return NULL;
	rnext_try = now_us() + 1000000;
	PQfinish(rconn);
	rconn = pg_connect("read", &rdown);
	return rconn;
}

/* Run a read on the loop's connection: the result, or NULL (logged once per outage). */
static PGresult *
rquery(const char *sql, int n, const char *const *v)
{
	PGconn *c = rc();
	PGresult *r;
	uint64_t t0 = now_us(), dt;

	if (c == NULL)
		return NULL;
	r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		if (PQstatus(c) != CONNECTION_OK)
			note_state(&rdown, 1, "read", c);
		else
			log_warnx("database: %.60s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		r = NULL;
	}
	dt = now_us() - t0;
	if (dt > max_read_us)
		max_read_us = dt;
	return r;
}

/* Send one group as a pipeline and read it back; 1 when it committed. */
static int
pipeline_run(PGconn *c, struct pgop *list)
{
	int sent = 0, ok = 1, nulls = 0;

	if (!PQenterPipelineMode(c))
		return 0;
	for (struct pgop *o = list; o != NULL && ok; o = o->next) {
		if (o->sql == NULL)
			continue;
		if (!PQsendQueryParams(c, o->sql, o->n, NULL, (const char *const *)o->v, o->len,
		    o->fmt, 0))
			ok = 0;
		sent++;
	}
	if (!ok || !PQpipelineSync(c))
		return 0;
	/* each query: its result then NULL; then the Sync's result */
	for (;;) {
		PGresult *r = PQgetResult(c);
		if (r == NULL) {
			if (PQstatus(c) != CONNECTION_OK || ++nulls > sent + 1)
				return 0;
			continue;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_FATAL_ERROR && ok)
			log_warnx("database write: %s", PQresultErrorMessage(r));
		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			ok = 0;
	}
	PQexitPipelineMode(c);
	return ok;
}

/* Commit one group on the write connection, (re)connecting first with backoff. */
static int
commit_group(struct pgop *list, uint64_t *next_try, int *backoff_ms)
{
	if (wconn == NULL) {
		if (now_us() < *next_try)
			return 0;
		if ((wconn = pg_connect("write", &wdown)) == NULL) {
			*next_try = now_us() + (uint64_t)*backoff_ms * 1000;
			*backoff_ms = *backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *backoff_ms * 2;
			return 0;
		}
		*backoff_ms = BACKOFF_MIN_MS;
	}
	if (pipeline_run(wconn, list))
		return 1;
	if (PQstatus(wconn) != CONNECTION_OK) {
		note_state(&wdown, 1, "write", wconn);
		*next_try = 0;	/* the first retry at once: a restarted server is back */
	}
	/* a failed group leaves no half state: start the next one on a fresh connection */
	PQfinish(wconn);
	wconn = NULL;
	return 0;
}

static void
pgop_free(struct pgop *o)
{
	for (int i = 0; i < o->n; i++)
		free(o->v[i]);
	free(o);
}

/* Account for one commit and hand its flushes to the loop (qlock held). */
static void
writer_done(struct pgop *list, int ok, uint64_t dt)
{
	if (dt > max_commit_us)
		max_commit_us = dt;
	ncommits++;
	sum_commit_us += dt;
	for (int b = 0; b < STORE_HIST_N; b++)
		if (dt <= store_hist_le_us[b])
			commit_hist[b]++;
	while (list != NULL) {
		struct pgop *o = list;
		list = o->next;
		if (o->sql == NULL) {
			o->ok = ok;
			o->next = NULL;
			*dtail = o;
			dtail = &o->next;
		} else {
			nrows += ok;
			pgop_free(o);
		}
	}
}

/* Wait for work, then up to commit_interval_ms after the previous commit began (qlock held). */
static void
writer_wait(uint64_t last_start)
{
	while (qhead == NULL && !stopping) {
		writer_idle = 1;
		pthread_cond_wait(&qcond, &qlock);
	}
	writer_idle = 0;
	if (stopping || commit_interval_ms <= 0)
		return;
	uint64_t due = last_start + (uint64_t)commit_interval_ms * 1000, now = now_us();
	if (due <= now)
		return;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	uint64_t ns = (due - now) * 1000 + (uint64_t)until.tv_nsec;
	until.tv_sec += (time_t)(ns / 1000000000);
	until.tv_nsec = (long)(ns % 1000000000);
	while (!stopping && pthread_cond_timedwait(&qcond, &qlock, &until) == 0)
		;
}

/* The writer thread: take all that is queued, commit it, pass the flushes back. */
static void *
writer_main(void *arg)
{
	uint64_t last_start = 0, next_try = 0;
	int backoff_ms = BACKOFF_MIN_MS;

	(void)arg;
	for (;;) {
		struct pgop *list;
		uint64_t one = 1, t0;

		pthread_mutex_lock(&qlock);
		writer_wait(last_start);
		list = qhead;
		qhead = NULL;
		qtail = &qhead;
		pthread_mutex_unlock(&qlock);
		if (list == NULL)
			break;
		t0 = last_start = now_us();
		int ok = commit_group(list, &next_try, &backoff_ms);
		pthread_mutex_lock(&qlock);
		writer_done(list, ok, now_us() - t0);
		pthread_mutex_unlock(&qlock);
		if (write(efd, &one, sizeof(one)) == -1)
			log_warn("store: eventfd write");
	}
	PQfinish(wconn);
	wconn = NULL;
	return NULL;
}

/* On the loop: run the callbacks of committed (or failed) flushes. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;
	struct pgop *list;

	(void)fd; (void)what; (void)arg;
	if (read(efd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("store: eventfd read");
	pthread_mutex_lock(&qlock);
	list = dhead;
	dhead = NULL;
	dtail = &dhead;
	pthread_mutex_unlock(&qlock);
	while (list != NULL) {
		struct pgop *o = list;
		list = o->next;
		o->done(o->arg, o->ok);
		pgop_free(o);
	}
}

static void
enqueue(struct pgop *o)
{
	pthread_mutex_lock(&qlock);
	*qtail = o;
	qtail = &o->next;
	if (writer_idle) {
		writer_idle = 0;
		pthread_cond_signal(&qcond);
	}
	pthread_mutex_unlock(&qlock);
}

/* A write of sql with n text parameters (NULL: SQL NULL), copied. */
static struct pgop *
op_new(const char *sql, int n, const char *const *v)
{
	struct pgop *o = xcalloc(1, sizeof(*o));

	o->sql = sql;
	o->n = n;
	for (int i = 0; i < n; i++)
		o->v[i] = v[i] ? xstrdup(v[i]) : NULL;
	return o;
}

/* Make parameter i binary: len bytes of data (a bytea). */
static void
op_blob(struct pgop *o, int i, const char *data, size_t len)
{
	free(o->v[i]);
	o->v[i] = xmalloc(len + 1);
	memcpy(o->v[i], data, len);
	o->len[i] = (int)len;
	o->fmt[i] = 1;
}

static void
enqueue_sql(const char *sql, int n, const char *const *v)
{
	enqueue(op_new(sql, n, v));
}

static int
store_pg_open(const char *target, struct event_base *base)
{
	PGresult *r;

	free(conninfo);
	conninfo = xstrdup(target);
	/* the loop's reconnects must not hang on an unreachable host (a URL's own wins) */
	setenv("PGCONNECT_TIMEOUT", "2", 0);
	if ((rconn = pg_connect("read", &rdown)) == NULL || pg_migrate(rconn) == -1)
		goto fail;
	if ((r = rquery("SELECT coalesce(max(id), 0) FROM admin_queue", 0, NULL)) != NULL) {
		admin_last = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	if ((efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("eventfd");
		goto fail;
	}
	ev_done = event_new(base, efd, EV_READ | EV_PERSIST, on_done, NULL);
	event_add(ev_done, NULL);
	stopping = 0;
	if (pthread_create(&writer, NULL, writer_main, NULL) != 0) {
		log_warnx("store: cannot start the writer thread");
		goto fail;
	}
	running = 1;
	return 0;
fail:
	store_pg_close();
	return -1;
}

static int
store_pg_create(const char *target)
{
	PGconn *c;
	int rv;

	free(conninfo);
	conninfo = xstrdup(target);
	if ((c = pg_connect("admin", &rdown)) == NULL)
		return -1;
	rv = pg_migrate(c);
	PQfinish(c);
	return rv;
}

static void
store_pg_set_commit_interval(int ms)
{
	pthread_mutex_lock(&qlock);
	commit_interval_ms = ms;
	pthread_mutex_unlock(&qlock);
}

static int
store_pg_version(void)
{
	PGconn *c = rc();

	return c ? pg_version(c) : -1;
}

static void
store_pg_close(void)
{
	if (running) {
		pthread_mutex_lock(&qlock);
		stopping = 1;
		pthread_cond_broadcast(&qcond);
		pthread_mutex_unlock(&qlock);
		pthread_join(writer, NULL);
		running = 0;
		log_notice("database: %llu commits of %llu rows, longest commit %llu us (writer "
		    "thread, PostgreSQL), longest read on the event loop %llu us",
		    (unsigned long long)ncommits, (unsigned long long)nrows,
		    (unsigned long long)max_commit_us, (unsigned long long)max_read_us);
		on_done(efd, EV_READ, NULL);
	}
	if (ev_done)
		event_free(ev_done);
	ev_done = NULL;
	if (efd != -1)
		close(efd);
	efd = -1;
	PQfinish(rconn);
	rconn = NULL;
	free(conninfo);
	conninfo = NULL;
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static void
store_pg_save(const struct store_binding *b)
{
	char port[16], exp[24], q[32], cseq[16], regid[16], upd[24], nat[8];
	const char *v[NPARAM] = { nz(b->aor), nz(b->key), nz(b->contact), nz(b->params),
	    nz(b->rproto), nz(b->rip), port, nz(b->path), exp, q, nz(b->call_id), cseq,
	    nz(b->user_agent), nz(b->instance), regid, upd, nat };

	snprintf(port, sizeof(port), "%d", b->rport);
	snprintf(exp, sizeof(exp), "%lld", (long long)b->expires);
	snprintf(q, sizeof(q), "%.17g", b->q);
	snprintf(cseq, sizeof(cseq), "%u", b->cseq);
	snprintf(regid, sizeof(regid), "%d", b->reg_id);
	snprintf(upd, sizeof(upd), "%lld", (long long)b->updated);
	snprintf(nat, sizeof(nat), "%d", b->nat);
	enqueue_sql(sql_save, NPARAM, v);
}

static void
store_pg_delete(const char *aor, const char *key)
{
	const char *v[2] = { aor, key };

	enqueue_sql("DELETE FROM location WHERE aor = $1 AND binding_key = $2", 2, v);
}

/* Queue a statement whose one parameter is a number. */
static void
enqueue_n(const char *sql, int64_t n)
{
	char buf[24];
	const char *v[1] = { buf };

	snprintf(buf, sizeof(buf), "%lld", (long long)n);
	enqueue_sql(sql, 1, v);
}

static void
store_pg_delete_expired(time_t now)
{
	enqueue_n("DELETE FROM location WHERE expires <= $1", now);
}

static void
store_pg_flush(void (*done)(void *, int), void *arg)
{
	struct pgop *o = xcalloc(1, sizeof(*o));

	o->done = done;
	o->arg = arg;
	enqueue(o);
}

static void
store_pg_stats(uint64_t *max_us, uint64_t *commits, uint64_t *rows)
{
	pthread_mutex_lock(&qlock);
	*max_us = max_commit_us;
	*commits = ncommits;
	*rows = nrows;
	pthread_mutex_unlock(&qlock);
}

static void
store_pg_commit_histogram(uint64_t buckets[STORE_HIST_N], uint64_t *sum_us, uint64_t *count)
{
	pthread_mutex_lock(&qlock);
	memcpy(buckets, commit_hist, sizeof(commit_hist));
	*sum_us = sum_commit_us;
	*count = ncommits;
	pthread_mutex_unlock(&qlock);
}

static uint64_t
store_pg_max_read_us(void)
{
	return max_read_us;
}

static long long
ll(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static long
store_pg_load_bindings(time_t now, void (*fn)(const struct store_binding *, void *), void *arg)
{
	char t[24];
	const char *v[1] = { t };
	PGresult *r;
	int n;

	snprintf(t, sizeof(t), "%lld", (long long)now);
	if ((r = rquery("SELECT aor, binding_key, contact, params, received_proto, received_ip, "
	    "received_port, path, expires, q, call_id, cseq, user_agent, instance, reg_id, updated, "
	    "nat FROM location WHERE expires > $1", 1, v)) == NULL)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct store_binding b = {
			.aor = PQgetvalue(r, i, 0), .key = PQgetvalue(r, i, 1),
			.contact = PQgetvalue(r, i, 2), .params = PQgetvalue(r, i, 3),
			.rproto = PQgetvalue(r, i, 4), .rip = PQgetvalue(r, i, 5),
			.rport = (int)ll(r, i, 6), .path = PQgetvalue(r, i, 7),
			.expires = ll(r, i, 8), .q = strtod(PQgetvalue(r, i, 9), NULL),
			.call_id = PQgetvalue(r, i, 10), .cseq = (uint32_t)ll(r, i, 11),
			.user_agent = PQgetvalue(r, i, 12), .instance = PQgetvalue(r, i, 13),
			.reg_id = (int)ll(r, i, 14), .updated = ll(r, i, 15), .nat = (int)ll(r, i, 16),
		};
		fn(&b, arg);
	}
	PQclear(r);
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

static int
store_pg_user_get(const char *username, const char *domain, struct auth_user *out)
{
	const char *v[2] = { username, domain };
	PGresult *r = rquery("SELECT username, realm, ha1_md5, ha1_sha256, enabled FROM users "
	    "WHERE username = $1 AND domain = $2", 2, v);
	int rv = -1;

	if (r != NULL && PQntuples(r) == 1) {
		copy(out->username, sizeof(out->username), PQgetvalue(r, 0, 0));
		copy(out->realm, sizeof(out->realm), PQgetvalue(r, 0, 1));
		copy(out->ha1_md5, sizeof(out->ha1_md5), PQgetvalue(r, 0, 2));
		copy(out->ha1_sha256, sizeof(out->ha1_sha256), PQgetvalue(r, 0, 3));
		out->enabled = (int)ll(r, 0, 4);
		rv = 0;
	}
	PQclear(r);
	return rv;
}

static int
store_pg_user_by_extension(const char *ext, const char *domain, char *user, size_t len)
{
	const char *v[2] = { ext, domain };
	PGresult *r = rquery("SELECT username FROM users WHERE extension = $1 AND domain = $2 "
	    "AND enabled <> 0", 2, v);
	int rv = -1;

	if (r != NULL && PQntuples(r) == 1) {
		copy(user, len, PQgetvalue(r, 0, 0));
		rv = 0;
	}
	PQclear(r);
	return rv;
}

static long
store_pg_user_count(void)
{
	PGresult *r = rquery("SELECT count(*) FROM users", 0, NULL);
	long n = r ? (long)ll(r, 0, 0) : -1;

	PQclear(r);
	return n;
}

/* One ring group row (joined with a member, or none) into g; 1 when it starts a new group. */
static int
group_row(PGresult *r, int i, char *number, char *domain, struct store_group *g)
{
	int fresh = i == 0 || strcmp(number, PQgetvalue(r, i, 0)) != 0 ||
	    strcmp(domain, PQgetvalue(r, i, 1)) != 0;

	if (fresh) {
		memset(g, 0, sizeof(*g));
		copy(number, 128, PQgetvalue(r, i, 0));
		copy(domain, 256, PQgetvalue(r, i, 1));
		g->serial = strcmp(PQgetvalue(r, i, 2), "serial") == 0;
		g->timeout = (int)ll(r, i, 3);
	}
	if (!PQgetisnull(r, i, 4) && g->n < STORE_GROUP_MAX) {
		copy(g->m[g->n].member, sizeof(g->m[0].member), PQgetvalue(r, i, 4));
		g->m[g->n].q = strtod(PQgetvalue(r, i, 5), NULL);
		g->m[g->n].timeout = (int)ll(r, i, 6);
		g->n++;
	}
	return fresh;
}

static long
store_pg_groups_load(void (*fn)(const char *, const char *, const struct store_group *, void *),
    void *arg)
{
	struct store_group g;
	char number[128] = "", domain[256] = "";
	PGresult *r = rquery("SELECT g.number, g.domain, g.strategy, g.timeout, m.member, m.q, "
	    "m.timeout FROM ring_groups g LEFT JOIN ring_group_members m USING (number, domain) "
	    "ORDER BY g.domain, g.number, m.q DESC, m.seq", 0, NULL);
	long n = 0;

	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		if (i > 0 && strcmp(number, PQgetvalue(r, i, 0)) != 0)
			fn(number, domain, &g, arg);
		else if (i > 0 && strcmp(domain, PQgetvalue(r, i, 1)) != 0)
			fn(number, domain, &g, arg);
		n += group_row(r, i, number, domain, &g);
	}
	if (n > 0)
		fn(number, domain, &g, arg);
	PQclear(r);
	return n;
}

static long
store_pg_forwards_load(void (*fn)(const char *, const char *, const char *, int, const char *,
    int, void *), void *arg)
{
	static const char *const kinds[STORE_FWD_KINDS] = { "always", "busy", "noanswer" };
	PGresult *r = rquery("SELECT f.username, f.domain, coalesce(u.extension, ''), f.kind, "
	    "f.target, f.after FROM forwards f LEFT JOIN users u USING (username, domain)", 0, NULL);
	long n = 0;

	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		for (int k = 0; k < STORE_FWD_KINDS; k++)
			if (strcmp(PQgetvalue(r, i, 3), kinds[k]) == 0) {
				fn(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), k,
				    PQgetvalue(r, i, 4), (int)ll(r, i, 5), arg);
				n++;
			}
	PQclear(r);
	return n;
}

static void
store_pg_cdr_save(const struct store_cdr *c)
{
	char st[24], an[32], en[32], du[32], s[16], p1[24], p2[24];
	const char *v[12] = { nz(c->call_id), nz(c->caller), nz(c->callee), nz(c->answered_by),
	    st, c->answer > 0 ? an : NULL, en, du, s, nz(c->reason), p1, p2 };

	snprintf(st, sizeof(st), "%.3f", c->start);
	snprintf(an, sizeof(an), "%.3f", c->answer);
	snprintf(en, sizeof(en), "%.3f", c->end);
	snprintf(du, sizeof(du), "%.3f", c->answer > 0 && c->end > c->answer ?
	    c->end - c->answer : 0);
	snprintf(s, sizeof(s), "%d", c->status);
	snprintf(p1, sizeof(p1), "%llu", (unsigned long long)c->pkts_from_caller);
	snprintf(p2, sizeof(p2), "%llu", (unsigned long long)c->pkts_from_callee);
	enqueue_sql("INSERT INTO cdr (call_id, caller, callee, answered_by, start_time, "
	    "answer_time, end_time, duration, status, reason, packets_from_caller, "
	    "packets_from_callee) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)", 12, v);
}

static void
store_pg_msg_save(const struct store_msg *m, int max_count, int64_t max_bytes)
{
	char rc_[24], ex[24], mc[16], mb[24];
	const char *v[8] = { nz(m->aor), nz(m->sender), nz(m->recipient), nz(m->call_id),
	    nz(m->ctype), "", rc_, ex };
	const char *t[3] = { nz(m->aor), mc, mb };
	struct pgop *o;

	snprintf(rc_, sizeof(rc_), "%lld", (long long)m->received);
	snprintf(ex, sizeof(ex), "%lld", (long long)m->expires);
	snprintf(mc, sizeof(mc), "%d", max_count);
	snprintf(mb, sizeof(mb), "%lld", (long long)max_bytes);
	o = op_new("INSERT INTO messages (aor, sender, recipient, call_id, content_type, body, "
	    "received, expires) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", 8, v);
	op_blob(o, 5, m->body, m->body_len);
	enqueue(o);
	/* the newest messages that fit both limits stay; older ones go (same group) */
	enqueue_sql("DELETE FROM messages WHERE id IN (SELECT id FROM (SELECT id, "
	    "row_number() OVER w AS n, sum(length(body)) OVER w AS total FROM messages "
	    "WHERE aor = $1 WINDOW w AS (ORDER BY id DESC)) x WHERE n > $2::bigint OR "
	    "total > $3::bigint)", 3, t);
}

static void
store_pg_msg_delete(int64_t id)
{
	enqueue_n("DELETE FROM messages WHERE id = $1", id);
}

static void
store_pg_msg_delete_expired(time_t now)
{
	enqueue_n("DELETE FROM messages WHERE expires <= $1", now);
}

/* A bytea column (text form) unescaped into a NUL-terminated malloc'ed copy. */
static char *
bytea(PGresult *r, int i, int col, size_t *len)
{
	unsigned char *u = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, col), len);
	char *s = xmalloc(*len + 1);

	if (u != NULL && *len > 0)
		memcpy(s, u, *len);
	s[u ? *len : 0] = '\0';
	if (u == NULL)
		*len = 0;
	PQfreemem(u);
	return s;
}

static int
store_pg_msg_next(const char *aor, int64_t after_id, time_t now, struct store_msg *out)
{
	char a[24], t[24];
	const char *v[3] = { aor, a, t };
	PGresult *r;

	memset(out, 0, sizeof(*out));
	snprintf(a, sizeof(a), "%lld", (long long)after_id);
	snprintf(t, sizeof(t), "%lld", (long long)now);
	if ((r = rquery("SELECT id, aor, sender, recipient, call_id, content_type, body, received, "
	    "expires FROM messages WHERE aor = $1 AND id > $2 AND expires > $3 ORDER BY id LIMIT 1",
	    3, v)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	out->id = ll(r, 0, 0);
	out->aor = xstrdup(PQgetvalue(r, 0, 1));
	out->sender = xstrdup(PQgetvalue(r, 0, 2));
	out->recipient = xstrdup(PQgetvalue(r, 0, 3));
	out->call_id = xstrdup(PQgetvalue(r, 0, 4));
	out->ctype = xstrdup(PQgetvalue(r, 0, 5));
	out->body = bytea(r, 0, 6, &out->body_len);
	out->received = ll(r, 0, 7);
	out->expires = ll(r, 0, 8);
	PQclear(r);
	return 1;
}

static void
store_pg_msg_clear(struct store_msg *m)
{
	free((char *)m->aor);
	free((char *)m->sender);
	free((char *)m->recipient);
	free((char *)m->call_id);
	free((char *)m->ctype);
	free((char *)m->body);
	memset(m, 0, sizeof(*m));
}

static long
store_pg_msg_aors(void (*fn)(const char *, void *), void *arg, int64_t *min_expires)
{
	PGresult *r = rquery("SELECT aor, min(expires) FROM messages GROUP BY aor", 0, NULL);
	long n;

	*min_expires = 0;
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		int64_t e = ll(r, i, 1);
		if (*min_expires == 0 || e < *min_expires)
			*min_expires = e;
		if (fn != NULL)
			fn(PQgetvalue(r, i, 0), arg);
	}
	PQclear(r);
	return n;
}

static int
store_pg_presence_allowed(const char *watcher, const char *aor)
{
	const char *v[2] = { watcher, aor };
	PGresult *r = rquery("SELECT 1 FROM presence_allow WHERE watcher = $1 AND aor = $2", 2, v);
	int rv = r ? PQntuples(r) > 0 : -1;

	PQclear(r);
	return rv;
}

static void
store_pg_pub_save(const char *etag, const char *aor, const char *body, size_t len,
    int64_t expires)
{
	char ex[24];
	const char *v[4] = { etag, aor, "", ex };
	struct pgop *o;

	snprintf(ex, sizeof(ex), "%lld", (long long)expires);
	o = op_new("INSERT INTO publications (etag, aor, body, expires) VALUES ($1,$2,$3,$4) "
	    "ON CONFLICT (etag) DO UPDATE SET aor = $2, body = $3, expires = $4", 4, v);
	op_blob(o, 2, body, len);
	enqueue(o);
}

static void
store_pg_pub_delete(const char *etag)
{
	const char *v[1] = { etag };

	enqueue_sql("DELETE FROM publications WHERE etag = $1", 1, v);
}

static long
store_pg_pub_load(time_t now, void (*fn)(const char *, const char *, const char *, size_t,
    int64_t, void *), void *arg)
{
	char t[24];
	const char *v[1] = { t };
	PGresult *r;
	long n;

	snprintf(t, sizeof(t), "%lld", (long long)now);
	if ((r = rquery("SELECT etag, aor, body, expires FROM publications WHERE expires > $1 "
	    "ORDER BY seq", 1, v)) == NULL)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		size_t len;
		char *b = bytea(r, i, 2, &len);
		fn(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), b, len, ll(r, i, 3), arg);
		free(b);
	}
	PQclear(r);
	return n;
}

/* The admin queue is shared: apply the rows after the last one seen; never delete them
 * (other nodes read them too); rows older than an hour are dropped. */
static void
store_pg_admin_poll(void (*fn)(const char *, const char *, void *), void *ctx)
{
	char a[24];
	const char *v[1] = { a };
	PGresult *r;
	static time_t last_trim;

	snprintf(a, sizeof(a), "%lld", (long long)admin_last);
	if ((r = rquery("SELECT id, op, arg FROM admin_queue WHERE id > $1 ORDER BY id LIMIT 1000",
	    1, v)) == NULL)
		return;
	for (int i = 0; i < PQntuples(r); i++) {
		admin_last = ll(r, i, 0);
		fn(PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), ctx);
	}
	PQclear(r);
	if (time(NULL) - last_trim > 600) {
		last_trim = time(NULL);
		enqueue_n("DELETE FROM admin_queue WHERE created < $1", last_trim - 3600);
	}
}

const struct store_ops store_pg_ops = STORE_OPS(store_pg);
