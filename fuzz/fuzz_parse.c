/*
 * fuzz_parse - libFuzzer target for control/parse.c.
 *
 * Input: byte 0 is a config byte (dst size for zparse_str, the call at
 * which the zparse_kv callback stops, the u64 base); the rest is the value
 * as written to a control file.  Every parser gets that value, copied into
 * a heap buffer of exactly its length so ASan sees any over-read.
 *
 * Each parser is checked against an independent reference written here
 * from the contract in parse.h (strict memparse / kstrto*: zparse_size
 * takes trailing whitespace, zparse_u64/zparse_int one newline only):
 *   zparse_u64 base 10/16/0, zparse_int, zparse_size: same return code and
 *     same value as the reference;
 *   zparse_size: a success re-formats consistently ("%llu", "0x%llx",
 *     "0%llo", "<n><K|M|G|T|P|E>", with a trailing "\n") and parses back to
 *     the same value; without a suffix it agrees with zparse_u64(base 0)
 *     of the value stripped of trailing whitespace;
 *   zparse_str: result, copy and the bytes around a dst of exact size;
 *   zparse_kv: the sequence of (key, val) callbacks equals a reference
 *     tokenizer's, key is never NULL, key/val are NUL-terminated and no
 *     longer than the input, a non-zero callback return stops the walk and
 *     is returned as is.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/parse.h"

#include "fuzz/fuzz.h"

#define NUM_MAX 64 /* parse.c's scratch: trimmed values of 64+ bytes fail */

/* ---- references ---------------------------------------------------------- */

/* trailing whitespace stripped; -EINVAL for empty/too long/embedded NUL */
static int ref_trim(const char *buf, size_t len, size_t *outlen)
{
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	if (len == 0 || len >= NUM_MAX)
		return -EINVAL;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	*outlen = len;
	return 0;
}

/* kstrto*: one trailing newline dropped, nothing else */
static int ref_trim_nl(const char *buf, size_t len, size_t *outlen)
{
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len >= NUM_MAX)
		return -EINVAL;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	*outlen = len;
	return 0;
}

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * strtoull over s[0..len) (no NUL inside) in base 0/10/16, with parse.c's
 * extra rule: the first byte must be a hex digit (no space, no sign).
 * Returns 0/-EINVAL/-ERANGE; *used gets the bytes consumed.
 */
