/*
 * attrs - show/store of every control file (zram_drv.c's *_show and
 * *_store), over device/ and the parsers in parse.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/attrs.h"
#include "control/parse.h"
#include "device/policy.h"
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

static ssize_t mem_used_max_store(struct zdev *z, const char *buf, size_t len)
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

static ssize_t comp_algorithm_store(struct zdev *z, const char *buf, size_t len)
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
	const char *algo; /* NULL or points into algo_buf */
	const char *dict; /* NULL or points into dict_buf */
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

/* -- recompression -------------------------------------------------------- */

struct recomp_alg_args {
	int prio;
	const char *algo;
	char algo_buf[ZDEV_ALGO_NAME_MAX + 1];
};

/* zparse_kv's strings die with the call: copy what must outlive it */
static int copy_algo(const char *val, char *buf, size_t size, const char **out)
{
	if (strlen(val) >= size)
		return -E2BIG;
	strcpy(buf, val);
	*out = buf;
	return 0;
}

static int recomp_alg_kv(const char *key, const char *val, void *arg)
{
	struct recomp_alg_args *a = arg;

	if (!val || !val[0])
		return -EINVAL;
	if (!strcmp(key, "algo"))
		return copy_algo(val, a->algo_buf, sizeof(a->algo_buf),
				 &a->algo);
	if (!strcmp(key, "priority"))
		return zparse_int(val, strlen(val), &a->prio) ? -EINVAL : 0;
	return -EINVAL;
}

static ssize_t recomp_algorithm_show(struct zdev *z, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int prio;
	char name[ZDEV_ALGO_NAME_MAX];
	ssize_t n;

	for (prio = 1; prio < ZDEV_MAX_COMPS; prio++) {
		if (!zdev_comp(z, prio, name, sizeof(name))[0])
			continue;
		n = snprintf(buf + len, size - len, "#%u: ", prio);
		if (n < 0 || (size_t)n >= size - len)
			return -E2BIG;
		len += n;
		n = zdev_comp_show(z, prio, buf + len, size - len);
		if (n < 0)
			return n;
		len += n;
	}
	return len;
}

static ssize_t recomp_algorithm_store(struct zdev *z, const char *buf,
				      size_t len)
{
	struct recomp_alg_args a = { .prio = 1 };
	int ret;

	if (len > ZPARSE_KV_MAX)
		return -E2BIG;
	ret = zparse_kv(buf, len, recomp_alg_kv, &a);
	if (ret)
		return ret;
	if (!a.algo || a.prio < 1 || a.prio >= ZDEV_MAX_COMPS)
		return -EINVAL;
	return ret_len(zdev_set_comp(z, a.prio, a.algo), len);
}

struct recomp_args {
	struct zdev_recomp rq;
	char algo_buf[ZDEV_ALGO_NAME_MAX + 1];
};

static int recomp_kv(const char *key, const char *val, void *arg)
{
	struct recomp_args *a = arg;
	uint64_t v;

	if (!val || !val[0])
		return -EINVAL;
	if (!strcmp(key, "type")) {
		if (!strcmp(val, "idle"))
			a->rq.mode = ZDEV_PP_IDLE;
		else if (!strcmp(val, "huge"))
			a->rq.mode = ZDEV_PP_HUGE;
		else if (!strcmp(val, "huge_idle"))
			a->rq.mode = ZDEV_PP_IDLE | ZDEV_PP_HUGE;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "max_pages"))
		return zparse_u64(val, strlen(val), 10, &a->rq.max_pages);
	if (!strcmp(key, "threshold")) {
		if (zparse_u64(val, strlen(val), 10, &v))
			return -EINVAL;
		if (v > UINT32_MAX)
			return -ERANGE;
		a->rq.threshold = v;
		return 0;
	}
	if (!strcmp(key, "algo"))
		return copy_algo(val, a->algo_buf, sizeof(a->algo_buf),
				 &a->rq.algo);
	if (!strcmp(key, "priority")) {
		if (zparse_u64(val, strlen(val), 10, &v))
			return -EINVAL;
		if (v >= ZDEV_MAX_COMPS)
			return -EINVAL;
		a->rq.prio = v;
		return 0;
	}
	return -EINVAL;
}

