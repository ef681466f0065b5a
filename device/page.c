/*
 * page - what one slot holds and how it changes (after zram_drv.c's
 * zram_read_page, zram_write_page and zram_free_page).
 *
 * A slot (struct zentry, table.h) holds one of:
 *   nothing          handle 0: the page reads as zeros and costs nothing
 *   a fill word      ZE_SAME: the page is one machine word repeated
 *   an object        a zs_malloc handle: the page compressed by the
 *                    algorithm at the slot's priority, or raw (ZE_HUGE)
 *   a backing block  ZE_WB: written back (writeback.c); size is what
 *                    the block holds, ZPAGE_SIZE raw, less compressed
 * Every read or write of a slot stamps its access time and clears
 * ZE_IDLE; freeing it clears every mark (ZE_PP too, so a writeback or
 * recompression racing with a write or discard drops its result).
 *
 * Write of a whole page:
 *   same-filled? -> store the fill word, no allocation
 *   compress with this worker's stream (no lock held)
 *   result >= huge_class_size? -> store the page raw (HUGE)
 *   zs_malloc; over mem_limit? -> free it, fail with -ENOSPC (with
 *   evict_on_limit: room is made before the pool reaches the limit, and
 *   a write crossing it all the same makes room and allocates again;
 *   evict.c)
 *   copy into the object, then under the slot lock free the old object
 *   and install the new one.
 * A partial page is read, merged and written with its slot held, so a
 * concurrent write to another part of the same page is never lost.
 * Reads hold the slot lock while decompressing, so the object cannot be
 * freed under them.
 *
 * Lock order: slot lock -> pool locks (inside pool/).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "device/backing.h"
#include "device/page.h"
#include "device/zdev_int.h"

/* per-thread scratch: a page for partial I/O, a buffer for compression */
static __thread unsigned char tls_page[ZPAGE_SIZE] __attribute__((aligned(64)));
static __thread unsigned char tls_dst[ZCOMP_DST_SIZE]
	__attribute__((aligned(64)));

/* a block of the backing store, aligned for O_DIRECT */
static __thread unsigned char tls_block[ZPAGE_SIZE]
	__attribute__((aligned(ZPAGE_SIZE)));

uint32_t zpage_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

/* a read or write of the slot: it is not idle */
static void accessed(struct zentry *e)
{
	e->atime = zpage_now();
	/* an atomic RMW only when there is a mark to clear */
	if (zentry_test(e, ZE_IDLE))
		zentry_clear(e, ZE_IDLE);
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

/* what freeing a slot clears besides its content */
#define MARKS (ZE_IDLE | ZE_INCOMPRESSIBLE | ZE_PP | ZE_PRIO_MASK)

void zpage_free_slot(struct zdev *z, struct zentry *e)
{
	struct zdev_counters *c = &z->stats;

	if (zentry_test(e, MARKS))
		zentry_set_bits(e, MARKS, 0);
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
	if (zentry_test(e, ZE_WB)) {
		zentry_clear(e, ZE_WB);
		zbacking_free(z->backing, e->handle);
	} else {
		c->compr_data_size -= zentry_size(e);
		zs_free(z->pool, e->handle);
	}
	e->handle = 0;
	zentry_set_size(e, 0);
	c->pages_stored--;
}

/* a written-back slot into dst: one block, decompressed if it must be */
static int read_block(struct zdev *z, struct zentry *e, void *dst)
{
	uint32_t size = zentry_size(e);
	int ret;

	ret = zbacking_read(z->backing, e->handle, tls_block, 1);
	if (ret)
		return ret;
	if (size == ZPAGE_SIZE) {
		memcpy(dst, tls_block, ZPAGE_SIZE);
		return 0;
	}
	return zcomp_decompress(z->comps[zentry_prio(e)], tls_block, size, dst,
				ZPAGE_SIZE);
}

int zpage_read_slot(struct zdev *z, struct zentry *e, void *dst)
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
	if (zentry_test(e, ZE_WB))
		return read_block(z, e, dst);
	size = zentry_size(e);
	src = zs_obj_read_begin(z->pool, e->handle);
	if (size == ZPAGE_SIZE)
		memcpy(dst, src, ZPAGE_SIZE);
	else
		ret = zcomp_decompress(z->comps[zentry_prio(e)], src, size, dst,
				       ZPAGE_SIZE);
	zs_obj_read_end(z->pool, e->handle);
	return ret;
}

int zpage_read(struct zdev *z, uint64_t index, void *dst)
{
	struct zentry *e = ztable_peek(&z->table, index);
	int ret;

	if (!e) {
		memset(dst, 0, ZPAGE_SIZE);
		return 0;
	}
	zentry_lock(e);
	ret = zpage_read_slot(z, e, dst);
	if (!ret)
		accessed(e);
	zentry_unlock(e);
	return ret;
}

