/*
 * up - apply a zramfs.json and undo it (see up.h).
 *
 * The state file, /run/zramfsctl/<mount path escaped>.json, lists per
 * device what up did, each flag set before the next step is taken:
 *
 *   {"mount": "/run/zramfs", "devices": [{"id": 0, "created": false,
 *    "configured": true, "loop": "/dev/loop3", "swap": true,
 *    "mount_point": null, "made_dir": false}]}
 *
 * down (and up's own rollback) undoes it in reverse: swapoff or umount,
 * rmdir what up created, losetup -d, reset, hot_remove what up added;
 * each step only if its effect is still there, so it can be repeated.
 * An flock on /run/zramfsctl keeps two runs apart.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config/config.h"
#include "config/sizeexpr.h"
#include "ctl/mnt.h"
#include "ctl/up.h"

struct dev_state {
	int id;
	bool created;	   /* hot_add made it */
	bool configured;   /* a control file was written */
	char loop[64];	   /* attached loop device, "" none */
	bool swap;	   /* swapon done */
	char *mount_point; /* mounted there, NULL none */
	bool made_dir;	   /* up created the mount point */
};

struct state {
	char mnt[PATH_MAX];
	char path[PATH_MAX]; /* the state file */
	int n;
	struct dev_state devs[ZCTL_MAX_DEVICES];
};

/* /run/zramfs -> run-zramfs, as systemd-escape --path */
static void state_path(struct state *st, const char *mnt)
{
	char name[PATH_MAX * 4 / 3], *o = name;
	const char *p = mnt;

	while (*p == '/')
		p++;
	for (; *p && o < name + sizeof(name) - 5; p++) {
		if (*p == '/') {
			while (p[1] == '/')
				p++;
			if (p[1])
				*o++ = '-';
		} else if (isalnum((unsigned char)*p) || *p == '_' ||
			   (*p == '.' && o != name)) {
			*o++ = *p;
		} else {
			o += sprintf(o, "\\x%02x", (unsigned char)*p);
		}
	}
	*o = '\0';
	snprintf(st->mnt, sizeof(st->mnt), "%s", mnt);
	if (snprintf(st->path, sizeof(st->path), "%s/%s.json", ZCTL_STATE_DIR,
		     *name ? name : "-") >= PATH_MAX)
		snprintf(st->path, sizeof(st->path), "%s/long.json",
			 ZCTL_STATE_DIR);
}

static int save_state(struct state *st)
{
	char tmp[PATH_MAX + 8];
	json_t *root, *devs, *d;
	int i, ret = 0;

	root = json_pack("{s:s, s:[]}", "mount", st->mnt, "devices");
	if (!root)
		return -ENOMEM;
	devs = json_object_get(root, "devices");
	for (i = 0; i < st->n; i++) {
		struct dev_state *s = &st->devs[i];

		d = json_pack("{s:i, s:b, s:b, s:s?, s:b, s:s?, s:b}", "id",
			      s->id, "created", s->created, "configured",
			      s->configured, "loop",
			      s->loop[0] ? s->loop : NULL, "swap", s->swap,
			      "mount_point", s->mount_point, "made_dir",
			      s->made_dir);
		if (!d || json_array_append_new(devs, d)) {
			json_decref(root);
			return -ENOMEM;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) ||
	    rename(tmp, st->path)) {
		ret = -errno ? -errno : -EIO;
		zctl_msg("%s: cannot write the state: %s", st->path,
			 strerror(-ret));
		unlink(tmp);
	}
	json_decref(root);
	return ret;
}

static void free_state(struct state *st)
{
	int i;

	for (i = 0; i < st->n; i++)
		free(st->devs[i].mount_point);
	st->n = 0;
}

