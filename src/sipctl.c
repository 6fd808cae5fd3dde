/* sipctl.c - administration of a sipd database, safe while sipd runs:
 *   sipctl [-c config] [-d database] user add|del|passwd|list ...
 *   sipctl [-c config] [-d database] reg list [AOR] | reg del AOR
 *   sipctl [-c config] [-d database] group|forward|cdr ...  (ring groups, forwarding, records)
 *   sipctl [-c config] status        (the running sipd's numbers, from its metrics endpoint)
 * Run as root, it first becomes the owner of the database's directory (the sipd user), so
 * files it creates there stay readable and writable by sipd.
 * Passwords are read from the terminal (no echo) or from standard input, never argv. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "sqlshim.h"	/* sqlite3 calls, on SQLite or PostgreSQL (database.url) */

#include "auth.h"
#include "config.h"
#include "console_auth.h"
#include "domain.h"
#include "log.h"
#include "privdrop.h"
#include "status.h"
#include "store_backend.h"	/* store.h and store_is_pg */
#include "uri.h"
#include "xmalloc.h"

static sqlite3 *db;
static int pbx_changed;		/* groups, forwards or extensions changed: tell sipd */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sipctl [-c config] [-d database] command ...\n"
	    "  user add NAME [-e EXTENSION] [-D DOMAIN]   add a user (password prompted or on stdin);\n"
	    "                                             NAME@DOMAIN is a spelling of NAME -D DOMAIN\n"
	    "  user passwd NAME [-D DOMAIN]               set a new password\n"
	    "  user del NAME [-D DOMAIN]                  remove a user\n"
	    "  user enable|disable NAME [-D DOMAIN]\n"
	    "  user list\n"
	    "  reg list [AOR]                             current registrations\n"
	    "  reg del AOR                                remove an AOR's bindings (sipd drops them within 1 s)\n"
	    "  status                                     what the running sipd is doing (metrics.enable = 1)\n"

	    "  group add NUMBER [--order parallel|serial] [--timeout S] [-D DOMAIN]\n"
	    "                                             a ring group (changed: add it again after del)\n"
	    "  group del NUMBER [-D DOMAIN]\n"
	    "  group member add NUMBER USER [--q Q] [--timeout S] [-D DOMAIN]\n"
	    "  group member del NUMBER USER [-D DOMAIN]\n"
	    "  group list [NUMBER]\n"
	    "  forward set USER always|busy|noanswer TARGET [--after S] [-D DOMAIN]\n"
	    "                                             TARGET: user, extension, group or sip: URI\n"
	    "  forward clear USER [always|busy|noanswer] [-D DOMAIN]\n"
	    "  forward list [USER]\n"
	    "  cdr list [N]                               the last N call records (20)\n"
	    "  msg list [USER]                            messages waiting for offline users\n"
	    "  msg del ID                                 remove a waiting message\n"
	    "  presence allow WATCHER USER                WATCHER (a sip: URI outside USER's domain)\n"
	    "                                             may watch USER's presence and dialogs\n"
	    "  presence deny WATCHER USER                 remove that permission\n"
	    "  presence list [USER]                       the allow-list\n"
	    "  admin add|passwd NAME                      a web console administrator (password\n"
	    "                                             prompted or on stdin; scrypt-hashed)\n"
	    "  admin del NAME   admin list\n"
	    "  vm enable USER [--after S] [--pin PIN] [-D DOMAIN]\n"
	    "                                             voicemail answers USER's missed calls\n"
	    "  vm disable USER [-D DOMAIN]                no voicemail (messages are kept)\n"
	    "  vm list [USER]                             boxes and their messages\n"
	    "  vm del ID                                  remove a voice message and its file\n");
	exit(2);
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "sipctl: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
	exit(1);
}

/* Read a password: from the terminal twice without echo, or one line of stdin. */
static char *
read_password(void)
{
	static char pw[256], again[256];
	struct termios t, saved;
	int tty = isatty(STDIN_FILENO);

	for (int round = 0; round < (tty ? 2 : 1); round++) {
		char *dst = round ? again : pw;
		if (tty) {
			fprintf(stderr, round ? "Again: " : "Password: ");
			tcgetattr(STDIN_FILENO, &saved);
			t = saved;
			t.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSANOW, &t);
		}
		char *ok = fgets(dst, sizeof(pw), stdin);
		if (tty) {
			tcsetattr(STDIN_FILENO, TCSANOW, &saved);
			fputc('\n', stderr);
		}
		if (ok == NULL) {
			fprintf(stderr, "sipctl: no password given\n");
			exit(1);
		}
		dst[strcspn(dst, "\r\n")] = '\0';
	}
	if (tty && strcmp(pw, again) != 0) {
		fprintf(stderr, "sipctl: the passwords differ\n");
		exit(1);
	}
	if (pw[0] == '\0') {
		fprintf(stderr, "sipctl: empty password\n");
		exit(1);
	}
	return pw;
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

static void
step_done(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(what);
	sqlite3_finalize(st);
}

