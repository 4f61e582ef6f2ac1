/* compat/sys.h - raw system calls for the library's own work.
 *
 * The emulation must not touch errno, take libc locks or go through libc
 * wrappers that filter flags (glibc >= 2.41 rejects unknown mremap flags).
 * Every function here returns the kernel's raw answer: a value, or a
 * negative errno in [-4095, -1].
 */
#ifndef MREMAP_COMPAT_SYS_H
#define MREMAP_COMPAT_SYS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "compat/mman.h"

#ifdef PIC
/* The C library's syscall() in the shared builds (shim/libc-syscall.c). */
typedef long (*mc_syscall_fn)(long, ...);
extern mc_syscall_fn mc_libc_syscall __attribute__((visibility("hidden")));
#endif

/* clang's static analyzer does not model inline assembly: it would take a
 * buffer that read(2) or fstat(2) filled for uninitialized. It analyzes the
 * portable fallback instead (make lint); compiled code is unchanged. */
#if defined(__x86_64__) && !defined(__ILP32__) && !defined(__clang_analyzer__) && \
    !defined(MC_SYS_FALLBACK)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	unsigned long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return (long)ret;
}
#elif defined(__aarch64__) && !defined(__clang_analyzer__) && \
    !defined(MC_SYS_FALLBACK)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ __volatile__("svc 0"
			     : "+r"(x0)
			     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			     : "memory", "cc");
	return x0;
}
#elif defined(__i386__) && !defined(__clang_analyzer__) && \
    !defined(MC_SYS_FALLBACK)
/* int $0x80 takes the number in eax and the arguments in ebx, ecx, edx,
 * esi, edi, ebp. ebx (the PIC register) and ebp (maybe the frame pointer)
 * cannot be asm operands everywhere: they are saved on the stack and
 * loaded from memory, with the number, through eax. */
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long nab[3] = { n, a, f };
	long ret = (long)nab;

	__asm__ __volatile__("pushl %%ebp\n\t"
			     "pushl %%ebx\n\t"
			     "movl 4(%%eax), %%ebx\n\t"
			     "movl 8(%%eax), %%ebp\n\t"
			     "movl 0(%%eax), %%eax\n\t"
			     "int $0x80\n\t"
			     "popl %%ebx\n\t"
			     "popl %%ebp"
			     : "+a"(ret)
			     : "c"(b), "d"(c), "S"(d), "D"(e), "m"(*(const long(*)[3])nab)
			     : "memory", "cc");
	return ret;
}
#elif defined(__arm__) && defined(__ARM_EABI__) && !defined(__clang_analyzer__) && \
    !defined(MC_SYS_FALLBACK)
/* EABI: number in r7, arguments in r0-r5, svc 0. In Thumb code r7 is the
 * frame pointer and may not be an asm operand: it is swapped by hand (as
 * musl does). */
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;
	register long r4 __asm__("r4") = e;
	register long r5 __asm__("r5") = f;
#ifdef __thumb__
	long saved;

	__asm__ __volatile__("mov %1, r7\n\t"
			     "mov r7, %2\n\t"
			     "svc 0\n\t"
			     "mov r7, %1"
			     : "+r"(r0), "=&r"(saved)
			     : "r"(n), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			     : "memory", "cc");
#else
	register long r7 __asm__("r7") = n;

	__asm__ __volatile__("svc 0"
			     : "+r"(r0)
			     : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			     : "memory", "cc");
#endif
	return r0;
}
#elif defined(__riscv) && __riscv_xlen == 64 && !defined(__clang_analyzer__) && \
    !defined(MC_SYS_FALLBACK)
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;

	__asm__ __volatile__("ecall"
			     : "+r"(a0)
			     : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			     : "memory");
	return a0;
}
#else
/* Portable fallback, for architectures without a raw path above (and for
 * the static analyzer, and for tests/arch32.bats with -DMC_SYS_FALLBACK on
 * this machine): the C library's syscall(), with errno saved and
 * restored. In the preload build (PIC) the name syscall is the library's
 * own exported syscall() (shim/syscall.c), which would call the library
 * again (sys_mremap -> syscall(SYS_mremap) -> the emulation -> ...): there
 * the C library's syscall() is taken from the pointer the constructor of
 * shim/libc-syscall.c looks up with dlsym(RTLD_NEXT), and before that
 * constructor ran the answer is ENOSYS. */
#include <errno.h>
#include <unistd.h>
#if defined(PIC) && !defined(__clang_analyzer__)
#define MC_LIBC_SYSCALL __atomic_load_n(&mc_libc_syscall, __ATOMIC_ACQUIRE)
#else
#define MC_LIBC_SYSCALL syscall
#endif
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	int saved = errno;
	long (*fn)(long, ...) = MC_LIBC_SYSCALL;
	long r;

	if (!fn)
		return -ENOSYS;
	r = fn(n, a, b, c, d, e, f);
	if (r == -1) {
		r = -errno;
	}
	errno = saved;
	return r;
}
#endif

#define sys_is_err(r) ((unsigned long)(r) > -4096UL)

