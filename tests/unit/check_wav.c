/* check_wav.c - the WAV writer and reader (header, sizes after close, chunk walking, bad
 * files) and G.711 round trips. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "g711.h"
#include "vm_prompt.h"
#include "wav.h"

static char dir[] = "/tmp/check_wav.XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/check_wav.XXXXXX");
}

START_TEST(header_layout)
{
	uint8_t h[WAV_HDR_LEN];
	const uint8_t *pcm;
	size_t n;
	uint32_t rate;

	wav_header(h, 8000, 100);
	ck_assert(memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVEfmt ", 8) == 0);
	ck_assert_int_eq(h[4] | h[5] << 8, 36 + 200);
	ck_assert_int_eq(h[40] | h[41] << 8, 200);
	/* a header alone: the data chunk is cut short, nothing is read past the buffer */
	ck_assert_int_eq(wav_parse(h, sizeof(h), &pcm, &n, &rate), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(rate, 8000);
}
END_TEST

START_TEST(write_read)
{
	struct wav_writer w;
	int16_t s[1000], *back = NULL;
	char path[256];
	long n;
	int i;

	for (i = 0; i < 1000; i++)
		s[i] = (int16_t)(i * 37 - 18000);
	snprintf(path, sizeof(path), "%s/a.wav", dir);
	ck_assert_int_eq(wav_writer_open(&w, path), 0);
	/* before close the header says 0 samples: a crash leaves an empty message */
	ck_assert_int_eq(wav_read(path, &back, 5000), 0);
	free(back);
	ck_assert_int_eq(wav_writer_write(&w, s, 600), 0);
	ck_assert_int_eq(wav_writer_write(&w, s + 600, 400), 0);
	ck_assert_int_eq(wav_writer_close(&w), 0);
	n = wav_read(path, &back, 5000);
	ck_assert_int_eq(n, 1000);
	ck_assert(memcmp(back, s, sizeof(s)) == 0);
	free(back);
	ck_assert_int_eq(wav_read(path, &back, 10), 10);	/* bounded */
	free(back);
	ck_assert_int_eq(wav_writer_open(&w, path), -1);	/* never overwrites */
}
END_TEST

START_TEST(write_file_atomic)
{
	int16_t s[160] = { 1, 2, 3 }, *back = NULL;
	char path[256], tmp[300];

	snprintf(path, sizeof(path), "%s/g.wav", dir);
	ck_assert_int_eq(wav_write_file(path, s, 160), 0);
	ck_assert_int_eq(wav_write_file(path, s, 80), 0);	/* replaces */
	ck_assert_int_eq(wav_read(path, &back, 1000), 80);
	ck_assert_int_eq(back[2], 3);
	free(back);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(access(tmp, F_OK), -1);
}
END_TEST

START_TEST(parse_chunks_and_garbage)
{
	uint8_t b[200];
	const uint8_t *pcm;
	size_t n;
	uint32_t rate;

	/* RIFF, WAVE, a LIST chunk of odd length (padded), fmt, data */
	memset(b, 0, sizeof(b));
	wav_header(b, 8000, 4);
	memmove(b + 12 + 8 + 3 + 1, b + 12, 32 + 8);
	memcpy(b + 12, "LIST", 4);
	b[16] = 3;
	ck_assert_int_eq(wav_parse(b, 12 + 12 + 24 + 8 + 8, &pcm, &n, &rate), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(wav_parse((const uint8_t *)"RIFF\0\0\0\0WAVE", 12, &pcm, &n, &rate), -1);
	ck_assert_int_eq(wav_parse((const uint8_t *)"garbage", 7, &pcm, &n, &rate), -1);
	wav_header(b, 8000, 4);
	b[22] = 2;					/* stereo: refused */
	ck_assert_int_eq(wav_parse(b, 52, &pcm, &n, &rate), -1);
	wav_header(b, 8000, 4);
	b[16] = 0xff; b[17] = 0xff; b[18] = 0xff; b[19] = 0x7f;	/* fmt longer than the file */
	ck_assert_int_eq(wav_parse(b, 52, &pcm, &n, &rate), -1);
}
END_TEST

START_TEST(g711_round_trip)
{
	int v;

	for (v = -32768; v < 32768; v += 7) {
		int16_t s = (int16_t)v;
		int eu = g711_ulaw_dec(g711_ulaw_enc(s)) - v, ea = g711_alaw_dec(g711_alaw_enc(s)) - v;

		/* the quantisation step grows with the magnitude: ~1/16 of it at most */
		ck_assert_int_le(abs(eu), abs(v) / 16 + 140);
		ck_assert_int_le(abs(ea), abs(v) / 16 + 140);
	}
	ck_assert_int_eq(g711_ulaw_enc(0), 0xff);
	ck_assert_int_eq(g711_alaw_enc(0), 0xd5);
	for (v = 0; v < 256; v++) {
		ck_assert_int_eq(g711_ulaw_enc(g711_ulaw_dec((uint8_t)v)), v == 0x7f ? 0xff : v);
		ck_assert_int_eq(g711_alaw_enc(g711_alaw_dec((uint8_t)v)), v);
	}
}
END_TEST

/* The default prompts: written once, never over a file already there, readable back; the
 * beep is a 440 Hz tone (zero crossings counted). */
START_TEST(prompts)
{
	int16_t *s = NULL;
	char path[300];
	long n, i, cross = 0;

	ck_assert_int_eq(vm_prompt_ensure(dir), VM_PROMPT_N);
	ck_assert_int_eq(vm_prompt_ensure(dir), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, vm_prompt_file(VM_PROMPT_BEEP));
	n = wav_read(path, &s, 80000);
	ck_assert_int_eq(n, 8800);
	for (i = 1; i < 8000; i++)
		if ((s[i - 1] < 0) != (s[i] < 0))
			cross++;
	ck_assert_int_ge(cross, 870);
	ck_assert_int_le(cross, 890);
	free(s);
	snprintf(path, sizeof(path), "%s/%s", dir, vm_prompt_file(VM_PROMPT_GREETING));
	ck_assert_int_gt(wav_read(path, &s, 80000), 8000);
	free(s);
}
END_TEST

static Suite *
wav_suite(void)
{
	Suite *s = suite_create("wav");
	TCase *tc = tcase_create("wav");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, header_layout);
	tcase_add_test(tc, write_read);
	tcase_add_test(tc, write_file_atomic);
	tcase_add_test(tc, parse_chunks_and_garbage);
	tcase_add_test(tc, g711_round_trip);
	tcase_add_test(tc, prompts);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(wav_suite)
