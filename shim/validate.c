/* shim/validate.c - the kernel's argument checks, in the kernel's order.
 *
 * Linux 6.18 check_mremap_params(): everything that is decided before any
 * VMA is looked at (doc/behaviour.md §2). Only called on paths the library will
 * emulate: elsewhere the kernel checks for itself.
 */
#include <errno.h>
#include <fcntl.h>
#include "compat/sys.h"
#include "shim/maps.h"
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

/* The last of check_mremap_params(): FIXED or DONTUNMAP within five
 * mappings of vm.max_map_count is ENOMEM, before any VMA is looked at
 *
 *     (map_count + 2) >= max_map_count - 3
 *
 * Counting the mappings means reading all of /proc/self/maps (not smaps:
 * no page tables are walked), so the library does it only where it acts
 * itself: before a DONTUNMAP or multi-VMA emulation, and before a refusal
 * of its own. Calls it hands to the kernel are checked by the kernel. */
static int count_cb(const struct vma *v, void *arg)
{
	(void)v;
	++*(unsigned long *)arg;
	return 0;
}

static unsigned long max_map_count(void)
{
	char buf[24];
	unsigned long v = 0;
	long fd, n, i;

	fd = sys_openat(AT_FDCWD, "/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = sys_read((int)fd, buf, sizeof(buf));
	sys_close((int)fd);
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(buf[i] - '0');
	return v;
}

long mc_map_count_refusal(struct mremap_req *r, unsigned long count)
{
	unsigned long max;

	if (!vrm_implies_new_addr(r))
		return 0;
	max = max_map_count();
	if (max < 5 || count + 2 < max - 3)
		return 0;
	r->why = "within five mappings of vm.max_map_count: ENOMEM up front, as 6.17+";
	return -ENOMEM;
}

long mc_check_map_count(struct mremap_req *r)
{
	unsigned long count = 0;

	if (!vrm_implies_new_addr(r) || mc_maps_walk(0, false, count_cb, &count) < 0)
		return 0;
	return mc_map_count_refusal(r, count);
}
