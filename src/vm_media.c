/* vm_media.c - voicemail RTP: playback paced by pacer.c (frame k leaves at start + k*20 ms
 * of CLOCK_MONOTONIC, so timer lateness never drifts), recording of PCMU/PCMA to WAV with a
 * silence and a length limit, RFC 4733 digits.  One socket per session on the event loop.
 * Recording counts received frames (each 20 ms), not wall time: a burst after a network
 * stall still records every frame once. */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtmf.h"
#include "g711.h"
#include "log.h"
#include "pacer.h"
#include "vm_media.h"
#include "wav.h"
#include "xmalloc.h"

#define VM_PERIOD_NS	20000000ull
#define VM_SILENCE_LVL	300	/* mean |sample| below this is silence (~ -40 dBFS) */
#define VM_PATH_MAX	4096

struct vm_media {
	struct event		*rd, *tick;
	int			 fd, pt, dtmf_pt;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	int			 latched;
	struct vm_media_cb	 cb;
	/* playback */
	int16_t			*play;
	size_t			 nplay, pos;
	struct pacer		 pacer;
	uint16_t		 seq;
	uint32_t		 ts, ssrc;
	int			 talkspurt;	/* next packet starts one: marker bit */
	uint64_t		 sent;
	/* recording */
	struct wav_writer	 wav;
	char			 path[VM_PATH_MAX];
	int			 recording, stopped;
	long			 frames, max_frames, silent, silence_frames;
	struct dtmf_dec		 dtmf;
};

int
vm_media_rtp_parse(const uint8_t *b, size_t len, struct rtp_pkt *p)
{
	size_t off = 12;

	if (len < 12 || (b[0] >> 6) != 2)
		return -1;
	off += 4 * (size_t)(b[0] & 0x0f);		/* CSRC list */
	if ((b[0] & 0x10) != 0) {			/* header extension (5.3.1) */
		if (len < off + 4)
			return -1;
		off += 4 + 4 * (size_t)(b[off + 2] << 8 | b[off + 3]);
	}
	if (off > len)
		return -1;
	if ((b[0] & 0x20) != 0) {			/* padding: the last octet counts it */
		if (b[len - 1] == 0 || b[len - 1] > len - off)
			return -1;
		len -= b[len - 1];
	}
	p->marker = b[1] >> 7;
	p->pt = b[1] & 0x7f;
	p->seq = (uint16_t)(b[2] << 8 | b[3]);
	p->ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	p->ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	p->payload = b + off;
	p->len = len - off;
	return 0;
}

size_t
vm_media_rtp_build(uint8_t *out, size_t max, const struct rtp_pkt *p)
{
	if (max < 12 + p->len)
		return 0;
	out[0] = 0x80;
	out[1] = (uint8_t)((p->marker ? 0x80 : 0) | (p->pt & 0x7f));
	out[2] = p->seq >> 8; out[3] = p->seq & 0xff;
	out[4] = p->ts >> 24; out[5] = (p->ts >> 16) & 0xff;
	out[6] = (p->ts >> 8) & 0xff; out[7] = p->ts & 0xff;
	out[8] = p->ssrc >> 24; out[9] = (p->ssrc >> 16) & 0xff;
	out[10] = (p->ssrc >> 8) & 0xff; out[11] = p->ssrc & 0xff;
	memcpy(out + 12, p->payload, p->len);
	return 12 + p->len;
}

/* Send the next 20 ms of what is queued (the last frame padded with silence). */
static void
send_frame(struct vm_media *m)
{
	uint8_t pay[VM_FRAME], pkt[12 + VM_FRAME];
	struct rtp_pkt p = { .pt = m->pt, .marker = m->talkspurt, .seq = m->seq++, .ts = m->ts,
	    .ssrc = m->ssrc, .payload = pay, .len = VM_FRAME };
	size_t len;

	for (int i = 0; i < VM_FRAME; i++) {
		int16_t s = m->pos < m->nplay ? m->play[m->pos++] : 0;
		pay[i] = m->pt == 8 ? g711_alaw_enc(s) : g711_ulaw_enc(s);
	}
	m->ts += VM_FRAME;
	m->talkspurt = 0;
	len = vm_media_rtp_build(pkt, sizeof(pkt), &p);
	if (sendto(m->fd, pkt, len, 0, (struct sockaddr *)&m->peer, m->peerlen) == -1 &&
	    errno != EAGAIN && errno != ECONNREFUSED)
		log_debug("voicemail media: send: %s", strerror(errno));
	m->sent++;
}

/* The frame clock: send what is due, then sleep until the next frame. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct vm_media *m = arg;
	uint64_t now = pacer_now(), wait;
	unsigned due = pacer_due(&m->pacer, now);

	while (due-- > 0 && m->pos < m->nplay)
		send_frame(m);
	if (m->pos >= m->nplay) {
		free(m->play);
		m->play = NULL;
		m->nplay = m->pos = 0;
		m->talkspurt = 1;
		if (m->cb.played)
			m->cb.played(m->cb.arg);	/* may queue more: it runs on the same clock */
		if (m->play == NULL)
			return;
	}
	wait = pacer_wait(&m->pacer, pacer_now());
	struct timeval tv = { (time_t)(wait / 1000000000u), (suseconds_t)(wait % 1000000000u / 1000) };
	evtimer_add(m->tick, &tv);
}

void
vm_media_play(struct vm_media *m, const int16_t *s, size_t n)
{
	int idle = m->play == NULL;

	if (n == 0)
		return;
	m->play = xrealloc(m->play, (m->nplay + n) * sizeof(*s));
	memcpy(m->play + m->nplay, s, n * sizeof(*s));
	m->nplay += n;
	if (idle && !evtimer_pending(m->tick, NULL)) {
		pacer_start(&m->pacer, pacer_now(), VM_PERIOD_NS);
		tick(-1, 0, m);
	}
}

