/*
 * test_policy.c - unit tests of the automatic tiering's arithmetic and
 * lifecycle (device/policy.h): the age rule against the exponential it
 * stands for, the memory it reads, the daily budget's top-up (white box:
 * the last top-up moved back in time), a rejected policy changing
 * nothing, and the thread leaving on reset and being joined on destroy.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device/policy.h"
#include "device/zdev.h"
#include "device/zdev_int.h"
#include "test/unit/testhelp.h"

#define NS 1000000000ull

/* e^(-5u) for the shares of memory used below (10 digits) */
static const double used[] = { 0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1 };
static const double decay[] = { 1,
				0.7788007831,
				0.6065306597,
				0.2865047969,
				0.0820849986,
				0.0235177459,
				0.0111089965,
				0.0067379470 };

/* the rule as ChromeOS writes it: min + (max - min) * e^(-5u) */
static uint32_t reference(uint32_t min, uint32_t max, unsigned int i)
{
	return min + (uint32_t)((max - min) * decay[i]);
}

static void test_age(void)
{
	char name[128];
	uint32_t got, want;
	unsigned int i;

	test_cond("age: unknown memory gives max",
		  zpolicy_age(60, 3600, 0, 0) == 3600);
	test_cond("age: a fixed age is itself",
		  zpolicy_age(30, 30, 1, 100) == 30);
	test_cond("age: all memory free gives max",
		  zpolicy_age(60, 3600, 100, 100) == 3600);
	test_cond("age: avail above total counts as all free",
		  zpolicy_age(60, 3600, 200, 100) == 3600);
	for (i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
		uint64_t total = 1ull << 34;
		uint64_t avail = (uint64_t)((1 - used[i]) * (double)total);

		got = zpolicy_age(600, 86400, avail, total);
		want = reference(600, 86400, i);
		snprintf(name, sizeof(name),
			 "age: %.0f%% used gives %u (e^-5u: %u)", used[i] * 100,
			 got, want);
		test_cond(name, got + 1 >= want && got <= want + 1);
	}
	test_cond("age: never below min",
		  zpolicy_age(600, 86400, 0, 1000) >= 600);
	test_cond("age: full range of seconds",
		  zpolicy_age(0, ZPOLICY_AGE_MAX, 1, 1) == ZPOLICY_AGE_MAX);
}

static void test_memory(void)
{
	uint64_t avail, total;

	zpolicy_memory(&avail, &total);
	test_cond("memory: a total is found", total > 0);
	test_cond("memory: avail within total", avail <= total);
}

/*
 * The clock is moved by setting the last top-up back, by at most a
 * second or two (CLOCK_MONOTONIC may be young): budgets of a page a
 * second and a thousand pages a second.
 */
static void test_budget(struct zdev *z)
{
	struct zpolicy_cfg c;
	uint64_t day = 86400 * 1000ull; /* pages a day: 1000 a second */

	zpolicy_defaults(&c);
	c.budget = day * 4096;
	test_cond("budget: set",
		  zdev_set_policy(z, &c, ZPOLICY_SET_BUDGET) == 0);
	test_cond("budget: writeback_limit_enable on", zdev_wb_limit_enable(z));
	test_cond("budget: starts with a day's budget",
		  zdev_wb_limit(z) == day);

	zdev_set_wb_limit(z, 0);
	z->policy.topup_ns -= NS;
	zpolicy_topup(z);
	test_cond("budget: a second earns a second's pages",
		  zdev_wb_limit(z) >= 1000 && zdev_wb_limit(z) <= 1010);

	zdev_set_wb_limit(z, day - 5);
	z->policy.topup_ns -= NS;
	zpolicy_topup(z);
	test_cond("budget: never beyond a day's budget",
		  zdev_wb_limit(z) == day);

	zdev_set_wb_limit(z, day + 5);
	z->policy.topup_ns -= NS;
	zpolicy_topup(z);
	test_cond("budget: a limit set above a day by hand is left alone",
		  zdev_wb_limit(z) == day + 5);

	c.budget = 86400 * 4096; /* a page a second */
	test_cond("budget: changed",
		  zdev_set_policy(z, &c, ZPOLICY_SET_BUDGET) == 0);
	zdev_set_wb_limit(z, 10);
	z->policy.topup_ns -= NS / 2;
	zpolicy_topup(z);
	test_cond("budget: half a second earns nothing yet",
		  zdev_wb_limit(z) == 10);
	z->policy.topup_ns -= NS / 2 + NS / 10;
	zpolicy_topup(z);
	test_cond("budget: fractions add up (two half seconds, one page)",
		  zdev_wb_limit(z) == 11);

	c.budget = 1;
	test_cond("budget: one byte",
		  zdev_set_policy(z, &c, ZPOLICY_SET_BUDGET) == 0);
	test_cond("budget: rounds up to a page a day", zdev_wb_limit(z) == 1);
	c.budget = 0;
	test_cond("budget: removed",
		  zdev_set_policy(z, &c, ZPOLICY_SET_BUDGET) == 0);
	test_cond("budget: removed turns writeback_limit_enable off",
		  !zdev_wb_limit_enable(z));
}

