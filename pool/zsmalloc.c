/*
 * zsmalloc.c - size-class object pool (after the kernel's mm/zsmalloc.c).
 *
 * Size classes run from ZS_MIN_ALLOC_SIZE to ZS_MAX_ALLOC_SIZE in
 * ZS_SIZE_CLASS_DELTA steps.  Each picks the zspage length (1..8 pages, the kernel's default chain size)
 * wasting the least tail space, and neighbours with the same (pages,
 * objects) per zspage share one class, as in the kernel.
 *
 *   handle --> handle table entry --> zspage + slot index --> object
 *
 *   handle table: chunks[h >> 16][h & 0xffff], each entry a _Atomic u64
 *     | class index (8) | slot index (12) | zspage pointer >> 4 (44) |
 *   Chunks are allocated on demand and never move.  A free entry holds the
 *   next free handle number of its class (per-class LIFO, under the class
 *   lock); never-used numbers come from an atomic counter.  The class
 *   index never changes for a live handle, so readers find their class,
 *   and thus the lock to take, from the entry before taking any lock.
 *
 *   zspage (malloc'ed metadata) --> run of contiguous pages (arena.c)
 *     | obj 0 | obj 1 | ... | obj n-1 | tail waste |
 *   Objects are contiguous, so readers get a direct pointer.  A freed slot
 *   stores the index of the next free slot in its first two bytes; slots at
 *   or above nr_fresh were never used and are not on the list, so a new
 *   zspage touches its pages only as objects land on them.  handles[i]
 *   names the handle of used slot i (0 when free) for compaction.
 *
 * Each class keeps its zspages on fullness lists by inuse ratio (tenths);
 * allocation takes the fullest non-full zspage, compaction moves objects
 * from the sparsest into the fullest and frees the emptied zspages.  An
 * empty zspage is freed at once and its pages dropped (arena.c).
 *
 * LOCK ORDER: class->lock -> class->migrate (write) -> arena run lock.
 *   class->lock     fullness lists, zspage freelists and inuse counts, the
 *                   class's handle freelist, handle entries on alloc/free
 *   class->migrate  object addresses: readers and writers hold it for read
 *                   while they use a resolved address; compaction holds it
 *                   for write while it moves objects and rewrites entries
 * A reader never takes class->lock while holding class->migrate: so no
 * zs_malloc, zs_free or zs_compact between read_begin and read_end.  The
 * default rwlock prefers readers, so a reader that maps a second object of
 * the same class does not wait behind a compaction (mapping objects of two
 * classes at once works too, but thread sanitizer calls it an inversion).
 * class->lock (like the run and reserve locks below it) is an adaptive
 * mutex (util/lock.h): it is held for well under a microsecond, so a
 * second CPU spins for it rather than sleeping in the kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool/arena.h"
#include "pool/reserve.h"
#include "pool/zsmalloc.h"
#include "util/lock.h"

#define ZS_MIN_ALLOC_SIZE	32
#define ZS_SIZE_CLASS_DELTA	16
#define ZS_MAX_PAGES_PER_ZSPAGE ARENA_MAX_RUN
#define ZS_SIZE_CLASSES                                                      \
	((ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE + ZS_SIZE_CLASS_DELTA - 1) / \
		 ZS_SIZE_CLASS_DELTA +                                       \
	 1)

/* fullness groups: 0 empty, 1..10 by tenths of inuse, 11 full */
#define ZS_EMPTY    0
#define ZS_FULL	    11
#define NR_FULLNESS 12

/* handle table */
#define HANDLE_CHUNK_SHIFT 16
#define HANDLE_CHUNK_SIZE  (1UL << HANDLE_CHUNK_SHIFT)
#define HANDLE_MAX_CHUNKS  (1UL << 16)
#define HANDLE_MAX	   (HANDLE_CHUNK_SIZE * HANDLE_MAX_CHUNKS)

/* handle table entry of a live handle */
#define OBJ_PTR_BITS	44
#define OBJ_PTR_MASK	((1ULL << OBJ_PTR_BITS) - 1)
#define OBJ_IDX_SHIFT	OBJ_PTR_BITS
#define OBJ_IDX_MASK	0xfffULL
#define OBJ_CLASS_SHIFT 56

#define FREE_END 0xffff

struct list_node {
	struct list_node *prev, *next;
};

