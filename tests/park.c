/*
 * park - mremap() in a process whose other threads keep running: what
 * they see must be what the kernel's own call (under the mmap lock) lets
 * them see. Each mode prints facts that do not depend on timing, so that
 * the native run (the oracle) and the emulated one can be compared line
 * by line.
 *
 *   park writers KIND ROUNDS    a thread stores a counter into consecutive
 *                               words of the range while it moves with
 *                               DONTUNMAP (KIND: whole, middle, start);
 *                               each store must be found at the new range
 *                               (made before the move) or the old one
 *                               (after): "lost 0"
 *   park uffd-writers FEATURES ROUNDS
 *                               the same on a range registered with a
 *                               userfaultfd (missing faults; FEATURES: none
 *                               or remove, UFFD_FEATURE_EVENT_REMOVE) whose
 *                               monitor thread zero-fills faults
 *   park mmap-storm ROUNDS      threads mmap() at the old range's address
 *                               (a hint) while it moves: the old range
 *                               stays the caller's, whole: "taken 0 holes 0"
 *   park fork-storm ROUNDS [dontunmap]
 *                               a 3-VMA range moves back and forth with
 *                               FIXED while another thread forks: each
 *                               child finds the range whole on one side
 *   park idle NTHREADS ROUNDS   NTHREADS idle threads, DONTUNMAP calls
 *   park blocker                a thread blocks every signal: the call
 *                               (its answer is printed; no data moves
 *                               unless all of it does)
 *   park app-signal ROUNDS      the application's own handler on the park
 *                               signal, sent to meanwhile: every one of
 *                               its signals arrives
 *   park altstack ROUNDS        the caller in a signal handler on an 8 KiB
 *                               alternate stack, the others on theirs
 *   park eintr                  which blocking calls of a parked thread
 *                               return EINTR (SA_RESTART is set)
 *   park sigwait ROUNDS         every thread blocks every signal and one
 *                               takes them with sigwaitinfo() (the daemon
 *                               pattern): it receives no signal that
 *                               nobody sent it
 *   park seccomp-thread strict|kill
 *                               a thread under a seccomp sandbox of its own
 *                               (strict mode, or a filter that kills the
 *                               process for any call but read, write,
 *                               exit and rt_sigreturn): the thread and the
 *                               process live on
 *   park sigaction ROUNDS       a thread installs its handlers on the park
 *                               signal while another calls: each query
 *                               returns the handler it set, the last one
 *                               set stays, and none gets a signal
 *   park unblock-later          a thread blocks every signal for a while,
 *                               then unblocks; the application installs
 *                               its handler on the park signal after the
 *                               call: the handler after the call is the
 *                               application's, and its handler gets no
 *                               signal nobody sent
 *   park main-exit ROUNDS       the main thread calls pthread_exit(); another
 *                               calls DONTUNMAP (the process's /proc/self
 *                               is then that of a zombie)
 *   (sigwait, seccomp-thread, sigaction and unblock-later print only "ok or EINVAL": a kernel without
 *   DONTUNMAP answers EINVAL, and the library may answer as one)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static unsigned long PS;

static void die(const char *what)
{
	fprintf(stderr, "park: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* The answer of one call, as the comparison sees it. (Not
 * strerrorname_np(): musl has none, and the VM builds use musl too.) */
static const char *answer(void *r)
{
	static char buf[64];
	const char *name;

	if (r != MAP_FAILED)
		return "ok";
	switch (errno) {
	case EINVAL: name = "EINVAL"; break;
	case EFAULT: name = "EFAULT"; break;
	case ENOMEM: name = "ENOMEM"; break;
	case EAGAIN: name = "EAGAIN"; break;
	case EPERM: name = "EPERM"; break;
	default: name = "?"; break;
	}
	snprintf(buf, sizeof(buf), "-1 %s", name);
	return buf;
}

/* ---- writers ------------------------------------------------------------- */

#define WLEN (8UL << 20)

static long *volatile wbase;
static atomic_int wstop, wstarted;
static long wstores;

/* Stores the numbers 1, 2, 3, ... into the range's longs in turn, round
 * and round, until told to stop: it is still storing when the call runs,
 * however late the caller is scheduled. */
