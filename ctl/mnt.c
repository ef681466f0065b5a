/*
 * mnt - files of a zramfs mount, loop devices and the system's tools.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/mnt.h"

static void attr_path(char *buf, size_t size, const char *mnt, int id,
		      const char *attr)
{
	if (id < 0)
		snprintf(buf, size, "%s/class/zram-control/%s", mnt, attr);
	else
		snprintf(buf, size, "%s/block/zram%d/%s", mnt, id, attr);
}

void zctl_vmsg(const char *fmt, va_list ap)
{
	fputs("zramfsctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void zctl_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zctl_vmsg(fmt, ap);
	va_end(ap);
}

int zctl_read(const char *mnt, int id, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n = 0, got = 0;
	int fd, ret;

	attr_path(path, sizeof(path), mnt, id, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got < size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	/* a show that fails fails the read with its errno */
	if (n < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	close(fd);
	buf[got] = '\0';
	while (got > 0 && buf[got - 1] == '\n')
		buf[--got] = '\0';
	return 0;
}

int zctl_read_field(const char *mnt, int id, const char *attr, int n,
		    uint64_t *v)
{
	char buf[4096], *p = buf, *end;
	int ret = zctl_read(mnt, id, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return -ENODATA;
		if (!n--)
			break;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	errno = 0;
	*v = strtoull(p, &end, 10);
	if (end == p || errno)
		return -EINVAL;
	return 0;
}

int zctl_read_u64(const char *mnt, int id, const char *attr, uint64_t *v)
{
	return zctl_read_field(mnt, id, attr, 0, v);
}

int zctl_write(const char *mnt, int id, const char *attr, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret = 0;

	attr_path(path, sizeof(path), mnt, id, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(val))
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int zctl_has(const char *mnt, int id, const char *attr)
{
	char path[PATH_MAX];

	attr_path(path, sizeof(path), mnt, id, attr);
	return access(path, F_OK) == 0;
}

int zctl_exists(const char *mnt, int id)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/block/zram%d", mnt, id);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int zctl_list(const char *mnt, int *ids, int max)
{
	char path[PATH_MAX];
	struct dirent *d;
	int n = 0, id;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/block", mnt);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && n < max) {
		id = zctl_parse_dev(d->d_name);
		if (id >= 0 && !strncmp(d->d_name, "zram", 4))
			ids[n++] = id;
	}
	closedir(dir);
	qsort(ids, n, sizeof(*ids), cmp_int);
	return n;
}

int zctl_hot_add(const char *mnt)
{
	char buf[64];
	int ret = zctl_read(mnt, -1, "hot_add", buf, sizeof(buf));

	if (ret)
		return ret;
	ret = zctl_parse_dev(buf);
	return ret < 0 ? -EIO : ret;
}

int zctl_hot_remove(const char *mnt, int id)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", id);
	return zctl_write(mnt, -1, "hot_remove", buf);
}

void zctl_image(const char *mnt, int id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/dev/zram%d", mnt, id);
}

int zctl_parse_dev(const char *arg)
{
	const char *p = strrchr(arg, '/');
	char *end;
	long id;

	p = p ? p + 1 : arg;
	if (!strncmp(p, "zram", 4))
		p += 4;
	if (!isdigit((unsigned char)*p) || (p[0] == '0' && p[1]))
		return -1;
	id = strtol(p, &end, 10);
	if (*end || id < 0 || id >= ZCTL_MAX_DEVICES)
		return -1;
	return (int)id;
}

/* the mount table's escapes (\040 for a space, ...) undone in place */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 +
			       (s[3] - '0');
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/*
 * Each mount of this namespace: calls fn(source, target, fstype, arg)
 * until it returns non-zero; returns that value.
 */
static int each_mount(int (*fn)(const char *, const char *, const char *,
				void *),
		      void *arg)
{
	char line[4096], *f[10], *save, *sep;
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	int i, ret = 0;

	if (!mi)
		return 0;
	while (!ret && fgets(line, sizeof(line), mi)) {
		/* id parent maj:min root target opts [optional...] - type src */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		f[0] = strtok_r(line, " ", &save);
		for (i = 1; i < 5 && f[i - 1]; i++)
			f[i] = strtok_r(NULL, " ", &save);
		f[5] = strtok_r(sep + 3, " ", &save);		   /* type */
		f[6] = f[5] ? strtok_r(NULL, " \n", &save) : NULL; /* source */
		if (!f[4] || !f[5] || !f[6])
			continue;
		unescape(f[4]);
		unescape(f[6]);
		ret = fn(f[6], f[4], f[5], arg);
	}
	fclose(mi);
	return ret;
}

