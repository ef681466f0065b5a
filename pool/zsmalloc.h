/*
 * zs_pool - a size-class allocator of compressed objects (zsmalloc's design).
 *
 * Objects of 1..ZS_MAX_ALLOC_SIZE bytes are packed into "zspages": runs of
 * 1..8 contiguous 4 KiB pages carved from large anonymous arenas, each
 * zspage serving one size class.  Callers hold opaque handles (never 0); a
 * handle names an indirection slot so compaction can move objects.
 * mem_used is counted in pool pages, as the kernel counts zsmalloc pages.
 * Pages of a zspage that becomes empty go back to the OS at once.
 */
#ifndef ZRAMFS_ZSMALLOC_H
#define ZRAMFS_ZSMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "util/page.h"

#define ZS_MAX_ALLOC_SIZE ZPAGE_SIZE

struct zs_pool;

struct zs_pool_stats {
	unsigned long pages_compacted; /* pages freed by compaction, total */
};

/* NULL on ENOMEM */
struct zs_pool *zs_create_pool(void);
/* frees every object and returns all memory to the OS */
void zs_destroy_pool(struct zs_pool *pool);

/*
 * Allocate an object of size bytes (1..ZS_MAX_ALLOC_SIZE).  Returns 0 and
 * a handle in *handle, or -ENOMEM (no memory), -EINVAL (bad size).
 * Never sleeps waiting for memory.
 */
int zs_malloc(struct zs_pool *pool, size_t size, unsigned long *handle);
void zs_free(struct zs_pool *pool, unsigned long handle);
/*
 * A hint that handle will be freed soon: start loading its metadata into
 * the cache.  Safe with any value, even a stale or made-up handle.
 */
void zs_prefetch(struct zs_pool *pool, unsigned long handle);

/*
 * Access an object.  read_begin returns a pointer to the object's bytes,
 * valid (not moved by compaction) until the matching read_end.  write
 * copies len bytes (<= the allocated size) into the object.
 * The caller guarantees the handle is not freed meanwhile.
 */
const void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle);
void zs_obj_read_end(struct zs_pool *pool, unsigned long handle);
void zs_obj_write(struct zs_pool *pool, unsigned long handle, const void *src,
		  size_t len);

/*
 * Keep pages ready runs of each zspage length faulted in by a background
 * thread (see pool/reserve.h): allocation then does not fault; it never
 * waits either: with the reserve empty it takes a run from the arenas,
 * or fails at once (-ENOMEM) while the refiller is stuck in reclaim.
 * Call once, before use; 0 or -ENOMEM.  Without it, zspages fault in on
 * first use.
 */
int zs_set_reserve(struct zs_pool *pool, unsigned int pages);

/* pages currently held for objects (what mem_used_total counts) */
unsigned long zs_get_total_pages(struct zs_pool *pool);
/* move objects to empty sparse zspages and free them; returns pages freed */
unsigned long zs_compact(struct zs_pool *pool);
void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats);
/*
 * Objects of this size or larger get a class with one object per page:
 * zram stores pages that compress to >= this size raw (huge).
 */
size_t zs_huge_class_size(struct zs_pool *pool);
/*
 * The class an object of size bytes lands in (merged classes share one
 * index): a smaller object saves memory only in a lower class.
 */
unsigned int zs_lookup_class_index(struct zs_pool *pool, size_t size);

#endif
