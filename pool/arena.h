/*
 * arena - the page-run allocator under zs_pool (pool-internal).
 *
 * A zspage is a run of 1..ARENA_MAX_RUN contiguous 4 KiB pages.  Runs come
 * from large anonymous arenas (ARENA_SIZE of address space each, mapped
 * MAP_NORESERVE so untouched pages cost nothing).  Each arena serves one
 * run length, so it is an array of equal slots with a stack of freed slot
 * numbers: alloc and free are O(1) and never split or merge.
 *
 * A freed run goes back to the OS at once (MADV_DONTNEED_LOCKED, so it
 * works under mlockall; MADV_DONTNEED on older kernels).  An arena whose
 * every slot is free is unmapped unless it is the last one with room.
 */
#ifndef ZRAMFS_ARENA_H
#define ZRAMFS_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "util/page.h"

#define ARENA_MAX_RUN 8
#define ARENA_SIZE    (64UL << 20)

struct arena;
struct arena_pool;

/* NULL on ENOMEM */
struct arena_pool *arena_pool_create(void);
/* unmaps every arena, whether or not its runs were freed */
void arena_pool_destroy(struct arena_pool *ap);

/*
 * Get a run of npages (1..ARENA_MAX_RUN) page-aligned, zero-filled or
 * previously used pages.  Returns its address and its arena in *owner, or
 * NULL if no address space could be mapped.  Never blocks on memory.
 */
void *arena_alloc_run(struct arena_pool *ap, unsigned int npages,
		      struct arena **owner);
/* return a run to its arena, dropping its pages first */
void arena_free_run(struct arena_pool *ap, struct arena *owner, void *addr);

/* release the pages of [addr, addr + len) to the OS, keeping the mapping */
void arena_discard(void *addr, size_t len);

#endif
