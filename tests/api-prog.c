/* api-prog - linked with libmremap-compat-api: mremap() is the C
 * library's, mremap_compat() the library's. Both make the same
 * MREMAP_DONTUNMAP move of a private anonymous page and say what they got.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <mremap_compat.h>

static char *page(long size)
{
	char *a = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	strcpy(a, "data");
	return a;
}

static void say(const char *who, char *old, char *new)
{
	if (new == MAP_FAILED)
		printf("%s: %s\n", who, strerror(errno));
	else
		printf("%s: new: %s, old: %s\n", who, new, old[0] ? "data" : "zeros");
}

int main(void)
{
	long p = sysconf(_SC_PAGESIZE);
	char *a = page(p), *b = page(p);

	if (!a || !b)
		return 2;
	say("mremap", a, mremap(a, (size_t)p, (size_t)p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	say("mremap_compat", b,
	    mremap_compat(b, (size_t)p, (size_t)p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	printf("version: %s\n", mremap_compat_version());
	return 0;
}
