/*
 * io - the page I/O paths of a device (after zram_read_page,
 * zram_write_page, zram_bio_discard).
 *
 * Write of a whole page:
 *   same-filled? -> store the fill word, no allocation
 *   compress with this worker's stream (no lock held)
 *   result >= huge_class_size? -> store the page raw (HUGE)
 *   zs_malloc; over mem_limit? -> free it, fail with -ENOSPC
 *   copy into the object, then under the slot lock free the old object
 *   and install the new one.
 * A partial page is read, merged and written with its slot held, so a
 * concurrent write to another part of the same page is never lost.
 * Reads hold the slot lock while decompressing, so the object cannot be
 * freed under them.  Errors are counted (failed_reads/failed_writes) and
 * returned; nothing is acknowledged that was not stored.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/parallel.h"
#include "device/zdev_int.h"

#define PAGE_MASK	((uint64_t)ZPAGE_SIZE - 1)
/* requests this large are (de)compressed by several threads at once */
#define PAR_MIN_BYTES	(64u << 10)
/* in chunks of about this size, at most MAX_CHUNKS of them */
#define CHUNK_BYTES	(32u << 10)
#define MAX_CHUNKS	64

/* per-thread scratch: a page for partial I/O, a buffer for compression */
static __thread unsigned char tls_page[ZPAGE_SIZE]
	__attribute__((aligned(64)));
static __thread unsigned char tls_dst[ZCOMP_DST_SIZE]
	__attribute__((aligned(64)));



static uint64_t io_start(struct zdev *z)
{
	uint64_t now = zdev_now_ns();

	if (atomic_fetch_add(&z->stats.in_flight, 1) == 0)
		z->stats.busy_start_ns = now;
	return now;
}

static void io_end(struct zdev *z, _Atomic uint64_t *ns, uint64_t start)
{
	uint64_t now = zdev_now_ns();

	*ns += now - start;
	if (atomic_fetch_sub(&z->stats.in_flight, 1) == 1 &&
	    now > z->stats.busy_start_ns)
		z->stats.busy_ns += now - z->stats.busy_start_ns;
}

/* word i of a page at any alignment (memcpy compiles to one load) */
static inline uint64_t word_at(const unsigned char *p, size_t i)
{
	uint64_t v;

	memcpy(&v, p + i * sizeof(v), sizeof(v));
	return v;
}

static bool page_same_filled(const void *ptr, uint64_t *element)
{
	const unsigned char *page = ptr;
	size_t pos, last = ZPAGE_SIZE / sizeof(uint64_t) - 1;
	uint64_t val = word_at(page, 0);

	/* check the last word first: most pages differ there quickly */
	if (val != word_at(page, last))
		return false;
	for (pos = 1; pos < last; pos++)
		if (word_at(page, pos) != val)
			return false;
	*element = val;
	return true;
}

static void fill_page(void *ptr, uint64_t value)
{
	unsigned char *page = ptr;
	size_t i;

	if (!value) {
		memset(ptr, 0, ZPAGE_SIZE);
		return;
	}
	for (i = 0; i < ZPAGE_SIZE / sizeof(value); i++)
		memcpy(page + i * sizeof(value), &value, sizeof(value));
}

void zdev_free_slot(struct zdev *z, struct zentry *e)
{
	struct zdev_counters *c = &z->stats;

	if (zentry_test(e, ZE_SAME)) {
		zentry_clear(e, ZE_SAME);
		c->same_pages--;
		c->pages_stored--;
		e->handle = 0;
		return;
	}
	if (!e->handle)
		return;
	if (zentry_test(e, ZE_HUGE)) {
		zentry_clear(e, ZE_HUGE);
		c->huge_pages--;
	}
	c->compr_data_size -= zentry_size(e);
	zs_free(z->pool, e->handle);
	e->handle = 0;
	zentry_set_size(e, 0);
	zentry_set_prio(e, 0);
	c->pages_stored--;
}

/* read slot e into dst; caller holds its lock */
static int read_slot(struct zdev *z, struct zentry *e, void *dst)
{
	const void *src;
	uint32_t size;
	int ret = 0;

	if (zentry_test(e, ZE_SAME)) {
		fill_page(dst, e->handle);
		return 0;
	}
	if (!e->handle) {
		memset(dst, 0, ZPAGE_SIZE);
		return 0;
	}
	size = zentry_size(e);
	src = zs_obj_read_begin(z->pool, e->handle);
	if (size == ZPAGE_SIZE)
		memcpy(dst, src, ZPAGE_SIZE);
	else
		ret = zcomp_decompress(z->comps[zentry_prio(e)], src, size,
				       dst, ZPAGE_SIZE);
	zs_obj_read_end(z->pool, e->handle);
	return ret;
}

