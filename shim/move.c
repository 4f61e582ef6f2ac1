/* shim/move.c - move+regrow and move+refill: private kinds, zero copy. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"
#include "shim/span.h"

/* A private VMA made writable once stays charged (VM_ACCOUNT, smaps "ac")
 * after losing PROT_WRITE; a new read-only mapping is not, and would not
 * merge with its neighbours as the kernel's emptied VMA does. Map such a
 * range writable first, then take the write permission away. */
static bool charged_read_only(const struct vma *v)
{
	return v->has_vmflags && (v->vmflags & VMF_AC) && !(v->prot & PROT_WRITE);
}

static int refill_prot(const struct vma *v)
{
	return charged_read_only(v) ? v->prot | PROT_WRITE : v->prot;
}

/* The refill of a charged read-only range, mapped writable, loses its
 * write permission. The kernel keeps the charge only on a VMA that has an
 * anon_vma (6.x drops VM_ACCOUNT from an unfaulted one on mprotect), and
 * inside a VMA whose other parts have an anon_vma it merges the refill
 * back only if it has one too: so one byte is written first.
 *
 *   [ A r-- anon_vma ][ refill rw- ][ A r-- anon_vma ]
 *         write one byte -> the refill gets an anon_vma (no page kept)
 *   [ A r-- .......................................... ]  after mprotect
 */
static void restore_read_only(const struct vma *v, unsigned long old, unsigned long len)
{
	*(volatile char *)old = 0;
	sys_mprotect(old, len, v->prot);
	sys_madvise(old, mc_page_size, MADV_DONTNEED);
}

/* ---- move+regrow, move+refill ----------------------------------------------------- */

struct free_arg {
	unsigned long start, end;
	bool busy;
};

static int free_cb(const struct vma *v, void *arg)
{
	struct free_arg *a = arg;

	a->busy = v->start < a->end;
	return 1;
}

/* Is [start, end) one VMA? The cheap check of span.c: one system call. */
static bool one_vma(unsigned long start, unsigned long end)
{
	struct mremap_req q = { .old = start, .old_len = end - start };

	return mc_span(&q) == SPAN_ONE_VMA;
}

/* Kernels before 6.1 (5.10 among them) grow a VMA in place without
 * merging it with the next one: the regrown VMA and R stay two. A change
 * of protection there and back makes mprotect() merge them, as its merge
 * looks at both neighbours:
 *
 *   [ L ....... ][ R ]   mprotect(hole, other)   [ L ][ x ][ R ]
 *                        mprotect(hole, prot)    [ L ........ R ]
 *
 * The regrown part holds no page (it was just emptied), so this costs two
 * system calls and no page-table work. Only inside the window (window.c):
 * nobody else may look at the range while its protection is changed. */
static void merge_with_next(const struct vma *v, unsigned long old, unsigned long len)
{
	int other = v->prot ? PROT_NONE : PROT_READ;

	if (old + len >= v->end || one_vma(v->start, v->end))
		return;
	if (sys_mprotect(old, len, other) == 0)
		sys_mprotect(old, len, v->prot);
}

/* The part of the VMA left of the hole grows back over it, in place:
 *
 *   [ L ][ moved ][ R ]  ->  [ L ][ hole ][ R ]  ->  [ L ........ ][ R ]
 *
 * It is the same VMA: same file and offset, anon_vma, name, madvise flags,
 * userfaultfd registration; the kernel merges it with R again (before 6.1,
 * merge_with_next() asks it to). The mlock flags go first (the kernel
 * clears them on the whole old VMA, and a locked VMA would populate what
 * it grows by). */
static bool regrow(const struct vma *v, unsigned long old, unsigned long len)
{
	if (vma_may_be_locked(v)) {
		sys_munlock(v->start, old - v->start);
		if (old + len < v->end)
			sys_munlock(old + len, v->end - (old + len));
	}
	if (sys_mremap(v->start, old - v->start, old + len - v->start, 0, 0) != (long)v->start)
		return false;
	merge_with_next(v, old, len);
	return true;
}

/* Is the old range still free, after the move? Alone in the window,
 * nobody can have mapped there; otherwise the maps tell. */
static bool old_range_free(unsigned long old, unsigned long len, bool alone)
{
	struct free_arg a = { old, old + len, true };

	return alone || (mc_maps_walk(old, false, free_cb, &a) >= 0 && !a.busy);
}

long mc_du_move(struct mremap_req *r, const struct vma *v,
		unsigned long old, unsigned long len,
		unsigned long dest, bool reserved, bool try_regrow, bool alone)
{
	int map = MAP_PRIVATE | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS;
	long ret, refill;

	ret = sys_mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	if (sys_is_err(ret)) {
		/* Alone, the reservation (or the hole an old kernel's failed
		 * FIXED move left) is nobody else's. */
		if (reserved && alone)
			sys_munmap(dest, len);
		else if (reserved)
			mc_dest_release(dest, len);
		return ret;
	}
	if (try_regrow && regrow(v, old, len))
		return ret;
	/* The refill needs the flags of smaps: without them, the piece goes
	 * back (the old range is still a hole: nobody can have mapped into
	 * it) and the caller asks again with smaps. */
	if (!v->has_vmflags && old_range_free(old, len, alone) &&
	    !sys_is_err(sys_mremap(ret, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, old)))
		return MC_ASK_SMAPS;
	if (v->has_vmflags && (v->vmflags & VMF_NR))
		map |= MAP_NORESERVE;
	if (v->has_vmflags && (v->vmflags & VMF_GD))
		map |= MAP_GROWSDOWN;
	/* Only regrow() refills a file mapping; an anonymous refill would
	 * change the mapping's kind. */
	if (mc_vma_kind(v) == VMA_FILE_PRIVATE) {
		refill = old_range_free(old, len, alone) ? -ENOMEM : -EEXIST;
	} else {
		refill = sys_mmap(old, len, refill_prot(v), map, -1, 0);
	}
	if (refill == (long)old) {
		if (refill_prot(v) != v->prot)
			restore_read_only(v, old, len);
		mc_attrs_copy(v, old, len);
		mc_attrs_mark_guarded(v, old);
		mc_attrs_unlock_old(v);
		return ret;
	}
	if (!sys_is_err(refill)) { /* before 4.17: a hint, placed elsewhere */
		sys_munmap((unsigned long)refill, len);
		refill = -EEXIST;
	}
	if (refill == -EEXIST) {
		/* Another thread mapped into the old range after the move:
		 * it is theirs; the data is safe at the new address. */
		r->how = "move+refill, old range taken by another thread";
		return ret;
	}
	/* The refill failed (ENOMEM at the map count limit, say): move the
	 * data back if the old range is still free, and fail as the kernel
	 * would; otherwise keep it where it is reachable. */
	if (old_range_free(old, len, alone) &&
	    !sys_is_err(sys_mremap(ret, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, old)))
		return refill;
	r->how = "move+refill, old range could not be refilled";
	return ret;
}