struct size_class {
	pthread_mutex_t lock;
	pthread_rwlock_t migrate;
	struct list_node fullness[NR_FULLNESS]; /* protected by lock */
	unsigned long objs_allocated;		/* protected by lock */
	unsigned long objs_inuse;		/* protected by lock */
	uint64_t handle_free;			/* protected by lock */
	unsigned int size;
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	unsigned int index;
};

struct zspage {
	struct list_node list; /* protected by class->lock */
	char *base;
	struct arena *arena;
	uint16_t inuse;	    /* protected by class->lock */
	uint16_t freelist;  /* protected by class->lock */
	uint16_t nr_fresh;  /* protected by class->lock */
	uint8_t fullness;   /* protected by class->lock */
	uint32_t handles[]; /* protected by class->lock */
};

struct zs_pool {
	struct size_class *size_class[ZS_SIZE_CLASSES];
	struct arena_pool *arenas;
	struct run_reserve *reserve; /* NULL: runs straight from arenas */
	_Atomic(_Atomic uint64_t *) *handle_chunks;
	_Atomic uint64_t handle_next; /* never-used handle numbers */
	_Atomic unsigned long pages_allocated;
	_Atomic unsigned long pages_compacted;
	size_t huge_class_size;
};

static void list_init(struct list_node *head)
{
	head->prev = head->next = head;
}

static bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