/*
 * A run of written-back pages that sit in consecutive blocks (writeback
 * lays a batch out in page order) is read with one pread, straight into
 * dst when it is aligned for O_DIRECT.  The slots of the run are locked
 * in ascending order, as nothing holds one slot while taking a lower.
 */
#define RUN_MAX 64

int zpage_read_pages(struct zdev *z, uint64_t index, unsigned int n, void *dst)
{
	struct zentry *e[RUN_MAX];
	unsigned int run = 0, i;
	uint64_t blk = 0;
	int ret;

	if (n > RUN_MAX)
		n = RUN_MAX;
	if (n > 1 && z->backing && !((uintptr_t)dst & (ZPAGE_SIZE - 1))) {
		for (; run < n; run++) {
			e[run] = ztable_peek(&z->table, index + run);
			if (!e[run])
				break;
			zentry_lock(e[run]);
			if (!run)
				blk = e[0]->handle;
			if (!zentry_test(e[run], ZE_WB) ||
			    zentry_size(e[run]) != ZPAGE_SIZE ||
			    e[run]->handle != blk + run) {
				zentry_unlock(e[run]);
				break;
			}
		}
	}
	if (run < 2) {
		for (i = run; i-- > 0;)
			zentry_unlock(e[i]);
		ret = zpage_read(z, index, dst);
		return ret ? ret : 1;
	}
	ret = zbacking_read(z->backing, blk, dst, run);
	for (i = run; i-- > 0;) {
		if (!ret)
			accessed(e[i]);
		zentry_unlock(e[i]);
	}
	return ret ? ret : (int)run;
}

int zpage_read_part(struct zdev *z, uint64_t index, void *dst, size_t off,
		    size_t len)
{
	int ret = zpage_read(z, index, tls_page);

	if (!ret)
		memcpy(dst, tls_page + off, len);
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
__attribute__((no_sanitize_thread)) static void prefetch_old(struct zdev *z,
							     struct zentry *e)
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
	unsigned int evictions = 0;
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
		if (ret == -ENOSPC ||
		    (!ret && comp_len >= z->huge_class_size)) {
			huge = true;
			comp_len = ZPAGE_SIZE;
			obj = src;
		} else if (ret) {
			return ret;
		}
		/* evict_on_limit: room first, near the limit (evict.c) */
		zevict_ahead(z, locked ? e : NULL);
alloc:
		ret = zs_malloc(z->pool, comp_len, &handle);
		if (ret)
			return ret == -ENOMEM ? -ENOSPC : ret;
		pages = zs_get_total_pages(z->pool);
		update_used_max(z, pages);
		limit = z->limit_pages;
		if (limit && pages > limit) {
			zs_free(z->pool, handle);
			/* evict_on_limit: cold pages to the backing store */
			if (!zevict(z, locked ? e : NULL, evictions++))
				goto alloc;
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
	zpage_free_slot(z, e);
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
	accessed(e);
	if (!locked)
		zentry_unlock(e);
	c->pages_stored++;
	return 0;
}

int zpage_write(struct zdev *z, uint64_t index, const void *src)
{
	return write_page(z, index, NULL, false, src);
}

int zpage_write_part(struct zdev *z, uint64_t index, const void *src,
		     size_t off, size_t len)
{
	struct zentry *e = ztable_get(&z->table, index);
	int ret;

	if (!e)
		return -ENOMEM;
	zentry_lock(e);
	ret = zpage_read_slot(z, e, tls_page);
	if (!ret) {
		memcpy(tls_page + off, src, len);
		ret = write_page(z, index, e, true, tls_page);
	}
	zentry_unlock(e);
	return ret;
}

int zpage_discard(struct zdev *z, uint64_t index, size_t off, size_t len)
{
	struct zentry *e = ztable_peek(&z->table, index);
	uint64_t element;
	int ret = 0;

	if (len == ZPAGE_SIZE)
		z->stats.notify_free++;
	if (!e)
		return 0; /* never written: nothing to free or zero */
	zentry_lock(e);
	if (!zentry_allocated(e))
		goto out_unlock;
	if (len == ZPAGE_SIZE) {
		zpage_free_slot(z, e);
		goto out_unlock;
	}
	ret = zpage_read_slot(z, e, tls_page);
	if (ret)
		goto out_unlock;
	memset(tls_page + off, 0, len);
	/* nothing left but zeros: free it, as a whole-page discard would */
	if (page_same_filled(tls_page, &element) && !element)
		zpage_free_slot(z, e);
	else
		ret = write_page(z, index, e, true, tls_page);
out_unlock:
	zentry_unlock(e);
	return ret;
}

bool zpage_stored(struct zdev *z, uint64_t index)
{
	struct zentry *e = ztable_peek(&z->table, index);

	/* a racy look, as lseek's answer is stale the moment it is given */
	return e && zentry_allocated(e);
}
