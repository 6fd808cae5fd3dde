/* check_proxy_target.c - target determination (proxy_target.c) on a real SQLite store in a temp
 * directory and the location service in memory (location.c): a user's bindings in q order, NAT'd
 * bindings reached where they registered from, outbound flows (RFC 5626) live and dead, Path
 * (RFC 3327), extensions, 404 / 480, ring groups and forwards (pbx.c), the next hop of a Route
 * set (16.4) with a flow token in our Route, and RFC 3263 servers in DNS order.  The recording
 * transport (fake_transport.c) says which stream connections are alive. */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "domain.h"
#include "fake_transport.h"
#include "flow.h"
#include "location.h"
#include "pbx.h"
#include "proxy_target.h"
#include "sipmsg.h"
#include "store.h"
#include "testenv.h"
#include "transport.h"
#include "xmalloc.h"

static const struct sipmsg_limits lim = { 65535, 256, 8192 };

static void
setup(void)
{
	testenv_setup("proxy_target", "example.test", NULL);
	domain_init(cfg);
	flow_init();
	location_init();
	fake_transport_reset();
	testenv_sql("INSERT INTO users (username, domain, realm, ha1_md5, ha1_sha256, extension) VALUES "
	    "('alice', 'example.test', 'r', '', '', '1001'),"
	    " ('bob', 'example.test', 'r', '', '', '1002'),"
	    " ('carol', 'example.test', 'r', '', '', '1003'),"
	    " ('dave', 'example.test', 'r', '', '', NULL)");
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

/* Is p ip:port? */
static void
peer_is(const struct sip_peer *p, const char *ip, int port)
{
	char host[64];
	int pt;

	ck_assert_ptr_nonnull(sip_addr_host(&p->addr, host, sizeof(host), &pt));
	ck_assert_str_eq(host, ip);
	ck_assert_int_eq(pt, port);
}

/* What a REGISTER would leave in the location service. */
struct reg {
	const char	*contact;
	int		 q;
	enum sip_proto	 proto;
	const char	*ip;		/* received from */
	int		 port;
	uint64_t	 conn;
	int		 nat, outbound, reg_id;
	const char	*instance, *path;
	int64_t		 updated;
	int		 expired;
};

#define REG(...)	(&(struct reg){ __VA_ARGS__ })

static void
bind_add(const char *aor, const struct reg *r)
{
	struct binding *b = xcalloc(1, sizeof(*b));
	time_t now = time(NULL);

	if (r->outbound)
		xasprintf(&b->key, "%s;%d", r->instance, r->reg_id);
	else
		b->key = xstrdup(r->contact);
	b->contact = xstrdup(r->contact);
	b->params = xstrdup("");
	b->path = xstrdup(r->path ? r->path : "");
	b->call_id = xstrdup("reg-call");
	b->cseq = 1;
	b->branch = xstrdup("z9hG4bKreg");
	b->user_agent = xstrdup("check");
	b->instance = xstrdup(r->instance ? r->instance : "");
	b->reg_id = r->reg_id;
	b->expires = r->expired ? now - 10 : now + 3600;
	b->q = r->q;
	b->updated = r->updated ? r->updated : now;
	fake_peer_set(&b->received, r->proto, r->ip, r->port, r->conn);
	b->nat = r->nat;
	b->outbound = r->outbound;
	location_put(location_get_or_add(aor), b);
}

/* A request parsed as if it came from 192.0.2.1:5060 over UDP. */
static struct sipmsg *
request(const char *method, const char *ruri, const char *to_tag, const char *route)
{
	char buf[2048];
	struct sip_err err;
	struct sipmsg *m;

	snprintf(buf, sizeof(buf), "%s %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKua1\r\n"
	    "%s%s%s"
	    "From: <sip:zed@remote.test>;tag=ft1\r\n"
	    "To: <%s>%s%s\r\n"
	    "Call-ID: pt-1@192.0.2.1\r\n"
	    "CSeq: 1 %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "Content-Length: 0\r\n\r\n", method, ruri,
	    route ? "Route: " : "", route ? route : "", route ? "\r\n" : "",
	    ruri, to_tag ? ";tag=" : "", to_tag ? to_tag : "", method);
	m = sipmsg_parse(buf, strlen(buf), 1, &lim, &err);
	ck_assert_msg(m != NULL && err.status == 0, "does not parse (%d):\n%s", err.status, buf);
	fake_peer_set(&m->src, PROTO_UDP, "192.0.2.1", 5060, 0);
	return m;
}

/* proxy_target_local for a new INVITE to ruri: the count, status into *status. */
static int
local(const char *ruri, const char *to_tag, struct target *t, int max, int *status)
{
	struct sipmsg *m = request("INVITE", ruri, to_tag, NULL);
	struct uri_parts u;
	int n;

	ck_assert_int_eq(uri_split(m->ruri, strlen(m->ruri), &u), 0);
	n = proxy_target_local(m, &u, t, max, status);
	sipmsg_unref(m);
	return n;
}

/* Several bindings: all of them, highest q first (the serial forking groups of 16.6), each at
 * its Contact when it is not behind NAT. */
START_TEST(test_bindings_by_q)
{
	struct target t[8];
	int status, n;

	bind_add("sip:alice@example.test", REG(.contact = "sip:alice@192.0.2.10:5060", .q = 500,
	    .proto = PROTO_UDP, .ip = "192.0.2.10", .port = 5060));
	bind_add("sip:alice@example.test", REG(.contact = "sip:alice@192.0.2.11:5062", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.11", .port = 5062));
	bind_add("sip:alice@example.test", REG(.contact = "sip:alice@192.0.2.12", .q = 100,
	    .proto = PROTO_UDP, .ip = "192.0.2.12", .port = 5060));
	bind_add("sip:alice@example.test", REG(.contact = "sip:alice@192.0.2.13", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.13", .port = 5060, .expired = 1));
	n = local("sip:alice@example.test", NULL, t, 8, &status);
	ck_assert_int_eq(n, 3);		/* the expired one is not a target */
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.11:5062");
	ck_assert_int_eq(t[0].q, 1000);
	peer_is(&t[0].dst, "192.0.2.11", 5062);
	ck_assert_str_eq(t[1].uri, "sip:alice@192.0.2.10:5060");
	ck_assert_int_eq(t[1].q, 500);
	ck_assert_str_eq(t[2].uri, "sip:alice@192.0.2.12");
	ck_assert_int_eq(t[2].q, 100);
	peer_is(&t[2].dst, "192.0.2.12", 5060);	/* the default port */
	for (int i = 0; i < n; i++) {
		ck_assert_str_eq(t[i].aor, "sip:alice@example.test");
		ck_assert_int_eq(t[i].nat, 0);
		ck_assert_int_eq(t[i].flow, 0);
		ck_assert_int_eq(t[i].plan, 0);
		ck_assert_ptr_null(t[i].routes);
		ck_assert_int_eq(t[i].dst.proto, PROTO_UDP);
	}
	proxy_target_free(t, n);
	/* max caps the set */
	ck_assert_int_eq(local("sip:alice@example.test", NULL, t, 2, &status), 2);
	proxy_target_free(t, 2);
	/* a Contact with transport=tcp goes over TCP */
	bind_add("sip:dave@example.test", REG(.contact = "sip:dave@192.0.2.14:5070;transport=tcp",
	    .q = 1000, .proto = PROTO_UDP, .ip = "192.0.2.14", .port = 5070));
	ck_assert_int_eq(local("sip:dave@example.test", NULL, t, 8, &status), 1);
	ck_assert_int_eq(t[0].dst.proto, PROTO_TCP);
	peer_is(&t[0].dst, "192.0.2.14", 5070);
	proxy_target_free(t, 1);
}
END_TEST

/* A binding behind NAT is reached where its REGISTER came from (RFC 3581), not at its private
 * Contact, and the Record-Route carries a flow token for it. */
START_TEST(test_nat)
{
	struct target t[4];
	int status;

	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@10.0.0.5:5060", .q = 1000,
	    .proto = PROTO_UDP, .ip = "203.0.113.7", .port = 40000, .nat = 1));
	ck_assert_int_eq(local("sip:bob@example.test", NULL, t, 4, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:bob@10.0.0.5:5060");	/* the R-URI stays its Contact */
	peer_is(&t[0].dst, "203.0.113.7", 40000);
	ck_assert_int_eq(t[0].dst.proto, PROTO_UDP);
	ck_assert_int_eq(t[0].nat, 1);
	ck_assert_int_eq(t[0].flow, 1);
	proxy_target_free(t, 1);
	/* a Contact that is a host name cannot be reached: where it registered from instead */
	location_remove_aor("sip:bob@example.test");
	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@phone.invalid", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.20", .port = 5066));
	ck_assert_int_eq(local("sip:bob@example.test", NULL, t, 4, &status), 1);
	peer_is(&t[0].dst, "192.0.2.20", 5066);
	ck_assert_int_eq(t[0].nat, 0);
	ck_assert_int_eq(t[0].flow, 0);		/* UDP and not NAT'd: no token needed */
	proxy_target_free(t, 1);
}
END_TEST

/* RFC 5626: an outbound binding goes down the flow it registered on; of one instance's flows
 * only the newest is used; when its flows are all gone the answer is 430, not 480. */
START_TEST(test_outbound_flow)
{
	struct target t[4];
	int status;
	time_t now = time(NULL);

	bind_add("sip:carol@example.test", REG(.contact = "sip:carol@10.0.0.9:5060;transport=tcp",
	    .q = 1000, .proto = PROTO_TCP, .ip = "203.0.113.8", .port = 50000, .conn = 42, .nat = 1,
	    .outbound = 1, .reg_id = 1, .instance = "<urn:uuid:c1>", .updated = now - 5));
	bind_add("sip:carol@example.test", REG(.contact = "sip:carol@10.0.0.9:5060;transport=tcp",
	    .q = 1000, .proto = PROTO_TCP, .ip = "203.0.113.8", .port = 50001, .conn = 43, .nat = 1,
	    .outbound = 1, .reg_id = 2, .instance = "<urn:uuid:c1>", .updated = now));
	ck_assert_int_eq(local("sip:carol@example.test", NULL, t, 4, &status), 1);
	ck_assert_int_eq(t[0].dst.proto, PROTO_TCP);
	ck_assert_uint_eq(t[0].dst.conn, 43);		/* the newer flow; the other backs it up */
	peer_is(&t[0].dst, "203.0.113.8", 50001);
	ck_assert_int_eq(t[0].flow, 1);
	ck_assert_int_eq(t[0].nat, 1);
	proxy_target_free(t, 1);
	/* one binding's target by its key, as a request to the AOR would reach it */
	ck_assert_int_eq(proxy_target_binding("sip:carol@example.test", "<urn:uuid:c1>;1", t), -1);
	ck_assert_int_eq(proxy_target_binding("sip:carol@example.test", "<urn:uuid:c1>;2", t), 0);
	ck_assert_uint_eq(t[0].dst.conn, 43);
	proxy_target_free(t, 1);
	ck_assert_int_eq(proxy_target_binding("sip:carol@example.test", "nope", t), -1);
	ck_assert_int_eq(proxy_target_binding("sip:nobody@example.test", "nope", t), -1);
	/* the connections closed: the flows are skipped, 430 (RFC 5626 5.3) */
	fake_conn_alive = 0;
	ck_assert_int_eq(local("sip:carol@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 430);
	/* a stream binding that is not outbound and not NAT'd (Contact on the address it came
	 * from): a new connection to its Contact instead of the dead one */
	bind_add("sip:dave@example.test", REG(.contact = "sip:dave@192.0.2.30:5070;transport=tcp",
	    .q = 1000, .proto = PROTO_TCP, .ip = "192.0.2.30", .port = 40001, .conn = 44,
	    .nat = 1));
	ck_assert_int_eq(local("sip:dave@example.test", NULL, t, 4, &status), 1);
	ck_assert_uint_eq(t[0].dst.conn, 0);
	peer_is(&t[0].dst, "192.0.2.30", 5070);
	ck_assert_int_eq(t[0].dst.proto, PROTO_TCP);
	proxy_target_free(t, 1);
	/* behind NAT on a dead connection, not outbound: nothing, and 480 (not 430) */
	location_remove_aor("sip:dave@example.test");
	bind_add("sip:dave@example.test", REG(.contact = "sip:dave@10.0.0.30:5070;transport=tcp",
	    .q = 1000, .proto = PROTO_TCP, .ip = "192.0.2.30", .port = 40001, .conn = 44,
	    .nat = 1));
	ck_assert_int_eq(local("sip:dave@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 480);
}
END_TEST

/* RFC 3327: a binding's Path becomes the Route set, its first hop the destination. */
START_TEST(test_path)
{
	struct target t[4];
	int status;

	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@10.0.0.5:5060", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.40", .port = 5060, .nat = 1,
	    .path = "<sip:192.0.2.60:5080;lr>,<sip:edge2.test;lr>"));
	ck_assert_int_eq(local("sip:bob@example.test", NULL, t, 4, &status), 1);
	peer_is(&t[0].dst, "192.0.2.60", 5080);
	ck_assert_str_eq(t[0].routes, "Route: <sip:192.0.2.60:5080;lr>,<sip:edge2.test;lr>\r\n");
	proxy_target_free(t, 1);
	/* a first hop that is a host name is not reachable: no target */
	location_remove_aor("sip:bob@example.test");
	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@10.0.0.5:5060", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.40", .port = 5060, .path = "<sip:edge.invalid;lr>"));
	ck_assert_int_eq(local("sip:bob@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 480);
}
END_TEST

/* An extension number reaches its user's bindings. */
START_TEST(test_extension)
{
	struct target t[4];
	int status;

	bind_add("sip:alice@example.test", REG(.contact = "sip:alice@192.0.2.10", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.10", .port = 5060));
	ck_assert_int_eq(local("sip:1001@example.test", NULL, t, 4, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.10");
	ck_assert_str_eq(t[0].aor, "sip:alice@example.test");
	proxy_target_free(t, 1);
	/* an extension of a user with no binding: 480 */
	ck_assert_int_eq(local("sip:1002@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 480);
}
END_TEST

/* No target: 480 for a user of ours with no phone registered, 404 for no such user. */
START_TEST(test_unreachable)
{
	struct target t[4];
	int status;

	ck_assert_int_eq(local("sip:bob@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 480);
	ck_assert_int_eq(local("sip:nobody@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 404);
	/* a registered AOR whose bindings have all expired is known: 480 */
	bind_add("sip:ghost@example.test", REG(.contact = "sip:ghost@192.0.2.50", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.50", .port = 5060, .expired = 1));
	ck_assert_int_eq(local("sip:ghost@example.test", NULL, t, 4, &status), 0);
	ck_assert_int_eq(status, 480);
}
END_TEST

/* A ring group's number expands to its members' bindings (a PBX plan, stage 0). */
START_TEST(test_ring_group)
{
	struct target t[8];
	int status, n;

	testenv_sql("INSERT INTO ring_groups VALUES ('600', 'example.test', 'parallel', 20);"
	    "INSERT INTO ring_group_members VALUES ('600', 'example.test', 'alice', 1, 0),"
	    "('600', 'example.test', '1002', 0.5, 0), ('600', 'example.test', 'dave', 0.2, 0)");
	bind_add("sip:alice@example.test", REG(.contact = "sip:alice@192.0.2.10", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.10", .port = 5060));
	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@192.0.2.20", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.20", .port = 5060));
	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@192.0.2.21", .q = 500,
	    .proto = PROTO_UDP, .ip = "192.0.2.21", .port = 5060));
	n = local("sip:600@example.test", NULL, t, 8, &status);
	ck_assert_int_eq(n, 3);		/* dave has no phone: nothing of his */
	ck_assert_str_eq(t[0].uri, "sip:alice@192.0.2.10");
	ck_assert_str_eq(t[1].uri, "sip:bob@192.0.2.20");
	ck_assert_str_eq(t[2].uri, "sip:bob@192.0.2.21");
	ck_assert_str_eq(t[1].aor, "sip:bob@example.test");
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(t[i].plan, 1);
		ck_assert_int_eq(t[i].stage, 0);
		ck_assert_int_eq(t[i].parent, -1);
		ck_assert_int_eq(t[i].ring, 20);
		ck_assert_int_eq(t[i].none, 0);
	}
	proxy_target_free(t, n);
	/* nobody of the group online: one placeholder for the stage */
	location_remove_aor("sip:alice@example.test");
	location_remove_aor("sip:bob@example.test");
	ck_assert_int_eq(local("sip:600@example.test", NULL, t, 8, &status), 1);
	ck_assert_int_eq(t[0].none, 1);
	ck_assert_int_eq(t[0].plan, 1);
	proxy_target_free(t, 1);
}
END_TEST

/* Forwarding always replaces the user: a new call to carol rings bob; a request inside a
 * dialog (To tag) still goes to carol's own phone. */
START_TEST(test_forward_always)
{
	struct target t[8];
	int status;

	testenv_sql("INSERT INTO forwards VALUES ('carol', 'example.test', 'always', 'bob', 20),"
	    "('dave', 'example.test', 'always', 'sip:vm@192.0.2.99:5070', 20)");
	bind_add("sip:bob@example.test", REG(.contact = "sip:bob@192.0.2.20", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.20", .port = 5060));
	bind_add("sip:carol@example.test", REG(.contact = "sip:carol@192.0.2.30", .q = 1000,
	    .proto = PROTO_UDP, .ip = "192.0.2.30", .port = 5060));
	ck_assert_int_eq(local("sip:carol@example.test", NULL, t, 8, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:bob@192.0.2.20");
	ck_assert_str_eq(t[0].aor, "sip:bob@example.test");
	ck_assert_int_eq(t[0].plan, 1);
	proxy_target_free(t, 1);
	/* by extension */
	ck_assert_int_eq(local("sip:1003@example.test", NULL, t, 8, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:bob@192.0.2.20");
	proxy_target_free(t, 1);
	ck_assert_int_eq(local("sip:carol@example.test", "tt1", t, 8, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:carol@192.0.2.30");
	ck_assert_int_eq(t[0].plan, 0);
	proxy_target_free(t, 1);
	/* to a URI outside: that URI, at its address */
	ck_assert_int_eq(local("sip:dave@example.test", NULL, t, 8, &status), 1);
	ck_assert_str_eq(t[0].uri, "sip:vm@192.0.2.99:5070");
	peer_is(&t[0].dst, "192.0.2.99", 5070);
	ck_assert_str_eq(t[0].aor, "");
	proxy_target_free(t, 1);
}
END_TEST

/* proxy_target_routed: the next hop once our Route values are dropped (16.4, loose routing). */
START_TEST(test_routed)
{
	struct sipmsg *m;
	struct target t;

	/* our Route, then another: on to it, the Request-URI untouched */
	m = request("BYE", "sip:bob@192.0.2.20:5062", "tt1",
	    "<sip:example.test;lr>,<sip:192.0.2.70:5090;lr>");
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), 0);
	ck_assert_str_eq(t.uri, "sip:bob@192.0.2.20:5062");
	peer_is(&t.dst, "192.0.2.70", 5090);
	ck_assert_int_eq(t.flow, 0);
	/* with nothing dropped the first Route is the next hop */
	ck_assert_int_eq(proxy_target_routed(m, 0, &t), -1);	/* example.test: a host name */
	sipmsg_unref(m);
	/* our Route was the last: the Request-URI (the remote target) */
	m = request("BYE", "sip:bob@192.0.2.20:5062;transport=tcp", "tt1", "<sip:example.test;lr>");
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), 0);
	peer_is(&t.dst, "192.0.2.20", 5062);
	ck_assert_int_eq(t.dst.proto, PROTO_TCP);
	sipmsg_unref(m);
	/* a next hop that is a host name cannot be reached yet */
	m = request("BYE", "sip:bob@192.0.2.20", "tt1",
	    "<sip:example.test;lr>,<sip:far.invalid;lr>");
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), -1);
	sipmsg_unref(m);
}
END_TEST

/* RFC 5626 5.3: a flow token in our Route's user part sends the request down that flow, unless
 * it came over that very flow; a stream flow that closed is -2 (430). */
START_TEST(test_routed_flow)
{
	struct sip_peer f;
	struct sipmsg *m;
	struct target t;
	char tok[FLOW_TOKEN_MAX], route[256];

	fake_peer_set(&f, PROTO_UDP, "203.0.113.9", 5062, 0);
	flow_token(&f, tok, sizeof(tok));
	ck_assert_str_ne(tok, "");
	snprintf(route, sizeof(route), "<sip:%s@example.test;lr>", tok);
	m = request("BYE", "sip:bob@10.0.0.5:5060", "tt1", route);
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), 0);
	ck_assert_int_eq(t.flow, 1);
	peer_is(&t.dst, "203.0.113.9", 5062);
	ck_assert_str_eq(t.uri, "sip:bob@10.0.0.5:5060");
	/* from the flow itself: the other direction, toward the Request-URI */
	fake_peer_set(&m->src, PROTO_UDP, "203.0.113.9", 5062, 0);
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), 0);
	ck_assert_int_eq(t.flow, 0);
	peer_is(&t.dst, "10.0.0.5", 5060);
	sipmsg_unref(m);
	/* a TCP flow: alive, then closed */
	fake_peer_set(&f, PROTO_TCP, "203.0.113.9", 40000, 77);
	flow_token(&f, tok, sizeof(tok));
	snprintf(route, sizeof(route), "<sip:%s@example.test;lr>", tok);
	m = request("BYE", "sip:bob@10.0.0.5:5060", "tt1", route);
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), 0);
	ck_assert_uint_eq(t.dst.conn, 77);
	ck_assert_int_eq(t.dst.proto, PROTO_TCP);
	fake_conn_alive = 0;
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), -2);
	sipmsg_unref(m);
	/* a token of another run (or forged) is no flow: the Request-URI */
	m = request("BYE", "sip:bob@10.0.0.5:5060", "tt1", "<sip:00ff00ff@example.test;lr>");
	ck_assert_int_eq(proxy_target_routed(m, 1, &t), 0);
	ck_assert_int_eq(t.flow, 0);
	peer_is(&t.dst, "10.0.0.5", 5060);
	sipmsg_unref(m);
}
END_TEST

/* RFC 3263 servers become targets in DNS order, the TLS name that of the URI's domain. */
START_TEST(test_servers)
{
	struct sip_peer hops[3];
	struct target t[3];

	fake_peer_set(&hops[0], PROTO_TLS, "198.51.100.1", 5061, 0);
	fake_peer_set(&hops[1], PROTO_TCP, "198.51.100.2", 5060, 0);
	fake_peer_set(&hops[2], PROTO_UDP, "198.51.100.3", 5060, 0);
	proxy_target_servers("sip:eve@other.test", hops, 3, t);
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(t[i].uri, "sip:eve@other.test");
		ck_assert_str_eq(t[i].dst.tls_name, "other.test");
		ck_assert_int_eq(t[i].dst.proto, hops[i].proto);
		ck_assert_ptr_null(t[i].routes);
		ck_assert_int_eq(t[i].plan, 0);
	}
	peer_is(&t[0].dst, "198.51.100.1", 5061);
	peer_is(&t[2].dst, "198.51.100.3", 5060);
	ck_assert_int_gt(t[0].q, t[1].q);	/* one at a time, in order */
	ck_assert_int_gt(t[1].q, t[2].q);
	proxy_target_free(t, 3);
}
END_TEST

static Suite *
proxy_target_suite(void)
{
	Suite *s = suite_create("proxy_target");
	TCase *tc = tcase_create("targets");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bindings_by_q);
	tcase_add_test(tc, test_nat);
	tcase_add_test(tc, test_outbound_flow);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_extension);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_ring_group);
	tcase_add_test(tc, test_forward_always);
	tcase_add_test(tc, test_routed);
	tcase_add_test(tc, test_routed_flow);
	tcase_add_test(tc, test_servers);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(proxy_target_suite)
