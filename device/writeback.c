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
 *           with no slot lock held
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
#include <stdlib.h>
#include <string.h>

#include "device/backing.h"
#include "device/page.h"
#include "device/pp.h"
#include "device/zdev_int.h"

struct wb_page {
	uint64_t index;
	uint32_t size;		/* bytes in the block: ZPAGE_SIZE if raw */
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
		ret = 0;	/* changed since it was picked */
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

/* spend one block of budget: false when it is spent */
static bool spend(struct zdev *z)
{
	uint64_t left = z->wb_limit;

	if (!z->wb_limit_enable)
		return true;
	do {
		if (!left)
			return false;
	} while (!atomic_compare_exchange_weak(&z->wb_limit, &left,
					       left - 1));
	return true;
}

static void refund(struct zdev *z)
{
	if (z->wb_limit_enable)
		z->wb_limit++;
}

/* write the candidates in batches; returns pages moved or -errno */
static int64_t write_out(struct zdev *z, struct zpp *pp)
{
	unsigned int batch = z->wb_batch, k, got, j, run;
	struct wb_page *pages;
	int64_t moved = 0;
	uint64_t i = 0, *blk;
	unsigned char *buf;
	int ret = 0, t;

	pages = calloc(batch, sizeof(*pages));
	blk = calloc(batch, sizeof(*blk));
	if (!pages || !blk || posix_memalign((void **)&buf, ZPAGE_SIZE,
					     (size_t)batch * ZPAGE_SIZE)) {
		free(pages);
		free(blk);
		return -ENOMEM;
	}
	while (i < pp->n && !ret) {
		/* gather a batch */
		for (k = 0; k < batch && i < pp->n; i++) {
			if (!spend(z)) {
				ret = -EIO;
				break;
			}
			t = take(z, pp->slot[i], &pages[k],
				 buf + (size_t)k * ZPAGE_SIZE);
			if (t <= 0) {
				refund(z);
				if (t < 0) {
					z->stats.failed_reads++;
					ret = t;
					break;
				}
				continue;
			}
			k++;
		}
		if (!k)
			break;
		got = zbacking_alloc(z->backing, blk, k);
		if (got < k && !ret)
			ret = -ENOSPC;
		/* one write per run of consecutive blocks */
		for (j = 0; j < got; j += run) {
			for (run = 1; j + run < got &&
			     blk[j + run] == blk[j] + run; run++)
				;
			if (zbacking_write(z->backing, blk[j],
					   buf + (size_t)j * ZPAGE_SIZE, run))
				break;
		}
		if (j < got) {
			/* the store failed: nothing of this batch moves */
			for (j = 0; j < got; j++)
				zbacking_free(z->backing, blk[j]);
			got = 0;
			ret = -EIO;
		}
		for (j = 0; j < k; j++) {
			if (j < got && commit(z, &pages[j], blk[j])) {
				moved++;
				continue;
			}
			if (j < got)
				zbacking_free(z->backing, blk[j]);
			refund(z);
		}
	}
	free(pages);
	free(blk);
	free(buf);
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
	if (!zpp_begin(z)) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	for (i = 0; i < n && !ret; i++)
		ret = zpp_scan(z, &pp, r[i].lo, r[i].hi, pick, &r[i].mode);
	if (!ret) {
		zpp_sort(&pp);
		moved = write_out(z, &pp);
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
