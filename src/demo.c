/* mremap-compat-demo - shows the two behaviours the library brings:
 * a move of a range that spans several VMAs, and MREMAP_DONTUNMAP.
 * It calls the ordinary mremap(); run it under the mremap-compat wrapper. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "include/mremap_compat.h"

static void show(const char *what, const char *base, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo = (unsigned long)base, hi = lo + len, s, e;

	printf("  %s\n", what);
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
			printf("    +0x%05lx-+0x%05lx %.4s\n", s - lo, e - lo, strchr(line, ' ') + 1);
	if (f)
		fclose(f);
}

int main(void)
{
	long p = sysconf(_SC_PAGESIZE);
	char *arena, *src, *dst, *r;
	int ok = 1;

	/* An arena: the source at its start, the destination further on. */
	arena = mmap(NULL, 32 * p, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	munmap(arena, 32 * p);
	src = arena;
	dst = arena + 16 * p;

	puts("1. one mremap() moves three VMAs and a gap (Linux 6.17+):");
	mmap(src, 2 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	mmap(src + 3 * p, 2 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memcpy(src, "first", 6);
	memcpy(src + p, "second", 7);
	memcpy(src + 3 * p, "third", 6);
	mprotect(src + p, p, PROT_READ);
	show("before:", arena, 32 * p);
	r = mremap(src, 5 * p, 5 * p, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (r == MAP_FAILED) {
		printf("  mremap failed: %s (this kernel needs the library)\n", strerror(errno));
		ok = 0;
	} else {
		show("after:", arena, 32 * p);
		printf("  moved: \"%s\" \"%s\" \"%s\"\n", r, r + p, r + 3 * p);
	}
	munmap(arena, 32 * p);

	puts("2. MREMAP_DONTUNMAP keeps the old range mapped, empty (Linux 5.7+):");
	src = mmap(arena, 4 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	strcpy(src, "payload");
	r = mremap(src, 4 * p, 4 * p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, dst);
	if (r == MAP_FAILED) {
		printf("  mremap failed: %s (this kernel needs the library)\n", strerror(errno));
		ok = 0;
	} else {
		show("after:", arena, 32 * p);
		printf("  new range reads \"%s\"; old range still mapped, reads %s\n", r,
		       src[0] == 0 ? "zeros" : "data (unexpected)");
	}
	printf("library: %s\n", ok ? "both worked" : "not preloaded, or the kernel lacks them");
	return ok ? 0 : 1;
}
