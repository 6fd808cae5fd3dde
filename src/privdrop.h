/* privdrop.h - giving up root: sipd started as root binds its sockets and opens its database,
 * hands the database files to the configured user, then becomes that user for good. */
#ifndef SIPD_PRIVDROP_H
#define SIPD_PRIVDROP_H

#include <sys/types.h>

struct privdrop {
	char	 name[64];
	uid_t	 uid;
	gid_t	 gid;
};

/* Look up user; when the database directory is missing, create it owned by the user.
 * 0, or -1 (logged with what to do). */
int privdrop_prepare(const char *user, const char *db_path, struct privdrop *pd);
/* Give the database files root created (db, -wal, -shm, -journal) to the user. */
void privdrop_give(const struct privdrop *pd, const char *db_path);
/* setgroups, setgid, setuid (in that order); checks root cannot be regained.  0 or -1. */
int privdrop_become(const struct privdrop *pd);
/* As root, become the owner of path's directory when that is not root and it can reach the
 * directory (sipctl: files it creates next to sipd's database stay sipd's).  0 when nothing
 * to do or done, -1 on error. */
int privdrop_to_owner_of(const char *path);
/* Still root (the owner cannot reach the directory by path, as with DynamicUser=): give the
 * database files root created there to the directory's owner.  (SQLite already gives the
 * -wal, -shm and -journal files it creates as root the database file's owner.) */
void privdrop_fix_owner(const char *path);

#endif
