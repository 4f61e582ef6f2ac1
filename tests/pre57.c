/*
 * pre57 - run a command as if on a Linux kernel older than 5.7.
 *
 * Usage: pre57 COMMAND [ARGS...]
 *
 * Linux 5.7 added the MREMAP_DONTUNMAP flag (value 4) to mremap(2).  Older
 * kernels reject any unknown flag with EINVAL.  This launcher installs a
 * seccomp BPF filter (raw BPF, no libseccomp) that makes every mremap call
 * whose 4th argument (flags) has bit value 4 set fail with EINVAL, exactly
 * like a pre-5.7 kernel does, and then execvp()s COMMAND.  A second filter
 * answers ENOSYS to every system call newer than Linux 5.4 (see
 * newer_filter), as 5.4 does: the library must make none without a
 * fallback.  All other system calls, and mremap calls without the flag,
 * are untouched.
 *
 * A seccomp filter is inherited across fork(), clone() and execve() and can
 * never be removed, so the whole process tree started by COMMAND sees the
 * "old kernel" behaviour.  PR_SET_NO_NEW_PRIVS is set first so that no
 * privilege is needed to install the filter (it also means set-uid programs
 * do not gain privileges under pre57).
 *
 * The filter checks the audit architecture of each system call.  Calls made
 * through an ABI this file knows (x86_64, i386 and x32 on x86; aarch64 and
 * 32-bit arm on arm64; ...) have their own mremap number checked; calls from
 * any other ABI are allowed unchanged.  On an architecture this file does not
 * know, pre57 prints a message and exits 77 (the Automake "skip" status).
 *
 * Exit status: that of COMMAND; 127 if COMMAND cannot be executed; 77 if the
 * architecture is unsupported; 125 on usage error or if the filter cannot be
 * installed (e.g. a kernel without CONFIG_SECCOMP_FILTER).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/prctl.h>

/*
 * The kernel ABI constants and structures are spelled out here instead of
 * being taken from <linux/seccomp.h>, <linux/filter.h> and <linux/audit.h>,
 * so that this file also builds with toolchains that ship no kernel headers
 * (e.g. musl-gcc).  All of these values are fixed kernel ABI.
 */
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#ifndef PR_SET_SECCOMP
#define PR_SET_SECCOMP 22
#endif
#define P57_SECCOMP_MODE_FILTER 2
#define P57_RET_ALLOW 0x7fff0000u
#define P57_RET_ERRNO 0x00050000u
#define P57_RET_DATA 0x0000ffffu

#define P57_BPF_LD 0x00
#define P57_BPF_W 0x00
#define P57_BPF_ABS 0x20
#define P57_BPF_JMP 0x05
#define P57_BPF_JEQ 0x10
#define P57_BPF_JSET 0x40
#define P57_BPF_K 0x00
#define P57_BPF_RET 0x06

#define P57_ARCH_X86_64 0xC000003Eu
#define P57_ARCH_I386 0x40000003u
#define P57_ARCH_AARCH64 0xC00000B7u
#define P57_ARCH_ARM 0x40000028u
#define P57_ARCH_RISCV64 0xC00000F3u
#define P57_ARCH_PPC64LE 0xC0000015u
#define P57_ARCH_S390X 0x80000016u

struct p57_sock_filter { /* struct sock_filter */
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
};

struct p57_sock_fprog { /* struct sock_fprog */
    unsigned short len;
    struct p57_sock_filter *filter;
};

struct p57_seccomp_data { /* struct seccomp_data */
    int nr;
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t args[6];
};

#define PRE57_DONTUNMAP 4u /* MREMAP_DONTUNMAP, may be missing from old headers */

/*
 * Per architecture: the native audit arch and mremap number, plus optionally
 * one compat ABI (ARCH2/NR2) that a process of this arch can also use.
 */
