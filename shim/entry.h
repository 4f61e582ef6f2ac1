#ifndef MREMAP_COMPAT_ENTRY_H
#define MREMAP_COMPAT_ENTRY_H
#include "shim/req.h"

/* The whole call: an address, or -errno. */
long mc_remap(struct mremap_req *r);

#endif
