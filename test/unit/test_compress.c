/*
 * test_compress.c - unit tests for compress/: every available backend.
 *
 * Per backend: round trips of many pages of text, binary (a real ELF file),
 * zeros, random and mixed data at the default and a non-default level,
 * -ENOSPC at the capacity boundary, an invalid level, dictionaries, corrupt
 * input, and 4 threads sharing one zcomp.  Then the front end: the listing,
 * zcomp_find, zcomp_params_load_dict errors and worker ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compress/zcomp.h"
#include "test/unit/testhelp.h"

#define PAGE	       ZPAGE_SIZE
#define NR_KINDS       5
#define PAGES_PER_KIND 48
#define MT_THREADS     4
#define MT_PAGES       2000

enum kind { K_TEXT, K_BINARY, K_ZERO, K_RANDOM, K_MIXED };
static const char *const kind_name[NR_KINDS] = { "text", "binary", "zero",
						 "random", "mixed" };

static char tmpdir[] = "/tmp/test_compress.XXXXXX";
static unsigned char *binary; /* a real executable, read from disk */
static size_t binary_sz;

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: fast, seedable, good enough for test data */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void fill_text(unsigned char *p, size_t n, uint64_t *s)
{
	/* clang-format off */
	static const char *const words[] = {
		"the", "of", "and", "to", "in", "is", "was", "that", "for",
		"page", "memory", "compressed", "block", "device", "kernel",
		"swap", "algorithm", "stream", "worker", "thread", "with",
		"zram", "which", "their", "between", "would", "system",
		"allocation", "because", "although", "however", "data",
		"filesystem", "a", "it", "on", "as", "by", "from", "at",
	};
	/* clang-format on */
	size_t i = 0, nw = sizeof(words) / sizeof(words[0]);
	int sentence = 0;

	while (i < n) {
		const char *w = words[rnd(s) % nw];
		char buf[32];
		size_t l;

		l = (size_t)snprintf(buf, sizeof(buf), "%s", w);
		if (sentence == 0 && buf[0] >= 'a')
			buf[0] -= 'a' - 'A';
		if (++sentence > 6 + (int)(rnd(s) % 10)) {
			buf[l++] = '.';
			sentence = 0;
		}
		buf[l++] = rnd(s) % 50 ? ' ' : '\n';
		if (l > n - i)
			l = n - i;
		memcpy(p + i, buf, l);
		i += l;
	}
}

static void fill_page(unsigned char *p, enum kind k, int i, uint64_t *s)
{
	size_t j, off;

	switch (k) {
	case K_TEXT:
		fill_text(p, PAGE, s);
		break;
	case K_BINARY:
		off = binary_sz > PAGE ?
			      ((size_t)i * 7919 * 64) % (binary_sz - PAGE) :
			      0;
		memset(p, 0, PAGE);
		memcpy(p, binary + off, binary_sz < PAGE ? binary_sz : PAGE);
		break;
	case K_ZERO:
		memset(p, 0, PAGE);
		break;
	case K_RANDOM:
		for (j = 0; j < PAGE; j += 8) {
			uint64_t v = rnd(s);

			memcpy(p + j, &v, 8);
		}
		break;
	case K_MIXED:
		/* text, random, a run, sparse integers */
		fill_text(p, PAGE / 4, s);
		for (j = PAGE / 4; j < PAGE / 2; j++)
			p[j] = (unsigned char)rnd(s);
		memset(p + PAGE / 2, 0xa5, PAGE / 4);
		memset(p + 3 * PAGE / 4, 0, PAGE / 4);
		for (j = 3 * PAGE / 4; j < PAGE; j += 64)
			p[j] = (unsigned char)(j + (size_t)i);
		break;
	}
}

static int read_file(const char *path, unsigned char **buf, size_t *sz)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	*buf = malloc(1 << 20);
	n = fread(*buf, 1, 1 << 20, f);
	fclose(f);
	*sz = n;
	return n ? 0 : -1;
}

/*
 * Round trip one page: compress with ZCOMP_DST_SIZE, decompress into an
 * exactly page-sized heap buffer (ASan sees any overrun).  Returns the
 * compressed size, or -1 on any failure.
 */