static void list_add(struct list_node *n, struct list_node *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

static struct zspage *first_zspage(struct list_node *head)
{
	if (list_empty(head))
		return NULL;
	return (struct zspage *)((char *)head->next -
				 offsetof(struct zspage, list));
}

/* --- size classes ------------------------------------------------------ */

static unsigned int size_class_index(size_t size)
{
	unsigned int idx = 0;

	if (size > ZS_MIN_ALLOC_SIZE)
		idx = (size - ZS_MIN_ALLOC_SIZE + ZS_SIZE_CLASS_DELTA - 1) /
		      ZS_SIZE_CLASS_DELTA;
	return idx < ZS_SIZE_CLASSES ? idx : ZS_SIZE_CLASSES - 1;
}

/* the zspage length (pages) whose tail waste is the smallest share */
static unsigned int get_pages_per_zspage(unsigned int class_size)
{
	unsigned int i, max_usedpc = 0, best = 1;

	for (i = 1; i <= ZS_MAX_PAGES_PER_ZSPAGE; i++) {
		unsigned int zspage_size = i * ZPAGE_SIZE;
		unsigned int waste = zspage_size % class_size;
		unsigned int usedpc = (zspage_size - waste) * 100 / zspage_size;

		if (usedpc > max_usedpc) {
			max_usedpc = usedpc;
			best = i;
		}
	}
	return best;
}

static int get_fullness_group(struct size_class *class, struct zspage *zspage)
{
	if (!zspage->inuse)
		return ZS_EMPTY;
	if (zspage->inuse == class->objs_per_zspage)
		return ZS_FULL;
	return zspage->inuse * 10 / class->objs_per_zspage + 1;
}

static void insert_zspage(struct size_class *class, struct zspage *zspage)
{
	zspage->fullness = get_fullness_group(class, zspage);
	list_add(&zspage->list, &class->fullness[zspage->fullness]);
}

/* move zspage to the list its inuse count calls for; returns the group */
static int fix_fullness_group(struct size_class *class, struct zspage *zspage)
{
	int fg = get_fullness_group(class, zspage);

	if (fg != zspage->fullness) {
		list_del(&zspage->list);
		zspage->fullness = fg;
		list_add(&zspage->list, &class->fullness[fg]);
	}
	return fg;
}

/* the fullest zspage with a free slot */
static struct zspage *find_get_zspage(struct size_class *class)
{
	struct zspage *zspage;
	int fg;

	for (fg = ZS_FULL - 1; fg > ZS_EMPTY; fg--) {
		zspage = first_zspage(&class->fullness[fg]);
		if (zspage)
			return zspage;
	}
	return NULL;
}

/* --- handle table ------------------------------------------------------ */

/* the chunk holding handle h's entry, NULL if never allocated */
static _Atomic uint64_t *handle_chunk(struct zs_pool *pool, uint64_t h)
{
	return atomic_load_explicit(
		&pool->handle_chunks[h >> HANDLE_CHUNK_SHIFT],
		memory_order_acquire);
}

static _Atomic uint64_t *handle_entry(struct zs_pool *pool, uint64_t h)
{
	return &handle_chunk(pool, h)[h & (HANDLE_CHUNK_SIZE - 1)];
}

/* a fresh handle number with its chunk in place, 0 on ENOMEM */
static uint64_t handle_new(struct zs_pool *pool)
{
	_Atomic(_Atomic uint64_t *) *slot;
	_Atomic uint64_t *chunk, *expect = NULL;
	uint64_t h;

	h = atomic_fetch_add(&pool->handle_next, 1);
	if (h >= HANDLE_MAX)
		return 0;
	slot = &pool->handle_chunks[h >> HANDLE_CHUNK_SHIFT];
	if (atomic_load_explicit(slot, memory_order_acquire))
		return h;
	chunk = calloc(HANDLE_CHUNK_SIZE, sizeof(*chunk));
	if (!chunk) {
		/* the number is lost; chunk stays missing for a retry */
		return 0;
	}
	if (!atomic_compare_exchange_strong_explicit(slot, &expect, chunk,
						     memory_order_acq_rel,
						     memory_order_acquire))
		free(chunk);
	return h;
}

/* called with class->lock held */
static uint64_t handle_get(struct zs_pool *pool, struct size_class *class)
{
	uint64_t h = class->handle_free;

	if (h) {
		class->handle_free = atomic_load_explicit(handle_entry(pool, h),
							  memory_order_relaxed);
		return h;
	}
	return handle_new(pool);
}

/* called with class->lock held */
static void handle_put(struct zs_pool *pool, struct size_class *class,
		       uint64_t h)
{
	atomic_store_explicit(handle_entry(pool, h), class->handle_free,
			      memory_order_relaxed);
	class->handle_free = h;
}

static uint64_t obj_encode(struct size_class *class, struct zspage *zspage,
			   unsigned int idx)
{
	return (uint64_t) class->index << OBJ_CLASS_SHIFT |
	       (uint64_t)idx << OBJ_IDX_SHIFT |
	       (uint64_t)(uintptr_t)zspage >> 4;
}

static struct zspage *obj_zspage(uint64_t entry)
{
	return (struct zspage *)(uintptr_t)((entry & OBJ_PTR_MASK) << 4);
}

static unsigned int obj_idx(uint64_t entry)
{
	return (entry >> OBJ_IDX_SHIFT) & OBJ_IDX_MASK;
}

static struct size_class *entry_class(struct zs_pool *pool, uint64_t entry)
{
	return pool->size_class[entry >> OBJ_CLASS_SHIFT];
}

/* --- zspages ----------------------------------------------------------- */

static struct zspage *alloc_zspage(struct zs_pool *pool,
				   struct size_class *class)
{
	size_t sz = sizeof(struct zspage) +
		    class->objs_per_zspage * sizeof(uint32_t);
	struct zspage *zspage;

	/* 16-byte aligned below 2^48 to fit the handle entry */
	zspage = aligned_alloc(16, (sz + 15) & ~(size_t)15);
	if (!zspage)
		return NULL;
	if ((uintptr_t)zspage >> (OBJ_PTR_BITS + 4))
		goto out_free;
	if (pool->reserve)
		zspage->base = reserve_alloc_run(pool->reserve,
						 class->pages_per_zspage,
						 &zspage->arena);
	else
		zspage->base = arena_alloc_run(pool->arenas,
					       class->pages_per_zspage,
					       &zspage->arena);
	if (!zspage->base)
		goto out_free;
	list_init(&zspage->list);
	zspage->inuse = 0;
	zspage->freelist = FREE_END;
	zspage->nr_fresh = 0;
	zspage->fullness = ZS_EMPTY;
	atomic_fetch_add(&pool->pages_allocated, class->pages_per_zspage);
	return zspage;

out_free:
	free(zspage);
	return NULL;
}

/* the zspage is unlinked and empty, nobody can reach it */
static void free_zspage(struct zs_pool *pool, struct size_class *class,
			struct zspage *zspage)
{
	if (pool->reserve)
		reserve_free_run(pool->reserve, zspage->arena, zspage->base,
				 class->pages_per_zspage);
	else
		arena_free_run(pool->arenas, zspage->arena, zspage->base);
	atomic_fetch_sub(&pool->pages_allocated, class->pages_per_zspage);
	free(zspage);
}

static char *obj_addr(struct size_class *class, struct zspage *zspage,
		      unsigned int idx)
{
	return zspage->base + (size_t)idx * class->size;
}

/* take a free slot of a non-full zspage for handle h */
static unsigned int obj_malloc(struct size_class *class, struct zspage *zspage,
			       uint64_t h)
{
	unsigned int idx = zspage->freelist;
	uint16_t next;

	if (idx != FREE_END) {
		memcpy(&next, obj_addr(class, zspage, idx), sizeof(next));
		zspage->freelist = next;
	} else {
		idx = zspage->nr_fresh++;
	}
	zspage->handles[idx] = h;
	zspage->inuse++;
	class->objs_inuse++;
	return idx;
}

static void obj_free(struct size_class *class, struct zspage *zspage,
		     unsigned int idx)
{
	uint16_t next = zspage->freelist;

	memcpy(obj_addr(class, zspage, idx), &next, sizeof(next));
	zspage->freelist = idx;
	zspage->handles[idx] = 0;
	zspage->inuse--;
	class->objs_inuse--;
}

/* --- pool -------------------------------------------------------------- */

static struct size_class *class_create(unsigned int idx, unsigned int size,
				       unsigned int pages, unsigned int objs)
{
	struct size_class *class;
	int fg;

	class = calloc(1, sizeof(*class));
	if (!class)
		return NULL;
	if (zmutex_init(&class->lock))
		goto out_free;
	if (pthread_rwlock_init(&class->migrate, NULL))
		goto out_mutex;
	for (fg = 0; fg < NR_FULLNESS; fg++)
		list_init(&class->fullness[fg]);
	class->size = size;
	class->pages_per_zspage = pages;
	class->objs_per_zspage = objs;
	class->index = idx;
	return class;

out_mutex:
	pthread_mutex_destroy(&class->lock);
out_free:
	free(class);
	return NULL;
}

struct zs_pool *zs_create_pool(void)
{
	struct size_class *prev = NULL;
	struct zs_pool *pool;
	int i;

	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->arenas = arena_pool_create();
	pool->handle_chunks = calloc(HANDLE_MAX_CHUNKS,
				     sizeof(*pool->handle_chunks));
	if (!pool->arenas || !pool->handle_chunks)
		goto out_destroy;
	atomic_init(&pool->handle_next, 1); /* handle 0 is never valid */

	/* biggest first, so a merged class keeps its biggest size */
	for (i = ZS_SIZE_CLASSES - 1; i >= 0; i--) {
		unsigned int size = ZS_MIN_ALLOC_SIZE + i * ZS_SIZE_CLASS_DELTA;
		unsigned int pages, objs;

		if (size > ZS_MAX_ALLOC_SIZE)
			size = ZS_MAX_ALLOC_SIZE;
		pages = get_pages_per_zspage(size);
		objs = pages * ZPAGE_SIZE / size;

		/* the first class above which every class is huge */
		if (pages != 1 && objs != 1 && !pool->huge_class_size)
			pool->huge_class_size = size + 1;

		if (prev && prev->pages_per_zspage == pages &&
		    prev->objs_per_zspage == objs) {
			pool->size_class[i] = prev;
			continue;
		}
		prev = class_create(i, size, pages, objs);
		if (!prev)
			goto out_destroy;
		pool->size_class[i] = prev;
	}
	return pool;

out_destroy:
	zs_destroy_pool(pool);
	return NULL;
}

void zs_destroy_pool(struct zs_pool *pool)
{
	unsigned long i;
	int fg;

	if (!pool)
		return;
	for (i = 0; i < ZS_SIZE_CLASSES; i++) {
		struct size_class *class = pool->size_class[i];
		struct zspage *zspage;

		if (!class || class->index != i)
			continue;
		for (fg = 0; fg < NR_FULLNESS; fg++) {
			while ((zspage = first_zspage(&class->fullness[fg]))) {
				list_del(&zspage->list);
				atomic_fetch_sub(&pool->pages_allocated,
						 class->pages_per_zspage);
				free(zspage);
			}
		}
		pthread_rwlock_destroy(&class->migrate);
		pthread_mutex_destroy(&class->lock);
		free(class);
	}
	reserve_destroy(pool->reserve);
	/* unmaps every run at once, no need to free them one by one */
	arena_pool_destroy(pool->arenas);
	if (pool->handle_chunks) {
		for (i = 0; i < HANDLE_MAX_CHUNKS; i++)
			free(atomic_load(&pool->handle_chunks[i]));
		free(pool->handle_chunks);
	}
	free(pool);
}

int zs_malloc(struct zs_pool *pool, size_t size, unsigned long *handle)
{
	struct size_class *class;
	struct zspage *zspage;
	unsigned int idx;
	uint64_t h;
	int ret = 0;

	if (!size || size > ZS_MAX_ALLOC_SIZE)
		return -EINVAL;
	class = pool->size_class[size_class_index(size)];

	pthread_mutex_lock(&class->lock);
	h = handle_get(pool, class);
	if (!h) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	zspage = find_get_zspage(class);
	if (!zspage) {
		/* the arena may mmap: do not hold up the class meanwhile */
		pthread_mutex_unlock(&class->lock);
		zspage = alloc_zspage(pool, class);
		pthread_mutex_lock(&class->lock);
		if (!zspage) {
			handle_put(pool, class, h);
			ret = -ENOMEM;
			goto out_unlock;
		}
		class->objs_allocated += class->objs_per_zspage;
		insert_zspage(class, zspage);
	}
	idx = obj_malloc(class, zspage, h);
	atomic_store_explicit(handle_entry(pool, h),
			      obj_encode(class, zspage, idx),
			      memory_order_relaxed);
	fix_fullness_group(class, zspage);
	*handle = h;

out_unlock:
	pthread_mutex_unlock(&class->lock);
	return ret;
}

void zs_free(struct zs_pool *pool, unsigned long handle)
{
	struct size_class *class;
	struct zspage *zspage;
	uint64_t entry;

	if (!handle)
		return;
	entry = atomic_load_explicit(handle_entry(pool, handle),
				     memory_order_relaxed);
	class = entry_class(pool, entry);

	pthread_mutex_lock(&class->lock);
	/* reload: compaction may have moved the object */
	entry = atomic_load_explicit(handle_entry(pool, handle),
				     memory_order_relaxed);
	zspage = obj_zspage(entry);
	obj_free(class, zspage, obj_idx(entry));
	handle_put(pool, class, handle);
	if (fix_fullness_group(class, zspage) == ZS_EMPTY) {
		list_del(&zspage->list);
		class->objs_allocated -= class->objs_per_zspage;
	} else {
		zspage = NULL;
	}
	pthread_mutex_unlock(&class->lock);

	if (zspage)
		free_zspage(pool, class, zspage);
}

void zs_prefetch(struct zs_pool *pool, unsigned long handle)
{
	_Atomic uint64_t *chunk;
	uint64_t entry;

	if (!handle || handle >= HANDLE_MAX)
		return;
	chunk = handle_chunk(pool, handle);
	if (!chunk)
		return;
	/* a freed handle holds a free-list link: a useless prefetch */
	entry = atomic_load_explicit(&chunk[handle & (HANDLE_CHUNK_SIZE - 1)],
				     memory_order_relaxed);
	__builtin_prefetch(obj_zspage(entry), 1);
}

const void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle)
{
	_Atomic uint64_t *e = handle_entry(pool, handle);
	struct size_class *class;
	uint64_t entry;

	entry = atomic_load_explicit(e, memory_order_relaxed);
	class = entry_class(pool, entry);
	pthread_rwlock_rdlock(&class->migrate);
	entry = atomic_load_explicit(e, memory_order_relaxed);
	return obj_addr(class, obj_zspage(entry), obj_idx(entry));
}

