/* framing.c - Content-Length framing of SIP over a stream (RFC 3261 18.3, 7.5; RFC 5626 3.5.1). */
#include <string.h>
#include <strings.h>

#include "framing.h"
#include "grammar.h"

/* Find the end of the header section: index just past the empty line, or 0. */
static size_t
headers_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Content-Length (or "l") of the header section buf[0..hend): -1 absent, -2 bad or repeated. */
static long long
content_length(const char *buf, size_t hend)
{
	long long found = -1;
	size_t i = 0;

	while (i < hend) {
		const char *nl = memchr(buf + i, '\n', hend - i);
		size_t e = nl ? (size_t)(nl - buf) : hend, c = i;
		while (c < e && grammar_is_token((unsigned char)buf[c]))
			c++;
		size_t name_len = c - i;
		while (c < e && (buf[c] == ' ' || buf[c] == '\t'))
			c++;
		if (c < e && buf[c] == ':' && ((name_len == 14 && strncasecmp(buf + i, "Content-Length", 14) == 0) ||
		    (name_len == 1 && (buf[i] | 0x20) == 'l'))) {
			unsigned long long v;
			/* the value may continue on folded lines (RFC 3261 7.3.1) */
			while (e + 1 < hend && (buf[e + 1] == ' ' || buf[e + 1] == '\t')) {
				const char *more = memchr(buf + e + 1, '\n', hend - e - 1);
				e = more ? (size_t)(more - buf) : hend;
			}
			if (found != -1 || grammar_uint(buf + c + 1, e - c - 1, 10, 0xffffffffULL, &v) == -1)
				return -2;
			found = (long long)v;
		}
		i = e + 1;
	}
	return found;
}

enum frame_result
framing_scan(const char *buf, size_t len, size_t max, size_t *skip, size_t *msglen,
    const char **why)
{
	size_t s = 0, hend;
	long long cl;

	*skip = 0;
	*msglen = 0;
	*why = NULL;
	while (s < len && (buf[s] == '\r' || buf[s] == '\n'))
		s++;
	if (s > 0) {
		/* RFC 5626 3.5.1: a double CRLF is a ping; a lone CRLF (a pong) is dropped. */
		if (len >= 4 && memcmp(buf, "\r\n\r\n", 4) == 0) {
			*skip = 4;
			return FRAME_PING;
		}
		if (s == len && len < 4 && memcmp(buf, "\r\n\r\n", len) == 0)
			return FRAME_NEED_MORE;
		*skip = s;
		return FRAME_SKIP;
	}
	if ((hend = headers_end(buf, len)) == 0) {
		if (len > max) {
			*why = "header section too large";
			return FRAME_ERROR;
		}
		return FRAME_NEED_MORE;
	}
	if ((cl = content_length(buf, hend)) < 0) {
		*why = cl == -1 ? "missing Content-Length" : "bad Content-Length";
		return FRAME_ERROR;
	}
	if (hend + (size_t)cl > max) {
		*why = "message too large";
		return FRAME_ERROR;
	}
	if (len < hend + (size_t)cl)
		return FRAME_NEED_MORE;
	*msglen = hend + (size_t)cl;
	return FRAME_MESSAGE;
}
