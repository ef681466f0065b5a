/*
 * test_model.c - model test of the device layer (device/zdev.h).
 *
 * An 8 MiB device runs beside a plain 8 MiB byte array, the model.  Every
 * operation is applied to both; every read is compared with the model by
 * memcmp.  Beside the bytes the model keeps, per page:
 *
 *   stored  the device holds the page (it was written, fully or partly)
 *           and no discard freed it since: a whole-page discard frees
 *           it, a partial one zeroes part of a stored page and frees it
 *           if nothing but zeros is left, and leaves an empty slot
 *           empty; orig_data_size must be stored * 4096
 *   rand    its last write was a whole page of random bytes: it must be
 *           a huge page (stored raw)
 *
 * same_pages must equal the stored pages whose model bytes repeat one
 * 8-byte word; huge_pages lies between the random pages and the stored
 * pages that are not same-filled.
 *
 * Phases: (1) single-threaded random operations with a fixed seed
 * (MODEL_SEED overrides it, MODEL_OPS the count), resetting the device
 * every ~3000 ops with the next algorithm of zcomp_backend(); (2) four
 * threads on disjoint 1 MiB regions plus interleaved 512-byte blocks of a
 * shared 1 MiB region (partial writes to the same pages from several
 * threads), with a thread compacting and reading stats meanwhile;
 * (3) mem_limit: a 64 KiB limit, incompressible writes until -ENOSPC.
 * A mismatch prints the seed, op number, offset and the last operations,
 * and stops the phase: what follows a first error is noise.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device/zdev.h"
#include "test/unit/testhelp.h"

#define PAGE	     ZPAGE_SIZE
#define DEV_SIZE     (8u << 20)
#define NPAGES	     (DEV_SIZE / PAGE)
#define MAX_WPAGES   64
#define MAX_PARTIAL  20000
#define RESET_EVERY  3000
#define CHECK_EVERY  500
#define DEFAULT_SEED 0x2a5eed5eedULL
#define DEFAULT_OPS  24000

static struct zdev *z;
static uint8_t model[DEV_SIZE];
static uint8_t stored[NPAGES];
static uint8_t is_rand[NPAGES];
static uint64_t seed;
static long opno;
static bool broken;	  /* a mismatch was reported: stop the phase */
static bool stats_broken; /* ... and it was a counter, not data */
static uint8_t iobuf[MAX_WPAGES * PAGE + MAX_PARTIAL];
static uint8_t rdbuf[DEV_SIZE + 2 * PAGE];

/* -- random numbers -------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t x = (r->s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* uniform in [0, n) */
static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static struct rng grng;

/* -- operation history, for reproduction ------------------------------------ */

#define HIST 12
static struct {
	long op;
	char text[160];
} hist[HIST];
static long nnotes;

static void note(const char *fmt, ...)
{
	va_list ap;

	hist[nnotes % HIST].op = opno;
	va_start(ap, fmt);
	vsnprintf(hist[nnotes % HIST].text, sizeof(hist[0].text), fmt, ap);
	va_end(ap);
	nnotes++;
}

static void dump_history(void)
{
	long i;

	printf("  seed 0x%" PRIx64 " (rerun: MODEL_SEED=0x%" PRIx64
	       "), failing op #%ld; last operations:\n",
	       seed, seed, opno);
	for (i = nnotes - HIST; i < nnotes; i++)
		if (i >= 0)
			printf("    #%ld %s\n", hist[i % HIST].op,
			       hist[i % HIST].text);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (broken)
		return;
	broken = true;
	printf("  MISMATCH: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	dump_history();
	fflush(stdout);
}

/* -- page contents ----------------------------------------------------------- */

enum {
	C_ZERO, /* all zero: same-filled */
	C_WORD, /* one 8-byte word repeated: same-filled */
	C_RAND, /* random bytes: incompressible, a huge page */
	C_TEXT, /* words and lines: compressible */
	C_NEAR, /* a repeated word with one byte changed: not same */
	C_NKINDS
};

static const char *const kind_name[] = {
	"zero", "word", "rand", "text", "near-same",
};

/* clang-format off */
static const char *const vocab[] = {
	"the ", "zram ", "page ", "compress", "ed ", "block ", "device ",
	"memory ", "swap ", "of ", "and ", "\n", "0x1000 ", "kernel ",
	"slot ", "handle ",
};
/* clang-format on */

/*
 * Fill n bytes destined for device offset off with content of a kind.
 * Word patterns are aligned to the device's 8-byte grid, so partial
 * writes of the same word can build a same-filled page.
 */
static void gen(struct rng *r, int kind, uint8_t *buf, size_t n, uint64_t off)
{
	uint64_t word = rnd(r) | 1;
	size_t i;

	switch (kind) {
	case C_ZERO:
		memset(buf, 0, n);
		break;
	case C_WORD:
	case C_NEAR:
		for (i = 0; i < n; i++)
			buf[i] = word >> (8 * ((off + i) & 7));
		if (kind == C_NEAR)
			for (i = 0; i < n; i += PAGE)
				buf[i + below(r, n - i < PAGE ? n - i : PAGE)] ^=
					1 + below(r, 255);
		break;
	case C_RAND:
		for (i = 0; i + 8 <= n; i += 8) {
			word = rnd(r);
			memcpy(buf + i, &word, 8);
		}
		for (; i < n; i++)
			buf[i] = rnd(r);
		break;
	case C_TEXT:
		for (i = 0; i < n;) {
			const char *w = vocab[below(r, 16)];
			size_t l = strlen(w);

			if (l > n - i)
				l = n - i;
			memcpy(buf + i, w, l);
			i += l;
		}
		break;
	}
}

/* -- model bookkeeping --------------------------------------------------------- */

static bool page_same(const uint8_t *p)
{
	uint64_t w0, w;
	size_t i;

	memcpy(&w0, p, 8);
	for (i = 8; i < PAGE; i += 8) {
		memcpy(&w, p + i, 8);
		if (w != w0)
			return false;
	}
	return true;
}

struct expect {
	uint64_t stored, same, rand;
};

static void model_count(struct expect *e)
{
	uint64_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < NPAGES; i++) {
		if (!stored[i])
			continue;
		e->stored++;
		e->same += page_same(model + i * PAGE);
		e->rand += is_rand[i];
	}
}

