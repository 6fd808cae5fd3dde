/* htab.h - hash table with byte-string keys (SipHash-keyed, so peers cannot force collisions). */
#ifndef SIPD_HTAB_H
#define SIPD_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab;

struct htab *htab_new(void);
void htab_free(struct htab *);	/* does not free values */
void *htab_get(const struct htab *, const void *key, size_t klen);
/* Insert (the key is copied); returns the previous value for that key, or NULL. */
/* The table's own copy of key (valid until its entry is deleted), or NULL: a value that
 * must know its key need not keep a second copy. */
const void *htab_key(const struct htab *, const void *key, size_t klen);
void *htab_put(struct htab *, const void *key, size_t klen, void *val);
/* Remove; returns the value, or NULL. */
void *htab_del(struct htab *, const void *key, size_t klen);
size_t htab_count(const struct htab *);
/* Call fn for every entry (fn must not modify the table). */
void htab_foreach(const struct htab *, void (*fn)(const void *key, size_t klen, void *val, void *arg), void *arg);
uint64_t htab_hash(const void *key, size_t klen);

#endif
