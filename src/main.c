/* main.c - command line: sipd [-f] [-t] [-c FILE] [-H] [-V]. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"

static void
usage(void)
{
	fprintf(stderr, "usage: sipd [-fhtHV] [-c file]\n"
	    "  -c file  configuration file (default " SIPD_DEFAULT_CONFIG ")\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -t       check the configuration and exit\n"
	    "  -H       list every configuration key with its default and exit\n"
	    "  -V       print the version and exit\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = SIPD_DEFAULT_CONFIG;
	char abspath[PATH_MAX];
	int ch, foreground = 0, check = 0;

	while ((ch = getopt(argc, argv, "c:fhtHV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'H':
			config_print_keys(stdout);
			return 0;
		case 'V':
			printf("sipd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(1, LOG_INFO, "sipd");
	notify_init();
	/* SIGHUP re-reads it after daemon() moved to /: remember where it really is */
	if (realpath(path, abspath) != NULL)
		path = abspath;
	if ((cfg = config_load(path)) == NULL) {
		fprintf(stderr, "sipd: %s: configuration has errors\n", path);
		return 1;
	}
	if (check) {
		printf("sipd: %s: configuration OK\n", path);
		return 0;
	}
	log_init(foreground, cfg->log_level, "sipd");
	int rc = daemon_run(foreground);
	config_free(cfg);
	return rc;
}
