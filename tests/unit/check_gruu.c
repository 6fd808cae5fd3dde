/* check_gruu.c - GRUUs (gruu.c, RFC 5627): the pub-gruu and temp-gruu made for a REGISTER 200
 * read back to the same AOR and instance; a temp-gruu differs on every refresh, carries the
 * registration epoch, says nothing of the user, and is refused when forged, altered, or made
 * before a new key (sipd's restart); instance IDs that need escaping survive the round trip.
 * Then routing (proxy_target.c on a real store, the location service in memory): a GRUU
 * reaches only its instance's binding, the newest flow of an outbound instance, 480 for an
 * instance not registered, 404 for forged GRUUs, unknown users and a temp-gruu whose Call-ID
 * changed (RFC 5627 5.1); an ACK whose route set is used up goes to the instance a GRUU
 * Request-URI names, not to the GRUU's host. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "domain.h"
#include "fake_transport.h"
#include "flow.h"
#include "gruu.h"
#include "location.h"
#include "pbx.h"
#include "proxy_target.h"
#include "sipmsg.h"
#include "testenv.h"
#include "xmalloc.h"

#define AOR	"sip:alice@example.test"
#define INST1	"\"<urn:uuid:00000000-0000-4000-8000-0000000000a1>\""
#define INST2	"\"<urn:uuid:00000000-0000-4000-8000-0000000000a2>\""

static const struct sipmsg_limits lim = { 65535, 256, 8192 };

static void
setup(void)
{
	testenv_setup("gruu", "example.test", NULL);
	domain_init(cfg);
	flow_init();
	location_init();
	fake_transport_reset();
	testenv_sql("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) VALUES "
	    "('alice', 'example.test', 'r', '', '', NULL), ('bob', 'example.test', 'r', '', '', NULL)");
}

static void
teardown(void)
{
	location_free();
	pbx_invalidate();
	domain_free();
	fake_transport_reset();
	testenv_teardown();
}

/* The value of Contact param name (quoted) in s, into out. */
static void
param_of(const char *s, const char *name, char *out, size_t len)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), ";%s=\"", name);
	ck_assert_msg((p = strstr(s, key)) != NULL, "no %s in %s", name, s);
	p += strlen(key);
	ck_assert_ptr_nonnull(e = strchr(p, '"'));
	ck_assert_uint_lt((size_t)(e - p), len);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

/* The pub-gruu and temp-gruu gruu_contact_params makes for (aor, instance, call_id). */
static void
make(const char *aor, const char *instance, const char *call_id, char *pub, char *temp, size_t len)
{
	struct buf b;
	char *s;

	buf_init(&b, 256);
	ck_assert_int_eq(gruu_contact_params(&b, aor, instance, call_id), 0);
	s = buf_take(&b, NULL);
	param_of(s, "pub-gruu", pub, len);
	param_of(s, "temp-gruu", temp, len);
	free(s);
}

static enum gruu_kind
parse(const char *uri, struct gruu_ref *g)
{
	struct uri_parts u;

	ck_assert_int_eq(uri_split(uri, strlen(uri), &u), 0);
	return gruu_parse(&u, g);
}

