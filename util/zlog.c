/* zlog - see zlog.h */
#include <stdarg.h>
#include <stdio.h>

#include "util/zlog.h"

static int log_debug;
static int log_syslog;

void zlog_init(int debug, int use_syslog)
{
	log_debug = debug;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog("zramfs", LOG_PID, LOG_DAEMON);
}

void zlog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		fputs("zramfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
