/* store.c - store.h's functions, dispatched to the backend store_open chose: PostgreSQL
 * (store_pg.c) when database.url names one, SQLite (store_sqlite.c) otherwise.  Callers
 * see store.h only. */
#include <string.h>

#include "store_backend.h"

static const struct store_ops *cur = &store_sqlite_ops;

int
store_is_pg(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0 ||
	    strncmp(target, "host=", 5) == 0 || strncmp(target, "dbname=", 7) == 0 ||
	    strncmp(target, "service=", 8) == 0;
}

int
store_open(const char *target, struct event_base *base)
{
	cur = store_is_pg(target) ? &store_pg_ops : &store_sqlite_ops;
	return cur->open(target, base);
}

int
store_create(const char *target)
{
	cur = store_is_pg(target) ? &store_pg_ops : &store_sqlite_ops;
	return cur->create(target);
}

void
store_close(void)
{
	cur->close();
}

void
store_set_commit_interval(int a0)
{
	cur->set_commit_interval(a0);
}

int
store_version(void)
{
	return cur->version();
}

long
store_load_bindings(time_t a0, void (*a1)(const struct store_binding *, void *), void *a2)
{
	return cur->load_bindings(a0, a1, a2);
}

void
store_save(const struct store_binding *a0)
{
	cur->save(a0);
}

void
store_delete(const char *a0, const char *a1)
{
	cur->delete(a0, a1);
}

void
store_delete_expired(time_t a0)
{
	cur->delete_expired(a0);
}

void
store_flush(void (*a0)(void *, int), void *a1)
{
	cur->flush(a0, a1);
}

void
store_stats(uint64_t *a0, uint64_t *a1, uint64_t *a2)
{
	cur->stats(a0, a1, a2);
}

void
store_commit_histogram(uint64_t a0[STORE_HIST_N], uint64_t *a1, uint64_t *a2)
{
	cur->commit_histogram(a0, a1, a2);
}

uint64_t
store_max_read_us(void)
{
	return cur->max_read_us();
}

int
store_user_get(const char *a0, const char *a1, struct auth_user *a2)
{
	return cur->user_get(a0, a1, a2);
}

int
store_user_by_extension(const char *a0, const char *a1, char *a2, size_t a3)
{
	return cur->user_by_extension(a0, a1, a2, a3);
}

long
store_user_count(void)
{
	return cur->user_count();
}

long
store_groups_load(void (*a0)(const char *, const char *, const struct store_group *, void *), void *a1)
{
	return cur->groups_load(a0, a1);
}

long
store_forwards_load(void (*a0)(const char *, const char *, const char *, int, const char *, int, void *), void *a1)
{
	return cur->forwards_load(a0, a1);
}

void
store_cdr_save(const struct store_cdr *a0)
{
	cur->cdr_save(a0);
}

void
store_msg_save(const struct store_msg *a0, int a1, int64_t a2)
{
	cur->msg_save(a0, a1, a2);
}

void
store_msg_delete(int64_t a0)
{
	cur->msg_delete(a0);
}

void
store_msg_delete_expired(time_t a0)
{
	cur->msg_delete_expired(a0);
}

int
store_msg_next(const char *a0, int64_t a1, time_t a2, struct store_msg *a3)
{
	return cur->msg_next(a0, a1, a2, a3);
}

void
store_msg_clear(struct store_msg *a0)
{
	cur->msg_clear(a0);
}

long
store_msg_aors(void (*a0)(const char *, void *), void *a1, int64_t *a2)
{
	return cur->msg_aors(a0, a1, a2);
}

int
store_presence_allowed(const char *a0, const char *a1)
{
	return cur->presence_allowed(a0, a1);
}

void
store_pub_save(const char *a0, const char *a1, const char *a2, size_t a3, int64_t a4)
{
	cur->pub_save(a0, a1, a2, a3, a4);
}

void
store_pub_delete(const char *a0)
{
	cur->pub_delete(a0);
}

long
store_pub_load(time_t a0, void (*a1)(const char *, const char *, const char *, size_t, int64_t, void *), void *a2)
{
	return cur->pub_load(a0, a1, a2);
}

void
store_admin_poll(void (*a0)(const char *, const char *, void *), void *a1)
{
	cur->admin_poll(a0, a1);
}
