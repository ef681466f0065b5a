/*
 * reserve - see reserve.h.
 *
 *   ready[n-1]: stack of up to target[n-1] runs of n pages, pre-faulted
 *
 * A run length's target is set on its first use, so lengths no size
 * class uses hold nothing.  The refiller wakes when a stack falls below
 * half its target, and every 100 ms regardless.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pool/reserve.h"
#include "util/lock.h"

/* a refiller inside one allocation this long is waiting on reclaim */
#define RESERVE_STALL_NS  (20ull * 1000 * 1000)
#define REFILLER_NICE	  -10
#define RESERVE_PERIOD_MS 100

struct ready_run {
	void *addr;
	struct arena *owner;
};

struct ready_stack {
	struct ready_run *runs; /* protected by reserve lock */
	unsigned int count;	/* protected by reserve lock */
	unsigned int target;	/* 0 until the length is used */
	unsigned int max;	/* capacity: pages / n */
};

struct run_reserve {
	struct arena_pool *ap;
	pthread_mutex_t lock;
	pthread_cond_t want; /* refiller sleeps here */
	struct ready_stack ready[ARENA_MAX_RUN];
	bool stop;
	pthread_t thread;
	_Atomic unsigned long pages;
	_Atomic uint64_t busy_since; /* refiller allocating since (ns) */
	_Atomic uint64_t psi_start;  /* PSI memory stall total then (us) */
};

static void touch(void *addr, unsigned int npages)
{
	volatile char *p = addr;
	unsigned int i;

	for (i = 0; i < npages; i++)
		p[(size_t)i * ZPAGE_SIZE] = 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct timespec deadline(unsigned int ms)
{
	struct timespec ts;

	/* the condition variable waits on CLOCK_MONOTONIC (reserve_create):
	 * a wall-clock jump does not move the deadline */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

#define NO_PSI UINT64_MAX

/*
 * The kernel's pressure-stall information: microseconds tasks have
 * stalled on memory (reclaim, refaults) since boot, system-wide; NO_PSI
 * when the kernel has none.  Read only at the start of a refill round
 * and when the refiller seems stuck, never per page.
 */
static uint64_t psi_memory_stall_us(void)
{
	char buf[256], *p;
	ssize_t n;
	int fd;

	fd = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NO_PSI;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NO_PSI;
	buf[n] = '\0';
	/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=N" comes first */
	p = strstr(buf, "total=");
	return p ? strtoull(p + 6, NULL, 10) : NO_PSI;
}

/*
 * The refiller has been inside one allocation too long: is the kernel
 * reclaiming memory, or is the refiller only waiting for the CPU or for
 * the address-space lock (other threads' mmap/mprotect)?  Reclaim shows as
 * memory stall time since the round began.  Without PSI there is no
 * telling, and the answer is the safe one: yes.
 */
static bool reclaiming(struct run_reserve *r)
{
	uint64_t start = r->psi_start, now;

	if (start == NO_PSI)
		return true;
	now = psi_memory_stall_us();
	return now == NO_PSI || now > start;
}

/* top every used length up to its target; false if memory ran out */
static bool refill(struct run_reserve *r)
{
	struct ready_stack *s;
	struct arena *owner;
	unsigned int n;
	bool ok = true;
	void *addr;

	r->psi_start = psi_memory_stall_us();
	for (n = 1; n <= ARENA_MAX_RUN; n++) {
		s = &r->ready[n - 1];
		pthread_mutex_lock(&r->lock);
		while (!r->stop && s->count < s->target) {
			pthread_mutex_unlock(&r->lock);
			r->busy_since = now_ns();
			addr = arena_alloc_run(r->ap, n, &owner);
			/* the fault happens here, not in a writer */
			if (addr)
				touch(addr, n);
			r->busy_since = 0;
			pthread_mutex_lock(&r->lock);
			if (!addr) {
				ok = false;
				break;
			}
			if (s->count >= s->target) {
				/* freed runs filled it meanwhile */
				pthread_mutex_unlock(&r->lock);
				arena_free_run(r->ap, owner, addr);
				pthread_mutex_lock(&r->lock);
				break;
			}
			s->runs[s->count++] = (struct ready_run){ addr, owner };
			r->pages += n;
		}
		pthread_mutex_unlock(&r->lock);
	}
	return ok;
}

static bool below_half(struct run_reserve *r)
{
	unsigned int i;

	for (i = 0; i < ARENA_MAX_RUN; i++)
		if (r->ready[i].count < (r->ready[i].target + 1) / 2)
			return true;
	return false;
}

static void *refiller(void *arg)
{
	struct run_reserve *r = arg;
	struct timespec ts;

	/* writers wait on this thread: let it run first (best effort) */
	setpriority(PRIO_PROCESS, syscall(SYS_gettid), REFILLER_NICE);
	for (;;) {
		refill(r);
		pthread_mutex_lock(&r->lock);
		if (!r->stop && !below_half(r)) {
			ts = deadline(RESERVE_PERIOD_MS);
			pthread_cond_timedwait(&r->want, &r->lock, &ts);
		}
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		pthread_mutex_unlock(&r->lock);
	}
}

struct run_reserve *reserve_create(struct arena_pool *ap, unsigned int pages)
{
	struct run_reserve *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	unsigned int n;

	if (!r)
		return NULL;
	r->ap = ap;
	for (n = 1; n <= ARENA_MAX_RUN; n++) {
		r->ready[n - 1].max = pages / n ? pages / n : 1;
		r->ready[n - 1].runs = calloc(r->ready[n - 1].max,
					      sizeof(struct ready_run));
		if (!r->ready[n - 1].runs)
			goto out_free;
	}
	zmutex_init(&r->lock);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->want, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, refiller, r))
		goto out_free;
	return r;

out_free:
	for (n = 0; n < ARENA_MAX_RUN; n++)
		free(r->ready[n].runs);
	free(r);
	return NULL;
}

