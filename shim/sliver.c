/* shim/sliver.c - a VMA's VmFlags without walking its pages.
 *
 * move+refill gives the refilled old range the VMA's madvise flags, name,
 * MAP_NORESERVE and charge (attrs.c, move.c); /proc/self/maps does not
 * show them, /proc/self/smaps does, at the price of a walk of the page
 * tables of every VMA up to the one asked for: 15-60 us per populated MiB,
 * tens of milliseconds for a garbage collector's heap of 1 GiB.
 *
 * smaps reports the VMAs in address order, and a VMA moved by mremap()
 * keeps its flags, its name and its anon_vma. So a sliver of the VMA is
 * moved below every other VMA of the process, where its record comes
 * first; that record is read, and the sliver moves back:
 *
 *   a          dummy   lowest                    S                  E
 *   [ sliver ] . [ ] . [ first VMA ] ......... [ hole ][ VMA ....... ]
 *   |                                          ^
 *   +------------------ moved back ------------+   merges again
 *
 * The read walks the sliver and the dummy only: seq_file formats the next
 * record when a read(2) has drained the previous one, so the record after
 * the sliver's must be cheap to walk: the one-page PROT_NONE dummy (never
 * the first VMA of the process, which may be the heap's own remainder).
 * Records are over 512 bytes and maps.c reads 1 KiB at a time: no third
 * record is formatted.
 *
 * The sliver merges back with the rest of its VMA: same flags, name,
 * policy and anon_vma, and its page offset is kept (copy_vma() resets it
 * only for a VMA without anon_vma; the caller has proved one: facts.c's
 * page of its own). It is the VMA's first page; or, where that page may
 * be part of a transparent huge page mapped by one PMD, the first whole
 * PMD block (moved as one entry, at a PMD-aligned address): a page split
 * off a huge PMD would split it for good, where the kernel's move keeps
 * it whole.
 *
 * Only alone (window.c): nobody else may see the hole, map into it, or
 * fork meanwhile. Not for a VMA whose previous neighbour touches it with
 * the same protection: the sliver could merge with that neighbour on its
 * way back where the VMA did not.
 */
#include <errno.h>
#include "compat/sys.h"
#include "shim/du.h"
#include "shim/sliver.h"
#include "shim/span.h"

#define SLIVER_FLOOR 0x10000UL /* vm.mmap_min_addr's usual value */

struct first_arg {
	unsigned long start, end;
	unsigned int vmflags;
	bool found;
};

/* The first record of smaps: the sliver's, or the sliver is not first. */
static int first_cb(const struct vma *v, void *arg)
{
	struct first_arg *a = arg;

	a->found = v->has_vmflags && v->start == a->start && v->end == a->end;
	a->vmflags = v->vmflags;
	return 1;
}

/* The PMD size: the page size times the entries of one page table. */
static unsigned long pmd_size(void)
{
	return mc_page_size * (mc_page_size / 8);
}

/* How much of v to move: its first page, unless a huge PMD may map it. */
static unsigned long sliver_size(const struct vma *v)
{
	unsigned long pmd = pmd_size();

	if (v->start % pmd == 0 && v->end - v->start >= pmd)
		return pmd;
	return mc_page_size;
}

/* Is the sliver's record read before anything else's, and back, safely? */
static bool sliver_fits(const struct vma *v, const struct mc_sliver_where *w,
			unsigned long size, unsigned long *at)
{
	unsigned long room = 3 * mc_page_size + size;

	if (mc_vma_kind(v) != VMA_ANON_PRIVATE || (v->vmflags & VMF_UFFD) ||
	    !vma_knows(v, VMF_UFFD))
		return false;
	if (v->path_len >= 6 && !__builtin_memcmp(v->path, "[stack", 6))
		return false; /* VM_GROWSDOWN */
	if (!w->lowest || w->lowest < room + SLIVER_FLOOR)
		return false;
	if (w->prev_touches)
		return false;
	*at = (w->lowest - room) & ~(size - 1);
	return *at >= SLIVER_FLOOR;
}

/* Merged again: the VMA is whole. (mprotect() there and back asks for a
 * merge should a kernel not have made it on the move.) Not inlined: its
 * request stays off the stack of the walk. */
static __attribute__((noinline)) void merge_back(const struct vma *v, unsigned long size)
{
	struct mremap_req whole = { .old = v->start, .old_len = v->end - v->start };

	if (mc_span(&whole) != SPAN_ONE_VMA &&
	    sys_mprotect(v->start, size, v->prot ? PROT_NONE : PROT_READ) == 0)
		sys_mprotect(v->start, size, v->prot);
}

bool mc_sliver_flags(struct vma *v, const struct mc_sliver_where *w)
{
	unsigned long size = sliver_size(v), at, dummy;
	struct first_arg a;
	long ret;

	if (!sliver_fits(v, w, size, &at))
		return false;
	dummy = w->lowest - 2 * mc_page_size;
	ret = sys_mmap(dummy, mc_page_size, PROT_NONE,
		       ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (ret != (long)dummy) {
		if (!sys_is_err(ret)) /* before 4.17: a hint, placed elsewhere */
			sys_munmap((unsigned long)ret, mc_page_size);
		return false;
	}
	/* (Before 6.17 a failed FIXED move may have unmapped its
	 * destination: nothing was there.) */
	ret = sys_mremap(v->start, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, at);
	if (ret != (long)at) {
		sys_munmap(dummy, mc_page_size);
		return false;
	}
	a = (struct first_arg){ at, at + size, 0, false };
	mc_maps_walk(0, true, first_cb, &a);
	sys_munmap(dummy, mc_page_size);
	/* The same checks as the move out, one mapping fewer: it succeeds. */
	sys_mremap(at, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, v->start);
	merge_back(v, size);
	if (!a.found)
		return false;
	v->vmflags = a.vmflags;
	v->has_vmflags = true;
	v->known = ~0u;
	return true;
}
