/* calllog.h - one info line per call event (start, answer, end, cause) and the live call counts
 * for metrics.  The proxy tells it what it forwards; it keeps a small record per Call-ID. */
#ifndef SIPD_CALLLOG_H
#define SIPD_CALLLOG_H

#include "sipmsg.h"

/* A request the proxy forwards: an initial INVITE starts a call, a BYE ends one. */
void calllog_request(const struct sipmsg *req);
/* The final status the proxy sent upstream for req (2xx: answered, else failed). */
void calllog_final(const struct sipmsg *req, int status);
/* Calls ringing (started, no final answer) and answered (no BYE yet). */
long calllog_ringing(void);
long calllog_answered(void);
/* Forget every call (exit). */
void calllog_shutdown(void);

#endif
