#ifndef MREMAP_COMPAT_GUARD_H
#define MREMAP_COMPAT_GUARD_H
#include <stdbool.h>
#include "shim/req.h"

/* A FIXED call that changes the size (not move-only), on a kernel without
 * the 6.17 checks: refuses, as 6.17+ does, before the kernel could unmap
 * the destination; otherwise hands the call to the kernel. */
long mc_fixed_guard(struct mremap_req *r, bool *refused);

/* The kernel's refusals that depend on the source VMA (check_prep_vma), for
 * v, the first VMA ending above old, with [old, old+span) the part of the
 * range that must lie inside it: 0 or -errno. */
struct vma;
int mc_source_refusal(const struct mremap_req *r, const struct vma *v, unsigned long span);

#endif
