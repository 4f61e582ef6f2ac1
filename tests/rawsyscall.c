/* rawsyscall - calls mremap through syscall(2), bypassing libc's mremap:
 *   rawsyscall dontunmap   DONTUNMAP a page; prints what the ranges read
 *   rawsyscall others      other system calls with up to six arguments
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

int main(int argc, char **argv)
{
	long p = sysconf(_SC_PAGESIZE);

	if (argc > 1 && !strcmp(argv[1], "dontunmap")) {
		char *a = mmap(NULL, p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long r;

		strcpy(a, "data");
		r = syscall(SYS_mremap, a, p, p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
		if (r == -1) {
			printf("syscall(SYS_mremap): -1 %s\n", strerror(errno));
			return 1;
		}
		printf("new: %s, old: %s\n", (char *)r, a[0] ? "data" : "zeros");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "others")) {
		/* six arguments: mmap; three: a failing write (errno); none: getpid */
		long m = syscall(SYS_mmap, 0, p, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long w;

		if (m == -1 || ((char *)m)[0] != 0)
			return 1;
		errno = 0;
		w = syscall(SYS_write, -1, "x", 1);
		printf("mmap: ok, write(-1): %ld %s, getpid: %s\n", w, strerror(errno),
		       syscall(SYS_getpid) == getpid() ? "same" : "differs");
		return 0;
	}
	return 2;
}
