/*
 * idle - idle marking and the per-page view (after zram_drv.c's
 * mark_idle, idle_store and the debugfs read_block_state).
 *
 * Every read or write stamps a slot's access time and clears ZE_IDLE
 * (page.c).  `echo all > idle` marks every stored slot; `echo N > idle`
 * marks those not accessed for at least N seconds and clears the mark of
 * the others, so a periodic caller gets an exact answer.  Same-filled
 * and written-back slots are never marked: writing them back or
 * recompressing them gains nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "device/lifecycle.h"
#include "device/page.h"
#include "device/zdev_int.h"

void zidle_mark(struct zdev *z, bool all, uint64_t age)
{
	uint32_t now = zpage_now();
	struct zentry *e;
	uint64_t index;

	for (index = 0; (e = ztable_walk(&z->table, &index, z->table.nr_pages));
	     index++) {
		zentry_lock(e);
		if (zentry_allocated(e) && !zentry_test(e, ZE_SAME | ZE_WB)) {
			/* idle: last access older than now - age */
			if (all || (uint64_t)e->atime + age < now)
				zentry_set(e, ZE_IDLE);
			else
				zentry_clear(e, ZE_IDLE);
		}
		zentry_unlock(e);
	}
}

int zdev_mark_idle(struct zdev *z, bool all, uint64_t age)
{
	int ret = 0;

	pthread_rwlock_rdlock(&z->init_lock);
	if (z->init_done)
		zidle_mark(z, all, age);
	else
		ret = -EINVAL;
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

int zdev_pp_check(struct zdev *z, bool need_backing, uint64_t *nr_pages)
{
	int ret = 0;

	pthread_rwlock_rdlock(&z->init_lock);
	if (!z->init_done)
		ret = -EINVAL;
	else if (need_backing && !z->backing)
		ret = -ENODEV;
	else
		*nr_pages = z->table.nr_pages;
	pthread_rwlock_unlock(&z->init_lock);
	return ret;
}

#define LINE_LEN 41 /* "%12llu %12llu.%06u %c%c%c%c%c%c\n" */

ssize_t zdev_block_state(struct zdev *z, char **out)
{
	uint64_t index, stored;
	size_t len = 0, cap;
	struct zentry *e;
	uint32_t f, atime;
	uint64_t handle;
	char *buf = NULL;
	ssize_t ret;

	*out = NULL;
	pthread_rwlock_rdlock(&z->init_lock);
	if (!z->init_done) {
		ret = 0;
		goto out_unlock;
	}
	/* room for every stored page now, and a few written meanwhile */
	stored = z->stats.pages_stored;
	cap = (stored + 64) * LINE_LEN + 1;
	buf = malloc(cap);
	ret = -ENOMEM;
	if (!buf)
		goto out_unlock;
	for (index = 0; (e = ztable_walk(&z->table, &index, z->table.nr_pages));
	     index++) {
		zentry_lock(e);
		f = e->flags;
		atime = e->atime;
		handle = e->handle;
		zentry_unlock(e);
		if (!(f & (ZE_SAME | ZE_WB)) && !handle)
			continue;
		if (len + LINE_LEN + 1 > cap)
			break; /* written since the count: a snapshot's edge */
		len += snprintf(buf + len, cap - len,
				"%12llu %12llu.%06u %c%c%c%c%c%c\n",
				(unsigned long long)index,
				(unsigned long long)atime, 0,
				f & ZE_SAME ? 's' : '.', f & ZE_WB ? 'w' : '.',
				f & ZE_HUGE ? 'h' : '.',
				f & ZE_IDLE ? 'i' : '.',
				f & ZE_PRIO_MASK ? 'r' : '.',
				f & ZE_INCOMPRESSIBLE ? 'n' : '.');
	}
	*out = buf;
	ret = len;
out_unlock:
	pthread_rwlock_unlock(&z->init_lock);
	if (ret <= 0)
		free(buf);
	if (ret == 0)
		*out = NULL;
	return ret;
}
