/*
 * pp - the candidates of one post-processing run (after zram_drv.c's
 * zram_pp_ctl): slots marked ZE_PP under their lock while the run holds
 * them, ordered largest object first (the most memory back per page
 * moved).  Whatever changes a slot clears its mark (page.c), so a run
 * re-takes the slot lock before committing and drops its work if the
 * mark is gone.  Only one run per device holds marks (pp_busy).
 */
#ifndef ZRAMFS_PP_H
#define ZRAMFS_PP_H

#include <stdbool.h>
#include <stdint.h>

struct zdev;
struct zentry;

struct zpp {
	uint64_t *slot; /* size << 48 | index, sorted at the end */
	uint64_t n, cap;
};

/* take the device's one post-processing turn: false if another has it */
bool zpp_begin(struct zdev *z);
/* take it, waiting while another has it (a manual writeback/recompress) */
void zpp_wait(struct zdev *z);
void zpp_end(struct zdev *z);
/*
 * Mark slots [lo, hi) for which pick(e, arg) holds (called under each
 * slot's lock, on stored slots not marked yet).  0 or -ENOMEM (slots
 * marked so far stay in the list).
 */
int zpp_scan(struct zdev *z, struct zpp *pp, uint64_t lo, uint64_t hi,
	     bool (*pick)(const struct zentry *e, const void *arg),
	     const void *arg);
/* append a candidate (the caller marks it ZE_PP under its lock) */
int zpp_add(struct zpp *pp, uint64_t index, uint32_t size);
/* order the candidates, largest object first */
void zpp_sort(struct zpp *pp);
static inline uint64_t zpp_index(uint64_t v)
{
	return v & ((1ull << 48) - 1);
}
/*
 * Candidates now written back (no mark left, ZE_WB set): what a
 * zwb_write_out that ended in an error moved before it.
 */
uint64_t zpp_count_written(struct zdev *z, const struct zpp *pp);
/* clear the marks still set on the candidates and free the list */
void zpp_release(struct zdev *z, struct zpp *pp);

#endif
