/*
 * test_parse.c - unit tests of the control-file parsers (control/parse.h).
 *
 * Every input is passed as (buf, len) exactly as a write() would deliver
 * it: not NUL-terminated as far as the parser may know, with or without
 * the trailing newline echo adds.  Inputs are table driven; each row is
 * one PASS/FAIL line naming the input, so a failure says what broke.
 * The numeric parsers follow memparse/kstrto* but strictly: trailing
 * garbage, signs and leading space are -EINVAL, overflow is -ERANGE.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/parse.h"
#include "test/unit/testhelp.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)
#define TiB(x) ((uint64_t)(x) << 40)
#define PiB(x) ((uint64_t)(x) << 50)
#define EiB(x) ((uint64_t)(x) << 60)

struct size_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int ret;
	uint64_t val;
};

/* a string literal with its exact length, embedded NULs included */
#define RAW(s) s, sizeof(s) - 1

static const struct size_case size_cases[] = {
	{ "4096", 0, 0, 4096 },
	{ "4096\n", 0, 0, 4096 },
	{ "0", 0, 0, 0 },
	{ "256K", 0, 0, KiB(256) },
	{ "256k", 0, 0, KiB(256) },
	{ "1M", 0, 0, MiB(1) },
	{ "1m\n", 0, 0, MiB(1) },
	{ "1G", 0, 0, GiB(1) },
	{ "1g", 0, 0, GiB(1) },
	{ "2T", 0, 0, TiB(2) },
	{ "1P", 0, 0, PiB(1) },
	{ "1E", 0, 0, EiB(1) },
	{ "15E", 0, 0, EiB(15) },
	{ "0x1000", 0, 0, 4096 },
	{ "0X1000", 0, 0, 4096 },
	{ "0x10M", 0, 0, MiB(16) },
	{ "010", 0, 0, 8 },
	{ "4096   ", 0, 0, 4096 },
	{ "1G \t\n", 0, 0, GiB(1) },
	{ "18446744073709551615", 0, 0, UINT64_MAX },
	/* errors */
	{ "", 0, -EINVAL, 0 },
	{ "\n", 0, -EINVAL, 0 },
	{ "   ", 0, -EINVAL, 0 },
	{ "abc", 0, -EINVAL, 0 },
	{ "12abc", 0, -EINVAL, 0 },
	{ "1Q", 0, -EINVAL, 0 },
	{ "1KB", 0, -EINVAL, 0 },
	{ "1 K", 0, -EINVAL, 0 },
	{ "-1", 0, -EINVAL, 0 },
	{ "+1", 0, -EINVAL, 0 },
	{ " 5", 0, -EINVAL, 0 },
	{ "\t5", 0, -EINVAL, 0 },
	{ "1K5", 0, -EINVAL, 0 },
	{ "08", 0, -EINVAL, 0 },
	{ "0x", 0, -EINVAL, 0 },
	{ "K", 0, -EINVAL, 0 },
	{ RAW("12\0"), -EINVAL, 0 },
	{ RAW("1\0002"), -EINVAL, 0 },
	{ RAW("\0"), -EINVAL, 0 },
	/* overflow */
	{ "20E", 0, -ERANGE, 0 },
	{ "16E", 0, -ERANGE, 0 },
	{ "16384P", 0, -ERANGE, 0 },
	{ "99999999999999999999", 0, -ERANGE, 0 },
	{ "18446744073709551616", 0, -ERANGE, 0 },
	{ "0x10000000000000000", 0, -ERANGE, 0 },
};

/* render an input for a test name: escapes \n, \t and NUL */
static const char *show(const char *in, size_t len)
{
	static char out[256];
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < sizeof(out); i++) {
		unsigned char c = in[i];

		if (c == '\n')
			o += sprintf(out + o, "\\n");
		else if (c == '\t')
			o += sprintf(out + o, "\\t");
		else if (c < 32 || c >= 127)
			o += sprintf(out + o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/*
 * Copy the input into an exactly-sized heap buffer, so reading one byte
 * past len is caught by ASan: the parser must not rely on a NUL there.
 */
static char *exact_copy(const char *in, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, in, len);
	return p;
}

static void test_size(void)
{
	char name[512];
	size_t i;

	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = &size_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		uint64_t out = 0xdeadbeefULL;
		char *buf = exact_copy(c->in, len);
		int ret = zparse_size(buf, len, &out);

		free(buf);
		snprintf(name, sizeof(name), "zparse_size(\"%s\") = %d%s",
			 show(c->in, len), c->ret, c->ret ? "" : " value");
		if (c->ret == 0)
			test_cond(name, ret == 0 && out == c->val);
		else
			test_cond(name, ret == c->ret && out == 0xdeadbeefULL);
		if (ret != c->ret || (!ret && out != c->val))
			printf("  got ret %d value %llu, want %d %llu\n", ret,
			       (unsigned long long)out, c->ret,
			       (unsigned long long)c->val);
	}
}

