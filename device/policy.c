/*
 * policy - a device's automatic tiering: the policy file's values, the
 * thread that runs them, the daily writeback budget and policy_stat
 * (see policy.h; eviction is evict.c).
 *
 * The thread is started by the first policy with an interval and leaves
 * when the interval goes back to 0 (a reset does that); the next policy
 * with an interval joins it and starts another; removing the device
 * stops and joins it.  Between runs it sleeps on the policy's condition
 * variable holding nothing else, so a reset never waits for its sleep.
 * A run:
 *
 *   ages      recompress_after and writeback_after, each a fixed age or
 *             a MIN-MAX range scaled by memory in use (zpolicy_age)
 *   budget    writeback_limit topped up by what the day's budget earned
 *             since the last top-up, never beyond a day's budget
 *   recompress  idle marked by the recompress age, type=idle with every
 *             secondary algorithm (when one is configured), on the run's
 *             own thread only: the other CPUs stay with I/O
 *   writeback   idle marked by the writeback age, huge idle pages first,
 *             then the other idle ones (when a backing store is set);
 *             the pool compacted after
 *
 * The thread runs at nice 10, so the I/O of the device's images, served
 * by the workers, comes first when the CPUs are busy.
 *
 * A run holds init_lock for read throughout, as a manual writeback does,
 * so a reset waits for at most one run; a run finding the policy changed
 * since it read it (a reset between) does nothing.  Each step takes the
 * device's post-processing turn and is skipped (until the next run) when
 * a manual writeback or recompression, or an eviction, holds it.
 *
 * Lock order: init_lock -> policy lock (a leaf: nothing is taken under
 * it but a join of a thread that has left).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "device/backing.h"
#include "device/lifecycle.h"
#include "device/policy.h"
#include "device/pp.h"
#include "device/writeback.h"
#include "device/zdev_int.h"
#include "util/harden.h"

#define NS_PER_SEC 1000000000ull
/* the runs' nice value: I/O on the device's images comes first */
#define POLICY_NICE 10
#define DAY_NS	    (86400ull * NS_PER_SEC)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

void zpolicy_defaults(struct zpolicy_cfg *c)
{
	c->interval = 0;
	c->rc_min = c->rc_max = ZPOLICY_OFF;
	c->wb_min = c->wb_max = ZPOLICY_OFF;
	c->budget = 0;
	c->accept = ZPOLICY_ACCEPT_DEFAULT;
}

/* -- the age rule ---------------------------------------------------------- */

/* e^-x for 0 <= x <= 5 without libm: (e^(-x/32))^32, a short series */
static double exp_neg(double x)
{
	double y = x / 32, t;
	int i;

	t = 1 - y * (1 - y / 2 * (1 - y / 3 * (1 - y / 4 * (1 - y / 5))));
	for (i = 0; i < 5; i++)
		t *= t;
	return t;
}

uint32_t zpolicy_age(uint32_t min, uint32_t max, uint64_t avail, uint64_t total)
{
	double used;

	if (max <= min || !total)
		return max;
	if (avail > total)
		avail = total;
	used = 1.0 - (double)avail / (double)total;
	return min + (uint32_t)((double)(max - min) * exp_neg(5 * used));
}

/* the number after key in a "key value" file (meminfo, memory.stat) */
static bool file_key(const char *path, const char *key, uint64_t *out)
{
	size_t n = strlen(key);
	char line[256];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) &&
		    (line[n] == ' ' || line[n] == ':' || line[n] == '\t')) {
			*out = strtoull(line + n + 1, NULL, 10);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* a cgroup file holding one number; "max" and v1's huge "none" fail */
static bool file_u64(const char *path, uint64_t *out)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, sizeof(buf), f) && buf[0] >= '0' && buf[0] <= '9';
	fclose(f);
	if (ok)
		*out = strtoull(buf, NULL, 10);
	return ok && *out < (1ull << 60);
}

struct cg_mem {
	uint64_t limit, usage, inactive;
	bool ok;
};

