/* check_msgstore.c - the rows of the offline message store (store.h store_msg_*, the SQL
 * msgstore.c relies on) in a real SQLite store in a temp directory: bodies kept byte for byte
 * (NULs too), delivery order, the per-user limits dropping the oldest first (count and bytes),
 * expiry, deletion by id, and the start-up list of users with messages. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "store.h"
#include "testenv.h"

static void
setup(void)
{
	testenv_setup("msgstore", NULL, NULL);
	ck_assert_int_eq(store_version(), 6);
}

static void
flushed(void *arg, int ok)
{
	*(int *)arg = ok ? 1 : -1;
}

/* Wait until everything queued is committed. */
static void
commit(void)
{
	int done = 0;

	store_flush(flushed, &done);
	while (done == 0)
		event_base_loop(testenv_base, EVLOOP_ONCE);
	ck_assert_int_eq(done, 1);
}

static void
save(const char *aor, const char *body, size_t len, int64_t expires, int max_n, int64_t max_b)
{
	struct store_msg m = {
		.aor = aor, .sender = "\"A\" <sip:a@out.invalid>;tag=1", .recipient = "<sip:b@x>",
		.call_id = "c1", .ctype = "text/plain; charset=\"utf-8\"", .body = body,
		.body_len = len, .received = 1000, .expires = expires,
	};

	store_msg_save(&m, max_n, max_b);
}

/* The bodies waiting for aor at now, in delivery order, '|'-separated. */
static void
bodies(const char *aor, time_t now, char *out, size_t len)
{
	struct store_msg m;
	int64_t last = 0;

	out[0] = '\0';
	while (store_msg_next(aor, last, now, &m) == 1) {
		snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "|" : "", m.body);
		last = m.id;
		store_msg_clear(&m);
	}
}

START_TEST(test_bytes_and_order)
{
	static const char bin[] = "a\0b\r\nc";
	struct store_msg m;
	char got[256];

	save("sip:b@x", bin, sizeof(bin) - 1, 2000, 100, 100000);
	save("sip:b@x", "second", 6, 2000, 100, 100000);
	save("sip:c@x", "other user", 10, 2000, 100, 100000);
	commit();
	ck_assert_int_eq(store_msg_next("sip:b@x", 0, 1500, &m), 1);
	ck_assert_uint_eq(m.body_len, sizeof(bin) - 1);
	ck_assert_int_eq(memcmp(m.body, bin, m.body_len), 0);
	ck_assert_str_eq(m.ctype, "text/plain; charset=\"utf-8\"");
	ck_assert_str_eq(m.sender, "\"A\" <sip:a@out.invalid>;tag=1");
	ck_assert_str_eq(m.recipient, "<sip:b@x>");
	ck_assert_int_eq(m.received, 1000);
	ck_assert_int_eq(m.expires, 2000);
	store_msg_delete(m.id);
	store_msg_clear(&m);
	commit();
	bodies("sip:b@x", 1500, got, sizeof(got));
	ck_assert_str_eq(got, "second");
	bodies("sip:b@x", 2000, got, sizeof(got));
	ck_assert_str_eq(got, "");		/* expired at 2000: not sent */
	bodies("sip:nobody@x", 1500, got, sizeof(got));
	ck_assert_str_eq(got, "");
}
END_TEST

START_TEST(test_limits)
{
	char got[256], b[8];

	for (int i = 1; i <= 5; i++) {
		snprintf(b, sizeof(b), "m%d", i);
		save("sip:b@x", b, strlen(b), 2000, 3, 100000);
	}
	commit();
	bodies("sip:b@x", 1500, got, sizeof(got));
	ck_assert_str_eq(got, "m3|m4|m5");	/* max 3 messages: the oldest went */
	save("sip:b@x", "0123456789", 10, 2000, 3, 13);
	commit();
	bodies("sip:b@x", 1500, got, sizeof(got));
	ck_assert_str_eq(got, "m5|0123456789");	/* 13 bytes: m3, m4 went (m4 would make 14) */
	save("sip:c@x", "untouched", 9, 2000, 1, 1024);
	commit();
	bodies("sip:b@x", 1500, got, sizeof(got));
	ck_assert_str_eq(got, "m5|0123456789");	/* limits are per user */
}
END_TEST

static void
count_aor(const char *aor, void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_expiry_and_aors)
{
	char got[256];
	int64_t min;
	int n = 0;

	save("sip:b@x", "soon", 4, 1100, 10, 1000);
	save("sip:b@x", "later", 5, 3000, 10, 1000);
	save("sip:c@x", "c", 1, 2500, 10, 1000);
	commit();
	ck_assert_int_eq(store_msg_aors(count_aor, &n, &min), 2);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(min, 1100);
	store_msg_delete_expired(2600);
	commit();
	bodies("sip:b@x", 1000, got, sizeof(got));
	ck_assert_str_eq(got, "later");
	n = 0;
	ck_assert_int_eq(store_msg_aors(count_aor, &n, &min), 1);
	ck_assert_int_eq(min, 3000);
}
END_TEST

static Suite *
msgstore_suite(void)
{
	Suite *s = suite_create("msgstore");
	TCase *tc = tcase_create("rows");

	tcase_add_checked_fixture(tc, setup, testenv_teardown);
	tcase_add_test(tc, test_bytes_and_order);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_expiry_and_aors);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(msgstore_suite)
