/* fuzz_auth.c - libFuzzer: the digest credential parser (auth.c) and verification of what it
 * parsed against a known user and against no user. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static struct auth_user u;
	struct auth_cred c;

	if (!init) {
		auth_init((const unsigned char *)"fuzz-secret", 11, 300);
		strcpy(u.username, "alice");
		strcpy(u.realm, "example.test");
		auth_ha1(AUTH_MD5, "alice", "example.test", "pw", u.ha1_md5);
		auth_ha1(AUTH_SHA256, "alice", "example.test", "pw", u.ha1_sha256);
		u.enabled = 1;
		init = 1;
	}
	if (auth_parse((const char *)data, size, &c) == 0) {
		auth_verify(&c, "REGISTER", &u, time(NULL));
		auth_verify(&c, "INVITE", NULL, time(NULL));
	}
	return 0;
}
