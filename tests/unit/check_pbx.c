/* check_pbx.c - PBX target plans (pbx.c) read from a real SQLite store (store_sqlite.c):
 * ring groups parallel and serial, forwarding always / busy / noanswer, chains and loops,
 * targets outside; the stage rules; and CDR rows written through the writer thread. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "config.h"
#include "domain.h"
#include "pbx.h"
#include "store.h"
#include "testenv.h"

static void
setup(void)
{
	testenv_setup("pbx", "example.test", NULL);
	domain_init(cfg);
	testenv_sql("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) VALUES "
	    "('alice', 'example.test', 'r', '', '', '1001'), ('bob', 'example.test', 'r', '', '', '1002'), "
	    "('carol', 'example.test', 'r', '', '', '1003'), ('dave', 'example.test', 'r', '', '', NULL)");
}

static void
teardown(void)
{
	domain_free();
	testenv_teardown();
}

static void
leg_is(const struct pbx_leg *l, const char *uri, int local, int stage, int parent, int when,
    int ring)
{
	ck_assert_str_eq(l->uri, uri);
	ck_assert_int_eq(l->local, local);
	ck_assert_int_eq(l->stage, stage);
	ck_assert_int_eq(l->parent, parent);
	ck_assert_int_eq(l->when, when);
	ck_assert_int_eq(l->ring, ring);
}

START_TEST(test_no_plan)
{
	struct pbx_leg l[PBX_MAX_LEGS];

	ck_assert_int_eq(pbx_plan("alice", "example.test", l, PBX_MAX_LEGS), 0);
	ck_assert_int_eq(pbx_plan("1001", "example.test", l, PBX_MAX_LEGS), 0);
	ck_assert_int_eq(pbx_plan("nobody", "example.test", l, PBX_MAX_LEGS), 0);
}
END_TEST

START_TEST(test_group_parallel)
{
	struct pbx_leg l[PBX_MAX_LEGS];

	testenv_sql("INSERT INTO ring_groups VALUES ('600', 'example.test', 'parallel', 20);"
	    "INSERT INTO ring_group_members VALUES ('600', 'example.test', 'alice', 1, 0),"
	    "('600', 'example.test', '1002', 0.5, 0)");
	ck_assert_int_eq(pbx_plan("600", "example.test", l, PBX_MAX_LEGS), 2);
	leg_is(&l[0], "sip:alice@example.test", 1, 0, -1, PBX_ANY, 20);
	leg_is(&l[1], "sip:bob@example.test", 1, 0, -1, PBX_ANY, 20);	/* extension 1002 */
	ck_assert_int_eq(pbx_plan("600", "other.test", l, PBX_MAX_LEGS), 0);
}
END_TEST

START_TEST(test_group_serial)
{
	struct pbx_leg l[PBX_MAX_LEGS];

	testenv_sql("INSERT INTO ring_groups VALUES ('601', 'example.test', 'serial', 15);"
	    "INSERT INTO ring_group_members VALUES ('601', 'example.test', 'alice', 0.1, 0),"
	    "('601', 'example.test', 'bob', 0.9, 5), ('601', 'example.test', 'carol', 0.5, 0)");
	ck_assert_int_eq(pbx_plan("601", "example.test", l, PBX_MAX_LEGS), 3);
	leg_is(&l[0], "sip:bob@example.test", 1, 0, -1, PBX_ANY, 5);	/* highest q first */
	leg_is(&l[1], "sip:carol@example.test", 1, 1, 0, PBX_ANY, 15);
	leg_is(&l[2], "sip:alice@example.test", 1, 2, 1, PBX_ANY, 15);
}
END_TEST

START_TEST(test_forwards)
{
	struct pbx_leg l[PBX_MAX_LEGS];

	testenv_sql("INSERT INTO forwards VALUES ('alice', 'example.test', 'noanswer', 'bob', 12),"
	    "('alice', 'example.test', 'busy', 'sip:vm@192.0.2.1:5070', 20),"
	    "('carol', 'example.test', 'always', '1001', 20)");
	ck_assert_int_eq(pbx_plan("1001", "example.test", l, PBX_MAX_LEGS), 3);
	leg_is(&l[0], "sip:alice@example.test", 1, 0, -1, PBX_ANY, 12);
	leg_is(&l[1], "sip:vm@192.0.2.1:5070", 0, 1, 0, PBX_ON_BUSY, 0);
	leg_is(&l[2], "sip:bob@example.test", 1, 2, 0, PBX_ON_NOANSWER, 0);
	/* carol always -> alice, with alice's own forwards */
	ck_assert_int_eq(pbx_plan("carol", "example.test", l, PBX_MAX_LEGS), 3);
	leg_is(&l[0], "sip:alice@example.test", 1, 0, -1, PBX_ANY, 12);
}
END_TEST