void reserve_destroy(struct run_reserve *r)
{
	struct ready_stack *s;
	unsigned int n;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->want);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	for (n = 0; n < ARENA_MAX_RUN; n++) {
		s = &r->ready[n];
		while (s->count) {
			s->count--;
			arena_free_run(r->ap, s->runs[s->count].owner,
				       s->runs[s->count].addr);
		}
		free(s->runs);
	}
	pthread_cond_destroy(&r->want);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void *reserve_alloc_run(struct run_reserve *r, unsigned int npages,
			struct arena **owner)
{
	struct ready_stack *s = &r->ready[npages - 1];
	struct ready_run run = { NULL, NULL };
	uint64_t busy;

	pthread_mutex_lock(&r->lock);
	if (!s->target)
		s->target = s->max;
	if (s->count) {
		run = s->runs[--s->count];
		r->pages -= npages;
	}
	if (s->count < s->target / 2)
		pthread_cond_signal(&r->want);
	pthread_mutex_unlock(&r->lock);
	if (run.addr) {
		*owner = run.owner;
		return run.addr;
	}
	/*
	 * Nothing ready.  If the refiller is stuck getting memory while the
	 * kernel reclaims, fail now rather than join the wait.  If it is
	 * merely behind (a burst) or slowed by CPU or lock contention, take
	 * a run straight from the arenas.
	 */
	busy = r->busy_since;
	if (busy && now_ns() - busy > RESERVE_STALL_NS && reclaiming(r)) {
		return NULL;
	}
	return arena_alloc_run(r->ap, npages, owner);
}

void reserve_free_run(struct run_reserve *r, struct arena *owner, void *addr,
		      unsigned int npages)
{
	struct ready_stack *s = &r->ready[npages - 1];

	pthread_mutex_lock(&r->lock);
	if (s->count < s->target) {
		/* still resident: keep it ready instead of faulting anew */
		s->runs[s->count++] = (struct ready_run){ addr, owner };
		r->pages += npages;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	pthread_mutex_unlock(&r->lock);
	arena_free_run(r->ap, owner, addr);
}
