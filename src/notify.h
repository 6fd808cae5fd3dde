/* notify.h - the service manager's readiness protocol (sd_notify(3)), without libsystemd:
 * datagrams to the unix socket named by $NOTIFY_SOCKET ("@..." = abstract namespace). */
#ifndef SIPD_NOTIFY_H
#define SIPD_NOTIFY_H

#include <event2/event.h>

/* Read $NOTIFY_SOCKET and $WATCHDOG_USEC (then unset them: children must not inherit them). */
void notify_init(void);
/* Send one state string ("READY=1", "STOPPING=1", ...); a no-op outside systemd. 0 or -1. */
int notify_send(const char *state);
/* "READY=1" with a STATUS= line. */
void notify_ready(const char *status);
/* RELOADING=1 (with MONOTONIC_USEC, as systemd 253 wants for Type=notify-reload). */
void notify_reloading(void);
void notify_stopping(void);
/* When $WATCHDOG_USEC is set: a timer on base sending WATCHDOG=1 every half of it. */
void notify_watchdog_start(struct event_base *base);
void notify_shutdown(void);
/* The watchdog interval in microseconds, 0 when none (for logs and tests). */
unsigned long long notify_watchdog_usec(void);

#endif
