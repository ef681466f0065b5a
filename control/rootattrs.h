/*
 * rootattrs - read-only files at the mount root that cover every device
 * (stats.json, metrics).  Unlike a device attribute their size grows
 * with the number of devices (up to ZREG_MAX_DEVICES), so show hands back
 * a malloc'd rendering of any length instead of filling a fixed buffer.
 * Each open takes one snapshot of every device, then renders it.
 */
#ifndef ZRAMFS_ROOTATTRS_H
#define ZRAMFS_ROOTATTRS_H

#include <sys/types.h>

struct zattr_root {
	const char *name;
	mode_t mode;		/* 0444 */
	/* *out gets a malloc'd rendering; returns its length or -errno */
	ssize_t (*show)(char **out);
};

const struct zattr_root *zattr_root_table(int *n);

#endif
