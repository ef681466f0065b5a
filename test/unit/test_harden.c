/*
 * test_harden.c - unit tests of the daemon's default mem_limit under a
 * memory cgroup (util/harden.h harden_default_mem_cap): the limit less
 * 1/8 of it as headroom, at least 48 MiB of headroom, half the limit
 * where that headroom would take more than half, nothing without a
 * limit.  Each row is one PASS/FAIL line naming the limit.  Then the
 * bound on -o reserve (harden_reserve_max): mem_cap per device, the
 * cgroup limit or RAM less headroom for all devices together.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/harden.h"
#include "test/unit/testhelp.h"

#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static const struct {
	uint64_t limit;
	uint64_t cap;
} cases[] = {
	{ 0, 0 }, /* no limit: no cap */
	{ 1, 0 },
	{ MiB(64), MiB(32) },		    /* headroom > half */
	{ MiB(96), MiB(48) },		    /* exactly twice: half */
	{ MiB(96) + 4096, MiB(48) + 4096 }, /* just over: limit - 48M */
	{ MiB(256), MiB(208) },		    /* 48 MiB floor */
	{ MiB(384), MiB(336) },		    /* 1/8 == 48 MiB */
	{ MiB(400), MiB(350) },		    /* 1/8 above the floor */
	{ GiB(1), MiB(896) },
	{ GiB(16), GiB(14) },
	{ (1ull << 60) - 1, (1ull << 60) - 1 - ((1ull << 60) - 1) / 8 },
	{ UINT64_MAX, UINT64_MAX - UINT64_MAX / 8 }, /* no overflow */
};

static const struct {
	unsigned int ndev;
	uint64_t mem_cap, cgroup, ram, max;
	const char *what;
} rcases[] = {
	/* 1 GiB cgroup: 896 MiB for all devices (the OOM case of issue 11) */
	{ 1, 0, GiB(1), GiB(64), MiB(896), "cgroup" },
	{ 4, 0, GiB(1), GiB(64), MiB(224), "cgroup" },
	{ 0, 0, GiB(1), GiB(64), MiB(896), "cgroup" }, /* hot_add later */
	/* no cgroup: RAM less headroom */
	{ 1, 0, 0, GiB(16), GiB(14), "RAM" },
	{ 2, 0, 0, GiB(16), GiB(7), "RAM" },
	/* mem_cap is tighter: each device stores no more than that */
	{ 1, MiB(64), GiB(1), GiB(64), MiB(64), "mem_cap" },
	{ 1, GiB(2), GiB(1), GiB(64), MiB(896), "cgroup" },
	{ 1, MiB(64), 0, 0, MiB(64), "mem_cap" },
	/* nothing known: no bound */
	{ 1, 0, 0, 0, UINT64_MAX, "no limit" },
};

static void reserve_cases(void)
{
	const char *what;
	char name[160];
	uint64_t got;
	unsigned int i;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		got = harden_reserve_max(rcases[i].ndev, rcases[i].mem_cap,
					 rcases[i].cgroup, rcases[i].ram,
					 &what);
		snprintf(name, sizeof(name),
			 "reserve max: %u dev, mem_cap %llu"
			 ", cgroup %llu, ram %llu: %llu (%s)",
			 rcases[i].ndev, (unsigned long long)rcases[i].mem_cap,
			 (unsigned long long)rcases[i].cgroup,
			 (unsigned long long)rcases[i].ram,
			 (unsigned long long)rcases[i].max, rcases[i].what);
		if (got != rcases[i].max || !strstr(what, rcases[i].what))
			printf("  got %llu (%s)\n", (unsigned long long)got,
			       what);
		test_cond(name,
			  got == rcases[i].max && strstr(what, rcases[i].what));
	}
}

int main(void)
{
	char name[96];
	uint64_t got;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = harden_default_mem_cap(cases[i].limit);
		snprintf(name, sizeof(name), "default mem cap of %llu: %llu",
			 (unsigned long long)cases[i].limit,
			 (unsigned long long)cases[i].cap);
		if (got != cases[i].cap)
			printf("  got %llu\n", (unsigned long long)got);
		test_cond(name, got == cases[i].cap);
	}
	/* the headroom never exceeds the limit: a cap is always below it */
	for (i = 1; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = harden_default_mem_cap(cases[i].limit);
		snprintf(name, sizeof(name), "cap below limit %llu",
			 (unsigned long long)cases[i].limit);
		test_cond(name, got < cases[i].limit);
	}
	reserve_cases();
	return test_report();
}