/* limit, usage and inactive file pages of one memory cgroup directory */
static bool dir_memory(const char *dir, bool v2, void *arg)
{
	struct cg_mem *m = arg;
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir,
		 v2 ? "memory.max" : "memory.limit_in_bytes");
	m->ok = file_u64(path, &m->limit);
	snprintf(path, sizeof(path), "%s/%s", dir,
		 v2 ? "memory.current" : "memory.usage_in_bytes");
	m->ok = m->ok && file_u64(path, &m->usage);
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	if (!file_key(path, v2 ? "inactive_file" : "total_inactive_file",
		      &m->inactive))
		m->inactive = 0;
	return true; /* the first directory answers */
}

/* limit, usage and inactive file pages of the daemon's memory cgroup */
static bool cgroup_memory(uint64_t *limit, uint64_t *usage, uint64_t *inactive)
{
	struct cg_mem m = { 0 };

	if (!harden_cgroup_each(dir_memory, &m) || !m.ok)
		return false;
	*limit = m.limit;
	*usage = m.usage;
	*inactive = m.inactive;
	return true;
}

void zpolicy_memory(uint64_t *avail, uint64_t *total)
{
	uint64_t kb_total, kb_avail, limit, usage, inactive, free;

	*avail = *total = 0;
	if (file_key("/proc/meminfo", "MemTotal", &kb_total) &&
	    file_key("/proc/meminfo", "MemAvailable", &kb_avail)) {
		*total = kb_total << 10;
		*avail = kb_avail << 10;
	}
	if (!cgroup_memory(&limit, &usage, &inactive))
		return;
	free = limit > usage ? limit - usage : 0;
	free += inactive;
	if (free > limit)
		free = limit;
	/* the tighter of the two is what the daemon has */
	if (!*total || free < *avail) {
		*avail = free;
		*total = limit;
	}
}

/* -- the daily budget ------------------------------------------------------ */

void zpolicy_topup(struct zdev *z)
{
	struct zpolicy *p = &z->policy;
	uint64_t daily, now, add, left, next;

	if (!p->daily_pages)
		return;
	pthread_mutex_lock(&p->lock);
	daily = p->daily_pages;
	now = now_ns();
	if (!daily || now <= p->topup_ns)
		goto out_unlock;
	add = (uint64_t)((unsigned __int128)daily * (now - p->topup_ns) /
			 DAY_NS);
	if (!add)
		goto out_unlock; /* the fraction is kept for later */
	p->topup_ns += (uint64_t)((unsigned __int128)add * DAY_NS / daily);
	left = z->wb_limit;
	do {
		next = left + add < daily ? left + add : daily;
		if (next <= left)
			break; /* full, or set above a day by hand */
	} while (!atomic_compare_exchange_weak(&z->wb_limit, &left, next));
out_unlock:
	pthread_mutex_unlock(&p->lock);
}

/* -- a run ----------------------------------------------------------------- */

static bool has_secondary(struct zdev *z)
{
	unsigned int prio;

	for (prio = 1; prio < ZDEV_MAX_COMPS; prio++)
		if (z->comps[prio])
			return true;
	return false;
}

static bool wb_pick(const struct zentry *e, const void *arg)
{
	unsigned int mode = *(const unsigned int *)arg;

	if (zentry_test(e, ZE_SAME | ZE_WB) || !zentry_test(e, ZE_IDLE))
		return false;
	return !(mode & ZDEV_PP_HUGE) || zentry_test(e, ZE_HUGE);
}

