/* shim/entry.c - one mremap call: decode, validate, decide, execute.
 *
 *   mremap_compat(old, old_len, new_len, flags, new)
 *     req_decode()                       req.h
 *     neither FIXED nor DONTUNMAP        -> kernel
 *     mc_emulated(): what to emulate     decide.c, probe.c
 *     vrm_needs_library()? no            -> kernel (before 6.17: after
 *                                        6.18's argument checks)
 *     mc_check_params()                  validate.c
 *     DONTUNMAP without FIXED            du_single() -> dontunmap.c
 *     FIXED with a size change           mc_fixed_guard() -> guard.c
 *     move-only (FIXED, same size)       mc_span() one VMA -> kernel
 *                                        else mc_mv_move() -> multivma.c
 */
#include <errno.h>
#include <string.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/decide.h"
#include "shim/dontunmap.h"
#include "shim/entry.h"
#include "shim/facts.h"
#include "shim/guard.h"
#include "shim/kernel.h"
#include "shim/kernel-only.h"
#include "shim/maps.h"
#include "shim/multivma.h"
#include "shim/probe.h"
#include "shim/sliver.h"
#include "shim/span.h"
#include "shim/validate.h"

/* mc_check_params(), remembered: from now on the lengths are rounded. */
static int check_params(struct mremap_req *r)
{
	int err = mc_check_params(r);

	r->checked = !err;
	return err;
}

/*
 * Does a FIXED or DONTUNMAP call the library hands to the kernel need
 * 6.18's argument checks first? Where the kernel lacks the 6.17 move (the
 * multi-VMA probe), its checks differ too: 5.7-6.16 look at the VMA before
 * some argument checks (EFAULT where 6.18 answers EINVAL, and the reverse)
 * and compare a DONTUNMAP's lengths unrounded. Not with
 * MREMAP_COMPAT_EMULATE=none: every call goes to the kernel as it is.
 */
static bool kernel_checks_differ(void)
{
	struct mc_controls scratch;
	const struct mc_controls *c = mc_controls(&scratch);

	if (c->mode == MC_NONE)
		return false;
	return !(mc_kernel_features() & MREMAP_COMPAT_NATIVE_MULTI_VMA);
}

struct single_arg {
	struct mremap_req *r;
	unsigned int emulated;
	bool fixed;               /* move-only: new_addr is the destination */
	bool emulating;
	bool ask_smaps;           /* the maps could not settle it: read smaps */
	struct mc_facts *facts;
	long ret;
};

/* DONTUNMAP without FIXED is the single-VMA path: the VMA that contains
 * old must hold the whole range. So is a move-only DONTUNMAP whose range
 * lies inside one VMA (the multi-VMA loop would make it one piece): a
 * garbage collector's heap moved into its reservation. Runs inside the
 * maps walk, while the VMA's path is still valid, and stops it. */
static int single_cb(const struct vma *v, void *arg)
{
	struct single_arg *a = arg;
	struct mremap_req *r = a->r;
	unsigned int bit;

	a->ret = mc_source_refusal(r, v, r->old_len);
	if (a->ret)
		return 1;
	if (mc_only_kernel_dontunmap(v, r->old_len, &r->how)) {
		if (mc_kernel_dontunmaps(v)) {
			r->why = "state only the kernel's DONTUNMAP carries";
			a->emulating = false;
			if (v->vmflags & VMF_UFFD) /* its monitor reads REMAP */
				mc_window_unpark(&r->w, UNPARK_UFFD);
			a->ret = mc_kernel(r);
		} else {
			r->why = "state the emulation cannot carry: answering as this kernel";
			a->ret = -EINVAL;
		}
		return 1;
	}
	bit = mc_vma_kind(v) == VMA_ANON_PRIVATE ? MREMAP_COMPAT_EMULATED_DONTUNMAP :
	      MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED;
	if (!(a->emulated & bit)) {
		r->why = "the kernel has DONTUNMAP for this kind of mapping";
		a->emulating = false;
		if (v->vmflags & VMF_UFFD)
			mc_window_unpark(&r->w, UNPARK_UFFD);
		a->ret = mc_kernel(r);
		return 1;
	}
	a->ret = mc_du_emulate(r, v, r->old, r->old_len, r->new_addr, a->fixed);
	if (a->ret == MC_ASK_SMAPS)
		a->ask_smaps = true;
	return 1;
}

