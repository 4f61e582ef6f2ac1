/* passthrough - calls that need nothing new, printed so that a run with the
 * library preloaded can be compared with one without: return value (relative
 * to an arena), errno, and the arena's layout. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static char *arena;
static long P;

static void layout(void)
{
	char line[512];
	unsigned long lo = (unsigned long)arena, hi = lo + 64 * P, s, e;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
			printf("  +%#lx-+%#lx %.4s\n", s - lo, e - lo, strchr(line, ' ') + 1);
	if (f)
		fclose(f);
}

static void result(const char *name, void *r)
{
	if (r == MAP_FAILED)
		printf("%s: -1 %s\n", name, strerror(errno));
	else if ((char *)r >= arena && (char *)r < arena + 64 * P)
		printf("%s: +%#lx\n", name, (unsigned long)((char *)r - arena));
	else
		printf("%s: elsewhere\n", name);
	layout();
}

static void fresh(void)
{
	munmap(arena, 64 * P);
	mmap(arena, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	mmap(arena + 8 * P, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	mmap(arena + 10 * P, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memset(arena, 'a', 4 * P);
}

int main(void)
{
	void *r;

	P = sysconf(_SC_PAGESIZE);
	arena = mmap(NULL, 64 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	fresh(); result("grow in place", mremap(arena, 4 * P, 6 * P, 0));
	fresh(); result("grow blocked, no MAYMOVE", mremap(arena + 8 * P, 2 * P, 3 * P, 0));
	fresh(); r = mremap(arena, 4 * P, 2 * P, 0); result("shrink", r);
	fresh(); result("grow with MAYMOVE", mremap(arena + 8 * P, 2 * P, 6 * P, MREMAP_MAYMOVE));
	fresh(); result("same size across VMAs, flags 0", mremap(arena + 8 * P, 4 * P, 4 * P, 0));
	fresh(); result("grow across VMAs", mremap(arena + 8 * P, 4 * P, 5 * P, 0));
	fresh(); result("FIXED grow", mremap(arena, 4 * P, 5 * P, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 20 * P));
	fresh(); result("FIXED shrink", mremap(arena, 4 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 20 * P));
	fresh(); result("unaligned old", mremap(arena + 1, P, 2 * P, MREMAP_MAYMOVE));
	fresh(); result("new_len 0", mremap(arena, P, 0, MREMAP_MAYMOVE));
	fresh(); result("unknown flag", mremap(arena, P, P, MREMAP_MAYMOVE | 64));
	fresh(); result("unmapped, grow", mremap(arena + 30 * P, P, 2 * P, MREMAP_MAYMOVE));
	fresh(); result("FIXED without MAYMOVE", mremap(arena, P, 2 * P, MREMAP_FIXED, arena + 20 * P));
	fresh(); result("DONTUNMAP with a size change", mremap(arena, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0));
	fresh(); result("DONTUNMAP without MAYMOVE", mremap(arena, P, P, MREMAP_DONTUNMAP, 0));
	return 0;
}
