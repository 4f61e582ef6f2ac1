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
 * Refusals, as the kernel decides them (doc/behaviour.md §5):
 *   no VMA in the range, or a gap at its start    EFAULT, nothing moved
 *   first VMA not multi-movable, range goes past   EFAULT, nothing moved
 *   a later VMA not multi-movable                  EFAULT, earlier pieces moved
 *   a piece's own move fails                       its errno, earlier pieces moved
 * Only the first VMA is judged before the first move: later ones are
 * judged at their turn, exactly as the kernel does.
 *
 * The maps are read as a stream while the pieces move, in address order
 * (the destination does not overlap the source). The reader does not
 * trust the kernel to resume a read after a move: after each read in
 * which a piece moved, it reads the file again from the end of that piece
 * (mc_maps_walk_moving(): 5.4 resumes by index and skipped pieces).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/controls.h"
#include "shim/dontunmap.h"
#include "shim/du.h"
#include "shim/facts.h"
#include "shim/kernel-only.h"
#include "shim/maps.h"
#include "shim/multivma.h"
#include "shim/validate.h"

struct mv_walk {
	struct mremap_req *r;
	unsigned int emulated;
	unsigned long end;        /* old + old_len */
	bool seen;                /* a VMA has been met */
	unsigned long moved;      /* pieces moved so far */
	long ret;                 /* the answer so far */
};

/* Files whose driver or filesystem has its own get_unmapped_area, other
 * than shmem, hugetlbfs and thp_get_unmapped_area: the kernel will not move
 * them as part of several VMAs (a placement of their own might not honour
 * FIXED). Not visible in the maps line itself; told by the file's kind:
 *
 *   SysV shm ("/SYSVxxxxxxxx (deleted)")       shm_get_unmapped_area
 *   a private mapping of /dev/zero (char 1:5)  get_unmapped_area_zero
 *   device DAX (/dev/daxN.M, char)             dax_get_unmapped_area
 *   a file on ramfs (statfs: RAMFS_MAGIC)      ramfs_mmu_get_unmapped_area
 *   io_uring rings ("anon_inode:[io_uring]")   io_uring_get_unmapped_area
 *
 * (A shared mapping of /dev/zero is shmem: "/dev/zero (deleted)", fine.)
 * Regular files on disk filesystems (ext4: thp_get_unmapped_area), tmpfs,
 * memfd and hugetlbfs are fine; other character devices are taken to have
 * no placement of their own. */
#define RAMFS_MAGIC 0x858458f6u

static bool is_sysv_shm(const struct vma *v)
{
	return v->path_len >= 5 && !strncmp(v->path, "/SYSV", 5) && v->deleted;
}

static bool is_zero_or_dax(const struct mc_stat *st, const struct vma *v)
{
	if (!S_ISCHR(st->mode))
		return false;
	if (major(st->rdev) == 1 && minor(st->rdev) == 5)
		return true;
	return v->path_len > 8 && !strncmp(v->path, "/dev/dax", 8);
}

static bool on_ramfs(long fd)
{
	unsigned long buf[32]; /* struct statfs: f_type comes first */

	if (sys6(SYS_fstatfs, fd, (long)buf, 0, 0, 0, 0))
		return false;
	return (unsigned int)buf[0] == RAMFS_MAGIC;
}

/* (Not inlined: its struct stat and statfs buffer would stay on the
 * stack of every piece's move, inside the maps walk.) */
static __attribute__((noinline)) bool driver_places_mappings(const struct vma *v)
{
	struct mc_stat st;
	bool placed = false;
	long fd;

	static const char io_uring[] = "anon_inode:[io_uring]";

	if (is_sysv_shm(v))
		return true;
	if (v->path_len == sizeof(io_uring) - 1 && !memcmp(v->path, io_uring, v->path_len))
		return true;
	if (mc_vma_kind(v) == VMA_ANON_PRIVATE || mc_vma_kind(v) == VMA_SPECIAL)
		return false;
	if (v->deleted || v->path_truncated || !v->path_len || v->path[0] != '/')
		return false; /* memfd, shared anonymous (shmem), unreachable files */
	fd = sys_openat(AT_FDCWD, v->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!sys_fstat_ids((int)fd, &st) && mc_vma_maps_file(v, st.dev, st.ino))
		placed = is_zero_or_dax(&st, v) || (S_ISREG(st.mode) && on_ramfs(fd));
	sys_close((int)fd);
	return placed;
}

/* vma_multi_allowed(): userfaultfd-armed VMAs need the mmap lock dropped
 * to notify; files whose driver places its own mappings might not honour
 * FIXED. */
