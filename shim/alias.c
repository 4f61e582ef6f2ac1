/* shim/alias.c - alias: DONTUNMAP of a shared mapping (no window). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"


/* The kernel's move carries the page table entries along: a page present
 * at the old address is present at the new one. The alias maps the object
 * again without page tables, so fault in, at the new address, the pages
 * that were present at the old one (read faults: nothing is dirtied). */
static void populate_like(const struct vma *v, unsigned long old, unsigned long dest,
			  unsigned long len)
{
	unsigned long long pm[64];
	unsigned long p = mc_page_size, npages = len / p, i, j;
	long pmfd, memfd = -1;
	char byte;

	pmfd = sys_openat(AT_FDCWD, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pmfd < 0)
		return;
	if (!(v->prot & PROT_READ))
		memfd = sys_openat(AT_FDCWD, "/proc/self/mem", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < npages; i += 64) {
		unsigned long n = npages - i < 64 ? npages - i : 64;

		if (sys_pread((int)pmfd, pm, n * 8, (old / p + i) * 8) != (long)(n * 8))
			break;
		for (j = 0; j < n; j++) {
			unsigned long at = dest + (i + j) * p;

			if (!(pm[j] & PM_PRESENT))
				continue;
			if (memfd >= 0)
				sys_pread((int)memfd, &byte, 1, at);
			else if (v->prot & PROT_READ)
				(void)*(volatile const char *)at;
		}
	}
	if (memfd >= 0)
		sys_close((int)memfd);
	sys_close((int)pmfd);
}

long mc_du_alias(const struct vma *v, unsigned long old, unsigned long len,
		     unsigned long dest, bool reserved)
{
	long ret = sys_mremap(old, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);

	if (sys_is_err(ret)) {
		if (reserved)
			mc_dest_release(dest, len);
		/* The duplicate path answers EFAULT for VM_DONTEXPAND and
		 * VM_PFNMAP, which DONTUNMAP refuses with EINVAL. */
		return ret == -EFAULT ? -EINVAL : ret;
	}
	populate_like(v, old, (unsigned long)ret, len);
	mc_attrs_unlock_old(v);
	sys_madvise(old, len, MADV_DONTNEED); /* no page tables left */
	return ret;
}
