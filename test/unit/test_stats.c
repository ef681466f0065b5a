/*
 * test_stats.c - unit tests of the counter renderings (stats/zstats.h).
 *
 * Tools parse mm_stat, io_stat, bd_stat, stat and debug_stat by position,
 * so the expected outputs are written out as literal strings, byte for
 * byte, in the kernel's formats (zram_drv.c, genhd.c part_stat_show):
 * "%8llu" fields joined by one space, a newline at the end.  Every field
 * gets a distinct value so a swapped pair shows.  The JSON rendering is
 * parsed back with jansson and every counter of struct zstats looked up.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "stats/zstats.h"
#include "test/unit/testhelp.h"

#define BUFSZ 4096

typedef ssize_t (*render_fn)(const struct zstats *s, char *buf, size_t size);

/* render s and compare with want exactly (length and bytes) */
static void check_render(const char *name, render_fn fn, const struct zstats *s,
			 const char *want)
{
	char buf[BUFSZ];
	ssize_t n;
	bool ok;

	memset(buf, 'X', sizeof(buf));
	n = fn(s, buf, sizeof(buf));
	ok = n == (ssize_t)strlen(want) && !memcmp(buf, want, n + 1);
	test_cond(name, ok);
	if (!ok)
		printf("  got %zd \"%.*s\"\n  want %zu \"%s\"\n", n,
		       n > 0 ? (int)n : 0, buf, strlen(want), want);
}

/* the buffer must hold the text and its NUL: one byte less is -E2BIG */
static void check_small(const char *name, render_fn fn, const struct zstats *s)
{
	char buf[BUFSZ], full[BUFSZ];
	ssize_t len = fn(s, full, sizeof(full));
	char title[256];

	snprintf(title, sizeof(title), "%s: buffer of exactly len+1 fits",
		 name);
	test_cond(title, len > 0 && fn(s, buf, len + 1) == len &&
				 !memcmp(buf, full, len + 1));
	snprintf(title, sizeof(title), "%s: buffer of len is -E2BIG", name);
	test_cond(title, len > 0 && fn(s, buf, len) == -E2BIG);
	snprintf(title, sizeof(title), "%s: 8-byte buffer is -E2BIG", name);
	test_cond(title, fn(s, buf, 8) == -E2BIG);
	snprintf(title, sizeof(title), "%s: 1-byte buffer is -E2BIG", name);
	test_cond(title, fn(s, buf, 1) == -E2BIG);
}

static int count_fields(const char *s)
{
	int n = 0;
	bool in = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n') {
			in = false;
		} else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

static void test_mm_stat(void)
{
	struct zstats s = { 0 };
	char buf[BUFSZ];

	check_render("mm_stat all zeros", zstats_mm_stat, &s,
		     "       0        0        0        0        0        0"
		     "        0        0        0\n");

	s.orig_data_size = 9363456;
	s.compr_data_size = 4964425;
	s.mem_used_total = 5480448;
	s.mem_limit = 0;
	s.mem_used_max = 5480448;
	s.same_pages = 8;
	s.pages_compacted = 0;
	s.huge_pages = 726;
	s.huge_pages_since = 726;
	check_render("mm_stat typical values", zstats_mm_stat, &s,
		     " 9363456  4964425  5480448        0  5480448        8"
		     "        0      726      726\n");

	/* every field distinct: catches a swapped pair */
	s.orig_data_size = 1;
	s.compr_data_size = 2;
	s.mem_used_total = 3;
	s.mem_limit = 4;
	s.mem_used_max = 5;
	s.same_pages = 6;
	s.pages_compacted = 7;
	s.huge_pages = 8;
	s.huge_pages_since = 9;
	check_render("mm_stat field order", zstats_mm_stat, &s,
		     "       1        2        3        4        5        6"
		     "        7        8        9\n");

	/* wider than 8 digits: the field just grows, one space stays */
	s.orig_data_size = 107374182400ULL; /* 100 GiB */
	s.compr_data_size = 123456789;
	s.mem_used_total = 12345678;
	s.mem_limit = UINT64_MAX;
	check_render("mm_stat wide numbers extend", zstats_mm_stat, &s,
		     "107374182400 123456789 12345678 18446744073709551615"
		     "        5        6        7        8        9\n");
	test_cond("mm_stat has 9 fields",
		  zstats_mm_stat(&s, buf, sizeof(buf)) > 0 &&
			  count_fields(buf) == 9);
	check_small("mm_stat", zstats_mm_stat, &s);
}

