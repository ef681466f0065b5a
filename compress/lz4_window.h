/*
 * lz4_window.h - what backend_lz4.c and backend_lz4hc.c share: both write
 * the LZ4 block format, so a dictionary is the same 64 KiB window of
 * params->dict and decompression is the same call.
 */
#ifndef ZRAMFS_LZ4_WINDOW_H
#define ZRAMFS_LZ4_WINDOW_H

#include <errno.h>
#include <limits.h>

#include <lz4.h>

#include "compress/zcomp.h"

/* LZ4 refers back at most 64 KiB: only the dictionary's tail matters */
#define LZ4_DICT_WINDOW (64 * 1024)

struct lz4_window {
	const char *dict; /* NULL: no dictionary */
	int dict_sz;
};

static inline void lz4_window_set(struct lz4_window *w,
				  const struct zcomp_params *params)
{
	size_t sz = params->dict_sz;

	w->dict = NULL;
	w->dict_sz = 0;
	if (!params->dict || !sz)
		return;
	if (sz > LZ4_DICT_WINDOW)
		sz = LZ4_DICT_WINDOW;
	w->dict = (const char *)params->dict + params->dict_sz - sz;
	w->dict_sz = (int)sz;
}

static inline int lz4_window_decompress(const struct lz4_window *w,
					const void *src, size_t src_len,
					void *dst, size_t dst_len)
{
	int ret;

	if (src_len > INT_MAX || dst_len > INT_MAX)
		return -EIO;
	if (w->dict)
		ret = LZ4_decompress_safe_usingDict(src, dst, (int)src_len,
						    (int)dst_len, w->dict,
						    w->dict_sz);
	else
		ret = LZ4_decompress_safe(src, dst, (int)src_len, (int)dst_len);
	return ret == (int)dst_len ? 0 : -EIO;
}

#endif
