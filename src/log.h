/* log.h - the one logging API: stderr in the foreground, syslog otherwise. */
#ifndef SIPD_LOG_H
#define SIPD_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Levels are syslog priorities: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void log_init(int foreground, int level, const char *ident);
void log_setlevel(int level);
int log_getlevel(void);
int log_level_parse(const char *name);     /* "debug".."error" -> LOG_*, -1 if unknown */
const char *log_level_name(int level);

#define log_enabled(lvl) ((lvl) <= log_getlevel())

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
