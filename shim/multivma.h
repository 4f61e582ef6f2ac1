#ifndef MREMAP_COMPAT_MULTIVMA_H
#define MREMAP_COMPAT_MULTIVMA_H
#include "shim/req.h"

/* A move-only call (FIXED, old_len == new_len, DONTUNMAP allowed) over
 * whatever VMAs [old, old+len) holds, as Linux 6.17+ does it. The
 * arguments have been checked. emulated: MREMAP_COMPAT_EMULATED_* bits in
 * force, to choose native or emulated DONTUNMAP per piece. */
long mc_mv_move(struct mremap_req *r, unsigned int emulated);

#endif
