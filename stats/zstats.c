/*
 * zstats - kernel-format renderings (drivers/block/zram/zram_drv.c and
 * block/genhd.c part_stat_show) and a JSON rendering with jansson.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "stats/zstats.h"

typedef unsigned long long ull;

static ssize_t emit(size_t size, int n)
{
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size ? -E2BIG : n;
}

ssize_t zstats_mm_stat(const struct zstats *s, char *buf, size_t size)
{
	return emit(size, snprintf(buf, size,
		"%8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
		(ull)s->orig_data_size, (ull)s->compr_data_size,
		(ull)s->mem_used_total, (ull)s->mem_limit,
		(ull)s->mem_used_max, (ull)s->same_pages,
		(ull)s->pages_compacted, (ull)s->huge_pages,
		(ull)s->huge_pages_since));
}

/* the kernel prints a literal 0 for invalid_io; ours counts, unpadded */
ssize_t zstats_io_stat(const struct zstats *s, char *buf, size_t size)
{
	return emit(size, snprintf(buf, size, "%8llu %8llu %llu %8llu\n",
		(ull)s->failed_reads, (ull)s->failed_writes,
		(ull)s->invalid_io, (ull)s->notify_free));
}

ssize_t zstats_bd_stat(const struct zstats *s, char *buf, size_t size)
{
	/* bd_count is shown in 4 KiB pages, as the kernel's FOUR_K() */
	return emit(size, snprintf(buf, size, "%8llu %8llu %8llu\n",
		(ull)s->bd_count, (ull)s->bd_reads, (ull)s->bd_writes));
}

ssize_t zstats_stat(const struct zstats *s, char *buf, size_t size)
{
	return emit(size, snprintf(buf, size,
		"%8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu "
		"%8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
		(ull)s->rd_ios, 0ULL, (ull)s->rd_sectors, (ull)s->rd_ticks,
		(ull)s->wr_ios, 0ULL, (ull)s->wr_sectors, (ull)s->wr_ticks,
		(ull)s->in_flight, (ull)s->io_ticks, (ull)s->time_in_queue,
		(ull)s->dc_ios, 0ULL, (ull)s->dc_sectors, (ull)s->dc_ticks,
		(ull)s->fl_ios, (ull)s->fl_ticks));
}

ssize_t zstats_debug_stat(const struct zstats *s, char *buf, size_t size)
{
	return emit(size, snprintf(buf, size, "version: %d\n0 %8llu\n",
		1, (ull)s->miss_free));
}

char *zstats_json(const struct zstats *s)
{
	json_t *o;
	char *out;

	o = json_pack("{s:i, s:s?, s:I, s:I,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:I, s:I, s:I}, s:{s:I}}",
		"initstate", s->initstate,
		"comp_algorithm", s->comp_algorithm,
		"disksize", (json_int_t)s->disksize,
		"meta_bytes", (json_int_t)s->meta_bytes,
		"mm_stat",
		"orig_data_size", (json_int_t)s->orig_data_size,
		"compr_data_size", (json_int_t)s->compr_data_size,
		"mem_used_total", (json_int_t)s->mem_used_total,
		"mem_limit", (json_int_t)s->mem_limit,
		"mem_used_max", (json_int_t)s->mem_used_max,
		"same_pages", (json_int_t)s->same_pages,
		"pages_compacted", (json_int_t)s->pages_compacted,
		"huge_pages", (json_int_t)s->huge_pages,
		"huge_pages_since", (json_int_t)s->huge_pages_since,
		"io_stat",
		"failed_reads", (json_int_t)s->failed_reads,
		"failed_writes", (json_int_t)s->failed_writes,
		"invalid_io", (json_int_t)s->invalid_io,
		"notify_free", (json_int_t)s->notify_free,
		"bd_stat",
		"bd_count", (json_int_t)s->bd_count,
		"bd_reads", (json_int_t)s->bd_reads,
		"bd_writes", (json_int_t)s->bd_writes,
		"stat",
		"read_ios", (json_int_t)s->rd_ios,
		"read_sectors", (json_int_t)s->rd_sectors,
		"read_ticks", (json_int_t)s->rd_ticks,
		"write_ios", (json_int_t)s->wr_ios,
		"write_sectors", (json_int_t)s->wr_sectors,
		"write_ticks", (json_int_t)s->wr_ticks,
		"in_flight", (json_int_t)s->in_flight,
		"io_ticks", (json_int_t)s->io_ticks,
		"discard_ios", (json_int_t)s->dc_ios,
		"discard_sectors", (json_int_t)s->dc_sectors,
		"flush_ios", (json_int_t)s->fl_ios,
		"time_in_queue", (json_int_t)s->time_in_queue,
		"discard_ticks", (json_int_t)s->dc_ticks,
		"flush_ticks", (json_int_t)s->fl_ticks,
		"debug_stat",
		"miss_free", (json_int_t)s->miss_free);
	if (!o)
		return NULL;
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return out;
}