START_TEST(test_loops_end)
{
	struct pbx_leg l[PBX_MAX_LEGS];
	int n;

	/* A -> B -> A: A is rung */
	testenv_sql("INSERT INTO forwards VALUES ('alice', 'example.test', 'always', 'bob', 20),"
	    "('bob', 'example.test', 'always', 'sip:alice@example.test', 20)");
	ck_assert_int_eq(pbx_plan("alice", "example.test", l, PBX_MAX_LEGS), 1);
	leg_is(&l[0], "sip:alice@example.test", 1, 0, -1, PBX_ANY, 0);
	/* noanswer loops: each user once */
	testenv_sql("DELETE FROM forwards; INSERT INTO forwards VALUES "
	    "('alice', 'example.test', 'noanswer', 'bob', 5), ('bob', 'example.test', 'noanswer', 'carol', 5),"
	    "('carol', 'example.test', 'noanswer', 'alice', 5)");
	n = pbx_plan("alice", "example.test", l, PBX_MAX_LEGS);
	ck_assert_int_eq(n, 4);		/* alice, bob, carol, alice again without forwards */
	leg_is(&l[3], "sip:alice@example.test", 1, 3, 2, PBX_ON_NOANSWER, 0);
	/* a long chain: followed PBX_MAX_DEPTH deep */
	testenv_sql("DELETE FROM forwards; "
	    "INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256) VALUES "
	    "('u5', 'example.test', 'r', '', ''), ('u6', 'example.test', 'r', '', '');"
	    "INSERT INTO forwards VALUES ('alice', 'example.test', 'always', 'bob', 20),"
	    "('bob', 'example.test', 'always', 'carol', 20), ('carol', 'example.test', 'always', 'dave', 20),"
	    "('dave', 'example.test', 'always', 'u5', 20), ('u5', 'example.test', 'always', 'u6', 20)");
	ck_assert_int_eq(pbx_plan("alice", "example.test", l, PBX_MAX_LEGS), 1);
	ck_assert_str_eq(l[0].uri, "sip:u5@example.test");
}
END_TEST

START_TEST(test_stage_rules)
{
	ck_assert_int_eq(pbx_outcome(486, 0), PBX_BUSY);
	ck_assert_int_eq(pbx_outcome(408, 0), PBX_NOANSWER);
	ck_assert_int_eq(pbx_outcome(480, 0), PBX_NOANSWER);
	ck_assert_int_eq(pbx_outcome(0, 0), PBX_NOANSWER);
	ck_assert_int_eq(pbx_outcome(486, 1), PBX_NOANSWER);	/* rang out */
	ck_assert_int_eq(pbx_outcome(404, 0), PBX_FAILED);
	ck_assert(pbx_wanted(PBX_BUSY, PBX_ON_BUSY));
	ck_assert(!pbx_wanted(PBX_NOANSWER, PBX_ON_BUSY));
	ck_assert(pbx_wanted(PBX_NOANSWER, PBX_ON_NOANSWER));
	ck_assert(!pbx_wanted(PBX_FAILED, PBX_ON_NOANSWER));
	ck_assert(pbx_wanted(PBX_FAILED, PBX_ANY));
	ck_assert(!pbx_wanted(PBX_RUNNING, PBX_ANY));
	ck_assert(!pbx_wanted(PBX_NONE, PBX_ANY));
}
END_TEST

START_TEST(test_cdr_row)
{
	struct store_cdr r = { .call_id = "c1", .caller = "sip:a@x", .callee = "sip:600@x",
	    .answered_by = "sip:bob@x", .reason = "caller hangup", .start = 1000.5,
	    .answer = 1002.25, .end = 1012.75, .status = 200, .pkts_from_caller = 7,
	    .pkts_from_callee = 9 };
	struct store_cdr f = { .call_id = "c2", .caller = "sip:a@x", .callee = "sip:b@x",
	    .reason = "busy", .start = 1000, .end = 1001, .status = 486 };
	sqlite3 *db;
	sqlite3_stmt *st;

	store_cdr_save(&r);
	store_cdr_save(&f);
	store_close();		/* commits what is queued */
	ck_assert_int_eq(sqlite3_open(testenv_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT group_concat(call_id || '|' || caller || '|' || "
	    "callee || '|' || answered_by || '|' || ifnull(answer_time, '-') || '|' || duration || '|' || "
	    "status || '|' || reason || '|' || packets_from_caller || '|' || packets_from_callee, ';') "
	    "FROM cdr", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
	    "c1|sip:a@x|sip:600@x|sip:bob@x|1002.25|10.5|200|caller hangup|7|9;"
	    "c2|sip:a@x|sip:b@x||-|0.0|486|busy|0|0");
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(testenv_path, testenv_base), 0);	/* for teardown */
}
END_TEST

static Suite *
pbx_suite(void)
{
	Suite *s = suite_create("pbx");
	TCase *tc = tcase_create("plans");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_plan);
	tcase_add_test(tc, test_group_parallel);
	tcase_add_test(tc, test_group_serial);
	tcase_add_test(tc, test_forwards);
	tcase_add_test(tc, test_loops_end);
	tcase_add_test(tc, test_stage_rules);
	tcase_add_test(tc, test_cdr_row);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pbx_suite)
