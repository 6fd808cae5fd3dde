/* vm.c - voicemail sessions.  sipd answers as a user agent (RFC 3261 13.3): a 200 with its own
 * SDP (PCMU/PCMA, telephone-event), To tag from the server transaction; the caller's ACK is
 * absorbed; its BYE ends the session.  A session: greeting (the user's or the default
 * prompt), beep, recording until BYE, silence or voicemail.max_seconds.  The message's row is
 * inserted only after the WAV file is complete and fsynced (wav_writer_close), so a crash
 * lists nothing half-written; a recording shorter than voicemail.min_seconds is removed.
 * Media: a UDP socket of the session's own from the relay's port range, on the event loop
 * (vm_media.c), not on the relay thread. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "callrec.h"
#include "authban.h"
#include "caller.h"
#include "config.h"
#include "dialoginfo.h"
#include "domain.h"
#include "store.h"
#include "uri.h"
#include "log.h"
#include "relay.h"
#include "sdp.h"
#include "transport.h"
#include "txn.h"
#include "vm.h"
#include "vm_media.h"
#include "vm_mwi.h"
#include "vm_prompt.h"
#include "wav.h"
#include "xmalloc.h"

#define VM_PROMPT_MAX	(WAV_RATE * 60)		/* longest greeting played: 60 s */

enum vm_state { VM_GREETING, VM_RECORDING, VM_FULL, VM_DONE, VM_MENU, VM_PIN, VM_GREETREC };

#define VM_LIST_MAX	1000	/* messages a listening session walks */

/* One message of the box a listening session walks (new first, then saved). */
struct vm_item {
	long		 id;
	int		 heard;
	char		 file[64];
};

struct vm_session {
	char			*call_id, *tag, *caller, *user, *domain;
	struct vm_media		*media;
	enum vm_state		 state;
	char			 file[64];
	time_t			 start;
	struct event		*guard;		/* ends a session the caller never hangs up */
	struct sipmsg		*invite;	/* for the call record */
	struct vm_item		*items;		/* listening: the box's messages */
	int			 nitems, cur;
	char			 keys[64];	/* VM_PIN: "EXTENSION#PIN#" as typed */
	size_t			 nkeys;
	struct vm_session	*next;
};

static void menu_digit(struct vm_session *, char);
static void greeting_end(struct vm_session *);
static void pin_digit(struct vm_session *, char);

static struct event_base	*vm_base;
static struct vm_session	*sessions;
static sqlite3			*vm_db;
static char			 vm_dirpath[4096];

const char *
vm_dir(void)
{
	return vm_dirpath;
}

int
vm_session_count(void)
{
	int n = 0;

	for (struct vm_session *s = sessions; s != NULL; s = s->next)
		n++;
	return n;
}

