/* vm_mwi.h - message waiting indication (RFC 3842): the message-summary event package for
 * voicemail boxes, served by presence.c's table of packages through subs.c. */
#ifndef SIPD_VM_MWI_H
#define SIPD_VM_MWI_H

#include <stddef.h>

#include <event2/event.h>

#include "subs.h"

extern const struct subs_package vm_mwi_package;

/* Start / stop watching the boxes for changes (sipd's own and sipctl's). */
void vm_mwi_init(struct event_base *);
void vm_mwi_shutdown(void);
/* The box of aor changed (a message stored, heard or deleted): its watchers are told. */
void vm_mwi_changed(const char *user, const char *domain);
/* An application/simple-message-summary body (RFC 3842 5.2) for account with new and old
 * voice messages into out; its length, or 0 when it does not fit.  Pure. */
size_t vm_mwi_format(char *out, size_t len, const char *account, long new_msgs,
    long old_msgs);

#endif
