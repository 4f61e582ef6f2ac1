/* shim/interpose.c - the mremap symbol.
 *
 * A strong mremap overrides the C library's: at run time through
 * LD_PRELOAD (shared build), at link time against glibc's and musl's weak
 * alias of __mremap (static build). Calls that cannot need anything new
 * cost one branch: in the shared build they go on to the next mremap in
 * the lookup order (another interposer, or libc), in the static build
 * straight to the kernel.
 *
 * libtool compiles the shared objects with -DPIC.
 */
#include <errno.h>
#include <stdarg.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/decide.h"
#include "shim/entry.h"
#include "shim/req.h"

#ifdef PIC
#include <dlfcn.h>

typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);

static mremap_fn next_mremap;
static int resolving;

/* dlsym may allocate: never while it is already resolving (a malloc that
 * calls mremap, say); the raw system call serves meanwhile. */
static mremap_fn resolve_next(void)
{
	mremap_fn f = __atomic_load_n(&next_mremap, __ATOMIC_ACQUIRE);
	int saved;

	if (f)
		return f;
	if (__atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL))
		return NULL;
	saved = errno; /* dlsym may set it; a successful mremap must not */
	f = (mremap_fn)dlsym(RTLD_NEXT, "mremap");
	errno = saved;
	if (f == (mremap_fn)mremap)
		f = NULL;
	__atomic_store_n(&next_mremap, f, __ATOMIC_RELEASE);
	__atomic_store_n(&resolving, 0, __ATOMIC_RELEASE);
	return f;
}

__attribute__((constructor)) static void interpose_init(void)
{
	resolve_next();
}
#endif

static void *pass_through(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	long ret;
#ifdef PIC
	mremap_fn f = __atomic_load_n(&next_mremap, __ATOMIC_ACQUIRE);

	if (!f)
		f = resolve_next();
	if (f)
		return f(old, old_len, new_len, flags, new_addr);
#endif
	ret = sys_mremap((unsigned long)old, old_len, new_len, (unsigned long)flags,
			 (unsigned long)new_addr);
	if (sys_is_err(ret)) {
		errno = (int)-ret;
		return MAP_FAILED;
	}
	return (void *)ret;
}

MC_PUBLIC void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	struct mremap_req r;
	void *new_addr = NULL;
	va_list ap;

	if (__builtin_expect(!(flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)), 1))
		return pass_through(old, old_len, new_len, flags, NULL);
	va_start(ap, flags);
	new_addr = va_arg(ap, void *);
	va_end(ap);
	req_decode(&r, old, old_len, new_len, flags, new_addr);
	/* A FIXED call that changes the size is the C library's business
	 * unless the kernel lacks the 6.17 checks (guard.c). DONTUNMAP is
	 * never sent through it: glibc >= 2.41 (and 2.35-2.40 backports)
	 * filter flags, and older ones read new_addr only for FIXED. */
	if (!vrm_dontunmap(&r) && !vrm_move_only(&r) &&
	    !(mc_emulated() & MREMAP_COMPAT_EMULATED_MULTI_VMA))
		return pass_through(old, old_len, new_len, flags, new_addr);
	return mremap_compat(old, old_len, new_len, flags, new_addr);
}
