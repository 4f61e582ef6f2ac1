/* shim/dontunmap.c - MREMAP_DONTUNMAP on one VMA, for every mapping kind.
 *
 * After a DONTUNMAP move the pages are at the new address and the old
 * range is still mapped, empty (doc/behaviour.md §4). Four strategies:
 *
 * alias (shared anonymous, shmem, memfd, shared file): no window.
 *     mremap(old, 0, len, MAYMOVE|FIXED, new) maps the same object again
 *     at new; the old range keeps its VMA and is emptied of page tables.
 *
 * move+regrow (private kinds, a range that does not start its VMA): zero
 *     copy, exact. The range moves; the VMA's part left of the hole grows
 *     back over it in place (see regrow()): the old VMA is whole again,
 *     with every attribute.
 *
 * move+refill (private anonymous, a whole VMA): zero copy.
 *     old [AAAA]          new [....]      move:   old [    ]  new [AAAA]
 *     refill with MAP_FIXED_NOREPLACE:     old [0000]
 *     The name, madvise flags, MAP_NORESERVE and charge are restored from
 *     smaps.
 *
 *     Both zero-copy strategies leave the old range free for one system
 *     call. They run only inside the call's window (window.c): every
 *     signal blocked, and the process single-threaded or its other
 *     threads parked (park.c); or with MREMAP_COMPAT_STRATEGY=zero-copy,
 *     at the caller's risk: another thread's mmap may then take the old
 *     range; the data is safe at new, the old range is theirs.
 *
 * copy (a range at the start of a VMA that goes on, or of a private file;
 *     private kinds under a userfaultfd, or with MREMAP_COMPAT_STRATEGY=
 *     race-free): the old VMA
 *     is never unmapped, so it keeps its userfaultfd registration and
 *     every attribute. Only present or swapped pages (and for a file, only
 *     private copies) are copied, as /proc/self/pagemap tells, so the copy
 *     raises no userfaultfd fault; then MADV_DONTNEED empties the old
 *     range. A refill there could not merge back into the rest of the VMA:
 *     it would get an offset from its address where a VMA moved before
 *     keeps its own, and for a file a reopened, different struct file.
 *     It too runs in the call's window, the other threads parked: a store
 *     between the copy and MADV_DONTNEED would be lost. (race-free parks
 *     nobody: that loss is its documented risk.)
 *
 * Where the other threads cannot be parked, private memory is refused
 * (EINVAL, as a kernel without DONTUNMAP answers); alias needs no window.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"
#include "shim/uffd.h"
#include "shim/window.h"

int mc_du_refusal(const struct vma *v)
{
	if (v->vmflags & VMF_SL)
		return -EPERM;
	if (mc_vma_kind(v) == VMA_SPECIAL)
		return -EINVAL;
	if (v->vmflags & (VMF_DE | VMF_PF | VMF_HT))
		return -EINVAL;
	return 0;
}

/* ---- one piece ------------------------------------------------------- */

enum du_strategy { DU_ALIAS, DU_REGROW, DU_REFILL, DU_COPY };

/* Which strategy for this piece (see the top of this file), before the
 * window rule (window.c) is asked. */
static enum du_strategy du_choose(struct mremap_req *r, const struct vma *v,
				  unsigned long old, unsigned long len, bool dest_in_vma,
				  enum mc_strategy strategy)
{
	enum mc_vma_kind kind = mc_vma_kind(v);
	bool uffd = v->vmflags & VMF_UFFD;