/* (Not inlined: its own frame stays off single_maps_cb's when no sliver
 * is read.) */
static __attribute__((noinline)) bool sliver_flags(const struct mremap_req *r, struct vma *v)
{
	struct mc_sliver_where where = { r->lowest, r->prev_touches };

	return mc_sliver_flags(v, &where);
}

/* The same, from /proc/self/maps: the VMA's refusals and registration
 * settled by the probes of facts.c, or smaps asked for. */
static int single_maps_cb(const struct vma *mv, void *arg)
{
	struct single_arg *a = arg;
	struct vma v = *mv;
	bool settled;
	int ret;

	/* A kernel with DONTUNMAP for private anonymous memory (5.7+) takes a
	 * range inside such a VMA as it is: its own refusals there are
	 * 6.18's (sealed: 6.10+, checked before the destination is touched),
	 * and it carries every flag itself. Nothing smaps would add is asked:
	 * a garbage collector's FIXED call costs one read of the maps on
	 * 5.7-6.16 (which lack the multi-VMA move the library checks for). */
	if (v.start <= a->r->old && vrm_old_end(a->r) <= v.end &&
	    mc_vma_kind(&v) == VMA_ANON_PRIVATE &&
	    !(a->emulated & MREMAP_COMPAT_EMULATED_DONTUNMAP)) {
		a->r->why = "the kernel has DONTUNMAP for this kind of mapping";
		a->emulating = false;
		/* Nobody need be parked; a userfaultfd monitor must not be
		 * (the kernel waits for it to read REMAP). */
		mc_window_unpark(&a->r->w, UNPARK_UFFD);
		a->ret = mc_kernel(a->r);
		return 1;
	}
	settled = v.start > a->r->old || mc_facts_settle(a->facts, &v, VMF_SL | VMF_UFFD);

	mc_facts_release(a->facts); /* our userfaultfd goes before anything moves */
	if (!settled) {
		mc_facts_end(a->facts);
		a->ask_smaps = true;
		return 1;
	}
	/* A range from the VMA's start is refilled (a whole VMA) or copied
	 * (the start of one): the new VMA gets every flag, read from a
	 * sliver's record of smaps where nobody else runs (sliver.c). */
	if (a->r->w.alone && v.start == a->r->old && sliver_flags(a->r, &v))
		a->r->read = "maps + smaps of a sliver";
	ret = single_cb(&v, arg);
	mc_facts_end(a->facts);
	return ret;
}

/* One walk of all of /proc/self/maps: it counts the mappings (the check
 * of vm.max_map_count needs them all) and keeps the VMA at or above old,
 * its path copied when short (a private anonymous VMA's name has at most
 * 80 bytes). The call is decided after the walk, the count known. */
struct first_walk {
	unsigned long old, count;
	unsigned long lowest;     /* the first VMA's start (sliver.c) */
	unsigned long prev_end;   /* the VMA before the one found */
	int prev_prot;
	bool found, long_path;
	struct vma v;
	char path[96];
};

static int first_cb(const struct vma *v, void *arg)
{
	struct first_walk *w = arg;

	if (!w->count++)
		w->lowest = v->start;
	if (w->found)
		return 0;
	if (v->end <= w->old) {
		w->prev_end = v->end;
		w->prev_prot = v->prot;
		return 0;
	}
	w->found = true;
	w->v = *v;
	w->long_path = v->path_len >= sizeof(w->path);
	if (!w->long_path) {
		memcpy(w->path, v->path, v->path_len);
		w->path[v->path_len] = 0;
		w->v.path = w->path;
	}
	return 0;
}

/* The call's window (window.c), opened before the maps are read so that
 * what they say stays true until the call ends; closed by mc_remap().
 * auto: the other threads parked, if any; zero-copy: signals blocked,
 * nobody parked; race-free: none (the copy leaves no range free; facts.c
 * opens one of its own for its probes). Opened once per call. */
static void open_call_window(struct mremap_req *r)
{
	struct mc_controls scratch;
	enum mc_strategy s = mc_controls(&scratch)->strategy;

	if (s != MC_STRATEGY_RACE_FREE && !r->w.blocked)
		mc_window_open(&r->w, s == MC_STRATEGY_ZERO_COPY ? WINDOW_SHARED : WINDOW_PARK);
}