static void test_io_stat(void)
{
	struct zstats s = { 0 };

	check_render("io_stat all zeros", zstats_io_stat, &s,
		     "       0        0 0        0\n");
	s.invalid_io = 5;
	check_render("io_stat invalid_io=5 unpadded", zstats_io_stat, &s,
		     "       0        0 5        0\n");
	s.failed_reads = 1;
	s.failed_writes = 2;
	s.invalid_io = 123456789012ULL;
	s.notify_free = 4;
	check_render("io_stat field order", zstats_io_stat, &s,
		     "       1        2 123456789012        4\n");
	check_small("io_stat", zstats_io_stat, &s);
}

static void test_bd_stat(void)
{
	struct zstats s = { 0 };
	char buf[BUFSZ];

	check_render("bd_stat all zeros", zstats_bd_stat, &s,
		     "       0        0        0\n");
	s.bd_count = 11;
	s.bd_reads = 22;
	s.bd_writes = 333333333;
	check_render("bd_stat field order", zstats_bd_stat, &s,
		     "      11       22 333333333\n");
	test_cond("bd_stat has 3 fields",
		  zstats_bd_stat(&s, buf, sizeof(buf)) > 0 &&
			  count_fields(buf) == 3);
	check_small("bd_stat", zstats_bd_stat, &s);
}

static void test_stat(void)
{
	struct zstats s = { 0 };
	char buf[BUFSZ];

	check_render("stat all zeros", zstats_stat, &s,
		     "       0        0        0        0        0        0"
		     "        0        0        0        0        0        0"
		     "        0        0        0        0        0\n");
	test_cond("stat has 17 fields", zstats_stat(&s, buf, sizeof(buf)) > 0 &&
						count_fields(buf) == 17);

	/* merges (fields 2, 6, 13) are always 0: zram never merges */
	s.rd_ios = 101;
	s.rd_sectors = 103;
	s.rd_ticks = 104;
	s.wr_ios = 105;
	s.wr_sectors = 107;
	s.wr_ticks = 108;
	s.in_flight = 109;
	s.io_ticks = 110;
	s.time_in_queue = 111;
	s.dc_ios = 112;
	s.dc_sectors = 114;
	s.dc_ticks = 115;
	s.fl_ios = 116;
	s.fl_ticks = 117;
	check_render("stat field order (Documentation/block/stat.rst)",
		     zstats_stat, &s,
		     "     101        0      103      104      105        0"
		     "      107      108      109      110      111      112"
		     "        0      114      115      116      117\n");
	test_cond("stat with values has 17 fields",
		  zstats_stat(&s, buf, sizeof(buf)) > 0 &&
			  count_fields(buf) == 17);
	check_small("stat", zstats_stat, &s);
}

static void test_debug_stat(void)
{
	struct zstats s = { 0 };

	check_render("debug_stat zero", zstats_debug_stat, &s,
		     "version: 1\n0        0\n");
	s.miss_free = 42;
	check_render("debug_stat miss_free", zstats_debug_stat, &s,
		     "version: 1\n0       42\n");
	check_small("debug_stat", zstats_debug_stat, &s);
}

