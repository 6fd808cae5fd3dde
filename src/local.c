/* local.c - what the server answers itself when no other module takes a request. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "domain.h"
#include "grammar.h"
#include "local.h"
#include "log.h"
#include "reply.h"
#include "sipval.h"
#include "txn.h"
#include "uri.h"

/* Option tags sipd supports (RFC 3261 19.2); one place for Supported and the 420 check.
 * eventlist: resource-list subscriptions (RFC 4662, presence.c). */
static const char *supported_tags[] = { "outbound", "gruu", "eventlist", NULL };

static int
tag_supported(const char *p, size_t n)
{
	for (int i = 0; supported_tags[i] != NULL; i++)
		if (strlen(supported_tags[i]) == n && strncasecmp(p, supported_tags[i], n) == 0)
			return 1;
	return 0;
}

/* Call fn(tag, len, arg) for each option tag in the headers with id, in order, until it
 * returns 1 (then 1 is returned). */
static int
each_tag(const struct sipmsg *m, enum hdr_id id, int (*fn)(const char *, size_t, void *),
    void *arg)
{
	struct sipmsg_iter it;
	const char *v;
	size_t n, e;

	sipmsg_iter_init(&it, m, id);
	while (sipmsg_iter_next(&it, &v, &n)) {
		for (e = 0; e < n && grammar_is_token((unsigned char)v[e]); e++)
			;
		if (e > 0 && fn(v, e, arg))
			return 1;
	}
	return 0;
}

static int
tag_is(const char *p, size_t n, void *tag)
{
	return strlen(tag) == n && strncasecmp(p, tag, n) == 0;
}

int
local_has_tag(const struct sipmsg *m, enum hdr_id id, const char *tag)
{
	return each_tag(m, id, tag_is, (void *)(uintptr_t)tag);
}

static int
add_unsupported(const char *p, size_t n, void *arg)
{
	struct buf *b = arg;

	if (!tag_supported(p, n)) {
		if (b->len)
			buf_adds(b, ", ");
		buf_add(b, p, n);
	}
	return 0;
}

/* Collect the unsupported option tags of every header with id into b ("a, b"). */
static void
unsupported_tags(const struct sipmsg *m, enum hdr_id id, struct buf *b)
{
	each_tag(m, id, add_unsupported, b);
}

int
local_check_require(struct txn *t, struct sipmsg *m, enum hdr_id which)
{
	struct buf tags, extra;

	if (m->method == SIP_ACK || m->method == SIP_CANCEL)
		return 0;		/* RFC 3261 8.2.2.3: never for ACK and CANCEL */
	buf_init(&tags, 64);
	unsupported_tags(m, which, &tags);
	if (tags.len == 0) {
		buf_free(&tags);
		return 0;
	}
	buf_init(&extra, 96);
	buf_printf(&extra, "Unsupported: %s\r\n", tags.p);
	txn_reply(t, 420, NULL, extra.p, NULL, NULL, 0);
	buf_free(&tags);
	buf_free(&extra);
	return 1;
}

/* OPTIONS to the server (RFC 3261 11.2): what it allows, accepts and supports. */
static void
answer_options(struct txn *t)
{
	struct buf b;

	buf_init(&b, 256);
	buf_adds(&b, "Allow: " LOCAL_ALLOW "\r\nAccept: application/sdp\r\nAccept-Language: en\r\nSupported: ");
	for (int i = 0; supported_tags[i] != NULL; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", supported_tags[i]);
	buf_adds(&b, "\r\n");
	txn_reply(t, 200, NULL, b.p, NULL, NULL, 0);
	buf_free(&b);
}

/* A SUBSCRIBE or PUBLISH addressed to the server itself, which serves no event package (yet):
 * 489 (RFC 6665 7.3.2; RFC 3903 6 step 2: a missing or unsupported Event MUST get 489).  The
 * package asked for is logged. */
static void
answer_event(struct txn *t, const struct sipmsg *m)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_EVENT, NULL);
	struct sipval_event ev;

	if (h == NULL || sipval_event(m->raw + h->voff, h->vlen, &ev) == -1)
		log_debug("local: %s without a usable Event header", m->method_name);
	else
		log_debug("local: %s for event package %s, which is not served", m->method_name,
		    ev.package);
	txn_reply(t, 489, "Bad Event", NULL, NULL, NULL, 0);
}

/* A NOTIFY addressed to the server itself, which holds no subscriptions: 481 (RFC 6665 4.1.3:
 * a NOTIFY that matches no subscription); one without a valid Subscription-State, which every
 * NOTIFY must carry (RFC 6665 8.2.3), is malformed: 400. */
static void
answer_notify(struct txn *t, const struct sipmsg *m)
{
	const struct sip_hdr *h = sipmsg_hdr_named(m, "Subscription-State");
	struct sipval_substate ss;

	if (h == NULL || sipval_substate(m->raw + h->voff, h->vlen, &ss) == -1) {
		txn_reply(t, 400, "Bad Subscription-State header", NULL, NULL, NULL, 0);
		return;
	}
	log_debug("local: NOTIFY (%s) for no subscription of ours", ss.value);
	txn_reply(t, 481, "Subscription Does Not Exist", NULL, NULL, NULL, 0);
}

void
local_request(struct txn *t, struct sipmsg *m)
{
	struct uri_parts u;

	if (local_check_require(t, m, HDR_REQUIRE))
		return;
	if (m->method == SIP_UNKNOWN) {
		txn_reply(t, 501, NULL, "Allow: " LOCAL_ALLOW "\r\n", NULL, NULL, 0);
		return;
	}
	if (uri_split(m->ruri, strlen(m->ruri), &u) == -1 || !domain_is_local(u.host, u.port)) {
		/* Not ours, and nothing routes elsewhere: never an open relay. */
		txn_reply(t, 403, "Relaying Denied", NULL, NULL, NULL, 0);
		return;
	}
	switch (m->method) {
	case SIP_OPTIONS:
		answer_options(t);
		break;
	case SIP_REGISTER:
		txn_reply(t, 501, "Registrar Not Enabled", "Allow: " LOCAL_ALLOW "\r\n", NULL, NULL, 0);
		break;
	case SIP_SUBSCRIBE:
	case SIP_PUBLISH:
		if (u.user[0] == '\0') {	/* to the server itself */
			answer_event(t, m);
			break;
		}
		txn_reply(t, 404, NULL, NULL, NULL, NULL, 0);
		break;
	case SIP_NOTIFY:
		if (u.user[0] == '\0') {	/* to the server itself */
			answer_notify(t, m);
			break;
		}
		txn_reply(t, 404, NULL, NULL, NULL, NULL, 0);
		break;
	case SIP_BYE:
	case SIP_PRACK:
	case SIP_UPDATE:
	case SIP_INFO:
		if (m->to_tag != NULL) {	/* in-dialog, and sipd holds no dialogs */
			txn_reply(t, 481, NULL, NULL, NULL, NULL, 0);
			break;
		}
		/* FALLTHROUGH */
	default:
		txn_reply(t, u.user[0] ? 404 : 403, u.user[0] ? NULL : "Not Addressed To A User",
		    NULL, NULL, NULL, 0);
		break;
	}
}
