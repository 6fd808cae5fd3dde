/* dialoginfo.c - the dialog event package (see dialoginfo.h).  Each call of a local user is
 * one dialog element per side; an ended call stays listed as terminated for a few seconds,
 * so the NOTIFY that follows the end says so (RFC 4235 3.7.1), then it is forgotten.  While
 * nobody subscribes, calls are not followed; the first document built afterwards takes the
 * calls still open from callrec.c (catch_up). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "callrec.h"
#include "dialoginfo.h"
#include "domain.h"
#include "log.h"
#include "pidf.h"
#include "store.h"
#include "uri.h"
#include "xmalloc.h"

#define DI_LINGER_S	10	/* a terminated dialog is still shown this long */
#define DI_MAX_CALLS	4096	/* calls followed at once; beyond, new ones are not shown */

struct di_call {
	char		*call_id;
	char		 caller[256];	/* AOR of ours, "" when not ours */
	char		 callee[256];
	char		*caller_uri;	/* as the other side sees them */
	char		*callee_uri;
	enum dialoginfo_state state;
	time_t		 ended;
	struct di_call	*next;
};

static struct di_call	*calls;
static int		 ncalls;
static int		 missed;	/* a call started while nobody watched: not followed */
static struct event	*ev_sweep;

static const char *state_names[] = { "trying", "early", "confirmed", "terminated" };

const struct subs_package dialoginfo_package = {
	.name = "dialog", .ctype = "application/dialog-info+xml", .default_expires = 3600,
	.body = dialoginfo_body,
};

int
dialoginfo_aor(const char *uri, char *out, size_t len)
{
	struct uri_parts u;
	struct auth_user au;
	const char *domain;
	char owner[128];

	if (uri == NULL || uri_split(uri, strlen(uri), &u) == -1 || u.user[0] == '\0' ||
	    !domain_is_local(u.host, u.port) || domain_aor(u.user, u.host, u.port, &domain) == -1)
		return -1;
	if (store_user_get(u.user, domain, &au) == -1) {
		if (store_user_by_extension(u.user, domain, owner, sizeof(owner)) == -1)
			return -1;
		snprintf(u.user, sizeof(u.user), "%s", owner);
	}
	return (size_t)snprintf(out, len, "sip:%s@%s", u.user, domain) < len ? 0 : -1;
}

static struct di_call *
find(const char *call_id)
{
	for (struct di_call *c = calls; c != NULL; c = c->next)
		if (strcmp(c->call_id, call_id) == 0)
			return c;
	return NULL;
}

static void
changed(const struct di_call *c)
{
	if (c->caller[0] != '\0')
		subs_changed(&dialoginfo_package, c->caller);
	if (c->callee[0] != '\0' && strcmp(c->callee, c->caller) != 0)
		subs_changed(&dialoginfo_package, c->callee);
}

/* A new call to follow, or NULL when neither side is ours or too many are followed. */
static struct di_call *
call_add(const char *call_id, const char *caller, const char *callee)
{
	struct di_call *c;
	char a[256], b[256];

	a[0] = b[0] = '\0';
	if (dialoginfo_aor(caller, a, sizeof(a)) == -1)
		a[0] = '\0';
	if (dialoginfo_aor(callee, b, sizeof(b)) == -1)
		b[0] = '\0';
	if ((a[0] == '\0' && b[0] == '\0') || ncalls >= DI_MAX_CALLS)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->call_id = xstrdup(call_id);
	memcpy(c->caller, a, sizeof(a));
	memcpy(c->callee, b, sizeof(b));
	c->caller_uri = xstrdup(caller);
	c->callee_uri = xstrdup(callee);
	c->next = calls;
	calls = c;
	ncalls++;
	return c;
}

/* A new call, or NULL; when there is no subscription at all it is not followed (no user
 * lookups per call) until catch_up picks it up from callrec.c's open calls. */
static struct di_call *
call_new(const char *call_id, const char *caller, const char *callee)
{
	if (subs_count() == 0) {
		missed = 1;
		return NULL;
	}
	return call_add(call_id, caller, callee);
}

/* One open call (callrec_foreach): followed from now on, if it was not.  Not answered yet
 * is shown as early: callrec.c does not tell trying from ringing. */
