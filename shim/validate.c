/* shim/validate.c - the kernel's argument checks, in the kernel's order.
 *
 * Linux 6.18 check_mremap_params(): everything that is decided before any
 * VMA is looked at (SPEC.md §2). Only called on paths the library will
 * emulate: elsewhere the kernel checks for itself.
 */
#include <errno.h>
#include "shim/req.h"
#include "shim/validate.h"
#include "shim/probe.h"

int mc_check_params(const struct mremap_req *r)
{
	unsigned long task_size = mc_task_size();

	if (r->flags & ~(unsigned long)(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (!page_aligned(r->old))
		return -EINVAL;
	/* A zero old_len duplicates a shared mapping; a zero new_len is nonsense. */
	if (!r->new_len)
		return -EINVAL;
	if (r->new_len > task_size)
		return -EINVAL;
	if (!vrm_implies_new_addr(r))
		return 0;
	if (r->new_addr > task_size - r->new_len)
		return -EINVAL;
	if (!page_aligned(r->new_addr))
		return -EINVAL;
	if (!vrm_maymove(r))
		return -EINVAL;
	if (vrm_dontunmap(r) && r->old_len != r->new_len)
		return -EINVAL;
	/* A hint counts too, and for a multi-VMA range the whole range. */
	if (vrm_overlaps(r))
		return -EINVAL;
	return 0;
}
