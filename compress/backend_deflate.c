/*
 * backend_deflate.c - raw deflate (zlib) for zcomp, as the kernel's
 * backend_deflate: no zlib header or checksum, just the deflate stream.
 *
 * Level default Z_DEFAULT_COMPRESSION (6), valid -1..9; windowBits -15,
 * memLevel 8.  A context keeps one deflate and one inflate z_stream, set up
 * once and restarted per page with deflateReset()/inflateReset(), so zlib
 * allocates nothing on the page path.  A dictionary is handed to
 * deflateSetDictionary()/inflateSetDictionary() after each reset (zlib uses
 * its last 32 KiB).
 */
/* the Makefile compiles every backend; only configured ones have code */
#ifdef HAVE_DEFLATE

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <zlib.h>

#include "compress/zcomp.h"

#define DEFLATE_WINBITS	 15
#define DEFLATE_MEMLEVEL 8

struct deflate_ctx {
	z_stream def;
	z_stream inf;
	const struct zcomp_params *params;
};

static int deflate_setup_params(const struct zcomp_params *params, void **priv)
{
	int level = params->level;

	if (level != ZCOMP_LEVEL_DEFAULT && (level < -1 || level > 9))
		return -EINVAL;
	if (params->dict_sz > UINT_MAX)
		return -EINVAL;
	*priv = NULL;
	return 0;
}

static void deflate_release_params(void *priv)
{
}

static void *deflate_create_ctx(const struct zcomp_params *params, void *priv)
{
	struct deflate_ctx *ctx = calloc(1, sizeof(*ctx));
	int level = params->level;

	if (!ctx)
		return NULL;
	if (level == ZCOMP_LEVEL_DEFAULT)
		level = Z_DEFAULT_COMPRESSION;
	ctx->params = params;
	if (deflateInit2(&ctx->def, level, Z_DEFLATED, -DEFLATE_WINBITS,
			 DEFLATE_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out_free;
	if (inflateInit2(&ctx->inf, -DEFLATE_WINBITS) != Z_OK)
		goto out_end_deflate;
	return ctx;

out_end_deflate:
	deflateEnd(&ctx->def);
out_free:
	free(ctx);
	return NULL;
}

static void deflate_destroy_ctx(void *c)
{
	struct deflate_ctx *ctx = c;

	deflateEnd(&ctx->def);
	inflateEnd(&ctx->inf);
	free(ctx);
}

static int deflate_compress(void *c, const void *src, size_t src_len, void *dst,
			    size_t *dst_len)
{
	struct deflate_ctx *ctx = c;
	z_stream *s = &ctx->def;
	int ret;

	if (src_len > UINT_MAX)
		return -EINVAL;
	if (deflateReset(s) != Z_OK)
		return -EINVAL;
	if (ctx->params->dict &&
	    deflateSetDictionary(s, ctx->params->dict,
				 (uInt)ctx->params->dict_sz) != Z_OK)
		return -EINVAL;
	s->next_in = (Bytef *)src;
	s->avail_in = (uInt)src_len;
	s->next_out = dst;
	s->avail_out = *dst_len > UINT_MAX ? UINT_MAX : (uInt)*dst_len;
	ret = deflate(s, Z_FINISH);
	if (ret == Z_OK && s->avail_out == 0) {
		/*
		 * zlib reports a stream that exactly fills dst as unfinished;
		 * offer one spare byte: if it stays unused, it all fitted.
		 */
		unsigned char spare;

		s->next_out = &spare;
		s->avail_out = 1;
		ret = deflate(s, Z_FINISH);
		if (ret == Z_STREAM_END && s->avail_out == 0)
			return -ENOSPC;
	}
	if (ret == Z_OK || ret == Z_BUF_ERROR)
		return -ENOSPC; /* out of room before the end */
	if (ret != Z_STREAM_END)
		return -EINVAL;
	*dst_len = s->total_out;
	return 0;
}

static int deflate_decompress(void *c, const void *src, size_t src_len,
			      void *dst, size_t dst_len)
{
	struct deflate_ctx *ctx = c;
	z_stream *s = &ctx->inf;

	if (src_len > UINT_MAX || dst_len > UINT_MAX)
		return -EIO;
	if (inflateReset(s) != Z_OK)
		return -EIO;
	if (ctx->params->dict &&
	    inflateSetDictionary(s, ctx->params->dict,
				 (uInt)ctx->params->dict_sz) != Z_OK)
		return -EIO;
	s->next_in = (Bytef *)src;
	s->avail_in = (uInt)src_len;
	s->next_out = dst;
	s->avail_out = (uInt)dst_len;
	if (inflate(s, Z_FINISH) != Z_STREAM_END || s->total_out != dst_len)
		return -EIO;
	return 0;
}

/* clang-format off */
const struct zcomp_ops zcomp_deflate_ops = {
	.name		= "deflate",
	.setup_params	= deflate_setup_params,
	.release_params	= deflate_release_params,
	.create_ctx	= deflate_create_ctx,
	.destroy_ctx	= deflate_destroy_ctx,
	.compress	= deflate_compress,
	.decompress	= deflate_decompress,
};
/* clang-format on */

#endif /* HAVE_DEFLATE */
