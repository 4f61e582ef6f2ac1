/* shim/procdir.c - the entries of a /proc directory, without allocation.
 *
 * One reader for /proc/self/task (is the process single-threaded:
 * window.c) and /proc/self/fd (an open descriptor of a file: reopen.c; the
 * process's userfaultfds: uffd.c).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include "compat/sys.h"
#include "shim/procdir.h"

#ifndef O_DIRECTORY
#define O_DIRECTORY 0200000
#endif

/* struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type,
 * then the name. Read by offset: the buffer holds records, not structs. */
#define DIRENT_RECLEN 16
#define DIRENT_NAME 19

static bool dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

int mc_procdir_each(const char *path, procdir_fn fn, void *arg)
{
	char buf[256] __attribute__((aligned(8)));
	long dir, n, off;
	int ret = 0;

	dir = sys_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return (int)dir;
	while (!ret && (n = sys_getdents64((int)dir, buf, sizeof(buf))) > 0) {
		for (off = 0; !ret && off < n;) {
			const char *name = buf + off + DIRENT_NAME;
			unsigned short reclen;

			memcpy(&reclen, buf + off + DIRENT_RECLEN, sizeof(reclen));
			off += reclen;
			if (!dot_or_dotdot(name))
				ret = fn(name, (int)dir, arg);
		}
	}
	if (!ret && n < 0)
		ret = (int)n;
	sys_close((int)dir);
	return ret;
}

long mc_procdir_number(const char *name)
{
	long n = 0;

	if (*name < '0' || *name > '9')
		return -1;
	while (*name >= '0' && *name <= '9')
		n = n * 10 + (*name++ - '0');
	return *name ? -1 : n;
}
