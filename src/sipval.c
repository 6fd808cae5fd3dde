/* sipval.c - Content-Type, Accept, Event and Subscription-State values parsed by libosip2
 * (osip_content_type_parse for media types; osip_content_disposition_parse, whose grammar is
 * token *(";" param), for Event and Subscription-State), then checked and copied out.
 *
 * libosip2 is more lenient than RFC 3261 25.1 in places, so what it returns is checked here:
 * it accepts an empty Content-Type and a first element holding spaces ("pres ence"), and keeps
 * the quotes of a quoted parameter value. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_message.h>

#include "grammar.h"
#include "sipval.h"
#include "xmalloc.h"

/* p[0..n) as a string for libosip2, folds (RFC 3261 7.3.1) made spaces. */
static char *
value_copy(const char *p, size_t n)
{
	char *v = xstrndup(p, n);

	for (char *c = v; *c != '\0'; c++)
		if (*c == '\r' || *c == '\n' || *c == '\t')
			*c = ' ';
	return v;
}

/* Copy a token into out, lowercased when lower.  0, or -1 when not a token or too long. */
static int
copy_token(const char *s, char *out, size_t outlen, int lower)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!grammar_is_token((unsigned char)s[i]))
			return -1;
		out[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	}
	out[n] = '\0';
	return 0;
}

/* A parameter's value into out: a quoted-string unquoted (RFC 3261 25.1), else the bytes as
 * they are, up to no space or quote (a MIME boundary may hold more than a SIP token, RFC 2046
 * 5.1.1).  0, or -1 when empty, malformed or too long. */
