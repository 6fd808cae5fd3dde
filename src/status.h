/* status.h - sipctl status: the running sipd's metrics, fetched over HTTP and shown for a person. */
#ifndef SIPD_STATUS_H
#define SIPD_STATUS_H

#include <stdio.h>

/* Fetch http://<listen>/metrics and print a summary to fp.  0, or 3 when sipd cannot be reached
 * (as systemctl status does for a stopped unit). */
int status_print(FILE *fp, const char *listen);

#endif
