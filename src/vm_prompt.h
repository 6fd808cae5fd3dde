/* vm_prompt.h - voicemail announcements.  sipd makes its default prompts itself, as tone
 * sequences, in the voicemail directory at start when a file is missing (never fetched);
 * an administrator may replace any of them by an 8 kHz 16-bit mono WAV of the same name. */
#ifndef SIPD_VM_PROMPT_H
#define SIPD_VM_PROMPT_H

#include <stddef.h>
#include <stdint.h>

enum vm_prompt {
	VM_PROMPT_GREETING,	/* default greeting: "leave a message" */
	VM_PROMPT_BEEP,		/* recording starts after it */
	VM_PROMPT_FULL,		/* the box is full: the call ends */
	VM_PROMPT_MENU,		/* the listening menu */
	VM_PROMPT_PIN,		/* enter box number / PIN */
	VM_PROMPT_NONE,		/* no (more) messages */
	VM_PROMPT_N
};

/* File name of a prompt inside the voicemail directory. */
const char *vm_prompt_file(enum vm_prompt);
/* The tone sequence of a prompt at 8 kHz into out (at most max samples); the sample count.
 * Pure. */
size_t vm_prompt_tones(enum vm_prompt, int16_t *out, size_t max);
/* Write every missing prompt file into dir.  Returns how many were written, -1 on error. */
int vm_prompt_ensure(const char *dir);

#endif
