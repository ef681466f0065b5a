/*
 * attrs - the control files: one table of {name, mode, show, store}, as
 * the kernel's zram_disk_attrs[] and zram_control_class_attrs[].
 *
 * show renders into a ZATTR_BUF_SIZE buffer and returns its length or
 * -errno; store gets the bytes of one write() and returns len or -errno.
 * A store parses and validates first, then applies: a rejected write
 * changes nothing.
 */
#ifndef ZRAMFS_ATTRS_H
#define ZRAMFS_ATTRS_H

#include <stddef.h>
#include <sys/types.h>

#include "device/zdev.h"

#define ZATTR_BUF_SIZE 4096

struct zattr {
	const char *name;
	mode_t mode; /* 0644 RW, 0444 RO, 0200 WO, as the kernel */
	/* NULL for write-only files */
	ssize_t (*show)(struct zdev *z, char *buf, size_t size);
	/* NULL for read-only files */
	ssize_t (*store)(struct zdev *z, const char *buf, size_t len);
	/*
	 * Instead of show, for files that may outgrow ZATTR_BUF_SIZE: a
	 * malloc'd text in *out (NULL when empty), its length or -errno.
	 */
	ssize_t (*show_alloc)(struct zdev *z, char **out);
};

/* device attributes (block/zramN/...); *n gets the count */
const struct zattr *zattr_dev_table(int *n);
/* class attributes (class/zram-control/...); the zdev argument is NULL */
const struct zattr *zattr_class_table(int *n);
/* the kernel's debugfs files of a device (debug/zramN/...) */
const struct zattr *zattr_debug_table(int *n);

/*
 * Why a store of a refused with -err, in words, for the debug log: the
 * errno's meaning for that file (and the device's state where it
 * decides, e.g. EBUSY after init).  z is NULL for class files.
 */
const char *zattr_why(const struct zattr *a, struct zdev *z, int err);

/* worker threads serving I/O: shown by max_comp_streams */
void zattr_set_workers(int n);

#endif
