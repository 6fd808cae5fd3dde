/* vm_media.h - the media side of a voicemail session: one UDP socket, G.711 RTP played out at
 * 20 ms from a monotonic frame clock (pacer.h), RTP received and recorded to WAV, RFC 4733
 * digits decoded (dtmf.h).  It runs on the event loop with its own socket (the session
 * opens it in the relay's port range); the relay thread is not involved. */
#ifndef SIPD_VM_MEDIA_H
#define SIPD_VM_MEDIA_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#define VM_FRAME	160	/* samples per 20 ms packet at 8 kHz */

/* An RTP packet's fixed header fields and where its payload lies (RFC 3550 5.1). */
struct rtp_pkt {
	int		 pt;
	int		 marker;
	uint16_t	 seq;
	uint32_t	 ts;
	uint32_t	 ssrc;
	const uint8_t	*payload;
	size_t		 len;
};

/* Parse an RTP packet (version 2; CSRCs, a header extension and padding skipped).  0, or -1
 * when it is not one.  Pure. */
int vm_media_rtp_parse(const uint8_t *b, size_t len, struct rtp_pkt *p);
/* Build a packet with a 12-byte header; its length, or 0 when max is too small.  Pure. */
size_t vm_media_rtp_build(uint8_t *out, size_t max, const struct rtp_pkt *p);

enum vm_stop { VM_STOP_MAX = 1, VM_STOP_SILENCE };

struct vm_media_cb {
	void	(*digit)(void *arg, char d);		/* a key pressed (RFC 4733) */
	void	(*played)(void *arg);			/* what vm_media_play got is out */
	void	(*stopped)(void *arg, enum vm_stop);	/* the recording hit max or silence */
	void	*arg;
};

struct vm_media;

/* A session on fd (bound, non-blocking; it owns it) sending to peer with payload type pt
 * (0 PCMU, 8 PCMA) and receiving telephone-events as dtmf_pt (-1: none).  Packets are
 * sent to the source of the first packet received once one arrives (symmetric RTP, for
 * callers behind NAT); packets from any other source are dropped after that. */
struct vm_media *vm_media_new(struct event_base *, int fd, const struct sockaddr *peer,
    socklen_t peerlen, int pt, int dtmf_pt, const struct vm_media_cb *);
/* Play n samples (copied), after what is playing; cb.played when all are out. */
void vm_media_play(struct vm_media *, const int16_t *s, size_t n);
/* Drop what is queued for playing (a key interrupts a prompt). */
void vm_media_play_stop(struct vm_media *);
/* Record what arrives into a new file at path until vm_media_record_end; cb.stopped fires
 * at max_ms or after silence_ms of silence (0: no silence stop).  0, or -1. */
int vm_media_record(struct vm_media *, const char *path, int max_ms, int silence_ms);
/* End the recording: the file is completed and fsynced (keep) or removed.  Returns the ms
 * recorded (trailing silence that stopped it not counted), or -1 when the file could not
 * be completed (it is then removed). */
long vm_media_record_end(struct vm_media *, int keep);
/* Frames sent late by more than one period, frames skipped by a stall (benchmarks). */
void vm_media_stats(const struct vm_media *, uint64_t *sent, uint64_t *skipped);
void vm_media_free(struct vm_media *);

#endif
