/*
 * test_config.c - unit tests of config/: the size expressions (table of
 * expression, ram, result or error) and zcfg_parse (every key read into
 * struct zcfg; every error path giving one message that names the key).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/sizeexpr.h"
#include "test/unit/testhelp.h"

#define K   1024ULL
#define M   (K * K)
#define G   (K * M)
#define T   (K * G)
#define RAM (16 * G + 12345) /* an odd MemTotal, as real ones are */

struct expr_case {
	const char *in;
	uint64_t ram;
	int ret;
	uint64_t val;	 /* or, on error, ... */
	const char *err; /* ... a part of the message */
};

static const struct expr_case expr_cases[] = {
	{ "4096", RAM, 0, 4096, NULL },
	{ "4K", RAM, 0, 4 * K, NULL },
	{ "4k", RAM, 0, 4 * K, NULL },
	{ "4KiB", RAM, 0, 4 * K, NULL },
	{ "1M", RAM, 0, M, NULL },
	{ "1G", RAM, 0, G, NULL },
	{ "2T", RAM, 0, 2 * T, NULL },
	{ "1P", RAM, 0, K *T, NULL },
	{ "1E", RAM, 0, K *K *T, NULL },
	{ "1.5G", RAM, 0, G + G / 2, NULL },
	{ ".5M", RAM, 0, M / 2, NULL },
	{ "ram", RAM, 0, RAM, NULL },
	{ "ram / 2", RAM, 0, RAM / 2, NULL },
	{ "ram/2", RAM, 0, RAM / 2, NULL },
	{ "  ram  *  3 / 4 ", RAM, 0, RAM * 3 / 4, NULL },
	{ "min(ram / 2, 4G)", RAM, 0, 4 * G, NULL },
	{ "min(ram / 2, 4G)", 2 * G, 0, G, NULL },
	{ "max(ram / 2, 4G)", RAM, 0, RAM / 2, NULL },
	{ "min(1G, 2G, 512M)", RAM, 0, 512 * M, NULL },
	{ "max(1G)", RAM, 0, G, NULL },
	{ "1G + 512M", RAM, 0, G + 512 * M, NULL },
	{ "1G - 512M", RAM, 0, 512 * M, NULL },
	{ "2 * (1G + 1M)", RAM, 0, 2 * (G + M), NULL },
	{ "2 * 1G + 1M", RAM, 0, 2 * G + M, NULL },
	{ "10 - 2 - 3", RAM, 0, 5, NULL },
	{ "100 / 10 / 5", RAM, 0, 2, NULL },
	{ "7 / 2", RAM, 0, 3, NULL },
	{ "min(ram, max(1G, 2G))", RAM, 0, 2 * G, NULL },
	{ "18446744073709551615", RAM, 0, UINT64_MAX, NULL },
	{ "0", RAM, 0, 0, NULL },
	/* errors */
	{ "", RAM, -EINVAL, 0, "unexpected end" },
	{ "ram /", RAM, -EINVAL, 0, "unexpected end" },
	{ "ram / 0", RAM, -EINVAL, 0, "division by zero" },
	{ "1G - 2G", RAM, -EINVAL, 0, "negative" },
	{ "-1", RAM, -EINVAL, 0, "unexpected '-'" },
	{ "4X", RAM, -EINVAL, 0, "suffix" },
	{ "4GB", RAM, -EINVAL, 0, "suffix" },
	{ "0x10", RAM, -EINVAL, 0, "bad number" },
	{ "1e3", RAM, -EINVAL, 0, "bad number" },
	{ "1..2", RAM, -EINVAL, 0, "bad size suffix '.'" },
	{ "rams", RAM, -EINVAL, 0, "unexpected 'r'" },
	{ "mem / 2", RAM, -EINVAL, 0, "unexpected 'm'" },
	{ "min()", RAM, -EINVAL, 0, "unexpected ')'" },
	{ "min(1, 2", RAM, -EINVAL, 0, "expected ')'" },
	{ "min 1, 2", RAM, -EINVAL, 0, "expected '('" },
	{ "(1G", RAM, -EINVAL, 0, "expected ')'" },
	{ "1G)", RAM, -EINVAL, 0, "unexpected ')'" },
	{ "1G 2G", RAM, -EINVAL, 0, "unexpected '2'" },
	{ "16E", RAM, -EINVAL, 0, "too large" },
	{ "ram * 1E", RAM, -EINVAL, 0, "too large" },
	{ "ram / 2", 0, -EINVAL, 0, "memory size is unknown" },
};

