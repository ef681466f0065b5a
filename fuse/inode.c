/*
 * inode - the fixed tree: inode numbers, attributes, names, listings.
 *
 * The tree never changes shape except as devices come and go, so it is
 * not stored anywhere: an inode number encodes its place (fuse/inode.h
 * draws the scheme), a name is looked up by comparing against the few
 * fixed names and the attribute tables, and a device's entries exist
 * exactly while the registry holds it.  Attributes are computed at each
 * call (the kernel caches nothing: timeouts are 0), so an image's size
 * follows disksize and reset at once.
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "control/attrs.h"
#include "control/rootattrs.h"
#include "device/registry.h"
#include "device/zdev.h"
#include "fuse/inode.h"
#include "util/page.h"

#define INO_DEV	       2
#define INO_BLOCK      3
#define INO_CLASS      4
#define INO_CONTROL    5
#define INO_DEBUG      6
#define INO_ROOT_ATTR  8 /* stats.json, metrics: 8..15 */
#define INO_CLASS_ATTR 16
#define DEV_BASE       0x10000ull
#define DEV_STRIDE     64ull
#define SUB_IMAGE      0  /* /dev/zramN */
#define SUB_DIR	       1  /* /block/zramN/ */
#define SUB_ATTR       2  /* /block/zramN/<attribute k>: SUB_ATTR + k */
#define SUB_DEBUG_DIR  40 /* /debug/zramN/ */
#define SUB_DEBUG_ATTR 41 /* /debug/zramN/<file k>: SUB_DEBUG_ATTR + k */

static struct timespec start_time;
static const struct zattr *dev_attrs, *class_attrs, *debug_attrs;
static const struct zattr *root_attrs;
static int nr_dev_attrs, nr_class_attrs, nr_debug_attrs, nr_root_attrs;

void zino_init(void)
{
	clock_gettime(CLOCK_REALTIME, &start_time);
	dev_attrs = zattr_dev_table(&nr_dev_attrs);
	class_attrs = zattr_class_table(&nr_class_attrs);
	debug_attrs = zattr_debug_table(&nr_debug_attrs);
	root_attrs = zattr_root_table(&nr_root_attrs);
	/* the device's block of inode numbers holds every file */
	if (INO_ROOT_ATTR + nr_root_attrs > INO_CLASS_ATTR ||
	    SUB_ATTR + nr_dev_attrs > SUB_DEBUG_DIR ||
	    SUB_DEBUG_ATTR + (unsigned long long)nr_debug_attrs > DEV_STRIDE)
		abort();
}

static fuse_ino_t dev_ino(int id, unsigned int sub)
{
	return DEV_BASE + (fuse_ino_t)id * DEV_STRIDE + sub;
}

struct zino zino_decode(fuse_ino_t ino)
{
	struct zino n = { ZINO_NONE, -1, NULL };
	unsigned int sub;

	if (ino >= ZINO_ROOT && ino <= INO_DEBUG) {
		n.kind = ZINO_DIR;
	} else if (ino >= INO_ROOT_ATTR &&
		   ino < INO_ROOT_ATTR + (fuse_ino_t)nr_root_attrs) {
		n.kind = ZINO_ATTR;
		n.attr = &root_attrs[ino - INO_ROOT_ATTR];
	} else if (ino >= INO_CLASS_ATTR &&
		   ino < INO_CLASS_ATTR + (fuse_ino_t)nr_class_attrs) {
		n.kind = ZINO_ATTR;
		n.attr = &class_attrs[ino - INO_CLASS_ATTR];
	} else if (ino >= DEV_BASE) {
		if ((ino - DEV_BASE) / DEV_STRIDE >= ZREG_MAX_DEVICES)
			return n;
		n.dev = (ino - DEV_BASE) / DEV_STRIDE;
		sub = (ino - DEV_BASE) % DEV_STRIDE;
		if (sub == SUB_IMAGE) {
			n.kind = ZINO_IMAGE;
		} else if (sub == SUB_DIR || sub == SUB_DEBUG_DIR) {
			n.kind = ZINO_DIR;
		} else if (sub >= SUB_DEBUG_ATTR &&
			   sub - SUB_DEBUG_ATTR <
				   (unsigned int)nr_debug_attrs) {
			n.kind = ZINO_ATTR;
			n.attr = &debug_attrs[sub - SUB_DEBUG_ATTR];
		} else if (sub >= SUB_ATTR &&
			   sub - SUB_ATTR < (unsigned int)nr_dev_attrs) {
			n.kind = ZINO_ATTR;
			n.attr = &dev_attrs[sub - SUB_ATTR];
		}
	}
	return n;
}

