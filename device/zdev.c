/*
 * zdev - device lifecycle and configuration (after zram_drv.c's
 * disksize_store, zram_reset_device, comp_algorithm_store and friends).
 *
 * Everything that changes what the device is takes init_lock for write;
 * I/O (io.c) takes it for read, so reset never races a request.  A new
 * device state is built completely (pool, table, compressors) before it
 * is published; on failure nothing changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/backing.h"
#include "device/zdev_int.h"
#include "util/pathdev.h"

/* mem_limit a device starts with (and returns to on reset) */
static _Atomic uint64_t default_limit_pages;

void zdev_set_default_mem_limit(uint64_t bytes)
{
	default_limit_pages = (bytes + ZPAGE_SIZE - 1) >> ZPAGE_SHIFT;
}

/* the daemon's own mount, set once before it serves (zdev_set_own_dev) */
static dev_t own_dev;
static bool own_dev_set;

void zdev_set_own_dev(dev_t dev)
{
	own_dev = dev;
	own_dev_set = true;
}

/* a path the device will open: -EDEADLK if it leads onto the mount */
static int check_own_path(const char *path)
{
	int ret;

	if (!own_dev_set)
		return 0;
	ret = zpath_on_dev(path, own_dev);
	return ret > 0 ? -EDEADLK : ret;
}

/* pages per zspage length each pool keeps faulted in (pool/reserve.h) */
static unsigned int reserve_pages;

void zdev_set_reserve(uint64_t bytes)
{
	reserve_pages = bytes / ZPAGE_SIZE / 8;
}

static void set_defaults(struct zdev *z)
{
	unsigned int i;

	for (i = 0; i < ZDEV_MAX_COMPS; i++) {
		z->comp_algs[i][0] = '\0';
		zcomp_params_free(&z->params[i]);
		z->params[i].level = ZCOMP_LEVEL_DEFAULT;
	}
	strcpy(z->comp_algs[0], ZDEV_DEFAULT_COMP);
	z->limit_pages = default_limit_pages;
	z->disksize = 0;
	z->wb_compressed = false;
	z->wb_limit_enable = false;
	z->wb_limit = 0;
	z->wb_batch = ZDEV_WB_BATCH_DEFAULT;
	memset(&z->stats, 0, sizeof(z->stats));
}

int zdev_create(int id, struct zdev **out)
{
	struct zdev *z = calloc(1, sizeof(*z));

	if (!z)
		return -ENOMEM;
	z->id = id;
	pthread_rwlock_init(&z->init_lock, NULL);
	pthread_mutex_init(&z->pp_lock, NULL);
	pthread_cond_init(&z->pp_cond, NULL);
	zpolicy_init(z);
	set_defaults(z);
	*out = z;
	return 0;
}

int zdev_id(const struct zdev *z)
{
	return z->id;
}

/* drop the initialised state; init_lock held for write */
static void teardown(struct zdev *z)
{
	unsigned int i;

	for (i = 0; i < ZDEV_MAX_COMPS; i++) {
		if (z->comps[i])
			zcomp_destroy(z->comps[i]);
		z->comps[i] = NULL;
	}
	/* destroying the pool frees every object at once */
	if (z->pool)
		zs_destroy_pool(z->pool);
	z->pool = NULL;
	ztable_destroy(&z->table);
	/* so does closing the backing store for written-back pages */
	zbacking_close(z->backing);
	z->backing = NULL;
	z->init_done = false;
}

void zdev_destroy(struct zdev *z)
{
	unsigned int i;

	/* its thread first: a run in progress holds init_lock */
	zpolicy_destroy(z);
	teardown(z);
	for (i = 0; i < ZDEV_MAX_COMPS; i++)
		zcomp_params_free(&z->params[i]);
	pthread_cond_destroy(&z->pp_cond);
	pthread_mutex_destroy(&z->pp_lock);
	pthread_rwlock_destroy(&z->init_lock);
	free(z);
}

