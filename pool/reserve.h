/*
 * reserve - page runs faulted in ahead of need (pool-internal).
 *
 * A write must never wait on the kernel for memory: on the machine it
 * serves as swap, that wait can be reclaim that waits on the write.  So a
 * background thread takes runs from the arenas and touches their pages
 * (under mlockall they are then locked as well), keeping up to a target
 * of ready runs per run length; zs_malloc takes ready runs.  When none
 * is ready and the refiller is stuck in an allocation while the kernel
 * reclaims (memory stall time, PSI, grew since its round began), the
 * allocation fails at once (-ENOMEM: the write fails and is counted)
 * instead of joining the wait; when the refiller is only behind a burst,
 * or held up by the CPU or the address-space lock, the run comes
 * straight from the arenas.  Freed runs
 * refill the reserve first, then go back to the OS.
 *
 * Lock order: reserve->lock is a leaf; arena calls are made without it.
 */
#ifndef ZRAMFS_RESERVE_H
#define ZRAMFS_RESERVE_H

#include "pool/arena.h"

struct run_reserve;

/* pages: ready pages kept per run length; starts the refiller thread */
struct run_reserve *reserve_create(struct arena_pool *ap, unsigned int pages);
/* stops the refiller and hands every ready run back to the arenas */
void reserve_destroy(struct run_reserve *r);
/*
 * A ready run of npages, else one straight from the arenas; NULL (never
 * after a wait) while the refiller is stuck in reclaim, or when the
 * arenas have no memory.
 */
void *reserve_alloc_run(struct run_reserve *r, unsigned int npages,
			struct arena **owner);
/* keep the run if the reserve wants it, else free it to the OS */
void reserve_free_run(struct run_reserve *r, struct arena *owner, void *addr,
		      unsigned int npages);

#endif
