/*
 * page.h - the one page size every layer shares: the device's page, the
 * compressor's input, the pool's zspage unit and the arena's mapping
 * granule are the same 4 KiB (the kernel's PAGE_SIZE on x86-64).
 */
#ifndef ZRAMFS_PAGE_H
#define ZRAMFS_PAGE_H

#define ZPAGE_SHIFT 12
#define ZPAGE_SIZE  (1u << ZPAGE_SHIFT)
#define ZPAGE_MASK  ((uint64_t)ZPAGE_SIZE - 1)

#endif
