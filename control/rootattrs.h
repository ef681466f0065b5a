/*
 * rootattrs - read-only files at the mount root that cover every device
 * (stats.json, metrics).  Their size grows with the number of devices
 * (up to ZREG_MAX_DEVICES), so they are attributes with show_alloc only:
 * each open takes one snapshot of every device, then renders it into a
 * buffer of its own size.  The zdev argument is NULL, as for class files.
 */
#ifndef ZRAMFS_ROOTATTRS_H
#define ZRAMFS_ROOTATTRS_H

#include "control/attrs.h"

const struct zattr *zattr_root_table(int *n);

#endif
