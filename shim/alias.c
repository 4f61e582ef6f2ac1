/* shim/alias.c - alias: DONTUNMAP of a shared mapping (no window). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"


#define PM_BATCH 32 /* pagemap entries per read: 256 bytes of stack */

/* Is the page at addr (pagemap entry e) a guard marker? Bit 58 says so on
 * 6.14+; a swapped-looking entry without it is asked through
 * /proc/self/mem (opened here on first need), never loaded (marker.c). */
static bool guard_at(unsigned long long e, unsigned long addr, long *memfd)
{
	if (e & PM_PRESENT || !(e & PM_SWAPPED))
		return false;
	if (mc_pm_guard(e))
		return true;
	if (*memfd == -1)
		*memfd = sys_openat(AT_FDCWD, "/proc/thread-self/mem", O_RDONLY | O_CLOEXEC);
	return *memfd >= 0 && mc_mem_refuses(*memfd, addr);
}

/* Why the duplicate got ENOMEM, for the debug line. It is a mapping of
 * the range's size made before a FIXED destination or our reservation is
 * freed: at the RLIMIT_AS edge it needs that size once more than the
 * kernel (README); without an RLIMIT_AS, the cause is the count of
 * mappings, which the kernel's move checks against vm.max_map_count
 * (earlier pieces of a move across VMAs may have split some). */
static const char *enomem_cause(void)
{
	struct { unsigned long long cur, max; } rl;

	if (sys6(SYS_prlimit64, 0, RLIMIT_AS, 0, (long)&rl, 0, 0) == 0 && rl.cur == ~0ULL)
		return "alias: ENOMEM: too close to vm.max_map_count for the kernel's move "
		       "of the duplicate (RLIMIT_AS is unlimited)";
	return "alias: ENOMEM: the duplicate is charged to RLIMIT_AS before its "
	       "destination is freed, or too close to vm.max_map_count";
}

/*
 * The kernel's move carries the page table entries along: a page present
 * at the old address is present at the new one, and no other; a guard
 * marker (MADV_GUARD_INSTALL) moves too. The alias maps the object again
 * without page tables, so
 *
 *   old  [ A g . B ]      pagemap: A B present, g guard, . none
 *   new  [ A g . B ]      A B read faults (nothing is dirtied), g installed,
 *                         . zapped (a read fault's fault-around maps it
 *                         from the page cache)
 *
 * A guard is never loaded. True when a guard was installed: the caller
 * removes the old range's once the call cannot fail any more.
 */
static bool populate_like(const struct vma *v, unsigned long old, unsigned long dest,
			  unsigned long len)
{
	unsigned long long pm[PM_BATCH];
	unsigned long p = mc_page_size, npages = len / p, i, j;
	long pmfd, memfd = -1;
	bool some_absent = false, some_present = false, guards = false;
	char byte;
	int pass;

	pmfd = sys_openat(AT_FDCWD, "/proc/thread-self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pmfd < 0)
		return false;
	if (!(v->prot & PROT_READ))
		memfd = sys_openat(AT_FDCWD, "/proc/thread-self/mem", O_RDONLY | O_CLOEXEC);
	if (memfd < 0)
		memfd = -1; /* not tried yet, for guard_at() */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && !(some_absent && some_present))
			break;
		for (i = 0; i < npages; i += PM_BATCH) {
			unsigned long n = npages - i < PM_BATCH ? npages - i : PM_BATCH;

			if (sys_pread((int)pmfd, pm, n * 8, (old / p + i) * 8) != (long)(n * 8))
				break;
			for (j = 0; j < n; j++) {
				unsigned long at = dest + (i + j) * p;

				if (pass == 1) {
					if (!(pm[j] & (PM_PRESENT | PM_SWAPPED)))
						sys_madvise(at, p, MADV_DONTNEED);
					continue;
				}
				if (guard_at(pm[j], old + (i + j) * p, &memfd)) {
					if (sys_madvise(at, p, MADV_GUARD_INSTALL) == 0)
						guards = true;
					continue;
				}
				if (!(pm[j] & (PM_PRESENT | PM_SWAPPED))) {
					some_absent = true;
					continue;
				}
				some_present = true;
				if (!(v->prot & PROT_READ) && memfd < 0)
					continue;
				if (memfd >= 0)
					sys_pread((int)memfd, &byte, 1, at);
				else
					(void)*(volatile const char *)at;
			}
		}
	}
	if (memfd >= 0)
		sys_close((int)memfd);
	sys_close((int)pmfd);
	return guards;
}

/* Locks [addr, addr+len) as v was locked: lo, or lo lf (MLOCK_ONFAULT). */
static long lock_like(const struct vma *v, unsigned long addr, unsigned long len)
{
	if (v->vmflags & VMF_LF)
		return sys6(SYS_mlock2, (long)addr, (long)len, 1 /* MLOCK_ONFAULT */, 0, 0, 0);
	return sys_mlock(addr, len);
}

static bool vma_locked(const struct vma *v)
{
	return v->has_vmflags && (v->vmflags & VMF_LO);
}

/*
 * The duplicate (old_len 0) is a grow of the old VMA: the kernel checks it
 * against RLIMIT_MEMLOCK when the VMA is locked, where its DONTUNMAP moves
 * the locked pages without a check. So a locked VMA is unlocked first (the
 * kernel's DONTUNMAP unlocks the whole old VMA anyway), duplicated, and the
 * new range locked as the old one was: the count of locked memory never
 * goes above what it was. A lock that fails is the call's error: the
 * duplicate goes away and the old VMA is locked again.
 *
 *   old [LLLL]                 munlock:     old [llll]
 *   duplicate:  new [llll]     populate_like(), mlock new: new [LLLL]
 *   old emptied (MADV_DONTNEED)
 */
long mc_du_alias(const struct vma *v, unsigned long old, unsigned long len,
		     unsigned long dest, bool reserved)
{
	bool locked = vma_locked(v), guards = false;
	long ret, err;

	if (locked)
		sys_munlock(v->start, v->end - v->start);
	ret = sys_mremap(old, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	if (!sys_is_err(ret))
		guards = populate_like(v, old, (unsigned long)ret, len); /* before the lock: it zaps */
	if (!sys_is_err(ret) && locked) {
		err = lock_like(v, (unsigned long)ret, len);
		if (sys_is_err(err)) {
			sys_munmap((unsigned long)ret, len);
			ret = err;
		}
	}
	if (sys_is_err(ret)) {
		struct mc_controls scratch;
		const struct mc_controls *c = mc_controls(&scratch);

		/* The duplicate is charged before a FIXED destination or our
		 * reservation is freed: at the RLIMIT_AS edge it needs the
		 * range's size once more than the kernel (doc/known-differences.md#rlimit-as). */
		if (ret == -ENOMEM && c->debug)
			mc_debug_note(enomem_cause(), dest, dest + len);
		if (locked)
			lock_like(v, v->start, v->end - v->start);
		if (reserved)
			mc_dest_release(dest, len);
		/* The duplicate path answers EFAULT for VM_DONTEXPAND and
		 * VM_PFNMAP, which DONTUNMAP refuses with EINVAL. */
		return ret == -EFAULT ? -EINVAL : ret;
	}
	mc_attrs_unlock_old(v);
	sys_madvise(old, len, MADV_DONTNEED); /* no page tables left */
	if (guards)
		sys_madvise(old, len, MADV_GUARD_REMOVE); /* they moved */
	return ret;
}
