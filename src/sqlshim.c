/* sqlshim.c - sqlshim.h: sipctl's SQLite calls, passed to SQLite or run on PostgreSQL. */
#define SQLSHIM_IMPL
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sqlshim.h"
#include "store_backend.h"
#include "xmalloc.h"

#define SHIM_NPARAM	16

struct sqlshim_db {
	sqlite3		*lite;
	PGconn		*pg;
	int		 changes;
	char		*name;
};

struct sqlshim_stmt {
	sqlshim_db	*db;
	sqlite3_stmt	*lite;
	char		*sql;
	char		*v[SHIM_NPARAM];
	int		 nparam;
	PGresult	*res;
	PGresult	*desc;		/* the columns, from describing the prepared statement */
	int		 row;		/* next row to return; -1: not run yet */
};

/* SQLite SQL as sipctl writes it, in PostgreSQL's dialect (malloc'ed). */
static char *
shim_sql(const char *in, int *nparam)
{
	size_t n = strlen(in);
	char *out = xmalloc(n * 2 + 64), *o = out;
	int ignore = strncmp(in, "INSERT OR IGNORE ", 17) == 0;

	*nparam = 0;
	if (strcmp(in, "BEGIN IMMEDIATE") == 0)
		in = "BEGIN";
	unsigned long fromparen = 0;	/* bit d: the '(' at depth d follows FROM */
	int depth = 0;

	if (ignore)
		in += 17, o += sprintf(o, "INSERT ");
	for (const char *p = in; *p; p++) {
		if (*p == '(' && depth < 63) {
			if (p - in >= 5 && strncmp(p - 5, "FROM ", 5) == 0)
				fromparen |= 1UL << depth;
			depth++;
			*o++ = *p;
		} else if (*p == ')' && depth > 0) {
			depth--;
			*o++ = *p;
			/* PostgreSQL wants an alias for a subquery in FROM */
			if (fromparen & (1UL << depth))
				o += sprintf(o, " AS shim_sub%d", depth);
			fromparen &= ~(1UL << depth);
		} else if (*p == '?' && isdigit((unsigned char)p[1])) {
			*o++ = '$';
			int k = atoi(p + 1);
			if (k > *nparam)
				*nparam = k;
		} else if (strncmp(p, "m.rowid", 7) == 0) {
			o += sprintf(o, "m.seq");
			p += 6;
		} else
			*o++ = *p;
	}
	*o = '\0';
	if (ignore)
		strcat(out, " ON CONFLICT DO NOTHING");
	return out;
}

int
sqlshim_open_v2(const char *target, sqlshim_db **out, int flags, const char *vfs)
{
	sqlshim_db *d = xcalloc(1, sizeof(*d));

	*out = d;
	d->name = xstrdup(target);
	if (!store_is_pg(target))
		return sqlite3_open_v2(target, &d->lite, flags, vfs);
	d->pg = PQconnectdb(target);
	return PQstatus(d->pg) == CONNECTION_OK ? SQLITE_OK : SQLITE_CANTOPEN;
}

int
sqlshim_close(sqlshim_db *d)
{
	if (d == NULL)
		return SQLITE_OK;
	if (d->lite)
		sqlite3_close(d->lite);
	PQfinish(d->pg);
	free(d->name);
	free(d);
	return SQLITE_OK;
}

int
sqlshim_busy_timeout(sqlshim_db *d, int ms)
{
	return d->lite ? sqlite3_busy_timeout(d->lite, ms) : SQLITE_OK;
}

