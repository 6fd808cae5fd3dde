/* check_ratelimit.c - ratelimit.c (token bucket per source, bans, trusted exemption, a table
 * of fixed size) and authban.c (failures per name and per address, bans, bounded tables). */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "authban.h"
#include "config.h"
#include "log.h"
#include "ratelimit.h"
#include "sipd.h"

static struct sockaddr_storage
v4(unsigned a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(a);
	s->sin_port = htons(5060);
	return ss;
}

static void
setup(void)
{
	log_init(1, LOG_ERR, "check_ratelimit");
	cfg = config_defaults();
	cfg->flood_rate = 10;
	cfg->flood_burst = 20;
	cfg->flood_ban_time = 60;
	cfg->flood_max_sources = 64;
}

static void
teardown(void)
{
	ratelimit_shutdown();
	authban_shutdown();
	config_free(cfg);
	cfg = NULL;
}

START_TEST(test_burst_then_ban)
{
	struct sockaddr_storage a = v4(0x0a000001), b = v4(0x0a000002);
	int allowed = 0;

	for (int i = 0; i < 100; i++)
		allowed += ratelimit_allow(&a);
	/* the burst, plus what the rate refills while the loop runs (well under a second) */
	ck_assert_int_ge(allowed, 20);
	ck_assert_int_le(allowed, 25);
	ck_assert_int_eq(ratelimit_allow(&a), 0);	/* banned now */
	ck_assert_int_eq(ratelimit_allow(&b), 1);	/* others are not */
}
END_TEST

/* A config whose auth.trusted is list, loaded from a file as sipd loads one (flood limits as
 * setup's). */
static struct sipd_config *
load_trusted(const char *list)
{
	char path[] = "/tmp/check_ratelimit.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;
	struct sipd_config *c;

	ck_assert_int_ne(fd, -1);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "auth: { trusted = [ %s ]; };\n"
	    "flood: { rate = 10; burst = 20; ban_time = 60; max_sources = 64; };\n", list);
	fclose(fp);
	c = config_load(path);
	unlink(path);
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_trusted_exempt)
{
	struct sockaddr_storage a = v4(0xc0a80105);

	config_free(cfg);
	cfg = load_trusted("\"192.168.1.0/24\"");
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(ratelimit_allow(&a), 1);
}
END_TEST

/* A reload swaps the whole config; the trusted list is the new config's even when the new one
 * lands at the address of the old one (a cache keyed by the config's address would keep the
 * old list).  The swap below puts the new config's contents at the old address for certain. */
