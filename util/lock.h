/*
 * lock.h - mutexes for short critical sections on the I/O path.
 *
 * glibc's default mutex sleeps in the kernel as soon as it is contended.
 * The pool's locks (size class, run lists, reserve) are held for well
 * under a microsecond, so two workers on two CPUs meeting at one of them
 * paid a futex sleep and wake-up, each a context switch, for a wait
 * shorter than the switch.  An adaptive mutex spins briefly first (as
 * the kernel's zsmalloc spins on its class spinlock) and sleeps only if
 * the holder is slow, e.g. preempted.
 */
#ifndef ZRAMFS_LOCK_H
#define ZRAMFS_LOCK_H

#include <pthread.h>

/* pthread_mutex_init with PTHREAD_MUTEX_ADAPTIVE_NP; 0 or an errno */
static inline int zmutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int ret;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
	ret = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return ret;
}

#endif
