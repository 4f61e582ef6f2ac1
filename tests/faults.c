/* faults - the emulation when resources run out. Prints, per case, the
 * answer (address relative to the source, or errno) and whether every byte
 * is still reachable, so that native and emulated runs can be compared.
 *
 *   faults mapcount   the process at vm.max_map_count
 *   faults rlimit-as  RLIMIT_AS leaves no room for the new range
 *   faults memlock    RLIMIT_MEMLOCK allows no more (run unprivileged)
 *   faults noproc     (run with /proc hidden) what needs the VMA list
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static long P;

static void fill(char *p, size_t len, char c)
{
	memset(p, c, len);
}

static int all(const char *p, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* Where is the data now: at the old address, the new one, or lost? */
static void report(const char *name, char *r, char *old, char *new, size_t len, char c, int err)
{
	const char *where;

	if (r == MAP_FAILED)
		printf("%s: -1 %s", name, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		printf("%s: %s", name, r == new ? "moved" : "elsewhere");
	if (r != MAP_FAILED && all(r, len, c))
		where = "data at the new address";
	else if (all(old, len, c))
		where = "data at the old address";
	else
		where = "DATA LOST";
	printf(", %s\n", where);
}

/* Fills the address space with single-page VMAs of alternating protection
 * until mmap says ENOMEM; returns how many. */
static long exhaust(char **base)
{
	long n = 0, cap = 70000;
	char *b = mmap(NULL, cap * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (b == MAP_FAILED)
		return -1;
	for (n = 0; n < cap; n += 2)
		if (mprotect(b + n * P, P, PROT_READ))
			break;
	*base = b;
	return n;
}

static int mode_mapcount(void)
{
	char *base, *a, *dst, *r;
	long n;

	/* Prepare the sources before the address space fills up. */
	a = mmap(NULL, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, 8 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(a, 8 * P, 'm');
	mprotect(a + 4 * P, 4 * P, PROT_READ); /* two VMAs */
	n = exhaust(&base);
	if (n < 0)
		return 1;
	errno = 0;
	r = mremap(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	report("DONTUNMAP at the map count limit", r, a, r, 4 * P, 'm', errno);
	errno = 0;
	r = mremap(a, 8 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	report("multi-VMA move at the map count limit", r, a, dst, 4 * P, 'm', errno);
	return 0;
}

static long vm_size(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int mode_rlimit_as(void)
{
	char *a = mmap(NULL, 64 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *r;
	struct rlimit rl;

	fill(a, 64 * P, 'a');
	rl.rlim_cur = rl.rlim_max = (rlim_t)(vm_size() * 1024 + 16 * P);
	if (setrlimit(RLIMIT_AS, &rl))
		return 1;
	errno = 0;
	r = mremap(a, 64 * P, 64 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	report("DONTUNMAP beyond RLIMIT_AS", r, a, r, 64 * P, 'a', errno);
	return 0;
}

/* Is the VMA at addr mlocked (smaps VmFlags "lo")? */
static const char *locked(const char *addr)
{
	char line[512];
	unsigned long s, e, a = (unsigned long)addr;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	const char *answer = "unmapped";

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = s <= a && a < e;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			answer = strstr(line, " lo") ? "locked" : "not locked";
			break;
		}
	}
	if (f)
		fclose(f);
	return answer;
}

/* RLIMIT_MEMLOCK allows exactly the source: DONTUNMAP of its middle. The
 * kernel charges the new range without checking the limit (and clears the
 * old VMA's lock). Run unprivileged: CAP_IPC_LOCK ignores the limit. */
static int mode_memlock(void)
{
	struct rlimit rl = { (rlim_t)(4 * P), (rlim_t)(4 * P) };
	char *a = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *r;

	fill(a, 4 * P, 'l');
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || mlock(a, 4 * P)) {
		printf("SKIP: mlock under RLIMIT_MEMLOCK: %s\n", strerror(errno));
		return 77;
	}
	errno = 0;
	r = mremap(a + P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	report("DONTUNMAP of mlocked memory at RLIMIT_MEMLOCK", r, a + P, r, 2 * P, 'l', errno);
	if (r != MAP_FAILED)
		printf("new range %s, old VMA %s\n", locked(r), locked(a));
	return 0;
}

static int mode_noproc(void)
{
	char *a = mmap(NULL, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = mmap(NULL, 8 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *r;

	fill(a, 8 * P, 'n');
	mprotect(a + 4 * P, 4 * P, PROT_READ);
	errno = 0;
	r = mremap(a, 8 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	report("multi-VMA move without /proc", r, a, dst, 8 * P, 'n', errno);
	a = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(a, 4 * P, 'o');
	errno = 0;
	r = mremap(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	report("DONTUNMAP without /proc", r, a, r, 4 * P, 'o', errno);
	return 0;
}

int main(int argc, char **argv)
{
	P = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "mapcount"))
		return mode_mapcount();
	if (argc > 1 && !strcmp(argv[1], "rlimit-as"))
		return mode_rlimit_as();
	if (argc > 1 && !strcmp(argv[1], "memlock"))
		return mode_memlock();
	if (argc > 1 && !strcmp(argv[1], "noproc"))
		return mode_noproc();
	fprintf(stderr, "usage: faults mapcount|rlimit-as|noproc\n");
	return 2;
}