static int
copy_param(const char *v, char *out, size_t outlen)
{
	size_t o = 0;

	if (v == NULL || *v == '\0')
		return -1;
	if (*v != '"') {
		if (strlen(v) >= outlen)
			return -1;
		for (const char *c = v; *c != '\0'; c++)
			if ((unsigned char)*c < 0x21 || *c == 0x7f || *c == '"')
				return -1;
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	for (v++; *v != '"'; v++) {
		if (*v == '\\')
			v++;
		if (*v == '\0' || o + 1 >= outlen)
			return -1;
		out[o++] = *v;
	}
	if (v[1] != '\0')
		return -1;
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/* The params' value named name (NULL when absent); *present tells a valueless one. */
static const char *
param(osip_list_t *params, const char *name, int *present)
{
	for (int i = 0; i < osip_list_size(params); i++) {
		osip_generic_param_t *p = osip_list_get(params, i);
		if (p->gname != NULL && strcasecmp(p->gname, name) == 0) {
			*present = 1;
			return p->gvalue;
		}
	}
	*present = 0;
	return NULL;
}

/* A named param into out; absent leaves out "" (0), present but bad is -1. */
static int
param_into(osip_list_t *params, const char *name, char *out, size_t outlen, int lower)
{
	int present;
	const char *v = param(params, name, &present);

	out[0] = '\0';
	if (!present)
		return 0;
	if (copy_param(v, out, outlen) == -1)
		return -1;
	for (char *c = out; lower && *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

/* delta-seconds param (RFC 3261 25.1) into *out; absent: -1 there, present but bad: -1. */
static int
param_delta(osip_list_t *params, const char *name, long *out)
{
	char v[16];
	unsigned long long n;

	*out = -1;
	if (param_into(params, name, v, sizeof(v), 0) == -1)
		return -1;
	if (v[0] == '\0')
		return 0;
	if (grammar_uint(v, strlen(v), 10, 0xffffffffULL, &n) == -1)
		return -1;
	*out = (long)n;
	return 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if bad. */
static int
qvalue(const char *v)
{
	int q, scale = 100;

	if ((v[0] != '0' && v[0] != '1') || (v[1] != '\0' && v[1] != '.'))
		return -1;
	q = (v[0] - '0') * 1000;
	for (v += v[1] == '.' ? 2 : 1; *v != '\0'; v++, scale /= 10) {
		if (!isdigit((unsigned char)*v) || scale == 0)
			return -1;
		q += (*v - '0') * scale;
	}
	return q <= 1000 ? q : -1;
}

int
sipval_mtype(const char *p, size_t n, struct sipval_mtype *mt)
{
	osip_content_type_t *ct = NULL;
	char *v = value_copy(p, n), q[8];
	int rc = -1;

	memset(mt, 0, sizeof(*mt));
	mt->q = 1000;
	if (osip_content_type_init(&ct) != 0 || osip_content_type_parse(ct, v) != 0 ||
	    copy_token(ct->type, mt->type, sizeof(mt->type), 1) == -1 ||
	    copy_token(ct->subtype, mt->subtype, sizeof(mt->subtype), 1) == -1 ||
	    param_into(&ct->gen_params, "boundary", mt->boundary, sizeof(mt->boundary), 0) == -1 ||
	    param_into(&ct->gen_params, "charset", mt->charset, sizeof(mt->charset), 1) == -1 ||
	    param_into(&ct->gen_params, "q", q, sizeof(q), 0) == -1)
		goto out;
	if (q[0] != '\0' && (mt->q = qvalue(q)) == -1)
		goto out;
	rc = 0;
out:
	if (ct != NULL)
		osip_content_type_free(ct);
	free(v);
	return rc;
}

/* token *(";" param) parsed by libosip2 into *cd (the caller frees it).  0 or -1. */
static int
token_params(const char *p, size_t n, osip_content_disposition_t **cd)
{
	char *v = value_copy(p, n);
	int rc = -1;

	*cd = NULL;
	if (osip_content_disposition_init(cd) == 0 && osip_content_disposition_parse(*cd, v) == 0)
		rc = 0;
	free(v);
	return rc;
}

int
sipval_event(const char *p, size_t n, struct sipval_event *ev)
{
	osip_content_disposition_t *cd;
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	if (token_params(p, n, &cd) == 0 &&
	    copy_token(cd->element, ev->package, sizeof(ev->package), 0) == 0 &&
	    param_into(&cd->gen_params, "id", ev->id, sizeof(ev->id), 0) == 0)
		rc = 0;
	if (cd != NULL)
		osip_content_disposition_free(cd);
	return rc;
}

int
sipval_substate(const char *p, size_t n, struct sipval_substate *ss)
{
	static const char *names[] = { NULL, "active", "pending", "terminated" };
	osip_content_disposition_t *cd;
	int rc = -1;

	memset(ss, 0, sizeof(*ss));
	if (token_params(p, n, &cd) == 0 &&
	    copy_token(cd->element, ss->value, sizeof(ss->value), 1) == 0 &&
	    param_delta(&cd->gen_params, "expires", &ss->expires) == 0 &&
	    param_delta(&cd->gen_params, "retry-after", &ss->retry_after) == 0 &&
	    param_into(&cd->gen_params, "reason", ss->reason, sizeof(ss->reason), 1) == 0)
		rc = 0;
	for (int i = 1; rc == 0 && i < 4; i++)
		if (strcmp(ss->value, names[i]) == 0)
			ss->state = (enum sipval_subval)i;
	if (cd != NULL)
		osip_content_disposition_free(cd);
	return rc;
}

int
sipval_mtype_is(const struct sipval_mtype *mt, const char *type, const char *subtype)
{
	return strcasecmp(mt->type, type) == 0 && strcasecmp(mt->subtype, subtype) == 0;
}

/* Does the Accept range mt cover type/subtype ("*" matches any, RFC 7231 5.3.2)? */
static int
range_covers(const struct sipval_mtype *mt, const char *type, const char *subtype)
{
	return (strcmp(mt->type, "*") == 0 || strcasecmp(mt->type, type) == 0) &&
	    (strcmp(mt->subtype, "*") == 0 || strcasecmp(mt->subtype, subtype) == 0);
}

int
sipval_content_type(const struct sipmsg *m, struct sipval_mtype *mt)
{
	const struct sip_hdr *h = sipmsg_hdr(m, HDR_CONTENT_TYPE, NULL);

	if (h == NULL)
		return -1;
	return sipval_mtype(m->raw + h->voff, h->vlen, mt);
}

/* How specific a media range is: 2 for type/subtype, 1 for type/x, 0 for x/x (x = "*"). */
static int
specificity(const struct sipval_mtype *mt)
{
	return (strcmp(mt->type, "*") != 0) + (strcmp(mt->subtype, "*") != 0);
}

int
sipval_accepts(const struct sipmsg *m, const char *type, const char *subtype)
{
	struct sipmsg_iter it;
	struct sipval_mtype mt;
	const char *v;
	size_t n;
	int best = -1, q = 0;

	if (sipmsg_hdr(m, HDR_ACCEPT, NULL) == NULL)
		return strcasecmp(type, "application") == 0 && strcasecmp(subtype, "sdp") == 0;
	/* the most specific range that matches decides (RFC 7231 5.3.2) */
	sipmsg_iter_init(&it, m, HDR_ACCEPT);
	while (sipmsg_iter_next(&it, &v, &n))
		if (n > 0 && sipval_mtype(v, n, &mt) == 0 && range_covers(&mt, type, subtype) &&
		    specificity(&mt) > best) {
			best = specificity(&mt);
			q = mt.q;
		}
	return q > 0;
}