static ssize_t recompress_store(struct zdev *z, const char *buf, size_t len)
{
	struct recomp_args a = { .rq = { .prio = -1 } };
	int ret;

	if (len > ZPARSE_KV_MAX)
		return -E2BIG;
	ret = zparse_kv(buf, len, recomp_kv, &a);
	if (ret)
		return ret;
	return ret_len(zdev_recompress(z, &a.rq), len);
}

/* -- idle and writeback ---------------------------------------------------- */

static bool word_is(const char *buf, size_t len, const char *word)
{
	size_t n = strlen(word);

	/* sysfs_streq: the word, with or without one trailing newline */
	return (len == n || (len == n + 1 && buf[n] == '\n')) &&
	       !memcmp(buf, word, n);
}

static ssize_t idle_store(struct zdev *z, const char *buf, size_t len)
{
	uint64_t age = 0;
	bool all = word_is(buf, len, "all");

	if (!all && zparse_u64(buf, len, 0, &age))
		return -EINVAL;
	return ret_len(zdev_mark_idle(z, all, age), len);
}

static ssize_t backing_dev_show(struct zdev *z, char *buf, size_t size)
{
	char path[PATH_MAX];
	int n = snprintf(buf, size, "%s\n",
			 zdev_backing_dev(z, path, sizeof(path)));

	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

static ssize_t backing_dev_store(struct zdev *z, const char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret = zparse_str(buf, len, path, sizeof(path));

	if (ret)
		return ret == -E2BIG ? -ENAMETOOLONG : ret;
	return ret_len(zdev_set_backing_dev(z, path), len);
}

#define WB_MAX_RANGES 512

struct wb_args {
	uint64_t nr_pages;
	uint64_t lo, hi; /* the range a mode applies to */
	bool done;	 /* a mode was given: the rest is not read */
	unsigned int n;
	struct zdev_wb_range r[WB_MAX_RANGES];
};

static int wb_mode(const char *s, unsigned int *mode)
{
	if (!strcmp(s, "idle"))
		*mode = ZDEV_PP_IDLE;
	else if (!strcmp(s, "huge"))
		*mode = ZDEV_PP_HUGE;
	else if (!strcmp(s, "huge_idle"))
		*mode = ZDEV_PP_IDLE | ZDEV_PP_HUGE;
	else if (!strcmp(s, "incompressible"))
		*mode = ZDEV_PP_INCOMPRESSIBLE;
	else
		return -EINVAL;
	return 0;
}

static int wb_add(struct wb_args *a, unsigned int mode, uint64_t lo,
		  uint64_t hi)
{
	if (a->n == WB_MAX_RANGES)
		return -E2BIG;
	a->r[a->n++] = (struct zdev_wb_range){ mode, lo, hi };
	return 0;
}

/* "N" (kstrtoul, base 10) below nr_pages: -EINVAL, -ERANGE */
static int wb_index(const char *s, size_t len, uint64_t nr, uint64_t *out)
{
	if (zparse_u64(s, len, 10, out))
		return -EINVAL;
	return *out < nr ? 0 : -ERANGE;
}

/* as the kernel's writeback_store: modes, page_index=, page_indexes= */
static int wb_kv(const char *key, const char *val, void *arg)
{
	struct wb_args *a = arg;
	const char *dash;
	unsigned int mode;
	uint64_t lo, hi;
	int ret;

	if (a->done)
		return 0;
	if (!val || !val[0] || !strcmp(key, "type")) {
		ret = wb_mode(val && val[0] ? val : key, &mode);
		if (ret)
			return ret;
		a->done = true;
		return wb_add(a, mode, a->lo, a->hi);
	}
	if (!strcmp(key, "page_index")) {
		ret = wb_index(val, strlen(val), a->nr_pages, &lo);
		if (ret)
			return ret;
		a->lo = lo;
		a->hi = lo + 1;
		return wb_add(a, 0, lo, lo + 1);
	}
	if (!strcmp(key, "page_indexes")) {
		dash = strchr(val, '-');
		if (!dash)
			return -EINVAL;
		ret = wb_index(val, dash - val, a->nr_pages, &lo);
		if (!ret)
			ret = wb_index(dash + 1, strlen(dash + 1), a->nr_pages,
				       &hi);
		if (ret)
			return ret;
		if (lo > hi)
			return -ERANGE;
		a->lo = lo;
		a->hi = hi + 1;
		return wb_add(a, 0, lo, hi + 1);
	}
	return -EINVAL;
}

static ssize_t writeback_store(struct zdev *z, const char *buf, size_t len)
{
	struct wb_args *a;
	int ret;

	if (len > ZPARSE_KV_MAX)
		return -E2BIG;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	/* as the kernel: not initialised, then no backing_dev, then input */
	ret = zdev_pp_check(z, true, &a->nr_pages);
	if (ret)
		goto out_free;
	a->hi = a->nr_pages;
	ret = zparse_kv(buf, len, wb_kv, a);
	if (!ret && !a->n)
		ret = -EINVAL;
	if (!ret)
		ret = zdev_writeback(z, a->r, a->n);
out_free:
	free(a);
	return ret_len(ret, len);
}

#define U64_SHOW_STORE(file, get, set)                                     \
	static ssize_t file##_show(struct zdev *z, char *buf, size_t size) \
	{                                                                  \
		return emitf(buf, size, "%llu\n", get(z));                 \
	}                                                                  \
	static ssize_t file##_store(struct zdev *z, const char *buf,       \
				    size_t len)                            \
	{                                                                  \
		uint64_t v;                                                \
                                                                           \
		if (zparse_u64(buf, len, 10, &v))                          \
			return -EINVAL;                                    \
		set(z, v);                                                 \
		return len;                                                \
	}