#if defined(__x86_64__)
#define ARCH1 P57_ARCH_X86_64
#define NR1 25u                       /* x86_64 __NR_mremap */
#define NR1_X32 (0x40000000u | 25u)   /* x32: __X32_SYSCALL_BIT | 25 */
#define ARCH2 P57_ARCH_I386
#define NR2 163u                      /* i386 __NR_mremap */
#elif defined(__i386__)
#define ARCH1 P57_ARCH_I386
#define NR1 163u
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define ARCH1 P57_ARCH_AARCH64
#define NR1 216u                      /* generic __NR_mremap */
#define ARCH2 P57_ARCH_ARM
#define NR2 163u                      /* arm EABI __NR_mremap */
#elif defined(__arm__) && defined(__ARMEL__)
#define ARCH1 P57_ARCH_ARM
#define NR1 163u
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH1 P57_ARCH_RISCV64
#define NR1 216u
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define ARCH1 P57_ARCH_PPC64LE
#define NR1 163u
#elif defined(__s390x__)
#define ARCH1 P57_ARCH_S390X
#define NR1 163u
#endif

#ifdef ARCH1

/*
 * seccomp_data.args[] are 64-bit; BPF loads 32-bit words.  MREMAP_DONTUNMAP
 * lives in the low word, which comes first on little-endian machines.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FLAGS_LO (offsetof(struct p57_seccomp_data, args[3]) + 4)
#else
#define FLAGS_LO (offsetof(struct p57_seccomp_data, args[3]))
#endif

#define STMT(code, k) { (uint16_t)(code), 0, 0, (uint32_t)(k) }
#define JUMP(code, k, jt, jf) { (uint16_t)(code), (jt), (jf), (uint32_t)(k) }
#define LD_ABS(off) STMT(P57_BPF_LD | P57_BPF_W | P57_BPF_ABS, (off))
#define JEQ(k, jt, jf) JUMP(P57_BPF_JMP | P57_BPF_JEQ | P57_BPF_K, (k), (jt), (jf))
#define RET(v) STMT(P57_BPF_RET | P57_BPF_K, (v))

static struct p57_sock_filter filter[] = {
    /* 0 */ LD_ABS(offsetof(struct p57_seccomp_data, arch)),
#ifdef ARCH2
    /* 1 */ JEQ(ARCH1, 2, 0),
    /* 2 */ JEQ(ARCH2, 4, 0),
    /* 3 */ RET(P57_RET_ALLOW),               /* unknown ABI */
#else
    /* 1 */ JEQ(ARCH1, 2, 0),
    /* 2 */ RET(P57_RET_ALLOW),               /* unknown ABI */
    /* 3 */ RET(P57_RET_ALLOW),               /* (padding) */
#endif
    /* 4: native ABI */
    LD_ABS(offsetof(struct p57_seccomp_data, nr)),
#ifdef NR1_X32
    /* 5 */ JEQ(NR1, 4, 0),
    /* 6 */ JEQ(NR1_X32, 3, 2),
#else
    /* 5 */ JEQ(NR1, 4, 3),
    /* 6 */ RET(P57_RET_ALLOW),               /* (padding) */
#endif
    /* 7: compat ABI */
    LD_ABS(offsetof(struct p57_seccomp_data, nr)),
#ifdef NR2
    /* 8 */ JEQ(NR2, 1, 0),
#else
    /* 8 */ RET(P57_RET_ALLOW),               /* (not reached) */
#endif
    /* 9 */ RET(P57_RET_ALLOW),               /* not mremap */
    /* 10: mremap - check flags */
    LD_ABS(FLAGS_LO),
    /* 11 */ JUMP(P57_BPF_JMP | P57_BPF_JSET | P57_BPF_K, PRE57_DONTUNMAP, 0, 1),
    /* 12 */ RET(P57_RET_ERRNO | (EINVAL & P57_RET_DATA)),
    /* 13 */ RET(P57_RET_ALLOW),
};

/* The jump offsets above assume exactly 14 instructions. */
typedef char pre57_filter_size_check[
    sizeof(filter) / sizeof(filter[0]) == 14 ? 1 : -1];

