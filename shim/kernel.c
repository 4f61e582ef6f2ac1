/* shim/kernel.c - a call handed to the kernel as it is.
 *
 * Every path that ends in the kernel's own mremap comes through here
 * (entry.c, guard.c): once 6.18's argument checks have passed
 * (r->checked), the kernel gets the lengths as 6.18 sees them, rounded up
 * to the page; before 6.17, a DONTUNMAP whose old_len and new_len differ
 * only below the page is EINVAL. Before the checks, the caller's lengths.
 */
#include "compat/sys.h"
#include "shim/kernel.h"

long mc_kernel(const struct mremap_req *r)
{
	if (r->checked)
		return sys_mremap(r->old, r->old_len, r->new_len, r->flags, r->new_addr);
	return sys_mremap(r->old, r->raw_old_len, r->raw_new_len, r->flags, r->new_addr);
}