/* Does the VMA the first walk found hold the whole range? */
static bool holds_range(const struct first_walk *w, const struct mremap_req *r)
{
	return w->found && w->v.start <= r->old && vrm_old_end(r) <= w->v.end;
}

/* DONTUNMAP of a range inside one VMA. fixed: a move-only call, taken
 * here only when its range lies inside one VMA (*one says so; else
 * nothing was done and the multi-VMA loop takes it). */
static long du_single(struct mremap_req *r, unsigned int emulated, bool *emulating,
		      bool fixed, bool *one)
{
	/* Every answer but the kernel's own is the library's: "emulated". */
	struct mc_facts facts = MC_FACTS_INIT;
	struct single_arg a = { .r = r, .emulated = emulated, .fixed = fixed,
				.emulating = true, .facts = &facts, .ret = -EFAULT };
	struct first_walk w = { .old = r->old };
	int err;

	*one = true;
	/* A kernel with DONTUNMAP for private anonymous memory only (5.7-5.12)
	 * is asked first: without FIXED a refusal changes nothing, and the
	 * common case costs no read of smaps. (Not when shared DONTUNMAP is
	 * emulated by choice: the kernel would do it natively.) */
	if (!fixed && !(emulated & MREMAP_COMPAT_EMULATED_DONTUNMAP) &&
	    !(mc_kernel_features() & MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED)) {
		long ret = mc_kernel(r);

		if (ret != -EINVAL) {
			r->why = "the kernel has DONTUNMAP for this kind of mapping";
			*emulating = false;
			return ret;
		}
	}
	facts.call = &r->w;
	open_call_window(r);
	err = mc_maps_walk(0, false, first_cb, &w);
	if (fixed && (err < 0 || !holds_range(&w, r))) {
		*one = false;
		return -EFAULT;
	}
	if (err >= 0) {
		a.ret = mc_map_count_refusal(r, w.count);
		if (a.ret)
			return a.ret;
		r->lowest = w.lowest;
		r->prev_touches = w.prev_end == w.v.start && w.prev_prot == w.v.prot;
		/* No VMA at or above old (old past the last one, or
		 * wrapped): the answer stays EFAULT. */
		a.ret = -EFAULT;
		r->read = "maps";
		if (w.found && w.long_path)
			a.ask_smaps = true;
		else if (w.found)
			single_maps_cb(&w.v, &a);
	}
	if (err < 0 || a.ask_smaps) {
		r->read = "smaps";
		a.ret = -EFAULT;
		a.emulating = true;
		a.ask_smaps = false;
		err = mc_maps_walk(r->old, true, single_cb, &a);
	}
	*emulating = a.emulating;
	if (err < 0) {
		*emulating = true;
		return err; /* the library's own read: mc_own_failure() */
	}
	return a.ret;
}

/* The errors mremap(2) itself returns. Any other (EMFILE, ENFILE, EACCES,
 * ENOENT, EIO...) is the library's own: a file of /proc, the mapped file or
 * /proc/self/mem it could not open or read. */
static bool is_mremap_errno(long ret)
{
	return ret == -EINVAL || ret == -EFAULT || ret == -ENOMEM || ret == -EAGAIN ||
	       ret == -EPERM;
}

/* Why, for the debug line. */
static const char *own_failure_why(long err, bool changed)
{
	if (changed)
		return "its own files could not be read after moving some pieces: ENOMEM, "
		       "as a kernel that cannot go on";
	switch (-err) {
	case EMFILE:
		return "no descriptor free for its own files (EMFILE): answering as a kernel "
		       "without the emulated feature";
	case ENFILE:
		return "the system's file table is full (ENFILE): answering as a kernel "
		       "without the emulated feature";
	case EACCES:
		return "its own files are closed to it (EACCES): answering as a kernel without "
		       "the emulated feature";
	default:
		return "cannot read its own files in /proc: answering as a kernel without the "
		       "emulated feature";
	}
}

/*
 * The emulation failed for want of its own files, before it changed
 * anything: the answer of a kernel without what is emulated. DONTUNMAP:
 * EINVAL, the unknown flag before 5.7 and the refused kind before 5.13;
 * a move-only FIXED call across VMAs: EFAULT, as before 6.17, without the
 * destination that such a kernel unmaps first; any other FIXED call (the
 * refusals of guard.c): the kernel, which moves it itself. After some
 * pieces of a move across VMAs moved: ENOMEM, as the kernel answers when
 * a later piece cannot be had.
 */
