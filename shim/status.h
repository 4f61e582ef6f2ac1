/* shim/status.h - two lines of /proc/<thread>/status. */
#ifndef MREMAP_COMPAT_STATUS_H
#define MREMAP_COMPAT_STATUS_H
#include <stdbool.h>

struct mc_status {
	bool read;              /* the file was read to its end */
	bool seccomp_seen;      /* a "Seccomp:" line (Linux 2.6.38+ with seccomp) */
	unsigned int seccomp;   /* 0 none, 1 strict, 2 filter */
	unsigned long locked;   /* VmLck in bytes: memory of VM_LOCKED VMAs */
	bool locked_seen;
	unsigned long long sigblk; /* SigBlk: the thread's blocked signals */
	bool sigblk_seen;
	unsigned int filters;   /* Seccomp_filters: how many (Linux 5.9+) */
	bool filters_seen;
};

/* Reads path ("/proc/thread-self/status", "/proc/self/task/TID/status"):
 * the mode of seccomp and the blocked signals of the thread it names, and
 * VmLck of the process. False when it cannot be read. */
bool mc_status_read(const char *path, struct mc_status *s);

#endif
