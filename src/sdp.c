/* sdp.c - SDP (RFC 4566) reading and rewriting for the RTP relay (RFC 3264 offer/answer).
 * Bytes in, bytes out: no I/O, no allocation but the output buffer, so any input is safe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "sdp.h"
#include "sipval.h"

/* One line of the description: its bytes without the line end, and the line end itself. */
struct sdp_line {
	const char	*p;
	size_t		 len;		/* without CR LF */
	const char	*eol;		/* "\r\n", "\n", or "" / "\r" (last line without LF) */
};

/* The next line from *pos; 0 when there is none left. */
static int
next_line(const char *p, size_t len, size_t *pos, struct sdp_line *l)
{
	size_t s = *pos, e;

	if (s >= len)
		return 0;
	for (e = s; e < len && p[e] != '\n'; e++)
		;
	*pos = e < len ? e + 1 : e;
	l->p = p + s;
	l->eol = e < len ? "\n" : "";
	if (e > s && p[e - 1] == '\r') {
		e--;
		/* a last line ending in a bare CR keeps it: a rewrite loses no byte */
		l->eol = l->eol[0] != '\0' ? "\r\n" : "\r";
	}
	l->len = e - s;
	return 1;
}

/* Copy the n-th space-separated token of s (len bytes) into out; its start offset, or -1. */
static long
token(const char *s, size_t len, int n, char *out, size_t outlen)
{
	size_t i = 0;

	for (int k = 0; ; k++) {
		while (i < len && s[i] == ' ')
			i++;
		size_t st = i;
		while (i < len && s[i] != ' ')
			i++;
		if (st == i)
			return -1;
		if (k == n) {
			if (out != NULL) {
				size_t c = i - st < outlen - 1 ? i - st : outlen - 1;
				memcpy(out, s + st, c);
				out[c] = '\0';
			}
			return (long)st;
		}
	}
}

/* A port number 0..65535 from a decimal prefix (a "/count" may follow); -1 if none. */
static int
port_value(const char *s)
{
	long v = 0;
	int n = 0;

	for (; *s >= '0' && *s <= '9' && n < 6; s++, n++)
		v = v * 10 + (*s - '0');
	if (n == 0 || n > 5 || v > 65535 || (*s != '\0' && *s != '/'))
		return -1;
	return (int)v;
}

/* "IN IP4 addr[/ttl]" into family and addr; -1 if it is not that. */
static int
conn_addr(const char *v, size_t len, int *family, char *addr, size_t alen)
{
	char nt[8], at[8];

	if (token(v, len, 0, nt, sizeof(nt)) == -1 || token(v, len, 1, at, sizeof(at)) == -1 ||
	    token(v, len, 2, addr, alen) == -1 || strcasecmp(nt, "IN") != 0)
		return -1;
	if (strcasecmp(at, "IP4") == 0)
		*family = 4;
	else if (strcasecmp(at, "IP6") == 0)
		*family = 6;
	else
		return -1;
	addr[strcspn(addr, "/")] = '\0';	/* multicast ttl / count */
	return 0;
}

int
sdp_addr_is_null(const char *addr)
{
	return strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0 || addr[0] == '\0';
}

/* 1 when the transport is carried over UDP (RTP/AVP, RTP/SAVP(F), UDP/TLS/RTP/SAVPF, udptl). */
static int
udp_transport(const char *proto)
{
	return strncasecmp(proto, "RTP/", 4) == 0 || strncasecmp(proto, "UDP", 3) == 0;
}

static int
is_attr(const struct sdp_line *l, const char *name)
{
	size_t n = strlen(name);

	return l->len >= 2 + n && strncasecmp(l->p + 2, name, n) == 0 &&
	    (l->len == 2 + n || l->p[2 + n] == ':');
}

static enum sdp_dir
direction(const struct sdp_line *l, enum sdp_dir dflt)
{
	if (is_attr(l, "sendonly"))
		return SDP_SENDONLY;
	if (is_attr(l, "recvonly"))
		return SDP_RECVONLY;
	if (is_attr(l, "inactive"))
		return SDP_INACTIVE;
	if (is_attr(l, "sendrecv"))
		return SDP_SENDRECV;
	return dflt;
}

