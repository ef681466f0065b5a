/*
 * rawfuse - the benchmark's ceiling: one uncompressed RAM file behind
 * FUSE, served exactly as zramfs serves its images (low-level API,
 * direct I/O, 1 MiB requests, the same worker threads).  No compression,
 * no page table, no pool: what FUSE itself costs.  Not part of zramfs.
 *
 *   rawfuse MOUNTPOINT SIZE_MIB [THREADS]    -> MOUNTPOINT/disk.img
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <fuse_lowlevel.h>

static unsigned char *disk;
static size_t disk_size;

static int fill(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == 1) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (ino == 2) {
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_size = disk_size;
	} else {
		return -ENOENT;
	}
	return 0;
}

static void rf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .ino = 2 };

	if (parent != 1 || strcmp(name, "disk.img")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill(2, &e.attr);
	fuse_reply_entry(req, &e);
}

static void rf_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;

	if (fill(ino, &st))
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 0);
}

static void rf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void rf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	if ((size_t)off >= disk_size)
		size = 0;
	else if (size > disk_size - off)
		size = disk_size - off;
	fuse_reply_buf(req, (char *)disk + off, size);
}

static void rf_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	if ((size_t)off >= disk_size) {
		fuse_reply_err(req, ENOSPC);
		return;
	}
	if (size > disk_size - off)
		size = disk_size - off;
	memcpy(disk + off, buf, size);
	fuse_reply_write(req, size);
}

static void rf_init(void *u, struct fuse_conn_info *conn)
{
	conn->max_write = 1 << 20;
	conn->max_readahead = 0;
	conn->max_background = 64;
	conn->congestion_threshold = 48;
	if (conn->capable & FUSE_CAP_ASYNC_DIO)
		conn->want |= FUSE_CAP_ASYNC_DIO;
}

static const struct fuse_lowlevel_ops ops = {
	.init = rf_init,
	.lookup = rf_lookup,
	.getattr = rf_getattr,
	.open = rf_open,
	.read = rf_read,
	.write = rf_write,
};

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, fargv);
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int threads = argc > 3 ? atoi(argv[3]) : 16;

	if (argc < 3) {
		fprintf(stderr,
			"usage: rawfuse MOUNTPOINT SIZE_MIB [THREADS]\n");
		return 1;
	}
	disk_size = (size_t)atol(argv[2]) << 20;
	disk = mmap(NULL, disk_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (disk == MAP_FAILED)
		return 1;
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se || fuse_session_mount(se, argv[1]))
		return 1;
	fuse_set_signal_handlers(se);
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(cfg, threads);
	fuse_loop_cfg_set_idle_threads(cfg, threads);
	fuse_session_loop_mt(se, cfg);
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	return 0;
}