static void test_expr(void)
{
	char name[256], err[512];
	uint64_t v;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(expr_cases) / sizeof(expr_cases[0]); i++) {
		const struct expr_case *c = &expr_cases[i];

		v = 0xdead;
		err[0] = '\0';
		ret = zsize_eval(c->in, c->ram, &v, err, sizeof(err));
		snprintf(name, sizeof(name), "size \"%s\" (ram %llu)", c->in,
			 (unsigned long long)c->ram);
		if (c->ret) {
			test_cond(name, ret == c->ret && v == 0xdead &&
						strstr(err, c->err));
			if (!strstr(err, c->err))
				printf("  message: %s\n", err);
		} else {
			test_cond(name, ret == 0 && v == c->val);
			if (ret || v != c->val)
				printf("  got %d %llu (%s)\n", ret,
				       (unsigned long long)v, err);
		}
	}
	test_cond("ram is known on this machine", zsize_ram() > 0);
}

/* a config with every key */
static const char full[] =
	"{\n"
	"  \"mount\": \"/run/z\",\n"
	"  \"devices\": [\n"
	"    {\n"
	"      \"size\": \"min(ram / 2, 4G)\",\n"
	"      \"algorithm\": \"zstd\",\n"
	"      \"algorithm_params\": {\"level\": 3, \"dict\": \"/etc/d\"},\n"
	"      \"recompression\": [\n"
	"        {\"algorithm\": \"lz4hc\", \"params\": \"level=9\"},\n"
	"        {\"algorithm\": \"deflate\"}\n"
	"      ],\n"
	"      \"mem_limit\": \"ram / 4\",\n"
	"      \"backing_dev\": \"/dev/vdb\",\n"
	"      \"writeback_compressed\": true,\n"
	"      \"writeback_batch_size\": 64,\n"
	"      \"writeback_limit_enable\": true,\n"
	"      \"writeback_limit\": \"1G\",\n"
	"      \"policy\": \"idle_age=600\",\n"
	"      \"evict_on_limit\": false,\n"
	"      \"swap\": {\"priority\": 100, \"discard\": \"once\"}\n"
	"    },\n"
	"    {\n"
	"      \"size\": 1073741824,\n"
	"      \"filesystem\": {\"type\": \"ext4\", \"mkfs_options\": "
	"[\"-m\", \"0\"],\n"
	"        \"mount_point\": \"/var/tmp/z\", \"mount_options\": "
	"\"discard,noatime\"}\n"
	"    },\n"
	"    { \"size\": \"64M\", \"swap\": true },\n"
	"    { \"size\": \"64M\", \"filesystem\": {\"type\": \"xfs\", "
	"\"mount_point\": \"/mnt/x\"} }\n"
	"  ]\n"
	"}\n";

