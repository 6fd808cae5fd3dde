/* sipmsg.h - a received SIP message: its raw bytes, an index of its header lines, and libosip2's parse.
 *
 * Parsing does no I/O: bytes in, message (or a SIP error) out.  The raw bytes are kept because
 * forwarding edits them (RFC 3261 16.6: headers the proxy does not own pass unchanged). */
#ifndef SIPD_SIPMSG_H
#define SIPD_SIPMSG_H

#include <stdint.h>
#include <stddef.h>

#include <osipparser2/osip_parser.h>

#include "sipd.h"

/* Header names sipd looks at in raw form (long and compact forms map to one id). */
enum hdr_id {
	HDR_OTHER = 0,
	HDR_VIA, HDR_FROM, HDR_TO, HDR_CALL_ID, HDR_CSEQ, HDR_CONTACT,
	HDR_CONTENT_LENGTH, HDR_CONTENT_TYPE, HDR_MAX_FORWARDS, HDR_ROUTE, HDR_RECORD_ROUTE,
	HDR_REQUIRE, HDR_PROXY_REQUIRE, HDR_SUPPORTED, HDR_EXPIRES, HDR_MIN_EXPIRES,
	HDR_AUTHORIZATION, HDR_PROXY_AUTHORIZATION, HDR_WWW_AUTHENTICATE, HDR_PROXY_AUTHENTICATE,
	HDR_USER_AGENT, HDR_SERVER, HDR_PATH, HDR_ALLOW, HDR_UNSUPPORTED, HDR_DATE,
	HDR_TIMESTAMP, HDR_EVENT, HDR_ACCEPT,
	HDR__MAX
};

/* One header line as it is on the wire (a folded header spans several physical lines). */
struct sip_hdr {
	uint8_t		 id;		/* enum hdr_id */
	uint32_t	 off;		/* first byte of the name */
	uint32_t	 len;		/* through the CRLF that ends the header */
	uint32_t	 name_len;
	uint32_t	 voff;		/* first byte of the value */
	uint32_t	 vlen;		/* value length, trailing LWS trimmed; may hold folds */
};

/* Fields of the top Via, as byte ranges and copies (RFC 3261 20.42). */
struct sip_via {
	char		*proto;		/* "UDP", "TCP", ... (uppercased copy) */
	char		*host;		/* sent-by host, without [] for IPv6 */
	int		 port;		/* sent-by port, 0 when absent */
	char		*branch;	/* branch value or NULL */
	int		 rport;		/* 1 when an rport param is present (RFC 3581) */
	int		 has_received_param;
	uint32_t	 voff, vlen;	/* the top via-parm's bytes inside raw */
};

struct sipmsg {
	int		 refcnt;
	char		*raw;		/* our own NUL-terminated copy of the message */
	size_t		 len;		/* start line through the end of the body */
	size_t		 sline_len;	/* start line, without CRLF */
	size_t		 body_off;
	size_t		 body_len;
	struct sip_hdr	*hdrs;
	int		 nhdrs;

	osip_message_t	*osip;		/* libosip2's parse, made on first sipmsg_osip() */
	int		 osip_failed;

	int		 is_request;
	int		 status;	/* response status code */
	enum sip_method	 method;	/* request method; for responses the CSeq method */
	char		*method_name;	/* the request's method token (or CSeq's for responses) */
	uint32_t	 cseq;
	char		*cseq_method;
	char		*call_id;	/* copies, NUL-terminated */
	char		*from_tag;	/* NULL when absent */
	char		*to_tag;	/* NULL when absent */
	char		*from_uri;	/* From's addr-spec, without <> or params ("sip:a@b"); */
	char		*to_uri;	/* ... To's; NULL when the header is absent or malformed */
	char		*ruri;		/* Request-URI text (requests) */
	int		 max_forwards;	/* -1 when absent */
	struct sip_via	 via;		/* top Via */

	struct sip_peer	 src;		/* filled by the transport that received it */
};

struct sipmsg_limits {
	size_t		 max_size;
	int		 max_headers;
	size_t		 max_line;
};

/* Outcome of parsing: status 0 = fine; >= 400 = answer the request with it; -1 = drop silently. */
struct sip_err {
	int		 status;
	const char	*reason;	/* static text, names the offending header where possible */
};

/* Parse and validate len bytes.  datagram: the bytes are a whole UDP datagram (RFC 3261 18.3
 * framing rules apply: trailing octets beyond Content-Length are ignored).  Returns the message,
 * or NULL when it cannot even be indexed; err tells whether to answer.  A message returned with
 * err->status >= 400 has a usable raw index (for building the error response) but maybe no osip. */
struct sipmsg *sipmsg_parse(const char *buf, size_t len, int datagram,
    const struct sipmsg_limits *lim, struct sip_err *err);

/* libosip2's full parse of the message, made on first use; NULL when libosip2 rejects it. */
osip_message_t *sipmsg_osip(struct sipmsg *);

/* Heap bytes m holds (libosip2's parse not counted). */
size_t sipmsg_memory(const struct sipmsg *);
struct sipmsg *sipmsg_ref(struct sipmsg *);
void sipmsg_unref(struct sipmsg *);

/* First / next header with id; NULL when none.  prev may be NULL to start. */
const struct sip_hdr *sipmsg_hdr(const struct sipmsg *, enum hdr_id, const struct sip_hdr *prev);
/* Value of the first header with id, copied into buf (truncated to fit); NULL if none. */
const char *sipmsg_hdr_value(const struct sipmsg *, enum hdr_id, char *buf, size_t len);
/* Value of the first header named name (case-insensitive; for HDR_OTHER names). */
const struct sip_hdr *sipmsg_hdr_named(const struct sipmsg *, const char *name);
/* Classify a header name (long or compact form). */
enum hdr_id sipmsg_hdr_id(const char *name, size_t len);

/* One walk over comma-separated header values (RFC 3261 7.3.1: "a, b" equals two header lines
 * "a" and "b"): every value of every header line with one id, in order, split at the commas
 * outside quoted strings and <>, each trimmed of LWS.  Empty elements ("a,,b", an empty
 * header) come out too, with length 0: a caller that validates refuses them, one that
 * collects skips them. */
struct sipmsg_iter {
	const struct sipmsg	*m;	/* NULL once the headers are done, or for a single list */
	enum hdr_id		 id;
	const struct sip_hdr	*h;	/* the header line the last value came from */
	const char		*p;	/* the list being split */
	size_t			 n, i;
	int			 more;	/* p[i..n) holds one more element */
};

/* Start over the values of every header with id in m. */
void sipmsg_iter_init(struct sipmsg_iter *, const struct sipmsg *, enum hdr_id);
/* Start over the elements of one comma-separated list p[0..n), e.g. one header value. */
void sipmsg_iter_list(struct sipmsg_iter *, const char *p, size_t n);
/* The next value: 1 with *v and *len set (bytes inside the message or list, not
 * NUL-terminated), or 0 when there is none left. */
int sipmsg_iter_next(struct sipmsg_iter *, const char **v, size_t *len);

#endif
