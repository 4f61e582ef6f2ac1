/* stress - the emulation under concurrency. Run with the library preloaded
 * and MREMAP_COMPAT_EMULATE=all; every mode exits non-zero on a lost byte,
 * an overwritten foreign mapping, or a wrong answer.
 *
 *   stress window ITER THREADS  DONTUNMAP over and over while threads map
 *                               and unmap; reports how often another
 *                               thread took the old range in the window
 *   stress disjoint ITER THREADS  threads moving their own ranges at once
 *                               (DONTUNMAP and multi-VMA moves)
 *   stress signal ITER          mremap from a signal handler that interrupts
 *                               the library (at most one per iteration)
 *   stress fork ITER            fork while other threads are inside the
 *                               library; the child calls it too
 *   stress unmap ITER           a thread unmaps a piece of the range while
 *                               the library moves it
 *   stress storm ITER THREADS   THREADS churn threads map, sign, check and
 *                               unmap 1-16 pages while this one DONTUNMAPs
 *                               1-32 pages without FIXED; counts failed
 *                               calls, lost bytes, old ranges no longer the
 *                               caller's, clobbered foreign mappings
 *   stress forkstorm ITER       a thread forks over and over while this one
 *                               DONTUNMAPs; each child checks that the old
 *                               range of the call under way has no hole
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static long P;
static atomic_int stop;
static atomic_long failures;

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); atomic_fetch_add(&failures, 1); } while (0)

static void fill(unsigned char *p, size_t len, uint64_t tag)
{
	size_t i;

	for (i = 0; i < len; i += 8)
		memcpy(p + i, &tag, 8), tag = tag * 6364136223846793005ULL + 1442695040888963407ULL;
}

static int check(const unsigned char *p, size_t len, uint64_t tag)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		if (memcmp(p + i, &tag, 8))
			return 0;
		tag = tag * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	return 1;
}

static int zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- window: foreign mappings are never overwritten ---------------- */

static void *mapper(void *arg)
{
	uint64_t tag = (uintptr_t)arg << 32;

	while (!atomic_load(&stop)) {
		unsigned char *m = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			continue;
		fill(m, 4 * P, ++tag);
		sched_yield();
		if (!check(m, 4 * P, tag))
			FAIL("window: a foreign mapping at %p was overwritten\n", (void *)m);
		munmap(m, 4 * P);
	}
	return NULL;
}

/* A thread that tries, over and over, to map exactly the range the main
 * thread is moving: it gets it whenever the window is open, fills it and
 * checks that nobody (the library's refill) wrote over it. */
static unsigned char *volatile target;
static atomic_long sniped;

static void *sniper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		unsigned char *t = target, *m;

		if (!t)
			continue;
		m = mmap(t, 4 * P, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (m == MAP_FAILED)
			continue;
		if (m != t) { /* a kernel before 4.17 took it as a hint */
			munmap(m, 4 * P);
			continue;
		}
		target = NULL;
		fill(m, 4 * P, 0x5171e5ULL);
		sched_yield();
		if (!check(m, 4 * P, 0x5171e5ULL))
			FAIL("window: the mapping taken in the window was overwritten\n");
		atomic_fetch_add(&sniped, 1);
		/* m stays: the main thread never touches its old range again */
	}
	return NULL;
}

/* The old ranges are never touched after the call: if another thread took
 * one in the window it is theirs. The debug lines count the hits. */
