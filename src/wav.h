/* wav.h - 8 kHz 16-bit mono PCM WAV files for voicemail: a writer that patches its header and
 * syncs on close (a message is listed only once its file is complete), and a reader. */
#ifndef SIPD_WAV_H
#define SIPD_WAV_H

#include <stddef.h>
#include <stdint.h>

#define WAV_RATE	8000
#define WAV_HDR_LEN	44

struct wav_writer {
	int		 fd;
	uint32_t	 samples;	/* written so far */
};

/* The canonical 44-byte header of a PCM 16-bit mono file of nsamples at rate.  Pure. */
void wav_header(uint8_t out[WAV_HDR_LEN], uint32_t rate, uint32_t nsamples);
/* Find the PCM samples in a WAV image (RIFF chunks in any order, unknown chunks skipped).
 * Only 16-bit mono PCM is accepted.  0 with *pcm pointing into buf, *n samples and *rate;
 * -1 when buf is not such a file.  Pure: no I/O. */
int wav_parse(const uint8_t *buf, size_t len, const uint8_t **pcm, size_t *n, uint32_t *rate);

/* Create path (mode 0640, O_EXCL) with a header for 0 samples.  0 or -1 (errno). */
int wav_writer_open(struct wav_writer *, const char *path);
/* Append n samples.  0 or -1. */
int wav_writer_write(struct wav_writer *, const int16_t *s, size_t n);
/* Patch the header with the length, fsync, close.  0 or -1 (the file is then incomplete). */
int wav_writer_close(struct wav_writer *);
/* Close and remove path (a recording that is discarded). */
void wav_writer_abort(struct wav_writer *, const char *path);

/* Read a whole file's samples (at most max_samples, 8 kHz mono 16-bit).  Returns the sample
 * count with *out an xmalloc'ed array, or -1. */
long wav_read(const char *path, int16_t **out, size_t max_samples);
/* Write a whole file atomically: path.tmp, fsync, rename, fsync of the directory.  0 or -1. */
int wav_write_file(const char *path, const int16_t *s, size_t n);

#endif
