/* uri.c - split SIP URIs (RFC 3261 19.1.1). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uri.h"

/* Copy [s, e) into dst (len bytes), optionally lowercased; -1 when it does not fit. */
static int
copy_part(char *dst, size_t len, const char *s, const char *e, int lower)
{
	size_t n = (size_t)(e - s);

	if (n >= len)
		return -1;
	for (size_t i = 0; i < n; i++)
		dst[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	dst[n] = '\0';
	return 0;
}

int
uri_split(const char *uri, size_t n, struct uri_parts *out)
{
	const char *s, *e = uri + n, *at = NULL, *hend, *pe;

	memset(out, 0, sizeof(*out));
	if (n >= 4 && strncasecmp(uri, "sip:", 4) == 0)
		s = uri + 4;
	else if (n >= 5 && strncasecmp(uri, "sips:", 5) == 0) {
		s = uri + 5;
		out->sips = 1;
	} else
		return -1;
	/* The user part may hold ';' (RFC 4475 3.1.1.9) but no unescaped '@': take the last one. */
	for (const char *c = s; c < e; c++)	/* '?' too: headers hold no raw '@' */
		if (*c == '@')
			at = c;
	if (at != NULL) {
		if (copy_part(out->user, sizeof(out->user), s, at, 0) == -1)
			return -1;
		s = at + 1;
	}
	for (hend = s; hend < e && *hend != ';' && *hend != '?'; hend++)
		;
	if (s < hend && *s == '[') {
		pe = memchr(s, ']', (size_t)(hend - s));
		if (pe == NULL || copy_part(out->host, sizeof(out->host), s + 1, pe, 1) == -1)
			return -1;
		pe++;
	} else {
		for (pe = s; pe < hend && *pe != ':'; pe++)
			;
		if (copy_part(out->host, sizeof(out->host), s, pe, 1) == -1)
			return -1;
	}
	if (out->host[0] == '\0')
		return -1;
	if (pe < hend && *pe == ':') {
		/* digits up to hend only: the URI is not NUL-terminated (fuzz_uri found atoi()
		 * reading past it) */
		const char *d = pe + 1;
		int port = 0;
		if (d == hend)
			return -1;
		for (; d < hend; d++) {
			if (*d < '0' || *d > '9' || (port = port * 10 + (*d - '0')) > 65535)
				return -1;
		}
		out->port = port;
	}
	if (hend < e && *hend == ';') {
		out->params = hend;
		const char *q = memchr(hend, '?', (size_t)(e - hend));
		out->params_len = (size_t)((q ? q : e) - hend);
	}
	return 0;
}

/* Characters a user part may carry unescaped (RFC 3261 25.1 unreserved / user-unreserved). */
static int
user_char(int c)
{
	return isalnum(c) || (c != 0 && strchr("-_.!~*'()&=+$,;?/", c) != NULL);
}

static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

int
uri_user_valid(const char *user)
{
	if (*user == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)user; *p != '\0'; p++) {
		if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0)
			p += 2;
		else if (!user_char(*p))
			return 0;
	}
	return 1;
}

void
uri_user_canonical(char *user)
{
	char *r = user, *w = user;

	while (*r) {
		int hi, lo;
		if (r[0] == '%' && (hi = hexval((unsigned char)r[1])) >= 0 &&
		    (lo = hexval((unsigned char)r[2])) >= 0) {
			int c = hi * 16 + lo;
			if (user_char(c))
				*w++ = (char)c;
			else {			/* stays escaped, in one spelling */
				*w++ = '%';
				*w++ = "0123456789ABCDEF"[hi];
				*w++ = "0123456789ABCDEF"[lo];
			}
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

const char *
uri_param(const struct uri_parts *u, const char *name, char *buf, size_t len)
{
	const char *p = u->params, *e = u->params ? u->params + u->params_len : NULL;
	size_t nl = strlen(name);

	while (p != NULL && p < e) {
		const char *s = p + 1, *end = s;
		while (end < e && *end != ';')
			end++;
		const char *eq = memchr(s, '=', (size_t)(end - s));
		const char *ne = eq ? eq : end;
		if ((size_t)(ne - s) == nl && strncasecmp(s, name, nl) == 0) {
			size_t vl = eq ? (size_t)(end - eq - 1) : 0;
			if (vl >= len)
				vl = len - 1;
			if (eq)
				memcpy(buf, eq + 1, vl);
			buf[vl] = '\0';
			return buf;
		}
		p = end;
	}
	return NULL;
}
