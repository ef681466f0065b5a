/*
 * config - the JSON configuration of zramfsctl up (zramfs.json(5)):
 * where the mount is, then each device in order (zram0, zram1, ...):
 * its size, algorithms, limits, backing device and writeback settings,
 * and its use: swap or a filesystem.
 *
 * zcfg_parse checks everything it can without the mount (types, unknown
 * keys, size expressions, ranges, combinations) and reports the first
 * problem as one line naming the key; nothing is applied here.  What
 * needs the running mount (algorithms it offers, control files it has)
 * is checked by zramfsctl before it writes anything.
 */
#ifndef ZRAMFS_CONFIG_H
#define ZRAMFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZCFG_MAX_RECOMP	   3 /* recompression priorities 1..3 */
#define ZCFG_DEFAULT_MOUNT "/run/zramfs"

enum zcfg_use {
	ZCFG_USE_NONE, /* configure the device only */
	ZCFG_USE_SWAP, /* loop device, mkswap, swapon */
	ZCFG_USE_FS,   /* loop device, mkfs, mount */
};

struct zcfg_recomp {
	char *algorithm;
	char *params; /* algorithm_params without priority; or NULL */
};

/* unset optional numbers are -1 (booleans too: -1, 0, 1) */
struct zcfg_dev {
	uint64_t size;	 /* disksize, bytes */
	char *algorithm; /* comp_algorithm, NULL: default */
	char *params;	 /* algorithm_params line, or NULL */
	struct zcfg_recomp recomp[ZCFG_MAX_RECOMP];
	int nr_recomp;
	int64_t mem_limit; /* bytes */
	char *backing_dev;
	int writeback_compressed;
	int64_t writeback_batch_size;
	int writeback_limit_enable;
	int64_t writeback_limit; /* bytes (written as 4 KiB units) */
	char *policy;		 /* written as is */
	int evict_on_limit;

	enum zcfg_use use;
	/* swap */
	int swap_priority;  /* -1: swapon's default */
	char *swap_discard; /* swapon --discard=..., NULL: none */
	/* filesystem */
	char *fs_type;
	char **mkfs_options; /* NULL-terminated */
	char *mount_point;
	char *mount_options;
};

struct zcfg {
	char *mount;
	uint64_t ram; /* what `ram` meant */
	int nr_devs;
	struct zcfg_dev *devs;
};

/*
 * Parse JSON text (name: for messages) with `ram` = ram bytes.  0, or
 * -EINVAL with one line in err ("devices[0].size: ..."); cfg is filled
 * only on success (zcfg_free it).
 */
int zcfg_parse(const char *text, const char *name, uint64_t ram,
	       struct zcfg *cfg, char *err, size_t errlen);
/* the same from a file; -errno if it cannot be read */
int zcfg_load(const char *path, uint64_t ram, struct zcfg *cfg, char *err,
	      size_t errlen);
void zcfg_free(struct zcfg *cfg);

#endif
