/* shim/park.c - stop the other threads of the process for one call.
 *
 * The kernel's own DONTUNMAP and multi-VMA move hold the mmap lock: no
 * other thread maps into the range, no store into it is lost, and a fork()
 * sees the move whole or not at all. The zero-copy strategies (move.c)
 * leave the old range free for one system call and the copy (copy.c)
 * empties it after copying: another thread running meanwhile could map
 * there, store into a page that is then thrown away, or fork. So the
 * others are stopped first, as garbage collectors stop them:
 *
 *   caller                               each other thread
 *   ------                               -----------------
 *   every signal blocked (window.c)
 *   lock (one park at a time)
 *   our handler on the park signal
 *   list /proc/self/task, signal each  ->  handler: "parked", futex wait
 *   wait for every one to say parked
 *   list again until no new thread
 *   ... the move ...
 *   release (futex wake)               ->  handler returns; SA_RESTART
 *   the previous handler back
 *   unlock
 *
 * The signal is sent with rt_tgsigqueueinfo() and a cookie (si_code
 * SI_QUEUE, our pid, a value only this file makes), so the handler tells
 * ours from the application's own signal of the same number; that one is
 * handed to the application's handler (or its default action, or nothing
 * if ignored), never lost.
 *
 * Who cannot be parked, and what happens (mc_park_begin() answers false,
 * nothing changed; the caller answers as the running kernel would):
 *   a sleeping thread that blocks the signal (after PARK_BLOCKED_MS; a
 *     runnable one may be a new thread, which starts with every signal
 *     blocked: it is waited for), or stopped by a tracer (after
 *     PARK_STOPPED_MS: a tracer may only be passing the signal on), told
 *     by /proc/self/task/TID/status and stat; a thread that only waits its
 *     turn on a busy machine is given up to PARK_TIMEOUT_MS;
 *   a seccomp filter: rt_sigaction, rt_tgsigqueueinfo or futex could kill
 *     the process, and no filter can be read: no park;
 *   more than PARK_MAX_THREADS threads.
 * Not threads at all, and not waited for: a zombie (a main thread that
 * called pthread_exit), io_uring's kernel workers (PF_IO_WORKER: they
 * take no signal). What /proc/self/task does not list cannot be parked:
 * a vfork child before its execve, clone(CLONE_VM) without CLONE_THREAD.
 *
 * Safe inside any process: no allocation, no lock of the C library; the
 * handler only makes system calls (errno untouched: raw system calls); a
 * fork() from another thread cannot happen while it is parked; a child
 * forked while a park state was live (the caller's pid changes) starts
 * afresh. The lock is a futex word holding its owner's thread id: an owner
 * that no longer exists (a child after fork) is taken over.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/park.h"
#include "shim/procdir.h"
#include "shim/status.h"

#define PARK_MAX_THREADS 1024
#define PARK_TIMEOUT_MS 1000   /* a runnable thread that was not scheduled */
#define PARK_LOOK_MS 2         /* then a straggler's state is looked at */
#define PARK_BLOCKED_MS 20     /* a newborn thread unblocks its signals */
#define PARK_STOPPED_MS 200    /* a tracer resumes a thread it stopped */
#define LOCK_TIMEOUT_MS 5000   /* another thread's park (it parks us too) */
#define COOKIE_ERRNO 0x6d63    /* si_errno of our signal ("mc") */

#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || \
    (defined(__arm__) && defined(__ARM_EABI__))
#define PARK_SUPPORTED 1
#else
#define PARK_SUPPORTED 0       /* no struct k_sigaction layout known here */
#endif

#define MC_SA_SIGINFO 4
#define MC_SA_ONSTACK 0x08000000
#define MC_SA_RESTART 0x10000000
#define MC_SA_RESTORER 0x04000000
#define MC_SA_RESETHAND 0x80000000u
#define MC_SIG_DFL ((void *)0)
#define MC_SIG_IGN ((void *)1)
#define MC_FUTEX_WAIT_PRIVATE 128
#define MC_FUTEX_WAKE_PRIVATE 129
#define PF_IO_WORKER 0x10

