/* shim/syscall.c - syscall(SYS_mremap, ...) callers, in the preload build.
 *
 * Programs that call syscall(2) directly (Chromium-style code, tests that
 * bypass libc) get the same treatment as mremap() callers. Every other
 * system call number goes on to the C library's syscall() untouched, with
 * all six arguments, after one compare.
 *
 * The next syscall() in the lookup order, the C library's, is the one
 * shim/libc-syscall.c looks up.
 *
 * Not in the static library: there, libc's syscall is not a weak alias, and
 * a program that links the library statically calls mremap() anyway.
 */
#ifdef PIC
#include <errno.h>
#include <stdarg.h>
#include "compat/sys.h"
#include "shim/entry.h"
#include "shim/req.h"

/* The kernel's convention, as libc's syscall() gives it. */
static long as_libc(long ret)
{
	if (sys_is_err(ret)) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

MC_PUBLIC long syscall(long number, ...)
{
	struct mremap_req r;
	long a, b, c, d, e, f;
	mc_syscall_fn next;
	va_list ap;

	va_start(ap, number);
	a = va_arg(ap, long);
	b = va_arg(ap, long);
	c = va_arg(ap, long);
	d = va_arg(ap, long);
	e = va_arg(ap, long);
	f = va_arg(ap, long);
	va_end(ap);

	if (__builtin_expect(number != SYS_mremap, 1)) {
		next = __atomic_load_n(&mc_libc_syscall, __ATOMIC_ACQUIRE);
		if (next)
			return next(number, a, b, c, d, e, f);
		return as_libc(sys6(number, a, b, c, d, e, f));
	}
	req_decode(&r, (void *)a, (size_t)b, (size_t)c, (int)d, (void *)e);
	return as_libc(mc_remap(&r));
}
#endif
