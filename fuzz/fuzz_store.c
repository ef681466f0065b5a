/*
 * fuzz_store - libFuzzer target for the page store (device/io.c, table.c,
 * pool/zsmalloc.c, compress/) against a byte-array model.
 *
 * Every input starts from a fresh 1 MiB device (256 pages, lz4) and a
 * zeroed model; the input is a sequence of 8-byte ops:
 *
 *   byte 0     op kind (mod 32, through the weights of op_of[])
 *   bytes 1-3  offset (24 bits, reduced per op)
 *   bytes 4-5  length (16 bits, reduced per op)
 *   byte 6     data seed: pattern kind and content
 *   byte 7     extra (algorithm / level / flags)
 *
 * Ops: whole-page write, partial (any offset/length) write, discard,
 * read + memcmp with the model, compact, reset + reinit (algorithm and
 * level chosen by the op; sometimes 4 MiB + 8 KiB to cross the table's
 * 2 MiB chunks; sometimes left uninitialised), SEEK_DATA/SEEK_HOLE, and
 * mem_limit (writes then may fail with -ENOSPC, the model follows what
 * the return value acknowledges).
 *
 * Besides the bytes the model keeps per page whether the device holds it
 * (written and not freed since: a whole-page discard frees it, a partial
 * one frees it if only zeros are left, and leaves a never-stored page
 * as it is).  Checked after every op: return values; reads equal to
 * the model; seek results exactly from the allocation model; pages_stored
 * (orig_data_size) equals the allocated pages; same_pages equals the
 * allocated pages whose bytes repeat one 8-byte word; huge_pages and
 * compr_data_size bounded.  At the end of an input the whole device is
 * read back.  Any mismatch: abort().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compress/zcomp.h"
#include "device/zdev.h"
#include "stats/zstats.h"

#define PAGE	  ZPAGE_SIZE
#define BASE_SIZE (1u << 20)
#define BIG_SIZE  ((4u << 20) + 5000) /* rounds up to 4 MiB + 8 KiB */
#define MAX_SIZE  ((4u << 20) + 8192)
#define MAX_PAGES (MAX_SIZE / PAGE)
#define OP_BYTES  8

#define FAIL(...)                                             \
	do {                                                  \
		fprintf(stderr, "fuzz_store: op %d: ", opno); \
		fprintf(stderr, __VA_ARGS__);                 \
		fprintf(stderr, "\n");                        \
		abort();                                      \
	} while (0)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond))                                                \
			FAIL("%s:%d: check failed: %s", __FILE__, __LINE__, \
			     #cond);                                        \
	} while (0)

static struct zdev *z;
static uint8_t model[MAX_SIZE];
static bool alloc[MAX_PAGES];
static bool same[MAX_PAGES]; /* cache: model page repeats a word */
static uint64_t disksize;    /* model's view: 0 = uninitialised */
static uint64_t limit;	     /* mem_limit set (writes may fail) */
static int opno;
static bool base_config; /* device is 1 MiB lz4 default params */
static uint8_t wbuf[1 << 17], rbuf[1 << 17];
static const uint8_t zeros[PAGE];

enum {
	OP_WRITE_PAGES,
	OP_WRITE_PARTIAL,
	OP_DISCARD,
	OP_READ,
	OP_COMPACT,
	OP_RESET,
	OP_SEEK,
	OP_MEM_LIMIT,
};

/* byte 0 mod 32 -> op: I/O mostly; compact, reset and mem_limit rarely
 * (a reset rebuilds the pool and compressors: slow) */
/* clang-format off */
static const uint8_t op_of[32] = {
	OP_WRITE_PAGES, OP_WRITE_PAGES, OP_WRITE_PAGES, OP_WRITE_PAGES,
	OP_WRITE_PAGES, OP_WRITE_PAGES,
	OP_WRITE_PARTIAL, OP_WRITE_PARTIAL, OP_WRITE_PARTIAL,
	OP_WRITE_PARTIAL, OP_WRITE_PARTIAL, OP_WRITE_PARTIAL,
	OP_DISCARD, OP_DISCARD, OP_DISCARD, OP_DISCARD, OP_DISCARD,
	OP_READ, OP_READ, OP_READ, OP_READ, OP_READ, OP_READ,
	OP_SEEK, OP_SEEK, OP_SEEK,
	OP_COMPACT, OP_COMPACT,
	OP_RESET,
	OP_MEM_LIMIT, OP_MEM_LIMIT,
	OP_READ,
};
/* clang-format on */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (zdev_create(0, &z))
		abort();
	return 0;
}

