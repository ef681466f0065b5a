/*
 * parallel - helper threads for large requests (see parallel.h).
 *
 * Jobs go through one small ring under queue_lock; a request counts its
 * outstanding parts in an atomic word and its caller sleeps on that word
 * with a futex until the last helper wakes it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "device/parallel.h"
#include "util/futex.h"
#include "util/harden.h"

#define RING	64

struct job {
	void (*fn)(void *);
	void *arg;
	_Atomic uint32_t *pending;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct job ring[RING];		/* protected by queue_lock */
static unsigned int head, tail;		/* protected by queue_lock */
static int nr_helpers;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void finish(struct job *j)
{
	if (atomic_fetch_sub(j->pending, 1) == 1)
		futex_wake_all(j->pending);
}

static void *helper(void *unused)
{
	struct job j;

	harden_thread();
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (head == tail)
			pthread_cond_wait(&queue_cond, &queue_lock);
		j = ring[tail++ % RING];
		pthread_mutex_unlock(&queue_lock);
		j.fn(j.arg);
		finish(&j);
	}
	return NULL;
}

static void start_helpers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t tid;
	int i, n;

	n = cpus > 1 ? (int)cpus - 1 : 1;
	if (n > ZPAR_MAX_PARTS - 1)
		n = ZPAR_MAX_PARTS - 1;
	for (i = 0; i < n; i++) {
		if (pthread_create(&tid, NULL, helper, NULL))
			break;
		pthread_detach(tid);
	}
	nr_helpers = i;
}

int zpar_width(void)
{
	pthread_once(&once, start_helpers);
	return nr_helpers + 1;
}

void zpar_run(void (*fn)(void *), void **arg, int n)
{
	_Atomic uint32_t pending = 0;
	int i, queued = 0;
	uint32_t v;

	pthread_once(&once, start_helpers);
	if (n > 1 && nr_helpers) {
		pending = n - 1;
		pthread_mutex_lock(&queue_lock);
		for (i = 1; i < n && head - tail < RING; i++) {
			ring[head++ % RING] = (struct job){ fn, arg[i], &pending };
			queued++;
		}
		pthread_mutex_unlock(&queue_lock);
		if (queued)
			pthread_cond_broadcast(&queue_cond);
		/* a full ring: run what did not fit here */
		for (i = queued + 1; i < n; i++) {
			fn(arg[i]);
			pending--;
		}
	} else {
		for (i = 1; i < n; i++)
			fn(arg[i]);
	}
	fn(arg[0]);
	while ((v = pending) != 0)
		futex_wait(&pending, v);
}