static void
user_set(const char *name, const char *domain, const char *ext, int add)
{
	char md5[AUTH_HEX_MAX], sha[AUTH_HEX_MAX];
	const char *realm = domain_realm();
	char *pw = read_password();
	sqlite3_stmt *st;

	auth_ha1(AUTH_MD5, name, realm, pw, md5);
	auth_ha1(AUTH_SHA256, name, realm, pw, sha);
	memset(pw, 0, strlen(pw));
	if (add)
		st = prep("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	else
		st = prep("UPDATE users SET realm = ?3, ha1_md5 = ?4, ha1_sha256 = ?5 "
		    "WHERE username = ?1 AND domain = ?2");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, realm, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, md5, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sha, -1, SQLITE_STATIC);
	if (add && ext)
		sqlite3_bind_text(st, 6, ext, -1, SQLITE_STATIC);
	else if (add)
		sqlite3_bind_null(st, 6);
	step_done(st, add ? "adding the user" : "setting the password");
	if (!add && sqlite3_changes(db) == 0) {
		fprintf(stderr, "sipctl: no user %s@%s\n", name, domain);
		exit(1);
	}
	printf("%s %s@%s (realm %s)\n", add ? "added" : "password set for", name, domain, realm);
}

static void
user_simple(const char *sql, const char *name, const char *domain, const char *done)
{
	sqlite3_stmt *st = prep(sql);

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	step_done(st, sql);
	if (sqlite3_changes(db) == 0) {
		fprintf(stderr, "sipctl: no user %s@%s\n", name, domain);
		exit(1);
	}
	printf("%s %s@%s\n", done, name, domain);
}

static void
print_rows(const char *sql, const char *arg)
{
	sqlite3_stmt *st = prep(sql);
	int n = sqlite3_column_count(st), rows = 0;

	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "\t" : "", sqlite3_column_name(st, i));
	printf("\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			printf("%s%s", i ? "\t" : "", v ? v : "");
		}
		printf("\n");
		rows++;
	}
	sqlite3_finalize(st);
	fprintf(stderr, "(%d)\n", rows);
}

/* Remove an AOR's rows and queue a note so the running sipd forgets them too. */
static void
reg_del(const char *aor)
{
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_stmt *st = prep("DELETE FROM location WHERE aor = ?1");
	sqlite3_bind_text(st, 1, aor, -1, SQLITE_STATIC);
	step_done(st, "deleting bindings");
	int n = sqlite3_changes(db);
	st = prep("INSERT INTO admin_queue (op, arg) VALUES ('reg_del', ?1)");
	sqlite3_bind_text(st, 1, aor, -1, SQLITE_STATIC);
	step_done(st, "queueing for sipd");
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("commit");
	printf("removed %d bindings of %s\n", n, aor);
}

static void __attribute__((noreturn))
bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "sipctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* A domain (or host) as sipd files it: domain_aor folds the server's own addresses and names
 * into the primary domain, as the registrar and the proxy do.  Exits when sipd serves no
 * such domain (it would answer 404 to every request for it). */
static const char *
domain_arg(const char *d)
{
	struct uri_parts u;
	char uri[300];
	const char *canon;

	if ((size_t)snprintf(uri, sizeof(uri), "sip:%s", d) >= sizeof(uri) || strchr(d, '@') ||
	    strpbrk(d, ";?") != NULL || uri_split(uri, strlen(uri), &u) == -1)
		bad("%s is not a domain name or address", d);
	if (domain_aor(NULL, u.host, u.port, &canon) == -1) {
		fprintf(stderr, "sipctl: %s is not a domain of this server (%s): sipd would answer 404"
		    " for every user there; serve it with sip.domains\n", d, cfg->path);
		exit(1);
	}
	if (strcasecmp(canon, d) != 0)
		fprintf(stderr, "sipctl: %s is one of this server's own names or addresses: filed under"
		    " %s, as sipd does\n", d, canon);
	return canon;
}

/* A user part as sipd compares it (RFC 3261 19.1.4: %HH of characters that need no escaping
 * unescaped); exits when it cannot be the user part of a SIP URI. */
static void
user_part_arg(const char *name, const char *what, char *out, size_t len)
{
	if (!uri_user_valid(name) || strlen(name) >= len) {
		fprintf(stderr, "sipctl: %s '%s' cannot be the user part of a SIP address: letters,"
		    " digits, - _ . ! ~ * ' ( ) & = + $ , ; ? / and %%HH escapes only\n", what, name);
		exit(1);
	}
	snprintf(out, len, "%s", name);
	uri_user_canonical(out);
}

/* A user as given: "name" of domain (-D, else the primary domain), or "name@domain" (-D, when
 * given too, must name the same domain).  Into the user and domain sipd files it under. */
static void
user_spec(const char *spec, const char *domain, int domain_given, char *user, size_t len,
    const char **cdomain)
{
	const char *at = strchr(spec, '@');
	char name[256];

	*cdomain = domain_given ? domain_arg(domain) : domain;
	if (at == NULL) {
		user_part_arg(spec, "user name", user, len);
		return;
	}
	if ((size_t)(at - spec) >= sizeof(name))
		bad("user name too long: %s", spec);
	memcpy(name, spec, (size_t)(at - spec));
	name[at - spec] = '\0';
	user_part_arg(name, "user name", user, len);
	const char *d = domain_arg(at + 1);
	if (domain_given && strcmp(d, *cdomain) != 0) {
		fprintf(stderr, "sipctl: %s and -D %s name different domains\n", spec, domain);
		exit(1);
	}
	*cdomain = d;
}

