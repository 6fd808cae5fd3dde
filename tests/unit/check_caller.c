/* check_caller.c - caller.c: auth.trusted matching (IPv4, IPv6, from the config as loaded, a
 * reload's list in force at once) and which requests caller_check lets go on without asking
 * for credentials.  The digest path itself (challenge, verify, 403) is driven end to end by
 * tests/integration/reg_auth.sh and proxy_auth.sh. */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caller.h"
#include "../../src/config.h"
#include "domain.h"
#include "log.h"
#include "sipmsg.h"

static struct sockaddr_storage
addr_of(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		ss.ss_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else {
		ss.ss_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	return ss;
}

/* Load a config file holding text, the way sipd loads sipd.conf, and make it the one in force. */
static void
use_config(const char *text)
{
	char path[] = "/tmp/check_caller.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;

	ck_assert_int_ne(fd, -1);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	config_free(cfg);
	cfg = config_load(path);
	unlink(path);
	ck_assert_ptr_nonnull(cfg);
	domain_init(cfg);
}

static void
setup(void)
{
	log_init(1, LOG_ERR, "check_caller");
}

static void
teardown(void)
{
	domain_free();
	config_free(cfg);
	cfg = NULL;
}

/* src trusted? with the config in force */
static int
trusted(const char *src)
{
	struct sockaddr_storage ss = addr_of(src);

	return caller_trusted(&ss);
}

START_TEST(test_trusted_v4)
{
	use_config("auth: { trusted = [ \"192.168.1.0/24\", \"10.9.8.7\", \"172.16.0.0/12\" ]; };\n");
	ck_assert_int_eq(trusted("192.168.1.0"), 1);
	ck_assert_int_eq(trusted("192.168.1.254"), 1);
	ck_assert_int_eq(trusted("192.168.0.254"), 0);
	ck_assert_int_eq(trusted("10.9.8.7"), 1);
	ck_assert_int_eq(trusted("10.9.8.6"), 0);
	ck_assert_int_eq(trusted("172.31.255.255"), 1);	/* /12: not on a byte boundary */
	ck_assert_int_eq(trusted("172.32.0.0"), 0);
	ck_assert_int_eq(trusted("::ffff:10.9.8.7"), 0);	/* another family */
}
END_TEST

START_TEST(test_trusted_v6)
{
	use_config("auth: { trusted = [ \"2001:db8:1::/48\", \"::1\", \"fd00::/7\" ]; };\n");
	ck_assert_int_eq(trusted("2001:db8:1:ffff::5"), 1);
	ck_assert_int_eq(trusted("2001:db8:2::5"), 0);
	ck_assert_int_eq(trusted("::1"), 1);
	ck_assert_int_eq(trusted("::2"), 0);
	ck_assert_int_eq(trusted("fdff::1"), 1);		/* /7 takes fc00::-fdff:: */
	ck_assert_int_eq(trusted("fc00::1"), 1);
	ck_assert_int_eq(trusted("fe00::1"), 0);
	ck_assert_int_eq(trusted("127.0.0.1"), 0);
}
END_TEST

START_TEST(test_trusted_none_and_all)
{
	use_config("sip: { domains = [ \"example.test\" ]; };\n");
	ck_assert_int_eq(trusted("127.0.0.1"), 0);
	ck_assert_int_eq(trusted("::1"), 0);
	use_config("auth: { trusted = [ \"0.0.0.0/0\", \"::/0\" ]; };\n");
	ck_assert_int_eq(trusted("203.0.113.9"), 1);
	ck_assert_int_eq(trusted("2001:db8::9"), 1);
}
END_TEST

/* A reload's list is in force at once, the old one gone with its config. */
START_TEST(test_trusted_reload)
{
	use_config("auth: { trusted = [ \"192.168.1.0/24\" ]; };\n");
	ck_assert_int_eq(trusted("192.168.1.7"), 1);
	use_config("auth: { trusted = [ \"10.0.0.0/8\" ]; };\n");
	ck_assert_int_eq(trusted("192.168.1.7"), 0);
	ck_assert_int_eq(trusted("10.200.0.1"), 1);
}
END_TEST

/* Parse a request from src; the caller unrefs it. */
static struct sipmsg *
request(const char *text, const char *src)
{
	struct sipmsg_limits lim = { 65535, 128, 8192 };
	struct sip_err err;
	struct sipmsg *m = sipmsg_parse(text, strlen(text), 1, &lim, &err);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(err.status, 0);
	m->src.addr = addr_of(src);
	return m;
}

#define INVITE(from, totag, method)						\
	method " sip:bob@example.test SIP/2.0\r\n"				\
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"			\
	"Max-Forwards: 70\r\n"							\
	"From: <" from ">;tag=a\r\n"						\
	"To: <sip:bob@example.test>" totag "\r\n"				\
	"Call-ID: c1@192.0.2.1\r\n"						\
	"CSeq: 1 " method "\r\n"						\
	"Content-Length: 0\r\n\r\n"

/* caller_check answers nothing (so no transaction is needed) for these: 1 for a trusted
 * peer, 0 for requests that need no credentials. */
START_TEST(test_check_without_credentials)
{
	static const struct {
		const char	*text, *src;
		int		 want;
	} cases[] = {
		/* a trusted peer, even naming a local user */
		{ INVITE("sip:alice@example.test", "", "INVITE"), "10.1.1.1", 1 },
		/* from another domain: accepted toward our users, no challenge */
		{ INVITE("sip:carol@elsewhere.example", "", "INVITE"), "192.0.2.1", 0 },
		/* mid-dialog, ACK: never challenged */
		{ INVITE("sip:alice@example.test", ";tag=b", "INVITE"), "192.0.2.1", 0 },
		{ INVITE("sip:alice@example.test", "", "ACK"), "192.0.2.1", 0 },
	};

	use_config("sip: { domains = [ \"example.test\" ]; };\n"
	    "auth: { calls = 1; trusted = [ \"10.1.1.0/24\" ]; };\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sipmsg *m = request(cases[i].text, cases[i].src);
		ck_assert_msg(caller_check(NULL, m) == cases[i].want, "case %zu", i);
		sipmsg_unref(m);
	}
	/* auth.calls = 0: nobody is asked */
	use_config("sip: { domains = [ \"example.test\" ]; };\nauth: { calls = 0; };\n");
	struct sipmsg *m = request(INVITE("sip:alice@example.test", "", "INVITE"), "192.0.2.1");
	ck_assert_int_eq(caller_check(NULL, m), 0);
	sipmsg_unref(m);
}
END_TEST

static Suite *
caller_suite(void)
{
	Suite *s = suite_create("caller");
	TCase *t = tcase_create("trusted"), *c = tcase_create("check");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_trusted_v4);
	tcase_add_test(t, test_trusted_v6);
	tcase_add_test(t, test_trusted_none_and_all);
	tcase_add_test(t, test_trusted_reload);
	suite_add_tcase(s, t);
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, test_check_without_credentials);
	suite_add_tcase(s, c);
	return s;
}

CHECK_MAIN(caller_suite)
