/* tests/sliver.c - what shim/sliver.c relies on, asked of the running
 * kernel without the library: a sliver of a populated private anonymous
 * VMA, moved below every other VMA (a PROT_NONE page between it and the
 * process's first VMA), gives the first record of /proc/self/smaps, with
 * the VMA's VmFlags; moved back, it merges again, and nothing else has
 * changed: the extent, the VmFlags, AnonHugePages, the contents.
 *
 *   a          dummy   first VMA        heap
 *   [ sliver ] . [ ] . [ ... ] ....... [ hole ][ heap ......... ]
 *
 * The sliver is the heap's first page, or its first PMD (2 MiB) where the
 * heap starts on one: a page split off a huge PMD would split it for good.
 * Shapes: small pages, huge pages (MADV_HUGEPAGE), and both after fork()
 * (the anon_vma shared with a child). Prints one line per check; exit 0
 * when all held, 1 otherwise, 77 when there is no room below the first
 * VMA (a non-PIE program at 4 MiB: the library reads smaps then).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

#define PS 4096UL
#define PMD (2UL << 20)
#define LEN (4UL << 20)
#define FLOOR 0x10000UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static char text[1 << 22];
static int failed;

static const char *slurp(const char *path)
{
	size_t t = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	while (fd >= 0 && t < sizeof(text) - 4097 && (n = read(fd, text + t, 4096)) > 0)
		t += (size_t)n;
	text[t] = 0;
	if (fd >= 0)
		close(fd);
	return text;
}

/* The smaps record of the VMA that starts at a: its end, VmFlags line and
 * AnonHugePages (kB). */
struct rec {
	unsigned long end;
	long thp;
	char flags[256];
};

static int record(unsigned long a, struct rec *r)
{
	const char *s = slurp("/proc/self/smaps"), *h, *v, *e, *t;
	char hdr[40];

	snprintf(hdr, sizeof(hdr), "%lx-", a);
	for (h = strstr(s, hdr); h && h != s && h[-1] != '\n'; h = strstr(h + 1, hdr))
		;
	if (!h || !(v = strstr(h, "VmFlags:")) || !(e = strchr(v, '\n')))
		return 0;
	sscanf(strchr(h, '-') + 1, "%lx", &r->end);
	snprintf(r->flags, sizeof(r->flags), "%.*s", (int)(e - v), v);
	t = strstr(h, "AnonHugePages:");
	r->thp = t && t < v ? atol(t + 14) : -1;
	return 1;
}

/* The first record, read 1 KiB at a time as shim/maps.c reads: its start
 * and VmFlags line. */
static int first(unsigned long *start, char *flags, size_t n)
{
	char b[8192], *v, *e;
	size_t t = 0;
	ssize_t got;
	int fd = open("/proc/self/smaps", O_RDONLY), ok = 0;

	while (fd >= 0 && t + 1024 < sizeof(b) && (got = read(fd, b + t, 1024)) > 0) {
		t += (size_t)got;
		b[t] = 0;
		if ((v = strstr(b, "VmFlags:")) && (e = strchr(v, '\n'))) {
			snprintf(flags, n, "%.*s", (int)(e - v), v);
			ok = sscanf(b, "%lx", start) == 1;
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void check(const char *what, int ok)
{
	printf("  %s: %s\n", what, ok ? "yes" : "NO");
	failed += !ok;
}

static unsigned long first_vma(void)
{
	unsigned long s = 0;

	sscanf(slurp("/proc/self/maps"), "%lx", &s);
	return s;
}

static void shape(const char *name, int aligned, int huge, int forked)
{
	char *res = mmap(NULL, LEN + 2 * PMD, PROT_NONE, ANON | MAP_NORESERVE, -1, 0), *h;
	unsigned long size, low, at, dummy, i, start = 0;
	struct rec before, after;
	char flags[256];
	pid_t child = 0;
	int same = 1;
	long r;

	printf("%s\n", name);
	h = (char *)(((unsigned long)res + PMD - 1) & ~(PMD - 1)) + (aligned ? 0 : PS);
	if (mmap(h, LEN, PROT_READ | PROT_WRITE, ANON | MAP_FIXED | MAP_NORESERVE, -1, 0) != h) {
		check("heap mapped", 0);
		return;
	}
	if (huge)
		madvise(h, LEN, MADV_HUGEPAGE);
	madvise(h, LEN, MADV_DONTDUMP);
	for (i = 0; i < LEN; i += PS)
		h[i] = (char)(i / PS + 1);
	if (forked && (child = fork()) == 0) {
		pause();
		_exit(0);
	}
	record((unsigned long)h, &before);
	size = (unsigned long)h % PMD == 0 ? PMD : PS;
	low = first_vma();
	if (low < 3 * PS + size + FLOOR || ((low - 3 * PS - size) & ~(size - 1)) < FLOOR) {
		printf("SKIP: no room below the first VMA at %#lx\n", low);
		exit(77);
	}
	at = (low - 3 * PS - size) & ~(size - 1);
	dummy = low - 2 * PS;
	check("the dummy page placed", mmap((void *)dummy, PS, PROT_NONE,
					    ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0) ==
					       (void *)dummy);
	r = syscall(SYS_mremap, h, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, at);
	check("the sliver moved below every VMA", r == (long)at);
	if (r != (long)at)
		exit(1);
	check("its record comes first", first(&start, flags, sizeof(flags)) && start == at);
	check("with the VMA's VmFlags", !strcmp(flags, before.flags));
	munmap((void *)dummy, PS);
	r = syscall(SYS_mremap, at, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, h);
	check("moved back", r == (long)h);
	if (r != (long)h)
		exit(1);
	check("one VMA again", record((unsigned long)h, &after) && after.end == before.end);
	check("the same VmFlags", !strcmp(after.flags, before.flags));
	check("the same AnonHugePages", after.thp == before.thp);
	for (i = 0; i < LEN; i += PS)
		same &= h[i] == (char)(i / PS + 1);
	check("the same contents", same);
	if (child) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	munmap(res, LEN + 2 * PMD);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	shape("small pages, a one-page sliver", 0, 0, 0);
	shape("small pages, a PMD sliver", 1, 0, 0);
	shape("huge pages, a PMD sliver", 1, 1, 0);
	shape("small pages after fork, a one-page sliver", 0, 0, 1);
	shape("huge pages after fork, a PMD sliver", 1, 1, 1);
	printf("%d failed\n", failed);
	return failed != 0;
}
