/*
 * zstats - kernel-format renderings (drivers/block/zram/zram_drv.c and
 * block/genhd.c part_stat_show), JSON with jansson, Prometheus text.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "stats/zstats.h"

typedef unsigned long long ull;

static ssize_t emit(size_t size, int n)
{
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size ? -E2BIG : n;
}

/* clang-format off */
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

ssize_t zstats_policy_stat(const struct zstats *s, char *buf, size_t size)
{
	return emit(size, snprintf(buf, size,
		"%8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
		(ull)s->pol_recompressed, (ull)s->pol_written_back,
		(ull)s->pol_evicted, (ull)s->pol_runs, (ull)s->pol_last_run_ms,
		(ull)s->pol_evict_failed, (ull)s->pol_rc_age,
		(ull)s->pol_wb_age));
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

/* every counter of one snapshot as a JSON object (new reference) */
static json_t *stats_object(const struct zstats *s)
{
	return json_pack("{s:i, s:s?, s:I, s:I,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:I, s:I, s:I}, s:{s:I},"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
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
		"miss_free", (json_int_t)s->miss_free,
		"policy_stat",
		"recompressed", (json_int_t)s->pol_recompressed,
		"written_back", (json_int_t)s->pol_written_back,
		"evicted", (json_int_t)s->pol_evicted,
		"runs", (json_int_t)s->pol_runs,
		"last_run_ms", (json_int_t)s->pol_last_run_ms,
		"evict_failed", (json_int_t)s->pol_evict_failed,
		"recompress_age", (json_int_t)s->pol_rc_age,
		"writeback_age", (json_int_t)s->pol_wb_age);
}
/* clang-format on */

char *zstats_json(const struct zstats *s)
{
	json_t *o = stats_object(s);
	char *out;

	if (!o)
		return NULL;
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return out;
}

char *zstats_json_all(const struct zstats *s, const int *ids, int n)
{
	json_t *root, *devs, *o;
	char name[32], *out = NULL;
	int i;

	root = json_object();
	devs = json_object();
	if (!root || !devs || json_object_set_new(root, "devices", devs)) {
		json_decref(devs);
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "zram%d", ids[i]);
		o = stats_object(&s[i]);
		if (!o || json_object_set_new(devs, name, o))
			goto out_free;
	}
	out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
out_free:
	json_decref(root);
	return out;
}

/*
 * Prometheus text exposition (format 0.0.4): one family per counter,
 * `# HELP` and `# TYPE` once, then one sample per device labelled
 * device="zramN".  Names follow the Prometheus conventions: base units
 * in the name (_bytes, _pages, _sectors, _milliseconds), counters end
 * in _total.  Families are emitted in one block each, as the format
 * requires, so every device's snapshot is taken before rendering.
 */
struct metric {
	const char *name; /* after the "zramfs_" prefix */
	const char *type; /* "gauge" or "counter" */
	size_t off;	  /* of a uint64_t in struct zstats */
	const char *help;
};

#define GAUGE(n, f, h)                                    \
	{                                                 \
		n, "gauge", offsetof(struct zstats, f), h \
	}
#define COUNTER(n, f, h)                                             \
	{                                                            \
		n "_total", "counter", offsetof(struct zstats, f), h \
	}

