/* testenv.h - the set-up the suites that need a real SQLite store share: a temp directory
 * /tmp/check_NAME.XXXXXX holding sipd.conf (loaded into cfg) and sipd.db, an event base, and the
 * store opened on both.  What else a suite starts (domains, flows, txn, proxy...) it starts
 * after testenv_setup and stops before testenv_teardown. */
#ifndef SIPD_TESTENV_H
#define SIPD_TESTENV_H

#include <event2/event.h>

extern char			 testenv_path[256];	/* the database, dir/sipd.db */
extern struct event_base	*testenv_base;

/* Make the temp directory for suite name; unless domain is NULL write a sipd.conf that listens
 * on udp:127.0.0.1:5999, serves domain, has the lines extra (NULL: none) and keeps its
 * database at testenv_path, and load it into cfg; then open the store on a new event base. */
void testenv_setup(const char *name, const char *domain, const char *extra);

/* Run the statements s on the database with a connection of their own (what sipctl does), then
 * drop the PBX's cached plans (what sipctl's "pbx_changed" note does in sipd). */
void testenv_sql(const char *s);

/* Close the store (again: closing twice is harmless), free the event base and cfg, remove the
 * temp directory. */
void testenv_teardown(void);

#endif
