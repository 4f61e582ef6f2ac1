/* The seal probe mprotect(vma, its own prot) is not a no-op under the
 * READ_IMPLIES_EXEC personality: mprotect adds PROT_EXEC to a VMA with
 * PROT_READ (and VM_MAYEXEC). A VMA mapped rw- before personality() is
 * then made rwx by a call the kernel refuses (or does).
 * argument 0: DONTUNMAP crossing the VMA's end (EFAULT)
 * argument 1: FIXED grow whose source crosses the VMA's end (guard.c, EFAULT)
 * argument 2: DONTUNMAP strictly inside the VMA (move+regrow, succeeds) */
#include "common.h"
#include <sys/personality.h>

int main(int argc, char **argv)
{
	P = sysconf(_SC_PAGESIZE);
	int mode = argc > 1 ? atoi(argv[1]) : 0;
	char *g = mmap(NULL, 6 * P, PROT_NONE, ANON, -1, 0);
	char *p = g + P;
	char *d = mmap(NULL, 8 * P, PROT_NONE, ANON, -1, 0);

	mprotect(p, 2 * P, RW);
	mprotect(p + 2 * P, 2 * P, PROT_READ);
	memset(p, 'x', 2 * P);
	personality(personality(0xffffffff) | READ_IMPLIES_EXEC);
	show("before", p, g, g + 6 * P);
	if (mode == 0)
		res("DONTUNMAP crossing", mremap(p, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	else if (mode == 1)
		res("FIXED grow crossing", mremap(p, 3 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, d));
	else
		res("DONTUNMAP inside", mremap(p + P, P, P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	show("after", p, g, g + 6 * P);
	return 0;
}
