/*
 * writeback - move stored pages to the backing store (after zram_drv.c's
 * writeback_store, scan_slots_for_writeback and zram_writeback_slots).
 *
 *   mark    every slot of the selection (type or page ranges) gets ZE_PP
 *           under its lock; candidates are ordered largest first
 *   batch   up to writeback_batch_size candidates: each one's bytes are
 *           copied out under its slot lock, one slot at a time (raw, or
 *           the compressed object with writeback_compressed)
 *   write   blocks for the batch, lowest free first, so a batch is
 *           mostly one run: one pwrite per run of consecutive blocks,
 *           with no slot lock held, on a thread of the run's own while
 *           the next batch is gathered
 *   commit  under each slot's lock again: if ZE_PP survived, free the
 *           object and point the slot at its block; if a write, discard
 *           or partial write came in between (it cleared ZE_PP), the
 *           block is freed and the newer content stays
 *
 * The budget (writeback_limit_enable/writeback_limit) is spent per page
 * committed; a candidate met with none left ends the run with -EIO, the
 * store running full with -ENOSPC; what was written stays written.
 * Beyond the kernel, a run that moved pages compacts the pool so the
 * memory goes back to the system at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "device/backing.h"
#include "device/page.h"
#include "device/pp.h"
#include "device/writeback.h"
#include "device/zdev_int.h"
#include "util/parallel.h"

/* where a run is in its candidate list */
struct pp_cursor {
	struct zpp *pp;
	uint64_t i;
};

struct wb_page {
	uint64_t index;
	uint32_t size; /* bytes in the block: ZPAGE_SIZE if raw */
	unsigned int prio;
};

static bool pick(const struct zentry *e, const void *arg)
{
	unsigned int mode = *(const unsigned int *)arg;

	if (zentry_test(e, ZE_SAME | ZE_WB))
		return false;
	if ((mode & ZDEV_PP_IDLE) && !zentry_test(e, ZE_IDLE))
		return false;
	if ((mode & ZDEV_PP_HUGE) && !zentry_test(e, ZE_HUGE))
		return false;
	if ((mode & ZDEV_PP_INCOMPRESSIBLE) &&
	    !zentry_test(e, ZE_INCOMPRESSIBLE))
		return false;
	return true;
}

/* copy candidate v's bytes into buf under its lock: 1 taken, 0 gone */
static int take(struct zdev *z, uint64_t v, struct wb_page *p, void *buf)
{
	struct zentry *e = ztable_peek(&z->table, zpp_index(v));
	const void *obj;
	int ret = 1;

	zentry_lock(e);
	if (!zentry_test(e, ZE_PP)) {
		ret = 0; /* changed since it was picked */
		goto out_unlock;
	}
	p->index = zpp_index(v);
	p->size = zentry_size(e);
	p->prio = zentry_prio(e);
	if (z->wb_compressed && p->size < ZPAGE_SIZE) {
		obj = zs_obj_read_begin(z->pool, e->handle);
		memcpy(buf, obj, p->size);
		memset((char *)buf + p->size, 0, ZPAGE_SIZE - p->size);
		zs_obj_read_end(z->pool, e->handle);
	} else {
		p->size = ZPAGE_SIZE;
		p->prio = 0;
		if (zpage_read_slot(z, e, buf))
			ret = -EIO;
	}
	if (ret <= 0)
		zentry_clear(e, ZE_PP);
out_unlock:
	zentry_unlock(e);
	return ret;
}

/* point slot p at block blk if nothing changed it meanwhile */
static bool commit(struct zdev *z, const struct wb_page *p, uint64_t blk)
{
	struct zentry *e = ztable_peek(&z->table, p->index);
	bool ok;

	zentry_lock(e);
	ok = zentry_test(e, ZE_PP);
	if (ok) {
		zpage_free_slot(z, e);
		e->handle = blk;
		zentry_set_size(e, p->size);
		zentry_set_prio(e, p->prio);
		zentry_set(e, ZE_WB);
		z->stats.pages_stored++;
	}
	zentry_unlock(e);
	return ok;
}

