/* pidf.c - presence documents (see pidf.h).  A small scanner, not an XML parser: it finds the
 * prolog, the root element's start tag and attributes and the root's end, which is all that
 * validation and composition need; the children are copied as they are. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "pidf.h"
#include "xmalloc.h"

#define PIDF_MAX_ATTRS	16

/* The root element of a document. */
struct pidf_root {
	const char	*name;		/* its QName */
	size_t		 name_len;
	size_t		 prefix_len;	/* 0: no prefix */
	struct {
		const char *name, *val;
		size_t	 nlen, vlen;
	} a[PIDF_MAX_ATTRS];
	int		 na;
	const char	*inner;		/* the content between the start and end tags */
	size_t		 inner_len;
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

/* Past whitespace, <?..?> and <!--..--> from p; NULL when one is not closed. */
static const char *
skip_misc(const char *p, const char *e)
{
	const char *q;

	for (;;) {
		while (p < e && is_ws(*p))
			p++;
		if (e - p >= 2 && p[0] == '<' && p[1] == '?') {
			if ((q = memmem(p, e - p, "?>", 2)) == NULL)
				return NULL;
			p = q + 2;
		} else if (e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			if ((q = memmem(p + 4, e - p - 4, "-->", 3)) == NULL)
				return NULL;
			p = q + 3;
		} else
			return p;
	}
}

/* 1 when attribute i repeats an earlier name (XML 1.0 WFC: Unique Att Spec) or declares
 * the empty prefix "xmlns:" (Namespaces in XML: a prefix is an NCName). */
static int
attr_repeated(const struct pidf_root *r, int i)
{
	if (r->a[i].nlen == 6 && memcmp(r->a[i].name, "xmlns:", 6) == 0)
		return 1;
	for (int j = 0; j < i; j++)
		if (r->a[j].nlen == r->a[i].nlen &&
		    memcmp(r->a[j].name, r->a[i].name, r->a[i].nlen) == 0)
			return 1;
	return 0;
}

/* The attributes of a start tag from p; *end past its '>'.  -1 when malformed. */
static int
root_attrs(struct pidf_root *r, const char *p, const char *e, const char **end, int *empty)
{
	for (;;) {
		const char *n = p, *v;
		char quote;

		while (p < e && is_ws(*p))
			p++;
		if (p < e && *p == '>') {
			*end = p + 1;
			*empty = 0;
			return 0;
		}
		if (e - p >= 2 && p[0] == '/' && p[1] == '>') {
			*end = p + 2;
			*empty = 1;
			return 0;
		}
		if (p == n || r->na == PIDF_MAX_ATTRS)
			return -1;	/* attributes are separated by whitespace */
		for (n = p; p < e && is_name(*p); p++)
			;
		if (p == n || p + 2 > e || *p != '=' || (p[1] != '"' && p[1] != '\''))
			return -1;
		r->a[r->na].name = n;
		r->a[r->na].nlen = p - n;
		quote = p[1];
		v = p + 2;
		if ((p = memchr(v, quote, e - v)) == NULL || memchr(v, '<', p - v) != NULL)
			return -1;
		r->a[r->na].val = v;
		r->a[r->na].vlen = p - v;
		if (attr_repeated(r, r->na++))
			return -1;
		p++;
	}
}

/* The value of attribute name of r, or NULL. */
static const char *
attr(const struct pidf_root *r, const char *name, size_t nlen, size_t *vlen)
{
	for (int i = 0; i < r->na; i++)
		if (r->a[i].nlen == nlen && memcmp(r->a[i].name, name, nlen) == 0) {
			*vlen = r->a[i].vlen;
			return r->a[i].val;
		}
	return NULL;
}

/* 1 when the root's name is presence in the PIDF namespace (its prefix's, or the default). */
static int
root_is_pidf(const struct pidf_root *r)
{
	const char *local = r->name + (r->prefix_len ? r->prefix_len + 1 : 0), *v;
	char decl[80];
	size_t vlen;

	if (r->name_len - (local - r->name) != 8 || memcmp(local, "presence", 8) != 0 ||
	    r->prefix_len > 64)
		return 0;
	if (r->prefix_len)
		memcpy(decl, "xmlns:", 6), memcpy(decl + 6, r->name, r->prefix_len);
	else
		memcpy(decl, "xmlns", 5);
	v = attr(r, decl, r->prefix_len ? 6 + r->prefix_len : 5, &vlen);
	return v != NULL && vlen == strlen(PIDF_NS) && memcmp(v, PIDF_NS, vlen) == 0;
}

/* Find the root of body; 0, or -1 when it is not a PIDF document. */
static int
root_parse(const char *body, size_t len, struct pidf_root *r)
{
	const char *p = body, *e = body + len, *q, *close;
	int empty;

	memset(r, 0, sizeof(*r));
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* UTF-8 byte order mark */
	if ((p = skip_misc(p, e)) == NULL || p == e || *p != '<')
		return -1;
	for (q = ++p; q < e && is_name(*q); q++)
		;
	if (q == p)
		return -1;
	r->name = p;
	r->name_len = q - p;
	if ((close = memchr(p, ':', q - p)) != NULL)
		r->prefix_len = close - p;
	if (root_attrs(r, q, e, &p, &empty) == -1 || !root_is_pidf(r))
		return -1;
	r->inner = p;
	if (empty)
		return skip_misc(p, e) == e ? 0 : -1;
	/* the root ends at the document's last end tag, and that must be its own */
	for (close = NULL, q = p; (q = memmem(q, e - q, "</", 2)) != NULL; q += 2)
		close = q;
	if (close == NULL || (size_t)(e - close) < r->name_len + 3 ||
	    memcmp(close + 2, r->name, r->name_len) != 0)
		return -1;
	for (q = close + 2 + r->name_len; q < e && is_ws(*q); q++)
		;
	if (q == e || *q != '>' || skip_misc(q + 1, e) != e)
		return -1;
	r->inner_len = close - p;
	return 0;
}

int
pidf_valid(const char *body, size_t len)
{
	struct pidf_root r;

	return body != NULL && root_parse(body, len, &r) == 0;
}

char *
pidf_escape(const char *s)
{
	struct buf b;

	buf_init(&b, strlen(s) + 16);
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': buf_adds(&b, "&amp;"); break;
		case '<': buf_adds(&b, "&lt;"); break;
		case '>': buf_adds(&b, "&gt;"); break;
		case '"': buf_adds(&b, "&quot;"); break;
		case '\'': buf_adds(&b, "&apos;"); break;
		default: buf_add(&b, s, 1); break;
		}
	return buf_take(&b, NULL);
}

