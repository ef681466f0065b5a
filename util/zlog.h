/*
 * zlog - one logging call with syslog levels (after libfuse's fuse_log).
 * Messages go to stderr (or syslog when the daemon runs in the
 * background), prefixed "zramfs: ".  Debug output only with -d.
 * Nothing on the I/O hot path logs: failures there are counted instead.
 */
#ifndef ZRAMFS_ZLOG_H
#define ZRAMFS_ZLOG_H

#include <syslog.h>

void zlog_init(int debug, int use_syslog);
void zlog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
