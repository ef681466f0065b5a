/*
 * parse - strict versions of the kernel's memparse/kstrto* for control
 * files.  Kernel memparse ignores trailing garbage ("12abc" is 12); we
 * refuse it with -EINVAL, since a typo in a size should change nothing,
 * but accept trailing whitespace.  The kstrto* family is the kernel's
 * exactly at the end of a number: one newline may follow, nothing else
 * ("4 \n" is -EINVAL, as lib/kstrtox.c's _kstrtoull).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/parse.h"

#define NUM_MAX 64

/*
 * Copy into a NUL-terminated buffer, dropping what may trail the value:
 * any whitespace (memparse), or at most one newline (kstrto*).
 */
static int copy_value(const char *buf, size_t len, char *dst, size_t dstsz,
		      bool any_space)
{
	if (any_space)
		while (len && isspace((unsigned char)buf[len - 1]))
			len--;
	else if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len >= dstsz)
		return -EINVAL;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	memcpy(dst, buf, len);
	dst[len] = '\0';
	return 0;
}

/* digits only (after an optional 0x), no sign, no leading space */
static int parse_ull(const char *s, unsigned int base, uint64_t *out,
		     char **end)
{
	unsigned long long v;

	if (!isxdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

int zparse_u64(const char *buf, size_t len, unsigned int base, uint64_t *out)
{
	char tmp[NUM_MAX], *end;
	uint64_t v;
	int ret;

	ret = copy_value(buf, len, tmp, sizeof(tmp), false);
	if (ret)
		return ret;
	ret = parse_ull(tmp, base, &v, &end);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int zparse_int(const char *buf, size_t len, int *out)
{
	char tmp[NUM_MAX], *end, *p;
	long v;
	int ret;

	ret = copy_value(buf, len, tmp, sizeof(tmp), false);
	if (ret)
		return ret;
	p = tmp;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtol(tmp, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

int zparse_size(const char *buf, size_t len, uint64_t *out)
{
	char tmp[NUM_MAX], *end;
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	ret = copy_value(buf, len, tmp, sizeof(tmp), true);
	if (ret)
		return ret;
	ret = parse_ull(tmp, 0, &v, &end);
	if (ret)
		return ret;
	switch (*end) {
	/* clang-format off */
	case 'E': case 'e': shift = 60; break;
	case 'P': case 'p': shift = 50; break;
	case 'T': case 't': shift = 40; break;
	case 'G': case 'g': shift = 30; break;
	case 'M': case 'm': shift = 20; break;
	case 'K': case 'k': shift = 10; break;
	case '\0': break;
	default: return -EINVAL;
		/* clang-format on */
	}
	if (shift) {
		end++;
		if (*end)
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*out = v;
	return 0;
}

int zparse_bool(const char *buf, size_t len, bool *out)
{
	if (!len)
		return -EINVAL;
	switch (buf[0]) {
	case 'y':
	case 'Y':
	case 't':
	case 'T':
	case '1':
		*out = true;
		return 0;
	case 'n':
	case 'N':
	case 'f':
	case 'F':
	case '0':
		*out = false;
		return 0;
	case 'o':
	case 'O':
		if (len < 2)
			break;
		if (buf[1] == 'n' || buf[1] == 'N') {
			*out = true;
			return 0;
		}
		if (buf[1] == 'f' || buf[1] == 'F') {
			*out = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

int zparse_str(const char *buf, size_t len, char *dst, size_t dstsz)
{
	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= dstsz)
		return -E2BIG;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	memcpy(dst, buf, len);
	dst[len] = '\0';
	return 0;
}

int zparse_kv(const char *buf, size_t len, zparse_kv_fn fn, void *arg)
{
	char tmp[ZPARSE_KV_MAX + 1];
	char *p = tmp, *key, *val;
	int ret;

	if (len > ZPARSE_KV_MAX)
		return -EINVAL;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		key = p;
		val = NULL;
		while (*p && !isspace((unsigned char)*p) && *p != '=')
			p++;
		if (*p == '=') {
			*p++ = '\0';
			if (*p == '"') {
				val = ++p;
				p = strchr(p, '"');
				if (!p)
					return -EINVAL;
				*p++ = '\0';
				if (*p && !isspace((unsigned char)*p))
					return -EINVAL;
			} else {
				val = p;
				while (*p && !isspace((unsigned char)*p))
					p++;
			}
		}
		if (*p)
			*p++ = '\0';
		ret = fn(key, val, arg);
		if (ret)
			return ret;
	}
}