/* The kernel's struct sigaction for rt_sigaction(2), where the
 * architecture has sa_restorer (all of PARK_SUPPORTED's). */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	unsigned long long mask;
};

#if defined(__x86_64__)
/* x86_64 has no sigreturn trampoline of the kernel's: SA_RESTORER is
 * required. (The others use the vDSO's or the kernel's sigpage.) */
void mc_park_restore_rt(void) __attribute__((visibility("hidden")));
__asm__(".text\n"
	".align 16\n"
	".type mc_park_restore_rt,@function\n"
	"mc_park_restore_rt:\n"
	"\tmov $15, %rax\n"   /* __NR_rt_sigreturn */
	"\tsyscall\n"
	".size mc_park_restore_rt, .-mc_park_restore_rt\n");
#define RESTORER mc_park_restore_rt
#define RESTORER_FLAG MC_SA_RESTORER
#else
#define RESTORER 0
#define RESTORER_FLAG 0
#endif

enum slot_state { SLOT_SENT, SLOT_PARKED, SLOT_GONE, SLOT_ABANDONED };

struct slot {
	int tid;
	int state;                /* enum slot_state, changed by CAS */
};

/* One park at a time (the lock); the handler reads what the parker wrote
 * before it sent the signal. */
static struct park {
	int lock;                 /* futex: 0 free, else the owner's tid */
	int pid;                  /* the process this state belongs to */
	int sig;                  /* the signal installed (0: none) */
	unsigned int gen;         /* this park's number: in the cookie */
	int active;               /* the current gen may still park */
	int release;              /* futex: the gen released last */
	int parked;               /* futex: threads parked in this gen */
	int inside;               /* threads still inside the handler */
	int outstanding;          /* our signals sent and not yet taken */
	unsigned int last_count;  /* threads stopped by the last park */
	struct k_sigaction old;   /* the application's disposition */
	int nslots;
	struct slot slots[PARK_MAX_THREADS];
	int given_up[16];         /* threads whose signal is still pending */
} P;

static long futex(int *w, int op, int val, const struct timespec *ts)
{
	return sys6(SYS_futex, (long)w, op, val, (long)ts, 0, 0);
}

static long sigaction_raw(int sig, const struct k_sigaction *act, struct k_sigaction *old)
{
	return sys6(SYS_rt_sigaction, sig, (long)act, (long)old, 8, 0, 0);
}

static long sigqueue_raw(int pid, int tid, int sig, siginfo_t *si)
{
	return sys6(SYS_rt_tgsigqueueinfo, pid, tid, sig, (long)si, 0, 0);
}

static long now_ms(void)
{
	struct timespec ts;

	if (sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0))
		return 0;
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *cookie(unsigned int gen)
{
	return (void *)((uintptr_t)&P ^ ((uintptr_t)gen << 4));
}

bool mc_park_signal_ok(long sig)
{
	return sig == SIGUSR1 || sig == SIGUSR2 || (sig >= 35 && sig <= 64);
}

unsigned int mc_park_count(void)
{
	return __atomic_load_n(&P.last_count, __ATOMIC_RELAXED);
}

/* ---- the other threads' side: the handler ------------------------------- */