/* A row stored exactly as written, name and domain: an earlier sipctl kept spellings sipd never
 * matches (a user named "bob@127.0.0.1", a domain it folds away); "user del" removes such a row
 * as written, so it can be cleaned up.  1 when one was removed. */
static int
user_del_as_written(const char *name, const char *domain)
{
	sqlite3_stmt *st = prep("DELETE FROM users WHERE username = ?1 AND domain = ?2");

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	step_done(st, "removing the user");
	if (sqlite3_changes(db) == 0)
		return 0;
	printf("removed %s@%s\n", name, domain);
	return 1;
}

static int
cmd_user(int argc, char **argv, const char *domain)
{
	const char *ext = NULL, *dopt = NULL;
	char user[256], extension[256];
	int ch;

	if (argc < 1)
		usage();
	const char *sub = argv[0];
	if (strcmp(sub, "list") == 0) {
		print_rows("SELECT username, domain, extension, CASE enabled WHEN 1 THEN 'yes' ELSE 'no' "
		    "END AS enabled, realm, datetime(created, 'unixepoch', 'localtime') AS created "
		    "FROM users ORDER BY domain, username", NULL);
		return 0;
	}
	if (argc < 2)
		usage();
	optind = 2;
	while ((ch = getopt(argc, argv, "e:D:")) != -1) {
		if (ch == 'e')
			ext = optarg;
		else if (ch == 'D')
			dopt = optarg;
		else
			usage();
	}
	if (optind != argc)
		usage();		/* nothing else on the command line: never a password */
	if (strcmp(sub, "del") == 0 && user_del_as_written(argv[1], dopt ? dopt : domain))
		return 0;
	user_spec(argv[1], dopt ? dopt : domain, dopt != NULL, user, sizeof(user), &domain);
	const char *name = user;
	if (ext != NULL) {
		user_part_arg(ext, "extension", extension, sizeof(extension));
		ext = extension;
	}
	if (strcmp(sub, "add") == 0)
		user_set(name, domain, ext, 1);
	else if (strcmp(sub, "passwd") == 0)
		user_set(name, domain, NULL, 0);
	else if (strcmp(sub, "del") == 0)
		user_simple("DELETE FROM users WHERE username = ?1 AND domain = ?2", name, domain,
		    "removed");
	else if (strcmp(sub, "enable") == 0)
		user_simple("UPDATE users SET enabled = 1 WHERE username = ?1 AND domain = ?2", name,
		    domain, "enabled");
	else if (strcmp(sub, "disable") == 0)
		user_simple("UPDATE users SET enabled = 0 WHERE username = ?1 AND domain = ?2", name,
		    domain, "disabled");
	else
		usage();
	return 0;
}

/* Command-line words of a PBX command: positionals, and --name VALUE / -D DOMAIN options. */
struct words {
	const char	*pos[8];
	int		 npos;
	const char	*order, *timeout, *q, *after, *domain, *pin;
};

static void
words_parse(int argc, char **argv, struct words *w, const char *domain)
{
	static const char *const names[] = { "--order", "--timeout", "--q", "--after", "-D",
	    "--pin" };

	memset(w, 0, sizeof(*w));
	w->domain = domain;
	for (int i = 0; i < argc; i++) {
		const char **dst[] = { &w->order, &w->timeout, &w->q, &w->after, &w->domain,
		    &w->pin };
		size_t k;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcmp(argv[i], names[k]) == 0)
				break;
		if (k < sizeof(names) / sizeof(names[0])) {
			if (i + 1 >= argc)
				usage();
			*dst[k] = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (w->npos < 8)
			w->pos[w->npos++] = argv[i];
		else
			usage();
	}
	if (w->domain != domain)
		w->domain = domain_arg(w->domain);	/* -D as sipd files it */
}

/* A whole number in lo..hi, or exit with a message naming what. */
static int
number_arg(const char *s, int lo, int hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "sipctl: %s must be a whole number from %d to %d: %s\n", what, lo,
		    hi, s);
		exit(1);
	}
	return (int)v;
}

/* 1 when sql (binding ?1 and ?2) returns a row; its first column copied into out. */
static int
lookup(const char *sql, const char *a, const char *b, char *out, size_t len)
{
	sqlite3_stmt *st = prep(sql);
	int found;

	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if ((found = sqlite3_step(st) == SQLITE_ROW) && out != NULL) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		snprintf(out, len, "%s", v ? v : "");
	}
	sqlite3_finalize(st);
	return found;
}

/* The username of a user or extension of domain; exits when there is none. */
static void
user_arg(const char *name, const char *domain, char *user, size_t len)
{
	if (!lookup("SELECT username FROM users WHERE (username = ?1 OR extension = ?1) AND "
	    "domain = ?2 ORDER BY username = ?1 DESC", name, domain, user, len)) {
		fprintf(stderr, "sipctl: no user or extension %s@%s\n", name, domain);
		exit(1);
	}
}

