/*
 * zramfs - FUSE glue: options, the operations table, inode -> object
 * dispatch.  No algorithm lives here.
 *
 * The tree is fixed, so inode numbers encode what they name:
 *
 *   1 /            2 /dev        3 /block        4 /class
 *   5 /class/zram-control        16+k  class attribute k
 *   DEV_BASE + id*DEV_STRIDE + 0        /dev/zramN (the image)
 *                            + 1        /block/zramN/
 *                            + 2 + k    /block/zramN/<attribute k>
 *
 * Entries and attributes are never cached by the kernel (timeouts 0), so
 * sizes are never stale after disksize or reset and removed devices
 * vanish at once.  The image is served with direct I/O: no uncompressed
 * copy sits in the page cache.  Each open of a readable control file
 * takes one snapshot of its show(): one `cat hot_add` adds one device.
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "control/attrs.h"
#include "control/parse.h"
#include "device/registry.h"
#include "device/zdev.h"
#include "util/harden.h"
#include "util/zlog.h"

#define INO_ROOT	1
#define INO_DEV		2
#define INO_BLOCK	3
#define INO_CLASS	4
#define INO_CONTROL	5
#define INO_CLASS_ATTR	16
#define DEV_BASE	0x10000ull
#define DEV_STRIDE	64ull
/*
 * Largest read/write request.  The kernel cuts an asynchronous direct I/O
 * (loop with --direct-io) into requests of this size and sends them at
 * once, so smaller requests keep every CPU busy decompressing while
 * another request's reply is copied; a synchronous reader of the image
 * gets them one at a time, so larger requests cost it fewer round trips.
 * 512 KiB is the measured balance (doc/performance.md).
 */
#define DEF_MAX_IO	(512u << 10)
#define MAX_MAX_IO	(1u << 20)	/* the kernel's FUSE_MAX_MAX_PAGES */
#define DEF_THREADS	16
#define RELEASE_GRACE_MS 1000	/* see signal_thread */

enum kind { K_NONE, K_DIR, K_IMAGE, K_ATTR };

struct node {
	enum kind kind;
	int dev;			/* device id, or -1 */
	const struct zattr *attr;	/* for K_ATTR */
};

/* an open control file: one snapshot for reads */
struct ctl_handle {
	const struct zattr *attr;
	struct zdev *dev;		/* referenced, NULL for class files */
	ssize_t len;			/* snapshot length or -errno */
	char buf[ZATTR_BUF_SIZE];
};

static struct timespec start_time;
static struct fuse_session *session;

static const struct zattr *dev_attrs, *class_attrs;
static int nr_dev_attrs, nr_class_attrs;

static fuse_ino_t dev_ino(int id, unsigned int sub)
{
	return DEV_BASE + (fuse_ino_t)id * DEV_STRIDE + sub;
}

static struct node decode(fuse_ino_t ino)
{
	struct node n = { K_NONE, -1, NULL };
	unsigned int sub;

	if (ino >= INO_ROOT && ino <= INO_CONTROL) {
		n.kind = K_DIR;
	} else if (ino >= INO_CLASS_ATTR &&
		   ino < INO_CLASS_ATTR + (fuse_ino_t)nr_class_attrs) {
		n.kind = K_ATTR;
		n.attr = &class_attrs[ino - INO_CLASS_ATTR];
	} else if (ino >= DEV_BASE) {
		n.dev = (ino - DEV_BASE) / DEV_STRIDE;
		sub = (ino - DEV_BASE) % DEV_STRIDE;
		if (n.dev >= ZREG_MAX_DEVICES)
			return n;
		if (sub == 0) {
			n.kind = K_IMAGE;
		} else if (sub == 1) {
			n.kind = K_DIR;
		} else if (sub - 2 < (unsigned int)nr_dev_attrs) {
			n.kind = K_ATTR;
			n.attr = &dev_attrs[sub - 2];
		}
	}
	return n;
}