U64_SHOW_STORE(writeback_limit, zdev_wb_limit, zdev_set_wb_limit)
U64_SHOW_STORE(writeback_limit_enable, zdev_wb_limit_enable,
	       zdev_set_wb_limit_enable)

static ssize_t writeback_batch_size_show(struct zdev *z, char *buf, size_t size)
{
	return emitf(buf, size, "%llu\n", zdev_wb_batch(z));
}

static ssize_t writeback_batch_size_store(struct zdev *z, const char *buf,
					  size_t len)
{
	uint64_t v;
	int ret = zparse_u64(buf, len, 10, &v);

	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return -ERANGE;
	zdev_set_wb_batch(z, v);
	return len;
}

static ssize_t writeback_compressed_show(struct zdev *z, char *buf, size_t size)
{
	return emitf(buf, size, "%llu\n", zdev_wb_compressed(z));
}

static ssize_t writeback_compressed_store(struct zdev *z, const char *buf,
					  size_t len)
{
	bool on;

	if (zparse_bool(buf, len, &on))
		return -EINVAL;
	return ret_len(zdev_set_wb_compressed(z, on), len);
}

#define STATS_SHOW(file)                                                   \
	static ssize_t file##_show(struct zdev *z, char *buf, size_t size) \
	{                                                                  \
		struct zstats s;                                           \
                                                                           \
		zdev_stats(z, &s);                                         \
		return zstats_##file(&s, buf, size);                       \
	}
STATS_SHOW(mm_stat)
STATS_SHOW(io_stat)
STATS_SHOW(stat)
STATS_SHOW(debug_stat)
STATS_SHOW(bd_stat)
STATS_SHOW(policy_stat)

