/*
 * backend_lz4hc.c - LZ4 high compression (liblz4's lz4hc) for zcomp.
 *
 * Output is plain LZ4 (any LZ4 decoder reads it); levels 1..12, default
 * LZ4HC_CLEVEL_DEFAULT (9).  A context holds one LZ4_streamHC_t (256 KiB),
 * initialised once and restarted per page with LZ4_resetStreamHC_fast(),
 * which reuses the tables instead of clearing them every call as
 * LZ4_compress_HC_extStateHC() does.
 *
 * A dictionary is loaded once into a template stream (LZ4_loadDictHC) and
 * copied per page: copying 256 KiB is far cheaper than inserting up to
 * 64 KiB of dictionary positions again.  Only its last 64 KiB is usable.
 */
/* the Makefile compiles every backend; only configured ones have code */
#ifdef HAVE_LZ4

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>

#include "compress/lz4_window.h"
#include "compress/zcomp.h"

struct lz4hc_priv {
	int level;
	struct lz4_window win; /* the dictionary's last 64 KiB */
	LZ4_streamHC_t *tmpl;  /* dict already inserted, or NULL */
};

struct lz4hc_ctx {
	LZ4_streamHC_t stream;
	const struct lz4hc_priv *priv;
};

static int lz4hc_setup_params(const struct zcomp_params *params, void **priv)
{
	struct lz4hc_priv *p;
	int level = params->level;

	if (level == ZCOMP_LEVEL_DEFAULT)
		level = LZ4HC_CLEVEL_DEFAULT;
	if (level < 1 || level > LZ4HC_CLEVEL_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->level = level;
	lz4_window_set(&p->win, params);
	if (p->win.dict) {
		p->tmpl = malloc(sizeof(*p->tmpl));
		if (!p->tmpl) {
			free(p);
			return -ENOMEM;
		}
		LZ4_initStreamHC(p->tmpl, sizeof(*p->tmpl));
		LZ4_resetStreamHC_fast(p->tmpl, level);
		LZ4_loadDictHC(p->tmpl, p->win.dict, p->win.dict_sz);
	}
	*priv = p;
	return 0;
}

static void lz4hc_release_params(void *priv)
{
	struct lz4hc_priv *p = priv;

	if (p)
		free(p->tmpl);
	free(p);
}

static void *lz4hc_create_ctx(const struct zcomp_params *params, void *priv)
{
	struct lz4hc_ctx *ctx = malloc(sizeof(*ctx));

	if (!ctx)
		return NULL;
	LZ4_initStreamHC(&ctx->stream, sizeof(ctx->stream));
	ctx->priv = priv;
	return ctx;
}

static void lz4hc_destroy_ctx(void *ctx)
{
	free(ctx);
}

static int lz4hc_compress(void *c, const void *src, size_t src_len, void *dst,
			  size_t *dst_len)
{
	struct lz4hc_ctx *ctx = c;
	const struct lz4hc_priv *p = ctx->priv;
	int cap, ret;

	if (src_len > LZ4_MAX_INPUT_SIZE)
		return -EINVAL;
	cap = *dst_len > INT_MAX ? INT_MAX : (int)*dst_len;
	if (p->tmpl)
		memcpy(&ctx->stream, p->tmpl, sizeof(ctx->stream));
	else
		LZ4_resetStreamHC_fast(&ctx->stream, p->level);
	ret = LZ4_compress_HC_continue(&ctx->stream, src, dst, (int)src_len,
				       cap);
	if (ret <= 0)
		return -ENOSPC;
	*dst_len = (size_t)ret;
	return 0;
}

static int lz4hc_decompress(void *c, const void *src, size_t src_len, void *dst,
			    size_t dst_len)
{
	const struct lz4hc_priv *p = ((struct lz4hc_ctx *)c)->priv;

	return lz4_window_decompress(&p->win, src, src_len, dst, dst_len);
}

/* clang-format off */
const struct zcomp_ops zcomp_lz4hc_ops = {
	.name		= "lz4hc",
	.setup_params	= lz4hc_setup_params,
	.release_params	= lz4hc_release_params,
	.create_ctx	= lz4hc_create_ctx,
	.destroy_ctx	= lz4hc_destroy_ctx,
	.compress	= lz4hc_compress,
	.decompress	= lz4hc_decompress,
};
/* clang-format on */

#endif /* HAVE_LZ4 */
