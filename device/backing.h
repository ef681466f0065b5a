/*
 * backing - a device's backing store (after zram_drv.c's backing_dev_store,
 * alloc_block_bdev, free_block_bdev and read_from_bdev).
 *
 * A block device, as the kernel takes, or a regular file (beyond the
 * kernel: a file on the container's own volume).  Its size fixes the
 * number of 4 KiB blocks; a bitmap tracks the blocks in use, handed out
 * lowest free first.  Block 0 is never handed out: a written-back slot's
 * handle holds its block, and 0 means none (as the kernel).
 *
 * I/O is O_DIRECT (no page-cache copy of pages moved out to save memory);
 * where the filesystem refuses O_DIRECT (tmpfs) the file is opened
 * buffered and every write is followed by fdatasync, said once in the log.
 * Buffers passed in must be ZPAGE_SIZE-aligned.
 *
 * Lock order: the bitmap lock is a leaf; no I/O is done under it.
 */
#ifndef ZRAMFS_BACKING_H
#define ZRAMFS_BACKING_H

#include <stdbool.h>
#include <stdint.h>

struct zbacking;

/*
 * Open path as a backing store: 0, or -ENOENT/-EACCES (cannot open),
 * -EISDIR, -ENOTBLK (neither a block device nor a regular file),
 * -EINVAL (smaller than two blocks), -EBUSY (a block device in use),
 * -ENOMEM.
 */
int zbacking_open(const char *path, struct zbacking **out);
void zbacking_close(struct zbacking *b);
const char *zbacking_path(const struct zbacking *b);
/* blocks the store holds (block 0 included) */
uint64_t zbacking_blocks(const struct zbacking *b);
/* blocks free now */
uint64_t zbacking_available(const struct zbacking *b);

/*
 * Up to n free blocks into blk[], lowest first, as contiguous as they
 * come; returns how many (0: the store is full).
 */
unsigned int zbacking_alloc(struct zbacking *b, uint64_t *blk, unsigned int n);
void zbacking_free(struct zbacking *b, uint64_t blk);

/* n consecutive blocks into buf, starting at blk: 0 or -EIO */
int zbacking_read(struct zbacking *b, uint64_t blk, void *buf, unsigned int n);
/* n consecutive blocks from buf, starting at blk: 0 or -EIO */
int zbacking_write(struct zbacking *b, uint64_t blk, const void *buf,
		   unsigned int n);

/* bd_stat: blocks in use, blocks read, blocks written */
void zbacking_stat(const struct zbacking *b, uint64_t *count, uint64_t *reads,
		   uint64_t *writes);

#endif
