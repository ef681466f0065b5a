/*
 * zlog - one logging call with syslog levels (after libfuse's fuse_log).
 *
 * Where lines go:
 *   -o log=PATH (zlog_open_file)  that file, appended, with a time stamp
 *   foreground                    stderr, prefixed "zramfs: "
 *   background, syslog listening  syslog (daemon facility)
 *   background, no /dev/log       stderr as it was before daemonizing
 *                                 (kept on a descriptor of its own), so
 *                                 containers and minimal hosts still see
 *                                 every line; but not a pipe or socket:
 *                                 the caller waits for its end (`make run
 *                                 | tail`, `$(...)`, ssh), so the lines go
 *                                 to ZLOG_DEFAULT_FILE (stderr says so)
 * Debug output only with -d.  Nothing on the I/O hot path logs: failures
 * there are counted instead.
 */
#ifndef ZRAMFS_ZLOG_H
#define ZRAMFS_ZLOG_H

#include <stdbool.h>
#include <syslog.h>

/* log to path (opened now, appended): 0 or -errno; before zlog_init */
int zlog_open_file(const char *path);
/* background: the daemon will detach from its terminal (see above) */
void zlog_init(int debug, int background);
#define ZLOG_DEFAULT_FILE "/run/zramfs.log"

/* just before daemonizing: let go of a stderr that is a pipe (see above) */
void zlog_detach(void);
/* -d given: callers may skip building debug-only text */
bool zlog_debug(void);
void zlog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