struct mount_query {
	const char *dev;
	const char *dir;
	char *out;
	size_t size;
};

static int match_zramfs(const char *src, const char *target, const char *type,
			void *arg)
{
	struct mount_query *q = arg;

	return !strcmp(target, q->dir) && !strcmp(type, "fuse.zramfs");
}

int zctl_is_zramfs(const char *dir)
{
	struct mount_query q = { NULL, dir, NULL, 0 };
	char real[PATH_MAX];

	if (realpath(dir, real))
		q.dir = real;
	return each_mount(match_zramfs, &q);
}

static int match_source(const char *src, const char *target, const char *type,
			void *arg)
{
	struct mount_query *q = arg;

	if (strcmp(src, q->dev) || (q->dir && strcmp(target, q->dir)))
		return 0;
	if (q->out)
		snprintf(q->out, q->size, "%s", target);
	return 1;
}

int zctl_is_mounted(const char *dev, const char *dir)
{
	struct mount_query q = { dev, dir, NULL, 0 };
	char real[PATH_MAX];

	if (realpath(dir, real))
		q.dir = real;
	return each_mount(match_source, &q);
}

int zctl_is_swap(const char *dev)
{
	char line[4096], name[4096];
	FILE *f = fopen("/proc/swaps", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s", name) == 1) {
			unescape(name);
			found = !strcmp(name, dev);
		}
	fclose(f);
	return found;
}

void zctl_use_of(const char *dev, char *buf, size_t size)
{
	struct mount_query q = { dev, NULL, buf, size };

	buf[0] = '\0';
	if (!*dev)
		return;
	if (zctl_is_swap(dev))
		snprintf(buf, size, "[SWAP]");
	else
		each_mount(match_source, &q);
}

int zctl_loop_of(const char *file, char *dev, size_t size)
{
	char real[PATH_MAX], path[PATH_MAX + 64], back[PATH_MAX + 16];
	struct dirent *d;
	DIR *dir;
	FILE *f;
	size_t n;

	dev[0] = '\0';
	if (!realpath(file, real))
		snprintf(real, sizeof(real), "%s", file);
	dir = opendir("/sys/block");
	if (!dir)
		return -errno;
	while (!dev[0] && (d = readdir(dir))) {
		if (strncmp(d->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file",
			 d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(back, sizeof(back), f)) {
			n = strcspn(back, "\n");
			back[n] = '\0';
			if (!strcmp(back, real))
				snprintf(dev, size, "/dev/%s", d->d_name);
		}
		fclose(f);
	}
	closedir(dir);
	return 0;
}

int zctl_have_prog(const char *prog)
{
	char path[PATH_MAX];
	const char *p, *e, *env = getenv("PATH");

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (p = env ? env : "/usr/sbin:/usr/bin:/sbin:/bin"; *p; p = e) {
		e = strchrnul(p, ':');
		snprintf(path, sizeof(path), "%.*s/%s", (int)(e - p), p, prog);
		if (access(path, X_OK) == 0)
			return 1;
		if (*e)
			e++;
	}
	return 0;
}

/* what a failed tool said, copied from its memfd to our stderr */
static void replay(int fd)
{
	char buf[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, n) != n)
			break;
}

int zctl_run(char *const argv[], char *out, size_t outlen)
{
	int pfd[2] = { -1, -1 }, status, fd, efd;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	/* the tool's stderr is kept, and shown only if it fails */
	efd = memfd_create("zramfsctl-stderr", MFD_CLOEXEC);
	if (out && pipe2(pfd, O_CLOEXEC)) {
		status = -errno;
		if (efd >= 0)
			close(efd);
		return status;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		status = -errno;
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return status;
	}
	if (pid == 0) {
		fd = out ? pfd[1] : open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		if (efd >= 0)
			dup2(efd, STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "zramfsctl: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (out) {
		char drain[256];

		close(pfd[1]);
		while (got < outlen - 1 &&
		       (n = read(pfd[0], out + got, outlen - 1 - got)) > 0)
			got += n;
		/* the rest is not kept, but the child must not block on it */
		while (read(pfd[0], drain, sizeof(drain)) > 0)
			;
		out[got] = '\0';
		out[strcspn(out, "\n")] = '\0';
		close(pfd[0]);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -errno;
			goto out_close;
		}
	}
	status = WIFEXITED(status) ? WEXITSTATUS(status) :
				     128 + WTERMSIG(status);
	if (status && efd >= 0)
		replay(efd);
out_close:
	if (efd >= 0)
		close(efd);
	return status;
}
