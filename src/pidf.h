/* pidf.h - presence documents (RFC 3863 PIDF, RFC 4479/4480 data model and RPID): what a
 * PUBLISH may carry, the document a watcher gets when several devices published (the union
 * of their tuples and person/device elements), and the document sipd derives from
 * registrations and calls when nothing was published.  No I/O: bytes in, bytes out. */
#ifndef SIPD_PIDF_H
#define SIPD_PIDF_H

#include <stddef.h>

#define PIDF_NS		"urn:ietf:params:xml:ns:pidf"

/* 1 when body[0..len) is a PIDF document: an XML prolog at most, then a root element whose
 * local name is presence in the PIDF namespace, closed at the end of the document. */
int pidf_valid(const char *body, size_t len);
/* One document for entity from n published ones (RFC 3863 composition, RFC 3903 4.4): one
 * document is kept byte for byte; several give one presence root that declares the namespaces
 * of them all and holds every child element of each (tuples, notes, persons, devices), in
 * order.  A document whose prefixes clash with an earlier one's is left out.  NULL when n is 0
 * or no document is usable; else malloc'ed, *outlen set. */
char *pidf_compose(const char *entity, const char *const *docs, const size_t *lens, int n,
    size_t *outlen);
/* The document sipd derives for entity: basic open when a phone is registered, closed when
 * none is; on_phone adds the RPID activity on-the-phone (RFC 4480 3.2). */
char *pidf_derived(const char *entity, int open, int on_phone, size_t *outlen);
/* The URIs of the entry elements of an RFC 4826 resource-lists document (the body of an RFC
 * 5367 resource-list SUBSCRIBE), at most max, each unescaped (&amp; and the like) into a new
 * string in uris[].  Returns the count, or -1 when the body is no resource-lists document or
 * an entry's URI is too long (256). */
int pidf_resource_lists(const char *body, size_t len, char **uris, int max);
/* The RLMI document (RFC 4662 5.2) of list uri with n resources: uris[i], its state ("active"
 * or "terminated") and, when active, the Content-ID (without <>) of its part. */
char *pidf_rlmi(const char *uri, unsigned version, const char *const *uris,
    const char *const *states, const char *const *cids, int n, size_t *outlen);

/* XML-escape s into a new string (&, <, >, ", '). */
char *pidf_escape(const char *s);

#endif
