/* shim/status.c - Seccomp: and VmLck: from /proc/<thread>/status.
 *
 *   VmLck:	       0 kB        bytes of VM_LOCKED VMAs (mlock, MLOCK_ONFAULT,
 *                                 mlockall), for the whole process
 *   Seccomp:	0                  this thread: 0 none, 1 strict, 2 filter
 *   SigBlk:	0000000000000000   this thread's blocked signals (bit n-1: n)
 *
 * The file is generated whole on the first read(2) and handed out from
 * there: read in order, never with pread (each pread at an offset would
 * generate it again). Only the first bytes of each line are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include "compat/sys.h"
#include "shim/status.h"

#define KEPT 40 /* "Seccomp:\t2" and "VmLck:\t 123456789 kB" fit */

static unsigned long number(const char *p, const char *end)
{
	unsigned long x = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && *p >= '0' && *p <= '9')
		x = x * 10 + (unsigned long)(*p++ - '0');
	return x;
}

static void line(struct mc_status *s, const char *l, size_t n)
{
	if (n > 16 && !memcmp(l, "Seccomp_filters:", 16)) {
		s->filters = (unsigned int)number(l + 16, l + n);
		s->filters_seen = true;
	} else if (n > 8 && !memcmp(l, "Seccomp:", 8)) {
		s->seccomp = (unsigned int)number(l + 8, l + n);
		s->seccomp_seen = true;
	} else if (n > 7 && !memcmp(l, "SigBlk:", 7)) {
		const char *p = l + 7, *end = l + n;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (; p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')); p++)
			s->sigblk = s->sigblk * 16 +
				    (unsigned long long)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		s->sigblk_seen = true;
	} else if (n > 6 && !memcmp(l, "VmLck:", 6)) {
		s->locked = number(l + 6, l + n) * 1024;
		s->locked_seen = true;
	}
}

bool mc_status_read(const char *path, struct mc_status *s)
{
	char buf[1024], l[KEPT]; /* (never inside a maps walk: facts.c) */
	size_t n = 0;
	long fd, got, i;

	memset(s, 0, sizeof(*s));
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((got = sys_read((int)fd, buf, sizeof(buf))) != 0) {
		if (got == -EINTR)
			continue;
		if (got < 0)
			break;
		for (i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				line(s, l, n);
				n = 0;
			} else if (n < KEPT) {
				l[n++] = buf[i];
			}
		}
	}
	sys_close((int)fd);
	s->read = got == 0;
	return s->read;
}
