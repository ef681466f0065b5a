/*
 * zcomp.c - the compression front end (after the kernel's zcomp.c).
 *
 * backends[] is the explicit table of every algorithm built in; the ones
 * that really initialise (probed once: setup_params and create_ctx with
 * default parameters) form the list that zcomp_find(), zcomp_backend() and
 * zcomp_available_show() see, in table order.
 *
 * Streams replace the kernel's per-CPU zcomp_strm with per-worker ones:
 *
 *   thread --(first call, worker_lock)--> id in worker_map, cached __thread
 *   struct zcomp: streams[id] --(first use, CAS)--> ops->create_ctx()
 *
 * After a thread's first call the path is lock free: one TLS read, one
 * acquire load of streams[id], the backend call.  Ids return to the bitmap
 * from a pthread_key destructor when their thread exits, so a later thread
 * inherits that worker's streams.  A thread that finds every id taken falls
 * back to a context built and freed around the one call: slow, but correct.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress/zcomp.h"

#ifdef HAVE_LZO
extern const struct zcomp_ops zcomp_lzo_ops;
extern const struct zcomp_ops zcomp_lzorle_ops;
#endif
#ifdef HAVE_LZ4
extern const struct zcomp_ops zcomp_lz4_ops;
extern const struct zcomp_ops zcomp_lz4hc_ops;
#endif
#ifdef HAVE_ZSTD
extern const struct zcomp_ops zcomp_zstd_ops;
#endif
#ifdef HAVE_DEFLATE
extern const struct zcomp_ops zcomp_deflate_ops;
#endif

static const struct zcomp_ops *const backends[] = {
#ifdef HAVE_LZO
	&zcomp_lzo_ops,
	&zcomp_lzorle_ops, /* the kernel's order: lzo lzo-rle lz4 ... */
#endif
#ifdef HAVE_LZ4
	&zcomp_lz4_ops,
	&zcomp_lz4hc_ops,
#endif
#ifdef HAVE_ZSTD
	&zcomp_zstd_ops,
#endif
#ifdef HAVE_DEFLATE
	&zcomp_deflate_ops,
#endif
	NULL
};

#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

struct zcomp {
	const struct zcomp_ops *ops;
	struct zcomp_params params; /* own copy: backends point into it */
	void *priv;		    /* from ops->setup_params */
	/* one context per worker id, installed once by CAS, never replaced */
	_Atomic(void *) streams[ZCOMP_MAX_WORKERS];
};

/* ---- backend list ---- */

static const struct zcomp_ops *available[NR_BACKENDS]; /* set once */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static bool backend_works(const struct zcomp_ops *ops)
{
	const struct zcomp_params def = { .level = ZCOMP_LEVEL_DEFAULT };
	void *priv = NULL, *ctx;

	if (ops->setup_params(&def, &priv))
		return false;
	ctx = ops->create_ctx(&def, priv);
	if (ctx)
		ops->destroy_ctx(ctx);
	ops->release_params(priv);
	return ctx != NULL;
}

static void probe_backends(void)
{
	size_t i, n = 0;

	for (i = 0; backends[i]; i++)
		if (backend_works(backends[i]))
			available[n++] = backends[i];
	available[n] = NULL;
}

const struct zcomp_ops *zcomp_backend(int i)
{
	int n;

	pthread_once(&probe_once, probe_backends);
	if (i < 0)
		return NULL;
	/* stop at the terminator rather than index past it */
	for (n = 0; available[n] && n < i; n++)
		;
	return available[n];
}

const struct zcomp_ops *zcomp_find(const char *name)
{
	const struct zcomp_ops *ops;
	int i;

	if (!name)
		return NULL;
	for (i = 0; (ops = zcomp_backend(i)); i++)
		if (!strcmp(ops->name, name))
			return ops;
	return NULL;
}