static bool vma_multi_allowed(const struct vma *v)
{
	if (v->vmflags & VMF_UFFD)
		return false;
	return !driver_places_mappings(v);
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
	bool emulate;
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
	/* State only the kernel's own DONTUNMAP carries (uffd.c):
	 * the kernel moves the piece, or, lacking DONTUNMAP for this kind,
	 * the piece is refused as that kernel refuses it. */
	emulate = vrm_dontunmap(r) && du_emulated_for(v, w->emulated);
	if (emulate && mc_only_kernel_dontunmap(v, end - start, &r->how)) {
		if (!mc_kernel_dontunmaps(v)) {
			r->why = "state the emulation cannot carry: answering as this kernel";
			w->ret = -EINVAL;
			return 1;
		}
		r->why = "state only the kernel's DONTUNMAP carries";
		emulate = false;
	}
	if (!emulate && (v->vmflags & VMF_UFFD)) /* its monitor may be waited for */
		mc_window_unpark(&r->w, UNPARK_UFFD);
	if (emulate)
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

/* DONTUNMAP of a later private-file piece needs the file opened again (the
 * copy strategy; only the first piece can start inside its VMA and grow
 * back instead). Where it cannot be (unprivileged: /proc/self/map_files is
 * closed; the file deleted and no longer open), that piece would fail
 * after the earlier ones moved, where the kernel moves them all. So it is
 * decided before anything moves: EINVAL, as a kernel without DONTUNMAP
 * for files answers. Read from the maps (cheap). */
struct reopen_walk {
	const struct mremap_req *r;
	bool first;
	long err;
};

static int reopen_cb(const struct vma *v, void *arg)
{
	struct reopen_walk *w = arg;
	long fd, pm;

	/* Past the range, or a gap at its start (EFAULT, the main walk's
	 * answer). Gaps inside the range are moved across. */
	if (v->start >= vrm_old_end(w->r) || (w->first && v->start > w->r->old))
		return 1;
	if (w->first) {
		w->first = false;
		return 0;
	}
	if (mc_vma_kind(v) != VMA_FILE_PRIVATE)
		return 0;
	fd = mc_reopen_vma_file(v);
	if (fd < 0) {
		w->err = fd == -EMFILE || fd == -ENFILE ? fd : -EINVAL;
		return 1;
	}
	/* The copy of that piece holds the walk's descriptor, the file's and
	 * /proc/self/pagemap's at once: so does this. */
	pm = sys_openat(AT_FDCWD, "/proc/thread-self/pagemap", O_RDONLY | O_CLOEXEC);
	sys_close((int)fd);
	if (pm < 0) {
		w->err = pm;
		return 1;
	}
	sys_close((int)pm);
	return 0;
}

/* 0, or the error of a later private-file piece: -EINVAL (cannot be
 * opened again), -EMFILE or -ENFILE (no descriptor for its copy). */
static long later_file_unreopenable(const struct mremap_req *r)
{
	struct reopen_walk w = { r, true, 0 };

	if (mc_maps_walk(r->old, false, reopen_cb, &w) < 0)
		return 0;
	return w.err;
}

/* A move without DONTUNMAP asks one thing of each VMA that the maps line
 * does not say: is it registered with a userfaultfd (not multi-movable)?
 * Where every VMA of the range is private anonymous memory, facts.c's
 * probe answers it (sealing is the kernel's own check on each piece).
 * The maps are read once to ask, once to move. A registered VMA is not
 * settled: the move then reads smaps, which tell it. */
/* A range of at most SCAN_KEPT private anonymous VMAs is moved from what
 * the scan kept (the extent and protection: all mv_piece() asks of such a
 * VMA), without reading the maps a second time. */
#define SCAN_KEPT 8

struct kept_vma {
	unsigned long start, end;
	int prot;
};

struct scan_walk {
	const struct mremap_req *r;
	struct mc_facts *facts;
	unsigned long count;      /* every mapping: the vm.max_map_count check */
	bool settled;             /* so far, every VMA of the range answered */
	int nkept;                /* VMAs of the range; > SCAN_KEPT: not kept */
	struct kept_vma kept[SCAN_KEPT];
};

static int scan_cb(const struct vma *mv, void *arg)
{
	struct scan_walk *w = arg;
	struct vma v = *mv;

	w->count++;
	if (!w->settled || v.end <= w->r->old || v.start >= vrm_old_end(w->r))
		return 0;
	if (!mc_facts_settle(w->facts, &v, VMF_UFFD)) {
		w->settled = false;
		return 0;
	}
	if (w->nkept < SCAN_KEPT)
		w->kept[w->nkept] = (struct kept_vma){ v.start, v.end, v.prot };
	w->nkept++;
	return 0;
}

/* One walk of all of /proc/self/maps: the count of mappings, and can the
 * maps, without smaps, tell every VMA of the range? (Not for DONTUNMAP:
 * its pieces want every flag.) -errno when maps cannot be read. */
static int scan(struct scan_walk *w)
{
	struct mc_facts facts = MC_FACTS_INIT;
	int err;

	facts.call = &w->r->w;
	w->facts = &facts;
	w->count = 0;
	w->settled = !vrm_dontunmap(w->r);
	w->nkept = 0;
	if (w->settled) /* (outside the walk: a signal stack is small) */
		mc_facts_begin(&facts);
	err = mc_maps_walk(0, false, scan_cb, w);
	mc_facts_end(&facts);
	w->facts = NULL;
	w->settled = err >= 0 && w->settled;
	return err;
}

/* The move from the kept VMAs, as mc_maps_walk() would call mv_piece(). */
static void move_kept(const struct scan_walk *s, struct mv_walk *w)
{
	struct vma v;
	int i;

	for (i = 0; i < s->nkept; i++) {
		memset(&v, 0, sizeof(v));
		v.start = s->kept[i].start;
		v.end = s->kept[i].end;
		v.prot = s->kept[i].prot;
		v.path = "";
		v.known = VMF_UFFD | VMF_DE | VMF_PF | VMF_HT;
		if (mv_piece(&v, w))
			return;
	}
}

enum scan_result { SCAN_REFUSED, SCAN_MOVED, SCAN_WALK_MAPS, SCAN_WALK_SMAPS };

/* The scan, then the move from the kept VMAs where it can be; else which
 * file the walk of the move reads. (Not inlined: the kept VMAs leave the
 * stack before that walk, which may run on a small signal stack.) */
static __attribute__((noinline)) enum scan_result
scan_and_move(struct mremap_req *r, struct mv_walk *w, long *refusal)
{
	struct scan_walk s = { .r = r };

	if (scan(&s) >= 0 && (*refusal = mc_map_count_refusal(r, s.count)))
		return SCAN_REFUSED;
	if (!s.settled)
		return SCAN_WALK_SMAPS;
	if (s.nkept > SCAN_KEPT)
		return SCAN_WALK_MAPS;
	move_kept(&s, w);
	return SCAN_MOVED;
}

long mc_mv_move(struct mremap_req *r, unsigned int emulated)
{
	struct mv_walk w = {
		.r = r, .emulated = emulated, .end = vrm_old_end(r),
		.seen = false, .moved = 0, .ret = -EFAULT,
	};
	struct mc_controls scratch;
	enum scan_result how;
	long edge = 0;
	int err = 0;

	/* The call's window (entry.c) could not park the other threads: an
	 * emulated DONTUNMAP is refused before anything moves (its pieces
	 * would be); a plain move goes on, piece by piece, which loses
	 * nothing but is not atomic to the others or to a fork(). */
	if (!r->w.alone && mc_controls(&scratch)->strategy == MC_STRATEGY_AUTO) {
		if (vrm_dontunmap(r) && (emulated & (MREMAP_COMPAT_EMULATED_DONTUNMAP |
						     MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED))) {
			if (r->w.err) /* its own file: entry.c answers as the kernel */
				return r->w.err;
			r->why = "other threads could not be parked: answering as this kernel";
			return -EINVAL;
		}
		r->why = "other threads could not be parked: moved piece by piece";
	}
	how = scan_and_move(r, &w, &edge);
	if (how == SCAN_REFUSED)
		return edge;
	if (vrm_dontunmap(r) && (emulated & MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED) &&
	    (edge = later_file_unreopenable(r))) {
		if (edge == -EINVAL)
			r->why = "cannot reopen the mapped file of a later piece: refused before anything moved";
		return edge; /* (EMFILE, ENFILE: entry.c answers) */
	}
	/* VmFlags tell userfaultfd registrations (not multi-movable) and, for
	 * DONTUNMAP, what the emptied source must keep: from smaps, unless the
	 * probes of facts.c could tell (none registered). */
	r->read = how == SCAN_WALK_SMAPS ? "smaps" : "maps";
	if (how != SCAN_MOVED)
		err = mc_maps_walk_moving(r->old, how == SCAN_WALK_SMAPS, mv_piece, &w);
	/* The maps unreadable: the error of the library's own read, which
	 * entry.c answers as the kernel would (mc_own_failure()). */
	if (err < 0) {
		r->changed = w.moved != 0;
		return err;
	}
	if (is_err_ret(w.ret) && w.moved)
		r->why = "failed after moving some pieces, as the kernel does";
	r->changed = is_err_ret(w.ret) && w.moved;
	return w.ret;
}
