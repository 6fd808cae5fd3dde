/* xmalloc.h - allocation that aborts on failure (out of memory is not bad input). */
#ifndef SIPD_XMALLOC_H
#define SIPD_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* Heap bytes a block takes (usable size + the allocator's header); 0 for NULL. */
size_t xmalloc_size(const void *);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

#endif
