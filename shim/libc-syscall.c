/* shim/libc-syscall.c - the C library's syscall(), in the shared builds.
 *
 * compat/sys.h's portable fallback (architectures without a raw path
 * there) calls the C library's syscall(). In libmremap-compat the name
 * syscall is the library's own (shim/syscall.c), which would call the
 * library again; libmremap-compat-api defines no syscall, but may be
 * loaded beside the preloaded libmremap-compat. Both take the next
 * syscall() in the lookup order, once, from a constructor; before it ran
 * the fallback answers ENOSYS.
 */
#ifdef PIC
#include <dlfcn.h>
#include "compat/sys.h"

mc_syscall_fn mc_libc_syscall __attribute__((visibility("hidden")));

__attribute__((constructor)) static void libc_syscall_init(void)
{
	mc_syscall_fn f = (mc_syscall_fn)dlsym(RTLD_NEXT, "syscall");

	__atomic_store_n(&mc_libc_syscall, f, __ATOMIC_RELEASE);
}
#endif