struct u64_case {
	const char *in;
	unsigned int base;
	int ret;
	uint64_t val;
};

static const struct u64_case u64_cases[] = {
	{ "0", 10, 0, 0 },
	{ "123", 10, 0, 123 },
	{ "123\n", 10, 0, 123 },
	/* kstrtoull: one trailing newline, no other whitespace */
	{ "123  \n", 10, -EINVAL, 0 },
	{ "123 ", 10, -EINVAL, 0 },
	{ "123\n\n", 10, -EINVAL, 0 },
	{ "123\t", 10, -EINVAL, 0 },
	{ "010", 10, 0, 10 },
	{ "18446744073709551615", 10, 0, UINT64_MAX },
	{ "18446744073709551616", 10, -ERANGE, 0 },
	{ "99999999999999999999", 10, -ERANGE, 0 },
	{ "0x10", 10, -EINVAL, 0 },
	{ "1K", 10, -EINVAL, 0 },
	{ "12abc", 10, -EINVAL, 0 },
	{ "abc", 10, -EINVAL, 0 },
	{ "-1", 10, -EINVAL, 0 },
	{ "+1", 10, -EINVAL, 0 },
	{ " 1", 10, -EINVAL, 0 },
	{ "", 10, -EINVAL, 0 },
	{ "\n", 10, -EINVAL, 0 },
	{ "0x10", 0, 0, 16 },
	{ "0X1f", 0, 0, 31 },
	{ "010", 0, 0, 8 },
	{ "0", 0, 0, 0 },
	{ "99", 0, 0, 99 },
	{ "08", 0, -EINVAL, 0 },
	{ "0xffffffffffffffff", 0, 0, UINT64_MAX },
	{ "0x1ffffffffffffffff", 0, -ERANGE, 0 },
	{ "1K", 0, -EINVAL, 0 },
	{ "ff", 16, 0, 255 },
	{ "0xff", 16, 0, 255 },
	{ "fg", 16, -EINVAL, 0 },
};

static void test_u64(void)
{
	char name[512];
	size_t i;

	for (i = 0; i < sizeof(u64_cases) / sizeof(u64_cases[0]); i++) {
		const struct u64_case *c = &u64_cases[i];
		size_t len = strlen(c->in);
		uint64_t out = 0xdeadbeefULL;
		char *buf = exact_copy(c->in, len);
		int ret = zparse_u64(buf, len, c->base, &out);

		free(buf);
		snprintf(name, sizeof(name), "zparse_u64(\"%s\", base %u) = %d",
			 show(c->in, len), c->base, c->ret);
		if (c->ret == 0)
			test_cond(name, ret == 0 && out == c->val);
		else
			test_cond(name, ret == c->ret && out == 0xdeadbeefULL);
		if (ret != c->ret || (!ret && out != c->val))
			printf("  got ret %d value %llu\n", ret,
			       (unsigned long long)out);
	}
	{
		uint64_t out = 7;

		test_cond("zparse_u64 embedded NUL is -EINVAL",
			  zparse_u64(RAW("1\0002"), 10, &out) == -EINVAL &&
				  out == 7);
	}
}

struct int_case {
	const char *in;
	int ret;
	int val;
};

