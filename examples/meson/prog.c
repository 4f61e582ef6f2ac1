/* prog - one MREMAP_DONTUNMAP move through the C library's name, mremap().
 * Linked with libmremap-compat, dynamically or statically, the call
 * reaches the library, which emulates it where the kernel lacks it (before
 * Linux 5.7): "mremap-compat --simulate=5.4 --no-library --debug ./prog"
 * prints an "emulated" line, then "new: data, old: zeros". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <mremap_compat.h> /* MREMAP_DONTUNMAP where <sys/mman.h> lacks it */

int main(void)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	char *old = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *new;

	if (old == MAP_FAILED)
		return 1;
	strcpy(old, "data");
	new = mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	if (new == MAP_FAILED) {
		printf("mremap: %s\n", strerror(errno));
		return 1;
	}
	printf("new: %s, old: %s\n", new, old[0] ? "data" : "zeros");
	printf("mremap-compat %s\n", mremap_compat_version());
	return 0;
}