int zino_stat(fuse_ino_t ino, struct stat *st)
{
	struct zino n = zino_decode(ino);
	struct zstats s;
	struct zdev *z = NULL;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atim = st->st_mtim = st->st_ctim = start_time;
	st->st_blksize = ZPAGE_SIZE;
	if (n.kind == ZINO_NONE)
		return -ENOENT;
	if (n.dev >= 0) {
		z = zreg_get(n.dev);
		if (!z)
			return -ENOENT;
	}
	switch (n.kind) {
	case ZINO_DIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		break;
	case ZINO_IMAGE:
		zdev_stats(z, &s);
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_size = s.disksize;
		st->st_blocks = s.orig_data_size / 512;
		break;
	case ZINO_ATTR:
		st->st_mode = S_IFREG | n.attr->mode;
		st->st_nlink = 1;
		st->st_size = ZATTR_BUF_SIZE; /* as sysfs */
		break;
	default:
		break;
	}
	if (z)
		zreg_put(z);
	return 0;
}

/* "zram<N>" -> N, or -1 */
static int parse_dev_name(const char *name)
{
	char *end;
	long id;

	if (strncmp(name, "zram", 4) || !name[4] || name[4] == '+' ||
	    name[4] == '-' || (name[4] == '0' && name[5]))
		return -1;
	id = strtol(name + 4, &end, 10);
	if (*end || id < 0 || id >= ZREG_MAX_DEVICES)
		return -1;
	return (int)id;
}

/* the fixed directories below the root, in listing order */
static const struct fixed {
	fuse_ino_t parent;
	const char *name;
	fuse_ino_t ino;
} fixed[] = {
	{ ZINO_ROOT, "dev", INO_DEV },
	{ ZINO_ROOT, "block", INO_BLOCK },
	{ ZINO_ROOT, "class", INO_CLASS },
	{ INO_CLASS, "zram-control", INO_CONTROL },
	{ ZINO_ROOT, "debug", INO_DEBUG },
};
#define NR_FIXED (sizeof(fixed) / sizeof(fixed[0]))

fuse_ino_t zino_lookup(fuse_ino_t parent, const char *name)
{
	struct zino p = zino_decode(parent);
	unsigned int f;
	int i, id;

	for (f = 0; f < NR_FIXED; f++)
		if (fixed[f].parent == parent && !strcmp(name, fixed[f].name))
			return fixed[f].ino;
	switch (parent) {
	case ZINO_ROOT:
		for (i = 0; i < nr_root_attrs; i++)
			if (!strcmp(name, root_attrs[i].name))
				return INO_ROOT_ATTR + i;
		return 0;
	case INO_CONTROL:
		for (i = 0; i < nr_class_attrs; i++)
			if (!strcmp(name, class_attrs[i].name))
				return INO_CLASS_ATTR + i;
		return 0;
	case INO_DEV:
	case INO_BLOCK:
	case INO_DEBUG:
		id = parse_dev_name(name);
		if (id < 0)
			return 0;
		return dev_ino(id, parent == INO_DEV   ? SUB_IMAGE :
				   parent == INO_BLOCK ? SUB_DIR :
							 SUB_DEBUG_DIR);
	}
	if (p.kind != ZINO_DIR || p.dev < 0)
		return 0;
	if (parent == dev_ino(p.dev, SUB_DEBUG_DIR)) {
		for (i = 0; i < nr_debug_attrs; i++)
			if (!strcmp(name, debug_attrs[i].name))
				return dev_ino(p.dev, SUB_DEBUG_ATTR + i);
		return 0;
	}
	for (i = 0; i < nr_dev_attrs; i++)
		if (!strcmp(name, dev_attrs[i].name))
			return dev_ino(p.dev, SUB_ATTR + i);
	return 0;
}