static int read_page(struct zdev *z, uint64_t index, void *dst)
{
	struct zentry *e = ztable_peek(&z->table, index);
	int ret;

	if (!e) {
		memset(dst, 0, ZPAGE_SIZE);
		return 0;
	}
	zentry_lock(e);
	ret = read_slot(z, e, dst);
	if (!ret)
		e->atime = zdev_now_sec();
	zentry_unlock(e);
	return ret;
}

static void update_used_max(struct zdev *z, uint64_t pages)
{
	uint64_t cur = z->stats.max_used_pages;

	while (pages > cur &&
	       !atomic_compare_exchange_weak(&z->stats.max_used_pages, &cur,
					     pages))
		;
}

/*
 * The old object of slot e will be freed once the new one is stored:
 * start its cache misses (handle entry, zspage) now, so they overlap the
 * compression instead of following it.  Reads e->handle without the
 * lock, as a hint only: zs_prefetch takes any value.
 */
__attribute__((no_sanitize_thread))
static void prefetch_old(struct zdev *z, struct zentry *e)
{
	uint32_t flags = atomic_load_explicit(&e->flags, memory_order_relaxed);

	if (!(flags & ZE_SAME))
		zs_prefetch(z->pool, *(volatile uint64_t *)&e->handle);
}

/*
 * Store one page.  With locked, the caller holds e's lock (partial
 * writes); otherwise e is peeked before compression (to prefetch the old
 * object) and allocated after it if the page was never written.
 */
static int write_page(struct zdev *z, uint64_t index, struct zentry *e,
		      bool locked, const void *src)
{
	struct zdev_counters *c = &z->stats;
	unsigned long handle = 0;
	uint64_t element = 0, pages, limit;
	size_t comp_len = ZCOMP_DST_SIZE;
	const void *obj = tls_dst;
	bool same, huge = false;
	int ret;

	if (!locked) {
		e = ztable_peek(&z->table, index);
		if (e)
			__builtin_prefetch(e, 1);
	}
	same = page_same_filled(src, &element);
	if (!same) {
		if (e)
			prefetch_old(z, e);
		ret = zcomp_compress(z->comps[0], src, ZPAGE_SIZE, tls_dst,
				     &comp_len);
		if (ret == -ENOSPC || (!ret && comp_len >= z->huge_class_size)) {
			huge = true;
			comp_len = ZPAGE_SIZE;
			obj = src;
		} else if (ret) {
			return ret;
		}
		ret = zs_malloc(z->pool, comp_len, &handle);
		if (ret)
			return ret == -ENOMEM ? -ENOSPC : ret;
		pages = zs_get_total_pages(z->pool);
		update_used_max(z, pages);
		limit = z->limit_pages;
		if (limit && pages > limit) {
			zs_free(z->pool, handle);
			return -ENOSPC;
		}
		zs_obj_write(z->pool, handle, obj, comp_len);
	}

	if (!locked) {
		if (!e)
			e = ztable_get(&z->table, index);
		if (!e) {
			if (handle)
				zs_free(z->pool, handle);
			return -ENOMEM;
		}
		zentry_lock(e);
	}
	zdev_free_slot(z, e);
	if (same) {
		e->handle = element;
		zentry_set(e, ZE_SAME);
		c->same_pages++;
	} else {
		e->handle = handle;
		zentry_set_size(e, comp_len);
		if (huge) {
			zentry_set(e, ZE_HUGE);
			c->huge_pages++;
			c->huge_pages_since++;
		}
		c->compr_data_size += comp_len;
	}
	e->atime = zdev_now_sec();
	if (!locked)
		zentry_unlock(e);
	c->pages_stored++;
	return 0;
}

/* read-modify-write of part of one page, slot held throughout */
static int write_partial(struct zdev *z, uint64_t index, const void *buf,
			 size_t off, size_t len)
{
	struct zentry *e = ztable_get(&z->table, index);
	int ret;

	if (!e)
		return -ENOMEM;
	zentry_lock(e);
	ret = read_slot(z, e, tls_page);
	if (!ret) {
		if (buf)
			memcpy(tls_page + off, buf, len);
		else
			memset(tls_page + off, 0, len);
		ret = write_page(z, index, e, true, tls_page);
	}
	zentry_unlock(e);
	return ret;
}

