/*
 * zdev - one zram device: configuration, lifecycle and page I/O.
 *
 * State machine (as the kernel's): uninitialised (disksize 0, algorithm
 * and limits configurable) --disksize--> initialised (I/O served; only
 * mem_limit and counters change) --reset--> uninitialised.
 *
 * All functions return 0 or -errno (sizes as ssize_t).  The control layer
 * parses and validates; zdev applies, taking the device's own locks.
 */
#ifndef ZRAMFS_ZDEV_H
#define ZRAMFS_ZDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compress/zcomp.h"
#include "stats/zstats.h"
#include "util/page.h"

#define ZDEV_MAX_COMPS	   4   /* primary + 3 recompression algorithms */
#define ZDEV_ALGO_NAME_MAX 128 /* kernel ZRAM_MAX_ALGO_NAME_SZ */
#define ZDEV_DEFAULT_COMP  "lz4"
/*
 * Most threads that may do I/O on devices at once: each needs its own
 * compression stream; the rest of ZCOMP_MAX_WORKERS is kept for the
 * helper threads of large requests (util/parallel.h) and the device's
 * background threads.
 */
#define ZDEV_MAX_IO_THREADS (ZCOMP_MAX_WORKERS - 16)

struct zdev;

int zdev_create(int id, struct zdev **out);
/* frees everything; the caller guarantees no user is left */
void zdev_destroy(struct zdev *z);
int zdev_id(const struct zdev *z);

/* -- configuration ------------------------------------------------------ */
bool zdev_initialized(struct zdev *z);
uint64_t zdev_disksize(struct zdev *z);
/* size is page-aligned up; -EINVAL for 0, -EBUSY once initialised,
 * -ENOMEM when the device's structures cannot be had */
int zdev_set_disksize(struct zdev *z, uint64_t size);
/* -EINVAL unknown algorithm (checked first), -EBUSY once initialised */
int zdev_set_comp(struct zdev *z, unsigned int prio, const char *name);
/* name of the algorithm at prio into buf ("" if none); returns buf */
const char *zdev_comp(struct zdev *z, unsigned int prio, char *buf,
		      size_t size);
/* every algorithm, the one at prio in brackets (comp_algorithm's format) */
ssize_t zdev_comp_show(struct zdev *z, unsigned int prio, char *buf,
		       size_t size);
/* algorithm_params' level when none is given: the backend's default */
#define ZDEV_LEVEL_DEFAULT ZCOMP_LEVEL_DEFAULT
/*
 * algorithm_params: prio, or algo (a name set at some priority) selects
 * the slot; level/dict as in zcomp_params (dict_path NULL for none).
 * A dict_path onto the daemon's own mount is -EDEADLK (zdev_set_own_dev).
 */
int zdev_set_params(struct zdev *z, int prio, const char *algo, int level,
		    const char *dict_path);
void zdev_set_mem_limit(struct zdev *z, uint64_t bytes);

/* -- backing store and writeback settings --------------------------------- */
#define ZDEV_WB_BATCH_DEFAULT 32 /* writeback_batch_size */
/*
 * backing_dev: a block device or a regular file.  -EBUSY once
 * initialised (checked first), -EDEADLK for a path onto the daemon's own
 * mount, else zbacking_open's errors (backing.h).
 */
int zdev_set_backing_dev(struct zdev *z, const char *path);
/* the path, or "none"; returns buf */
const char *zdev_backing_dev(struct zdev *z, char *buf, size_t size);
/* writeback_compressed: -EBUSY once initialised */
int zdev_set_wb_compressed(struct zdev *z, bool on);
bool zdev_wb_compressed(struct zdev *z);
void zdev_set_wb_limit_enable(struct zdev *z, bool on);
bool zdev_wb_limit_enable(struct zdev *z);
/* writeback_limit: the remaining budget in 4 KiB blocks */
void zdev_set_wb_limit(struct zdev *z, uint64_t blocks);
uint64_t zdev_wb_limit(struct zdev *z);
/* writeback_batch_size: pages per batch; 0 is stored as 1 */
void zdev_set_wb_batch(struct zdev *z, unsigned int pages);
unsigned int zdev_wb_batch(struct zdev *z);

/* -- the cold-page lifecycle (idle.c, writeback.c, recompress.c) ----------- */
/*
 * idle: mark every stored slot (all) or those not accessed for at least
 * age seconds; same-filled and written-back slots are left alone.
 * -EINVAL if not initialised.
 */
