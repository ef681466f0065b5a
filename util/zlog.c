/* zlog - see zlog.h */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/zlog.h"

static int log_debug;
static int log_syslog;
static int log_fd = -1; /* a file or the saved stderr; -1: stderr */
static bool log_stamp;	/* time stamps: a file of its own */

int zlog_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	/* above 0..2, which daemonizing points at /dev/null */
	if (fd < 3) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		close(fd);
		if (high < 0)
			return -errno;
		fd = high;
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_stamp = true;
	return 0;
}

/* is anything listening on /dev/log? (syslog() itself never says) */
static bool syslog_listening(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int types[] = { SOCK_DGRAM, SOCK_STREAM };
	bool ok = false;
	unsigned int i;
	int fd;

	strcpy(sa.sun_path, _PATH_LOG);
	for (i = 0; i < 2 && !ok; i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
	}
	return ok;
}

void zlog_init(int debug, int background)
{
	log_debug = debug;
	if (log_fd >= 0 || !background)
		return;
	if (syslog_listening()) {
		log_syslog = 1;
		openlog("zramfs", LOG_PID, LOG_DAEMON);
		return;
	}
	/* no syslog: keep stderr past daemonizing (-1: lines are lost) */
	log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
}

void zlog_detach(void)
{
	struct stat st;

	if (log_syslog || log_stamp || log_fd < 0)
		return;
	if (fstat(log_fd, &st) ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	/* a file it cannot create (not root): stderr stays, as before */
	if (zlog_open_file(ZLOG_DEFAULT_FILE))
		return;
	fprintf(stderr,
		"zramfs: no syslog on %s and stderr is a pipe: logging to %s "
		"(-o log=PATH to choose)\n",
		_PATH_LOG, ZLOG_DEFAULT_FILE);
}

bool zlog_debug(void)
{
	return log_debug;
}

void zlog(int level, const char *fmt, ...)
{
	char line[2048];
	size_t len = 0;
	struct tm tm;
	va_list ap;
	time_t now;
	int n;

	if (level == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
		va_end(ap);
		return;
	}
	if (log_stamp) {
		now = time(NULL);
		localtime_r(&now, &tm);
		len = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S ", &tm);
		n = snprintf(line + len, sizeof(line) - len,
			     "zramfs[%d]: ", (int)getpid());
	} else {
		n = snprintf(line, sizeof(line), "zramfs: ");
	}
	len += n > 0 ? (size_t)n : 0;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2; /* truncated: keep the newline */
	line[len++] = '\n';
	/* one write per line: lines from several threads do not mix */
	if (write(log_fd >= 0 ? log_fd : STDERR_FILENO, line, len) < 0)
		return;
}