void zs_obj_read_end(struct zs_pool *pool, unsigned long handle)
{
	uint64_t entry = atomic_load_explicit(handle_entry(pool, handle),
					      memory_order_relaxed);

	pthread_rwlock_unlock(&entry_class(pool, entry)->migrate);
}

void zs_obj_write(struct zs_pool *pool, unsigned long handle, const void *src,
		  size_t len)
{
	void *dst = (void *)zs_obj_read_begin(pool, handle);

	memcpy(dst, src, len);
	zs_obj_read_end(pool, handle);
}

unsigned long zs_get_total_pages(struct zs_pool *pool)
{
	return atomic_load(&pool->pages_allocated);
}

int zs_set_reserve(struct zs_pool *pool, unsigned int pages)
{
	if (pool->reserve || !pages)
		return 0;
	pool->reserve = reserve_create(pool->arenas, pages);
	return pool->reserve ? 0 : -ENOMEM;
}

unsigned int zs_lookup_class_index(struct zs_pool *pool, size_t size)
{
	return pool->size_class[size_class_index(size)]->index;
}

size_t zs_huge_class_size(struct zs_pool *pool)
{
	return pool->huge_class_size;
}

void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats)
{
	stats->pages_compacted = atomic_load(&pool->pages_compacted);
}

