/* mremap-compat-simulate - run a command as if on an older Linux kernel.
 *
 * Usage: mremap-compat-simulate VERSION COMMAND [ARGS...]
 *
 * mremap(2) then answers as Linux VERSION (MAJOR.MINOR) would:
 *
 *   before 5.7   MREMAP_DONTUNMAP is an unknown flag: EINVAL.
 *   5.7 - 5.12   MREMAP_DONTUNMAP on anything but private anonymous
 *                memory: EINVAL.
 *   before 5.16  a FIXED or DONTUNMAP call on hugetlb memory: EINVAL.
 *   before 6.17  no multi-VMA move: a range that crosses the end of its
 *                VMA is EFAULT; and a refused MREMAP_FIXED call has
 *                already unmapped its destination (and, shrinking, the
 *                old range's tail), as mremap_to() did before 6.17.
 *
 * How. A seccomp filter (raw BPF, inherited by every process COMMAND
 * starts) answers what the arguments alone decide (the DONTUNMAP bit before
 * 5.7). Calls it cannot decide, MREMAP_FIXED or MREMAP_DONTUNMAP calls on a
 * kernel before 6.17, stop in this program (SECCOMP_RET_TRACE): it reads
 * the caller's /proc/PID/maps and smaps, replays the old kernel's checks in
 * the old kernel's order, and either lets the call through (this kernel
 * then does what the old one would have done) or refuses it: the system
 * call is skipped, or replaced by the munmap() calls the old kernel made
 * before refusing, and the errno is put in the return register.
 *
 *   tracee                      kernel                  this program
 *   mremap(FIXED) ----------->  seccomp: TRACE  ----->  maps, smaps: refuse?
 *                                                       no:  continue
 *                               munmap(dest)    <-----  yes: rewrite as munmap
 *   <- -EFAULT                  syscall exit    ----->  put -EFAULT, restore
 *
 * Not simulated (this kernel answers): refusals for limits (RLIMIT_AS,
 * RLIMIT_MEMLOCK, vm.max_map_count: ENOMEM, EAGAIN) keep this kernel's
 * order, so the destination survives them; calls without FIXED and
 * DONTUNMAP (pre-5.16 hugetlb resizes, pre-5.16 success of same-size calls
 * on unmapped addresses, the 5.16-5.17 positive 14); how old kernels merge
 * VMAs; the atomicity of the old kernel (other threads run while this
 * program decides). The decision path runs for the native ABI of x86_64
 * only; on other architectures only the pre-5.7 filter is available.
 * Because it traces, a program under a simulated kernel older than 6.17
 * cannot itself be traced (gdb, strace), and LeakSanitizer, which traces,
 * is turned off for it (detect_leaks=0 added to ASAN_OPTIONS, LSAN_OPTIONS).
 *
 * Exit status: that of COMMAND (a COMMAND killed by a signal kills this
 * program with the same signal); 127 if COMMAND cannot be executed; 77 if
 * the architecture cannot simulate VERSION; 125 on a usage error or when
 * the filter cannot be installed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#if defined(__x86_64__)
#include <sys/user.h>
#endif

/* Kernel ABI constants, spelled out so that no kernel headers are needed. */
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#define SIM_SECCOMP_MODE_FILTER 2
#define SIM_RET_ALLOW 0x7fff0000u
#define SIM_RET_TRACE 0x7ff00000u
#define SIM_RET_ERRNO 0x00050000u
#define SIM_EVENT_SECCOMP 7 /* PTRACE_EVENT_SECCOMP */
#define SIM_O_TRACESECCOMP 0x80
#define SIM_O_EXITKILL 0x100000

#define ARCH_X86_64 0xC000003Eu
#define ARCH_I386 0x40000003u
#define ARCH_AARCH64 0xC00000B7u
#define ARCH_ARM 0x40000028u

#define FL_MAYMOVE 1ul
#define FL_FIXED 2ul
#define FL_DONTUNMAP 4ul