/* ICE attributes (RFC 8839): dropped when the relay stands in for the endpoint's addresses. */
static int
is_ice(const struct sdp_line *l)
{
	static const char *const ice[] = { "candidate", "remote-candidates", "end-of-candidates",
	    "ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "ice-mismatch", "ice-pacing" };

	if (l->len < 2 || l->p[0] != 'a')
		return 0;
	for (size_t i = 0; i < sizeof(ice) / sizeof(ice[0]); i++)
		if (is_attr(l, ice[i]))
			return 1;
	return 0;
}

/* An m= line: media, port, transport. */
static int
parse_m(const struct sdp_line *l, struct sdp_stream *s)
{
	char port[16];

	if (token(l->p + 2, l->len - 2, 0, s->media, sizeof(s->media)) == -1 ||
	    token(l->p + 2, l->len - 2, 1, port, sizeof(port)) == -1 ||
	    token(l->p + 2, l->len - 2, 2, s->proto, sizeof(s->proto)) == -1 ||
	    (s->port = port_value(port)) == -1)
		return -1;
	s->relayable = udp_transport(s->proto);
	return 0;
}

/* One line inside an m= section. */
static int
parse_media_line(const struct sdp_line *l, struct sdp_stream *s)
{
	char v[16];

	if (l->p[0] == 'c') {
		if (conn_addr(l->p + 2, l->len - 2, &s->family, s->addr, sizeof(s->addr)) == -1)
			return -1;
		s->own_c = 1;
	} else if (is_attr(l, "rtcp") && l->len > 7) {
		token(l->p + 7, l->len - 7, 0, v, sizeof(v));
		s->rtcp_port = port_value(v) > 0 ? port_value(v) : 0;
	} else if (is_attr(l, "rtcp-mux")) {
		s->rtcp_mux = 1;
	} else if (l->p[0] == 'a') {
		s->dir = direction(l, s->dir);
	}
	return 0;
}

int
sdp_parse(const char *p, size_t len, struct sdp_info *info)
{
	struct sdp_line l;
	size_t pos = 0;
	int sfamily = 0, cur = -1, first = 1;
	char saddr[SDP_ADDR_MAX] = "";
	enum sdp_dir sdir = SDP_SENDRECV;

	memset(info, 0, sizeof(*info));
	while (next_line(p, len, &pos, &l)) {
		if (l.len == 0)
			continue;	/* a trailing empty line is tolerated */
		/* RFC 4566 5: no CR inside a line (fuzz_sdp: "v=\r\r" was read as a v= line
		 * holding a CR, which the rewrite then cut off) */
		if (l.len < 2 || l.p[1] != '=' || memchr(l.p, '\0', l.len) != NULL ||
		    memchr(l.p, '\r', l.len) != NULL)
			return -1;
		if (first && (l.len < 3 || l.p[0] != 'v'))
			return -1;	/* RFC 4566 5: v= comes first */
		first = 0;
		if (is_ice(&l))
			info->ice = 1;
		if (l.p[0] == 'm') {
			if (info->nstreams == SDP_MAX_STREAMS) {
				info->too_many = 1;
				cur = -2;	/* skipped */
				continue;
			}
			cur = info->nstreams++;
			struct sdp_stream *s = &info->s[cur];
			if (parse_m(&l, s) == -1)
				return -1;
			s->dir = sdir;
			s->family = sfamily;
			memcpy(s->addr, saddr, sizeof(saddr));
		} else if (cur >= 0) {
			if (parse_media_line(&l, &info->s[cur]) == -1)
				return -1;
		} else if (cur == -1 && l.p[0] == 'c') {
			if (conn_addr(l.p + 2, l.len - 2, &sfamily, saddr, sizeof(saddr)) == -1)
				return -1;
		} else if (cur == -1 && l.p[0] == 'a') {
			sdir = direction(&l, sdir);
		}
	}
	return first ? -1 : 0;
}

/* The o= line with its version one higher (RFC 3264 8: a changed description bumps it). */
static void
put_origin(struct buf *b, const struct sdp_line *l)
{
	long v0 = token(l->p + 2, l->len - 2, 2, NULL, 0);
	char ver[32];
	unsigned long long n;
	char *end;

	if (v0 == -1 || token(l->p + 2, l->len - 2, 2, ver, sizeof(ver)) == -1 ||
	    strlen(ver) > 19 || ver[0] < '0' || ver[0] > '9' ||
	    (n = strtoull(ver, &end, 10), *end != '\0')) {
		buf_add(b, l->p, l->len);
		return;
	}
	size_t at = 2 + (size_t)v0;
	buf_add(b, l->p, at);
	buf_printf(b, "%llu", n + 1);
	buf_add(b, l->p + at + strlen(ver), l->len - at - strlen(ver));
}

static void
put_conn(struct buf *b, const struct sdp_subst *sub)
{
	buf_printf(b, "c=IN IP%d %s", sub->family, sub->addr);
}

/* The m= line with the relay's port (a "/count" goes: the relay gives one pair). */
static void
put_media(struct buf *b, const struct sdp_line *l, int port)
{
	long p1 = token(l->p + 2, l->len - 2, 1, NULL, 0);
	long p2 = token(l->p + 2, l->len - 2, 2, NULL, 0);

	buf_add(b, l->p, 2 + (size_t)p1);
	buf_printf(b, "%d ", port);
	buf_add(b, l->p + 2 + p2, l->len - 2 - (size_t)p2);
}

/* a=rtcp:PORT [IN IP4 addr] -> the relay's RTCP port (and address when one was given). */
static void
put_rtcp(struct buf *b, const struct sdp_line *l, const struct sdp_subst *sub, int port)
{
	buf_printf(b, "a=rtcp:%d", port + 1);
	if (token(l->p + 7, l->len - 7, 1, NULL, 0) != -1)
		buf_printf(b, " IN IP%d %s", sub->family, sub->addr);
}

/* Does any substituted stream take its address from the session-level c=? */
static int
session_c_used(const struct sdp_info *info, const struct sdp_subst *sub)
{
	for (int i = 0; i < info->nstreams; i++)
		if (sub->port[i] != 0 && info->s[i].port != 0 && !info->s[i].own_c)
			return 1;
	return 0;
}

/* Rewriting state: which stream the line belongs to, and what it becomes. */
struct rw {
	const struct sdp_info	*info;
	const struct sdp_subst	*sub;
	int			 cur;		/* -1 session level, -2 beyond SDP_MAX_STREAMS */
	int			 session_c;	/* the session c= was replaced */
	const struct sdp_line	*sess_c;	/* the original session c= line */
};

/* 1 when the current stream is being pointed at the relay. */
static int
subst_here(const struct rw *rw)
{
	return rw->cur >= 0 && rw->sub->port[rw->cur] != 0 && rw->info->s[rw->cur].port != 0;
}

/* Write one line as it is in the copy (nothing for a dropped line); 1 if written. */
static int
rewrite_line(struct rw *rw, const struct sdp_line *l, struct buf *b)
{
	if (is_ice(l))
		return 0;
	switch (l->p[0]) {
	case 'o':
		put_origin(b, l);
		return 1;
	case 'm':
		rw->cur = rw->cur == -2 || rw->cur + 1 >= rw->info->nstreams ? -2 : rw->cur + 1;
		if (subst_here(rw)) {
			put_media(b, l, rw->sub->port[rw->cur]);
		} else {
			buf_add(b, l->p, l->len);
			/* a stream left alone keeps the address it had at session level */
			if (rw->cur >= 0 && rw->session_c && !rw->info->s[rw->cur].own_c &&
			    rw->info->s[rw->cur].port != 0) {
				/* a last line ends with "" or a bare CR: a line of its own needs CRLF */
				buf_adds(b, strchr(l->eol, '\n') != NULL ? l->eol : "\r\n");
				buf_add(b, rw->sess_c->p, rw->sess_c->len);
			}
		}
		return 1;
	case 'c':
		if ((rw->cur == -1 && rw->session_c) || (subst_here(rw) &&
		    !sdp_addr_is_null(rw->info->s[rw->cur].addr))) {
			put_conn(b, rw->sub);
			return 1;
		}
		break;
	case 'a':
		if (subst_here(rw) && is_attr(l, "rtcp") && l->len > 7) {
			put_rtcp(b, l, rw->sub, rw->sub->port[rw->cur]);
			return 1;
		}
		break;
	}
	buf_add(b, l->p, l->len);
	return 1;
}

/* The session-level c= line, if any (it precedes the first m=). */
static int
find_session_c(const char *p, size_t len, struct sdp_line *out)
{
	struct sdp_line l;
	size_t pos = 0;

	while (next_line(p, len, &pos, &l)) {
		if (l.len >= 2 && l.p[0] == 'm')
			return 0;
		if (l.len >= 2 && l.p[0] == 'c') {
			*out = l;
			return 1;
		}
	}
	return 0;
}

char *
sdp_rewrite(const char *p, size_t len, const struct sdp_subst *sub, size_t *outlen)
{
	struct sdp_info info;
	struct sdp_line l, sc;
	struct rw rw;
	struct buf b;
	size_t pos = 0;

	if (sdp_parse(p, len, &info) == -1)
		return NULL;
	memset(&rw, 0, sizeof(rw));
	rw.info = &info;
	rw.sub = sub;
	rw.cur = -1;
	if (find_session_c(p, len, &sc)) {
		char a[SDP_ADDR_MAX];
		int fam;
		rw.sess_c = &sc;
		rw.session_c = session_c_used(&info, sub) &&
		    conn_addr(sc.p + 2, sc.len - 2, &fam, a, sizeof(a)) == 0 && !sdp_addr_is_null(a);
	}
	buf_init(&b, len + 128);
	while (next_line(p, len, &pos, &l)) {
		if (l.len == 0) {
			buf_adds(&b, l.eol);
			continue;
		}
		if (rewrite_line(&rw, &l, &b))
			buf_adds(&b, l.eol);
	}
	return buf_take(&b, outlen);
}

/* Find needle (nlen bytes) in hay; offset or -1. */
static long
find(const char *hay, size_t hlen, size_t from, const char *needle, size_t nlen)
{
	for (size_t i = from; nlen <= hlen && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return (long)i;
	return -1;
}

/* In a body part (headers, empty line, content), the part's Content-Type is application/sdp:
 * then the content's offset and length. */
static int
part_is_sdp(const char *p, size_t len, size_t *coff)
{
	size_t pos = 0;
	struct sdp_line l;
	struct sipval_mtype mt;
	int sdp = 0;

	while (next_line(p, len, &pos, &l)) {
		if (l.len == 0) {
			*coff = pos;
			return sdp;
		}
		if (l.len > 13 && strncasecmp(l.p, "Content-Type:", 13) == 0 &&
		    sipval_mtype(l.p + 13, l.len - 13, &mt) == 0 &&
		    sipval_mtype_is(&mt, "application", "sdp"))
			sdp = 1;
	}
	return 0;
}

/* RFC 2046 5.1.1: parts sit between "--boundary" delimiter lines; the CRLF before a
 * delimiter belongs to the delimiter. */
static int
multipart_find(const char *bnd, const char *body, size_t len, size_t *off, size_t *slen)
{
	char delim[84];
	long d, next;

	if (bnd[0] == '\0')
		return -1;
	int dl = snprintf(delim, sizeof(delim), "--%s", bnd);
	for (d = find(body, len, 0, delim, (size_t)dl); d != -1; d = next) {
		size_t ps = (size_t)d + (size_t)dl;
		if (ps + 2 <= len && memcmp(body + ps, "--", 2) == 0)
			return -1;	/* the close delimiter */
		while (ps < len && body[ps] != '\n')
			ps++;		/* transport padding, CRLF */
		ps++;
		if (ps > len || (next = find(body, len, ps, delim, (size_t)dl)) == -1)
			return -1;
		size_t pe = (size_t)next;
		if (pe > ps && body[pe - 1] == '\n')
			pe--;
		if (pe > ps && body[pe - 1] == '\r')
			pe--;
		size_t coff;
		if (pe > ps && part_is_sdp(body + ps, pe - ps, &coff) && coff <= pe - ps) {
			*off = ps + coff;
			*slen = pe - ps - coff;
			return 0;
		}
	}
	return -1;
}

/* The Content-Type is parsed by libosip2 (sipval.c); the body stays bytes. */
int
sdp_body_find(const char *ctype, size_t ctlen, const char *body, size_t len, size_t *off,
    size_t *slen)
{
	struct sipval_mtype mt;

	if (ctype == NULL || len == 0 || sipval_mtype(ctype, ctlen, &mt) == -1)
		return -1;
	if (sipval_mtype_is(&mt, "application", "sdp")) {
		*off = 0;
		*slen = len;
		return 0;
	}
	if (strcmp(mt.type, "multipart") == 0)
		return multipart_find(mt.boundary, body, len, off, slen);
	return -1;
}