static int
group_exists(const char *number, const char *domain)
{
	return lookup("SELECT 1 FROM ring_groups WHERE number = ?1 AND domain = ?2", number, domain,
	    NULL, 0);
}

/* Group numbers are dialled: digits and the like, never a user's name or extension. */
static void
group_number_check(const char *number, const char *domain)
{
	if (number[0] == '\0' || strlen(number) > 64 ||
	    strspn(number, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ*#+._-") !=
	    strlen(number))
		bad("a group number is 1 to 64 of 0-9 a-z A-Z * # + . _ -: %s", number);
	if (lookup("SELECT 1 FROM users WHERE (username = ?1 OR extension = ?1) AND domain = ?2",
	    number, domain, NULL, 0))
		bad("%s is a user or an extension already", number);
}

static void
exec_one(const char *sql, const char *const *args, int nargs, const char *what)
{
	sqlite3_stmt *st = prep(sql);

	for (int i = 0; i < nargs; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	step_done(st, what);
	pbx_changed = 1;
}

/* sipd caches ring groups and forwards: a note in the admin queue makes it reload them
 * (within a second, like reg del). */
static void
queue_pbx_changed(void)
{
	if (sqlite3_exec(db, "INSERT INTO admin_queue (op, arg) VALUES ('pbx_changed', '')", NULL,
	    NULL, NULL) != SQLITE_OK)
		die("queueing for sipd");
}

/* sipd caches user records (HA1s, enabled): this note makes it drop them (within a second). */
static void
queue_users_changed(void)
{
	if (sqlite3_exec(db, "INSERT INTO admin_queue (op, arg) VALUES ('users_changed', '')", NULL,
	    NULL, NULL) != SQLITE_OK)
		die("queueing for sipd");
}

static void
group_add(const struct words *w)
{
	const char *order = w->order ? w->order : "parallel";
	char tmo[16];

	group_number_check(w->pos[1], w->domain);
	if (strcmp(order, "parallel") != 0 && strcmp(order, "serial") != 0)
		bad("--order is parallel or serial, not %s", order);
	snprintf(tmo, sizeof(tmo), "%d", w->timeout ? number_arg(w->timeout, 0, 3600, "--timeout") : 0);
	if (group_exists(w->pos[1], w->domain))
		bad("group %s exists (group del it first)", w->pos[1]);
	const char *args[] = { w->pos[1], w->domain, order, tmo };
	exec_one("INSERT INTO ring_groups (number, domain, strategy, timeout) VALUES (?1, ?2, ?3, "
	    "CAST(?4 AS INTEGER))", args, 4, "adding the group");
	printf("added ring group %s@%s (%s, timeout %s s)\n", w->pos[1], w->domain, order, tmo);
}

static void
group_member_set(const struct words *w, int add)
{
	char user[128], tmo[16], q[32];
	const char *args[] = { w->pos[2], w->domain, user, q, tmo };

	if (w->npos != 4)
		usage();
	if (!group_exists(w->pos[2], w->domain))
		bad("no ring group %s", w->pos[2]);
	if (!add) {
		snprintf(user, sizeof(user), "%s", w->pos[3]);	/* a name, or an extension */
		exec_one("DELETE FROM ring_group_members WHERE number = ?1 AND domain = ?2 AND "
		    "(member = ?3 OR member = (SELECT username FROM users WHERE extension = ?3 AND "
		    "domain = ?2))", args, 3, "removing the member");
		if (sqlite3_changes(db) == 0)
			bad("%s is no member of the group", w->pos[3]);
		printf("removed %s from ring group %s@%s\n", user, w->pos[2], w->domain);
		return;
	}
	user_arg(w->pos[3], w->domain, user, sizeof(user));
	double qv = 1.0;
	if (w->q) {
		char *end;
		qv = strtod(w->q, &end);
		if (end == w->q || *end != '\0' || !(qv >= 0 && qv <= 1))
			bad("--q is a number from 0 to 1: %s", w->q);
	}
	snprintf(q, sizeof(q), "%.3f", qv);
	snprintf(tmo, sizeof(tmo), "%d", w->timeout ? number_arg(w->timeout, 0, 3600, "--timeout") : 0);
	exec_one("INSERT INTO ring_group_members (number, domain, member, q, timeout) VALUES "
	    "(?1, ?2, ?3, CAST(?4 AS REAL), CAST(?5 AS INTEGER)) ON CONFLICT (number, domain, member) "
	    "DO UPDATE SET q = excluded.q, timeout = excluded.timeout", args, 5, "adding the member");
	printf("ring group %s@%s: member %s (q %s, timeout %s s)\n", w->pos[2], w->domain, user, q,
	    tmo);
}

static int
cmd_group(int argc, char **argv, const char *domain)
{
	struct words w;

	words_parse(argc, argv, &w, domain);
	if (w.npos >= 1 && strcmp(w.pos[0], "list") == 0 && w.npos <= 2) {
		print_rows(w.npos == 2 ?
		    "SELECT g.number, g.domain, g.strategy, g.timeout, m.member, m.q, m.timeout AS "
		    "member_timeout FROM ring_groups g LEFT JOIN ring_group_members m USING (number, "
		    "domain) WHERE g.number = ?1 ORDER BY g.domain, g.number, m.q DESC, m.rowid" :
		    "SELECT g.number, g.domain, g.strategy, g.timeout, m.member, m.q, m.timeout AS "
		    "member_timeout FROM ring_groups g LEFT JOIN ring_group_members m USING (number, "
		    "domain) ORDER BY g.domain, g.number, m.q DESC, m.rowid", w.npos == 2 ? w.pos[1] : NULL);
		return 0;
	}
	if (w.npos == 2 && strcmp(w.pos[0], "add") == 0)
		group_add(&w);
	else if (w.npos == 2 && strcmp(w.pos[0], "del") == 0) {
		const char *args[] = { w.pos[1], w.domain };
		exec_one("DELETE FROM ring_groups WHERE number = ?1 AND domain = ?2", args, 2,
		    "removing the group");
		if (sqlite3_changes(db) == 0)
			bad("no ring group %s", w.pos[1]);
		printf("removed ring group %s@%s\n", w.pos[1], w.domain);
	} else if (w.npos >= 2 && strcmp(w.pos[0], "member") == 0 && strcmp(w.pos[1], "add") == 0)
		group_member_set(&w, 1);
	else if (w.npos >= 2 && strcmp(w.pos[0], "member") == 0 && strcmp(w.pos[1], "del") == 0)
		group_member_set(&w, 0);
	else
		usage();
	return 0;
}

/* A forward target: a sip:/sips: URI with a user part, or a user, extension or group. */
static void
target_check(const char *target, const char *domain, const char *user)
{
	struct uri_parts u;
	struct in6_addr a6;
	char owner[128];

	if (strncasecmp(target, "sip:", 4) == 0 || strncasecmp(target, "sips:", 5) == 0) {
		if (uri_split(target, strlen(target), &u) == -1 || u.user[0] == '\0')
			bad("%s is not a SIP URI with a user part", target);
		if (!domain_is_local(u.host, u.port) && inet_pton(AF_INET, u.host, &a6) != 1 &&
		    inet_pton(AF_INET6, u.host, &a6) != 1)
			bad("%s: another server is reached by its IP address (no DNS lookup here)",
			    target);
		return;
	}
	if (!group_exists(target, domain)) {
		user_arg(target, domain, owner, sizeof(owner));
		if (strcmp(owner, user) == 0)
			bad("%s would forward to itself", user);
	}
}

static const char *
kind_arg(const char *kind)
{
	if (strcmp(kind, "always") != 0 && strcmp(kind, "busy") != 0 &&
	    strcmp(kind, "noanswer") != 0)
		bad("the kind of forward is always, busy or noanswer, not %s", kind);
	return kind;
}

static int
cmd_forward(int argc, char **argv, const char *domain)
{
	struct words w;
	char user[128], after[16];

	words_parse(argc, argv, &w, domain);
	if (w.npos >= 1 && strcmp(w.pos[0], "list") == 0 && w.npos <= 2) {
		print_rows(w.npos == 2 ? "SELECT username, domain, kind, target, after FROM forwards "
		    "WHERE username = ?1 ORDER BY domain, username, kind" : "SELECT username, domain, "
		    "kind, target, after FROM forwards ORDER BY domain, username, kind",
		    w.npos == 2 ? w.pos[1] : NULL);
		return 0;
	}
	if (w.npos == 4 && strcmp(w.pos[0], "set") == 0) {
		user_arg(w.pos[1], w.domain, user, sizeof(user));
		const char *kind = kind_arg(w.pos[2]);
		target_check(w.pos[3], w.domain, user);
		snprintf(after, sizeof(after), "%d", w.after ? number_arg(w.after, 1, 3600, "--after") : 20);
		const char *args[] = { user, w.domain, kind, w.pos[3], after };
		exec_one("INSERT INTO forwards (username, domain, kind, target, after) VALUES (?1, ?2, "
		    "?3, ?4, CAST(?5 AS INTEGER)) ON CONFLICT (username, domain, kind) DO UPDATE SET "
		    "target = excluded.target, after = excluded.after", args, 5, "setting the forward");
		if (strcmp(kind, "noanswer") == 0)
			printf("%s@%s: %s -> %s after %s s\n", user, w.domain, kind, w.pos[3], after);
		else
			printf("%s@%s: %s -> %s\n", user, w.domain, kind, w.pos[3]);
		return 0;
	}
	if ((w.npos == 2 || w.npos == 3) && strcmp(w.pos[0], "clear") == 0) {
		user_arg(w.pos[1], w.domain, user, sizeof(user));
		const char *args[] = { user, w.domain, w.npos == 3 ? kind_arg(w.pos[2]) : NULL };
		exec_one(w.npos == 3 ? "DELETE FROM forwards WHERE username = ?1 AND domain = ?2 AND "
		    "kind = ?3" : "DELETE FROM forwards WHERE username = ?1 AND domain = ?2", args,
		    w.npos, "clearing forwards");
		printf("cleared %d forward(s) of %s@%s\n", sqlite3_changes(db), user, w.domain);
		return 0;
	}
	usage();
}

static int
cmd_cdr(int argc, char **argv)
{
	char n[16] = "20";

	if (argc < 1 || strcmp(argv[0], "list") != 0 || argc > 2)
		usage();
	if (argc == 2)
		snprintf(n, sizeof(n), "%d", number_arg(argv[1], 1, 1000000, "N"));
	print_rows("SELECT * FROM (SELECT started, caller, callee, answered_by, seconds, status, "
	    "reason, packets_from_caller, packets_from_callee, call_id FROM calls ORDER BY id DESC "
	    "LIMIT CAST(?1 AS INTEGER)) ORDER BY started", n);
	return 0;
}

static int
cmd_reg(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc <= 2) {
		print_rows(argc == 2 ? "SELECT * FROM registrations WHERE aor = ?1 ORDER BY aor, q DESC" :
		    "SELECT * FROM registrations ORDER BY aor, q DESC", argc == 2 ? argv[1] : NULL);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "del") == 0) {
		reg_del(argv[1]);
		return 0;
	}
	usage();
}

