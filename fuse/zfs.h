/*
 * zfs - the FUSE face of zramfs: the operations table a session serves.
 *
 * The process (zramfs.c) parses options into a struct zfs_config, calls
 * zfs_setup() once, then hands zfs_ops to fuse_session_new().  Every
 * operation forwards to control/ (control files) or device/ (images).
 */
#ifndef ZRAMFS_FUSE_ZFS_H
#define ZRAMFS_FUSE_ZFS_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif

#include <stddef.h>

#include <fuse_lowlevel.h>

/*
 * Largest read/write request.  The kernel cuts an asynchronous direct I/O
 * (loop with --direct-io) into requests of this size and sends them at
 * once, so smaller requests keep every CPU busy decompressing while
 * another request's reply is copied; a synchronous reader of the image
 * gets them one at a time, so larger requests cost it fewer round trips.
 * 512 KiB is the measured balance (doc/performance.md).
 */
#define ZFS_DEF_MAX_IO (512u << 10)
#define ZFS_MAX_MAX_IO (1u << 20) /* the kernel's FUSE_MAX_MAX_PAGES */

struct zfs_config {
	size_t max_io; /* 4 KiB multiple, 4K..ZFS_MAX_MAX_IO */
};

/* once, before the session is created: 0 or -errno */
int zfs_setup(const struct zfs_config *cfg);

/*
 * init		negotiates max_write (= max_io), async direct I/O, no
 *		readahead and no writeback cache
 * lookup, getattr, setattr, opendir, readdir, releasedir, statfs
 *		the fixed tree (fuse/inode.h); setattr changes nothing but
 *		accepts O_TRUNC of a control file, as sysfs does
 * open, release
 *		an image: a counted open of the device (direct I/O);
 *		a control file: one snapshot of its show(), taken by the
 *		first read (as sysfs: opening hot_add adds no device)
 * read, write	the image's bytes, or the snapshot / one store()
 * fsync, fallocate, lseek
 *		images only: flush, discard (PUNCH_HOLE, ZERO_RANGE),
 *		SEEK_DATA / SEEK_HOLE
 * create, mknod, mkdir, symlink, link, unlink, rmdir, rename
 *		refused as sysfs refuses them: EACCES for create, EPERM
 */
extern const struct fuse_lowlevel_ops zfs_ops;
/*
 * After the session loop (its workers joined), before the devices go:
 * free the control-file and directory handles no release came for (a
 * reader still had them open when the daemon ended).
 */
void zfs_drop_handles(void);

#endif