void
vm_init(struct event_base *base)
{
	char *copy = xstrdup(cfg->db_path);

	vm_base = base;
	snprintf(vm_dirpath, sizeof(vm_dirpath), "%s/voicemail", dirname(copy));
	free(copy);
	if (vm_prompt_ensure(vm_dirpath) > 0)
		log_info("voicemail: default prompts written to %s", vm_dirpath);
	if (sqlite3_open_v2(cfg->db_path, &vm_db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		log_warnx("voicemail: database %s: %s", cfg->db_path, sqlite3_errmsg(vm_db));
		sqlite3_close(vm_db);
		vm_db = NULL;
		return;
	}
	sqlite3_busy_timeout(vm_db, 2000);
	vm_mwi_init(base);
}

/* A one-row integer query on user, domain (and c as ?3 unless NULL); -1 when no row. */
static long
db_int3(const char *sql, const char *user, const char *domain, const char *c)
{
	sqlite3_stmt *st;
	long v = -1;

	if (vm_db == NULL || sqlite3_prepare_v2(vm_db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	if (c != NULL)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static long
db_int(const char *sql, const char *user, const char *domain)
{
	return db_int3(sql, user, domain, NULL);
}

int
vm_box_after(const char *user, const char *domain)
{
	return (int)db_int("SELECT after FROM vm_boxes WHERE username = ?1 AND domain = ?2", user,
	    domain);
}

int
vm_box_of(const struct sipmsg *m, char *user, size_t ulen, char *domain, size_t dlen)
{
	struct uri_parts u;
	const char *d;
	int after;

	if (vm_db == NULL || m->ruri == NULL || uri_split(m->ruri, strlen(m->ruri), &u) == -1 ||
	    u.user[0] == '\0' || !domain_is_local(u.host, u.port))
		return -1;
	d = domain_canonical(u.host);
	snprintf(domain, dlen, "%s", d);
	snprintf(user, ulen, "%s", u.user);
	if ((after = vm_box_after(user, domain)) >= 0)
		return after;
	if (store_user_by_extension(u.user, d, user, ulen) == 0)	/* dialled by extension */
		return vm_box_after(user, domain);
	return -1;
}

/* The rtpmap payload type of telephone-event/8000 in sdp, or -1. */
static int
dtmf_pt_of(const char *sdp, size_t len)
{
	const char *p = sdp, *end = sdp + len;
	int pt;
	char name[32];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256];

		snprintf(line, sizeof(line), "%.*s", (int)(n < 255 ? n : 255), p);
		if (sscanf(line, "a=rtpmap:%d %31[^/]/8000", &pt, name) == 2 &&
		    strcasecmp(name, "telephone-event") == 0 && pt >= 96 && pt <= 127)
			return pt;
		p += n + 1;
	}
	return -1;
}

int
vm_sdp_offer(const char *sdp, size_t len, int *pt, int *dtmf_pt, char *addr, size_t addrlen,
    int *port)
{
	struct sdp_info info;
	const char *m, *p;
	int i;

	if (sdp_parse(sdp, len, &info) == -1)
		return -1;
	for (i = 0; i < info.nstreams; i++)
		if (strcmp(info.s[i].media, "audio") == 0 && info.s[i].port > 0 &&
		    info.s[i].relayable && info.s[i].addr[0] != '\0')
			break;
	if (i == info.nstreams)
		return -1;
	/* the formats of the first audio m= line: the first of 0 and 8 wins */
	if ((m = strstr(sdp, "m=audio ")) == NULL || m >= sdp + len)	/* raw is NUL-ended */
		return -1;
	*pt = -1;
	for (p = strstr(m, "RTP/AVP"); p != NULL && *p != '\r' && *p != '\n'; p++) {
		if (*p == ' ' && (p[1] == '0' || p[1] == '8') &&
		    (p[2] == ' ' || p[2] == '\r' || p[2] == '\n' || p[2] == '\0')) {
			*pt = p[1] - '0';
			break;
		}
	}
	if (*pt == -1)
		return -1;
	*dtmf_pt = dtmf_pt_of(sdp, len);
	snprintf(addr, addrlen, "%s", info.s[i].addr);
	*port = info.s[i].port;
	return 0;
}

/* A UDP socket on an even port of the relay's range at addr (family af): fd, or -1. */
static int
media_socket(const char *addr, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET, fd;
	int span = (cfg->relay_port_max - cfg->relay_port_min) / 2;

	if ((fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	for (int i = 0; i < 64 && span > 0; i++) {
		int p = cfg->relay_port_min + 2 * (int)(arc4random() % (unsigned)span);

		memset(&ss, 0, sizeof(ss));
		if (af == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			a->sin_family = AF_INET;
			a->sin_port = htons((uint16_t)p);
			len = sizeof(*a);
			if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
				break;
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			a->sin6_family = AF_INET6;
			a->sin6_port = htons((uint16_t)p);
			len = sizeof(*a);
			if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
				break;
		}
		if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
			*port = p;
			return fd;
		}
	}
	close(fd);
	return -1;
}

/* The address sipd's media lives at (relay.address, else the SIP address). */
static void
media_addr(int af, char *out, size_t len)
{
	int port;

	if (cfg->relay_address[0] != '\0') {
		snprintf(out, len, "%s", cfg->relay_address);
		return;
	}
	if (transport_local(PROTO_UDP, af, out, len, &port) == -1 &&
	    transport_local(PROTO_TCP, af, out, len, &port) == -1)
		snprintf(out, len, af == AF_INET6 ? "::1" : "127.0.0.1");
	if (strncasecmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

/* The caller's media address as a sockaddr. */
static int
peer_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -1;
}

/* The box's greeting: greeting-USER@DOMAIN.wav when the user recorded one, else the
 * default prompt. */
static const char *
vm_prompt_greeting(const struct vm_session *s)
{
	static char name[512];
	char path[4700];

	snprintf(name, sizeof(name), "greeting-%s@%s.wav", s->user, s->domain);
	snprintf(path, sizeof(path), "%s/%s", vm_dirpath, name);
	return access(path, R_OK) == 0 && strchr(s->user, '/') == NULL ? name :
	    vm_prompt_file(VM_PROMPT_GREETING);
}

/* Queue a prompt file of the voicemail directory (or path when it is absolute). */
static void
play_file(struct vm_session *s, const char *name)
{
	char path[4400];
	int16_t *pcm = NULL;
	long n;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", vm_dirpath, name);
	if ((n = wav_read(path, &pcm, VM_PROMPT_MAX)) < 0) {
		log_warnx("voicemail: prompt %s unreadable", path);
		n = 0;
	}
	if (n > 0)
		vm_media_play(s->media, pcm, (size_t)n);
	free(pcm);
}

static void
session_unlink(struct vm_session *s)
{
	for (struct vm_session **pp = &sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
}

static void
session_free(struct vm_session *s)
{
	session_unlink(s);
	vm_media_free(s->media);
	if (s->guard)
		event_free(s->guard);
	sipmsg_unref(s->invite);
	free(s->items);
	free(s->call_id);
	free(s->tag);
	free(s->caller);
	free(s->user);
	free(s->domain);
	free(s);
}

/* The row of a completed recording (its file is complete and synced).  0 or -1. */
static int
message_insert(const struct vm_session *s, long ms)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (vm_db == NULL || sqlite3_prepare_v2(vm_db, "INSERT INTO vm_messages (username, "
	    "domain, caller, call_id, created, duration, file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, s->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->caller, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)s->start);
	sqlite3_bind_int64(st, 6, ms);
	sqlite3_bind_text(st, 7, s->file, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		log_warnx("voicemail: storing the message: %s", sqlite3_errmsg(vm_db));
	sqlite3_finalize(st);
	return rc;
}

/* The recording ends: kept (file completed, synced, then its row) when long enough. */
static void
recording_end(struct vm_session *s)
{
	char path[4400];
	long ms;

	if (s->state != VM_RECORDING)
		return;
	s->state = VM_DONE;
	/* the length counts audio frames received; decide before completing the file */
	ms = vm_media_record_end(s->media, 1);
	snprintf(path, sizeof(path), "%s/%s", vm_dirpath, s->file);
	if (ms >= 0 && ms < cfg->vm_min_seconds * 1000L) {
		unlink(path);
		log_info("voicemail call-id=%s box=%s@%s: %ld ms, too short: discarded", s->call_id,
		    s->user, s->domain, ms);
		return;
	}
	if (ms < 0 || message_insert(s, ms) == -1) {
		unlink(path);
		return;
	}
	log_info("voicemail call-id=%s box=%s@%s from=%s: message of %ld ms in %s", s->call_id,
	    s->user, s->domain, s->caller, ms, s->file);
	vm_mwi_changed(s->user, s->domain);	/* RFC 3842: the lamp comes on */
}

static void
on_played(void *arg)
{
	struct vm_session *s = arg;
	char path[4400];

	if (s->state != VM_GREETING)
		return;		/* the box-full notice: the caller hangs up (or the guard) */
	snprintf(s->file, sizeof(s->file), "%lld-%08x.wav", (long long)time(NULL),
	    (unsigned)arc4random());
	snprintf(path, sizeof(path), "%s/%s", vm_dirpath, s->file);
	if (vm_media_record(s->media, path, cfg->vm_max_seconds * 1000,
	    cfg->vm_silence_seconds * 1000) == -1) {
		s->state = VM_DONE;
		return;
	}
	s->state = VM_RECORDING;
}

/* The greeting being recorded (key 9) is complete: it replaces the box's greeting
 * (greeting-USER@DOMAIN.wav, renamed into place after it is synced); back to the menu. */
static void
greeting_end(struct vm_session *s)
{
	char tmp[4420], path[4400];
	long ms = vm_media_record_end(s->media, 1);

	s->state = VM_MENU;
	snprintf(path, sizeof(path), "%s/greeting-%s@%s.wav", vm_dirpath, s->user, s->domain);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (ms < 1000 || rename(tmp, path) == -1) {
		unlink(tmp);
		log_info("voicemail call-id=%s box=%s@%s: greeting not kept (%ld ms)", s->call_id,
		    s->user, s->domain, ms);
	} else
		log_info("voicemail call-id=%s box=%s@%s: new greeting of %ld ms", s->call_id,
		    s->user, s->domain, ms);
	play_file(s, vm_prompt_file(VM_PROMPT_BEEP));
}

/* Key 9: record a new greeting after the beep, until '#', 3 s of silence or 60 s. */
static void
greeting_record(struct vm_session *s)
{
	char tmp[4400];

	snprintf(tmp, sizeof(tmp), "%s/greeting-%s@%s.wav.tmp", vm_dirpath, s->user, s->domain);
	unlink(tmp);
	if (strchr(s->user, '/') != NULL || vm_media_record(s->media, tmp, 60000, 3000) == -1)
		return;
	s->state = VM_GREETREC;
	play_file(s, vm_prompt_file(VM_PROMPT_BEEP));
}

/* Silence or the length limit: the message is kept; the caller hears the beep again. */
static void
on_stopped(void *arg, enum vm_stop why)
{
	struct vm_session *s = arg;

	log_debug("voicemail call-id=%s: recording stopped (%s)", s->call_id,
	    why == VM_STOP_MAX ? "max" : "silence");
	if (s->state == VM_GREETREC) {
		greeting_end(s);
		return;
	}
	recording_end(s);
	play_file(s, vm_prompt_file(VM_PROMPT_BEEP));
}

static void
on_digit(void *arg, char d)
{
	struct vm_session *s = arg;

	log_info("voicemail call-id=%s: key %c", s->call_id, d);
	if (s->state == VM_MENU)
		menu_digit(s, d);
	else if (s->state == VM_GREETREC && d == '#')
		greeting_end(s);
	else if (s->state == VM_PIN)
		pin_digit(s, d);
}

/* The caller never hung up: end the session (its message, if any, is kept). */
static void
guard_fired(evutil_socket_t fd, short what, void *arg)
{
	struct vm_session *s = arg;

	log_info("voicemail call-id=%s: no BYE, session ended", s->call_id);
	recording_end(s);
	session_free(s);
}

/* The SDP answer: one audio stream at addr:port with pt (and telephone-event). */
static size_t
sdp_answer(char *out, size_t len, const char *addr, int port, int pt, int dtmf_pt)
{
	const char *ip = strchr(addr, ':') ? "IP6" : "IP4";
	uint32_t id = arc4random() & 0x7fffffff;
	char ev[96] = "";
	int n;

	if (dtmf_pt >= 0)
		snprintf(ev, sizeof(ev), "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n",
		    dtmf_pt, dtmf_pt);
	n = snprintf(out, len, "v=0\r\no=sipd %u %u IN %s %s\r\ns=voicemail\r\nc=IN %s %s\r\n"
	    "t=0 0\r\nm=audio %d RTP/AVP %d%s%.0d\r\na=rtpmap:%d %s/8000\r\n%sa=ptime:20\r\n"
	    "a=sendrecv\r\n", id, id, ip, addr, ip, addr, port, pt, dtmf_pt >= 0 ? " " : "",
	    dtmf_pt >= 0 ? dtmf_pt : 0, pt, pt == 8 ? "PCMA" : "PCMU", ev);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* Media for a new session from the INVITE's offer; the SDP answer into body.  0 or -1. */
static int
session_media(struct vm_session *s, const struct sipmsg *m, char *body, size_t *blen)
{
	static const struct vm_media_cb cbs = { on_digit, on_played, on_stopped, NULL };
	struct vm_media_cb cb = cbs;
	const struct sip_hdr *ct = sipmsg_hdr(m, HDR_CONTENT_TYPE, NULL);
	struct sockaddr_storage peer;
	socklen_t plen;
	char addr[SDP_ADDR_MAX], ours[SDP_ADDR_MAX];
	size_t off, len;
	int pt, dtmf_pt, port, fd, myport;

	if (ct == NULL || sdp_body_find(m->raw + ct->voff, ct->vlen, m->raw + m->body_off,
	    m->body_len, &off, &len) == -1 ||
	    vm_sdp_offer(m->raw + m->body_off + off, len, &pt, &dtmf_pt, addr, sizeof(addr),
	    &port) == -1 || peer_addr(addr, port, &peer, &plen) == -1)
		return -1;	/* no offer in the INVITE (late offer): not supported */
	media_addr(peer.ss_family, ours, sizeof(ours));
	if ((fd = media_socket(ours, &myport)) == -1) {
		log_warn("voicemail call-id=%s: no media port", m->call_id);
		return -1;
	}
	if ((*blen = sdp_answer(body, *blen, ours, myport, pt, dtmf_pt)) == 0) {
		close(fd);
		return -1;
	}
	cb.arg = s;
	s->media = vm_media_new(vm_base, fd, (struct sockaddr *)&peer, plen, pt, dtmf_pt, &cb);
	return 0;
}

/* Answer m (200 + SDP) as a session of the box user@domain; NULL when it cannot (no usable
 * offer, no port: the caller answers as it would have). */
static struct vm_session *
session_start(struct txn *t, struct sipmsg *m, const char *user, const char *domain,
    const void *owner)
{
	struct vm_session *s = xcalloc(1, sizeof(*s));
	char body[1024], contact[512], host[128];
	size_t blen = sizeof(body);
	int port;

	if (session_media(s, m, body, &blen) == -1) {
		free(s);
		return NULL;
	}
	s->call_id = xstrdup(m->call_id);
	s->tag = xstrdup(txn_totag(t));
	s->caller = xstrdup(m->from_uri ? m->from_uri : "");
	s->user = xstrdup(user);
	s->domain = xstrdup(domain);
	s->invite = sipmsg_ref(m);
	s->start = time(NULL);
	s->next = sessions;
	sessions = s;
	if (transport_local(m->src.proto, m->src.addr.ss_family, host, sizeof(host), &port) == -1)
		snprintf(host, sizeof(host), "127.0.0.1");
	snprintf(contact, sizeof(contact), "Contact: <sip:voicemail@%s%s%s:%d>\r\n",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
	relay_end(m->call_id, "voicemail");	/* its media is ours now */
	txn_reply(t, 200, NULL, contact, "application/sdp", body, blen);
	if (owner == NULL)
		callrec_invite(m, owner = s);	/* no call started: nothing was forwarded */
	callrec_answered(m, owner, 200, "voicemail");
	struct timeval tv = { cfg->vm_max_seconds + 600, 0 };
	s->guard = evtimer_new(vm_base, guard_fired, s);
	evtimer_add(s->guard, &tv);
	return s;
}

int
vm_answer(struct txn *t, struct sipmsg *m, const void *owner)
{
	struct vm_session *s;
	char user[128], domain[256];
	long count;

	if (m->method != SIP_INVITE || m->to_tag != NULL ||
	    vm_box_of(m, user, sizeof(user), domain, sizeof(domain)) < 0 ||
	    (s = session_start(t, m, user, domain, owner)) == NULL)
		return 0;
	count = db_int("SELECT count(*) FROM vm_messages WHERE username = ?1 AND domain = ?2",
	    user, domain);
	s->state = count >= cfg->vm_max_messages ? VM_FULL : VM_GREETING;
	if (s->state == VM_FULL) {
		play_file(s, vm_prompt_file(VM_PROMPT_FULL));
	} else {
		play_file(s, vm_prompt_greeting(s));
		play_file(s, vm_prompt_file(VM_PROMPT_BEEP));
	}
	log_info("voicemail call-id=%s box=%s@%s from=%s: answered%s", s->call_id, user, domain,
	    s->caller, s->state == VM_FULL ? " (box full)" : "");
	return 1;
}

/* The box's messages for a listening session: new ones first, then saved, oldest first. */
static void
items_load(struct vm_session *s)
{
	sqlite3_stmt *st;

	s->items = xcalloc(VM_LIST_MAX, sizeof(*s->items));
	if (sqlite3_prepare_v2(vm_db, "SELECT id, heard, file FROM vm_messages WHERE username = "
	    "?1 AND domain = ?2 ORDER BY heard, id LIMIT 1000", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, s->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->domain, -1, SQLITE_STATIC);
	while (s->nitems < VM_LIST_MAX && sqlite3_step(st) == SQLITE_ROW) {
		struct vm_item *it = &s->items[s->nitems++];
		it->id = sqlite3_column_int64(st, 0);
		it->heard = sqlite3_column_int(st, 1);
		snprintf(it->file, sizeof(it->file), "%s", sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	s->cur = -1;
}

/* Run sql on one message id (heard, delete). */
static void
item_exec(const char *sql, long id)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(vm_db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("voicemail: %s: %s", sql, sqlite3_errmsg(vm_db));
	sqlite3_finalize(st);
}

/* Play message cur (it is heard from now on), or the no-more-messages prompt. */
static void
item_play(struct vm_session *s)
{
	struct vm_item *it;

	if (s->cur < 0 || s->cur >= s->nitems) {
		play_file(s, vm_prompt_file(VM_PROMPT_NONE));
		return;
	}
	it = &s->items[s->cur];
	play_file(s, it->file);
	if (!it->heard) {
		it->heard = 1;
		item_exec("UPDATE vm_messages SET heard = 1 WHERE id = ?1", it->id);
		vm_mwi_changed(s->user, s->domain);
	}
}

/* Delete message cur: its row (committed), then its file. */
static void
item_delete(struct vm_session *s)
{
	char path[4400];

	if (s->cur < 0 || s->cur >= s->nitems) {
		play_file(s, vm_prompt_file(VM_PROMPT_NONE));
		return;
	}
	item_exec("DELETE FROM vm_messages WHERE id = ?1", s->items[s->cur].id);
	snprintf(path, sizeof(path), "%s/%s", vm_dirpath, s->items[s->cur].file);
	unlink(path);
	log_info("voicemail call-id=%s box=%s@%s: message %ld deleted", s->call_id, s->user,
	    s->domain, s->items[s->cur].id);
	memmove(&s->items[s->cur], &s->items[s->cur + 1],
	    (size_t)(s->nitems - s->cur - 1) * sizeof(*s->items));
	s->nitems--;
	vm_mwi_changed(s->user, s->domain);
	play_file(s, vm_prompt_file(VM_PROMPT_BEEP));
}

/* The listening menu: 1 new, 2 saved, 6 next, 4 repeat, 7 delete, 9 record the greeting
 * (ended by #); anything else: the menu prompt. */
static void
menu_digit(struct vm_session *s, char d)
{
	int i;

	vm_media_play_stop(s->media);	/* a key interrupts what plays */
	switch (d) {
	case '1':
	case '2':
		for (i = 0; i < s->nitems && s->items[i].heard != (d == '2'); i++)
			;
		s->cur = i < s->nitems ? i : -1;
		item_play(s);
		break;
	case '6':
		if (s->cur < s->nitems)
			s->cur++;
		item_play(s);
		break;
	case '4':
		item_play(s);
		break;
	case '7':
		item_delete(s);
		break;
	case '9':
		greeting_record(s);
		break;
	default:
		play_file(s, vm_prompt_file(VM_PROMPT_MENU));
	}
}

/* "EXTENSION#PIN#" typed from another phone opens that box; a wrong PIN counts as a failed
 * authentication of the extension from the caller's address (authban.c: auth.max_failures
 * bans the address like wrong passwords do). */
static void
pin_digit(struct vm_session *s, char d)
{
	char ext[32], pin[32], user[128];
	long got = -1;

	if (s->nkeys + 1 >= sizeof(s->keys))
		s->nkeys = 0;
	s->keys[s->nkeys++] = d;
	s->keys[s->nkeys] = '\0';
	if (d != '#' || sscanf(s->keys, "%31[0-9]#%31[0-9]#", ext, pin) != 2)
		return;		/* more to come */
	s->nkeys = 0;
	if (!authban_banned(ext, &s->invite->src, time(NULL)) &&
	    store_user_by_extension(ext, s->domain, user, sizeof(user)) == 0 &&
	    vm_box_after(user, s->domain) >= 0) {
		got = db_int3("SELECT pin = ?3 AND pin != '' FROM vm_boxes WHERE username = ?1 "
		    "AND domain = ?2", user, s->domain, pin);
	}
	if (got != 1) {
		authban_failure(ext, "INVITE", "wrong voicemail box or PIN", &s->invite->src,
		    time(NULL));
		vm_media_play_stop(s->media);
		play_file(s, vm_prompt_file(VM_PROMPT_PIN));
		return;
	}
	free(s->user);
	s->user = xstrdup(user);
	s->state = VM_MENU;
	items_load(s);
	log_info("voicemail call-id=%s box=%s@%s: PIN accepted, %d message(s)", s->call_id,
	    s->user, s->domain, s->nitems);
	vm_media_play_stop(s->media);
	play_file(s, vm_prompt_file(VM_PROMPT_MENU));
}

int
vm_listen(struct txn *t, struct sipmsg *m, const char *dialled)
{
	char from[600], user[128], domain[256];
	struct vm_session *s;
	int known;

	if (m->method != SIP_INVITE || m->to_tag != NULL || vm_db == NULL ||
	    strcmp(dialled, cfg->vm_number) != 0)
		return 0;
	if ((known = caller_check(t, m)) == -1)
		return 1;		/* challenged (407) */
	if (!(known == 1 || !cfg->auth_calls) || m->from_uri == NULL ||
	    dialoginfo_aor(m->from_uri, from, sizeof(from)) == -1 ||
	    sscanf(from, "sip:%127[^@]@%255s", user, domain) != 2 ||
	    vm_box_after(user, domain) < 0) {
		/* not the owner of a box: box number and PIN (pin_digit) */
		user[0] = '\0';
		snprintf(domain, sizeof(domain), "%s", domain_primary());
	}
	if (authban_banned(user, &m->src, time(NULL))) {
		txn_reply(t, 403, NULL, NULL, NULL, NULL, 0);
		return 1;
	}
	if ((s = session_start(t, m, user, domain, NULL)) == NULL) {
		txn_reply(t, 488, NULL, NULL, NULL, NULL, 0);
		return 1;
	}
	s->state = user[0] ? VM_MENU : VM_PIN;
	if (s->state == VM_MENU)
		items_load(s);
	play_file(s, vm_prompt_file(s->state == VM_MENU ? VM_PROMPT_MENU : VM_PROMPT_PIN));
	log_info("voicemail call-id=%s box=%s@%s: listening, %d message(s)", s->call_id, user,
	    domain, s->nitems);
	return 1;
}

/* The session an in-dialog request from the caller belongs to. */
static struct vm_session *
session_find(const struct sipmsg *m)
{
	if (m->to_tag == NULL)
		return NULL;
	for (struct vm_session *s = sessions; s != NULL; s = s->next)
		if (strcmp(s->call_id, m->call_id) == 0 && strcmp(s->tag, m->to_tag) == 0)
			return s;
	return NULL;
}

int
vm_ack(const struct sipmsg *m)
{
	return session_find(m) != NULL;
}

/* A key sent in a SIP INFO body (application/dtmf-relay: "Signal=5"). */
static void
info_digit(struct vm_session *s, const struct sipmsg *m)
{
	const char *b = m->raw + m->body_off, *p;
	char body[256];

	snprintf(body, sizeof(body), "%.*s", (int)(m->body_len < 255 ? m->body_len : 255), b);
	if ((p = strcasestr(body, "Signal=")) == NULL)
		return;
	p += 7;
	while (*p == ' ')
		p++;
	if (*p != '\0' && strchr("0123456789*#ABCD", *p) != NULL)
		on_digit(s, *p);
}

int
vm_request(struct txn *t, struct sipmsg *m)
{
	struct vm_session *s = session_find(m);

	if (s == NULL)
		return 0;
	switch (m->method) {
	case SIP_BYE:
		txn_reply(t, 200, NULL, NULL, NULL, NULL, 0);
		callrec_bye(m);
		log_info("voicemail call-id=%s: caller hung up", s->call_id);
		recording_end(s);
		session_free(s);
		break;
	case SIP_INFO:		/* application/dtmf-relay "Signal=5": the fallback for keys */
		txn_reply(t, 200, NULL, NULL, NULL, NULL, 0);
		info_digit(s, m);
		break;
	case SIP_OPTIONS:
		txn_reply(t, 200, NULL, NULL, NULL, NULL, 0);
		break;
	case SIP_INVITE:	/* re-INVITE: the media stays as it is */
		txn_reply(t, 488, NULL, NULL, NULL, NULL, 0);
		break;
	default:
		txn_reply(t, 405, NULL, "Allow: INVITE, ACK, BYE, INFO, OPTIONS\r\n", NULL, NULL, 0);
		break;
	}
	return 1;
}

void
vm_shutdown(void)
{
	vm_mwi_shutdown();
	while (sessions != NULL) {
		recording_end(sessions);
		session_free(sessions);
	}
	sqlite3_close(vm_db);
	vm_db = NULL;
}
