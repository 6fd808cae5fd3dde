/* check_pacer.c - the playback frame clock: frames due from the start (no drift from late
 * timers), bounded catch-up, resync after a stall, the wait until the next frame. */
#include <check.h>

#include "check_main.h"

#include "pacer.h"

#define MS	1000000ull

START_TEST(no_drift)
{
	struct pacer p;
	uint64_t t, sent = 0;
	int i;

	pacer_start(&p, 1000 * MS, 20 * MS);
	ck_assert_uint_eq(pacer_due(&p, 1000 * MS), 1);		/* frame 0 at once */
	ck_assert_uint_eq(pacer_due(&p, 1000 * MS), 0);
	ck_assert_uint_eq(pacer_wait(&p, 1005 * MS), 15 * MS);
	/* a timer that fires 3 ms late every time: still 50 frames a second */
	for (i = 1, t = 1000 * MS; i <= 500; i++) {
		t = 1000 * MS + (uint64_t)i * 20 * MS + 3 * MS;
		sent += pacer_due(&p, t);
		ck_assert_uint_lt(pacer_wait(&p, t), 20 * MS);
	}
	ck_assert_uint_eq(sent, 500);
	ck_assert_uint_eq(p.skipped, 0);
}
END_TEST

START_TEST(catch_up_and_stall)
{
	struct pacer p;

	pacer_start(&p, 0, 20 * MS);
	ck_assert_uint_eq(pacer_due(&p, 0), 1);
	ck_assert_uint_eq(pacer_due(&p, 61 * MS), 3);	/* frames 1, 2, 3 */
	ck_assert_uint_eq(pacer_wait(&p, 61 * MS), 19 * MS);
	/* 1 s stall: one frame, then the clock restarts from there */
	ck_assert_uint_eq(pacer_due(&p, 1061 * MS), 1);
	ck_assert_uint_gt(p.skipped, 40);
	ck_assert_uint_eq(pacer_wait(&p, 1061 * MS), 20 * MS);
	ck_assert_uint_eq(pacer_due(&p, 1081 * MS), 1);
	ck_assert_uint_eq(pacer_due(&p, 10 * MS), 0);		/* time before the start */
	ck_assert_uint_gt(pacer_now(), 0);
}
END_TEST

static Suite *
pacer_suite(void)
{
	Suite *s = suite_create("pacer");
	TCase *tc = tcase_create("pacer");

	tcase_add_test(tc, no_drift);
	tcase_add_test(tc, catch_up_and_stall);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pacer_suite)
