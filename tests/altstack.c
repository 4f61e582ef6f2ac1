/* altstack - every library path inside a signal handler on a small
 * alternate signal stack.
 *
 *   altstack [SIZE]    runs each path in a child of its own: the handler of
 *                      SIGUSR1, on a painted alternate stack of SIZE bytes
 *                      (default 8192) with an inaccessible page below it,
 *                      makes one mremap() call; afterwards the paint tells
 *                      how deep the stack went (the kernel's signal frame
 *                      included). One line per path:
 *
 *   PATH ok used=N headroom=M       (M = SIZE - N)
 *   PATH crashed (signal S)         the stack overflowed into the guard page
 *   PATH wrong: WHAT                the call answered wrongly
 *
 * Run with the library preloaded (emulation forced, or on the simulated
 * pre-5.7 kernel); tests/altstack.bats asserts every path's headroom.
 * Exit 0 when every path is ok.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define PAINT 0xa5
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static long P;

/* The call the handler makes, and what it must answer. */
static struct {
	void *old, *new_addr;
	size_t old_len, new_len;
	int flags;
	int expect_errno;   /* 0: success */
	void *ret;
	int err;
} c;

static void handler(int sig)
{
	int saved = errno;

	(void)sig;
	c.ret = mremap(c.old, c.old_len, c.new_len, c.flags, c.new_addr);
	c.err = c.ret == MAP_FAILED ? errno : 0;
	errno = saved;
}

