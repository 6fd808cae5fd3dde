/* subs.h - the notifier side of SIP-specific event notification (RFC 6665): subscription
 * dialogs created, refreshed and ended by SUBSCRIBE, and the NOTIFYs sipd sends for them, at
 * once and on every change of the resource, as client transactions built with libosip2 and
 * sent back the way the SUBSCRIBE came (its flow, or the address it came from: NAT).  Event
 * packages plug in with a struct subs_package: presence (presence.c), dialog (dialoginfo.c),
 * message-summary (voicemail) later.
 *
 * Subscriptions live in memory only.  At shutdown each one is ended cleanly: a NOTIFY with
 * Subscription-State: terminated;reason=deactivated (RFC 6665 4.2.2: the watcher may
 * subscribe again at once), so watchers re-subscribe to the restarted sipd. */
#ifndef SIPD_SUBS_H
#define SIPD_SUBS_H

#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#include "sipmsg.h"

struct txn;

/* An event package. */
struct subs_package {
	const char	*name;		/* the Event header's event-type ("presence") */
	const char	*ctype;		/* the NOTIFY body's Content-Type */
	int		 default_expires;	/* a SUBSCRIBE without Expires (RFC 6665 7.2) */
	/* The NOTIFY body for resource (an AOR), malloc'ed with *len; version counts the
	 * NOTIFYs of this subscription from 0 (RFC 4235 4.1's version).  NULL: no body. */
	char		*(*body)(const char *resource, unsigned version, size_t *len);
	/* A resource list's NOTIFY body (RFC 4662: multipart/related of an RLMI document and
	 * one part per member) for list, members '\n'-separated; NULL: no lists served. */
	char		*(*list_body)(const char *list, const char *members, unsigned version,
			    size_t *len);
	const char	*list_ctype;	/* its Content-Type */
	/* Who may subscribe to resource (an AOR of ours; exists 0: no such user): 0 yes, -1
	 * answered (407, 403, 404).  NULL: presence.c's policy (users of the same domain and
	 * the allow-list).  message-summary (RFC 3842) will want the box's owner only. */
	int		(*may_watch)(struct txn *, struct sipmsg *, const char *resource,
			    int exists);
};

void subs_init(struct event_base *);
/* End every subscription with a terminated NOTIFY (sent once, not retransmitted). */
void subs_shutdown(void);
/* A SUBSCRIBE m for package p to resource (an AOR of ours, already authorised): an initial
 * one creates a subscription (200 + NOTIFY), one inside a subscription dialog refreshes it or,
 * with Expires: 0, ends it (200 + terminated NOTIFY); 481 when it matches none, 423 with
 * Min-Expires when too short, 503 when the limits are reached. */
void subs_subscribe(struct txn *, struct sipmsg *m, const struct subs_package *p,
    const char *resource);
/* An initial SUBSCRIBE m to a resource list (RFC 4662) named list, whose members (AORs,
 * '\n'-separated) are already authorised: as subs_subscribe, with Require: eventlist on the
 * 200 and the NOTIFYs, which carry p->list_body; a change of any member notifies it. */
void subs_subscribe_list(struct txn *, struct sipmsg *m, const struct subs_package *p,
    const char *list, const char *members);
/* resource changed: a NOTIFY to each of its subscriptions to package p (p NULL: every
 * package). */
void subs_changed(const struct subs_package *p, const char *resource);
/* 1 when resource has a subscription of package p, or is a member of a list that has
 * (a hash lookup). */
int subs_watched(const struct subs_package *p, const char *resource);
/* Live subscriptions; heap bytes they hold. */
size_t subs_count(void);
size_t subs_memory(void);

/* One log line per kind of refusal per SUBS_LOG_EVERY seconds, so a SUBSCRIBE storm does not
 * flood the log: subs_lograte is 1 when this refusal may be logged, with *quiet the number of
 * refusals of its kind not logged since the last line. */
#define SUBS_LOG_EVERY	10
struct subs_lograte {
	time_t		 next;
	unsigned long	 quiet;
};
int subs_lograte(struct subs_lograte *r, unsigned long *quiet);

#endif
