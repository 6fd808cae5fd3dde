/* vm_mwi.c - RFC 3842 message-summary: a SUBSCRIBE from the box owner's phone gets a NOTIFY
 * with Messages-Waiting and Voice-Message: new/old at once and on every change.  Only the
 * owner (authenticated as the box's user, or a trusted peer) may subscribe.  Changes are
 * noticed two ways: sipd's own (a message stored) at once, and any other writer's (sipctl vm
 * del) by a once-a-second look at the table's signature (count, highest id, heard), which
 * then notifies every watched box. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "caller.h"
#include "config.h"
#include "dialoginfo.h"
#include "log.h"
#include "txn.h"
#include "vm_mwi.h"
#include "xmalloc.h"

static sqlite3		*mwi_db;
static struct event	*mwi_tick;
static char		 mwi_sig[64];

static char *mwi_body(const char *aor, unsigned version, size_t *len);
static int mwi_may_watch(struct txn *, struct sipmsg *, const char *aor, int exists);

const struct subs_package vm_mwi_package = {
	.name = "message-summary", .ctype = "application/simple-message-summary",
	.default_expires = 3600, .body = mwi_body, .may_watch = mwi_may_watch,
};

size_t
vm_mwi_format(char *out, size_t len, const char *account, long new_msgs, long old_msgs)
{
	int n = snprintf(out, len, "Messages-Waiting: %s\r\nMessage-Account: %s\r\n"
	    "Voice-Message: %ld/%ld\r\n", new_msgs > 0 ? "yes" : "no", account, new_msgs,
	    old_msgs);

	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* user and domain of "sip:user@domain". */
static int
aor_split(const char *aor, char *user, size_t ulen, char *domain, size_t dlen)
{
	const char *at;

	if (strncasecmp(aor, "sip:", 4) != 0 || (at = strchr(aor + 4, '@')) == NULL)
		return -1;
	snprintf(user, ulen, "%.*s", (int)(at - aor - 4), aor + 4);
	snprintf(domain, dlen, "%s", at + 1);
	return 0;
}

/* New and old messages of a box. */
static void
counts(const char *user, const char *domain, long *new_msgs, long *old_msgs)
{
	sqlite3_stmt *st;

	*new_msgs = *old_msgs = 0;
	if (mwi_db == NULL || sqlite3_prepare_v2(mwi_db, "SELECT count(*) - total(heard), "
	    "total(heard) FROM vm_messages WHERE username = ?1 AND domain = ?2", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*new_msgs = sqlite3_column_int64(st, 0);
		*old_msgs = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

static char *
mwi_body(const char *aor, unsigned version, size_t *len)
{
	char user[256], domain[256], *out = xmalloc(1024);
	long nw, old;

	(void)version;
	if (aor_split(aor, user, sizeof(user), domain, sizeof(domain)) == -1)
		nw = old = 0;
	else
		counts(user, domain, &nw, &old);
	*len = vm_mwi_format(out, 1024, aor, nw, old);
	return out;
}

/* Owner only: the subscriber is the box's user (authenticated, or a trusted peer). */
static int
mwi_may_watch(struct txn *t, struct sipmsg *m, const char *aor, int exists)
{
	char from[600];
	int known = caller_check(t, m);

	if (known == -1)
		return -1;		/* challenged (407) */
	if (exists && (known == 1 || !cfg->auth_calls) &&
	    dialoginfo_aor(m->from_uri, from, sizeof(from)) == 0 && strcasecmp(from, aor) == 0)
		return 0;
	log_info("voicemail: call-id=%s watcher=%s may not watch the box of %s, status=403",
	    m->call_id, m->from_uri ? m->from_uri : "?", aor);
	txn_reply(t, 403, NULL, NULL, NULL, NULL, 0);
	return -1;
}

void
vm_mwi_changed(const char *user, const char *domain)
{
	char aor[600];

	if (mwi_db == NULL)
		return;		/* shutting down */
	snprintf(aor, sizeof(aor), "sip:%s@%s", user, domain);
	if (subs_watched(&vm_mwi_package, aor))
		subs_changed(&vm_mwi_package, aor);
}

/* The table's signature: any insert, delete or heard change alters it. */
static void
signature(char *out, size_t len)
{
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_prepare_v2(mwi_db, "SELECT count(*), max(id), total(heard) FROM vm_messages",
	    -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%lld/%lld/%lld", (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
}

/* Once a second: something changed the messages: every watched box is told. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	char sig[64];
	sqlite3_stmt *st;

	signature(sig, sizeof(sig));
	if (strcmp(sig, mwi_sig) == 0 || sig[0] == '\0')
		return;
	snprintf(mwi_sig, sizeof(mwi_sig), "%s", sig);
	if (sqlite3_prepare_v2(mwi_db, "SELECT username, domain FROM vm_boxes UNION SELECT "
	    "DISTINCT username, domain FROM vm_messages", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		vm_mwi_changed((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
}

void
vm_mwi_init(struct event_base *base)
{
	struct timeval tv = { 1, 0 };

	if (sqlite3_open_v2(cfg->db_path, &mwi_db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		log_warnx("voicemail: database %s: %s", cfg->db_path, sqlite3_errmsg(mwi_db));
		sqlite3_close(mwi_db);
		mwi_db = NULL;
		return;
	}
	signature(mwi_sig, sizeof(mwi_sig));
	mwi_tick = event_new(base, -1, EV_PERSIST, tick, NULL);
	event_add(mwi_tick, &tv);
}

void
vm_mwi_shutdown(void)
{
	if (mwi_tick)
		event_free(mwi_tick);
	mwi_tick = NULL;
	sqlite3_close(mwi_db);
	mwi_db = NULL;
}