	if (kind == VMA_SHARED) {
		r->how = "alias";
		return DU_ALIAS;
	}
	if (uffd || strategy == MC_STRATEGY_RACE_FREE) {
		r->how = uffd ? "copy (userfaultfd-registered)" : "copy (race-free)";
		return DU_COPY;
	}
	/* (A destination inside the VMA itself replaces part of what would
	 * grow back.) */
	if (old > v->start && !dest_in_vma) {
		r->how = "move+regrow";
		return DU_REGROW;
	}
	if (kind == VMA_FILE_PRIVATE) {
		r->how = "copy (private file)";
		return DU_COPY;
	}
	/* The start of a VMA that goes on: a refill could not take the VMA's
	 * page offset (a moved VMA keeps its own), so it would not merge back
	 * with the rest. The copy leaves the VMA as it is. */
	if (old + len < v->end) {
		r->how = "copy (start of a VMA)";
		return DU_COPY;
	}
	r->how = "move+refill";
	return DU_REFILL;
}

long mc_du_emulate(struct mremap_req *r, const struct vma *v, unsigned long old,
		   unsigned long len, unsigned long new_addr, bool fixed)
{
	struct mc_controls scratch;
	enum mc_strategy strategy = mc_controls(&scratch)->strategy;
	struct mc_copy_files files = { -1, -1 };
	enum du_strategy how;
	unsigned long dest = new_addr;
	long fd = -1, ret;
	int err = mc_du_refusal(v);

	if (err)
		return err;
	/* A userfaultfd monitor among the parked threads would never read
	 * the event the kernel waits for (REMOVE after the copy's
	 * MADV_DONTNEED): they go; then the copy is refused below. */
	if (r->w.parked && mc_uffd_monitor_waits(v))
		mc_window_unpark(&r->w, UNPARK_UFFD);
	/* Without FIXED the destination is the library's own reservation,
	 * never inside the VMA: the strategy is known before it is made, and
	 * so is everything that can fail (the file reopened). */
	how = du_choose(r, v, old, len, fixed && dest < v->end && dest + len > v->start, strategy);
	/* Private memory moves or is copied only where nobody else runs
	 * (the call's window, window.c: one thread, or the others parked):
	 * nobody maps into the old range while it is free, and no store
	 * falls between the copy and the emptying of the old range. Where
	 * the others cannot be parked, the call is refused as a kernel
	 * without DONTUNMAP for this memory refuses it: nothing lost, nothing
	 * taken. (MREMAP_COMPAT_STRATEGY=zero-copy and race-free run
	 * without parking, at the caller's risk.) */
	if (how != DU_ALIAS && !r->w.alone && strategy == MC_STRATEGY_AUTO) {
		if (r->w.err) /* its own file: entry.c answers as the kernel */
			return r->w.err;
		r->why = "other threads could not be parked: answering as this kernel";
		return -EINVAL;
	}
	/* Only move+regrow does with the flags facts.c settles: the others
	 * give a new VMA the old one's flags (smaps, or a sliver's record of
	 * smaps: entry.c). */
	if (!v->has_vmflags && how != DU_REGROW) {
		ret = MC_ASK_SMAPS;
		goto out;
	}
	if (how == DU_COPY && mc_vma_kind(v) == VMA_FILE_PRIVATE) {
		fd = mc_reopen_vma_file(v);
		if (fd == -EMFILE || fd == -ENFILE)
			return fd; /* no descriptor: entry.c answers */
		if (fd < 0) {
			r->why = "cannot reopen the mapped file";
			return -EINVAL;
		}
	}
	if (how == DU_COPY && (err = mc_copy_open(&files)) < 0) {
		ret = err;
		goto out;
	}
	if (!fixed) {
		ret = mc_dest_reserve(new_addr, len);
		if (sys_is_err(ret))
			goto out;
		dest = (unsigned long)ret;
	}
	switch (how) {
	case DU_ALIAS:
		ret = mc_du_alias(v, old, len, dest, !fixed);
		break;
	case DU_COPY:
		ret = mc_du_copy(v, old, len, dest, !fixed, fd, &files);
		break;
	case DU_REGROW:
	case DU_REFILL:
	default:
		ret = mc_du_move(r, v, old, len, dest, !fixed, how == DU_REGROW, r->w.alone);
		break;
	}
out:
	mc_copy_close(&files);
	if (fd >= 0)
		sys_close((int)fd);
	return ret;
}