static void *writer(void *arg)
{
	long n = WLEN / sizeof(long), v = 0;

	(void)arg;
	atomic_store(&wstarted, 1);
	while (!atomic_load_explicit(&wstop, memory_order_relaxed)) {
		v++;
		wbase[(v - 1) % n] = v;
	}
	wstores = v;
	return NULL;
}

/* The value of the last store to long p, 0 if none (wstores stores). */
static long last_store(long p)
{
	long n = WLEN / sizeof(long);

	if (p >= wstores)
		return 0;
	return p + 1 + (wstores - 1 - p) / n * n;
}

/* One round: the writer stores into [old, old+WLEN) (zeroed, present)
 * while the range moves with DONTUNMAP. Counts the call's failure and the
 * round's lost stores; keeps the first call's answer. */
struct tally {
	int failed, lost_rounds;
	const char *first;
};

static void writer_round(char *old, struct tally *t)
{
	pthread_t w;
	char *n;
	long p, lost = 0;

	wbase = (long *)old;
	atomic_store(&wstop, 0);
	atomic_store(&wstarted, 0);
	if (pthread_create(&w, NULL, writer, NULL))
		die("pthread_create");
	while (!atomic_load(&wstarted))
		;
	/* let it run into the range: about a quarter of it */
	while (((volatile long *)old)[WLEN / sizeof(long) / 4] == 0 &&
	       ((volatile long *)old)[WLEN / sizeof(long) - 1] == 0)
		;
	n = mremap(old, WLEN, WLEN, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	if (!t->first)
		t->first = strdup(answer(n));
	atomic_store(&wstop, 1);
	pthread_join(w, NULL);
	/* The last store to each long is where it landed: before the move
	 * in the page that moved, after it in the old range (every store
	 * there is later than every store that moved), so the larger of
	 * the two; a store thrown away leaves an older value. */
	if (n == MAP_FAILED) {
		t->failed++;
		/* refused: every store is in the old range */
		for (p = 0; p < (long)(WLEN / sizeof(long)); p++)
			lost += ((long *)old)[p] != last_store(p);
	} else {
		for (p = 0; p < (long)(WLEN / sizeof(long)); p++) {
			long o = ((long *)old)[p], m = ((long *)n)[p];

			lost += (o > m ? o : m) != last_store(p);
		}
		munmap(n, WLEN);
	}
	t->lost_rounds += lost != 0;
}

static int writers(const char *kind, int rounds)
{
	struct tally t = { 0, 0, NULL };
	int r;

	for (r = 0; r < rounds; r++) {
		size_t vlen = WLEN, off = 0;
		char *v;

		if (!strcmp(kind, "middle"))
			vlen = 3 * WLEN, off = WLEN;
		else if (!strcmp(kind, "start"))
			vlen = 2 * WLEN;
		v = map(vlen, PROT_READ | PROT_WRITE);
		memset(v, 1, vlen);          /* every page present */
		memset(v + off, 0, WLEN);
		writer_round(v + off, &t);
		munmap(v, vlen);
	}
	printf("writers %s: first call %s, %d of %d calls failed, rounds with a lost store: %d\n",
	       kind, t.first, t.failed, rounds, t.lost_rounds);
	return 0;
}

/* ---- a userfaultfd-registered range (userspace swap) ----------------------
 *
 * The range is registered for missing faults with a monitor thread that
 * zero-fills them (and reads events); the writer stores into it while it
 * moves. Natively the old range stays registered: a store after the move
 * faults, is zero-filled by the monitor, and lands there. */

static int uffd = -1;

static void *monitor(void *arg)
{
	struct uffd_msg msg;

	(void)arg;
	for (;;) {
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return NULL;
		}
		if (msg.event == UFFD_EVENT_PAGEFAULT) {
			struct uffdio_zeropage z = {
				.range = { msg.arg.pagefault.address & ~(PS - 1), PS },
			};

			ioctl(uffd, UFFDIO_ZEROPAGE, &z);
		}
	}
}

