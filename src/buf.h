/* buf.h - a growable byte buffer for building messages. */
#ifndef SIPD_BUF_H
#define SIPD_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void buf_init(struct buf *, size_t hint);
void buf_add(struct buf *, const void *, size_t);
void buf_adds(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
/* Hand the bytes over (NUL-terminated; length in *len); the buf is empty afterwards. */
char *buf_take(struct buf *, size_t *len);
void buf_free(struct buf *);

#endif