static inline long sys_mremap(unsigned long old, unsigned long old_len,
			      unsigned long new_len, unsigned long flags,
			      unsigned long new_addr)
{
	long r = sys6(SYS_mremap, (long)old, (long)old_len, (long)new_len,
		      (long)flags, (long)new_addr, 0);
	/* Linux 5.16-5.17 without the stable fix return +EFAULT (14) for an
	 * unmapped address: no mapping can start at address 14. */
	if (r == 14)
		r = -14;
	return r;
}

static inline long sys_mmap(unsigned long addr, unsigned long len, int prot,
			    int flags, int fd, unsigned long off)
{
#ifdef SYS_mmap2 /* 32-bit: the offset in 4096-byte units (i386's SYS_mmap takes a struct) */
	return sys6(SYS_mmap2, (long)addr, (long)len, prot, flags, fd, (long)(off >> 12));
#else
	return sys6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);
#endif
}

static inline long sys_munmap(unsigned long addr, unsigned long len)
{
	return sys6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long sys_mprotect(unsigned long addr, unsigned long len, int prot)
{
	return sys6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

static inline long sys_madvise(unsigned long addr, unsigned long len, int advice)
{
	return sys6(SYS_madvise, (long)addr, (long)len, advice, 0, 0, 0);
}

static inline long sys_mlock(unsigned long addr, unsigned long len)
{
	return sys6(SYS_mlock, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long sys_munlock(unsigned long addr, unsigned long len)
{
	return sys6(SYS_munlock, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long sys_openat(int dirfd, const char *path, int flags)
{
	return sys6(SYS_openat, dirfd, (long)path, flags, 0, 0, 0);
}

static inline long sys_read(int fd, void *buf, size_t len)
{
	return sys6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}

static inline long sys_pread(int fd, void *buf, size_t len, unsigned long off)
{
#if defined(__arm__)
	/* EABI: a 64-bit argument starts at an even register: r4 (low), r5 */
	return sys6(SYS_pread64, fd, (long)buf, (long)len, 0, (long)off, 0);
#else
	/* 32-bit x86: low word, then high word (0); 64-bit: one register */
	return sys6(SYS_pread64, fd, (long)buf, (long)len, (long)off, 0, 0);
#endif
}

static inline long sys_write(int fd, const void *buf, size_t len)
{
	return sys6(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
}

static inline long sys_close(int fd)
{
	return sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

#if !defined(__i386__) && !defined(__arm__) /* 32-bit: sys_fstat_id() */
static inline long sys_fstat(int fd, void *st)
{
#ifdef SYS_fstat
	return sys6(SYS_fstat, fd, (long)st, 0, 0, 0, 0);
#else
	return sys6(SYS_newfstatat, fd, (long)"", (long)st, 0x1000 /* AT_EMPTY_PATH */, 0, 0);
#endif
}
#endif

/* What the library asks of an open file's stat, from the kernel's own
 * stat layout (never libc's struct stat, whose layout varies on 32-bit
 * architectures with _FILE_OFFSET_BITS and _TIME_BITS). */
struct mc_stat {
	unsigned long long dev, ino, rdev;
	unsigned int mode;
};

static inline long sys_fstat_ids(int fd, struct mc_stat *out)
{
#if defined(__i386__) || defined(__arm__)
	/* the kernel's struct stat64: u64 st_dev at 0, u32 st_mode at 16,
	 * u64 st_rdev at 32, u64 st_ino last, at 88 (i386, 4-byte aligned
	 * long long) or 96 (arm EABI) */
	struct {
		unsigned long long st_dev;
		unsigned char pad0[8];
		unsigned int st_mode;
		unsigned char pad1[12];
		unsigned long long st_rdev;
#ifdef __i386__
		unsigned char pad2[48];
#else
		unsigned char pad2[56];
#endif
		unsigned long long st_ino;
	} st;
	long r = sys6(SYS_fstat64, fd, (long)&st, 0, 0, 0, 0);
#else
	struct stat st;
	long r = sys_fstat(fd, &st);
#endif
	if (r)
		return r;
	out->dev = (unsigned long long)st.st_dev;
	out->ino = (unsigned long long)st.st_ino;
	out->rdev = (unsigned long long)st.st_rdev;
	out->mode = (unsigned int)st.st_mode;
	return 0;
}

/* The device and inode of an open file. */
static inline long sys_fstat_id(int fd, unsigned long long *dev, unsigned long long *ino)
{
	struct mc_stat st;
	long r = sys_fstat_ids(fd, &st);

	if (r)
		return r;
	*dev = st.dev;
	*ino = st.ino;
	return 0;
}

static inline long sys_fcntl(int fd, int cmd, long arg)
{
	return sys6(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}

static inline long sys_getdents64(int fd, void *buf, size_t len)
{
	return sys6(SYS_getdents64, fd, (long)buf, (long)len, 0, 0, 0);
}

static inline long sys_prctl(int op, unsigned long a, unsigned long b,
			     unsigned long c, unsigned long d)
{
	return sys6(SYS_prctl, op, (long)a, (long)b, (long)c, (long)d, 0);
}

static inline long sys_gettid(void)
{
	return sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

static inline long sys_getpid(void)
{
	return sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

static inline long sys_tgkill(long tgid, long tid, int sig)
{
	return sys6(SYS_tgkill, tgid, tid, sig, 0, 0, 0);
}

static inline long sys_sched_yield(void)
{
	return sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

#endif
