/*
 * evict - make room under mem_limit by writing the least recently
 * accessed pages to the backing store (beyond the kernel; zswap's LRU
 * writeback with its accept_threshold hysteresis).  Called from the write
 * path when an allocation would cross mem_limit (page.c), with init_lock
 * held for read.
 *
 *   when     a write finding the pool within a headroom of mem_limit (a
 *            16th of it, 64 KiB to 1 MiB) evicts before it allocates, so
 *            that the allocations of concurrent writes do not take the
 *            pool above the limit even for a moment; a write whose
 *            allocation crossed the limit all the same evicts and
 *            allocates again (up to ZEVICT_TRIES times) instead of
 *            failing
 *   target   the pool below accept_threshold percent of mem_limit (and at
 *            least two headrooms below it): one eviction makes room for
 *            many writes instead of one page for each; a writer finding
 *            the pool at most half way from there to the limit (another
 *            eviction was just done) goes on without one
 *   select   the pages by access time, oldest first: one pass counts the
 *            bytes stored per age (seconds exactly up to 512 s, 16 steps
 *            per doubling beyond), which gives the age down to which the
 *            oldest pages hold what must go; a second pass takes them in
 *            page order (neighbours land in neighbouring blocks)
 *   move     with the device's post-processing turn, the pages are marked
 *            and written out as a writeback does (batches, no slot lock
 *            held across I/O, a racing write wins: writeback.h); without
 *            it (a writeback, recompression or policy run holds it), or
 *            for a caller that holds a slot lock (a partial write), page
 *            by page: under the slot's lock, its bytes to one block, then
 *            the slot points at the block (a slot lock held across the
 *            write of its own page, no longer); should every cold page
 *            be the turn holder's (a run marked them), it waits for the
 *            turn up to a second
 *   compact  then the pool is compacted, so mem_used_total really drops
 *
 * Slots are chosen, marked and moved page by page under try-locks only
 * (a busy one is being accessed, so it is not the coldest anyway): a
 * caller holding a slot (a partial write) never waits for another, so it
 * cannot deadlock with another eviction, and never tries its own.  The
 * batched write-out then takes its marked slots' locks one at a time as
 * a writeback does; it is only used by callers that hold no slot lock,
 * and no holder of a slot lock waits for it.  Evictions that hold no
 * slot lock take turns on the policy's evict_lock (the second finds the
 * room the first made and goes on); a partial write evicts page by page
 * beside them without it, and without the turn.  The store full or the
 * budget spent: -ENOSPC, and the write fails as without eviction.
 *
 * Lock order: init_lock (read) -> evict_lock -> slot lock (try only) ->
 * pool / backing bitmap locks; the policy lock briefly for the budget.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device/backing.h"
#include "device/page.h"
#include "device/policy.h"
#include "device/pp.h"
#include "device/writeback.h"
#include "device/zdev_int.h"

#define NR_BUCKETS   896 /* bucket(UINT32_MAX) is 879 */
#define ROOM_PAGES   8	 /* the largest zspage: room for any write */
#define HEADROOM_MAX 256 /* 1 MiB: 32 writers' new zspages */
#define MAX_ROUNDS   4
#define TURN_WAIT_MS 1000 /* for a turn holder that has every cold page */

/* a block of the backing store, aligned for O_DIRECT */
static __thread unsigned char tls_block[ZPAGE_SIZE]
	__attribute__((aligned(ZPAGE_SIZE)));

/* age in seconds -> bucket, oldest highest */
static unsigned int bucket(uint32_t age)
{
	unsigned int lg;

	if (age < 512)
		return age;
	lg = 31 - __builtin_clz(age);
	return 512 + (lg - 9) * 16 + ((age >> (lg - 4)) & 15);
}

static uint32_t age_of(const struct zentry *e, uint32_t now)
{
	return e->atime < now ? now - e->atime : 0;
}

/* a slot whose memory eviction can give back (its lock held) */
static bool evictable(const struct zentry *e)
{
	return e->handle && !zentry_test(e, ZE_SAME | ZE_WB | ZE_PP);
}

struct sel {
	uint64_t need; /* bytes of objects to move */
	uint32_t now;
	unsigned int cut; /* older buckets are taken whole */
	uint64_t quota;	  /* bytes taken from bucket cut itself */
	uint64_t *sum;	  /* bytes stored per bucket */
};

