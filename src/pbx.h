/* pbx.h - small-PBX target plans: ring groups and call forwarding, read from the store at
 * routing time.  A plan is a list of legs grouped in stages; the proxy rings one stage at a
 * time and decides from how the previous stage ended which stage comes next. */
#ifndef SIPD_PBX_H
#define SIPD_PBX_H

#define PBX_MAX_LEGS	32
#define PBX_MAX_STAGES	32
#define PBX_MAX_DEPTH	4	/* forward chains followed at most this far */

/* How a stage ended, and what a stage waits for from its parent stage. */
enum pbx_outcome {
	PBX_NONE = 0,		/* not entered (yet) */
	PBX_RUNNING,
	PBX_BUSY,		/* 486 */
	PBX_NOANSWER,		/* rang out, 408, 480, or nothing reachable */
	PBX_FAILED,		/* any other failure */
};
enum pbx_when { PBX_ANY, PBX_ON_BUSY, PBX_ON_NOANSWER };

struct pbx_leg {
	char		 uri[512];	/* local: sip:user@domain (an AOR); else the URI to call */
	int		 local;
	int		 stage;		/* legs of a stage ring together; stages in order */
	int		 parent;	/* the stage whose end lets this one ring; -1: the first */
	int		 when;		/* enum pbx_when: how the parent must have ended */
	int		 ring;		/* s the stage rings before it is cancelled; 0: Timer C */
};

/* The plan for a call to user@domain (domain canonical, user canonical): legs in stage order.
 * Returns the count, or 0 when user is neither a ring group nor has forwards (then ordinary
 * routing applies). */
int pbx_plan(const char *user, const char *domain, struct pbx_leg *legs, int max);
/* Forget the cached groups and forwards (sipctl changed them; exit). */
void pbx_invalidate(void);
/* Does a stage that ended as outcome let a stage waiting for `when` ring? */
int pbx_wanted(int outcome, int when);
/* How a stage ended, from its best final status and whether it rang out. */
int pbx_outcome(int status, int rang_out);

#endif
