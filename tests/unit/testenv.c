/* testenv.c - a temp directory with sipd.conf, sipd.db and the store opened (see testenv.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "config.h"
#include "pbx.h"
#include "store.h"
#include "testenv.h"

char			 testenv_path[256];
struct event_base	*testenv_base;
static char		 dir[128];

/* Write dir/sipd.conf (see testenv_setup) and load it into cfg. */
static void
conf_load(const char *domain, const char *extra)
{
	char conf[300];
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/sipd.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "sip: { listen = [ \"udp:127.0.0.1:5999\" ]; domains = [ \"%s\" ]; };\n"
	    "%sdatabase: { path = \"%s\"; };\n", domain, extra ? extra : "", testenv_path);
	fclose(f);
	ck_assert_ptr_nonnull(cfg = config_load(conf));
}

void
testenv_setup(const char *name, const char *domain, const char *extra)
{
	snprintf(dir, sizeof(dir), "/tmp/check_%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(testenv_path, sizeof(testenv_path), "%s/sipd.db", dir);
	if (domain)
		conf_load(domain, extra);
	testenv_base = event_base_new();
	/* SIPD_TEST_PG_URL (tests/integration/pg_unit.sh): the same cases on PostgreSQL, each
	 * on an empty schema */
	const char *pg = getenv("SIPD_TEST_PG_URL");
	if (pg != NULL && *pg != '\0') {
		PGconn *c = PQconnectdb(pg);
		ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
		PQclear(PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
		PQfinish(c);
		snprintf(testenv_path, sizeof(testenv_path), "%s", pg);
	}
	ck_assert_int_eq(store_open(testenv_path, testenv_base), 0);
}

void
testenv_sql(const char *s)
{
	sqlite3 *db;
	char *err = NULL;

	if (strncmp(testenv_path, "postgres", 8) == 0) {
		PGconn *c = PQconnectdb(testenv_path);
		PGresult *r = PQexec(c, s);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			ck_abort_msg("%s: %s", s, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		pbx_invalidate();
		return;
	}
	ck_assert_int_eq(sqlite3_open(testenv_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_exec(db, s, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("%s: %s", s, err);
	sqlite3_close(db);
	pbx_invalidate();
}

void
testenv_teardown(void)
{
	char cmd[300];

	store_close();
	event_base_free(testenv_base);
	testenv_base = NULL;
	config_free(cfg);
	cfg = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
