/*
 * inode - the fixed tree under the mount and the numbers that name it.
 *
 * Nothing is allocated per inode: the tree is fixed, so an inode number
 * encodes what it names and decoding it is arithmetic.  A device's
 * numbers exist only while the registry holds that device.
 *
 *   1 /            2 /dev        3 /block        4 /class
 *   5 /class/zram-control        6 /debug     8+k   root file k
 *                                             16+k  class attribute k
 *   DEV_BASE + id*DEV_STRIDE + 0        /dev/zramN (the image)
 *                            + 1        /block/zramN/
 *                            + 2 + k    /block/zramN/<attribute k>
 *                            + 40       /debug/zramN/
 *                            + 41 + k   /debug/zramN/<file k>
 */
#ifndef ZRAMFS_FUSE_INODE_H
#define ZRAMFS_FUSE_INODE_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif

#include <stddef.h>
#include <sys/stat.h>

#include <fuse_lowlevel.h>

#include "control/attrs.h"

#define ZINO_ROOT FUSE_ROOT_ID

enum zino_kind { ZINO_NONE, ZINO_DIR, ZINO_IMAGE, ZINO_ATTR };

/* what an inode number names */
struct zino {
	enum zino_kind kind;
	int dev;		  /* device id, or -1 */
	const struct zattr *attr; /* for ZINO_ATTR */
};

/* a directory's listing in readdir's wire format (fuse_add_direntry) */
struct zino_dirbuf {
	char *p;
	size_t size;
};

/* load the attribute tables and stamp the tree's times; once, first */
void zino_init(void);
/* what ino names (kind ZINO_NONE if nothing); the device may be gone */
struct zino zino_decode(fuse_ino_t ino);
/* fill st for ino; -ENOENT if it does not exist (now) */
int zino_stat(fuse_ino_t ino, struct stat *st);
/* the entry name in directory parent, or 0 */
fuse_ino_t zino_lookup(fuse_ino_t parent, const char *name);
/* the directory holding directory dir (the root holds itself) */
fuse_ino_t zino_parent(fuse_ino_t dir);
/*
 * Append the entries of directory dir, "." and ".." first, to b (empty
 * or holding earlier entries); -ENOMEM if one could not be added, and b
 * then holds what was added before (free b->p either way).
 */
int zino_list(fuse_req_t req, fuse_ino_t dir, struct zino_dirbuf *b);
/* inodes in the tree with nr_devs devices (statfs f_files) */
unsigned long zino_count(int nr_devs);

#endif