int zdev_mark_idle(struct zdev *z, bool all, uint64_t age);
/*
 * A post-processing command may start: -EINVAL if not initialised,
 * -ENODEV if it needs a backing store and there is none.  *nr_pages gets
 * the device's page count for range checks.
 */
int zdev_pp_check(struct zdev *z, bool need_backing, uint64_t *nr_pages);

#define ZDEV_PP_IDLE	       1u
#define ZDEV_PP_HUGE	       2u
#define ZDEV_PP_INCOMPRESSIBLE 4u
/* one selection of a writeback: slots [lo, hi) that match every mode bit */
struct zdev_wb_range {
	unsigned int mode;
	uint64_t lo, hi;
};
/*
 * Write the selected slots to the backing store, largest objects first,
 * in batches of writeback_batch_size; while another post-processing runs,
 * waits for it first (as current kernels).  -EINVAL not initialised,
 * -ENODEV no backing store, -ERANGE a range past the end, -ENOSPC the
 * store is full, -EIO the budget is spent or the store failed.  What was
 * written before an error stays written.
 */
int zdev_writeback(struct zdev *z, const struct zdev_wb_range *r,
		   unsigned int n);

struct zdev_recomp {
	unsigned int mode;  /* ZDEV_PP_IDLE / ZDEV_PP_HUGE bits, 0: all */
	uint32_t threshold; /* only objects of at least this size */
	uint64_t max_pages; /* 0: no limit */
	const char *algo;   /* NULL: every secondary algorithm */
	int prio;	    /* -1: none given */
};
/*
 * Recompress the selected slots with the secondary algorithms in
 * priority order; keep a result only if it lands in a smaller size
 * class (and under threshold), mark a slot that none shrinks
 * incompressible; while another post-processing runs, waits for it
 * first.  -EINVAL not initialised, no such algorithm or priority,
 * threshold not below the huge size.
 */
int zdev_recompress(struct zdev *z, const struct zdev_recomp *rq);
/*
 * The kernel's debugfs block_state: one line per stored slot,
 * "index access-time flags".  A malloc'd buffer in *out (NULL if empty),
 * its length returned, or -errno.
 */
ssize_t zdev_block_state(struct zdev *z, char **out);
/*
 * The mem_limit new and reset devices get (0: none).  The daemon sets it
 * below its memory cgroup's limit so writes fail before the cgroup's
 * reclaim or OOM killer reaches the daemon; writing mem_limit overrides.
 */
void zdev_set_default_mem_limit(uint64_t bytes);
/*
 * Memory each initialised device keeps faulted in ahead of its writes
 * (0: none, pages fault in as written).  Set before devices initialise.
 */
#define ZDEV_DEFAULT_RESERVE (4u << 20) /* the daemon's -o reserve */
void zdev_set_reserve(uint64_t bytes);
/*
 * The daemon's own mount (its st_dev).  A path the device is given to
 * open (algorithm_params dict=, backing_dev) that leads onto it is
 * refused with -EDEADLK before anything is looked up there: the worker
 * opening it would wait on a request that only a worker can serve.
 */
void zdev_set_own_dev(dev_t dev);
void zdev_reset_mem_used_max(struct zdev *z);
/* -EBUSY while open; frees every page and restores all defaults */
int zdev_reset(struct zdev *z);
/* -EINVAL if not initialised */
int zdev_compact(struct zdev *z);

/* -- users of the image -------------------------------------------------- */
void zdev_open(struct zdev *z);
void zdev_release(struct zdev *z);
int zdev_open_count(struct zdev *z);

/* -- I/O: byte ranges, any alignment --------------------------------------- */
/* bytes read (short/0 at the end of the device) or -errno */
ssize_t zdev_read(struct zdev *z, void *buf, size_t len, uint64_t off);
/* bytes written or -errno; never extends the device (-ENOSPC past end) */
ssize_t zdev_write(struct zdev *z, const void *buf, size_t len, uint64_t off);
/* free (punch) or zero the range: both read back as zeros afterwards */
int zdev_discard(struct zdev *z, uint64_t off, uint64_t len);
/* SEEK_DATA / SEEK_HOLE: resulting offset or -ENXIO */
off_t zdev_seek(struct zdev *z, uint64_t off, int whence);
/* count a flush (fsync) in stat */
void zdev_flush(struct zdev *z);

void zdev_stats(struct zdev *z, struct zstats *s);

#endif
