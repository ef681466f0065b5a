/*
 * fuzz_config - libFuzzer target for config/: zramfs.json and its size
 * expressions.
 *
 * Input: byte 0 picks the parser (even: zcfg_parse of the rest as JSON
 * text, odd: zsize_eval of the rest as an expression), the rest is the
 * text, NUL-terminated in a heap copy.  Checked: a failure is -EINVAL
 * (or -ENOMEM) with a one-line message that names the file and leaves
 * the output untouched; a success fills it and leaves the message alone;
 * a config that parses has 1..1024 devices, each with a size of a page
 * or more and a use consistent with its keys; an expression's value is
 * the same however much space surrounds it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/sizeexpr.h"

#include "fuzz/fuzz.h"

#define RAM (16ULL << 30)

static void one_line(const char *err)
{
	CHECK(err[0] != '\0');
	for (; *err; err++)
		CHECK((unsigned char)*err >= 0x20 && *err != 0x7f);
}

static void fuzz_json(const char *text)
{
	struct zcfg cfg;
	char err[512] = "";
	int ret, i;

	memset(&cfg, 0x5a, sizeof(cfg));
	ret = zcfg_parse(text, "f.json", RAM, &cfg, err, sizeof(err));
	if (ret) {
		CHECK(ret == -EINVAL || ret == -ENOMEM);
		CHECK(!strncmp(err, "f.json", 6));
		one_line(err);
		CHECK(cfg.nr_devs == 0x5a5a5a5a);
		return;
	}
	CHECK(err[0] == '\0');
	CHECK(cfg.mount && cfg.mount[0] == '/');
	CHECK(cfg.nr_devs >= 1 && cfg.nr_devs <= 1024);
	for (i = 0; i < cfg.nr_devs; i++) {
		const struct zcfg_dev *d = &cfg.devs[i];

		CHECK(d->size >= 4096);
		CHECK(d->nr_recomp >= 0 && d->nr_recomp <= ZCFG_MAX_RECOMP);
		CHECK((d->use == ZCFG_USE_FS) == (d->fs_type != NULL));
		CHECK((d->use == ZCFG_USE_FS) == (d->mount_point != NULL));
		CHECK(d->use == ZCFG_USE_SWAP || d->swap_discard == NULL);
		CHECK(d->swap_priority >= -1 && d->swap_priority <= 32767);
	}
	zcfg_free(&cfg);
}

static void fuzz_expr(const char *text, size_t len)
{
	char err[512] = "", *spaced;
	uint64_t v = 7, w = 9;
	int ret;

	ret = zsize_eval(text, RAM, &v, err, sizeof(err));
	if (ret) {
		CHECK(ret == -EINVAL);
		CHECK(v == 7);
		CHECK(err[0] != '\0');
	} else {
		CHECK(err[0] == '\0');
	}
	/* leading and trailing space change nothing */
	spaced = malloc(len + 3);
	if (!spaced)
		return;
	spaced[0] = ' ';
	memcpy(spaced + 1, text, len);
	spaced[len + 1] = '\t';
	spaced[len + 2] = '\0';
	CHECK(zsize_eval(spaced, RAM, &w, err, sizeof(err)) == ret);
	CHECK(ret || w == v);
	free(spaced);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	/* a NUL inside ends the text, as in a C string */
	if (data[0] & 1)
		fuzz_expr(text, strlen(text));
	else
		fuzz_json(text);
	free(text);
	return 0;
}
