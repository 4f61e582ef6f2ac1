/* tests/seccomp-trap.c - a sandbox that traps openat (SECCOMP_RET_TRAP,
 * as Chromium's renderer does to hand file opens to its broker) and answers
 * it from its SIGSYS handler; then one MREMAP_DONTUNMAP of private anonymous
 * memory. Prints "ok ... data ok" and exits 0 when the call succeeded with
 * the data at the new address.
 *
 * The library's zero-copy window blocks signals: were SIGSYS among them,
 * the first system call it traps there would kill the process (a SIGSYS
 * forced while blocked is fatal). tests/sandbox.bats.
 *   seccomp-trap [threads]   (any argument: a second thread exists)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static volatile int trapped;

/* The broker's way out, as Chromium's sandbox has one: a syscall
 * instruction at a known address that the filter allows. */
long trusted_syscall(long nr, long a, long b, long c, long d);
extern char trusted_ip[];
__asm__(".text\n.globl trusted_syscall\ntrusted_syscall:\n"
	"mov %rdi,%rax\nmov %rsi,%rdi\nmov %rdx,%rsi\nmov %rcx,%rdx\nmov %r8,%r10\n"
	"syscall\n.globl trusted_ip\ntrusted_ip:\nret\n");

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	(void)sig; (void)si;
	trapped++;
	greg_t *g = uc->uc_mcontext.gregs;
	/* the broker opens the file on the caller's behalf */
	g[REG_RAX] = trusted_syscall(__NR_openat, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10]);
}

static void *idle(void *a) { pause(); return a; }

int main(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct sigaction sa = { 0 };
	pthread_t t;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3), /* low word, set below */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), /* high word */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	f[1].k = (unsigned int)(unsigned long)trusted_ip;
	f[3].k = (unsigned int)((unsigned long)trusted_ip >> 32);
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (argc > 1)
		pthread_create(&t, NULL, idle, NULL);
	memset(p, 'a', 8 * pg);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return perror("seccomp"), 2;
	char *n = mremap(p, 8 * pg, 8 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	printf("%s errno=%d trapped=%d%s\n", n == MAP_FAILED ? "MAP_FAILED" : "ok",
	       n == MAP_FAILED ? errno : 0, trapped,
	       n != MAP_FAILED ? (n[0] == 'a' ? " data ok" : "") :
	       p[0] == 'a' && p[8 * pg - 1] == 'a' ? " old range intact" : "");
	return 0;
}
