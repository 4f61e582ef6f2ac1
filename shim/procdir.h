/* shim/procdir.h - the entries of a /proc directory (task/, fd/). */
#ifndef MREMAP_COMPAT_PROCDIR_H
#define MREMAP_COMPAT_PROCDIR_H

/* Called for each entry but "." and ".."; dirfd is the directory's own
 * descriptor (itself listed in /proc/self/fd). Non-zero stops the walk. */
typedef int (*procdir_fn)(const char *name, int dirfd, void *arg);

/* Walks the directory at path with getdents64 and a 256-byte buffer on
 * the stack (no allocation). Returns what fn returned to stop, 0 at the
 * end, or -errno when the directory cannot be opened or read. */
int mc_procdir_each(const char *path, procdir_fn fn, void *arg);

/* The decimal number an entry's name spells (a tid, an fd), or -1. */
long mc_procdir_number(const char *name);

#endif
