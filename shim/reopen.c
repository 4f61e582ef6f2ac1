/* shim/reopen.c - the file behind a private file mapping.
 *
 * A copy of a private file range maps the file again at the old range, so
 * it needs a descriptor of the very file the VMA maps (checked by device
 * and inode: a renamed or replaced path is never mapped in its place).
 * Three ways, cheapest first:
 *
 *   1. /proc/self/map_files/START-END: any file, deleted or not, but only
 *      for a process with CAP_SYS_ADMIN (CAP_CHECKPOINT_RESTORE since 5.9)
 *      in the initial user namespace: closed to ordinary users.
 *   2. The path maps shows: not for a deleted file or a memfd, a path of
 *      VMA_PATH_MAX bytes or more, a name the kernel's " (deleted)" suffix
 *      or "\012" escape makes ambiguous, or a path that now names another
 *      file.
 *   3. An open descriptor of the process with the same device and inode,
 *      found in /proc/self/fd and reopened read-only through its link (or,
 *      if the file's mode now forbids reading, duplicated when it was
 *      opened for reading).
 *
 * When all three fail (an unprivileged process that closed its last
 * descriptor of a deleted file or memfd, or of a file whose path maps does
 * not give), the caller answers as a kernel without the feature: EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"
#include "shim/procdir.h"


static char *put_hex(char *p, unsigned long x)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[x & 15];
		x >>= 4;
	} while (x);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_dec(char *p, unsigned long x)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static bool same_file(long fd, const struct vma *v)
{
	unsigned long long dev, ino;

	if (sys_fstat_id((int)fd, &dev, &ino))
		return false;
	return mc_vma_maps_file(v, dev, ino);
}

/* Opens path read-only; the descriptor if it is v's file, else -errno. */
static long open_checked(const char *path, const struct vma *v)
{
	long fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fd;
	if (same_file(fd, v))
		return fd;
	sys_close((int)fd);
	return -ESTALE;
}

static long via_map_files(const struct vma *v)
{
	char path[64] = "/proc/self/map_files/", *p = path + 21;

	p = put_hex(p, v->start);
	*p++ = '-';
	p = put_hex(p, v->end);
	*p = 0;
	return open_checked(path, v);
}

/* Can the path maps shows name the file at all? */
static bool path_usable(const struct vma *v)
{
	return !v->deleted && !v->path_truncated && v->path_len > 0 && v->path[0] == '/';
}

/* Descriptor n of this process, if it is v's file: reopened read-only
 * through its link, or, where the file's permissions now forbid that, a
 * duplicate of n itself if n was opened for reading. */
static long via_fd(unsigned long n, const struct vma *v)
{
	char path[48] = "/proc/thread-self/fd/", *p = path + 21;
	long fd, fl;

	if (!same_file((long)n, v))
		return -ENOENT;
	p = put_dec(p, n);
	*p = 0;
	fd = open_checked(path, v);
	if (fd != -EACCES)
		return fd;
	fl = sys_fcntl((int)n, F_GETFL, 0);
	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
		return fd;
	fd = sys_fcntl((int)n, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0 && !same_file(fd, v)) { /* n was closed and reused meanwhile */
		sys_close((int)fd);
		return -ESTALE;
	}
	return fd;
}

struct fd_scan {
	const struct vma *v;
	long fd;                 /* the last answer: a descriptor or -errno */
};

static int scan_fd(const char *name, int dirfd, void *arg)
{
	struct fd_scan *s = arg;
	long n = mc_procdir_number(name);

	if (n < 0 || n == dirfd)
		return 0;
	s->fd = via_fd((unsigned long)n, s->v);
	return s->fd >= 0;
}

/* Scans /proc/self/fd for a descriptor of v's file. */
static long via_open_fds(const struct vma *v)
{
	struct fd_scan s = { v, -ENOENT };
	int err = mc_procdir_each("/proc/thread-self/fd", scan_fd, &s);

	return err < 0 ? err : s.fd;
}

/* Was an attempt refused for want of a descriptor (EMFILE, ENFILE)? */
static long no_descriptor(long fd, long seen)
{
	return fd == -EMFILE || fd == -ENFILE ? fd : seen;
}

long mc_reopen_vma_file(const struct vma *v)
{
	struct mc_controls scratch;
	long fd = via_map_files(v), nofd = no_descriptor(fd, 0);

	if (fd >= 0)
		return fd;
	if (path_usable(v)) {
		fd = open_checked(v->path, v);
		if (fd >= 0)
			return fd;
		nofd = no_descriptor(fd, nofd);
	}
	fd = via_open_fds(v);
	if (fd >= 0)
		return fd;
	nofd = no_descriptor(fd, nofd);
	if (nofd)
		return nofd; /* not known: the caller answers as the kernel */
	if (mc_controls(&scratch)->debug)
		mc_debug_note(path_usable(v) ?
			      "cannot reopen the mapped file: map_files closed, its path names "
			      "another file or none, and no descriptor of it is open" :
			      "cannot reopen the mapped file: map_files closed, no usable path "
			      "(deleted, memfd, long or ambiguous), and no descriptor of it is open",
			      v->start, v->end);
	return -ENOENT;
}
