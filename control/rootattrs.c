/*
 * rootattrs - stats.json and metrics at the mount root: one snapshot per
 * device (taken while a reference holds the device), then one rendering
 * of them all by stats/, so the two files and the per-device files agree
 * on how each counter is named and counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/rootattrs.h"
#include "device/registry.h"
#include "stats/zstats.h"

/*
 * Snapshots of every device into *sp (malloc'd), ids into *idp; the
 * devices stay referenced in *zp until put_all (comp_algorithm points
 * into them).  Returns the count or -ENOMEM.
 */
static int snapshot_all(struct zstats **sp, int **idp, struct zdev ***zp)
{
	int *ids = malloc(ZREG_MAX_DEVICES * sizeof(*ids));
	struct zstats *s = NULL;
	struct zdev **z = NULL;
	int n, i, got = 0;

	if (!ids)
		return -ENOMEM;
	n = zreg_list(ids, ZREG_MAX_DEVICES);
	s = calloc(n ? n : 1, sizeof(*s));
	z = calloc(n ? n : 1, sizeof(*z));
	if (!s || !z) {
		free(ids);
		free(s);
		free(z);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		/* removed since the listing: left out */
		z[got] = zreg_get(ids[i]);
		if (!z[got])
			continue;
		ids[got] = ids[i];
		zdev_stats(z[got], &s[got]);
		got++;
	}
	*sp = s;
	*idp = ids;
	*zp = z;
	return got;
}

static void put_all(struct zstats *s, int *ids, struct zdev **z, int n)
{
	int i;

	for (i = 0; i < n; i++)
		zreg_put(z[i]);
	free(z);
	free(ids);
	free(s);
}

static ssize_t stats_json_show(struct zdev *unused, char **out)
{
	struct zstats *s;
	struct zdev **z;
	size_t len;
	char *text;
	int *ids, n = snapshot_all(&s, &ids, &z);

	if (n < 0)
		return n;
	text = zstats_json_all(s, ids, n);
	put_all(s, ids, z, n);
	if (!text)
		return -ENOMEM;
	/* a newline at the end, as every control file */
	len = strlen(text);
	*out = realloc(text, len + 2);
	if (!*out) {
		free(text);
		return -ENOMEM;
	}
	(*out)[len] = '\n';
	(*out)[len + 1] = '\0';
	return len + 1;
}

static ssize_t metrics_show(struct zdev *unused, char **out)
{
	struct zstats *s;
	struct zdev **z;
	size_t len = 0;
	int *ids, n = snapshot_all(&s, &ids, &z);

	if (n < 0)
		return n;
	*out = zstats_prom(s, ids, n, &len);
	put_all(s, ids, z, n);
	return *out ? (ssize_t)len : -ENOMEM;
}

static const struct zattr root_attrs[] = {
	{ "stats.json", 0444, NULL, NULL, stats_json_show },
	{ "metrics", 0444, NULL, NULL, metrics_show },
};

const struct zattr *zattr_root_table(int *n)
{
	*n = sizeof(root_attrs) / sizeof(root_attrs[0]);
	return root_attrs;
}