static int uffd_writers(const char *features, int rounds)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct tally t = { 0, 0, NULL };
	pthread_t m;
	int r;

	if (!strcmp(features, "remove"))
		api.features = UFFD_FEATURE_EVENT_REMOVE;
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0 && errno == EINVAL) /* before 5.11 */
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		printf("SKIP: userfaultfd: %s\n", strerror(errno));
		return 77;
	}
	if (pthread_create(&m, NULL, monitor, NULL))
		die("pthread_create");
	for (r = 0; r < rounds; r++) {
		char *old = map(WLEN, PROT_READ | PROT_WRITE);
		struct uffdio_register reg = {
			.range = { (unsigned long)old, WLEN }, .mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		memset(old, 0, WLEN); /* present: the writer's stores do not fault */
		if (ioctl(uffd, UFFDIO_REGISTER, &reg))
			die("UFFDIO_REGISTER");
		writer_round(old, &t);
		munmap(old, WLEN);
	}
	printf("uffd-writers (%s): first call %s, %d of %d calls failed, rounds with a lost store: %d\n",
	       features, t.first, t.failed, rounds, t.lost_rounds);
	return 0;
}

/* ---- mmap storm ----------------------------------------------------------- */

/* The round whose range is live: set before its call, done after it;
 * the range is unmapped only after done. A stormer whose mmap lands in the
 * range before done says the range was taken from its owner. */
static char *volatile target;
static atomic_int taken, storm_stop, round_seq, round_done;

static void *stormer(void *arg)
{
	(void)arg;
	while (!atomic_load(&storm_stop)) {
		int s1 = atomic_load(&round_seq), s2;
		char *t = target, *p;

		s2 = atomic_load(&round_seq);
		if (!t || s1 != s2)
			continue;
		p = mmap(t, PS, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		if (p >= t && p < t + 16 * PS && atomic_load(&round_done) < s1)
			atomic_fetch_add(&taken, 1);
		munmap(p, PS);
	}
	return NULL;
}

static bool mapped(char *p, size_t len)
{
	return madvise(p, len, MADV_NORMAL) == 0;
}

static int mmap_storm(int rounds)
{
	pthread_t t[3];
	int r, i, holes = 0, failed = 0;

	for (i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, stormer, NULL))
			die("pthread_create");
	for (r = 0; r < rounds; r++) {
		char *a = map(16 * PS, PROT_READ | PROT_WRITE), *n;

		memset(a, 7, 16 * PS);
		target = a;
		atomic_store(&round_seq, r + 1);
		n = mremap(a, 16 * PS, 16 * PS, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		atomic_store(&round_done, r + 1);
		target = NULL;
		if (n == MAP_FAILED) {
			failed++;
		} else {
			holes += !mapped(a, 16 * PS) || a[0] != 0;
			munmap(n, 16 * PS);
		}
		munmap(a, 16 * PS);
	}
	atomic_store(&storm_stop, 1);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("mmap-storm: %d of %d calls failed, old range taken %d times, holes %d\n",
	       failed, rounds, atomic_load(&taken), holes);
	return 0;
}

/* ---- fork storm ----------------------------------------------------------- */

#define NV 3
static char *volatile side[2];
static atomic_int fork_stop, fork_go;
static atomic_int children, split;

/* Which side holds the moved data, in the child: each of the NV VMAs'
 * first page has its marker on exactly one side. */
static int check_child(void)
{
	int i, s, at[2] = { 0, 0 };

	for (s = 0; s < 2; s++)
		for (i = 0; i < NV; i++) {
			char *p = side[s] + 2 * i * PS;

			if (mapped(p, PS) && p[0] == (char)('A' + i))
				at[s]++;
		}
	return (at[0] == NV && at[1] == 0) || (at[1] == NV && at[0] == 0) ? 0 : 1;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!atomic_load(&fork_go))
		;
	while (!atomic_load(&fork_stop)) {
		pid_t c = fork();
		int st;

		if (c < 0)
			continue;
		if (c == 0)
			_exit(check_child());
		if (waitpid(c, &st, 0) == c) {
			atomic_fetch_add(&children, 1);
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				atomic_fetch_add(&split, 1);
		}
	}
	return NULL;
}

