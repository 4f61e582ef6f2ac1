/* shim/kernel-only.c - state only the kernel's DONTUNMAP carries.
 *
 * Some DONTUNMAP calls the library must not emulate: the emulation would
 * lose state the kernel's move keeps. Such a call goes to the kernel when
 * it has DONTUNMAP for the VMA's kind; otherwise it is refused as that
 * kernel answers (entry.c, multivma.c):
 *
 *   userfaultfd state          uffd.c
 *   a lock RLIMIT_MEMLOCK      lockcheck.c
 *   would refuse the alias
 */
#include "include/mremap_compat.h"
#include "shim/kernel-only.h"
#include "shim/lockcheck.h"
#include "shim/probe.h"
#include "shim/uffd.h"

bool mc_only_kernel_dontunmap(const struct vma *v, unsigned long len, const char **why)
{
	if (mc_uffd_needs_kernel(v)) {
		*why = "userfaultfd state";
		return true;
	}
	if (mc_alias_lock_fails(v, len)) {
		*why = "a lock RLIMIT_MEMLOCK would refuse the library";
		return true;
	}
	return false;
}

bool mc_kernel_dontunmaps(const struct vma *v)
{
	unsigned int bit = mc_vma_kind(v) == VMA_ANON_PRIVATE ? MREMAP_COMPAT_NATIVE_DONTUNMAP :
			   MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED;

	return mc_kernel_features() & bit;
}