/* append like the kernel's scnprintf: never overflows, returns bytes added */
static size_t emit(char *buf, size_t size, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len + 1 >= size)
		return 0;
	if (n > size - len - 1)
		n = size - len - 1;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
	return n;
}

size_t zcomp_available_show(const char *selected, char *buf, size_t size)
{
	const struct zcomp_ops *ops;
	size_t len = 0;
	int i;

	if (!buf || !size)
		return 0;
	buf[0] = '\0';
	for (i = 0; (ops = zcomp_backend(i)); i++) {
		bool sel = selected && !strcmp(ops->name, selected);

		if (sel)
			len += emit(buf, size, len, "[");
		len += emit(buf, size, len, ops->name);
		len += emit(buf, size, len, sel ? "] " : " ");
	}
	len += emit(buf, size, len, "\n");
	return len;
}

/* ---- parameters ---- */

int zcomp_params_copy(struct zcomp_params *dst, const struct zcomp_params *src)
{
	void *dict = NULL;

	if (src->dict && src->dict_sz) {
		dict = malloc(src->dict_sz);
		if (!dict)
			return -ENOMEM;
		memcpy(dict, src->dict, src->dict_sz);
	}
	dst->level = src->level;
	dst->dict = dict;
	dst->dict_sz = dict ? src->dict_sz : 0;
	return 0;
}

void zcomp_params_free(struct zcomp_params *p)
{
	free(p->dict);
	p->dict = NULL;
	p->dict_sz = 0;
}

int zcomp_params_check(const char *name, const struct zcomp_params *p)
{
	const struct zcomp_ops *ops = zcomp_find(name);
	void *priv = NULL;
	int ret;

	if (!ops)
		return -EINVAL;
	if (!ops->setup_params)
		return 0;
	ret = ops->setup_params(p, &priv);
	if (!ret && ops->release_params)
		ops->release_params(priv);
	return ret;
}

