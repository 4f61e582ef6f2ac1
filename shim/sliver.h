/* shim/sliver.h - a VMA's VmFlags from a sliver's smaps record. */
#ifndef MREMAP_COMPAT_SLIVER_H
#define MREMAP_COMPAT_SLIVER_H
#include <stdbool.h>
#include "shim/maps.h"

/* What the maps walk that found the VMA saw around it. */
struct mc_sliver_where {
	unsigned long lowest;  /* start of the process's first VMA; 0 unknown */
	bool prev_touches;     /* the VMA before it ends at its start with
				* the same protection (or unknown) */
};

/* Reads every VmFlags of v, a private anonymous VMA read from the maps
 * whose userfaultfd registration facts.c has settled (none), from the
 * smaps record of a sliver of it moved below every other VMA, then moved
 * back (sliver.c). Alone in the window of window.c only. True with
 * v->vmflags, has_vmflags and known set; false with v unchanged: read
 * smaps. The VMA is whole again either way. */
bool mc_sliver_flags(struct vma *v, const struct mc_sliver_where *w);

#endif
