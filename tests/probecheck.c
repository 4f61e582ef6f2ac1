/* probecheck - the kernel probes leave no mapping behind, run once when
 * many threads race to them, and work in a child forked meanwhile.
 *   probecheck maps      print /proc/self/maps before and after probing
 *   probecheck race N    N threads ask at once; prints the feature mask
 *   probecheck fork      probe in a child and in the parent
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "include/mremap_compat.h"

static void dump(const char *title)
{
	char buf[65536];
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	buf[n] = 0;
	fclose(f);
	printf("%s\n%s", title, buf);
}

static pthread_barrier_t start;
static unsigned results[64];

static void *racer(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&start);
	results[i] = mremap_compat_features();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "maps")) {
		/* Same buffers before and after: reading maps allocates
		 * nothing new the second time. */
		dump("before:");
		fflush(stdout);
		printf("features: %#x\n", mremap_compat_features());
		dump("after:");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "race")) {
		int n = atoi(argv[2]), i;
		pthread_t t[64];

		if (n > 64)
			n = 64;
		pthread_barrier_init(&start, NULL, (unsigned)n);
		for (i = 0; i < n; i++)
			pthread_create(&t[i], NULL, racer, (void *)(long)i);
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		for (i = 1; i < n; i++)
			if (results[i] != results[0]) {
				printf("threads disagree: %#x vs %#x\n", results[i], results[0]);
				return 1;
			}
		printf("features: %#x\n", results[0]);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			printf("child: %#x\n", mremap_compat_features());
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		printf("parent: %#x\n", mremap_compat_features());
		return WEXITSTATUS(status);
	}
	fprintf(stderr, "usage: probecheck maps | race N | fork\n");
	return 2;
}
