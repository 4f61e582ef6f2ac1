/* shim/probe.c - what the running kernel can do, asked by behaviour.
 *
 * Never by version number: vendors backport. Each probe works on scratch
 * mappings of its own and leaves none behind. Run once per process:
 * the first caller probes; the others wait for it, except a signal handler
 * that interrupted the prober on its own thread (it probes for itself,
 * uncached), and a forked child whose prober stayed in the parent (it
 * takes over). No locks, no allocation.
 */
#include <errno.h>
#include <signal.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/probe.h"
#include "shim/req.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

static int probe_owner;      /* 0: not probed, -1: done, else the prober's tid */
static unsigned int probe_result;
static unsigned long task_size;

/* DONTUNMAP without FIXED never touches a destination: safe to try. */
static bool probe_dontunmap(int map_flags)
{
	unsigned long p = mc_page_size, a, b;
	bool ok;

	a = (unsigned long)sys_mmap(0, p, RW, map_flags, -1, 0);
	if (sys_is_err(a))
		return false;
	b = (unsigned long)sys_mremap(a, p, p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	ok = !sys_is_err(b);
	if (ok)
		sys_munmap(b, p);
	sys_munmap(a, p);
	return ok;
}

/* A FIXED move of a range made of two VMAs. Before 6.17 the kernel fails it
 * with EFAULT after unmapping the destination, which is our own scratch
 * reservation: we take it back only if the hole is still free, so that a
 * mapping another thread placed there in between is never touched.
 *
 *   src: [ rw page | r- page ]      dst: [ reserved, 2 pages ]
 */
static bool probe_multi_vma(void)
{
	unsigned long p = mc_page_size, src, dst, r, again;

	src = (unsigned long)sys_mmap(0, 2 * p, RW, ANON, -1, 0);
	if (sys_is_err(src))
		return false;
	dst = (unsigned long)sys_mmap(0, 2 * p, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (sys_is_err(dst)) {
		sys_munmap(src, 2 * p);
		return false;
	}
	if (sys_mprotect(src + p, p, PROT_READ)) {
		sys_munmap(src, 2 * p);
		sys_munmap(dst, 2 * p);
		return false;
	}
	r = (unsigned long)sys_mremap(src, 2 * p, 2 * p, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (r == dst) {
		sys_munmap(dst, 2 * p);
		return true;
	}
	sys_munmap(src, 2 * p);
	again = (unsigned long)sys_mmap(dst, 2 * p, PROT_NONE,
					ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (again == dst)
		sys_munmap(dst, 2 * p); /* the hole was free: ours again, released */
	else if (!sys_is_err(again))
		sys_munmap(again, 2 * p); /* a kernel before 4.17 took it as a hint */
	/* EEXIST: our reservation survived or another thread's mapping is
	 * there; either way it is left alone. */
	return false;
}

static unsigned int run_probes(void)
{
	unsigned int f = 0;

	if (probe_dontunmap(ANON))
		f |= MREMAP_COMPAT_NATIVE_DONTUNMAP;
	if (probe_dontunmap(MAP_SHARED | MAP_ANONYMOUS))
		f |= MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED;
	if (probe_multi_vma())
		f |= MREMAP_COMPAT_NATIVE_MULTI_VMA;
	return f;
}

static void debug_probed(unsigned int f)
{
	struct mc_controls scratch;

	static const char *const says[8] = {
		"probed the kernel: DONTUNMAP no, shared no, multi-VMA no",
		"probed the kernel: DONTUNMAP yes, shared no, multi-VMA no",
		"probed the kernel: DONTUNMAP no, shared yes, multi-VMA no",
		"probed the kernel: DONTUNMAP yes, shared yes, multi-VMA no",
		"probed the kernel: DONTUNMAP no, shared no, multi-VMA yes",
		"probed the kernel: DONTUNMAP yes, shared no, multi-VMA yes",
		"probed the kernel: DONTUNMAP no, shared yes, multi-VMA yes",
		"probed the kernel: DONTUNMAP yes, shared yes, multi-VMA yes",
	};

	if (mc_controls(&scratch)->debug)
		mc_debug_note(says[f & 7], 0, 0);
}

unsigned int mc_kernel_features(void)
{
	int owner = __atomic_load_n(&probe_owner, __ATOMIC_ACQUIRE);
	int tid;

	if (owner == -1)
		return probe_result;
	tid = (int)sys_gettid();
	for (;;) {
		owner = __atomic_load_n(&probe_owner, __ATOMIC_ACQUIRE);
		if (owner == -1)
			return probe_result;
		if (owner == 0) {
			if (__atomic_compare_exchange_n(&probe_owner, &owner, tid, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				unsigned int f = run_probes();

				probe_result = f;
				__atomic_store_n(&probe_owner, -1, __ATOMIC_RELEASE);
				debug_probed(f);
				return f;
			}
			continue;
		}
		if (owner == tid)
			return run_probes(); /* a signal handler on the prober's thread */
		if (sys_tgkill(sys_getpid(), owner, 0) == -ESRCH) {
			/* The prober is not in this process: we are a child
			 * forked while it probed. Take over. */
			__atomic_compare_exchange_n(&probe_owner, &owner, 0, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
			continue;
		}
		sys_sched_yield();
	}
}

/* x86_64: 47-bit user space, or 56-bit with 5-level paging, which the
 * kernel shows by honouring a hint above 47 bits. Elsewhere: 48 bits. */
unsigned long mc_task_size(void)
{
	unsigned long t = __atomic_load_n(&task_size, __ATOMIC_RELAXED);
	unsigned long p = mc_page_size, hint, r;

	if (t)
		return t;
#if defined(__x86_64__)
	t = (1UL << 47) - p;
	hint = 1UL << 52;
	r = (unsigned long)sys_mmap(hint, p, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (!sys_is_err(r)) {
		if (r >= (1UL << 47))
			t = (1UL << 56) - p;
		sys_munmap(r, p);
	}
#elif __SIZEOF_LONG__ > 4
	(void)hint;
	(void)r;
	t = 1UL << 48;
#else
	/* 32-bit: at most 4 GiB less a page (a 32-bit process on a 64-bit
	 * kernel); a 3 GiB split is smaller: too large only lets a call past
	 * the library's own check to the kernel's, and makes mc_span() ask the
	 * maps */
	(void)hint;
	(void)r;
	t = 0UL - p;
#endif
	__atomic_store_n(&task_size, t, __ATOMIC_RELAXED);
	return t;
}