static void test_full(void)
{
	struct zcfg cfg;
	struct zcfg_dev *d;
	char err[512] = "";
	int ret;

	ret = zcfg_parse(full, "full.json", RAM, &cfg, err, sizeof(err));
	test_cond("config with every key parses", ret == 0);
	if (ret) {
		printf("  %s\n", err);
		return;
	}
	test_cond("mount", !strcmp(cfg.mount, "/run/z"));
	test_cond("4 devices", cfg.nr_devs == 4);
	test_cond("ram kept", cfg.ram == RAM);
	d = &cfg.devs[0];
	test_cond("size expression", d->size == 4 * G);
	test_cond("algorithm", !strcmp(d->algorithm, "zstd"));
	test_cond("algorithm_params object -> line",
		  !strcmp(d->params, "level=3 dict=/etc/d"));
	test_cond("2 recompression algorithms", d->nr_recomp == 2);
	test_cond("recompression[0]",
		  !strcmp(d->recomp[0].algorithm, "lz4hc") &&
			  !strcmp(d->recomp[0].params, "level=9"));
	test_cond("recompression[1] without params",
		  !strcmp(d->recomp[1].algorithm, "deflate") &&
			  !d->recomp[1].params);
	test_cond("mem_limit expression", d->mem_limit == (int64_t)(RAM / 4));
	test_cond("backing_dev", !strcmp(d->backing_dev, "/dev/vdb"));
	test_cond("writeback_compressed", d->writeback_compressed == 1);
	test_cond("writeback_batch_size", d->writeback_batch_size == 64);
	test_cond("writeback_limit_enable", d->writeback_limit_enable == 1);
	test_cond("writeback_limit", d->writeback_limit == (int64_t)G);
	test_cond("policy", !strcmp(d->policy, "idle_age=600"));
	test_cond("evict_on_limit", d->evict_on_limit == 0);
	test_cond("swap use", d->use == ZCFG_USE_SWAP);
	test_cond("swap priority", d->swap_priority == 100);
	test_cond("swap discard", !strcmp(d->swap_discard, "once"));
	d = &cfg.devs[1];
	test_cond("size in bytes", d->size == G);
	test_cond("unset keys stay unset",
		  !d->algorithm && !d->params && !d->nr_recomp &&
			  d->mem_limit == -1 && !d->backing_dev &&
			  d->writeback_compressed == -1 &&
			  d->writeback_batch_size == -1 &&
			  d->writeback_limit_enable == -1 &&
			  d->writeback_limit == -1 && !d->policy &&
			  d->evict_on_limit == -1);
	test_cond("filesystem use", d->use == ZCFG_USE_FS);
	test_cond("fs type", !strcmp(d->fs_type, "ext4"));
	test_cond("mkfs options", !strcmp(d->mkfs_options[0], "-m") &&
					  !strcmp(d->mkfs_options[1], "0") &&
					  !d->mkfs_options[2]);
	test_cond("mount point", !strcmp(d->mount_point, "/var/tmp/z"));
	test_cond("mount options",
		  !strcmp(d->mount_options, "discard,noatime"));
	d = &cfg.devs[2];
	test_cond("swap: true means discard=pages, default priority",
		  d->use == ZCFG_USE_SWAP && d->swap_priority == -1 &&
			  !strcmp(d->swap_discard, "pages"));
	d = &cfg.devs[3];
	test_cond("filesystem mounts with discard by default",
		  !strcmp(d->mount_options, "discard") && d->mkfs_options &&
			  !d->mkfs_options[0]);
	zcfg_free(&cfg);

	ret = zcfg_parse("{\"devices\": [{\"size\": \"1G\"}]}", "min.json", RAM,
			 &cfg, err, sizeof(err));
	test_cond("minimal config: default mount, no use",
		  !ret && !strcmp(cfg.mount, ZCFG_DEFAULT_MOUNT) &&
			  cfg.devs[0].use == ZCFG_USE_NONE);
	if (!ret)
		zcfg_free(&cfg);
}

struct err_case {
	const char *json;
	const char *err; /* the whole message, exactly */
};

#define DEV(x) "{\"devices\": [{\"size\": \"1G\", " x "}]}"

