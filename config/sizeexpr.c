/*
 * sizeexpr - a recursive-descent evaluator of size expressions, in long
 * double: integers below 2^64 are exact in its 64-bit mantissa.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/sizeexpr.h"
#include "util/harden.h"

struct lexer {
	const char *s; /* the whole expression */
	const char *p; /* next character */
	long double ram;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct lexer *l, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (l->failed)
		return;
	l->failed = 1;
	va_start(ap, fmt);
	vsnprintf(l->err, l->errlen, fmt, ap);
	va_end(ap);
	n = strlen(l->err);
	if (n < l->errlen)
		snprintf(l->err + n, l->errlen - n, " at column %d in \"%s\"",
			 (int)(l->p - l->s) + 1, l->s);
}

static void skip_space(struct lexer *l)
{
	while (isspace((unsigned char)*l->p))
		l->p++;
}

/* the next token is c: take it */
static int accept(struct lexer *l, char c)
{
	skip_space(l);
	if (*l->p != c)
		return 0;
	l->p++;
	return 1;
}

static void expect(struct lexer *l, char c)
{
	if (!accept(l, c))
		fail(l,
		     *l->p ? "expected '%c', found '%c'" :
			     "expected '%c' at the end",
		     c, *l->p);
}

static long double expr(struct lexer *l);

static long double number(struct lexer *l)
{
	static const char units[] = "KMGTPE";
	const char *u, *c;
	long double v;
	char *end;

	errno = 0;
	v = strtold(l->p, &end);
	/* strtold also takes hex and exponents: digits and a point only */
	for (c = l->p; c < end; c++)
		if (!isdigit((unsigned char)*c) && *c != '.')
			break;
	if (end == l->p || errno || c < end) {
		fail(l, "bad number");
		return 0;
	}
	l->p = end;
	if (*l->p && (u = strchr(units, toupper((unsigned char)*l->p)))) {
		v *= (long double)(1ull << (10 * (u - units + 1)));
		l->p++;
		if (!strncasecmp(l->p, "iB", 2))
			l->p += 2;
	}
	if (isalnum((unsigned char)*l->p) || *l->p == '.')
		fail(l, "bad size suffix '%c'", *l->p);
	return v;
}

static int word(struct lexer *l, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(l->p, w, n) || isalnum((unsigned char)l->p[n]) ||
	    l->p[n] == '_')
		return 0;
	l->p += n;
	return 1;
}

static long double factor(struct lexer *l)
{
	long double v, w;
	int is_min;

	skip_space(l);
	if (l->failed)
		return 0;
	if (isdigit((unsigned char)*l->p) || *l->p == '.')
		return number(l);
	if (word(l, "ram"))
		return l->ram;
	if (accept(l, '(')) {
		v = expr(l);
		expect(l, ')');
		return v;
	}
	if ((is_min = word(l, "min")) || word(l, "max")) {
		expect(l, '(');
		v = expr(l);
		while (!l->failed && accept(l, ',')) {
			w = expr(l);
			if (is_min ? w < v : w > v)
				v = w;
		}
		expect(l, ')');
		return v;
	}
	if (*l->p)
		fail(l, "unexpected '%c'", *l->p);
	else
		fail(l, "unexpected end");
	return 0;
}

static long double term(struct lexer *l)
{
	long double v = factor(l), w;

	while (!l->failed) {
		if (accept(l, '*')) {
			v *= factor(l);
		} else if (accept(l, '/')) {
			w = factor(l);
			if (w == 0 && !l->failed) {
				fail(l, "division by zero");
				return 0;
			}
			v = l->failed ? 0 : v / w;
		} else {
			break;
		}
	}
	return v;
}

static long double expr(struct lexer *l)
{
	long double v = term(l);

	while (!l->failed) {
		if (accept(l, '+'))
			v += term(l);
		else if (accept(l, '-'))
			v -= term(l);
		else
			break;
	}
	return v;
}

int zsize_eval(const char *s, uint64_t ram, uint64_t *out, char *err,
	       size_t errlen)
{
	struct lexer l = { s, s, (long double)ram, err, errlen, 0 };
	long double v = expr(&l);

	skip_space(&l);
	if (!l.failed && *l.p)
		fail(&l, "unexpected '%c'", *l.p);
	if (!l.failed && !ram && strstr(s, "ram"))
		fail(&l, "the machine's memory size is unknown");
	if (!l.failed && v < 0)
		fail(&l, "negative size");
	if (!l.failed && v >= 18446744073709551616.0L)
		fail(&l, "size too large");
	if (l.failed)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

uint64_t zsize_ram(void)
{
	unsigned long long kb = 0;
	uint64_t total = 0, limit;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
				break;
		fclose(f);
		total = (uint64_t)kb << 10;
	}
	limit = harden_cgroup_limit();
	if (limit && (!total || limit < total))
		total = limit;
	return total;
}
