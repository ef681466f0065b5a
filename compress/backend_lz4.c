/*
 * backend_lz4.c - LZ4 (liblz4) for zcomp.
 *
 * The level is LZ4's acceleration: 1 when unset or 0, higher is faster and
 * compresses less.  Each context keeps one LZ4_stream_t for
 * LZ4_compress_fast_extState().  (Restarting the stream with
 * LZ4_resetStream_fast() instead saves clearing 16 KiB per page, but for a
 * one-page input extState picks the 16-bit hash table and measured ~7%
 * faster on 4 KiB text.)
 *
 * A dictionary is hashed once, in setup_params, into a template stream
 * (LZ4_loadDict); each page starts from a copy of the template rather than
 * hashing up to 64 KiB again, as lz4frame.c did with its CDicts.  LZ4 can
 * only refer to the last 64 KiB of a dictionary; the decompressor is given
 * the same window.
 */
/* the Makefile compiles every backend; only configured ones have code */
#ifdef HAVE_LZ4

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#include "compress/lz4_window.h"
#include "compress/zcomp.h"

#define LZ4_ACCEL_MAX 65537 /* LZ4_ACCELERATION_MAX in lz4.c */

struct lz4_priv {
	int accel;
	struct lz4_window win; /* the dictionary's last 64 KiB */
	LZ4_stream_t tmpl;     /* dict already hashed; valid if win.dict */
};

struct lz4_ctx {
	LZ4_stream_t stream;
	const struct lz4_priv *priv;
};

static int lz4_setup_params(const struct zcomp_params *params, void **priv)
{
	struct lz4_priv *p;
	int level = params->level;

	if (level == ZCOMP_LEVEL_DEFAULT || level == 0)
		level = 1;
	if (level < 0 || level > LZ4_ACCEL_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->accel = level;
	lz4_window_set(&p->win, params);
	if (p->win.dict) {
		LZ4_initStream(&p->tmpl, sizeof(p->tmpl));
		LZ4_loadDict(&p->tmpl, p->win.dict, p->win.dict_sz);
	}
	*priv = p;
	return 0;
}

static void lz4_release_params(void *priv)
{
	free(priv);
}

static void *lz4_create_ctx(const struct zcomp_params *params, void *priv)
{
	struct lz4_ctx *ctx = malloc(sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->priv = priv;
	return ctx;
}

static void lz4_destroy_ctx(void *ctx)
{
	free(ctx);
}

static int lz4_compress(void *c, const void *src, size_t src_len, void *dst,
			size_t *dst_len)
{
	struct lz4_ctx *ctx = c;
	const struct lz4_priv *p = ctx->priv;
	int cap, ret;

	if (src_len > LZ4_MAX_INPUT_SIZE)
		return -EINVAL;
	cap = *dst_len > INT_MAX ? INT_MAX : (int)*dst_len;
	if (p->win.dict) {
		memcpy(&ctx->stream, &p->tmpl, sizeof(ctx->stream));
		ret = LZ4_compress_fast_continue(&ctx->stream, src, dst,
						 (int)src_len, cap, p->accel);
	} else {
		ret = LZ4_compress_fast_extState(&ctx->stream, src, dst,
						 (int)src_len, cap, p->accel);
	}
	if (ret <= 0)
		return -ENOSPC;
	*dst_len = (size_t)ret;
	return 0;
}

static int lz4_decompress(void *c, const void *src, size_t src_len, void *dst,
			  size_t dst_len)
{
	const struct lz4_priv *p = ((struct lz4_ctx *)c)->priv;

	return lz4_window_decompress(&p->win, src, src_len, dst, dst_len);
}

/* clang-format off */
const struct zcomp_ops zcomp_lz4_ops = {
	.name		= "lz4",
	.setup_params	= lz4_setup_params,
	.release_params	= lz4_release_params,
	.create_ctx	= lz4_create_ctx,
	.destroy_ctx	= lz4_destroy_ctx,
	.compress	= lz4_compress,
	.decompress	= lz4_decompress,
};
/* clang-format on */

#endif /* HAVE_LZ4 */
