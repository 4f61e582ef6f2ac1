#ifndef MREMAP_COMPAT_UFFD_H
#define MREMAP_COMPAT_UFFD_H
#include <stdbool.h>
#include "shim/maps.h"

/* Does v carry userfaultfd state that only the kernel's own DONTUNMAP
 * moves right (uffd.c)? Then the call goes to the kernel when it has
 * DONTUNMAP for v's kind, and is refused as that kernel would otherwise. */
bool mc_uffd_needs_kernel(const struct vma *v);

/* Does this kernel do DONTUNMAP on v's kind itself? */
bool mc_kernel_dontunmaps(const struct vma *v);

#endif
