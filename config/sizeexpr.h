/*
 * sizeexpr - size expressions over the machine's memory, as
 * zram-generator's `zram-size = min(ram / 2, 4096)`, but in bytes:
 *
 *   expr   := term { ("+" | "-") term }
 *   term   := factor { ("*" | "/") factor }
 *   factor := NUMBER [K|M|G|T|P|E [iB]] | "ram" | "(" expr ")"
 *           | ("min" | "max") "(" expr { "," expr } ")"
 *
 * A bare number is bytes; suffixes are binary (1K = 1024), any case;
 * numbers may have a fraction ("1.5G").  `ram` is the memory this
 * process may use: MemTotal, or its memory cgroup's limit if lower.
 * The result is rounded down to whole bytes; below 0 is an error.
 */
#ifndef ZRAMFS_SIZEEXPR_H
#define ZRAMFS_SIZEEXPR_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -EINVAL with the reason (and where) in err */
int zsize_eval(const char *expr, uint64_t ram, uint64_t *out, char *err,
	       size_t errlen);
/* MemTotal, or the memory cgroup limit if lower; 0 if unknown */
uint64_t zsize_ram(void);

#endif
