/* check_relay.c - the relay engine on loopback: forwarding both ways from the advertised ports,
 * latching (signalled address, NAT'd source within the first packets, third parties refused,
 * re-latch on new SDP), loss estimate from RTP sequence numbers, counters after the end, and
 * every socket closed; forwarding by the relay thread (the default) and on the loop. */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "relay.h"

static struct event_base *base;

static void
setup(void)
{
	cfg = config_defaults();
	cfg->relay_port_min = 41000 + (getpid() % 200) * 20;
	cfg->relay_port_max = cfg->relay_port_min + 19;
	base = event_base_new();
	relay_init(base);
}

/* The same on the event loop (relay.thread = 0). */
static void
setup_loop(void)
{
	cfg = config_defaults();
	cfg->relay_thread = 0;
	cfg->relay_port_min = 41000 + (getpid() % 200) * 20;
	cfg->relay_port_max = cfg->relay_port_min + 19;
	base = event_base_new();
	relay_init(base);
}

static void
teardown(void)
{
	relay_shutdown();
	event_base_free(base);
	config_free(cfg);
	cfg = NULL;
}

/* A UDP socket on 127.0.0.1, any port; its port in *port. */
static int
udp(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
rtp_to(int fd, int port, uint16_t seq)
{
	unsigned char p[172] = { 0x80, 0, (unsigned char)(seq >> 8), (unsigned char)seq,
	    0, 0, 0, 0, 1, 2, 3, 4 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(fd, p, sizeof(p), 0, (struct sockaddr *)&a, sizeof(a)), (int)sizeof(p));
}

/* Run the loop until quiet, then count the datagrams waiting on fd (and their source port). */
static int
received(int fd, int *from)
{
	unsigned char buf[2048];
	struct sockaddr_in a;
	socklen_t len;
	int n = 0;

	for (int i = 0; i < 20; i++) {
		usleep(2000);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	for (;;) {
		len = sizeof(a);
		if (recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&a, &len) < 0)
			return n;
		if (from)
			*from = ntohs(a.sin_port);
		n++;
	}
}

static struct sdp_info
one_stream(const char *addr, int port)
{
	struct sdp_info i;

	memset(&i, 0, sizeof(i));
	i.nstreams = 1;
	snprintf(i.s[0].media, sizeof(i.s[0].media), "audio");
	snprintf(i.s[0].proto, sizeof(i.s[0].proto), "RTP/AVP");
	snprintf(i.s[0].addr, sizeof(i.s[0].addr), "%s", addr);
	i.s[0].family = 4;
	i.s[0].port = port;
	i.s[0].relayable = 1;
	return i;
}

START_TEST(test_forward_and_latch)
{
	int pa, pb, pm, from = 0;
	int a = udp(&pa), b = udp(&pb), m = udp(&pm);
	struct sdp_subst to_b, to_a;
	struct sdp_info ia = one_stream("127.0.0.1", pa), ib = one_stream("127.0.0.1", pb);
	struct relay_session *s = relay_create("call-1", "alice-tag");
	struct relay_stats st;

	ck_assert_int_eq(relay_side(s, "alice-tag"), RELAY_A);
	ck_assert_int_eq(relay_side(s, "other"), RELAY_B);
	ck_assert_int_eq(relay_sdp(s, RELAY_A, &ia, &to_b), 0);
	ck_assert_int_eq(relay_sdp(s, RELAY_B, &ib, &to_a), 0);
	ck_assert_int_ne(to_b.port[0], to_a.port[0]);
	ck_assert_int_eq(to_b.port[0] % 2, 0);
	ck_assert_int_ge(to_a.port[0], cfg->relay_port_min);
	ck_assert_uint_eq(relay_socket_count(), 4);

	/* A -> relay port facing A -> B, from the port facing B; a gap of one in the seqs */
	for (uint16_t q = 65530; q != 6; q++)
		if (q != 2)
			rtp_to(a, to_a.port[0], q);
	ck_assert_int_eq(received(b, &from), 11);
	ck_assert_int_eq(from, to_b.port[0]);
	rtp_to(b, to_b.port[0], 7);
	ck_assert_int_eq(received(a, &from), 1);
	ck_assert_int_eq(from, to_a.port[0]);

	/* a third party on the port facing A: nothing reaches B */
	rtp_to(m, to_a.port[0], 100);
	ck_assert_int_eq(received(b, NULL), 0);

	ck_assert_int_eq(relay_call_stats("call-1", &st), 0);
	ck_assert_uint_eq(st.pkts[0], 11);
	ck_assert_uint_eq(st.pkts[1], 1);
	ck_assert_uint_eq(st.bytes[0], 11 * 172);
	ck_assert_uint_eq(st.lost[0], 1);	/* seq 2 never came, across the wrap */
	ck_assert_uint_eq(st.lost[1], 0);
	ck_assert_int_eq(st.ended, 0);

	/* A moves (re-INVITE with a new port): the relay follows, the old source is refused */
	int pa2, a2 = udp(&pa2);
	ia = one_stream("127.0.0.1", pa2);
	ck_assert_int_eq(relay_sdp(s, RELAY_A, &ia, &to_b), 0);
	rtp_to(b, to_b.port[0], 8);
	ck_assert_int_eq(received(a2, NULL), 1);
	rtp_to(a2, to_a.port[0], 20);
	ck_assert_int_eq(received(b, NULL), 1);
	rtp_to(a, to_a.port[0], 21);
	ck_assert_int_eq(received(b, NULL), 0);

	relay_end("call-1", "test");
	ck_assert_uint_eq(relay_socket_count(), 0);
	ck_assert_ptr_null(relay_find("call-1"));
	ck_assert_int_eq(relay_call_stats("call-1", &st), 0);	/* still readable */
	ck_assert_int_eq(st.ended, 1);
	ck_assert_uint_eq(st.pkts[0], 12);
	close(a);
	close(a2);
	close(b);
	close(m);
}
END_TEST

START_TEST(test_nat_latch)
{
	/* B signals a private address it cannot be reached at; its first packets latch */
	int pa, pb, pm;
	int a = udp(&pa), b = udp(&pb), m = udp(&pm);
	struct sdp_subst to_b, to_a;
	struct sdp_info ia = one_stream("127.0.0.1", pa), ib = one_stream("192.0.2.10", 4000);
	struct relay_session *s = relay_create("call-2", "a");

	ck_assert_int_eq(relay_sdp(s, RELAY_A, &ia, &to_b), 0);
	ck_assert_int_eq(relay_sdp(s, RELAY_B, &ib, &to_a), 0);
	rtp_to(b, to_b.port[0], 1);		/* from B's real (NAT'd) address */
	ck_assert_int_eq(received(a, NULL), 1);
	rtp_to(a, to_a.port[0], 1);
	ck_assert_int_eq(received(b, NULL), 1);	/* back to where B's packets came from */
	rtp_to(m, to_b.port[0], 2);		/* someone else, after the latch: refused */
	ck_assert_int_eq(received(a, NULL), 0);
	struct relay_stats st;
	relay_call_stats("call-2", &st);
	ck_assert_uint_eq(st.dropped[1], 1);
	close(a);
	close(b);
	close(m);
}
END_TEST

START_TEST(test_port_zero_and_exhaustion)
{
	struct sdp_subst sub;
	struct sdp_info i = one_stream("127.0.0.1", 0);
	struct relay_session *s = relay_create("call-3", "a");

	ck_assert_int_eq(relay_sdp(s, RELAY_A, &i, &sub), 0);
	ck_assert_int_eq(sub.port[0], 0);		/* rejected stream: nothing allocated */
	ck_assert_uint_eq(relay_socket_count(), 0);
	/* 20 ports = 10 pairs = 5 streams (a pair facing each side); the sixth finds none */
	i = one_stream("127.0.0.1", 5000);
	i.nstreams = 6;
	for (int k = 1; k < 6; k++)
		i.s[k] = i.s[0];
	ck_assert_int_eq(relay_sdp(s, RELAY_A, &i, &sub), -1);
	ck_assert_uint_eq(relay_socket_count(), 20);
	relay_end("call-3", "test");
	ck_assert_uint_eq(relay_socket_count(), 0);
	/* a new call with the same Call-ID replaces the ended session */
	s = relay_create("call-3", "a");
	i.nstreams = 2;
	ck_assert_int_eq(relay_sdp(s, RELAY_A, &i, &sub), 0);
	ck_assert_uint_eq(relay_socket_count(), 8);
	ck_assert_uint_eq(relay_session_count(), 1);
}
END_TEST

static Suite *
relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_forward_and_latch);
	tcase_add_test(tc, test_nat_latch);
	tcase_add_test(tc, test_port_zero_and_exhaustion);
	suite_add_tcase(s, tc);
	tc = tcase_create("loop");
	tcase_add_checked_fixture(tc, setup_loop, teardown);
	tcase_add_test(tc, test_forward_and_latch);
	tcase_add_test(tc, test_nat_latch);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(relay_suite)
