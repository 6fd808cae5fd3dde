/* check_store_exec.c - the console's way into the store: store_exec runs a statement on the
 * writer thread and reports ok and rows changed once committed; a refused statement (a
 * constraint) fails alone, the writes committed with it (a binding) are kept; store_query reads
 * rows with their column names, NULL as NULL. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "store.h"
#include "testenv.h"

struct result {
	int	done, ok, changes;
};

static void
exec_done(void *arg, int ok, int changes)
{
	struct result *r = arg;

	r->done = 1;
	r->ok = ok;
	r->changes = changes;
}

static void
wait_for(struct result *r)
{
	while (!r->done)
		event_base_loop(testenv_base, EVLOOP_ONCE);
}

static void
collect(int n, const char *const *names, const char *const *vals, void *arg)
{
	char *out = arg;

	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), 256 - strlen(out), "%s%s=%s", out[0] ? "," : "", names[i],
		    vals[i] ? vals[i] : "NULL");
}

START_TEST(test_exec_and_query)
{
	struct result a = { 0 }, b = { 0 }, c = { 0 };
	const char *ins[] = { "ann", "d", "r", "x", "y", "100" };
	const char *dup[] = { "bob", "d", "r", "x", "y", "100" };	/* extension taken */
	struct store_binding bd = { .aor = "sip:ann@d", .key = "k", .contact = "sip:ann@h",
	    .params = "", .rproto = "udp", .rip = "127.0.0.1", .rport = 5, .path = "",
	    .expires = 4000000000LL, .q = 1.0, .call_id = "c", .cseq = 1, .user_agent = "",
	    .instance = "", .updated = 1 };
	char out[256] = "";
	const char *q[] = { "d" };

	testenv_setup("store_exec", NULL, NULL);
	store_exec("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", ins, 6, exec_done, &a);
	wait_for(&a);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_int_eq(a.changes, 1);
	/* in one group: a binding, a refused insert, an update: only the refused one is undone */
	store_save(&bd);
	store_exec("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", dup, 6, exec_done, &b);
	store_exec("UPDATE users SET enabled = 0 WHERE domain = ?1", q, 1, exec_done, &c);
	wait_for(&b);
	wait_for(&c);
	ck_assert_int_eq(b.ok, 0);
	ck_assert_int_eq(c.ok, 1);
	ck_assert_int_eq(c.changes, 1);
	ck_assert_int_eq(store_query("SELECT username, extension, enabled, NULL AS none FROM users "
	    "WHERE domain = ?1 ORDER BY username", q, 1, collect, out), 1);
	ck_assert_str_eq(out, "username=ann,extension=100,enabled=0,none=NULL");
	out[0] = '\0';
	ck_assert_int_eq(store_query("SELECT contact FROM location", NULL, 0, collect, out), 1);
	ck_assert_str_eq(out, "contact=sip:ann@h");
	ck_assert_int_eq(store_query("SELECT nonsense FROM nowhere", NULL, 0, collect, out), -1);
	testenv_teardown();
}
END_TEST

static Suite *
store_exec_suite(void)
{
	Suite *s = suite_create("store_exec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_exec_and_query);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(store_exec_suite)
