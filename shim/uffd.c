/* shim/uffd.c - userfaultfd state a DONTUNMAP emulation cannot carry.
 *
 * The kernel's DONTUNMAP moves the page tables: userfaultfd write-protect
 * markers go with the pages and, without UFFD_FEATURE_EVENT_REMAP, are
 * dropped on the way; with EVENT_REMAP the new range is registered with
 * the same userfaultfd and a REMAP event is queued (SPEC.md §4, §8). The
 * library holds no userfaultfd and uses none, so two cases are beyond it:
 *
 *   write-protect (VmFlags uw) on shared memory: the alias empties the
 *       old range with MADV_DONTNEED, which leaves a marker on every
 *       protected page of a shmem mapping: the old range would stay
 *       write-protected where the kernel leaves it without markers;
 *   a registered private VMA while a userfaultfd of this process asked
 *       for EVENT_REMAP: the copy neither registers the new range nor
 *       queues the event. (The alias of a shared VMA is a kernel mremap:
 *       the kernel registers and notifies for it.)
 *
 * The userfaultfds of the process are found in /proc/self/fd (links to
 * "anon_inode:[userfaultfd]") and their features in /proc/self/fdinfo
 * ("API:\t<api>:<features>:<ioctls>"). One held only by another process
 * (passed over a socket) is not seen.
 *
 * A third case is the lock of shared memory: the kernel moves locked pages
 * without a look at RLIMIT_MEMLOCK, where the alias has to unlock the old
 * VMA and lock the new range (alias.c). When the limit was lowered below
 * what is locked (or the lock taken with CAP_IPC_LOCK since dropped), that
 * second lock would fail midway: it is foreseen, from VmLck in
 * /proc/self/status, the limit and the capability, before anything changes.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/probe.h"
#include "shim/procdir.h"
#include "shim/uffd.h"

#define UFFD_FEATURE_EVENT_REMAP_BIT (1UL << 2)

static bool is_uffd_fd(const char *name)
{
	static const char want[] = "anon_inode:[userfaultfd]";
	char path[32] = "/proc/self/fd/", link[32];
	size_t n = strlen(name);
	long r;

	if (n > sizeof(path) - 15)
		return false;
	memcpy(path + 14, name, n + 1);
	r = sys6(SYS_readlinkat, AT_FDCWD, (long)path, (long)link, sizeof(link), 0, 0);
	return r == (long)sizeof(want) - 1 && !memcmp(link, want, sizeof(want) - 1);
}

/* The features of the userfaultfd 'name' (a number), from its fdinfo. */
static unsigned long uffd_features(const char *name)
{
	char path[40] = "/proc/self/fdinfo/", buf[256], *p, *end;
	size_t n = strlen(name);
	unsigned long f = 0;
	long fd, len;

	if (n > sizeof(path) - 19)
		return 0;
	memcpy(path + 18, name, n + 1);
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = sys_read((int)fd, buf, sizeof(buf) - 1);
	sys_close((int)fd);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	end = buf + len;
	p = strstr(buf, "API:\t");
	if (!p || !(p = memchr(p, ':', (size_t)(end - p))) || !(p = memchr(p + 1, ':', (size_t)(end - p - 1))))
		return 0;
	for (p++; p < end; p++) {
		unsigned int d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
				 *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10) : 16;
		if (d == 16)
			break;
		f = f << 4 | d;
	}
	return f;
}

static int remap_cb(const char *name, int dirfd, void *arg)
{
	(void)dirfd;
	(void)arg;
	return mc_procdir_number(name) >= 0 && is_uffd_fd(name) &&
	       (uffd_features(name) & UFFD_FEATURE_EVENT_REMAP_BIT);
}

/* Does a userfaultfd of this process have UFFD_FEATURE_EVENT_REMAP? */
static bool some_uffd_remaps(void)
{
	return mc_procdir_each("/proc/self/fd", remap_cb, NULL) > 0;
}

static bool uffd_needs_kernel(const struct vma *v)
{
	if (!v->has_vmflags || !(v->vmflags & VMF_UFFD))
		return false;
	if (mc_vma_kind(v) == VMA_SHARED)
		return v->vmflags & VMF_UW;
	return some_uffd_remaps();
}

/* capget(2)'s ABI (<linux/capability.h>, which musl-gcc cannot see). */
#define CAP_VERSION_3 0x20080522u
#define CAP_IPC_LOCK_BIT 14 /* in the first set: effective is d[0] */

static bool has_cap_ipc_lock(void)
{
	struct { unsigned int version; int pid; } h = { CAP_VERSION_3, 0 };
	/* two struct __user_cap_data_struct: effective, permitted, inheritable */
	unsigned int d[2 * 3];

	if (sys6(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0))
		return false;
	return d[0] & (1u << CAP_IPC_LOCK_BIT);
}

/* VmLck from /proc/self/status, in bytes; ~0UL if unknown. Read in
 * windows of 256 bytes that overlap by more than a whole "VmLck:" line, so
 * the line lies whole inside one of them (a long Groups: line comes
 * before it). */
static __attribute__((noinline)) unsigned long locked_bytes(void)
{
	static const char key[] = "\nVmLck:";
	enum { WINDOW = 256, OVERLAP = 64 };
	char buf[WINDOW + 1], *p, *end;
	unsigned long kb = ~0UL, off = 0;
	long fd, n;

	fd = sys_openat(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ~0UL;
	while (kb == ~0UL && (n = sys_pread((int)fd, buf, WINDOW, off)) > 0) {
		buf[n] = 0;
		end = buf + n;
		p = strstr(buf, key);
		if (p && (end - p >= OVERLAP || n < WINDOW)) {
			for (p += sizeof(key) - 1; p < end && (*p == ' ' || *p == '\t'); p++)
				;
			for (kb = 0; p < end && *p >= '0' && *p <= '9'; p++)
				kb = kb * 10 + (unsigned long)(*p - '0');
			kb *= 1024;
		}
		if (n < WINDOW)
			break;
		off += WINDOW - OVERLAP;
	}
	sys_close((int)fd);
	return kb;
}

/* Would the alias's lock of the new range fail? mlock() refuses when the
 * locked memory would pass RLIMIT_MEMLOCK without CAP_IPC_LOCK; the old
 * VMA is unlocked just before. */
static bool alias_lock_fails(const struct vma *v, unsigned long len)
{
	struct { unsigned long long cur, max; } rl;
	unsigned long locked, old_vma = v->end - v->start;

	if (mc_vma_kind(v) != VMA_SHARED || !v->has_vmflags || !(v->vmflags & VMF_LO))
		return false;
	if (sys6(SYS_prlimit64, 0, RLIMIT_MEMLOCK, 0, (long)&rl, 0, 0) ||
	    rl.cur == ~0ULL || has_cap_ipc_lock())
		return false;
	locked = locked_bytes();
	if (locked == ~0UL)
		return false;
	locked = locked > old_vma ? locked - old_vma : 0;
	return locked + len > rl.cur;
}

bool mc_only_kernel_dontunmap(const struct vma *v, unsigned long len, const char **why)
{
	if (uffd_needs_kernel(v)) {
		*why = "userfaultfd state";
		return true;
	}
	if (alias_lock_fails(v, len)) {
		*why = "a lock RLIMIT_MEMLOCK would refuse the library";
		return true;
	}
	return false;
}

bool mc_kernel_dontunmaps(const struct vma *v)
{
	unsigned int bit = mc_vma_kind(v) == VMA_ANON_PRIVATE ? MREMAP_COMPAT_NATIVE_DONTUNMAP :
			   MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED;

	return mc_kernel_features() & bit;
}
