/* privdrop.c - running as root only as long as needed (binding ports, opening the database).
 * The order matters: supplementary groups and the gid must go while we still may change them,
 * the uid last (setuid first would leave us unable to drop the groups). */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

/* The directory holding path, into dir. */
static void
dir_of(const char *path, char *dir, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, len, "%s", dirname(tmp));
}

/* 1 when uid/gid may create files in the directory described by st. */
static int
dir_writable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return (st->st_mode & S_IWUSR) && (st->st_mode & S_IXUSR);
	if (st->st_gid == gid)
		return (st->st_mode & S_IWGRP) && (st->st_mode & S_IXGRP);
	return (st->st_mode & S_IWOTH) && (st->st_mode & S_IXOTH);
}

int
privdrop_prepare(const char *user, const char *db_path, struct privdrop *pd)
{
	struct passwd *pw;
	struct stat st;
	char dir[PATH_MAX];

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("server.user: no user '%s' on this system: create it (useradd --system %s)"
		    " or set server.user = \"\"", user, user);
		return -1;
	}
	snprintf(pd->name, sizeof(pd->name), "%s", user);
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	if (pd->uid == 0)
		return 0;
	dir_of(db_path, dir, sizeof(dir));
	if (stat(dir, &st) == -1 && errno == ENOENT) {
		if (mkdir(dir, 0750) == -1 || chown(dir, pd->uid, pd->gid) == -1) {
			log_warn("creating the database directory %s for user %s", dir, user);
			return -1;
		}
		log_notice("created %s for user %s", dir, user);
	} else if (stat(dir, &st) == 0 && !dir_writable_by(&st, pd->uid, pd->gid))
		log_warnx("the database directory %s is not writable by user %s; SQLite creates"
		    " files there: run 'chown %s %s' (or use a directory of its own)", dir, user,
		    user, dir);
	return 0;
}

/* Hand f to pd's user when root made it (never someone else's file). */
static void
give_one(const struct privdrop *pd, const char *f, int dir)
{
	struct stat st;

	if (lstat(f, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) &&
	    st.st_uid == 0 && chown(f, pd->uid, pd->gid) == -1)
		log_warn("chown %s to %s", f, pd->name);
}

/* The voicemail directory next to the database (vm.c) and the prompts root wrote into it
 * before the drop: the running sipd records there. */
static void
give_voicemail(const struct privdrop *pd, const char *db_path)
{
	char dir[PATH_MAX], f[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	dir_of(db_path, dir, sizeof(dir));
	if (strlen(dir) + sizeof("/voicemail") > sizeof(dir))
		return;
	strcat(dir, "/voicemail");
	give_one(pd, dir, 1);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		snprintf(f, sizeof(f), "%s/%s", dir, e->d_name);
		give_one(pd, f, 0);
	}
	closedir(d);
}

void
privdrop_give(const struct privdrop *pd, const char *db_path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char f[PATH_MAX];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(f, sizeof(f), "%s%s", db_path, suffix[i]);
		give_one(pd, f, 0);	/* only what root made: never someone else's file */
	}
	give_voicemail(pd, db_path);
}

int
privdrop_become(const struct privdrop *pd)
{
	if (setgroups(1, &pd->gid) == -1 || setresgid(pd->gid, pd->gid, pd->gid) == -1 ||
	    setresuid(pd->uid, pd->uid, pd->uid) == -1) {
		log_warn("dropping privileges to user %s", pd->name);
		return -1;
	}
	if (pd->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		log_warnx("dropping privileges to user %s: root could be regained", pd->name);
		return -1;
	}
	log_notice("running as user %s (uid %d, gid %d)", pd->name, (int)pd->uid, (int)pd->gid);
	return 0;
}

/* 1 when uid/gid may search every directory from / down to dir (a DynamicUser= state
 * directory lives under /var/lib/private, mode 0700 root: its owner reaches it only inside
 * the service's own mount namespace). */
static int
reachable_by(const char *dir, uid_t uid, gid_t gid)
{
	char p[PATH_MAX], *slash;
	struct stat st;

	if (realpath(dir, p) == NULL)
		return 0;
	for (;;) {
		if (stat(p[0] ? p : "/", &st) == -1)
			return 0;
		if (!(st.st_uid == uid ? st.st_mode & S_IXUSR : st.st_gid == gid ?
		    st.st_mode & S_IXGRP : st.st_mode & S_IXOTH))
			return 0;
		if ((slash = strrchr(p, '/')) == NULL || p[0] == '\0')
			return 1;
		*slash = '\0';
	}
}

int
privdrop_to_owner_of(const char *path)
{
	struct privdrop pd;
	struct stat st;
	char dir[PATH_MAX];

	if (geteuid() != 0)
		return 0;
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) == -1 || st.st_uid == 0)
		return 0;
	if (!reachable_by(dir, st.st_uid, st.st_gid))
		return 0;	/* stay root: privdrop_fix_owner hands new files over */
	snprintf(pd.name, sizeof(pd.name), "uid %d", (int)st.st_uid);
	pd.uid = st.st_uid;
	pd.gid = st.st_gid;
	if (setgroups(1, &pd.gid) == -1 || setresgid(pd.gid, pd.gid, pd.gid) == -1 ||
	    setresuid(pd.uid, pd.uid, pd.uid) == -1)
		return -1;
	return 0;
}

void
privdrop_fix_owner(const char *path)
{
	struct privdrop pd;
	struct stat st;
	char dir[PATH_MAX];

	if (geteuid() != 0)
		return;
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) == -1 || st.st_uid == 0)
		return;
	snprintf(pd.name, sizeof(pd.name), "uid %d", (int)st.st_uid);
	pd.uid = st.st_uid;
	pd.gid = st.st_gid;
	privdrop_give(&pd, path);
}