static long round_trip(struct zcomp *comp, const unsigned char *src)
{
	unsigned char dst[ZCOMP_DST_SIZE];
	unsigned char *out = malloc(PAGE);
	size_t len = sizeof(dst);
	long ret = -1;

	if (zcomp_compress(comp, src, PAGE, dst, &len))
		goto out;
	if (len == 0 || len > sizeof(dst))
		goto out;
	if (zcomp_decompress(comp, dst, len, out, PAGE))
		goto out;
	if (memcmp(src, out, PAGE))
		goto out;
	ret = (long)len;
out:
	free(out);
	return ret;
}

/* zcomp_create() that FAILs when it cannot: a test that cannot run fails */
static int create(const char *alg, const char *what, struct zcomp **comp)
{
	char name[128];
	int ret = zcomp_create(alg, NULL, comp);

	if (ret) {
		snprintf(name, sizeof(name), "%s %s: create returned %d", alg,
			 what, ret);
		test_cond(name, ret == 0);
	}
	return ret;
}

static void test_pages(const char *alg, const struct zcomp_params *params,
		       const char *what)
{
	unsigned char page[PAGE];
	struct zcomp *comp;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char name[128];
	int k, i, ret;

	ret = zcomp_create(alg, params, &comp);
	snprintf(name, sizeof(name), "%s %s: create", alg, what);
	test_cond(name, ret == 0);
	if (ret)
		return;
	snprintf(name, sizeof(name), "%s %s: zcomp_name", alg, what);
	test_cond(name, !strcmp(zcomp_name(comp), alg));

	for (k = 0; k < NR_KINDS; k++) {
		int bad = 0;
		size_t total = 0;

		for (i = 0; i < PAGES_PER_KIND; i++) {
			long len;

			fill_page(page, (enum kind)k, i, &seed);
			len = round_trip(comp, page);
			if (len < 0)
				bad++;
			else
				total += (size_t)len;
		}
		snprintf(name, sizeof(name), "%s %s: %d %s pages round trip",
			 alg, what, PAGES_PER_KIND, kind_name[k]);
		test_cond(name, bad == 0);
		if (k == K_TEXT || k == K_ZERO) {
			snprintf(name, sizeof(name), "%s %s: %s compresses",
				 alg, what, kind_name[k]);
			test_cond(name, total < (size_t)PAGES_PER_KIND * PAGE *
							3 / 4);
		}
		if (k == K_TEXT)
			printf("# %s %s: text ratio %.2f\n", alg, what,
			       (double)PAGES_PER_KIND * PAGE / (double)total);
	}
	zcomp_destroy(comp);
}

/* -ENOSPC exactly at the boundary, random data with little room */
static void test_capacity(const char *alg)
{
	unsigned char page[PAGE], dst[ZCOMP_DST_SIZE], *out;
	struct zcomp *comp;
	uint64_t seed = 42;
	size_t len, full;
	char name[128];
	int ret, ret2;

	if (create(alg, "capacity", &comp))
		return;
	out = malloc(PAGE);
	fill_text(page, PAGE, &seed);
	full = sizeof(dst);
	ret = zcomp_compress(comp, page, PAGE, dst, &full);

	len = full;
	ret2 = zcomp_compress(comp, page, PAGE, dst, &len);
	/* zstd's bit writer wants a few spare bytes: it may say -ENOSPC */
	if (!strcmp(alg, "zstd") && ret2 == -ENOSPC) {
		len = full + 16;
		ret2 = zcomp_compress(comp, page, PAGE, dst, &len);
	}
	snprintf(name, sizeof(name), "%s: exact capacity fits", alg);
	test_cond(name,
		  ret == 0 && ret2 == 0 && len == full &&
			  zcomp_decompress(comp, dst, len, out, PAGE) == 0 &&
			  !memcmp(out, page, PAGE));

	len = full - 1;
	snprintf(name, sizeof(name), "%s: one byte short is -ENOSPC", alg);
	test_cond(name, zcomp_compress(comp, page, PAGE, dst, &len) == -ENOSPC);

	/* still usable after a failed compress */
	snprintf(name, sizeof(name), "%s: stream recovers after -ENOSPC", alg);
	test_cond(name, round_trip(comp, page) == (long)full);

	fill_page(page, K_RANDOM, 0, &seed);
	len = PAGE / 2;
	snprintf(name, sizeof(name), "%s: random page into half page -ENOSPC",
		 alg);
	test_cond(name, zcomp_compress(comp, page, PAGE, dst, &len) == -ENOSPC);

	/* incompressible: either -ENOSPC or a round trip that holds */
	len = PAGE;
	ret = zcomp_compress(comp, page, PAGE, dst, &len);
	snprintf(name, sizeof(name), "%s: random page into one page", alg);
	test_cond(name, ret == -ENOSPC || (ret == 0 && len <= PAGE &&
					   zcomp_decompress(comp, dst, len, out,
							    PAGE) == 0 &&
					   !memcmp(out, page, PAGE)));
	free(out);
	zcomp_destroy(comp);
}

