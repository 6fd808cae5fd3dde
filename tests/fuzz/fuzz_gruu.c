/* fuzz_gruu.c - libFuzzer: GRUUs (gruu.c).  First byte 0: the rest is a Request-URI read as a
 * GRUU (uri_split, gruu_parse, gruu_matches).  Otherwise the rest is a +sip.instance value: the
 * pub-gruu and temp-gruu made for it must read back to the same AOR and instance (abort if
 * not). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "domain.h"
#include "gruu.h"
#include "uri.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char	aor[300];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char user[] = "alice";
	const char *domain;

	cfg = config_defaults();
	domain_init(cfg);
	if (domain_aor(user, "127.0.0.1", 0, &domain) == -1)
		abort();
	snprintf(aor, sizeof(aor), "sip:alice@%s", domain);
	gruu_init();
	return 0;
}

/* The quoted value of Contact param name in s, into out; 0 or -1. */
static int
param_of(const char *s, const char *name, char *out, size_t len)
{
	char key[32];
	const char *p, *e;

	snprintf(key, sizeof(key), ";%s=\"", name);
	if ((p = strstr(s, key)) == NULL)
		return -1;
	p += strlen(key);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= len)
		abort();	/* a quote inside: the Contact would not parse */
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* A GRUU made for inst reads back to (aor, inst). */
static void
round_trip(const char *uri, const char *inst)
{
	struct uri_parts u;
	struct gruu_ref g;

	if (uri_split(uri, strlen(uri), &u) == -1 || gruu_parse(&u, &g) == GRUU_NONE ||
	    strcmp(g.aor, aor) != 0 || strcmp(g.instance, inst) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = NULL, *made, inst[GRUU_INSTANCE_MAX], uri[1024];
	struct uri_parts u;
	struct gruu_ref g;
	struct buf b;

	if (size == 0)
		return 0;
	if (data[0] == 0) {
		if (uri_split((const char *)data + 1, size - 1, &u) == 0 &&
		    gruu_parse(&u, &g) != GRUU_NONE)
			gruu_matches(&g, "\"<urn:uuid:1>\"", "c", 0);
		return 0;
	}
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	buf_init(&b, 256);
	if (gruu_contact_params(&b, aor, s, "call-id") == 0) {
		made = buf_take(&b, NULL);
		if (gruu_instance(s, inst, sizeof(inst)) == -1)
			abort();
		if (param_of(made, "pub-gruu", uri, sizeof(uri)) == -1)
			abort();
		round_trip(uri, inst);
		if (param_of(made, "temp-gruu", uri, sizeof(uri)) == 0)
			round_trip(uri, inst);
		free(made);
	} else
		buf_free(&b);
	free(s);
	return 0;
}