/* 1 when attribute i of r is a namespace declaration. */
static int
is_xmlns(const struct pidf_root *r, int i)
{
	return r->a[i].nlen >= 5 && memcmp(r->a[i].name, "xmlns", 5) == 0 &&
	    (r->a[i].nlen == 5 || r->a[i].name[5] == ':');
}

/* 1 when r declares a namespace prefix that the roots before it bind otherwise. */
static int
clashes(const struct pidf_root *r, const struct pidf_root *before, int n)
{
	const char *v;
	size_t vlen;

	for (int i = 0; i < r->na; i++) {
		if (!is_xmlns(r, i))
			continue;
		for (int j = 0; j < n; j++)
			if ((v = attr(&before[j], r->a[i].name, r->a[i].nlen, &vlen)) != NULL &&
			    (vlen != r->a[i].vlen || memcmp(v, r->a[i].val, vlen) != 0))
				return 1;
		if (n > 0 && (r->name_len != before[0].name_len ||
		    memcmp(r->name, before[0].name, r->name_len) != 0))
			return 1;	/* the root is spelt otherwise: its children may be too */
	}
	return 0;
}

/* How many namespace declarations r adds to the roots before it (the composed start tag
 * must itself parse: at most PIDF_MAX_ATTRS attributes). */
static int
new_decls(const struct pidf_root *r, const struct pidf_root *before, int n)
{
	size_t vlen;
	int k = 0;

	for (int i = 0; i < r->na; i++) {
		int seen = 0;
		for (int j = 0; j < n && !seen; j++)
			seen = attr(&before[j], r->a[i].name, r->a[i].nlen, &vlen) != NULL;
		k += is_xmlns(r, i) && !seen;
	}
	return k;
}

/* The start tag of the composed root: the first root's name, every namespace declared once. */
static void
compose_start(struct buf *b, const char *entity, const struct pidf_root *roots, int n)
{
	char *ent = pidf_escape(entity);
	size_t vlen;

	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
	buf_add(b, roots[0].name, roots[0].name_len);
	for (int j = 0; j < n; j++)
		for (int i = 0; i < roots[j].na; i++)
			if (is_xmlns(&roots[j], i) && (j == 0 || attr(&roots[0], roots[j].a[i].name,
			    roots[j].a[i].nlen, &vlen) == NULL)) {
				int seen = 0;
				for (int k = 1; k < j; k++)
					seen |= attr(&roots[k], roots[j].a[i].name,
					    roots[j].a[i].nlen, &vlen) != NULL;
				if (seen)
					continue;
				const char *q = roots[j].a[i].val - 1;	/* its own quote */
				buf_adds(b, " ");
				buf_add(b, roots[j].a[i].name, roots[j].a[i].nlen);
				buf_adds(b, "=");
				buf_add(b, q, 1);
				buf_add(b, roots[j].a[i].val, roots[j].a[i].vlen);
				buf_add(b, q, 1);
			}
	buf_printf(b, " entity=\"%s\">", ent);
	free(ent);
}

