/* corpus.c - finding and reading the conformance corpus for the unit tests. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "corpus.h"

static char dir[1024];

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *
corpus_dir(void)
{
	const char *env[] = { "SRCDIR", "srcdir" }, *up[] = { "..", "../.." };
	const char *d = getenv("SIPD_SHARED");

	if (d != NULL) {
		snprintf(dir, sizeof(dir), "%s/conformance", d);
		return is_dir(dir) ? dir : NULL;
	}
	for (size_t i = 0; i < 4; i++) {
		if ((d = getenv(env[i / 2])) == NULL)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s/shared/conformance", d, up[i % 2]);
		if (is_dir(dir))
			return dir;
	}
	return NULL;
}

char *
corpus_read(const char *rel, size_t *len)
{
	char path[1200];
	const char *d = corpus_dir();
	FILE *f;
	char *p;
	long n;

	ck_assert_msg(d != NULL, "no conformance corpus: set SIPD_SHARED");
	snprintf(path, sizeof(path), "%s/%s", d, rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}
