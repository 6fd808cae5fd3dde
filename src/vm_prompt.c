/* vm_prompt.c - default voicemail prompts as tone sequences.  Each prompt is a short pattern
 * of sine tones a caller learns quickly (a falling three-note chime for the greeting, one
 * 1 s beep at 440 Hz... see the table); nothing is downloaded, nothing depends on a speech
 * synthesizer being installed. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "vm_prompt.h"
#include "wav.h"
#include "xmalloc.h"

#define PROMPT_MAX_SAMPLES	(WAV_RATE * 10)
#define NOTE_MAX		8

struct note {
	int	 hz;		/* 0: silence */
	int	 ms;
};

static const struct {
	const char	*file;
	struct note	 notes[NOTE_MAX];
} prompts[VM_PROMPT_N] = {
	[VM_PROMPT_GREETING] = { "greeting.wav",
	    { { 660, 300 }, { 0, 60 }, { 550, 300 }, { 0, 60 }, { 440, 500 }, { 0, 400 } } },
	[VM_PROMPT_BEEP] = { "beep.wav", { { 440, 1000 }, { 0, 100 } } },
	[VM_PROMPT_FULL] = { "full.wav",
	    { { 480, 250 }, { 0, 250 }, { 480, 250 }, { 0, 250 }, { 480, 250 }, { 0, 250 } } },
	[VM_PROMPT_MENU] = { "menu.wav", { { 550, 150 }, { 0, 80 }, { 660, 150 }, { 0, 600 } } },
	[VM_PROMPT_PIN] = { "pin.wav", { { 770, 150 }, { 0, 80 }, { 770, 150 }, { 0, 600 } } },
	[VM_PROMPT_NONE] = { "none.wav", { { 350, 600 }, { 0, 300 } } },
};

const char *
vm_prompt_file(enum vm_prompt p)
{
	return (unsigned)p < VM_PROMPT_N ? prompts[p].file : NULL;
}

#define PI	3.14159265358979323846

/* sin(x) for x in [0, 2 pi) without libm: folded to [-pi/2, pi/2], 9th-order Taylor (error
 * below 4e-6, far under one 16-bit step at the prompts' level). */
static double
prompt_sin(double x)
{
	double x2;

	if (x > PI)
		x -= 2 * PI;
	if (x > PI / 2)
		x = PI - x;
	else if (x < -PI / 2)
		x = -PI - x;
	x2 = x * x;
	return x * (1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72))));
}

/* One note into out: a sine at a third of full scale with 5 ms ramps (no clicks). */
static size_t
note_put(const struct note *nt, int16_t *out, size_t max)
{
	size_t n = (size_t)nt->ms * WAV_RATE / 1000, ramp = WAV_RATE / 200, i;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		long cyc = (long)nt->hz * (long)i % WAV_RATE;	/* phase, in 1/8000 turns */
		double a = nt->hz ? 10000.0 * prompt_sin(2 * PI * (double)cyc / WAV_RATE) : 0;

		if (i < ramp)
			a *= (double)i / ramp;
		else if (n - i < ramp)
			a *= (double)(n - i) / ramp;
		out[i] = (int16_t)(a < 0 ? a - 0.5 : a + 0.5);
	}
	return n;
}

size_t
vm_prompt_tones(enum vm_prompt p, int16_t *out, size_t max)
{
	size_t n = 0;

	if ((unsigned)p >= VM_PROMPT_N)
		return 0;
	for (int k = 0; k < NOTE_MAX && prompts[p].notes[k].ms > 0; k++)
		n += note_put(&prompts[p].notes[k], out + n, max - n);
	return n;
}

int
vm_prompt_ensure(const char *dir)
{
	int16_t *s = xcalloc(PROMPT_MAX_SAMPLES, sizeof(*s));
	char path[4096];
	int made = 0;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("voicemail directory %s", dir);
		made = -1;
	}
	for (int p = 0; made >= 0 && p < VM_PROMPT_N; p++) {
		snprintf(path, sizeof(path), "%s/%s", dir, prompts[p].file);
		if (access(path, F_OK) == 0)
			continue;	/* the administrator's, or made before */
		if (wav_write_file(path, s, vm_prompt_tones(p, s, PROMPT_MAX_SAMPLES)) == -1) {
			log_warn("voicemail prompt %s", path);
			made = -1;
		} else
			made++;
	}
	free(s);
	return made;
}