/* huge idle pages, then the other idle ones; the turn is held */
static uint64_t writeback_idle(struct zdev *z)
{
	static const unsigned int modes[] = { ZDEV_PP_IDLE | ZDEV_PP_HUGE,
					      ZDEV_PP_IDLE };
	uint64_t moved = 0;
	struct zpp pp;
	unsigned int i;
	int64_t ret = 0;

	for (i = 0; i < 2 && ret >= 0; i++) {
		memset(&pp, 0, sizeof(pp));
		ret = zpp_scan(z, &pp, 0, z->table.nr_pages, wb_pick,
			       &modes[i]);
		if (!ret && pp.n) {
			/* short of budget or space: most memory back first */
			if ((z->wb_limit_enable && z->wb_limit < pp.n) ||
			    zbacking_available(z->backing) < pp.n)
				zpp_sort(&pp);
			ret = zwb_write_out(z, &pp);
			moved += ret >= 0 ? (uint64_t)ret :
					    zpp_count_written(z, &pp);
		}
		zpp_release(z, &pp);
	}
	return moved;
}

static void run(struct zdev *z, const struct zpolicy_cfg *c, uint64_t gen)
{
	struct zpolicy *p = &z->policy;
	struct zdev_recomp rq = { .mode = ZDEV_PP_IDLE, .prio = -1 };
	uint32_t rc_age = ZPOLICY_OFF, wb_age = ZPOLICY_OFF;
	uint64_t avail, total, t0 = now_ns(), n;

	zpolicy_memory(&avail, &total);
	if (c->rc_min != ZPOLICY_OFF)
		rc_age = zpolicy_age(c->rc_min, c->rc_max, avail, total);
	if (c->wb_min != ZPOLICY_OFF)
		wb_age = zpolicy_age(c->wb_min, c->wb_max, avail, total);

	pthread_rwlock_rdlock(&z->init_lock);
	if (!z->init_done || p->gen_seen != gen)
		goto out_unlock;
	zpolicy_topup(z);
	if (rc_age != ZPOLICY_OFF && has_secondary(z)) {
		zidle_mark(z, false, rc_age);
		if (zpp_begin(z)) {
			zrecomp_run(z, &rq, true, &n);
			p->recompressed += n;
			zpp_end(z);
		}
	}
	if (wb_age != ZPOLICY_OFF && z->backing) {
		zidle_mark(z, false, wb_age);
		if (zpp_begin(z)) {
			n = writeback_idle(z);
			zpp_end(z);
			if (n)
				zs_compact(z->pool);
			p->written_back += n;
		}
	}
	p->rc_age = rc_age != ZPOLICY_OFF ? rc_age : 0;
	p->wb_age = wb_age != ZPOLICY_OFF ? wb_age : 0;
	p->runs++;
	p->last_run_ms = (now_ns() - t0) / 1000000;
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
}

static void *policy_main(void *arg)
{
	struct zdev *z = arg;
	struct zpolicy *p = &z->policy;
	struct zpolicy_cfg c;
	struct timespec ts;
	uint64_t gen, now, start;

	harden_thread();
	/* Linux: per thread, and inherited by the threads a run starts
	 * (writeback's writer); lowering needs no privilege */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), POLICY_NICE);
	pthread_mutex_lock(&p->lock);
	while (!p->stop && p->cfg.interval) {
		now = now_ns();
		if (now < p->next_ns) {
			ts.tv_sec = p->next_ns / NS_PER_SEC;
			ts.tv_nsec = p->next_ns % NS_PER_SEC;
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
			continue;
		}
		c = p->cfg;
		gen = p->gen;
		start = now;
		pthread_mutex_unlock(&p->lock);
		run(z, &c, gen);
		pthread_mutex_lock(&p->lock);
		/* every interval from the last start; after a long run, an
		 * interval from its end */
		now = now_ns();
		p->next_ns = start + (uint64_t)c.interval * NS_PER_SEC;
		if (p->next_ns < now)
			p->next_ns = now + (uint64_t)c.interval * NS_PER_SEC;
	}
	p->running = false;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* -- the policy file ------------------------------------------------------- */

void zpolicy_init(struct zdev *z)
{
	struct zpolicy *p = &z->policy;
	pthread_condattr_t attr;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->evict_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &attr);
	pthread_condattr_destroy(&attr);
	zpolicy_defaults(&p->cfg);
	p->accept = p->cfg.accept;
}

