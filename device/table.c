/*
 * table - sparse page table and slot bit-locks (see table.h).
 *
 * Chunks are installed with compare-and-swap so two writers racing on a
 * fresh 2 MiB region agree on one chunk without a lock.  The slot lock is
 * the ZE_LOCK bit of the flags word: uncontended it is one CAS; contended,
 * the waiter sets ZE_WAITERS and sleeps on the word with futex(2).
 */
#include <errno.h>
#include <stdlib.h>

#include "device/table.h"
#include "util/futex.h"

int ztable_init(struct ztable *t, uint64_t nr_pages)
{
	t->nr_pages = nr_pages;
	t->nr_chunks = (nr_pages + ZT_CHUNK_PAGES - 1) >> ZT_CHUNK_SHIFT;
	t->chunks_allocated = 0;
	t->dir = calloc(t->nr_chunks ? t->nr_chunks : 1, sizeof(*t->dir));
	return t->dir ? 0 : -ENOMEM;
}

void ztable_destroy(struct ztable *t)
{
	uint64_t i;

	if (!t->dir)
		return;
	for (i = 0; i < t->nr_chunks; i++)
		free(t->dir[i]);
	free(t->dir);
	t->dir = NULL;
	t->nr_pages = t->nr_chunks = 0;
	t->chunks_allocated = 0;
}

struct zentry *ztable_peek(struct ztable *t, uint64_t index)
{
	struct zentry *c = t->dir[index >> ZT_CHUNK_SHIFT];

	return c ? &c[index & (ZT_CHUNK_PAGES - 1)] : NULL;
}

struct zentry *ztable_get(struct ztable *t, uint64_t index)
{
	_Atomic(struct zentry *) *slot = &t->dir[index >> ZT_CHUNK_SHIFT];
	struct zentry *c = *slot, *expected = NULL;

	if (!c) {
		c = calloc(ZT_CHUNK_PAGES, sizeof(*c));
		if (!c)
			return NULL;
		if (atomic_compare_exchange_strong(slot, &expected, c)) {
			t->chunks_allocated++;
		} else {
			free(c);
			c = expected;
		}
	}
	return &c[index & (ZT_CHUNK_PAGES - 1)];
}

uint64_t ztable_next_chunk(struct ztable *t, uint64_t from)
{
	uint64_t ci;

	for (ci = from >> ZT_CHUNK_SHIFT; ci < t->nr_chunks; ci++) {
		if (t->dir[ci])
			return ci == from >> ZT_CHUNK_SHIFT ?
				       from :
				       ci << ZT_CHUNK_SHIFT;
	}
	return t->nr_pages;
}

uint64_t ztable_mem_bytes(struct ztable *t)
{
	return t->nr_chunks * sizeof(*t->dir) +
	       t->chunks_allocated * ZT_CHUNK_PAGES * sizeof(struct zentry);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void zentry_lock(struct zentry *e)
{
	uint32_t f = e->flags;
	int spins = 0;

	for (;;) {
		if (!(f & ZE_LOCK)) {
			if (atomic_compare_exchange_weak(&e->flags, &f,
							 f | ZE_LOCK))
				return;
			continue;
		}
		if (spins < 100) {
			spins++;
			cpu_relax();
			f = e->flags;
			continue;
		}
		if (!(f & ZE_WAITERS) &&
		    !atomic_compare_exchange_weak(&e->flags, &f,
						  f | ZE_WAITERS))
			continue;
		futex_wait(&e->flags, f | ZE_WAITERS);
		f = e->flags;
	}
}

bool zentry_trylock(struct zentry *e)
{
	uint32_t f = e->flags;

	while (!(f & ZE_LOCK)) {
		if (atomic_compare_exchange_weak(&e->flags, &f, f | ZE_LOCK))
			return true;
	}
	return false;
}

void zentry_unlock(struct zentry *e)
{
	uint32_t old = atomic_fetch_and(&e->flags, ~(ZE_LOCK | ZE_WAITERS));

	if (old & ZE_WAITERS)
		futex_wake_all(&e->flags);
}