bool zdev_initialized(struct zdev *z)
{
	bool ret;

	pthread_rwlock_rdlock(&z->init_lock);
	ret = z->init_done;
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

uint64_t zdev_disksize(struct zdev *z)
{
	uint64_t ret;

	pthread_rwlock_rdlock(&z->init_lock);
	ret = z->disksize;
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

int zdev_set_disksize(struct zdev *z, uint64_t size)
{
	struct zcomp *comps[ZDEV_MAX_COMPS] = { NULL };
	struct zs_pool *pool = NULL;
	struct ztable table = { 0 };
	unsigned int i;
	int ret;

	if (!size)
		return -EINVAL;
	if (size > UINT64_MAX - ZPAGE_SIZE)
		return -EINVAL;
	size = (size + ZPAGE_SIZE - 1) & ~(uint64_t)(ZPAGE_SIZE - 1);

	pthread_rwlock_wrlock(&z->init_lock);
	if (z->init_done) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = ztable_init(&table, size >> ZPAGE_SHIFT);
	if (ret)
		goto out_unlock;
	pool = zs_create_pool();
	if (!pool || zs_set_reserve(pool, reserve_pages)) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < ZDEV_MAX_COMPS; i++) {
		if (!z->comp_algs[i][0])
			continue;
		ret = zcomp_create(z->comp_algs[i], &z->params[i], &comps[i]);
		if (ret)
			goto out_free;
	}
	z->table = table;
	z->pool = pool;
	memcpy(z->comps, comps, sizeof(comps));
	z->huge_class_size = zs_huge_class_size(pool);
	z->disksize = size;
	z->init_done = true;
	pthread_rwlock_unlock(&z->init_lock);
	return 0;

out_free:
	for (i = 0; i < ZDEV_MAX_COMPS; i++)
		if (comps[i])
			zcomp_destroy(comps[i]);
	if (pool)
		zs_destroy_pool(pool);
	ztable_destroy(&table);
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

int zdev_set_comp(struct zdev *z, unsigned int prio, const char *name)
{
	int ret = 0;

	if (prio >= ZDEV_MAX_COMPS)
		return -EINVAL;
	if (strlen(name) >= ZDEV_ALGO_NAME_MAX)
		return -E2BIG;
	if (!zcomp_find(name))
		return -EINVAL;
	pthread_rwlock_wrlock(&z->init_lock);
	if (z->init_done) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* a new algorithm starts with its default parameters */
	if (strcmp(z->comp_algs[prio], name)) {
		zcomp_params_free(&z->params[prio]);
		z->params[prio].level = ZCOMP_LEVEL_DEFAULT;
	}
	strcpy(z->comp_algs[prio], name);
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

const char *zdev_comp(struct zdev *z, unsigned int prio, char *buf, size_t size)
{
	buf[0] = '\0';
	if (prio >= ZDEV_MAX_COMPS)
		return buf;
	pthread_rwlock_rdlock(&z->init_lock);
	snprintf(buf, size, "%s", z->comp_algs[prio]);
	pthread_rwlock_unlock(&z->init_lock);
	return buf;
}

ssize_t zdev_comp_show(struct zdev *z, unsigned int prio, char *buf,
		       size_t size)
{
	char name[ZDEV_ALGO_NAME_MAX];

	return zcomp_available_show(zdev_comp(z, prio, name, sizeof(name)), buf,
				    size);
}

int zdev_set_params(struct zdev *z, int prio, const char *algo, int level,
		    const char *dict_path)
{
	struct zcomp_params p = { .level = level };
	int ret = 0;

	/* read the dictionary before taking the lock: it may be slow */
	if (dict_path) {
		ret = check_own_path(dict_path);
		if (!ret)
			ret = zcomp_params_load_dict(&p, dict_path);
		if (ret)
			return ret;
	}
	pthread_rwlock_wrlock(&z->init_lock);
	if (algo) {
		for (prio = 0; prio < ZDEV_MAX_COMPS; prio++)
			if (!strcmp(z->comp_algs[prio], algo))
				break;
	}
	if (prio < 0 || prio >= ZDEV_MAX_COMPS || !z->comp_algs[prio][0]) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (z->init_done) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* let the backend refuse what it cannot use, now rather than at init */
	ret = zcomp_params_check(z->comp_algs[prio], &p);
	if (ret)
		goto out_unlock;
	zcomp_params_free(&z->params[prio]);
	z->params[prio] = p;
	p.dict = NULL;
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	zcomp_params_free(&p);
	return ret;
}

int zdev_set_backing_dev(struct zdev *z, const char *path)
{
	struct zbacking *b;
	int ret;

	/* as the kernel: an initialised device is busy before the path is
	 * even looked at */
	if (zdev_initialized(z))
		return -EBUSY;
	ret = check_own_path(path);
	if (ret)
		return ret;
	ret = zbacking_open(path, &b);
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&z->init_lock);
	if (z->init_done) {
		pthread_rwlock_unlock(&z->init_lock);
		zbacking_close(b);
		return -EBUSY;
	}
	zbacking_close(z->backing);
	z->backing = b;
	pthread_rwlock_unlock(&z->init_lock);
	return 0;
}

const char *zdev_backing_dev(struct zdev *z, char *buf, size_t size)
{
	pthread_rwlock_rdlock(&z->init_lock);
	snprintf(buf, size, "%s",
		 z->backing ? zbacking_path(z->backing) : "none");
	pthread_rwlock_unlock(&z->init_lock);
	return buf;
}

int zdev_set_wb_compressed(struct zdev *z, bool on)
{
	int ret = 0;

	pthread_rwlock_wrlock(&z->init_lock);
	if (z->init_done)
		ret = -EBUSY;
	else
		z->wb_compressed = on;
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

bool zdev_wb_compressed(struct zdev *z)
{
	return z->wb_compressed;
}

void zdev_set_wb_limit_enable(struct zdev *z, bool on)
{
	z->wb_limit_enable = on;
}

bool zdev_wb_limit_enable(struct zdev *z)
{
	return z->wb_limit_enable;
}

void zdev_set_wb_limit(struct zdev *z, uint64_t blocks)
{
	z->wb_limit = blocks;
}

uint64_t zdev_wb_limit(struct zdev *z)
{
	return z->wb_limit;
}

void zdev_set_wb_batch(struct zdev *z, unsigned int pages)
{
	z->wb_batch = pages ? pages : 1;
}

unsigned int zdev_wb_batch(struct zdev *z)
{
	return z->wb_batch;
}

void zdev_set_mem_limit(struct zdev *z, uint64_t bytes)
{
	z->limit_pages = (bytes + ZPAGE_SIZE - 1) >> ZPAGE_SHIFT;
}

void zdev_reset_mem_used_max(struct zdev *z)
{
	pthread_rwlock_rdlock(&z->init_lock);
	z->stats.max_used_pages = z->init_done ? zs_get_total_pages(z->pool) :
						 0;
	pthread_rwlock_unlock(&z->init_lock);
}

int zdev_reset(struct zdev *z)
{
	pthread_rwlock_wrlock(&z->init_lock);
	if (z->open_count > 0) {
		pthread_rwlock_unlock(&z->init_lock);
		return -EBUSY;
	}
	teardown(z);
	set_defaults(z);
	zpolicy_reset(z);
	pthread_rwlock_unlock(&z->init_lock);
	return 0;
}

int zdev_compact(struct zdev *z)
{
	int ret = 0;

	pthread_rwlock_rdlock(&z->init_lock);
	if (!z->init_done)
		ret = -EINVAL;
	else
		zs_compact(z->pool);
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

void zdev_open(struct zdev *z)
{
	z->open_count++;
}

void zdev_release(struct zdev *z)
{
	z->open_count--;
}

int zdev_open_count(struct zdev *z)
{
	return z->open_count;
}

void zdev_stats(struct zdev *z, struct zstats *s)
{
	struct zdev_counters *c = &z->stats;
	struct zs_pool_stats ps = { 0 };
	uint64_t pages = 0;

	memset(s, 0, sizeof(*s));
	pthread_rwlock_rdlock(&z->init_lock);
	if (z->init_done) {
		pages = zs_get_total_pages(z->pool);
		zs_pool_stats(z->pool, &ps);
		s->meta_bytes = ztable_mem_bytes(&z->table);
	}
	if (z->backing)
		zbacking_stat(z->backing, &s->bd_count, &s->bd_reads,
			      &s->bd_writes);
	s->initstate = z->init_done;
	s->disksize = z->disksize;
	s->comp_algorithm = z->comp_algs[0];
	s->orig_data_size = c->pages_stored << ZPAGE_SHIFT;
	s->compr_data_size = c->compr_data_size;
	s->mem_used_total = pages << ZPAGE_SHIFT;
	s->mem_limit = z->limit_pages << ZPAGE_SHIFT;
	s->mem_used_max = c->max_used_pages << ZPAGE_SHIFT;
	s->same_pages = c->same_pages;
	s->pages_compacted = ps.pages_compacted;
	s->huge_pages = c->huge_pages;
	s->huge_pages_since = c->huge_pages_since;
	s->failed_reads = c->failed_reads;
	s->failed_writes = c->failed_writes;
	s->invalid_io = c->invalid_io;
	s->notify_free = c->notify_free;
	s->rd_ios = c->rd_ios;
	s->rd_sectors = c->rd_sectors;
	s->rd_ticks = c->rd_ns / 1000000;
	s->wr_ios = c->wr_ios;
	s->wr_sectors = c->wr_sectors;
	s->wr_ticks = c->wr_ns / 1000000;
	s->dc_ios = c->dc_ios;
	s->dc_sectors = c->dc_sectors;
	s->dc_ticks = c->dc_ns / 1000000;
	s->fl_ios = c->fl_ios;
	s->in_flight = c->in_flight;
	s->io_ticks = c->busy_ns / 1000000;
	s->time_in_queue = (c->rd_ns + c->wr_ns + c->dc_ns) / 1000000;
	zdev_policy_stat(z, s);
	pthread_rwlock_unlock(&z->init_lock);
}
