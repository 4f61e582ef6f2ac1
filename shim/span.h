#ifndef MREMAP_COMPAT_SPAN_H
#define MREMAP_COMPAT_SPAN_H
#include "shim/req.h"

enum span { SPAN_ONE_VMA, SPAN_UNKNOWN };

/* Does [old, old+old_len) lie inside one VMA? Asked of the kernel with one
 * system call that changes nothing; SPAN_UNKNOWN means "read the maps". */
enum span mc_span(const struct mremap_req *r);

#endif