/* one part of a request: a contiguous range, done sequentially */
struct part {
	struct zdev *z;
	unsigned char *buf;	/* read into / written from (not modified) */
	uint64_t off;
	size_t len;
	size_t done;		/* bytes done, from the start of the part */
	int err;
};

/* part->buf + at <-> bytes [pofs, pofs + n) of page index */
typedef int (*page_io_fn)(struct zdev *z, uint64_t index, unsigned char *buf,
			  size_t pofs, size_t n);

static int read_one(struct zdev *z, uint64_t index, unsigned char *buf,
		    size_t pofs, size_t n)
{
	int ret;

	if (n == ZPAGE_SIZE)
		return read_page(z, index, buf);
	ret = read_page(z, index, tls_page);
	if (!ret)
		memcpy(buf, tls_page + pofs, n);
	return ret;
}

static int write_one(struct zdev *z, uint64_t index, unsigned char *buf,
		     size_t pofs, size_t n)
{
	if (n == ZPAGE_SIZE)
		return write_page(z, index, NULL, false, buf);
	return write_partial(z, index, buf, pofs, n);
}

/* walk a part page by page, stopping at the first error */
static void range_io(struct part *r, page_io_fn fn)
{
	uint64_t pos;
	size_t pofs, n;

	r->done = 0;
	r->err = 0;
	while (r->done < r->len) {
		pos = r->off + r->done;
		pofs = pos & PAGE_MASK;
		n = ZPAGE_SIZE - pofs;
		if (n > r->len - r->done)
			n = r->len - r->done;
		r->err = fn(r->z, pos >> ZPAGE_SHIFT, r->buf + r->done,
			    pofs, n);
		if (r->err)
			return;
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
	struct chunks c;	/* only the parts in use are filled in */
	uint64_t pos = off, end = off + len, step;
	unsigned int n, i;
	size_t done = 0;

	c.fn = fn;
	n = len < PAR_MIN_BYTES ? 1 : (len + CHUNK_BYTES - 1) / CHUNK_BYTES;
	if (n > MAX_CHUNKS)
		n = MAX_CHUNKS;
	step = (len / n + PAGE_MASK) & ~PAGE_MASK;
	for (i = 0; i < n && (pos < end || i == 0); i++) {
		uint64_t stop = i == n - 1 ? end : ((pos + step) & ~PAGE_MASK);

		if (stop > end || stop <= pos)
			stop = end;
		c.part[i] = (struct part){ z, buf + (pos - off), pos,
					   stop - pos, 0, 0 };
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

int zdev_discard(struct zdev *z, uint64_t off, uint64_t len)
{
	uint64_t start, index, end, first, last;
	struct zentry *e;
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
	first = (off + PAGE_MASK) >> ZPAGE_SHIFT;
	last = end >> ZPAGE_SHIFT;
	/* partial pages at the edges are zeroed in place */
	if ((off & PAGE_MASK) || first > last) {
		uint64_t pend = first > last ? end : first << ZPAGE_SHIFT;

		if (pend > off)
			ret = write_partial(z, off >> ZPAGE_SHIFT, NULL,
					    off & PAGE_MASK, pend - off);
		if (ret)
			goto out_fail;
	}
	if (first <= last && (end & PAGE_MASK)) {
		ret = write_partial(z, last, NULL, 0, end & PAGE_MASK);
		if (ret)
			goto out_fail;
	}
	for (index = first; index < last; index++) {
		if (!(index & (ZT_CHUNK_PAGES - 1)) || index == first) {
			uint64_t next = ztable_next_chunk(&z->table, index);

			/* whole never-written chunks: count, nothing to free */
			if (next > index) {
				next = next < last ? next : last;
				z->stats.notify_free += next - index;
				index = next - 1;
				continue;
			}
		}
		e = ztable_peek(&z->table, index);
		zentry_lock(e);
		zdev_free_slot(z, e);
		zentry_unlock(e);
		z->stats.notify_free++;
	}
	z->stats.dc_ios++;
	z->stats.dc_sectors += len >> 9;
	goto out_unlock;
out_fail:
	z->stats.failed_writes++;
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	io_end(z, &z->stats.dc_ns, start);
	return ret;
}

off_t zdev_seek(struct zdev *z, uint64_t off, int whence)
{
	uint64_t index, nr;
	struct zentry *e;
	off_t ret = -ENXIO;
	bool data;

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
		e = ztable_peek(&z->table, index);
		data = zentry_allocated(e);
		if (data == (whence == SEEK_DATA))
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