/* 0 loaded, -ENOENT no state, else -errno (message printed) */
static int load_state(struct state *st)
{
	json_error_t jerr;
	json_t *root, *devs, *d;
	json_t *loop, *mp;
	size_t i;
	int created, configured, swap, made_dir;

	st->n = 0;
	if (access(st->path, F_OK))
		return -ENOENT;
	root = json_load_file(st->path, 0, &jerr);
	if (!root) {
		zctl_msg("%s:%d: %s", st->path, jerr.line, jerr.text);
		return -EINVAL;
	}
	devs = json_object_get(root, "devices");
	for (i = 0; i < json_array_size(devs) && i < ZCTL_MAX_DEVICES; i++) {
		struct dev_state *s = &st->devs[st->n];

		d = json_array_get(devs, i);
		loop = mp = NULL;
		if (json_unpack(d, "{s:i, s:b, s:b, s:o, s:b, s:o, s:b}", "id",
				&s->id, "created", &created, "configured",
				&configured, "loop", &loop, "swap", &swap,
				"mount_point", &mp, "made_dir", &made_dir) ||
		    (!json_is_null(loop) && !json_is_string(loop)) ||
		    (!json_is_null(mp) && !json_is_string(mp))) {
			zctl_msg("%s: devices[%zu]: unreadable", st->path, i);
			json_decref(root);
			free_state(st);
			return -EINVAL;
		}
		s->created = created;
		s->configured = configured;
		s->swap = swap;
		s->made_dir = made_dir;
		snprintf(s->loop, sizeof(s->loop), "%s",
			 json_is_string(loop) ? json_string_value(loop) : "");
		s->mount_point = json_is_string(mp) ?
					 strdup(json_string_value(mp)) :
					 NULL;
		st->n++;
	}
	json_decref(root);
	return 0;
}

/*
 * The kernel sends a FUSE RELEASE in the background, so right after
 * losetup -d the image may count as open for a moment: retry EBUSY for
 * up to 10 s.  This waits for a condition; it does not time anything.
 */
static int write_retry(const char *mnt, int id, const char *attr,
		       const char *val)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i, ret;

	for (i = 0; i < 200; i++) {
		if (!strcmp(attr, "hot_remove"))
			ret = zctl_hot_remove(mnt, id);
		else
			ret = zctl_write(mnt, id, attr, val);
		if (ret != -EBUSY)
			return ret;
		nanosleep(&ts, NULL);
	}
	return ret;
}

static int run(char *const argv[])
{
	int ret = zctl_run(argv, NULL, 0);

	if (ret)
		zctl_msg("%s failed (%s)", argv[0],
			 ret < 0 ? strerror(-ret) : "see above");
	return ret ? -EIO : 0;
}

/*
 * Undo one device in reverse; 0 when nothing of it is left.  The loop
 * device is only touched while it is still attached to this image: one
 * detached by hand may have been reused for something else since.
 */
static int undo_dev(const char *mnt, struct dev_state *s)
{
	char image[PATH_MAX], loop[64];
	bool ours;
	int ret, failed = 0;

	zctl_image(mnt, s->id, image, sizeof(image));
	zctl_loop_of(image, loop, sizeof(loop));
	ours = s->loop[0] && !strcmp(loop, s->loop);
	if (s->swap) {
		/* systemd may turn its own swap unit off at the same time */
		if (ours && zctl_is_swap(s->loop) &&
		    run((char *[]){ "swapoff", s->loop, NULL }) &&
		    zctl_is_swap(s->loop))
			return -EIO;
		s->swap = false;
	}
	if (s->mount_point) {
		if (ours && zctl_is_mounted(s->loop, s->mount_point) &&
		    run((char *[]){ "umount", s->mount_point, NULL }) &&
		    zctl_is_mounted(s->loop, s->mount_point))
			return -EIO;
		if (s->made_dir && rmdir(s->mount_point) && errno != ENOENT)
			zctl_msg("%s: %s (left in place)", s->mount_point,
				 strerror(errno));
		free(s->mount_point);
		s->mount_point = NULL;
		s->made_dir = false;
	}
	if (s->loop[0]) {
		if (ours && run((char *[]){ "losetup", "-d", s->loop, NULL }))
			return -EIO;
		s->loop[0] = '\0';
	}
	if (s->configured) {
		ret = write_retry(mnt, s->id, "reset", "1");
		if (ret && ret != -ENOENT && ret != -ENODEV) {
			zctl_msg("%s/block/zram%d/reset: %s", mnt, s->id,
				 strerror(-ret));
			failed = 1;
		} else {
			s->configured = false;
		}
	}
	if (s->created && !failed) {
		ret = write_retry(mnt, s->id, "hot_remove", NULL);
		if (ret && ret != -ENODEV && ret != -ENOENT) {
			zctl_msg("%s/class/zram-control/hot_remove %d: %s", mnt,
				 s->id, strerror(-ret));
			failed = 1;
		} else {
			s->created = false;
		}
	}
	return failed ? -EIO : 0;
}

