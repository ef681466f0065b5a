/*
 * zramfsctl - zramctl for zramfs: the status table, device setup and
 * reset with zramctl's columns, options and formats, drawn by
 * libsmartcols as zramctl draws them, plus `up`/`down` from a config
 * file (ctl/up.c).  A client of the mount's files only (ctl/mnt.c).
 *
 * Columns beyond zramctl's: LOOP (the loop device attached to the
 * image), BACKING (backing_dev) and BD-COUNT (bd_stat's first field,
 * 4 KiB pages on the backing device).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "config/sizeexpr.h"
#include "ctl/mnt.h"
#include "ctl/up.h"

#define VERSION	  "0.1"
#define DEF_MOUNT "/run/zramfs"

enum {
	COL_NAME,
	COL_DISKSIZE,
	COL_ORIG_SIZE,
	COL_COMP_SIZE,
	COL_ALGORITHM,
	COL_STREAMS,
	COL_ZEROPAGES,
	COL_MEMTOTAL,
	COL_MEMLIMIT,
	COL_MEMUSED,
	COL_MIGRATED,
	COL_COMPRATIO,
	COL_MOUNTPOINT,
	/* zramfs's own */
	COL_LOOP,
	COL_BACKING,
	COL_BDCOUNT,
	NR_COLS
};

/* zramctl's names, width hints, flags and help text, then ours */
static const struct colinfo {
	const char *name;
	double whint;
	int flags;
	bool number; /* a JSON number with --bytes */
	const char *help;
} infos[NR_COLS] = {
	[COL_NAME] = { "NAME", 0.25, 0, false, "zram device name" },
	[COL_DISKSIZE] = { "DISKSIZE", 5, SCOLS_FL_RIGHT, true,
			   "limit on the uncompressed amount of data" },
	[COL_ORIG_SIZE] = { "DATA", 5, SCOLS_FL_RIGHT, true,
			    "uncompressed size of stored data" },
	[COL_COMP_SIZE] = { "COMPR", 5, SCOLS_FL_RIGHT, true,
			    "compressed size of stored data" },
	[COL_ALGORITHM] = { "ALGORITHM", 3, 0, false,
			    "the selected compression algorithm" },
	[COL_STREAMS] = { "STREAMS", 3, SCOLS_FL_RIGHT, true,
			  "number of concurrent compress operations" },
	[COL_ZEROPAGES] = { "ZERO-PAGES", 3, SCOLS_FL_RIGHT, true,
			    "empty pages with no allocated memory" },
	[COL_MEMTOTAL] = { "TOTAL", 5, SCOLS_FL_RIGHT, true,
			   "all memory including allocator fragmentation and metadata "
			   "overhead" },
	[COL_MEMLIMIT] = { "MEM-LIMIT", 5, SCOLS_FL_RIGHT, true,
			   "memory limit used to store compressed data" },
	[COL_MEMUSED] = { "MEM-USED", 5, SCOLS_FL_RIGHT, true,
			  "memory zram have been consumed to store compressed data" },
	[COL_MIGRATED] = { "MIGRATED", 5, SCOLS_FL_RIGHT, true,
			   "number of objects migrated by compaction" },
	[COL_COMPRATIO] = { "COMP-RATIO", 5, SCOLS_FL_RIGHT, true,
			    "compression ratio: DATA/TOTAL" },
	[COL_MOUNTPOINT] = { "MOUNTPOINT", 0.10, SCOLS_FL_TRUNC, false,
			     "where the device is mounted" },
	[COL_LOOP] = { "LOOP", 0.10, 0, false,
		       "loop device attached to the image" },
	[COL_BACKING] = { "BACKING", 0.10, SCOLS_FL_TRUNC, false,
			  "backing device (backing_dev)" },
	[COL_BDCOUNT] = { "BD-COUNT", 5, SCOLS_FL_RIGHT, true,
			  "4 KiB pages on the backing device (bd_stat)" },
};

/* mm_stat's fields, in order */
enum { MM_ORIG, MM_COMPR, MM_TOTAL, MM_LIMIT, MM_MAX, MM_SAME, MM_MIGRATED };

