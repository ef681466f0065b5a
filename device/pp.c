/*
 * pp - candidates of a post-processing run; see pp.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device/pp.h"
#include "device/zdev_int.h"

bool zpp_begin(struct zdev *z)
{
	return !atomic_exchange(&z->pp_busy, true);
}

/*
 * A waiter counts itself, then tries under pp_lock; an ender clears the
 * turn, then looks for waiters (both sequentially consistent): either the
 * ender sees the waiter and wakes it under the lock, or the waiter's try
 * comes after the turn was cleared.
 */
void zpp_wait(struct zdev *z)
{
	if (zpp_begin(z))
		return;
	z->pp_waiters++;
	pthread_mutex_lock(&z->pp_lock);
	while (!zpp_begin(z))
		pthread_cond_wait(&z->pp_cond, &z->pp_lock);
	pthread_mutex_unlock(&z->pp_lock);
	z->pp_waiters--;
}

void zpp_end(struct zdev *z)
{
	z->pp_busy = false;
	if (z->pp_waiters) {
		pthread_mutex_lock(&z->pp_lock);
		pthread_cond_broadcast(&z->pp_cond);
		pthread_mutex_unlock(&z->pp_lock);
	}
}

int zpp_add(struct zpp *pp, uint64_t index, uint32_t size)
{
	uint64_t *n;

	if (pp->n == pp->cap) {
		uint64_t cap = pp->cap ? pp->cap * 2 : 1024;

		n = realloc(pp->slot, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		pp->slot = n;
		pp->cap = cap;
	}
	pp->slot[pp->n++] = (uint64_t)size << 48 | index;
	return 0;
}

int zpp_scan(struct zdev *z, struct zpp *pp, uint64_t lo, uint64_t hi,
	     bool (*pick)(const struct zentry *e, const void *arg),
	     const void *arg)
{
	struct zentry *e;
	uint64_t index;
	int ret = 0;

	for (index = lo; !ret && (e = ztable_walk(&z->table, &index, hi));
	     index++) {
		zentry_lock(e);
		if (zentry_allocated(e) && !zentry_test(e, ZE_PP) &&
		    pick(e, arg)) {
			ret = zpp_add(pp, index, zentry_size(e));
			if (!ret)
				zentry_set(e, ZE_PP);
		}
		zentry_unlock(e);
	}
	return ret;
}

static int by_size_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

void zpp_sort(struct zpp *pp)
{
	qsort(pp->slot, pp->n, sizeof(*pp->slot), by_size_desc);
}

uint64_t zpp_count_written(struct zdev *z, const struct zpp *pp)
{
	struct zentry *e;
	uint64_t i, n = 0;

	for (i = 0; i < pp->n; i++) {
		e = ztable_peek(&z->table, zpp_index(pp->slot[i]));
		zentry_lock(e);
		n += zentry_test(e, ZE_WB) && !zentry_test(e, ZE_PP);
		zentry_unlock(e);
	}
	return n;
}

void zpp_release(struct zdev *z, struct zpp *pp)
{
	struct zentry *e;
	uint64_t i;

	for (i = 0; i < pp->n; i++) {
		e = ztable_peek(&z->table, zpp_index(pp->slot[i]));
		zentry_lock(e);
		zentry_clear(e, ZE_PP);
		zentry_unlock(e);
	}
	free(pp->slot);
	memset(pp, 0, sizeof(*pp));
}
