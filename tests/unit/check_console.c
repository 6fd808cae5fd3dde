/* check_console.c - the web console's pure parts: JSON/HTML/CSV escaping, password hashing,
 * sessions and CSRF tokens, cookies, the provisioning XML and the QR code's SVG. */
#include <check.h>

#include "check_main.h"
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "console.h"
#include "console_auth.h"

static char *
json(const char *s)
{
	struct buf b;

	buf_init(&b, 64);
	console_json_str(&b, s);
	return buf_take(&b, NULL);
}

START_TEST(test_json_escape)
{
	char *j = json("<script>alert(\"x\")</script>&\\\n\x01");

	ck_assert_str_eq(j, "\"\\u003cscript\\u003ealert(\\\"x\\\")\\u003c/script\\u003e\\u0026"
	    "\\\\\\u000a\\u0001\"");
	free(j);
	j = json(NULL);
	ck_assert_str_eq(j, "\"\"");
	free(j);
	j = json("caf\xc3\xa9");	/* UTF-8 passes as is */
	ck_assert_str_eq(j, "\"caf\xc3\xa9\"");
	free(j);
}
END_TEST

START_TEST(test_html_csv_escape)
{
	struct buf b;
	char *s;

	buf_init(&b, 64);
	console_html_escape(&b, "<a href='x'>\"&\"</a>\x02");
	s = buf_take(&b, NULL);
	ck_assert_str_eq(s, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;\xef\xbf\xbd");
	free(s);
	buf_init(&b, 64);
	console_csv_field(&b, "plain");
	buf_adds(&b, ",");
	console_csv_field(&b, "a,\"b\"\r\nc");
	buf_adds(&b, ",");
	console_csv_field(&b, NULL);
	s = buf_take(&b, NULL);
	ck_assert_str_eq(s, "plain,\"a,\"\"b\"\"\r\nc\",");
	free(s);
	buf_init(&b, 64);
	console_csv_field(&b, "=HYPERLINK(\"x\")");
	buf_adds(&b, ",");
	console_csv_field(&b, "@SUM(1)");
	buf_adds(&b, ",");
	console_csv_field(&b, "-12.5");
	buf_adds(&b, ",");
	console_csv_field(&b, "sip:a@b");
	s = buf_take(&b, NULL);
	ck_assert_str_eq(s, "\"'=HYPERLINK(\"\"x\"\")\",'@SUM(1),-12.5,sip:a@b");
	free(s);
}
END_TEST

START_TEST(test_password_hash)
{
	char h1[CONSOLE_HASH_MAX], h2[CONSOLE_HASH_MAX];

	ck_assert_int_eq(console_auth_hash("correct horse", h1, sizeof(h1)), 0);
	ck_assert_int_eq(console_auth_hash("correct horse", h2, sizeof(h2)), 0);
	ck_assert(strncmp(h1, "scrypt$16384$8$1$", 17) == 0);
	ck_assert_str_ne(h1, h2);		/* a fresh salt each time */
	ck_assert(strstr(h1, "correct") == NULL);
	ck_assert_int_eq(console_auth_verify("correct horse", h1), 1);
	ck_assert_int_eq(console_auth_verify("correct horse", h2), 1);
	ck_assert_int_eq(console_auth_verify("correct hors", h1), 0);
	ck_assert_int_eq(console_auth_verify("", h1), 0);
	ck_assert_int_eq(console_auth_verify("correct horse", ""), 0);
	ck_assert_int_eq(console_auth_verify("correct horse", "plain:correct horse"), 0);
	h1[strlen(h1) - 1] ^= 1;		/* one bit of the hash off */
	ck_assert_int_eq(console_auth_verify("correct horse", h1), 0);
	/* absurd costs are refused before any work */
	ck_assert_int_eq(console_auth_verify("x", "scrypt$1099511627776$8$1$"
	    "000102030405060708090a0b0c0d0e0f$"
	    "0000000000000000000000000000000000000000000000000000000000000000"), 0);
	ck_assert_int_eq(console_auth_hash("x", h1, 20), -1);	/* no room */
}
END_TEST

START_TEST(test_sessions_csrf)
{
	const struct console_session *s, *t;
	char id[CONSOLE_TOKEN_LEN + 1], first[CONSOLE_TOKEN_LEN + 1];

	s = console_session_new("root", 1000);
	ck_assert_uint_eq(strlen(s->id), CONSOLE_TOKEN_LEN);
	ck_assert_uint_eq(strlen(s->csrf), CONSOLE_TOKEN_LEN);
	ck_assert_str_ne(s->id, s->csrf);
	ck_assert_str_eq(s->admin, "root");
	strcpy(id, s->id);
	ck_assert_ptr_eq(console_session_get(id, 1500, 600), s);
	ck_assert(console_csrf_ok(s, s->csrf));
	ck_assert(!console_csrf_ok(s, NULL));
	ck_assert(!console_csrf_ok(s, ""));
	ck_assert(!console_csrf_ok(s, s->id));
	ck_assert(!console_csrf_ok(s, "short"));
	/* idle longer than the timeout (from the last use, 1500): gone, and stays gone */
	ck_assert_ptr_null(console_session_get(id, 2101, 600));
	ck_assert_ptr_null(console_session_get(id, 1500, 600));
	ck_assert_ptr_null(console_session_get("", 1500, 600));
	ck_assert_ptr_null(console_session_get("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1500, 600));
	/* logout */
	t = console_session_new("root", 3000);
	strcpy(id, t->id);
	console_session_drop(id);
	ck_assert_ptr_null(console_session_get(id, 3000, 600));
	/* bounded: the least recently used goes first */
	strcpy(first, console_session_new("a", 4000)->id);
	for (int i = 0; i < 64; i++)
		console_session_new("b", 4001 + i);
	ck_assert_ptr_null(console_session_get(first, 4100, 600));
	console_session_clear();
}
END_TEST

START_TEST(test_cookie)
{
	char v[40];

	ck_assert_int_eq(console_cookie_get("a=1; sipd_session=XYZ; b=2", "sipd_session", v,
	    sizeof(v)), 0);
	ck_assert_str_eq(v, "XYZ");
	ck_assert_int_eq(console_cookie_get("sipd_session=Q", "sipd_session", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "Q");
	ck_assert_int_eq(console_cookie_get("xsipd_session=XYZ", "sipd_session", v, sizeof(v)), -1);
	ck_assert_int_eq(console_cookie_get("sipd_sessionx=XYZ", "sipd_session", v, sizeof(v)), -1);
	ck_assert_int_eq(console_cookie_get("", "sipd_session", v, sizeof(v)), -1);
	ck_assert_int_eq(console_cookie_get("sipd_session=0123456789012345678901234567890123456789"
	    "0123456789", "sipd_session", v, sizeof(v)), -1);	/* too long: refused, not cut */
}
END_TEST

START_TEST(test_provision_xml)
{
	struct console_account a = { .username = "al&ice", .domain = "example.org",
	    .realm = "example.org", .ha1_md5 = "0123456789abcdef0123456789abcdef",
	    .proxy = "<sip:192.0.2.1:5061;transport=tls>", .display = "Al <i>" };
	size_t len;
	char *x = console_provision_xml(&a, &len);

	ck_assert_uint_eq(strlen(x), len);
	ck_assert(strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config xmlns="
	    "\"http://www.linphone.org/xsds/lpconfig.xsd\"", 80) == 0);
	ck_assert_ptr_nonnull(strstr(x, "<section name=\"auth_info_0\">"));
	ck_assert_ptr_nonnull(strstr(x, "<entry name=\"ha1\" overwrite=\"true\">"
	    "0123456789abcdef0123456789abcdef</entry>"));
	ck_assert_ptr_nonnull(strstr(x, "<entry name=\"username\" overwrite=\"true\">al&amp;ice"));
	ck_assert_ptr_nonnull(strstr(x, "<entry name=\"reg_proxy\" overwrite=\"true\">"
	    "&lt;sip:192.0.2.1:5061;transport=tls&gt;</entry>"));
	ck_assert_ptr_nonnull(strstr(x, "<entry name=\"reg_identity\" overwrite=\"true\">"
	    "&quot;Al &lt;i&gt;&quot; &lt;sip:al&amp;ice@example.org&gt;</entry>"));
	ck_assert_ptr_nonnull(strstr(x, "<entry name=\"realm\" overwrite=\"true\">example.org"));
	ck_assert_ptr_null(strstr(x, "passwd"));
	ck_assert_ptr_null(strstr(x, "<i>"));
	ck_assert(strcmp(x + len - 10, "</config>\n") == 0);
	free(x);
}
END_TEST

START_TEST(test_qr_svg)
{
	char *s = console_qr_svg("http://192.0.2.1:8060/provision/abcdefghijklmnopqrstuvwxyz012345");

	ck_assert_ptr_nonnull(s);
	ck_assert(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 52) == 0);
	ck_assert_ptr_nonnull(strstr(s, "<path fill=\"#000\" d=\"M"));
	ck_assert(strcmp(s + strlen(s) - 9, "\"/></svg>") == 0);
	free(s);
}
END_TEST

static Suite *
console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_html_csv_escape);
	tcase_add_test(tc, test_password_hash);
	tcase_add_test(tc, test_sessions_csrf);
	tcase_add_test(tc, test_cookie);
	tcase_add_test(tc, test_provision_xml);
	tcase_add_test(tc, test_qr_svg);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(console_suite)