static char *map(size_t pages, int prot, int flags)
{
	char *a = mmap(NULL, pages * P, prot, flags, -1, 0);

	if (a == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return a;
}

/* A place nobody uses, for FIXED destinations. */
static char *hole(size_t pages)
{
	char *a = map(pages, PROT_NONE, ANON | MAP_NORESERVE);

	return a;
}

/* [none][ pages, a VMA of its own ][none] */
static char *own_vma(size_t pages, int prot)
{
	char *g = map(pages + 2, PROT_NONE, ANON);
	char *a = g + P;

	mprotect(a, pages * P, RW);
	memset(a, 'A', pages * P);
	mprotect(a, pages * P, prot);
	return a;
}

static void set(void *old, size_t old_len, size_t new_len, int flags, void *new_addr, int e)
{
	c.old = old;
	c.old_len = old_len;
	c.new_len = new_len;
	c.flags = flags;
	c.new_addr = new_addr;
	c.expect_errno = e;
}

#define DU (MREMAP_MAYMOVE | MREMAP_DONTUNMAP)
#define DUF (MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED)
#define MVF (MREMAP_MAYMOVE | MREMAP_FIXED)

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* ---- the paths ---------------------------------------------------------- */

static void du_whole(void) { set(own_vma(4, RW), 4 * P, 4 * P, DU, NULL, 0); }

/* A garbage collector's call: the whole VMA into a reservation. */
static void du_whole_fixed(void) { set(own_vma(4, RW), 4 * P, 4 * P, DUF, hole(4), 0); }

static void du_whole_threads(void)
{
	pthread_t t;

	pthread_create(&t, NULL, idle, NULL);
	du_whole();
}

static void du_middle(void)
{
	char *a = own_vma(8, RW);

	set(a + 2 * P, 4 * P, 4 * P, DUF, hole(4), 0);
}

static void du_start(void)
{
	char *a = own_vma(8, RW);

	set(a, 4 * P, 4 * P, DUF, hole(4), 0);
}

static void du_busy_hint(void)
{
	char *busy = map(4, RW, ANON);

	set(own_vma(4, RW), 4 * P, 4 * P, DU, busy, 0);
}

static void du_readonly(void)
{
	char *a = own_vma(8, PROT_READ);

	set(a + P, 4 * P, 4 * P, DUF, hole(4), 0);
}

static void du_guard(void)
{
	char *a = own_vma(8, RW);

	madvise(a + P, P, MADV_GUARD_INSTALL); /* before 6.13: no guard, no matter */
	set(a, 4 * P, 4 * P, DUF, hole(4), 0);
}

static void du_shared(void)
{
	char *a = map(4, RW, MAP_SHARED | MAP_ANONYMOUS);

	memset(a, 'S', 4 * P);
	set(a, 4 * P, 4 * P, DU, NULL, 0);
}

static void du_file(void)
{
	char path[] = "/tmp/altstack.XXXXXX";
	int fd = mkstemp(path);
	char *a;

	if (fd < 0 || ftruncate(fd, 8 * P)) {
		perror("file");
		exit(2);
	}
	unlink(path);
	a = mmap(NULL, 8 * P, RW, MAP_PRIVATE, fd, 0);
	memset(a, 'F', 8 * P);
	set(a, 4 * P, 4 * P, DUF, hole(4), 0);
}

/*   [A rw][B r-][C rw] . [D rw]   -> FIXED, with or without DONTUNMAP */
static char *three(void)
{
	char *a = own_vma(6, RW);

	mprotect(a + P, P, PROT_READ);
	munmap(a + 3 * P, P);
	return a;
}

static void mv_three(void) { set(three(), 5 * P, 5 * P, MVF, hole(5), 0); }

static void mv_three_dontunmap(void) { set(three(), 5 * P, 5 * P, DUF, hole(5), 0); }

/* The destination cuts into the range's last VMA, beyond the range:
 *   [A rw][B r-- ..............]
 *   [ range  ]   [ destination ]  */
static void mv_nested(void)
{
	char *a = own_vma(10, RW);

	mprotect(a + 2 * P, 8 * P, PROT_READ);
	set(a, 4 * P, 4 * P, DUF, a + 6 * P, 0);
}

static void mv_nested_move(void)
{
	char *a = own_vma(10, RW);

	mprotect(a + 2 * P, 8 * P, PROT_READ);
	set(a, 4 * P, 4 * P, MVF, a + 6 * P, 0);
}

/* FIXED with a size change, the source crossing a VMA end: the guard
 * refuses before the kernel could unmap the destination. */
static void fixed_guard(void)
{
	char *a = own_vma(4, RW);

	mprotect(a + P, 3 * P, PROT_READ);
	set(a, 2 * P, 4 * P, MVF, map(4, RW, ANON), EFAULT);
}

/* No library work: the kernel's signal frame, the handler and mremap()
 * passing the call on. */
static void baseline(void) { set(own_vma(1, RW), P, P, 0, NULL, 0); }

static const struct path {
	const char *name;
	void (*setup)(void);
} paths[] = {
	{ "baseline", baseline },
	{ "dontunmap-whole-vma", du_whole },
	{ "dontunmap-whole-vma-fixed", du_whole_fixed },
	{ "dontunmap-whole-vma-other-threads", du_whole_threads },
	{ "dontunmap-middle", du_middle },
	{ "dontunmap-start", du_start },
	{ "dontunmap-busy-hint", du_busy_hint },
	{ "dontunmap-read-only", du_readonly },
	{ "dontunmap-guard", du_guard },
	{ "dontunmap-shared", du_shared },
	{ "dontunmap-private-file", du_file },
	{ "multi-vma-move", mv_three },
	{ "multi-vma-dontunmap", mv_three_dontunmap },
	{ "multi-vma-nested-dontunmap", mv_nested },
	{ "multi-vma-nested-move", mv_nested_move },
	{ "fixed-guard", fixed_guard },
};

static int run(const struct path *p, size_t size, int fd)
{
	size_t total = size + (size_t)P;
	char *s = map((total + P - 1) / P, RW, ANON);
	stack_t st = { .ss_sp = s + P, .ss_size = size };
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
	size_t i;

	mprotect(s, P, PROT_NONE); /* an overflow crashes, never corrupts */
	p->setup();
	memset(s + P, PAINT, size);
	if (sigaltstack(&st, NULL) || sigaction(SIGUSR1, &sa, NULL)) {
		perror("sigaltstack");
		return 2;
	}
	raise(SIGUSR1);
	for (i = 0; i < size && (unsigned char)s[P + i] == PAINT; i++)
		;
	if (c.err != c.expect_errno)
		dprintf(fd, "%s wrong: errno %d, expected %d\n", p->name, c.err, c.expect_errno);
	else
		dprintf(fd, "%s ok used=%zu headroom=%zu\n", p->name, size - i, i);
	return c.err != c.expect_errno;
}

int main(int argc, char **argv)
{
	size_t size = argc > 1 ? (size_t)atol(argv[1]) : 8192, i;
	int bad = 0;

	P = sysconf(_SC_PAGESIZE);
	/* One call first, outside any handler: what any program has done
	 * before its first signal (the C library's own lazy binding). */
	mremap(map(1, RW, ANON), P, P, 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(run(&paths[i], size, 1));
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return 2;
		}
		if (WIFSIGNALED(status)) {
			printf("%s crashed (signal %d)\n", paths[i].name, WTERMSIG(status));
			bad = 1;
		} else if (WEXITSTATUS(status)) {
			bad = 1;
		}
	}
	return bad;
}
