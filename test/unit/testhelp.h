/*
 * testhelp.h - a tiny unit-test harness (after redis' src/testhelp.h).
 *
 * Each check prints "PASS <name>" or "FAIL <name>: <where>"; test/run.sh
 * counts those lines across every test binary.  test_report() returns the
 * process exit status: non-zero if anything failed.
 */
#ifndef ZRAMFS_TESTHELP_H
#define ZRAMFS_TESTHELP_H

#include <stdio.h>

static int test_failed, test_passed;

#define test_cond(descr, _c)                                            \
	do {                                                            \
		if (_c) {                                               \
			test_passed++;                                  \
			printf("PASS %s\n", descr);                     \
		} else {                                                \
			test_failed++;                                  \
			printf("FAIL %s: %s:%d: %s\n", descr, __FILE__, \
			       __LINE__, #_c);                          \
		}                                                       \
		fflush(stdout);                                         \
	} while (0)

static inline int test_report(void)
{
	fprintf(stderr, "%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