bool zwb_spend(struct zdev *z)
{
	uint64_t left = z->wb_limit;

	if (!z->wb_limit_enable)
		return true;
	do {
		if (!left)
			return false;
	} while (!atomic_compare_exchange_weak(&z->wb_limit, &left, left - 1));
	return true;
}

void zwb_refund(struct zdev *z)
{
	if (z->wb_limit_enable)
		z->wb_limit++;
}

/* one batch: its pages' bytes, where they go, and how the write went */
struct batch {
	unsigned int k, got;
	uint64_t *cand; /* candidates being taken */
	int *taken;	/* take()'s answer for each */
	struct zdev *z;
	struct wb_page *pages;
	uint64_t *blk;
	unsigned char *buf;
	int err;
};

/*
 * The I/O of a run: a thread of its own writes one batch while the run
 * gathers the next, so copying out and writing overlap (the kernel has
 * the same overlap from its asynchronous bios).
 */
struct writer {
	struct zbacking *store;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *todo; /* protected by lock: handed to the thread */
	bool busy, stop;
	pthread_t thread;
};

static void write_batch(struct zbacking *store, struct batch *b)
{
	unsigned int j, run;

	b->err = 0;
	/* one write per run of consecutive blocks */
	for (j = 0; j < b->got; j += run) {
		for (run = 1;
		     j + run < b->got && b->blk[j + run] == b->blk[j] + run;
		     run++)
			;
		if (zbacking_write(store, b->blk[j],
				   b->buf + (size_t)j * ZPAGE_SIZE, run)) {
			b->err = -EIO;
			return;
		}
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct batch *b;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->todo)
			break;
		b = w->todo;
		pthread_mutex_unlock(&w->lock);
		write_batch(w->store, b);
		pthread_mutex_lock(&w->lock);
		w->todo = NULL;
		w->busy = false;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void writer_start(struct writer *w, struct batch *b)
{
	pthread_mutex_lock(&w->lock);
	w->todo = b;
	w->busy = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void writer_wait(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static int batch_alloc(struct batch *b, unsigned int n)
{
	b->pages = calloc(n, sizeof(*b->pages));
	b->blk = calloc(n, sizeof(*b->blk));
	b->cand = calloc(n, sizeof(*b->cand));
	b->taken = calloc(n, sizeof(*b->taken));
	b->buf = NULL;
	if (!b->pages || !b->blk || !b->cand || !b->taken ||
	    posix_memalign((void **)&b->buf, ZPAGE_SIZE,
			   (size_t)n * ZPAGE_SIZE))
		return -ENOMEM;
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->pages);
	free(b->blk);
	free(b->cand);
	free(b->taken);
	free(b->buf);
}

#define TAKE_CHUNK 8 /* candidates a thread copies out at once */

static void take_chunk(void *arg, unsigned int c)
{
	struct batch *b = arg;
	unsigned int j, end = (c + 1) * TAKE_CHUNK;

	for (j = c * TAKE_CHUNK; j < end && j < b->k; j++)
		b->taken[j] = take(b->z, b->cand[j], &b->pages[j],
				   b->buf + (size_t)j * ZPAGE_SIZE);
}

/*
 * Copy up to size candidates from *i on into b and give them blocks.
 * The budget is spent in candidate order; the copying (a decompression
 * each, the run's main cost) is shared with the free helper threads;
 * candidates that changed meanwhile are squeezed out.
 */
static int gather(struct zdev *z, struct pp_cursor *cur, struct batch *b,
		  unsigned int size)
{
	unsigned int j, k = 0;
	int ret = 0;

	for (b->k = 0; b->k < size && cur->i < cur->pp->n; cur->i++) {
		if (!zwb_spend(z)) {
			ret = -EIO;
			break;
		}
		b->cand[b->k++] = cur->pp->slot[cur->i];
	}
	b->z = z;
	if (b->k > TAKE_CHUNK) {
		zpar_for(take_chunk, b, (b->k + TAKE_CHUNK - 1) / TAKE_CHUNK,
			 zpar_enter());
		zpar_leave();
	} else {
		take_chunk(b, 0);
	}
	for (j = 0; j < b->k; j++) {
		if (b->taken[j] <= 0) {
			zwb_refund(z);
			if (b->taken[j] < 0) {
				z->stats.failed_reads++;
				ret = ret ? ret : b->taken[j];
			}
			continue;
		}
		if (k != j) {
			b->pages[k] = b->pages[j];
			memcpy(b->buf + (size_t)k * ZPAGE_SIZE,
			       b->buf + (size_t)j * ZPAGE_SIZE, ZPAGE_SIZE);
		}
		k++;
	}
	b->k = k;
	b->got = k ? zbacking_alloc(z->backing, b->blk, k) : 0;
	if (b->got < k && !ret)
		ret = -ENOSPC;
	return ret;
}

/* after the write: point the slots at their blocks; pages moved */
static int64_t finish(struct zdev *z, struct batch *b)
{
	int64_t moved = 0;
	unsigned int j;

	for (j = 0; j < b->k; j++) {
		if (!b->err && j < b->got &&
		    commit(z, &b->pages[j], b->blk[j])) {
			moved++;
			continue;
		}
		if (j < b->got)
			zbacking_free(z->backing, b->blk[j]);
		zwb_refund(z);
	}
	return moved;
}

int64_t zwb_write_out(struct zdev *z, struct zpp *pp)
{
	struct writer w = { .store = z->backing };
	unsigned int size = z->wb_batch;
	struct batch b[2], *cur = &b[0], *next = &b[1], *t;
	struct pp_cursor pos = { pp, 0 };
	int64_t moved = 0;
	int ret, err;

	ret = batch_alloc(&b[0], size);
	if (!ret)
		ret = batch_alloc(&b[1], size);
	if (!ret) {
		pthread_mutex_init(&w.lock, NULL);
		pthread_cond_init(&w.cond, NULL);
		ret = pthread_create(&w.thread, NULL, writer_main, &w) ?
			      -ENOMEM :
			      0;
	}
	if (ret) {
		batch_free(&b[0]);
		batch_free(&b[1]);
		return ret;
	}
	ret = gather(z, &pos, cur, size);
	while (cur->k) {
		writer_start(&w, cur);
		next->k = next->got = 0;
		if (!ret)
			ret = gather(z, &pos, next, size);
		writer_wait(&w);
		moved += finish(z, cur);
		if (cur->err && !ret)
			ret = cur->err;
		if (cur->err) {
			/* the store failed: what was gathered does not move */
			next->err = cur->err;
			moved += finish(z, next);
			break;
		}
		t = cur;
		cur = next;
		next = t;
	}
	pthread_mutex_lock(&w.lock);
	w.stop = true;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	err = pthread_join(w.thread, NULL);
	(void)err;
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	batch_free(&b[0]);
	batch_free(&b[1]);
	return ret ? ret : moved;
}

int zdev_writeback(struct zdev *z, const struct zdev_wb_range *r,
		   unsigned int n)
{
	struct zpp pp = { 0 };
	int64_t moved = 0;
	unsigned int i;
	int ret = 0;

	pthread_rwlock_rdlock(&z->init_lock);
	if (!z->init_done) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (!z->backing) {
		ret = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		if (r[i].lo > r[i].hi || r[i].hi > z->table.nr_pages) {
			ret = -ERANGE;
			goto out_unlock;
		}
	}
	/* another run: wait for it, as current kernels do */
	zpp_wait(z);
	for (i = 0; i < n && !ret; i++)
		ret = zpp_scan(z, &pp, r[i].lo, r[i].hi, pick, &r[i].mode);
	if (!ret) {
		/*
		 * Largest first matters when the run may stop short (budget,
		 * store space): the most memory back for what moves.  When
		 * every candidate fits, page order lays the blocks out as the
		 * pages lie, so reads of neighbours come in one pread.
		 */
		if ((z->wb_limit_enable && z->wb_limit < pp.n) ||
		    zbacking_available(z->backing) < pp.n)
			zpp_sort(&pp);
		moved = zwb_write_out(z, &pp);
		if (moved < 0)
			ret = moved;
	}
	zpp_release(z, &pp);
	zpp_end(z);
	if (moved || ret)
		zs_compact(z->pool);
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}