static int fork_storm(int rounds, bool dontunmap)
{
	size_t len = 2 * NV * PS;
	int r, i, failed = 0;
	pthread_t t;

	if (pthread_create(&t, NULL, forker, NULL)) /* (its stack first) */
		die("pthread_create");
	/* two reservations; the range: NV one-page VMAs with gaps between */
	side[0] = map(len, PROT_NONE);
	side[1] = map(len, PROT_NONE);
	for (i = 0; i < NV; i++) {
		char *p = side[0] + 2 * i * PS;

		if (mmap(p, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
			die("mmap");
		p[0] = (char)('A' + i);
	}
	munmap(side[1], len);
	for (i = 1; i < NV; i++) /* gaps on both sides */
		munmap(side[0] + (2 * i - 1) * PS, PS);
	munmap(side[0] + (2 * NV - 1) * PS, PS);
	atomic_store(&fork_go, 1);
	for (r = 0; r < rounds; r++) {
		int from = r % 2;
		char *n = mremap(side[from], len - PS, len - PS,
				 MREMAP_MAYMOVE | MREMAP_FIXED | (dontunmap ? MREMAP_DONTUNMAP : 0),
				 side[!from]);

		if (n == MAP_FAILED) {
			failed++;
			break;
		}
		if (dontunmap) /* the emptied source goes, as a mover would free it */
			for (i = 0; i < NV; i++)
				munmap(side[from] + 2 * i * PS, PS);
	}
	atomic_store(&fork_stop, 1);
	pthread_join(t, NULL);
	printf("fork-storm%s: %d of %d moves failed, children that saw the range split: %d\n",
	       dontunmap ? " (DONTUNMAP)" : "", failed, rounds, atomic_load(&split));
	fprintf(stderr, "park: fork-storm: %d children\n", atomic_load(&children));
	return 0;
}

/* ---- idle threads, a blocker ---------------------------------------------- */

static void *idler(void *arg)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	(void)arg;
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

static int dontunmap_rounds(int rounds, const char *what)
{
	int r, failed = 0, wrong = 0;
	const char *first = NULL;

	for (r = 0; r < rounds; r++) {
		char *a = map(64 * PS, PROT_READ | PROT_WRITE), *n;

		memset(a, 5, 64 * PS);
		n = mremap(a, 64 * PS, 64 * PS, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (!first)
			first = strdup(answer(n));
		if (n == MAP_FAILED) {
			failed++;
			wrong += a[0] != 5 || a[64 * PS - 1] != 5;
		} else {
			wrong += n[0] != 5 || n[64 * PS - 1] != 5 || a[0] != 0;
			munmap(n, 64 * PS);
		}
		munmap(a, 64 * PS);
	}
	printf("%s: first call %s, %d of %d calls failed, wrong contents %d\n",
	       what, first, failed, rounds, wrong);
	return 0;
}

static int idle(int nthreads, int rounds)
{
	pthread_t t;
	int i;
	char what[32];

	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t, NULL, idler, NULL))
			die("pthread_create");
	snprintf(what, sizeof(what), "idle %d", nthreads);
	return dontunmap_rounds(rounds, what);
}

static atomic_int blocked;

static void *blocker(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	atomic_store(&blocked, 1);
	for (;;)
		pause();
	return NULL;
}

static int block_all(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, blocker, NULL))
		die("pthread_create");
	while (!atomic_load(&blocked))
		;
	return dontunmap_rounds(3, "blocker");
}

/* ---- the application's own handler on the park signal --------------------- */

static int park_signal(void)
{
	const char *v = getenv("MREMAP_COMPAT_PARK_SIGNAL");

	return v ? atoi(v) : 61;
}

static atomic_int app_got, app_sent, app_stop;

static void app_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_code == SI_QUEUE && si->si_value.sival_int == 4242)
		atomic_fetch_add(&app_got, 1);
}

static void *app_sender(void *arg)
{
	pid_t pid = getpid();
	union sigval v = { .sival_int = 4242 };

	(void)arg;
	while (!atomic_load(&app_stop))
		if (sigqueue(pid, park_signal(), v) == 0)
			atomic_fetch_add(&app_sent, 1);
		else
			sched_yield();
	return NULL;
}