static struct slot *my_slot(void)
{
	int tid = (int)sys_gettid(), i, n = __atomic_load_n(&P.nslots, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (P.slots[i].tid == tid)
			return &P.slots[i];
	return 0;
}

/* Our signal: wait here until the park that sent it ends. A signal of a
 * park that has given up on this thread (or already ended) is only
 * counted off. */
static void park_here(unsigned int gen)
{
	struct slot *s = my_slot();
	int expect = SLOT_SENT, rel;

	if (!s || gen != __atomic_load_n(&P.gen, __ATOMIC_ACQUIRE) ||
	    !__atomic_compare_exchange_n(&s->state, &expect, SLOT_PARKED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_sub_fetch(&P.outstanding, 1, __ATOMIC_ACQ_REL);
		return;
	}
	__atomic_sub_fetch(&P.outstanding, 1, __ATOMIC_ACQ_REL); /* taken */
	__atomic_add_fetch(&P.inside, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&P.parked, 1, __ATOMIC_ACQ_REL);
	futex(&P.parked, MC_FUTEX_WAKE_PRIVATE, 1, 0);
	while ((int)((unsigned int)(rel = __atomic_load_n(&P.release, __ATOMIC_ACQUIRE)) - gen) < 0)
		futex(&P.release, MC_FUTEX_WAIT_PRIVATE, rel, 0);
	__atomic_sub_fetch(&P.inside, 1, __ATOMIC_ACQ_REL);
}

/* Which signals' default action is to ignore them (signal(7)). */
static bool default_ignores(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* The application's own signal of our number, arrived while our handler
 * was installed: to its handler, as the kernel would have delivered it. */
static void forward(int sig, siginfo_t *si, void *ctx)
{
	struct k_sigaction *old = &P.old;
	void *h = old->handler;

	if (h == MC_SIG_IGN)
		return;
	if (h == MC_SIG_DFL) {
		if (default_ignores(sig))
			return;
		/* Its default action ends the process: put the default back
		 * and send the signal again; it is taken when this handler
		 * returns. (The park, if any, ends with the process.) */
		sigaction_raw(sig, old, 0);
		sigqueue_raw((int)sys_getpid(), (int)sys_gettid(), sig, si);
		return;
	}
	if (old->flags & MC_SA_RESETHAND)
		old->handler = MC_SIG_DFL;
	if (old->flags & MC_SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h)(sig, si, ctx);
	else
		((void (*)(int))h)(sig);
}

static void park_handler(int sig, siginfo_t *si, void *ctx)
{
	unsigned int gen = (unsigned int)(((uintptr_t)si->si_value.sival_ptr ^ (uintptr_t)&P) >> 4);

	if (si->si_code == SI_QUEUE && si->si_errno == COOKIE_ERRNO &&
	    si->si_pid == __atomic_load_n(&P.pid, __ATOMIC_RELAXED) &&
	    si->si_value.sival_ptr == cookie(gen)) {
		park_here(gen);
		return;
	}
	forward(sig, si, ctx);
}

/* ---- the caller's side -------------------------------------------------- */

static bool thread_alive(int pid, int tid)
{
	return sys_tgkill(pid, tid, 0) != -ESRCH;
}

/* One park at a time. Waits with the caller's own mask, so that the
 * thread parking the others parks this one too; takes over a lock whose
 * owner is gone (a child after fork). */
static bool lock(int pid, int self, const unsigned long long *saved_mask)
{
	unsigned long long all;
	long deadline = now_ms() + LOCK_TIMEOUT_MS;

	for (;;) {
		int owner = 0;
		struct timespec ts = { 0, 5L * 1000 * 1000 };

		if (__atomic_compare_exchange_n(&P.lock, &owner, self, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;
		if (owner == self)
			return false; /* (cannot be: signals are blocked) */
		if (!thread_alive(pid, owner)) {
			if (__atomic_compare_exchange_n(&P.lock, &owner, self, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return true;
			continue;
		}
		if (now_ms() > deadline)
			return false;
		sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)saved_mask, (long)&all, 8, 0, 0);
		futex(&P.lock, MC_FUTEX_WAIT_PRIVATE, owner, &ts);
		sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
	}
}

static void unlock(void)
{
	__atomic_store_n(&P.lock, 0, __ATOMIC_RELEASE);
	futex(&P.lock, MC_FUTEX_WAKE_PRIVATE, 1, 0);
}

/* Our handler on the signal; the application's kept in P.old. (It may
 * still be ours from a park that gave up on a thread whose signal is
 * still pending: then P.old is already the application's.) */
static bool install(int sig)
{
	struct k_sigaction act = {
		.handler = (void *)park_handler,
		.flags = MC_SA_SIGINFO | MC_SA_RESTART | MC_SA_ONSTACK | RESTORER_FLAG,
		.restorer = RESTORER,
		.mask = ~0ULL,  /* nothing else runs on a parked thread */
	}, old;

	if (sigaction_raw(sig, &act, &old))
		return false;
	if (old.handler != (void *)park_handler)
		P.old = old;
	P.sig = sig;
	return true;
}

/* The application's handler back, unless a signal of ours is still
 * pending somewhere (then ours stays, and tells it from theirs). */
static void uninstall(void)
{
	struct k_sigaction cur;

	if (__atomic_load_n(&P.outstanding, __ATOMIC_ACQUIRE) > 0)
		return;
	/* (A thread not yet parked may have installed a handler of its own
	 * meanwhile: that one stays.) */
	if (sigaction_raw(P.sig, 0, &cur) == 0 && cur.handler == (void *)park_handler)
		sigaction_raw(P.sig, &P.old, 0);
	P.sig = 0;
}

struct list_arg {
	int pid, self;
	int sent;                 /* newly signalled in this pass */
	bool full, blocked;
	bool waiting;             /* a thread blocks the signal for now: not sent */
	bool asleep_blocked;      /* one of them asleep with it blocked */
	bool filtered;            /* a thread has a seccomp filter of its own */
	const struct mc_status *caller; /* the calling thread's status */
	unsigned int gen;
	long err;
};

/* May a thread be sent the signal now (thread_may_take())? NOT_NOW and
 * ASLEEP_BLOCKED: it blocks the signal (running, or asleep); SIGWAIT: it
 * waits for signals in sigwaitinfo(), which would take ours. */
enum take { TAKE_YES, TAKE_NOT_NOW, TAKE_ASLEEP_BLOCKED, TAKE_SIGWAIT, TAKE_NO_FILTER, TAKE_GONE };
static enum take thread_may_take(int sig, int tid, const struct mc_status *caller);
static bool given_up_still_blocks(int tid, enum take take);

static bool known(int tid)
{
	int i;

	for (i = 0; i < P.nslots; i++)
		if (P.slots[i].tid == tid)
			return true;
	return false;
}

static int signal_thread(const char *name, int dirfd, void *arg)
{
	struct list_arg *a = arg;
	long tid = mc_procdir_number(name);
	enum take take;
	siginfo_t si;
	long r;

	(void)dirfd;
	if (tid <= 0 || tid == a->self || known((int)tid))
		return 0;
	if (P.nslots == PARK_MAX_THREADS) {
		a->full = true;
		return 1;
	}
	/* Sent only to a thread that can take it now: one that blocks it
	 * could take it with sigwaitinfo() or a signalfd as the
	 * application's; one with a seccomp filter of its own could be
	 * killed, or kill the process, by the handler's calls. */
	take = thread_may_take(P.sig, (int)tid, a->caller);
	if (given_up_still_blocks((int)tid, take)) {
		a->blocked = true;
		return 1;
	}
	switch (take) {
	case TAKE_NO_FILTER:
		a->filtered = true;
		return 1;
	case TAKE_ASLEEP_BLOCKED:
	case TAKE_SIGWAIT:
		a->asleep_blocked = true;
		a->waiting = true;
		return 0;
	case TAKE_NOT_NOW:
		a->waiting = true;
		return 0;
	case TAKE_GONE:
		return 0;
	default:
		break;
	}
	P.slots[P.nslots] = (struct slot){ (int)tid, SLOT_SENT };
	__atomic_store_n(&P.nslots, P.nslots + 1, __ATOMIC_RELEASE);
	memset(&si, 0, sizeof(si));
	si.si_signo = P.sig;
	si.si_errno = COOKIE_ERRNO;
	si.si_code = SI_QUEUE;
	si.si_pid = a->pid;
	si.si_value.sival_ptr = cookie(a->gen);
	__atomic_add_fetch(&P.outstanding, 1, __ATOMIC_ACQ_REL);
	r = sigqueue_raw(a->pid, (int)tid, P.sig, &si);
	if (r == -ESRCH) { /* exited since the listing */
		__atomic_sub_fetch(&P.outstanding, 1, __ATOMIC_ACQ_REL);
		P.slots[P.nslots - 1].state = SLOT_GONE;
		return 0;
	}
	if (r) {
		__atomic_sub_fetch(&P.outstanding, 1, __ATOMIC_ACQ_REL);
		P.slots[P.nslots - 1].state = SLOT_GONE;
		a->err = r; /* EAGAIN: RLIMIT_SIGPENDING */
		return 1;
	}
	a->sent++;
	return 0;
}

/* "/proc/self/task/TID/FILE" into path (48 bytes hold it). */
static void task_path(int tid, const char *file, char *path, size_t len)
{
	static const char dir[] = "/proc/self/task/";
	char digits[12];
	size_t n = sizeof(dir) - 1, d = 0, k;

	memcpy(path, dir, n);
	do {
		digits[d++] = (char)('0' + tid % 10);
		tid /= 10;
	} while (tid);
	while (d)
		path[n++] = digits[--d];
	path[n++] = '/';
	for (k = 0; file[k] && n < len - 1; k++)
		path[n++] = file[k];
	path[n] = 0;
}

/* Reads a small /proc/self/task/TID file into buf (NUL-terminated). */
static long read_task_file(int tid, const char *file, char *buf, size_t len)
{
	char path[48];
	long fd, got;

	task_path(tid, file, path, sizeof(path));
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	got = sys_read((int)fd, buf, len - 1);
	sys_close((int)fd);
	if (got < 0)
		return got;
	buf[got] = 0;
	return got;
}

/* Is tid one given up on (a signal of ours still pending for it)? Where
 * it still blocks the signal, the park gives up at once; where it no
 * longer does, it is forgotten (its pending signal will be counted off). */
static bool given_up_still_blocks(int tid, enum take take)
{
	unsigned int i;

	for (i = 0; i < sizeof(P.given_up) / sizeof(P.given_up[0]); i++) {
		if (P.given_up[i] != tid)
			continue;
		if (take == TAKE_NOT_NOW || take == TAKE_ASLEEP_BLOCKED)
			return true;
		P.given_up[i] = 0;
	}
	return false;
}

/* Is tid waiting for signals in sigwaitinfo()/sigtimedwait()? Those it
 * waits for are unblocked meanwhile, but taken synchronously. */
static bool in_sigwait(int tid)
{
	char buf[32];
	long nr = 0;
	const char *p = buf;

	if (read_task_file(tid, "syscall", buf, sizeof(buf)) <= 0 || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		nr = nr * 10 + (*p++ - '0');
#ifdef SYS_rt_sigtimedwait_time64
	if (nr == SYS_rt_sigtimedwait_time64)
		return true;
#endif
	return nr == SYS_rt_sigtimedwait;
}

/* May tid be sent the signal now? Its status: "Seccomp:" (a filter the
 * calling thread does not have: no) and "SigBlk:" (blocked: not now; a
 * new thread starts with every signal blocked). caller: the calling
 * thread's status (with MREMAP_COMPAT_PARK=always its filter is vouched
 * for: a thread with more filters than it is not). */
static enum take thread_may_take(int sig, int tid, const struct mc_status *caller)
{
	char path[48];
	struct mc_status st;

	task_path(tid, "status", path, sizeof(path));
	if (!mc_status_read(path, &st))
		return sys_tgkill(P.pid, tid, 0) == -ESRCH ? TAKE_GONE : TAKE_NOT_NOW;
	if (st.seccomp_seen && st.seccomp &&
	    (!caller->seccomp || (st.filters_seen && st.filters > caller->filters) || st.seccomp == 1))
		return TAKE_NO_FILTER;
	if (st.sigblk_seen && (st.sigblk & (1ULL << (sig - 1)))) {
		char stat[512];
		const char *p;

		/* asleep (S) or stopped with it blocked: it will not unblock it
		 * soon; running, a new thread may any moment */
		if (read_task_file(tid, "stat", stat, sizeof(stat)) > 0 &&
		    (p = strrchr(stat, ')')) && p[1] == ' ' &&
		    (p[2] == 'S' || p[2] == 't' || p[2] == 'T'))
			return TAKE_ASLEEP_BLOCKED;
		return TAKE_NOT_NOW;
	}
	if (in_sigwait(tid))
		return TAKE_SIGWAIT;
	return TAKE_YES;
}

enum straggler { ST_WAIT, ST_GONE, ST_CANNOT };

/* A thread that has not parked yet: exited, a zombie, a kernel worker
 * (not waited for), stopped or blocking the signal (cannot be parked), or
 * only not yet run (wait on). */
static enum straggler look_at(int tid, int sig, long waited_ms)
{
	char buf[512];
	struct mc_status st;
	const char *p;
	unsigned long flags = 0;
	int field;
	char state;

	long got = read_task_file(tid, "stat", buf, sizeof(buf));

	if (got == -ENOENT || got == -ESRCH)
		return ST_GONE; /* exited */
	if (got < 0)
		return ST_WAIT; /* (out of descriptors, say: wait for it) */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return ST_WAIT;
	p += 2;
	state = *p;
	if (*p == 'Z' || *p == 'X')
		return ST_GONE;
	if (*p == 't' || *p == 'T') /* (a tracer may resume it soon) */
		return waited_ms < PARK_STOPPED_MS ? ST_WAIT : ST_CANNOT;
	for (field = 3; field < 9 && p; field++) { /* to field 9: flags */
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	while (p && *p >= '0' && *p <= '9')
		flags = flags * 10 + (unsigned long)(*p++ - '0');
	if (flags & PF_IO_WORKER)
		return ST_GONE;
	/* Running, runnable or in an uninterruptible wait: it may unblock the
	 * signal in a moment (a new thread starts with every signal
	 * blocked); only a thread asleep in an interruptible wait (S) that
	 * blocks it is given up on at once. */
	if (waited_ms < PARK_BLOCKED_MS || state != 'S')
		return ST_WAIT;
	task_path(tid, "status", buf, sizeof(buf));
	if (mc_status_read(buf, &st) && st.sigblk_seen && (st.sigblk & (1ULL << (sig - 1))))
		return ST_CANNOT;
	return ST_WAIT;
}

/* Waits until every signalled thread is parked or gone. */
static bool wait_parked(int sig, long start, const char **why)
{
	long slice = 1;

	for (;;) {
		int i, waiting = 0, seen = __atomic_load_n(&P.parked, __ATOMIC_ACQUIRE);
		long waited = now_ms() - start;
		struct timespec ts;

		for (i = 0; i < P.nslots; i++) {
			struct slot *s = &P.slots[i];

			if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_SENT)
				continue;
			if (waited >= PARK_LOOK_MS) {
				enum straggler st = look_at(s->tid, sig, waited);

				/* It may have parked while it was looked at: then
				 * it sleeps in the handler, every signal blocked. */
				if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_SENT)
					continue;
				if (st == ST_CANNOT) {
					*why = "a thread blocks the park signal or is stopped";
					return false;
				}
				if (st == ST_GONE) {
					int expect = SLOT_SENT;

					/* its signal is never taken */
					if (__atomic_compare_exchange_n(&s->state, &expect, SLOT_GONE, false,
									__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
						__atomic_sub_fetch(&P.outstanding, 1, __ATOMIC_ACQ_REL);
					continue;
				}
			}
			waiting++;
		}
		if (!waiting)
			return true;
		if (waited >= PARK_TIMEOUT_MS) {
			*why = "a thread did not park in time";
			return false;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = slice * 1000 * 1000;
		futex(&P.parked, MC_FUTEX_WAIT_PRIVATE, seen, &ts);
		if (slice < 16)
			slice *= 2;
	}
}

/* A thread given up on keeps our signal pending (it blocks it, say): it
 * is not sent another one while it still blocks the signal, and the park
 * gives up at once instead of after PARK_BLOCKED_MS. */
static void remember_given_up(int tid)
{
	unsigned int i;

	for (i = 0; i < sizeof(P.given_up) / sizeof(P.given_up[0]); i++)
		if (!P.given_up[i] || P.given_up[i] == tid) {
			P.given_up[i] = tid;
			return;
		}
}

/* Lets every parked thread go; signals still pending are given up (their
 * handler will only count them off). */
static void release(void)
{
	int i;

	__atomic_store_n(&P.active, 0, __ATOMIC_RELEASE);
	for (i = 0; i < P.nslots; i++) {
		int expect = SLOT_SENT;

		if (__atomic_compare_exchange_n(&P.slots[i].state, &expect, SLOT_ABANDONED, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			remember_given_up(P.slots[i].tid);
	}
	__atomic_store_n(&P.release, (int)P.gen, __ATOMIC_RELEASE);
	futex(&P.release, MC_FUTEX_WAKE_PRIVATE, 0x7fffffff, 0);
}

/* The previous park's threads have left the handler (they were woken:
 * they only have to be scheduled). */
static void wait_inside_empty(void)
{
	int spins;

	for (spins = 0; __atomic_load_n(&P.inside, __ATOMIC_ACQUIRE) > 0 && spins < 100000; spins++)
		sys_sched_yield();
}

/* Is this thread free of seccomp filters? rt_sigaction,
 * rt_tgsigqueueinfo and futex are calls a sandbox may kill for, and no
 * filter can be read: with one, nobody is parked. (No Seccomp: line: a
 * kernel without seccomp.) s: this thread's status. */
static bool seccomp_free(const struct mc_status *s)
{
	return !s->seccomp_seen || !s->seccomp;
}

bool mc_park_begin(const unsigned long long *saved_mask, const char **why)
{
	struct mc_controls scratch;
	const struct mc_controls *c = mc_controls(&scratch);
	int sig = c->park_signal;
	int pid = (int)sys_getpid(), self = (int)sys_gettid();
	struct list_arg a;
	struct mc_status me;
	long start;
	int pass;

	*why = 0;
	if (!PARK_SUPPORTED) {
		*why = "parking is not supported on this architecture";
		return false;
	}
	if (c->park == MC_PARK_NEVER) {
		*why = "MREMAP_COMPAT_PARK=never";
		return false;
	}
	if (!mc_status_read("/proc/thread-self/status", &me)) {
		*why = "cannot read /proc/thread-self/status";
		return false;
	}
	if (c->park != MC_PARK_ALWAYS && !seccomp_free(&me)) {
		*why = "a seccomp filter (MREMAP_COMPAT_PARK=always parks under it)";
		return false;
	}
	if (!lock(pid, self, saved_mask)) {
		*why = "another thread's park did not end";
		return false;
	}
	if (P.pid != pid) { /* first park, or a child after fork */
		P.pid = pid;
		P.outstanding = 0;
		P.inside = 0;
		memset(P.given_up, 0, sizeof(P.given_up));
	}
	wait_inside_empty();
	if (!install(sig)) {
		unlock();
		*why = "the park signal's handler cannot be installed";
		return false;
	}
	P.nslots = 0;
	P.parked = 0;
	__atomic_store_n(&P.gen, P.gen + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&P.active, 1, __ATOMIC_RELEASE);
	start = now_ms();
	/* Signal every thread listed; list again until a pass finds nobody
	 * new (a thread created meanwhile by one not yet parked). */
	for (pass = 0;; pass++) {
		a = (struct list_arg){ .pid = pid, .self = self, .gen = P.gen, .caller = &me };
		if (mc_procdir_each("/proc/self/task", signal_thread, &a) < 0 && !a.full && !a.err) {
			*why = "cannot read /proc/self/task";
			break;
		}
		if (a.blocked) {
			*why = "a thread blocks the park signal or is stopped";
			break;
		}
		if (a.filtered) {
			*why = "a thread has a seccomp filter of its own";
			break;
		}
		if (a.waiting && now_ms() - start >= (a.asleep_blocked ? PARK_BLOCKED_MS :
							       PARK_TIMEOUT_MS)) {
			*why = "a thread blocks the park signal";
			break;
		}
		if (a.full) {
			*why = "too many threads to park";
			break;
		}
		if (a.err) {
			*why = "the park signal cannot be queued";
			break;
		}
		if (!wait_parked(sig, start, why))
			break;
		if (a.waiting) { /* look again in a moment */
			struct timespec ts = { 0, 1000L * 1000 };

			futex(&P.parked, MC_FUTEX_WAIT_PRIVATE, P.parked, &ts);
			continue;
		}
		if (!a.sent && pass > 0) {
			unsigned int n = 0;
			int i;

			for (i = 0; i < P.nslots; i++)
				n += P.slots[i].state == SLOT_PARKED;
			__atomic_store_n(&P.last_count, n, __ATOMIC_RELAXED);
			return true;
		}
	}
	release();
	uninstall();
	unlock();
	return false;
}

void mc_park_end(void)
{
	release();
	uninstall();
	unlock();
}
