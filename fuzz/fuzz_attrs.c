/*
 * fuzz_attrs - libFuzzer target for the control files (control/attrs.c)
 * over a persistent device of the registry (device/registry.c).
 *
 * Input: byte 0 selects the file: (b & 0x7f) mod (device files + class
 * files), device files first in zattr_dev_table() order, then
 * zattr_class_table(); bit 7 holds the device open (zreg_open) around the
 * write, so reset/hot_remove meet -EBUSY.  Bytes 1.. are the value written.
 * If the device is initialised a page derived from the input is written to
 * it first, so the counters and compaction have something to show.
 *
 * Per input: store(value) if the file has one, then show() into a
 * ZATTR_BUF_SIZE buffer if it has one.  Checked:
 *   - store returns len or -errno from a known set;
 *   - a rejected store changes nothing: every readable device file
 *     (disksize initstate comp_algorithm max_comp_streams mm_stat io_stat
 *     stat debug_stat), the device's internal configuration (algorithms,
 *     parameters and dictionaries, mem_limit, open count) and the list of
 *     registered devices are identical before and after;
 *   - an accepted store did what it says (disksize rounded up to a page,
 *     comp_algorithm selected, reset back to defaults, mem_limit set,
 *     hot_remove removed);
 *   - show output is 1..4095 bytes, NUL-terminated at its length, ends with
 *     "\n"; hot_add returns the lowest free id.
 * Hermetic: disksize values above 64 MiB are skipped; algorithm_params
 * inputs with dict= are skipped unless every dict value is one of the
 * fuzzer's own /tmp paths; backing_dev takes only the fuzzer's own 16 MiB
 * file; policy inputs naming an interval are skipped (a run in the
 * background would change the stats between snapshots).  A writeback or
 * recompress refused with -EIO/-ENOSPC may have
 * done part of its work (as the kernel's), so it is not compared.  The device is reset every RESET_EVERY inputs;
 * hot-added devices are removed once more than MAX_EXTRA exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/attrs.h"
#include "control/parse.h"
#include "device/registry.h"
#include "device/zdev.h"
#include "device/zdev_int.h" /* white box: snapshot of the configuration */

#include "fuzz/fuzz.h"

#define MAX_DISKSIZE (64ull << 20)
#define RESET_EVERY  512
#define MAX_EXTRA    4
#define MAX_SHOWN    32

static const char *const dict_paths[] = {
	"/tmp/zramfs-fuzz-attrs.dict",	       /* created at init */
	"/tmp/zramfs-fuzz-attrs-missing.dict", /* never exists: -ENOENT */
	"/tmp",				       /* a directory: -EINVAL */
};
/* the only paths backing_dev may be given: a file of the fuzzer's own */
static const char backing_path[] = "/tmp/zramfs-fuzz-attrs.backing";

static const struct zattr *dev_tab, *cls_tab;
static int ndev, ncls;
static int main_id = -1;
static struct zdev *main_dev;
static unsigned long iteration;

/* ---- snapshots -------------------------------------------------------- */

struct snapshot {
	char shown[MAX_SHOWN][ZATTR_BUF_SIZE];
	ssize_t shown_len[MAX_SHOWN];
	bool init_done;
	uint64_t disksize;
	char comp_algs[ZDEV_MAX_COMPS][ZDEV_ALGO_NAME_MAX];
	int level[ZDEV_MAX_COMPS];
	size_t dict_sz[ZDEV_MAX_COMPS];
	uint64_t dict_hash[ZDEV_MAX_COMPS];
	uint64_t limit_pages;
	int open_count;
	int ids[ZREG_MAX_DEVICES];
	int nids;
};

static struct snapshot snap_before, snap_after;

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ull;
	return h;
}

