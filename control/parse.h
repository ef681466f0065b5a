/*
 * parse - the kernel's sysfs input parsers, strict.
 *
 * Values arrive as written by echo: with or without one trailing newline,
 * not NUL-terminated.  Every parser takes (buf, len) and returns 0 or
 * -EINVAL (-ERANGE on overflow).  zparse_size accepts any trailing
 * whitespace; zparse_u64 and zparse_int, as the kernel's kstrto*, only
 * one newline.
 */
#ifndef ZRAMFS_PARSE_H
#define ZRAMFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* memparse: decimal/0x/0 octal number with optional K/M/G/T/P/E suffix */
int zparse_size(const char *buf, size_t len, uint64_t *out);
/* kstrtoull(buf, base): plain number in the given base (0 = auto) */
int zparse_u64(const char *buf, size_t len, unsigned int base, uint64_t *out);
/* kstrtoint(buf, 10): a signed int */
int zparse_int(const char *buf, size_t len, int *out);

/*
 * Split "key=value key2=value2" (the kernel's next_arg): calls fn for each
 * pair; value is NULL for a bare word.  Values may be double-quoted.
 * Stops at the first non-zero return of fn and returns it.
 * Returns -EINVAL for an unterminated quote or an over-long input.
 */
#define ZPARSE_KV_MAX 4096
typedef int (*zparse_kv_fn)(const char *key, const char *val, void *arg);
int zparse_kv(const char *buf, size_t len, zparse_kv_fn fn, void *arg);

/*
 * kstrtobool: y/Y/t/T/1/on is true, n/N/f/F/0/off false (only the first
 * characters count, as the kernel's); -EINVAL otherwise.
 */
int zparse_bool(const char *buf, size_t len, bool *out);

/* Copy buf into dst (size dstsz) as a C string minus one trailing "\n". */
int zparse_str(const char *buf, size_t len, char *dst, size_t dstsz);

#endif
