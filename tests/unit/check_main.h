/* check_main.h - the main() every Check suite shares: run the suite, exit 0 when nothing failed. */
#ifndef SIPD_CHECK_MAIN_H
#define SIPD_CHECK_MAIN_H

#include <stdlib.h>

#include <check.h>

#define CHECK_MAIN(suite_fn)						\
int									\
main(void)								\
{									\
	SRunner *sr = srunner_create(suite_fn());			\
	int failed;							\
									\
	srunner_run_all(sr, CK_NORMAL);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;		\
}

#endif
