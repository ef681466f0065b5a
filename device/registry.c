/*
 * registry - devices by id, with reference counts.
 *
 * Lock order: reg_lock -> zdev init_lock (zreg_remove resets under it).
 * A device's reference count lives in struct zdev: the registry holds
 * one reference while the id names the device, and each lookup takes
 * one more.  Remove clears the slot and drops the registry's reference;
 * whoever drops the last one frees the device, so a removed device stays
 * valid for those still holding it and is gone once they let go.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "device/registry.h"
#include "device/zdev_int.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zdev *slots[ZREG_MAX_DEVICES]; /* protected by reg_lock */

int zreg_add(void)
{
	struct zdev *z;
	int id, ret;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES; id++)
		if (!slots[id])
			break;
	if (id == ZREG_MAX_DEVICES) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = zdev_create(id, &z);
	if (ret)
		goto out_unlock;
	z->refs = 1;
	slots[id] = z;
	ret = id;
out_unlock:
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

/* a referenced device, counted as opened too if open */
static struct zdev *lookup(int id, bool open)
{
	struct zdev *z = NULL;

	if (id < 0 || id >= ZREG_MAX_DEVICES)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	z = slots[id];
	if (z) {
		z->refs++;
		if (open)
			zdev_open(z);
	}
	pthread_mutex_unlock(&reg_lock);
	return z;
}

struct zdev *zreg_get(int id)
{
	return lookup(id, false);
}

struct zdev *zreg_open(int id)
{
	return lookup(id, true);
}

void zreg_close(struct zdev *z)
{
	zdev_release(z);
	zreg_put(z);
}

void zreg_put(struct zdev *z)
{
	/* the registry's own reference keeps a listed device above zero */
	if (atomic_fetch_sub(&z->refs, 1) == 1)
		zdev_destroy(z);
}

int zreg_remove(int id)
{
	struct zdev *z;
	int ret = 0;

	if (id < 0)
		return -EINVAL;
	if (id >= ZREG_MAX_DEVICES)
		return -ENODEV;
	pthread_mutex_lock(&reg_lock);
	z = slots[id];
	if (!z) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/* free the data now (-EBUSY while open); the struct lives until
	 * the last reference drops */
	ret = zdev_reset(z);
	if (ret)
		goto out_unlock;
	slots[id] = NULL;
out_unlock:
	pthread_mutex_unlock(&reg_lock);
	if (!ret)
		zreg_put(z);
	return ret;
}

int zreg_list(int *ids, int max)
{
	int id, n = 0;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES && n < max; id++)
		if (slots[id])
			ids[n++] = id;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

int zreg_busy(int *ids, int max)
{
	int id, n = 0;

	pthread_mutex_lock(&reg_lock);
	for (id = 0; id < ZREG_MAX_DEVICES; id++) {
		if (slots[id] && zdev_open_count(slots[id]) > 0) {
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
	struct zdev *z;
	int id;

	/*
	 * Called once no operation can run any more (the session is gone):
	 * references still counted are those of handles the kernel never
	 * released (an aborted connection), and die with the session.
	 */
	for (id = 0; id < ZREG_MAX_DEVICES; id++) {
		pthread_mutex_lock(&reg_lock);
		z = slots[id];
		slots[id] = NULL;
		pthread_mutex_unlock(&reg_lock);
		if (z)
			zdev_destroy(z);
	}
}
