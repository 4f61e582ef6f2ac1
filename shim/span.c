/* shim/span.c - the cheap check: is a range inside one VMA?
 *
 * An ordinary single-VMA FIXED move must not pay for a read of
 * /proc/self/maps. The kernel's own span check answers for one system
 * call: an in-place grow without MREMAP_MAYMOVE to a size that cannot fit
 * below TASK_SIZE.
 *
 *     old          old+old_len                   old+new_len > TASK_SIZE
 *     |--- range ---|- - - - - - - - - - - - - - - - - - -|
 *     [ one VMA ........ ]   -> past the span check: ENOMEM (or EAGAIN,
 *                               the mlock limit), never grown
 *     [ VMA ]  [ VMA ]       -> EFAULT: crosses the end of a VMA, or unmapped
 *
 * EFAULT is also the answer for a VM_DONTEXPAND or VM_PFNMAP mapping, and
 * hugetlb answers EINVAL: both go to the maps reader. Should the grow ever
 * succeed (a TASK_SIZE larger than we think), it is undone at once.
 */
#include <errno.h>
#include "compat/sys.h"
#include "shim/probe.h"
#include "shim/span.h"

enum span mc_span(const struct mremap_req *r)
{
	unsigned long task = mc_task_size();
	unsigned long grow = task & ~(mc_page_size - 1);
	long ret;

	if (r->old_len == 0 || r->old_len >= grow)
		return SPAN_UNKNOWN;
	ret = sys_mremap(r->old, r->old_len, grow, 0, 0);
	if (ret == -ENOMEM || ret == -EAGAIN)
		return SPAN_ONE_VMA;
	if (!sys_is_err(ret)) {
		sys_mremap(r->old, grow, r->old_len, 0, 0);
		return SPAN_ONE_VMA;
	}
	return SPAN_UNKNOWN;
}
