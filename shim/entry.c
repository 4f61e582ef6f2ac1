/* shim/entry.c - one mremap call: decode, validate, decide, execute.
 *
 *   mremap_compat(old, old_len, new_len, flags, new)
 *     req_decode()                       req.h
 *     nothing new needed? -> kernel      vrm_may_need_new()
 *     mc_emulated(): what to emulate     decide.c, probe.c
 *     mc_check_params()                 validate.c
 *     DONTUNMAP without FIXED            du_single() -> dontunmap.c
 *     move-only (FIXED, same size)       mc_span() one VMA -> kernel
 *                                        else mc_mv_move() -> multivma.c
 */
#include <errno.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/decide.h"
#include "shim/dontunmap.h"
#include "shim/entry.h"
#include "shim/maps.h"
#include "shim/multivma.h"
#include "shim/probe.h"
#include "shim/span.h"
#include "shim/validate.h"

unsigned long mc_page_size = MC_PAGE_SIZE;

long mc_kernel(const struct mremap_req *r)
{
	return sys_mremap(r->old, r->raw_old_len, r->raw_new_len, r->flags, r->new_addr);
}

struct single_arg {
	struct vma v;
	char path[VMA_PATH_MAX];
	bool found;
};

static int single_cb(const struct vma *v, void *arg)
{
	struct single_arg *a = arg;
	size_t i;

	a->v = *v;
	for (i = 0; i < v->path_len; i++)
		a->path[i] = v->path[i];
	a->path[i] = 0;
	a->v.path = a->path;
	a->found = true;
	return 1;
}

/* DONTUNMAP without FIXED: the single-VMA path. The VMA that contains old
 * must hold the whole range. */
static long du_single(struct mremap_req *r, unsigned int emulated, bool *emulated_out)
{
	struct single_arg a;
	unsigned int bit;
	int err;

	a.found = false;
	err = mc_maps_walk(r->old, true, single_cb, &a);
	if (err < 0) {
		r->why = "cannot read /proc/self/smaps: answering as an older kernel";
		*emulated_out = true;
		return -EINVAL;
	}
	if (!a.found || a.v.start > r->old)
		return -EFAULT;
	if (a.v.has_vmflags && (a.v.vmflags & VMF_SL))
		return -EPERM;
	if (r->old_len > a.v.end - r->old)
		return -EFAULT;
	bit = mc_vma_kind(&a.v) == VMA_ANON_PRIVATE ? MREMAP_COMPAT_EMULATED_DONTUNMAP :
	      MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED;
	if (!(emulated & bit)) {
		r->why = "the kernel has DONTUNMAP for this kind of mapping";
		return mc_kernel(r);
	}
	*emulated_out = true;
	return mc_du_emulate(r, &a.v, r->old, r->old_len, r->new_addr, false);
}

long mc_remap(struct mremap_req *r)
{
	struct mc_controls scratch;
	unsigned int emulated;
	bool emul = false;
	long ret;
	int err;

	if (!vrm_may_need_new(r))
		return mc_kernel(r);

	emulated = mc_emulated();
	if (vrm_dontunmap(r) ?
	    !(emulated & (MREMAP_COMPAT_EMULATED_DONTUNMAP | MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED)) &&
	    !(vrm_fixed(r) && (emulated & MREMAP_COMPAT_EMULATED_MULTI_VMA)) :
	    !(emulated & MREMAP_COMPAT_EMULATED_MULTI_VMA)) {
		r->why = "the kernel has it";
		ret = mc_kernel(r);
		goto out;
	}
	err = mc_check_params(r);
	if (err) {
		ret = err;
		r->why = "refused by the argument checks";
		goto out;
	}
	if (!vrm_fixed(r)) {
		ret = du_single(r, emulated, &emul);
		goto out;
	}
	/* Move-only. A range inside one VMA is an ordinary move, which every
	 * kernel does, unless DONTUNMAP has to be emulated for it. */
	if (!vrm_dontunmap(r) && mc_span(r) == SPAN_ONE_VMA) {
		r->why = "inside one VMA";
		ret = mc_kernel(r);
		goto out;
	}
	emul = true;
	ret = mc_mv_move(r, emulated);
out:
	if (mc_controls(&scratch)->debug)
		mc_debug_call(r, ret, emul ? "emulated" : "native");
	return ret;
}

MC_PUBLIC void *mremap_compat(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	struct mremap_req r;
	long ret;

	req_decode(&r, old, old_len, new_len, flags, new_addr);
	ret = mc_remap(&r);
	if (is_err_ret(ret)) {
		errno = (int)-ret;
		return MAP_FAILED;
	}
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
