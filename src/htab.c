/* htab.c - chained hash table with byte-string keys.
 *
 * Keys are hashed with SipHash-2-4 under a random key drawn from getrandom() at first use, so a
 * remote peer choosing Call-IDs or branches cannot aim many keys at one bucket.  Buckets are a
 * power of two; the table doubles when it holds more entries than buckets and halves when it
 * falls below an eighth, so chains stay short and lookups never walk more than one chain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "htab.h"
#include "log.h"
#include "xmalloc.h"

#define HTAB_MIN_BUCKETS	16

struct hent {
	struct hent	*next;
	uint64_t	 hash;
	void		*val;
	size_t		 klen;
	unsigned char	 key[];		/* our copy */
};

struct htab {
	struct hent	**b;
	size_t		 nb;		/* power of two */
	size_t		 count;
};

static uint8_t	 sip_key[16];
static int	 sip_keyed;

/* Fill the SipHash key from the kernel's CSPRNG (once). */
static void
htab_seed(void)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(sip_key)) {
		n = getrandom(sip_key + got, sizeof(sip_key) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("getrandom");
		got += (size_t)n;
	}
	sip_keyed = 1;
}

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do {						\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* Little-endian 64-bit load (SipHash is defined on LE words). */
static uint64_t
load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* SipHash-2-4 of in[0..len) under k (reference algorithm by Aumasson and Bernstein). */
static uint64_t
siphash24(const uint8_t k[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = load64(k), k1 = load64(k + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < tail; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
htab_hash(const void *key, size_t klen)
{
	if (!sip_keyed)
		htab_seed();
	return siphash24(sip_key, key, klen);
}

struct htab *
htab_new(void)
{
	struct htab *h = xcalloc(1, sizeof(*h));

	h->nb = HTAB_MIN_BUCKETS;
	h->b = xcalloc(h->nb, sizeof(*h->b));
	return h;
}

void
htab_free(struct htab *h)
{
	struct hent *e, *next;

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nb; i++)
		for (e = h->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(h->b);
	free(h);
}

/* Rehash every entry into nb buckets (hashes are stored, so nothing is rehashed by SipHash). */
static void
htab_resize(struct htab *h, size_t nb)
{
	struct hent **nbk = xcalloc(nb, sizeof(*nbk)), *e, *next;

	for (size_t i = 0; i < h->nb; i++)
		for (e = h->b[i]; e != NULL; e = next) {
			next = e->next;
			e->next = nbk[e->hash & (nb - 1)];
			nbk[e->hash & (nb - 1)] = e;
		}
	free(h->b);
	h->b = nbk;
	h->nb = nb;
}

/* The link that points at key's entry (or the chain's terminating NULL link). */
static struct hent **
htab_slot(const struct htab *h, const void *key, size_t klen, uint64_t hash)
{
	struct hent **pp = &h->b[hash & (h->nb - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == hash && (*pp)->klen == klen &&
		    memcmp((*pp)->key, key, klen) == 0)
			break;
	return pp;
}

void *
htab_get(const struct htab *h, const void *key, size_t klen)
{
	struct hent *e = *htab_slot(h, key, klen, htab_hash(key, klen));

	return e != NULL ? e->val : NULL;
}

const void *
htab_key(const struct htab *h, const void *key, size_t klen)
{
	struct hent *e = *htab_slot(h, key, klen, htab_hash(key, klen));

	return e != NULL ? e->key : NULL;
}

void *
htab_put(struct htab *h, const void *key, size_t klen, void *val)
{
	uint64_t hash = htab_hash(key, klen);
	struct hent **pp = htab_slot(h, key, klen, hash), *e;
	void *old;

	if (*pp != NULL) {
		old = (*pp)->val;
		(*pp)->val = val;
		return old;
	}
	e = xmalloc(sizeof(*e) + klen);
	e->next = NULL;
	e->hash = hash;
	e->val = val;
	e->klen = klen;
	memcpy(e->key, key, klen);
	*pp = e;
	if (++h->count > h->nb)
		htab_resize(h, h->nb * 2);
	return NULL;
}

void *
htab_del(struct htab *h, const void *key, size_t klen)
{
	struct hent **pp = htab_slot(h, key, klen, htab_hash(key, klen)), *e = *pp;
	void *val;

	if (e == NULL)
		return NULL;
	*pp = e->next;
	val = e->val;
	free(e);
	if (--h->count < h->nb / 8 && h->nb > HTAB_MIN_BUCKETS)
		htab_resize(h, h->nb / 2);
	return val;
}

size_t
htab_count(const struct htab *h)
{
	return h->count;
}

void
htab_foreach(const struct htab *h, void (*fn)(const void *, size_t, void *, void *), void *arg)
{
	struct hent *e, *next;

	for (size_t i = 0; i < h->nb; i++)
		for (e = h->b[i]; e != NULL; e = next) {
			next = e->next;
			fn(e->key, e->klen, e->val, arg);
		}
}
