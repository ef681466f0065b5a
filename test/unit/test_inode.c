/*
 * test_inode.c - unit tests of the fixed tree (fuse/inode.h) without a
 * mount: every name a directory lists looks up to the inode the listing
 * gave it and decodes to the kind it should; "." is the directory and
 * ".." its parent (/block for /block/zramN, /class for zram-control);
 * a removed device's names vanish.
 *
 * Listings are parsed in the kernel's struct fuse_dirent layout, as
 * fuse_add_direntry() writes it: ino, off, namelen, type, name padded
 * to 8 bytes.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/rootattrs.h"
#include "device/registry.h"
#include "fuse/inode.h"
#include "test/unit/testhelp.h"

struct dirent_hdr {
	uint64_t ino;
	uint64_t off;
	uint32_t namelen;
	uint32_t type;
};

#define MAX_ENTS 64

struct ent {
	char name[64];
	uint64_t ino;
	uint32_t type;
};

/* list dir into e[]; returns the count or -1 */
static int list(fuse_ino_t dir, struct ent *e)
{
	struct zino_dirbuf b = { NULL, 0 };
	struct dirent_hdr h;
	size_t pos = 0;
	int n = 0;

	if (zino_list(NULL, dir, &b)) {
		free(b.p);
		return -1;
	}
	while (pos + sizeof(h) <= b.size && n < MAX_ENTS) {
		memcpy(&h, b.p + pos, sizeof(h));
		if (h.namelen >= sizeof(e[n].name))
			break;
		memcpy(e[n].name, b.p + pos + sizeof(h), h.namelen);
		e[n].name[h.namelen] = '\0';
		e[n].ino = h.ino;
		e[n].type = h.type;
		n++;
		pos += (sizeof(h) + h.namelen + 7) & ~(size_t)7;
	}
	free(b.p);
	return n;
}

static uint64_t ino_of(struct ent *e, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return e[i].ino;
	return 0;
}

/* dir's listing: ".", ".." = parent, every other name as lookup says */
static void check_dir(const char *path, fuse_ino_t dir, fuse_ino_t parent,
		      int want_entries)
{
	struct ent e[MAX_ENTS];
	char name[160];
	int n = list(dir, e), i, bad = 0;

	snprintf(name, sizeof(name), "%s: listed, %d entries", path,
		 want_entries);
	test_cond(name, n == want_entries + 2);
	snprintf(name, sizeof(name), "%s: . is itself", path);
	test_cond(name, n > 0 && ino_of(e, n, ".") == dir);
	snprintf(name, sizeof(name), "%s: .. is its parent", path);
	test_cond(name, n > 0 && ino_of(e, n, "..") == parent);
	snprintf(name, sizeof(name), "%s: parent by zino_parent", path);
	test_cond(name, zino_parent(dir) == parent);
	for (i = 0; i < n; i++) {
		if (!strcmp(e[i].name, ".") || !strcmp(e[i].name, ".."))
			continue;
		if (zino_lookup(dir, e[i].name) != e[i].ino)
			bad++;
		if ((e[i].type == DT_DIR) !=
		    (zino_decode(e[i].ino).kind == ZINO_DIR))
			bad++;
	}
	snprintf(name, sizeof(name), "%s: each entry looks up to its inode",
		 path);
	test_cond(name, n > 0 && bad == 0);
}