START_TEST(test_instance)
{
	char out[GRUU_INSTANCE_MAX];

	ck_assert_int_eq(gruu_instance(INST1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "urn:uuid:00000000-0000-4000-8000-0000000000a1");
	ck_assert_int_eq(gruu_instance("<urn:x>", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "urn:x");
	ck_assert_int_eq(gruu_instance("urn:y", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "urn:y");
	ck_assert_int_eq(gruu_instance("\"<>\"", out, sizeof(out)), -1);
	ck_assert_int_eq(gruu_instance("", out, sizeof(out)), -1);
	ck_assert_int_eq(gruu_instance("urn:long", out, 5), -1);
}
END_TEST

/* RFC 5627 5.4: pub-gruu = AOR;gr=instance; temp-gruu: ours, ;gr without value. */
START_TEST(test_round_trip)
{
	char pub[512], temp[512];
	struct gruu_ref g;

	make(AOR, INST1, "call-1", pub, temp, sizeof(pub));
	ck_assert_str_eq(pub, AOR ";gr=urn:uuid:00000000-0000-4000-8000-0000000000a1");
	ck_assert_int_eq(parse(pub, &g), GRUU_PUB);
	ck_assert_str_eq(g.aor, AOR);
	ck_assert_str_eq(g.instance, "urn:uuid:00000000-0000-4000-8000-0000000000a1");
	ck_assert_int_eq(g.temp, 0);

	ck_assert_msg(strncmp(temp, "sip:tgruu.", 10) == 0, "%s", temp);
	ck_assert_msg(strstr(temp, "@example.test;gr") != NULL, "%s", temp);
	ck_assert_msg(strstr(temp, "alice") == NULL, "the temp-gruu names its user: %s", temp);
	ck_assert_msg(strstr(temp, "uuid") == NULL, "the temp-gruu names its instance: %s", temp);
	ck_assert_int_eq(parse(temp, &g), GRUU_TEMP);
	ck_assert_str_eq(g.aor, AOR);
	ck_assert_str_eq(g.instance, "urn:uuid:00000000-0000-4000-8000-0000000000a1");
	ck_assert_int_eq(g.temp, 1);
	ck_assert(g.epoch == gruu_epoch("call-1"));
	/* the instance matches without regard to case and quoting; the epoch must too */
	ck_assert_int_eq(gruu_matches(&g, "\"<URN:UUID:00000000-0000-4000-8000-0000000000A1>\"",
	    "call-1", 0), 1);
	ck_assert_int_eq(gruu_matches(&g, INST1, "call-2", 0), 0);
	ck_assert_int_eq(gruu_matches(&g, INST1, "call-2", 1), 1);
	ck_assert_int_eq(gruu_matches(&g, INST2, "call-1", 0), 0);
	ck_assert_int_eq(gruu_matches(&g, "", "call-1", 1), 0);
}
END_TEST

/* 5.4: every refresh gets a new temp-gruu; all stay valid. */
START_TEST(test_temp_differs)
{
	char pub1[512], temp1[512], pub2[512], temp2[512];
	struct gruu_ref g;

	make(AOR, INST1, "c", pub1, temp1, sizeof(pub1));
	make(AOR, INST1, "c", pub2, temp2, sizeof(pub2));
	ck_assert_str_eq(pub1, pub2);
	ck_assert_str_ne(temp1, temp2);
	ck_assert_int_eq(parse(temp1, &g), GRUU_TEMP);
	ck_assert_int_eq(parse(temp2, &g), GRUU_TEMP);
}
END_TEST

/* Forged, altered, truncated, or made under another key (an earlier run): GRUU_BAD. */
START_TEST(test_forged)
{
	char pub[512], temp[512], bad[512];
	struct gruu_ref g;

	make(AOR, INST1, "c", pub, temp, sizeof(pub));
	ck_assert_int_eq(parse("sip:alice@example.test", &g), GRUU_NONE);
	ck_assert_int_eq(parse("sip:alice@example.test;transport=udp", &g), GRUU_NONE);
	ck_assert_int_eq(parse("sip:tgruu.AAAA@example.test;gr", &g), GRUU_BAD);
	ck_assert_int_eq(parse("sip:tgruu.@example.test;gr", &g), GRUU_BAD);
	ck_assert_int_eq(parse("sip:tgruu.%2A%2A@example.test;gr", &g), GRUU_BAD);
	ck_assert_int_eq(parse("sip:alice@example.test;gr", &g), GRUU_BAD);	/* no instance */
	ck_assert_int_eq(parse("sip:alice@example.test;gr=urn:%zz", &g), GRUU_BAD);
	ck_assert_int_eq(parse("sip:alice@example.test;gr=urn:%00", &g), GRUU_BAD);
	ck_assert_int_eq(parse("sip:alice@elsewhere.test;gr=urn:x", &g), GRUU_BAD);
	/* one character changed, anywhere in the token, to each other base64url character
	 * (the last one too: its unused low bits must be zero, one spelling per token) */
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 10; temp[i] != '@'; i++)
		for (const char *c = b64; *c != '\0'; c++) {
			if (*c == temp[i])
				continue;
			memcpy(bad, temp, sizeof(bad));
			bad[i] = *c;
			ck_assert_msg(parse(bad, &g) == GRUU_BAD, "altered at %zu: %s", i, bad);
		}
	/* truncated */
	memcpy(bad, temp, sizeof(bad));
	char *at = strchr(bad, '@');
	memmove(at - 4, at, strlen(at) + 1);
	ck_assert_int_eq(parse(bad, &g), GRUU_BAD);
	/* a temp-gruu with a value in gr is not one of ours */
	snprintf(bad, sizeof(bad), "%.*s;gr=x", (int)(strlen(temp) - 3), temp);
	ck_assert_int_eq(parse(bad, &g), GRUU_BAD);
	/* a new key (sipd restarted): the old temp-gruu is gone, the pub-gruu stays */
	ck_assert_int_eq(parse(temp, &g), GRUU_TEMP);
	gruu_init();
	ck_assert_int_eq(parse(temp, &g), GRUU_BAD);
	ck_assert_int_eq(parse(pub, &g), GRUU_PUB);
}
END_TEST

/* An instance ID with characters a URI parameter cannot hold: escaped, and back. */
START_TEST(test_escaped_instance)
{
	char pub[512], temp[512];
	struct gruu_ref g;

	make(AOR, "\"<urn:example:a b%c;d\\\"e>\"", "c", pub, temp, sizeof(pub));
	ck_assert_msg(strchr(pub, ' ') == NULL && strstr(pub, "%20") != NULL, "%s", pub);
	ck_assert_msg(strstr(pub, ";d") == NULL, "%s", pub);
	ck_assert_int_eq(parse(pub, &g), GRUU_PUB);
	ck_assert_str_eq(g.instance, "urn:example:a b%c;d\\\"e");
	ck_assert_int_eq(parse(temp, &g), GRUU_TEMP);
	ck_assert_str_eq(g.instance, "urn:example:a b%c;d\\\"e");
	/* long once escaped (found by fuzz_gruu): the limit applies to the instance itself */
	char inst[GRUU_INSTANCE_MAX], big[1024];
	memset(inst, ' ', 100);
	memcpy(inst, "urn:x:", 6);
	inst[100] = '\0';
	make(AOR, inst, "c", big, temp, sizeof(big));
	ck_assert_uint_gt(strlen(big), 300);
	ck_assert_int_eq(parse(big, &g), GRUU_PUB);
	ck_assert_str_eq(g.instance, inst);
}
END_TEST

/* No GRUU without an instance; a long AOR gets a pub-gruu but no temp-gruu past the limit. */
START_TEST(test_no_gruu)
{
	struct buf b;
	char aor[300], *s;

	buf_init(&b, 64);
	ck_assert_int_eq(gruu_contact_params(&b, AOR, "", "c"), -1);
	ck_assert_int_eq(gruu_contact_params(&b, AOR, "\"<>\"", "c"), -1);
	ck_assert_int_eq(gruu_contact_params(&b, "sip:nobody", INST1, "c"), -1);
	ck_assert_uint_eq(b.len, 0);
	memset(aor, 'u', sizeof(aor));
	memcpy(aor, "sip:", 4);
	snprintf(aor + 200, sizeof(aor) - 200, "@example.test");
	ck_assert_int_eq(gruu_contact_params(&b, aor, INST1, "c"), 0);
	s = buf_take(&b, NULL);
	ck_assert_ptr_nonnull(strstr(s, ";pub-gruu=\""));
	ck_assert_ptr_null(strstr(s, "temp-gruu"));
	free(s);
}
END_TEST

START_TEST(test_is_ours)
{
	ck_assert_int_eq(gruu_is_ours("sip:alice@example.test;gr=urn:uuid:1"), 1);
	ck_assert_int_eq(gruu_is_ours("sip:tgruu.abc@example.test;gr"), 1);
	ck_assert_int_eq(gruu_is_ours("sip:alice@example.test"), 0);
	ck_assert_int_eq(gruu_is_ours("sip:alice@192.0.2.1;gr=urn:uuid:1"), 0);
	ck_assert_int_eq(gruu_is_ours("mailto:x"), 0);
}
END_TEST

/* A binding of alice as a REGISTER would leave it. */
static void
bind_add(const char *instance, int reg_id, const char *ip, int port, const char *call_id,
    int outbound, int64_t updated)
{
	struct binding *b = xcalloc(1, sizeof(*b));
	time_t now = time(NULL);

	xasprintf(&b->key, "%s;reg-id=%d", instance, reg_id);
	xasprintf(&b->contact, "sip:alice@%s:%d", ip, port);
	b->params = xstrdup("");
	b->path = xstrdup("");
	b->call_id = xstrdup(call_id);
	b->branch = xstrdup("z9hG4bKreg");
	b->user_agent = xstrdup("check");
	b->instance = xstrdup(instance);
	b->reg_id = reg_id;
	b->expires = now + 3600;
	b->q = 1000;
	b->updated = updated ? updated : now;
	b->outbound = b->nat = outbound;
	fake_peer_set(&b->received, PROTO_UDP, ip, port, 0);
	location_put(location_get_or_add(AOR), b);
}

/* A request to ruri (in-dialog with to_tag). */
static struct sipmsg *
request(const char *method, const char *ruri, const char *to_tag)
{
	char buf[2048];
	struct sip_err err;
	struct sipmsg *m;

	snprintf(buf, sizeof(buf), "%s %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua1\r\n"
	    "From: <sip:zed@remote.test>;tag=ft1\r\nTo: <%s>%s%s\r\n"
	    "Call-ID: g-1@192.0.2.1\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n", method, ruri, ruri, to_tag ? ";tag=" : "",
	    to_tag ? to_tag : "", method);
	m = sipmsg_parse(buf, strlen(buf), 1, &lim, &err);
	ck_assert_msg(m != NULL && err.status == 0, "does not parse (%d):\n%s", err.status, buf);
	return m;
}

/* proxy_target_local for an INVITE to ruri (in-dialog with to_tag). */
static int
local(const char *ruri, const char *to_tag, struct target *t, int *status)
{
	struct sipmsg *m = request("INVITE", ruri, to_tag);
	struct uri_parts u;
	int n;

	ck_assert_int_eq(uri_split(m->ruri, strlen(m->ruri), &u), 0);
	n = proxy_target_local(m, &u, t, 8, status);
	sipmsg_unref(m);
	return n;
}

/* proxy_target_routed for an ACK to ruri whose route set is used up. */
static int
routed(const char *ruri, struct target *t)
{
	struct sipmsg *m = request("ACK", ruri, "tt");
	int rc = proxy_target_routed(m, 0, t);

	sipmsg_unref(m);
	return rc;
}

/* RFC 5627 6.1: a GRUU reaches its instance only (new and in-dialog requests); 480 / 404. */
START_TEST(test_route)
{
	char pub1[512], temp1[512], pub2[512], temp2[512], old[512];
	struct target t[8];
	int status;

	bind_add(INST1, 0, "192.0.2.11", 5061, "reg-1", 0, 0);
	bind_add(INST2, 0, "192.0.2.12", 5062, "reg-2", 0, 0);
	make(AOR, INST1, "reg-1", pub1, temp1, sizeof(pub1));
	make(AOR, INST2, "reg-2", pub2, temp2, sizeof(pub2));
	ck_assert_int_eq(local(AOR, NULL, t, &status), 2);	/* the AOR: both */
	proxy_target_free(t, 2);
	const char *to[] = { pub1, temp1, pub2, temp2 };
	for (int i = 0; i < 4; i++) {
		for (int dialog = 0; dialog < 2; dialog++) {
			ck_assert_int_eq(local(to[i], dialog ? "tt" : NULL, t, &status), 1);
			ck_assert_str_eq(t[0].uri, i < 2 ? "sip:alice@192.0.2.11:5061" :
			    "sip:alice@192.0.2.12:5062");
			ck_assert_str_eq(t[0].aor, AOR);
			proxy_target_free(t, 1);
		}
	}
	/* an ACK along the route set to a GRUU: to the instance, not to the GRUU's host */
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(routed(to[i], t), 0);
		ck_assert_str_eq(t[0].uri, i < 2 ? "sip:alice@192.0.2.11:5061" :
		    "sip:alice@192.0.2.12:5062");
		ck_assert_ptr_null(t[0].routes);
	}
	ck_assert_int_eq(routed(AOR ";gr=urn:uuid:ffffffff-0000-4000-8000-000000000000", t), -1);
	ck_assert_int_eq(routed("sip:tgruu.AAAA@example.test;gr", t), -1);
	ck_assert_int_eq(proxy_target_gruu(temp1, t), 0);	/* for requests sipd originates */
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.11:5061");
	ck_assert_int_eq(proxy_target_gruu("sip:alice@192.0.2.11:5061", t), 1);
	ck_assert_int_eq(proxy_target_gruu("sip:alice@elsewhere.test;gr=urn:x", t), 1);
	ck_assert_int_eq(routed("sip:alice@192.0.2.11:5061", t), 0);	/* no GRUU: as before */
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.11:5061");
	/* the pub-gruu written another way (instance case) still reaches it */
	ck_assert_int_eq(local("sip:alice@EXAMPLE.test;gr=URN:UUID:00000000-0000-4000-8000-0000000000A1",
	    NULL, t, &status), 1);
	proxy_target_free(t, 1);
	/* an instance never registered: 480; a user that does not exist: 404; forged: 404 */
	ck_assert_int_eq(local(AOR ";gr=urn:uuid:ffffffff-0000-4000-8000-000000000000", NULL, t,
	    &status), 0);
	ck_assert_int_eq(status, 480);
	ck_assert_int_eq(local("sip:nobody@example.test;gr=urn:uuid:1", NULL, t, &status), 0);
	ck_assert_int_eq(status, 404);
	ck_assert_int_eq(local("sip:bob@example.test;gr=urn:uuid:1", NULL, t, &status), 0);
	ck_assert_int_eq(status, 480);	/* bob exists, no phone */
	ck_assert_int_eq(local("sip:tgruu.AAAAAAAA@example.test;gr", NULL, t, &status), 0);
	ck_assert_int_eq(status, 404);
	/* 5.1: instance 1 registers again under a new Call-ID: its old temp-gruu is no more */
	memcpy(old, temp1, sizeof(old));
	bind_add(INST1, 0, "192.0.2.11", 5061, "reg-1b", 0, 0);
	ck_assert_int_eq(local(old, NULL, t, &status), 0);
	ck_assert_int_eq(status, 404);
	ck_assert_int_eq(local(pub1, NULL, t, &status), 1);
	proxy_target_free(t, 1);
	/* instance 2 unregisters: its GRUUs give 480 */
	struct aor *a = location_get(AOR);
	location_remove(a, location_find(a, INST2 ";reg-id=0"));
	ck_assert_int_eq(local(pub2, NULL, t, &status), 0);
	ck_assert_int_eq(status, 480);
	ck_assert_int_eq(local(temp2, NULL, t, &status), 0);
	ck_assert_int_eq(status, 480);
}
END_TEST

/* RFC 5626 5.3 with 5627 6.1: of an outbound instance's flows, only the newest gets it. */
START_TEST(test_route_flows)
{
	char pub[512], temp[512];
	struct target t[8];
	int status;
	time_t now = time(NULL);

	bind_add(INST1, 1, "192.0.2.21", 5071, "reg-1", 1, now - 10);
	bind_add(INST1, 2, "192.0.2.22", 5072, "reg-1", 1, now);
	bind_add(INST2, 1, "192.0.2.23", 5073, "reg-2", 1, now);
	make(AOR, INST1, "reg-1", pub, temp, sizeof(pub));
	ck_assert_int_eq(local(pub, NULL, t, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.22:5072");
	ck_assert_int_eq(t[0].flow, 1);
	proxy_target_free(t, 1);
	ck_assert_int_eq(local(temp, "tt", t, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.22:5072");
	proxy_target_free(t, 1);
}
END_TEST

static Suite *
gruu_suite(void)
{
	Suite *s = suite_create("gruu");
	TCase *tc = tcase_create("gruu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_instance);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_temp_differs);
	tcase_add_test(tc, test_forged);
	tcase_add_test(tc, test_escaped_instance);
	tcase_add_test(tc, test_no_gruu);
	tcase_add_test(tc, test_is_ours);
	tcase_add_test(tc, test_route);
	tcase_add_test(tc, test_route_flows);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(gruu_suite)