static void
catch_up_one(const char *call_id, const char *caller, const char *callee, double start,
    double answer, void *arg)
{
	struct di_call *c;

	if (find(call_id) != NULL || (c = call_add(call_id, caller, callee)) == NULL)
		return;
	c->state = answer > 0 ? DI_CONFIRMED : DI_EARLY;
	(*(int *)arg)++;
}

/* Calls that started while nobody watched are taken from callrec.c's open calls before a
 * document is built, so the first NOTIFY shows a call already up (RFC 4235 3.7: full state). */
static void
catch_up(void)
{
	int n = 0;

	if (!missed)
		return;
	missed = 0;
	callrec_foreach(catch_up_one, &n);
	if (n > 0)
		log_debug("dialoginfo: %d call(s) already up now followed", n);
}

void
dialoginfo_call(const char *call_id, const char *caller, const char *callee,
    enum dialoginfo_state st)
{
	struct di_call *c = find(call_id);

	if (c == NULL && (st != DI_TRYING || (c = call_new(call_id, caller, callee)) == NULL))
		return;
	if (c->state == DI_TERMINATED || (st < c->state && st != DI_TERMINATED))
		return;		/* states only move forward (RFC 4235 3.7.1) */
	if (st == c->state && st != DI_TRYING)
		return;
	c->state = st;
	if (st == DI_TERMINATED)
		c->ended = time(NULL);
	changed(c);
}

int
dialoginfo_busy(const char *aor)
{
	catch_up();
	for (struct di_call *c = calls; c != NULL; c = c->next)
		if (c->state == DI_CONFIRMED &&
		    (strcmp(c->caller, aor) == 0 || strcmp(c->callee, aor) == 0))
			return 1;
	return 0;
}

/* One dialog element: the call as aor's side sees it. */
static void
add_dialog(struct buf *b, const struct di_call *c, int initiator)
{
	char *id = pidf_escape(c->call_id);
	char *remote = pidf_escape(initiator ? c->callee_uri : c->caller_uri);
	char *local = pidf_escape(initiator ? c->caller_uri : c->callee_uri);

	buf_printf(b, "<dialog id=\"%s-%c\" call-id=\"%s\" direction=\"%s\">"
	    "<state>%s</state><local><identity>%s</identity></local>"
	    "<remote><identity>%s</identity></remote></dialog>\n", id, initiator ? 'i' : 'r', id,
	    initiator ? "initiator" : "recipient", state_names[c->state], local, remote);
	free(id);
	free(remote);
	free(local);
}

char *
dialoginfo_body(const char *aor, unsigned version, size_t *len)
{
	char *ent = pidf_escape(aor);
	struct buf b;

	catch_up();
	buf_init(&b, 512);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dialog-info xmlns=\""
	    "urn:ietf:params:xml:ns:dialog-info\" version=\"%u\" state=\"full\" entity=\"%s\">\n",
	    version, ent);
	for (struct di_call *c = calls; c != NULL; c = c->next) {
		if (strcmp(c->caller, aor) == 0)
			add_dialog(&b, c, 1);
		if (strcmp(c->callee, aor) == 0)
			add_dialog(&b, c, 0);
	}
	buf_adds(&b, "</dialog-info>\n");
	free(ent);
	return buf_take(&b, len);
}

static void
call_free(struct di_call *c)
{
	free(c->call_id);
	free(c->caller_uri);
	free(c->callee_uri);
	free(c);
	ncalls--;
}

/* Forget calls that ended DI_LINGER_S ago. */
static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	time_t now = time(NULL);
	struct di_call **pp = &calls, *c;

	while ((c = *pp) != NULL)
		if (c->state == DI_TERMINATED && now - c->ended >= DI_LINGER_S) {
			*pp = c->next;
			call_free(c);
		} else
			pp = &c->next;
}

void
dialoginfo_init(struct event_base *base)
{
	struct timeval tv = { 2, 0 };

	ev_sweep = event_new(base, -1, EV_PERSIST, sweep, NULL);
	event_add(ev_sweep, &tv);
}

void
dialoginfo_shutdown(void)
{
	while (calls != NULL) {
		struct di_call *c = calls;
		calls = c->next;
		call_free(c);
	}
	if (ev_sweep != NULL)
		event_free(ev_sweep);
	ev_sweep = NULL;
}
