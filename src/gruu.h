/* gruu.h - Globally Routable UA URIs (RFC 5627): the pub-gruu and temp-gruu a registrar hands
 * out, and reading them back from a Request-URI.  A pub-gruu is the AOR with gr=<instance>; a
 * temp-gruu is "sip:tgruu.TOKEN@domain;gr" where TOKEN is the AOR, instance and registration
 * epoch (a hash of the REGISTER's Call-ID) sealed with a key made at start: sipd keeps no
 * state for it, and it stops working when sipd restarts (RFC 5627 3.2 allows this).  No I/O. */
#ifndef SIPD_GRUU_H
#define SIPD_GRUU_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "uri.h"

#define GRUU_INSTANCE_MAX	256	/* longest instance ID a GRUU is made for */

/* What a Request-URI names, once read. */
struct gruu_ref {
	char		 aor[600];		/* "sip:user@domain" */
	char		 instance[GRUU_INSTANCE_MAX];	/* "urn:uuid:..." (no quotes, no <>) */
	int		 temp;			/* a temp-gruu: epoch must match too */
	uint64_t	 epoch;
};

enum gruu_kind {
	GRUU_NONE,	/* no gr parameter: not a GRUU */
	GRUU_PUB,	/* a pub-gruu */
	GRUU_TEMP,	/* a temp-gruu this run of sipd made */
	GRUU_BAD	/* a gr parameter that names nothing sipd made (forged, or older run) */
};

/* A fresh key: every temp-gruu made before is invalid.  Called lazily on first use. */
void gruu_init(void);
/* Registration epoch of a binding: a hash of the Call-ID of its REGISTER (RFC 5627 5.1: a
 * new Call-ID invalidates the temp-gruus made before). */
uint64_t gruu_epoch(const char *call_id);
/* The instance ID of a +sip.instance value without its quotes and angle brackets, into out;
 * -1 when there is none or it does not fit. */
int gruu_instance(const char *param, char *out, size_t outlen);
/* Append ";pub-gruu=\"..\";temp-gruu=\"..\"" for a binding of aor with +sip.instance value
 * instance, registered with call_id (RFC 5627 5.2); nothing when instance is unusable.  0 when
 * something was added. */
int gruu_contact_params(struct buf *b, const char *aor, const char *instance, const char *call_id);
/* Read Request-URI (split in u, not yet checked for our domain) as a GRUU into g. */
enum gruu_kind gruu_parse(const struct uri_parts *u, struct gruu_ref *g);
/* 1 when a binding with +sip.instance value instance and Call-ID call_id is reached by g
 * (epoch ignored when any_epoch). */
int gruu_matches(const struct gruu_ref *g, const char *instance, const char *call_id, int any_epoch);
/* 1 when uri (a Contact of a REGISTER) carries a gr parameter and names one of our domains. */
int gruu_is_ours(const char *uri);

#endif
