/* console_pbx.c - ring groups and call forwarding in the console (console.h): the same rows
 * and checks as sipctl's group and forward commands, written through the store's writer; the
 * running sipd reloads its PBX tables once a change is committed (pbx_invalidate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "domain.h"
#include "store.h"

static int
found(const char *sql, const char *a, const char *b)
{
	const char *args[] = { a, b };
	struct buf nothing;
	long n;

	buf_init(&nothing, 16);
	buf_adds(&nothing, "[");
	n = store_query(sql, args, 2, console_row_json, &nothing);
	buf_free(&nothing);
	return n > 0;
}

/* An integer form value in lo..hi (def when absent); -1 (answered 400) when out of range. */
static int
int_arg(struct console_req *r, const char *name, int def, int lo, int hi)
{
	const char *v = console_arg(r, name);
	char *end;
	long n;

	if (v == NULL || v[0] == '\0')
		return def;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < lo || n > hi) {
		console_error(r->req, 400, "a number out of range");
		return -1;
	}
	return (int)n;
}

/* A group number: dialled, so digits and the like, and never a user's name or extension. */
static const char *
number_arg(struct console_req *r)
{
	const char *n = console_arg(r, "number");

	if (n == NULL || n[0] == '\0' || strlen(n) > 64 || strspn(n, "0123456789abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ*#+._-") != strlen(n)) {
		console_error(r->req, 400, "a group number is 1 to 64 of 0-9 a-z A-Z * # + . _ -");
		return NULL;
	}
	return n;
}

/* GET /api/groups: every group with its members (one row per member). */
void
console_pbx_groups(struct console_req *r)
{
	struct buf b;

	buf_init(&b, 1024);
	buf_adds(&b, "{\"groups\":[");
	store_query("SELECT g.number, g.strategy, g.timeout, m.member, m.q, m.timeout AS "
	    "member_timeout FROM ring_groups g LEFT JOIN ring_group_members m USING (number, domain) "
	    "WHERE g.domain = ?1 ORDER BY g.number, m.q DESC, m.rowid LIMIT 10000",
	    (const char *[]){ domain_primary() }, 1, console_row_json, &b);
	buf_adds(&b, "]}");
	console_reply(r->req, 200, "application/json", b.p, b.len);
	buf_free(&b);
}

/* POST /api/group/add: number, order (parallel|serial), timeout */
void
console_pbx_group_add(struct console_req *r)
{
	const char *n = number_arg(r), *order = console_arg(r, "order");
	char tmo[16];
	int t;

	if (n == NULL || (t = int_arg(r, "timeout", 0, 0, 3600)) == -1)
		return;
	if (order == NULL || order[0] == '\0')
		order = "parallel";
	if (strcmp(order, "parallel") != 0 && strcmp(order, "serial") != 0) {
		console_error(r->req, 400, "order is parallel or serial");
		return;
	}
	if (found("SELECT 1 FROM users WHERE (username = ?1 OR extension = ?1) AND domain = ?2", n,
	    domain_primary())) {
		console_error(r->req, 409, "that number is a user or an extension");
		return;
	}
	snprintf(tmo, sizeof(tmo), "%d", t);
	const char *args[] = { n, domain_primary(), order, tmo };
	console_write(r, "ring group added", n, "INSERT INTO ring_groups (number, domain, strategy, "
	    "timeout) VALUES (?1, ?2, ?3, CAST(?4 AS INTEGER))", args, 4);
}

/* POST /api/group/delete: number (its members go with it) */
void
console_pbx_group_delete(struct console_req *r)
{
	const char *n = number_arg(r);

	if (n == NULL)
		return;
	const char *args[] = { n, domain_primary() };
	console_write(r, "ring group deleted", n, "DELETE FROM ring_groups WHERE number = ?1 AND "
	    "domain = ?2", args, 2);
}

/* POST /api/group/member/add: number, member (a user or extension), q, timeout */
void
console_pbx_member_add(struct console_req *r)
{
	const char *n = number_arg(r), *qs = console_arg(r, "q");
	char user[128], q[32], tmo[16];
	double qv = 1.0;
	int t;

	if (n == NULL || console_user_arg(r, "member", user, sizeof(user)) == NULL ||
	    (t = int_arg(r, "timeout", 0, 0, 3600)) == -1)
		return;
	if (qs != NULL && qs[0] != '\0') {
		char *end;
		qv = strtod(qs, &end);
		if (*end != '\0' || !(qv >= 0 && qv <= 1)) {
			console_error(r->req, 400, "q is a number from 0 to 1");
			return;
		}
	}
	if (!found("SELECT 1 FROM users WHERE (username = ?1 OR extension = ?1) AND domain = ?2",
	    user, domain_primary()) || !found("SELECT 1 FROM ring_groups WHERE number = ?1 AND "
	    "domain = ?2", n, domain_primary())) {
		console_error(r->req, 404, "no such user or group");
		return;
	}
	snprintf(q, sizeof(q), "%.3f", qv);
	snprintf(tmo, sizeof(tmo), "%d", t);
	const char *args[] = { n, domain_primary(), user, q, tmo };
	console_write(r, "member added", n, "INSERT INTO ring_group_members (number, domain, member, "
	    "q, timeout) VALUES (?1, ?2, (SELECT username FROM users WHERE (username = ?3 OR "
	    "extension = ?3) AND domain = ?2 ORDER BY username = ?3 DESC LIMIT 1), CAST(?4 AS REAL), "
	    "CAST(?5 AS INTEGER)) ON CONFLICT (number, domain, member) DO UPDATE SET q = excluded.q, "
	    "timeout = excluded.timeout", args, 5);
}