static int mode_window(long iter, int nthreads)
{
	pthread_t t[16];
	long i;
	int n;

	pthread_t s;

	pthread_create(&s, NULL, sniper, NULL);
	for (n = 0; n < nthreads && n < 16; n++)
		pthread_create(&t[n], NULL, mapper, (void *)(uintptr_t)(n + 1));
	for (i = 0; i < iter; i++) {
		/* [guard][ source, a VMA of its own ][guard]: so that it
		 * merges with nothing and takes move+refill */
		unsigned char *g = mmap(NULL, 6 * P, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char *a = g + P, *b;

		mprotect(g, P, PROT_NONE);
		mprotect(g + 5 * P, P, PROT_NONE);
		fill(a, 4 * P, (uint64_t)i);
		target = a;
		b = mremap(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		target = NULL;
		if (b == MAP_FAILED) {
			FAIL("window: mremap failed: %s\n", strerror(errno));
			continue;
		}
		if (!check(b, 4 * P, (uint64_t)i))
			FAIL("window: data lost in iteration %ld\n", i);
		munmap(b, 4 * P);
	}
	atomic_store(&stop, 1);
	for (n = 0; n < nthreads && n < 16; n++)
		pthread_join(t[n], NULL);
	pthread_join(s, NULL);
	printf("window: %ld iterations, %ld taken in the window, %ld failures\n", iter,
	       atomic_load(&sniped), atomic_load(&failures));
	return atomic_load(&failures) != 0;
}

/* ---- disjoint: threads moving their own ranges at once ------------- */

/*   src: [rw][r-][rw] . [rw]      (. = a one-page gap)   -> dst, FIXED */
static void *mover(void *arg)
{
	long iter = (long)arg, i;
	uint64_t tag = (uint64_t)pthread_self();

	for (i = 0; i < iter; i++) {
		unsigned char *area = mmap(NULL, 16 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char *src = area, *dst = area + 8 * P, *r;

		mmap(src, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		munmap(src + 3 * P, P);
		mmap(src + 4 * P, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		fill(src, 3 * P, tag + (uint64_t)i);
		fill(src + 4 * P, P, ~(tag + (uint64_t)i));
		mprotect(src + P, P, PROT_READ);
		r = mremap(src, 5 * P, 5 * P, MREMAP_MAYMOVE | MREMAP_FIXED |
			   (i & 1 ? MREMAP_DONTUNMAP : 0), dst);
		if (r != dst)
			FAIL("disjoint: mremap: %s\n", r == MAP_FAILED ? strerror(errno) : "moved elsewhere");
		else if (!check(dst, 3 * P, tag + (uint64_t)i) || !check(dst + 4 * P, P, ~(tag + (uint64_t)i)))
			FAIL("disjoint: data lost\n");
		else if ((i & 1) && !zero(src, P))
			FAIL("disjoint: old range not emptied\n");
		/* A plain move vacated src: another thread may own it now. */
		munmap(area + 5 * P, 11 * P);
		if (i & 1)
			munmap(src, 5 * P);
	}
	return NULL;
}

static int mode_disjoint(long iter, int nthreads)
{
	pthread_t t[16];
	int n;

	for (n = 0; n < nthreads && n < 16; n++)
		pthread_create(&t[n], NULL, mover, (void *)iter);
	for (n = 0; n < nthreads && n < 16; n++)
		pthread_join(t[n], NULL);
	printf("disjoint: %d threads x %ld moves, %ld failures\n", nthreads, iter,
	       atomic_load(&failures));
	return atomic_load(&failures) != 0;
}

/* ---- signal: mremap from a handler that interrupts the library -----
 *
 * A one-shot timer, armed again only once its signal was handled: at most
 * one handler run per iteration of the main loop, so the main loop makes
 * progress however slow the machine (a periodic timer shorter than one
 * emulated call starved it on a loaded machine). The last signal is waited
 * for: every run has at least one call from the handler. How many of them
 * came while the main loop was inside mremap depends on timing: printed,
 * not asserted.
 */

static atomic_long in_handler, during_call;
static volatile sig_atomic_t in_call;

static void handler(int sig)
{
	int saved = errno;
	unsigned char *a, *b;

	(void)sig;
	if (in_call)
		atomic_fetch_add(&during_call, 1);
	a = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		atomic_fetch_add(&failures, 1);
	} else {
		a[0] = 0x5a;
		b = mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (b == MAP_FAILED || b[0] != 0x5a || a[0] != 0)
			atomic_fetch_add(&failures, 1);
		if (b != MAP_FAILED)
			munmap(b, 2 * P);
		munmap(a, 2 * P);
	}
	atomic_fetch_add(&in_handler, 1);
	errno = saved;
}

static int mode_signal(long iter)
{
	struct sigaction sa = { .sa_handler = handler };
	struct itimerval it = { { 0, 0 }, { 0, 200 } }; /* once, in 200 us */
	sigset_t alrm, old;
	long i, armed = 0;

	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: reads may see EINTR */
	for (i = 0; i < iter; i++) {
		unsigned char *a = mmap(NULL, 8 * P, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *b;
		void *r;

		if (atomic_load(&in_handler) == armed) {
			setitimer(ITIMER_REAL, &it, NULL);
			armed++;
		}
		fill(a, 8 * P, (uint64_t)i);
		mprotect(a + 4 * P, 4 * P, PROT_READ); /* two VMAs */
		b = mmap(NULL, 8 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		in_call = 1;
		r = mremap(a, 8 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, b);
		in_call = 0;
		if (r != b)
			FAIL("signal: mremap: %s\n", strerror(errno));
		else if (!check(b, 8 * P, (uint64_t)i) || !zero(a, 8 * P))
			FAIL("signal: wrong contents\n");
		munmap(a, 8 * P);
		munmap(b, 8 * P);
	}
	/* the timer armed last: wait for its signal */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	while (atomic_load(&in_handler) < armed)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("signal: %ld calls, %ld from the handler (%ld timers), %ld while the main loop was in mremap, %ld failures\n",
	       iter, atomic_load(&in_handler), armed, atomic_load(&during_call),
	       atomic_load(&failures));
	return atomic_load(&failures) != 0 || atomic_load(&in_handler) != armed;
}

/* ---- fork: while other threads are inside the library --------------- */

static void *busy(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		mover((void *)1L);
	return NULL;
}

/* A deadlock guard, not a time limit: one fork and one call take
 * milliseconds even on a loaded machine. */
#define CHILD_GUARD 60

static int mode_fork(long iter)
{
	pthread_t t[2];
	long i;
	int n, bad = 0;

	for (n = 0; n < 2; n++)
		pthread_create(&t[n], NULL, busy, NULL);
	for (i = 0; i < iter; i++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			unsigned char *a = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *b;

			alarm(CHILD_GUARD); /* a deadlock ends as a failure, not a hang */
			a[0] = 1;
			b = mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
			_exit(b != MAP_FAILED && b[0] == 1 && a[0] == 0 ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			bad++;
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
			fprintf(stderr, "fork: child %ld timed out: no end after %d s (a deadlock?)\n",
				i, CHILD_GUARD);
			bad++;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			bad++;
		}
	}
	atomic_store(&stop, 1);
	for (n = 0; n < 2; n++)
		pthread_join(t[n], NULL);
	printf("fork: %ld children, %d failed, %ld failures in the threads\n", iter, bad,
	       atomic_load(&failures));
	return bad || atomic_load(&failures);
}

/* ---- unmap: a piece vanishes while the library moves the range ------ */

static char *volatile victim;
static atomic_int go;

static void *unmapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		char *v;

		while (!atomic_load(&go) && !atomic_load(&stop))
			;
		v = victim;
		if (v) {
			for (volatile int spin = rand() % 200000; spin > 0; spin--)
				;
			munmap(v, P); /* B, wherever the move has got to */
		}
		atomic_store(&go, 0);
	}
	return NULL;
}

/* Each page that still exists, at the source or the destination, holds
 * its own data: a vanished piece may end the move early (the kernel's
 * partial-move semantics), but nothing is lost or misplaced. */
static int mode_unmap(long iter)
{
	pthread_t t;
	long i, early = 0;

	pthread_create(&t, NULL, unmapper, NULL);
	for (i = 0; i < iter; i++) {
		char *area = mmap(NULL, 16 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *src = area, *dst = area + 8 * P, *r;
		int k;

		mmap(src, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		for (k = 0; k < 3; k++)
			memset(src + k * P, 'A' + k, P);
		mprotect(src + P, P, PROT_READ); /* [A rw][B r-][C rw] */
		victim = src + P;
		atomic_store(&go, 1);
		r = mremap(src, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		while (atomic_load(&go))
			;
		if (r == MAP_FAILED)
			early++;
		for (k = 0; k < 3; k++) {
			unsigned char vs, vd;
			int at_src = mincore(src + k * P, P, &vs) == 0;
			int at_dst = mincore(dst + k * P, P, &vd) == 0;

			if (at_src && src[k * P] != 'A' + k)
				FAIL("unmap: page %d at the source holds %c\n", k, src[k * P]);
			/* dst pages that were never moved are the PROT_NONE
			 * reservation: skip those (not readable). */
			if (at_dst && mprotect(dst + k * P, P, PROT_READ) == 0 && dst[k * P] &&
			    dst[k * P] != 'A' + k)
				FAIL("unmap: page %d at the destination holds %c\n", k, dst[k * P]);
			if (k != 1 && !at_src && !(at_dst && dst[k * P] == 'A' + k))
				FAIL("unmap: page %d lost\n", k);
		}
		munmap(area, 16 * P);
	}
	atomic_store(&stop, 1);
	atomic_store(&go, 1);
	pthread_join(t, NULL);
	printf("unmap: %ld moves, %ld ended early, %ld failures\n", iter, early,
	       atomic_load(&failures));
	return atomic_load(&failures) != 0;
}


/* ---- storm: the default configuration under churn (issue 10) -------- */

static atomic_long clobbered;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Does the process still own [p, p+len) as the caller's emptied old
 * range: mapped, every byte zero? Never writes. */
static int owned_empty(const unsigned char *p, size_t len)
{
	unsigned char vec[32];

	if (mincore((void *)p, len, vec))
		return 0; /* (part of) it is unmapped: someone took it */
	return zero(p, len);
}

static void *churn(void *arg)
{
	uint64_t seed = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1, tag = (uintptr_t)arg << 40;

	while (!atomic_load(&stop)) {
		size_t len = (size_t)(1 + rnd(&seed) % 16) * P;
		unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			continue;
		fill(m, len, ++tag);
		sched_yield();
		if (!check(m, len, tag)) {
			atomic_fetch_add(&clobbered, 1);
			fprintf(stderr, "storm: the churn mapping at %p was clobbered\n", (void *)m);
		}
		munmap(m, len);
	}
	return NULL;
}

static int mode_storm(long iter, int nthreads)
{
	pthread_t t[16];
	long i, failed = 0, lost = 0, not_owned = 0;
	uint64_t seed = 12345;
	int n;

	for (n = 0; n < nthreads && n < 16; n++)
		pthread_create(&t[n], NULL, churn, (void *)(uintptr_t)(n + 1));
	for (i = 0; i < iter; i++) {
		/* [none][ a: len bytes, a VMA of its own ][none]: a whole VMA,
		 * whatever else the process maps (the zero-copy candidate) */
		size_t len = (size_t)(1 + rnd(&seed) % 32) * P;
		unsigned char *g = mmap(NULL, len + 2 * P, PROT_NONE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *a, *b;

		if (g == MAP_FAILED)
			continue;
		a = g + P;
		mprotect(a, len, PROT_READ | PROT_WRITE);
		fill(a, len, (uint64_t)i << 20);
		b = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (b == MAP_FAILED) {
			fprintf(stderr, "storm: call %ld (%zu pages) failed: %s\n", i, len / P,
				strerror(errno));
			failed++;
			munmap(g, len + 2 * P);
			continue;
		}
		if (!check(b, len, (uint64_t)i << 20))
			lost += (long)len;
		munmap(b, len);
		munmap(g, P);
		munmap(a + len, P);
		if (owned_empty(a, len))
			munmap(a, len);
		else
			not_owned++; /* left alone: it is someone else's now */
	}
	atomic_store(&stop, 1);
	for (n = 0; n < nthreads && n < 16; n++)
		pthread_join(t[n], NULL);
	printf("storm: %d churn threads, %ld calls: %ld failed, %ld bytes lost, "
	       "%ld old ranges not the caller's, %ld foreign mappings clobbered\n",
	       nthreads, iter, failed, lost, not_owned, atomic_load(&clobbered));
	return failed || lost || not_owned || atomic_load(&clobbered);
}

/* ---- forkstorm: no child inherits a hole ------------------------------ */

static unsigned char *_Atomic cur_old;
static _Atomic size_t cur_len;

static void *forker(void *arg)
{
	long *holes = arg, children = 0;

	while (!atomic_load(&stop)) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			unsigned char *a = atomic_load(&cur_old);
			size_t len = atomic_load(&cur_len);
			unsigned char vec[32];

			/* a hole: part of the range the parent was moving
			 * with DONTUNMAP is not mapped here */
			_exit(a && mincore(a, len, vec) ? 1 : 0);
		}
		if (pid < 0)
			continue;
		children++;
		if (waitpid(pid, &status, 0) == pid && (!WIFEXITED(status) || WEXITSTATUS(status)))
			holes[0]++;
	}
	holes[1] = children;
	return NULL;
}

static int mode_forkstorm(long iter)
{
	long res[2] = { 0, 0 }, i;
	uint64_t seed = 777;
	pthread_t t;

	pthread_create(&t, NULL, forker, res);
	for (i = 0; i < iter; i++) {
		size_t len = (size_t)(1 + rnd(&seed) % 32) * P;
		unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *b;

		if (a == MAP_FAILED)
			continue;
		fill(a, len, (uint64_t)i);
		atomic_store(&cur_len, len);
		atomic_store(&cur_old, a);
		b = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		atomic_store(&cur_old, NULL);
		if (b == MAP_FAILED || !check(b, len, (uint64_t)i))
			FAIL("forkstorm: the call failed or lost data\n");
		if (b != MAP_FAILED)
			munmap(b, len);
		munmap(a, len);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("forkstorm: %ld calls, %ld children, %ld with a hole, %ld failures\n", iter,
	       res[1], res[0], atomic_load(&failures));
	return res[0] || atomic_load(&failures) || !res[1];
}

int main(int argc, char **argv)
{
	long iter = argc > 2 ? atol(argv[2]) : 100;
	int threads = argc > 3 ? atoi(argv[3]) : 4;

	P = sysconf(_SC_PAGESIZE);
	if (argc > 1 && !strcmp(argv[1], "window"))
		return mode_window(iter, threads);
	if (argc > 1 && !strcmp(argv[1], "disjoint"))
		return mode_disjoint(iter, threads);
	if (argc > 1 && !strcmp(argv[1], "signal"))
		return mode_signal(iter);
	if (argc > 1 && !strcmp(argv[1], "fork"))
		return mode_fork(iter);
	if (argc > 1 && !strcmp(argv[1], "unmap"))
		return mode_unmap(iter);
	if (argc > 1 && !strcmp(argv[1], "storm"))
		return mode_storm(iter, threads);
	if (argc > 1 && !strcmp(argv[1], "forkstorm"))
		return mode_forkstorm(iter);
	fprintf(stderr, "usage: stress window|disjoint|signal|fork|unmap|storm|forkstorm [ITER [THREADS]]\n");
	return 2;
}
