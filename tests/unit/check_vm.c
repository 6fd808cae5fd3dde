/* check_vm.c - the pure parts of voicemail: which codec and telephone-event payload type an
 * SDP offer gets answered with, and the RFC 3842 message-summary body. */
#include <check.h>

#include "check_main.h"
#include <string.h>

#include "vm.h"
#include "vm_mwi.h"

START_TEST(sdp_offer)
{
	const char *o = "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 9 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n";
	const char *none = "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\n"
	    "t=0 0\r\nm=audio 4000 RTP/AVP 9 18\r\n";
	const char *video = "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\n"
	    "t=0 0\r\nm=video 5000 RTP/AVP 0\r\n";
	char addr[64];
	int pt, ev, port;

	ck_assert_int_eq(vm_sdp_offer(o, strlen(o), &pt, &ev, addr, sizeof(addr), &port), 0);
	ck_assert_int_eq(pt, 8);			/* the offer's order: PCMA first */
	ck_assert_int_eq(ev, 96);
	ck_assert_str_eq(addr, "10.0.0.5");
	ck_assert_int_eq(port, 4000);
	ck_assert_int_eq(vm_sdp_offer(none, strlen(none), &pt, &ev, addr, sizeof(addr), &port), -1);
	ck_assert_int_eq(vm_sdp_offer(video, strlen(video), &pt, &ev, addr, sizeof(addr), &port),
	    -1);
	ck_assert_int_eq(vm_sdp_offer("garbage", 7, &pt, &ev, addr, sizeof(addr), &port), -1);
}
END_TEST

START_TEST(mwi_body)
{
	char b[256];

	ck_assert_uint_gt(vm_mwi_format(b, sizeof(b), "sip:bob@example.test", 2, 5), 0);
	ck_assert_str_eq(b, "Messages-Waiting: yes\r\nMessage-Account: sip:bob@example.test\r\n"
	    "Voice-Message: 2/5\r\n");
	ck_assert_uint_gt(vm_mwi_format(b, sizeof(b), "sip:bob@example.test", 0, 5), 0);
	ck_assert(strncmp(b, "Messages-Waiting: no\r\n", 22) == 0);
	ck_assert_uint_eq(vm_mwi_format(b, 20, "sip:bob@example.test", 0, 0), 0);
}
END_TEST

static Suite *
vm_suite(void)
{
	Suite *s = suite_create("vm");
	TCase *tc = tcase_create("vm");

	tcase_add_test(tc, sdp_offer);
	tcase_add_test(tc, mwi_body);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(vm_suite)
