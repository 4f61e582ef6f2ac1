/* The userfaultfd probe (UFFDIO_CONTINUE) of a private anonymous VMA gives
 * it an anon_vma (6.8+: uffd_mfill_lock -> find_vma_and_prepare_anon runs
 * anon_vma_prepare() before the registration check). A refused call then
 * changes how VMAs merge later.
 *   A | B(r--) | C, all untouched; DONTUNMAP of A..B (crosses A's end): EFAULT
 * (argument 1: a FIXED same-size move starting in a gap before A,
 * EFAULT, nothing moved: the multi-VMA scan probes A, B, C)
 *   touch C (own anon_vma); mprotect B back to rw
 * native: A, B, C merge into one VMA (A has no anon_vma)
 * emulated: A got an anon_vma from the probe: no three-way merge. */
#include "common.h"

int main(int argc, char **argv)
{
	P = sysconf(_SC_PAGESIZE);
	char *g = mmap(NULL, 5 * P, PROT_NONE, ANON, -1, 0);
	char *p = g + P;
	int mode = argc > 1 ? atoi(argv[1]) : 0;

	mprotect(p, 3 * P, RW);
	mprotect(p + P, P, PROT_READ);
	show("before", p, g, g + 5 * P);
	if (mode == 0)
		res("DONTUNMAP A..B", mremap(p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	else {
		/* FIXED move-only starting in the gap before A: EFAULT */
		char *d = mmap(NULL, 5 * P, PROT_NONE, ANON, -1, 0);
		munmap(g, P); /* a real gap before A */
		res("FIXED move from gap", mremap(g, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, d));
	}
	p[2 * P] = 1;
	mprotect(p + P, P, RW);
	show("after touch C + mprotect B rw", p, g, g + 5 * P);
	return 0;
}