static const struct int_case int_cases[] = {
	{ "0", 0, 0 },
	{ "42", 0, 42 },
	{ "42\n", 0, 42 },
	{ "-42", 0, -42 },
	{ "-42\n", 0, -42 },
	/* kstrtoint: one trailing newline, no other whitespace */
	{ "4 \n", -EINVAL, 0 },
	{ "4 ", -EINVAL, 0 },
	{ "4\n\n", -EINVAL, 0 },
	{ "4\r\n", -EINVAL, 0 },
	{ "+5", 0, 5 },
	{ "-0", 0, 0 },
	{ "010", 0, 10 },
	{ "2147483647", 0, INT32_MAX },
	{ "-2147483648", 0, INT32_MIN },
	{ "2147483648", -ERANGE, 0 },
	{ "-2147483649", -ERANGE, 0 },
	{ "99999999999999999999", -ERANGE, 0 },
	{ "-99999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "\n", -EINVAL, 0 },
	{ "-", -EINVAL, 0 },
	{ "+", -EINVAL, 0 },
	{ "--5", -EINVAL, 0 },
	{ "+-5", -EINVAL, 0 },
	{ "- 5", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "5x", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "abc", -EINVAL, 0 },
};

static void test_int(void)
{
	char name[512];
	size_t i;

	for (i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		const struct int_case *c = &int_cases[i];
		size_t len = strlen(c->in);
		int out = 12345;
		char *buf = exact_copy(c->in, len);
		int ret = zparse_int(buf, len, &out);

		free(buf);
		snprintf(name, sizeof(name), "zparse_int(\"%s\") = %d",
			 show(c->in, len), c->ret);
		if (c->ret == 0)
			test_cond(name, ret == 0 && out == c->val);
		else
			test_cond(name, ret == c->ret && out == 12345);
		if (ret != c->ret || (!ret && out != c->val))
			printf("  got ret %d value %d\n", ret, out);
	}
}

static void test_str(void)
{
	char dst[8];
	int ret;

	memset(dst, 'x', sizeof(dst));
	ret = zparse_str("lz4\n", 4, dst, sizeof(dst));
	test_cond("zparse_str strips one newline",
		  ret == 0 && !strcmp(dst, "lz4"));

	memset(dst, 'x', sizeof(dst));
	ret = zparse_str("lz4", 3, dst, sizeof(dst));
	test_cond("zparse_str without newline",
		  ret == 0 && !strcmp(dst, "lz4"));

	memset(dst, 'x', sizeof(dst));
	ret = zparse_str("a\n\n", 3, dst, sizeof(dst));
	test_cond("zparse_str strips only one newline",
		  ret == 0 && !strcmp(dst, "a\n"));

	memset(dst, 'x', sizeof(dst));
	ret = zparse_str("lz4 \n", 5, dst, sizeof(dst));
	test_cond("zparse_str keeps other whitespace",
		  ret == 0 && !strcmp(dst, "lz4 "));

	memset(dst, 'x', sizeof(dst));
	ret = zparse_str("", 0, dst, sizeof(dst));
	test_cond("zparse_str empty", ret == 0 && dst[0] == '\0');

	memset(dst, 'x', sizeof(dst));
	ret = zparse_str("\n", 1, dst, sizeof(dst));
	test_cond("zparse_str lone newline is empty",
		  ret == 0 && dst[0] == '\0');

	/* 7 characters + NUL fit in 8, with or without the newline */
	ret = zparse_str("abcdefg", 7, dst, sizeof(dst));
	test_cond("zparse_str exactly fits",
		  ret == 0 && !strcmp(dst, "abcdefg"));
	ret = zparse_str("abcdefg\n", 8, dst, sizeof(dst));
	test_cond("zparse_str exactly fits with newline",
		  ret == 0 && !strcmp(dst, "abcdefg"));

	memcpy(dst, "keep", 5);
	ret = zparse_str("abcdefgh", 8, dst, sizeof(dst));
	test_cond("zparse_str one too long is -E2BIG",
		  ret == -E2BIG && !strcmp(dst, "keep"));
	ret = zparse_str("abcdefgh\n", 9, dst, sizeof(dst));
	test_cond("zparse_str one too long with newline is -E2BIG",
		  ret == -E2BIG && !strcmp(dst, "keep"));

	ret = zparse_str(RAW("a\0b"), dst, sizeof(dst));
	test_cond("zparse_str embedded NUL is -EINVAL",
		  ret == -EINVAL && !strcmp(dst, "keep"));
}

/* -- zparse_kv ------------------------------------------------------------ */

#define KV_MAX 16

struct kv_log {
	int n;
	char key[KV_MAX][64];
	char val[KV_MAX][64];
	bool has_val[KV_MAX];
	int fail_at; /* return fail_ret on this call (1-based) */
	int fail_ret;
};

static int kv_cb(const char *key, const char *val, void *arg)
{
	struct kv_log *log = arg;
	int i = log->n;

	if (i >= KV_MAX)
		return -EOVERFLOW;
	snprintf(log->key[i], sizeof(log->key[i]), "%s", key);
	log->has_val[i] = val != NULL;
	snprintf(log->val[i], sizeof(log->val[i]), "%s", val ? val : "");
	log->n++;
	if (log->fail_at && log->n == log->fail_at)
		return log->fail_ret;
	return 0;
}

static int kv_run(const char *in, size_t len, struct kv_log *log)
{
	char *buf = exact_copy(in, len);
	int ret;

	ret = zparse_kv(buf, len, kv_cb, log);
	free(buf);
	return ret;
}

static bool kv_is(const struct kv_log *log, int i, const char *key,
		  const char *val)
{
	if (i >= log->n || strcmp(log->key[i], key))
		return false;
	if (!val)
		return !log->has_val[i];
	return log->has_val[i] && !strcmp(log->val[i], val);
}

static void test_kv(void)
{
	struct kv_log log;
	char *big;
	int ret;

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("algo=zstd level=8"), &log);
	test_cond("zparse_kv two pairs",
		  ret == 0 && log.n == 2 && kv_is(&log, 0, "algo", "zstd") &&
			  kv_is(&log, 1, "level", "8"));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("algo=zstd level=8\n"), &log);
	test_cond("zparse_kv trailing newline",
		  ret == 0 && log.n == 2 && kv_is(&log, 0, "algo", "zstd") &&
			  kv_is(&log, 1, "level", "8"));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("algo=zstd dict=\"/a b\"\n"), &log);
	test_cond("zparse_kv quoted value with a space",
		  ret == 0 && log.n == 2 && kv_is(&log, 0, "algo", "zstd") &&
			  kv_is(&log, 1, "dict", "/a b"));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("dict=\"\" x=1"), &log);
	test_cond("zparse_kv empty quoted value",
		  ret == 0 && log.n == 2 && kv_is(&log, 0, "dict", "") &&
			  kv_is(&log, 1, "x", "1"));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("reset prio=1 all"), &log);
	test_cond("zparse_kv bare words have NULL values",
		  ret == 0 && log.n == 3 && kv_is(&log, 0, "reset", NULL) &&
			  kv_is(&log, 1, "prio", "1") &&
			  kv_is(&log, 2, "all", NULL));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("a="), &log);
	test_cond("zparse_kv empty value is \"\" not NULL",
		  ret == 0 && log.n == 1 && kv_is(&log, 0, "a", ""));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("   a=1     b=2 \t  c   \n"), &log);
	test_cond("zparse_kv multiple spaces and tabs",
		  ret == 0 && log.n == 3 && kv_is(&log, 0, "a", "1") &&
			  kv_is(&log, 1, "b", "2") &&
			  kv_is(&log, 2, "c", NULL));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW(""), &log);
	test_cond("zparse_kv empty input calls nothing",
		  ret == 0 && log.n == 0);

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("  \n"), &log);
	test_cond("zparse_kv blank input calls nothing",
		  ret == 0 && log.n == 0);

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("algo=zstd dict=\"/a b"), &log);
	test_cond("zparse_kv unterminated quote is -EINVAL", ret == -EINVAL);
	test_cond("zparse_kv unterminated quote: quoted pair not delivered",
		  log.n <= 1 && (log.n == 0 || kv_is(&log, 0, "algo", "zstd")));

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("dict=\""), &log);
	test_cond("zparse_kv lone quote is -EINVAL",
		  ret == -EINVAL && log.n == 0);

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("dict=\"/a\"b"), &log);
	test_cond("zparse_kv text glued after closing quote is -EINVAL",
		  ret == -EINVAL && log.n == 0);

	memset(&log, 0, sizeof(log));
	log.fail_at = 2;
	log.fail_ret = -ENOENT;
	ret = kv_run(RAW("a=1 b=2 c=3"), &log);
	test_cond("zparse_kv propagates the callback's error",
		  ret == -ENOENT && log.n == 2);

	memset(&log, 0, sizeof(log));
	log.fail_at = 1;
	log.fail_ret = 7;
	ret = kv_run(RAW("a=1 b=2"), &log);
	test_cond("zparse_kv propagates a positive callback return",
		  ret == 7 && log.n == 1);

	memset(&log, 0, sizeof(log));
	ret = kv_run(RAW("a=1\0b=2"), &log);
	test_cond("zparse_kv embedded NUL is -EINVAL", ret == -EINVAL);

	/* ZPARSE_KV_MAX bytes is the most accepted */
	big = malloc(ZPARSE_KV_MAX + 1);
	if (!big) {
		perror("malloc");
		exit(2);
	}
	memset(big, ' ', ZPARSE_KV_MAX + 1);
	memcpy(big, "a=1", 3);
	memcpy(big + ZPARSE_KV_MAX - 3, "b=2", 3);
	memset(&log, 0, sizeof(log));
	ret = kv_run(big, ZPARSE_KV_MAX, &log);
	test_cond("zparse_kv ZPARSE_KV_MAX bytes accepted",
		  ret == 0 && log.n == 2 && kv_is(&log, 0, "a", "1") &&
			  kv_is(&log, 1, "b", "2"));

	memset(&log, 0, sizeof(log));
	ret = kv_run(big, ZPARSE_KV_MAX + 1, &log);
	test_cond("zparse_kv over-long input is -EINVAL",
		  ret == -EINVAL && log.n == 0);
	free(big);
}

int main(void)
{
	test_size();
	test_u64();
	test_int();
	test_str();
	test_kv();
	return test_report();
}
