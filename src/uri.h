/* uri.h - pick a SIP URI apart (user, host, port, params).  No I/O. */
#ifndef SIPD_URI_H
#define SIPD_URI_H

#include <stddef.h>

struct uri_parts {
	int		 sips;
	char		 user[256];	/* "" when none */
	char		 host[256];	/* lowercased, IPv6 without [] */
	int		 port;		/* 0 when absent */
	const char	*params;	/* ";..." inside the URI (points into the input), or NULL */
	size_t		 params_len;
};

/* Split a sip:/sips: URI of n bytes.  0, or -1 when it is not a SIP URI or a part is too long. */
int uri_split(const char *uri, size_t n, struct uri_parts *out);
/* Canonical user part, in place: %XX of characters that need no escaping are unescaped, the
 * others keep one spelling (uppercase hex), so equal users compare equal (RFC 3261 19.1.4,
 * 10.3 step 5).  %00 stays escaped: the AOR never holds a NUL. */
void uri_user_canonical(char *user);
/* 1 when user is a whole user part as RFC 3261 25.1 writes it: unreserved and user-unreserved
 * characters and %HH escapes, nothing else (no '@', no space, no '%' without two hex digits). */
int uri_user_valid(const char *user);
/* The value of URI parameter name in parts (e.g. "transport"), copied; NULL when absent. */
const char *uri_param(const struct uri_parts *, const char *name, char *buf, size_t len);

#endif
