/* tests/facts.c - the probes of shim/facts.c, one scenario per argument.
 * Run with the library preloaded, MREMAP_COMPAT_EMULATE=all and
 * MREMAP_COMPAT_DEBUG=1; tests/facts.bats reads what it prints and the
 * library's debug line (which file it read).
 *
 *   no-trace   refused calls that ran the probes leave /proc/self/smaps
 *              byte for byte as it was
 *   inside     DONTUNMAP inside a VMA: data moved, the old range empty
 *   sealed     DONTUNMAP inside a sealed VMA: EPERM, nothing changed
 *   registered DONTUNMAP inside a userfaultfd-registered VMA
 *   exec       DONTUNMAP inside an executable VMA
 *   filtered   DONTUNMAP inside a VMA, in a thread whose seccomp filter
 *              kills the process on userfaultfd()
 *   multi-anon a FIXED move across three private anonymous VMAs
 *   multi-file the same with a private file mapping among them
 * Exit 77: the scenario cannot run here (printed).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static long P;
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void skip(const char *why)
{
	printf("skip: %s\n", why);
	exit(77);
}

/* npages of private anonymous memory that merge with nothing: a PROT_NONE
 * page on each side. Page i holds 'A' + i. */
static char *isolated(int npages, int prot)
{
	char *area = mmap(NULL, (size_t)(npages + 2) * P, PROT_NONE, ANON, -1, 0);
	char *a = area + P;
	int i;

	if (area == MAP_FAILED || mmap(a, (size_t)npages * P, RW, ANON | MAP_FIXED, -1, 0) != a) {
		perror("mmap");
		exit(1);
	}
	for (i = 0; i < npages; i++)
		a[i * P] = (char)('A' + i);
	if (prot != RW && mprotect(a, (size_t)npages * P, prot)) {
		perror("mprotect");
		exit(1);
	}
	return a;
}

static void ret_line(void *r)
{
	if (r == MAP_FAILED)
		printf("ret=-1 errno=%s\n", strerrorname_np(errno));
	else
		printf("ret=ok\n");
}

/* DONTUNMAP of pages [1, 3) of a 4-page VMA: the data at new, the old
 * range empty and still mapped. */
static char *dontunmap_middle(char *a)
{
	char *n = mremap(a + P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);

	ret_line(n);
	if (n != MAP_FAILED)
		printf("new: %c %c\n", n[0], n[P]);
	return n;
}

static void inside_of(char *a)
{
	if (dontunmap_middle(a) != MAP_FAILED)
		printf("old: %d %d ends: %c %c\n", a[P], a[2 * P], a[0], a[3 * P]);
}

/* ---- no-trace ----------------------------------------------------------- */

static char before[1 << 20], after[1 << 20];

static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	while (fd >= 0 && n < cap && (r = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)r;
	close(fd);
	return n;
}

/* Drops the smaps lines that change without the process doing anything:
 * the resident and referenced counts of file pages (reclaim, DAMON's
 * access sampling). What a probe could leave stays: every VMA's header,
 * VmFlags, its anonymous and dirty pages, swap and locked sizes. */
static size_t stable_lines(char *buf, size_t n)
{
	static const char *const drop[] = { "Rss:", "Pss", "Shared_Clean:", "Private_Clean:",
					    "Referenced:", "LazyFree:" };
	size_t in = 0, out = 0, len, k;

	while (in < n) {
		char *nl = memchr(buf + in, '\n', n - in);
		bool keep = true;

		len = nl ? (size_t)(nl - (buf + in)) + 1 : n - in;
		for (k = 0; k < sizeof(drop) / sizeof(drop[0]); k++)
			if (!strncmp(buf + in, drop[k], strlen(drop[k])))
				keep = false;
		if (keep) {
			memmove(buf + out, buf + in, len);
			out += len;
		}
		in += len;
	}
	return out;
}

static void __attribute__((noinline)) touch_stack(void)
{
	volatile char pad[256 * 1024];

	memset((char *)pad, 0, sizeof(pad));
}

