/*
 * harden - see harden.h.  Every step is best effort: a step the kernel
 * refuses is logged once and the others still apply.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util/harden.h"
#include "util/zlog.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

static int io_flusher_ok = 1;
static __thread int thread_done;

void harden_process(void)
{
	int fd;

	/*
	 * malloc heaps grow in 1 MiB steps, not page by page: each growth
	 * is an mprotect, which takes the address-space lock for writing
	 * and holds up every page fault in the process meanwhile.
	 */
	mallopt(M_TOP_PAD, 1 << 20);
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		zlog(LOG_WARNING, "mlockall failed: %s: pages may be swapped",
		     strerror(errno));
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		zlog(LOG_WARNING, "cannot lower oom_score_adj: %s",
		     strerror(errno));
	/* lowering it needs CAP_SYS_RESOURCE, as PR_SET_IO_FLUSHER does */
	if (fd >= 0)
		close(fd);
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0)) {
		io_flusher_ok = 0;
		zlog(LOG_WARNING,
		     "PR_SET_IO_FLUSHER refused (%s): relying on "
		     "mlockall and mem_limit",
		     strerror(errno));
	}
	thread_done = 1;
}

void harden_thread(void)
{
	if (thread_done)
		return;
	thread_done = 1;
	if (io_flusher_ok)
		prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);
}

/* read one number from a cgroup file; "max" and absurd values are none */
static uint64_t read_limit(const char *path)
{
	char buf[64];
	uint64_t v;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	if (!strncmp(buf, "max", 3))
		return 0;
	v = strtoull(buf, NULL, 10);
	/* v1 reports "no limit" as a page-rounded LONG_MAX */
	return v >= (1ull << 60) ? 0 : v;
}

bool harden_cgroup_each(bool (*fn)(const char *dir, bool v2, void *arg),
			void *arg)
{
	char line[512], dir[600], *p;
	bool done = false;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return false;
	while (!done && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* v2: "0::/path"; v1: "N:memory:/path" (or with others) */
		if (!strncmp(line, "0::", 3)) {
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s",
				 line + 3);
			done = fn(dir, true, arg);
			continue;
		}
		p = strchr(line, ':');
		if (!p || !strstr(p, "memory"))
			continue;
		p = strchr(p + 1, ':');
		if (!p)
			continue;
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/memory%s", p + 1);
		done = fn(dir, false, arg);
	}
	fclose(f);
	return done;
}

static bool dir_limit(const char *dir, bool v2, void *arg)
{
	char path[700];
	uint64_t *limit = arg;

	snprintf(path, sizeof(path), "%s/%s", dir,
		 v2 ? "memory.max" : "memory.limit_in_bytes");
	*limit = read_limit(path);
	return *limit != 0;
}

uint64_t harden_cgroup_limit(void)
{
	uint64_t limit = 0;

	harden_cgroup_each(dir_limit, &limit);
	return limit;
}

uint64_t harden_default_mem_cap(uint64_t cgroup_limit)
{
	uint64_t headroom = cgroup_limit / 8;

	if (headroom < HARDEN_MIN_HEADROOM)
		headroom = HARDEN_MIN_HEADROOM;
	if (cgroup_limit > 2 * headroom)
		return cgroup_limit - headroom;
	return cgroup_limit / 2;
}

uint64_t harden_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * size : 0;
}

uint64_t harden_reserve_max(unsigned int ndev, uint64_t mem_cap,
			    uint64_t cgroup_limit, uint64_t ram,
			    const char **what)
{
	uint64_t max = UINT64_MAX, all;

	if (!ndev)
		ndev = 1; /* a device hot-added later */
	*what = "no limit";
	if (cgroup_limit || ram) {
		all = harden_default_mem_cap(cgroup_limit ? cgroup_limit : ram);
		max = all / ndev;
		*what = cgroup_limit ? "the memory cgroup limit less headroom" :
				       "RAM less headroom";
	}
	if (mem_cap && mem_cap < max) {
		max = mem_cap;
		*what = "mem_cap, each device's mem_limit";
	}
	return max;
}
