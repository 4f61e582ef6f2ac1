/* tests/probe-traces/common.h - helpers of the probe-trace programs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
static long P;

/* Print the maps lines that meet [lo, hi), addresses relative to base. */
static void show(const char *tag, char *base, char *lo, char *hi)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;

	printf("-- %s\n", tag);
	while (fgets(line, sizeof(line), f)) {
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) != 3)
			continue;
		if (e <= (unsigned long)lo || s >= (unsigned long)hi)
			continue;
		printf("   [%+ld, %+ld) pages %s\n", (long)(s - (unsigned long)base) / P,
		       (long)(e - (unsigned long)base) / P, perm);
	}
	fclose(f);
}

static void res(const char *what, void *r)
{
	if (r == MAP_FAILED)
		printf("%s: MAP_FAILED errno=%s\n", what, strerrorname_np(errno));
	else
		printf("%s: ok\n", what);
}

/* smaps records meeting [lo, hi): extent relative to base, perms, and the
 * fields Rss, Locked, VmFlags. */
static void show_smaps(const char *tag, char *base, char *lo, char *hi)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long s, e;
	int in = 0;

	printf("-- %s\n", tag);
	while (fgets(line, sizeof(line), f)) {
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) == 3 && strchr(line, '-') < strchr(line, ' ')) {
			in = !(e <= (unsigned long)lo || s >= (unsigned long)hi);
			if (in)
				printf("   [%+ld, %+ld) %s\n", (long)(s - (unsigned long)base) / P,
				       (long)(e - (unsigned long)base) / P, perm);
			continue;
		}
		if (in && (!strncmp(line, "Rss:", 4) || !strncmp(line, "Locked:", 7) ||
			   !strncmp(line, "VmFlags:", 8)))
			printf("      %s", line);
	}
	fclose(f);
}

static void show_status(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			printf("   %s", line);
	fclose(f);
}