/* undo everything recorded, last first; the state file goes when done */
static int undo_all(struct state *st)
{
	int i, ret = 0;

	for (i = st->n - 1; i >= 0; i--) {
		if (undo_dev(st->mnt, &st->devs[i])) {
			ret = -EIO;
			continue;
		}
		/* done with: drop it from the record */
		free(st->devs[i].mount_point);
		memmove(&st->devs[i], &st->devs[i + 1],
			(st->n - i - 1) * sizeof(st->devs[0]));
		st->n--;
	}
	if (ret) {
		save_state(st);
		zctl_msg("%s: not everything could be undone; what is left is in "
			 "%s",
			 st->mnt, st->path);
		return ret;
	}
	if (unlink(st->path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* everything recorded is still in effect */
static bool state_live(struct state *st)
{
	char image[PATH_MAX], loop[64];
	uint64_t init;
	int i;

	for (i = 0; i < st->n; i++) {
		struct dev_state *s = &st->devs[i];

		zctl_image(st->mnt, s->id, image, sizeof(image));
		if (!zctl_exists(st->mnt, s->id))
			return false;
		if (s->configured &&
		    (zctl_read_u64(st->mnt, s->id, "initstate", &init) ||
		     !init))
			return false;
		if (s->loop[0]) {
			zctl_loop_of(image, loop, sizeof(loop));
			if (strcmp(loop, s->loop))
				return false;
		}
		if (s->swap && !zctl_is_swap(s->loop))
			return false;
		if (s->mount_point && !zctl_is_mounted(s->loop, s->mount_point))
			return false;
	}
	return true;
}

/* one run at a time: an flock on the state directory */
static int lock_state(struct state *st)
{
	int fd;

	if (mkdir(ZCTL_STATE_DIR, 0755) && errno != EEXIST) {
		zctl_msg("%s: %s", ZCTL_STATE_DIR, strerror(errno));
		return -1;
	}
	fd = open(ZCTL_STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		zctl_msg("%s: %s", ZCTL_STATE_DIR, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* the mount is served: its control directory is there (up to 30 s) */
static int wait_mount(const char *mnt)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char path[PATH_MAX + 32];
	int i;

	snprintf(path, sizeof(path), "%s/class/zram-control/hot_add", mnt);
	for (i = 0; i < 300; i++) {
		if (!access(path, F_OK))
			return 0;
		nanosleep(&ts, NULL);
	}
	zctl_msg("%s: not a zramfs mount (no class/zram-control/hot_add)", mnt);
	return -1;
}

/* name is one of comp_algorithm's list ("lzo [lz4] zstd") */
static bool algorithm_offered(const char *list, const char *name)
{
	const char *p = list;
	size_t n = strlen(name);

	while (*p) {
		while (*p == ' ' || *p == '[')
			p++;
		if (!strncmp(p, name, n) &&
		    (!p[n] || p[n] == ' ' || p[n] == ']'))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

struct need {
	const char *file; /* the control file */
	const char *key;  /* the config key that needs it */
};

/* check devices[i] against the mount before anything is written */
static int check_dev(const char *mnt, int i, const struct zcfg_dev *d)
{
	struct need needs[16];
	char list[4096], image[PATH_MAX], loop[64];
	const char *tool;
	uint64_t init = 0;
	struct stat sb;
	int n = 0, k;

	if (zctl_read_u64(mnt, i, "initstate", &init) || init) {
		zctl_msg("devices[%d]: %s/block/zram%d is %s; reset it first "
			 "(zramfsctl -r zram%d)",
			 i, mnt, i, init ? "already initialised" : "unreadable",
			 i);
		return -1;
	}
	zctl_image(mnt, i, image, sizeof(image));
	zctl_loop_of(image, loop, sizeof(loop));
	if (loop[0]) {
		zctl_msg("devices[%d]: %s is attached to %s already", i, image,
			 loop);
		return -1;
	}
	needs[n++] = (struct need){ "disksize", "size" };
	if (d->algorithm)
		needs[n++] = (struct need){ "comp_algorithm", "algorithm" };
	if (d->params)
		needs[n++] = (struct need){ "algorithm_params",
					    "algorithm_params" };
	if (d->nr_recomp)
		needs[n++] = (struct need){ "recomp_algorithm",
					    "recompression" };
	if (d->mem_limit >= 0)
		needs[n++] = (struct need){ "mem_limit", "mem_limit" };
	if (d->backing_dev)
		needs[n++] = (struct need){ "backing_dev", "backing_dev" };
	if (d->writeback_compressed >= 0)
		needs[n++] = (struct need){ "writeback_compressed",
					    "writeback_compressed" };
	if (d->writeback_batch_size >= 0)
		needs[n++] = (struct need){ "writeback_batch_size",
					    "writeback_batch_size" };
	if (d->writeback_limit_enable >= 0)
		needs[n++] = (struct need){ "writeback_limit_enable",
					    "writeback_limit_enable" };
	if (d->writeback_limit >= 0)
		needs[n++] = (struct need){ "writeback_limit",
					    "writeback_limit" };
	if (d->policy)
		needs[n++] = (struct need){ "policy", "policy" };
	if (d->evict_on_limit >= 0)
		needs[n++] = (struct need){ "evict_on_limit",
					    "evict_on_limit" };
	for (k = 0; k < n; k++)
		if (!zctl_has(mnt, i, needs[k].file)) {
			zctl_msg("devices[%d].%s: this zramfs has no %s "
				 "(block/zram%d/%s)",
				 i, needs[k].key, needs[k].file, i,
				 needs[k].file);
			return -1;
		}
	if (zctl_read(mnt, i, "comp_algorithm", list, sizeof(list))) {
		zctl_msg("devices[%d]: cannot read comp_algorithm", i);
		return -1;
	}
	if (d->algorithm && !algorithm_offered(list, d->algorithm)) {
		zctl_msg("devices[%d].algorithm: %s is not one of: %s", i,
			 d->algorithm, list);
		return -1;
	}
	for (k = 0; k < d->nr_recomp; k++)
		if (!algorithm_offered(list, d->recomp[k].algorithm)) {
			zctl_msg("devices[%d].recompression[%d].algorithm: %s is "
				 "not one of: %s",
				 i, k, d->recomp[k].algorithm, list);
			return -1;
		}
	if (d->backing_dev && stat(d->backing_dev, &sb)) {
		zctl_msg("devices[%d].backing_dev: %s: %s", i, d->backing_dev,
			 strerror(errno));
		return -1;
	}
	if (d->use != ZCFG_USE_NONE && !zctl_have_prog("losetup")) {
		zctl_msg("devices[%d]: losetup not found", i);
		return -1;
	}
	if (d->use == ZCFG_USE_SWAP) {
		if (!zctl_have_prog("mkswap") || !zctl_have_prog("swapon")) {
			zctl_msg("devices[%d].swap: mkswap or swapon not found",
				 i);
			return -1;
		}
	}
	if (d->use == ZCFG_USE_FS) {
		snprintf(list, sizeof(list), "mkfs.%s", d->fs_type);
		tool = list;
		if (!zctl_have_prog(tool)) {
			zctl_msg("devices[%d].filesystem.type: %s not found", i,
				 tool);
			return -1;
		}
		if (!stat(d->mount_point, &sb) && !S_ISDIR(sb.st_mode)) {
			zctl_msg("devices[%d].filesystem.mount_point: %s is not a "
				 "directory",
				 i, d->mount_point);
			return -1;
		}
	}
	return 0;
}

/* one control file, with the key in the message if it fails */
static int put(const char *mnt, int i, const char *file, const char *key,
	       const char *val)
{
	int ret = zctl_write(mnt, i, file, val);

	if (ret)
		zctl_msg("devices[%d].%s: writing \"%s\" to block/zram%d/%s: %s",
			 i, key, val, i, file, strerror(-ret));
	return ret;
}

static int put_u64(const char *mnt, int i, const char *file, const char *key,
		   uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return put(mnt, i, file, key, buf);
}

/* zram-generator's order: algorithms, backing store, limits, size */
static int configure(struct state *st, int i, const struct zcfg_dev *d)
{
	const char *mnt = st->mnt;
	char buf[4200];
	int k;

	st->devs[i].configured = true;
	if (save_state(st))
		return -1;
	if (d->algorithm &&
	    put(mnt, i, "comp_algorithm", "algorithm", d->algorithm))
		return -1;
	if (d->params &&
	    put(mnt, i, "algorithm_params", "algorithm_params", d->params))
		return -1;
	for (k = 0; k < d->nr_recomp; k++) {
		snprintf(buf, sizeof(buf), "algo=%s priority=%d",
			 d->recomp[k].algorithm, k + 1);
		if (put(mnt, i, "recomp_algorithm", "recompression", buf))
			return -1;
		if (!d->recomp[k].params)
			continue;
		snprintf(buf, sizeof(buf), "priority=%d %s", k + 1,
			 d->recomp[k].params);
		if (put(mnt, i, "algorithm_params", "recompression", buf))
			return -1;
	}
	if (d->backing_dev &&
	    put(mnt, i, "backing_dev", "backing_dev", d->backing_dev))
		return -1;
	if (d->writeback_compressed >= 0 &&
	    put(mnt, i, "writeback_compressed", "writeback_compressed",
		d->writeback_compressed ? "1" : "0"))
		return -1;
	if (d->writeback_batch_size >= 0 &&
	    put_u64(mnt, i, "writeback_batch_size", "writeback_batch_size",
		    d->writeback_batch_size))
		return -1;
	if (d->mem_limit >= 0 &&
	    put_u64(mnt, i, "mem_limit", "mem_limit", d->mem_limit))
		return -1;
	if (put_u64(mnt, i, "disksize", "size", d->size))
		return -1;
	/* after init: the writeback budget, the policy */
	if (d->writeback_limit_enable >= 0 &&
	    put(mnt, i, "writeback_limit_enable", "writeback_limit_enable",
		d->writeback_limit_enable ? "1" : "0"))
		return -1;
	if (d->writeback_limit >= 0 &&
	    put_u64(mnt, i, "writeback_limit", "writeback_limit",
		    d->writeback_limit / 4096))
		return -1;
	if (d->policy && put(mnt, i, "policy", "policy", d->policy))
		return -1;
	if (d->evict_on_limit >= 0 &&
	    put(mnt, i, "evict_on_limit", "evict_on_limit",
		d->evict_on_limit ? "1" : "0"))
		return -1;
	return 0;
}

/* loop device, then swap or a filesystem on it */
static int use_dev(struct state *st, int i, const struct zcfg_dev *d)
{
	struct dev_state *s = &st->devs[i];
	char image[PATH_MAX], loop[64], prio[16], discard[32], *argv[32];
	int ret, n = 0;
	char **o;

	if (d->use == ZCFG_USE_NONE)
		return 0;
	zctl_image(st->mnt, i, image, sizeof(image));
	ret = zctl_run((char *[]){ "losetup", "--direct-io=on", "--sector-size",
				   "4096", "-f", "--show", image, NULL },
		       loop, sizeof(loop));
	if (ret || strncmp(loop, "/dev/", 5)) {
		zctl_msg("devices[%d]: losetup %s failed", i, image);
		return -1;
	}
	snprintf(s->loop, sizeof(s->loop), "%s", loop);
	if (save_state(st))
		return -1;
	if (d->use == ZCFG_USE_SWAP) {
		if (run((char *[]){ "mkswap", loop, NULL }))
			return -1;
		argv[n++] = "swapon";
		if (d->swap_discard) {
			snprintf(discard, sizeof(discard), "--discard=%s",
				 d->swap_discard);
			argv[n++] = discard;
		}
		if (d->swap_priority >= 0) {
			snprintf(prio, sizeof(prio), "%d", d->swap_priority);
			argv[n++] = "--priority";
			argv[n++] = prio;
		}
		argv[n++] = loop;
		argv[n] = NULL;
		if (run(argv))
			return -1;
		s->swap = true;
		return save_state(st) ? -1 : 0;
	}
	snprintf(image, sizeof(image), "mkfs.%s", d->fs_type);
	argv[n++] = image;
	for (o = d->mkfs_options; *o && n < 30; o++)
		argv[n++] = *o;
	argv[n++] = loop;
	argv[n] = NULL;
	if (run(argv))
		return -1;
	if (mkdir(d->mount_point, 0755) == 0) {
		s->made_dir = true;
	} else if (errno != EEXIST) {
		zctl_msg("devices[%d].filesystem.mount_point: %s: %s", i,
			 d->mount_point, strerror(errno));
		return -1;
	}
	s->mount_point = strdup(d->mount_point);
	if (!s->mount_point || save_state(st))
		return -1;
	if (run((char *[]){ "mount", "-t", d->fs_type, "-o", d->mount_options,
			    loop, d->mount_point, NULL })) {
		/* nothing mounted: only the directory is up's */
		if (s->made_dir) {
			rmdir(d->mount_point);
			s->made_dir = false;
		}
		free(s->mount_point);
		s->mount_point = NULL;
		save_state(st);
		return -1;
	}
	return 0;
}

static int load_config(const char *config, struct zcfg *cfg)
{
	char err[1024];

	if (zcfg_load(config, zsize_ram(), cfg, err, sizeof(err))) {
		zctl_msg("%s", err);
		return -1;
	}
	return 0;
}

int zctl_up(const char *config, const char *mnt)
{
	static struct state st;
	struct zcfg cfg;
	int i, id, lock, ret = 1;

	if (load_config(config, &cfg))
		return 1;
	state_path(&st, mnt ? mnt : cfg.mount);
	if (wait_mount(st.mnt))
		goto out_cfg;
	lock = lock_state(&st);
	if (lock < 0)
		goto out_cfg;
	if (!load_state(&st)) {
		if (state_live(&st)) {
			zctl_msg("%s: already up (%s)", st.mnt, st.path);
			ret = 0;
			goto out_unlock;
		}
		/* half gone since (a reboot of the daemon, a manual reset) */
		zctl_msg("%s: the last up is no longer in effect; undoing what is "
			 "left of it",
			 st.mnt);
		if (undo_all(&st))
			goto out_unlock;
	} else if (access(st.path, F_OK) == 0) {
		goto out_unlock;
	}

	/* devices the mount lacks: hot_add is the only change before the
	 * checks, and it is undone if they fail */
	for (i = 0; i < cfg.nr_devs; i++) {
		st.devs[i] = (struct dev_state){ .id = i };
		st.n = i + 1;
		while (!zctl_exists(st.mnt, i)) {
			id = zctl_hot_add(st.mnt);
			if (id < 0) {
				zctl_msg("devices[%d]: cannot add zram%d: %s",
					 i, i, strerror(-id));
				goto out_undo;
			}
			/* an id below i was free: keep it for its turn */
			if (id < i || !zctl_exists(st.mnt, id)) {
				zctl_msg("devices[%d]: hot_add gave zram%d", i,
					 id);
				zctl_hot_remove(st.mnt, id);
				goto out_undo;
			}
			st.devs[i].created = true;
			if (save_state(&st))
				goto out_undo;
		}
	}
	for (i = 0; i < cfg.nr_devs; i++)
		if (check_dev(st.mnt, i, &cfg.devs[i]))
			goto out_undo;
	for (i = 0; i < cfg.nr_devs; i++)
		if (configure(&st, i, &cfg.devs[i]) ||
		    use_dev(&st, i, &cfg.devs[i]))
			goto out_undo;
	ret = save_state(&st) ? 1 : 0;
	if (!ret)
		goto out_unlock;
out_undo:
	zctl_msg("%s: undoing what this up did", st.mnt);
	undo_all(&st);
	ret = 1;
out_unlock:
	free_state(&st);
	close(lock);
out_cfg:
	zcfg_free(&cfg);
	return ret;
}

int zctl_down(const char *config, const char *mnt)
{
	static struct state st;
	struct zcfg cfg = { 0 };
	int lock, ret;

	if (!mnt && config) {
		if (load_config(config, &cfg))
			return 1;
		mnt = cfg.mount;
	}
	state_path(&st, mnt ? mnt : ZCFG_DEFAULT_MOUNT);
	zcfg_free(&cfg);
	lock = lock_state(&st);
	if (lock < 0)
		return 1;
	ret = load_state(&st);
	if (ret == -ENOENT) {
		/* down already, or never up: nothing to undo */
		close(lock);
		return 0;
	}
	ret = ret ? -1 : undo_all(&st);
	free_state(&st);
	close(lock);
	return ret ? 1 : 0;
}