static int app_signal(int rounds)
{
	struct sigaction sa = { 0 };
	pthread_t t[2];
	int i, spins;

	sa.sa_sigaction = app_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(park_signal(), &sa, NULL))
		die("sigaction");
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, i ? app_sender : idler, NULL))
			die("pthread_create");
	dontunmap_rounds(rounds, "app-signal");
	atomic_store(&app_stop, 1);
	pthread_join(t[1], NULL);
	for (spins = 0; atomic_load(&app_got) < atomic_load(&app_sent) && spins < 100000; spins++)
		sched_yield();
	printf("app-signal: every signal of the application's arrived: %s\n",
	       atomic_load(&app_got) == atomic_load(&app_sent) ? "yes" : "no");
	fprintf(stderr, "park: app-signal: sent %d, got %d\n", atomic_load(&app_sent),
		atomic_load(&app_got));
	/* its handler is the application's again */
	sigaction(park_signal(), NULL, &sa);
	printf("app-signal: handler is the application's: %s\n",
	       sa.sa_sigaction == app_handler ? "yes" : "no");
	return 0;
}

/* ---- alternate stacks ----------------------------------------------------- */

#define ALT 8192
static int alt_rounds;

static void on_alt(void)
{
	static char stack[ALT] __attribute__((aligned(16)));
	stack_t ss = { .ss_sp = stack, .ss_size = ALT };

	if (sigaltstack(&ss, NULL))
		die("sigaltstack");
}

static void *alt_idler(void *arg)
{
	char *stack = malloc(ALT);
	stack_t ss = { .ss_sp = stack, .ss_size = ALT };

	(void)arg;
	if (!stack || sigaltstack(&ss, NULL))
		die("sigaltstack");
	return idler(NULL);
}

static void caller_handler(int sig)
{
	(void)sig;
	dontunmap_rounds(alt_rounds, "altstack");
}

static int altstack(int rounds)
{
	struct sigaction sa = { 0 };
	pthread_t t;
	int i;

	for (i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, alt_idler, NULL))
			die("pthread_create");
	on_alt();
	alt_rounds = rounds;
	sa.sa_handler = caller_handler;
	sa.sa_flags = SA_ONSTACK;
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");
	raise(SIGUSR1);
	return 0;
}

/* ---- EINTR in the parked threads -------------------------------------------- */

enum { E_NANOSLEEP, E_POLL, E_EPOLL, E_SELECT, E_READ, E_ACCEPT, E_COND, E_FUTEX_TIMED, E_N };
static const char *const e_names[E_N] = {
	"nanosleep", "poll", "epoll_wait", "select", "read (pipe)", "accept",
	"pthread_cond_wait", "futex wait (timeout)",
};
static atomic_int e_intr[E_N];
static atomic_int e_ready;
static int pipe_fds[2], listen_fd;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int futex_word;

static void *blocking(void *arg)
{
	int which = (int)(long)arg, epfd = epoll_create1(0);
	struct epoll_event ev;
	struct timespec ts = { 3600, 0 };
	char c;

	atomic_fetch_add(&e_ready, 1);
	for (;;) {
		long r = 0;

		switch (which) {
		case E_NANOSLEEP: r = nanosleep(&ts, NULL); break;
		case E_POLL: r = poll(NULL, 0, 3600 * 1000); break;
		case E_EPOLL: r = epoll_wait(epfd, &ev, 1, 3600 * 1000); break;
		case E_SELECT: r = select(0, NULL, NULL, NULL, &(struct timeval){ 3600, 0 }); break;
		case E_READ: r = read(pipe_fds[0], &c, 1); break;
		case E_ACCEPT: r = accept(listen_fd, NULL, NULL); break;
		case E_COND:
			pthread_mutex_lock(&mu);
			r = pthread_cond_wait(&cv, &mu);
			pthread_mutex_unlock(&mu);
			if (r == EINTR)
				atomic_fetch_add(&e_intr[which], 1);
			continue;
		case E_FUTEX_TIMED:
			r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
			break;
		}
		if (r < 0 && errno == EINTR)
			atomic_fetch_add(&e_intr[which], 1);
	}
	return NULL;
}

static int eintr(void)
{
	pthread_t t;
	int i;

	if (pipe(pipe_fds))
		die("pipe");
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&(struct sockaddr_in){
			.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
			sizeof(struct sockaddr_in)) || listen(listen_fd, 1))
		die("socket");
	for (i = 0; i < E_N; i++)
		if (pthread_create(&t, NULL, blocking, (void *)(long)i))
			die("pthread_create");
	while (atomic_load(&e_ready) < E_N)
		;
	usleep(20000); /* every one inside its call */
	dontunmap_rounds(5, "eintr");
	usleep(20000);
	for (i = 0; i < E_N; i++)
		printf("eintr: %s: %s\n", e_names[i], atomic_load(&e_intr[i]) ? "EINTR" : "restarted");
	return 0;
}

