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

#endif
