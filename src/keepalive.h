/* keepalive.h - OPTIONS keep-alives to registered phones behind NAT over UDP: they hold the NAT
 * binding open and show when a phone is gone (its registration is then removed). */
#ifndef SIPD_KEEPALIVE_H
#define SIPD_KEEPALIVE_H

#include <event2/event.h>

/* Start the timer (nat.keepalive_interval; 0 = none). */
void keepalive_init(struct event_base *);
void keepalive_shutdown(void);

#endif
