/* A sandbox that installs, from another thread, a seccomp filter with
 * SECCOMP_FILTER_FLAG_TSYNC killing the process on userfaultfd(2), while
 * the main thread makes DONTUNMAP calls inside a private anonymous VMA.
 * The library reads "Seccomp: 0" from /proc/thread-self/status, then
 * probes (mprotect, userfaultfd): a filter synchronised onto the main
 * thread in between kills the process. Native never calls userfaultfd.
 * Prints "survived" when the process lives. Argument: delay in us before
 * the filter goes in. Run it many times (tsync-race.sh). */
#include "common.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <sys/prctl.h>

static atomic_int done;
static int delay;

static void *sandbox(void *arg)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_userfaultfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { 4, f };
	(void)arg;
	usleep(delay);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog))
		perror("seccomp");
	done = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	P = sysconf(_SC_PAGESIZE);
	delay = argc > 1 ? atoi(argv[1]) : 1000;
	char *p = mmap(NULL, 16 * P, RW, ANON, -1, 0);
	memset(p, 'a', 16 * P);
	pthread_create(&t, NULL, sandbox, NULL);
	while (!done) {
		char *d = mremap(p + 4 * P, P, P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (d != MAP_FAILED)
			munmap(d, P);
	}
	pthread_join(t, NULL);
	printf("survived\n");
	return 0;
}
