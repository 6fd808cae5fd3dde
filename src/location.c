/* location.c - bindings in memory (a hash of AORs), mirrored to the store on every change. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "location.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static struct htab	*aors;
static struct htab	*flows;		/* stream connection id -> bindings using it (count) */
static size_t		 nbindings;

void
location_init(void)
{
	if (aors == NULL)
		aors = htab_new();
	if (flows == NULL)
		flows = htab_new();
}

/* Count the bindings on each stream flow (RFC 5626: the flow lives while they do). */
static void
flow_ref(const struct binding *b, int delta)
{
	uint64_t id = b->received.conn;
	uintptr_t n;

	if (id == 0 || flows == NULL)
		return;
	n = (uintptr_t)htab_get(flows, &id, sizeof(id)) + (uintptr_t)(intptr_t)delta;
	if (n == 0)
		htab_del(flows, &id, sizeof(id));
	else
		htab_put(flows, &id, sizeof(id), (void *)n);
}

int
location_flow_in_use(uint64_t conn)
{
	return conn != 0 && flows != NULL && htab_get(flows, &conn, sizeof(conn)) != NULL;
}

struct foreach_ctx {
	void	(*fn)(struct aor *, struct binding *, void *);
	void	*arg;
};

static void
foreach_aor(const void *k, size_t kl, void *v, void *arg)
{
	struct foreach_ctx *fc = arg;
	struct aor *a = v;

	for (struct binding *b = a->bindings; b != NULL; b = b->next)
		fc->fn(a, b, fc->arg);
}

void
location_foreach(void (*fn)(struct aor *, struct binding *, void *), void *arg)
{
	struct foreach_ctx fc = { fn, arg };

	if (aors != NULL)
		htab_foreach(aors, foreach_aor, &fc);
}

void
binding_free(struct binding *b)
{
	if (b == NULL)
		return;
	free(b->key);
	free(b->contact);
	free(b->params);
	free(b->path);
	free(b->call_id);
	free(b->branch);
	free(b->user_agent);
	free(b->instance);
	free(b);
}

static void
aor_free(struct aor *a)
{
	while (a->bindings != NULL) {
		struct binding *b = a->bindings;
		a->bindings = b->next;
		flow_ref(b, -1);
		binding_free(b);
		nbindings--;
	}
	free(a->aor);
	free(a);
}

static void
free_one(const void *k, size_t kl, void *v, void *arg)
{
	struct aor ***pp = arg;

	*(*pp)++ = v;
}

void
location_free(void)
{
	if (aors == NULL)
		return;
	struct aor **all = xcalloc(htab_count(aors) + 1, sizeof(*all)), **p = all;
	htab_foreach(aors, free_one, &p);
	for (struct aor **q = all; q < p; q++)
		aor_free(*q);
	free(all);
	htab_free(aors);
	aors = NULL;
	htab_free(flows);
	flows = NULL;
}

struct aor *
location_get(const char *aor)
{
	return htab_get(aors, aor, strlen(aor));
}

struct aor *
location_get_or_add(const char *aor)
{
	struct aor *a = location_get(aor);

	if (a == NULL) {
		a = xcalloc(1, sizeof(*a));
		a->aor = xstrdup(aor);
		htab_put(aors, a->aor, strlen(a->aor), a);
	}
	return a;
}

struct binding *
location_find(struct aor *a, const char *key)
{
	for (struct binding *b = a->bindings; b != NULL; b = b->next)
		if (strcmp(b->key, key) == 0)
			return b;
	return NULL;
}

/* Unlink b from a without freeing it. */
static void
unlink_binding(struct aor *a, struct binding *b)
{
	for (struct binding **pp = &a->bindings; *pp != NULL; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			a->count--;
			nbindings--;
			flow_ref(b, -1);
			return;
		}
}

/* Insert keeping the list ordered by q, highest first (serial forking order). */
static void
link_binding(struct aor *a, struct binding *b)
{
	struct binding **pp = &a->bindings;

	while (*pp != NULL && (*pp)->q >= b->q)
		pp = &(*pp)->next;
	b->next = *pp;
	*pp = b;
	a->count++;
	nbindings++;
	flow_ref(b, 1);
}