/* ---- threads the park must not disturb ------------------------------------ */

/* DONTUNMAP calls whose answer may be ok or EINVAL (a kernel without
 * DONTUNMAP refuses it): the data is where the answer says. */
static int loose_rounds(int rounds, const char *what)
{
	int r, other = 0, wrong = 0;

	for (r = 0; r < rounds; r++) {
		char *a = map(64 * PS, PROT_READ | PROT_WRITE), *n;

		memset(a, 5, 64 * PS);
		n = mremap(a, 64 * PS, 64 * PS, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (n == MAP_FAILED) {
			other += errno != EINVAL;
			wrong += a[0] != 5 || a[64 * PS - 1] != 5;
		} else {
			wrong += n[0] != 5 || n[64 * PS - 1] != 5 || a[0] != 0;
			munmap(n, 64 * PS);
		}
		munmap(a, 64 * PS);
	}
	printf("%s: %d of %d calls answered ok or EINVAL, wrong contents %d\n",
	       what, rounds - other, rounds, wrong);
	return 0;
}

static atomic_int sw_unsent;

static void *sig_waiter(void *arg)
{
	sigset_t all;
	siginfo_t si;
	int s;

	(void)arg;
	sigfillset(&all);
	for (;;) {
		s = sigwaitinfo(&all, &si);
		if (s == SIGTERM && si.si_pid == getpid())
			return NULL;
		if (s > 0)
			atomic_fetch_add(&sw_unsent, 1);
	}
}

static int sig_wait(int rounds)
{
	sigset_t all;
	pthread_t t;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (pthread_create(&t, NULL, sig_waiter, NULL))
		die("pthread_create");
	loose_rounds(rounds, "sigwait");
	kill(getpid(), SIGTERM);
	pthread_join(t, NULL);
	printf("signals sigwaitinfo received that nobody sent: %d\n", atomic_load(&sw_unsent));
	return 0;
}

static int sandbox_pipe[2], echo_pipe[2];

static void *sandboxed(void *arg)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	char c = 'r';

	if (!strcmp(arg, "strict")) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT))
			c = 'e';
	} else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		   prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		c = 'e';
	}
	write(echo_pipe[1], &c, 1);
	while (read(sandbox_pipe[0], &c, 1) == 1 && c)
		write(echo_pipe[1], &c, 1);
	syscall(SYS_exit, 0);
	return NULL;
}

static int seccomp_thread(const char *how)
{
	pthread_t t;
	char c;
	struct pollfd pfd;

	if (pipe(sandbox_pipe) || pipe(echo_pipe))
		die("pipe");
	if (pthread_create(&t, NULL, sandboxed, (void *)how))
		die("pthread_create");
	if (read(echo_pipe[0], &c, 1) != 1 || c != 'r') {
		/* (strict mode cannot follow a filter: under tests/pre57) */
		printf("sandboxed thread: %s\n", c == 'e' ? "no sandbox" : "?");
	}
	loose_rounds(5, "seccomp-thread");
	c = 'x';
	write(sandbox_pipe[1], &c, 1);
	pfd = (struct pollfd){ echo_pipe[0], POLLIN, 0 };
	printf("the sandboxed thread answers after the calls: %s\n",
	       poll(&pfd, 1, 2000) == 1 && read(echo_pipe[0], &c, 1) == 1 && c == 'x' ? "yes" : "no");
	return 0;
}

static atomic_int sa_stop, sa_unsent;

static void sa_h1(int sig) { (void)sig; atomic_fetch_add(&sa_unsent, 1); }
static void sa_h2(int sig) { (void)sig; atomic_fetch_add(&sa_unsent, 1); }

static void *sa_setter(void *arg)
{
	long n = 0, wrong = 0;
	int sig = park_signal();
	struct sigaction sa, old;

	(void)arg;
	while (!atomic_load(&sa_stop)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = n++ & 1 ? sa_h1 : sa_h2;
		sigaction(sig, &sa, NULL);
		sigaction(sig, NULL, &old);
		wrong += old.sa_handler != sa.sa_handler;
	}
	sigaction(sig, NULL, &old);
	printf("queries that returned another handler than the one set: %ld\n", wrong);
	printf("the handler at the end is the one set last: %s\n",
	       old.sa_handler == sa.sa_handler ? "yes" : "no");
	return NULL;
}