static void test_policy_stat(void)
{
	struct zstats s = { 0 };
	char buf[BUFSZ];

	check_render("policy_stat all zeros", zstats_policy_stat, &s,
		     "       0        0        0        0        0        0"
		     "        0        0\n");
	s.pol_recompressed = 1;
	s.pol_written_back = 2;
	s.pol_evicted = 3;
	s.pol_runs = 4;
	s.pol_last_run_ms = 5;
	s.pol_evict_failed = 6;
	s.pol_rc_age = 7;
	s.pol_wb_age = 888888888;
	check_render("policy_stat field order (zramfs(8))", zstats_policy_stat,
		     &s,
		     "       1        2        3        4        5        6"
		     "        7 888888888\n");
	test_cond("policy_stat has 8 fields",
		  zstats_policy_stat(&s, buf, sizeof(buf)) > 0 &&
			  count_fields(buf) == 8);
	check_small("policy_stat", zstats_policy_stat, &s);
}

/* -- JSON ----------------------------------------------------------------- */

/* key in o or in any object directly inside o */
static json_t *find_key(json_t *o, const char *section, const char *key)
{
	const char *k;
	json_t *v, *r;

	if (section) {
		v = json_object_get(o, section);
		return json_is_object(v) ? json_object_get(v, key) : NULL;
	}
	r = json_object_get(o, key);
	if (r)
		return r;
	json_object_foreach(o, k, v)
	{
		if (json_is_object(v) && (r = json_object_get(v, key)))
			return r;
	}
	return NULL;
}

struct jkey {
	const char *section; /* NULL: anywhere (top level or one down) */
	const char *key;
	size_t off; /* offset of the uint64_t in struct zstats */
};

#define JK(sec, key, field)                              \
	{                                                \
		sec, key, offsetof(struct zstats, field) \
	}

/* every counter of struct zstats; names as in the admin guide */
static const struct jkey jkeys[] = {
	JK(NULL, "disksize", disksize),
	JK(NULL, "meta_bytes", meta_bytes),
	JK("mm_stat", "orig_data_size", orig_data_size),
	JK("mm_stat", "compr_data_size", compr_data_size),
	JK("mm_stat", "mem_used_total", mem_used_total),
	JK("mm_stat", "mem_limit", mem_limit),
	JK("mm_stat", "mem_used_max", mem_used_max),
	JK("mm_stat", "same_pages", same_pages),
	JK("mm_stat", "pages_compacted", pages_compacted),
	JK("mm_stat", "huge_pages", huge_pages),
	JK("mm_stat", "huge_pages_since", huge_pages_since),
	JK("io_stat", "failed_reads", failed_reads),
	JK("io_stat", "failed_writes", failed_writes),
	JK("io_stat", "invalid_io", invalid_io),
	JK("io_stat", "notify_free", notify_free),
	JK("bd_stat", "bd_count", bd_count),
	JK("bd_stat", "bd_reads", bd_reads),
	JK("bd_stat", "bd_writes", bd_writes),
	JK("stat", "read_ios", rd_ios),
	JK("stat", "read_sectors", rd_sectors),
	JK("stat", "read_ticks", rd_ticks),
	JK("stat", "write_ios", wr_ios),
	JK("stat", "write_sectors", wr_sectors),
	JK("stat", "write_ticks", wr_ticks),
	JK("stat", "in_flight", in_flight),
	JK("stat", "io_ticks", io_ticks),
	JK("stat", "discard_ios", dc_ios),
	JK("stat", "discard_sectors", dc_sectors),
	JK("stat", "flush_ios", fl_ios),
	/* in stat's 17 fields, so in the JSON too */
	JK(NULL, "time_in_queue", time_in_queue),
	JK(NULL, "discard_ticks", dc_ticks),
	JK(NULL, "flush_ticks", fl_ticks),
	/* debug_stat's counter */
	JK(NULL, "miss_free", miss_free),
	/* zramfs's policy_stat */
	JK("policy_stat", "recompressed", pol_recompressed),
	JK("policy_stat", "written_back", pol_written_back),
	JK("policy_stat", "evicted", pol_evicted),
	JK("policy_stat", "runs", pol_runs),
	JK("policy_stat", "last_run_ms", pol_last_run_ms),
	JK("policy_stat", "evict_failed", pol_evict_failed),
	JK("policy_stat", "recompress_age", pol_rc_age),
	JK("policy_stat", "writeback_age", pol_wb_age),
};

