#ifndef MREMAP_COMPAT_ENTRY_H
#define MREMAP_COMPAT_ENTRY_H
#include "shim/req.h"

/* The whole call: an address, or -errno. */
long mc_remap(struct mremap_req *r);

/* The kernel's own answer, by the raw system call. */
long mc_kernel(const struct mremap_req *r);

#endif
