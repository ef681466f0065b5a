/* mnt - see mnt.h */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mnt.h"

#define MOUNTINFO "/proc/self/mountinfo"
#define MAX_DEAD  8 /* stacked dead mounts removed at most */

/* copy a mountinfo field, decoding \ooo escapes; -EINVAL if too long */
static int unescape(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < len && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') << 6 |
				   (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= size)
			return -EINVAL;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int zmnt_parse(const char *line, struct zmnt *m)
{
	const char *f[12], *p = line;
	size_t len[12];
	int n = 0, sep = -1;

	/* id parent maj:min root point opts [optional...] - type source sopts */
	while (*p && *p != '\n') {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		if (n == 12)
			break;
		f[n] = p;
		p += strcspn(p, " \n");
		len[n] = p - f[n];
		if (sep < 0 && n >= 6 && len[n] == 1 && f[n][0] == '-')
			sep = n;
		n++;
		/* past the separator, only type and source are wanted */
		if (sep >= 0 && n == sep + 3)
			break;
	}
	if (sep < 0 || n < sep + 3)
		return -EINVAL;
	if (sscanf(f[0], "%d", &m->id) != 1 ||
	    sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
		return -EINVAL;
	if (unescape(f[4], len[4], m->point, sizeof(m->point)) ||
	    unescape(f[sep + 1], len[sep + 1], m->fstype, sizeof(m->fstype)) ||
	    unescape(f[sep + 2], len[sep + 2], m->source, sizeof(m->source)))
		return -EINVAL;
	return 0;
}

/* is mount point mp a parent of path (not path itself)? */
static bool holds(const char *mp, const char *path)
{
	size_t n = strlen(mp);

	if (!strcmp(mp, "/"))
		return strcmp(path, "/") != 0;
	return !strncmp(mp, path, n) && path[n] == '/' && path[n + 1];
}

/* exact: the last mount at path; else the last of the longest holders */
static int find(const char *file, const char *path, bool exact,
		struct zmnt *out)
{
	char *line = NULL;
	size_t cap = 0, best = 0;
	struct zmnt *m;
	int found = 0;
	FILE *f;

	f = fopen(file ? file : MOUNTINFO, "re");
	if (!f)
		return -errno;
	m = malloc(sizeof(*m));
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		if (zmnt_parse(line, m))
			continue;
		if (exact ? strcmp(m->point, path) != 0 :
			    !holds(m->point, path) || strlen(m->point) < best)
			continue;
		best = strlen(m->point);
		*out = *m;
		found = 1;
	}
	free(line);
	free(m);
	fclose(f);
	return found;
}

int zmnt_at(const char *file, const char *path, struct zmnt *m)
{
	return find(file, path, true, m);
}

int zmnt_holding(const char *file, const char *path, struct zmnt *m)
{
	return find(file, path, false, m);
}

bool zmnt_is_zramfs(const struct zmnt *m)
{
	return !strcmp(m->source, "zramfs") &&
	       (!strcmp(m->fstype, "fuse") ||
		!strcmp(m->fstype, "fuse.zramfs"));
}

/* -- the mountpoint ------------------------------------------------------- */

/*
 * The absolute path of arg when realpath cannot give it (the path ends
 * in a dead mount): its parent resolved, else arg made absolute with
 * "." and ".." taken lexically.
 */
static int dead_path(const char *arg, char *real)
{
	char tmp[PATH_MAX], parent[PATH_MAX], *slash, *base, *p, *q;
	size_t n;

	if (arg[0] == '/') {
		if (snprintf(tmp, sizeof(tmp), "%s", arg) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
	} else {
		if (!getcwd(parent, sizeof(parent)))
			return -errno;
		if (snprintf(tmp, sizeof(tmp), "%s/%s", parent, arg) >=
		    (int)sizeof(tmp))
			return -ENAMETOOLONG;
	}
	/* drop trailing slashes, then split off the last name */
	n = strlen(tmp);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	slash = strrchr(tmp, '/');
	base = slash + 1;
	if (strcmp(base, ".") && strcmp(base, "..") && *base) {
		*slash = '\0';
		if (realpath(slash == tmp ? "/" : tmp, parent)) {
			if (snprintf(real, PATH_MAX, "%s/%s",
				     strcmp(parent, "/") ? parent : "",
				     base) >= PATH_MAX)
				return -ENAMETOOLONG;
			return 0;
		}
		*slash = '/';
	}
	/* lexical: collapse //, /./ and /../ */
	q = real;
	for (p = tmp; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n == 1 && p[0] == '.') {
			;
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (q > real && *--q != '/')
				;
			*q = '\0';
		} else {
			*q++ = '/';
			memcpy(q, p, n);
			q += n;
		}
		p += n;
	}
	if (q == real)
		*q++ = '/';
	*q = '\0';
	return 0;
}

/*
 * A dead mount at path: detach it if it is a zramfs (and fix); 0 done,
 * 1 left for later (!fix), -1 refused.
 */
static int remove_dead(const char *arg, const char *path, bool fix)
{
	struct zmnt m;

	if (zmnt_at(NULL, path, &m) != 1) {
		if (zmnt_holding(NULL, path, &m) == 1)
			fprintf(stderr,
				"zramfs: %s: inside the dead mount at "
				"%s (%s, %s): its daemon is gone; remove it "
				"first: umount -l %s\n",
				arg, m.point, m.source, m.fstype, m.point);
		else
			fprintf(stderr, "zramfs: %s: %s\n", arg,
				strerror(ENOTCONN));
		return -1;
	}
	if (!zmnt_is_zramfs(&m)) {
		fprintf(stderr,
			"zramfs: %s: a dead FUSE mount is there (%s, "
			"%s): not a zramfs, left alone; remove it with "
			"umount -l %s\n",
			arg, m.source, m.fstype, path);
		return -1;
	}
	if (!fix) {
		fprintf(stderr,
			"zramfs: %s: a dead zramfs mount is there (its "
			"daemon is gone): it will be removed when zramfs "
			"starts\n",
			arg);
		return 1;
	}
	if (umount2(path, MNT_DETACH)) {
		fprintf(stderr,
			"zramfs: %s: a dead zramfs mount is there (its "
			"daemon is gone) and cannot be removed: %s; run "
			"fusermount3 -uz %s (or umount -l as root)\n",
			arg, strerror(errno), path);
		return -1;
	}
	fprintf(stderr,
		"zramfs: %s: removed a dead zramfs mount (its daemon "
		"was gone: lazy unmount)\n",
		path);
	return 0;
}

/* entries other than . and .. in dir, at most a few counted */
static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < 1000)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int zmnt_prepare(const char *arg, char *real, bool fix)
{
	struct zmnt m;
	struct stat st;
	int i, n, ret;
	bool top;

	if (!realpath(arg, real)) {
		if (errno != ENOTCONN) {
			fprintf(stderr, "zramfs: mountpoint %s: %s\n", arg,
				strerror(errno));
			return -1;
		}
		ret = dead_path(arg, real);
		if (ret) {
			fprintf(stderr, "zramfs: mountpoint %s: %s\n", arg,
				strerror(-ret));
			return -1;
		}
	}
	for (i = 0;; i++) {
		if (!stat(real, &st))
			break;
		if (errno != ENOTCONN || i == MAX_DEAD) {
			fprintf(stderr, "zramfs: mountpoint %s: %s\n", arg,
				strerror(errno));
			return -1;
		}
		ret = remove_dead(arg, real, fix);
		if (ret)
			return ret < 0 ? -1 : 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "zramfs: mountpoint %s is not a directory\n",
			arg);
		return -1;
	}
	top = zmnt_at(NULL, real, &m) == 1;
	if (top && zmnt_is_zramfs(&m)) {
		fprintf(stderr,
			"zramfs: mountpoint %s is already a mount point: "
			"%s (%s) is mounted there, a live zramfs; a second one "
			"would hide it and its images: unmount it first or "
			"choose another directory\n",
			arg, m.source, m.fstype);
		return -1;
	}
	if (!top && zmnt_holding(NULL, real, &m) == 1 && zmnt_is_zramfs(&m)) {
		fprintf(stderr,
			"zramfs: mountpoint %s is inside the zramfs "
			"mount at %s; choose a directory outside it\n",
			arg, m.point);
		return -1;
	}
	/* a volume (Kubernetes mounts one at the mountPath) is fine */
	n = count_entries(real);
	if (n && top)
		fprintf(stderr,
			"zramfs: warning: mountpoint %s is a mount point "
			"of %s (%s) holding %d entr%s: hidden while zramfs is "
			"mounted over it\n",
			arg, m.source, m.fstype, n, n == 1 ? "y" : "ies");
	else if (n)
		fprintf(stderr,
			"zramfs: warning: mountpoint %s is not empty: "
			"its %d entr%s hidden while zramfs is mounted\n",
			arg, n, n == 1 ? "y is" : "ies are");
	return 0;
}
