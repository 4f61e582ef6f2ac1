/* shim/probe.c - what the running kernel can do, asked by behaviour.
 *
 * Never by version number: vendors backport. Each probe works on scratch
 * mappings of its own and leaves none behind. Run once per process:
 * the first caller probes; the others wait for it, except a signal handler
 * that interrupted the prober on its own thread (it probes for itself,
 * uncached), and a forked child whose prober stayed in the parent (it
 * takes over). No locks, no allocation.
 *
 * A probe that cannot tell (its scratch mapping refused, or ENOMEM: the
 * process is within a few mappings of vm.max_map_count, where 6.17+
 * refuses FIXED and DONTUNMAP calls up front) is not cached: that call is
 * answered as if the kernel lacked the feature (the emulation is exact on
 * any kernel), and the next call probes again.
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

enum probe_answer { PROBE_NO, PROBE_YES, PROBE_UNKNOWN };

/* What a probe's mremap() answer says: EINVAL or EFAULT (the feature is
 * missing), success, or anything else (ENOMEM near the map count limit,
 * EAGAIN...): cannot tell. */
static enum probe_answer probe_says(long ret, long missing)
{
	if (!sys_is_err(ret))
		return PROBE_YES;
	return ret == missing ? PROBE_NO : PROBE_UNKNOWN;
}

/* DONTUNMAP without FIXED never touches a destination: safe to try. */
static enum probe_answer probe_dontunmap(int map_flags)
{
	unsigned long p = mc_page_size, a;
	long b;

	a = (unsigned long)sys_mmap(0, p, RW, map_flags, -1, 0);
	if (sys_is_err(a))
		return PROBE_UNKNOWN;
	b = sys_mremap(a, p, p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	if (!sys_is_err(b))
		sys_munmap((unsigned long)b, p);
	sys_munmap(a, p);
	return probe_says(b, -EINVAL);
}

/* A FIXED move of a range made of two VMAs. Before 6.17 the kernel fails it
 * with EFAULT after unmapping the destination, which is our own scratch
 * reservation: we take it back only if the hole is still free, so that a
 * mapping another thread placed there in between is never touched.
 *
 *   src: [ rw page | r- page ]      dst: [ reserved, 2 pages ]
 */
static enum probe_answer probe_multi_vma(void)
{
	unsigned long p = mc_page_size, src, dst, again;
	long r;

	src = (unsigned long)sys_mmap(0, 2 * p, RW, ANON, -1, 0);
	if (sys_is_err(src))
		return PROBE_UNKNOWN;
	dst = (unsigned long)sys_mmap(0, 2 * p, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (sys_is_err(dst)) {
		sys_munmap(src, 2 * p);
		return PROBE_UNKNOWN;
	}
	if (sys_mprotect(src + p, p, PROT_READ)) {
		sys_munmap(src, 2 * p);
		sys_munmap(dst, 2 * p);
		return PROBE_UNKNOWN;
	}
	r = sys_mremap(src, 2 * p, 2 * p, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if ((unsigned long)r == dst) {
		sys_munmap(dst, 2 * p);
		return PROBE_YES;
	}
	sys_munmap(src, 2 * p);
	if (r != -EFAULT) {
		/* ENOMEM and the like come, on every kernel, before the
		 * destination is unmapped: the reservation is still ours. */
		sys_munmap(dst, 2 * p);
		return probe_says(r, -EFAULT);
	}
	again = (unsigned long)sys_mmap(dst, 2 * p, PROT_NONE,
					ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (again == dst)
		sys_munmap(dst, 2 * p); /* the hole was free: ours again, released */
	else if (!sys_is_err(again))
		sys_munmap(again, 2 * p); /* a kernel before 4.17 took it as a hint */
	/* EEXIST: our reservation survived or another thread's mapping is
	 * there; either way it is left alone. */
	return PROBE_NO;
}

/* The features found; *unknown when a probe could not tell. */
static unsigned int run_probes(bool *unknown)
{
	static const unsigned int bits[3] = {
		MREMAP_COMPAT_NATIVE_DONTUNMAP, MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED,
		MREMAP_COMPAT_NATIVE_MULTI_VMA,
	};
	enum probe_answer a[3];
	unsigned int f = 0, i;

	a[0] = probe_dontunmap(ANON);
	a[1] = probe_dontunmap(MAP_SHARED | MAP_ANONYMOUS);
	a[2] = probe_multi_vma();
	*unknown = false;
	for (i = 0; i < 3; i++) {
		if (a[i] == PROBE_YES)
			f |= bits[i];
		*unknown |= a[i] == PROBE_UNKNOWN;
	}
	return f;
}

static void mc_debug_note_if(const char *what)
{
	struct mc_controls scratch;

	if (mc_controls(&scratch)->debug)
		mc_debug_note(what, 0, 0);
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
				bool unknown;
				unsigned int f = run_probes(&unknown);

				if (unknown) {
					/* not cached: the next call asks again */
					__atomic_store_n(&probe_owner, 0, __ATOMIC_RELEASE);
					mc_debug_note_if("probes inconclusive (vm.max_map_count?): "
							 "emulating this call, probing again later");
					return f;
				}
				probe_result = f;
				__atomic_store_n(&probe_owner, -1, __ATOMIC_RELEASE);
				debug_probed(f);
				return f;
			}
			continue;
		}
		if (owner == tid) {
			bool unknown; /* a signal handler on the prober's thread */

			return run_probes(&unknown);
		}
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
	(void)p;
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