/* Messages waiting for offline users (msgstore.c); USER: a name, NAME@DOMAIN or an AOR. */
static int
cmd_msg(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc <= 2) {
		print_rows(argc == 2 ? "SELECT id, aor, sender, content_type, bytes, received_at, "
		    "expires_at, text FROM offline_messages WHERE aor = ?1 OR aor = 'sip:' || ?1 OR "
		    "aor LIKE 'sip:' || ?1 || '@%' ORDER BY aor, id" : "SELECT id, aor, sender, "
		    "content_type, bytes, received_at, expires_at, text FROM offline_messages "
		    "ORDER BY aor, id", argc == 2 ? argv[1] : NULL);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "del") == 0) {
		char id[24];
		snprintf(id, sizeof(id), "%d", number_arg(argv[1], 1, 2147483647, "ID"));
		sqlite3_stmt *st = prep("DELETE FROM messages WHERE id = CAST(?1 AS INTEGER)");
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		step_done(st, "deleting the message");
		if (sqlite3_changes(db) == 0) {
			fprintf(stderr, "sipctl: no message %s\n", id);
			return 1;
		}
		printf("removed message %s\n", id);
		return 0;
	}
	usage();
}

/* The AOR of USER (a name or extension, NAME@DOMAIN) for the presence allow-list. */
static void
presence_aor(const char *spec, char *aor, size_t len)
{
	char name[256], user[128];
	const char *at = strrchr(spec, '@'), *domain = domain_primary();

	snprintf(name, sizeof(name), "%s", spec);
	if (at != NULL) {
		name[at - spec] = '\0';
		domain = domain_arg(at + 1);
	}
	user_arg(name, domain, user, sizeof(user));
	snprintf(aor, len, "sip:%s@%s", user, domain);
}

