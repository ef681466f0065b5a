/*
 * registry - the set of devices by id (class/zram-control).
 *
 * hot_add takes the lowest free id, as the kernel's idr does; hot_remove
 * refuses a device whose image is open (-EBUSY).  Lookups hand out a
 * reference; a removed device is freed when its last reference drops.
 */
#ifndef ZRAMFS_REGISTRY_H
#define ZRAMFS_REGISTRY_H

#include "device/zdev.h"

#define ZREG_MAX_DEVICES 1024

/* new device; returns its id or -ENOMEM (table full or no memory) */
int zreg_add(void);
/* -EBUSY while open, -ENODEV unknown id */
int zreg_remove(int id);
/* referenced device or NULL; drop with zreg_put */
struct zdev *zreg_get(int id);
void zreg_put(struct zdev *z);
/* as zreg_get, and count an open of the image (atomic with remove) */
struct zdev *zreg_open(int id);
/* undo zreg_open */
void zreg_close(struct zdev *z);
/* ids in ascending order into ids[max]; returns the count */
int zreg_list(int *ids, int max);
/* true if any image is open; fills busy ids into ids[max] */
int zreg_busy(int *ids, int max);
/* free every device, referenced or not: only once no FUSE operation
 * can run any more (after the session is destroyed) */
void zreg_clear(void);

#endif
