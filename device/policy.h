/*
 * policy - automatic tiering, beyond the kernel: what ChromeOS's
 * zram_writeback_policy and Android's mmd do from outside with echoes,
 * done inside the daemon.
 *
 *   runs       every `interval` seconds a thread of the device's own marks
 *              pages idle by age, recompresses those idle longer than
 *              recompress_after with the secondary algorithms, and writes
 *              back those idle longer than writeback_after (huge ones
 *              first) to the backing store, within a daily budget
 *              (policy.c)
 *   eviction   with evict_on_limit, a write that would cross mem_limit
 *              first writes the least recently accessed pages back until
 *              the pool is below accept_threshold percent of the limit
 *              (zswap's hysteresis), then succeeds (evict.c)
 *
 * Ages scale between a minimum and a maximum by memory in use, as
 * ChromeOS's policy does (zpolicy_age): a page may stay longer while
 * memory is plentiful, and is moved sooner as it runs short.
 */
#ifndef ZRAMFS_POLICY_H
#define ZRAMFS_POLICY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct zdev;
struct zstats;
struct zentry;

#define ZPOLICY_OFF	       UINT32_MAX /* an age that is not set */
#define ZPOLICY_ACCEPT_DEFAULT 90	  /* zswap's accept_threshold */
#define ZPOLICY_AGE_MAX	       (UINT32_MAX - 1)

/* the policy file's values; see zramfs(8) */
struct zpolicy_cfg {
	uint32_t interval;	 /* seconds between runs; 0: no runs */
	uint32_t rc_min, rc_max; /* recompress_after, ZPOLICY_OFF: off */
	uint32_t wb_min, wb_max; /* writeback_after, ZPOLICY_OFF: off */
	uint64_t budget;	 /* writeback_budget, bytes per day; 0: none */
	unsigned int accept;	 /* accept_threshold, percent 1..100 */
};

/* what a write to the policy file names (the rest keeps its value) */
#define ZPOLICY_SET_INTERVAL   1u
#define ZPOLICY_SET_RECOMPRESS 2u
#define ZPOLICY_SET_WRITEBACK  4u
#define ZPOLICY_SET_BUDGET     8u
#define ZPOLICY_SET_ACCEPT     16u

void zpolicy_defaults(struct zpolicy_cfg *c);
/*
 * Apply the fields of c that mask names: 0, or -EINVAL (an age range
 * with min > max, accept outside 1..100), -ENOMEM (no thread).  On error
 * nothing changes.  Setting a budget turns writeback_limit_enable on
 * and fills writeback_limit with a day's budget; removing it turns
 * writeback_limit_enable off.
 */
int zdev_set_policy(struct zdev *z, const struct zpolicy_cfg *c,
		    unsigned int mask);
void zdev_policy(struct zdev *z, struct zpolicy_cfg *c);
/* policy_stat's counters into the pol_* fields of a snapshot */
void zdev_policy_stat(struct zdev *z, struct zstats *s);
void zdev_set_evict_on_limit(struct zdev *z, bool on);
bool zdev_evict_on_limit(struct zdev *z);

/*
 * The age rule: between min and max seconds by the share of memory in
 * use, u = 1 - avail / total:  age = min + (max - min) * e^(-5u)
 * (ChromeOS's curve: max while memory is free, near min from half used
 * on).  total 0 (unknown) gives max.
 */
uint32_t zpolicy_age(uint32_t min, uint32_t max, uint64_t avail,
		     uint64_t total);
/*
 * Memory available and total to the daemon, bytes: MemAvailable and
 * MemTotal of /proc/meminfo, or its memory cgroup's limit less its usage
 * (less inactive file pages) where that is the smaller.  0 and 0 if
 * neither can be read.
 */
void zpolicy_memory(uint64_t *avail, uint64_t *total);

/* -- inside device/ --------------------------------------------------- */

/* each device's policy state (struct zdev's policy member) */
struct zpolicy {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: wakes the thread */
	/* protected by lock */
	struct zpolicy_cfg cfg;
	uint64_t gen; /* bumped on every change and reset */
	bool started; /* thread created and not joined */
	bool running; /* thread not yet leaving */
	bool stop;    /* the device is going away */
	pthread_t thread;
	uint64_t next_ns;  /* next run, CLOCK_MONOTONIC */
	uint64_t topup_ns; /* budget topped up until then */
	/* read without lock: the write path's eviction */
	_Atomic uint64_t gen_seen; /* gen, for runs to compare */
	_Atomic unsigned int accept;
	_Atomic bool evict_on;
	_Atomic uint64_t daily_pages; /* budget / 4 KiB; 0: none */
	/* serialises evictions that hold no slot lock (evict.c) */
	pthread_mutex_t evict_lock;
	/* policy_stat */
	_Atomic uint64_t recompressed, written_back, evicted, runs;
	_Atomic uint64_t last_run_ms, evict_failed;
	_Atomic uint32_t rc_age, wb_age;
};

void zpolicy_init(struct zdev *z);
/* stop the thread (waits for a run in progress); before teardown */
void zpolicy_destroy(struct zdev *z);
/* back to defaults; init_lock held for write (a reset) */
void zpolicy_reset(struct zdev *z);
/* add the budget earned since the last top-up to writeback_limit */
void zpolicy_topup(struct zdev *z);

/*
 * Make room under mem_limit for a write that would cross it (evict.c):
 * with evict_on_limit and a backing store, write the least recently
 * accessed pages back until the pool is below accept_threshold percent
 * of mem_limit.  held: the slot the caller holds locked (a partial
 * write), or NULL; tries: how many times this write asked before (after
 * ZEVICT_TRIES it gives up).  init_lock is held for read.  0 if there is
 * room now, -ENOSPC if not (eviction off, no backing store, the store
 * full, the budget spent).
 */
#define ZEVICT_TRIES 3
int zevict(struct zdev *z, struct zentry *held, unsigned int tries);
/*
 * Before an allocation: with eviction on and the pool within a headroom
 * of mem_limit, make room now (a failure is left to the limit check).
 */
void zevict_ahead(struct zdev *z, struct zentry *held);

#endif
