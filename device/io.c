/*
 * io - requests on a device's image: byte ranges of any alignment cut
 * into pages (page.c stores them), large requests shared over the CPUs
 * (util/parallel.h), discard, SEEK_DATA/SEEK_HOLE, and the block-layer
 * accounting shown in stat (after zram_bio_read/write/discard).
 *
 * Every request holds init_lock for read, so reset never races it.
 * Errors are counted (failed_reads/failed_writes) and returned; a write
 * is acknowledged only as far as it was stored.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device/page.h"
#include "device/zdev_int.h"
#include "util/parallel.h"

/* requests this large are (de)compressed by several threads at once */
#define PAR_MIN_BYTES (64u << 10)
/* in chunks of about this size, at most MAX_CHUNKS of them */
#define CHUNK_BYTES (32u << 10)
/*
 * Reads of a device with a backing store: written-back pages in
 * consecutive blocks come in one pread per run (page.c), and a run ends
 * at a chunk's edge, so larger chunks there.
 */
#define WB_CHUNK_BYTES (128u << 10)
#define MAX_CHUNKS     64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t io_start(struct zdev *z)
{
	uint64_t now = now_ns();

	if (atomic_fetch_add(&z->stats.in_flight, 1) == 0)
		z->stats.busy_start_ns = now;
	return now;
}

static void io_end(struct zdev *z, _Atomic uint64_t *ns, uint64_t start)
{
	uint64_t now = now_ns();

	*ns += now - start;
	if (atomic_fetch_sub(&z->stats.in_flight, 1) == 1 &&
	    now > z->stats.busy_start_ns)
		z->stats.busy_ns += now - z->stats.busy_start_ns;
}

/* one part of a request: a contiguous range, done sequentially */
struct part {
	struct zdev *z;
	unsigned char *buf; /* read into / written from (not modified) */
	uint64_t off;
	size_t len;
	size_t done; /* bytes done, from the start of the part */
	int err;
};

/*
 * From part->buf + at <-> page index at pofs, with left bytes to go:
 * returns the bytes done (a page or its rest, or several whole pages),
 * or -errno.
 */
typedef int (*page_io_fn)(struct zdev *z, uint64_t index, unsigned char *buf,
			  size_t pofs, size_t left);

static int read_one(struct zdev *z, uint64_t index, unsigned char *buf,
		    size_t pofs, size_t left)
{
	int ret;

	if (pofs || left < ZPAGE_SIZE) {
		left = left < ZPAGE_SIZE - pofs ? left : ZPAGE_SIZE - pofs;
		ret = zpage_read_part(z, index, buf, pofs, left);
		return ret ? ret : (int)left;
	}
	ret = zpage_read_pages(z, index, left >> ZPAGE_SHIFT, buf);
	return ret < 0 ? ret : ret * (int)ZPAGE_SIZE;
}

static int write_one(struct zdev *z, uint64_t index, unsigned char *buf,
		     size_t pofs, size_t left)
{
	int ret;

	if (!pofs && left >= ZPAGE_SIZE) {
		ret = zpage_write(z, index, buf);
		return ret ? ret : (int)ZPAGE_SIZE;
	}
	left = left < ZPAGE_SIZE - pofs ? left : ZPAGE_SIZE - pofs;
	ret = zpage_write_part(z, index, buf, pofs, left);
	return ret ? ret : (int)left;
}

/* walk a part page by page, stopping at the first error */
static void range_io(struct part *r, page_io_fn fn)
{
	uint64_t pos;
	int n;

	r->done = 0;
	r->err = 0;
	while (r->done < r->len) {
		pos = r->off + r->done;
		n = fn(r->z, pos >> ZPAGE_SHIFT, r->buf + r->done,
		       pos & ZPAGE_MASK, r->len - r->done);
		if (n < 0) {
			r->err = n;
			return;
		}
		r->done += n;
	}
}

/* a request cut into chunks of whole pages, for zpar_for */
struct chunks {
	struct part part[MAX_CHUNKS];
	page_io_fn fn;
};

static void chunk_io(void *arg, unsigned int i)
{
	struct chunks *c = arg;

	range_io(&c->part[i], c->fn);
}

/*
 * A large request is cut at page boundaries into chunks that the worker
 * and free helper threads share (parallel.h), so its pages are
 * (de)compressed on every CPU that is free; what counts as done is the
 * prefix finished without a gap.
 */
static size_t split_io(struct zdev *z, page_io_fn fn, unsigned char *buf,
		       uint64_t off, size_t len, int *err)
{
	size_t chunk = fn == read_one && z->backing ? WB_CHUNK_BYTES :
						      CHUNK_BYTES;
	struct chunks c; /* only the parts in use are filled in */
	uint64_t pos = off, end = off + len, step;
	unsigned int n, i;
	size_t done = 0;

	c.fn = fn;
	n = len < PAR_MIN_BYTES ? 1 : (len + chunk - 1) / chunk;
	if (n > MAX_CHUNKS)
		n = MAX_CHUNKS;
	step = (len / n + ZPAGE_MASK) & ~ZPAGE_MASK;
	for (i = 0; i < n && (pos < end || i == 0); i++) {
		uint64_t stop = i == n - 1 ? end : ((pos + step) & ~ZPAGE_MASK);

		if (stop > end || stop <= pos)
			stop = end;
		c.part[i] = (struct part){ z,	buf + (pos - off),
					   pos, stop - pos,
					   0,	0 };
		pos = stop;
	}
	n = i;
	if (n == 1) {
		range_io(&c.part[0], fn);
	} else {
		/* counted while it runs, helped or not: it holds a CPU */
		zpar_for(chunk_io, &c, n, zpar_enter());
		zpar_leave();
	}
	*err = 0;
	for (i = 0; i < n; i++) {
		done += c.part[i].done;
		if (c.part[i].err) {
			*err = c.part[i].err;
			break;
		}
	}
	return done;
}