void
vm_media_play_stop(struct vm_media *m)
{
	free(m->play);
	m->play = NULL;
	m->nplay = m->pos = 0;
	m->talkspurt = 1;
	evtimer_del(m->tick);
}

/* One received audio frame into the recording; the silence and length limits. */
static void
record_frame(struct vm_media *m, const struct rtp_pkt *p)
{
	int16_t s[VM_FRAME * 2];
	size_t n = p->len < VM_FRAME * 2 ? p->len : VM_FRAME * 2;
	long sum = 0;

	if (!m->recording || m->stopped)
		return;
	for (size_t i = 0; i < n; i++) {
		s[i] = p->pt == 8 ? g711_alaw_dec(p->payload[i]) : g711_ulaw_dec(p->payload[i]);
		sum += abs(s[i]);
	}
	if (wav_writer_write(&m->wav, s, n) == -1) {
		log_warn("voicemail: writing %s", m->path);
		m->stopped = 1;
		if (m->cb.stopped)
			m->cb.stopped(m->cb.arg, VM_STOP_MAX);
		return;
	}
	m->frames++;
	m->silent = n > 0 && sum / (long)n < VM_SILENCE_LVL ? m->silent + 1 : 0;
	if (m->frames >= m->max_frames ||
	    (m->silence_frames > 0 && m->silent >= m->silence_frames)) {
		m->stopped = 1;
		if (m->cb.stopped)
			m->cb.stopped(m->cb.arg, m->frames >= m->max_frames ? VM_STOP_MAX :
			    VM_STOP_SILENCE);
	}
}

/* Symmetric RTP: answer where the caller's packets come from (the first source latches). */
static int
latch(struct vm_media *m, const struct sockaddr_storage *src, socklen_t len)
{
	if (!m->latched) {
		memcpy(&m->peer, src, len);
		m->peerlen = len;
		m->latched = 1;
		return 1;
	}
	return len == m->peerlen && memcmp(src, &m->peer, len) == 0;
}

static void
readable(evutil_socket_t fd, short what, void *arg)
{
	struct vm_media *m = arg;
	struct sockaddr_storage src;
	struct rtp_pkt p;
	uint8_t b[2048];
	char d[2];
	ssize_t len;

	for (int k = 0; k < 64; k++) {
		socklen_t slen = sizeof(src);

		if ((len = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&src, &slen)) <= 0)
			return;
		if (vm_media_rtp_parse(b, (size_t)len, &p) == -1 || !latch(m, &src, slen))
			continue;
		if (p.pt == m->dtmf_pt) {
			int nd = dtmf_feed(&m->dtmf, p.payload, p.len, p.ts, d);
			for (int i = 0; i < nd && m->cb.digit; i++)
				m->cb.digit(m->cb.arg, d[i]);
		} else if (p.pt == 0 || p.pt == 8)
			record_frame(m, &p);
	}
}

int
vm_media_record(struct vm_media *m, const char *path, int max_ms, int silence_ms)
{
	if (m->recording || snprintf(m->path, sizeof(m->path), "%s", path) >= (int)sizeof(m->path))
		return -1;
	if (wav_writer_open(&m->wav, path) == -1) {
		log_warn("voicemail: creating %s", path);
		return -1;
	}
	m->recording = 1;
	m->stopped = 0;
	m->frames = m->silent = 0;
	m->max_frames = max_ms / 20 > 0 ? max_ms / 20 : 1;
	m->silence_frames = silence_ms / 20;
	return 0;
}

long
vm_media_record_end(struct vm_media *m, int keep)
{
	long ms = (m->frames - (m->silent >= m->silence_frames && m->silence_frames > 0 ?
	    m->silent : 0)) * 20;

	if (!m->recording)
		return -1;
	m->recording = 0;
	if (!keep) {
		wav_writer_abort(&m->wav, m->path);
		return ms;
	}
	if (wav_writer_close(&m->wav) == -1) {
		log_warn("voicemail: completing %s", m->path);
		unlink(m->path);
		return -1;
	}
	return ms;
}

struct vm_media *
vm_media_new(struct event_base *base, int fd, const struct sockaddr *peer, socklen_t peerlen,
    int pt, int dtmf_pt, const struct vm_media_cb *cb)
{
	struct vm_media *m = xcalloc(1, sizeof(*m));

	m->fd = fd;
	m->pt = pt;
	m->dtmf_pt = dtmf_pt;
	memcpy(&m->peer, peer, peerlen);
	m->peerlen = peerlen;
	m->cb = *cb;
	m->wav.fd = -1;
	m->talkspurt = 1;
	m->ssrc = (uint32_t)arc4random();
	m->seq = (uint16_t)arc4random();
	m->ts = (uint32_t)arc4random();
	dtmf_init(&m->dtmf);
	m->rd = event_new(base, fd, EV_READ | EV_PERSIST, readable, m);
	m->tick = evtimer_new(base, tick, m);
	event_add(m->rd, NULL);
	return m;
}

void
vm_media_stats(const struct vm_media *m, uint64_t *sent, uint64_t *skipped)
{
	*sent = m->sent;
	*skipped = m->pacer.skipped;
}

void
vm_media_free(struct vm_media *m)
{
	if (m == NULL)
		return;
	if (m->recording)
		vm_media_record_end(m, 0);
	event_free(m->rd);
	event_free(m->tick);
	close(m->fd);
	free(m->play);
	free(m);
}
