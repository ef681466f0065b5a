/*
 * ops - the FUSE operations: each one decodes its inode and forwards to
 * the device (images) or the attribute table (control files).  No
 * algorithm lives here.
 *
 * Entries and attributes are never cached by the kernel (timeouts 0), so
 * sizes are never stale after disksize or reset and removed devices
 * vanish at once.  The image is served with direct I/O: no uncompressed
 * copy sits in the page cache.  Each open of a readable control file
 * takes one snapshot of its show() (struct ctl_handle) at its first read,
 * as sysfs calls show() on the first read, not at open: one `cat hot_add`
 * adds one device, an open without a read adds none, and reads at any
 * offset see one consistent text.
 *
 * Open control files and directories are also on a list (open_lock, a
 * leaf): a daemon ending with some still open gets no release for them,
 * and zfs_drop_handles() frees them once the workers are gone.
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "control/attrs.h"
#include "device/registry.h"
#include "device/zdev.h"
#include "fuse/inode.h"
#include "fuse/zfs.h"
#include "util/harden.h"
#include "util/page.h"
#include "util/zlog.h"

/* what is open and not yet released: control files and directories */
struct open_link {
	struct open_link *prev, *next;
};
static struct open_link open_ctl = { &open_ctl, &open_ctl };
static struct open_link open_dirs = { &open_dirs, &open_dirs };
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static void link_open(struct open_link *head, struct open_link *l)
{
	pthread_mutex_lock(&open_lock);
	l->next = head->next;
	l->prev = head;
	head->next->prev = l;
	head->next = l;
	pthread_mutex_unlock(&open_lock);
}

static void unlink_open(struct open_link *l)
{
	pthread_mutex_lock(&open_lock);
	l->prev->next = l->next;
	l->next->prev = l->prev;
	pthread_mutex_unlock(&open_lock);
}

/* an open directory: the listing taken at opendir */
struct dir_handle {
	struct open_link link; /* first: the list's entries are handles */
	struct zino_dirbuf b;
};

/* an open control file: one snapshot for reads, taken by the first */
struct ctl_handle {
	struct open_link link; /* first, as in dir_handle */
	const struct zattr *attr;
	struct zdev *dev;     /* referenced, NULL for class files */
	pthread_mutex_t lock; /* orders the first reads */
	bool shown;	      /* protected by lock; then fixed */
	ssize_t len;	      /* snapshot length or -errno */
	char *text;	      /* buf, or show_alloc's text */
	char buf[ZATTR_BUF_SIZE];
};

static size_t max_io = ZFS_DEF_MAX_IO;

/* per-worker read buffer of max_io bytes, allocated once per thread */
static pthread_key_t rbuf_key;
static __thread void *rbuf;

int zfs_setup(const struct zfs_config *cfg)
{
	int ret;

	max_io = cfg->max_io;
	ret = pthread_key_create(&rbuf_key, free);
	if (ret)
		return -ret;
	zino_init();
	return 0;
}

static void *read_buffer(void)
{
	if (!rbuf) {
		if (posix_memalign(&rbuf, 4096, max_io))
			return rbuf = NULL;
		pthread_setspecific(rbuf_key, rbuf);
	}
	return rbuf;
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

/* -- the tree -------------------------------------------------------------- */

static void zfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.ino = zino_lookup(parent, name);
	ret = e.ino ? zino_stat(e.ino, &e.attr) : -ENOENT;
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.attr_timeout = 0;
	e.entry_timeout = 0;
	fuse_reply_entry(req, &e);
}

static void zfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;
	int ret = zino_stat(ino, &st);

	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, 0);
}