ssize_t zdev_read(struct zdev *z, void *buf, size_t len, uint64_t off)
{
	uint64_t start;
	size_t done = 0;
	int ret = 0;

	start = io_start(z);
	pthread_rwlock_rdlock(&z->init_lock);
	if (off >= z->disksize) {
		z->stats.invalid_io += off > z->disksize;
		len = 0;
	} else if (len > z->disksize - off) {
		len = z->disksize - off;
	}
	done = split_io(z, read_one, buf, off, len, &ret);
	pthread_rwlock_unlock(&z->init_lock);
	if (ret) {
		z->stats.failed_reads++;
		ret = -EIO;
	}
	z->stats.rd_ios++;
	z->stats.rd_sectors += done >> 9;
	io_end(z, &z->stats.rd_ns, start);
	return ret ? ret : (ssize_t)done;
}

ssize_t zdev_write(struct zdev *z, const void *buf, size_t len, uint64_t off)
{
	uint64_t start;
	size_t done = 0;
	int ret = 0;

	start = io_start(z);
	pthread_rwlock_rdlock(&z->init_lock);
	if (len && off >= z->disksize) {
		/* a block device does not grow: past the end is an error */
		z->stats.invalid_io++;
		ret = -ENOSPC;
		goto out_unlock;
	}
	if (len > z->disksize - off)
		len = z->disksize - off;
	/* the buffer is only read: write_one never stores into it */
	done = split_io(z, write_one, (unsigned char *)buf, off, len, &ret);
	if (ret)
		z->stats.failed_writes++;
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	z->stats.wr_ios++;
	z->stats.wr_sectors += done >> 9;
	io_end(z, &z->stats.wr_ns, start);
	/* a write is acknowledged only as far as it was stored */
	if (ret && done)
		return done;
	return ret ? ret : (ssize_t)done;
}

/*
 * Zero [off, off+len).  The partial edge pages go first: rewriting one can
 * fail under mem_limit (-ENOSPC), freeing a whole page cannot.  So a failed
 * discard has changed at most the head page, and nothing past it.
 */
int zdev_discard(struct zdev *z, uint64_t off, uint64_t len)
{
	uint64_t start, pos, end, mid, mid_end, next;
	int ret = 0;

	start = io_start(z);
	pthread_rwlock_rdlock(&z->init_lock);
	if (off >= z->disksize || !len) {
		ret = off > z->disksize ? -EINVAL : 0;
		goto out_unlock;
	}
	if (len > z->disksize - off)
		len = z->disksize - off;
	end = off + len;
	mid = (off + ZPAGE_MASK) & ~ZPAGE_MASK;
	if (mid > end)
		mid = end;
	mid_end = end & ~ZPAGE_MASK;
	if (mid_end < mid)
		mid_end = mid;
	if (off & ZPAGE_MASK)
		ret = zpage_discard(z, off >> ZPAGE_SHIFT, off & ZPAGE_MASK,
				    mid - off);
	if (!ret && mid_end < end)
		ret = zpage_discard(z, mid_end >> ZPAGE_SHIFT, 0,
				    end - mid_end);
	if (ret) {
		z->stats.failed_writes++;
		goto out_unlock;
	}
	for (pos = mid; pos < mid_end; pos = next) {
		/* never-written chunks: count their whole pages, free nothing */
		next = ztable_next_chunk(&z->table, pos >> ZPAGE_SHIFT);
		if (next > pos >> ZPAGE_SHIFT) {
			next = next << ZPAGE_SHIFT < mid_end ?
				       next << ZPAGE_SHIFT :
				       mid_end;
			z->stats.notify_free += (next - pos) >> ZPAGE_SHIFT;
			continue;
		}
		zpage_discard(z, pos >> ZPAGE_SHIFT, 0, ZPAGE_SIZE);
		next = pos + ZPAGE_SIZE;
	}
	z->stats.dc_ios++;
	z->stats.dc_sectors += len >> 9;
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	io_end(z, &z->stats.dc_ns, start);
	return ret;
}

off_t zdev_seek(struct zdev *z, uint64_t off, int whence)
{
	uint64_t index, nr;
	off_t ret = -ENXIO;

	pthread_rwlock_rdlock(&z->init_lock);
	if (off >= z->disksize)
		goto out_unlock;
	nr = z->table.nr_pages;
	for (index = off >> ZPAGE_SHIFT; index < nr; index++) {
		if (!(index & (ZT_CHUNK_PAGES - 1)) ||
		    index == off >> ZPAGE_SHIFT) {
			uint64_t next = ztable_next_chunk(&z->table, index);

			if (next > index) {
				if (whence == SEEK_HOLE)
					break;
				index = next - 1;
				continue;
			}
		}
		if (zpage_stored(z, index) == (whence == SEEK_DATA))
			break;
	}
	if (index < nr) {
		ret = index << ZPAGE_SHIFT;
		if ((uint64_t)ret < off)
			ret = off;
	} else if (whence == SEEK_HOLE) {
		ret = z->disksize;
	}
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

void zdev_flush(struct zdev *z)
{
	z->stats.fl_ios++;
}
