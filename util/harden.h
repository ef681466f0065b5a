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

#include <stdbool.h>
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
 * Call fn with each memory cgroup directory of this process (v2's
 * unified one, v1's memory controller's), in /proc/self/cgroup's order,
 * until it returns true; returns whether one did.
 */
bool harden_cgroup_each(bool (*fn)(const char *dir, bool v2, void *arg),
			void *arg);
/*
 * The default mem_limit of devices under a memory cgroup limit (0: none):
 * the limit less headroom for the daemon's own memory, 1/8 of the limit
 * but at least HARDEN_MIN_HEADROOM; half the limit where that headroom
 * would take more than half.
 */
#define HARDEN_MIN_HEADROOM (48ull << 20)
uint64_t harden_default_mem_cap(uint64_t cgroup_limit);

/* physical memory, in bytes (0 if unknown) */
uint64_t harden_ram(void);
/*
 * The largest -o reserve (memory kept faulted in and locked ahead of
 * writes, per initialised device) for ndev devices: at most mem_cap (0:
 * none), since a device never stores more than its mem_limit, and all
 * devices' together at most the memory cgroup's limit, else RAM, less
 * the headroom harden_default_mem_cap leaves: reserved memory must not
 * be what the OOM killer finds.  *what names the bound that applied.
 */
uint64_t harden_reserve_max(unsigned int ndev, uint64_t mem_cap,
			    uint64_t cgroup_limit, uint64_t ram,
			    const char **what);

#endif