static const struct err_case err_cases[] = {
	{ "{", "t.json:1:1: string or '}' expected near end of file" },
	{ "[]", "t.json: expected an object" },
	{ "{\"devices\": []}",
	  "t.json: devices: expected an array of one device or more" },
	{ "{\"mount\": \"/run/zramfs\"}",
	  "t.json: Object item not found: devices" },
	{ "{\"mount\": \"/a\", \"mount\": \"/b\", \"devices\": []}",
	  "t.json:1:23: duplicate object key near '\"mount\"'" },
	{ "{\"devices\": [{\"size\": \"1G\"}], \"mounts\": \"/x\"}",
	  "t.json: unknown key mounts" },
	{ "{\"mount\": \"/ru\\\nz\"}",
	  "t.json:2:0: invalid escape near '\"/ru\\?'" },
	{ "{\"mount\": \"run\", \"devices\": [{\"size\": 4096}]}",
	  "t.json: mount: \"run\" is not an absolute path" },
	{ "{\"mount\": 1, \"devices\": [{\"size\": 4096}]}",
	  "t.json: mount: expected a string" },
	{ "{\"devices\": [{}]}",
	  "t.json: devices[0]: Object item not found: size" },
	{ "{\"devices\": [{\"size\": \"1G\", \"algoritm\": \"zstd\"}]}",
	  "t.json: devices[0]: unknown key algoritm" },
	{ "{\"devices\": [{\"size\": true}]}",
	  "t.json: devices[0].size: expected a size (bytes, or a string such "
	  "as \"min(ram / 2, 4G)\")" },
	{ "{\"devices\": [{\"size\": -1}]}",
	  "t.json: devices[0].size: negative size" },
	{ "{\"devices\": [{\"size\": 100}]}",
	  "t.json: devices[0].size: 100 bytes is less than a page" },
	{ "{\"devices\": [{\"size\": \"ram / 0\"}]}",
	  "t.json: devices[0].size: division by zero at column 8 in "
	  "\"ram / 0\"" },
	{ "{\"devices\": [{\"size\": \"1G\"}, {\"size\": \"half\"}]}",
	  "t.json: devices[1].size: unexpected 'h' at column 1 in \"half\"" },
	{ DEV("\"algorithm\": 3"),
	  "t.json: devices[0].algorithm: expected a string" },
	{ DEV("\"algorithm\": \"\""), "t.json: devices[0].algorithm: empty" },
	{ DEV("\"algorithm\": \"zs\\ntd\""),
	  "t.json: devices[0].algorithm: control characters in \"zs?td\"" },
	{ DEV("\"algorithm_params\": \"level=x\""),
	  "t.json: devices[0].algorithm_params: level: \"x\" is not an "
	  "integer" },
	{ DEV("\"algorithm_params\": \"levl=3\""),
	  "t.json: devices[0].algorithm_params: unknown parameter levl "
	  "(level, dict)" },
	{ DEV("\"algorithm_params\": \"level\""),
	  "t.json: devices[0].algorithm_params: \"level\" is not key=value" },
	{ DEV("\"algorithm_params\": {\"level\": \"3\"}"),
	  "t.json: devices[0].algorithm_params: level: expected an integer" },
	{ DEV("\"algorithm_params\": {\"lvl\": 3}"),
	  "t.json: devices[0].algorithm_params: unknown key lvl" },
	{ DEV("\"algorithm_params\": {}"),
	  "t.json: devices[0].algorithm_params: neither level nor dict" },
	{ DEV("\"recompression\": \"lz4hc\""),
	  "t.json: devices[0].recompression: expected an array of "
	  "{\"algorithm\": ..., \"params\": ...}" },
	{ DEV("\"recompression\": [{\"params\": \"level=1\"}]"),
	  "t.json: devices[0].recompression[0]: Object item not found: "
	  "algorithm" },
	{ DEV("\"recompression\": [{\"algorithm\": \"a\"}, {\"algorithm\": "
	      "\"b\"}, {\"algorithm\": \"c\"}, {\"algorithm\": \"d\"}]"),
	  "t.json: devices[0].recompression: at most 3 algorithms "
	  "(priorities 1..3)" },
	{ DEV("\"recompression\": [{\"algorithm\": \"a\", \"prio\": 1}]"),
	  "t.json: devices[0].recompression[0]: unknown key prio" },
	{ DEV("\"mem_limit\": \"lots\""),
	  "t.json: devices[0].mem_limit: unexpected 'l' at column 1 in "
	  "\"lots\"" },
	{ DEV("\"backing_dev\": \"vdb\""),
	  "t.json: devices[0].backing_dev: \"vdb\" is not an absolute path" },
	{ DEV("\"writeback_compressed\": \"yes\""),
	  "t.json: devices[0].writeback_compressed: expected true or false" },
	{ DEV("\"writeback_batch_size\": 0"),
	  "t.json: devices[0].writeback_batch_size: 0 is out of range "
	  "1..1048576" },
	{ DEV("\"writeback_batch_size\": 1.5"),
	  "t.json: devices[0].writeback_batch_size: expected an integer" },
	{ DEV("\"writeback_limit_enable\": 1"),
	  "t.json: devices[0].writeback_limit_enable: expected true or "
	  "false" },
	{ DEV("\"writeback_limit\": \"-1\""),
	  "t.json: devices[0].writeback_limit: unexpected '-' at column 1 "
	  "in \"-1\"" },
	{ DEV("\"policy\": 1"),
	  "t.json: devices[0].policy: expected a string" },
	{ DEV("\"evict_on_limit\": null"),
	  "t.json: devices[0].evict_on_limit: expected true or false" },
	{ DEV("\"swap\": true, \"filesystem\": {}"),
	  "t.json: devices[0]: both swap and filesystem: a device has one "
	  "use" },
	{ DEV("\"swap\": {\"priority\": 40000}"),
	  "t.json: devices[0].swap.priority: 40000 is out of range "
	  "-1..32767" },
	{ DEV("\"swap\": {\"discard\": \"always\"}"),
	  "t.json: devices[0].swap.discard: expected \"pages\", \"once\", "
	  "\"both\", true or false" },
	{ DEV("\"swap\": {\"prio\": 1}"),
	  "t.json: devices[0].swap: unknown key prio" },
	{ DEV("\"swap\": 1"), "t.json: devices[0].swap: expected an object" },
	{ DEV("\"filesystem\": {\"type\": \"ext4\"}"),
	  "t.json: devices[0].filesystem: Object item not found: "
	  "mount_point" },
	{ DEV("\"filesystem\": {\"type\": \"ext4; rm\", \"mount_point\": "
	      "\"/m\"}"),
	  "t.json: devices[0].filesystem.type: \"ext4; rm\" is not a "
	  "filesystem type" },
	{ DEV("\"filesystem\": {\"type\": \"ext4\", \"mount_point\": \"m\"}"),
	  "t.json: devices[0].filesystem.mount_point: \"m\" is not an "
	  "absolute path" },
	{ DEV("\"filesystem\": {\"type\": \"ext4\", \"mount_point\": \"/m\", "
	      "\"mkfs_options\": \"-m0\"}"),
	  "t.json: devices[0].filesystem.mkfs_options: expected an array of "
	  "strings" },
	{ DEV("\"filesystem\": {\"type\": \"ext4\", \"mount_point\": \"/m\", "
	      "\"mkfs_options\": [\"-m\", 0]}"),
	  "t.json: devices[0].filesystem.mkfs_options.1: expected a string" },
	{ "{\"devices\": [{\"size\": \"1G\", \"filesystem\": {\"type\": "
	  "\"ext4\", \"mount_point\": \"/m\"}}, {\"size\": \"1G\", "
	  "\"filesystem\": {\"type\": \"xfs\", \"mount_point\": \"/m\"}}]}",
	  "t.json: devices[1].filesystem.mount_point: /m is also "
	  "devices[0]'s" },
};