/* fill st for ino; -ENOENT if it does not exist (now) */
static int stat_ino(fuse_ino_t ino, struct stat *st)
{
	struct node n = decode(ino);
	struct zdev *z = NULL;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atim = st->st_mtim = st->st_ctim = start_time;
	st->st_blksize = ZPAGE_SIZE;
	if (n.kind == K_NONE)
		return -ENOENT;
	if (n.dev >= 0) {
		z = zreg_get(n.dev);
		if (!z)
			return -ENOENT;
	}
	switch (n.kind) {
	case K_DIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		break;
	case K_IMAGE: {
		struct zstats s;

		zdev_stats(z, &s);
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_size = s.disksize;
		st->st_blocks = s.orig_data_size / 512;
		break;
	}
	case K_ATTR:
		st->st_mode = S_IFREG | n.attr->mode;
		st->st_nlink = 1;
		st->st_size = ZATTR_BUF_SIZE;	/* as sysfs */
		break;
	default:
		break;
	}
	if (z)
		zreg_put(z);
	return 0;
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse_entry_param e;
	int ret;

	memset(&e, 0, sizeof(e));
	ret = stat_ino(ino, &e.attr);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.ino = ino;
	e.attr_timeout = 0;
	e.entry_timeout = 0;
	fuse_reply_entry(req, &e);
}

/* "zram<N>" -> N, or -1 */
static int parse_dev_name(const char *name)
{
	char *end;
	long id;

	if (strncmp(name, "zram", 4) || !name[4] || name[4] == '+' ||
	    name[4] == '-' || (name[4] == '0' && name[5]))
		return -1;
	id = strtol(name + 4, &end, 10);
	if (*end || id < 0 || id >= ZREG_MAX_DEVICES)
		return -1;
	return (int)id;
}

static void zfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node p = decode(parent);
	fuse_ino_t ino = 0;
	int i, id;

	switch (parent) {
	case INO_ROOT:
		if (!strcmp(name, "dev"))
			ino = INO_DEV;
		else if (!strcmp(name, "block"))
			ino = INO_BLOCK;
		else if (!strcmp(name, "class"))
			ino = INO_CLASS;
		break;
	case INO_CLASS:
		if (!strcmp(name, "zram-control"))
			ino = INO_CONTROL;
		break;
	case INO_CONTROL:
		for (i = 0; i < nr_class_attrs; i++)
			if (!strcmp(name, class_attrs[i].name))
				ino = INO_CLASS_ATTR + i;
		break;
	case INO_DEV:
	case INO_BLOCK:
		id = parse_dev_name(name);
		if (id >= 0)
			ino = dev_ino(id, parent == INO_DEV ? 0 : 1);
		break;
	default:
		if (p.kind == K_DIR && p.dev >= 0)
			for (i = 0; i < nr_dev_attrs; i++)
				if (!strcmp(name, dev_attrs[i].name))
					ino = dev_ino(p.dev, 2 + i);
		break;
	}
	if (!ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	reply_entry(req, ino);
}

static void zfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;
	int ret = stat_ino(ino, &st);

	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, 0);
}

static void zfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	struct node n = decode(ino);
	struct stat st;
	int ret = stat_ino(ino, &st);

	if (ret)
		goto out_err;
	ret = -EPERM;
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
		      FUSE_SET_ATTR_GID))
		goto out_err;
	if (to_set & FUSE_SET_ATTR_SIZE) {
		/* O_TRUNC on a control file is harmless, as on sysfs; an
		 * image keeps the size its disksize gives it */
		ret = -EINVAL;
		if (n.kind == K_IMAGE && attr->st_size != st.st_size)
			goto out_err;
		if (n.kind == K_DIR)
			goto out_err;
	}
	fuse_reply_attr(req, &st, 0);
	return;
out_err:
	fuse_reply_err(req, -ret);
}

/*
 * Reply with a copy of buf: the client may close the file, and its
 * RELEASE free the buffer on another worker, as soon as the reply lands,
 * which is before writev() has returned here.
 */
