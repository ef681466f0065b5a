/*
 * parallel - helper threads for large requests (see parallel.h).
 *
 * Tasks wait for helpers in one small ring under queue_lock; a request
 * puts one entry per helper it wants.  A helper takes an entry and counts
 * itself in the task's `inside` word under queue_lock, then claims chunks
 * from the task's cursor.  The caller, once the cursor is spent, clears
 * its entries no helper took (under queue_lock) and sleeps on `inside`
 * (futex) until the helpers already in have left: the task lives on the
 * caller's stack, and nothing refers to it after zpar_for returns.
 * Lock order: queue_lock only; the cursor and `inside` are atomics.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "util/parallel.h"
#include "util/futex.h"
#include "util/harden.h"

#define RING	    64
#define MAX_HELPERS 7

struct task {
	void (*fn)(void *arg, unsigned int i);
	void *arg;
	unsigned int n;
	_Atomic unsigned int next; /* next chunk to claim */
	_Atomic uint32_t inside;   /* helpers that took the task */
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct task *ring[RING]; /* protected by queue_lock */
static unsigned int head, tail; /* protected by queue_lock */
static int nr_helpers;
static _Atomic int nr_large; /* large requests running */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void work(struct task *t)
{
	unsigned int i;

	while ((i = atomic_fetch_add(&t->next, 1)) < t->n)
		t->fn(t->arg, i);
}

static void *helper(void *unused)
{
	struct task *t;

	harden_thread();
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (head == tail)
			pthread_cond_wait(&queue_cond, &queue_lock);
		t = ring[tail++ % RING];
		if (t)
			atomic_fetch_add(&t->inside, 1);
		pthread_mutex_unlock(&queue_lock);
		if (!t)
			continue; /* withdrawn by its caller */
		work(t);
		if (atomic_fetch_sub(&t->inside, 1) == 1)
			futex_wake_all(&t->inside);
	}
	return NULL;
}

static void start_helpers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t tid;
	int i, n;

	n = cpus > 1 ? (int)cpus - 1 : 1;
	if (n > MAX_HELPERS)
		n = MAX_HELPERS;
	for (i = 0; i < n; i++) {
		if (pthread_create(&tid, NULL, helper, NULL))
			break;
		pthread_detach(tid);
	}
	nr_helpers = i;
}

int zpar_enter(void)
{
	int others = atomic_fetch_add(&nr_large, 1);
	int n;

	pthread_once(&once, start_helpers);
	n = nr_helpers + 1 - others;
	return n > 1 ? n : 1;
}

void zpar_leave(void)
{
	atomic_fetch_sub(&nr_large, 1);
}

void zpar_for(void (*fn)(void *arg, unsigned int i), void *arg, unsigned int n,
	      int width)
{
	struct task t = { .fn = fn, .arg = arg, .n = n };
	unsigned int slot[MAX_HELPERS];
	int want = width - 1, queued = 0, i;
	uint32_t v;

	pthread_once(&once, start_helpers);
	if (want > nr_helpers)
		want = nr_helpers;
	if (n < 2)
		want = 0;
	else if ((unsigned int)want > n - 1)
		want = n - 1;
	if (want > 0) {
		pthread_mutex_lock(&queue_lock);
		for (; queued < want && head - tail < RING; queued++) {
			slot[queued] = head;
			ring[head++ % RING] = &t;
		}
		pthread_mutex_unlock(&queue_lock);
		if (queued)
			pthread_cond_broadcast(&queue_cond);
	}
	work(&t);
	if (!queued)
		return;
	/* entries no helper took yet must not outlive t */
	pthread_mutex_lock(&queue_lock);
	for (i = 0; i < queued; i++)
		if (slot[i] - tail < head - tail)
			ring[slot[i] % RING] = NULL;
	pthread_mutex_unlock(&queue_lock);
	while ((v = t.inside) != 0)
		futex_wait(&t.inside, v);
}