static int columns[NR_COLS * 2], ncolumns;
static bool raw, no_headings, inbytes, json;
static const char *mnt = DEF_MOUNT;

static void __attribute__((noreturn)) errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zctl_vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

/*
 * Sizes as util-linux's size_to_human_string(SIZE_SUFFIX_1LETTER): the
 * largest binary unit the value reaches, one decimal of the remainder
 * rounded half up and dropped when 0: 0B, 4K, 1.5M, 1023.9M, 1G.
 */
static char *human_size(uint64_t bytes)
{
	static const char letters[] = "BKMGTPE";
	unsigned int shift = 0, tenths = 0;
	uint64_t whole, rest;
	char *s;

	while (shift < 60 && bytes >= (1ULL << (shift + 10)))
		shift += 10;
	whole = bytes >> shift;
	rest = bytes & ((1ULL << shift) - 1);
	if (rest) {
		/* the remainder in 1/1024ths, to tenths */
		tenths = ((rest >> (shift - 10)) + 50) / 100;
		if (tenths == 10) {
			whole++;
			tenths = 0;
		}
	}
	if (tenths) {
		if (asprintf(&s, "%llu.%u%c", (unsigned long long)whole, tenths,
			     letters[shift / 10]) < 0)
			s = NULL;
	} else if (asprintf(&s, "%llu%c", (unsigned long long)whole,
			    letters[shift / 10]) < 0) {
		s = NULL;
	}
	return s;
}

static char *num_str(uint64_t v)
{
	char *s;

	return asprintf(&s, "%llu", (unsigned long long)v) < 0 ? NULL : s;
}

static char *size_str(uint64_t v, bool bytes)
{
	return bytes ? num_str(v) : human_size(v);
}

static char *mm_str(int id, int field, bool bytes)
{
	uint64_t v;

	if (zctl_read_field(mnt, id, "mm_stat", field, &v))
		return NULL;
	return size_str(v, bytes);
}

/* the text between the last [ and ] of comp_algorithm */
static char *algorithm_str(int id)
{
	char buf[4096], *l, *r;

	if (zctl_read(mnt, id, "comp_algorithm", buf, sizeof(buf)))
		return NULL;
	l = strrchr(buf, '[');
	r = strrchr(buf, ']');
	if (!l || !r || r - l <= 1)
		return NULL;
	return strndup(l + 1, r - l - 1);
}

static char *attr_str(int id, const char *attr)
{
	char buf[4096];

	if (zctl_read(mnt, id, attr, buf, sizeof(buf)))
		return NULL;
	return strdup(buf);
}

static void fill_row(struct libscols_table *tb, int id)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char image[4096], loop[64], use[4096];
	uint64_t orig, total;
	int i;

	if (!ln)
		errx("failed to allocate output line");
	zctl_image(mnt, id, image, sizeof(image));
	zctl_loop_of(image, loop, sizeof(loop));
	for (i = 0; i < ncolumns; i++) {
		char *str = NULL;
		uint64_t v;

		switch (columns[i]) {
		case COL_NAME:
			str = strdup(image);
			break;
		case COL_DISKSIZE:
			if (!zctl_read_u64(mnt, id, "disksize", &v))
				str = size_str(v, inbytes);
			break;
		case COL_ORIG_SIZE:
			str = mm_str(id, MM_ORIG, inbytes);
			break;
		case COL_COMP_SIZE:
			str = mm_str(id, MM_COMPR, inbytes);
			break;
		case COL_ALGORITHM:
			str = algorithm_str(id);
			break;
		case COL_STREAMS:
			str = attr_str(id, "max_comp_streams");
			break;
		case COL_ZEROPAGES:
			/* a page count: never humanized */
			str = mm_str(id, MM_SAME, true);
			break;
		case COL_MEMTOTAL:
			str = mm_str(id, MM_TOTAL, inbytes);
			break;
		case COL_MEMLIMIT:
			str = mm_str(id, MM_LIMIT, inbytes);
			break;
		case COL_MEMUSED:
			str = mm_str(id, MM_MAX, inbytes);
			break;
		case COL_MIGRATED:
			/* a count, humanized as zramctl does */
			str = mm_str(id, MM_MIGRATED, inbytes);
			break;
		case COL_COMPRATIO:
			if (!zctl_read_field(mnt, id, "mm_stat", MM_ORIG,
					     &orig) &&
			    !zctl_read_field(mnt, id, "mm_stat", MM_TOTAL,
					     &total) &&
			    total &&
			    asprintf(&str, "%.4f", (double)orig / total) < 0)
				str = NULL;
			break;
		case COL_MOUNTPOINT:
			zctl_use_of(loop, use, sizeof(use));
			if (*use)
				str = strdup(use);
			break;
		case COL_LOOP:
			if (*loop)
				str = strdup(loop);
			break;
		case COL_BACKING:
			str = attr_str(id, "backing_dev");
			break;
		case COL_BDCOUNT:
			/* empty where the mount has no bd_stat */
			if (!zctl_read_field(mnt, id, "bd_stat", 0, &v))
				str = num_str(v);
			break;
		}
		if (str && scols_line_refer_data(ln, i, str))
			errx("failed to add output data");
	}
}