static void reply_copy(fuse_req_t req, const char *buf, size_t len)
{
	static __thread char copy[ZATTR_BUF_SIZE];

	if (len > sizeof(copy)) {
		char *p = malloc(len);

		if (!p) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(p, buf, len);
		fuse_reply_buf(req, p, len);
		free(p);
		return;
	}
	memcpy(copy, buf, len);
	fuse_reply_buf(req, copy, len);
}

struct dirbuf {
	char *p;
	size_t size;
};

static void dir_add(fuse_req_t req, struct dirbuf *b, const char *name,
		    fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t old = b->size;
	char *np;

	b->size += fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	np = realloc(b->p, b->size);
	if (!np) {
		b->size = old;
		return;
	}
	b->p = np;
	fuse_add_direntry(req, b->p + old, b->size - old, name, &st, b->size);
}

static void zfs_opendir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct node n = decode(ino);
	struct dirbuf *b;
	int ids[ZREG_MAX_DEVICES], cnt, i;
	char name[32];
	struct stat st;
	int ret = stat_ino(ino, &st);

	if (ret || n.kind != K_DIR) {
		fuse_reply_err(req, ret ? -ret : ENOTDIR);
		return;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	dir_add(req, b, ".", ino, S_IFDIR);
	dir_add(req, b, "..", INO_ROOT, S_IFDIR);
	switch (ino) {
	case INO_ROOT:
		dir_add(req, b, "dev", INO_DEV, S_IFDIR);
		dir_add(req, b, "block", INO_BLOCK, S_IFDIR);
		dir_add(req, b, "class", INO_CLASS, S_IFDIR);
		break;
	case INO_CLASS:
		dir_add(req, b, "zram-control", INO_CONTROL, S_IFDIR);
		break;
	case INO_CONTROL:
		for (i = 0; i < nr_class_attrs; i++)
			dir_add(req, b, class_attrs[i].name,
				INO_CLASS_ATTR + i, S_IFREG);
		break;
	case INO_DEV:
	case INO_BLOCK:
		cnt = zreg_list(ids, ZREG_MAX_DEVICES);
		for (i = 0; i < cnt; i++) {
			snprintf(name, sizeof(name), "zram%d", ids[i]);
			dir_add(req, b, name,
				dev_ino(ids[i], ino == INO_DEV ? 0 : 1),
				ino == INO_DEV ? S_IFREG : S_IFDIR);
		}
		break;
	default:
		for (i = 0; i < nr_dev_attrs; i++)
			dir_add(req, b, dev_attrs[i].name,
				dev_ino(n.dev, 2 + i), S_IFREG);
		break;
	}
	fi->fh = (uint64_t)(uintptr_t)b;
	fuse_reply_open(req, fi);
}

static void zfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	struct dirbuf *b = (struct dirbuf *)(uintptr_t)fi->fh;

	if ((size_t)off < b->size)
		reply_copy(req, b->p + off,
			   size < b->size - off ? size : b->size - off);
	else
		fuse_reply_buf(req, NULL, 0);
}

static void zfs_releasedir(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	struct dirbuf *b = (struct dirbuf *)(uintptr_t)fi->fh;

	free(b->p);
	free(b);
	fuse_reply_err(req, 0);
}

