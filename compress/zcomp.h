/*
 * zcomp - the compression front end (after the kernel's zcomp.c).
 *
 * Each algorithm lives in one backend_<alg>.c that exports a single
 * "const struct zcomp_ops".  zcomp.c holds the explicit NULL-terminated
 * backends[] table (entries under #ifdef HAVE_<ALG>) and turns an ops table
 * plus parameters into a struct zcomp: an opaque compressor with one stream
 * per worker thread, so no global lock sits on the compression path.
 *
 * Streams: a worker thread gets a small integer id (zcomp_worker_id(), ids
 * are recycled when threads exit); a zcomp keeps streams[id], created on
 * first use by that worker.  Two threads never share a stream.
 */
#ifndef ZRAMFS_ZCOMP_H
#define ZRAMFS_ZCOMP_H

#include <stddef.h>
#include <stdint.h>

#include "util/page.h"

/* worst case compressed size of one page for any backend (with headroom) */
#define ZCOMP_DST_SIZE	  (2 * ZPAGE_SIZE)
#define ZCOMP_MAX_WORKERS 256
#define ZCOMP_DICT_MAX	  (8 << 20) /* dictionaries above: -E2BIG */

/* Algorithm parameters, as set by algorithm_params (level=, dict=). */
struct zcomp_params {
	int level;  /* ZCOMP_LEVEL_DEFAULT: the backend's default */
	void *dict; /* owned copy of the dictionary, or NULL */
	size_t dict_sz;
};
#define ZCOMP_LEVEL_DEFAULT INT32_MIN

struct zcomp_ops {
	/* the name shown in comp_algorithm and accepted on write */
	const char *name;
	/*
	 * Validate params and build per-algorithm shared state (e.g. a
	 * digested dictionary).  Returns 0 or -errno (-EINVAL for a level or
	 * dictionary the backend cannot use).  *priv may stay NULL.
	 */
	int (*setup_params)(const struct zcomp_params *params, void **priv);
	/* free what setup_params built */
	void (*release_params)(void *priv);
	/* create one stream context (a worker's private state); NULL on ENOMEM */
	void *(*create_ctx)(const struct zcomp_params *params, void *priv);
	void (*destroy_ctx)(void *ctx);
	/*
	 * Compress src[0..src_len) into dst (capacity *dst_len).  On success
	 * returns 0 and sets *dst_len to the compressed size.  A result that
	 * does not fit is -ENOSPC (the caller stores the page raw).
	 */
	int (*compress)(void *ctx, const void *src, size_t src_len, void *dst,
			size_t *dst_len);
	/*
	 * Decompress exactly dst_len bytes into dst.  Corrupt input or a size
	 * mismatch is -EIO.
	 */
	int (*decompress)(void *ctx, const void *src, size_t src_len, void *dst,
			  size_t dst_len);
};

struct zcomp;

/*
 * The backends are those of backends[] that really initialise, in table
 * order.  zcomp_find: the one called name, NULL if none.
 */
const struct zcomp_ops *zcomp_find(const char *name);
/* i-th available backend (0-based), NULL past the end */
const struct zcomp_ops *zcomp_backend(int i);
/*
 * "lzo lzo-rle [lz4] zstd \n" style listing into buf (kernel format: each
 * name then a space, the selected one in brackets, then a newline).
 * Returns length.
 */
size_t zcomp_available_show(const char *selected, char *buf, size_t size);

/*
 * Would the backend called name accept p?  0, or -EINVAL (unknown name,
 * a level or dictionary it cannot use), -ENOMEM.
 */
int zcomp_params_check(const char *name, const struct zcomp_params *p);
/* copy params (dict duplicated); 0 or -ENOMEM */
int zcomp_params_copy(struct zcomp_params *dst, const struct zcomp_params *src);
void zcomp_params_free(struct zcomp_params *p);
/*
 * Load a dictionary file into p->dict: 0, or -ENOENT/-EACCES (cannot open),
 * -EINVAL (not a regular file, or empty), -E2BIG (over ZCOMP_DICT_MAX).
 */
int zcomp_params_load_dict(struct zcomp_params *p, const char *path);

/* Create a compressor for name with params: 0, -EINVAL, -ENOMEM. */
int zcomp_create(const char *name, const struct zcomp_params *params,
		 struct zcomp **out);
void zcomp_destroy(struct zcomp *comp);
const char *zcomp_name(const struct zcomp *comp);

/*
 * Compress/decompress one buffer with the calling worker's stream.
 * Same return conventions as the ops.  Safe from any number of threads.
 */
int zcomp_compress(struct zcomp *comp, const void *src, size_t src_len,
		   void *dst, size_t *dst_len);
int zcomp_decompress(struct zcomp *comp, const void *src, size_t src_len,
		     void *dst, size_t dst_len);

/* This thread's worker id, 0..ZCOMP_MAX_WORKERS-1, or -EAGAIN if none is free. */
int zcomp_worker_id(void);

#endif