static void zfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	struct zino n = zino_decode(ino);
	struct stat st;
	int ret = zino_stat(ino, &st);

	if (ret)
		goto out_err;
	ret = -EPERM;
	if (to_set &
	    (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		goto out_err;
	if (to_set & FUSE_SET_ATTR_SIZE) {
		/* O_TRUNC on a control file is harmless, as on sysfs; an
		 * image keeps the size its disksize gives it */
		ret = -EINVAL;
		if (n.kind == ZINO_IMAGE && attr->st_size != st.st_size)
			goto out_err;
		if (n.kind == ZINO_DIR)
			goto out_err;
	}
	fuse_reply_attr(req, &st, 0);
	return;
out_err:
	fuse_reply_err(req, -ret);
}

static void free_dir(struct dir_handle *d)
{
	unlink_open(&d->link);
	free(d->b.p);
	free(d);
}

/* the listing is taken at opendir: readdir pages through one snapshot */
static void zfs_opendir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct dir_handle *d;
	struct stat st;
	int ret = zino_stat(ino, &st);

	if (!ret && zino_decode(ino).kind != ZINO_DIR)
		ret = -ENOTDIR;
	if (ret)
		goto out_err;
	ret = -ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out_err;
	ret = zino_list(req, ino, &d->b);
	if (ret)
		goto out_free;
	fi->fh = (uint64_t)(uintptr_t)d;
	link_open(&open_dirs, &d->link);
	if (fuse_reply_open(req, fi) == -ENOENT)
		free_dir(d); /* interrupted: no releasedir will come */
	return;
out_free:
	free(d->b.p);
	free(d);
out_err:
	fuse_reply_err(req, -ret);
}

static void zfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	struct zino_dirbuf *b = &((struct dir_handle *)(uintptr_t)fi->fh)->b;

	if ((size_t)off < b->size)
		reply_copy(req, b->p + off,
			   size < b->size - off ? size : b->size - off);
	else
		fuse_reply_buf(req, NULL, 0);
}