static int ref_ull(const char *s, size_t len, unsigned int base, uint64_t *out,
		   size_t *used)
{
	size_t i = 0, start;
	uint64_t v = 0;
	bool ovf = false;

	if (!len || !isxdigit((unsigned char)s[0]))
		return -EINVAL;
	if ((base == 0 || base == 16) && len >= 3 && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
		base = 16;
		i = 2;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	start = i;
	for (; i < len && digit_val(s[i]) < (int)base; i++) {
		unsigned int d = digit_val(s[i]);

		if (v > (UINT64_MAX - d) / base)
			ovf = true;
		else
			v = v * base + d;
	}
	if (i == start)
		return -EINVAL;
	if (ovf)
		return -ERANGE;
	*out = v;
	*used = i;
	return 0;
}

static int ref_u64(const char *buf, size_t len, unsigned int base,
		   uint64_t *out)
{
	size_t n, used;
	uint64_t v;
	int ret = ref_trim_nl(buf, len, &n);

	if (ret)
		return ret;
	ret = ref_ull(buf, n, base, &v, &used);
	if (ret)
		return ret;
	if (used < n)
		return -EINVAL;
	if (used != n)
		return -EINVAL;
	*out = v;
	return 0;
}

static unsigned int suffix_shift(char c)
{
	switch (c) {
	/* clang-format off */
	case 'E': case 'e': return 60;
	case 'P': case 'p': return 50;
	case 'T': case 't': return 40;
	case 'G': case 'g': return 30;
	case 'M': case 'm': return 20;
	case 'K': case 'k': return 10;
	/* clang-format on */
	default:
		return 0;
	}
}

static int ref_size(const char *buf, size_t len, uint64_t *out)
{
	size_t n, used;
	unsigned int shift;
	uint64_t v;
	int ret = ref_trim(buf, len, &n);

	if (ret)
		return ret;
	ret = ref_ull(buf, n, 0, &v, &used);
	if (ret)
		return ret;
	if (used < n) {
		shift = suffix_shift(buf[used]);
		if (!shift || used + 1 != n)
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*out = v;
	return 0;
}

static int ref_int(const char *buf, size_t len, int *out)
{
	size_t n, i = 0;
	int64_t v = 0;
	bool neg = false, ovf = false;
	int ret = ref_trim_nl(buf, len, &n);

	if (ret)
		return ret;
	if (buf[0] == '-' || buf[0] == '+') {
		neg = buf[0] == '-';
		i = 1;
	}
	if (i >= n || !isdigit((unsigned char)buf[i]))
		return -EINVAL;
	for (; i < n && isdigit((unsigned char)buf[i]); i++) {
		if (v > ((int64_t)1 << 40))
			ovf = true; /* far past INT32: stop growing */
		else
			v = v * 10 + (buf[i] - '0');
	}
	if (i != n)
		return -EINVAL;
	if (neg)
		v = -v;
	if (ovf || v < INT32_MIN || v > INT32_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

/* ---- zparse_kv reference tokenizer --------------------------------------- */

struct kv_tok {
	char *key;
	char *val; /* NULL: bare word */
};

struct kv_ref {
	struct kv_tok tok[ZPARSE_KV_MAX];
	int n;
	int ret; /* 0 or -EINVAL (unterminated/garbled quote) */
};

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	CHECK(p);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* buf has no NUL and len <= ZPARSE_KV_MAX */
static void ref_kv(const char *buf, size_t len, struct kv_ref *r)
{
	size_t i = 0, k;

	r->n = 0;
	r->ret = 0;
	for (;;) {
		struct kv_tok t = { NULL, NULL };

		while (i < len && isspace((unsigned char)buf[i]))
			i++;
		if (i == len)
			return;
		k = i;
		while (i < len && !isspace((unsigned char)buf[i]) &&
		       buf[i] != '=')
			i++;
		t.key = dupn(buf + k, i - k);
		if (i < len && buf[i] == '=') {
			i++;
			if (i < len && buf[i] == '"') {
				const char *q;

				i++;
				q = memchr(buf + i, '"', len - i);
				if (!q) {
					free(t.key);
					r->ret = -EINVAL;
					return;
				}
				t.val = dupn(buf + i, q - (buf + i));
				i = q - buf + 1;
				if (i < len &&
				    !isspace((unsigned char)buf[i])) {
					free(t.key);
					free(t.val);
					r->ret = -EINVAL;
					return;
				}
			} else {
				k = i;
				while (i < len &&
				       !isspace((unsigned char)buf[i]))
					i++;
				t.val = dupn(buf + k, i - k);
			}
		}
		if (i < len)
			i++; /* the separator */
		r->tok[r->n++] = t;
	}
}

static void ref_kv_free(struct kv_ref *r)
{
	int i;

	for (i = 0; i < r->n; i++) {
		free(r->tok[i].key);
		free(r->tok[i].val);
	}
	r->n = 0;
}

struct kv_state {
	const struct kv_ref *ref;
	size_t len; /* input length: bound on key/val lengths */
	int calls;
	int stop_at; /* return STOP_RET on this call (-1: never) */
};

#define STOP_RET (-12345)

static int kv_cb(const char *key, const char *val, void *arg)
{
	struct kv_state *st = arg;
	const struct kv_tok *t;

	CHECK(key != NULL);
	/* NUL-terminated within the input's length */
	CHECK(strnlen(key, st->len + 1) <= st->len);
	CHECK(!val || strnlen(val, st->len + 1) <= st->len);
	/* a key never holds a separator, an unquoted value no space */
	CHECK(!strchr(key, '='));
	CHECK(st->calls < st->ref->n);
	t = &st->ref->tok[st->calls];
	CHECK(!strcmp(key, t->key));
	CHECK(!val == !t->val);
	CHECK(!val || !strcmp(val, t->val));
	if (st->calls++ == st->stop_at)
		return STOP_RET;
	return 0;
}

/* ---- the checks ---------------------------------------------------------- */

static void check_u64(const char *buf, size_t len, unsigned int base)
{
	uint64_t v = 0xdeadbeef, rv = 0xfeedface;
	int ret = zparse_u64(buf, len, base, &v);
	int rret = ref_u64(buf, len, base, &rv);

	CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	CHECK(ret == rret);
	if (!ret)
		CHECK(v == rv);
	else
		CHECK(v == 0xdeadbeef); /* failure leaves *out alone */
}

static void check_int(const char *buf, size_t len)
{
	int v = 0x5a5a, rv = 0;
	int ret = zparse_int(buf, len, &v);
	int rret = ref_int(buf, len, &rv);
	char s[32];

	CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	CHECK(ret == rret);
	if (ret) {
		CHECK(v == 0x5a5a);
		return;
	}
	CHECK(v == rv);
	snprintf(s, sizeof(s), "%d\n", v);
	CHECK(zparse_int(s, strlen(s), &rv) == 0 && rv == v);
}

/* value must parse back from s */
static void size_roundtrip(const char *s, uint64_t v)
{
	uint64_t w = ~v;

	CHECK(zparse_size(s, strlen(s), &w) == 0);
	CHECK(w == v);
}

static void check_size(const char *buf, size_t len)
{
	static const char suffix[] = "KMGTPE";
	uint64_t v = 0x1234, rv = 0, u = 0;
	int ret = zparse_size(buf, len, &v);
	int rret = ref_size(buf, len, &rv);
	size_t n = len;
	char s[96];
	int i;

	CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	CHECK(ret == rret);
	/*
	 * no suffix letter at the end: the same as kstrtoull(base 0) of the
	 * value without its trailing whitespace (zparse_size takes any,
	 * zparse_u64 only one newline)
	 */
	while (n && isspace((unsigned char)buf[n - 1]))
		n--;
	if (!n || !suffix_shift(buf[n - 1])) {
		int uret = zparse_u64(buf, n, 0, &u);

		CHECK(uret == ret);
		if (!ret)
			CHECK(u == v);
	}
	if (ret) {
		CHECK(v == 0x1234);
		return;
	}
	CHECK(v == rv);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	size_roundtrip(s, v);
	snprintf(s, sizeof(s), "%llu\n", (unsigned long long)v);
	size_roundtrip(s, v);
	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	size_roundtrip(s, v);
	snprintf(s, sizeof(s), "0%llo \t\n", (unsigned long long)v);
	size_roundtrip(s, v);
	for (i = 0; i < 6; i++) {
		unsigned int shift = 10 * (i + 1);

		if (v & ((UINT64_C(1) << shift) - 1))
			break;
		snprintf(s, sizeof(s), "%llu%c\n",
			 (unsigned long long)(v >> shift), suffix[i]);
		size_roundtrip(s, v);
		snprintf(s, sizeof(s), "%llu%c",
			 (unsigned long long)(v >> shift),
			 tolower((unsigned char)suffix[i]));
		size_roundtrip(s, v);
	}
	/* one more unit of the biggest suffix that fits must overflow */
	if (v) {
		int top = 63 - __builtin_clzll(v);

		if (top >= 4) {
			snprintf(s, sizeof(s), "%lluE",
				 (unsigned long long)((v >> 4) + 16));
			CHECK(zparse_size(s, strlen(s), &u) == -ERANGE);
		}
	}
}

static void check_str(const char *buf, size_t len, size_t dstsz)
{
	/* dst of exactly dstsz bytes: ASan catches any overrun */
	char *dst = malloc(dstsz ? dstsz : 1);
	size_t n = len;
	int ret, want;

	CHECK(dst);
	memset(dst, 0x7e, dstsz ? dstsz : 1);
	ret = zparse_str(buf, len, dst, dstsz);
	if (n && buf[n - 1] == '\n')
		n--;
	if (n >= dstsz)
		want = -E2BIG;
	else if (memchr(buf, '\0', n))
		want = -EINVAL;
	else
		want = 0;
	CHECK(ret == want);
	if (!ret) {
		CHECK(!memcmp(dst, buf, n));
		CHECK(dst[n] == '\0');
	}
	free(dst);
}

static void check_kv(const char *buf, size_t len, int stop_at)
{
	static struct kv_ref ref;
	struct kv_state st = { &ref, len, 0, stop_at };
	int ret, want;

	if (len > ZPARSE_KV_MAX || memchr(buf, '\0', len)) {
		st.ref = &ref;
		ref.n = 0; /* no callback allowed */
		CHECK(zparse_kv(buf, len, kv_cb, &st) == -EINVAL);
		CHECK(st.calls == 0);
		return;
	}
	ref_kv(buf, len, &ref);
	ret = zparse_kv(buf, len, kv_cb, &st);
	if (stop_at >= 0 && stop_at < ref.n) {
		want = STOP_RET;
		CHECK(st.calls == stop_at + 1);
	} else {
		want = ref.ret;
		CHECK(st.calls == ref.n);
	}
	CHECK(ret == want);
	ref_kv_free(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cfg;
	char *buf;
	size_t len;

	if (size < 1)
		return 0;
	cfg = data[0];
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	check_u64(buf, len, 10);
	check_u64(buf, len, 16);
	check_u64(buf, len, 0);
	check_int(buf, len);
	check_size(buf, len);
	check_str(buf, len, cfg & 0x3f);
	check_str(buf, len, 128); /* ZDEV_ALGO_NAME_MAX */
	check_kv(buf, len, (cfg >> 4) ? (int)(cfg >> 4) - 1 : -1);

	free(buf);
	return 0;
}
