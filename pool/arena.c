/*
 * arena.c - page runs for zspages, carved from big anonymous mappings.
 *
 *   run_list[n-1]  (one per run length n = 1..8, own mutex)
 *     avail --> arena <-> arena ...   arenas with at least one free slot
 *     full  --> arena <-> arena ...   arenas with every slot in use
 *
 *   arena: base ............................................ base+ARENA_SIZE
 *          | slot 0 (n pages) | slot 1 | ... | slot nr_slots-1 | (unused)
 *          slots below "bump" have been handed out once; freed ones sit on
 *          "stack" (LIFO, so recently used address space is reused first).
 *
 * No metadata lives inside the runs: a free run is never touched, so its
 * pages stay released until the next owner writes them.
 *
 * LOCK ORDER: run_list->lock is a leaf (callers may hold a size class lock).
 * One thread at a time maps a new arena for a run list (growing); the
 * others wait on "grown" instead of mapping arenas they would throw away.
 * madvise and mmap are called without it; munmap of an empty arena too,
 * after the arena is unlinked.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pool/arena.h"
#include "util/lock.h"

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24 /* Linux 5.18+ */
#endif

#define ARENA_PAGES (ARENA_SIZE / ZPAGE_SIZE)

struct arena {
	struct arena *prev, *next; /* protected by run_list->lock */
	struct run_list *rl;
	char *base;
	unsigned int run_pages;
	unsigned int nr_slots;
	unsigned int nr_used;  /* protected by run_list->lock */
	unsigned int bump;     /* protected by run_list->lock */
	unsigned int nr_stack; /* protected by run_list->lock */
	uint16_t stack[];      /* freed slots, protected by lock */
};

struct run_list {
	pthread_mutex_t lock;
	struct arena *avail;   /* protected by lock */
	struct arena *full;    /* protected by lock */
	unsigned int nr_avail; /* protected by lock */
	bool growing;	       /* a thread maps an arena; lock */
	pthread_cond_t grown;  /* ...and broadcasts when done */
};

struct arena_pool {
	struct run_list runs[ARENA_MAX_RUN];
};

/* cleared once the kernel rejects MADV_DONTNEED_LOCKED */
static _Atomic int dontneed_locked = 1;

static void arena_link(struct arena **head, struct arena *a)
{
	a->prev = NULL;
	a->next = *head;
	if (*head)
		(*head)->prev = a;
	*head = a;
}

static void arena_unlink(struct arena **head, struct arena *a)
{
	if (a->prev)
		a->prev->next = a->next;
	else
		*head = a->next;
	if (a->next)
		a->next->prev = a->prev;
	a->prev = a->next = NULL;
}

void arena_discard(void *addr, size_t len)
{
	if (dontneed_locked) {
		if (!madvise(addr, len, MADV_DONTNEED_LOCKED))
			return;
		if (errno != EINVAL)
			return;
		dontneed_locked = 0;
	}
	madvise(addr, len, MADV_DONTNEED);
}

struct arena_pool *arena_pool_create(void)
{
	struct arena_pool *ap;
	int i;

	ap = calloc(1, sizeof(*ap));
	if (!ap)
		return NULL;
	for (i = 0; i < ARENA_MAX_RUN; i++) {
		zmutex_init(&ap->runs[i].lock);
		pthread_cond_init(&ap->runs[i].grown, NULL);
	}
	return ap;
}

static void destroy_list(struct arena *a)
{
	struct arena *next;

	for (; a; a = next) {
		next = a->next;
		munmap(a->base, ARENA_SIZE);
		free(a);
	}
}

void arena_pool_destroy(struct arena_pool *ap)
{
	int i;

	if (!ap)
		return;
	for (i = 0; i < ARENA_MAX_RUN; i++) {
		destroy_list(ap->runs[i].avail);
		destroy_list(ap->runs[i].full);
		pthread_mutex_destroy(&ap->runs[i].lock);
		pthread_cond_destroy(&ap->runs[i].grown);
	}
	free(ap);
}

static struct arena *arena_new(struct run_list *rl, unsigned int npages)
{
	unsigned int nr_slots = ARENA_PAGES / npages;
	struct arena *a;
	void *base;

	a = malloc(sizeof(*a) + nr_slots * sizeof(a->stack[0]));
	if (!a)
		return NULL;
	base = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		free(a);
		return NULL;
	}
	a->prev = a->next = NULL;
	a->rl = rl;
	a->base = base;
	a->run_pages = npages;
	a->nr_slots = nr_slots;
	a->nr_used = 0;
	a->bump = 0;
	a->nr_stack = 0;
	return a;
}

void *arena_alloc_run(struct arena_pool *ap, unsigned int npages,
		      struct arena **owner)
{
	struct run_list *rl = &ap->runs[npages - 1];
	struct arena *a, *fresh;
	unsigned int slot;

	pthread_mutex_lock(&rl->lock);
	while (!rl->avail) {
		/* one thread maps (outside the lock), the others wait for it */
		if (rl->growing) {
			pthread_cond_wait(&rl->grown, &rl->lock);
			continue;
		}
		rl->growing = true;
		pthread_mutex_unlock(&rl->lock);
		fresh = arena_new(rl, npages);
		pthread_mutex_lock(&rl->lock);
		rl->growing = false;
		pthread_cond_broadcast(&rl->grown);
		if (!fresh) {
			pthread_mutex_unlock(&rl->lock);
			return NULL;
		}
		arena_link(&rl->avail, fresh);
		rl->nr_avail++;
	}
	a = rl->avail;
	if (a->nr_stack)
		slot = a->stack[--a->nr_stack];
	else
		slot = a->bump++;
	if (++a->nr_used == a->nr_slots) {
		arena_unlink(&rl->avail, a);
		rl->nr_avail--;
		arena_link(&rl->full, a);
	}
	pthread_mutex_unlock(&rl->lock);
	*owner = a;
	return a->base + (size_t)slot * npages * ZPAGE_SIZE;
}

void arena_free_run(struct arena_pool *ap, struct arena *a, void *addr)
{
	struct run_list *rl = a->rl;
	size_t len = (size_t)a->run_pages * ZPAGE_SIZE;
	unsigned int slot = ((char *)addr - a->base) / len;
	int unmap = 0;

	/* before the slot is public: the next owner's data must survive */
	arena_discard(addr, len);

	pthread_mutex_lock(&rl->lock);
	if (a->nr_used == a->nr_slots) {
		arena_unlink(&rl->full, a);
		arena_link(&rl->avail, a);
		rl->nr_avail++;
	}
	a->stack[a->nr_stack++] = slot;
	if (--a->nr_used == 0 && rl->nr_avail > 1) {
		arena_unlink(&rl->avail, a);
		rl->nr_avail--;
		unmap = 1;
	}
	pthread_mutex_unlock(&rl->lock);

	if (unmap) {
		munmap(a->base, ARENA_SIZE);
		free(a);
	}
}
