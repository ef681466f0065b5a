/*
 * table - the sparse page table: one 16-byte entry per 4 KiB page.
 *
 *   dir[]  (one pointer per 512 pages, allocated at init: 8 bytes/2 MiB)
 *     |
 *     +--> chunk: struct zentry[512]   allocated on the first write there
 *
 * A 100 GiB device with nothing written costs its directory, 400 KiB.
 * Each entry carries a bit lock (ZE_LOCK) with futex waiting, so slot
 * locks cost nothing in memory and contend only on the same page.
 */
#ifndef ZRAMFS_TABLE_H
#define ZRAMFS_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_CHUNK_SHIFT 9
#define ZT_CHUNK_PAGES (1u << ZT_CHUNK_SHIFT)

/* flags word: low 13 bits are the object size (0..4096), then flags */
#define ZE_SIZE_MASK 0x1fffu
#define ZE_LOCK	     (1u << 13) /* slot lock */
#define ZE_WAITERS   (1u << 14) /* someone sleeps on the lock */
#define ZE_SAME	     (1u << 15) /* handle holds the fill word */
#define ZE_HUGE	     (1u << 16) /* stored raw, 4096 bytes */
#define ZE_IDLE	     (1u << 17) /* not accessed since marked idle */
#define ZE_WB \
	(1u << 18)		     /* on the backing store: handle is
					   the block, size the bytes there */
#define ZE_INCOMPRESSIBLE (1u << 19) /* no secondary algorithm shrank it */
#define ZE_PRIO_SHIFT	  20	     /* 2 bits: algorithm priority */
#define ZE_PRIO_MASK	  (3u << ZE_PRIO_SHIFT)
#define ZE_PP \
	(1u << 22) /* picked by a writeback or
					   recompress; any change clears it */

struct zentry {
	uint64_t handle;	/* protected by ZE_LOCK */
	_Atomic uint32_t flags; /* lock bit atomic, rest under it */
	uint32_t atime;		/* CLOCK_MONOTONIC_COARSE seconds */
};

struct ztable {
	_Atomic(struct zentry *) *dir;
	uint64_t nr_pages;
	uint64_t nr_chunks;
	_Atomic uint64_t chunks_allocated;
};

int ztable_init(struct ztable *t, uint64_t nr_pages);
/* frees the directory and chunks; entries must already be freed */
void ztable_destroy(struct ztable *t);
/* entry for index, NULL if its chunk was never allocated */
struct zentry *ztable_peek(struct ztable *t, uint64_t index);
/* entry for index, allocating its chunk; NULL on ENOMEM */
struct zentry *ztable_get(struct ztable *t, uint64_t index);
/* first index >= from whose chunk exists, or nr_pages */
uint64_t ztable_next_chunk(struct ztable *t, uint64_t from);
/*
 * Walk the entries of [*index, hi) whose chunks exist (never-written
 * chunks are skipped whole): the entry at *index or the first after it,
 * with *index moved there; NULL at hi.
 *   for (i = lo; (e = ztable_walk(t, &i, hi)); i++)
 */
static inline struct zentry *ztable_walk(struct ztable *t, uint64_t *index,
					 uint64_t hi)
{
	uint64_t next;

	if (*index >= hi)
		return NULL;
	next = ztable_next_chunk(t, *index);
	if (next >= hi)
		return NULL;
	*index = next;
	return ztable_peek(t, next);
}
/* bytes of metadata held */
uint64_t ztable_mem_bytes(struct ztable *t);

void zentry_lock(struct zentry *e);
/* take the lock only if it is free now: false if held (by anyone, the
 * caller too), so a thread holding one slot can try others safely */
bool zentry_trylock(struct zentry *e);
void zentry_unlock(struct zentry *e);

static inline uint32_t zentry_size(const struct zentry *e)
{
	return e->flags & ZE_SIZE_MASK;
}

static inline bool zentry_test(const struct zentry *e, uint32_t flag)
{
	return e->flags & flag;
}

/* the following only under the entry's lock */
static inline void zentry_set(struct zentry *e, uint32_t flag)
{
	e->flags |= flag;
}

static inline void zentry_clear(struct zentry *e, uint32_t flag)
{
	e->flags &= ~flag;
}

/* replace the bits in mask with val; CAS keeps a racing ZE_WAITERS */
static inline void zentry_set_bits(struct zentry *e, uint32_t mask,
				   uint32_t val)
{
	uint32_t f = e->flags;

	while (!atomic_compare_exchange_weak(&e->flags, &f,
					     (f & ~mask) | (val & mask)))
		;
}

static inline void zentry_set_size(struct zentry *e, uint32_t size)
{
	zentry_set_bits(e, ZE_SIZE_MASK, size);
}

static inline unsigned int zentry_prio(const struct zentry *e)
{
	return (e->flags & ZE_PRIO_MASK) >> ZE_PRIO_SHIFT;
}

static inline void zentry_set_prio(struct zentry *e, unsigned int prio)
{
	zentry_set_bits(e, ZE_PRIO_MASK, prio << ZE_PRIO_SHIFT);
}

/* an entry holds data: same-filled, an object or a backing block */
static inline bool zentry_allocated(const struct zentry *e)
{
	return zentry_test(e, ZE_SAME | ZE_WB) || e->handle;
}

#endif