START_TEST(test_trusted_follows_reload)
{
	struct sockaddr_storage a = v4(0xc0a80105), b = v4(0x0a010203);
	struct sipd_config *next, tmp;

	config_free(cfg);
	cfg = load_trusted("\"192.168.1.0/24\"");
	ck_assert_int_eq(ratelimit_trusted(&a), 1);
	ck_assert_int_eq(ratelimit_trusted(&b), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(ratelimit_allow(&a), 1);
	/* reload: the old config freed, the new one at the same address */
	next = load_trusted("\"10.0.0.0/8\"");
	tmp = *cfg;
	*cfg = *next;
	*next = tmp;
	config_free(next);
	ck_assert_int_eq(ratelimit_trusted(&a), 0);
	ck_assert_int_eq(ratelimit_trusted(&b), 1);
	int allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += ratelimit_allow(&a);
	ck_assert_int_le(allowed, 25);		/* a is limited again: the burst, then a ban */
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(ratelimit_allow(&b), 1);
	/* a reload with no trusted list at all: nobody is exempt any more */
	config_free(cfg);
	cfg = load_trusted("");
	ck_assert_int_eq(ratelimit_trusted(&b), 0);
}
END_TEST

/* Before parsing: requests count, responses do not (dispatch counts the strays), and a banned
 * source is dropped whatever it sends. */
START_TEST(test_message_responses_uncounted)
{
	struct sockaddr_storage a = v4(0x0a000031);
	static const char req[] = "OPTIONS sip:x SIP/2.0\r\n", resp[] = "SIP/2.0 200 OK\r\n";
	int allowed = 0;

	ck_assert_int_eq(ratelimit_is_response(resp, sizeof(resp) - 1), 1);
	ck_assert_int_eq(ratelimit_is_response(req, sizeof(req) - 1), 0);
	ck_assert_int_eq(ratelimit_is_response("SIP/2.0", 7), 0);
	/* 1000 responses at once, 50 times the burst: none counted, none dropped */
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(ratelimit_message(&a, resp, sizeof(resp) - 1), 1);
	/* the requests still have the whole burst */
	for (int i = 0; i < 100; i++)
		allowed += ratelimit_message(&a, req, sizeof(req) - 1);
	ck_assert_int_ge(allowed, 20);
	ck_assert_int_le(allowed, 25);
	/* banned now: its responses are dropped before parsing too */
	ck_assert_int_eq(ratelimit_message(&a, resp, sizeof(resp) - 1), 0);
}
END_TEST

/* Stray responses (dispatch calls ratelimit_allow for each) get a source banned like requests. */
START_TEST(test_stray_responses_counted)
{
	struct sockaddr_storage a = v4(0x0a000032);
	static const char resp[] = "SIP/2.0 200 OK\r\n";
	int through = 0;

	for (int i = 0; i < 100; i++)
		if (ratelimit_message(&a, resp, sizeof(resp) - 1)) {
			through++;
			ratelimit_allow(&a);	/* as dispatch does: it matched no transaction */
		}
	ck_assert_int_ge(through, 20);
	ck_assert_int_le(through, 26);
	ck_assert_int_eq(ratelimit_message(&a, resp, sizeof(resp) - 1), 0);
}
END_TEST

START_TEST(test_rate_zero_no_limit)
{
	struct sockaddr_storage a = v4(0x0a000003);

	cfg->flood_rate = 0;
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(ratelimit_allow(&a), 1);
}
END_TEST

/* A flood from 100,000 forged addresses: the table keeps its size, and a banned source stays
 * banned (unbanned idle entries are evicted first). */
START_TEST(test_bounded_and_bans_kept)
{
	struct sockaddr_storage bad = v4(0x0a0000ff);
	size_t cap;

	while (ratelimit_allow(&bad))
		;
	for (unsigned i = 0; i < 100000; i++) {
		struct sockaddr_storage s = v4(0x0b000000 + i);
		ratelimit_allow(&s);
	}
	ck_assert_uint_le(ratelimit_tracked(&cap), cap);
	ck_assert_uint_eq(cap, 64);
	ck_assert_int_eq(ratelimit_allow(&bad), 0);
}
END_TEST

START_TEST(test_auth_ban_user_and_addr)
{
	struct sip_peer p1, p2, p3;
	time_t now = time(NULL);

	memset(&p1, 0, sizeof(p1));
	p1.addr = v4(0x0a000010);
	p2 = p1;
	p2.addr = v4(0x0a000011);
	p3 = p1;
	p3.addr = v4(0x0a000012);
	cfg->auth_max_failures = 3;
	/* three names from p1: the address is banned, no name is */
	authban_failure("a", "REGISTER", "credentials", &p1, now);
	authban_failure("b", "REGISTER", "credentials", &p1, now);
	ck_assert_int_eq(authban_banned("c", &p1, now), 0);
	authban_failure("c", "REGISTER", "credentials", &p1, now);
	ck_assert_int_eq(authban_banned("zzz", &p1, now), 1);
	ck_assert_int_eq(authban_banned("a", &p2, now), 0);
	/* one name from three addresses: the name is banned everywhere, known user or not */
	authban_failure("nobody", "REGISTER", "credentials", &p2, now);
	authban_failure("nobody", "INVITE", "credentials", &p3, now);
	authban_failure("nobody", "REGISTER", "replay", &p2, now);
	ck_assert_int_eq(authban_banned("nobody", &p3, now), 1);
	/* the ban ends */
	ck_assert_int_eq(authban_banned("nobody", &p3, now + cfg->auth_ban_time + 1), 0);
	/* a failure window that ran out starts the count again (a fresh address, p4) */
	struct sip_peer p4 = p1;
	p4.addr = v4(0x0a000013);
	authban_failure("d", "REGISTER", "credentials", &p4, now);
	authban_failure("d", "REGISTER", "credentials", &p4, now);
	authban_failure("d", "REGISTER", "credentials", &p4, now + cfg->auth_failure_window);
	ck_assert_int_eq(authban_banned("d", &p4, now + cfg->auth_failure_window), 0);
}
END_TEST

START_TEST(test_auth_ban_off)
{
	struct sip_peer p;
	time_t now = time(NULL);

	memset(&p, 0, sizeof(p));
	p.addr = v4(0x0a000020);
	cfg->auth_max_failures = 0;
	for (int i = 0; i < 50; i++)
		authban_failure("x", "REGISTER", "credentials", &p, now);
	ck_assert_int_eq(authban_banned("x", &p, now), 0);
	ck_assert_uint_eq(authban_tracked(), 0);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *t = tcase_create("flood"), *a = tcase_create("authban");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_burst_then_ban);
	tcase_add_test(t, test_trusted_exempt);
	tcase_add_test(t, test_trusted_follows_reload);
	tcase_add_test(t, test_rate_zero_no_limit);
	tcase_add_test(t, test_message_responses_uncounted);
	tcase_add_test(t, test_stray_responses_counted);
	tcase_add_test(t, test_bounded_and_bans_kept);
	suite_add_tcase(s, t);
	tcase_add_checked_fixture(a, setup, teardown);
	tcase_add_test(a, test_auth_ban_user_and_addr);
	tcase_add_test(a, test_auth_ban_off);
	suite_add_tcase(s, a);
	return s;
}

CHECK_MAIN(ratelimit_suite)
