/* daemon.h - the process: event loop, signals, reload, shutdown, privileges. */
#ifndef SIPD_DAEMON_H
#define SIPD_DAEMON_H

/* Run sipd with the already-loaded global cfg until SIGTERM/SIGINT.  Returns the exit status. */
int daemon_run(int foreground);

#endif
