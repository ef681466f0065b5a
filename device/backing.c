/*
 * backing - a device's backing store: open, block bitmap, block I/O.
 * See backing.h for the design.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device/backing.h"
#include "util/page.h"
#include "util/zlog.h"

#define BITS 64

struct zbacking {
	int fd;
	bool sync; /* buffered: fdatasync after each write */
	char *path;
	uint64_t nr_blocks;
	pthread_mutex_t lock;
	uint64_t *bitmap; /* protected by lock */
	uint64_t hint;	  /* lowest word that may have a free bit */
	_Atomic uint64_t count, reads, writes;
};

static int open_store(const char *path, int *fd, bool *sync)
{
	struct stat st;
	int flags = O_RDWR | O_CLOEXEC | O_LARGEFILE;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return -ENOTBLK;
	/* a block device is opened exclusively, as the kernel does */
	if (S_ISBLK(st.st_mode))
		flags |= O_EXCL;
	*sync = false;
	*fd = open(path, flags | O_DIRECT);
	if (*fd < 0 && errno == EINVAL) {
		*fd = open(path, flags);
		if (*fd >= 0) {
			*sync = true;
			zlog(LOG_WARNING,
			     "backing_dev %s: the filesystem "
			     "refuses O_DIRECT; using buffered I/O with "
			     "fdatasync",
			     path);
		}
	}
	return *fd < 0 ? -errno : 0;
}

static int store_size(int fd, uint64_t *bytes)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, bytes) ? -errno : 0;
	*bytes = st.st_size;
	return 0;
}

int zbacking_open(const char *path, struct zbacking **out)
{
	struct zbacking *b;
	uint64_t bytes = 0;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = -1;
	ret = open_store(path, &b->fd, &b->sync);
	if (ret)
		goto out_free;
	ret = store_size(b->fd, &bytes);
	if (ret)
		goto out_free;
	b->nr_blocks = bytes >> ZPAGE_SHIFT;
	ret = -EINVAL;
	if (b->nr_blocks < 2)
		goto out_free;
	ret = -ENOMEM;
	b->path = strdup(path);
	b->bitmap = calloc((b->nr_blocks + BITS - 1) / BITS, sizeof(uint64_t));
	if (!b->path || !b->bitmap)
		goto out_free;
	b->bitmap[0] = 1; /* block 0: never handed out */
	pthread_mutex_init(&b->lock, NULL);
	*out = b;
	return 0;

out_free:
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	free(b->bitmap);
	free(b);
	return ret;
}

void zbacking_close(struct zbacking *b)
{
	if (!b)
		return;
	close(b->fd);
	pthread_mutex_destroy(&b->lock);
	free(b->path);
	free(b->bitmap);
	free(b);
}

uint64_t zbacking_available(const struct zbacking *b)
{
	return b->nr_blocks - 1 - b->count;
}

const char *zbacking_path(const struct zbacking *b)
{
	return b->path;
}

uint64_t zbacking_blocks(const struct zbacking *b)
{
	return b->nr_blocks;
}

unsigned int zbacking_alloc(struct zbacking *b, uint64_t *blk, unsigned int n)
{
	uint64_t words = (b->nr_blocks + BITS - 1) / BITS, w, bit, i;
	unsigned int got = 0;

	pthread_mutex_lock(&b->lock);
	for (w = b->hint; w < words && got < n; w++) {
		if (b->bitmap[w] == UINT64_MAX)
			continue;
		for (bit = 0; bit < BITS && got < n; bit++) {
			i = w * BITS + bit;
			if (i >= b->nr_blocks)
				break;
			if (b->bitmap[w] & (1ull << bit))
				continue;
			b->bitmap[w] |= 1ull << bit;
			blk[got++] = i;
		}
		if (b->bitmap[w] == UINT64_MAX && w == b->hint)
			b->hint = w + 1;
	}
	pthread_mutex_unlock(&b->lock);
	b->count += got;
	return got;
}

void zbacking_free(struct zbacking *b, uint64_t blk)
{
	pthread_mutex_lock(&b->lock);
	b->bitmap[blk / BITS] &= ~(1ull << (blk % BITS));
	if (blk / BITS < b->hint)
		b->hint = blk / BITS;
	pthread_mutex_unlock(&b->lock);
	b->count--;
}

int zbacking_read(struct zbacking *b, uint64_t blk, void *buf, unsigned int n)
{
	size_t len = (size_t)n << ZPAGE_SHIFT, done = 0;
	ssize_t ret;

	while (done < len) {
		ret = pread(b->fd, (char *)buf + done, len - done,
			    ((off_t)blk << ZPAGE_SHIFT) + done);
		if (ret <= 0)
			return -EIO; /* a short store: truncated under us */
		done += ret;
	}
	b->reads += n;
	return 0;
}

int zbacking_write(struct zbacking *b, uint64_t blk, const void *buf,
		   unsigned int n)
{
	size_t len = (size_t)n << ZPAGE_SHIFT, done = 0;
	ssize_t ret;

	while (done < len) {
		ret = pwrite(b->fd, (const char *)buf + done, len - done,
			     ((off_t)blk << ZPAGE_SHIFT) + done);
		if (ret <= 0)
			return -EIO;
		done += ret;
	}
	if (b->sync && fdatasync(b->fd))
		return -EIO;
	b->writes += n;
	return 0;
}

void zbacking_stat(const struct zbacking *b, uint64_t *count, uint64_t *reads,
		   uint64_t *writes)
{
	*count = b->count;
	*reads = b->reads;
	*writes = b->writes;
}
