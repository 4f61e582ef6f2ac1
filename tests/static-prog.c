/* static-prog - calls mremap() with MREMAP_DONTUNMAP through the C
 * library's name only; linked statically with libmremap-compat.a, the
 * library's strong mremap must win over libc's weak alias. */
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

int main(void)
{
	long p = sysconf(_SC_PAGESIZE);
	char *a = mmap(NULL, 2 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b;

	strcpy(a, "data");
	b = mremap(a, 2 * p, 2 * p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	if (b == MAP_FAILED) {
		printf("mremap: %s\n", strerror(errno));
		return 1;
	}
	printf("new: %s, old: %s\n", b, a[0] ? "data" : "zeros");
	return 0;
}