static void open_attr(fuse_req_t req, struct node *n,
		      struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	struct ctl_handle *h;
	struct zdev *z = NULL;

	/* as kernfs: no show, no reading; no store, no writing */
	if ((acc != O_WRONLY && !n->attr->show) ||
	    (acc != O_RDONLY && !n->attr->store)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (n->dev >= 0) {
		z = zreg_get(n->dev);
		if (!z) {
			fuse_reply_err(req, ENOENT);
			return;
		}
	}
	h = malloc(sizeof(*h));
	if (!h) {
		if (z)
			zreg_put(z);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->attr = n->attr;
	h->dev = z;
	h->len = 0;
	if (acc != O_WRONLY)
		h->len = n->attr->show(z, h->buf, sizeof(h->buf));
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->nonseekable = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* interrupted: undo */
		if (z)
			zreg_put(z);
		free(h);
	}
}

static void zfs_open(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	struct node n = decode(ino);
	struct zdev *z;

	switch (n.kind) {
	case K_IMAGE:
		z = zreg_open(n.dev);
		if (!z) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		fi->fh = (uint64_t)(uintptr_t)z;
		fi->direct_io = 1;
		fi->noflush = 1;
		if (fuse_reply_open(req, fi) == -ENOENT)
			zreg_close(z);
		return;
	case K_ATTR:
		open_attr(req, &n, fi);
		return;
	case K_DIR:
		fuse_reply_err(req, EISDIR);
		return;
	default:
		fuse_reply_err(req, ENOENT);
		return;
	}
}

static void zfs_release(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct node n = decode(ino);

	if (n.kind == K_IMAGE) {
		zreg_close((struct zdev *)(uintptr_t)fi->fh);
	} else {
		struct ctl_handle *h = (struct ctl_handle *)(uintptr_t)fi->fh;

		if (h->dev)
			zreg_put(h->dev);
		free(h);
	}
	fuse_reply_err(req, 0);
}

/* per-worker read buffer, allocated once per thread */
static pthread_key_t rbuf_key;
static __thread void *rbuf;

static size_t max_io = DEF_MAX_IO;

static void *read_buffer(void)
{
	if (!rbuf) {
		if (posix_memalign(&rbuf, 4096, max_io))
			return rbuf = NULL;
		pthread_setspecific(rbuf_key, rbuf);
	}
	return rbuf;
}

static void zfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct node n = decode(ino);
	ssize_t ret;
	void *buf;

	if (n.kind == K_IMAGE) {
		harden_thread();
		buf = size <= max_io ? read_buffer() : NULL;
		if (!buf) {
			fuse_reply_err(req, size <= max_io ? ENOMEM : EINVAL);
			return;
		}
		ret = zdev_read((struct zdev *)(uintptr_t)fi->fh, buf, size,
				off);
		if (ret < 0)
			fuse_reply_err(req, -ret);
		else
			fuse_reply_buf(req, buf, ret);
	} else {
		struct ctl_handle *h = (struct ctl_handle *)(uintptr_t)fi->fh;

		if (h->len < 0)
			fuse_reply_err(req, -h->len);
		else if (off >= h->len)
			fuse_reply_buf(req, NULL, 0);
		else
			reply_copy(req, h->buf + off,
				   size < (size_t)(h->len - off) ?
				   size : (size_t)(h->len - off));
	}
}

static void zfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct node n = decode(ino);
	ssize_t ret;

	if (n.kind == K_IMAGE) {
		harden_thread();
		ret = zdev_write((struct zdev *)(uintptr_t)fi->fh, buf, size,
				 off);
	} else {
		struct ctl_handle *h = (struct ctl_handle *)(uintptr_t)fi->fh;

		ret = h->attr->store(h->dev, buf, size);
		if (ret > 0 && (size_t)ret > size)
			ret = size;
	}
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_write(req, ret);
}

static void zfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		      struct fuse_file_info *fi)
{
	if (decode(ino).kind == K_IMAGE)
		zdev_flush((struct zdev *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void zfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			  off_t off, off_t len, struct fuse_file_info *fi)
{
	struct zdev *z = (struct zdev *)(uintptr_t)fi->fh;
	uint64_t size;
	int ret = 0;

	if (decode(ino).kind != K_IMAGE) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (off < 0 || len <= 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	size = zdev_disksize(z);
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		     FALLOC_FL_ZERO_RANGE)) {
		ret = -EOPNOTSUPP;
	} else if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		ret = zdev_discard(z, off, len);
	} else if ((uint64_t)off + len > size) {
		/* the image never grows */
		ret = (mode & FALLOC_FL_KEEP_SIZE) ? 0 : -ENOSPC;
	}
	fuse_reply_err(req, -ret);
}