static void model_clear(void)
{
	memset(model, 0, sizeof(model));
	memset(stored, 0, sizeof(stored));
	memset(is_rand, 0, sizeof(is_rand));
}

/* compare the device's counters with the model; false on mismatch */
static bool check_stats(const char *when)
{
	struct zstats s;
	struct expect e;

	if (broken)
		return false;
	stats_broken = true; /* until proven otherwise */
	model_count(&e);
	zdev_stats(z, &s);
	if (s.orig_data_size != e.stored * PAGE) {
		fail("%s: orig_data_size %" PRIu64 " != %" PRIu64
		     " stored pages * 4096",
		     when, s.orig_data_size, e.stored * PAGE);
		return false;
	}
	if (s.same_pages != e.same) {
		fail("%s: same_pages %" PRIu64 " != %" PRIu64 " (model)", when,
		     s.same_pages, e.same);
		return false;
	}
	if (s.huge_pages < e.rand || s.huge_pages > e.stored - e.same) {
		fail("%s: huge_pages %" PRIu64 " outside [%" PRIu64 ", %" PRIu64
		     "] (random pages, stored - same)",
		     when, s.huge_pages, e.rand, e.stored - e.same);
		return false;
	}
	if (s.compr_data_size > (e.stored - e.same) * PAGE ||
	    s.compr_data_size < e.rand * PAGE) {
		fail("%s: compr_data_size %" PRIu64 " outside [%" PRIu64
		     ", %" PRIu64 "]",
		     when, s.compr_data_size, e.rand * PAGE,
		     (e.stored - e.same) * PAGE);
		return false;
	}
	if (s.mem_used_total < s.compr_data_size - s.huge_pages * PAGE) {
		fail("%s: mem_used_total %" PRIu64 " < compressed data", when,
		     s.mem_used_total);
		return false;
	}
	stats_broken = false;
	return true;
}

/* -- operations on device and model -------------------------------------------- */

static void report_diff(const char *what, const uint8_t *got,
			const uint8_t *want, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len && got[i] == want[i]; i++)
		;
	fail("%s: byte at offset %" PRIu64 " (page %" PRIu64 " +%" PRIu64
	     ") reads 0x%02x, model has 0x%02x",
	     what, off + i, (off + i) / PAGE, (off + i) % PAGE, got[i],
	     want[i]);
}

static void do_read(uint64_t off, size_t len)
{
	size_t want = off >= DEV_SIZE	   ? 0 :
		      len < DEV_SIZE - off ? len :
					     DEV_SIZE - off;
	ssize_t ret;

	note("read off=%" PRIu64 " len=%zu", off, len);
	memset(rdbuf, 0xa5, len);
	ret = zdev_read(z, rdbuf, len, off);
	if (ret != (ssize_t)want) {
		fail("read off=%" PRIu64 " len=%zu returned %zd, want %zu", off,
		     len, ret, want);
		return;
	}
	if (want && memcmp(rdbuf, model + off, want))
		report_diff("read", rdbuf, model + off, want, off);
}

/* the model's side of a write of n bytes at off (already clipped) */
static void model_write(const uint8_t *buf, size_t n, uint64_t off)
{
	uint64_t p;

	if (!n)
		return;
	memcpy(model + off, buf, n);
	for (p = off / PAGE; p <= (off + n - 1) / PAGE; p++) {
		stored[p] = 1;
		is_rand[p] = 0;
	}
}