static void no_trace(void)
{
	char *a = isolated(4, RW), *b = isolated(4, PROT_READ), *c = isolated(4, RW);
	size_t n1, n2;
	void *r;

	madvise(c, 4 * P, MADV_DONTNEED); /* no page left (the anon_vma
					    stays, unseen): smaps is read */
	touch_stack();
	/* Once before the snapshot: the pages of code and data the calls and
	 * printf touch (of the program, libc, the library) are in. */
	r = mremap(a + 2 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	r = mremap(a + 2 * P, 4 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x7d0000000000UL);
	printf("warm: ");
	ret_line(r);
	memset(before, 1, sizeof(before)); /* the snapshots' own pages */
	memset(after, 1, sizeof(after));
	n1 = stable_lines(before, slurp("/proc/self/smaps", before, sizeof(before)));
	/* DONTUNMAP of a range that runs past the end of its VMA: settled
	 * by the probes, then EFAULT */
	r = mremap(a + 2 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	ret_line(r);
	r = mremap(b + 2 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	ret_line(r);
	r = mremap(c + 2 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	ret_line(r);
	/* a FIXED grow whose source runs past the end (the guard's probe) */
	r = mremap(a + 2 * P, 4 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x7d0000000000UL);
	ret_line(r);
	n2 = stable_lines(after, slurp("/proc/self/smaps", after, sizeof(after)));
	printf("smaps %s\n", n1 == n2 && !memcmp(before, after, n1) ? "unchanged" : "CHANGED");
	if (n1 != n2 || memcmp(before, after, n1)) {
		fwrite(before, 1, n1, stdout);
		printf("---- after\n");
		fwrite(after, 1, n2, stdout);
	}
}

/* ---- the others --------------------------------------------------------- */

static void sealed(void)
{
	char *a = isolated(4, RW);

	if (syscall(SYS_mseal, a, 4 * P, 0))
		skip("mseal not here");
	inside_of(a);
	printf("after: %c %c %c %c\n", a[0], a[P], a[2 * P], a[3 * P]);
}

static void registered(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	char *a = isolated(4, RW);
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	if (fd < 0 || ioctl((int)fd, UFFDIO_API, &api))
		skip("no userfaultfd for this user");
	reg.range.start = (unsigned long)a;
	reg.range.len = 4 * P;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl((int)fd, UFFDIO_REGISTER, &reg))
		skip("UFFDIO_REGISTER failed");
	/* (a read of the emptied old range would wait for a handler) */
	dontunmap_middle(a);
}

static void filtered(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_userfaultfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	char *a = isolated(4, RW);

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		skip("cannot install a seccomp filter");
	inside_of(a);
}

/* Three VMAs side by side (protections alternate: no merge), moved as one
 * range; file: the middle one a private mapping of a file. */
static void multi(bool file)
{
	char *area = mmap(NULL, 8 * P, PROT_NONE, ANON, -1, 0), *n;
	char path[] = "/tmp/facts-XXXXXX";
	int fd;

	mmap(area + P, P, RW, ANON | MAP_FIXED, -1, 0);
	mmap(area + 3 * P, P, RW, ANON | MAP_FIXED, -1, 0);
	mmap(area + 2 * P, P, RW, ANON | MAP_FIXED, -1, 0);
	area[2 * P] = 'y'; /* every VMA has a page of its own: an anon_vma */
	mprotect(area + 2 * P, P, PROT_READ);
	if (file) {
		fd = mkstemp(path);
		if (fd < 0 || ftruncate(fd, P) ||
		    mmap(area + 2 * P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) != area + 2 * P)
			skip("cannot map a file");
		unlink(path);
	}
	area[P] = 'x';
	area[3 * P] = 'z';
	n = mremap(area + P, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x7d0000000000UL);
	ret_line(n);
	if (n != MAP_FAILED)
		printf("moved: %c %c\n", n[0], n[2 * P]);
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";

	P = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(s, "no-trace"))
		no_trace();
	else if (!strcmp(s, "inside"))
		inside_of(isolated(4, RW));
	else if (!strcmp(s, "sealed"))
		sealed();
	else if (!strcmp(s, "registered"))
		registered();
	else if (!strcmp(s, "exec"))
		inside_of(isolated(4, PROT_READ | PROT_EXEC));
	else if (!strcmp(s, "filtered"))
		filtered();
	else if (!strcmp(s, "multi-anon"))
		multi(false);
	else if (!strcmp(s, "multi-file"))
		multi(true);
	else
		return 2;
	return 0;
}