static void test_errors(void)
{
	char name[512], err[512];
	struct zcfg cfg;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		memset(&cfg, 0x5a, sizeof(cfg));
		err[0] = '\0';
		ret = zcfg_parse(c->json, "t.json", RAM, &cfg, err,
				 sizeof(err));
		snprintf(name, sizeof(name), "error: %s", c->err);
		test_cond(name, ret == -EINVAL && !strcmp(err, c->err) &&
					cfg.nr_devs == 0x5a5a5a5a);
		if (strcmp(err, c->err))
			printf("  got: %s\n", err);
	}
}

static void test_load(void)
{
	char path[] = "/tmp/test_config.XXXXXX", err[512];
	struct zcfg cfg;
	int fd, ret;

	ret = zcfg_load("/nonexistent/zramfs.json", RAM, &cfg, err,
			sizeof(err));
	test_cond("load: a missing file is -ENOENT naming it",
		  ret == -ENOENT && strstr(err, "/nonexistent/zramfs.json: "));
	fd = mkstemp(path);
	if (fd < 0)
		return;
	ret = write(fd, full, strlen(full)) != (ssize_t)strlen(full);
	close(fd);
	ret = ret ? -EIO : zcfg_load(path, RAM, &cfg, err, sizeof(err));
	test_cond("load: the full config from a file",
		  ret == 0 && cfg.nr_devs == 4);
	if (!ret)
		zcfg_free(&cfg);
	unlink(path);
}

int main(void)
{
	test_expr();
	test_full();
	test_errors();
	test_load();
	return test_report();
}