fuse_ino_t zino_parent(fuse_ino_t dir)
{
	unsigned int f;

	if (dir >= DEV_BASE) /* /block/zramN or /debug/zramN */
		return (dir - DEV_BASE) % DEV_STRIDE == SUB_DEBUG_DIR ?
			       INO_DEBUG :
			       INO_BLOCK;
	for (f = 0; f < NR_FIXED; f++)
		if (fixed[f].ino == dir)
			return fixed[f].parent;
	return ZINO_ROOT;
}

static int dir_add(fuse_req_t req, struct zino_dirbuf *b, const char *name,
		   fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t len = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char *np;

	np = realloc(b->p, b->size + len);
	if (!np)
		return -ENOMEM;
	b->p = np;
	fuse_add_direntry(req, b->p + b->size, len, name, &st, b->size + len);
	b->size += len;
	return 0;
}

int zino_list(fuse_req_t req, fuse_ino_t dir, struct zino_dirbuf *b)
{
	int ids[ZREG_MAX_DEVICES], cnt, i, ret;
	struct zino n = zino_decode(dir);
	unsigned int f;
	char name[32];

	ret = dir_add(req, b, ".", dir, S_IFDIR);
	if (!ret)
		ret = dir_add(req, b, "..", zino_parent(dir), S_IFDIR);
	for (f = 0; !ret && f < NR_FIXED; f++)
		if (fixed[f].parent == dir)
			ret = dir_add(req, b, fixed[f].name, fixed[f].ino,
				      S_IFDIR);
	if (ret)
		return ret;
	switch (dir) {
	case ZINO_ROOT:
		for (i = 0; !ret && i < nr_root_attrs; i++)
			ret = dir_add(req, b, root_attrs[i].name,
				      INO_ROOT_ATTR + i, S_IFREG);
		break;
	case INO_CLASS:
		break;
	case INO_CONTROL:
		for (i = 0; !ret && i < nr_class_attrs; i++)
			ret = dir_add(req, b, class_attrs[i].name,
				      INO_CLASS_ATTR + i, S_IFREG);
		break;
	case INO_DEV:
	case INO_BLOCK:
	case INO_DEBUG:
		cnt = zreg_list(ids, ZREG_MAX_DEVICES);
		for (i = 0; !ret && i < cnt; i++) {
			snprintf(name, sizeof(name), "zram%d", ids[i]);
			ret = dir_add(req, b, name,
				      dev_ino(ids[i],
					      dir == INO_DEV   ? SUB_IMAGE :
					      dir == INO_BLOCK ? SUB_DIR :
								 SUB_DEBUG_DIR),
				      dir == INO_DEV ? S_IFREG : S_IFDIR);
		}
		break;
	default:
		if (dir == dev_ino(n.dev, SUB_DEBUG_DIR)) {
			for (i = 0; !ret && i < nr_debug_attrs; i++)
				ret = dir_add(req, b, debug_attrs[i].name,
					      dev_ino(n.dev,
						      SUB_DEBUG_ATTR + i),
					      S_IFREG);
			break;
		}
		for (i = 0; !ret && i < nr_dev_attrs; i++)
			ret = dir_add(req, b, dev_attrs[i].name,
				      dev_ino(n.dev, SUB_ATTR + i), S_IFREG);
		break;
	}
	return ret;
}

unsigned long zino_count(int nr_devs)
{
	return 6 + nr_root_attrs + nr_class_attrs +
	       (unsigned long)nr_devs * (3 + nr_dev_attrs + nr_debug_attrs);
}
