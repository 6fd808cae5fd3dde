/* sqlshim.h - the part of the SQLite C API sipctl uses, over SQLite or PostgreSQL (libpq).
 * Included instead of <sqlite3.h> (after it), it renames those calls to sqlshim_*, so sipctl.c
 * keeps its SQL and calls.  sqlshim_open_v2 opens PostgreSQL when the target is a conninfo
 * (store_is_pg); the SQL is then rewritten: ?N -> $N, BEGIN IMMEDIATE -> BEGIN,
 * INSERT OR IGNORE -> ON CONFLICT DO NOTHING, m.rowid -> m.seq (db/schema_pg.sql). */
#ifndef SIPD_SQLSHIM_H
#define SIPD_SQLSHIM_H

#include <stdint.h>
#include <sqlite3.h>

typedef struct sqlshim_db	sqlshim_db;
typedef struct sqlshim_stmt	sqlshim_stmt;

int	 sqlshim_open_v2(const char *, sqlshim_db **, int, const char *);
int	 sqlshim_close(sqlshim_db *);
int	 sqlshim_busy_timeout(sqlshim_db *, int);
int	 sqlshim_exec(sqlshim_db *, const char *, void *, void *, char **);
int	 sqlshim_prepare_v2(sqlshim_db *, const char *, int, sqlshim_stmt **, const char **);
int	 sqlshim_bind_text(sqlshim_stmt *, int, const char *, int, void (*)(void *));
int	 sqlshim_bind_null(sqlshim_stmt *, int);
int	 sqlshim_step(sqlshim_stmt *);
int	 sqlshim_finalize(sqlshim_stmt *);
int	 sqlshim_changes(sqlshim_db *);
const unsigned char *sqlshim_column_text(sqlshim_stmt *, int);
int64_t	 sqlshim_column_int64(sqlshim_stmt *, int);
const char *sqlshim_column_name(sqlshim_stmt *, int);
int	 sqlshim_column_count(sqlshim_stmt *);
const char *sqlshim_errmsg(sqlshim_db *);
const char *sqlshim_db_filename(sqlshim_db *, const char *);

#ifndef SQLSHIM_IMPL
#define sqlite3			sqlshim_db
#define sqlite3_stmt		sqlshim_stmt
#define sqlite3_open_v2		sqlshim_open_v2
#define sqlite3_close		sqlshim_close
#define sqlite3_busy_timeout	sqlshim_busy_timeout
#define sqlite3_exec		sqlshim_exec
#define sqlite3_prepare_v2	sqlshim_prepare_v2
#define sqlite3_bind_text	sqlshim_bind_text
#define sqlite3_bind_null	sqlshim_bind_null
#define sqlite3_step		sqlshim_step
#define sqlite3_finalize	sqlshim_finalize
#define sqlite3_changes		sqlshim_changes
#define sqlite3_column_text	sqlshim_column_text
#define sqlite3_column_int64	sqlshim_column_int64
#define sqlite3_column_name	sqlshim_column_name
#define sqlite3_column_count	sqlshim_column_count
#define sqlite3_errmsg		sqlshim_errmsg
#define sqlite3_db_filename	sqlshim_db_filename
#endif

#endif
