/*
 * lifecycle.h - the cold-page lifecycle's entries for callers inside
 * device/ that already hold the device's init_lock for read on an
 * initialised device (the policy's runs, policy.c): idle marking and
 * recompression without taking the lock again.  Writeback's is
 * zwb_write_out (writeback.h).
 */
#ifndef ZRAMFS_LIFECYCLE_H
#define ZRAMFS_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

struct zdev;
struct zdev_recomp;

/* zdev_mark_idle's work (idle.c) */
void zidle_mark(struct zdev *z, bool all, uint64_t age);
/*
 * zdev_recompress's work (recompress.c); the caller holds the device's
 * post-processing turn (zpp_begin) too.  one_thread: on the calling
 * thread alone, without the helper threads (a background run leaves the
 * other CPUs to I/O).  *replaced gets the pages whose object was
 * replaced, also on error.  0 or -EINVAL (no such algorithm or priority,
 * threshold not below the huge size), or the run's error.
 */
int zrecomp_run(struct zdev *z, const struct zdev_recomp *rq, bool one_thread,
		uint64_t *replaced);

#endif