/* the next slot of [*index, nr) whose chunk exists, or NULL */
static struct zentry *next_slot(struct zdev *z, uint64_t *index)
{
	uint64_t next;

	if (!(*index & (ZT_CHUNK_PAGES - 1))) {
		next = ztable_next_chunk(&z->table, *index);
		if (next >= z->table.nr_pages)
			return NULL;
		*index = next;
	}
	return ztable_peek(&z->table, *index);
}

/* bytes stored per age, and where the oldest need bytes end */
static void choose(struct zdev *z, struct sel *s, uint64_t need)
{
	uint64_t index, acc = 0;
	struct zentry *e;
	unsigned int b;

	s->need = need;
	memset(s->sum, 0, NR_BUCKETS * sizeof(*s->sum));
	s->now = zpage_now();
	for (index = 0; index < z->table.nr_pages; index++) {
		e = next_slot(z, &index);
		if (!e)
			break;
		if (!zentry_trylock(e))
			continue;
		if (evictable(e))
			s->sum[bucket(age_of(e, s->now))] += zentry_size(e);
		zentry_unlock(e);
	}
	s->cut = 0;
	s->quota = UINT64_MAX;
	for (b = NR_BUCKETS; b-- > 0;) {
		if (acc + s->sum[b] >= need) {
			s->cut = b;
			s->quota = need - acc;
			break;
		}
		acc += s->sum[b];
	}
}

/* is the slot (locked, evictable) among the chosen? */
static bool chosen(struct sel *s, const struct zentry *e)
{
	unsigned int b = bucket(age_of(e, s->now));
	uint32_t size = zentry_size(e);

	if (b > s->cut)
		return true;
	if (b < s->cut || !s->quota)
		return false;
	s->quota = s->quota > size ? s->quota - size : 0;
	return true;
}

/* -- with the turn: mark, and write out as a writeback ------------------ */

/* pages moved, or -errno if none moved */
static int64_t evict_marked(struct zdev *z, struct sel *s)
{
	struct zpp pp = { 0 };
	uint64_t index;
	struct zentry *e;
	int64_t moved = 0;
	int ret = 0;

	for (index = 0; index < z->table.nr_pages && !ret; index++) {
		e = next_slot(z, &index);
		if (!e)
			break;
		if (!zentry_trylock(e))
			continue;
		if (evictable(e) && chosen(s, e)) {
			ret = zpp_add(&pp, index, zentry_size(e));
			if (!ret)
				zentry_set(e, ZE_PP);
		}
		zentry_unlock(e);
	}
	if (pp.n) {
		moved = zwb_write_out(z, &pp);
		if (moved < 0) {
			ret = moved;
			moved = zpp_count_written(z, &pp);
		}
	}
	zpp_release(z, &pp);
	return moved ? moved : ret;
}

/* -- without it: page by page under the slot's lock --------------------- */

/* write the slot (locked, evictable) to a block of its own: 1 or -errno */
static int evict_one(struct zdev *z, struct zentry *e)
{
	uint32_t size = zentry_size(e);
	unsigned int prio = zentry_prio(e);
	const void *obj;
	uint64_t blk;

	if (!zwb_spend(z))
		return -EIO;
	if (z->wb_compressed && size < ZPAGE_SIZE) {
		obj = zs_obj_read_begin(z->pool, e->handle);
		memcpy(tls_block, obj, size);
		memset(tls_block + size, 0, ZPAGE_SIZE - size);
		zs_obj_read_end(z->pool, e->handle);
	} else {
		size = ZPAGE_SIZE;
		prio = 0;
		if (zpage_read_slot(z, e, tls_block)) {
			z->stats.failed_reads++;
			zwb_refund(z);
			return -EIO;
		}
	}
	if (zbacking_alloc(z->backing, &blk, 1) != 1) {
		zwb_refund(z);
		return -ENOSPC;
	}
	if (zbacking_write(z->backing, blk, tls_block, 1)) {
		zbacking_free(z->backing, blk);
		zwb_refund(z);
		return -EIO;
	}
	zpage_free_slot(z, e);
	e->handle = blk;
	zentry_set_size(e, size);
	zentry_set_prio(e, prio);
	zentry_set(e, ZE_WB);
	z->stats.pages_stored++;
	return 1;
}

