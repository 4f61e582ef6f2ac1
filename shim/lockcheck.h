#ifndef MREMAP_COMPAT_LOCKCHECK_H
#define MREMAP_COMPAT_LOCKCHECK_H
#include <stdbool.h>
#include "shim/maps.h"

/* Would the alias's lock of len bytes of locked shared v fail under
 * RLIMIT_MEMLOCK, after the old VMA is unlocked (lockcheck.c)? */
bool mc_alias_lock_fails(const struct vma *v, unsigned long len);

#endif