/* --- compaction -------------------------------------------------------- */

/* pages compaction could free in this class; class->lock held */
static unsigned long zs_can_compact(struct size_class *class)
{
	unsigned long wasted = class->objs_allocated - class->objs_inuse;

	return wasted / class->objs_per_zspage * class->pages_per_zspage;
}

/* fullest partial zspage, unlinked; class->lock held */
static struct zspage *isolate_dst_zspage(struct size_class *class)
{
	struct zspage *zspage;
	int fg;

	for (fg = ZS_FULL - 1; fg > ZS_EMPTY; fg--) {
		zspage = first_zspage(&class->fullness[fg]);
		if (zspage) {
			list_del(&zspage->list);
			return zspage;
		}
	}
	return NULL;
}

/* sparsest partial zspage, unlinked; class->lock held */
static struct zspage *isolate_src_zspage(struct size_class *class)
{
	struct zspage *zspage;
	int fg;

	for (fg = ZS_EMPTY + 1; fg < ZS_FULL; fg++) {
		zspage = first_zspage(&class->fullness[fg]);
		if (zspage) {
			list_del(&zspage->list);
			return zspage;
		}
	}
	return NULL;
}

/* move objects until src is empty or dst full; class->lock, migrate held */
static void migrate_zspage(struct zs_pool *pool, struct size_class *class,
			   struct zspage *src, struct zspage *dst)
{
	unsigned int i, idx;
	uint64_t h;

