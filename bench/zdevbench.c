/*
 * zdevbench - the device layer's own cost per 4 KiB request, without
 * FUSE: zdev_write/zdev_read of corpus pages on one thread, and the
 * compressor alone on the same pages.  For doc/performance.md.
 *   zdevbench CORPUS [ALGO]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compress/zcomp.h"
#include "device/zdev.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* random 4 KiB overwrites from several threads at once, as fio qd16 */
struct rw_arg {
	struct zdev *z;
	const char *data;
	size_t n; /* pages in data and on the device; writes */
	unsigned int seed;
};

static void *rand_writer(void *p)
{
	struct rw_arg *a = p;
	size_t i, idx;

	for (i = 0; i < a->n; i++) {
		idx = rand_r(&a->seed) % a->n;
		zdev_write(a->z, a->data + ((idx * 31) % a->n) * 4096, 4096,
			   idx * 4096);
	}
	return NULL;
}

static void rand_writes(struct zdev *z, const char *data, size_t n, int threads)
{
	struct rw_arg a[16];
	pthread_t t[16];
	double t0, t1;
	int i;

	t0 = now();
	for (i = 0; i < threads; i++) {
		a[i] = (struct rw_arg){ z, data, n, 1234u + i };
		pthread_create(&t[i], NULL, rand_writer, &a[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	t1 = now();
	printf("zdev_write 4k random overwrite, %d threads: %.2f us/request "
	       "per thread (%.0f k/s)\n",
	       threads, (t1 - t0) / n * 1e6, threads * n / (t1 - t0) / 1e3);
}

int main(int argc, char **argv)
{
	const char *algo = argc > 2 ? argv[2] : "lz4";
	static char out[ZCOMP_DST_SIZE], page[4096], big[1 << 20];
	struct zcomp_params p = { .level = ZCOMP_LEVEL_DEFAULT };
	size_t n, i, len, clen = 0;
	struct zcomp *comp;
	struct zstats s;
	struct zdev *z;
	struct stat st;
	double t0, t1;
	char *data;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: zdevbench CORPUS [ALGO]\n");
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return 1;
	len = st.st_size & ~4095UL;
	if (len > (256UL << 20))
		len = 256UL << 20;
	data = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (data == MAP_FAILED)
		return 1;
	n = len / 4096;

	if (zcomp_create(algo, &p, &comp))
		return 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		size_t dl = sizeof(out);

		if (!zcomp_compress(comp, data + i * 4096, 4096, out, &dl))
			clen += dl;
	}
	t1 = now();
	printf("%s compress only: %.2f us/page (%.0f MB/s), ratio %.2f\n", algo,
	       (t1 - t0) / n * 1e6, len / (t1 - t0) / 1e6, (double)len / clen);

	zdev_set_reserve(ZDEV_DEFAULT_RESERVE);
	zdev_create(0, &z);
	zdev_set_comp(z, 0, algo);
	zdev_set_disksize(z, len);
	t0 = now();
	for (i = 0; i < n; i++)
		zdev_write(z, data + i * 4096, 4096, i * 4096);
	t1 = now();
	printf("zdev_write 4k: %.2f us/request (%.0f MB/s)\n",
	       (t1 - t0) / n * 1e6, len / (t1 - t0) / 1e6);
	t0 = now();
	for (i = 0; i < n; i++)
		zdev_read(z, page, 4096, ((i * 7919) % n) * 4096);
	t1 = now();
	printf("zdev_read 4k (random order): %.2f us/request (%.0f MB/s)\n",
	       (t1 - t0) / n * 1e6, len / (t1 - t0) / 1e6);
	t0 = now();
	for (i = 0; i + 256 <= n; i += 256)
		zdev_write(z, data + i * 4096, 1 << 20, i * 4096);
	t1 = now();
	printf("zdev_write 1M (split over CPUs): %.0f MB/s\n",
	       len / (t1 - t0) / 1e6);
	t0 = now();
	for (i = 0; i + 256 <= n; i += 256)
		zdev_read(z, big, 1 << 20, i * 4096);
	t1 = now();
	printf("zdev_read 1M (split over CPUs): %.0f MB/s\n",
	       len / (t1 - t0) / 1e6);
	rand_writes(z, data, n, 1);
	rand_writes(z, data, n, 2);
	zdev_stats(z, &s);
	printf("mem_used_total/orig %.3f, compr/orig %.3f, table %llu bytes "
	       "(%.1f per stored page)\n",
	       (double)s.mem_used_total / s.orig_data_size,
	       (double)s.compr_data_size / s.orig_data_size,
	       (unsigned long long)s.meta_bytes,
	       (double)s.meta_bytes / (s.orig_data_size / 4096));
	zdev_destroy(z);
	zcomp_destroy(comp);
	return 0;
}
