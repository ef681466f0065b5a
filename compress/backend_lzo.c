/*
 * backend_lzo.c - LZO1X-1 (liblzo2) for zcomp, zram's historical default.
 *
 * lzo1x_1_compress() takes no output bound: it may write up to
 * len + len / 16 + 67 bytes.  When the caller's buffer is smaller than that
 * for the input, compress into the context's scratch buffer (sized for one
 * page) and copy out only if the result fits.  LZO has no levels and no
 * dictionaries: anything but the default level, or a dictionary, is -EINVAL.
 *
 * lzo-rle, the kernel's default since 5.1 and the name in zram-generator's
 * and most distributions' configs, is offered as a second entry over the
 * same LZO1X-1 code.  The kernel's lzo-rle is its own LZO1X variant with a
 * run-length step that liblzo2 lacks, so these bytes are not the kernel's
 * lzo-rle bytes; zramfs never shares compressed bytes with the kernel (the
 * image and the backing store hold zramfs's own format), so scripts that
 * select lzo-rle work unchanged and get LZO's speed and ratio.
 */
/* the Makefile compiles every backend; only configured ones have code */
#ifdef HAVE_LZO

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>

#include "compress/zcomp.h"

#define LZO_BOUND(n) ((n) + (n) / 16 + 64 + 3)

struct lzo_ctx {
	unsigned char wrkmem[LZO1X_1_MEM_COMPRESS];
	unsigned char scratch[LZO_BOUND(ZPAGE_SIZE)];
};

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static int lzo_init_ret;

static void lzo_global_init(void)
{
	lzo_init_ret = lzo_init();
}

static int lzo_setup_params(const struct zcomp_params *params, void **priv)
{
	pthread_once(&lzo_once, lzo_global_init);
	if (lzo_init_ret != LZO_E_OK)
		return -EINVAL;
	if (params->level != ZCOMP_LEVEL_DEFAULT || params->dict)
		return -EINVAL;
	*priv = NULL;
	return 0;
}

static void lzo_release_params(void *priv)
{
}

static void *lzo_create_ctx(const struct zcomp_params *params, void *priv)
{
	return malloc(sizeof(struct lzo_ctx));
}

static void lzo_destroy_ctx(void *ctx)
{
	free(ctx);
}

static int lzo_compress(void *c, const void *src, size_t src_len, void *dst,
			size_t *dst_len)
{
	struct lzo_ctx *ctx = c;
	unsigned char *out = dst;
	lzo_uint len;

	if (*dst_len < LZO_BOUND(src_len)) {
		/* cannot promise a fit beyond one page: caller stores raw */
		if (src_len > ZPAGE_SIZE)
			return -ENOSPC;
		out = ctx->scratch;
	}
	if (lzo1x_1_compress(src, src_len, out, &len, ctx->wrkmem) != LZO_E_OK)
		return -EINVAL;
	if (len > *dst_len)
		return -ENOSPC;
	if (out != dst)
		memcpy(dst, out, len);
	*dst_len = len;
	return 0;
}

static int lzo_decompress(void *c, const void *src, size_t src_len, void *dst,
			  size_t dst_len)
{
	lzo_uint len = dst_len;
	int ret;

	ret = lzo1x_decompress_safe(src, src_len, dst, &len, NULL);
	return ret == LZO_E_OK && len == dst_len ? 0 : -EIO;
}

/* clang-format off */
const struct zcomp_ops zcomp_lzo_ops = {
	.name		= "lzo",
	.setup_params	= lzo_setup_params,
	.release_params	= lzo_release_params,
	.create_ctx	= lzo_create_ctx,
	.destroy_ctx	= lzo_destroy_ctx,
	.compress	= lzo_compress,
	.decompress	= lzo_decompress,
};
/* clang-format on */

/* the same code under the kernel's default name (see the top comment) */
/* clang-format off */
const struct zcomp_ops zcomp_lzorle_ops = {
	.name		= "lzo-rle",
	.setup_params	= lzo_setup_params,
	.release_params	= lzo_release_params,
	.create_ctx	= lzo_create_ctx,
	.destroy_ctx	= lzo_destroy_ctx,
	.compress	= lzo_compress,
	.decompress	= lzo_decompress,
};
/* clang-format on */

#endif /* HAVE_LZO */
