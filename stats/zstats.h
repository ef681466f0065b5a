/*
 * zstats - one snapshot of a device's counters and its renderings.
 *
 * The device fills a struct zstats under its init lock; every file that
 * shows counters (mm_stat, io_stat, bd_stat, stat, debug_stat, policy_stat,
 * JSON) is
 * rendered from one snapshot, so two renderings of it cannot disagree.
 * Formats are the kernel's, byte for byte.  The files covering every
 * device (stats.json and metrics at the mount root) take all snapshots
 * first, then render them together.
 */
#ifndef ZRAMFS_ZSTATS_H
#define ZRAMFS_ZSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct zstats {
	/* mm_stat, in bytes except the page counts */
	uint64_t orig_data_size;
	uint64_t compr_data_size;
	uint64_t mem_used_total;
	uint64_t mem_limit;
	uint64_t mem_used_max;
	uint64_t same_pages;
	uint64_t pages_compacted;
	uint64_t huge_pages;
	uint64_t huge_pages_since;
	/* io_stat */
	uint64_t failed_reads;
	uint64_t failed_writes;
	uint64_t invalid_io;
	uint64_t notify_free;
	/*
	 * debug_stat: the kernel counts slot-free notifications it skipped
	 * because the slot was locked; a discard here waits for the slot
	 * and never skips, so this stays 0 (kept for the format).
	 */
	uint64_t miss_free;
	/* bd_stat, in 4 KiB pages */
	uint64_t bd_count;
	uint64_t bd_reads;
	uint64_t bd_writes;
	/* stat: block-layer I/O accounting (Documentation/block/stat.rst) */
	uint64_t rd_ios, rd_sectors, rd_ticks;
	uint64_t wr_ios, wr_sectors, wr_ticks;
	uint64_t in_flight, io_ticks, time_in_queue;
	uint64_t dc_ios, dc_sectors, dc_ticks;
	uint64_t fl_ios, fl_ticks;
	/* policy_stat (zramfs's own) */
	uint64_t pol_recompressed, pol_written_back, pol_evicted, pol_runs;
	uint64_t pol_last_run_ms, pol_evict_failed, pol_rc_age, pol_wb_age;
	/* extras for JSON */
	uint64_t disksize;
	uint64_t meta_bytes;
	int initstate;
	const char *comp_algorithm;
};

ssize_t zstats_mm_stat(const struct zstats *s, char *buf, size_t size);
ssize_t zstats_io_stat(const struct zstats *s, char *buf, size_t size);
ssize_t zstats_bd_stat(const struct zstats *s, char *buf, size_t size);
ssize_t zstats_stat(const struct zstats *s, char *buf, size_t size);
ssize_t zstats_debug_stat(const struct zstats *s, char *buf, size_t size);
ssize_t zstats_policy_stat(const struct zstats *s, char *buf, size_t size);
/* JSON object of every counter (named as in the admin guide); malloc'd */
char *zstats_json(const struct zstats *s);
/*
 * n devices' snapshots s[i] of zram<ids[i]>: {"devices": {"zramN":
 * <zstats_json's object>, ...}}; malloc'd, NULL on no memory.
 */
char *zstats_json_all(const struct zstats *s, const int *ids, int n);
/*
 * The same as Prometheus text (zramfs_<counter>{device="zramN"} value);
 * malloc'd, its length in *len; NULL on no memory.
 */
char *zstats_prom(const struct zstats *s, const int *ids, int n, size_t *len);

#endif
