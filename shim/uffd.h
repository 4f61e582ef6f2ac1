#ifndef MREMAP_COMPAT_UFFD_H
#define MREMAP_COMPAT_UFFD_H
#include <stdbool.h>
#include "shim/maps.h"

/* Does v hold userfaultfd state the emulation cannot carry (uffd.c):
 * write-protect on shared memory, or a registration while a userfaultfd of
 * this process asked for UFFD_FEATURE_EVENT_REMAP? */
bool mc_uffd_needs_kernel(const struct vma *v);

/* Is v registered with a userfaultfd while one of this process asked for
 * an event the kernel makes the caller wait for until a monitor thread
 * reads it (REMAP, REMOVE, UNMAP)? Parked, that monitor never would. */
bool mc_uffd_monitor_waits(const struct vma *v);

#endif
