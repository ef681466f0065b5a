/*
 * mnt - the mount table (/proc/self/mountinfo) and the checks the daemon
 * makes on its mountpoint before mounting.
 *
 * A mountpoint is refused when it is not a directory, when a live zramfs
 * is mounted there already (a second one would hide it and every image
 * attached to it), or when it lies inside a zramfs mount.  Another
 * filesystem mounted there is mounted over: a Kubernetes volume is a
 * mount at the container's mountPath, and that is where the sidecar's
 * zramfs goes.  Files hidden by the mount (a non-empty directory or
 * filesystem) are warned about.  A dead zramfs
 * mount (its daemon killed: every access fails with ENOTCONN) at exactly
 * that path is detached (umount2 MNT_DETACH) and the path then used: a
 * dead FUSE mount serves nothing and holds nothing but its place.
 */
#ifndef ZRAMFS_MNT_H
#define ZRAMFS_MNT_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* one line of mountinfo, escapes (\040 ...) decoded */
struct zmnt {
	int id;
	unsigned int major, minor; /* st_dev of what is mounted */
	char point[PATH_MAX];
	char fstype[64];
	char source[256];
};

/*
 * Mount table of file (NULL: /proc/self/mountinfo).  zmnt_at: the
 * topmost mount at exactly path.  zmnt_holding: the nearest mount that
 * holds path below its mount point (path itself excluded).  Each returns
 * 1 and fills *m when found, 0 when not, -errno if the table is unreadable.
 */
int zmnt_at(const char *file, const char *path, struct zmnt *m);
int zmnt_holding(const char *file, const char *path, struct zmnt *m);
/* mounted by a zramfs daemon: source "zramfs", type fuse or fuse.zramfs */
bool zmnt_is_zramfs(const struct zmnt *m);
/* decode one mountinfo line into *m: 0, or -EINVAL */
int zmnt_parse(const char *line, struct zmnt *m);

/*
 * Check arg as a mountpoint, as the top comment says, printing every
 * problem to stderr as "zramfs: ...".  0 with the absolute path in
 * real[PATH_MAX] (symlinks resolved), or -1.  A dead zramfs mount there
 * is detached only if fix is set; otherwise it is only named.
 */
int zmnt_prepare(const char *arg, char *real, bool fix);

#endif
