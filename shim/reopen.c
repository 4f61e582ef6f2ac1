/* shim/reopen.c - the file behind a private file mapping. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"


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

static bool same_file(long fd, const struct vma *v)
{
	struct stat st;

	if (sys_fstat((int)fd, &st))
		return false;
	return st.st_ino == v->ino && major(st.st_dev) == v->dev_major &&
	       minor(st.st_dev) == v->dev_minor;
}

/* Opens the very file the VMA maps, checked by device and inode, so that a
 * renamed or replaced path is never mapped in its place. */
long mc_reopen_vma_file(const struct vma *v)
{
	char path[64] = "/proc/self/map_files/", *p = path + 21;
	long fd;

	p = put_hex(p, v->start);
	*p++ = '-';
	p = put_hex(p, v->end);
	*p = 0;
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && same_file(fd, v))
		return fd;
	if (fd >= 0)
		sys_close((int)fd);
	if (v->deleted || v->path_truncated || v->path_len == 0 || v->path[0] != '/')
		return -ENOENT;
	fd = sys_openat(AT_FDCWD, v->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (same_file(fd, v))
		return fd;
	sys_close((int)fd);
	return -ESTALE;
}
