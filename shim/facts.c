/* shim/facts.c - the flags a decision needs, without reading smaps.
 *
 * /proc/self/smaps costs a walk of the page tables of every VMA up to the
 * one asked for (Linux generates the records in order); /proc/self/maps
 * walks none. What the maps line lacks for a private anonymous VMA, and
 * how it is asked here, leaving no trace:
 *
 *   sealed (mseal, 6.10+)    mprotect() to its own protection: EPERM when
 *                            sealed, else 0 and nothing changes (the
 *                            kernel returns early when the flags are
 *                            unchanged). Not on an executable VMA: arm64
 *                            clears BTI, x86 may give an execute-only
 *                            VMA a protection key.
 *   userfaultfd-registered   UFFDIO_CONTINUE of its first page on a
 *                            userfaultfd of our own: ENOENT when the VMA
 *                            is registered with none, EINVAL when it is
 *                            registered (CONTINUE is for shmem and
 *                            hugetlb only): in mfill_atomic(), both before
 *                            anything is touched. The ioctl exists since
 *                            5.13: a feature bit of 9 or above says so.
 *   locked                   VmLck: 0 in /proc/thread-self/status: no VMA
 *                            of the process is locked.
 *   VM_DONTEXPAND, VM_PFNMAP, hugetlb: never on private anonymous memory
 *                            (a special mapping or a driver's has a name).
 *
 * The probes run only where nobody else can act on the address space or
 * the sandbox meanwhile: in the window of window.c (every signal blocked,
 * one thread or the others parked: the call's window, opened before the
 * maps were read). Another thread could change a VMA's protection between
 * the maps read and the mprotect probe, which would then restore the
 * stale one; or install a seccomp filter for every thread (TSYNC) between
 * the status read and userfaultfd(2). With other threads running, smaps
 * is read.
 *
 * userfaultfd(2) and personality(2) are calls a sandbox may forbid
 * (Chromium's renderer): they are made only when /proc/thread-self/status
 * says "Seccomp: 0", read on every call (a filter can be added at any
 * time; it can never be removed).
 *
 * Two more conditions keep the probes traceless:
 *   - under the personality READ_IMPLIES_EXEC, mprotect() adds PROT_EXEC
 *     to a readable range: no seal probe of a readable VMA then;
 *   - since 6.8 UFFDIO_CONTINUE gives a private VMA an anon_vma before it
 *     looks at the registration (uffd_lock_vma()), which changes later
 *     merges: the probe is made only on a VMA that has one already, shown
 *     by a page of its own in /proc/self/pagemap (present, exclusively
 *     mapped, not a file page: a private anonymous page hangs off the
 *     VMA's anon_vma).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include "compat/sys.h"
#include "shim/du.h"
#include "shim/facts.h"
#include "shim/req.h"
#include "shim/status.h"

/* <linux/userfaultfd.h>, which musl-gcc cannot see. */
#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1
struct mc_uffdio_api {
	unsigned long long api, features, ioctls;
};
struct mc_uffdio_continue {
	unsigned long long start, len, mode;
	long long mapped;
};
#define MC_UFFDIO_API _IOWR(0xAA, 0x3F, struct mc_uffdio_api)
#define MC_UFFDIO_CONTINUE _IOWR(0xAA, 0x07, struct mc_uffdio_continue)
/* UFFD_FEATURE_MINOR_HUGETLBFS (5.13) and every later feature bit */
#define FEATURES_SINCE_CONTINUE (~((1ULL << 9) - 1))

#ifndef SYS_userfaultfd
#define SYS_userfaultfd -1 /* no such call here: -ENOSYS */
#endif

#define READ_IMPLIES_EXEC 0x0400000

bool mc_facts_begin(struct mc_facts *f)
{
	struct mc_status s;
	long persona;

	if (f->state)
		return f->state > 0;
	f->state = -1;
	if (f->call && f->call->blocked) {
		if (!f->call->alone)
			return false; /* other threads run (zero-copy) */
	} else if (!mc_window_open(&f->w, WINDOW_ALONE)) {
		return false; /* other threads (the mask is restored) */
	}
	if (!mc_status_read("/proc/thread-self/status", &s) || !s.seccomp_seen ||
	    s.seccomp != 0 || !s.locked_seen)
		return false;
	persona = sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
	if (persona < 0)
		return false;
	f->rie = persona & READ_IMPLIES_EXEC;
	f->locked = s.locked != 0;
	f->state = 1;
	return true;
}

