/* corpus.h - the RFC 4475 / RFC 5118 conformance corpus (shared/conformance) for unit tests. */
#ifndef SIPD_TEST_CORPUS_H
#define SIPD_TEST_CORPUS_H

#include <stddef.h>

/* The corpus directory: $SIPD_SHARED/conformance, else shared/conformance one or two levels
 * above $SRCDIR (or $srcdir); NULL when it is not there (a test must then fail, not skip). */
const char *corpus_dir(void);
/* Read corpus file rel (e.g. "rfc4475/wsinv.sip") into a malloc'd, NUL-terminated buffer;
 * the test fails when it cannot. */
char *corpus_read(const char *rel, size_t *len);

#endif
