/* location.h - the location service (RFC 3261 10.3): bindings per address-of-record, served
 * from memory; store.h keeps the durable copy. */
#ifndef SIPD_LOCATION_H
#define SIPD_LOCATION_H

#include <stdint.h>
#include <time.h>

#include "sipd.h"

struct binding {
	char		*key;		/* identity within the AOR: instance+reg-id, or contact */
	char		*contact;	/* contact URI */
	char		*params;	/* other Contact params as sent (";+sip.instance=..") */
	char		*path;		/* Path values (RFC 3327), "" when none */
	char		*call_id;
	uint32_t	 cseq;
	char		*branch;	/* of the REGISTER that set it (memory only): spots retransmissions */
	char		*user_agent;
	char		*instance;
	int		 reg_id;
	int64_t		 expires;	/* Unix time */
	int		 q;		/* q-value * 1000 */
	int64_t		 updated;
	struct sip_peer	 received;	/* where its REGISTER came from */
	int		 nat;		/* reach it at received (NAT'd or a stream flow), not its contact */
	int		 outbound;	/* RFC 5626: registered with Supported: outbound, instance, reg-id */
	int		 ka_failures;	/* keep-alives unanswered in a row (memory only) */
	struct binding	*next;
};

struct aor {
	char		*aor;		/* "sip:user@domain" */
	struct binding	*bindings;	/* sorted by q, highest first */
	int		 count;
};

void location_init(void);
void location_free(void);
/* Load the durable copy (start-up).  Returns the number of bindings, or -1. */
long location_load(time_t now);
/* The AOR record, or NULL. */
struct aor *location_get(const char *aor);
struct aor *location_get_or_add(const char *aor);
/* Binding with key in a, or NULL. */
struct binding *location_find(struct aor *a, const char *key);
/* Insert (taking ownership of b) or replace the binding with the same key; persists it. */
void location_put(struct aor *a, struct binding *b);
/* Remove and free b (persisted).  When a loses its last binding, a itself is freed. */
void location_remove(struct aor *a, struct binding *b);
/* Remove every binding of an AOR (sipctl reg del); returns how many. */
int location_remove_aor(const char *aor);
/* Oldest binding (by updated) of a. */
struct binding *location_oldest(struct aor *a);
/* Drop expired bindings from memory and from the store. */
void location_purge(time_t now);
/* Live bindings (for stats). */
size_t location_count(void);
void binding_free(struct binding *);
/* 1 when a binding reaches its phone over stream connection conn (the flow stays open). */
int location_flow_in_use(uint64_t conn);
/* Call fn for every binding (fn must not add or remove bindings). */
void location_foreach(void (*fn)(struct aor *, struct binding *, void *), void *arg);

#endif
