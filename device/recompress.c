/*
 * recompress - recompress stored pages with the secondary algorithms
 * (after zram_drv.c's recompress_store and recompress_slot).
 *
 * Candidates (type=idle/huge/huge_idle or every stored page, not written
 * back, not same-filled, not marked incompressible, not already stored by
 * the last algorithm allowed) are marked ZE_PP and ordered largest first.
 * For each: under the slot lock read the page (decompressing with the
 * algorithm that stored it) and clear ZE_IDLE; without the lock try the
 * secondary algorithms in priority order until one lands the page in a
 * smaller size class (and under threshold); store the new object; under
 * the lock again install it if ZE_PP survived, else drop it.  A page no
 * algorithm shrinks, after every one was tried, is marked incompressible
 * and never tried again.
 *
 * Beyond the kernel (whose recompression is one thread): the candidates
 * are shared by the calling worker and the free helper threads
 * (util/parallel.h), each compressing with its own streams; a run that
 * replaced objects compacts the pool so the memory goes back at once.
 */
#include <errno.h>
#include <string.h>

#include "device/lifecycle.h"
#include "device/page.h"
#include "device/pp.h"
#include "device/zdev_int.h"
#include "util/parallel.h"

#define CHUNK_SLOTS 256 /* candidates a thread claims at once */

static __thread unsigned char tls_page[ZPAGE_SIZE] __attribute__((aligned(64)));
static __thread unsigned char tls_dst[ZCOMP_DST_SIZE]
	__attribute__((aligned(64)));

struct run {
	struct zdev *z;
	struct zpp *pp;
	unsigned int mode;
	uint32_t threshold;
	unsigned int prio, prio_max; /* algorithms [prio, prio_max) */
	bool last_allowed;	     /* prio_max covers every configured one */
	bool limited;		     /* max_pages given */
	_Atomic uint64_t left;	     /* pages still to try under max_pages */
	_Atomic uint64_t replaced;
	_Atomic int err;
};

static bool pick(const struct zentry *e, const void *arg)
{
	const struct run *r = arg;

	if (zentry_test(e, ZE_SAME | ZE_WB | ZE_INCOMPRESSIBLE))
		return false;
	if ((r->mode & ZDEV_PP_IDLE) && !zentry_test(e, ZE_IDLE))
		return false;
	if ((r->mode & ZDEV_PP_HUGE) && !zentry_test(e, ZE_HUGE))
		return false;
	/* already stored by the last algorithm allowed, or a later one */
	return zentry_prio(e) + 1 < r->prio_max;
}

/* claim one try under max_pages: false when none is left */
static bool claim(struct run *r)
{
	uint64_t left = r->left;

	if (!r->limited)
		return true;
	do {
		if (!left)
			return false;
	} while (!atomic_compare_exchange_weak(&r->left, &left, left - 1));
	return true;
}

/* drop the mark of a slot the run leaves as it is */
static void unmark(struct zentry *e, bool incompressible)
{
	zentry_lock(e);
	if (zentry_test(e, ZE_PP) && incompressible)
		zentry_set(e, ZE_INCOMPRESSIBLE);
	zentry_clear(e, ZE_PP);
	zentry_unlock(e);
}

