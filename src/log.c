/* log.c - logging to stderr (foreground) or syslog (daemon). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "log.h"

static int log_fg = 1;
static int log_lvl = LOG_INFO;

static const struct { const char *name; int level; } log_names[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

void
log_init(int foreground, int level, const char *ident)
{
	log_fg = foreground;
	log_lvl = level;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int level)
{
	log_lvl = level;
}

int
log_getlevel(void)
{
	return log_lvl;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcasecmp(name, log_names[i].name) == 0)
			return log_names[i].level;
	return -1;
}

const char *
log_level_name(int level)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (log_names[i].level == level)
			return log_names[i].name;
	return "?";
}

/* Write one line at pri, with an optional errno text. */
static void
log_vwrite(int pri, int err, const char *fmt, va_list ap)
{
	char buf[2048];

	if (pri > log_lvl)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!log_fg) {
		if (err)
			syslog(pri, "%s: %s", buf, strerror(err));
		else
			syslog(pri, "%s", buf);
		return;
	}
	struct timeval tv;
	struct tm tm;
	char ts[32];
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	if (err)
		fprintf(stderr, "%s.%03d %s: %s: %s\n", ts, (int)(tv.tv_usec / 1000),
		    log_level_name(pri), buf, strerror(err));
	else
		fprintf(stderr, "%s.%03d %s: %s\n", ts, (int)(tv.tv_usec / 1000),
		    log_level_name(pri), buf);
}

#define LOG_FN(name, pri, witherr)				\
void name(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
	va_start(ap, fmt);					\
	log_vwrite(pri, witherr ? saved : 0, fmt, ap);		\
	va_end(ap);						\
	errno = saved;						\
}

LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_notice, LOG_NOTICE, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_lvl = log_lvl < LOG_ERR ? LOG_ERR : log_lvl;
	log_vwrite(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_lvl = log_lvl < LOG_ERR ? LOG_ERR : log_lvl;
	log_vwrite(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