static uint64_t *field(struct zstats *s, size_t off)
{
	return (uint64_t *)((char *)s + off);
}

static void test_json(void)
{
	struct zstats s = { 0 };
	json_error_t err;
	json_t *o, *v;
	char name[256];
	int missing = 0;
	size_t i;
	char *text;

	for (i = 0; i < sizeof(jkeys) / sizeof(jkeys[0]); i++)
		*field(&s, jkeys[i].off) = 1000 + i;
	s.orig_data_size = 9363456ULL << 10; /* beyond 32 bits */
	s.initstate = 1;
	s.comp_algorithm = "zstd";

	text = zstats_json(&s);
	test_cond("zstats_json returns text", text != NULL);
	if (!text)
		return;
	o = json_loads(text, 0, &err);
	test_cond("zstats_json parses back with jansson", json_is_object(o));
	if (!o) {
		printf("  %s at %d: %s\n", err.text, err.position, text);
		free(text);
		return;
	}
	v = find_key(o, "mm_stat", "orig_data_size");
	test_cond("json mm_stat.orig_data_size equals the input",
		  json_is_integer(v) &&
			  (uint64_t)json_integer_value(v) == s.orig_data_size);
	v = json_object_get(o, "initstate");
	test_cond("json initstate",
		  json_is_integer(v) && json_integer_value(v) == 1);
	v = json_object_get(o, "comp_algorithm");
	test_cond("json comp_algorithm",
		  json_is_string(v) && !strcmp(json_string_value(v), "zstd"));

	for (i = 0; i < sizeof(jkeys) / sizeof(jkeys[0]); i++) {
		const struct jkey *k = &jkeys[i];
		uint64_t want = *field(&s, k->off);

		v = find_key(o, k->section, k->key);
		snprintf(name, sizeof(name), "json has %s%s%s = its counter",
			 k->section ? k->section : "", k->section ? "." : "",
			 k->key);
		test_cond(name,
			  json_is_integer(v) &&
				  (uint64_t)json_integer_value(v) == want);
		if (!v)
			missing++;
	}
	if (missing)
		printf("  %d keys missing in %s\n", missing, text);
	json_decref(o);
	free(text);

	/* an uninitialised device has no algorithm yet: must still render */
	memset(&s, 0, sizeof(s));
	text = zstats_json(&s);
	o = text ? json_loads(text, 0, &err) : NULL;
	test_cond("zstats_json of zeros with NULL comp_algorithm parses",
		  json_is_object(o));
	v = o ? find_key(o, "mm_stat", "orig_data_size") : NULL;
	test_cond("json zero orig_data_size",
		  json_is_integer(v) && json_integer_value(v) == 0);
	json_decref(o);
	free(text);
}

/* every device's object under "devices", keyed zramN, equals zstats_json */
static void test_json_all(void)
{
	struct zstats s[3] = { { 0 } };
	int ids[3] = { 0, 7, 1023 };
	json_error_t err;
	json_t *o, *devs, *d, *one;
	char name[64], *text, *single;
	int i;

	for (i = 0; i < 3; i++) {
		s[i].orig_data_size = 4096ULL * (i + 1);
		s[i].bd_count = 10 + i;
		s[i].initstate = i & 1;
		s[i].comp_algorithm = i ? "zstd" : NULL;
	}
	text = zstats_json_all(s, ids, 3);
	o = text ? json_loads(text, 0, &err) : NULL;
	test_cond("zstats_json_all parses back", json_is_object(o));
	devs = json_object_get(o, "devices");
	test_cond("json_all has devices with 3 entries",
		  json_is_object(devs) && json_object_size(devs) == 3);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "zram%d", ids[i]);
		d = json_object_get(devs, name);
		single = zstats_json(&s[i]);
		one = single ? json_loads(single, 0, &err) : NULL;
		snprintf(name, sizeof(name),
			 "json_all zram%d equals zstats_json of it", ids[i]);
		test_cond(name, d && one && json_equal(d, one));
		json_decref(one);
		free(single);
	}
	json_decref(o);
	free(text);

	text = zstats_json_all(s, ids, 0);
	test_cond("json_all of no devices",
		  text && !strcmp(text, "{\"devices\":{}}"));
	free(text);
}

