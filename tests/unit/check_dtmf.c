/* check_dtmf.c - RFC 4733 event decoding: a digit at its end bit, retransmitted end packets
 * counted once, a lost end inferred from the next event, garbage. */
#include <check.h>

#include "check_main.h"
#include <string.h>

#include "dtmf.h"

/* Feed one event packet: event e, end bit, duration. */
static int
feed(struct dtmf_dec *d, unsigned e, int end, uint32_t ts, char out[2])
{
	uint8_t p[4] = { (uint8_t)e, (uint8_t)((end ? 0x80 : 0) | 10), 0, 160 };

	return dtmf_feed(d, p, sizeof(p), ts, out);
}

START_TEST(end_bit_and_retransmits)
{
	struct dtmf_dec d;
	char out[2];

	dtmf_init(&d);
	ck_assert_int_eq(feed(&d, 1, 0, 1000, out), 0);
	ck_assert_int_eq(feed(&d, 1, 0, 1000, out), 0);
	ck_assert_int_eq(feed(&d, 1, 1, 1000, out), 1);
	ck_assert_int_eq(out[0], '1');
	ck_assert_int_eq(feed(&d, 1, 1, 1000, out), 0);	/* end sent three times */
	ck_assert_int_eq(feed(&d, 1, 1, 1000, out), 0);
	/* the same key again is a new event: a new timestamp */
	ck_assert_int_eq(feed(&d, 1, 0, 2000, out), 0);
	ck_assert_int_eq(feed(&d, 1, 1, 2000, out), 1);
	ck_assert_int_eq(feed(&d, 11, 1, 3000, out), 1);	/* only end packets */
	ck_assert_int_eq(out[0], '#');
	ck_assert_int_eq(feed(&d, 11, 1, 3000, out), 0);
}
END_TEST

START_TEST(lost_end)
{
	struct dtmf_dec d;
	char out[2];

	dtmf_init(&d);
	ck_assert_int_eq(feed(&d, 7, 0, 500, out), 0);
	ck_assert_int_eq(feed(&d, 10, 0, 900, out), 1);	/* 7's end never came */
	ck_assert_int_eq(out[0], '7');
	ck_assert_int_eq(feed(&d, 10, 1, 900, out), 1);
	ck_assert_int_eq(out[0], '*');
	ck_assert_int_eq(feed(&d, 3, 0, 1200, out), 0);
	ck_assert_int_eq(feed(&d, 4, 1, 1400, out), 2);	/* 3 unfinished, then 4 at once */
	ck_assert(out[0] == '3' && out[1] == '4');
}
END_TEST

START_TEST(garbage)
{
	struct dtmf_dec d;
	char out[2];
	uint8_t p[4] = { 200, 0x80, 0, 1 };	/* not a DTMF event (16+): ignored */

	dtmf_init(&d);
	ck_assert_int_eq(dtmf_feed(&d, p, 3, 1, out), -1);
	ck_assert_int_eq(dtmf_feed(&d, p, 4, 1, out), 0);
	ck_assert_int_eq(feed(&d, 5, 0, 2, out), 0);
	ck_assert_int_eq(feed(&d, 5, 1, 2, out), 1);
	ck_assert_int_eq(dtmf_char(16), 0);
	ck_assert_int_eq(dtmf_char(15), 'D');
}
END_TEST

static Suite *
dtmf_suite(void)
{
	Suite *s = suite_create("dtmf");
	TCase *tc = tcase_create("dtmf");

	tcase_add_test(tc, end_bit_and_retransmits);
	tcase_add_test(tc, lost_end);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(dtmf_suite)