static void status(int id)
{
	struct libscols_table *tb;
	struct libscols_column *cl;
	int ids[ZCTL_MAX_DEVICES], n, i;
	uint64_t size;

	scols_init_debug(0);
	tb = scols_new_table();
	if (!tb)
		errx("failed to allocate output table");
	scols_table_enable_raw(tb, raw);
	scols_table_enable_noheadings(tb, no_headings);
	if (json) {
		scols_table_enable_json(tb, 1);
		scols_table_set_name(tb, "zramdevices");
	}
	for (i = 0; i < ncolumns; i++) {
		const struct colinfo *col = &infos[columns[i]];

		cl = scols_table_new_column(tb, col->name, col->whint,
					    col->flags);
		if (!cl)
			errx("failed to initialize output column");
		/* sizes are numbers with --bytes, counts always */
		if (json && col->number &&
		    (inbytes || columns[i] == COL_STREAMS ||
		     columns[i] == COL_ZEROPAGES ||
		     columns[i] == COL_COMPRATIO || columns[i] == COL_BDCOUNT))
			scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
	}
	if (id >= 0) {
		if (!zctl_exists(mnt, id))
			errx("%s/dev/zram%d: no such device", mnt, id);
		fill_row(tb, id);
	} else {
		/* every device in use, as zramctl lists them */
		n = zctl_list(mnt, ids, ZCTL_MAX_DEVICES);
		if (n < 0)
			errx("%s: %s", mnt, strerror(-n));
		for (i = 0; i < n; i++)
			if (!zctl_read_u64(mnt, ids[i], "disksize", &size) &&
			    size)
				fill_row(tb, ids[i]);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

static int column_id(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NR_COLS; i++)
		if (!strncasecmp(name, infos[i].name, len) &&
		    !infos[i].name[len])
			return i;
	zctl_msg("unknown column: %.*s", (int)len, name);
	return -1;
}

/* "A,B" or "+A,B" (the default columns and these) */
static int parse_columns(const char *list)
{
	const char *p = list, *e;
	int id;

	if (*p == '+')
		p++;
	else
		ncolumns = 0;
	while (*p) {
		e = strchrnul(p, ',');
		if (ncolumns >= (int)(sizeof(columns) / sizeof(columns[0])))
			return -1;
		id = column_id(p, e - p);
		if (id < 0)
			return -1;
		columns[ncolumns++] = id;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static void default_columns(void)
{
	static const int def[] = { COL_NAME,	  COL_ALGORITHM, COL_DISKSIZE,
				   COL_ORIG_SIZE, COL_COMP_SIZE, COL_MEMTOTAL,
				   COL_STREAMS,	  COL_MOUNTPOINT };

	memcpy(columns, def, sizeof(def));
	ncolumns = sizeof(def) / sizeof(def[0]);
}

static int dev_arg(const char *arg)
{
	int id = zctl_parse_dev(arg);

	if (id < 0)
		errx("%s: not a zram device name (zramN)", arg);
	return id;
}

static void check_write(int id, const char *attr, const char *val,
			const char *what)
{
	int ret = zctl_write(mnt, id, attr, val);

	if (ret)
		errx("%s/dev/zram%d: failed to %s: %s", mnt, id, what,
		     strerror(-ret));
}

/* the first device with no disksize; hot_add one if there is none */
static int find_free(void)
{
	int ids[ZCTL_MAX_DEVICES], n, i;
	uint64_t size;

	n = zctl_list(mnt, ids, ZCTL_MAX_DEVICES);
	if (n < 0)
		errx("%s: %s", mnt, strerror(-n));
	for (i = 0; i < n; i++)
		if (!zctl_read_u64(mnt, ids[i], "disksize", &size) && !size)
			return ids[i];
	n = zctl_hot_add(mnt);
	if (n < 0)
		errx("no free zram device found");
	return n;
}

static void __attribute__((noreturn)) usage(void)
{
	int i;

	printf("\nUsage:\n"
	       " zramfsctl [options] <device>\n"
	       " zramfsctl -r <device> [...]\n"
	       " zramfsctl [options] -f | <device> -s <size>\n"
	       " zramfsctl [--mount <dir>] up [<config>]\n"
	       " zramfsctl [--mount <dir>] down [<config>]\n"
	       "\nSet up and control zramfs devices.\n"
	       "\nOptions:\n"
	       " -a, --algorithm <alg>     compression algorithm to use\n"
	       " -b, --bytes               print sizes in bytes rather than in human readable format\n"
	       " -f, --find                find a free device\n"
	       " -J, --json                use JSON output format\n"
	       " -m, --mount <dir>         the zramfs mount (default " DEF_MOUNT
	       ")\n"
	       " -n, --noheadings          don't print headings\n"
	       " -o, --output <list>       columns to use for status output\n"
	       "     --output-all          output all columns\n"
	       " -p, --algorithm-params <params>  algorithm parameters to use\n"
	       "     --raw                 use raw status output format\n"
	       " -r, --reset               reset all specified devices\n"
	       " -R, --remove              reset and remove all specified devices\n"
	       " -s, --size <size>         device size\n"
	       " -t, --streams <number>    number of compression streams\n"
	       "\n -h, --help                display this help\n"
	       " -V, --version             display version\n"
	       "\nArguments:\n"
	       " <size> bytes with an optional K, M, G, T, P, E suffix (binary),\n"
	       "   or an expression such as \"min(ram / 2, 4G)\"\n"
	       " <device> zramN, /dev/zramN or <mount>/dev/zramN\n"
	       " <config> zramfs.json(5), default /etc/zramfs.json\n"
	       "\nAvailable output columns:\n");
	for (i = 0; i < NR_COLS; i++)
		printf(" %11s  %s\n", infos[i].name, infos[i].help);
	printf("\nFor more details see zramfsctl(8).\n");
	exit(EXIT_SUCCESS);
}

enum { A_NONE, A_STATUS, A_CREATE, A_FINDONLY, A_RESET, A_REMOVE };

int main(int argc, char **argv)
{
	enum { OPT_RAW = 256, OPT_OUTPUT_ALL };
	static const struct option longopts[] = {
		{ "algorithm", required_argument, NULL, 'a' },
		{ "algorithm-params", required_argument, NULL, 'p' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "find", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "mount", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-all", no_argument, NULL, OPT_OUTPUT_ALL },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "reset", no_argument, NULL, 'r' },
		{ "remove", no_argument, NULL, 'R' },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "size", required_argument, NULL, 's' },
		{ "streams", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *algorithm = NULL, *params = NULL, *streams = NULL;
	bool find = false, mnt_given = false, output = false;
	int c, act = A_NONE, rc = 0, id, i, ret;
	uint64_t size = 0;
	char why[256], num[32], path[4096];

	default_columns();
	while ((c = getopt_long(argc, argv, "+a:bfhJm:no:p:rRs:t:V", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			algorithm = optarg;
			break;
		case 'p':
			params = optarg;
			break;
		case 'b':
			inbytes = true;
			break;
		case 'f':
			find = true;
			break;
		case 'J':
			json = true;
			break;
		case 'm':
			mnt = optarg;
			mnt_given = true;
			break;
		case 'o':
			if (parse_columns(optarg))
				return EXIT_FAILURE;
			output = true;
			break;
		case OPT_OUTPUT_ALL:
			for (ncolumns = 0; ncolumns < NR_COLS; ncolumns++)
				columns[ncolumns] = ncolumns;
			output = true;
			break;
		case 'n':
			no_headings = true;
			break;
		case 'r':
			act = A_RESET;
			break;
		case 'R':
			act = A_REMOVE;
			break;
		case OPT_RAW:
			raw = true;
			break;
		case 's':
			if (zsize_eval(optarg, zsize_ram(), &size, why,
				       sizeof(why)))
				errx("failed to parse size: %s", why);
			act = A_CREATE;
			break;
		case 't':
			streams = optarg;
			break;
		case 'V':
			printf("zramfsctl %s (libsmartcols %s)\n", VERSION,
			       LIBSMARTCOLS_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage();
		default:
			fprintf(stderr, "Try 'zramfsctl --help' for more "
					"information.\n");
			return EXIT_FAILURE;
		}
	}

	if (optind < argc &&
	    (!strcmp(argv[optind], "up") || !strcmp(argv[optind], "down"))) {
		const char *cmd = argv[optind++];
		const char *config = optind < argc ? argv[optind++] : NULL;

		if (optind < argc || act != A_NONE || find)
			errx("%s takes one config file and no other action",
			     cmd);
		if (!strcmp(cmd, "up"))
			return zctl_up(config ? config : "/etc/zramfs.json",
				       mnt_given ? mnt : NULL);
		return zctl_down(config, mnt_given ? mnt : NULL);
	}

	if (find && optind < argc)
		errx("option --find is mutually exclusive with <device>");
	if (act == A_NONE)
		act = find ? A_FINDONLY : A_STATUS;
	if (act != A_RESET && act != A_REMOVE && optind + 1 < argc)
		errx("only --reset and --remove take more than one device");
	if (output && act != A_STATUS)
		errx("--output is only for status output");
	snprintf(path, sizeof(path), "%s/class/zram-control", mnt);
	if (access(path, F_OK))
		errx("%s: not a zramfs mount (see --mount)", mnt);

	switch (act) {
	case A_STATUS:
		if (algorithm || params || find || streams)
			errx("options --algorithm, --algorithm-params, --find "
			     "and --streams are mutually exclusive");
		status(optind < argc ? dev_arg(argv[optind]) : -1);
		break;
	case A_RESET:
	case A_REMOVE:
		if (optind == argc)
			errx("no device specified");
		for (i = optind; i < argc; i++) {
			id = dev_arg(argv[i]);
			ret = zctl_write(mnt, id, "reset", "1");
			if (!ret && act == A_REMOVE)
				ret = zctl_hot_remove(mnt, id);
			if (ret) {
				zctl_msg("%s/dev/zram%d: failed to %s: %s", mnt,
					 id,
					 act == A_RESET ? "reset" : "remove",
					 strerror(-ret));
				rc = 1;
			}
		}
		break;
	case A_FINDONLY:
		id = find_free();
		printf("%s/dev/zram%d\n", mnt, id);
		break;
	case A_CREATE:
		if (find)
			id = find_free();
		else if (optind == argc)
			errx("no device specified");
		else
			id = dev_arg(argv[optind]);
		check_write(id, "reset", "1", "reset");
		if (streams)
			check_write(id, "max_comp_streams", streams,
				    "set number of streams");
		if (algorithm)
			check_write(id, "comp_algorithm", algorithm,
				    "set algorithm");
		if (params)
			check_write(id, "algorithm_params", params,
				    "set algorithm params");
		snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
		ret = zctl_write(mnt, id, "disksize", num);
		if (ret)
			errx("%s/dev/zram%d: failed to set disksize (%s "
			     "bytes): %s",
			     mnt, id, num, strerror(-ret));
		if (find)
			printf("%s/dev/zram%d\n", mnt, id);
		break;
	}
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
