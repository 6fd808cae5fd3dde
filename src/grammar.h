/* grammar.h - strict RFC 3261 25.1 checks libosip2 does not make, on raw byte ranges (no I/O). */
#ifndef SIPD_GRAMMAR_H
#define SIPD_GRAMMAR_H

#include <stddef.h>

/* A byte range inside a larger buffer. */
struct range {
	size_t		 off;
	size_t		 len;
};

/* What grammar_nameaddr learnt about a From/To/Contact/Route value. */
struct nameaddr_info {
	struct range	 uri;		/* the addr-spec */
	struct range	 tag;		/* the tag param's value (len 0: none) */
	int		 star;		/* the value was "*" (Contact only) */
	int		 bracketed;	/* written as <uri> */
};

struct via_info {
	struct range	 proto;		/* transport, e.g. "UDP" */
	struct range	 host;		/* sent-by host, [] stripped */
	int		 port;		/* 0 when absent */
	struct range	 branch;	/* len 0: absent */
	int		 rport;		/* rport param present */
	int		 has_received;
};

int grammar_is_token(int c);
/* Skip SP / HTAB / CR / LF. */
size_t grammar_skip_lws(const char *p, size_t i, size_t n);
/* Offset of the next top-level comma in p[i..n) (outside quotes and <>), or n. */
size_t grammar_next_comma(const char *p, size_t i, size_t n);
/* One via-parm p[0..n) (no commas).  0 or -1. */
int grammar_via(const char *p, size_t n, struct via_info *out);
/* One name-addr or addr-spec with header params.  allow_star: Contact's "*".  0 or -1. */
int grammar_nameaddr(const char *p, size_t n, int allow_star, struct nameaddr_info *out);
/* Request-URI: 0 fine, 400 malformed, 416 unsupported scheme (RFC 3261 8.2.2.1). */
int grammar_request_uri(const char *p, size_t n);
/* A SIP/SIPS URI (no headers allowed when noheaders).  0 or -1. */
int grammar_sip_uri(const char *p, size_t n, int noheaders);
/* Unsigned decimal of at most maxdigits digits, value <= maxval, surrounded only by LWS.
 * Returns 0 and the value in *out, or -1. */
int grammar_uint(const char *p, size_t n, int maxdigits, unsigned long long maxval,
    unsigned long long *out);

/* grammar_text: what is wrong with a piece of text. */
enum grammar_text {
	GRAMMAR_TEXT_OK,
	GRAMMAR_TEXT_NUL,	/* a NUL byte that is not a quoted-pair */
	GRAMMAR_TEXT_UTF8	/* bytes that are not UTF-8 */
};
/* 1 when p[0..n) holds neither a NUL nor a byte >= 0x80 (the fast path before grammar_text). */
int grammar_plain(const char *p, size_t n);
/* Length of the UTF-8 character starting at p[0] (1 for ASCII), or 0 when the bytes are not
 * UTF-8 as RFC 3629 4 defines it: no overlong form, no surrogate, nothing above U+10FFFF. */
size_t grammar_utf8_char(const char *p, size_t n);
/* A header value or reason phrase (RFC 3261 25.1: TEXT-UTF8char, quoted-string, comment):
 * GRAMMAR_TEXT_NUL for a NUL other than a quoted-pair, GRAMMAR_TEXT_UTF8 for bytes that are
 * not UTF-8, else GRAMMAR_TEXT_OK. */
enum grammar_text grammar_text(const char *p, size_t n);

#endif