/* every counter, named: zstats_json's object and a newline */
static ssize_t stats_json_show(struct zdev *z, char *buf, size_t size)
{
	struct zstats s;
	ssize_t ret;
	char *text;

	zdev_stats(z, &s);
	text = zstats_json(&s);
	if (!text)
		return -ENOMEM;
	ret = snprintf(buf, size, "%s\n", text);
	free(text);
	return ret < 0 || (size_t)ret >= size ? -E2BIG : ret;
}

/* -- automatic tiering (beyond the kernel) ---------------------------------- */

/* seconds, with an optional s/m/h/d suffix */
static int parse_secs(const char *s, size_t len, uint32_t *out)
{
	uint64_t v, mult = 1;

	if (len) {
		switch (s[len - 1]) {
		case 's':
			mult = 1;
			len--;
			break;
		case 'm':
			mult = 60;
			len--;
			break;
		case 'h':
			mult = 3600;
			len--;
			break;
		case 'd':
			mult = 86400;
			len--;
			break;
		}
	}
	if (!len || zparse_u64(s, len, 10, &v) || v > ZPOLICY_AGE_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

/* an age: off, SECONDS, or MIN-MAX (scaled by memory in use) */
static int parse_age(const char *val, uint32_t *min, uint32_t *max)
{
	const char *dash = strchr(val, '-');

	if (!strcmp(val, "off")) {
		*min = *max = ZPOLICY_OFF;
		return 0;
	}
	if (!dash) {
		if (parse_secs(val, strlen(val), min))
			return -EINVAL;
		*max = *min;
		return 0;
	}
	if (parse_secs(val, dash - val, min) ||
	    parse_secs(dash + 1, strlen(dash + 1), max) || *min > *max)
		return -EINVAL;
	return 0;
}

struct policy_args {
	struct zpolicy_cfg c;
	unsigned int mask;
};

static int policy_kv(const char *key, const char *val, void *arg)
{
	struct policy_args *a = arg;
	uint64_t v;

	if (!val || !val[0])
		return -EINVAL;
	if (!strcmp(key, "interval")) {
		a->mask |= ZPOLICY_SET_INTERVAL;
		return parse_secs(val, strlen(val), &a->c.interval);
	}
	if (!strcmp(key, "recompress_after")) {
		a->mask |= ZPOLICY_SET_RECOMPRESS;
		return parse_age(val, &a->c.rc_min, &a->c.rc_max);
	}
	if (!strcmp(key, "writeback_after")) {
		a->mask |= ZPOLICY_SET_WRITEBACK;
		return parse_age(val, &a->c.wb_min, &a->c.wb_max);
	}
	if (!strcmp(key, "writeback_budget")) {
		a->mask |= ZPOLICY_SET_BUDGET;
		return zparse_size(val, strlen(val), &a->c.budget) ? -EINVAL :
								     0;
	}
	if (!strcmp(key, "accept_threshold")) {
		a->mask |= ZPOLICY_SET_ACCEPT;
		if (zparse_u64(val, strlen(val), 10, &v) || !v || v > 100)
			return -EINVAL;
		a->c.accept = v;
		return 0;
	}
	return -EINVAL;
}

static ssize_t policy_store(struct zdev *z, const char *buf, size_t len)
{
	struct policy_args a = { .mask = 0 };
	int ret;

	if (len > ZPARSE_KV_MAX)
		return -E2BIG;
	ret = zparse_kv(buf, len, policy_kv, &a);
	if (ret)
		return ret == -ERANGE ? -EINVAL : ret;
	if (!a.mask)
		return -EINVAL;
	return ret_len(zdev_set_policy(z, &a.c, a.mask), len);
}

/* an age as written: off, SECONDS or MIN-MAX */
static int show_age(char *buf, size_t size, const char *key, uint32_t min,
		    uint32_t max)
{
	if (min == ZPOLICY_OFF)
		return snprintf(buf, size, "%s=off\n", key);
	if (min == max)
		return snprintf(buf, size, "%s=%u\n", key, min);
	return snprintf(buf, size, "%s=%u-%u\n", key, min, max);
}

static ssize_t policy_show(struct zdev *z, char *buf, size_t size)
{
	struct zpolicy_cfg c;
	size_t len = 0;
	int n;

	zdev_policy(z, &c);
	n = snprintf(buf, size, "interval=%u\n", c.interval);
	len += n > 0 ? n : 0;
	n = show_age(buf + len, size - len, "recompress_after", c.rc_min,
		     c.rc_max);
	len += n > 0 ? n : 0;
	n = show_age(buf + len, size - len, "writeback_after", c.wb_min,
		     c.wb_max);
	len += n > 0 ? n : 0;
	n = snprintf(buf + len, size - len,
		     "writeback_budget=%llu\naccept_threshold=%u\n",
		     (unsigned long long)c.budget, c.accept);
	len += n > 0 ? n : 0;
	return len < size ? (ssize_t)len : -E2BIG;
}

static ssize_t evict_on_limit_show(struct zdev *z, char *buf, size_t size)
{
	return emitf(buf, size, "%llu\n", zdev_evict_on_limit(z));
}

static ssize_t evict_on_limit_store(struct zdev *z, const char *buf, size_t len)
{
	uint64_t v;

	if (zparse_u64(buf, len, 10, &v) || v > 1)
		return -EINVAL;
	zdev_set_evict_on_limit(z, v);
	return len;
}

static const struct zattr dev_attrs[] = {
	{ "disksize", 0644, disksize_show, disksize_store, NULL },
	{ "initstate", 0444, initstate_show, NULL, NULL },
	{ "reset", 0200, NULL, reset_store, NULL },
	{ "mem_limit", 0200, NULL, mem_limit_store, NULL },
	{ "mem_used_max", 0200, NULL, mem_used_max_store, NULL },
	{ "comp_algorithm", 0644, comp_algorithm_show, comp_algorithm_store,
	  NULL },
	{ "algorithm_params", 0200, NULL, algorithm_params_store, NULL },
	{ "max_comp_streams", 0644, max_comp_streams_show,
	  max_comp_streams_store, NULL },
	{ "compact", 0200, NULL, compact_store, NULL },
	{ "mm_stat", 0444, mm_stat_show, NULL, NULL },
	{ "io_stat", 0444, io_stat_show, NULL, NULL },
	{ "stat", 0444, stat_show, NULL, NULL },
	{ "debug_stat", 0444, debug_stat_show, NULL, NULL },
	{ "idle", 0200, NULL, idle_store, NULL },
	{ "backing_dev", 0644, backing_dev_show, backing_dev_store, NULL },
	{ "writeback", 0200, NULL, writeback_store, NULL },
	{ "writeback_limit", 0644, writeback_limit_show, writeback_limit_store,
	  NULL },
	{ "writeback_limit_enable", 0644, writeback_limit_enable_show,
	  writeback_limit_enable_store, NULL },
	{ "writeback_batch_size", 0644, writeback_batch_size_show,
	  writeback_batch_size_store, NULL },
	{ "writeback_compressed", 0644, writeback_compressed_show,
	  writeback_compressed_store, NULL },
	{ "bd_stat", 0444, bd_stat_show, NULL, NULL },
	{ "recomp_algorithm", 0644, recomp_algorithm_show,
	  recomp_algorithm_store, NULL },
	{ "recompress", 0200, NULL, recompress_store, NULL },
	{ "stats.json", 0444, stats_json_show, NULL, NULL },
	{ "policy", 0644, policy_show, policy_store, NULL },
	{ "evict_on_limit", 0644, evict_on_limit_show, evict_on_limit_store,
	  NULL },
	{ "policy_stat", 0444, policy_stat_show, NULL, NULL },
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

static ssize_t block_state_show(struct zdev *z, char **out)
{
	return zdev_block_state(z, out);
}

/* 0400 as the kernel's debugfs file */
static const struct zattr debug_attrs[] = {
	{ "block_state", 0400, NULL, NULL, block_state_show },
};

const struct zattr *zattr_debug_table(int *n)
{
	*n = sizeof(debug_attrs) / sizeof(debug_attrs[0]);
	return debug_attrs;
}

static const struct zattr class_attrs[] = {
	{ "hot_add", 0400, hot_add_show, NULL, NULL },
	{ "hot_remove", 0200, NULL, hot_remove_store, NULL },
};

const struct zattr *zattr_class_table(int *n)
{
	*n = sizeof(class_attrs) / sizeof(class_attrs[0]);
	return class_attrs;
}

/* -- reasons, for the debug log -------------------------------------------- */

static bool is(const struct zattr *a, const char *name)
{
	return !strcmp(a->name, name);
}

static const char *why_einval(const struct zattr *a, struct zdev *z)
{
	if (z && !zdev_initialized(z) &&
	    (is(a, "idle") || is(a, "writeback") || is(a, "recompress") ||
	     is(a, "compact")))
		return "the device is not initialised (write disksize first)";
	if (is(a, "comp_algorithm"))
		return "not an algorithm listed in comp_algorithm";
	if (is(a, "recomp_algorithm"))
		return "expected algo=NAME [priority=1..3] with a listed "
		       "algorithm";
	if (is(a, "algorithm_params"))
		return "expected algo=NAME or priority=N of a set algorithm, "
		       "level=N, dict=PATH (a regular file) that it accepts";
	if (is(a, "disksize") || is(a, "mem_limit"))
		return "expected a size: a number with an optional "
		       "K/M/G/T/P/E suffix (disksize: not 0)";
	if (is(a, "writeback"))
		return "expected idle, huge, huge_idle, incompressible, "
		       "page_index=N or page_indexes=LO-HI";
	if (is(a, "recompress"))
		return "expected type=, threshold=, max_pages=, algo=, "
		       "priority= with a secondary algorithm set";
	if (is(a, "idle"))
		return "expected all or a number of seconds";
	if (is(a, "writeback_compressed") || is(a, "writeback_limit_enable"))
		return "expected a boolean (1/0, y/n, on/off)";
	if (is(a, "backing_dev"))
		return "the store is too small (2 pages at least) or not usable";
	return "not a number as the kernel's kstrto* reads it (digits, at "
	       "most one trailing newline) or out of range";
}

const char *zattr_why(const struct zattr *a, struct zdev *z, int err)
{
	switch (err) {
	case EINVAL:
		return why_einval(a, z);
	case EBUSY:
		if (is(a, "reset") || is(a, "hot_remove"))
			return "the image is open (swapoff/umount and losetup -d "
			       "first)";
		if (z && zdev_initialized(z))
			return "cannot change once the device is initialised "
			       "(write 1 to reset first)";
		return "the device is busy";
	case EDEADLK:
		return "the path leads into this zramfs mount: the daemon "
		       "would wait on itself";
	case E2BIG:
		return "the value is too long";
	case ENAMETOOLONG:
		return "the path is too long";
	case ENODEV:
		return is(a, "hot_remove") ? "no device with that id" :
					     "no backing_dev is set";
	case ERANGE:
		return "a number out of range (a page index past the end?)";
	case ENOSPC:
		return "the backing store is full";
	case EIO:
		return "the writeback budget is spent or the store failed";
	case ENOMEM:
		return "out of memory";
	case ENOENT:
		return "no such file";
	case ENOTBLK:
		return "not a block device or regular file";
	case EISDIR:
		return "a directory";
	case EACCES:
	case EPERM:
		return "the daemon may not open that path";
	default:
		return "";
	}
}
