/*
 * harden - make the daemon fit to be the swap device of its own machine.
 *
 * A swap device's server must never need memory reclaim to make
 * progress: its pages are locked (mlockall with MCL_ONFAULT, so sparse
 * metadata is not prefaulted), it is the last choice of the OOM killer,
 * and each thread serving I/O is marked PR_SET_IO_FLUSHER (its own
 * allocations then do not recurse into I/O) where the kernel permits.
 */
#ifndef ZRAMFS_HARDEN_H
#define ZRAMFS_HARDEN_H

#include <stdint.h>

/* process-wide: mlockall, oom_score_adj; logs what could not be done */
void harden_process(void);
/* once per I/O thread (cheap after the first call) */
void harden_thread(void);
/*
 * The memory limit of the cgroup this process is in (v2 memory.max or
 * v1 memory.limit_in_bytes), or 0 if none.
 */
uint64_t harden_cgroup_limit(void);
/*
 * The default mem_limit of devices under a memory cgroup limit (0: none):
 * the limit less headroom for the daemon's own memory, 1/8 of the limit
 * but at least HARDEN_MIN_HEADROOM; half the limit where that headroom
 * would take more than half.
 */
#define HARDEN_MIN_HEADROOM	(48ull << 20)
uint64_t harden_default_mem_cap(uint64_t cgroup_limit);

#endif
