/*
 * registry - devices by id, with reference counts.
 *
 * Lock order: reg_lock -> zdev init_lock (zreg_remove resets under it).
 * Each slot holds the device and a count of references; the registry's
 * own reference is dropped on remove.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "device/registry.h"

struct slot {
	struct zdev *dev;
	_Atomic int refs;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[ZREG_MAX_DEVICES];	/* protected by reg_lock */

/* refcount of a device lives in its slot while registered; once removed
 * the last putter frees it: removed devices are kept in a side list */
struct gone {
	struct zdev *dev;
	_Atomic int refs;
	struct gone *next;
};
static struct gone *gone_list;			/* protected by reg_lock */

int zreg_add(void)
{
	struct zdev *z;
	int id, ret;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES; id++)
		if (!slots[id].dev)
			break;
	if (id == ZREG_MAX_DEVICES) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = zdev_create(id, &z);
	if (ret)
		goto out_unlock;
	slots[id].dev = z;
	slots[id].refs = 1;
	ret = id;
out_unlock:
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

struct zdev *zreg_get(int id)
{
	struct zdev *z = NULL;

	if (id < 0 || id >= ZREG_MAX_DEVICES)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	if (slots[id].dev) {
		z = slots[id].dev;
		slots[id].refs++;
	}
	pthread_mutex_unlock(&reg_lock);
	return z;
}

struct zdev *zreg_open(int id)
{
	struct zdev *z = NULL;

	if (id < 0 || id >= ZREG_MAX_DEVICES)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	if (slots[id].dev) {
		z = slots[id].dev;
		slots[id].refs++;
		zdev_open(z);
	}
	pthread_mutex_unlock(&reg_lock);
	return z;
}

void zreg_close(struct zdev *z)
{
	zdev_release(z);
	zreg_put(z);
}

void zreg_put(struct zdev *z)
{
	struct gone **g, *victim = NULL;
	int id = zdev_id(z);

	pthread_mutex_lock(&reg_lock);
	if (slots[id].dev == z) {
		slots[id].refs--;
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	for (g = &gone_list; *g; g = &(*g)->next) {
		if ((*g)->dev != z)
			continue;
		if (--(*g)->refs == 0) {
			victim = *g;
			*g = victim->next;
		}
		break;
	}
	pthread_mutex_unlock(&reg_lock);
	if (victim) {
		zdev_destroy(victim->dev);
		free(victim);
	}
}

static int remove_locked(int id)
{
	struct gone *g;
	struct zdev *z = slots[id].dev;

	if (!z)
		return -ENODEV;
	if (zdev_open_count(z) > 0)
		return -EBUSY;
	/* free the data now; the struct lives until the last reference */
	if (zdev_reset(z))
		return -EBUSY;
	if (slots[id].refs <= 1) {
		slots[id].dev = NULL;
		slots[id].refs = 0;
		zdev_destroy(z);
		return 0;
	}
	g = malloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->dev = z;
	g->refs = slots[id].refs - 1;
	g->next = gone_list;
	gone_list = g;
	slots[id].dev = NULL;
	slots[id].refs = 0;
	return 0;
}

int zreg_remove(int id)
{
	int ret;

	if (id < 0)
		return -EINVAL;
	if (id >= ZREG_MAX_DEVICES)
		return -ENODEV;
	pthread_mutex_lock(&reg_lock);
	ret = remove_locked(id);
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

int zreg_list(int *ids, int max)
{
	int id, n = 0;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES && n < max; id++)
		if (slots[id].dev)
			ids[n++] = id;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

int zreg_busy(int *ids, int max)
{
	int id, n = 0;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES; id++) {
		if (slots[id].dev && zdev_open_count(slots[id].dev) > 0) {
			if (n < max)
				ids[n] = id;
			n++;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return n;
}

void zreg_clear(void)
{
	int id;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES; id++) {
		if (slots[id].dev) {
			zdev_destroy(slots[id].dev);
			slots[id].dev = NULL;
			slots[id].refs = 0;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}