void zpolicy_destroy(struct zdev *z)
{
	struct zpolicy *p = &z->policy;
	bool started;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	started = p->started;
	p->started = false;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (started)
		pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->evict_lock);
	pthread_mutex_destroy(&p->lock);
}

void zpolicy_reset(struct zdev *z)
{
	struct zpolicy *p = &z->policy;

	pthread_mutex_lock(&p->lock);
	zpolicy_defaults(&p->cfg);
	p->gen++;
	p->gen_seen = p->gen;
	p->accept = p->cfg.accept;
	p->evict_on = false;
	p->daily_pages = 0;
	p->recompressed = p->written_back = p->evicted = p->runs = 0;
	p->last_run_ms = p->evict_failed = 0;
	p->rc_age = p->wb_age = 0;
	/* the thread, if any, wakes to an interval of 0 and leaves */
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* a thread for the policy's runs, if none is running; lock held */
static int start_thread(struct zdev *z)
{
	struct zpolicy *p = &z->policy;

	if (p->started && p->running)
		return 0;
	if (p->started) {
		/* it has left (or is leaving, the lock no longer needed) */
		pthread_join(p->thread, NULL);
		p->started = false;
	}
	if (pthread_create(&p->thread, NULL, policy_main, z))
		return -ENOMEM;
	p->started = p->running = true;
	return 0;
}

int zdev_set_policy(struct zdev *z, const struct zpolicy_cfg *c,
		    unsigned int mask)
{
	struct zpolicy *p = &z->policy;
	struct zpolicy_cfg n;
	uint64_t daily;
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	n = p->cfg;
	if (mask & ZPOLICY_SET_INTERVAL)
		n.interval = c->interval;
	if (mask & ZPOLICY_SET_RECOMPRESS) {
		n.rc_min = c->rc_min;
		n.rc_max = c->rc_max;
	}
	if (mask & ZPOLICY_SET_WRITEBACK) {
		n.wb_min = c->wb_min;
		n.wb_max = c->wb_max;
	}
	if (mask & ZPOLICY_SET_BUDGET)
		n.budget = c->budget;
	if (mask & ZPOLICY_SET_ACCEPT)
		n.accept = c->accept;
	if (n.rc_min > n.rc_max || n.wb_min > n.wb_max || !n.accept ||
	    n.accept > 100) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (n.interval && !p->stop) {
		ret = start_thread(z);
		if (ret)
			goto out_unlock;
	}
	if (n.budget != p->cfg.budget) {
		daily = (n.budget + ZPAGE_SIZE - 1) >> ZPAGE_SHIFT;
		p->daily_pages = daily;
		p->topup_ns = now_ns();
		if (daily) {
			z->wb_limit = daily;
			z->wb_limit_enable = true;
		} else {
			z->wb_limit_enable = false;
		}
	}
	/* a new interval counts from now */
	if (n.interval != p->cfg.interval)
		p->next_ns = now_ns() + (uint64_t)n.interval * NS_PER_SEC;
	p->cfg = n;
	p->accept = n.accept;
	p->gen++;
	p->gen_seen = p->gen;
	pthread_cond_broadcast(&p->cond);
out_unlock:
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void zdev_policy(struct zdev *z, struct zpolicy_cfg *c)
{
	pthread_mutex_lock(&z->policy.lock);
	*c = z->policy.cfg;
	pthread_mutex_unlock(&z->policy.lock);
}

void zdev_policy_stat(struct zdev *z, struct zstats *s)
{
	struct zpolicy *p = &z->policy;

	s->pol_recompressed = p->recompressed;
	s->pol_written_back = p->written_back;
	s->pol_evicted = p->evicted;
	s->pol_runs = p->runs;
	s->pol_last_run_ms = p->last_run_ms;
	s->pol_evict_failed = p->evict_failed;
	s->pol_rc_age = p->rc_age;
	s->pol_wb_age = p->wb_age;
}

void zdev_set_evict_on_limit(struct zdev *z, bool on)
{
	z->policy.evict_on = on;
}

bool zdev_evict_on_limit(struct zdev *z)
{
	return z->policy.evict_on;
}