/* pages moved, or -errno if none moved */
static int64_t evict_pages(struct zdev *z, struct sel *s)
{
	uint64_t index, freed = 0;
	struct zentry *e;
	int64_t moved = 0;
	uint32_t size;
	int ret = 0;

	for (index = 0; index < z->table.nr_pages; index++) {
		e = next_slot(z, &index);
		if (!e)
			break;
		if (!zentry_trylock(e))
			continue; /* busy, or the caller's own */
		size = zentry_size(e);
		if (evictable(e) && chosen(s, e))
			ret = evict_one(z, e);
		zentry_unlock(e);
		if (ret < 0)
			return moved ? moved : ret;
		if (ret) {
			moved++;
			freed += size;
			if (freed >= s->need)
				break;
		}
		ret = 0;
	}
	return moved;
}

/* -- the eviction ---------------------------------------------------------- */

static bool room(struct zdev *z, uint64_t limit)
{
	return zs_get_total_pages(z->pool) + ROOM_PAGES <= limit;
}

/* pages below mem_limit where eviction starts (see ahead) */
static uint64_t headroom(uint64_t limit)
{
	uint64_t h = limit / 16;

	if (h > HEADROOM_MAX)
		h = HEADROOM_MAX;
	return h < 2 * ROOM_PAGES ? 2 * ROOM_PAGES : h;
}

/* the post-processing turn within TURN_WAIT_MS: true if taken */
static bool wait_turn(struct zdev *z)
{
	unsigned int i;

	for (i = 0; i < TURN_WAIT_MS / 2; i++) {
		usleep(2000);
		if (zpp_begin(z))
			return true;
	}
	return false;
}

static int make_room(struct zdev *z, bool page_by_page)
{
	struct zpolicy *p = &z->policy;
	uint64_t limit = z->limit_pages, target, used, need, h;
	uint64_t sum[NR_BUCKETS];
	struct sel s = { .sum = sum };
	unsigned int round;
	bool turn = false;
	int64_t moved;

	if (!limit)
		return 0;
	h = headroom(limit);
	target = limit * p->accept / 100;
	if (target + 2 * h > limit)
		target = limit > 2 * h ? limit - 2 * h : 0;
	/*
	 * Another eviction made room meanwhile: half its hysteresis is
	 * still there (at least the headroom).  Not merely a zspage of
	 * room: the writers waiting would each find it and race for it.
	 */
	if (zs_get_total_pages(z->pool) <= target + (limit - target) / 2)
		return 0;
	zpolicy_topup(z);
	if (!page_by_page)
		turn = zpp_begin(z);
	for (round = 0; round < MAX_ROUNDS; round++) {
		used = zs_get_total_pages(z->pool);
		if (used <= target)
			break;
		/* objects' bytes, an eighth more for what compaction leaves */
		need = (used - target) * ZPAGE_SIZE;
		need += need / 8;
		choose(z, &s, need);
		moved = turn ? evict_marked(z, &s) : evict_pages(z, &s);
		if (moved > 0) {
			p->evicted += moved;
			zs_compact(z->pool);
			continue;
		}
		/*
		 * Nothing to move page by page: every cold page is the turn
		 * holder's, being moved by it.  Wait for the turn a while.
		 */
		if (moved < 0 || turn || page_by_page || !wait_turn(z))
			break;
		turn = true;
	}
	if (turn)
		zpp_end(z);
	return room(z, limit) ? 0 : -ENOSPC;
}

void zevict_ahead(struct zdev *z, struct zentry *held)
{
	struct zpolicy *p = &z->policy;
	uint64_t limit = z->limit_pages;

	if (!p->evict_on || !z->backing || !limit ||
	    zs_get_total_pages(z->pool) + headroom(limit) <= limit)
		return;
	if (held) {
		make_room(z, true);
	} else {
		pthread_mutex_lock(&p->evict_lock);
		make_room(z, false);
		pthread_mutex_unlock(&p->evict_lock);
	}
}

int zevict(struct zdev *z, struct zentry *held, unsigned int tries)
{
	struct zpolicy *p = &z->policy;
	int ret;

	if (!p->evict_on || !z->backing)
		return -ENOSPC;
	/* the room made was taken by other writers each time: give up */
	if (tries >= ZEVICT_TRIES) {
		p->evict_failed++;
		return -ENOSPC;
	}
	if (held) {
		ret = make_room(z, true);
	} else {
		pthread_mutex_lock(&p->evict_lock);
		ret = make_room(z, false);
		pthread_mutex_unlock(&p->evict_lock);
	}
	if (ret)
		p->evict_failed++;
	return ret ? -ENOSPC : 0;
}