/* ---- data patterns ------------------------------------------------------ */

static void fill(uint8_t *p, size_t n, uint8_t seed, uint8_t extra)
{
	uint64_t x = ((uint64_t)seed << 32 | extra << 8 | 0x9e37) *
		     0x9e3779b97f4a7c15ull;
	size_t i;

	switch (seed & 7) {
	case 0: /* zeros */
		memset(p, 0, n);
		break;
	case 1: /* one byte repeated */
		memset(p, extra, n);
		break;
	case 2: /* a repeated 8-byte word */
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)(x >> (8 * (i & 7)));
		break;
	case 3:
	case 4: /* incompressible */
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (uint8_t)(x >> 24);
		}
		break;
	case 5: /* compressible text-ish */
		for (i = 0; i < n; i++)
			p[i] = "abcdefgh"[(i / (1 + (extra & 15)) + seed) & 7];
		break;
	case 6: /* half random, half zero */
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (i & 2048) ? 0 : (uint8_t)(x >> 24);
		}
		break;
	default: /* a counter */
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)(i * extra + seed);
		break;
	}
}

/* ---- the model ----------------------------------------------------------- */

static bool same_filled(const uint8_t *p)
{
	uint64_t w, v;
	size_t i;

	memcpy(&w, p, 8);
	for (i = 8; i < PAGE; i += 8) {
		memcpy(&v, p + i, 8);
		if (v != w)
			return false;
	}
	return true;
}

/* bytes [off, off+n) were stored: the pages they touch are allocated */
static void model_write(uint64_t off, const uint8_t *src, uint64_t n)
{
	uint64_t pg;

	if (!n)
		return;
	if (src)
		memcpy(model + off, src, n);
	else
		memset(model + off, 0, n);
	for (pg = off / PAGE; pg <= (off + n - 1) / PAGE; pg++) {
		alloc[pg] = true;
		same[pg] = same_filled(model + pg * PAGE);
	}
}

/* a partial discard: zeroed in place; a page left all zeros is freed and
 * a page never stored stays so */
static void model_zero(uint64_t off, uint64_t n)
{
	uint64_t pg;

	if (!n)
		return;
	memset(model + off, 0, n);
	for (pg = off / PAGE; pg <= (off + n - 1) / PAGE; pg++) {
		same[pg] = same_filled(model + pg * PAGE);
		if (alloc[pg] && !model[pg * PAGE] && same[pg])
			alloc[pg] = false;
	}
}

static void check_range(uint64_t off, uint64_t n)
{
	uint64_t i;

	CHECK(off + n <= disksize);
	if (!memcmp(rbuf, model + off, n))
		return;
	for (i = 0; i < n; i++)
		if (rbuf[i] != model[off + i])
			break;
	FAIL("read mismatch at byte %llu (page %llu): device %02x model %02x",
	     (unsigned long long)(off + i),
	     (unsigned long long)((off + i) / PAGE), rbuf[i], model[off + i]);
}

static void check_stats(void)
{
	struct zstats s;
	uint64_t pg, stored = 0, nsame = 0;

	zdev_stats(z, &s);
	CHECK(s.disksize == disksize);
	CHECK(s.initstate == (disksize != 0));
	for (pg = 0; pg < disksize / PAGE; pg++) {
		if (!alloc[pg])
			continue;
		stored++;
		nsame += same[pg];
	}
	if (s.orig_data_size != stored * PAGE)
		FAIL("orig_data_size %llu, model has %llu pages stored",
		     (unsigned long long)s.orig_data_size,
		     (unsigned long long)stored);
	if (s.same_pages != nsame)
		FAIL("same_pages %llu, model %llu",
		     (unsigned long long)s.same_pages,
		     (unsigned long long)nsame);
	CHECK(s.huge_pages <= stored - nsame);
	CHECK(s.compr_data_size <= (stored - nsame) * PAGE);
	CHECK(s.in_flight == 0);
	if (!disksize)
		CHECK(s.mem_used_total == 0);
}