static const struct metric metrics[] = {
	GAUGE("disksize_bytes", disksize, "Size of the device (disksize)."),
	GAUGE("orig_data_bytes", orig_data_size,
	      "Uncompressed size of the data stored (mm_stat orig_data_size)."),
	GAUGE("compr_data_bytes", compr_data_size,
	      "Compressed size of the data stored (mm_stat compr_data_size)."),
	GAUGE("mem_used_total_bytes", mem_used_total,
	      "Memory allocated for the stored data, overhead and "
	      "fragmentation included (mm_stat mem_used_total)."),
	GAUGE("mem_limit_bytes", mem_limit,
	      "Most memory the device may use, 0 for no limit "
	      "(mm_stat mem_limit)."),
	GAUGE("mem_used_max_bytes", mem_used_max,
	      "Peak of mem_used_total (mm_stat mem_used_max)."),
	GAUGE("same_pages", same_pages,
	      "Pages stored as one repeated word, no memory allocated "
	      "(mm_stat same_pages)."),
	COUNTER("pages_compacted", pages_compacted,
		"Pages freed by compaction (mm_stat pages_compacted)."),
	GAUGE("huge_pages", huge_pages,
	      "Incompressible pages stored whole (mm_stat huge_pages)."),
	COUNTER("huge_pages_since", huge_pages_since,
		"Incompressible pages stored since init "
		"(mm_stat huge_pages_since)."),
	COUNTER("failed_reads", failed_reads,
		"Failed reads (io_stat failed_reads)."),
	COUNTER("failed_writes", failed_writes,
		"Failed writes (io_stat failed_writes)."),
	COUNTER("invalid_io", invalid_io,
		"Requests outside the device (io_stat invalid_io)."),
	COUNTER("notify_free", notify_free,
		"Pages freed by discard (io_stat notify_free)."),
	COUNTER("miss_free", miss_free,
		"Slot frees skipped (debug_stat miss_free)."),
	GAUGE("bd_count_pages", bd_count,
	      "4 KiB pages held on the backing device (bd_stat bd_count)."),
	COUNTER("bd_reads_pages", bd_reads,
		"4 KiB pages read from the backing device (bd_stat bd_reads)."),
	COUNTER("bd_writes_pages", bd_writes,
		"4 KiB pages written to the backing device "
		"(bd_stat bd_writes)."),
	COUNTER("read_ios", rd_ios, "Read requests completed (stat)."),
	COUNTER("read_sectors", rd_sectors, "512-byte sectors read (stat)."),
	COUNTER("read_ticks_milliseconds", rd_ticks,
		"Time spent reading (stat)."),
	COUNTER("write_ios", wr_ios, "Write requests completed (stat)."),
	COUNTER("write_sectors", wr_sectors,
		"512-byte sectors written (stat)."),
	COUNTER("write_ticks_milliseconds", wr_ticks,
		"Time spent writing (stat)."),
	GAUGE("in_flight", in_flight, "Requests in progress (stat)."),
	COUNTER("io_ticks_milliseconds", io_ticks,
		"Time with requests in progress (stat)."),
	COUNTER("time_in_queue_milliseconds", time_in_queue,
		"Time requests spent in progress, summed (stat)."),
	COUNTER("discard_ios", dc_ios, "Discard requests completed (stat)."),
	COUNTER("discard_sectors", dc_sectors,
		"512-byte sectors discarded (stat)."),
	COUNTER("discard_ticks_milliseconds", dc_ticks,
		"Time spent discarding (stat)."),
	COUNTER("flush_ios", fl_ios, "Flush requests completed (stat)."),
	COUNTER("flush_ticks_milliseconds", fl_ticks,
		"Time spent flushing (stat)."),
	COUNTER("policy_recompressed_pages", pol_recompressed,
		"Pages recompressed by the policy's runs "
		"(policy_stat recompressed)."),
	COUNTER("policy_written_back_pages", pol_written_back,
		"Pages written back by the policy's runs "
		"(policy_stat written_back)."),
	COUNTER("policy_evicted_pages", pol_evicted,
		"Pages written back by evictions at mem_limit "
		"(policy_stat evicted)."),
	COUNTER("policy_runs", pol_runs,
		"Policy runs on an initialised device (policy_stat runs)."),
	GAUGE("policy_last_run_milliseconds", pol_last_run_ms,
	      "The last policy run's duration (policy_stat last_run_ms)."),
	COUNTER("policy_evict_failed", pol_evict_failed,
		"Writes eviction could not make room for "
		"(policy_stat evict_failed)."),
	GAUGE("policy_recompress_age_seconds", pol_rc_age,
	      "The last run's recompress age, 0 when off "
	      "(policy_stat recompress_age)."),
	GAUGE("policy_writeback_age_seconds", pol_wb_age,
	      "The last run's writeback age, 0 when off "
	      "(policy_stat writeback_age)."),
	GAUGE("meta_bytes", meta_bytes,
	      "Memory of the per-page table (not in mem_used_total)."),
};

static uint64_t metric_value(const struct zstats *s, const struct metric *m)
{
	return *(const uint64_t *)((const char *)s + m->off);
}

/* label values escape backslash, double quote and newline */
static void put_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

char *zstats_prom(const struct zstats *s, const int *ids, int n, size_t *len)
{
	const struct metric *m;
	char *out = NULL;
	size_t size = 0;
	FILE *f;
	int i;

	f = open_memstream(&out, &size);
	if (!f)
		return NULL;
	fputs("# HELP zramfs_initstate 1 once disksize is set (initstate).\n"
	      "# TYPE zramfs_initstate gauge\n",
	      f);
	for (i = 0; i < n; i++)
		fprintf(f, "zramfs_initstate{device=\"zram%d\"} %d\n", ids[i],
			s[i].initstate);
	fputs("# HELP zramfs_comp_algorithm_info The selected compression "
	      "algorithm (comp_algorithm), as a label.\n"
	      "# TYPE zramfs_comp_algorithm_info gauge\n",
	      f);
	for (i = 0; i < n; i++) {
		fprintf(f,
			"zramfs_comp_algorithm_info{device=\"zram%d\","
			"algorithm=\"",
			ids[i]);
		put_label(f, s[i].comp_algorithm ? s[i].comp_algorithm : "");
		fputs("\"} 1\n", f);
	}
	for (m = metrics; m < metrics + sizeof(metrics) / sizeof(*m); m++) {
		fprintf(f, "# HELP zramfs_%s %s\n# TYPE zramfs_%s %s\n",
			m->name, m->help, m->name, m->type);
		for (i = 0; i < n; i++)
			fprintf(f, "zramfs_%s{device=\"zram%d\"} %llu\n",
				m->name, ids[i], (ull)metric_value(&s[i], m));
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	*len = size;
	return out;
}
