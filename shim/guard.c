/* shim/guard.c - keep the destination of a refused FIXED call.
 *
 * Before Linux 6.17, mremap_to() unmaps the MREMAP_FIXED destination first
 * and only then looks at the source VMA; a call it then refuses has
 * destroyed whatever was mapped there. Since 6.17 every refusal comes
 * first and the destination stays. So, where the kernel lacks the 6.17
 * behaviour, the refusals that depend on the source VMA are decided here:
 *
 *   no VMA at old                       EFAULT
 *   sealed                              EPERM
 *   a grow of hugetlb memory            EINVAL   (align_hugetlb)
 *   old_len == 0 on a private mapping   EINVAL   (the duplicate path)
 *   DONTUNMAP of VM_DONTEXPAND/PFNMAP   EINVAL
 *   [old, old+min(old_len, new_len))
 *       crosses the end of its VMA      EFAULT
 *   a grow of VM_DONTEXPAND/VM_PFNMAP   EFAULT
 *
 * in check_prep_vma()'s order (one refusal can hide the next: a DONTUNMAP
 * of the [vdso] past its end is EINVAL, not EFAULT). The limits that
 * follow (RLIMIT_MEMLOCK: EAGAIN, RLIMIT_AS: ENOMEM) are left to the
 * kernel.
 *
 * The cheap check of span.c answers most calls with one system call; the
 * maps are read only when it cannot.
 */
#include <errno.h>
#include "shim/dontunmap.h"
#include "shim/facts.h"
#include "shim/guard.h"
#include "shim/kernel.h"
#include "shim/maps.h"
#include "shim/span.h"

/* Linux 6.18's check_prep_vma(), in its order, for a call that maps a new
 * range (a move, a grow, a duplicate). span is how much of the source
 * must lie in v: old_len, or new_len for a FIXED shrink. */
int mc_source_refusal(const struct mremap_req *r, const struct vma *v, unsigned long span)
{
	bool special = mc_vma_kind(v) == VMA_SPECIAL ||
		       (v->vmflags & (VMF_DE | VMF_PF));
	bool grows = r->new_len > r->old_len;

	if (v->start > r->old)
		return -EFAULT;                 /* no VMA at old */
	if (v->vmflags & VMF_SL)
		return -EPERM;                  /* sealed */
	if ((v->vmflags & VMF_HT) && grows)
		return -EINVAL;                 /* align_hugetlb(): no hugetlb grow */
	if (r->old_len == 0 && !v->shared)
		return -EINVAL;                 /* duplicate of a private mapping */
	if (vrm_dontunmap(r) && special)
		return -EINVAL;                 /* DONTUNMAP of VM_DONTEXPAND/VM_PFNMAP */
	if (span > v->end - r->old)
		return -EFAULT;                 /* crosses the end of the VMA */
	if (grows && special)
		return -EFAULT;                 /* grow of VM_DONTEXPAND/VM_PFNMAP */
	return 0;
}

struct guard_arg {
	const struct mremap_req *r;
	unsigned long span;
	int err;
	bool ask_smaps;
	struct mc_facts *facts;
};

static int guard_cb(const struct vma *v, void *arg)
{
	struct guard_arg *a = arg;

	a->err = mc_source_refusal(a->r, v, a->span);
	return 1;
}

/* The same from /proc/self/maps, where the probe of facts.c tells whether
 * the VMA is sealed; else smaps is asked (ask_smaps). */
static int guard_maps_cb(const struct vma *mv, void *arg)
{
	struct guard_arg *a = arg;
	struct vma v = *mv;
	bool settled = v.start > a->r->old || mc_facts_settle(a->facts, &v, VMF_SL);

	mc_facts_end(a->facts);
	if (!settled) {
		a->ask_smaps = true;
		return 1;
	}
	return guard_cb(&v, arg);
}

long mc_fixed_guard(struct mremap_req *r, bool *refused)
{
	struct mremap_req probe = *r;
	struct mc_facts facts = MC_FACTS_INIT;
	struct guard_arg a = { r, r->old_len < r->new_len ? r->old_len : r->new_len, -EFAULT,
			       false, &facts };
	int err;

	*refused = false;
	probe.old_len = a.span;
	if (a.span && mc_span(&probe) == SPAN_ONE_VMA) {
		r->why = "the source lies inside one VMA";
		return mc_kernel(r);
	}
	r->read = "maps";
	mc_facts_begin(&facts); /* (outside the walk: a signal stack is small) */
	err = mc_maps_walk(r->old, false, guard_maps_cb, &a);
	mc_facts_end(&facts);
	if (err >= 0 && a.ask_smaps) {
		r->read = "smaps";
		a.err = -EFAULT;
		err = mc_maps_walk(r->old, true, guard_cb, &a);
	}
	if (err < 0) {
		r->why = "cannot read /proc/self/smaps: left to the kernel";
		return mc_kernel(r);
	}
	if (a.err) {
		r->why = "refused before the kernel could unmap the destination";
		*refused = true;
		return a.err;
	}
	r->why = "the source lies inside one VMA";
	return mc_kernel(r);
}