struct sock_filter_ { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog_ { unsigned short len; struct sock_filter_ *filter; };
struct seccomp_data_ { int nr; uint32_t arch; uint64_t ip; uint64_t args[6]; };

/* ---- the kernel being simulated ----------------------------------------- */

static unsigned kv; /* major * 1000 + minor */
#define KV(a, b) ((a) * 1000u + (b))

static int lacks_dontunmap(void) { return kv < KV(5, 7); }
static int lacks_dontunmap_shared(void) { return kv < KV(5, 13); }
static int lacks_hugetlb_move(void) { return kv < KV(5, 16); }
static int lacks_multi_vma(void) { return kv < KV(6, 17); }

/* ---- the filter ------------------------------------------------------------ */

#if defined(__x86_64__)
#define NATIVE_ARCH ARCH_X86_64
#define NATIVE_NR 25u
#define NATIVE_MUNMAP 11
#define COMPAT_ARCH ARCH_I386
#define COMPAT_NR 163u
#define CAN_TRACE 1
#elif defined(__aarch64__)
#define NATIVE_ARCH ARCH_AARCH64
#define NATIVE_NR 216u
#define COMPAT_ARCH ARCH_ARM
#define COMPAT_NR 163u
#define CAN_TRACE 0
#endif
#ifndef CAN_TRACE
#define CAN_TRACE 0
#endif

#ifdef NATIVE_ARCH
#define LD(off) { 0x20, 0, 0, (uint32_t)(off) }  /* BPF_LD|BPF_W|BPF_ABS */
#define JEQ(k, t, f) { 0x15, (t), (f), (uint32_t)(k) }
#define JSET(k, t, f) { 0x45, (t), (f), (uint32_t)(k) }
#define RET(v) { 0x06, 0, 0, (uint32_t)(v) }
#define OFF_NR offsetof(struct seccomp_data_, nr)
#define OFF_ARCH offsetof(struct seccomp_data_, arch)
#define OFF_FLAGS offsetof(struct seccomp_data_, args[3]) /* low word: little-endian */

/*
 *  0 ld arch;  1 native? -> 2 : 7
 *  2 ld nr;    3 mremap? -> 4 : 11
 *  4 ld flags; 5 DONTUNMAP and < 5.7 -> 12
 *              6 the flags that need a decision -> 13 : 11
 *  7 compat? -> 8 : 11
 *  8 ld nr;    9 mremap? -> 14 : 11
 * 14 ld flags; 15 DONTUNMAP and < 5.7 -> 16 : 17
 */
static int install_filter(void)
{
	uint32_t du = lacks_dontunmap() ? FL_DONTUNMAP : 0;
	uint32_t trace = !CAN_TRACE ? 0 :
		lacks_multi_vma() || lacks_hugetlb_move() ? FL_FIXED | FL_DONTUNMAP :
		lacks_dontunmap_shared() ? FL_DONTUNMAP : 0;
	struct sock_filter_ f[] = {
		/*  0 */ LD(OFF_ARCH),
		/*  1 */ JEQ(NATIVE_ARCH, 0, 5),
		/*  2 */ LD(OFF_NR),
		/*  3 */ JEQ(NATIVE_NR, 0, 7),
		/*  4 */ LD(OFF_FLAGS),
		/*  5 */ JSET(du, 6, 0),
		/*  6 */ JSET(trace, 6, 4),
		/*  7 */ JEQ(COMPAT_ARCH, 0, 3),
		/*  8 */ LD(OFF_NR),
		/*  9 */ JEQ(COMPAT_NR, 4, 1),
		/* 10 */ RET(SIM_RET_ALLOW),
		/* 11 */ RET(SIM_RET_ALLOW),
		/* 12 */ RET(SIM_RET_ERRNO | EINVAL),
		/* 13 */ RET(SIM_RET_TRACE),
		/* 14 */ LD(OFF_FLAGS),
		/* 15 */ JSET(du, 0, 1),
		/* 16 */ RET(SIM_RET_ERRNO | EINVAL),
		/* 17 */ RET(SIM_RET_ALLOW),
	};
	struct sock_fprog_ prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SIM_SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
		fprintf(stderr, "mremap-compat-simulate: cannot install the seccomp filter: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}
#endif

/* ---- the caller's mappings ---------------------------------------------- */

struct vma {
	unsigned long start, end, inode;
	char perms[5];
	char path[256];
	int hugetlb, dontexpand, pfnmap;
};

static size_t page_size;

/* The VMA of process TID that contains ADDR; with_flags: also its VmFlags. */
static int find_vma(pid_t tid, unsigned long addr, struct vma *v, int with_flags)
{
	char name[64], line[4096];
	FILE *f;
	int found = 0;

	snprintf(name, sizeof(name), "/proc/%d/%s", (int)tid, with_flags ? "smaps" : "maps");
	f = fopen(name, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, off, ino;
		char perms[5], dev[16];
		int n = 0;

		if (found && strncmp(line, "VmFlags:", 8) == 0) {
			v->hugetlb = strstr(line, " ht") != NULL;
			v->dontexpand = strstr(line, " de") != NULL;
			v->pfnmap = strstr(line, " pf") != NULL;
			break;
		}
		if (sscanf(line, "%lx-%lx %4s %lx %15s %lu %n", &s, &e, perms, &off, dev, &ino, &n) < 6)
			continue;
		if (found)
			break;
		if (addr < s || addr >= e)
			continue;
		found = 1;
		v->start = s;
		v->end = e;
		v->inode = ino;
		memcpy(v->perms, perms, sizeof(v->perms));
		snprintf(v->path, sizeof(v->path), "%s", line + n);
		v->path[strcspn(v->path, "\n")] = 0;
		if (!with_flags)
			break;
	}
	fclose(f);
	return found;
}

/* vma_is_anonymous() && !VM_SHARED: what DONTUNMAP took from 5.7 to 5.12.
 * Private /dev/zero mappings are anonymous VMAs too. */
static int is_private_anonymous(const struct vma *v)
{
	return v->perms[3] == 'p' &&
	       (v->inode == 0 || strcmp(v->path, "/dev/zero") == 0);
}

/* ---- the old kernel's decision ---------------------------------------- */

struct verdict {
	int refuse;            /* 0: let this kernel do it */
	long err;              /* the errno to answer */
	int nunmap;            /* munmap() calls made before refusing */
	unsigned long unmap[2][2];
};

static unsigned long page_align(unsigned long x)
{
	return (x + page_size - 1) & ~(page_size - 1);
}

/* mremap() up to and including mremap_to()/vma_to_resize() of 5.x-6.16,
 * for a call the filter stopped (FIXED or DONTUNMAP set). Argument errors
 * are left to this kernel, which answers them as the old one did. */
static void decide(pid_t tid, const unsigned long a[5], struct verdict *vd)
{
	unsigned long addr = a[0], old_len = a[1], new_len = a[2], flags = a[3], new_addr = a[4];
	struct vma v;
	int have;

	memset(vd, 0, sizeof(*vd));
	if (flags & ~(FL_MAYMOVE | FL_FIXED | FL_DONTUNMAP))
		return;
	if (!(flags & FL_MAYMOVE))
		return;
	if ((flags & FL_DONTUNMAP) && old_len != new_len)
		return;
	if (addr & (page_size - 1))
		return;
	old_len = page_align(old_len);
	new_len = page_align(new_len);
	if (!new_len || (new_addr & (page_size - 1)))
		return;
	if (new_addr + new_len < new_addr)
		return;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return;

	have = find_vma(tid, addr, &v, 1);
	if (have < 0)
		return;
	/* Since 5.16 the VMA is looked up before mremap_to(). */
	if (!have && !lacks_hugetlb_move())
		return;
	if (have && v.hugetlb && !lacks_hugetlb_move())
		return; /* huge page alignment: this kernel answers the same */

	/* mremap_to(): the destination goes first, then a shrink's tail. */
	if (flags & FL_FIXED) {
		vd->unmap[vd->nunmap][0] = new_addr;
		vd->unmap[vd->nunmap++][1] = new_len;
	}
	if (old_len > new_len) {
		vd->unmap[vd->nunmap][0] = addr + new_len;
		vd->unmap[vd->nunmap++][1] = old_len - new_len;
		old_len = new_len;
	}

	/* vma_to_resize() */
	vd->refuse = 1;
	if (!have)
		vd->err = EFAULT;
	else if (!old_len && v.perms[3] != 's')
		vd->err = EINVAL;
	else if ((flags & FL_DONTUNMAP) && (v.dontexpand || v.pfnmap))
		vd->err = EINVAL;
	else if ((flags & FL_DONTUNMAP) && lacks_dontunmap_shared() && !is_private_anonymous(&v))
		vd->err = EINVAL;
	else if (v.hugetlb && lacks_hugetlb_move())
		vd->err = EINVAL;
	else if (old_len > v.end - addr)
		vd->err = lacks_multi_vma() ? EFAULT : 0;
	else if (new_len > old_len && (v.dontexpand || v.pfnmap))
		vd->err = EFAULT;
	if (!vd->err)
		vd->refuse = 0;
}

/* ---- the tracer ------------------------------------------------------------ */

#if CAN_TRACE
struct pending {
	pid_t tid;
	int next;              /* index of the next munmap to inject */
	int entered;           /* a re-executed syscall passed its entry stop */
	struct verdict vd;
	struct user_regs_struct saved;
};

static struct pending pend[64];

static struct pending *pending_of(pid_t tid, int create)
{
	struct pending *free_slot = NULL;
	size_t i;

	for (i = 0; i < sizeof(pend) / sizeof(pend[0]); i++) {
		if (pend[i].tid == tid)
			return &pend[i];
		if (!pend[i].tid && !free_slot)
			free_slot = &pend[i];
	}
	if (create && free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->tid = tid;
	}
	return create ? free_slot : NULL;
}

static void resume(pid_t tid, int how, int sig)
{
	ptrace((enum __ptrace_request)how, tid, 0, (void *)(long)sig);
}

/* A seccomp stop: an mremap the filter could not decide. */
static void on_seccomp(pid_t tid)
{
	struct user_regs_struct r;
	unsigned long a[5];
	struct pending *p;
	struct verdict vd;

	if (ptrace(PTRACE_GETREGS, tid, 0, &r) != 0) {
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	a[0] = r.rdi; a[1] = r.rsi; a[2] = r.rdx; a[3] = r.r10; a[4] = r.r8;
	decide(tid, a, &vd);
	if (!vd.refuse || !(p = pending_of(tid, 1))) {
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	if (vd.nunmap == 0) {
		r.orig_rax = (unsigned long)-1; /* skip the call */
		r.rax = (unsigned long)-vd.err;
		ptrace(PTRACE_SETREGS, tid, 0, &r);
		p->tid = 0;
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	p->vd = vd;
	p->saved = r;
	p->next = 1;
	p->entered = 1;
	r.orig_rax = NATIVE_MUNMAP;
	r.rdi = vd.unmap[0][0];
	r.rsi = vd.unmap[0][1];
	ptrace(PTRACE_SETREGS, tid, 0, &r);
	resume(tid, PTRACE_SYSCALL, 0);
}

/* A syscall stop of an injected munmap: inject the next one or answer. */
static void on_syscall_stop(pid_t tid)
{
	struct pending *p = pending_of(tid, 0);
	struct user_regs_struct r;

	if (!p) {
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	if (!p->entered) { /* entry of a re-executed syscall */
		p->entered = 1;
		resume(tid, PTRACE_SYSCALL, 0);
		return;
	}
	ptrace(PTRACE_GETREGS, tid, 0, &r);
	if ((long)r.rax < 0 && (long)r.rax > -4096) {
		p->vd.err = -(long)r.rax; /* the old kernel returned munmap's error */
		p->next = p->vd.nunmap;
	}
	if (p->next < p->vd.nunmap) {
		r = p->saved;
		r.rip -= 2; /* the syscall instruction again */
		r.rax = NATIVE_MUNMAP;
		r.rdi = p->vd.unmap[p->next][0];
		r.rsi = p->vd.unmap[p->next][1];
		p->next++;
		p->entered = 0;
		ptrace(PTRACE_SETREGS, tid, 0, &r);
		resume(tid, PTRACE_SYSCALL, 0);
		return;
	}
	r = p->saved;
	r.rax = (unsigned long)-p->vd.err;
	ptrace(PTRACE_SETREGS, tid, 0, &r);
	p->tid = 0;
	resume(tid, PTRACE_CONT, 0);
}

/* Seen tracees: the first stop of an auto-attached one is not a group stop. */
static pid_t seen[1024];

static int first_stop(pid_t tid)
{
	size_t i;

	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++) {
		if (seen[i] == tid)
			return 0;
		if (!seen[i]) {
			seen[i] = tid;
			return 1;
		}
	}
	return 0;
}

static void forget(pid_t tid)
{
	struct pending *p = pending_of(tid, 0);
	size_t i;

	if (p)
		p->tid = 0;
	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		if (seen[i] == tid)
			seen[i] = 0;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static pid_t child;

static void pass_on(int sig)
{
	kill(child, sig);
}

/* Until every tracee is gone; returns COMMAND's wait status. */
static int supervise(void)
{
	int st, child_status = 0;
	pid_t tid;

	for (;;) {
		tid = waitpid(-1, &st, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nobody left */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == child)
				child_status = st;
			forget(tid);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		switch (st >> 16) {
		case SIM_EVENT_SECCOMP:
			on_seccomp(tid);
			break;
		case PTRACE_EVENT_CLONE:
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
			first_stop(tid);
			resume(tid, PTRACE_CONT, 0);
			break;
		case PTRACE_EVENT_STOP:
			if (!first_stop(tid) && is_stop_signal(WSTOPSIG(st)))
				resume(tid, PTRACE_LISTEN, 0);
			else
				resume(tid, PTRACE_CONT, 0);
			break;
		default:
			first_stop(tid);
			if (WSTOPSIG(st) == (SIGTRAP | 0x80))
				on_syscall_stop(tid);
			else
				resume(tid, PTRACE_CONT, WSTOPSIG(st));
		}
	}
	return child_status;
}
#endif /* CAN_TRACE */

static int parse_version(const char *s)
{
	unsigned a, b = 0;
	char rest;

	if (sscanf(s, "%u.%u%c", &a, &b, &rest) < 1 && sscanf(s, "%u", &a) != 1)
		return -1;
	if (a < 2 || a > 99 || b > 999)
		return -1;
	kv = KV(a, b);
	return 0;
}

/* LeakSanitizer stops the world with ptrace at exit, which fails in a
 * traced process and makes it exit 1: leak checking is turned off for the
 * commands this program traces (the rest of ASan and UBSan stays on). */
static void no_leak_check(void)
{
	static const char *const vars[] = { "ASAN_OPTIONS", "LSAN_OPTIONS" };
	char buf[4096];
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *old = getenv(vars[i]);

		snprintf(buf, sizeof(buf), "%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "");
		setenv(vars[i], buf, 1);
	}
}

static void run(char **argv)
{
	execvp(argv[0], argv);
	fprintf(stderr, "mremap-compat-simulate: cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

int main(int argc, char **argv)
{
	int need_trace;

	if (argc < 3 || parse_version(argv[1]) != 0) {
		fprintf(stderr, "usage: mremap-compat-simulate MAJOR.MINOR COMMAND [ARGS...]\n");
		return 125;
	}
	page_size = (size_t)sysconf(_SC_PAGESIZE);
#ifndef NATIVE_ARCH
	fprintf(stderr, "mremap-compat-simulate: cannot simulate a kernel on this architecture\n");
	return 77;
#else
	need_trace = lacks_dontunmap_shared() || lacks_hugetlb_move() || lacks_multi_vma();
	if (need_trace && !CAN_TRACE) {
		fprintf(stderr, "mremap-compat-simulate: kernels before 6.17 are simulated on x86_64 only\n");
		return 77;
	}
	if (!need_trace)
		run(argv + 2); /* 6.17 and later: nothing to take away */
#if CAN_TRACE
	{
		int go[2], st;
		char c;

		if (pipe(go) != 0)
			return 125;
		child = fork();
		if (child < 0)
			return 125;
		if (child == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 1) /* the tracer is attached */
				_exit(125);
			close(go[0]);
			if (install_filter() != 0)
				_exit(125);
			no_leak_check();
			/* The filter is on mremap alone: the library may park
			 * threads under it (shim/park.c), unless told not to. */
			setenv("MREMAP_COMPAT_PARK", "always", 0);
			run(argv + 2);
		}
		close(go[0]);
		if (ptrace(PTRACE_SEIZE, child, 0, (void *)(long)(SIM_O_TRACESECCOMP | SIM_O_EXITKILL |
				PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
				PTRACE_O_TRACEVFORK)) != 0) {
			fprintf(stderr, "mremap-compat-simulate: cannot trace the command: %s\n", strerror(errno));
			kill(child, SIGKILL);
			return 125;
		}
		first_stop(child);
		signal(SIGINT, SIG_IGN);   /* the terminal sends them to COMMAND too */
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTERM, pass_on);
		signal(SIGHUP, pass_on);
		if (write(go[1], "g", 1) != 1)
			return 125;
		close(go[1]);
		st = supervise();
		if (WIFSIGNALED(st)) {
			signal(WTERMSIG(st), SIG_DFL);
			raise(WTERMSIG(st));
			return 128 + WTERMSIG(st);
		}
		return WEXITSTATUS(st);
	}
#endif
	return 125;
#endif
}
