/* check_vm_media.c - voicemail RTP on real loopback sockets and a real event loop: RTP header
 * parsing (CSRC, extension, padding, garbage), paced playback (count, sequence, timestamps,
 * total time), recording a 1 kHz PCMU tone to WAV with one RFC 4733 digit among it (its end
 * packets sent three times), the silence stop, a discarded recording. */
#include <check.h>

#include "check_main.h"
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "g711.h"
#include "pacer.h"
#include "vm_media.h"
#include "wav.h"

static struct event_base *base;
static int fa, fb;			/* fa: the session's socket, fb: the caller's */
static struct sockaddr_in aa, ab;
static char dir[] = "/tmp/check_vm_media.XXXXXX";
static char digits[16];
static int ndigits, played, stopped;

static int
udp(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)a, &len), 0);
	return fd;
}

static void
setup(void)
{
	base = event_base_new();
	fa = udp(&aa);
	fb = udp(&ab);
	ndigits = played = stopped = 0;
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[256];

	close(fb);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/check_vm_media.XXXXXX");
}

static void on_digit(void *arg, char d) { (void)arg; digits[ndigits++ % 16] = d; }
static void on_played(void *arg) { (void)arg; played++; event_base_loopbreak(base); }
static void on_stopped(void *arg, enum vm_stop why) { (void)arg; stopped = (int)why; }
static const struct vm_media_cb cb = { on_digit, on_played, on_stopped, NULL };

