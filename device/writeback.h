/*
 * writeback.h - the device's own entry into writeback (writeback.c), for
 * callers inside device/ that pick their candidates themselves (the
 * policy's eviction picks the least recently used pages).
 */
#ifndef ZRAMFS_WRITEBACK_H
#define ZRAMFS_WRITEBACK_H

#include <stdbool.h>
#include <stdint.h>

struct zdev;
struct zpp;

/*
 * Write pp's candidates (marked ZE_PP, in pp's order) to the backing
 * store in batches of writeback_batch_size.  The caller holds init_lock
 * for read and the device's post-processing turn (zpp_begin), and
 * releases pp afterwards.  Returns pages moved, or -errno as
 * zdev_writeback (what moved before an error stays moved).
 */
int64_t zwb_write_out(struct zdev *z, struct zpp *pp);
/*
 * The writeback budget (writeback_limit_enable/writeback_limit), spent a
 * block at a time: false when it is spent; refund gives one back.
 */
bool zwb_spend(struct zdev *z);
void zwb_refund(struct zdev *z);

#endif
