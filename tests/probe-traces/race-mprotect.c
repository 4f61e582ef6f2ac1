/* The seal probe mprotect()s the VMA as /proc/self/maps described it a
 * moment before. Another thread's mprotect in between is undone: here a
 * page the other thread just made PROT_NONE becomes readable again.
 * Main thread: refused FIXED grows (guard.c, EFAULT) on a 16-page VMA.
 * Thread: mprotect(page 8, PROT_NONE); write(pipe, page 8, 1) must be
 * EFAULT; counts the times it was readable. Native: 0. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>

static char *p, *d;
static atomic_int stop;
static int fds[2];

static void *toggler(void *arg)
{
	long bad = 0, n = 0;
	char buf[64];
	(void)arg;
	while (!stop) {
		mprotect(p + 8 * P, P, PROT_NONE);
		for (int i = 0; i < 20; i++) {
			if (write(fds[1], p + 8 * P, 1) == 1) {
				bad++;
				read(fds[0], buf, sizeof(buf));
				break;
			}
		}
		mprotect(p + 8 * P, P, RW);
		n++;
	}
	printf("toggles %ld, PROT_NONE page found readable %ld times\n", n, bad);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int iters = argc > 1 ? atoi(argv[1]) : 20000;
	P = sysconf(_SC_PAGESIZE);
	char *g = mmap(NULL, 18 * P, PROT_NONE, ANON, -1, 0);
	p = g + P;
	d = mmap(NULL, 20 * P, PROT_NONE, ANON, -1, 0);
	mprotect(p, 16 * P, RW);
	memset(p, 'x', 16 * P);
	pipe(fds);
	pthread_create(&t, NULL, toggler, NULL);
	long efault = 0;
	for (int i = 0; i < iters; i++)
		if (mremap(p, 17 * P, 18 * P, MREMAP_MAYMOVE | MREMAP_FIXED, d) == MAP_FAILED && errno == EFAULT)
			efault++;
	stop = 1;
	pthread_join(t, NULL);
	printf("EFAULT %ld of %d\n", efault, iters);
	return 0;
}