static void do_write(const uint8_t *buf, size_t len, uint64_t off,
		     const char *kind)
{
	ssize_t want, ret;

	note("write off=%" PRIu64 " len=%zu %s", off, len, kind);
	if (len && off >= DEV_SIZE)
		want = -ENOSPC;
	else
		want = len < DEV_SIZE - off ? len : DEV_SIZE - off;
	ret = zdev_write(z, buf, len, off);
	if (ret != want) {
		fail("write off=%" PRIu64 " len=%zu returned %zd, want %zd",
		     off, len, ret, want);
		return;
	}
	if (ret > 0)
		model_write(buf, ret, off);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

static void do_discard(uint64_t off, uint64_t len)
{
	uint64_t end, p;
	int ret, want = off > DEV_SIZE ? -EINVAL : 0;

	note("discard off=%" PRIu64 " len=%" PRIu64, off, len);
	ret = zdev_discard(z, off, len);
	if (ret != want) {
		fail("discard off=%" PRIu64 " len=%" PRIu64 " returned %d, "
		     "want %d",
		     off, len, ret, want);
		return;
	}
	if (off >= DEV_SIZE || !len)
		return;
	end = len < DEV_SIZE - off ? off + len : DEV_SIZE;
	memset(model + off, 0, end - off);
	for (p = off / PAGE; p <= (end - 1) / PAGE; p++) {
		if (off <= p * PAGE && end >= (p + 1) * PAGE)
			stored[p] = 0; /* freed */
		else if (stored[p] && all_zero(model + p * PAGE, PAGE))
			stored[p] = 0; /* zeroed in place, nothing left */
		is_rand[p] = 0;
	}
}

static void verify_all(const char *when)
{
	ssize_t ret;

	if (broken)
		return;
	note("verify: read the whole device (%s)", when);
	ret = zdev_read(z, rdbuf, DEV_SIZE, 0);
	if (ret != DEV_SIZE)
		fail("%s: full read returned %zd", when, ret);
	else if (memcmp(rdbuf, model, DEV_SIZE))
		report_diff(when, rdbuf, model, DEV_SIZE, 0);
}

/* -- discard edges, one case at a time ---------------------------------------- */

static void test_discard_edges(void)
{
	static const struct {
		uint64_t off, len;
		const char *what;
	} cases[] = {
		{ 0, PAGE, "one aligned page" },
		{ 0, 100, "aligned start, end inside the page" },
		{ 100, 50, "inside one page" },
		{ 100, PAGE - 100, "unaligned start up to a page end" },
		{ 4000, 200, "short, across a page boundary" },
		{ 100, PAGE, "unaligned start, end inside the next page" },
		{ PAGE, 100, "aligned start in page 1, end inside it" },
		{ 100, 2 * PAGE, "unaligned both ends around a whole page" },
		{ 0, 2 * PAGE + 100, "aligned start, two pages and a bit" },
	};
	char name[192];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		broken = false;
		nnotes = 0; /* history: this case only */
		memset(iobuf, 0xab, 3 * PAGE);
		do_write(iobuf, 3 * PAGE, 0, "0xab pattern");
		do_discard(cases[i].off, cases[i].len);
		do_read(0, 3 * PAGE);
		check_stats("after the discard");
		snprintf(name, sizeof(name),
			 "discard(%" PRIu64 ", %" PRIu64
			 ") %s: range reads zero, rest intact, stats agree",
			 cases[i].off, cases[i].len, cases[i].what);
		test_cond(name, !broken);
		opno++;
	}
	/* start phase 1 from an empty device whatever happened above */
	broken = false;
	opno = 0;
	zdev_discard(z, 0, 3 * PAGE);
	model_clear();
	memset(iobuf, 0, 3 * PAGE);
	zdev_write(z, iobuf, 3 * PAGE, 0);
	zdev_discard(z, 0, 3 * PAGE);
	verify_all("after the discard edge cases");
	test_cond("discard edges: device empty again",
		  !broken && check_stats("after the discard edge cases"));
}

/* -- phase 1: single-threaded random operations ------------------------------ */

static int nr_algos(void)
{
	int n = 0;

	while (zcomp_backend(n))
		n++;
	return n;
}

static int init_device(const char *algo)
{
	int ret;

	ret = zdev_set_comp(z, 0, algo);
	if (ret)
		return ret;
	return zdev_set_disksize(z, DEV_SIZE);
}

static uint64_t rand_off(void)
{
	return below(&grng, DEV_SIZE);
}

static void op_full_pages(void)
{
	uint64_t n = 1 + below(&grng, MAX_WPAGES);
	uint64_t first = below(&grng, NPAGES - n + 1), i;
	int single = below(&grng, 2) ? (int)below(&grng, C_NKINDS) : -1;
	int kinds[MAX_WPAGES];

	for (i = 0; i < n; i++) {
		kinds[i] = single >= 0 ? single : (int)below(&grng, C_NKINDS);
		gen(&grng, kinds[i], iobuf + i * PAGE, PAGE,
		    (first + i) * PAGE);
	}
	do_write(iobuf, n * PAGE, first * PAGE,
		 single >= 0 ? kind_name[single] : "mixed pages");
	if (broken)
		return;
	for (i = 0; i < n; i++)
		is_rand[first + i] = kinds[i] == C_RAND;
}

