#ifndef MREMAP_COMPAT_UFFD_H
#define MREMAP_COMPAT_UFFD_H
#include <stdbool.h>
#include "shim/maps.h"

/* Does DONTUNMAP of [.., +len) in v need state only the kernel's own
 * DONTUNMAP carries (uffd.c): userfaultfd state, or a lock the library
 * could not take again under RLIMIT_MEMLOCK? Then the call goes to the
 * kernel when it has DONTUNMAP for v's kind, and is refused as that
 * kernel would otherwise. *why says which, for the debug line. */
bool mc_only_kernel_dontunmap(const struct vma *v, unsigned long len, const char **why);

/* Does this kernel do DONTUNMAP on v's kind itself? */
bool mc_kernel_dontunmaps(const struct vma *v);

#endif