static int sig_action(int rounds)
{
	pthread_t t;

	if (pthread_create(&t, NULL, sa_setter, NULL))
		die("pthread_create");
	loose_rounds(rounds, "sigaction");
	atomic_store(&sa_stop, 1);
	pthread_join(t, NULL);
	printf("signals the handlers got that nobody sent: %d\n", atomic_load(&sa_unsent));
	return 0;
}

static atomic_int ul_go, ul_unsent;

static void ul_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	(void)ctx;
	atomic_fetch_add(&ul_unsent, 1);
}

static void *unblocker(void *arg)
{
	sigset_t all, old, urg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	sigfillset(&urg);
	sigdelset(&urg, SIGURG);
	atomic_store(&blocked, 1);
	while (!atomic_load(&ul_go))
		sigsuspend(&urg); /* every signal blocked but SIGURG, below */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	nanosleep(&ts, NULL);
	return NULL;
}

static void on_urg(int sig) { (void)sig; }

static int unblock_later(void)
{
	pthread_t t;
	struct sigaction sa, q;
	int sig = park_signal();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_urg;
	sigaction(SIGURG, &sa, NULL);
	if (pthread_create(&t, NULL, unblocker, NULL))
		die("pthread_create");
	while (!atomic_load(&blocked))
		;
	usleep(50 * 1000); /* asleep in pause() */
	loose_rounds(1, "unblock-later");
	sigaction(sig, NULL, &q);
	printf("the park signal's handler after the call is the default: %s\n",
	       !(q.sa_flags & SA_SIGINFO) && q.sa_handler == SIG_DFL ? "yes" : "no");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ul_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
	atomic_store(&ul_go, 1);
	pthread_kill(t, SIGURG);
	pthread_join(t, NULL);
	printf("signals the handler got that nobody sent: %d\n", atomic_load(&ul_unsent));
	return 0;
}

static int me_rounds;

static void *after_main(void *arg)
{
	(void)arg;
	usleep(50 * 1000); /* main is a zombie by now */
	dontunmap_rounds(me_rounds, "main-exit");
	fflush(stdout);
	exit(0);
}

static int main_exit(int rounds)
{
	pthread_t t;

	me_rounds = rounds;
	if (pthread_create(&t, NULL, after_main, NULL))
		die("pthread_create");
	pthread_exit(NULL);
}

int main(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[3]) : argc > 2 ? atoi(argv[2]) : 10;

	PS = (unsigned long)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "writers"))
		return writers(argv[2], rounds);
	if (argc >= 4 && !strcmp(argv[1], "uffd-writers"))
		return uffd_writers(argv[2], rounds);
	if (argc >= 3 && !strcmp(argv[1], "mmap-storm"))
		return mmap_storm(rounds);
	if (argc >= 3 && !strcmp(argv[1], "fork-storm"))
		return fork_storm(atoi(argv[2]), argc > 3 && !strcmp(argv[3], "dontunmap"));
	if (argc >= 4 && !strcmp(argv[1], "idle"))
		return idle(atoi(argv[2]), rounds);
	if (argc >= 2 && !strcmp(argv[1], "blocker"))
		return block_all();
	if (argc >= 3 && !strcmp(argv[1], "app-signal"))
		return app_signal(rounds);
	if (argc >= 3 && !strcmp(argv[1], "altstack"))
		return altstack(rounds);
	if (argc >= 2 && !strcmp(argv[1], "eintr"))
		return eintr();
	if (argc >= 3 && !strcmp(argv[1], "sigwait"))
		return sig_wait(rounds);
	if (argc >= 3 && !strcmp(argv[1], "seccomp-thread"))
		return seccomp_thread(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "sigaction"))
		return sig_action(rounds);
	if (argc >= 2 && !strcmp(argv[1], "unblock-later"))
		return unblock_later();
	if (argc >= 3 && !strcmp(argv[1], "main-exit"))
		return main_exit(rounds);
	fprintf(stderr, "usage: see the comment at the top of tests/park.c\n");
	return 2;
}