/* n whole pages of one kind at a random aligned offset */
static void op_kind_pages(int kind)
{
	uint64_t n = 1 + below(&grng, 8);
	uint64_t first = below(&grng, NPAGES - n + 1), i;

	gen(&grng, kind, iobuf, n * PAGE, first * PAGE);
	do_write(iobuf, n * PAGE, first * PAGE, kind_name[kind]);
	if (broken)
		return;
	for (i = 0; i < n; i++)
		is_rand[first + i] = kind == C_RAND;
}

static void op_partial(void)
{
	size_t len = 1 + below(&grng, MAX_PARTIAL);
	uint64_t off = below(&grng, DEV_SIZE - len + 1);
	int kind = below(&grng, C_NKINDS);

	gen(&grng, kind, iobuf, len, off);
	do_write(iobuf, len, off, kind_name[kind]);
}

static void op_discard(void)
{
	uint64_t off, len;

	switch (below(&grng, 4)) {
	case 0: /* aligned pages */
		len = (1 + below(&grng, 64)) * PAGE;
		off = below(&grng, NPAGES) * PAGE;
		break;
	case 1: /* inside one page */
		off = rand_off();
		len = 1 + below(&grng, PAGE - off % PAGE);
		break;
	case 2: /* short, may cross one page boundary */
		off = rand_off();
		len = 1 + below(&grng, PAGE);
		break;
	default: /* unaligned, anywhere */
		off = rand_off();
		len = 1 + below(&grng, 64 * PAGE);
		break;
	}
	if (off + len > DEV_SIZE)
		len = DEV_SIZE - off;
	do_discard(off, len);
}

static void op_read(void)
{
	uint64_t off;
	size_t len;

	if (below(&grng, 2)) {
		len = (1 + below(&grng, MAX_WPAGES)) * PAGE;
		off = below(&grng, NPAGES) * PAGE;
	} else {
		len = 1 + below(&grng, MAX_PARTIAL);
		off = rand_off();
	}
	if (off + len > DEV_SIZE)
		len = DEV_SIZE - off;
	do_read(off, len);
}

/* around and past the end of the device */
static void op_boundary(void)
{
	struct zstats before, after;
	uint64_t off;
	size_t len;

	switch (below(&grng, 6)) {
	case 0: /* straddling read: short */
		len = 1 + below(&grng, 3 * PAGE);
		off = DEV_SIZE - 1 - below(&grng, len);
		do_read(off, len);
		break;
	case 1: /* read at or past the end: 0 bytes */
		do_read(DEV_SIZE + below(&grng, 2) * below(&grng, 1 << 20),
			1 + below(&grng, PAGE));
		break;
	case 2: /* write at or past the end: -ENOSPC, no change */
		len = 1 + below(&grng, 2 * PAGE);
		gen(&grng, C_TEXT, iobuf, len, 0);
		off = DEV_SIZE + below(&grng, 2) * below(&grng, 1 << 20);
		zdev_stats(z, &before);
		do_write(iobuf, len, off, "text past the end");
		zdev_stats(z, &after);
		if (after.invalid_io != before.invalid_io + 1)
			fail("write past the end: invalid_io %" PRIu64
			     " -> %" PRIu64,
			     before.invalid_io, after.invalid_io);
		do_read(DEV_SIZE - PAGE, PAGE);
		break;
	case 3: /* straddling write: acknowledged up to the end */
		len = 2 + below(&grng, 3 * PAGE);
		off = DEV_SIZE - 1 - below(&grng, len - 1);
		gen(&grng, C_TEXT, iobuf, len, off);
		do_write(iobuf, len, off, "text straddling the end");
		do_read(DEV_SIZE - 2 * PAGE, 2 * PAGE);
		break;
	case 4: /* discard straddling the end */
		off = DEV_SIZE - 1 - below(&grng, 3 * PAGE);
		do_discard(off, 1 + below(&grng, 6 * PAGE));
		do_read(DEV_SIZE - 4 * PAGE, 4 * PAGE);
		break;
	default: /* discard past the end: -EINVAL; at the end: 0 */
		do_discard(DEV_SIZE +
				   below(&grng, 2) * (1 + below(&grng, PAGE)),
			   PAGE);
		break;
	}
}