/* The presence allow-list (presence.c): watchers from outside a user's domain. */
static int
cmd_presence(int argc, char **argv)
{
	char aor[512];
	sqlite3_stmt *st;

	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc <= 2) {
		if (argc == 2)
			presence_aor(argv[1], aor, sizeof(aor));
		print_rows(argc == 2 ? "SELECT watcher, aor FROM presence_allow WHERE aor = ?1 "
		    "ORDER BY aor, watcher" : "SELECT watcher, aor FROM presence_allow ORDER BY aor, "
		    "watcher", argc == 2 ? aor : NULL);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[0], "allow") != 0 && strcmp(argv[0], "deny") != 0))
		usage();
	if ((strncmp(argv[1], "sip:", 4) != 0 && strncmp(argv[1], "sips:", 5) != 0) ||
	    strchr(argv[1], '@') == NULL || strlen(argv[1]) > 256 || strpbrk(argv[1], " ;<>\"") != NULL)
		bad("a watcher is a sip: URI with a user part, without parameters: %s", argv[1]);
	presence_aor(argv[2], aor, sizeof(aor));
	st = prep(argv[0][0] == 'a' ? "INSERT OR IGNORE INTO presence_allow (watcher, aor) VALUES "
	    "(?1, ?2)" : "DELETE FROM presence_allow WHERE watcher = ?1 AND aor = ?2");
	sqlite3_bind_text(st, 1, argv[1], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, aor, -1, SQLITE_STATIC);
	step_done(st, "changing the presence allow-list");
	printf("%s %s %s %s\n", argv[1], argv[0][0] == 'a' ? "may watch" : "may no longer watch",
	    aor, argv[0][0] == 'd' && sqlite3_changes(db) == 0 ? "(was not allowed)" : "");
	return 0;
}