static long mc_own_failure(struct mremap_req *r, long err, bool *emulating)
{
	r->why = own_failure_why(err, r->changed);
	if (r->changed)
		return -ENOMEM;
	if (vrm_dontunmap(r))
		return -EINVAL;
	if (vrm_move_only(r))
		return -EFAULT;
	*emulating = false;
	return mc_kernel(r);
}

/* Does this call need something the library does here? */
static bool vrm_needs_library(const struct mremap_req *r, unsigned int emulated)
{
	bool multi = emulated & MREMAP_COMPAT_EMULATED_MULTI_VMA;

	if (vrm_dontunmap(r))
		return (emulated & (MREMAP_COMPAT_EMULATED_DONTUNMAP |
				    MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED)) ||
		       (vrm_fixed(r) && multi);
	/* FIXED: a move-only call may span VMAs; any other FIXED call needs
	 * its refusals decided before an old kernel unmaps the destination
	 * (guard.c). Both where the kernel lacks the 6.17 behaviour. */
	return vrm_fixed(r) && multi;
}

long mc_remap(struct mremap_req *r)
{
	struct mc_controls scratch;
	unsigned int emulated;
	bool emul = true, one;
	long ret;
	int err;

	if (!vrm_implies_new_addr(r))
		return mc_kernel(r);

	emulated = mc_emulated();
	if (!vrm_needs_library(r, emulated)) {
		if (kernel_checks_differ()) {
			err = check_params(r);
			if (err) {
				r->why = "refused by the argument checks";
				ret = err;
				goto out;
			}
		}
		r->why = "the kernel has it";
		emul = false;
		ret = mc_kernel(r);
		goto out;
	}
	err = check_params(r);
	if (err) {
		r->why = "refused by the argument checks";
		ret = err;
		goto out;
	}
	if (!vrm_fixed(r)) {
		ret = du_single(r, emulated, &emul, false, &one);
		goto out;
	}
	if (!vrm_move_only(r)) {
		ret = mc_fixed_guard(r, &emul);
		if (emul && is_err_ret(ret) && mc_check_map_count(r))
			ret = -ENOMEM; /* before the refusal, as 6.17+ */
		goto out;
	}
	/* Move-only. A range inside one VMA is an ordinary move, which every
	 * kernel does, unless DONTUNMAP has to be emulated for it: then it is
	 * the single-VMA DONTUNMAP, from one read of the maps. */
	if (vrm_dontunmap(r) && mc_controls(&scratch)->strategy != MC_STRATEGY_RACE_FREE) {
		/* (race-free copies from smaps either way: the piece
		 * loop, as before) */
		ret = du_single(r, emulated, &emul, true, &one);
		if (one)
			goto out;
		emul = true;
	} else if (!vrm_dontunmap(r) && mc_span(r) == SPAN_ONE_VMA) {
		r->why = "inside one VMA";
		emul = false;
		ret = mc_kernel(r);
		goto out;
	}
	/* Several VMAs move as one, as the kernel's move under the mmap lock:
	 * nobody else runs meanwhile, and no fork() sees half of it. */
	open_call_window(r);
	ret = mc_mv_move(r, emulated);
out:
	if (emul && is_err_ret(ret) && !is_mremap_errno(ret))
		ret = mc_own_failure(r, ret, &emul);
	if (mc_controls(&scratch)->debug)
		mc_debug_call(r, ret, emul ? "emulated" : "native");
	mc_window_close(&r->w);
	return ret;
}

MC_PUBLIC void *mremap_compat(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	struct mremap_req r;
	int saved = errno; /* getauxval and friends may touch it */
	long ret;

	req_decode(&r, old, old_len, new_len, flags, new_addr);
	ret = mc_remap(&r);
	if (is_err_ret(ret)) {
		errno = (int)-ret;
		return MAP_FAILED;
	}
	errno = saved;
	return (void *)ret;
}

MC_PUBLIC unsigned mremap_compat_features(void)
{
	return mc_kernel_features() | mc_emulated();
}

MC_PUBLIC const char *mremap_compat_version(void)
{
	return PACKAGE_VERSION;
}
