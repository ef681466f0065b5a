/*
 * zdev_int.h - struct zdev, shared by the device's own files only
 * (zdev.c: lifecycle and configuration; io.c: requests; page.c: slots).
 *
 * Lock order:
 *   init_lock (rwlock: write for init/reset/config, read for I/O, show
 *              and post-processing)
 *     -> slot lock (ZE_LOCK bit of a table entry)
 *       -> pool class lock / migrate lock (inside pool/)
 *       -> backing bitmap lock (inside backing.c)
 * Post-processing (writeback, recompress) runs one at a time per device
 * (pp_busy), under init_lock for read, taking one slot lock at a time; a
 * manual one waits for the turn (pp_lock, a leaf), as current kernels do.
 * The policy's runs and evictions (policy.c, evict.c) come in under
 * init_lock for read too; their own locks are in policy.h.
 * The compressors run outside slot locks except for partial-page writes,
 * which hold the slot across read-modify-write so no concurrent write to
 * the same page is lost (page.c).
 */
#ifndef ZRAMFS_ZDEV_INT_H
#define ZRAMFS_ZDEV_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "device/policy.h"
#include "device/table.h"
#include "device/zdev.h"
#include "pool/zsmalloc.h"

struct zdev_counters {
	_Atomic uint64_t pages_stored;
	_Atomic uint64_t compr_data_size;
	_Atomic uint64_t same_pages;
	_Atomic uint64_t huge_pages;
	_Atomic uint64_t huge_pages_since;
	_Atomic uint64_t failed_reads;
	_Atomic uint64_t failed_writes;
	_Atomic uint64_t invalid_io;
	_Atomic uint64_t notify_free;
	_Atomic uint64_t max_used_pages;
	_Atomic uint64_t rd_ios, rd_sectors, rd_ns;
	_Atomic uint64_t wr_ios, wr_sectors, wr_ns;
	_Atomic uint64_t dc_ios, dc_sectors, dc_ns;
	_Atomic uint64_t fl_ios;
	_Atomic uint64_t in_flight;
	_Atomic uint64_t busy_ns; /* io_ticks: time with I/O in flight */
	_Atomic uint64_t busy_start_ns;
};

struct zdev {
	int id;
	pthread_rwlock_t init_lock;
	/* protected by init_lock */
	bool init_done;
	uint64_t disksize;
	char comp_algs[ZDEV_MAX_COMPS][ZDEV_ALGO_NAME_MAX];
	struct zcomp_params params[ZDEV_MAX_COMPS];
	struct zcomp *comps[ZDEV_MAX_COMPS];
	struct zs_pool *pool;
	struct ztable table;
	size_t huge_class_size;
	struct zbacking *backing; /* NULL: no backing_dev */
	bool wb_compressed;	  /* writeback_compressed */
	/* atomics: changed without init_lock */
	_Atomic bool wb_limit_enable;
	_Atomic uint64_t wb_limit;	 /* remaining budget, 4 KiB blocks */
	_Atomic unsigned int wb_batch;	 /* writeback_batch_size */
	_Atomic bool pp_busy;		 /* a writeback or recompress runs */
	_Atomic unsigned int pp_waiters; /* writebacks waiting for the turn */
	pthread_mutex_t pp_lock;	 /* with pp_cond: a leaf (pp.c) */
	pthread_cond_t pp_cond;
	_Atomic uint64_t limit_pages;
	_Atomic int open_count;
	_Atomic int refs;      /* registry.c's reference count */
	struct zpolicy policy; /* automatic tiering (policy.h) */
	struct zdev_counters stats;
};

#endif