/*
 * A second filter: every system call newer than Linux 5.4 fails with
 * ENOSYS, as on 5.4 itself. Since Linux 5.1 a new system call has the same
 * number on every architecture (pidfd_send_signal, 424, was the first);
 * the first after 5.4 is close_range (5.9) or openat2 (5.6), 436 and 437,
 * and every later one is above: pidfd_getfd, faccessat2, process_madvise,
 * epoll_pwait2, mount_setattr, quotactl_fd, landlock_*, memfd_secret,
 * process_mrelease, futex_waitv, set_mempolicy_home_node, cachestat,
 * fchmodat2, map_shadow_stack, futex_wake/wait/requeue, statmount,
 * listmount, lsm_*, mseal, setxattrat... (The x32 numbers of x86_64 have
 * bit 30 set, and are left alone: nothing here uses that ABI.)
 */
#define P57_BPF_JGE 0x30
#define FIRST_AFTER_54 436u

static struct p57_sock_filter newer_filter[] = {
    /* 0 */ LD_ABS(offsetof(struct p57_seccomp_data, arch)),
#ifdef ARCH2
    /* 1 */ JEQ(ARCH1, 2, 0),
    /* 2 */ JEQ(ARCH2, 1, 0),
#else
    /* 1 */ JEQ(ARCH1, 1, 0),
    /* 2 */ RET(P57_RET_ALLOW),               /* (padding) */
#endif
    /* 3 */ RET(P57_RET_ALLOW),               /* unknown ABI */
    /* 4 */ LD_ABS(offsetof(struct p57_seccomp_data, nr)),
    /* 5 */ JUMP(P57_BPF_JMP | P57_BPF_JGE | P57_BPF_K, 0x40000000u, 2, 0),
    /* 6 */ JUMP(P57_BPF_JMP | P57_BPF_JGE | P57_BPF_K, FIRST_AFTER_54, 0, 1),
    /* 7 */ RET(P57_RET_ERRNO | (ENOSYS & P57_RET_DATA)),
    /* 8 */ RET(P57_RET_ALLOW),
};

typedef char pre57_newer_filter_size_check[
    sizeof(newer_filter) / sizeof(newer_filter[0]) == 9 ? 1 : -1];

static int install_filter(void)
{
    struct p57_sock_fprog prog = {
        .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
        .filter = filter,
    };
    struct p57_sock_fprog newer = {
        .len = (unsigned short)(sizeof(newer_filter) / sizeof(newer_filter[0])),
        .filter = newer_filter,
    };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "pre57: prctl(PR_SET_NO_NEW_PRIVS): %s\n",
                strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_SECCOMP, P57_SECCOMP_MODE_FILTER, &prog, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, P57_SECCOMP_MODE_FILTER, &newer, 0, 0) != 0) {
        fprintf(stderr, "pre57: cannot install seccomp filter: %s\n",
                strerror(errno));
        return -1;
    }
    return 0;
}

#endif /* ARCH1 */

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: pre57 COMMAND [ARGS...]\n"
                "Run COMMAND with mremap(MREMAP_DONTUNMAP) failing with "
                "EINVAL, as on Linux < 5.7, and every system call newer "
                "than Linux 5.4 with ENOSYS.\n");
        return argc < 2 ? 125 : 0;
    }
    {
        int first = 1;
        if (strcmp(argv[1], "--") == 0)
            first = 2;
        if (first >= argc) {
            fprintf(stderr, "pre57: no command given\n");
            return 125;
        }
#ifdef ARCH1
        if (install_filter() != 0)
            return 125;
#else
        fprintf(stderr, "pre57: unsupported architecture: this build does "
                        "not know the audit arch / mremap syscall number\n");
        return 77;
#endif
        /* The filter is on mremap alone: the library may park threads
         * under it (shim/park.c), unless told otherwise. */
        setenv("MREMAP_COMPAT_PARK", "always", 0);
        execvp(argv[first], argv + first);
        fprintf(stderr, "pre57: cannot execute %s: %s\n", argv[first],
                strerror(errno));
    }
    return 127;
}
