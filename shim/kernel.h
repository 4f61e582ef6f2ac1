#ifndef MREMAP_COMPAT_KERNEL_H
#define MREMAP_COMPAT_KERNEL_H
#include "shim/req.h"

/* The kernel's own answer, by the raw system call: an address, or -errno. */
long mc_kernel(const struct mremap_req *r);

#endif