/* PRAGMAs are SQLite's (foreign keys are always on in PostgreSQL). */
int
sqlshim_exec(sqlshim_db *d, const char *sql, void *cb, void *arg, char **err)
{
	sqlshim_stmt *st;
	int rc;

	if (d->lite)
		return sqlite3_exec(d->lite, sql, NULL, NULL, err);
	(void)cb; (void)arg;
	if (strncmp(sql, "PRAGMA", 6) == 0)
		return SQLITE_OK;
	if (sqlshim_prepare_v2(d, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	rc = sqlshim_step(st);
	sqlshim_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : SQLITE_ERROR;
}

int
sqlshim_prepare_v2(sqlshim_db *d, const char *sql, int len, sqlshim_stmt **out,
    const char **tail)
{
	sqlshim_stmt *st = xcalloc(1, sizeof(*st));

	st->db = d;
	st->row = -1;
	*out = st;
	if (d->lite) {
		int rc = sqlite3_prepare_v2(d->lite, sql, len, &st->lite, tail);
		if (rc != SQLITE_OK) {
			free(st);
			*out = NULL;
		}
		return rc;
	}
	st->sql = shim_sql(sql, &st->nparam);
	PGresult *r = PQprepare(d->pg, "", st->sql, 0, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (ok)
		st->desc = PQdescribePrepared(d->pg, "");
	if (!ok || PQresultStatus(st->desc) != PGRES_COMMAND_OK || st->nparam > SHIM_NPARAM) {
		sqlshim_finalize(st);
		*out = NULL;
		return SQLITE_ERROR;
	}
	return SQLITE_OK;
}

int
sqlshim_bind_text(sqlshim_stmt *st, int i, const char *v, int len, void (*del)(void *))
{
	if (st->lite)
		return sqlite3_bind_text(st->lite, i, v, len, del);
	if (i < 1 || i > SHIM_NPARAM)
		return SQLITE_RANGE;
	free(st->v[i - 1]);
	st->v[i - 1] = len < 0 ? xstrdup(v) : xstrndup(v, (size_t)len);
	return SQLITE_OK;
}

int
sqlshim_bind_null(sqlshim_stmt *st, int i)
{
	if (st->lite)
		return sqlite3_bind_null(st->lite, i);
	if (i < 1 || i > SHIM_NPARAM)
		return SQLITE_RANGE;
	free(st->v[i - 1]);
	st->v[i - 1] = NULL;
	return SQLITE_OK;
}

/* PostgreSQL: the statement runs at the first step; rows are then handed out one by one. */
int
sqlshim_step(sqlshim_stmt *st)
{
	if (st->lite)
		return sqlite3_step(st->lite);
	if (st->row < 0) {
		st->res = PQexecParams(st->db->pg, st->sql, st->nparam, NULL,
		    (const char *const *)st->v, NULL, NULL, 0);
		st->row = 0;
		switch (PQresultStatus(st->res)) {
		case PGRES_COMMAND_OK:
			st->db->changes = atoi(PQcmdTuples(st->res));
			return SQLITE_DONE;
		case PGRES_TUPLES_OK:
			break;
		default:
			return SQLITE_ERROR;
		}
	}
	return st->row < PQntuples(st->res) ? (st->row++, SQLITE_ROW) : SQLITE_DONE;
}

int
sqlshim_finalize(sqlshim_stmt *st)
{
	if (st == NULL)
		return SQLITE_OK;
	if (st->lite)
		sqlite3_finalize(st->lite);
	PQclear(st->res);
	PQclear(st->desc);
	for (int i = 0; i < SHIM_NPARAM; i++)
		free(st->v[i]);
	free(st->sql);
	free(st);
	return SQLITE_OK;
}

int
sqlshim_changes(sqlshim_db *d)
{
	return d->lite ? sqlite3_changes(d->lite) : d->changes;
}

/* The current row's column (the row step returned last); NULL for SQL NULL. */
const unsigned char *
sqlshim_column_text(sqlshim_stmt *st, int i)
{
	if (st->lite)
		return sqlite3_column_text(st->lite, i);
	if (st->res == NULL || st->row < 1 || PQgetisnull(st->res, st->row - 1, i))
		return NULL;
	return (const unsigned char *)PQgetvalue(st->res, st->row - 1, i);
}

int64_t
sqlshim_column_int64(sqlshim_stmt *st, int i)
{
	const unsigned char *s;

	if (st->lite)
		return sqlite3_column_int64(st->lite, i);
	s = sqlshim_column_text(st, i);
	return s ? strtoll((const char *)s, NULL, 10) : 0;
}

const char *
sqlshim_column_name(sqlshim_stmt *st, int i)
{
	if (st->lite)
		return sqlite3_column_name(st->lite, i);
	return PQfname(st->desc, i);
}

int
sqlshim_column_count(sqlshim_stmt *st)
{
	if (st->lite)
		return sqlite3_column_count(st->lite);
	return PQnfields(st->desc);
}

const char *
sqlshim_errmsg(sqlshim_db *d)
{
	return d->lite ? sqlite3_errmsg(d->lite) : PQerrorMessage(d->pg);
}

const char *
sqlshim_db_filename(sqlshim_db *d, const char *name)
{
	return d->lite ? sqlite3_db_filename(d->lite, name) : "PostgreSQL (database.url)";
}
