/* shim/multivma.c - move a range that spans several VMAs (Linux 6.17+).
 *
 * Each VMA meeting the range moves as one single-VMA FIXED move; the gaps
 * between them keep their size and whatever is mapped in the gaps of the
 * destination stays:
 *
 *   old:  [ A ][B]   [  C  ]          ( . = gap )
 *          |   |  ...   |
 *   new:  [ A ][B] xx[  C  ]          xx: a mapping in a destination gap,
 *                                         untouched
 *
 * Refusals, as the kernel decides them (SPEC.md §5):
 *   no VMA in the range, or a gap at its start    EFAULT, nothing moved
 *   first VMA not multi-movable, range goes past   EFAULT, nothing moved
 *   a later VMA not multi-movable                  EFAULT, earlier pieces moved
 *   a piece's own move fails                       its errno, earlier pieces moved
 * Only the first VMA is judged before the first move: later ones are
 * judged at their turn, exactly as the kernel does.
 *
 * The maps are read as a stream while the pieces move. That is sound: the
 * reader resumes after the last VMA it reported, the pieces are moved in
 * address order, and the destination does not overlap the source.
 */
#include <errno.h>
#include <string.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/dontunmap.h"
#include "shim/maps.h"
#include "shim/multivma.h"

struct mv_walk {
	struct mremap_req *r;
	unsigned int emulated;
	unsigned long end;        /* old + old_len */
	bool seen;                /* a VMA has been met */
	unsigned long moved;      /* pieces moved so far */
	long ret;                 /* the answer so far */
};

/* vma_multi_allowed(): userfaultfd-armed VMAs need the mmap lock dropped
 * to notify; files whose driver places its own mappings (SysV shm) might
 * not honour FIXED. */
static bool vma_multi_allowed(const struct vma *v)
{
	if (v->has_vmflags && (v->vmflags & VMF_UFFD))
		return false;
	if (v->path_len >= 5 && !strncmp(v->path, "/SYSV", 5) && v->deleted)
		return false;
	return true;
}

/* Is DONTUNMAP on this VMA's kind emulated, or left to the kernel? */
static bool du_emulated_for(const struct vma *v, unsigned int emulated)
{
	unsigned int bit = mc_vma_kind(v) == VMA_ANON_PRIVATE ?
			   MREMAP_COMPAT_EMULATED_DONTUNMAP :
			   MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED;

	return emulated & bit;
}

static int mv_piece(const struct vma *v, void *arg)
{
	struct mv_walk *w = arg;
	struct mremap_req *r = w->r;
	unsigned long start, end, dest;
	struct vma cut;
	long ret;

	/* The destination never meets the range, but it may meet the part
	 * of the range's last VMA that lies beyond the range's end:
	 *
	 *   old  [ A ][ B ..................................... ]
	 *        [ range    )           [ destination    )
	 *                               ^ new: past the range's end
	 *
	 * Then the earlier pieces, moved to new, have cut B there: B now
	 * ends at new, and the streamed description is stale (its extent
	 * names no map_files entry any more; its mlock span covers the
	 * destination). The kernel looks each VMA up afresh and finds B
	 * ending at new: so does this. (h-safe: computed, not read again: a
	 * second walk would nest in this one, on a signal handler's small
	 * alternate stack.) */
	if (w->seen && v->start < w->end && v->end > w->end &&
	    r->new_addr < v->end && v->start < r->new_addr + r->new_len) {
		cut = *v;
		cut.end = r->new_addr;
		v = &cut;
	}

	if (v->start >= w->end)
		return 1; /* past the range */
	if (!w->seen && r->old < v->start) {
		w->ret = -EFAULT; /* a gap at the start */
		return 1;
	}
	start = v->start > r->old ? v->start : r->old;
	end = v->end < w->end ? v->end : w->end;
	/* The piece keeps its offset from old: gaps keep their size. */
	dest = r->new_addr + (start - r->old);
	if (!vma_multi_allowed(v) && (w->seen || v->end < w->end)) {
		w->ret = -EFAULT;
		return 1;
	}
	/* DONTUNMAP refusals (sealed, VM_DONTEXPAND...) come before the move:
	 * an old kernel's own refusal would come after it unmapped the
	 * piece's destination. */
	if (vrm_dontunmap(r) && (ret = mc_du_refusal(v))) {
		w->ret = ret;
		return 1;
	}
	if (vrm_dontunmap(r) && du_emulated_for(v, w->emulated))
		ret = mc_du_emulate(r, v, start, end - start, dest, true);
	else
		ret = sys_mremap(start, end - start, end - start,
				 r->flags & (MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP),
				 dest);
	if (sys_is_err(ret)) {
		w->ret = ret;
		return 1;
	}
	if (!w->seen)
		w->ret = ret; /* the answer: where the first piece landed */
	w->seen = true;
	w->moved++;
	return end == w->end; /* the range is done */
}

long mc_mv_move(struct mremap_req *r, unsigned int emulated)
{
	struct mv_walk w = {
		.r = r, .emulated = emulated, .end = vrm_old_end(r),
		.seen = false, .moved = 0, .ret = -EFAULT,
	};
	int err;

	/* VmFlags tell userfaultfd registrations (not multi-movable) and, for
	 * DONTUNMAP, what the emptied source must keep. */
	err = mc_maps_walk(r->old, true, mv_piece, &w);
	if (err < 0 && !w.seen) {
		r->why = "cannot read /proc/self/smaps: answering as an older kernel";
		return vrm_dontunmap(r) ? -EINVAL : -EFAULT;
	}
	if (is_err_ret(w.ret) && w.moved)
		r->why = "failed after moving some pieces, as the kernel does";
	return w.ret;
}