static void test_rejected(struct zdev *z)
{
	struct zpolicy_cfg c, before, after;

	zpolicy_defaults(&c);
	c.wb_min = c.wb_max = 30;
	test_cond("rejected: a good policy first",
		  zdev_set_policy(z, &c, ZPOLICY_SET_WRITEBACK) == 0);
	zdev_policy(z, &before);
	c.rc_min = 10;
	c.rc_max = 5;
	c.interval = 7;
	test_cond("rejected: min above max is EINVAL",
		  zdev_set_policy(z, &c,
				  ZPOLICY_SET_RECOMPRESS |
					  ZPOLICY_SET_INTERVAL) == -EINVAL);
	c.rc_min = c.rc_max = ZPOLICY_OFF;
	c.accept = 101;
	test_cond("rejected: accept 101 is EINVAL",
		  zdev_set_policy(z, &c,
				  ZPOLICY_SET_ACCEPT | ZPOLICY_SET_INTERVAL) ==
			  -EINVAL);
	c.accept = 0;
	test_cond("rejected: accept 0 is EINVAL",
		  zdev_set_policy(z, &c, ZPOLICY_SET_ACCEPT) == -EINVAL);
	zdev_policy(z, &after);
	test_cond("rejected: nothing changed",
		  !memcmp(&before, &after, sizeof(before)));
	test_cond("rejected: no thread started", !z->policy.started);
}

static bool thread_left(struct zdev *z)
{
	bool running;
	int i;

	for (i = 0; i < 300; i++) {
		pthread_mutex_lock(&z->policy.lock);
		running = z->policy.running;
		pthread_mutex_unlock(&z->policy.lock);
		if (!running)
			return true;
		usleep(10000);
	}
	return false;
}

static void test_thread(struct zdev *z)
{
	struct zpolicy_cfg c;

	zpolicy_defaults(&c);
	c.interval = 1;
	test_cond("thread: interval 1 starts it",
		  zdev_set_policy(z, &c, ZPOLICY_SET_INTERVAL) == 0 &&
			  z->policy.started && z->policy.running);
	c.interval = 0;
	test_cond("thread: interval 0 accepted",
		  zdev_set_policy(z, &c, ZPOLICY_SET_INTERVAL) == 0);
	test_cond("thread: interval 0 makes it leave", thread_left(z));
	c.interval = 2;
	test_cond("thread: a new interval starts another",
		  zdev_set_policy(z, &c, ZPOLICY_SET_INTERVAL) == 0 &&
			  z->policy.running);
	test_cond("thread: reset", zdev_reset(z) == 0);
	test_cond("thread: reset makes it leave", thread_left(z));
	zdev_policy(z, &c);
	test_cond("thread: reset restores the defaults",
		  c.interval == 0 && c.wb_min == ZPOLICY_OFF &&
			  c.accept == ZPOLICY_ACCEPT_DEFAULT && !c.budget);
	c.interval = 1;
	test_cond("thread: started again, left to destroy",
		  zdev_set_policy(z, &c, ZPOLICY_SET_INTERVAL) == 0);
}

int main(void)
{
	struct zdev *z;

	test_age();
	test_memory();
	if (zdev_create(0, &z)) {
		test_cond("zdev_create", 0);
		return test_report();
	}
	test_budget(z);
	test_rejected(z);
	test_thread(z);
	/* joins the thread started last (checked by ASan/TSan builds) */
	zdev_destroy(z);
	return test_report();
}
