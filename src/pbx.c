/* pbx.c - ring groups and call forwarding as target plans (see pbx.h).
 *
 * A user's call forwarding becomes serial forking (RFC 3261 16.6): "always" replaces the user
 * by the target; "busy" and "noanswer" add a stage after the user's own stage, entered only
 * when that stage ended busy (486) or unanswered (its ring time ran out: the proxy CANCELs
 * the ringing branches, 16.10).  A ring group is one stage (parallel) or one stage per member
 * (serial).  Chains are followed PBX_MAX_DEPTH deep, and a user met twice is rung without
 * following its forwards again, so A -> B -> A ends. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "domain.h"
#include "log.h"
#include "pbx.h"
#include "store.h"
#include "uri.h"

struct plan {
	struct pbx_leg	*legs;
	int		 n, max;
	int		 nstages;
	char		 seen[PBX_MAX_DEPTH + 2][128];
	int		 nseen;
};

static int add_target(struct plan *, const char *, const char *, int, int, int);

/* A new stage; -1 when the plan is full. */
static int
new_stage(struct plan *p)
{
	return p->nstages < PBX_MAX_STAGES ? p->nstages++ : -1;
}

static void
add_leg(struct plan *p, const char *uri, int local, int stage, int parent, int when, int ring)
{
	struct pbx_leg *l;

	if (p->n >= p->max)
		return;
	l = &p->legs[p->n++];
	snprintf(l->uri, sizeof(l->uri), "%s", uri);
	l->local = local;
	l->stage = stage;
	l->parent = parent;
	l->when = when;
	l->ring = ring;
}

/* The username behind a name or an extension of domain; the name itself when neither is
 * known (registration without accounts). */
static void
resolve_user(const char *name, const char *domain, char *user, size_t len)
{
	struct auth_user u;

	if (store_user_get(name, domain, &u) == 0 ||
	    store_user_by_extension(name, domain, user, len) == -1)
		snprintf(user, len, "%s", name);
}

static int
seen(struct plan *p, const char *user)
{
	for (int i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i], user) == 0)
			return 1;
	if (p->nseen < (int)(sizeof(p->seen) / sizeof(p->seen[0])))
		snprintf(p->seen[p->nseen++], sizeof(p->seen[0]), "%s", user);
	return 0;
}

/* A ring group: one stage for all members, or a stage per member in q order.  Returns the
 * last stage (whose end the stages after the group wait for). */
static int
add_group(struct plan *p, const struct store_group *g, const char *domain, int parent,
    int when)
{
	char user[128], aor[512];
	int stage = -1, prev = parent;

	for (int i = 0; i < g->n; i++) {
		if (stage == -1 || g->serial) {
			if ((stage = new_stage(p)) == -1)
				break;
			if (i > 0) {
				parent = prev;	/* the next member after any failure of the one before */
				when = PBX_ANY;
			}
			prev = stage;
		}
		resolve_user(g->m[i].member, domain, user, sizeof(user));
		snprintf(aor, sizeof(aor), "sip:%s@%s", user, domain);
		add_leg(p, aor, 1, stage, parent, when,
		    g->serial && g->m[i].timeout ? g->m[i].timeout : g->timeout);
	}
	return stage;
}

/* A user (or extension, or group number) of domain and its forwards; returns its stage. */
static int
add_user(struct plan *p, const char *name, const char *domain, int parent, int when, int depth)
{
	struct store_forward f[STORE_FWD_KINDS];
	struct store_group g;
	char user[128], aor[512];
	int stage, follow;

	if (store_group_get(name, domain, &g) == 0)
		return add_group(p, &g, domain, parent, when);
	resolve_user(name, domain, user, sizeof(user));
	follow = !seen(p, user) && depth < PBX_MAX_DEPTH;
	if (follow && store_forwards_get(user, domain, f) == 0 && f[STORE_FWD_ALWAYS].set)
		return add_target(p, f[STORE_FWD_ALWAYS].target, domain, parent, when, depth + 1);
	if (!follow)
		memset(f, 0, sizeof(f));
	if ((stage = new_stage(p)) == -1)
		return -1;
	snprintf(aor, sizeof(aor), "sip:%s@%s", user, domain);
	add_leg(p, aor, 1, stage, parent, when,
	    f[STORE_FWD_NOANSWER].set ? f[STORE_FWD_NOANSWER].after : 0);
	if (f[STORE_FWD_BUSY].set)
		add_target(p, f[STORE_FWD_BUSY].target, domain, stage, PBX_ON_BUSY, depth + 1);
	if (f[STORE_FWD_NOANSWER].set)
		add_target(p, f[STORE_FWD_NOANSWER].target, domain, stage, PBX_ON_NOANSWER,
		    depth + 1);
	return stage;
}

/* A forward target: a user, extension or group of domain, or a SIP URI (ours or not). */
static int
add_target(struct plan *p, const char *target, const char *domain, int parent, int when,
    int depth)
{
	struct uri_parts u;
	int stage;

	if (strncasecmp(target, "sip:", 4) != 0 && strncasecmp(target, "sips:", 5) != 0)
		return add_user(p, target, domain, parent, when, depth);
	if (uri_split(target, strlen(target), &u) == -1 || u.user[0] == '\0') {
		log_warnx("pbx: forward target %s is not a SIP URI with a user part", target);
		return -1;
	}
	if (domain_is_local(u.host, u.port)) {
		uri_user_canonical(u.user);
		return add_user(p, u.user, domain_canonical(u.host), parent, when, depth);
	}
	/* Another server: allowed, since a user of ours set it up for calls to them. */
	if ((stage = new_stage(p)) == -1)
		return -1;
	add_leg(p, target, 0, stage, parent, when, 0);
	return stage;
}

int
pbx_plan(const char *user, const char *domain, struct pbx_leg *legs, int max)
{
	struct plan p = { .legs = legs, .max = max };
	struct store_forward f[STORE_FWD_KINDS];
	struct store_group g;
	char name[128];

	resolve_user(user, domain, name, sizeof(name));
	if (store_group_get(user, domain, &g) == -1 && store_forwards_get(name, domain, f) == -1)
		return 0;	/* the common case: two indexed lookups, nothing to plan */
	add_user(&p, user, domain, -1, PBX_ANY, 0);
	return p.n;
}

int
pbx_wanted(int outcome, int when)
{
	switch (when) {
	case PBX_ON_BUSY:
		return outcome == PBX_BUSY;
	case PBX_ON_NOANSWER:
		return outcome == PBX_NOANSWER;
	default:
		return outcome >= PBX_BUSY;
	}
}

int
pbx_outcome(int status, int rang_out)
{
	if (rang_out || status == 408 || status == 480 || status == 0)
		return PBX_NOANSWER;
	if (status == 486)
		return PBX_BUSY;
	return PBX_FAILED;
}