/* Web console administrators (console_admins): passwords kept as scrypt hashes only. */
static int
cmd_admin(int argc, char **argv)
{
	char hash[CONSOLE_HASH_MAX];
	sqlite3_stmt *st;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		print_rows("SELECT name, datetime(created, 'unixepoch', 'localtime') AS created FROM "
		    "console_admins ORDER BY name", NULL);
		return 0;
	}
	if (argc != 2)
		usage();
	if (argv[1][0] == '\0' || strlen(argv[1]) >= 64 || strpbrk(argv[1], " \t\r\n:") != NULL)
		bad("an administrator's name is 1 to 63 characters without spaces or ':': %s", argv[1]);
	if (strcmp(argv[0], "del") == 0) {
		st = prep("DELETE FROM console_admins WHERE name = ?1");
		sqlite3_bind_text(st, 1, argv[1], -1, SQLITE_STATIC);
		step_done(st, "removing the administrator");
		if (sqlite3_changes(db) == 0)
			bad("no administrator %s", argv[1]);
		printf("removed administrator %s\n", argv[1]);
		return 0;
	}
	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "passwd") != 0)
		usage();
	char *pw = read_password();
	if (strlen(pw) < 8)
		bad("%s", "a console password has 8 characters or more");
	if (console_auth_hash(pw, hash, sizeof(hash)) == -1)
		bad("%s", "cannot hash the password (OpenSSL scrypt)");
	memset(pw, 0, strlen(pw));
	st = prep(strcmp(argv[0], "add") == 0 ?
	    "INSERT INTO console_admins (name, pwhash) VALUES (?1, ?2)" :
	    "UPDATE console_admins SET pwhash = ?2 WHERE name = ?1");
	sqlite3_bind_text(st, 1, argv[1], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	step_done(st, "storing the administrator");
	if (sqlite3_changes(db) == 0)
		bad("no administrator %s", argv[1]);
	printf("%s administrator %s\n", strcmp(argv[0], "add") == 0 ? "added" : "password set for",
	    argv[1]);
	return 0;
}

/* One number from the database, -1 on error. */
static long
db_count(const char *sql)
{
	sqlite3_stmt *st = prep(sql);
	long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;

	sqlite3_finalize(st);
	return n;
}

/* The running sipd's numbers (status.c fetches and prints them), and the database's. */
static int
cmd_status(void)
{
	int rc;

	printf("database        %s: %ld users, %ld registered contacts\n", sqlite3_db_filename(db, "main"),
	    db_count("SELECT count(*) FROM users"), db_count("SELECT count(*) FROM registrations"));
	if (!cfg->metrics_enable) {
		printf("sipd            live numbers off: set metrics: { enable = 1; }; in %s and"
		    " reload sipd (systemctl reload sipd)\n", cfg->path);
		return 0;
	}
	rc = status_print(stdout, cfg->metrics_listen);
	return rc;
}

/* vm enable: the box of a user (its messages survive disable / enable). */
static int
vm_enable(const struct words *w)
{
	char user[128], after[16];

	user_arg(w->pos[1], w->domain, user, sizeof(user));
	snprintf(after, sizeof(after), "%d", w->after ? number_arg(w->after, 1, 3600, "--after") :
	    20);
	if (w->pin != NULL && (strlen(w->pin) < 4 || strlen(w->pin) > 16 ||
	    strspn(w->pin, "0123456789") != strlen(w->pin)))
		bad("a PIN is 4 to 16 digits: %s", w->pin);
	const char *args[] = { user, w->domain, after, w->pin ? w->pin : "" };
	exec_one(w->pin ? "INSERT INTO vm_boxes (username, domain, after, pin) VALUES (?1, ?2, "
	    "CAST(?3 AS INTEGER), ?4) ON CONFLICT (username, domain) DO UPDATE SET after = "
	    "excluded.after, pin = excluded.pin" : "INSERT INTO vm_boxes (username, domain, after) "
	    "VALUES (?1, ?2, CAST(?3 AS INTEGER)) ON CONFLICT (username, domain) DO UPDATE SET "
	    "after = excluded.after", args, w->pin ? 4 : 3, "enabling voicemail");
	printf("%s@%s: voicemail after %s s%s\n", user, w->domain, after,
	    w->pin ? ", PIN set" : "");
	return 0;
}

/* vm del: the row goes first (committed), then the file: a crash between them leaves an
 * unlisted file, never a listed message without its file. */