static void check_all(void)
{
	uint64_t off;
	ssize_t r;

	for (off = 0; off < disksize; off += sizeof(rbuf)) {
		uint64_t n = disksize - off < sizeof(rbuf) ? disksize - off :
							     sizeof(rbuf);

		r = zdev_read(z, rbuf, n, off);
		if (r != (ssize_t)n)
			FAIL("full read at %llu: %zd", (unsigned long long)off,
			     r);
		check_range(off, n);
	}
	check_stats();
}

/* ---- ops ------------------------------------------------------------------ */

static void init_device(uint64_t size, const char *alg, int level)
{
	CHECK(zdev_reset(z) == 0);
	/* the model is only ever written below disksize */
	memset(model, 0, disksize);
	memset(alloc, 0, sizeof(alloc));
	memset(same, 1, sizeof(same));
	disksize = 0;
	limit = 0;
	if (!size)
		return;
	if (alg) {
		CHECK(zdev_set_comp(z, 0, alg) == 0);
		if (level != ZCOMP_LEVEL_DEFAULT &&
		    zdev_set_params(z, 0, NULL, level, NULL))
			level = ZCOMP_LEVEL_DEFAULT; /* refused: default */
	}
	CHECK(zdev_set_disksize(z, size) == 0);
	disksize = (size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	CHECK(zdev_disksize(z) == disksize);
}

/*
 * Page pg of a write of wbuf[0..) at off that was not acknowledged: the
 * device may hold the old page or the new one (a large write is split over
 * helper threads, a later part can have been stored while an earlier one
 * failed).  Accept only those two and follow the device.
 */
static void settle_page(uint64_t pg, uint64_t off, uint64_t len)
{
	static uint8_t newp[PAGE];
	uint64_t ps = pg * PAGE, lo, hi;
	bool is_old, is_new;

	memcpy(newp, model + ps, PAGE);
	lo = off > ps ? off : ps;
	hi = off + len < ps + PAGE ? off + len : ps + PAGE;
	memcpy(newp + (lo - ps), wbuf + (lo - off), hi - lo);
	CHECK(zdev_read(z, rbuf, PAGE, ps) == PAGE);
	is_old = !memcmp(rbuf, model + ps, PAGE);
	is_new = !memcmp(rbuf, newp, PAGE);
	if (!is_old && !is_new)
		FAIL("page %llu after a failed write is neither old nor new",
		     (unsigned long long)pg);
	if (is_new && !is_old) {
		model_write(lo, wbuf + (lo - off), hi - lo);
		return;
	}
	if (is_new && !alloc[pg]) {
		/* same bytes either way: did the write store the page? */
		if (zdev_seek(z, ps, SEEK_DATA) == (off_t)ps)
			model_write(lo, wbuf + (lo - off), hi - lo);
	}
}

static void op_write(uint64_t off, uint64_t len, uint8_t seed, uint8_t extra)
{
	ssize_t r, want, acked;
	uint64_t pg;

	if (len > sizeof(wbuf))
		len = sizeof(wbuf);
	fill(wbuf, len, seed, extra);
	r = zdev_write(z, wbuf, len, off);
	if (len && off >= disksize) {
		if (r != -ENOSPC)
			FAIL("write %llu+%llu past the end (%llu): %zd",
			     (unsigned long long)off, (unsigned long long)len,
			     (unsigned long long)disksize, r);
		return;
	}
	want = len ? (ssize_t)(off + len > disksize ? disksize - off : len) : 0;
	if (r == want) {
		model_write(off, wbuf, want);
		return;
	}
	/* only a mem_limit may cut a write short, at a page boundary */
	if (!limit)
		FAIL("write %llu+%llu: %zd, want %zd", (unsigned long long)off,
		     (unsigned long long)len, r, want);
	if (r != -ENOSPC) {
		CHECK(r > 0 && r < want);
		CHECK((off + r) % PAGE == 0);
	}
	acked = r > 0 ? r : 0;
	model_write(off, wbuf, acked);
	for (pg = (off + acked) / PAGE; pg <= (off + want - 1) / PAGE; pg++)
		settle_page(pg, off, want);
}

static void op_discard(uint64_t off, uint64_t len)
{
	uint64_t end, first, last, pg, hpage;
	uint8_t old[PAGE];
	int r;

	/* remember the head page: a failing tail leaves it zeroed */
	hpage = off / PAGE;
	if (off < disksize) {
		memcpy(old, model + hpage * PAGE, PAGE);
	}
	r = zdev_discard(z, off, len);
	if (off > disksize) {
		if (r != -EINVAL)
			FAIL("discard at %llu past %llu: %d",
			     (unsigned long long)off,
			     (unsigned long long)disksize, r);
		return;
	}
	if (off == disksize || !len) {
		CHECK(r == 0);
		return;
	}
	end = off + len > disksize ? disksize : off + len;
	first = (off + PAGE - 1) / PAGE;
	last = end / PAGE;
	if (r) {
		/* a partial edge page could not be rewritten under the
		 * limit: the head may or may not be zeroed, nothing else
		 * changed.  Learn which from the device, accept only those
		 * two. */
		uint64_t hend = first * PAGE < end ? first * PAGE : end;

		if (!limit || r != -ENOSPC)
			FAIL("discard %llu+%llu: %d", (unsigned long long)off,
			     (unsigned long long)len, r);
		if (off % PAGE == 0)
			return; /* no head partial: failed before anything */
		CHECK(zdev_read(z, rbuf, PAGE, hpage * PAGE) == PAGE);
		if (!memcmp(rbuf, old, PAGE) &&
		    memcmp(rbuf + off % PAGE, zeros, hend - off))
			return; /* head untouched */
		memset(old + off % PAGE, 0, hend - off);
		if (memcmp(rbuf, old, PAGE))
			FAIL("failed discard left page %llu in a third state",
			     (unsigned long long)hpage);
		/* zeroed, or zeroing changed no byte: then either it ran
		 * (a same-filled result cannot fail) or the page was held
		 * already (its bytes are not all zero) */
		model_zero(off, hend - off);
		return;
	}
	/* zeroed: edges rewritten (allocated), whole pages freed */
	if (first > last) {
		model_zero(off, end - off);
		return;
	}
	if (off % PAGE)
		model_zero(off, first * PAGE - off);
	if (end % PAGE)
		model_zero(last * PAGE, end % PAGE);
	for (pg = first; pg < last; pg++) {
		memset(model + pg * PAGE, 0, PAGE);
		alloc[pg] = false;
		same[pg] = true;
	}
}

static void op_read(uint64_t off, uint64_t len)
{
	ssize_t r, want;

	if (len > sizeof(rbuf))
		len = sizeof(rbuf);
	r = zdev_read(z, rbuf, len, off);
	want = off >= disksize ?
		       0 :
		       (ssize_t)(off + len > disksize ? disksize - off : len);
	if (r != want)
		FAIL("read %llu+%llu: %zd, want %zd", (unsigned long long)off,
		     (unsigned long long)len, r, want);
	if (want > 0)
		check_range(off, want);
}

static void op_seek(uint64_t off, int whence)
{
	uint64_t pg, npages = disksize / PAGE;
	off_t r, want;

	r = zdev_seek(z, off, whence);
	if (off >= disksize) {
		want = -ENXIO;
	} else {
		for (pg = off / PAGE; pg < npages; pg++)
			if (alloc[pg] == (whence == SEEK_DATA))
				break;
		if (pg < npages)
			want = pg * PAGE < off ? (off_t)off :
						 (off_t)(pg * PAGE);
		else
			want = whence == SEEK_DATA ? -ENXIO : (off_t)disksize;
	}
	if (r != want)
		FAIL("seek(%llu, %s) = %lld, want %lld",
		     (unsigned long long)off,
		     whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE",
		     (long long)r, (long long)want);
	/* a hole reads as zeros */
	if (whence == SEEK_DATA && off < disksize) {
		uint64_t to = r < 0 ? disksize : (uint64_t)r, i;

		for (i = off; i < to; i++)
			CHECK(model[i] == 0);
	}
}

static const char *pick_alg(uint8_t extra, int *level)
{
	const struct zcomp_ops *ops;
	int n = 0;

	while (zcomp_backend(n))
		n++;
	ops = zcomp_backend(extra % n);
	/* a few levels, the backend refuses what it cannot use */
	switch ((extra >> 4) & 3) {
	case 0:
		*level = ZCOMP_LEVEL_DEFAULT;
		break;
	case 1:
		*level = 1;
		break;
	case 2:
		*level = 9;
		break;
	default:
		*level = -1;
		break;
	}
	return ops->name;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	/* start from an empty 1 MiB lz4 device: a whole-device discard if
	 * the last input left one (a reset rebuilds pool and compressors,
	 * slow under ASan), else a reset */
	if (base_config && disksize == BASE_SIZE) {
		zdev_set_mem_limit(z, 0);
		limit = 0;
		CHECK(zdev_discard(z, 0, disksize) == 0);
		memset(model, 0, disksize);
		memset(alloc, 0, sizeof(alloc));
		memset(same, 1, sizeof(same));
		check_stats();
	} else {
		init_device(BASE_SIZE, NULL, ZCOMP_LEVEL_DEFAULT);
		base_config = true;
	}
	for (i = 0, opno = 0; i + OP_BYTES <= size; i += OP_BYTES, opno++) {
		const uint8_t *o = data + i;
		uint64_t off = o[1] | o[2] << 8 | (uint64_t)o[3] << 16;
		uint64_t len = o[4] | o[5] << 8;
		uint8_t seed = o[6], extra = o[7];
		uint64_t span = disksize + 2 * PAGE;
		int level;

		switch (op_of[o[0] % 32]) {
		case OP_WRITE_PAGES:
			/* 1..8 whole pages at a page boundary, or 16..32:
			 * from 64 KiB a write is split over helper threads */
			op_write((off % (span / PAGE)) * PAGE,
				 (extra & 0x80 ? 16 + len % 17 : 1 + len % 8) *
					 PAGE,
				 seed, extra);
			break;
		case OP_WRITE_PARTIAL:
			op_write(off % span,
				 extra & 0x80 ? len * 2 : len % (3 * PAGE),
				 seed, extra);
			break;
		case OP_DISCARD:
			if (extra & 1) /* page aligned */
				op_discard((off % (span / PAGE)) * PAGE,
					   (len % 64) * PAGE);
			else
				op_discard(off % span, len % (16 * PAGE));
			break;
		case OP_READ:
			op_read(off % span, extra & 1 ? len % (2 * PAGE) :
							(uint64_t)len * 2);
			break;
		case OP_COMPACT:
			CHECK(zdev_compact(z) == (disksize ? 0 : -EINVAL));
			check_all();
			break;
		case OP_RESET: {
			const char *alg = pick_alg(extra, &level);

			base_config = false;
			if ((seed & 7) == 0)
				init_device(0, NULL, 0);
			else
				init_device(seed & 8 ? BIG_SIZE : BASE_SIZE,
					    alg, level);
			break;
		}
		case OP_SEEK:
			op_seek(off % span, seed & 1 ? SEEK_DATA : SEEK_HOLE);
			if (extra & 1)
				op_seek(off % span,
					seed & 1 ? SEEK_HOLE : SEEK_DATA);
			break;
		case OP_MEM_LIMIT:
			/* 0 (none) or a small number of pool pages */
			limit = (seed & 3) ? (uint64_t)(extra % 64) * PAGE : 0;
			zdev_set_mem_limit(z, limit);
			break;
		}
		check_stats();
	}
	check_all();
	return 0;
}
