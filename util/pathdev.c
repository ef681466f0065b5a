/* pathdev - see pathdev.h */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/pathdev.h"

#define MAX_LINKS 40 /* the kernel's MAXSYMLINKS */

/* device and type of what fd names, from the cache only */
static int fd_stat(int fd, dev_t *dev, mode_t *mode)
{
	struct statx stx;

	if (statx(fd, "",
		  AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
		  STATX_TYPE, &stx))
		return -errno;
	*dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	*mode = stx.stx_mode;
	return 0;
}

/* open a directory to start from; 1 if it is on dev */
static int start_at(const char *dir, dev_t dev, int *fd)
{
	mode_t mode;
	dev_t d;
	int ret;

	*fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	ret = fd_stat(*fd, &d, &mode);
	if (ret)
		return ret;
	return d == dev;
}

/* "target/rest": the rest of the walk after a symlink */
static char *join_rest(const char *target, const char *rest)
{
	size_t t = strlen(target), r = strlen(rest);
	char *s;

	if (t + r + 2 > PATH_MAX)
		return NULL;
	s = malloc(t + r + 2);
	if (!s)
		return NULL;
	memcpy(s, target, t);
	s[t] = '/';
	memcpy(s + t + 1, rest, r + 1);
	return s;
}

int zpath_on_dev(const char *path, dev_t dev)
{
	char target[PATH_MAX], *walk, *p, *name, *next_walk;
	int cur = -1, next, links = 0, ret;
	mode_t mode;
	ssize_t n;
	dev_t d;

	if (!path[0])
		return -ENOENT;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	walk = strdup(path);
	if (!walk)
		return -ENOMEM;
	ret = start_at(path[0] == '/' ? "/" : ".", dev, &cur);
	p = walk;
	while (!ret) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		name = p;
		p += strcspn(p, "/");
		if (*p)
			*p++ = '\0';
		if (!strcmp(name, "."))
			continue;
		next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			ret = -errno;
			break;
		}
		ret = fd_stat(next, &d, &mode);
		if (!ret && d == dev)
			ret = 1;
		if (ret || !S_ISLNK(mode)) {
			close(cur);
			cur = next;
			continue;
		}
		/* a symlink: walk its text, then what was left */
		n = readlinkat(next, "", target, sizeof(target) - 1);
		close(next);
		if (n < 0) {
			ret = -errno;
			break;
		}
		target[n] = '\0';
		if (++links > MAX_LINKS) {
			ret = -ELOOP;
			break;
		}
		next_walk = join_rest(target, p);
		if (!next_walk) {
			ret = -ENAMETOOLONG;
			break;
		}
		free(walk);
		walk = p = next_walk;
		if (target[0] == '/') {
			close(cur);
			ret = start_at("/", dev, &cur);
		}
	}
	if (cur >= 0)
		close(cur);
	free(walk);
	return ret;
}
