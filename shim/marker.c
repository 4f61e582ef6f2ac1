/* shim/marker.c - page-table markers: is a swapped-looking page a guard?
 *
 * A guard region (MADV_GUARD_INSTALL, 6.13+) is a marker in the page
 * table, not a page. /proc/self/pagemap shows it like a swap entry:
 *
 *   pagemap entry         what it is
 *   present               a page (read it)
 *   swapped, bit 58       a guard marker (PM_GUARD_REGION, 6.14+): never read
 *   swapped, no bit 58    a page swapped out, or a marker of 6.13 or of
 *                         userfaultfd write-protection: a read through
 *                         /proc/self/mem answers an error where a load
 *                         would fault (SIGSEGV on a guard)
 *   neither               nothing
 *
 * Used by copy.c (private kinds) and alias.c (shared kinds): the kernel's
 * move carries a guard marker to the new range, so the emulation installs
 * one there and removes the old range's.
 */
#include <errno.h>
#include "compat/sys.h"
#include "shim/du.h"

bool mc_pm_guard(unsigned long long e)
{
	return !(e & PM_PRESENT) && (e & PM_SWAPPED) && (e & PM_GUARD);
}

bool mc_mem_refuses(long memfd, unsigned long addr)
{
	char byte;
	long n = sys_pread((int)memfd, &byte, 1, addr);

	return n == -EIO || n == -EFAULT;
}