static void zfs_releasedir(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	free_dir((struct dir_handle *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
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
	sv.f_files = zino_count(cnt);
	fuse_reply_statfs(req, &sv);
}

/* -- files: images and control files --------------------------------------- */

static void free_handle(struct ctl_handle *h)
{
	unlink_open(&h->link);
	if (h->dev)
		zreg_put(h->dev);
	if (h->text != h->buf)
		free(h->text);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* the first read of an open control file calls show(), later ones not */
static void snapshot(struct ctl_handle *h)
{
	pthread_mutex_lock(&h->lock);
	if (!h->shown) {
		if (h->attr->show_alloc)
			h->len = h->attr->show_alloc(h->dev, &h->text);
		else
			h->len = h->attr->show(h->dev, h->buf, sizeof(h->buf));
		h->shown = true;
	}
	pthread_mutex_unlock(&h->lock);
}

static void open_attr(fuse_req_t req, struct zino *n, struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	struct ctl_handle *h;
	struct zdev *z = NULL;

	/* as kernfs: no show, no reading; no store, no writing */
	if ((acc != O_WRONLY && !n->attr->show && !n->attr->show_alloc) ||
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
	pthread_mutex_init(&h->lock, NULL);
	h->shown = false;
	h->len = 0;
	h->text = h->buf;
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	link_open(&open_ctl, &h->link);
	if (fuse_reply_open(req, fi) == -ENOENT)
		free_handle(h); /* interrupted: undo */
}

static void zfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zino n = zino_decode(ino);
	struct zdev *z;

	switch (n.kind) {
	case ZINO_IMAGE:
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
	case ZINO_ATTR:
		open_attr(req, &n, fi);
		return;
	case ZINO_DIR:
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
	struct ctl_handle *h;

	if (zino_decode(ino).kind == ZINO_IMAGE) {
		zreg_close((struct zdev *)(uintptr_t)fi->fh);
	} else {
		h = (struct ctl_handle *)(uintptr_t)fi->fh;
		free_handle(h);
	}
	fuse_reply_err(req, 0);
}

static void zfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct ctl_handle *h;
	ssize_t ret;
	void *buf;

	if (zino_decode(ino).kind == ZINO_IMAGE) {
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
		return;
	}
	h = (struct ctl_handle *)(uintptr_t)fi->fh;
	snapshot(h);
	if (h->len < 0)
		fuse_reply_err(req, -h->len);
	else if (off >= h->len)
		fuse_reply_buf(req, NULL, 0);
	else
		reply_copy(req, h->text + off,
			   size < (size_t)(h->len - off) ?
				   size :
				   (size_t)(h->len - off));
}

/*
 * -d: a refused control-file write is logged with the file, what was
 * written (escaped, cut at 80 bytes), the errno and its reason.  Image
 * I/O never comes here.
 */
static void log_refused(const struct ctl_handle *h, const char *buf,
			size_t size, int err)
{
	const char *why = zattr_why(h->attr, h->dev, err);
	const char *name = strerrorname_np(err);
	char in[4 * 80 + 1], path[80];
	size_t i, o = 0;

	for (i = 0; i < size && i < 80; i++) {
		unsigned char c = buf[i];

		if (c == '\n')
			o += sprintf(in + o, "\\n");
		else if (c == '\t')
			o += sprintf(in + o, "\\t");
		else if (c == '"' || c == '\\')
			o += sprintf(in + o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += sprintf(in + o, "\\x%02x", c);
		else
			in[o++] = c;
	}
	in[o] = '\0';
	if (h->dev)
		snprintf(path, sizeof(path), "block/zram%d/%s", zdev_id(h->dev),
			 h->attr->name);
	else
		snprintf(path, sizeof(path), "class/zram-control/%s",
			 h->attr->name);
	zlog(LOG_DEBUG,
	     "write to %s refused: \"%s\"%s (%zu bytes): %s (%s)"
	     "%s%s",
	     path, in, size > 80 ? "..." : "", size, name ? name : "?",
	     strerror(err), why[0] ? ": " : "", why);
}

static void zfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ctl_handle *h;
	ssize_t ret;

	if (zino_decode(ino).kind == ZINO_IMAGE) {
		harden_thread();
		ret = zdev_write((struct zdev *)(uintptr_t)fi->fh, buf, size,
				 off);
	} else {
		h = (struct ctl_handle *)(uintptr_t)fi->fh;
		ret = h->attr->store(h->dev, buf, size);
		if (ret > 0 && (size_t)ret > size)
			ret = size;
		if (ret < 0 && zlog_debug())
			log_refused(h, buf, size, -ret);
	}
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_write(req, ret);
}

static void zfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		      struct fuse_file_info *fi)
{
	if (zino_decode(ino).kind == ZINO_IMAGE)
		zdev_flush((struct zdev *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void zfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			  off_t len, struct fuse_file_info *fi)
{
	struct zdev *z = (struct zdev *)(uintptr_t)fi->fh;
	uint64_t size;
	int ret = 0;

	if (zino_decode(ino).kind != ZINO_IMAGE) {
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

	if (zino_decode(ino).kind != ZINO_IMAGE ||
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

/* -- what sysfs refuses ---------------------------------------------------- */

/*
 * The tree changes only through hot_add and hot_remove.  As on sysfs
 * (kernfs has none of these operations, so the VFS answers): creating a
 * file by open(O_CREAT) is EACCES, every other change to the namespace
 * EPERM.  Without these, FUSE would answer ENOSYS.
 */
static void zfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi)
{
	fuse_reply_err(req, EACCES);
}

static void zfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EPERM);
}

static void zfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode)
{
	fuse_reply_err(req, EPERM);
}

static void zfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			const char *name)
{
	fuse_reply_err(req, EPERM);
}

static void zfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		     const char *newname)
{
	fuse_reply_err(req, EPERM);
}

/* unlink and rmdir */
static void zfs_remove(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EPERM);
}

static void zfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		       fuse_ino_t newparent, const char *newname,
		       unsigned int flags)
{
	fuse_reply_err(req, EPERM);
}

/* -- the connection -------------------------------------------------------- */

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

/* clang-format off */
void zfs_drop_handles(void)
{
	while (open_ctl.next != &open_ctl)
		free_handle((struct ctl_handle *)open_ctl.next);
	while (open_dirs.next != &open_dirs)
		free_dir((struct dir_handle *)open_dirs.next);
}

const struct fuse_lowlevel_ops zfs_ops = {
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
	.create		= zfs_create,
	.mknod		= zfs_mknod,
	.mkdir		= zfs_mkdir,
	.symlink	= zfs_symlink,
	.link		= zfs_link,
	.unlink		= zfs_remove,
	.rmdir		= zfs_remove,
	.rename		= zfs_rename,
};
/* clang-format on */