static int
vm_del(const char *idarg, const char *dbpath)
{
	char id[24], file[256] = "", dir[4096], *copy, path[4400];

	snprintf(id, sizeof(id), "%d", number_arg(idarg, 1, 2147483647, "ID"));
	if (!lookup("SELECT file FROM vm_messages WHERE id = CAST(?1 AS INTEGER) AND ?2 = ?2", id,
	    "", file, sizeof(file))) {
		fprintf(stderr, "sipctl: no voice message %s\n", id);
		return 1;
	}
	sqlite3_stmt *st = prep("DELETE FROM vm_messages WHERE id = CAST(?1 AS INTEGER)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	step_done(st, "deleting the voice message");
	copy = xstrdup(dbpath);
	snprintf(dir, sizeof(dir), "%s", dirname(copy));
	free(copy);
	if (strchr(file, '/') == NULL && file[0] != '\0' && file[0] != '.') {
		snprintf(path, sizeof(path), "%s/voicemail/%s", dir, file);
		if (unlink(path) == -1 && errno != ENOENT)
			fprintf(stderr, "sipctl: removing %s: %s\n", path, strerror(errno));
	}
	queue_pbx_changed();	/* sipd tells the box's watchers (message-summary) */
	printf("removed voice message %s\n", id);
	return 0;
}

/* Voicemail boxes and voice messages. */
static int
cmd_vm(int argc, char **argv, const char *domain, const char *dbpath)
{
	struct words w;
	char user[128];

	words_parse(argc, argv, &w, domain);
	if (w.npos >= 1 && strcmp(w.pos[0], "list") == 0 && w.npos <= 2) {
		print_rows(w.npos == 2 ? "SELECT username, domain, after, pin != '' AS pin, "
		    "(SELECT count(*) FROM vm_messages m WHERE m.username = b.username AND m.domain = "
		    "b.domain AND heard = 0) AS new FROM vm_boxes b WHERE username = ?1 ORDER BY "
		    "domain, username" : "SELECT username, domain, after, pin != '' AS pin, (SELECT "
		    "count(*) FROM vm_messages m WHERE m.username = b.username AND m.domain = b.domain "
		    "AND heard = 0) AS new FROM vm_boxes b ORDER BY domain, username",
		    w.npos == 2 ? w.pos[1] : NULL);
		print_rows(w.npos == 2 ? "SELECT id, username, domain, caller, datetime(created, "
		    "'unixepoch') AS at, duration / 1000.0 AS seconds, heard, file FROM vm_messages "
		    "WHERE username = ?1 ORDER BY domain, username, id" : "SELECT id, username, domain, "
		    "caller, datetime(created, 'unixepoch') AS at, duration / 1000.0 AS seconds, heard, "
		    "file FROM vm_messages ORDER BY domain, username, id", w.npos == 2 ? w.pos[1] : NULL);
		return 0;
	}
	if (w.npos == 2 && strcmp(w.pos[0], "enable") == 0)
		return vm_enable(&w);
	if (w.npos == 2 && strcmp(w.pos[0], "disable") == 0) {
		user_arg(w.pos[1], w.domain, user, sizeof(user));
		const char *args[] = { user, w.domain };
		exec_one("DELETE FROM vm_boxes WHERE username = ?1 AND domain = ?2", args, 2,
		    "disabling voicemail");
		printf("%s@%s: voicemail %s\n", user, w.domain, sqlite3_changes(db) ? "disabled" :
		    "was not enabled");
		return 0;
	}
	if (w.npos == 2 && strcmp(w.pos[0], "del") == 0)
		return vm_del(w.pos[1], dbpath);
	usage();
}

int
main(int argc, char **argv)
{
	const char *path = SIPD_DEFAULT_CONFIG, *dbpath = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "+c:d:h")) != -1) {
		if (ch == 'c')
			path = optarg;
		else if (ch == 'd')
			dbpath = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init(1, LOG_WARNING, "sipctl");
	if ((cfg = config_load(path)) == NULL) {
		fprintf(stderr, "sipctl: %s: configuration has errors\n", path);
		return 1;
	}
	domain_init(cfg);
	if (dbpath == NULL)
		dbpath = cfg->db_url[0] ? cfg->db_url : cfg->db_path;
	if (!store_is_pg(dbpath) && privdrop_to_owner_of(dbpath) == -1) {
		fprintf(stderr, "sipctl: cannot become the owner of %s's directory: %s\n", dbpath,
		    strerror(errno));
		return 1;
	}
	if (store_create(dbpath) == -1 || sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die(dbpath);
	if (!store_is_pg(dbpath))
		privdrop_fix_owner(dbpath);
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);	/* a group's members go with it */
	int rc;
	if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(argc - 1, argv + 1, domain_primary());
	else if (strcmp(argv[0], "reg") == 0)
		rc = cmd_reg(argc - 1, argv + 1);
	else if (strcmp(argv[0], "status") == 0 && argc == 1)
		rc = cmd_status();
	else if (strcmp(argv[0], "group") == 0)
		rc = cmd_group(argc - 1, argv + 1, domain_primary());
	else if (strcmp(argv[0], "forward") == 0)
		rc = cmd_forward(argc - 1, argv + 1, domain_primary());
	else if (strcmp(argv[0], "cdr") == 0)
		rc = cmd_cdr(argc - 1, argv + 1);
	else if (strcmp(argv[0], "msg") == 0)
		rc = cmd_msg(argc - 1, argv + 1);
	else if (strcmp(argv[0], "presence") == 0)
		rc = cmd_presence(argc - 1, argv + 1);
	else if (strcmp(argv[0], "admin") == 0)
		rc = cmd_admin(argc - 1, argv + 1);
	else if (strcmp(argv[0], "vm") == 0)
		rc = cmd_vm(argc - 1, argv + 1, domain_primary(), dbpath);
	else
		usage();
	if (rc == 0 && (pbx_changed || (strcmp(argv[0], "user") == 0 && argc > 1 &&
	    (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0))))
		queue_pbx_changed();	/* an extension may be a forward's or a group's key */
	if (rc == 0 && strcmp(argv[0], "user") == 0 && argc > 1 && strcmp(argv[1], "list") != 0)
		queue_users_changed();
	sqlite3_close(db);
	domain_free();
	config_free(cfg);
	return rc;
}
