/* store_backend.h - one store.h backend as a table of functions (store.c dispatches to the
 * SQLite one, store_sqlite_impl.c, or the PostgreSQL one, store_pg.c). */
#ifndef SIPD_STORE_BACKEND_H
#define SIPD_STORE_BACKEND_H

#include "store.h"

struct store_ops {
	const char *name;
	int	(*open)(const char *, struct event_base *);
	void	(*close)(void);
	int	(*create)(const char *);
	void	(*set_commit_interval)(int);
	int	(*version)(void);
	long	(*load_bindings)(time_t, void (*)(const struct store_binding *, void *), void *);
	void	(*save)(const struct store_binding *);
	void	(*delete)(const char *, const char *);
	void	(*delete_expired)(time_t);
	void	(*flush)(void (*)(void *, int), void *);
	void	(*stats)(uint64_t *, uint64_t *, uint64_t *);
	void	(*commit_histogram)(uint64_t[STORE_HIST_N], uint64_t *, uint64_t *);
	uint64_t (*max_read_us)(void);
	int	(*user_get)(const char *, const char *, struct auth_user *);
	int	(*user_by_extension)(const char *, const char *, char *, size_t);
	long	(*user_count)(void);
	long	(*groups_load)(void (*)(const char *, const char *, const struct store_group *,
		    void *), void *);
	long	(*forwards_load)(void (*)(const char *, const char *, const char *, int,
		    const char *, int, void *), void *);
	void	(*cdr_save)(const struct store_cdr *);
	void	(*msg_save)(const struct store_msg *, int, int64_t);
	void	(*msg_delete)(int64_t);
	void	(*msg_delete_expired)(time_t);
	int	(*msg_next)(const char *, int64_t, time_t, struct store_msg *);
	void	(*msg_clear)(struct store_msg *);
	long	(*msg_aors)(void (*)(const char *, void *), void *, int64_t *);
	int	(*presence_allowed)(const char *, const char *);
	void	(*pub_save)(const char *, const char *, const char *, size_t, int64_t);
	void	(*pub_delete)(const char *);
	long	(*pub_load)(time_t, void (*)(const char *, const char *, const char *, size_t,
		    int64_t, void *), void *);
	void	(*admin_poll)(void (*)(const char *, const char *, void *), void *);
};

#define STORE_OPS(prefix) { #prefix, \
	prefix##_open, prefix##_close, prefix##_create, prefix##_set_commit_interval, \
	prefix##_version, prefix##_load_bindings, prefix##_save, prefix##_delete, \
	prefix##_delete_expired, prefix##_flush, prefix##_stats, prefix##_commit_histogram, \
	prefix##_max_read_us, prefix##_user_get, prefix##_user_by_extension, prefix##_user_count, \
	prefix##_groups_load, prefix##_forwards_load, prefix##_cdr_save, prefix##_msg_save, \
	prefix##_msg_delete, prefix##_msg_delete_expired, prefix##_msg_next, prefix##_msg_clear, \
	prefix##_msg_aors, prefix##_presence_allowed, prefix##_pub_save, prefix##_pub_delete, \
	prefix##_pub_load, prefix##_admin_poll }

extern const struct store_ops store_sqlite_ops, store_pg_ops;

/* 1 when target names a PostgreSQL database (a postgres[ql]:// URI or a key=value
 * conninfo), 0 when it is an SQLite file path. */
int store_is_pg(const char *target);

#endif
