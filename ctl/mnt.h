/*
 * mnt - zramfsctl's view of a zramfs mount: its files only (block/zramN/...,
 * class/zram-control/..., dev/zramN), the loop devices attached to its
 * images, what is mounted or swapped on them, and running the system's
 * tools (losetup, mkswap, swapon, mkfs, mount).  Never device/ internals.
 *
 * Functions return 0 or -errno; a control file's error is the errno its
 * write() failed with, exactly as `echo` would report it.
 */
#ifndef ZRAMFS_CTL_MNT_H
#define ZRAMFS_CTL_MNT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ZCTL_MAX_DEVICES 1024

/* "zramfsctl: " and the message, one line on stderr */
void zctl_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zctl_vmsg(const char *fmt, va_list ap);

/* MNT/block/zramN/ATTR into buf, the trailing newline removed */
int zctl_read(const char *mnt, int id, const char *attr, char *buf,
	      size_t size);
/* the same as a number (the first field for multi-field files) */
int zctl_read_u64(const char *mnt, int id, const char *attr, uint64_t *v);
/* field n (0-based) of a whitespace-separated stats file */
int zctl_read_field(const char *mnt, int id, const char *attr, int n,
		    uint64_t *v);
/* one write() of val, as sysfs takes it */
int zctl_write(const char *mnt, int id, const char *attr, const char *val);
/* 1 if the device has the control file, else 0 */
int zctl_has(const char *mnt, int id, const char *attr);
/* the device exists */
int zctl_exists(const char *mnt, int id);
/* ids under MNT/block in ascending order; the count or -errno */
int zctl_list(const char *mnt, int *ids, int max);
/* class/zram-control: a new device's id, or -errno */
int zctl_hot_add(const char *mnt);
int zctl_hot_remove(const char *mnt, int id);
/* MNT/dev/zramN */
void zctl_image(const char *mnt, int id, char *buf, size_t size);
/* 1 if dir is the mount point of a zramfs mount */
int zctl_is_zramfs(const char *dir);

/* "zram3", "/dev/zram3", ".../dev/zram3", "3" -> 3; -1 if none */
int zctl_parse_dev(const char *arg);

/* the loop device backed by file (first found), "" if none */
int zctl_loop_of(const char *file, char *dev, size_t size);
/* where dev is in use: "[SWAP]", a mount point, or "" */
void zctl_use_of(const char *dev, char *buf, size_t size);
/* dev is an active swap area */
int zctl_is_swap(const char *dev);
/* dir is a mount point with dev mounted on it */
int zctl_is_mounted(const char *dev, const char *dir);

/*
 * Run argv (a program on PATH) and wait: its exit status (0..255) or
 * -errno.  With out, stdout is collected there (newline cut); otherwise
 * it goes to /dev/null.  Its stderr is shown only if it fails.
 */
int zctl_run(char *const argv[], char *out, size_t outlen);
/* prog found on PATH (or a path that is executable) */
int zctl_have_prog(const char *prog);

#endif