/* every show of the device; hot_add is not a read (it adds a device) */
static void take_snapshot(struct snapshot *s)
{
	struct zdev *z = main_dev;
	int i;

	for (i = 0; i < ndev && i < MAX_SHOWN; i++) {
		s->shown_len[i] = 0;
		if (!dev_tab[i].show)
			continue;
		memset(s->shown[i], 0, ZATTR_BUF_SIZE);
		s->shown_len[i] = dev_tab[i].show(z, s->shown[i],
						  ZATTR_BUF_SIZE);
	}
	pthread_rwlock_rdlock(&z->init_lock);
	s->init_done = z->init_done;
	s->disksize = z->disksize;
	memcpy(s->comp_algs, z->comp_algs, sizeof(s->comp_algs));
	for (i = 0; i < ZDEV_MAX_COMPS; i++) {
		s->level[i] = z->params[i].level;
		s->dict_sz[i] = z->params[i].dict_sz;
		s->dict_hash[i] = z->params[i].dict ?
					  fnv(z->params[i].dict,
					      z->params[i].dict_sz) :
					  0;
	}
	pthread_rwlock_unlock(&z->init_lock);
	s->limit_pages = z->limit_pages;
	s->open_count = zdev_open_count(z);
	s->nids = zreg_list(s->ids, ZREG_MAX_DEVICES);
}

static void compare_snapshots(const struct snapshot *a,
			      const struct snapshot *b, const char *what)
{
	int i;

	for (i = 0; i < ndev && i < MAX_SHOWN; i++) {
		if (a->shown_len[i] != b->shown_len[i] ||
		    (a->shown_len[i] > 0 &&
		     memcmp(a->shown[i], b->shown[i], a->shown_len[i]))) {
			fprintf(stderr,
				"rejected %s changed %s:\n"
				"before: %.*s\nafter:  %.*s\n",
				what, dev_tab[i].name,
				(int)(a->shown_len[i] > 0 ? a->shown_len[i] :
							    0),
				a->shown[i],
				(int)(b->shown_len[i] > 0 ? b->shown_len[i] :
							    0),
				b->shown[i]);
			abort();
		}
	}
	if (a->init_done != b->init_done || a->disksize != b->disksize ||
	    memcmp(a->comp_algs, b->comp_algs, sizeof(a->comp_algs)) ||
	    memcmp(a->level, b->level, sizeof(a->level)) ||
	    memcmp(a->dict_sz, b->dict_sz, sizeof(a->dict_sz)) ||
	    memcmp(a->dict_hash, b->dict_hash, sizeof(a->dict_hash)) ||
	    a->limit_pages != b->limit_pages ||
	    a->open_count != b->open_count) {
		fprintf(stderr, "rejected %s changed the configuration\n",
			what);
		abort();
	}
	CHECK(a->nids == b->nids);
	CHECK(!memcmp(a->ids, b->ids, a->nids * sizeof(int)));
}

/* ---- helpers ---------------------------------------------------------- */

static bool known_errno(ssize_t r)
{
	switch (-r) {
	case EINVAL:
	case EBUSY:
	case E2BIG:
	case ENOMEM:
	case ENODEV:
	case ERANGE:
	case ENOENT:
	case EACCES:
	case ENOSPC:
	case ENXIO:
	case EIO:
	case ENOTBLK:
	case EISDIR:
	case ENAMETOOLONG:
	case ENOTDIR:
	case EDEADLK:
		return true;
	}
	return false;
}

static void check_show(const struct zattr *a, const char *buf, ssize_t n)
{
	if (n < 0) {
		/* only hot_add may fail (no free id / no memory) */
		if (!(strcmp(a->name, "hot_add") == 0 && known_errno(n))) {
			fprintf(stderr, "show %s returned %zd\n", a->name, n);
			abort();
		}
		return;
	}
	/* recomp_algorithm lists nothing before one is set, as the kernel */
	if (n == 0 && !strcmp(a->name, "recomp_algorithm"))
		return;
	if (n == 0 || n >= ZATTR_BUF_SIZE || buf[n - 1] != '\n' ||
	    strlen(buf) != (size_t)n) {
		fprintf(stderr, "show %s: bad output (%zd bytes)\n", a->name,
			n);
		abort();
	}
}

static int dev_index(const char *name)
{
	int i;

	for (i = 0; i < ndev; i++)
		if (!strcmp(dev_tab[i].name, name))
			return i;
	return -1;
}

static ssize_t show_dev(const char *name, char *buf)
{
	int i = dev_index(name);

	CHECK(i >= 0 && dev_tab[i].show);
	memset(buf, 0, ZATTR_BUF_SIZE);
	return dev_tab[i].show(main_dev, buf, ZATTR_BUF_SIZE);
}

struct dict_check {
	bool ok;
};

static int dict_kv(const char *key, const char *val, void *arg)
{
	struct dict_check *d = arg;
	size_t i;

	if (strcmp(key, "dict") || !val)
		return 0;
	for (i = 0; i < sizeof(dict_paths) / sizeof(dict_paths[0]); i++)
		if (!strcmp(val, dict_paths[i]))
			return 0;
	d->ok = false;
	return 0;
}

