/*
 * backend_zstd.c - Zstandard (libzstd) for zcomp.
 *
 * Level default 3 (ZSTD_CLEVEL_DEFAULT, as kernel zram), valid
 * ZSTD_minCLevel()..ZSTD_maxCLevel().  A context pairs a ZSTD_CCtx and a
 * ZSTD_DCtx; both keep their workspaces between calls, so after the first
 * page nothing is allocated.  Frames carry no checksum.  zstd's bit writer
 * needs a few bytes of slack, so output within about 8 bytes of the
 * capacity is reported as -ENOSPC.
 *
 * A dictionary is digested once in setup_params into a CDict and a DDict
 * shared read-only by every context.
 */
/* the Makefile compiles every backend; only configured ones have code */
#ifdef HAVE_ZSTD

#include <errno.h>
#include <stdlib.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "compress/zcomp.h"

struct zstd_priv {
	int level;
	ZSTD_CDict *cdict; /* NULL without a dictionary */
	ZSTD_DDict *ddict;
};

struct zstd_ctx {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	const struct zstd_priv *priv;
};

static void zstd_release_params(void *priv)
{
	struct zstd_priv *p = priv;

	if (!p)
		return;
	ZSTD_freeCDict(p->cdict);
	ZSTD_freeDDict(p->ddict);
	free(p);
}

static int zstd_setup_params(const struct zcomp_params *params, void **priv)
{
	struct zstd_priv *p;
	int level = params->level;

	if (level == ZCOMP_LEVEL_DEFAULT)
		level = ZSTD_CLEVEL_DEFAULT;
	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->level = level;
	if (params->dict && params->dict_sz) {
		p->cdict = ZSTD_createCDict(params->dict, params->dict_sz,
					    level);
		p->ddict = ZSTD_createDDict(params->dict, params->dict_sz);
		if (!p->cdict || !p->ddict) {
			/* a malformed zstd-format dictionary ends here too */
			zstd_release_params(p);
			return -EINVAL;
		}
	}
	*priv = p;
	return 0;
}

static void zstd_destroy_ctx(void *c)
{
	struct zstd_ctx *ctx = c;

	ZSTD_freeCCtx(ctx->cctx);
	ZSTD_freeDCtx(ctx->dctx);
	free(ctx);
}

static void *zstd_create_ctx(const struct zcomp_params *params, void *priv)
{
	struct zstd_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->priv = priv;
	ctx->cctx = ZSTD_createCCtx();
	ctx->dctx = ZSTD_createDCtx();
	if (!ctx->cctx || !ctx->dctx) {
		zstd_destroy_ctx(ctx);
		return NULL;
	}
	return ctx;
}

static int zstd_compress(void *c, const void *src, size_t src_len, void *dst,
			 size_t *dst_len)
{
	struct zstd_ctx *ctx = c;
	const struct zstd_priv *p = ctx->priv;
	size_t ret;

	if (p->cdict)
		ret = ZSTD_compress_usingCDict(ctx->cctx, dst, *dst_len, src,
					       src_len, p->cdict);
	else
		ret = ZSTD_compressCCtx(ctx->cctx, dst, *dst_len, src, src_len,
					p->level);
	if (ZSTD_isError(ret))
		return ZSTD_getErrorCode(ret) == ZSTD_error_dstSize_tooSmall ?
			       -ENOSPC :
			       -EINVAL;
	*dst_len = ret;
	return 0;
}

static int zstd_decompress(void *c, const void *src, size_t src_len, void *dst,
			   size_t dst_len)
{
	struct zstd_ctx *ctx = c;
	const struct zstd_priv *p = ctx->priv;
	size_t ret;

	if (p->ddict)
		ret = ZSTD_decompress_usingDDict(ctx->dctx, dst, dst_len, src,
						 src_len, p->ddict);
	else
		ret = ZSTD_decompressDCtx(ctx->dctx, dst, dst_len, src,
					  src_len);
	return !ZSTD_isError(ret) && ret == dst_len ? 0 : -EIO;
}

/* clang-format off */
const struct zcomp_ops zcomp_zstd_ops = {
	.name		= "zstd",
	.setup_params	= zstd_setup_params,
	.release_params	= zstd_release_params,
	.create_ctx	= zstd_create_ctx,
	.destroy_ctx	= zstd_destroy_ctx,
	.compress	= zstd_compress,
	.decompress	= zstd_decompress,
};
/* clang-format on */

#endif /* HAVE_ZSTD */