	for (i = 0; i < src->nr_fresh && src->inuse; i++) {
		if (dst->inuse == class->objs_per_zspage)
			break;
		h = src->handles[i];
		if (!h)
			continue;
		idx = obj_malloc(class, dst, h);
		memcpy(obj_addr(class, dst, idx), obj_addr(class, src, i),
		       class->size);
		atomic_store_explicit(handle_entry(pool, h),
				      obj_encode(class, dst, idx),
				      memory_order_relaxed);
		obj_free(class, src, i);
	}
}

static unsigned long compact_class(struct zs_pool *pool,
				   struct size_class *class)
{
	struct zspage *src, *dst = NULL;
	unsigned long freed = 0;

	pthread_mutex_lock(&class->lock);
	while (zs_can_compact(class)) {
		if (!dst) {
			dst = isolate_dst_zspage(class);
			if (!dst)
				break;
		}
		src = isolate_src_zspage(class);
		if (!src)
			break;

		pthread_rwlock_wrlock(&class->migrate);
		migrate_zspage(pool, class, src, dst);
		pthread_rwlock_unlock(&class->migrate);

		if (get_fullness_group(class, src) == ZS_EMPTY) {
			class->objs_allocated -= class->objs_per_zspage;
			free_zspage(pool, class, src);
			freed += class->pages_per_zspage;
		} else {
			insert_zspage(class, src);
		}
		if (get_fullness_group(class, dst) == ZS_FULL) {
			insert_zspage(class, dst);
			dst = NULL;
			/* let allocators and freers in between rounds */
			pthread_mutex_unlock(&class->lock);
			pthread_mutex_lock(&class->lock);
		}
	}
	if (dst)
		insert_zspage(class, dst);
	pthread_mutex_unlock(&class->lock);
	return freed;
}

unsigned long zs_compact(struct zs_pool *pool)
{
	unsigned long i, freed = 0;

	for (i = ZS_SIZE_CLASSES; i-- > 0;) {
		struct size_class *class = pool->size_class[i];

		if (class->index != i || class->objs_per_zspage == 1)
			continue;
		freed += compact_class(pool, class);
	}
	atomic_fetch_add(&pool->pages_compacted, freed);
	return freed;
}
