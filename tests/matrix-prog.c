/* matrix-prog - the compatibility matrix's probe: DONTUNMAP of private
 * anonymous and shared anonymous memory, and a move of a range made of
 * three VMAs and a gap, and addresses a quarter page off (4 KiB on 16 KiB
 * pages), each checked against what Linux 6.18 does.
 * Prints one line per check and "matrix-prog: ok" when all hold. */
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

static long P;
static int failed;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	failed |= !ok;
}

static char *anon(char *at, size_t len, int flags)
{
	return mmap(at, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
}

int main(void)
{
	char *arena, *a, *b;

	P = sysconf(_SC_PAGESIZE);
	arena = mmap(NULL, 64 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return 2;

	/* DONTUNMAP, private anonymous, FIXED into the arena. */
	a = anon(arena, 4 * P, MAP_PRIVATE);
	memset(a, 'p', 4 * P);
	b = mremap(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, arena + 32 * P);
	check("DONTUNMAP private anonymous", b == arena + 32 * P && b[0] == 'p' && b[4 * P - 1] == 'p' &&
	      a[0] == 0 && a[4 * P - 1] == 0);

	/* DONTUNMAP, shared anonymous, without FIXED: both ranges show the data. */
	a = anon(arena + 8 * P, 2 * P, MAP_SHARED);
	memset(a, 's', 2 * P);
	b = mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	check("DONTUNMAP shared anonymous", b != MAP_FAILED && b[0] == 's' && a[0] == 's' &&
	      (b[1] = 't', a[1] == 't'));

	/* A move of [rw][r-] gap [rw] to the arena's end: gaps keep their size. */
	a = anon(arena + 16 * P, 2 * P, MAP_PRIVATE);
	anon(arena + 19 * P, P, MAP_PRIVATE);
	strcpy(a, "one");
	strcpy(a + P, "two");
	strcpy(a + 3 * P, "three");
	mprotect(a + P, P, PROT_READ);
	b = mremap(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 48 * P);
	check("multi-VMA move", b == arena + 48 * P && !strcmp(b, "one") && !strcmp(b + P, "two") &&
	      !strcmp(b + 3 * P, "three") && mprotect(b + 2 * P, P, PROT_READ) == 0);

	/* Addresses a quarter page off (4 KiB on 16 KiB pages): EINVAL, as the
	 * kernel answers, and nothing moves. */
	a = anon(arena + 24 * P, 2 * P, MAP_PRIVATE);
	a[0] = 'q';
	errno = 0;
	b = mremap(a + P / 4, P, P, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, arena + 40 * P);
	check("DONTUNMAP of an address off the page: EINVAL", b == MAP_FAILED && errno == EINVAL && a[0] == 'q');
	errno = 0;
	b = mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, arena + 40 * P + P / 4);
	check("DONTUNMAP to an address off the page: EINVAL", b == MAP_FAILED && errno == EINVAL && a[0] == 'q');
	errno = 0;
	b = mremap(a + P / 4, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 40 * P);
	check("a move of an address off the page: EINVAL", b == MAP_FAILED && errno == EINVAL && a[0] == 'q');

	printf("matrix-prog: %s\n", failed ? "FAILED" : "ok");
	return failed;
}