char *
pidf_compose(const char *entity, const char *const *docs, const size_t *lens, int n,
    size_t *outlen)
{
	struct pidf_root *roots;
	struct buf b;
	int used = 0;

	if (n == 1 && pidf_valid(docs[0], lens[0])) {
		*outlen = lens[0];
		return xstrndup(docs[0], lens[0]);
	}
	roots = xcalloc(n > 0 ? n : 1, sizeof(*roots));
	for (int i = 0, nattr = 1; i < n; i++)		/* 1: entity */
		if (root_parse(docs[i], lens[i], &roots[used]) == 0 &&
		    !clashes(&roots[used], roots, used) &&
		    nattr + new_decls(&roots[used], roots, used) <= PIDF_MAX_ATTRS) {
			nattr += new_decls(&roots[used], roots, used);
			used++;
		}
	if (used == 0) {
		free(roots);
		return NULL;
	}
	buf_init(&b, 512);
	compose_start(&b, entity, roots, used);
	for (int i = 0; i < used; i++)
		buf_add(&b, roots[i].inner, roots[i].inner_len);
	buf_adds(&b, "</");
	buf_add(&b, roots[0].name, roots[0].name_len);
	buf_adds(&b, ">\n");
	free(roots);
	return buf_take(&b, outlen);
}

char *
pidf_derived(const char *entity, int open, int on_phone, size_t *outlen)
{
	char *ent = pidf_escape(entity);
	struct buf b;

	buf_init(&b, 512);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<presence xmlns=\"" PIDF_NS "\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
	    " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"%s\">\n"
	    "<tuple id=\"sipd\"><status><basic>%s</basic></status><contact>%s</contact></tuple>\n",
	    ent, open ? "open" : "closed", ent);
	if (on_phone)
		buf_adds(&b, "<note>On the phone</note>\n<dm:person id=\"sipd-p\"><rpid:activities>"
		    "<rpid:on-the-phone/></rpid:activities></dm:person>\n");
	buf_adds(&b, "</presence>\n");
	free(ent);
	return buf_take(&b, outlen);
}

/* Undo the five predefined XML entities of v[0..n) (others are kept as written). */
static char *
unescape(const char *v, size_t n)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' }
	};
	char *out = xmalloc(n + 1), *o = out;
	size_t i = 0;

	while (i < n) {
		size_t k;
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (n - i >= strlen(ents[k].e) && memcmp(v + i, ents[k].e, strlen(ents[k].e)) == 0)
				break;
		if (k < sizeof(ents) / sizeof(ents[0])) {
			*o++ = ents[k].c;
			i += strlen(ents[k].e);
		} else
			*o++ = v[i++];
	}
	*o = '\0';
	return out;
}

int
pidf_resource_lists(const char *body, size_t len, char **uris, int max)
{
	const char *p = body, *e = body + len, *q, *v;
	int n = 0;

	if (body == NULL || memmem(body, len, "urn:ietf:params:xml:ns:resource-lists", 37) == NULL)
		return -1;
	/* every <entry ... uri="..."> (any prefix: "<rl:entry"), in document order */
	while (n < max && (p = memmem(p, e - p, "entry", 5)) != NULL) {
		const char *lt = p;
		while (lt > body && lt[-1] != '<' && lt[-1] != ':' && is_name(lt[-1]))
			lt--;
		q = p + 5;
		p = q;
		if (lt == body || (lt[-1] != '<' && lt[-1] != ':') || q >= e || !is_ws(*q))
			continue;
		while (q < e && *q != '>' && !(e - q >= 4 && memcmp(q, "uri", 3) == 0 &&
		    is_ws(q[-1]) && q[3] == '='))
			q++;
		if (q >= e || *q == '>' || e - q < 5 || (q[4] != '"' && q[4] != '\''))
			continue;
		v = q + 5;
		if ((q = memchr(v, q[4], e - v)) == NULL || q - v > 256)
			goto fail;
		uris[n++] = unescape(v, q - v);
		p = q;
	}
	return n;
fail:
	while (n > 0)
		free(uris[--n]);
	return -1;
}

char *
pidf_rlmi(const char *uri, unsigned version, const char *const *uris,
    const char *const *states, const char *const *cids, int n, size_t *outlen)
{
	char *u = pidf_escape(uri), *r;
	struct buf b;

	buf_init(&b, 256 + 128 * n);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<list xmlns=\"urn:ietf:params:"
	    "xml:ns:rlmi\" uri=\"%s\" version=\"%u\" fullState=\"true\">\n", u, version);
	free(u);
	for (int i = 0; i < n; i++) {
		r = pidf_escape(uris[i]);
		buf_printf(&b, "<resource uri=\"%s\"><instance id=\"i%d\" state=\"%s\"", r, i,
		    states[i]);
		if (cids[i] != NULL)
			buf_printf(&b, " cid=\"%s\"", cids[i]);
		else
			buf_adds(&b, " reason=\"rejected\"");
		buf_adds(&b, "/></resource>\n");
		free(r);
	}
	buf_adds(&b, "</list>\n");
	return buf_take(&b, outlen);
}
