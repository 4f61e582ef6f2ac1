#ifndef MREMAP_COMPAT_GUARD_H
#define MREMAP_COMPAT_GUARD_H
#include <stdbool.h>
#include "shim/req.h"

/* A FIXED call that changes the size (not move-only), on a kernel without
 * the 6.17 checks: refuses, as 6.17+ does, before the kernel could unmap
 * the destination; otherwise hands the call to the kernel. */
long mc_fixed_guard(struct mremap_req *r, bool *refused);

#endif
