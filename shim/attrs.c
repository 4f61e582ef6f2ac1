/* shim/attrs.c - what a new VMA must get back from the one it replaces. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"


/* What madvise() and prctl() set on a VMA, applied to a new one. */
void mc_attrs_copy(const struct vma *v, unsigned long addr, unsigned long len)
{
	static const struct { unsigned int flag; int advice; } advices[] = {
		{ VMF_DC, MADV_DONTFORK },  { VMF_DD, MADV_DONTDUMP },
		{ VMF_WF, MADV_WIPEONFORK }, { VMF_HG, MADV_HUGEPAGE },
		{ VMF_NH, MADV_NOHUGEPAGE }, { VMF_MG, MADV_MERGEABLE },
		{ VMF_RR, MADV_RANDOM },     { VMF_SR, MADV_SEQUENTIAL },
	};
	char name[80];
	const char *n;
	size_t i, nlen;

	if (v->has_vmflags)
		for (i = 0; i < sizeof(advices) / sizeof(advices[0]); i++)
			if (v->vmflags & advices[i].flag)
				sys_madvise(addr, len, advices[i].advice);
	n = mc_vma_anon_name(v, &nlen);
	if (n && nlen < sizeof(name)) {
		memcpy(name, n, nlen);
		name[nlen] = 0;
		sys_prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, (unsigned long)name);
	}
}


/* VM_MAYBE_GUARD ("gu", 6.18) stays on a VMA once a guard was installed
 * in it, also after MADV_GUARD_REMOVE, and the kernel's move gives the new
 * VMA the old one's flags, guard or no guard in the moved range. A guard
 * installed and removed again sets it: on the first page of a range that
 * holds no page yet (a guard installed zaps the page under it). */
void mc_attrs_mark_guarded(const struct vma *v, unsigned long empty)
{
	if (v->has_vmflags && (v->vmflags & VMF_GU) &&
	    sys_madvise(empty, mc_page_size, MADV_GUARD_INSTALL) == 0)
		sys_madvise(empty, mc_page_size, MADV_GUARD_REMOVE);
}


/* The kernel clears the mlock flags of the whole old VMA, not only of the
 * moved range: the VMA is not split. */
void mc_attrs_unlock_old(const struct vma *v)
{
	if (vma_may_be_locked(v))
		sys_munlock(v->start, v->end - v->start);
}