struct pkey {
	const char *name; /* Prometheus name, zramfs_ prefix left off */
	const char *type;
	size_t off;
};

#define PK(n, t, field)                              \
	{                                            \
		n, t, offsetof(struct zstats, field) \
	}

/* every uint64_t counter of struct zstats and its metric */
static const struct pkey pkeys[] = {
	PK("disksize_bytes", "gauge", disksize),
	PK("meta_bytes", "gauge", meta_bytes),
	PK("orig_data_bytes", "gauge", orig_data_size),
	PK("compr_data_bytes", "gauge", compr_data_size),
	PK("mem_used_total_bytes", "gauge", mem_used_total),
	PK("mem_limit_bytes", "gauge", mem_limit),
	PK("mem_used_max_bytes", "gauge", mem_used_max),
	PK("same_pages", "gauge", same_pages),
	PK("pages_compacted_total", "counter", pages_compacted),
	PK("huge_pages", "gauge", huge_pages),
	PK("huge_pages_since_total", "counter", huge_pages_since),
	PK("failed_reads_total", "counter", failed_reads),
	PK("failed_writes_total", "counter", failed_writes),
	PK("invalid_io_total", "counter", invalid_io),
	PK("notify_free_total", "counter", notify_free),
	PK("miss_free_total", "counter", miss_free),
	PK("bd_count_pages", "gauge", bd_count),
	PK("bd_reads_pages_total", "counter", bd_reads),
	PK("bd_writes_pages_total", "counter", bd_writes),
	PK("read_ios_total", "counter", rd_ios),
	PK("read_sectors_total", "counter", rd_sectors),
	PK("read_ticks_milliseconds_total", "counter", rd_ticks),
	PK("write_ios_total", "counter", wr_ios),
	PK("write_sectors_total", "counter", wr_sectors),
	PK("write_ticks_milliseconds_total", "counter", wr_ticks),
	PK("in_flight", "gauge", in_flight),
	PK("io_ticks_milliseconds_total", "counter", io_ticks),
	PK("time_in_queue_milliseconds_total", "counter", time_in_queue),
	PK("discard_ios_total", "counter", dc_ios),
	PK("discard_sectors_total", "counter", dc_sectors),
	PK("discard_ticks_milliseconds_total", "counter", dc_ticks),
	PK("flush_ios_total", "counter", fl_ios),
	PK("flush_ticks_milliseconds_total", "counter", fl_ticks),
	PK("policy_recompressed_pages_total", "counter", pol_recompressed),
	PK("policy_written_back_pages_total", "counter", pol_written_back),
	PK("policy_evicted_pages_total", "counter", pol_evicted),
	PK("policy_runs_total", "counter", pol_runs),
	PK("policy_last_run_milliseconds", "gauge", pol_last_run_ms),
	PK("policy_evict_failed_total", "counter", pol_evict_failed),
	PK("policy_recompress_age_seconds", "gauge", pol_rc_age),
	PK("policy_writeback_age_seconds", "gauge", pol_wb_age),
};