static void
run_ms(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

START_TEST(rtp_parse)
{
	uint8_t b[64] = { 0xb1, 0x80 | 101, 0, 7, 0, 0, 1, 0, 1, 2, 3, 4, 9, 9, 9, 9,
	    0xbe, 0xde, 0, 1, 5, 5, 5, 5, 'x', 'y', 0, 0, 3 };
	struct rtp_pkt p;

	/* 1 CSRC, an extension of one word, payload "xy", 3 octets of padding */
	ck_assert_int_eq(vm_media_rtp_parse(b, 29, &p), 0);
	ck_assert_int_eq(p.pt, 101);
	ck_assert_int_eq(p.marker, 1);
	ck_assert_uint_eq(p.seq, 7);
	ck_assert_uint_eq(p.ts, 256);
	ck_assert_uint_eq(p.len, 2);
	ck_assert(memcmp(p.payload, "xy", 2) == 0);
	b[28] = 40;					/* padding longer than the packet */
	ck_assert_int_eq(vm_media_rtp_parse(b, 29, &p), -1);
	ck_assert_int_eq(vm_media_rtp_parse(b, 11, &p), -1);
	b[0] = 0x40;					/* version 1 */
	ck_assert_int_eq(vm_media_rtp_parse(b, 29, &p), -1);
	b[0] = 0x9f;					/* 15 CSRCs: past the end */
	ck_assert_int_eq(vm_media_rtp_parse(b, 29, &p), -1);
}
END_TEST

START_TEST(playback_paced)
{
	struct vm_media *m = vm_media_new(base, fa, (struct sockaddr *)&ab, sizeof(ab), 0, 101,
	    &cb);
	int16_t s[8000];
	uint8_t b[512];
	struct rtp_pkt p;
	uint64_t t0 = pacer_now(), el;
	int n = 0;
	uint16_t seq0 = 0;
	uint32_t ts0 = 0;

	for (int i = 0; i < 8000; i++)
		s[i] = (int16_t)(i % 8 < 4 ? 8000 : -8000);
	vm_media_play(m, s, 8000);		/* 1 s: 50 frames */
	run_ms(3000);				/* on_played breaks the loop */
	el = pacer_now() - t0;
	ck_assert_int_eq(played, 1);
	ck_assert_uint_ge(el, 960000000u);	/* frame 0 at once, frame 49 at 980 ms */
	ck_assert_uint_lt(el, 2000000000u);
	while (recv(fb, b, sizeof(b), 0) > 0) {
		ck_assert_int_eq(vm_media_rtp_parse(b, 172, &p), 0);
		if (n == 0) {
			seq0 = p.seq;
			ts0 = p.ts;
			ck_assert_int_eq(p.marker, 1);
		}
		ck_assert_uint_eq((uint16_t)(p.seq - seq0), n);
		ck_assert_uint_eq(p.ts - ts0, (uint32_t)n * 160);
		ck_assert_int_eq(g711_ulaw_dec(p.payload[0]) > 0, 1);
		n++;
	}
	ck_assert_int_eq(n, 50);
	vm_media_free(m);
}
END_TEST

/* Send count PCMU frames of a 1 kHz tone (amp) from the caller's socket. */
static void
send_tone(int count, int amp, uint16_t *seq, uint32_t *ts)
{
	uint8_t pay[160], pkt[200];

	for (int f = 0; f < count; f++) {
		for (int i = 0; i < 160; i++) {
			static const int sine8[8] = { 0, 707, 1000, 707, 0, -707, -1000, -707 };
			pay[i] = g711_ulaw_enc((int16_t)(sine8[i % 8] * amp / 1000));
		}
		struct rtp_pkt p = { .pt = 0, .seq = (*seq)++, .ts = *ts, .payload = pay,
		    .len = 160 };
		*ts += 160;
		size_t len = vm_media_rtp_build(pkt, sizeof(pkt), &p);
		ck_assert_int_eq(sendto(fb, pkt, len, 0, (struct sockaddr *)&aa, sizeof(aa)),
		    (ssize_t)len);
		if (f % 20 == 19)
			run_ms(5);		/* let the session read (socket buffer) */
	}
}

static void
send_digit(int ev, uint32_t ts, uint16_t *seq, int end, int times)
{
	uint8_t pay[4] = { (uint8_t)ev, (uint8_t)((end ? 0x80 : 0) | 10), 0, 160 }, pkt[32];

	for (int i = 0; i < times; i++) {
		struct rtp_pkt p = { .pt = 101, .seq = (*seq)++, .ts = ts, .payload = pay, .len = 4 };
		size_t len = vm_media_rtp_build(pkt, sizeof(pkt), &p);
		ck_assert_int_eq(sendto(fb, pkt, len, 0, (struct sockaddr *)&aa, sizeof(aa)),
		    (ssize_t)len);
	}
}

START_TEST(record_tone_and_digit)
{
	struct vm_media *m = vm_media_new(base, fa, (struct sockaddr *)&ab, sizeof(ab), 0, 101,
	    &cb);
	char path[300];
	int16_t *s = NULL;
	uint16_t seq = 1;
	uint32_t ts = 0;
	long n, cross = 0;

	snprintf(path, sizeof(path), "%s/m.wav", dir);
	ck_assert_int_eq(vm_media_record(m, path, 60000, 2000), 0);
	send_tone(75, 8000, &seq, &ts);
	send_digit(5, 4242, &seq, 0, 2);
	send_digit(5, 4242, &seq, 1, 3);	/* the end, three times (RFC 4733 2.5.1.4) */
	send_tone(75, 8000, &seq, &ts);
	run_ms(100);
	ck_assert_int_eq(ndigits, 1);
	ck_assert_int_eq(digits[0], '5');
	ck_assert_int_eq(stopped, 0);
	ck_assert_int_eq(vm_media_record_end(m, 1), 3000);
	n = wav_read(path, &s, 100000);
	ck_assert_int_eq(n, 24000);
	for (long i = 1; i < n; i++)
		cross += (s[i - 1] < 0) != (s[i] < 0);
	ck_assert_int_ge(cross, 5900);		/* 1 kHz: 2 crossings a ms */
	ck_assert_int_le(cross, 6100);
	free(s);
	vm_media_free(m);
}
END_TEST

START_TEST(silence_stops_and_discard)
{
	struct vm_media *m = vm_media_new(base, fa, (struct sockaddr *)&ab, sizeof(ab), 8, -1,
	    &cb);
	char path[300];
	uint16_t seq = 1;
	uint32_t ts = 0;

	snprintf(path, sizeof(path), "%s/s.wav", dir);
	ck_assert_int_eq(vm_media_record(m, path, 60000, 1000), 0);
	send_tone(25, 8000, &seq, &ts);		/* PCMU into a PCMA session: still audio */
	send_tone(60, 0, &seq, &ts);		/* silence: stops after 50 frames */
	run_ms(100);
	ck_assert_int_eq(stopped, VM_STOP_SILENCE);
	ck_assert_int_eq(vm_media_record_end(m, 0), 500);
	ck_assert_int_eq(access(path, F_OK), -1);	/* discarded: no file */
	vm_media_free(m);
}
END_TEST

static Suite *
vm_media_suite(void)
{
	Suite *s = suite_create("vm_media");
	TCase *tc = tcase_create("vm_media");

	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rtp_parse);
	tcase_add_test(tc, playback_paced);
	tcase_add_test(tc, record_tone_and_digit);
	tcase_add_test(tc, silence_stops_and_discard);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(vm_media_suite)
