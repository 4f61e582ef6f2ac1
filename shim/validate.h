#ifndef MREMAP_COMPAT_VALIDATE_H
#define MREMAP_COMPAT_VALIDATE_H
#include "shim/req.h"
/* 0, or the -errno Linux 6.18 gives before looking at any VMA. */
int mc_check_params(const struct mremap_req *r);
#endif