/* Does v have an anon_vma? Yes when one of its first pages is a private
 * anonymous page of its own; otherwise not known. */
static bool has_anon_vma(struct mc_facts *f, const struct vma *v)
{
	unsigned long long pm[16];
	unsigned long n = (v->end - v->start) / mc_page_size, i;
	long got;

	if (f->pagemap == -1)
		f->pagemap = sys_openat(AT_FDCWD, "/proc/thread-self/pagemap", O_RDONLY | O_CLOEXEC);
	if (f->pagemap < 0)
		return false;
	if (n > 16)
		n = 16;
	got = sys_pread((int)f->pagemap, pm, n * 8, v->start / mc_page_size * 8);
	for (i = 0; got == (long)(n * 8) && i < n; i++)
		if ((pm[i] & (PM_PRESENT | PM_EXCLUSIVE | PM_FILE)) == (PM_PRESENT | PM_EXCLUSIVE))
			return true;
	return false;
}

static long new_uffd(void)
{
	long fd = sys6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY, 0, 0, 0, 0, 0);

	if (fd == -EINVAL) /* before 5.11: no UFFD_USER_MODE_ONLY */
		fd = sys6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0);
	return fd;
}

/* Our userfaultfd, with UFFDIO_CONTINUE: 1; the kernel has none (nothing
 * can be registered): 2; cannot probe: -1. */
static int open_uffd(struct mc_facts *f)
{
	struct mc_uffdio_api api = { UFFD_API, 0, 0 };
	long fd;

	if (f->uffd_state)
		return f->uffd_state;
	f->uffd_state = -1;
	fd = new_uffd();
	if (fd == -ENOSYS) {
		f->uffd_state = 2;
		return 2;
	}
	if (fd < 0)
		return -1;
	if (sys6(SYS_ioctl, fd, (long)MC_UFFDIO_API, (long)&api, 0, 0, 0) != 0 ||
	    !(api.features & FEATURES_SINCE_CONTINUE)) {
		sys_close((int)fd);
		return -1;
	}
	f->uffd = fd;
	f->uffd_state = 1;
	return 1;
}

void mc_facts_release(struct mc_facts *f)
{
	if (f->uffd >= 0)
		sys_close((int)f->uffd);
	if (f->pagemap >= 0)
		sys_close((int)f->pagemap);
	f->uffd = -1;
	f->pagemap = -1;
	f->uffd_state = 0;
}

void mc_facts_end(struct mc_facts *f)
{
	mc_facts_release(f);
	mc_window_close(&f->w);
	f->state = 0;
}

/* Is v registered with some userfaultfd? 0 no, 1 yes, -1 cannot tell. */
static int registered(struct mc_facts *f, const struct vma *v)
{
	struct mc_uffdio_continue c = { v->start, mc_page_size, 0, 0 };
	long r;

	switch (open_uffd(f)) {
	case 2:
		return 0;
	case 1:
		break;
	default:
		return -1;
	}
	r = sys6(SYS_ioctl, f->uffd, (long)MC_UFFDIO_CONTINUE, (long)&c, 0, 0, 0);
	return r == -ENOENT ? 0 : r == -EINVAL ? 1 : -1;
}

bool mc_facts_settle(struct mc_facts *f, struct vma *v, unsigned int need)
{
	long r;

	if (v->has_vmflags)
		return true;
	if (mc_vma_kind(v) != VMA_ANON_PRIVATE || !mc_facts_begin(f))
		return false;
	if (need & VMF_SL) {
		if ((v->prot & PROT_EXEC) || (f->rie && (v->prot & PROT_READ)))
			return false;
		r = sys_mprotect(v->start, v->end - v->start, v->prot);
		if (r == -EPERM)
			v->vmflags |= VMF_SL;
		else if (r != 0)
			return false;
	}
	if ((need & VMF_UFFD) && !(v->vmflags & VMF_SL) &&
	    (!has_anon_vma(f, v) || registered(f, v) != 0))
		return false;
	v->known |= need | VMF_DE | VMF_PF | VMF_HT;
	if (!f->locked)
		v->known |= VMF_LO | VMF_LF;
	return true;
}