static void zfs_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		      struct fuse_file_info *fi)
{
	off_t ret;

	if (decode(ino).kind != K_IMAGE ||
	    (whence != SEEK_DATA && whence != SEEK_HOLE)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	ret = zdev_seek((struct zdev *)(uintptr_t)fi->fh, off, whence);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_lseek(req, ret);
}

static void zfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	int ids[ZREG_MAX_DEVICES], cnt, i;
	struct statvfs sv;
	struct zstats s;
	struct zdev *z;

	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = ZPAGE_SIZE;
	sv.f_namemax = NAME_MAX;
	cnt = zreg_list(ids, ZREG_MAX_DEVICES);
	for (i = 0; i < cnt; i++) {
		z = zreg_get(ids[i]);
		if (!z)
			continue;
		zdev_stats(z, &s);
		sv.f_blocks += s.disksize / ZPAGE_SIZE;
		sv.f_bfree += (s.disksize - s.orig_data_size) / ZPAGE_SIZE;
		zreg_put(z);
	}
	sv.f_bavail = sv.f_bfree;
	sv.f_files = 5 + nr_class_attrs + cnt * (2 + nr_dev_attrs);
	fuse_reply_statfs(req, &sv);
}

static void zfs_init(void *userdata, struct fuse_conn_info *conn)
{
	/* libfuse sets max_pages from max_write: reads are cut there too */
	conn->max_write = max_io;
	conn->max_readahead = 0;
	conn->max_background = 64;
	conn->congestion_threshold = 48;
	if (conn->capable & FUSE_CAP_ASYNC_DIO)
		conn->want |= FUSE_CAP_ASYNC_DIO;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

static const struct fuse_lowlevel_ops zfs_ops = {
	.init		= zfs_init,
	.lookup		= zfs_lookup,
	.getattr	= zfs_getattr,
	.setattr	= zfs_setattr,
	.opendir	= zfs_opendir,
	.readdir	= zfs_readdir,
	.releasedir	= zfs_releasedir,
	.open		= zfs_open,
	.release	= zfs_release,
	.read		= zfs_read,
	.write		= zfs_write,
	.fsync		= zfs_fsync,
	.fallocate	= zfs_fallocate,
	.lseek		= zfs_lseek,
	.statfs		= zfs_statfs,
};

/* -- options and main ------------------------------------------------------ */

struct zopts {
	int num_devices;
	int threads;
	char *mem_cap;
	char *reserve;
	char *max_io;
	int no_mlock;
};

#define ZOPT(t, p) { t, offsetof(struct zopts, p), 0 }
static const struct fuse_opt zopt_spec[] = {
	ZOPT("num_devices=%d", num_devices),
	ZOPT("threads=%d", threads),
	ZOPT("mem_cap=%s", mem_cap),
	ZOPT("reserve=%s", reserve),
	ZOPT("max_io=%s", max_io),
	ZOPT("no_mlock", no_mlock),
	FUSE_OPT_END
};

static void usage(const char *prog)
{
	printf("usage: %s [-f] [-d] [-o num_devices=N,threads=N,<fuse options>] MOUNTPOINT\n\n"
	       "Compressed RAM block-device images with kernel zram's control files.\n"
	       "  -f                 stay in the foreground\n"
	       "  -d                 debug log (implies -f)\n"
	       "  -o num_devices=N   devices created at start (default 1)\n"
	       "  -o threads=N       worker threads serving I/O (default %d)\n"
	       "  -o mem_cap=SIZE    default mem_limit of every device (default: below\n"
	       "                     the daemon's memory cgroup limit, else none)\n"
	       "  -o reserve=SIZE    memory kept faulted in ahead of writes, per\n"
	       "                     device (default 4M; 0: fault in as written)\n"
	       "  -o max_io=SIZE     largest read/write request, 4K..1M (default\n"
	       "                     512K; 1M suits synchronous readers of the image)\n"
	       "  -o no_mlock        do not lock the daemon's memory (not for swap)\n"
	       "  -h, --help         this text\n"
	       "  -V, --version      version\n", prog, DEF_THREADS);
}

/*
 * -o NAME=SIZE: *bytes keeps its default when the option is absent; a
 * value that does not parse, or lies outside min..max or off a multiple
 * of `align`, is refused with one line naming it (and `hint`).
 */
static int size_opt(const char *name, const char *opt, uint64_t min,
		    uint64_t max, uint64_t align, const char *hint,
		    uint64_t *bytes)
{
	uint64_t v;

	if (!opt)
		return 0;
	if (zparse_size(opt, strlen(opt), &v) || v < min || v > max ||
	    v % align) {
		fprintf(stderr, "zramfs: bad option %s=%s%s\n", name, opt, hint);
		return -1;
	}
	*bytes = v;
	return 0;
}

/*
 * The default mem_limit: -o mem_cap, else the memory cgroup's limit less
 * headroom for the daemon's own buffers (1/8 of it, at least 48 MiB).
 */
static int set_mem_cap(const char *opt)
{
	uint64_t limit, cap = 0, headroom;

	if (size_opt("mem_cap", opt, 0, UINT64_MAX, 1, "", &cap))
		return -1;
	if (!opt && (limit = harden_cgroup_limit())) {
		headroom = limit / 8 > (48u << 20) ? limit / 8 : (48u << 20);
		cap = limit > 2 * headroom ? limit - headroom : limit / 2;
		zlog(LOG_INFO, "memory cgroup limit %llu MiB: devices default "
		     "to mem_limit %llu MiB", (unsigned long long)limit >> 20,
		     (unsigned long long)cap >> 20);
	}
	zdev_set_default_mem_limit(cap);
	return 0;
}

static int set_reserve(const char *opt)
{
	uint64_t bytes = ZDEV_DEFAULT_RESERVE;

	if (size_opt("reserve", opt, 0, UINT64_MAX, 1, "", &bytes))
		return -1;
	zdev_set_reserve(bytes);
	return 0;
}

static int set_max_io(const char *opt)
{
	uint64_t bytes = DEF_MAX_IO;

	if (size_opt("max_io", opt, 4096, MAX_MAX_IO, 4096,
		     " (4K..1M, a multiple of 4K)", &bytes))
		return -1;
	max_io = bytes;
	return 0;
}

/*
 * SIGTERM/SIGINT/SIGHUP are taken by a thread of their own (sigwait):
 * while any image is open (a loop device, swap or filesystem on it) the
 * daemon refuses to exit, logs the busy devices and keeps serving;
 * otherwise it ends the loop, which unmounts and frees everything.
 */
static pthread_t main_thread;

static void wake_main(int sig)
{
	/* only interrupts the main loop's sem_wait */
}

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int ids[ZREG_MAX_DEVICES], n, i, sig;
	char msg[256];
	size_t len;

	for (;;) {
		if (sigwait(set, &sig))
			continue;
		/*
		 * The kernel sends RELEASE in the background: right after
		 * `losetup -d` or umount the image may still count as open
		 * for a moment.  Give releases in flight a second.
		 */
		for (i = 0; i < RELEASE_GRACE_MS / 20; i++) {
			n = zreg_busy(ids, ZREG_MAX_DEVICES);
			if (n == 0)
				break;
			usleep(20 * 1000);
		}
		if (n == 0)
			break;
		len = 0;
		msg[0] = '\0';
		for (i = 0; i < n && len < sizeof(msg) - 16; i++)
			len += snprintf(msg + len, sizeof(msg) - len, " zram%d",
					ids[i]);
		zlog(LOG_WARNING, "%s: not exiting: image open on%s (detach "
		     "it first)", strsignal(sig), msg);
	}
	zlog(LOG_INFO, "%s: exiting", strsignal(sig));
	fuse_session_exit(session);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static sigset_t exit_signals;

static int start_signal_thread(void)
{
	struct sigaction sa;
	pthread_t tid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_main;	/* no SA_RESTART: sem_wait returns */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return -1;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -1;
	sigemptyset(&exit_signals);
	sigaddset(&exit_signals, SIGTERM);
	sigaddset(&exit_signals, SIGINT);
	sigaddset(&exit_signals, SIGHUP);
	/* blocked here, so in every thread created later */
	if (pthread_sigmask(SIG_BLOCK, &exit_signals, NULL))
		return -1;
	main_thread = pthread_self();
	if (pthread_create(&tid, NULL, signal_thread, &exit_signals))
		return -1;
	pthread_detach(tid);
	return 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct zopts zo = { .num_devices = 1, .threads = DEF_THREADS };
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_loop_config *cfg = NULL;
	int i, ret = 1;

	if (fuse_opt_parse(&args, &zo, zopt_spec, NULL) == -1)
		return 1;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("zramfs 0.1 (libfuse %s)\n", fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "zramfs: no mountpoint given (see --help)\n");
		goto out_args;
	}
	if (zo.num_devices < 0 || zo.num_devices > ZREG_MAX_DEVICES) {
		fprintf(stderr, "zramfs: bad option num_devices=%d (0..%d)\n",
			zo.num_devices, ZREG_MAX_DEVICES);
		goto out_args;
	}
	if (zo.threads < 1 || zo.threads > ZDEV_MAX_IO_THREADS) {
		fprintf(stderr, "zramfs: bad option threads=%d (1..%d)\n",
			zo.threads, ZDEV_MAX_IO_THREADS);
		goto out_args;
	}
	zlog_init(opts.debug, !opts.foreground);
	if (set_mem_cap(zo.mem_cap) || set_reserve(zo.reserve) ||
	    set_max_io(zo.max_io))
		goto out_args;
	clock_gettime(CLOCK_REALTIME, &start_time);
	pthread_key_create(&rbuf_key, free);
	dev_attrs = zattr_dev_table(&nr_dev_attrs);
	class_attrs = zattr_class_table(&nr_class_attrs);
	zattr_set_workers(zo.threads);
	for (i = 0; i < zo.num_devices; i++) {
		if (zreg_add() < 0) {
			fprintf(stderr, "zramfs: cannot create device %d\n", i);
			goto out_args;
		}
	}
	/* permissions by mode bits, as sysfs; subtype shows in mount(8) */
	fuse_opt_add_arg(&args, "-odefault_permissions");
	fuse_opt_add_arg(&args, "-ofsname=zramfs");
	session = fuse_session_new(&args, &zfs_ops, sizeof(zfs_ops), NULL);
	if (!session)
		goto out_devs;
	if (fuse_session_mount(session, opts.mountpoint) != 0)
		goto out_session;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;
	/* after daemonizing: threads and locks do not survive fork */
	if (start_signal_thread()) {
		zlog(LOG_ERR, "cannot set up signal handling: %s",
		     strerror(errno));
		goto out_unmount;
	}
	if (!zo.no_mlock)
		harden_process();
	zlog(LOG_INFO, "mounted at %s with %d device(s), %d worker threads",
	     opts.mountpoint, zo.num_devices, zo.threads);
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(cfg, opts.clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, zo.threads);
	fuse_loop_cfg_set_idle_threads(cfg, zo.threads);
	ret = fuse_session_loop_mt(session, cfg) ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
out_unmount:
	fuse_session_unmount(session);
out_session:
	/* not cleared: the signal thread may still be reading it */
	fuse_session_destroy(session);
out_devs:
	zreg_clear();
out_args:
	free(zo.mem_cap);
	free(zo.reserve);
	free(zo.max_io);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
