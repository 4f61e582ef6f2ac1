/* shim/window.c - may a strategy leave the old range unmapped for a moment?
 *
 * move+refill and move+regrow move the pages with one mremap() and then
 * map the old range again (refill) or grow the VMA back over it (regrow):
 *
 *   mremap(old -> new)        old [    ]   <- the window: the range is free
 *   mmap(old) / regrow        old [0000]
 *
 * The kernel's own DONTUNMAP holds the mmap lock across the whole call, so
 * nobody ever sees the old range free. Here, for one system call, anyone
 * sharing the address space could map into it: another thread, a fork()
 * from another thread (its child keeps a permanent hole), or a signal
 * handler of this thread. The copy has a window of its own: a store into
 * the old range between the copy and the MADV_DONTNEED that empties it is
 * lost. So the strategies run only where none of them can act:
 *
 *   1. every signal is blocked (SIGKILL and SIGSTOP end or stop the whole
 *      process: nothing runs in it);
 *   2. then the process is found to have one thread (/proc/self/task), or
 *      the others are parked in a signal handler (park.c).
 *
 * A thread created after the check would have to be created by this one,
 * which is inside the library (or, while parking, by one not yet parked:
 * park.c lists the threads again until nobody is new). What
 * /proc/self/task cannot show is a process that shares the address space
 * without being a thread of ours (clone(CLONE_VM) without CLONE_THREAD, a
 * vfork child that has not yet called execve while the parent runs).
 */
#include <errno.h>
#include <fcntl.h>
#include "compat/sys.h"
#include "shim/park.h"
#include "shim/procdir.h"
#include "shim/window.h"

/* Counts threads up to the second: no need to read the rest. */
static int count_thread(const char *name, int dirfd, void *arg)
{
	int *threads = arg;

	(void)name;
	(void)dirfd;
	return ++*threads >= 2;
}

/* How many threads /proc/self/task lists: 1, 2 (two or more), or -errno
 * when it cannot be read (EMFILE: no descriptor left). */
static int count_threads(void)
{
	int n = 0, err = mc_procdir_each("/proc/self/task", count_thread, &n);

	return err < 0 ? err : n;
}

#define SIGBIT(n) (1ULL << ((n) - 1))

static long sigprocmask_raw(int how, const unsigned long long *set, unsigned long long *old)
{
	return sys6(SYS_rt_sigprocmask, how, (long)set, (long)old, sizeof(*set), 0, 0);
}

bool mc_window_open(struct mc_window *w, enum mc_window_mode mode)
{
	/* Every signal but those the kernel raises for an instruction or a
	 * system call of this thread: blocked, those kill the process (a
	 * sandbox that traps system calls with SIGSYS, SECCOMP_RET_TRAP, and
	 * answers them from the handler would die on the library's first
	 * system call in the window). Their handlers run on this thread, at
	 * this thread's own instruction: never in the middle of the window. */
	const unsigned long long all = ~(SIGBIT(SIGSYS) | SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) |
					 SIGBIT(SIGILL) | SIGBIT(SIGFPE) | SIGBIT(SIGTRAP));
	int n;

	w->alone = false;
	w->parked = false;
	w->why = 0;
	w->err = 0;
	w->blocked = sigprocmask_raw(SIG_BLOCK, &all, &w->saved) == 0;
	if (!w->blocked) {
		w->why = "cannot block signals";
		return false;
	}
	n = count_threads();
	if (n == 1) {
		w->alone = true;
		return true;
	}
	if (n < 0) {
		w->err = n;
		w->why = n == -EMFILE || n == -ENFILE ? "no file descriptor left for /proc/self/task" :
			 "cannot read /proc/self/task";
	} else if (mode == WINDOW_PARK) {
		w->parked = mc_park_begin(&w->saved, &w->why);
		w->alone = w->parked;
		if (w->alone)
			return true;
	} else {
		w->why = "other threads";
	}
	if (mode == WINDOW_SHARED)
		return true;
	sigprocmask_raw(SIG_SETMASK, &w->saved, 0);
	w->blocked = false;
	return false;
}

void mc_window_unpark(struct mc_window *w, const char *why)
{
	if (!w->parked)
		return;
	mc_park_end();
	w->parked = false;
	w->alone = false;
	w->why = why;
}

void mc_window_close(struct mc_window *w)
{
	if (w->parked)
		mc_park_end();
	if (w->blocked)
		sigprocmask_raw(SIG_SETMASK, &w->saved, 0);
	w->blocked = false;
	w->parked = false;
	w->alone = false;
}