static void test_corrupt(const char *alg)
{
	unsigned char page[PAGE], dst[ZCOMP_DST_SIZE], bad[ZCOMP_DST_SIZE];
	unsigned char *out, *big;
	struct zcomp *comp;
	uint64_t seed = 7;
	size_t len = sizeof(dst);
	char name[128];
	int i, positive = 0, ok;

	if (create(alg, "corrupt input", &comp))
		return;
	out = malloc(PAGE);
	big = malloc(PAGE + 1);
	fill_text(page, PAGE, &seed);
	ok = zcomp_compress(comp, page, PAGE, dst, &len) == 0;
	snprintf(name, sizeof(name), "%s: compress a page to corrupt", alg);
	if (!ok) {
		test_cond(name, ok);
		goto out;
	}

	snprintf(name, sizeof(name), "%s: truncated input is an error", alg);
	test_cond(name, zcomp_decompress(comp, dst, len / 2, out, PAGE) < 0);
	snprintf(name, sizeof(name), "%s: empty input is an error", alg);
	test_cond(name, zcomp_decompress(comp, dst, 0, out, PAGE) < 0);
	snprintf(name, sizeof(name), "%s: short output is -EIO", alg);
	test_cond(name,
		  zcomp_decompress(comp, dst, len, out, PAGE - 1) == -EIO);
	snprintf(name, sizeof(name), "%s: long output is -EIO", alg);
	test_cond(name,
		  zcomp_decompress(comp, dst, len, big, PAGE + 1) == -EIO);

	/* random damage: any result but a crash or a positive value */
	ok = 0;
	for (i = 0; i < 500; i++) {
		int r, j, flips = 1 + (int)(rnd(&seed) % 8);

		memcpy(bad, dst, len);
		for (j = 0; j < flips; j++)
			bad[rnd(&seed) % len] ^=
				(unsigned char)(1 + rnd(&seed) % 255);
		r = zcomp_decompress(comp, bad, len, out, PAGE);
		if (r > 0)
			positive++;
		if (r < 0)
			ok++;
	}
	printf("# %s: %d/500 corrupted pages rejected\n", alg, ok);
	snprintf(name, sizeof(name), "%s: bit flips never crash", alg);
	test_cond(name, positive == 0);

	fill_page(bad, K_RANDOM, 0, &seed);
	snprintf(name, sizeof(name), "%s: garbage input is an error", alg);
	test_cond(name, zcomp_decompress(comp, bad, PAGE, out, PAGE) < 0);

	snprintf(name, sizeof(name), "%s: good data after corruption", alg);
	test_cond(name, zcomp_decompress(comp, dst, len, out, PAGE) == 0 &&
				!memcmp(out, page, PAGE));
out:
	free(out);
	free(big);
	zcomp_destroy(comp);
}

struct mt_arg {
	struct zcomp *comp;
	int seed;
	int failures;
};

static void *mt_worker(void *a)
{
	struct mt_arg *arg = a;
	unsigned char page[PAGE];
	uint64_t seed = 1000 + (uint64_t)arg->seed;
	int i;

	for (i = 0; i < MT_PAGES; i++) {
		fill_page(page, (enum kind)(i % NR_KINDS), i, &seed);
		if (round_trip(arg->comp, page) < 0)
			arg->failures++;
	}
	return NULL;
}

