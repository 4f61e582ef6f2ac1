#ifndef MREMAP_COMPAT_DONTUNMAP_H
#define MREMAP_COMPAT_DONTUNMAP_H
#include <stdbool.h>
#include "shim/maps.h"
#include "shim/req.h"

/* mc_du_emulate()'s answer when v came from /proc/self/maps with only the
 * flags facts.c settles and the strategy wants the others: nothing was
 * changed; call again with v read from smaps. Never an answer of
 * mremap_compat(). */
#define MC_ASK_SMAPS (-4095L)

/* One DONTUNMAP piece: [old, old+len) lies inside VMA v. With fixed the
 * piece goes to new_addr, replacing what is there; without, new_addr is a
 * hint. Returns the new address or -errno; decides every refusal before
 * changing anything. r is only annotated (why/how) for the debug line. */
long mc_du_emulate(struct mremap_req *r, const struct vma *v, unsigned long old,
		unsigned long len, unsigned long new_addr, bool fixed);

/* Would 6.18 refuse DONTUNMAP on this VMA? 0 or -errno. */
int mc_du_refusal(const struct vma *v);

#endif