/* one candidate; false ends the run (max_pages reached or an error) */
static bool recompress_one(struct run *r, uint64_t index)
{
	struct zdev *z = r->z;
	struct zentry *e = ztable_peek(&z->table, index);
	unsigned int prio, cur, class_old;
	unsigned long handle;
	size_t len = 0;
	uint32_t size;
	int ret = 0;

	zentry_lock(e);
	if (!zentry_test(e, ZE_PP)) {
		zentry_unlock(e);
		return true;
	}
	size = zentry_size(e);
	cur = zentry_prio(e);
	/* small enough already: not a try */
	if (size < r->threshold) {
		zentry_clear(e, ZE_PP);
		zentry_unlock(e);
		return true;
	}
	if (!claim(r)) {
		zentry_clear(e, ZE_PP);
		zentry_unlock(e);
		return false;
	}
	ret = zpage_read_slot(z, e, tls_page);
	/* touched by post-processing: no longer a candidate as idle */
	zentry_clear(e, ZE_IDLE);
	zentry_unlock(e);
	if (ret) {
		z->stats.failed_reads++;
		r->err = ret;
		unmark(e, false);
		return false;
	}

	class_old = zs_lookup_class_index(z->pool, size);
	prio = r->prio > cur + 1 ? r->prio : cur + 1;
	for (; prio < r->prio_max; prio++) {
		if (!z->comps[prio])
			continue;
		len = ZCOMP_DST_SIZE;
		ret = zcomp_compress(z->comps[prio], tls_page, ZPAGE_SIZE,
				     tls_dst, &len);
		if (ret == -ENOSPC) {
			ret = 0;
			continue; /* does not fit: no progress */
		}
		if (ret)
			break;
		if (zs_lookup_class_index(z->pool, len) < class_old &&
		    (!r->threshold || len < r->threshold))
			break;
	}
	if (ret) {
		r->err = ret;
		unmark(e, false);
		return false;
	}
	if (prio >= r->prio_max) {
		unmark(e, r->last_allowed);
		return true;
	}
	/* not fatal: the old object is still there */
	if (zs_malloc(z->pool, len, &handle)) {
		unmark(e, false);
		return true;
	}
	zs_obj_write(z->pool, handle, tls_dst, len);
	zentry_lock(e);
	if (zentry_test(e, ZE_PP)) {
		zpage_free_slot(z, e);
		e->handle = handle;
		zentry_set_size(e, len);
		zentry_set_prio(e, prio);
		z->stats.compr_data_size += len;
		z->stats.pages_stored++;
		r->replaced++;
		handle = 0;
	}
	zentry_unlock(e);
	if (handle)
		zs_free(z->pool, handle);
	return true;
}

static void chunk(void *arg, unsigned int c)
{
	struct run *r = arg;
	uint64_t i, end = (uint64_t)(c + 1) * CHUNK_SLOTS;

	if (end > r->pp->n)
		end = r->pp->n;
	for (i = (uint64_t)c * CHUNK_SLOTS; i < end; i++) {
		if (r->err || (r->limited && !r->left))
			return; /* the rest is unmarked by zpp_release */
		if (!recompress_one(r, zpp_index(r->pp->slot[i])))
			return;
	}
}

int zrecomp_run(struct zdev *z, const struct zdev_recomp *rq, bool one_thread,
		uint64_t *replaced)
{
	struct run r = { .z = z,
			 .mode = rq->mode,
			 .threshold = rq->threshold,
			 .limited = rq->max_pages != 0,
			 .left = rq->max_pages };
	unsigned int p, top = 0;
	struct zpp pp = { 0 };
	int ret = 0;

	*replaced = 0;
	if (rq->threshold >= z->huge_class_size)
		return -EINVAL;
	for (p = 1; p < ZDEV_MAX_COMPS; p++)
		if (z->comps[p])
			top = p + 1;
	/* priority=0 names the primary: the first secondary is meant */
	r.prio = rq->prio > 1 ? rq->prio : 1;
	r.prio_max = rq->prio >= 0 ? r.prio + 1 : ZDEV_MAX_COMPS;
	if (rq->algo) {
		for (p = r.prio; p < ZDEV_MAX_COMPS; p++)
			if (z->comps[p] && !strcmp(z->comp_algs[p], rq->algo))
				break;
		if (p == ZDEV_MAX_COMPS)
			return -EINVAL;
		r.prio = p;
		r.prio_max = p + 1;
	}
	if (r.prio_max > top)
		r.prio_max = top;
	for (p = r.prio; p < r.prio_max && !z->comps[p]; p++)
		;
	/* no secondary algorithm to try */
	if (p >= r.prio_max)
		return -EINVAL;
	r.last_allowed = r.prio_max == top;
	r.pp = &pp;
	ret = zpp_scan(z, &pp, 0, z->table.nr_pages, pick, &r);
	if (!ret && pp.n) {
		zpp_sort(&pp);
		zpar_for(chunk, &r, (pp.n + CHUNK_SLOTS - 1) / CHUNK_SLOTS,
			 one_thread ? 1 : zpar_enter());
		if (!one_thread)
			zpar_leave();
		ret = r.err;
	}
	zpp_release(z, &pp);
	if (r.replaced)
		zs_compact(z->pool);
	*replaced = r.replaced;
	return ret;
}

int zdev_recompress(struct zdev *z, const struct zdev_recomp *rq)
{
	uint64_t replaced;
	int ret;

	pthread_rwlock_rdlock(&z->init_lock);
	if (!z->init_done || rq->threshold >= z->huge_class_size) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* another run: wait for it, as current kernels do */
	zpp_wait(z);
	ret = zrecomp_run(z, rq, false, &replaced);
	zpp_end(z);
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}
