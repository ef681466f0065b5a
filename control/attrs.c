/*
 * attrs - show/store of every control file (zram_drv.c's *_show and
 * *_store), over device/ and the parsers in parse.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "control/attrs.h"
#include "control/parse.h"
#include "device/registry.h"

static int nr_workers = 1;

void zattr_set_workers(int n)
{
	nr_workers = n;
}

static ssize_t emitf(char *buf, size_t size, const char *fmt,
		     unsigned long long v)
{
	int n = snprintf(buf, size, fmt, v);

	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

static ssize_t ret_len(int ret, size_t len)
{
	return ret ? ret : (ssize_t)len;
}

static ssize_t disksize_show(struct zdev *z, char *buf, size_t size)
{
	return emitf(buf, size, "%llu\n", zdev_disksize(z));
}

static ssize_t disksize_store(struct zdev *z, const char *buf, size_t len)
{
	uint64_t v;
	int ret = zparse_size(buf, len, &v);

	if (ret)
		return -EINVAL;
	return ret_len(zdev_set_disksize(z, v), len);
}

static ssize_t initstate_show(struct zdev *z, char *buf, size_t size)
{
	return emitf(buf, size, "%llu\n", zdev_initialized(z));
}

static ssize_t reset_store(struct zdev *z, const char *buf, size_t len)
{
	uint64_t v;
	int ret = zparse_u64(buf, len, 10, &v);

	/* kstrtoushort: a positive value up to 65535 */
	if (ret)
		return ret == -ERANGE ? -ERANGE : -EINVAL;
	if (v > 65535)
		return -ERANGE;
	if (!v)
		return -EINVAL;
	return ret_len(zdev_reset(z), len);
}

static ssize_t mem_limit_store(struct zdev *z, const char *buf, size_t len)
{
	uint64_t v;

	if (zparse_size(buf, len, &v))
		return -EINVAL;
	zdev_set_mem_limit(z, v);
	return len;
}

static ssize_t mem_used_max_store(struct zdev *z, const char *buf,
				  size_t len)
{
	uint64_t v;

	if (zparse_u64(buf, len, 10, &v) || v != 0)
		return -EINVAL;
	zdev_reset_mem_used_max(z);
	return len;
}

static ssize_t comp_algorithm_show(struct zdev *z, char *buf, size_t size)
{
	return zdev_comp_show(z, 0, buf, size);
}

static ssize_t comp_algorithm_store(struct zdev *z, const char *buf,
				    size_t len)
{
	char name[ZDEV_ALGO_NAME_MAX];
	int ret = zparse_str(buf, len, name, sizeof(name));

	if (ret)
		return ret;
	return ret_len(zdev_set_comp(z, 0, name), len);
}

struct params_args {
	int prio;
	int level;
	const char *algo;	/* NULL or points into algo_buf */
	const char *dict;	/* NULL or points into dict_buf */
	char algo_buf[ZDEV_ALGO_NAME_MAX];
	char dict_buf[PATH_MAX];
};

/* zparse_kv's strings die with the call: copy what must outlive it */
static int params_kv(const char *key, const char *val, void *arg)
{
	struct params_args *a = arg;

	if (!val)
		return -EINVAL;
	if (!strcmp(key, "priority"))
		return zparse_int(val, strlen(val), &a->prio) ? -EINVAL : 0;
	if (!strcmp(key, "level"))
		return zparse_int(val, strlen(val), &a->level) ? -EINVAL : 0;
	if (!strcmp(key, "algo")) {
		if (strlen(val) >= sizeof(a->algo_buf))
			return -E2BIG;
		strcpy(a->algo_buf, val);
		a->algo = a->algo_buf;
		return 0;
	}
	if (!strcmp(key, "dict")) {
		if (!val[0])
			return -EINVAL;
		if (strlen(val) >= sizeof(a->dict_buf))
			return -ENAMETOOLONG;
		strcpy(a->dict_buf, val);
		a->dict = a->dict_buf;
		return 0;
	}
	return -EINVAL;
}

static ssize_t algorithm_params_store(struct zdev *z, const char *buf,
				      size_t len)
{
	struct params_args a = { .prio = 0, .level = ZDEV_LEVEL_DEFAULT };
	int ret;

	if (len > ZPARSE_KV_MAX)
		return -E2BIG;
	ret = zparse_kv(buf, len, params_kv, &a);
	if (ret)
		return ret;
	return ret_len(zdev_set_params(z, a.prio, a.algo, a.level, a.dict),
		       len);
}

static ssize_t max_comp_streams_show(struct zdev *z, char *buf, size_t size)
{
	return emitf(buf, size, "%llu\n", nr_workers);
}

/* deprecated in the kernel too: a stream per worker is fixed */
static ssize_t max_comp_streams_store(struct zdev *z, const char *buf,
				      size_t len)
{
	return len;
}

static ssize_t compact_store(struct zdev *z, const char *buf, size_t len)
{
	return ret_len(zdev_compact(z), len);
}

#define STATS_SHOW(file)						\
static ssize_t file##_show(struct zdev *z, char *buf, size_t size)	\
{									\
	struct zstats s;						\
									\
	zdev_stats(z, &s);						\
	return zstats_##file(&s, buf, size);				\
}
STATS_SHOW(mm_stat)
STATS_SHOW(io_stat)
STATS_SHOW(stat)
STATS_SHOW(debug_stat)

static const struct zattr dev_attrs[] = {
	{ "disksize", 0644, disksize_show, disksize_store },
	{ "initstate", 0444, initstate_show, NULL },
	{ "reset", 0200, NULL, reset_store },
	{ "mem_limit", 0200, NULL, mem_limit_store },
	{ "mem_used_max", 0200, NULL, mem_used_max_store },
	{ "comp_algorithm", 0644, comp_algorithm_show, comp_algorithm_store },
	{ "algorithm_params", 0200, NULL, algorithm_params_store },
	{ "max_comp_streams", 0644, max_comp_streams_show,
	  max_comp_streams_store },
	{ "compact", 0200, NULL, compact_store },
	{ "mm_stat", 0444, mm_stat_show, NULL },
	{ "io_stat", 0444, io_stat_show, NULL },
	{ "stat", 0444, stat_show, NULL },
	{ "debug_stat", 0444, debug_stat_show, NULL },
};

const struct zattr *zattr_dev_table(int *n)
{
	*n = sizeof(dev_attrs) / sizeof(dev_attrs[0]);
	return dev_attrs;
}

static ssize_t hot_add_show(struct zdev *unused, char *buf, size_t size)
{
	int id = zreg_add();

	if (id < 0)
		return id;
	return emitf(buf, size, "%llu\n", id);
}

static ssize_t hot_remove_store(struct zdev *unused, const char *buf,
				size_t len)
{
	int id, ret = zparse_int(buf, len, &id);

	if (ret)
		return ret;
	if (id < 0)
		return -EINVAL;
	return ret_len(zreg_remove(id), len);
}

static const struct zattr class_attrs[] = {
	{ "hot_add", 0400, hot_add_show, NULL },
	{ "hot_remove", 0200, NULL, hot_remove_store },
};

const struct zattr *zattr_class_table(int *n)
{
	*n = sizeof(class_attrs) / sizeof(class_attrs[0]);
	return class_attrs;
}
