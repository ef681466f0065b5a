/* fuzz.h - what every fuzz target shares: an invariant check that aborts
 * (libFuzzer then saves the input). */
#ifndef ZRAMFS_FUZZ_H
#define ZRAMFS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
