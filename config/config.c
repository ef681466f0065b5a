/*
 * config - parse and check zramfs.json with jansson.  Each object is
 * unpacked with JSON_STRICT, so a key that is not known is an error that
 * names it; each value is then checked for its type and range with the
 * path to it ("devices[1].swap.priority") in the message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/config.h"
#include "config/sizeexpr.h"

#define PATH_LEN 128

struct ctx {
	const char *name; /* the file, for messages */
	uint64_t ram;
	char *err;
	size_t errlen;
};

/* one line, whatever a quoted value held: "\n" and the like as ? */
static void one_line(char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			*msg = '?';
}

static int error(struct ctx *c, const char *path, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(c->err, c->errlen, "%s: %s%s", c->name, path,
		     *path ? ": " : "");
	if (n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	one_line(c->err);
	return -EINVAL;
}

/*
 * json_unpack_ex with JSON_STRICT; jansson's "N object item(s) left
 * unpacked: KEY, ..." becomes "unknown key KEY, ...".
 */
static int unpack(struct ctx *c, const char *path, json_t *o, const char *fmt,
		  ...)
{
	static const char left[] = "left unpacked: ";
	json_error_t jerr;
	const char *keys;
	va_list ap;
	int ret;

	if (!json_is_object(o))
		return error(c, path, "expected an object");
	va_start(ap, fmt);
	ret = json_vunpack_ex(o, &jerr, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (!ret)
		return 0;
	keys = strstr(jerr.text, left);
	if (keys)
		return error(c, path, "unknown key %s", keys + strlen(left));
	return error(c, path, "%s", jerr.text);
}

/* path.key into out (cut at PATH_LEN: it only names things) */
static void join(char *out, const char *path, const char *key)
{
	if (snprintf(out, PATH_LEN, "%s%s%s", path, *path ? "." : "", key) >=
	    PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

/* an optional string: no NUL, no newline (it is written to a file) */
static int get_string(struct ctx *c, const char *path, const char *key,
		      json_t *v, char **out)
{
	char p[PATH_LEN];
	const char *s;

	if (!v)
		return 0;
	join(p, path, key);
	if (!json_is_string(v))
		return error(c, p, "expected a string");
	s = json_string_value(v);
	if (!*s)
		return error(c, p, "empty");
	if (strlen(s) != json_string_length(v) || strchr(s, '\n'))
		return error(c, p, "control characters in \"%s\"", s);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int get_bool(struct ctx *c, const char *path, const char *key, json_t *v,
		    int *out)
{
	char p[PATH_LEN];

	if (!v)
		return 0;
	join(p, path, key);
	if (!json_is_boolean(v))
		return error(c, p, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

static int get_int(struct ctx *c, const char *path, const char *key, json_t *v,
		   int64_t min, int64_t max, int64_t *out)
{
	char p[PATH_LEN];
	int64_t n;

	if (!v)
		return 0;
	join(p, path, key);
	if (!json_is_integer(v))
		return error(c, p, "expected an integer");
	n = json_integer_value(v);
	if (n < min || n > max)
		return error(c, p, "%lld is out of range %lld..%lld",
			     (long long)n, (long long)min, (long long)max);
	*out = n;
	return 0;
}

/* bytes: an integer, or a size expression over ram (sizeexpr.h) */
static int get_size(struct ctx *c, const char *path, const char *key, json_t *v,
		    uint64_t *out)
{
	char p[PATH_LEN], why[256];

	join(p, path, key);
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return error(c, p, "negative size");
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return error(c, p,
			     "expected a size (bytes, or a string such "
			     "as \"min(ram / 2, 4G)\")");
	if (zsize_eval(json_string_value(v), c->ram, out, why, sizeof(why)))
		return error(c, p, "%s", why);
	return 0;
}

/*
 * algorithm_params without algo/priority: "level=N dict=PATH" as a
 * string, or {"level": N, "dict": "PATH"}; out is the string form.
 */
static int get_params(struct ctx *c, const char *path, const char *key,
		      json_t *v, char **out)
{
	char p[PATH_LEN], buf[4096], *s, *tok, *save, *val;
	json_t *level = NULL, *dict = NULL;
	size_t n = 0;
	int ret;

	if (!v)
		return 0;
	join(p, path, key);
	if (json_is_object(v)) {
		ret = unpack(c, p, v, "{s?o, s?o}", "level", &level, "dict",
			     &dict);
		if (ret)
			return ret;
		if (level && !json_is_integer(level))
			return error(c, p, "level: expected an integer");
		if (dict &&
		    (!json_is_string(dict) || !*json_string_value(dict) ||
		     strpbrk(json_string_value(dict), " \n")))
			return error(c, p,
				     "dict: expected a path without "
				     "spaces");
		if (!level && !dict)
			return error(c, p, "neither level nor dict");
		if (level)
			n += snprintf(buf + n, sizeof(buf) - n, "level=%lld",
				      (long long)json_integer_value(level));
		if (dict && n < sizeof(buf))
			n += snprintf(buf + n, sizeof(buf) - n, "%sdict=%s",
				      n ? " " : "", json_string_value(dict));
		if (n >= sizeof(buf))
			return error(c, p, "too long");
		*out = strdup(buf);
		return *out ? 0 : -ENOMEM;
	}
	ret = get_string(c, path, key, v, out);
	if (ret)
		return ret;
	/* check each key=value of the string form */
	s = strdup(*out);
	if (!s)
		return -ENOMEM;
	ret = 0;
	for (tok = strtok_r(s, " \t", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t", &save)) {
		val = strchr(tok, '=');
		if (!val || !val[1]) {
			ret = error(c, p, "\"%s\" is not key=value", tok);
		} else if (!strncmp(tok, "level=", 6)) {
			char *end;

			strtol(val + 1, &end, 10);
			if (*end)
				ret = error(c, p,
					    "level: \"%s\" is not an "
					    "integer",
					    val + 1);
		} else if (strncmp(tok, "dict=", 5)) {
			*val = '\0';
			ret = error(c, p, "unknown parameter %s (level, dict)",
				    tok);
		}
	}
	free(s);
	if (ret) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

static int parse_recomp(struct ctx *c, const char *path, json_t *arr,
			struct zcfg_dev *d)
{
	char p[PATH_LEN];
	json_t *alg, *params;
	size_t i;
	int ret;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return error(c, path,
			     "expected an array of "
			     "{\"algorithm\": ..., \"params\": ...}");
	if (json_array_size(arr) > ZCFG_MAX_RECOMP)
		return error(c, path,
			     "at most %d algorithms (priorities 1..%d)",
			     ZCFG_MAX_RECOMP, ZCFG_MAX_RECOMP);
	for (i = 0; i < json_array_size(arr); i++) {
		if (snprintf(p, sizeof(p), "%s[%zu]", path, i) >= PATH_LEN)
			p[PATH_LEN - 1] = '\0';
		alg = params = NULL;
		ret = unpack(c, p, json_array_get(arr, i), "{s:o, s?o}",
			     "algorithm", &alg, "params", &params);
		if (ret)
			return ret;
		ret = get_string(c, p, "algorithm", alg,
				 &d->recomp[i].algorithm);
		if (!ret)
			ret = get_params(c, p, "params", params,
					 &d->recomp[i].params);
		d->nr_recomp = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_swap(struct ctx *c, const char *path, json_t *v,
		      struct zcfg_dev *d)
{
	json_t *prio = NULL, *discard = NULL;
	char p[PATH_LEN];
	int64_t n;
	int ret;

	d->use = ZCFG_USE_SWAP;
	d->swap_discard = strdup("pages");
	if (!d->swap_discard)
		return -ENOMEM;
	if (json_is_true(v))
		return 0;
	ret = unpack(c, path, v, "{s?o, s?o}", "priority", &prio, "discard",
		     &discard);
	if (ret)
		return ret;
	n = -1;
	ret = get_int(c, path, "priority", prio, -1, 32767, &n);
	if (ret)
		return ret;
	d->swap_priority = n;
	if (!discard)
		return 0;
	join(p, path, "discard");
	free(d->swap_discard);
	d->swap_discard = NULL;
	if (json_is_false(discard))
		return 0;
	if (json_is_true(discard)) {
		d->swap_discard = strdup("both");
	} else if (json_is_string(discard) &&
		   (!strcmp(json_string_value(discard), "pages") ||
		    !strcmp(json_string_value(discard), "once") ||
		    !strcmp(json_string_value(discard), "both"))) {
		d->swap_discard = strdup(json_string_value(discard));
	} else {
		return error(c, p,
			     "expected \"pages\", \"once\", \"both\", "
			     "true or false");
	}
	return d->swap_discard ? 0 : -ENOMEM;
}

static int parse_fs(struct ctx *c, const char *path, json_t *v,
		    struct zcfg_dev *d)
{
	json_t *type = NULL, *mkfs = NULL, *mp = NULL, *opts = NULL, *o;
	char p[PATH_LEN];
	const char *t;
	size_t i;
	int ret;

	d->use = ZCFG_USE_FS;
	ret = unpack(c, path, v, "{s:o, s?o, s:o, s?o}", "type", &type,
		     "mkfs_options", &mkfs, "mount_point", &mp, "mount_options",
		     &opts);
	if (ret)
		return ret;
	ret = get_string(c, path, "type", type, &d->fs_type);
	if (ret)
		return ret;
	for (t = d->fs_type; *t; t++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", *t))
			break;
	join(p, path, "type");
	if (*t)
		return error(c, p, "\"%s\" is not a filesystem type",
			     d->fs_type);
	ret = get_string(c, path, "mount_point", mp, &d->mount_point);
	if (ret)
		return ret;
	join(p, path, "mount_point");
	if (d->mount_point[0] != '/')
		return error(c, p, "\"%s\" is not an absolute path",
			     d->mount_point);
	ret = get_string(c, path, "mount_options", opts, &d->mount_options);
	if (ret)
		return ret;
	if (!d->mount_options && !(d->mount_options = strdup("discard")))
		return -ENOMEM;
	join(p, path, "mkfs_options");
	if (mkfs && !json_is_array(mkfs))
		return error(c, p, "expected an array of strings");
	d->mkfs_options = calloc((mkfs ? json_array_size(mkfs) : 0) + 1,
				 sizeof(char *));
	if (!d->mkfs_options)
		return -ENOMEM;
	for (i = 0; mkfs && i < json_array_size(mkfs); i++) {
		char ip[PATH_LEN];

		o = json_array_get(mkfs, i);
		snprintf(ip, sizeof(ip), "%zu", i);
		ret = get_string(c, p, ip, o, &d->mkfs_options[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_dev(struct ctx *c, int idx, json_t *o, struct zcfg_dev *d)
{
	json_t *size = NULL, *alg = NULL, *params = NULL, *recomp = NULL,
	       *mem_limit = NULL, *bdev = NULL, *wb_comp = NULL,
	       *wb_batch = NULL, *wb_enable = NULL, *wb_limit = NULL,
	       *policy = NULL, *evict = NULL, *swap = NULL, *fs = NULL;
	char path[PATH_LEN], p[PATH_LEN];
	uint64_t v;
	int ret;

	snprintf(path, sizeof(path), "devices[%d]", idx);
	ret = unpack(c, path, o,
		     "{s:o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o,"
		     " s?o, s?o, s?o}",
		     "size", &size, "algorithm", &alg, "algorithm_params",
		     &params, "recompression", &recomp, "mem_limit", &mem_limit,
		     "backing_dev", &bdev, "writeback_compressed", &wb_comp,
		     "writeback_batch_size", &wb_batch,
		     "writeback_limit_enable", &wb_enable, "writeback_limit",
		     &wb_limit, "policy", &policy, "evict_on_limit", &evict,
		     "swap", &swap, "filesystem", &fs);
	if (ret)
		return ret;
	ret = get_size(c, path, "size", size, &d->size);
	join(p, path, "size");
	if (!ret && d->size < 4096)
		ret = error(c, p, "%llu bytes is less than a page",
			    (unsigned long long)d->size);
	if (!ret)
		ret = get_string(c, path, "algorithm", alg, &d->algorithm);
	if (!ret)
		ret = get_params(c, path, "algorithm_params", params,
				 &d->params);
	if (!ret) {
		join(p, path, "recompression");
		ret = parse_recomp(c, p, recomp, d);
	}
	if (!ret && mem_limit) {
		ret = get_size(c, path, "mem_limit", mem_limit, &v);
		d->mem_limit = v;
	}
	if (!ret)
		ret = get_string(c, path, "backing_dev", bdev, &d->backing_dev);
	join(p, path, "backing_dev");
	if (!ret && d->backing_dev && d->backing_dev[0] != '/')
		ret = error(c, p, "\"%s\" is not an absolute path",
			    d->backing_dev);
	if (!ret)
		ret = get_bool(c, path, "writeback_compressed", wb_comp,
			       &d->writeback_compressed);
	if (!ret)
		ret = get_int(c, path, "writeback_batch_size", wb_batch, 1,
			      1 << 20, &d->writeback_batch_size);
	if (!ret)
		ret = get_bool(c, path, "writeback_limit_enable", wb_enable,
			       &d->writeback_limit_enable);
	if (!ret && wb_limit) {
		ret = get_size(c, path, "writeback_limit", wb_limit, &v);
		d->writeback_limit = v;
	}
	if (!ret)
		ret = get_string(c, path, "policy", policy, &d->policy);
	if (!ret)
		ret = get_bool(c, path, "evict_on_limit", evict,
			       &d->evict_on_limit);
	if (ret)
		return ret;
	if (swap && fs)
		return error(c, path,
			     "both swap and filesystem: a device "
			     "has one use");
	join(p, path, "swap");
	if (swap && !json_is_false(swap))
		ret = parse_swap(c, p, swap, d);
	join(p, path, "filesystem");
	if (!ret && fs)
		ret = parse_fs(c, p, fs, d);
	return ret;
}

static void dev_init(struct zcfg_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->mem_limit = -1;
	d->writeback_compressed = -1;
	d->writeback_batch_size = -1;
	d->writeback_limit_enable = -1;
	d->writeback_limit = -1;
	d->evict_on_limit = -1;
	d->swap_priority = -1;
}

static void dev_free(struct zcfg_dev *d)
{
	char **o;
	int i;

	free(d->algorithm);
	free(d->params);
	for (i = 0; i < ZCFG_MAX_RECOMP; i++) {
		free(d->recomp[i].algorithm);
		free(d->recomp[i].params);
	}
	free(d->backing_dev);
	free(d->policy);
	free(d->swap_discard);
	free(d->fs_type);
	for (o = d->mkfs_options; o && *o; o++)
		free(*o);
	free(d->mkfs_options);
	free(d->mount_point);
	free(d->mount_options);
}

void zcfg_free(struct zcfg *cfg)
{
	int i;

	for (i = 0; i < cfg->nr_devs; i++)
		dev_free(&cfg->devs[i]);
	free(cfg->devs);
	free(cfg->mount);
	memset(cfg, 0, sizeof(*cfg));
}

static int parse_root(struct ctx *c, json_t *root, struct zcfg *cfg)
{
	json_t *mount = NULL, *devs = NULL;
	char p[PATH_LEN];
	size_t i, j;
	int ret;

	ret = unpack(c, "", root, "{s?o, s:o}", "mount", &mount, "devices",
		     &devs);
	if (ret)
		return ret;
	ret = get_string(c, "", "mount", mount, &cfg->mount);
	if (ret)
		return ret;
	if (!cfg->mount && !(cfg->mount = strdup(ZCFG_DEFAULT_MOUNT)))
		return -ENOMEM;
	if (cfg->mount[0] != '/')
		return error(c, "mount", "\"%s\" is not an absolute path",
			     cfg->mount);
	if (!json_is_array(devs) || !json_array_size(devs))
		return error(c, "devices",
			     "expected an array of one device "
			     "or more");
	if (json_array_size(devs) > 1024)
		return error(c, "devices", "more than 1024 devices");
	cfg->devs = calloc(json_array_size(devs), sizeof(*cfg->devs));
	if (!cfg->devs)
		return -ENOMEM;
	for (i = 0; i < json_array_size(devs); i++) {
		dev_init(&cfg->devs[i]);
		cfg->nr_devs = i + 1;
		ret = parse_dev(c, i, json_array_get(devs, i), &cfg->devs[i]);
		if (ret)
			return ret;
	}
	/* two filesystems on one directory would hide each other */
	for (i = 0; i < (size_t)cfg->nr_devs; i++)
		for (j = 0; j < i; j++) {
			if (!cfg->devs[i].mount_point ||
			    !cfg->devs[j].mount_point ||
			    strcmp(cfg->devs[i].mount_point,
				   cfg->devs[j].mount_point))
				continue;
			snprintf(p, sizeof(p),
				 "devices[%zu].filesystem.mount_point", i);
			return error(c, p, "%s is also devices[%zu]'s",
				     cfg->devs[i].mount_point, j);
		}
	return 0;
}

static int parse_json(json_t *root, const char *name, uint64_t ram,
		      struct zcfg *cfg, char *err, size_t errlen)
{
	struct ctx c = { name, ram, err, errlen };
	struct zcfg tmp = { 0 };
	int ret;

	tmp.ram = ram;
	ret = parse_root(&c, root, &tmp);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	if (ret) {
		zcfg_free(&tmp);
		return ret;
	}
	*cfg = tmp;
	return 0;
}

/* jansson's message quotes the text near the error: one line of it */
static int syntax_error(char *err, size_t errlen, const char *name,
			const json_error_t *jerr)
{
	snprintf(err, errlen, "%s:%d:%d: %s", name, jerr->line, jerr->column,
		 jerr->text);
	one_line(err);
	return -EINVAL;
}

int zcfg_parse(const char *text, const char *name, uint64_t ram,
	       struct zcfg *cfg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return syntax_error(err, errlen, name, &jerr);
	ret = parse_json(root, name, ram, cfg, err, errlen);
	json_decref(root);
	return ret;
}

int zcfg_load(const char *path, uint64_t ram, struct zcfg *cfg, char *err,
	      size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root)
		return syntax_error(err, errlen, path, &jerr);
	ret = parse_json(root, path, ram, cfg, err, errlen);
	json_decref(root);
	return ret;
}
