/* shim/uffd.c - userfaultfd state a DONTUNMAP emulation cannot carry.
 *
 * The kernel's DONTUNMAP moves the page tables: userfaultfd write-protect
 * markers go with the pages and, without UFFD_FEATURE_EVENT_REMAP, are
 * dropped on the way; with EVENT_REMAP the new range is registered with
 * the same userfaultfd and a REMAP event is queued (doc/behaviour.md §4). The
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
 */
#include <fcntl.h>
#include <string.h>
#include "compat/sys.h"
#include "shim/procdir.h"
#include "shim/uffd.h"

#define UFFD_FEATURE_EVENT_REMAP_BIT (1UL << 2)
#define UFFD_FEATURE_EVENT_REMOVE_BIT (1UL << 3)
#define UFFD_FEATURE_EVENT_UNMAP_BIT (1UL << 6)

static bool is_uffd_fd(const char *name)
{
	static const char want[] = "anon_inode:[userfaultfd]";
	char path[48] = "/proc/thread-self/fd/", link[32];
	size_t n = strlen(name);
	long r;

	if (n > sizeof(path) - 22)
		return false;
	memcpy(path + 21, name, n + 1);
	r = sys6(SYS_readlinkat, AT_FDCWD, (long)path, (long)link, sizeof(link), 0, 0);
	return r == (long)sizeof(want) - 1 && !memcmp(link, want, sizeof(want) - 1);
}

/* The features of the userfaultfd 'name' (a number), from its fdinfo. */
static unsigned long uffd_features(const char *name)
{
	char path[48] = "/proc/thread-self/fdinfo/", buf[256], *p, *end;
	size_t n = strlen(name);
	unsigned long f = 0;
	long fd, len;

	if (n > sizeof(path) - 26)
		return 0;
	memcpy(path + 25, name, n + 1);
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

static int feature_cb(const char *name, int dirfd, void *arg)
{
	const unsigned long *want = arg;

	(void)dirfd;
	return mc_procdir_number(name) >= 0 && is_uffd_fd(name) &&
	       (uffd_features(name) & *want);
}

/* Does a userfaultfd of this process have one of the features 'want'? */
static bool some_uffd_has(unsigned long want)
{
	return mc_procdir_each("/proc/thread-self/fd", feature_cb, &want) > 0;
}

static bool some_uffd_remaps(void)
{
	return some_uffd_has(UFFD_FEATURE_EVENT_REMAP_BIT);
}

bool mc_uffd_monitor_waits(const struct vma *v)
{
	if (!v->has_vmflags || !(v->vmflags & VMF_UFFD))
		return false;
	return some_uffd_has(UFFD_FEATURE_EVENT_REMAP_BIT | UFFD_FEATURE_EVENT_REMOVE_BIT |
			     UFFD_FEATURE_EVENT_UNMAP_BIT);
}

/* Registered (VmFlags um/uw/ui): write-protect on shared memory, or any
 * registration of a private VMA while some userfaultfd asked for REMAP. */
bool mc_uffd_needs_kernel(const struct vma *v)
{
	if (!v->has_vmflags || !(v->vmflags & VMF_UFFD))
		return false;
	if (mc_vma_kind(v) == VMA_SHARED)
		return v->vmflags & VMF_UW;
	return some_uffd_remaps();
}
