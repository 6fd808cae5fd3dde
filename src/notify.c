/* notify.c - sd_notify's socket protocol (systemd's sd_notify(3), "NOTIFY_SOCKET"): each state
 * change is one datagram of "KEY=VALUE" lines to an AF_UNIX socket; a name starting with '@' is
 * in the abstract namespace.  No libsystemd: the protocol is documented and stable. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct sockaddr_un	 notify_addr;
static socklen_t		 notify_len;	/* 0: not under a service manager */
static unsigned long long	 watchdog_usec;
static struct event		*ev_watchdog;

/* Fill the socket address from $NOTIFY_SOCKET; 0 or -1 when unset or unusable. */
static int
notify_addr_parse(const char *name)
{
	size_t len;

	if (name == NULL || (name[0] != '/' && name[0] != '@'))
		return -1;
	len = strlen(name);
	if (len < 2 || len > sizeof(notify_addr.sun_path) - 1)
		return -1;
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, name, len);
	if (name[0] == '@')
		notify_addr.sun_path[0] = '\0';
	/* an abstract name is exactly len bytes long, with no terminating NUL */
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
	return 0;
}

void
notify_init(void)
{
	const char *sock = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	char *end;

	notify_len = 0;
	if (sock != NULL && notify_addr_parse(sock) == -1)
		log_warnx("NOTIFY_SOCKET=%s is not a unix socket name; not notifying", sock);
	watchdog_usec = 0;
	if (wd != NULL && (wpid == NULL || strtol(wpid, NULL, 10) == (long)getpid())) {
		errno = 0;
		watchdog_usec = strtoull(wd, &end, 10);
		if (errno != 0 || *end != '\0')
			watchdog_usec = 0;
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int
notify_send(const char *state)
{
	int fd;
	ssize_t n;

	if (notify_len == 0)
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify: socket");
		return -1;
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr,
	    notify_len);
	close(fd);
	if (n == -1) {
		log_warn("notify: sending %s", state);
		return -1;
	}
	return 0;
}

void
notify_ready(const char *status)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	notify_send(buf);
}

void
notify_reloading(void)
{
	struct timespec ts;
	char buf[128];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify_send(buf);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

static void
watchdog_tick(evutil_socket_t fd, short what, void *arg)
{
	notify_send("WATCHDOG=1");
}

void
notify_watchdog_start(struct event_base *base)
{
	struct timeval tv;
	unsigned long long half = watchdog_usec / 2;

	if (watchdog_usec == 0 || notify_len == 0)
		return;
	tv.tv_sec = (time_t)(half / 1000000);
	tv.tv_usec = (suseconds_t)(half % 1000000);
	ev_watchdog = event_new(base, -1, EV_PERSIST, watchdog_tick, NULL);
	event_add(ev_watchdog, &tv);
	notify_send("WATCHDOG=1");
	log_info("watchdog: WATCHDOG=1 every %llu ms", half / 1000);
}

void
notify_shutdown(void)
{
	if (ev_watchdog != NULL)
		event_free(ev_watchdog);
	ev_watchdog = NULL;
}

unsigned long long
notify_watchdog_usec(void)
{
	return watchdog_usec;
}