/* POST /api/group/member/remove: number, member */
void
console_pbx_member_remove(struct console_req *r)
{
	const char *n = number_arg(r);
	char user[128];

	if (n == NULL || console_user_arg(r, "member", user, sizeof(user)) == NULL)
		return;
	const char *args[] = { n, domain_primary(), user };
	console_write(r, "member removed", n, "DELETE FROM ring_group_members WHERE number = ?1 AND "
	    "domain = ?2 AND member = ?3", args, 3);
}

/* GET /api/forwards?user=NAME */
void
console_pbx_forwards(struct console_req *r)
{
	char user[128];
	struct buf b;

	if (console_user_arg(r, "user", user, sizeof(user)) == NULL)
		return;
	buf_init(&b, 512);
	buf_adds(&b, "{\"forwards\":[");
	store_query("SELECT kind, target, after FROM forwards WHERE username = ?1 AND domain = ?2 "
	    "ORDER BY kind", (const char *[]){ user, domain_primary() }, 2, console_row_json, &b);
	buf_adds(&b, "]}");
	console_reply(r->req, 200, "application/json", b.p, b.len);
	buf_free(&b);
}

static int
kind_ok(const char *k)
{
	return k != NULL && (strcmp(k, "always") == 0 || strcmp(k, "busy") == 0 ||
	    strcmp(k, "noanswer") == 0);
}

/* POST /api/forward/set: user, kind (always|busy|noanswer), target, after */
void
console_pbx_forward_set(struct console_req *r)
{
	const char *kind = console_arg(r, "kind"), *target = console_arg(r, "target");
	char user[128], after[16];
	int a;

	if (console_user_arg(r, "user", user, sizeof(user)) == NULL ||
	    (a = int_arg(r, "after", 20, 1, 3600)) == -1)
		return;
	if (!kind_ok(kind) || target == NULL || target[0] == '\0' || strlen(target) > 255 ||
	    strpbrk(target, " \t\r\n<>\"") != NULL) {
		console_error(r->req, 400, "kind always, busy or noanswer, and a target (user, "
		    "extension, group or sip: URI)");
		return;
	}
	if (!found("SELECT 1 FROM users WHERE username = ?1 AND domain = ?2", user,
	    domain_primary())) {
		console_error(r->req, 404, "no such user");
		return;
	}
	snprintf(after, sizeof(after), "%d", a);
	const char *args[] = { user, domain_primary(), kind, target, after };
	console_write(r, "forward set", user, "INSERT INTO forwards (username, domain, kind, target, "
	    "after) VALUES (?1, ?2, ?3, ?4, CAST(?5 AS INTEGER)) ON CONFLICT (username, domain, kind) "
	    "DO UPDATE SET target = excluded.target, after = excluded.after", args, 5);
}

/* POST /api/forward/clear: user, kind */
void
console_pbx_forward_clear(struct console_req *r)
{
	const char *kind = console_arg(r, "kind");
	char user[128];

	if (console_user_arg(r, "user", user, sizeof(user)) == NULL)
		return;
	if (!kind_ok(kind)) {
		console_error(r->req, 400, "kind always, busy or noanswer");
		return;
	}
	const char *args[] = { user, domain_primary(), kind };
	console_write(r, "forward cleared", user, "DELETE FROM forwards WHERE username = ?1 AND "
	    "domain = ?2 AND kind = ?3", args, 3);
}

/* GET /api/messages: the messages waiting for offline users (msgstore.c's rows). */
void
console_pbx_messages(struct console_req *r)
{
	struct buf b;

	buf_init(&b, 2048);
	buf_adds(&b, "{\"messages\":[");
	if (store_query("SELECT id, aor, sender, content_type, bytes, received_at, expires_at, text "
	    "FROM offline_messages ORDER BY aor, id LIMIT 1000", NULL, 0, console_row_json, &b) == -1) {
		buf_free(&b);
		console_error(r->req, 500, "database");
		return;
	}
	buf_adds(&b, "]}");
	console_reply(r->req, 200, "application/json", b.p, b.len);
	buf_free(&b);
}

/* POST /api/message/delete: id (it is then never delivered, as sipctl msg del) */
void
console_pbx_message_delete(struct console_req *r)
{
	const char *id = console_arg(r, "id");

	if (id == NULL || id[0] == '\0' || strlen(id) > 18 || strspn(id, "0123456789") != strlen(id)) {
		console_error(r->req, 400, "id");
		return;
	}
	const char *args[] = { id };
	console_write(r, "message deleted", id, "DELETE FROM messages WHERE id = CAST(?1 AS INTEGER)",
	    args, 1);
}