/* false: the input would reach outside the fuzzer's own files */
static bool params_hermetic(const char *buf, size_t len)
{
	struct dict_check d = { true };

	if (!memmem(buf, len, "dict", 4))
		return true;
	zparse_kv(buf, len, dict_kv, &d);
	return d.ok;
}

static int lowest_free_id(void)
{
	static int ids[ZREG_MAX_DEVICES];
	int n = zreg_list(ids, ZREG_MAX_DEVICES), i;

	for (i = 0; i < n; i++)
		if (ids[i] != i)
			return i;
	return n;
}

static void remove_extras(void)
{
	static int ids[ZREG_MAX_DEVICES];
	int n = zreg_list(ids, ZREG_MAX_DEVICES), i;

	for (i = 0; i < n; i++)
		if (ids[i] != main_id)
			CHECK(zreg_remove(ids[i]) == 0);
}

static void main_device(void)
{
	main_id = zreg_add();
	CHECK(main_id >= 0);
	main_dev = zreg_get(main_id);
	CHECK(main_dev);
}

static void write_dict_file(void)
{
	char buf[2048];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = "zram dictionary text: the quick brown fox "[i % 42];
	fd = open(dict_paths[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			fprintf(stderr, "fuzz_attrs: short dict write\n");
		close(fd);
	}
	unlink(dict_paths[1]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dev_tab = zattr_dev_table(&ndev);
	cls_tab = zattr_class_table(&ncls);
	CHECK(ndev <= MAX_SHOWN);
	write_dict_file();
	{
		FILE *f = fopen(backing_path, "w");

		CHECK(f && !ftruncate(fileno(f), 16 << 20));
		fclose(f);
	}
	main_device();
	return 0;
}

/* a page of data from the input: compressible or not */
static void io_page(const uint8_t *data, size_t size)
{
	static uint8_t page[ZPAGE_SIZE];
	uint64_t h = fnv(data, size), x = h | 1, npages;
	size_t i;

	if (!zdev_initialized(main_dev))
		return;
	npages = zdev_disksize(main_dev) / ZPAGE_SIZE;
	if (!npages)
		return;
	if (h & 1) {
		for (i = 0; i < sizeof(page); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			page[i] = (uint8_t)x;
		}
	} else {
		for (i = 0; i < sizeof(page); i++)
			page[i] = size ? data[i % size] : 0;
	}
	CHECK(zdev_write(main_dev, page, sizeof(page),
			 ((h >> 8) % npages) * ZPAGE_SIZE) ==
		      (ssize_t)sizeof(page) ||
	      main_dev->limit_pages);
}

/* ---- postconditions of accepted stores --------------------------------- */

static void check_accepted(const struct zattr *a, const char *val, size_t len)
{
	static char buf[ZATTR_BUF_SIZE];
	uint64_t v;
	int id;

	if (!strcmp(a->name, "disksize")) {
		CHECK(zparse_size(val, len, &v) == 0);
		v = (v + ZPAGE_SIZE - 1) & ~(uint64_t)(ZPAGE_SIZE - 1);
		CHECK(zdev_initialized(main_dev));
		CHECK(zdev_disksize(main_dev) == v);
		show_dev("disksize", buf);
		CHECK(strtoull(buf, NULL, 10) == v);
		show_dev("initstate", buf);
		CHECK(!strcmp(buf, "1\n"));
	} else if (!strcmp(a->name, "reset")) {
		CHECK(!zdev_initialized(main_dev));
		CHECK(zdev_disksize(main_dev) == 0);
		show_dev("comp_algorithm", buf);
		CHECK(strstr(buf, "[" ZDEV_DEFAULT_COMP "]"));
		for (id = 0; id < ZDEV_MAX_COMPS; id++) {
			CHECK(main_dev->params[id].level ==
			      ZCOMP_LEVEL_DEFAULT);
			CHECK(!main_dev->params[id].dict);
		}
		CHECK(main_dev->limit_pages == 0);
	} else if (!strcmp(a->name, "mem_limit")) {
		CHECK(zparse_size(val, len, &v) == 0);
		CHECK(main_dev->limit_pages ==
		      (v + ZPAGE_SIZE - 1) >> ZPAGE_SHIFT);
	} else if (!strcmp(a->name, "comp_algorithm")) {
		char want[ZDEV_ALGO_NAME_MAX + 2];

		CHECK(len && len <= ZDEV_ALGO_NAME_MAX);
		snprintf(want, sizeof(want), "[%.*s]",
			 (int)(val[len - 1] == '\n' ? len - 1 : len), val);
		show_dev("comp_algorithm", buf);
		CHECK(strstr(buf, want));
	} else if (!strcmp(a->name, "hot_remove")) {
		CHECK(zparse_int(val, len, &id) == 0);
		CHECK(!zreg_get(id));
	}
}

/* ---- the target ----------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[ZATTR_BUF_SIZE];
	const struct zattr *a;
	struct zdev *z, *opened = NULL;
	bool is_class, hold_open;
	char *val;
	size_t len;
	ssize_t r;
	uint64_t v;
	int idx, expect_id = -1;

	if (size < 1)
		return 0;
	if (++iteration % RESET_EVERY == 0)
		CHECK(zdev_reset(main_dev) == 0);

	hold_open = data[0] & 0x80;
	idx = (data[0] & 0x7f) % (ndev + ncls);
	is_class = idx >= ndev;
	a = is_class ? &cls_tab[idx - ndev] : &dev_tab[idx];
	z = is_class ? NULL : main_dev;
	len = size - 1;

	/* hermetic and bounded */
	if (!strcmp(a->name, "disksize") &&
	    !zparse_size((const char *)data + 1, len, &v) && v > MAX_DISKSIZE)
		return 0;
	if (!strcmp(a->name, "algorithm_params") &&
	    !params_hermetic((const char *)data + 1, len))
		return 0;
	/* no policy thread: its runs would change the stats between the
	 * snapshots of one input */
	if (!strcmp(a->name, "policy") && memmem(data + 1, len, "interval", 8))
		return 0;
	if (!strcmp(a->name, "backing_dev") &&
	    (len < sizeof(backing_path) - 1 ||
	     memcmp(data + 1, backing_path, sizeof(backing_path) - 1)))
		return 0;

	/* exactly len bytes: ASan sees any read past the write */
	val = malloc(len ? len : 1);
	if (!val)
		return 0;
	memcpy(val, data + 1, len);

	io_page(data, size);
	if (hold_open) {
		opened = zreg_open(main_id);
		CHECK(opened == main_dev);
	}

	if (a->store) {
		take_snapshot(&snap_before);
		r = a->store(z, val, len);
		if (r != (ssize_t)len && !(r < 0 && known_errno(r))) {
			fprintf(stderr, "store %s returned %zd (len %zu)\n",
				a->name, r, len);
			abort();
		}
		/* a writeback or recompress that failed part way keeps
		 * what it did, as the kernel's */
		if (r < 0 && !((r == -EIO || r == -ENOSPC) &&
			       (!strcmp(a->name, "writeback") ||
				!strcmp(a->name, "recompress")))) {
			take_snapshot(&snap_after);
			compare_snapshots(&snap_before, &snap_after, a->name);
			if (!strcmp(a->name, "hot_remove")) {
				int id;

				/* -ENODEV only for a missing device */
				if (r == -ENODEV &&
				    !zparse_int(val, len, &id)) {
					struct zdev *g = zreg_get(id);

					CHECK(!g);
				}
			}
		} else {
			check_accepted(a, val, len);
			/* hot_remove took the main device: drop our reference
			 * (frees it from the registry's gone list), make a
			 * new one */
			struct zdev *cur = zreg_get(main_id);

			if (cur)
				zreg_put(cur);
			if (cur != main_dev) {
				CHECK(!opened);
				zreg_put(main_dev);
				main_device();
			}
		}
	}

	if (a->show) {
		if (!strcmp(a->name, "hot_add")) {
			static int ids[ZREG_MAX_DEVICES];

			if (zreg_list(ids, ZREG_MAX_DEVICES) > MAX_EXTRA)
				remove_extras();
			expect_id = lowest_free_id();
		}
		memset(out, 0, sizeof(out));
		r = a->show(z, out, sizeof(out));
		check_show(a, out, r);
		if (expect_id >= 0 && r > 0)
			CHECK(strtol(out, NULL, 10) == expect_id);
	}

	if (opened)
		zreg_close(opened);
	free(val);
	return 0;
}
