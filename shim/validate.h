#ifndef MREMAP_COMPAT_VALIDATE_H
#define MREMAP_COMPAT_VALIDATE_H
#include "shim/req.h"
/* 0, or the -errno Linux 6.18 gives before looking at any VMA. */
int mc_check_params(const struct mremap_req *r);
/* -ENOMEM when the process is within five mappings of vm.max_map_count,
 * which 6.17+ tests last among the argument checks; else 0. Reads the maps. */
long mc_check_map_count(struct mremap_req *r);
/* The same, for a count of mappings already taken (a walk of all of maps). */
long mc_map_count_refusal(struct mremap_req *r, unsigned long count);
#endif