static void test_threads(const char *alg)
{
	struct mt_arg args[MT_THREADS];
	pthread_t th[MT_THREADS];
	struct zcomp *comp;
	char name[128];
	int i, fails = 0, started = 0;

	if (create(alg, "threads", &comp))
		return;
	for (i = 0; i < MT_THREADS; i++) {
		args[i] = (struct mt_arg){ .comp = comp, .seed = i };
		if (pthread_create(&th[i], NULL, mt_worker, &args[i]) == 0)
			started++;
		else
			break;
	}
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		fails += args[i].failures;
	}
	snprintf(name, sizeof(name), "%s: %d threads x %d pages concurrently",
		 alg, MT_THREADS, MT_PAGES);
	test_cond(name, started == MT_THREADS && fails == 0);
	zcomp_destroy(comp);
}

static int write_file(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, buf, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* a dictionary of sample text, pages of the same vocabulary */
static void test_dict(const char *alg, const char *dict_path)
{
	struct zcomp_params params = { .level = ZCOMP_LEVEL_DEFAULT };
	unsigned char page[PAGE];
	struct zcomp *with, *without;
	uint64_t seed = 99;
	size_t sz_with = 0, sz_without = 0;
	char name[128];
	int i, ret, bad = 0;

	ret = zcomp_params_load_dict(&params, dict_path);
	snprintf(name, sizeof(name), "%s: load dictionary", alg);
	test_cond(name, ret == 0 && params.dict && params.dict_sz == 32768);

	ret = zcomp_create(alg, &params, &with);
	if (!strncmp(alg, "lzo", 3)) { /* lzo, lzo-rle */
		snprintf(name, sizeof(name),
			 "%s: dictionary rejected with -EINVAL", alg);
		test_cond(name, ret == -EINVAL);
		goto out;
	}
	snprintf(name, sizeof(name), "%s: create with dictionary", alg);
	test_cond(name, ret == 0);
	if (ret)
		goto out;
	if (create(alg, "without dictionary", &without)) {
		zcomp_destroy(with);
		goto out;
	}
	for (i = 0; i < 64; i++) {
		long a, b;

		fill_page(page, (enum kind)(i % NR_KINDS), i, &seed);
		a = round_trip(with, page);
		b = round_trip(without, page);
		if (a < 0 || b < 0)
			bad++;
		else if (i % NR_KINDS == K_TEXT) {
			sz_with += (size_t)a;
			sz_without += (size_t)b;
		}
	}
	snprintf(name, sizeof(name), "%s: dictionary round trips", alg);
	test_cond(name, bad == 0);
	printf("# %s: text with dictionary %zu bytes, without %zu\n", alg,
	       sz_with, sz_without);
	snprintf(name, sizeof(name), "%s: dictionary helps on text", alg);
	test_cond(name, sz_with < sz_without);
	zcomp_destroy(without);
	zcomp_destroy(with);
out:
	zcomp_params_free(&params);
}

static void test_levels(const char *alg)
{
	struct zcomp_params p = { .level = ZCOMP_LEVEL_DEFAULT };
	struct zcomp *comp;
	int good = 0, bad = 0;
	char name[128];

	if (!strcmp(alg, "lz4")) {
		good = 8;
		bad = -1;
	} else if (!strcmp(alg, "lz4hc")) {
		good = 12;
		bad = 13;
	} else if (!strcmp(alg, "zstd")) {
		good = 1;
		bad = 100;
	} else if (!strcmp(alg, "deflate")) {
		good = 1;
		bad = 10;
	} else if (!strncmp(alg, "lzo", 3)) { /* lzo, lzo-rle */
		bad = 1;
	}
	test_pages(alg, &p, "default");
	if (good) {
		p.level = good;
		snprintf(name, sizeof(name), "level %d", good);
		test_pages(alg, &p, name);
	}
	if (!strcmp(alg, "zstd")) {
		p.level = -5; /* negative zstd levels are valid */
		test_pages(alg, &p, "level -5");
		p.level = -(1 << 30);
		test_cond("zstd: level below ZSTD_minCLevel is -EINVAL",
			  zcomp_create(alg, &p, &comp) == -EINVAL);
	}
	p.level = bad;
	snprintf(name, sizeof(name), "%s: invalid level %d is -EINVAL", alg,
		 p.level);
	test_cond(name, zcomp_create(alg, &p, &comp) == -EINVAL);
}

#ifdef HAVE_LZ4
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_lz4(void)
{
	enum { N = 4096 };
	unsigned char *src = malloc((size_t)N * PAGE);
	unsigned char *cmp = malloc((size_t)N * ZCOMP_DST_SIZE);
	size_t *len = malloc(N * sizeof(*len)), total = 0;
	unsigned char out[PAGE];
	struct zcomp *comp;
	uint64_t seed = 5;
	double t0 = 0, tc, td;
	int i, r, fails = 0;

	if (create("lz4", "bench", &comp))
		goto out;
	for (i = 0; i < N; i++)
		fill_text(src + (size_t)i * PAGE, PAGE, &seed);
	/* one untimed pass faults the buffers in */
	for (r = -1; r < 4; r++) {
		if (r == 0)
			t0 = now();
		for (i = 0; i < N; i++) {
			len[i] = ZCOMP_DST_SIZE;
			fails += !!zcomp_compress(comp, src + (size_t)i * PAGE,
						  PAGE,
						  cmp + (size_t)i *
								  ZCOMP_DST_SIZE,
						  &len[i]);
		}
	}
	tc = now() - t0;
	t0 = now();
	for (r = 0; r < 4; r++)
		for (i = 0; i < N; i++)
			fails += !!zcomp_decompress(
				comp, cmp + (size_t)i * ZCOMP_DST_SIZE, len[i],
				out, PAGE);
	td = now() - t0;
	for (i = 0; i < N; i++)
		total += len[i];
	printf("# lz4 4 KiB text pages: compress %.0f MB/s, decompress %.0f "
	       "MB/s, ratio %.2f\n",
	       4.0 * N * PAGE / tc / 1e6, 4.0 * N * PAGE / td / 1e6,
	       (double)N * PAGE / (double)total);
	test_cond("lz4: benchmark pages round trip", fails == 0);
	zcomp_destroy(comp);
out:
	free(src);
	free(cmp);
	free(len);
}
#endif

static void test_show(void)
{
	const struct zcomp_ops *ops;
	char buf[256], expect[256] = "";
	size_t n;
	int i;

	for (i = 0; (ops = zcomp_backend(i)); i++) {
		if (!strcmp(ops->name, "lz4"))
			strcat(expect, "[lz4] ");
		else {
			strcat(expect, ops->name);
			strcat(expect, " ");
		}
	}
	strcat(expect, "\n");
	n = zcomp_available_show("lz4", buf, sizeof(buf));
	test_cond("available_show matches the backend list",
		  n == strlen(expect) && !strcmp(buf, expect));
#if defined(HAVE_LZO) && defined(HAVE_LZ4) && defined(HAVE_ZSTD) && \
	defined(HAVE_DEFLATE)
	test_cond("available_show byte-exact with lz4 selected",
		  n == 38 && !memcmp(buf,
				     "lzo lzo-rle [lz4] lz4hc zstd deflate \n",
				     39));
	n = zcomp_available_show("deflate", buf, sizeof(buf));
	test_cond("available_show byte-exact with deflate selected",
		  !strcmp(buf, "lzo lzo-rle lz4 lz4hc zstd [deflate] \n") &&
			  n == 38);
	n = zcomp_available_show(NULL, buf, sizeof(buf));
	test_cond("available_show with nothing selected",
		  !strcmp(buf, "lzo lzo-rle lz4 lz4hc zstd deflate \n") &&
			  n == 36);
	n = zcomp_available_show("lzo-rle", buf, sizeof(buf));
	test_cond("available_show with lzo-rle selected (the kernel's default)",
		  !strcmp(buf, "lzo [lzo-rle] lz4 lz4hc zstd deflate \n"));
	test_cond("backend table order",
		  zcomp_backend(0) == zcomp_find("lzo") &&
			  zcomp_backend(1) == zcomp_find("lzo-rle") &&
			  !strcmp(zcomp_backend(5)->name, "deflate") &&
			  zcomp_backend(6) == NULL);
#endif
	n = zcomp_available_show("lz4", buf, 6);
	test_cond("available_show truncates safely", n == 5 && buf[5] == '\0');
	test_cond("zcomp_backend(-1) is NULL", zcomp_backend(-1) == NULL);
	test_cond("zcomp_find unknown is NULL", zcomp_find("lz5") == NULL);
	test_cond("zcomp_find NULL is NULL", zcomp_find(NULL) == NULL);
	test_cond("zcomp_find is exact",
		  zcomp_find("lz4\n") == NULL && zcomp_find("LZ4") == NULL);
	{
		struct zcomp *c = NULL;

		test_cond("zcomp_create unknown is -EINVAL",
			  zcomp_create("nope", NULL, &c) == -EINVAL && !c);
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL load_dict blocked\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void test_load_dict(void)
{
	struct zcomp_params p = { .level = ZCOMP_LEVEL_DEFAULT };
	char path[PATH_MAX];
	unsigned char small[16] = "0123456789abcde";
	int fd, ret;

	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	mkdir(path, 0700);
	test_cond("load_dict directory is -EINVAL",
		  zcomp_params_load_dict(&p, path) == -EINVAL && !p.dict);

	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	ret = mkfifo(path, 0600);
	signal(SIGALRM, on_alarm);
	alarm(5);
	test_cond("load_dict FIFO is -EINVAL without blocking",
		  ret == 0 && zcomp_params_load_dict(&p, path) == -EINVAL);
	alarm(0);

	test_cond("load_dict /dev/null is -EINVAL",
		  zcomp_params_load_dict(&p, "/dev/null") == -EINVAL);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	test_cond("load_dict nonexistent is -ENOENT",
		  zcomp_params_load_dict(&p, path) == -ENOENT);

	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	test_cond("load_dict empty file is -EINVAL",
		  write_file(path, "", 0) == 0 &&
			  zcomp_params_load_dict(&p, path) == -EINVAL);

	snprintf(path, sizeof(path), "%s/huge", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = fd >= 0 && ftruncate(fd, ZCOMP_DICT_MAX + 1) == 0;
	if (fd >= 0)
		close(fd);
	test_cond("load_dict over ZCOMP_DICT_MAX is -E2BIG",
		  ret && zcomp_params_load_dict(&p, path) == -E2BIG);

	snprintf(path, sizeof(path), "%s/max", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = fd >= 0 && ftruncate(fd, ZCOMP_DICT_MAX) == 0;
	if (fd >= 0)
		close(fd);
	test_cond("load_dict of exactly ZCOMP_DICT_MAX loads",
		  ret && zcomp_params_load_dict(&p, path) == 0 &&
			  p.dict_sz == ZCOMP_DICT_MAX);
	unlink(path);

	/* a failed load keeps the previous dictionary */
	snprintf(path, sizeof(path), "%s/small", tmpdir);
	test_cond("load_dict replaces the dictionary",
		  write_file(path, small, sizeof(small)) == 0 &&
			  zcomp_params_load_dict(&p, path) == 0 &&
			  p.dict_sz == sizeof(small) &&
			  !memcmp(p.dict, small, sizeof(small)));
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	test_cond("failed load_dict keeps the old dictionary",
		  zcomp_params_load_dict(&p, path) == -ENOENT &&
			  p.dict_sz == sizeof(small));
	{
		struct zcomp_params q;

		test_cond("params_copy duplicates the dictionary",
			  zcomp_params_copy(&q, &p) == 0 && q.dict != p.dict &&
				  q.dict_sz == p.dict_sz &&
				  q.level == p.level &&
				  !memcmp(q.dict, p.dict, p.dict_sz));
		zcomp_params_free(&q);
	}
	zcomp_params_free(&p);
	test_cond("params_free clears", !p.dict && !p.dict_sz);
}

/* ---- worker ids ---- */

#define ID_THREADS 8

static pthread_barrier_t id_barrier;

static void *id_worker(void *a)
{
	int *id = a;

	*id = zcomp_worker_id();
	if (zcomp_worker_id() != *id) /* cached */
		*id = -1000;
	pthread_barrier_wait(&id_barrier); /* all alive at once */
	return NULL;
}

static void *id_once(void *a)
{
	*(int *)a = zcomp_worker_id();
	return NULL;
}

/* a one-shot gate: threads wait until the main thread opens it */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_arrived, gate_open; /* protected by gate_lock */

struct flood_arg {
	struct zcomp *comp;
	int id;
	int ok;
};

static void *flood_worker(void *a)
{
	struct flood_arg *arg = a;
	unsigned char page[PAGE];
	uint64_t seed = 3 + (uint64_t)arg->id;

	arg->id = zcomp_worker_id();
	pthread_mutex_lock(&gate_lock);
	gate_arrived++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	fill_text(page, PAGE, &seed);
	arg->ok = round_trip(arg->comp, page) > 0;
	return NULL;
}

static void test_worker_ids(void)
{
	pthread_t th[ID_THREADS];
	int ids[ID_THREADS], i, j, distinct = 1, range = 1, all = 1;
	int me = zcomp_worker_id();

	pthread_barrier_init(&id_barrier, NULL, ID_THREADS);
	for (i = 0; i < ID_THREADS; i++)
		pthread_create(&th[i], NULL, id_worker, &ids[i]);
	for (i = 0; i < ID_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&id_barrier);
	for (i = 0; i < ID_THREADS; i++) {
		if (ids[i] < 0 || ids[i] >= ZCOMP_MAX_WORKERS)
			range = 0;
		if (ids[i] == me)
			distinct = 0;
		for (j = 0; j < i; j++)
			if (ids[i] == ids[j])
				distinct = 0;
	}
	test_cond("worker ids in range and cached", range);
	test_cond("worker ids distinct across live threads", distinct);

	/* more short-lived threads than ids: exits must recycle them */
	for (i = 0; i < ZCOMP_MAX_WORKERS + 64; i++) {
		int id = -1;
		pthread_t t;

		if (pthread_create(&t, NULL, id_once, &id))
			break;
		pthread_join(t, NULL);
		if (id < 0)
			all = 0;
	}
	test_cond("worker ids recycled at thread exit",
		  all && i == ZCOMP_MAX_WORKERS + 64);
}

/* more live threads than ids: the extra ones still compress */
static void test_worker_flood(void)
{
	enum { N = ZCOMP_MAX_WORKERS + 8 };
	struct flood_arg *args = calloc(N, sizeof(*args));
	pthread_t *th = calloc(N, sizeof(*th));
	pthread_attr_t attr;
	struct zcomp *comp;
	int i, started, none = 0, ok = 0;

	if (!zcomp_backend(0)) {
		test_cond("worker flood: a backend to flood", 0);
		goto out;
	}
	if (create(zcomp_backend(0)->name, "worker flood", &comp))
		goto out;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (started = 0; started < N; started++) {
		args[started] = (struct flood_arg){ .comp = comp,
						    .id = started };
		if (pthread_create(&th[started], &attr, flood_worker,
				   &args[started]))
			break;
	}
	/* every thread holds its id (or none) before any may exit */
	pthread_mutex_lock(&gate_lock);
	while (gate_arrived < started)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		none += args[i].id == -EAGAIN;
		ok += args[i].ok;
	}
	/* too few threads to run out of ids is a failure, not a skip */
	test_cond("worker flood: every thread started", started == N);
	if (started == N) {
		/* the main thread holds one id too */
		test_cond("worker ids run out with -EAGAIN",
			  none == N + 1 - ZCOMP_MAX_WORKERS);
		test_cond("threads without an id still compress", ok == N);
	}
	pthread_attr_destroy(&attr);
	zcomp_destroy(comp);
out:
	free(args);
	free(th);
}

int main(void)
{
	const struct zcomp_ops *ops;
	unsigned char *dict;
	char dict_path[PATH_MAX];
	uint64_t seed = 12345;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (read_file("/bin/ls", &binary, &binary_sz) &&
	    read_file("/proc/self/exe", &binary, &binary_sz)) {
		perror("read binary");
		return 1;
	}
	dict = malloc(32768);
	fill_text(dict, 32768, &seed);
	snprintf(dict_path, sizeof(dict_path), "%s/dict", tmpdir);
	if (write_file(dict_path, dict, 32768))
		return 1;

	test_cond("at least one backend", zcomp_backend(0) != NULL);
	for (i = 0; (ops = zcomp_backend(i)); i++) {
		printf("# backend %s\n", ops->name);
		test_levels(ops->name);
		test_capacity(ops->name);
		test_corrupt(ops->name);
		test_dict(ops->name, dict_path);
		test_threads(ops->name);
	}
#ifdef HAVE_ZSTD
	test_cond("zstd available", zcomp_find("zstd") != NULL);
#endif
#ifdef HAVE_LZ4
	test_cond("lz4 available", zcomp_find("lz4") != NULL);
	bench_lz4();
#endif
	test_show();
	test_load_dict();
	test_worker_ids();
	test_worker_flood();

	unlink(dict_path);
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			perror("cleanup");
	}
	free(dict);
	free(binary);
	return test_report();
}
