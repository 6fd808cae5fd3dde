/* sipflood.c - a bounded UDP flooder for sipd's hardening tests (tests/integration/harden_*.sh).
 *
 *   sipflood -H HOST -p PORT [-b BIND] [-r RATE] [-d SECONDS] [-m garbage|options|register]
 *
 * Sends RATE datagrams a second (sendmmsg, paced every millisecond) from BIND to HOST:PORT for
 * SECONDS (at most 60), each a new request (a fresh branch and Call-ID) or random garbage, and
 * reads nothing.  Prints "sent N in S s: R/s" at the end.  Only loopback targets are accepted. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	256
#define MSGMAX	1024

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t
make(char *buf, const char *mode, unsigned long n, const char *host, const char *bind, int port)
{
	if (strcmp(mode, "garbage") == 0) {
		size_t len = 40 + n % 400;
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(rand() & 0xff);
		return len;
	}
	int reg = strcmp(mode, "register") == 0;
	return (size_t)snprintf(buf, MSGMAX,
	    "%s sip:%s:%d SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKflood%lu\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:flood%lu@%s>;tag=f%lu\r\n"
	    "To: <sip:flood%lu@%s>\r\n"
	    "Call-ID: flood-%lu@%s\r\n"
	    "CSeq: 1 %s\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n",
	    reg ? "REGISTER" : "OPTIONS", host, port, bind, port, n, n % 1000, bind, n,
	    n % 1000, bind, n, bind, reg ? "REGISTER" : "OPTIONS",
	    reg ? "Contact: <sip:flood@127.0.0.2:9>\r\n" : "");
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *bind_addr = "127.0.0.2", *mode = "garbage";
	int port = 0, rate = 50000, c;
	double secs = 5;

	while ((c = getopt(argc, argv, "H:p:b:r:d:m:")) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': bind_addr = optarg; break;
		case 'r': rate = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'm': mode = optarg; break;
		default:
			fprintf(stderr, "usage: sipflood -H host -p port [-b bind] [-r rate] [-d s]"
			    " [-m garbage|options|register]\n");
			return 2;
		}
	}
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in src = { .sin_family = AF_INET };
	if (port <= 0 || inet_pton(AF_INET, host, &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, bind_addr, &src.sin_addr) != 1) {
		fprintf(stderr, "sipflood: bad -H, -b or -p\n");
		return 2;
	}
	/* a test tool: loopback only (127.0.0.0/8), bounded in time */
	if ((ntohl(dst.sin_addr.s_addr) >> 24) != 127 || secs <= 0 || secs > 60 || rate <= 0) {
		fprintf(stderr, "sipflood: only 127.0.0.0/8, at most 60 s\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 4 << 20;
	if (fd == -1 || bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1) {
		perror("sipflood: socket");
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	srand((unsigned)getpid());

	static char bufs[BATCH][MSGMAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	unsigned long sent = 0, seq = 0;
	double t0 = now(), end = t0 + secs;

	for (;;) {
		double t = now();
		if (t >= end)
			break;
		unsigned long due = (unsigned long)((t - t0) * rate);
		if (due <= sent) {
			usleep(500);
			continue;
		}
		unsigned long want = due - sent;
		int n = want > BATCH ? BATCH : (int)want;
		for (int i = 0; i < n; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = make(bufs[i], mode, seq++, host, bind_addr, port);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(fd, mm, (unsigned)n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
				sent += (unsigned long)n;	/* counted as offered */
				continue;
			}
			perror("sipflood: sendmmsg");
			return 1;
		}
		sent += (unsigned long)(r > 0 ? r : n);
	}
	double el = now() - t0;
	printf("sent %lu in %.2f s: %.0f/s\n", sent, el, sent / el);
	return 0;
}
