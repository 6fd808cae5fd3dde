/* check_stun.c - STUN Binding requests on the SIP port (RFC 5626 8, RFC 5389): telling STUN from
 * SIP, and the XOR-MAPPED-ADDRESS of the answer. */
#include <check.h>

#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "stun.h"

/* A Binding request with transaction id 0x01..0x0c and no attributes. */
static const unsigned char binding[20] = {
	0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

START_TEST(test_classify)
{
	unsigned char b[64];
	static const char sip[] = "OPTIONS sip:a@b SIP/2.0\r\n";

	ck_assert_int_eq(stun_classify(binding, sizeof(binding)), STUN_BINDING);
	ck_assert_int_eq(stun_classify((const unsigned char *)sip, strlen(sip)), STUN_NOT);
	ck_assert_int_eq(stun_classify(binding, 0), STUN_NOT);
	/* no magic cookie: not RFC 5389 STUN, left to the SIP parser */
	memcpy(b, binding, 20);
	b[4] = 0;
	ck_assert_int_eq(stun_classify(b, 20), STUN_NOT);
	/* too short, or a length field that does not match the datagram */
	ck_assert_int_eq(stun_classify(binding, 19) == STUN_BINDING, 0);
	memcpy(b, binding, 20);
	b[3] = 8;
	ck_assert_int_eq(stun_classify(b, 20), STUN_IGNORE);
	/* an attribute that runs past the end */
	memcpy(b, binding, 20);
	b[3] = 8;
	memcpy(b + 20, "\x80\x22\x00\x10" "abcd", 8);
	ck_assert_int_eq(stun_classify(b, 28), STUN_IGNORE);
	/* a well-formed attribute (SOFTWARE, 4 bytes) is fine */
	b[23] = 4;
	ck_assert_int_eq(stun_classify(b, 28), STUN_BINDING);
	/* a Binding response or indication is not answered */
	memcpy(b, binding, 20);
	b[1] = 0x11;
	ck_assert_int_eq(stun_classify(b, 20), STUN_IGNORE);
}
END_TEST

START_TEST(test_response_v4)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	unsigned char out[64];
	size_t n;

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(32853);
	inet_pton(AF_INET, "192.0.2.1", &s4->sin_addr);
	n = stun_binding_response(binding, &ss, out, sizeof(out));
	ck_assert_uint_eq(n, 32);
	ck_assert_int_eq(out[0], 0x01);
	ck_assert_int_eq(out[1], 0x01);
	ck_assert_int_eq(out[3], 12);
	ck_assert_int_eq(memcmp(out + 4, binding + 4, 16), 0);	/* cookie + transaction id */
	ck_assert_int_eq(out[20] << 8 | out[21], 0x0020);
	ck_assert_int_eq(out[25], 0x01);
	/* RFC 5769 2.2's numbers: port 32853 -> 0xa147, 192.0.2.1 -> e1 12 a6 43 */
	ck_assert_int_eq(out[26], 0xa1);
	ck_assert_int_eq(out[27], 0x47);
	ck_assert_int_eq(out[28], 0xe1);
	ck_assert_int_eq(out[29], 0x12);
	ck_assert_int_eq(out[30], 0xa6);
	ck_assert_int_eq(out[31], 0x43);
	ck_assert_uint_eq(stun_binding_response(binding, &ss, out, 31), 0);
	ck_assert_int_eq(stun_classify(out, n), STUN_IGNORE);	/* a response is not answered */
}
END_TEST

START_TEST(test_response_v6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	unsigned char out[64], want[16];
	size_t n;

	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(5060);
	inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
	n = stun_binding_response(binding, &ss, out, sizeof(out));
	ck_assert_uint_eq(n, 44);
	ck_assert_int_eq(out[25], 0x02);
	/* un-XOR with cookie + transaction id gives the address back */
	for (int i = 0; i < 16; i++)
		want[i] = out[28 + i] ^ binding[4 + i];
	ck_assert_int_eq(memcmp(want, &s6->sin6_addr, 16), 0);
	ck_assert_int_eq(((out[26] << 8 | out[27]) ^ 0x2112), 5060);
}
END_TEST

static Suite *
stun_suite(void)
{
	Suite *s = suite_create("stun");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_response_v4);
	tcase_add_test(tc, test_response_v6);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(stun_suite)