static void phase_random(void)
{
	long ops = DEFAULT_OPS, phase_start = 0, resets = 0;
	int algos = nr_algos(), algo = 0, pass_reads = 1;
	bool stats_ok = true, span_ok = true; /* whole phase, since reset */
	const char *env;
	char name[192], cur[ZDEV_ALGO_NAME_MAX];
	int ret;

	env = getenv("MODEL_OPS");
	if (env)
		ops = strtol(env, NULL, 0);
	printf("# phase 1: %ld random ops, seed 0x%" PRIx64 ", %d algorithms\n",
	       ops, seed, algos);
	fflush(stdout);
	/* the first phase runs lz4, as created in main(); then the cycle */
	for (opno = 0; opno < ops && !broken; opno++) {
		uint64_t r = below(&grng, 1000);

		if (opno && opno % RESET_EVERY == 0) {
			verify_all("before reset");
			span_ok &= check_stats("before reset");
			stats_ok &= span_ok;
			zdev_comp(z, 0, cur, sizeof(cur));
			snprintf(name, sizeof(name),
				 "ops %ld..%ld on %s: reads and stats match",
				 phase_start, opno - 1, cur);
			/* broken: a read or a counter differed in the span */
			test_cond(name, span_ok && !broken);
			if (broken)
				break;
			note("reset, re-init with %s",
			     zcomp_backend(algo % algos)->name);
			ret = zdev_reset(z);
			if (ret) {
				fail("zdev_reset returned %d", ret);
				break;
			}
			model_clear();
			if (!check_stats("after reset"))
				break;
			ret = init_device(zcomp_backend(algo % algos)->name);
			if (ret) {
				fail("re-init with %s returned %d",
				     zcomp_backend(algo % algos)->name, ret);
				break;
			}
			zdev_comp(z, 0, cur, sizeof(cur));
			if (strcmp(cur, zcomp_backend(algo % algos)->name)) {
				fail("comp_algorithm is %s after re-init "
				     "with %s",
				     cur, zcomp_backend(algo % algos)->name);
				break;
			}
			algo++;
			resets++;
			phase_start = opno;
			span_ok = true;
			verify_all("after re-init");
			continue;
		}
		if (r < 120)
			op_full_pages();
		else if (r < 250)
			op_partial();
		else if (r < 290)
			op_kind_pages(below(&grng, 2) ? C_ZERO : C_WORD);
		else if (r < 330)
			op_kind_pages(C_RAND);
		else if (r < 370)
			op_kind_pages(C_TEXT);
		else if (r < 390)
			op_kind_pages(C_NEAR);
		else if (r < 500)
			op_discard();
		else if (r < 960)
			op_read();
		else if (r < 970) {
			note("compact");
			ret = zdev_compact(z);
			if (ret)
				fail("zdev_compact returned %d", ret);
		} else {
			op_boundary();
		}
		if (opno % CHECK_EVERY == CHECK_EVERY - 1)
			span_ok &= check_stats("checkpoint");
	}
	if (!broken) {
		verify_all("end of phase 1");
		span_ok &= check_stats("end of phase 1");
	}
	stats_ok &= span_ok;
	if (broken && !stats_broken)
		pass_reads = 0;
	test_cond("phase 1: every read matched the model", pass_reads);
	if (pass_reads)
		test_cond("phase 1: stats matched the model at every "
			  "checkpoint",
			  stats_ok && !broken);
	printf("# phase 1: %s; %ld ops run, %ld resets\n",
	       broken ? "stopped at the first mismatch" : "done", opno, resets);
}

/* -- phase 2: threads ------------------------------------------------------------ */

#define NTHREADS     4
#define REGION	     (1u << 20)
#define SHARED_OFF   ((uint64_t)NTHREADS * REGION)
#define SHARED_PAGES (REGION / PAGE)
#define BLK	     512

static atomic_bool threads_stop;

struct worker {
	int id;
	struct rng r;
	long ops;
	bool failed;
	char msg[512];
	uint8_t sstored[SHARED_PAGES]; /* this thread stored a shared page */
	uint8_t *buf, *rbuf;
};

static void wfail(struct worker *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->failed)
		return;
	w->failed = true;
	n = snprintf(w->msg, sizeof(w->msg), "thread %d op #%ld: ", w->id,
		     w->ops);
	va_start(ap, fmt);
	vsnprintf(w->msg + n, sizeof(w->msg) - n, fmt, ap);
	va_end(ap);
	atomic_store(&threads_stop, true);
}

static void wcheck(struct worker *w, uint64_t off, size_t len)
{
	ssize_t ret = zdev_read(z, w->rbuf, len, off);
	size_t i;

	if (ret != (ssize_t)len) {
		wfail(w, "read off=%" PRIu64 " len=%zu returned %zd", off, len,
		      ret);
		return;
	}
	if (!memcmp(w->rbuf, model + off, len))
		return;
	for (i = 0; w->rbuf[i] == model[off + i]; i++)
		;
	wfail(w,
	      "read off=%" PRIu64 " len=%zu: byte at %" PRIu64
	      " reads 0x%02x, model 0x%02x",
	      off, len, off + i, w->rbuf[i], model[off + i]);
}

static void wwrite(struct worker *w, uint64_t off, size_t len, int kind)
{
	ssize_t ret;
	uint64_t p;

	gen(&w->r, kind, w->buf, len, off);
	ret = zdev_write(z, w->buf, len, off);
	if (ret != (ssize_t)len) {
		wfail(w, "write off=%" PRIu64 " len=%zu returned %zd", off, len,
		      ret);
		return;
	}
	memcpy(model + off, w->buf, len);
	for (p = off / PAGE; p <= (off + len - 1) / PAGE; p++) {
		if (p * PAGE >= SHARED_OFF) {
			w->sstored[p - SHARED_OFF / PAGE] = 1;
			continue;
		}
		stored[p] = 1;
		is_rand[p] = kind == C_RAND && len % PAGE == 0 &&
			     off % PAGE == 0;
	}
}