int main(void)
{
	fuse_ino_t dev, block, class, control, zram0, zram1, debug, dbg0;
	int nr_dev_attrs, nr_class_attrs, nr_root_attrs, nr_debug_attrs;
	fuse_ino_t stats, metrics;
	struct stat st;

	zattr_dev_table(&nr_dev_attrs);
	zattr_class_table(&nr_class_attrs);
	zattr_root_table(&nr_root_attrs);
	zattr_debug_table(&nr_debug_attrs);
	zino_init();
	test_cond("two devices", zreg_add() == 0 && zreg_add() == 1);

	dev = zino_lookup(ZINO_ROOT, "dev");
	block = zino_lookup(ZINO_ROOT, "block");
	class = zino_lookup(ZINO_ROOT, "class");
	control = zino_lookup(class, "zram-control");
	zram0 = zino_lookup(block, "zram0");
	zram1 = zino_lookup(block, "zram1");
	test_cond("fixed names found",
		  dev && block && class && control && zram0 && zram1);
	test_cond("no zram-control under the root",
		  !zino_lookup(ZINO_ROOT, "zram-control"));
	test_cond("no leading zeros", !zino_lookup(block, "zram01"));
	test_cond("no zram-1", !zino_lookup(block, "zram-1"));

	/* dev, block, class, debug and the files covering every device */
	check_dir("/", ZINO_ROOT, ZINO_ROOT, 4 + nr_root_attrs);
	stats = zino_lookup(ZINO_ROOT, "stats.json");
	metrics = zino_lookup(ZINO_ROOT, "metrics");
	test_cond("root files: stats.json and metrics",
		  nr_root_attrs == 2 && stats && metrics && stats != metrics);
	test_cond("stats.json decodes as a root file",
		  zino_decode(stats).kind == ZINO_ATTR &&
			  zino_decode(stats).dev == -1 &&
			  !strcmp(zino_decode(stats).attr->name, "stats.json"));
	test_cond("metrics stats as a 0444 file",
		  !zino_stat(metrics, &st) && st.st_mode == (S_IFREG | 0444));
	test_cond("no root file under /block", !zino_lookup(block, "metrics"));
	debug = zino_lookup(ZINO_ROOT, "debug");
	dbg0 = zino_lookup(debug, "zram0");
	test_cond("debug/zram0 found", debug && dbg0 && dbg0 != zram0);
	check_dir("/debug", debug, ZINO_ROOT, 2);
	check_dir("/debug/zram0", dbg0, debug, nr_debug_attrs);
	test_cond("block_state decodes as a debug file",
		  zino_decode(zino_lookup(dbg0, "block_state")).kind ==
				  ZINO_ATTR &&
			  !zino_lookup(zram0, "block_state") &&
			  !zino_lookup(dbg0, "disksize"));
	check_dir("/dev", dev, ZINO_ROOT, 2);
	check_dir("/block", block, ZINO_ROOT, 2);
	check_dir("/class", class, ZINO_ROOT, 1);
	check_dir("/class/zram-control", control, class, nr_class_attrs);
	check_dir("/block/zram0", zram0, block, nr_dev_attrs);
	check_dir("/block/zram1", zram1, block, nr_dev_attrs);

	test_cond("image decodes as an image",
		  zino_decode(zino_lookup(dev, "zram1")).kind == ZINO_IMAGE &&
			  zino_decode(zino_lookup(dev, "zram1")).dev == 1);
	test_cond("disksize decodes as zram1's attribute",
		  zino_decode(zino_lookup(zram1, "disksize")).kind ==
				  ZINO_ATTR &&
			  !strcmp(zino_decode(zino_lookup(zram1, "disksize"))
					  .attr->name,
				  "disksize"));
	test_cond("image stats as a 0600 file",
		  !zino_stat(zino_lookup(dev, "zram0"), &st) &&
			  st.st_mode == (S_IFREG | 0600));
	test_cond("an unused inode is ENOENT", zino_stat(12345, &st) < 0);
	test_cond("an inode past the last device is nothing",
		  zino_decode((fuse_ino_t)1 << 62).kind == ZINO_NONE);
	test_cond("statfs counts inodes",
		  zino_count(2) ==
			  6 + (unsigned long)nr_root_attrs + nr_class_attrs +
				  2ul * (3 + nr_dev_attrs + nr_debug_attrs));

	test_cond("remove zram1", zreg_remove(1) == 0);
	test_cond("removed device's directory is ENOENT",
		  zino_stat(zram1, &st) < 0);
	check_dir("/block after remove", block, ZINO_ROOT, 1);
	zreg_clear();
	return test_report();
}
