/* snapshot - a program that needs new mremap() behaviour.
 *
 * It takes a snapshot of a log buffer with MREMAP_DONTUNMAP (Linux 5.7;
 * 5.13 for a shared buffer): the pages move to the snapshot, the buffer
 * stays mapped, empty, ready for the next writes. Then it files the
 * snapshot and its trailer, two mappings, into an archive with one move
 * (Linux 6.17). On older kernels both calls fail unless libmremap-compat
 * is in front (mremap-compat ./snapshot). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

int main(void)
{
	long p = sysconf(_SC_PAGESIZE);
	char *log, *snap, *archive;

	/* the log, then room for the snapshot and its trailer, then the archive */
	log = mmap(NULL, 16 * p, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (log == MAP_FAILED)
		return 1;
	snap = log + 4 * p;
	archive = log + 10 * p;
	mmap(log, 2 * p, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	strcpy(log, "first entries");

	snap = mremap(log, 2 * p, 2 * p, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, snap);
	if (snap == MAP_FAILED) {
		printf("snapshot failed: %s\n", strerror(errno));
		return 1;
	}
	printf("snapshot: \"%s\"; log after it: %s\n", snap, log[0] ? "not empty" : "empty");
	strcpy(log, "next entries");

	/* the snapshot and a trailer right after it: two mappings, one move */
	mmap(snap + 2 * p, p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	strcpy(snap + 2 * p, "trailer");
	if (mremap(snap, 3 * p, 3 * p, MREMAP_MAYMOVE | MREMAP_FIXED, archive) == MAP_FAILED) {
		printf("filing failed: %s\n", strerror(errno));
		return 1;
	}
	printf("archive: \"%s\" + \"%s\"; log: \"%s\"\n", archive, archive + 2 * p, log);
	return 0;
}
