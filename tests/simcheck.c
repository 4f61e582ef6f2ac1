/* simcheck - the mremap() calls whose answers changed between kernels.
 *
 * Usage: simcheck [CASE...]   (default: every case)
 *
 * One line per case: its name, the answer (ok or the errno's name), and
 * whether the destination and the source are still mapped afterwards:
 *
 *   multi-vma: EFAULT dest=unmapped src=mapped
 *
 * The destination of every FIXED case is mapped beforehand, so that a
 * kernel that unmaps it before refusing (before 6.17) can be seen to.
 * It calls the ordinary mremap(): run it under mremap-compat to see the
 * library's answers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static long pg;
static char *arena; /* 64 pages: the source at 0, the destination at 32 */

static const char *mapped(void *p, size_t len)
{
	return msync(p, len, MS_ASYNC) == 0 ? "mapped" : "unmapped";
}

static void *map(char *at, size_t pages, int prot, int flags, int fd)
{
	return mmap(at, pages * pg, prot, flags | MAP_FIXED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
}

static void answer(const char *name, void *r, int e, size_t src_pages, size_t dst_pages)
{
	printf("%s: %s dest=%s src=%s\n", name,
	       r == MAP_FAILED ? (e == EINVAL ? "EINVAL" : e == EFAULT ? "EFAULT" : strerror(e)) : "ok",
	       dst_pages ? mapped(arena + 32 * pg, dst_pages * pg) : "n/a",
	       mapped(arena, src_pages * pg));
}

static void dest(size_t pages)
{
	map(arena + 32 * pg, pages, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
}

static void run_case(const char *name)
{
	int rw = PROT_READ | PROT_WRITE, fd;
	void *r;

	munmap(arena, 64 * pg);
	if (!strcmp(name, "du-private")) {
		map(arena, 2, rw, MAP_PRIVATE, -1);
		r = mremap(arena, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		answer(name, r, errno, 2, 0);
	} else if (!strcmp(name, "du-private-fixed")) {
		map(arena, 2, rw, MAP_PRIVATE, -1);
		dest(2);
		r = mremap(arena, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, arena + 32 * pg);
		answer(name, r, errno, 2, 2);
	} else if (!strcmp(name, "du-shared")) {
		map(arena, 2, rw, MAP_SHARED, -1);
		dest(2);
		r = mremap(arena, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, arena + 32 * pg);
		answer(name, r, errno, 2, 2);
	} else if (!strcmp(name, "du-file-private")) {
		char path[] = "/tmp/simcheck.XXXXXX";
		fd = mkstemp(path);
		if (fd < 0 || ftruncate(fd, 2 * pg) != 0)
			exit(1);
		unlink(path);
		map(arena, 2, rw, MAP_PRIVATE, fd);
		close(fd);
		dest(2);
		r = mremap(arena, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, arena + 32 * pg);
		answer(name, r, errno, 2, 2);
	} else if (!strcmp(name, "multi-vma")) {
		/* two VMAs (different protections) moved in one call */
		map(arena, 2, rw, MAP_PRIVATE, -1);
		map(arena + 2 * pg, 2, PROT_READ, MAP_PRIVATE, -1);
		dest(4);
		r = mremap(arena, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 32 * pg);
		answer(name, r, errno, 4, 4);
	} else if (!strcmp(name, "gap-at-end")) {
		/* one VMA, the range goes one page past its end */
		map(arena, 2, rw, MAP_PRIVATE, -1);
		dest(3);
		r = mremap(arena, 3 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 32 * pg);
		answer(name, r, errno, 2, 3);
	} else if (!strcmp(name, "one-vma-fixed")) {
		map(arena, 2, rw, MAP_PRIVATE, -1);
		dest(2);
		r = mremap(arena, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 32 * pg);
		answer(name, r, errno, 2, 2);
	} else if (!strcmp(name, "grow-fixed-across")) {
		/* a grow (a single-VMA call) whose old range crosses a VMA end */
		map(arena, 1, rw, MAP_PRIVATE, -1);
		map(arena + pg, 1, PROT_READ, MAP_PRIVATE, -1);
		dest(4);
		r = mremap(arena, 2 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, arena + 32 * pg);
		answer(name, r, errno, 2, 4);
	} else {
		fprintf(stderr, "simcheck: unknown case %s\n", name);
		exit(2);
	}
}

static const char *const all[] = {
	"du-private", "du-private-fixed", "du-shared", "du-file-private",
	"multi-vma", "gap-at-end", "one-vma-fixed", "grow-fixed-across",
};

int main(int argc, char **argv)
{
	size_t i;
	int k;

	pg = sysconf(_SC_PAGESIZE);
	arena = mmap(NULL, 64 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return 1;
	if (argc > 1)
		for (k = 1; k < argc; k++)
			run_case(argv[k]);
	else
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			run_case(all[i]);
	return 0;
}
