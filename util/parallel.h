/*
 * parallel - spread the pages of one large request over the CPUs.
 *
 * A request is cut into chunks.  The calling worker and any helper that
 * is free claim chunks from one atomic cursor until none is left, so the
 * caller never waits for a helper that has not started: a late helper
 * finds nothing left and leaves.  A fixed pool of helper threads (one
 * fewer than the online CPUs, started on first use) never allocates and
 * never blocks on anything but its queue, so a request always completes.
 * A request asks for helpers only as far as CPUs are free of other large
 * requests (zpar_enter): the kernel sends the chunks of an asynchronous
 * direct I/O (loop with --direct-io) as concurrent requests, and those
 * already fill the CPUs; a lone synchronous request does not.
 */
#ifndef ZRAMFS_PARALLEL_H
#define ZRAMFS_PARALLEL_H

/*
 * Run fn(arg, i) for every i in 0..n-1, on the calling thread and on up
 * to width - 1 helpers.  Returns when all have finished and no helper
 * holds arg any more.
 */
void zpar_for(void (*fn)(void *arg, unsigned int i), void *arg, unsigned int n,
	      int width);
/*
 * A large request about to run: how many threads it may use now, the
 * CPUs less the other large requests already running (>= 1).  Pair with
 * zpar_leave() when it is done.
 */
int zpar_enter(void);
void zpar_leave(void);

#endif
