/*
 * parallel - spread the pages of one large request over the CPUs.
 *
 * A fixed pool of helper threads (one fewer than the online CPUs, at least
 * one, started on first use) takes parts of a request while the calling
 * worker does the first part itself and then waits for the rest.  The
 * helpers never allocate on the way and never block on anything but
 * their queue, so a request always completes.
 */
#ifndef ZRAMFS_PARALLEL_H
#define ZRAMFS_PARALLEL_H

#include <stddef.h>

#define ZPAR_MAX_PARTS	8

/*
 * Run fn(arg[i]) for i in 0..n-1, in parallel where helpers exist:
 * fn(arg[0]) on the calling thread.  Returns when all have finished.
 */
void zpar_run(void (*fn)(void *), void **arg, int n);
/* how many parts a request can usefully be split into (>= 1) */
int zpar_width(void);

#endif
