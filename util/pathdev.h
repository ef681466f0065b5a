/*
 * pathdev - does a path lead onto a given filesystem, asked without
 * sending that filesystem a single request?
 *
 * The daemon opens paths it is given (a zstd dictionary, a backing
 * store) from a worker thread that is serving a request.  A path inside
 * its own mount would make that worker wait on a request only a worker
 * can answer: with -o threads=1 the mount hangs, with more it ties up
 * workers.  So the path is walked here a component at a time with O_PATH
 * and O_NOFOLLOW opens, symlinks resolved by their text, and the device
 * of each step read with statx(AT_STATX_DONT_SYNC), which a FUSE mount
 * answers from its cache: the walk stops before it would look a name up
 * on the mount.
 */
#ifndef ZRAMFS_PATHDEV_H
#define ZRAMFS_PATHDEV_H

#include <sys/types.h>

/*
 * 1 if resolving path (relative to the current directory) reaches a file
 * or directory on dev, 0 if it does not, -errno if the walk fails
 * (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG...: what open would say).  Only
 * the walk is checked: a rename or a new symlink between this call and
 * the caller's open is not seen.
 */
int zpath_on_dev(const char *path, dev_t dev);

#endif