/* the line starting with prefix, or NULL; *count gets how many do */
static const char *find_line(const char *text, const char *prefix, int *count)
{
	const char *p = text, *hit = NULL;
	size_t n = strlen(prefix);

	*count = 0;
	while (p && *p) {
		if (!strncmp(p, prefix, n)) {
			if (!hit)
				hit = p;
			(*count)++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return hit;
}

static void test_prom(void)
{
	struct zstats s[2] = { { 0 } };
	int ids[2] = { 0, 12 };
	char want[256], name[256], *text;
	const char *type_at, *help_at, *sample_at;
	bool grammar = true;
	size_t len = 0, i;
	int d, cnt, lines = 0;
	const char *p;

	for (d = 0; d < 2; d++) {
		for (i = 0; i < sizeof(pkeys) / sizeof(pkeys[0]); i++)
			*field(&s[d], pkeys[i].off) = 1000 * (d + 1) + i;
		s[d].comp_algorithm = d ? "lz4" : "zstd";
		s[d].initstate = 1 - d;
	}
	s[1].orig_data_size = 1ULL << 40; /* beyond 32 bits */
	text = zstats_prom(s, ids, 2, &len);
	test_cond("zstats_prom returns text", text && len == strlen(text));
	if (!text)
		return;
	test_cond("prom text ends with a newline",
		  len && text[len - 1] == '\n');

	/* every line: a comment, or name{labels} value */
	for (p = text; *p; p = strchr(p, '\n') + 1) {
		const char *e = strchr(p, '\n');
		unsigned long long v;
		char mname[128];

		lines++;
		if (*p == '#') {
			if (strncmp(p, "# HELP zramfs_", 14) &&
			    strncmp(p, "# TYPE zramfs_", 14))
				grammar = false;
			continue;
		}
		if (sscanf(p, "%127[a-z_]{device=\"zram%*d\"%*[^}]} %llu",
			   mname, &v) != 2 &&
		    sscanf(p,
			   "%127[a-z_]{device=\"zram%*d\"} "
			   "%llu",
			   mname, &v) != 2)
			grammar = false;
		if (!e)
			break;
	}
	test_cond("every prom line is a comment or a labelled sample",
		  grammar && lines > 0);

	for (i = 0; i < sizeof(pkeys) / sizeof(pkeys[0]); i++) {
		const struct pkey *k = &pkeys[i];

		snprintf(want, sizeof(want), "# TYPE zramfs_%s %s\n", k->name,
			 k->type);
		type_at = find_line(text, want, &cnt);
		snprintf(name, sizeof(name), "prom %s: one TYPE %s", k->name,
			 k->type);
		test_cond(name, type_at && cnt == 1);
		snprintf(want, sizeof(want), "# HELP zramfs_%s ", k->name);
		help_at = find_line(text, want, &cnt);
		snprintf(name, sizeof(name), "prom %s: one HELP before TYPE",
			 k->name);
		test_cond(name, help_at && cnt == 1 && help_at < type_at);
		for (d = 0; d < 2; d++) {
			snprintf(want, sizeof(want),
				 "zramfs_%s{device=\"zram%d\"} %llu\n", k->name,
				 ids[d],
				 (unsigned long long)*field(&s[d], k->off));
			sample_at = find_line(text, want, &cnt);
			snprintf(name, sizeof(name),
				 "prom %s zram%d equals its counter", k->name,
				 ids[d]);
			test_cond(name,
				  sample_at && cnt == 1 && sample_at > type_at);
		}
	}
	find_line(text,
		  "zramfs_comp_algorithm_info{device=\"zram12\","
		  "algorithm=\"lz4\"} 1\n",
		  &cnt);
	test_cond("prom comp_algorithm_info labels the algorithm", cnt == 1);
	find_line(text, "zramfs_initstate{device=\"zram0\"} 1\n", &cnt);
	test_cond("prom initstate", cnt == 1);
	free(text);

	text = zstats_prom(s, ids, 0, &len);
	test_cond("prom of no devices is only comments",
		  text && !strstr(text, "{device="));
	free(text);
}

int main(void)
{
	test_mm_stat();
	test_io_stat();
	test_bd_stat();
	test_stat();
	test_debug_stat();
	test_policy_stat();
	test_json();
	test_json_all();
	test_prom();
	return test_report();
}
