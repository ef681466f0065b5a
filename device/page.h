/*
 * page.h - what one slot of the page table holds and how it changes
 * (after zram_drv.c's zram_read_page, zram_write_page, zram_free_page).
 * Shared by the device's own files only; io.c cuts requests into calls
 * of these, the cold-page lifecycle works on slots through them.
 *
 * Every function takes a page index below the table's nr_pages, with the
 * device's init_lock held for read by the caller.
 */
#ifndef ZRAMFS_PAGE_H_DEVICE
#define ZRAMFS_PAGE_H_DEVICE

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zdev;

/* whole page into dst (zeros if never written); 0 or -EIO */
int zpage_read(struct zdev *z, uint64_t index, void *dst);
/*
 * Up to n whole pages from index into dst: how many were read (>= 1), or
 * -EIO.  Written-back pages in consecutive blocks come in one read.
 */
int zpage_read_pages(struct zdev *z, uint64_t index, unsigned int n, void *dst);
/* bytes [off, off + len) of the page into dst */
int zpage_read_part(struct zdev *z, uint64_t index, void *dst, size_t off,
		    size_t len);
/*
 * Store a whole page: 0, -ENOSPC (over mem_limit or no pool memory),
 * -ENOMEM (no table memory).  On error the slot keeps its old content.
 */
int zpage_write(struct zdev *z, uint64_t index, const void *src);
/* read-modify-write of [off, off + len) with the slot held throughout */
int zpage_write_part(struct zdev *z, uint64_t index, const void *src,
		     size_t off, size_t len);
/*
 * Discard [off, off + len) of the page: a whole page is freed; a part is
 * zeroed in place, and the slot is freed if the page is then all zeros.
 * A slot that holds nothing is left alone.  Counts notify_free for whole
 * pages.
 */
int zpage_discard(struct zdev *z, uint64_t index, size_t off, size_t len);
/* true if the slot holds data (an object, a fill word or a block) */
bool zpage_stored(struct zdev *z, uint64_t index);

/* -- for the cold-page lifecycle, on a slot whose lock the caller holds -- */
struct zentry;
/* the page slot e holds into dst (no access recorded) */
int zpage_read_slot(struct zdev *z, struct zentry *e, void *dst);
/* free what e holds and clear every mark but the lock */
void zpage_free_slot(struct zdev *z, struct zentry *e);
/* the clock of access times: whole seconds of CLOCK_MONOTONIC_COARSE */
uint32_t zpage_now(void);

#endif
