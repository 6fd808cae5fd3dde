/* wav.c - 8 kHz 16-bit mono PCM WAV files (RIFF, little-endian).  The writer leaves a header
 * of 0 samples until it is closed, so a file cut by a crash says it holds nothing; the
 * voicemail row that lists a file is written only after wav_writer_close returned 0. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wav.h"
#include "xmalloc.h"

#define WAV_MAX_FILE	(64u * 1024 * 1024)

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = v >> 24;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff; p[1] = v >> 8;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void
wav_header(uint8_t h[WAV_HDR_LEN], uint32_t rate, uint32_t nsamples)
{
	uint32_t data = nsamples * 2;

	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, 1);		/* PCM */
	put16(h + 22, 1);		/* mono */
	put32(h + 24, rate);
	put32(h + 28, rate * 2);	/* byte rate */
	put16(h + 32, 2);		/* block align */
	put16(h + 34, 16);		/* bits per sample */
	memcpy(h + 36, "data", 4);
	put32(h + 40, data);
}

/* The fmt chunk says 16-bit mono PCM; its rate goes to *rate. */
static int
fmt_ok(const uint8_t *c, uint32_t clen, uint32_t *rate)
{
	if (clen < 16 || get16(c) != 1 || get16(c + 2) != 1 || get16(c + 14) != 16)
		return 0;
	*rate = get32(c + 4);
	return *rate >= 1000 && *rate <= 48000;
}

int
wav_parse(const uint8_t *buf, size_t len, const uint8_t **pcm, size_t *n, uint32_t *rate)
{
	size_t off = 12;
	int fmt = 0;

	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return -1;
	while (off + 8 <= len) {
		uint32_t clen = get32(buf + off + 4);
		const uint8_t *c = buf + off + 8;
		size_t avail = len - off - 8;

		if (memcmp(buf + off, "fmt ", 4) == 0) {
			if (clen > avail || !fmt_ok(c, clen, rate))
				return -1;
			fmt = 1;
		} else if (memcmp(buf + off, "data", 4) == 0) {
			if (!fmt)
				return -1;
			if (clen > avail)	/* cut short: take what is there */
				clen = (uint32_t)avail;
			*pcm = c;
			*n = clen / 2;
			return 0;
		}
		if (clen > avail)
			return -1;
		off += 8 + (size_t)clen + (clen & 1);	/* chunks are padded to even length */
	}
	return -1;
}

int
wav_writer_open(struct wav_writer *w, const char *path)
{
	uint8_t h[WAV_HDR_LEN];

	w->samples = 0;
	if ((w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) == -1)
		return -1;
	wav_header(h, WAV_RATE, 0);
	if (write(w->fd, h, sizeof(h)) != (ssize_t)sizeof(h)) {
		close(w->fd);
		w->fd = -1;
		unlink(path);
		return -1;
	}
	return 0;
}

int
wav_writer_write(struct wav_writer *w, const int16_t *s, size_t n)
{
	uint8_t b[2 * 480];
	size_t i, k;

	while (n > 0) {
		k = n > 480 ? 480 : n;
		for (i = 0; i < k; i++)
			put16(b + 2 * i, (uint16_t)s[i]);
		if (write(w->fd, b, 2 * k) != (ssize_t)(2 * k))
			return -1;
		w->samples += (uint32_t)k;
		s += k;
		n -= k;
	}
	return 0;
}

int
wav_writer_close(struct wav_writer *w)
{
	uint8_t h[WAV_HDR_LEN];
	int rc = 0;

	wav_header(h, WAV_RATE, w->samples);
	if (pwrite(w->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || fsync(w->fd) == -1)
		rc = -1;
	if (close(w->fd) == -1)
		rc = -1;
	w->fd = -1;
	return rc;
}

void
wav_writer_abort(struct wav_writer *w, const char *path)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	unlink(path);
}

/* The whole file in memory (bounded), or NULL. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || st.st_size > WAV_MAX_FILE || st.st_size < 12)
		goto fail;
	b = xmalloc((size_t)st.st_size);
	if (read(fd, b, (size_t)st.st_size) != st.st_size) {
		free(b);
		goto fail;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return b;
fail:
	close(fd);
	return NULL;
}

long
wav_read(const char *path, int16_t **out, size_t max_samples)
{
	const uint8_t *pcm;
	uint8_t *b;
	size_t len, n, i;
	uint32_t rate;

	if ((b = slurp(path, &len)) == NULL)
		return -1;
	if (wav_parse(b, len, &pcm, &n, &rate) == -1 || rate != WAV_RATE) {
		free(b);
		return -1;
	}
	if (n > max_samples)
		n = max_samples;
	*out = xcalloc(n ? n : 1, sizeof(int16_t));
	for (i = 0; i < n; i++)
		(*out)[i] = (int16_t)get16(pcm + 2 * i);
	free(b);
	return (long)n;
}

/* fsync the directory holding path, so a rename in it survives a crash. */
static int
sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd, rc = -1;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

int
wav_write_file(const char *path, const int16_t *s, size_t n)
{
	struct wav_writer w;
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	unlink(tmp);
	if (wav_writer_open(&w, tmp) == -1)
		return -1;
	if (wav_writer_write(&w, s, n) == -1) {
		wav_writer_abort(&w, tmp);
		return -1;
	}
	if (wav_writer_close(&w) == -1 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return sync_dir(path);
}