/* The durable row for b. */
static void
persist(const struct aor *a, const struct binding *b)
{
	char ip[INET6_ADDRSTRLEN];
	int port;

	sip_addr_host(&b->received.addr, ip, sizeof(ip), &port);
	struct store_binding sb = {
		.aor = a->aor, .key = b->key, .contact = b->contact, .params = b->params,
		.rproto = sip_proto_name(b->received.proto), .rip = ip, .rport = port, .nat = b->nat,
		.path = b->path, .expires = b->expires, .q = b->q / 1000.0, .call_id = b->call_id,
		.cseq = b->cseq, .user_agent = b->user_agent, .instance = b->instance,
		.reg_id = b->reg_id, .updated = b->updated,
	};
	store_save(&sb);
}

void
location_put(struct aor *a, struct binding *b)
{
	struct binding *old = location_find(a, b->key);

	if (old != NULL) {
		unlink_binding(a, old);
		/* a TCP flow learnt earlier stays usable if the refresh came another way */
		binding_free(old);
	}
	link_binding(a, b);
	persist(a, b);
}

void
location_remove(struct aor *a, struct binding *b)
{
	unlink_binding(a, b);
	store_delete(a->aor, b->key);
	binding_free(b);
	if (a->bindings == NULL) {
		htab_del(aors, a->aor, strlen(a->aor));
		aor_free(a);
	}
}

int
location_remove_aor(const char *aor)
{
	struct aor *a = location_get(aor);
	int n = 0;

	while (a != NULL && a->bindings != NULL) {
		struct binding *b = a->bindings;
		int last = b->next == NULL;
		location_remove(a, b);
		n++;
		if (last)
			break;
	}
	return n;
}

struct binding *
location_oldest(struct aor *a)
{
	struct binding *o = NULL;

	for (struct binding *b = a->bindings; b != NULL; b = b->next)
		if (o == NULL || b->updated < o->updated)
			o = b;
	return o;
}

/* Rebuild the received address of a stored binding. */
static void
received_from_row(const struct store_binding *sb, struct sip_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->proto = strcmp(sb->rproto, "tcp") == 0 ? PROTO_TCP :
	    strcmp(sb->rproto, "tls") == 0 ? PROTO_TLS : PROTO_UDP;
	p->lsock = -1;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->addr;
	if (inet_pton(AF_INET, sb->rip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)sb->rport);
		p->addrlen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, sb->rip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)sb->rport);
		p->addrlen = sizeof(*s6);
	}
}

static void
load_one(const struct store_binding *sb, void *arg)
{
	struct aor *a = location_get_or_add(sb->aor);
	struct binding *b = xcalloc(1, sizeof(*b));

	b->key = xstrdup(sb->key);
	b->contact = xstrdup(sb->contact);
	b->params = xstrdup(sb->params);
	b->path = xstrdup(sb->path);
	b->call_id = xstrdup(sb->call_id);
	b->cseq = sb->cseq;
	b->user_agent = xstrdup(sb->user_agent);
	b->instance = xstrdup(sb->instance);
	b->reg_id = sb->reg_id;
	b->expires = sb->expires;
	b->q = (int)(sb->q * 1000 + 0.5);
	b->updated = sb->updated;
	b->nat = sb->nat;
	received_from_row(sb, &b->received);
	link_binding(a, b);
}

long
location_load(time_t now)
{
	location_init();
	return store_load_bindings(now, load_one, NULL);
}

struct purge_ctx {
	time_t		 now;
	struct aor	**dead;
	size_t		 ndead;
};

static void
purge_aor(const void *k, size_t kl, void *v, void *arg)
{
	struct purge_ctx *pc = arg;
	struct aor *a = v;

	for (struct binding **pp = &a->bindings; *pp != NULL;) {
		struct binding *b = *pp;
		if (b->expires > pc->now) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		a->count--;
		nbindings--;
		flow_ref(b, -1);
		log_info("registration expired aor=%s contact=%s", a->aor, b->contact);
		binding_free(b);
	}
	if (a->bindings == NULL)
		pc->dead[pc->ndead++] = a;
}

void
location_purge(time_t now)
{
	struct purge_ctx pc = { now, NULL, 0 };

	if (aors == NULL || htab_count(aors) == 0)
		return;
	pc.dead = xcalloc(htab_count(aors), sizeof(*pc.dead));
	htab_foreach(aors, purge_aor, &pc);
	for (size_t i = 0; i < pc.ndead; i++) {
		htab_del(aors, pc.dead[i]->aor, strlen(pc.dead[i]->aor));
		aor_free(pc.dead[i]);
	}
	free(pc.dead);
	store_delete_expired(now);
}

size_t
location_count(void)
{
	return nbindings;
}