static void wdiscard(struct worker *w, uint64_t off, uint64_t len)
{
	uint64_t p, end = off + len;
	int ret = zdev_discard(z, off, len);

	if (ret) {
		wfail(w, "discard off=%" PRIu64 " len=%" PRIu64 " returned %d",
		      off, len, ret);
		return;
	}
	memset(model + off, 0, len);
	for (p = off / PAGE; p <= (end - 1) / PAGE; p++) {
		if (p * PAGE >= SHARED_OFF) {
			w->sstored[p - SHARED_OFF / PAGE] = 1;
			continue;
		}
		if (off <= p * PAGE && end >= (p + 1) * PAGE)
			stored[p] = 0;
		else if (stored[p] && all_zero(model + p * PAGE, PAGE))
			stored[p] = 0;
		is_rand[p] = 0;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t base = (uint64_t)w->id * REGION, off, len;

	while (!atomic_load(&threads_stop) && !w->failed) {
		uint64_t r = below(&w->r, 100);

		w->ops++;
		if (r < 25) { /* whole pages */
			len = (1 + below(&w->r, 16)) * PAGE;
			off = base +
			      below(&w->r, (REGION - len) / PAGE + 1) * PAGE;
			wwrite(w, off, len, below(&w->r, C_NKINDS));
		} else if (r < 45) { /* partial */
			len = 1 + below(&w->r, 3 * PAGE);
			off = base + below(&w->r, REGION - len + 1);
			wwrite(w, off, len, below(&w->r, C_NKINDS));
		} else if (r < 55) { /* discard, aligned or not */
			len = 1 + below(&w->r, 16 * PAGE);
			if (below(&w->r, 2))
				len = (len + PAGE - 1) & ~(uint64_t)(PAGE - 1);
			off = base + below(&w->r, REGION - len + 1);
			if (below(&w->r, 2))
				off &= ~(uint64_t)(PAGE - 1);
			wdiscard(w, off, len);
		} else if (r < 80) { /* read */
			len = 1 + below(&w->r, 16 * PAGE);
			off = base + below(&w->r, REGION - len + 1);
			wcheck(w, off, len);
		} else { /* my 512-byte blocks of shared pages */
			uint64_t blk = below(&w->r, REGION / BLK / NTHREADS) *
					       NTHREADS +
				       w->id;
			uint64_t boff = SHARED_OFF + blk * BLK;

			off = boff + below(&w->r, BLK);
			len = 1 + below(&w->r, boff + BLK - off);
			if (r < 90)
				wwrite(w, off, len, below(&w->r, C_NKINDS));
			else if (r < 93)
				wdiscard(w, off, len);
			else
				wcheck(w, boff, BLK);
		}
	}
	return NULL;
}

struct compactor {
	long compactions, stats_reads;
	bool failed;
	char msg[256];
};

static void *compactor_main(void *arg)
{
	struct compactor *c = arg;
	struct zstats s;
	int ret;

	while (!atomic_load(&threads_stop)) {
		ret = zdev_compact(z);
		if (ret && !c->failed) {
			c->failed = true;
			snprintf(c->msg, sizeof(c->msg),
				 "zdev_compact returned %d", ret);
		}
		c->compactions++;
		zdev_stats(z, &s);
		c->stats_reads++;
		if (s.orig_data_size % PAGE ||
		    s.same_pages * PAGE > s.orig_data_size) {
			if (!c->failed) {
				c->failed = true;
				snprintf(c->msg, sizeof(c->msg),
					 "inconsistent stats snapshot: orig %" PRIu64
					 " same %" PRIu64,
					 s.orig_data_size, s.same_pages);
			}
		}
		usleep(200);
	}
	return NULL;
}

static void phase_threads(void)
{
	static struct worker w[NTHREADS];
	pthread_t tid[NTHREADS], ctid;
	struct compactor c = { 0 };
	double secs = 3.0;
	struct zstats s;
	const char *env;
	long total = 0;
	int i, ret;
	bool ok = true;
	uint64_t p;

	broken = false;
	opno = 0;
	env = getenv("MODEL_THREAD_SECS");
	if (env)
		secs = strtod(env, NULL);
	ret = zdev_reset(z);
	model_clear();
	if (!ret)
		ret = init_device("lz4");
	test_cond("phase 2: reset and re-init with lz4", ret == 0);
	if (ret)
		return;
	printf("# phase 2: %d threads + compactor for %.1f s\n", NTHREADS,
	       secs);
	fflush(stdout);
	atomic_store(&threads_stop, false);
	for (i = 0; i < NTHREADS; i++) {
		w[i].id = i;
		w[i].r.s = seed ^ (0x1000193ULL * (i + 1));
		w[i].buf = malloc(16 * PAGE);
		w[i].rbuf = malloc(16 * PAGE);
		if (!w[i].buf || !w[i].rbuf) {
			perror("malloc");
			exit(2);
		}
		pthread_create(&tid[i], NULL, worker_main, &w[i]);
	}
	pthread_create(&ctid, NULL, compactor_main, &c);
	for (i = 0; i < (int)(secs * 100) && !atomic_load(&threads_stop); i++)
		usleep(10000);
	atomic_store(&threads_stop, true);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_join(ctid, NULL);

	for (i = 0; i < NTHREADS; i++) {
		total += w[i].ops;
		if (w[i].failed) {
			printf("  MISMATCH: %s (seed 0x%" PRIx64 ")\n",
			       w[i].msg, seed);
			ok = false;
		}
		for (p = 0; p < SHARED_PAGES; p++)
			stored[SHARED_OFF / PAGE + p] |= w[i].sstored[p];
		free(w[i].buf);
		free(w[i].rbuf);
	}
	/*
	 * A shared page left all zeros was freed if a discard was the last
	 * to touch it, and stays stored if a write of zeros was: the threads'
	 * order is not in the model, so ask the device for those pages only.
	 */
	for (p = 0; p < SHARED_PAGES; p++) {
		uint64_t pg = SHARED_OFF / PAGE + p;

		if (stored[pg] && all_zero(model + pg * PAGE, PAGE))
			stored[pg] = zdev_seek(z, pg * PAGE, SEEK_DATA) ==
				     (off_t)(pg * PAGE);
	}
	printf("# phase 2: %ld ops, %ld compactions, %ld stats reads\n", total,
	       c.compactions, c.stats_reads);
	test_cond("phase 2: every thread's reads matched the model", ok);
	if (c.failed)
		printf("  compactor: %s\n", c.msg);
	test_cond("phase 2: compaction and stats snapshots ran clean",
		  !c.failed);
	if (!ok)
		return;
	verify_all("end of phase 2");
	test_cond("phase 2: whole device matches the model after the threads",
		  !broken);
	test_cond("phase 2: stats match the model after the threads",
		  check_stats("end of phase 2"));
	ret = zdev_compact(z);
	verify_all("after a final compact");
	test_cond("phase 2: whole device matches after a final compact",
		  ret == 0 && !broken);
	zdev_stats(z, &s);
	printf("# phase 2: pages_compacted %" PRIu64 ", mem_used_total %" PRIu64
	       "\n",
	       s.pages_compacted, s.mem_used_total);
}

/* -- phase 3: mem_limit ------------------------------------------------------------ */

#define LIMIT (64u << 10)

static void phase_mem_limit(void)
{
	uint64_t acked = 0, page, text_pages = 8, fails0, i;
	struct zstats s;
	ssize_t ret = 0;
	int r;

	broken = false;
	opno = 0;
	r = zdev_reset(z);
	model_clear();
	if (!r)
		r = init_device("lz4");
	test_cond("phase 3: reset and re-init with lz4", r == 0);
	if (r)
		return;
	zdev_set_mem_limit(z, LIMIT);
	zdev_stats(z, &s);
	test_cond("phase 3: mem_limit shows 64 KiB", s.mem_limit == LIMIT);

	/* some compressible pages first: what must survive */
	for (page = 0; page < text_pages; page++) {
		gen(&grng, C_TEXT, iobuf, PAGE, page * PAGE);
		do_write(iobuf, PAGE, page * PAGE, "text under limit");
	}
	test_cond("phase 3: compressible pages fit under the limit", !broken);
	fails0 = (zdev_stats(z, &s), s.failed_writes);

	/* incompressible pages, one per write, until the limit bites */
	for (page = 100; page < NPAGES; page++, opno++) {
		gen(&grng, C_RAND, iobuf, PAGE, page * PAGE);
		note("write random page %" PRIu64 " under the limit", page);
		ret = zdev_write(z, iobuf, PAGE, page * PAGE);
		if (ret != PAGE)
			break;
		model_write(iobuf, PAGE, page * PAGE);
		is_rand[page] = 1;
		acked++;
	}
	printf("# phase 3: %" PRIu64 " incompressible pages acknowledged "
	       "under a %u-byte limit\n",
	       acked, LIMIT);
	test_cond("phase 3: a write over the limit fails with -ENOSPC",
		  ret == -ENOSPC);
	test_cond("phase 3: the limit allowed some pages but not 64 KiB more",
		  acked > 0 && acked <= LIMIT / PAGE);
	zdev_stats(z, &s);
	test_cond("phase 3: failed_writes counted the failure",
		  s.failed_writes == fails0 + 1);
	test_cond("phase 3: mem_used_total within the limit",
		  s.mem_used_total <= LIMIT);
	test_cond("phase 3: the failed page reads back as before (zeros)",
		  (do_read(page * PAGE, PAGE), !broken));
	verify_all("after the first -ENOSPC");
	test_cond("phase 3: every acknowledged page reads back exactly",
		  !broken);
	test_cond("phase 3: stats after -ENOSPC match acknowledged pages",
		  check_stats("after -ENOSPC"));

	/* overwriting a stored page over the limit keeps its old content */
	for (i = 0; i < text_pages; i++, opno++) {
		gen(&grng, C_RAND, iobuf, PAGE, i * PAGE);
		note("overwrite text page %" PRIu64 " with random", i);
		ret = zdev_write(z, iobuf, PAGE, i * PAGE);
		if (ret != -ENOSPC)
			break;
	}
	test_cond("phase 3: overwrites over the limit fail with -ENOSPC",
		  ret == -ENOSPC);
	if (ret == PAGE) {
		model_write(iobuf, PAGE, i * PAGE);
		is_rand[i] = 1;
	}
	zdev_stats(z, &s);
	test_cond("phase 3: failed_writes counts each failed write",
		  s.failed_writes == fails0 + 1 + i);
	verify_all("after failed overwrites");
	test_cond("phase 3: pages whose write failed keep their content",
		  !broken);

	/* a same-filled page needs no memory: still accepted */
	memset(iobuf, 0, PAGE);
	do_write(iobuf, PAGE, 50 * PAGE, "zero page at the limit");
	gen(&grng, C_WORD, iobuf, PAGE, 51 * PAGE);
	do_write(iobuf, PAGE, 51 * PAGE, "word page at the limit");
	test_cond("phase 3: same-filled pages are stored at the limit",
		  !broken && check_stats("same-filled at the limit"));

	/* free one huge page, then a 3-page write: acknowledged 1 page */
	do_discard(100 * PAGE, PAGE);
	fails0 = (zdev_stats(z, &s), s.failed_writes);
	gen(&grng, C_RAND, iobuf, 3 * PAGE, 0);
	note("3 random pages at page %" PRIu64 " after freeing one", page + 10);
	ret = zdev_write(z, iobuf, 3 * PAGE, (page + 10) * PAGE);
	test_cond("phase 3: multi-page write is acknowledged up to the limit",
		  ret == PAGE);
	if (ret > 0) {
		model_write(iobuf, ret, (page + 10) * PAGE);
		for (i = 0; i < (uint64_t)ret / PAGE; i++)
			is_rand[page + 10 + i] = 1;
	}
	zdev_stats(z, &s);
	test_cond("phase 3: the short write counted one failure",
		  s.failed_writes == fails0 + 1);
	verify_all("after a short write");
	test_cond("phase 3: a short write stored exactly what it acknowledged",
		  !broken && check_stats("after a short write"));

	/*
	 * A discard whose partial tail cannot be rewritten at the limit
	 * fails with -ENOSPC and changes nothing before it: the whole page
	 * ahead of the tail (same-filled, freeing it gives no room) stays.
	 */
	gen(&grng, C_WORD, iobuf, PAGE, (page + 9) * PAGE);
	do_write(iobuf, PAGE, (page + 9) * PAGE, "word page before the tail");
	note("discard a whole word page and 100 bytes of a random one");
	r = zdev_discard(z, (page + 9) * PAGE, PAGE + 100);
	test_cond("phase 3: a discard whose tail cannot be rewritten: -ENOSPC",
		  r == -ENOSPC);
	verify_all("after a failed discard");
	test_cond("phase 3: a failed discard freed nothing ahead of its tail",
		  !broken && check_stats("after a failed discard"));

	/* lifting the limit: writes succeed again */
	zdev_set_mem_limit(z, 0);
	gen(&grng, C_RAND, iobuf, 4 * PAGE, 0);
	do_write(iobuf, 4 * PAGE, 0, "random after lifting the limit");
	if (!broken)
		for (i = 0; i < 4; i++)
			is_rand[i] = 1;
	verify_all("after lifting the limit");
	test_cond("phase 3: writes succeed after the limit is lifted",
		  !broken && check_stats("limit lifted"));
}

int main(void)
{
	char cur[ZDEV_ALGO_NAME_MAX];
	const char *env = getenv("MODEL_SEED");
	int ret;

	seed = env ? strtoull(env, NULL, 0) : DEFAULT_SEED;
	grng.s = seed;
	printf("# test_model: seed 0x%" PRIx64 " (set MODEL_SEED to change)\n",
	       seed);
	fflush(stdout);

	ret = zdev_create(0, &z);
	test_cond("zdev_create", ret == 0);
	if (ret)
		return test_report();
	test_cond("zdev_set_comp lz4", zdev_set_comp(z, 0, "lz4") == 0);
	test_cond("zdev_set_disksize 8 MiB",
		  zdev_set_disksize(z, DEV_SIZE) == 0);
	test_cond("device is initialised with 8 MiB",
		  zdev_initialized(z) && zdev_disksize(z) == DEV_SIZE);
	test_cond("comp_algorithm is lz4",
		  !strcmp(zdev_comp(z, 0, cur, sizeof(cur)), "lz4"));
	if (!zdev_initialized(z))
		return test_report();
	verify_all("fresh device");
	test_cond("a fresh device reads back zeros", !broken);
	test_cond("a fresh device stores nothing", check_stats("fresh"));

	test_discard_edges();
	phase_random();
	phase_threads();
	phase_mem_limit();

	zdev_destroy(z);
	return test_report();
}
