/* shim/lockcheck.c - would the alias's lock of the new range fail?
 *
 * The kernel's DONTUNMAP moves locked pages without a look at
 * RLIMIT_MEMLOCK, where the alias of shared memory has to unlock the old
 * VMA and lock the new range (alias.c). When the limit was lowered below
 * what is locked (or the lock taken with CAP_IPC_LOCK since dropped), that
 * second lock would fail midway: it is foreseen, from VmLck in
 * /proc/self/status, the limit and the capability, before anything changes.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include "compat/sys.h"
#include "shim/lockcheck.h"
#include "shim/status.h"

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

/* VmLck from /proc/self/status, in bytes; ~0UL if unknown. */
static unsigned long locked_bytes(void)
{
	struct mc_status s;

	if (!mc_status_read("/proc/thread-self/status", &s) || !s.locked_seen)
		return ~0UL;
	return s.locked;
}

/* Would the alias's lock of the new range fail? mlock() refuses when the
 * locked memory would pass RLIMIT_MEMLOCK without CAP_IPC_LOCK; the old
 * VMA is unlocked just before. */
bool mc_alias_lock_fails(const struct vma *v, unsigned long len)
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