int zcomp_params_load_dict(struct zcomp_params *p, const char *path)
{
	struct stat st;
	size_t size, done = 0;
	char *dict = NULL;
	ssize_t n;
	int fd, ret;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		ret = -EINVAL;
		goto out_close;
	}
	if (st.st_size > ZCOMP_DICT_MAX) {
		ret = -E2BIG;
		goto out_close;
	}
	size = (size_t)st.st_size;
	dict = malloc(size);
	if (!dict) {
		ret = -ENOMEM;
		goto out_close;
	}
	/* the file may shrink under us: keep what was really read */
	while (done < size) {
		n = read(fd, dict + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (!done) {
		ret = -EINVAL;
		goto out_free;
	}
	/* built completely: now swap it in */
	free(p->dict);
	p->dict = dict;
	p->dict_sz = done;
	dict = NULL;
	ret = 0;
out_free:
	free(dict);
out_close:
	close(fd);
	return ret;
}

/* ---- worker ids ---- */

#define MAP_WORDS (ZCOMP_MAX_WORKERS / 64)

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t worker_map[MAP_WORDS]; /* protected by worker_lock */
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;
static pthread_key_t worker_key;
static int worker_key_err;
static __thread int worker_cached = -1;

static void worker_release(void *arg)
{
	int id = (int)((uintptr_t)arg - 1);

	pthread_mutex_lock(&worker_lock);
	worker_map[id / 64] &= ~(UINT64_C(1) << (id % 64));
	pthread_mutex_unlock(&worker_lock);
	/* a later destructor that compresses must not reuse a freed id */
	worker_cached = -1;
}

static void worker_key_init(void)
{
	worker_key_err = pthread_key_create(&worker_key, worker_release);
}

static int worker_alloc(void)
{
	int id = -EAGAIN, w;

	pthread_mutex_lock(&worker_lock);
	for (w = 0; w < MAP_WORDS; w++) {
		if (worker_map[w] != UINT64_MAX) {
			id = w * 64 + __builtin_ctzll(~worker_map[w]);
			worker_map[w] |= UINT64_C(1) << (id % 64);
			break;
		}
	}
	pthread_mutex_unlock(&worker_lock);
	return id;
}

int zcomp_worker_id(void)
{
	int id = worker_cached;

	if (id >= 0)
		return id;
	pthread_once(&worker_once, worker_key_init);
	if (worker_key_err)
		return -EAGAIN;
	id = worker_alloc();
	if (id < 0)
		return id;
	if (pthread_setspecific(worker_key, (void *)(uintptr_t)(id + 1))) {
		worker_release((void *)(uintptr_t)(id + 1));
		return -EAGAIN;
	}
	worker_cached = id;
	return id;
}

/* ---- compressors ---- */

int zcomp_create(const char *name, const struct zcomp_params *params,
		 struct zcomp **out)
{
	const struct zcomp_params def = { .level = ZCOMP_LEVEL_DEFAULT };
	const struct zcomp_ops *ops;
	struct zcomp *comp;
	int i, ret;

	ops = zcomp_find(name);
	if (!ops)
		return -EINVAL;
	comp = calloc(1, sizeof(*comp));
	if (!comp)
		return -ENOMEM;
	comp->ops = ops;
	for (i = 0; i < ZCOMP_MAX_WORKERS; i++)
		atomic_init(&comp->streams[i], NULL);
	ret = zcomp_params_copy(&comp->params, params ? params : &def);
	if (ret)
		goto out_free_comp;
	ret = ops->setup_params(&comp->params, &comp->priv);
	if (ret)
		goto out_free_params;
	*out = comp;
	return 0;

out_free_params:
	zcomp_params_free(&comp->params);
out_free_comp:
	free(comp);
	return ret;
}

void zcomp_destroy(struct zcomp *comp)
{
	void *ctx;
	int i;

	if (!comp)
		return;
	for (i = 0; i < ZCOMP_MAX_WORKERS; i++) {
		ctx = atomic_load_explicit(&comp->streams[i],
					   memory_order_acquire);
		if (ctx)
			comp->ops->destroy_ctx(ctx);
	}
	comp->ops->release_params(comp->priv);
	zcomp_params_free(&comp->params);
	free(comp);
}

const char *zcomp_name(const struct zcomp *comp)
{
	return comp->ops->name;
}

/*
 * The calling worker's context, created on first use.  *tmp is set when
 * no worker id was free and the context must be destroyed after the call.
 */
static void *stream_get(struct zcomp *comp, bool *tmp)
{
	void *ctx, *old = NULL;
	int id = zcomp_worker_id();

	*tmp = id < 0;
	if (*tmp)
		return comp->ops->create_ctx(&comp->params, comp->priv);

	ctx = atomic_load_explicit(&comp->streams[id], memory_order_acquire);
	if (ctx)
		return ctx;
	ctx = comp->ops->create_ctx(&comp->params, comp->priv);
	if (!ctx)
		return NULL;
	if (!atomic_compare_exchange_strong_explicit(&comp->streams[id], &old,
						     ctx, memory_order_acq_rel,
						     memory_order_acquire)) {
		/* cannot happen while ids are unique; stay correct anyway */
		comp->ops->destroy_ctx(ctx);
		ctx = old;
	}
	return ctx;
}

int zcomp_compress(struct zcomp *comp, const void *src, size_t src_len,
		   void *dst, size_t *dst_len)
{
	bool tmp;
	void *ctx = stream_get(comp, &tmp);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = comp->ops->compress(ctx, src, src_len, dst, dst_len);
	if (tmp)
		comp->ops->destroy_ctx(ctx);
	return ret;
}

int zcomp_decompress(struct zcomp *comp, const void *src, size_t src_len,
		     void *dst, size_t dst_len)
{
	bool tmp;
	void *ctx = stream_get(comp, &tmp);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = comp->ops->decompress(ctx, src, src_len, dst, dst_len);
	if (tmp)
		comp->ops->destroy_ctx(ctx);
	return ret;
}
