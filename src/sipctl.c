/* sipctl.c - administration of a sipd database, safe while sipd runs:
 *   sipctl [-c config] [-d database] user add|del|passwd|list ...
 *   sipctl [-c config] [-d database] reg list [AOR] | reg del AOR
 *   sipctl [-c config] status        (the running sipd's numbers, from its metrics endpoint)
 * Run as root, it first becomes the owner of the database's directory (the sipd user), so
 * files it creates there stay readable and writable by sipd.
 * Passwords are read from the terminal (no echo) or from standard input, never argv. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sqlite3.h>

#include "auth.h"
#include "config.h"
#include "domain.h"
#include "log.h"
#include "privdrop.h"
#include "status.h"
#include "store.h"

static sqlite3 *db;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: sipctl [-c config] [-d database] command ...\n"
	    "  user add NAME [-e EXTENSION] [-D DOMAIN]   add a user (password prompted or on stdin)\n"
	    "  user passwd NAME [-D DOMAIN]               set a new password\n"
	    "  user del NAME [-D DOMAIN]                  remove a user\n"
	    "  user enable|disable NAME [-D DOMAIN]\n"
	    "  user list\n"
	    "  reg list [AOR]                             current registrations\n"
	    "  reg del AOR                                remove an AOR's bindings (sipd drops them within 1 s)\n"
	    "  status                                     what the running sipd is doing (metrics.enable = 1)\n");
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

static int
cmd_user(int argc, char **argv, const char *domain)
{
	const char *ext = NULL;
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
	const char *name = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "e:D:")) != -1) {
		if (ch == 'e')
			ext = optarg;
		else if (ch == 'D')
			domain = optarg;
		else
			usage();
	}
	if (optind != argc)
		usage();		/* nothing else on the command line: never a password */
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
		dbpath = cfg->db_path;
	if (privdrop_to_owner_of(dbpath) == -1) {
		fprintf(stderr, "sipctl: cannot become the owner of %s's directory: %s\n", dbpath,
		    strerror(errno));
		return 1;
	}
	if (store_create(dbpath) == -1 || sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die(dbpath);
	sqlite3_busy_timeout(db, 5000);
	int rc;
	if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(argc - 1, argv + 1, domain_primary());
	else if (strcmp(argv[0], "reg") == 0)
		rc = cmd_reg(argc - 1, argv + 1);
	else if (strcmp(argv[0], "status") == 0 && argc == 1)
		rc = cmd_status();
	else
		usage();
	sqlite3_close(db);
	domain_free();
	config_free(cfg);
	return rc;
}
